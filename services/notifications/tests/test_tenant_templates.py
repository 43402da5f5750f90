"""A tenant's own templates (checked when saved, used only where they render, the platform's
part otherwise), the fallback to English, the one-click unsubscribe link and its headers, the
opt-outs the sender obeys, the failing address and the log's retention on a SQLite store, and
the local mail sink: plain Python, no broker."""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default

import pytest

from services.notifications import (
    introductions,
    preferences,
    read_model,
    reminders,
    rendering,
    sender,
    tenant_templates,
)
from services.notifications.domain import INTRODUCTION, ROLES, message_id
from services.notifications.domain import preferences as rules
from services.notifications.domain import templates as template_rules
from services.notifications.endpoints import next_prune
from services.platform_core import mail_sink
from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.store import ALL_TENANTS, EventStore

CONTEXT = tenant_templates.samples(INTRODUCTION)["mentor"]
KEY = b"k" * 32


def problems(source, part="subject", language="en"):
    return tenant_templates.problems(INTRODUCTION, language, part, source)


# -- the check -----------------------------------------------------------------------------------

def test_a_good_template_passes_the_check():
    assert problems("{{ t.subject }} ({{ programme.name|upper }})") == []
    assert problems("<p>{{ t.greeting }}</p>{% if unsubscribe_url %}<a href='{{ unsubscribe_url }}'>x</a>"
                    "{% endif %}", part="html") == []


def test_a_syntax_error_is_refused_with_its_line():
    [problem] = problems("Hello\n{% if role %}\nno end")
    assert problem.startswith("line 3:") or problem.startswith("line 2:"), problem
    assert "endif" in problem or "end of template" in problem


@pytest.mark.parametrize("source", ["{{ ''.__class__.__mro__ }}", "{{ to['__class__'] }}",
                                    "{{ programme.name.__class__.__init__.__globals__ }}"])
def test_a_sandbox_escape_is_refused(source):
    found = problems(source)
    assert found and all("out of a template's reach" in p for p in found), found


def test_unknown_variables_are_named_with_what_may_be_used():
    [problem] = problems("{{ password }} {{ config.SECRET }}")
    assert "unknown variables config, password" in problem
    assert "programme" in problem and "unsubscribe_url" in problem


def test_an_unknown_attribute_fails_with_sample_data_and_says_whose():
    found = problems("{{ other.salary }}")
    assert any("mentor's sample data" in p and "salary" in p for p in found), found


def test_an_unknown_filter_and_a_blank_template_are_refused():
    assert "No filter named 'nosuch'" in problems("{{ role|nosuch }}")[0]
    assert all("renders to nothing" in p for p in problems("{% if false %}x{% endif %}"))


def test_every_kind_has_sample_data_for_every_role():
    for kind in tenant_templates.SAMPLES:
        assert set(tenant_templates.samples(kind)) <= set(ROLES)  # a preview's role is one of them
        assert "t" in tenant_templates.variables(kind)


# -- rendering with overrides ----------------------------------------------------------------------

def test_an_override_replaces_only_its_part_and_html_is_escaped():
    own = {"subject": "Welcome, {{ to.name }}!", "html": "<p>{{ programme.name }} & {{ t.greeting }}</p>"}
    context = {**CONTEXT, "programme": {**CONTEXT["programme"], "name": "<b>Spring</b>"}}
    rendered = rendering.render(INTRODUCTION, "lv", context, own)
    plain = rendering.render(INTRODUCTION, "lv", context)
    assert rendered["subject"] == "Welcome, Anna Berzina!"
    assert rendered["html"].startswith("<p>&lt;b&gt;Spring&lt;/b&gt; & Labdien")  # the values escaped
    assert rendered["text"] == plain["text"] and rendered["language"] == "lv"


def test_an_override_that_fails_on_real_data_falls_back_to_the_platforms_part(caplog):
    own = {"subject": "{{ other.contact.email.upper() }} {{ other.nickname }}"}
    with caplog.at_level(logging.WARNING):
        rendered = rendering.render(INTRODUCTION, "en", CONTEXT, own)
    assert rendered["subject"] == rendering.render(INTRODUCTION, "en", CONTEXT)["subject"]
    assert "did not render" in caplog.text


def test_an_override_cannot_reach_python_even_unchecked():
    assert rendering.render_override("subject", "{{ ''.__class__.__mro__ }}", {}) is None
    assert rendering.render_override("text", "{% set x = to.update({'a': 1}) %}{{ x }}", {"to": {}}) is None


def test_a_missing_translation_is_written_in_english_and_logged(caplog):
    with caplog.at_level(logging.WARNING):
        rendered = rendering.render(INTRODUCTION, "et", CONTEXT)
    assert rendered["language"] == "en" and rendered["subject"].startswith("Meet your mentee")
    assert "no 'et' translation" in caplog.text
    mail = rendering.mail(kind=INTRODUCTION, language="et", context=CONTEXT, sender="m@example.org",
                          message_id="x")
    assert mail["Content-Language"] == "en"


def test_the_unsubscribe_headers_follow_rfc_8058():
    url = "https://mentoring.example/unsubscribe/abc.def"
    mail = rendering.mail(kind=INTRODUCTION, language="en", context=CONTEXT, sender="m@example.org",
                          message_id="x", unsubscribe_url=url)
    parsed = message_from_bytes(mail.as_bytes(), policy=default)
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    without = rendering.mail(kind=INTRODUCTION, language="en", context=CONTEXT, sender="m@example.org", message_id="x")
    assert without["List-Unsubscribe"] is None and without["List-Unsubscribe-Post"] is None


# -- the link and the opt-outs ---------------------------------------------------------------------

def test_an_unsubscribe_token_names_its_recipient_and_cannot_be_forged():
    what = rules.Unsubscribe("school-a", "p-1", "guardian", "reminders")
    token = rules.token(KEY, what)
    assert rules.read_token(KEY, token) == what
    assert rules.read_token(b"other" * 8, token) is None
    body, signature = token.split(".")
    forged = rules.token(KEY, rules.Unsubscribe("school-b", "p-1", "guardian", "reminders")).split(".")[0]
    assert rules.read_token(KEY, f"{forged}.{signature}") is None
    for broken in ("", "abc", "a.b.c", f"{body}.", "!!.!!"):
        assert rules.read_token(KEY, broken) is None


def test_introductions_cannot_be_turned_off_and_other_kinds_are_reminders():
    assert rules.group_of(INTRODUCTION) is None
    assert rules.group_of("deadline_reminder") == "reminders"
    config = {"PLATFORM_SECRET": "s", "NOTIFICATIONS_PUBLIC_URL": "https://m.example/"}
    assert preferences.unsubscribe_url(config, "t", "p", "mentee", INTRODUCTION) is None
    url = preferences.unsubscribe_url(config, "t", "p", "guardian", "deadline_reminder")
    assert url is not None and url.startswith("https://m.example/unsubscribe/")
    key = preferences.signing_key(config)
    assert key is not None and rules.read_token(key, url.rsplit("/", 1)[1]) == rules.Unsubscribe(
        "t", "p", "guardian", "reminders")
    assert preferences.unsubscribe_url({}, "t", "p", "mentee", "deadline_reminder") is None  # no secret


def test_opting_out_twice_records_once_and_clearing_needs_an_opt_out():
    what = rules.Unsubscribe("t", "p", "self", "reminders")
    [event] = rules.opt_out(what, opted_out=False, via="link")
    assert event.event_type == "RecipientOptedOut" and event.payload["via"] == "link"
    assert rules.opt_out(what, opted_out=True, via="link") == []
    assert rules.clear(what, opted_out=False) == []
    assert template_rules.override("t", INTRODUCTION, "en", "subject", "x", current="x") == []
    assert template_rules.reset("t", INTRODUCTION, "en", "subject", current=None) == []
    assert template_rules.stream_id("t", INTRODUCTION, "en", "subject") != template_rules.stream_id(
        "u", INTRODUCTION, "en", "subject")


# -- the sender on a SQLite store --------------------------------------------------------------------

NOW = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
SETTINGS = {"name": "Spring", "content": {"languages": ["en"]}, "dates": {}}


class RefusingSmtp:
    """Stands in for the mail server: refuses every recipient for good, and counts."""

    sent: list = []

    def __init__(self, *args, **kwargs):
        pass

    def send_message(self, message, from_addr, to_addrs):
        RefusingSmtp.sent.append(to_addrs)
        raise smtplib.SMTPRecipientsRefused({to_addrs[0]: (550, b"5.1.1 no such user")})

    def quit(self):
        pass


@pytest.fixture
def store(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'notifications.sqlite3'}")
    store = EventStore(engine, service="notifications", clock=ManualClock(NOW))
    store.create_schema([read_model.metadata, read_model.deliveries_metadata, reminders.metadata,
                         introductions.metadata,
                         tenant_templates.metadata, preferences.metadata])
    with store.transaction("school-a") as tx:
        tx.conn.execute(read_model.programmes.insert().values(programme_id="prog", tenant_id="school-a",
                                                              name="Spring", settings=SETTINGS))
    yield store
    engine.dispose()


def record(store, role="mentee", recorded_at=NOW):
    row = {"message_id": message_id("cause", "mentee-1", role, INTRODUCTION), "tenant_id": "school-a",
           "cause_event_id": "cause", "cause_event_type": "PairingConfirmed", "recipient_id": "mentee-1",
           "role": role, "kind": INTRODUCTION, "programme_id": "prog", "pairing_id": "pair",
           "facts": {"mentor_id": "mentor-1", "mentee_id": "mentee-1"}, "status": read_model.PENDING,
           "attempts": 0, "recorded_at": recorded_at, "next_attempt_at": recorded_at}
    with store.transaction("school-a") as tx:
        read_model.record(tx.conn, False, row)
    return row["message_id"]


def cards(tenant_id, person_ids, programme_id):
    person = {"name": "X", "email": "x@example.org", "phone": None, "minor": False, "guardian": None}
    return {"default_language": "en", "people": {p: {**person, "email": f"{p}@example.org"} for p in person_ids}}


def mail_sender(store):
    return sender.MailSender(store, {"PLATFORM_SECRET": "s", "SMTP_MAX_ATTEMPTS": 3}, cards, holder="test")


def test_the_sender_skips_a_recipient_who_turned_the_kind_off(store, monkeypatch):
    monkeypatch.setattr(rules, "NOT_OPTIONAL", frozenset())  # the introduction as if it were a reminder
    monkeypatch.setattr(sender.smtplib, "SMTP", RefusingSmtp)
    RefusingSmtp.sent = []
    what = rules.Unsubscribe("school-a", "mentee-1", "self", "reminders")
    with store.transaction("school-a") as tx:
        for envelope in tx.append(rules.opt_out(what, opted_out=False, via="link")):
            preferences.OPT_OUTS.apply(tx.conn, envelope)
        assert not preferences.may_send(tx.conn, "school-a", "mentee-1", "mentee", INTRODUCTION)
        assert preferences.may_send(tx.conn, "school-a", "mentee-1", "guardian", INTRODUCTION)  # another audience
    message = record(store)
    mail_sender(store).send_due()
    with store.transaction("school-a") as tx:
        row = read_model.message(tx.conn, "school-a", message)
    assert row is not None
    assert (row["status"], row["last_error"]) == ("skipped", "opted_out") and RefusingSmtp.sent == []


def test_a_refusal_for_good_marks_the_address_failing_until_a_message_gets_through(store, monkeypatch):
    monkeypatch.setattr(sender.smtplib, "SMTP", RefusingSmtp)
    message = record(store)
    mail_sender(store).send_due()
    with store.transaction("school-a") as tx:
        row = read_model.message(tx.conn, "school-a", message)
        [failing] = read_model.failing(tx.conn, "school-a")
        [event] = tx.read_stream("notification", message)
    assert row is not None
    assert (row["status"], row["smtp_code"], event.event_type) == ("failed", 550, "NotificationFailed")
    assert (failing["recipient_id"], failing["audience"], failing["message_id"]) == ("mentee-1", "self", message)
    assert failing["address_version"] == row["address_version"] == preferences.address_version(
        {"PLATFORM_SECRET": "s"}, "mentee-1@example.org")
    assert "@" not in str(row["address_version"])


def test_the_log_keeps_pending_messages_and_prunes_settled_ones_by_age(store):
    old, recent = record(store, "mentee", NOW - timedelta(days=400)), record(store, "mentor", NOW)
    with store.transaction("school-a") as tx:
        read_model.change(tx.conn, old, status=read_model.SENT)
        assert read_model.prune(tx.conn, "school-a", NOW - timedelta(days=365)) == 1
        assert [r["message_id"] for r in read_model.log_rows(tx.conn, "school-a")] == [recent]
        read_model.change(tx.conn, recent, recorded_at=NOW - timedelta(days=500))
        assert read_model.prune(tx.conn, "school-a", NOW) == 0  # still pending: kept
    assert next_prune(datetime(2025, 3, 1, 2, tzinfo=timezone.utc)) == datetime(2025, 3, 1, 3, tzinfo=timezone.utc)
    assert next_prune(datetime(2025, 3, 1, 3, tzinfo=timezone.utc)) == datetime(2025, 3, 2, 3, tzinfo=timezone.utc)


def test_the_pending_gauges_say_how_many_wait_and_for_how_long(store):
    from services.notifications import metrics

    record(store, "mentee", NOW - timedelta(minutes=5))
    record(store, "mentor", NOW - timedelta(minutes=1))
    with store.transaction() as tx:
        pending = read_model.pending_by_kind(tx.conn)
    metrics.observe_pending("notifications-test", pending, NOW, (INTRODUCTION,))
    assert metrics.PENDING.labels(service="notifications-test", kind=INTRODUCTION)._value.get() == 2
    assert metrics.OLDEST_PENDING_AGE.labels(service="notifications-test", kind=INTRODUCTION)._value.get() == 300


# -- the local mail sink ---------------------------------------------------------------------------

def test_the_mail_sink_keeps_what_it_is_given_and_lists_it(tmp_path):
    from services.registration.tests.conftest import free_port

    port = free_port()
    sink = mail_sink.start("127.0.0.1", port, tmp_path / "mails")
    try:
        for n in (1, 2):
            mail = rendering.mail(kind=INTRODUCTION, language="en", context=CONTEXT,
                                  sender="m@example.org", message_id=f"m{n}", unsubscribe_url=f"https://u/{n}")
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                client.send_message(mail)
    finally:
        sink.stop()
    listed = mail_sink.listed(tmp_path / "mails")
    assert [m["number"] for m in listed] == [1, 2]
    assert listed[0]["subject"].startswith("Meet your mentee") and "anna@example.org" in listed[0]["to"]
    assert listed[1]["list_unsubscribe"] == "<https://u/2>" and "Hello Anna Berzina" in listed[1]["text"]


def test_a_tenant_may_write_its_own_template_of_every_kind():
    """Every kind of message has sample data, so a tenant's template of it can be checked and
    previewed (the endpoints accept exactly these kinds)."""
    from services.contracts.notifications import KINDS

    assert set(tenant_templates.SAMPLES) == set(KINDS)
    for kind in KINDS:
        assert tenant_templates.problems(kind, "lv", "subject", "{{ programme.name }}: {{ to.name }}") == [], kind


def test_a_message_claimed_for_a_send_is_not_sent_by_a_replica_that_takes_over_mid_send(store, monkeypatch):
    """A send may outlast the sender's lease (a slow mail server): the message stays claimed for
    the longest one send may take, so the replica that takes the lease over meanwhile leaves it."""
    record(store, recorded_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    first, second = mail_sender(store), sender.MailSender(store, {"PLATFORM_SECRET": "s"}, cards, holder="other")
    [row] = [r for r in _due(store)]
    first._message(row, {})  # claimed: rendering done, the SMTP exchange under way
    lease_over = datetime.now(timezone.utc) + first.lease.ttl + timedelta(seconds=1)
    monkeypatch.setattr(sender, "_utcnow", lambda: lease_over)
    assert _due(store, lease_over) == []  # the other replica finds nothing due
    with pytest.raises(sender.Taken):
        second._message(row, {})
    later = datetime.now(timezone.utc) + first.claim_term + timedelta(seconds=1)
    assert [r["message_id"] for r in _due(store, later)] == [row["message_id"]]  # a dead sender's: due again


def _due(store, now=None):
    with store.transaction(ALL_TENANTS) as tx:
        return read_model.due(tx.conn, now or datetime.now(timezone.utc), 10)
