"""The notifications service's entrypoints beyond the introduction itself, as mixins of
:class:`~.service.NotificationsService` (which holds ``store``, ``config``, ``clock``, ``sender``):

* :class:`TemplateEndpoints`: a tenant's own templates (saved, read, reset) and previews;
* :class:`OptOutEndpoints`: the one-click unsubscribe link (RFC 8058) and the tenant's list of
  opt-outs;
* :class:`DeliveryEndpoints`: resending a failed message, the failing addresses, a person's
  export;
* :class:`RetentionJobs`: the daily job that deletes log entries older than
  ``NOTIFICATIONS_LOG_KEEP_DAYS``.
"""
from __future__ import annotations

import html
import logging
from datetime import datetime, time, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional

from werkzeug.wrappers import Response

from services.platform_core import settings
from services.platform_core.envelope import SYSTEM
from services.platform_core.events import DomainEvent
from services.platform_core.scheduler import Job, scheduled
from services.platform_core.scheduler import schedule as schedule_job
from services.platform_core.store import ALL_TENANTS, StoreTransaction
from services.platform_core.tenancy import COORDINATOR, PARTICIPANT, Caller, authenticate
from services.platform_core.web import (
    Conflict,
    NotFound,
    ServiceUnavailable,
    TemporarilyUnavailable,
    Unprocessable,
    api,
    bearer_token,
    load_input,
    read_json,
)

from . import preferences, read_model, rendering, schemas, tenant_templates
from .domain import LANGUAGES, NoOneToTell
from .domain import preferences as rules
from .domain import templates as template_rules
from .sender import STREAM, contacts_needed, message_context

log = logging.getLogger(__name__)

C = (COORDINATOR,)
TEMPLATE = "/tenants/<tenant_id>/templates/<kind>/<language>/<part>"
NO_TEMPLATE_PLACE = "no such kind, language or part (the kinds, languages and parts: GET /tenants/{t}/templates)"
PRUNE_JOB = "notifications-log-prune"
PRUNE_HOUR = 3


def endpoint(method: str, url: str, **declared):
    return api(method, url, expected_exceptions=(NotFound, Conflict, Unprocessable), **declared)


def _when(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def delivery_view(row: Mapping[str, Any], failing: Any = frozenset()) -> Dict[str, Any]:
    """A log entry (ids only); ``failing``: the (recipient, audience) whose address is failing."""
    return {"message_id": row["message_id"], "kind": row["kind"], "recipient_id": row["recipient_id"],
            "role": row["role"], "programme_id": row["programme_id"], "pairing_id": row["pairing_id"],
            "cause_event_id": row["cause_event_id"], "cause_event_type": row["cause_event_type"],
            "occurrence": row["occurrence"], "status": row["status"], "language": row["language"],
            "attempts": row["attempts"], "last_error": row["last_error"], "smtp_code": row["smtp_code"],
            "recorded_at": _when(row["recorded_at"]), "next_attempt_at": _when(row["next_attempt_at"]),
            "sent_at": _when(row["sent_at"]),
            "address_failing": (row["recipient_id"], read_model.audience_of(row["role"])) in failing}


def failing_set(conn, tenant_id: str, recipient_id: Optional[str] = None) -> frozenset:
    return frozenset((f["recipient_id"], f["audience"]) for f in read_model.failing(conn, tenant_id, recipient_id))


def failing_view(row: Mapping[str, Any]) -> Dict[str, Any]:
    return {"recipient_id": row["recipient_id"], "audience": row["audience"], "message_id": row["message_id"],
            "smtp_code": row["smtp_code"], "failed_at": _when(row["failed_at"])}


class _Endpoints:
    """What the mixins need of the service."""

    store: Any
    config: Any
    clock: Any
    sender: Any

    def _caller_of(self, request, tenant_id: str, *kinds: str) -> Caller:
        with self.store.transaction(ALL_TENANTS) as tx:
            caller = authenticate(tx.conn, self.config, bearer_token(request), self.clock.now())
        caller.require_tenant(tenant_id)
        return caller.require_kind(*kinds)

    def _cards(self, tenant_id: str, person_ids: List[str], programme_id: str) -> Mapping[str, Any]:
        """Registration's contact cards, now (503 when it cannot be asked)."""
        if self.sender is None:
            raise ServiceUnavailable("this process sends no mail, so it cannot ask registration for contacts")
        try:
            return self.sender.contacts(tenant_id, person_ids, programme_id)
        except Exception as exc:
            log.warning("registration's contact cards could not be read: %s: %s", type(exc).__name__, exc)
            raise TemporarilyUnavailable("registration could not be asked for the contacts; nothing was "
                                         "changed: try again in a few seconds") from None


# -- templates -----------------------------------------------------------------------------------

#: the kinds a tenant may write its own templates of (those with sample data to check them by)
OWN_KINDS = tuple(tenant_templates.SAMPLES)


def _template_place(kind: str, language: str, part: Optional[str] = None) -> None:
    if kind not in OWN_KINDS or language not in LANGUAGES or (part is not None and part not in template_rules.PARTS):
        raise NotFound(f"there is no template {kind}/{language}" + (f"/{part}" if part else "")
                       + f": kinds {', '.join(OWN_KINDS)}; languages {', '.join(LANGUAGES)}; parts "
                       f"{', '.join(template_rules.PARTS)}")


class TemplateEndpoints(_Endpoints):

    @endpoint("GET", "/tenants/<tenant_id>/templates", roles=C, responses={200: schemas.TemplatesView},
              summary="The tenant's own templates, and the variables each kind of message gives a template",
              tags=("templates",))
    def templates(self, request, tenant_id):
        self._caller_of(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            rows = tenant_templates.saved(tx.conn, tenant_id)
        return {"templates": [tenant_templates.view(r) for r in rows],
                "kinds": {kind: {"languages": list(LANGUAGES), "parts": list(template_rules.PARTS),
                                 "variables": tenant_templates.variables(kind)} for kind in OWN_KINDS}}

    @endpoint("GET", TEMPLATE, roles=C, responses={200: schemas.TemplateView},
              errors={404: NO_TEMPLATE_PLACE + "; or the tenant has no template of its own there"},
              summary="The tenant's own template of a part of a kind of message in a language", tags=("templates",))
    def template(self, request, tenant_id, kind, language, part):
        self._caller_of(request, tenant_id, COORDINATOR)
        _template_place(kind, language, part)
        with self.store.transaction(tenant_id) as tx:
            rows = [r for r in tenant_templates.saved(tx.conn, tenant_id, kind, language) if r["part"] == part]
        if not rows:
            raise NotFound(f"the tenant has no {kind}/{language}/{part} template of its own (the platform's is used)")
        return tenant_templates.view(rows[0])

    @endpoint("PUT", TEMPLATE, roles=C, body=schemas.TemplateInput, responses={200: schemas.TemplateView},
              example={"source": "{{ t.subject }} ({{ programme.name }})"},
              errors={404: NO_TEMPLATE_PLACE, 422: "the template does not parse (the line says where), names a "
                      "variable its kind does not give, reaches for something out of a template's reach, or "
                      "fails (or says nothing) with sample data: details.source says what"},
              summary="Save the tenant's own template of a part of a kind of message in a language (checked "
                      "first)", tags=("templates",))
    def save_template(self, request, tenant_id, kind, language, part):
        """Used for this tenant's messages of the kind in the language from now on; a template
        that fails on a message's data anyway is replaced by the platform's for that message."""
        caller = self._caller_of(request, tenant_id, COORDINATOR)
        _template_place(kind, language, part)
        source = load_input(schemas.TemplateInput, read_json(request))["source"]
        found = tenant_templates.problems(kind, language, part, source)
        if found:
            raise Unprocessable(f"the {part} template cannot be used: {found[0]}", details={"source": found})
        with self.store.transaction(tenant_id) as tx:
            current = tenant_templates.current(tx.conn, tenant_id, kind, language, part)
            self._append_own(tx, template_rules.override(tenant_id, kind, language, part, source, current),
                             caller.actor)
            [row] = [r for r in tenant_templates.saved(tx.conn, tenant_id, kind, language) if r["part"] == part]
        return tenant_templates.view(row)

    @endpoint("DELETE", TEMPLATE, roles=C, responses={200: schemas.TemplateResetView},
              errors={404: NO_TEMPLATE_PLACE + "; or the tenant has no template of its own there"},
              summary="Remove the tenant's own template: the platform's is used again", tags=("templates",))
    def reset_template(self, request, tenant_id, kind, language, part):
        caller = self._caller_of(request, tenant_id, COORDINATOR)
        _template_place(kind, language, part)
        with self.store.transaction(tenant_id) as tx:
            current = tenant_templates.current(tx.conn, tenant_id, kind, language, part)
            if current is None:
                raise NotFound(f"the tenant has no {kind}/{language}/{part} template of its own")
            self._append_own(tx, template_rules.reset(tenant_id, kind, language, part, current), caller.actor)
        return {"kind": kind, "language": language, "part": part, "reset": True}

    @endpoint("GET", "/tenants/<tenant_id>/previews/<kind>/<language>", roles=C, query=schemas.PreviewQuery,
              responses={200: schemas.PreviewView},
              errors={404: NO_TEMPLATE_PLACE + "; or pairing_id names no pairing with such a message here",
                      422: "the pairing's message has no one to go to (e.g. a guardian's for an adult)"},
              summary="A kind of message rendered with the tenant's templates, for sample data or a real "
                      "pairing: subject, text and HTML; nothing is sent", tags=("templates",))
    def preview(self, request, tenant_id, kind, language):
        self._caller_of(request, tenant_id, COORDINATOR)
        _template_place(kind, language)
        query = load_input(schemas.PreviewQuery, dict(request.args.items()))
        role, pairing_id = query["role"], query["pairing_id"]
        context = self._preview_context(tenant_id, kind, role, pairing_id)
        with self.store.transaction(tenant_id) as tx:
            written = rendering.available_language(kind, language)
            own = tenant_templates.overrides(tx.conn, tenant_id, kind, written)
        url = preferences.unsubscribe_url(self.config, tenant_id, "preview", role, kind)
        return {**tenant_templates.preview(kind, written, context, own, url), "role": role,
                "sample": pairing_id is None}

    def _preview_context(self, tenant_id: str, kind: str, role: str, pairing_id: Optional[str]) -> Mapping[str, Any]:
        if pairing_id is None:
            contexts = tenant_templates.samples(kind)
            if role not in contexts:
                raise NotFound(f"a {kind} message has no {role} recipient")
            return contexts[role]
        with self.store.transaction(tenant_id) as tx:
            rows = [r for r in read_model.log_rows(tx.conn, tenant_id, pairing_id=pairing_id)
                    if r["kind"] == kind and r["role"] == role]
            programme = read_model.programme(tx.conn, tenant_id, rows[0]["programme_id"]) if rows else None
        if not rows or programme is None:
            raise NotFound(f"pairing {pairing_id} has no {kind} message to a {role} here")
        cards = self._cards(tenant_id, contacts_needed(rows[0]), rows[0]["programme_id"])
        try:
            context, _language, _template = message_context(rows[0], programme, cards)
        except NoOneToTell as why:
            raise Unprocessable(f"the {role}'s {kind} message of this pairing goes to no one: {why}",
                                details={"role": [str(why)]}) from None
        return context

    @staticmethod
    def _append_own(tx: StoreTransaction, events: List[DomainEvent], actor) -> None:
        """Append the service's own events (each stream at the version read) and project them."""
        if not events:
            return
        expected = {(e.stream_type, e.stream_id): len(tx.read_stream(e.stream_type, e.stream_id)) for e in events}
        for envelope in tx.append(events, expected=expected, actor=actor):
            tenant_templates.TEMPLATES.apply(tx.conn, envelope)
            preferences.OPT_OUTS.apply(tx.conn, envelope)


# -- opt-outs ------------------------------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;max-width:36em;margin:2em auto;padding:0 1em;line-height:1.5">
<h1 style="font-size:1.4em">{title}</h1>{body}</body></html>
"""


def page(title: str, body: str, status: int = 200) -> Response:
    return Response(_PAGE.format(title=html.escape(title), body=body), status=status, mimetype="text/html",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


NOT_A_LINK = ("This link is not valid", "<p>The link may have been cut short by your mail program. Please use "
              "the whole link from the e-mail, or ask your programme's coordinator.</p>")


class OptOutEndpoints(TemplateEndpoints):

    def _unsubscribe(self, token: str) -> Optional[rules.Unsubscribe]:
        key = preferences.signing_key(self.config)
        return rules.read_token(key, token) if key is not None else None

    @endpoint("GET", "/unsubscribe/<token>", responses={200: {"type": "string"}, 404: {"type": "string"}},
              content_type="text/html", tags=("opt-outs",),
              summary="The page of a mail's unsubscribe link: asks to confirm (nothing changes on GET)")
    def unsubscribe_page(self, request, token):
        what = self._unsubscribe(token)
        if what is None:
            return page(*NOT_A_LINK, status=404)
        return page("Stop reminders?", f'<p>You will still get the messages you need to take part (such as '
                    f'introductions), but no more {html.escape(what.group)}.</p><form method="post">'
                    f'<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                    f'<button type="submit" style="font-size:1em;padding:0.5em 1em">Stop reminders</button></form>')

    @endpoint("POST", "/unsubscribe/<token>", responses={200: {"type": "string"}, 404: {"type": "string"}},
              content_type="text/html", tags=("opt-outs",),
              summary="One-click unsubscribe (RFC 8058: a mail program posts List-Unsubscribe=One-Click): the "
                      "person gets no more messages of the link's group; a second time changes nothing")
    def unsubscribe(self, request, token):
        what = self._unsubscribe(token)
        if what is None:
            return page(*NOT_A_LINK, status=404)
        with self.store.transaction(what.tenant_id) as tx:
            self._append_own(tx, rules.opt_out(what, opted_out=preferences.opted_out(tx.conn, what), via="link"),
                             SYSTEM)
        return page("You will get no more reminders", "<p>Your choice is saved. If you change your mind, please "
                    "ask your programme's coordinator.</p>")

    @endpoint("GET", "/tenants/<tenant_id>/opt-outs", roles=C, responses={200: schemas.OptOutsView},
              summary="Who turned off which messages", tags=("opt-outs",))
    def opt_outs(self, request, tenant_id):
        self._caller_of(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            return {"opt_outs": preferences.listed(tx.conn, tenant_id)}

    @endpoint("DELETE", "/tenants/<tenant_id>/opt-outs/<person_id>", roles=C, query=schemas.OptOutQuery,
              responses={200: schemas.OptOutClearedView}, errors={404: "the person has not turned that off"},
              summary="Turn a group of messages on again for a person (they asked)", tags=("opt-outs",))
    def clear_opt_out(self, request, tenant_id, person_id):
        caller = self._caller_of(request, tenant_id, COORDINATOR)
        query = load_input(schemas.OptOutQuery, dict(request.args.items()))
        what = rules.Unsubscribe(tenant_id, person_id, query["audience"], query["group"])
        with self.store.transaction(tenant_id) as tx:
            if not preferences.opted_out(tx.conn, what):
                raise NotFound(f"person {person_id} ({what.audience}) has not turned off {what.group}")
            self._append_own(tx, rules.clear(what, opted_out=True), caller.actor)
        return {"person_id": person_id, "audience": what.audience, "group": what.group, "cleared": True}


# -- failed messages, failing addresses, the person's export --------------------------------------

def mark_resent(tx: StoreTransaction, row: Mapping[str, Any], *, address_changed: bool, actor) -> Dict[str, Any]:
    """A failed message to be sent again: ``NotificationResent`` (with the attempts made so far:
    the sender counts its new budget of ``SMTP_MAX_ATTEMPTS`` from there) and the log row
    pending, due now; the row as it is now."""
    message_id = row["message_id"]
    event = DomainEvent("NotificationResent", STREAM, message_id, {
        "message_id": message_id, "kind": row["kind"], "recipient_id": row["recipient_id"],
        "role": row["role"], "programme_id": row["programme_id"], "attempts": row["attempts"],
        "address_changed": address_changed, "requested_at": tx.now.isoformat()})
    tx.append([event], expected={(STREAM, message_id): len(tx.read_stream(STREAM, message_id))}, actor=actor)
    due = datetime.now(timezone.utc)
    read_model.change(tx.conn, message_id, status=read_model.PENDING, next_attempt_at=due)
    return {**row, "status": read_model.PENDING, "next_attempt_at": due}


class DeliveryEndpoints(OptOutEndpoints):

    @endpoint("POST", "/tenants/<tenant_id>/notifications/<message_id>/resend", roles=C,
              responses={200: schemas.DeliveryView},
              errors={404: "no such message", 409: "the message has not failed (it is pending, sent or skipped)",
                      422: "the address the mail server refused has not been corrected yet, or there is no one "
                           "to send it to now"},
              summary="Send a failed message again (same key, a new attempt) to the address registration holds "
                      "now", tags=("deliveries",))
    def resend(self, request, tenant_id, message_id):
        """The contact card is fetched anew; a message refused for good (a 5xx) is sent again
        only to a corrected address."""
        caller = self._caller_of(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            row = self._failed(tx, message_id)
            programme = read_model.programme(tx.conn, tenant_id, row["programme_id"])
        if programme is None:  # pragma: no cover - a message's programme was known when it failed
            raise NotFound(f"programme {row['programme_id']} not found")
        cards = self._cards(tenant_id, contacts_needed(row), row["programme_id"])
        try:
            context, _language, _template = message_context(row, programme, cards)
        except NoOneToTell as why:
            raise Unprocessable(f"there is no one to send it to now: {why}",
                                details={"recipient": [str(why)]}) from None
        version = preferences.address_version(self.config, str(context["to"]["email"]))
        changed = version != row["address_version"]
        if (row["smtp_code"] or 0) >= 500 and not changed:
            raise Unprocessable("the mail server refused this address for good and it has not been corrected: "
                                "correct it in registration first", details={"address": ["unchanged"]})
        with self.store.transaction(tenant_id) as tx:
            row = mark_resent(tx, self._failed(tx, message_id), address_changed=changed, actor=caller.actor)
            if self.sender is not None:
                tx.on_commit(self.sender.wake)
            return delivery_view(row, failing_set(tx.conn, tenant_id, row["recipient_id"]))

    @staticmethod
    def _failed(tx: StoreTransaction, message_id: str) -> Dict[str, Any]:
        row = read_model.message(tx.conn, tx.tenant_id, message_id)
        if row is None:
            raise NotFound(f"message {message_id} not found")
        if row["status"] != read_model.FAILED:
            raise Conflict(f"only a failed message is sent again; this one is {row['status']}")
        return row

    @endpoint("GET", "/tenants/<tenant_id>/failing-addresses", roles=C, responses={200: schemas.FailingAddressesView},
              summary="The people whose address (or guardian's) a mail server refused for good, until a message "
                      "gets through (no addresses)", tags=("deliveries",))
    def failing_addresses(self, request, tenant_id):
        self._caller_of(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            return {"failing_addresses": [failing_view(r) for r in read_model.failing(tx.conn, tenant_id)]}

    @endpoint("GET", "/tenants/<tenant_id>/people/<person_id>/notifications/export", roles=(COORDINATOR, PARTICIPANT),
              responses={200: schemas.PersonExportView},
              summary="Everything notifications holds about a person (GDPR access): their delivery log, their "
                      "opt-outs, their refused addresses", tags=("deliveries",))
    def export_person(self, request, tenant_id, person_id):
        self._caller_of(request, tenant_id, COORDINATOR, PARTICIPANT).require_person(person_id)
        with self.store.transaction(tenant_id) as tx:
            failing = read_model.failing(tx.conn, tenant_id, person_id)
            rows = read_model.log_rows(tx.conn, tenant_id, person_id=person_id)
            opted = preferences.listed(tx.conn, tenant_id, person_id)
        present = frozenset((f["recipient_id"], f["audience"]) for f in failing)
        return {"person_id": person_id, "tenant_id": tenant_id, "exported_at": self.clock.now().isoformat(),
                "kept_days": int(settings.value(self.config, "NOTIFICATIONS_LOG_KEEP_DAYS")),
                "notifications": [delivery_view(r, present) for r in rows], "opt_outs": opted,
                "failing_addresses": [failing_view(f) for f in failing]}


# -- retention -----------------------------------------------------------------------------------

def next_prune(after: datetime) -> datetime:
    """The next 03:00 UTC after ``after``."""
    moment = after.astimezone(timezone.utc)
    due = datetime.combine(moment.date(), time(PRUNE_HOUR), timezone.utc)
    return due if due > moment else due + timedelta(days=1)


def schedule_prune(tx: StoreTransaction, after: datetime) -> None:
    """The tenant's next daily pruning of its log (one job a day: the same key moves nothing)."""
    due = next_prune(after)
    schedule_job(tx, kind=PRUNE_JOB, key=f"{tx.tenant_id}@{due.date().isoformat()}", due_at=due, payload={})


class RetentionJobs(_Endpoints):

    @scheduled(PRUNE_JOB)
    def prune_log(self, tx: StoreTransaction, job: Job) -> None:
        """Delete the tenant's settled log entries older than ``NOTIFICATIONS_LOG_KEEP_DAYS``;
        tomorrow's pruning scheduled while any remain."""
        days = int(settings.value(self.config, "NOTIFICATIONS_LOG_KEEP_DAYS"))
        deleted = read_model.prune(tx.conn, tx.tenant_id, tx.now - timedelta(days=days))
        if deleted:
            log.info("deleted %d delivery log entries of %s older than %d days", deleted, tx.tenant_id, days)
        if read_model.log_rows(tx.conn, tx.tenant_id, limit=1):
            schedule_prune(tx, tx.now)
