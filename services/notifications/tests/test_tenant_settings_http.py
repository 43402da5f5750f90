"""Over the real broker, PostgreSQL and an SMTP server on loopback: a tenant's own templates
(checked, used for that tenant only, previewed for sample data or a real pairing), the
one-click unsubscribe link and the opt-outs, a refused address marked failing and the message
resent once it is corrected, a person's export, and the log's retention job."""
from __future__ import annotations

import pytest

from services.notifications import preferences
from services.notifications.domain import preferences as rules
from services.platform_core.dependencies import store_engine_of
from services.platform_core.scheduler import scheduler_of
from services.platform_core.tenancy import issue_participant_token
from services.platform_core.testing import wait_for
from services.registration.tests.conftest import PLATFORM_SECRET, START

from .conftest import settled_log

pytestmark = pytest.mark.integration
SIGNING_KEY = preferences.signing_key({"PLATFORM_SECRET": PLATFORM_SECRET}) or b""

SUBJECT = "/tenants/{slug}/templates/introduction/lt/subject"


def stored(platform, tenant, event_type):
    """The events of a type in notifications' own store (a template's or an opt-out's stream is
    not bound to the test's watcher queue)."""
    store = store_engine_of(platform.notifications).require_store()
    return [e for e in store.read_after(0, tenant_id=tenant, event_types=[event_type])]


def test_a_tenants_own_template_is_checked_used_for_it_only_and_reset(platform):
    school, other = platform.school(), platform.school()
    url = SUBJECT.format(slug=school.slug)
    for source, expected in [("{% if role %}Labas", "line 1"), ("{{ ''.__class__.__mro__ }}", "out of a template's"),
                             ("{{ secret }}", "unknown variable secret")]:
        refused = platform.api.call("PUT", url, school.key, json={"source": source})
        assert refused.status_code == 422, refused.text
        assert expected in refused.json()["message"] and refused.json()["details"]["source"], refused.json()
    assert platform.api.call("PUT", url, school.key, json={"source": ""}).status_code == 400
    assert platform.api.call("PUT", f"/tenants/{school.slug}/templates/introduction/xx/subject", school.key,
                             json={"source": "x"}).status_code == 404
    saved = platform.api.call("PUT", url, school.key, json={"source": "Sveiki, {{ to.name }}: {{ programme.name }}"})
    assert saved.status_code == 200, saved.text
    assert platform.api.get(url, school.key).json()["source"] == "Sveiki, {{ to.name }}: {{ programme.name }}"
    assert platform.api.get(SUBJECT.format(slug=other.slug), other.key).status_code == 404
    assert platform.api.get(url, other.key).status_code == 404  # another tenant's

    listed = platform.api.get(f"/tenants/{school.slug}/templates", school.key).json()
    assert [t["part"] for t in listed["templates"]] == ["subject"]
    assert "programme" in listed["kinds"]["introduction"]["variables"]

    school.pair()
    other.pair()
    settled_log(school)
    settled_log(other)
    [to_mentor] = [m for m in platform.mailbox.to("ona@example.lt") if "Sveiki" in str(m["Subject"])]
    assert str(to_mentor["Subject"]).startswith("Sveiki, Ona Petraitienė: ")
    assert len([m for m in platform.mailbox.messages if "Sveiki" in str(m["Subject"])]) == 3  # not the other's
    [event] = stored(platform, school.slug, "TemplateOverridden")
    assert (event.payload["part"], event.actor.kind) == ("subject", "coordinator")

    assert platform.api.call("DELETE", url, school.key).json()["reset"] is True
    assert platform.api.call("DELETE", url, school.key).status_code == 404
    assert platform.api.get(f"/tenants/{school.slug}/templates", school.key).json()["templates"] == []


def test_a_preview_renders_sample_data_or_a_real_pairing_and_sends_nothing(platform):
    school = platform.school()
    assert platform.api.call("PUT", f"/tenants/{school.slug}/templates/introduction/lv/html", school.key,
                             json={"source": "<h1>{{ t.subject }}</h1><p>{{ other.name }}</p>"}).status_code == 200
    sample = platform.api.get(f"/tenants/{school.slug}/previews/introduction/lv?role=mentee", school.key)
    assert sample.status_code == 200, sample.text
    body = sample.json()
    assert body["sample"] is True and body["overridden"] == ["html"] and body["language"] == "lv"
    assert body["html"].startswith("<h1>") and "Anna Berzina" in body["html"] and "Anna Berzina" in body["text"]
    assert body["unsubscribe_url"] is None  # an introduction cannot be turned off

    before = len(platform.mailbox.messages)
    envelope = school.pair()
    introductions = {r["message_id"] for r in settled_log(school)}
    logged = {r["message_id"] for r in school.log()}
    real = platform.api.get(f"/tenants/{school.slug}/previews/introduction/lv?role=mentor&pairing_id="
                            f"{envelope.stream_id}", school.key)
    assert real.status_code == 200, real.text
    assert real.json()["sample"] is False and "Jonas Jonaitis" in real.json()["html"]
    assert platform.api.get(f"/tenants/{school.slug}/previews/introduction/lv?pairing_id=nope",
                            school.key).status_code == 404
    assert platform.api.get(f"/tenants/{school.slug}/previews/introduction/lv?role=boss",
                            school.key).status_code == 400
    # the pairing's three, each once; the previews recorded and sent nothing
    since = [str(m["Message-ID"]).strip("<>").split("@")[0] for m in platform.mailbox.messages[before:]]
    assert sorted(i for i in since if i in introductions) == sorted(introductions)
    assert {r["message_id"] for r in school.log()} <= logged


def test_the_one_click_link_turns_reminders_off_once_and_the_coordinator_turns_them_on(platform):
    school = platform.school()
    what = rules.Unsubscribe(school.slug, school.mentee, "guardian", "reminders")
    token = rules.token(SIGNING_KEY, what)

    page = platform.api.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "<form method=\"post\">" in page.text
    assert platform.api.get(f"/tenants/{school.slug}/opt-outs", school.key).json()["opt_outs"] == []  # GET: nothing
    for _ in range(2):  # as a mail program posts it (RFC 8058), twice
        done = platform.api.call("POST", f"/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert done.status_code == 200 and "no more reminders" in done.text
    [opt_out] = platform.api.get(f"/tenants/{school.slug}/opt-outs", school.key).json()["opt_outs"]
    assert (opt_out["person_id"], opt_out["audience"], opt_out["via"]) == (school.mentee, "guardian", "link")
    assert len(stored(platform, school.slug, "RecipientOptedOut")) == 1

    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert platform.api.call("POST", f"/unsubscribe/{forged}").status_code == 404
    assert platform.api.call("DELETE", f"/tenants/{school.slug}/opt-outs/{school.mentee}",
                             school.key).status_code == 404  # their own address: not turned off
    cleared = platform.api.call("DELETE", f"/tenants/{school.slug}/opt-outs/{school.mentee}?audience=guardian",
                                school.key)
    assert cleared.status_code == 200 and cleared.json()["cleared"] is True
    assert platform.api.get(f"/tenants/{school.slug}/opt-outs", school.key).json()["opt_outs"] == []
    assert platform.api.get(f"/tenants/{school.slug}/opt-outs", platform.school().key).status_code == 404


def test_a_refused_address_is_marked_and_the_message_resent_once_corrected(platform):
    school = platform.school(mentee_email="reject-me@example.lt")
    school.pair()
    failed = {r["role"]: r for r in settled_log(school)}["mentee"]
    assert (failed["status"], failed["address_failing"]) == ("failed", True)
    [failing] = platform.api.get(f"/tenants/{school.slug}/failing-addresses", school.key).json()["failing_addresses"]
    assert (failing["recipient_id"], failing["audience"], failing["smtp_code"]) == (school.mentee, "self", 550)
    resend = f"/tenants/{school.slug}/notifications/{failed['message_id']}/resend"

    unchanged = platform.api.post(resend, school.key)
    assert unchanged.status_code == 422 and "not been corrected" in unchanged.json()["message"], unchanged.text
    mentor_row = {r["role"]: r for r in school.log()}["mentor"]
    assert platform.api.post(f"/tenants/{school.slug}/notifications/{mentor_row['message_id']}/resend",
                             school.key).status_code == 409  # it was sent

    corrected = platform.registration.patch(f"/tenants/{school.slug}/people/{school.mentee}", school.key,
                                            {"personal": {"email": "jonas.fixed@example.lt"}})
    assert corrected.status_code == 200, corrected.text
    again = platform.api.post(resend, school.key)
    assert again.status_code == 200 and again.json()["status"] == "pending", again.text
    row = wait_for(lambda: [r for r in school.log() if r["message_id"] == failed["message_id"]
                            and r["status"] == "sent"], timeout=30, message="the resent message sent")[0]
    assert row["attempts"] == 2 and row["address_failing"] is False
    assert len(platform.mailbox.to("jonas.fixed@example.lt")) == 1
    assert platform.api.get(f"/tenants/{school.slug}/failing-addresses", school.key).json()["failing_addresses"] == []
    [resent] = wait_for(lambda: platform.events(school.slug, "NotificationResent"), message="NotificationResent")
    assert resent["payload"]["address_changed"] is True and resent["actor"]["kind"] == "coordinator"
    assert wait_for(lambda: [e for e in platform.events(school.slug, "NotificationSent")
                             if e["payload"]["message_id"] == failed["message_id"]], message="its NotificationSent")


def test_a_persons_export_holds_their_log_and_opt_outs_and_old_entries_are_pruned(platform):
    school = platform.school()
    school.pair()
    settled_log(school)
    export = platform.api.get(f"/tenants/{school.slug}/people/{school.mentee}/notifications/export", school.key)
    assert export.status_code == 200, export.text
    body = export.json()
    assert {r["role"] for r in body["notifications"]} == {"mentee", "guardian"} and body["kept_days"] == 365
    assert "@" not in str(body)
    own = issue_participant_token({"PLATFORM_SECRET": PLATFORM_SECRET}, school.slug, school.mentee, START)
    assert platform.api.get(f"/tenants/{school.slug}/people/{school.mentee}/notifications/export",
                            own).status_code == 200  # the participant reads their own
    assert platform.api.get(f"/tenants/{school.slug}/people/{school.mentor}/notifications/export",
                            own).status_code == 404

    clock = platform.notifications.config["CLOCK"]
    clock.advance(days=366)
    try:
        scheduler = scheduler_of(platform.notifications)
        wait_for(lambda: not school.log("introduction") or (scheduler.run_due() and False), timeout=20,
                 message="the log pruned by its daily job")
    finally:
        clock.advance(days=-366)
