"""The sender: recorded messages go out after their transaction commits, once.

One sender per store sends at a time (a lease, like the outbox relay's: the others stand by
and take over when it expires). A pass takes the due messages of every tenant, asks
registration for the contacts it needs (``registration.contact_cards``: nothing is kept of
them), renders each message and sends it over one SMTP connection. Each outcome is recorded
in its own transaction with its event:

* accepted: ``sent``, ``NotificationSent``;
* a 4xx answer, no connection, a timeout: tried again after a back-off (``SMTP_RETRY_SECONDS``,
  doubled each time up to ``SMTP_RETRY_MAX_SECONDS``), the attempt and its error in the log;
  after ``SMTP_MAX_ATTEMPTS``: ``failed``, ``NotificationFailed`` (``gave_up``); a coordinator's
  resend (``NotificationResent``) starts a new budget of ``SMTP_MAX_ATTEMPTS`` attempts;
* a 5xx answer: ``failed``, ``NotificationFailed`` (``rejected``), and the address marked
  failing (``notif_failing_addresses``: the person, the audience and the address's keyed hash)
  until a message to that person and audience is sent; the coordinator resends it once the
  address is corrected (``NotificationResent``: same key, a new attempt);
* no one to tell (the recipient was erased, has no address; a guardian's message for a mentee
  who is not a minor), or the recipient turned the message's group off (``opted_out``,
  :func:`.preferences.may_send`): ``skipped``, with the reason, and no event.

A message is rendered with the tenant's own templates of its kind and language, where it has
them (:mod:`.tenant_templates`); one a person may turn off carries the one-click unsubscribe
link (:func:`.preferences.unsubscribe_url`). Each pass sets the pending gauges (:mod:`.metrics`).

Before a message is rendered it is claimed (its log row, still pending with the attempts read,
moved out of the due ones for a lease's term, in a transaction: :func:`.read_model.claim`), and
the lease is renewed during a long pass: a replica that takes the lease over while another's pass
is still sending does not send the same message again.

The window that cannot be closed: a process that dies after the mail server accepted a message
and before its ``sent`` committed sends it again (once its claim has expired); the repeat carries
the same Message-ID (made from the message's key), so a receiving system can tell it is the same
message.

Retries run on wall-clock time (like leases), not the injected domain clock.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import eventlet
from eventlet.event import Event

from services.platform_core import settings as platform_settings
from services.platform_core.events import DomainEvent
from services.platform_core.lease import Lease, process_identity
from services.platform_core.metrics import FAILURES
from services.platform_core.store import ALL_TENANTS, EventStore

from . import metrics, preferences, read_model, reminders, rendering, tenant_templates
from .domain import (
    GROUP_INTRODUCTION,
    GROUP_JOINED,
    INTRODUCTION,
    KINDS,
    PAIRING_ENDED,
    STAFF_ROLES,
    NoOneToTell,
    Outcome,
    attempts_counted,
    backoff,
    choose_language,
    classify,
    next_steps,
    people_of,
    preferred_language,
    template_of,
)
from .domain import message_context as pairing_message_context

log = logging.getLogger(__name__)

#: registration's contact cards: (tenant_id, person_ids, programme_id) -> {"default_language", "people"}
Contacts = Callable[[str, List[str], str], Mapping[str, Any]]

BATCH = 100
STREAM = "notification"


class ProgrammeNotKnownYet(Exception):
    """The programme's settings have not reached notifications yet: the message waits."""


class Taken(Exception):
    """Another sender claimed the message (a replica that took the lease over): not sent here."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class MailSender:
    def __init__(self, store: EventStore, config: Mapping[str, Any], contacts: Contacts,
                 holder: Optional[str] = None):
        self.store, self.config, self.contacts = store, config, contacts
        value = lambda name: platform_settings.value(config, name)  # noqa: E731
        self.lease = Lease(store, "notifications-sender", holder or process_identity(store.service),
                           float(value("OUTBOX_LEASE_SECONDS")))
        self.poll_interval = float(value("OUTBOX_POLL_SECONDS"))
        self.retry_first = float(value("SMTP_RETRY_SECONDS"))
        self.retry_longest = float(value("SMTP_RETRY_MAX_SECONDS"))
        self.max_attempts = int(value("SMTP_MAX_ATTEMPTS"))
        self.sender = str(value("SMTP_SENDER"))
        # a message is claimed for the longest one send may take (the contact cards' call, then the
        # SMTP connection, greeting, TLS, login and the message, each answer within its timeout),
        # never less than the lease: a replica that takes over meanwhile does not send it again; a
        # sender that dies mid-send leaves it due again after this term
        self.claim_term = timedelta(seconds=max(float(value("OUTBOX_LEASE_SECONDS")),
                                                float(value("CATCHUP_TIMEOUT"))
                                                + 5 * float(value("SMTP_TIMEOUT_SECONDS")) + 10))
        self._wake = Event()
        self._running = False

    def wake(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    # -- the loop --------------------------------------------------------------------------------
    def run(self) -> None:
        self._running = True
        failures = 0
        while self._running:
            try:
                full = self.holds_lease() and self.send_due(keep_lease=True) >= BATCH
                failures = 0
                if full:
                    continue  # more is due: no pause
            except Exception as exc:
                self.lease.forget()  # the database failed: take it afresh
                failures += 1
                FAILURES.labels(service=self.store.service, where="mail_sender").inc()
                log.warning("the mail sender of %s: %s (will retry)", self.store.service, exc)
            delay = self.poll_interval if failures == 0 else min(0.2 * 2 ** failures, 10.0)
            with eventlet.Timeout(delay, False):
                self._wake.wait()
            self._wake = Event()

    def holds_lease(self) -> bool:
        """Take the lease, or renew it once a third of its term has passed (as the outbox relay
        does); True while this sender holds it. Asked before every message of a pass too, so a
        long pass keeps its lease, and one that lost it stops."""
        return self.lease.hold(time.monotonic())

    def stop(self) -> None:
        self._running = False
        self.wake()
        try:
            self.lease.release()
        except Exception:  # pragma: no cover - the database may be gone already
            pass

    # -- one pass --------------------------------------------------------------------------------
    def send_due(self, *, keep_lease: bool = False) -> int:
        """Send (or try) every due message; how many were tried. ``keep_lease``: the pass runs
        under the sender's lease, renewed as it goes, and stops if it is lost."""
        with self.store.transaction(ALL_TENANTS) as tx:
            rows = read_model.due(tx.conn, _utcnow(), BATCH)
            pending = read_model.pending_by_kind(tx.conn)
        metrics.observe_pending(self.store.service, pending, _utcnow(), KINDS)
        connection: Optional[smtplib.SMTP] = None
        cards: Dict[Tuple[str, str, str, str], Mapping[str, Any]] = {}
        tried = 0
        try:
            for row in rows:
                if keep_lease and not self.holds_lease():
                    break  # another replica's sender took over: it sends the rest
                try:
                    message, language, address = self._message(row, cards)
                except Taken:
                    continue
                except NoOneToTell as why:
                    metrics.SKIPPED.labels(service=self.store.service, kind=row["kind"], reason=str(why)).inc()
                    self._finish(row, status=read_model.SKIPPED, last_error=str(why))
                    continue
                except ProgrammeNotKnownYet:
                    self._finish(row, status=read_model.PENDING, next_attempt_at=_utcnow() + timedelta(seconds=1))
                    continue
                tried += 1
                try:
                    connection = connection or self._connect()
                    connection.send_message(message, from_addr=parseaddr(self.sender)[1], to_addrs=[address])
                except (smtplib.SMTPException, OSError) as exc:
                    if not isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                                            smtplib.SMTPSenderRefused)):
                        self._close(connection)
                        connection = None
                    self._attempt_failed(row, language, classify(exc), address)
                    continue
                self._sent(row, language, address)
        finally:
            self._close(connection)
        return tried

    def _connect(self) -> smtplib.SMTP:
        host = str(platform_settings.value(self.config, "SMTP_HOST"))
        port = int(platform_settings.value(self.config, "SMTP_PORT"))
        timeout = float(platform_settings.value(self.config, "SMTP_TIMEOUT_SECONDS"))
        tls = str(platform_settings.value(self.config, "SMTP_TLS"))
        connection: smtplib.SMTP
        if tls == "tls":
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
            if tls == "starttls":
                connection.starttls(context=ssl.create_default_context())
        user = platform_settings.value(self.config, "SMTP_USER")
        if user:
            connection.login(str(user), str(platform_settings.value(self.config, "SMTP_PASSWORD") or ""))
        return connection

    @staticmethod
    def _close(connection: Optional[smtplib.SMTP]) -> None:
        if connection is not None:
            try:
                connection.quit()
            except Exception:  # already gone
                connection.close()

    def _message(self, row: Mapping[str, Any], cache: Dict[Tuple[str, str, str, str], Mapping[str, Any]]
                 ) -> Tuple[EmailMessage, str, str]:
        tenant_id = row["tenant_id"]
        with self.store.transaction(tenant_id) as tx:
            if not read_model.claim(tx.conn, row, _utcnow(), until=_utcnow() + self.claim_term):
                raise Taken(row["message_id"])
            programme = read_model.programme(tx.conn, tenant_id, row["programme_id"])
            if not preferences.may_send(tx.conn, tenant_id, row["recipient_id"], row["role"], row["kind"]):
                raise NoOneToTell("opted_out")
            own = tenant_templates.saved(tx.conn, tenant_id, row["kind"])
        if programme is None:
            raise ProgrammeNotKnownYet(row["programme_id"])
        key = (tenant_id, row["programme_id"], row["pairing_id"] or row["cause_event_id"],
               row["recipient_id"] if row["role"] in STAFF_ROLES or row["kind"] not in PAIRING_KINDS else "")
        if key not in cache:
            cache[key] = self.contacts(tenant_id, contacts_needed(row), row["programme_id"])
        context, language, template = message_context(row, programme, cache[key])
        language = rendering.available_language(template, language)
        own = [t for t in own if t["language"] == language] if template == row["kind"] else []
        message = rendering.mail(kind=template, language=language, context=context, sender=self.sender,
                                 message_id=row["message_id"], date=_utcnow(),
                                 overrides={t["part"]: t["source"] for t in own},
                                 unsubscribe_url=preferences.unsubscribe_url(self.config, tenant_id,
                                                                             row["recipient_id"], row["role"],
                                                                             row["kind"]))
        return message, language, str(context["to"]["email"])

    # -- outcomes --------------------------------------------------------------------------------
    def _finish(self, row: Mapping[str, Any], *, event: Optional[DomainEvent] = None,
                then: Optional[Callable[[Any], None]] = None, **values: Any) -> None:
        """The outcome of an attempt: the log row changed, its event appended (after whatever
        the message's stream holds: a resent message has had an outcome before), ``then(conn)``,
        in one transaction."""
        with self.store.transaction(row["tenant_id"]) as tx:
            read_model.change(tx.conn, row["message_id"], **values)
            if event is not None:
                version = len(tx.read_stream(STREAM, row["message_id"]))
                tx.append([event], expected={(STREAM, row["message_id"]): version})
            if then is not None:
                then(tx.conn)

    def _payload(self, row: Mapping[str, Any], language: str, attempts: int) -> Dict[str, Any]:
        return {"message_id": row["message_id"], "kind": row["kind"], "recipient_id": row["recipient_id"],
                "role": row["role"], "programme_id": row["programme_id"], "pairing_id": row["pairing_id"],
                "cause_event_id": row["cause_event_id"], "cause_event_type": row["cause_event_type"],
                "occurrence": row.get("occurrence") or 1, "language": language, "attempts": attempts}

    def _sent(self, row: Mapping[str, Any], language: str, address: str) -> None:
        attempts, now = row["attempts"] + 1, self.store.clock.now()
        payload = {**self._payload(row, language, attempts), "sent_at": now.isoformat()}
        audience = read_model.audience_of(row["role"])
        self._finish(row, status=read_model.SENT, attempts=attempts, language=language, sent_at=_utcnow(),
                     next_attempt_at=None, address_version=preferences.address_version(self.config, address),
                     event=DomainEvent("NotificationSent", STREAM, row["message_id"], payload),
                     then=lambda conn: read_model.clear_failing(conn, row["tenant_id"], row["recipient_id"], audience))
        metrics.SENT.labels(service=self.store.service, kind=row["kind"]).inc()

    def _attempts_before_resend(self, row: Mapping[str, Any]) -> int:
        """The attempts made before the message's last resend (0: never resent)."""
        if not row["attempts"]:
            return 0
        with self.store.transaction(row["tenant_id"]) as tx:
            resent = [e for e in tx.read_stream(STREAM, row["message_id"]) if e.event_type == "NotificationResent"]
        return int(resent[-1].payload["attempts"]) if resent else 0

    def _attempt_failed(self, row: Mapping[str, Any], language: str, outcome: Outcome, address: str) -> None:
        attempts = row["attempts"] + 1
        version = preferences.address_version(self.config, address)
        values = {"attempts": attempts, "language": language, "last_error": outcome.error, "smtp_code": outcome.code,
                  "address_version": version}
        counted = attempts_counted(attempts, self._attempts_before_resend(row)) if not outcome.permanent else attempts
        if not outcome.permanent and counted < self.max_attempts:
            wait = backoff(counted, self.retry_first, self.retry_longest)
            self._finish(row, next_attempt_at=_utcnow() + timedelta(seconds=wait), **values)
            metrics.RETRIED.labels(service=self.store.service, kind=row["kind"]).inc()
            return
        reason = "rejected" if outcome.permanent else "gave_up"
        payload = {**self._payload(row, language, attempts), "reason": reason,
                   "smtp_code": outcome.code, "error": outcome.error,
                   "failed_at": self.store.clock.now().isoformat()}
        now = self.store.clock.now()
        self._finish(row, status=read_model.FAILED, next_attempt_at=None,
                     event=DomainEvent("NotificationFailed", STREAM, row["message_id"], payload),
                     then=(lambda conn: read_model.mark_failing(conn, row, version, outcome.code, now))
                     if outcome.permanent else None, **values)
        metrics.FAILED.labels(service=self.store.service, kind=row["kind"], reason=reason).inc()


# -- what a message says ---------------------------------------------------------------------------

#: the kinds about a pairing or an e-course group: their templates are given both sides (the
#: others: notices)
PAIRING_KINDS = (INTRODUCTION, PAIRING_ENDED, GROUP_INTRODUCTION, GROUP_JOINED)


def contacts_needed(row: Mapping[str, Any]) -> List[str]:
    """Whose contact cards a message needs: a pairing's or a group's news everyone in it (and
    the staff member it is for), a notice its recipient (and the other side it names)."""
    if row["kind"] not in PAIRING_KINDS:
        return reminders.notice_people(row)
    return people_of(row["facts"]) + ([row["recipient_id"]] if row["role"] in STAFF_ROLES else [])


def message_context(row: Mapping[str, Any], programme: Mapping[str, Any],
                    cards: Mapping[str, Any]) -> Tuple[Dict[str, Any], str, str]:
    """The context of a message's templates, the language it is written in (the recipient's:
    before the fallback to English of a kind not written in it) and the templates it is
    written with (a staff member's or a team member's introduction has its own). Raises
    :class:`NoOneToTell`."""
    people = cards.get("people") or {}
    language = choose_language(preferred_language(row["recipient_id"], people), cards.get("default_language"))
    if row["kind"] not in PAIRING_KINDS:
        return reminders.notice_context_of(row, programme, cards), language, row["kind"]
    settings = programme["settings"]
    context = pairing_message_context(kind=row["kind"], role=row["role"], recipient_id=row["recipient_id"],
                                      facts=row["facts"], people=people,
                                      programme=next_steps(settings, programme["name"]), settings=settings,
                                      staff=cards.get("staff") or ())
    return context, language, template_of(row["kind"], row["role"])
