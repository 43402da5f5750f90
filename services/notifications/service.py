"""The notifications service: introductions by e-mail when a pair is made, sent once per cause.

Events in (``@consume``, durable queues, per-stream order, idempotent inbox):

=======================================  ============================================================
from registration                        programmes (name, languages, cadence, dates:
                                         ``notif_programmes``); ``TenantKeyRotated`` (the
                                         coordinator keys); ``StaffMember*`` (who is on each
                                         programme's staff: ``notif_staff``)
from sessions                            ``PairingAtRisk`` (both sides reminded, in the sending
                                         window), ``PairingBackOnTrack`` (dropped);
                                         ``MeetingDisputed``: ``meeting_disputed`` to each of the
                                         programme's coordinators (the meeting's other events
                                         are read only to keep its stream contiguous);
                                         ``SurveyDue``: ``survey_invitation`` to each respondent
                                         (in the sending window), dropped by their
                                         ``SurveyAnswered``; ``PairingFitConcern``:
                                         ``fit_concern`` to each of the programme's coordinators;
                                         ``TaskDeadlineApproaching``: ``task_deadline`` to the
                                         student, dropped by ``TaskCompleted`` or
                                         ``DeadlineExtended`` of that student and task (every
                                         event of the ``course`` stream is read)
from matching                            ``PairingConfirmed``: an introduction recorded for the
                                         mentor, the mentee and the mentee's guardian (sent to a
                                         minor's guardian only), and the coordinator's version
                                         for each coordinator; a team's members; in an e-course,
                                         with ``MatchingRoundCompleted``, one group introduction
                                         per mentor and round (:mod:`.introductions`);
                                         ``PairingEnded``: ``pairing_ended`` for the same people
                                         (a team's members too); in the consuming transaction
=======================================  ============================================================

A message's key is (cause event id, recipient person id, role, kind) (a staff member: their own
person id), unique in the delivery
log, so a redelivered or replayed cause records nothing new. The sender (:mod:`.sender`) sends
after commit, one per store (a lease), over one SMTP connection, with a Message-ID made from
the key; it asks registration for the contacts when it sends (``registration.contact_cards``)
and keeps only ids.

Events out (:mod:`services.contracts.notifications`): ``NotificationSent``,
``NotificationFailed`` (a 5xx answer, or still failing after ``SMTP_MAX_ATTEMPTS``),
``NotificationResent`` (the coordinator sends a failed message again), ``TemplateOverridden`` /
``TemplateReset`` (a tenant's own templates), ``RecipientOptedOut`` / ``RecipientOptOutCleared``
(who turned reminders off; :mod:`.preferences`).

Scheduled: ``notifications-log-prune``, daily per tenant, deletes log entries older than
``NOTIFICATIONS_LOG_KEEP_DAYS`` (:class:`.endpoints.RetentionJobs`).

HTTP (C: the tenant's coordinator key; 401, 403 the wrong role, 404 another tenant's or
missing):

=======  ===========================================================  =====  ======
GET      /health                                                      -      200
GET      /tenants/{t}/programmes/{p}/notifications                    C      200
GET      /tenants/{t}/people/{id}/notifications                       C      200
GET      /tenants/{t}/events?after=&limit=                            C      200
POST     /tenants/{t}/notifications/{message_id}/resend               C      200
GET      /tenants/{t}/failing-addresses                               C      200
GET      /tenants/{t}/people/{id}/notifications/export                C, P   200
GET      /tenants/{t}/templates                                       C      200
GET      /tenants/{t}/templates/{kind}/{language}/{part}              C      200
PUT      /tenants/{t}/templates/{kind}/{language}/{part}              C      200, 422
DELETE   /tenants/{t}/templates/{kind}/{language}/{part}              C      200
GET      /tenants/{t}/previews/{kind}/{language}?role=&pairing_id=    C      200
GET      /tenants/{t}/opt-outs                                        C      200
DELETE   /tenants/{t}/opt-outs/{person_id}?audience=&group=           C      200
GET      /unsubscribe/{token}                                         -      200 (HTML)
POST     /unsubscribe/{token}                                         -      200 (HTML; RFC 8058)
=======  ===========================================================  =====  ======
"""
from __future__ import annotations

import threading
from typing import Any, List, Mapping, Optional

from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider

import services.contracts.matching
import services.contracts.notifications
import services.contracts.registration
import services.contracts.sessions  # noqa: F401
from services.platform_core import health, settings, tenancy
from services.platform_core.catchup import CatchUpFeed
from services.platform_core.consumer import consume
from services.platform_core.dependencies import ClockProvider, Store, store_engine_of
from services.platform_core.envelope import Envelope
from services.platform_core.openapi import Documented, HealthView
from services.platform_core.scheduler import Job, Scheduler, scheduled
from services.platform_core.store import ALL_TENANTS, StoreTransaction
from services.platform_core.tenancy import COORDINATOR, Caller, authenticate
from services.platform_core.web import NotFound, api, bearer_token

from . import introductions, preferences, read_model, reminders, schemas, tenant_templates, waiting
from .domain.course import COURSE_EVENTS
from .endpoints import DeliveryEndpoints, RetentionJobs, delivery_view, failing_set, schedule_prune
from .sender import MailSender

PROGRAMME_EVENTS = ("ProgrammeCreated", "ProgrammeCloned", "ProgrammeUpdated")
#: every event of a person's stream (so it stays contiguous): registrations, consents, training,
#: withdrawals and erasure make, or drop, notices and reminders (:mod:`.reminders`)
PERSON_EVENTS = ("PersonRegistered", "MentorRegistered", "MenteeRegistered", "TeamRegistered", "TeamNeedSet",
                 "ConsentGiven", "ConsentWithdrawn", "TrainingCompleted", "VettingRecorded", "ProfileUpdated",
                 "ParticipantWithdrew", "PersonErased")
REGISTRATION_EVENTS = PROGRAMME_EVENTS + ("TenantKeyRotated",) + PERSON_EVENTS + read_model.STAFF_EVENTS
#: the matching events read (all of a pairing's, a mentee's matching stream's and a request's, so
#: each stream stays contiguous); a confirmation and a round make introductions (an e-course's
#: group introduction: :mod:`.introductions`), an end the pairing's end, the rest notices
MATCHING_EVENTS = ("PairingProposed", "PairingConfirmed", "PairingRejected", "PairingEnded",
                   "MatchingRoundCompleted", "MenteeWaitlisted", "ShortlistOffered", "MentorsChosen",
                   "MentorRequested", "MentorRequestAccepted", "MentorRequestDeclined", "MentorRequestExpired",
                   "MentorRequestCancelled")
#: every event of a meeting's stream (so it stays contiguous: no gap to fill from sessions' feed);
#: only a dispute makes a message (to the programme's coordinators)
MEETING_EVENTS = ("MeetingLogged", "MeetingCorrected", "MeetingConfirmed", "MeetingDisputed", "MeetingWithdrawn")
#: every event of a pair's surveys stream (``pairsurveys``, so it stays contiguous): an occurrence
#: fallen due invites its respondents, an answer drops the invitation still waiting, a concern
#: tells the coordinators
SURVEY_EVENTS = ("SurveyDue", "SurveyAnswered", "PairingFitConcern")
#: the sessions watch (a pair at risk is reminded, and no longer once back on track), the meetings,
#: the surveys and every event of an e-course's stream (a task's deadline reminded:
#: :mod:`.domain.course`)
SESSIONS_EVENTS = ("PairingAtRisk", "PairingBackOnTrack") + MEETING_EVENTS + SURVEY_EVENTS + COURSE_EVENTS

C = (COORDINATOR,)
#: every read model (``mentoring rebuild notifications``): the programmes, their staff and the
#: consents from registration's feed, the tenants' templates and the opt-outs from the service's
#: own events
PROJECTIONS = read_model.PROJECTIONS + [reminders.CONSENTS, tenant_templates.TEMPLATES, preferences.OPT_OUTS,
                                        *waiting.PROJECTIONS]
NO_PROGRAMME = "the programme does not exist (or is another tenant's, or is not known here yet)"


class Sender(DependencyProvider):
    """The container's mail sender (:class:`~.sender.MailSender`), running from start to stop;
    workers get it to wake it when their transaction commits."""

    def setup(self) -> None:
        self.sender: Optional[MailSender] = None
        self._rpc: Any = None
        self._proxy: Any = None
        self._lock = threading.Lock()

    def start(self) -> None:
        store = store_engine_of(self.container).require_store()
        self.sender = MailSender(store, self.container.config, self.contact_cards)
        if self.container.config.get("AMQP_URI"):
            self.container.spawn_managed_thread(self.sender.run, identifier=f"{self.container.service_name}.sender")

    def contact_cards(self, tenant_id: str, person_ids: List[str], programme_id: str) -> Mapping[str, Any]:
        from nameko.standalone.rpc import ClusterRpcProxy

        with self._lock:
            if self._rpc is None:
                self._rpc = ClusterRpcProxy(self.container.config, timeout=float(
                    settings.value(self.container.config, "CATCHUP_TIMEOUT")))
                self._proxy = self._rpc.start()
            try:
                return self._proxy.registration.contact_cards(tenant_id=tenant_id, person_ids=person_ids,
                                                              programme_id=programme_id)
            except Exception:
                self._rpc.stop()
                self._rpc = None
                raise

    def stop(self) -> None:
        if self.sender is not None:
            self.sender.stop()
        with self._lock:
            if self._rpc is not None:
                try:
                    self._rpc.stop()
                except Exception:  # pragma: no cover - already broken
                    pass
                self._rpc = None

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx) -> Optional[MailSender]:
        return self.sender


def sender_of(container) -> MailSender:
    """The container's mail sender (tests)."""
    for dependency in container.dependencies:
        if isinstance(dependency, Sender) and dependency.sender is not None:
            return dependency.sender
    raise LookupError(f"service {container.service_name!r} has no mail sender running")


def endpoint(method: str, url: str, **declared):
    return api(method, url, expected_exceptions=(NotFound,), **declared)


class NotificationsService(CatchUpFeed, DeliveryEndpoints, RetentionJobs, Documented):
    name = "notifications"

    store = Store(read_models=[read_model.metadata, read_model.deliveries_metadata, reminders.metadata,
                               introductions.metadata, reminders.CONSENTS.metadata, tenant_templates.metadata,
                               preferences.metadata, tenancy.metadata, waiting.PARTICIPANTS.metadata,
                               waiting.PAIRS.metadata],
                  projections=PROJECTIONS)
    clock = ClockProvider()
    config = Config()
    sender = Sender()
    scheduler = Scheduler()  # runs the @scheduled jobs: waiting notices, the log's retention (.endpoints)

    # -- events in --------------------------------------------------------------------------------

    @consume(*REGISTRATION_EVENTS, source="registration")
    def on_registration(self, tx: StoreTransaction, event: Envelope) -> None:
        tenancy.CREDENTIALS.apply(tx.conn, event)
        read_model.PROGRAMMES.apply(tx.conn, event)
        read_model.STAFF.apply(tx.conn, event)
        waiting.PARTICIPANTS.apply(tx.conn, event)
        if event.event_type == "ProgrammeUpdated":
            reminders.reschedule(tx, read_model.programme(tx.conn, event.tenant_id, event.stream_id))
        self._notices(tx, event)
        reminders.CONSENTS.apply(tx.conn, event)
        if event.event_type in PROGRAMME_EVENTS and introductions.programme_known(tx, event):
            self._wake_sender(tx)

    @consume(*SESSIONS_EVENTS, source="sessions")
    def on_sessions(self, tx: StoreTransaction, event: Envelope) -> None:
        if event.event_type in MEETING_EVENTS and event.event_type != "MeetingDisputed":
            return  # read only to keep the meeting's stream contiguous
        self._notices(tx, event)

    @scheduled(reminders.JOB)
    def notification_due(self, tx: StoreTransaction, job: Job) -> None:
        """A waiting notice's moment has come: recorded in the delivery log, sent after commit."""
        if reminders.run_job(tx, job):
            schedule_prune(tx, tx.now)
            if self.sender is not None:
                tx.on_commit(self.sender.wake)

    def _notices(self, tx: StoreTransaction, event: Envelope) -> None:
        """The notices and reminders ``event`` makes (now, or scheduled for the sending window),
        and the waiting ones it makes pointless."""
        programme_id = event.payload.get("programme_id") or (
            event.stream_id if event.event_type in PROGRAMME_EVENTS else None)
        programme = read_model.programme(tx.conn, event.tenant_id, programme_id) if programme_id else None
        recorded = reminders.plan(tx, event, programme)
        reminders.cancel(tx, event)
        if recorded:
            schedule_prune(tx, tx.now)
            if self.sender is not None:
                tx.on_commit(self.sender.wake)

    @consume(*MATCHING_EVENTS, source="matching")
    def on_matching(self, tx: StoreTransaction, event: Envelope) -> None:
        waiting.PAIRS.apply(tx.conn, event)
        record = {"PairingConfirmed": introductions.pairing_confirmed,
                  "MatchingRoundCompleted": introductions.round_completed,
                  "PairingEnded": introductions.pairing_ended}.get(event.event_type)
        if record is None:
            self._notices(tx, event)
            return
        reminders.cancel(tx, event)
        if record(tx, event):
            schedule_prune(tx, tx.now)
            self._wake_sender(tx)

    # -- plumbing ---------------------------------------------------------------------------------

    def _wake_sender(self, tx: StoreTransaction) -> None:
        if self.sender is not None:
            tx.on_commit(self.sender.wake)

    def _caller(self, request, tenant_id: str) -> Caller:
        with self.store.transaction(ALL_TENANTS) as tx:
            caller = authenticate(tx.conn, self.config, bearer_token(request), self.clock.now())
        caller.require_tenant(tenant_id)
        return caller.require_kind(COORDINATOR)

    # -- HTTP -------------------------------------------------------------------------------------

    @endpoint("GET", "/health", responses={200: HealthView, 503: HealthView},
              summary="Whether the service and its database work", tags=("health",), database=False)
    def health(self, request):
        return health.report(self.name, self.store, self.config)

    @endpoint("GET", "/tenants/<tenant_id>/programmes/<programme_id>/notifications", roles=C,
              responses={200: schemas.ProgrammeLogView}, errors={404: NO_PROGRAMME},
              summary="A programme's delivery log: each message's kind, cause, status, attempts and last "
                      "error (no addresses)")
    def programme_log(self, request, tenant_id, programme_id):
        self._caller(request, tenant_id)
        with self.store.transaction(tenant_id) as tx:
            if read_model.programme(tx.conn, tenant_id, programme_id) is None:
                raise NotFound(f"programme {programme_id} not found")
            rows = read_model.log_rows(tx.conn, tenant_id, programme_id=programme_id)
            failing = failing_set(tx.conn, tenant_id)
        return {"programme_id": programme_id, "notifications": [delivery_view(r, failing) for r in rows]}

    @endpoint("GET", "/tenants/<tenant_id>/people/<person_id>/notifications", roles=C,
              responses={200: schemas.PersonLogView},
              summary="A person's delivery log (their guardian's messages too): kind, cause, status, "
                      "attempts and last error (no addresses)")
    def person_log(self, request, tenant_id, person_id):
        self._caller(request, tenant_id)
        with self.store.transaction(tenant_id) as tx:
            rows = read_model.log_rows(tx.conn, tenant_id, person_id=person_id)
            failing = failing_set(tx.conn, tenant_id, person_id)
        return {"person_id": person_id, "notifications": [delivery_view(r, failing) for r in rows]}
