"""A coordinator's resend of a message the sender gave up on (transient failures until
``SMTP_MAX_ATTEMPTS``) gives it a new budget of attempts: it is tried again, with back-off,
until it gets through or the new budget runs out, not once. And a message claimed by one
sender is not sent by another that read it before the claim."""
from __future__ import annotations

import smtplib
from datetime import datetime, timedelta, timezone

from services.notifications import read_model, sender
from services.notifications.domain import attempts_counted, backoff
from services.notifications.endpoints import mark_resent
from services.platform_core.envelope import SYSTEM

from .test_tenant_templates import cards, record, store  # noqa: F401 - the SQLite store fixture


class FlakySmtp:
    """Stands in for the mail server: answers 421 (try again later) while ``down``."""

    down = True
    accepted: list = []

    def __init__(self, *args, **kwargs):
        pass

    def send_message(self, message, from_addr, to_addrs):
        if FlakySmtp.down:
            raise smtplib.SMTPDataError(421, b"4.3.2 service not available, try again later")
        FlakySmtp.accepted.append(to_addrs)

    def quit(self):
        pass


def _row(store, message):  # noqa: F811
    with store.transaction("school-a") as tx:
        return read_model.message(tx.conn, "school-a", message)


def _events(store, message):  # noqa: F811
    with store.transaction("school-a") as tx:
        return [e.event_type for e in tx.read_stream("notification", message)]


def test_a_resend_after_giving_up_starts_a_new_budget_of_attempts(store, monkeypatch):  # noqa: F811
    monkeypatch.setattr(sender.smtplib, "SMTP", FlakySmtp)
    FlakySmtp.down, FlakySmtp.accepted = True, []
    mail = sender.MailSender(store, {"PLATFORM_SECRET": "s", "SMTP_MAX_ATTEMPTS": 3, "SMTP_RETRY_SECONDS": 0,
                                     "SMTP_RETRY_MAX_SECONDS": 0}, cards, holder="test")
    message = record(store)
    for _ in range(3):
        assert mail.send_due() == 1
    row = _row(store, message)
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert _events(store, message) == ["NotificationFailed"]

    with store.transaction("school-a") as tx:
        mark_resent(tx, row, address_changed=False, actor=SYSTEM)
    for tries in (4, 5):  # still down: tried again and again, not given up after one try
        assert mail.send_due() == 1
        row = _row(store, message)
        assert (row["status"], row["attempts"]) == ("pending", tries)
    FlakySmtp.down = False
    assert mail.send_due() == 1
    row = _row(store, message)
    assert (row["status"], row["attempts"]) == ("sent", 6) and len(FlakySmtp.accepted) == 1
    assert _events(store, message) == ["NotificationFailed", "NotificationResent", "NotificationSent"]


def test_a_resent_message_gives_up_again_when_its_new_budget_runs_out(store, monkeypatch):  # noqa: F811
    monkeypatch.setattr(sender.smtplib, "SMTP", FlakySmtp)
    FlakySmtp.down, FlakySmtp.accepted = True, []
    mail = sender.MailSender(store, {"PLATFORM_SECRET": "s", "SMTP_MAX_ATTEMPTS": 2, "SMTP_RETRY_SECONDS": 0,
                                     "SMTP_RETRY_MAX_SECONDS": 0}, cards, holder="test")
    message = record(store)
    mail.send_due(), mail.send_due()
    failed = _row(store, message)
    with store.transaction("school-a") as tx:
        mark_resent(tx, failed, address_changed=False, actor=SYSTEM)
    mail.send_due()
    assert _row(store, message)["status"] == "pending"
    mail.send_due()
    assert (_row(store, message)["status"], _row(store, message)["attempts"]) == ("failed", 4)
    assert _events(store, message) == ["NotificationFailed", "NotificationResent", "NotificationFailed"]


def test_the_back_off_starts_again_after_a_resend():
    assert attempts_counted(7, 5) == 2 and attempts_counted(3, 0) == 3
    assert backoff(attempts_counted(6, 5), 1.0, 60.0) == 1.0


def test_a_message_claimed_by_one_sender_is_not_sent_by_another(store, monkeypatch):  # noqa: F811
    """Two replicas' senders around a lease handover: the one that read the message late finds it
    claimed and leaves it."""
    monkeypatch.setattr(sender.smtplib, "SMTP", FlakySmtp)
    FlakySmtp.down, FlakySmtp.accepted = False, []
    message = record(store)
    with store.transaction("school-a") as tx:
        [seen] = read_model.due(tx.conn, datetime.now(timezone.utc), 10)
        assert read_model.claim(tx.conn, seen, datetime.now(timezone.utc),
                                until=datetime.now(timezone.utc) + timedelta(seconds=10))
    late = sender.MailSender(store, {"PLATFORM_SECRET": "s"}, cards, holder="late")
    monkeypatch.setattr(sender.read_model, "due", lambda conn, now, limit: [seen])  # read before the claim
    assert late.send_due() == 0 and FlakySmtp.accepted == []
    assert _row(store, message)["status"] == "pending"
