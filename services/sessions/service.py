"""The sessions service: the meetings, goals and final review of each pair, and the progress
projections coordinators read.

Events in (``@consume``, durable queues, per-stream order, idempotent inbox):

=======================================  ============================================================
from registration                        programmes (time zone, areas, cadence: ``sess_programmes``;
                                         the daily watch is scheduled), people's participations and
                                         erasure (participant tokens, ``TenantKeyRotated``: the
                                         coordinator keys); ``PersonErased`` forgets the person's key
from registration (participants)         who takes part as mentor, mentee or team, since when, until
                                         when (``sess_participants``): who waits; the teams
from matching                            ``PairingProposed/Confirmed/Rejected/Ended``: who is paired
                                         with whom (``sess_pairings``); ``MenteeWaitlisted``: why a
                                         mentee waits (``sess_waitlist``)
=======================================  ============================================================

Events out (:mod:`services.contracts.sessions`): ``MeetingLogged``, ``MeetingCorrected``,
``MeetingConfirmed``, ``MeetingDisputed``, ``MeetingWithdrawn``, ``GoalSet``,
``GoalProgressNoted``, ``GoalReached``, ``GoalDropped``, ``FinalReviewRecorded`` (matching
ends the pairing as ``completed``), ``PairingAtRisk``, ``PairingBackOnTrack`` (the daily
watch, a scheduled job per programme at 06:00 in its time zone), ``AnalysisMeetingLogged``,
``AnalysisMeetingWithdrawn`` (a team's analysis meetings before it is paired, seed 003),
``SurveyDue`` (the daily watch, each occurrence once), ``SurveyAnswered``, ``PairingFitConcern``
(surveys, seed 002: :mod:`.domain.surveys`, :mod:`.surveys`).
``LearningOutcomeRecorded``, ``OutcomeValidated``, ``OutcomeNotYetValidated``, ``CertificateIssued``,
``CertificateRevoked`` (learning outcomes validated by the mentor, and the certificate: seed 002).
``CourseTaskSet``, ``TaskCompleted``, ``DeadlineExtended``, ``TaskDeadlineApproaching`` (an
e-course's tasks, seed 004: :mod:`.course`, docs/ecourse.md).
``MeetingDisputed`` carries what the coordinator is to be told (the pair, the meeting, who
logged it and who disputes it), the reason encrypted.

HTTP (P: a side of the pairing with their participant token, anyone else's 404; C: the
tenant's coordinator key; 400 bad input naming each field, 401, 403 the wrong role, 404,
409 a concurrent change, 422 a rule, naming it in ``details.failures``; every endpoint is
declared for the OpenAPI document, served at ``/openapi.json`` and ``/docs``):

=======  ===========================================================  =====  ======
GET      /health                                                      -      200
POST     /tenants/{t}/pairings/{id}/meetings                          P      201
GET      /tenants/{t}/pairings/{id}/meetings                          P, C   200
GET      /tenants/{t}/pairings/{id}/meetings/{m}                      P, C   200
POST     /tenants/{t}/pairings/{id}/meetings/{m}/confirm              P      200
POST     /tenants/{t}/pairings/{id}/meetings/{m}/dispute  {reason?}   P      200
POST     /tenants/{t}/pairings/{id}/meetings/{m}/correct              P      200
POST     /tenants/{t}/pairings/{id}/meetings/{m}/withdraw             P      200
POST     /tenants/{t}/pairings/{id}/goals  {title, target_date}       P      201
GET      /tenants/{t}/pairings/{id}/goals                             P, C   200
POST     /tenants/{t}/pairings/{id}/goals/{g}/progress  {note}        P      200
POST     /tenants/{t}/pairings/{id}/goals/{g}/reach|drop              P      200
POST     /tenants/{t}/pairings/{id}/final-review                      P, C   201
GET      /tenants/{t}/pairings/{id}/surveys                           P, C   200
POST     /tenants/{t}/pairings/{id}/surveys/{survey}/{occurrence}     P      201
GET      /tenants/{t}/pairings/{id}/progress[.csv][?as_of=]           P, C   200
GET      /tenants/{t}/programmes/{p}/progress[.csv][?as_of=]          C      200
GET      /tenants/{t}/progress[.csv][?as_of=]                         C      200
POST     /tenants/{t}/programmes/{p}/teams/{team}/analysis-meetings   C      201
GET      /tenants/{t}/programmes/{p}/teams/{team}/analysis-meetings   C, T   200
POST     .../teams/{team}/analysis-meetings/{m}/withdraw              C      200
GET      /tenants/{t}/people/{id}/export                              C, P*  200
POST     /tenants/{t}/pairings/{id}/outcomes  {title, areas}          P      201
POST     .../outcomes/{o}/validate|not-yet  {note?}                   P      200
POST     /tenants/{t}/pairings/{id}/certificates  {name}              C      201
GET      /tenants/{t}/pairings/{id}/certificates/{c}.pdf              P, C   200
POST     .../certificates/{c}/revoke                                  C      200
GET      /verify/{code}                                               -      200
POST     /tenants/{t}/programmes/{p}/tasks[/import]                   C      201
POST     .../tasks/{task}/completions | extensions                    C | P  201
GET      /tenants/{t}/programmes/{p}/course/progress                  C      200
PUT      /tenants/{t}/programmes/{p}/intake/{student}  {answers}      P      200, 422
GET      /tenants/{t}/programmes/{p}/intake/{student}                 C, P   200
GET      /tenants/{t}/events?after=&limit=                            C      200
=======  ===========================================================  =====  ======

(T: the team itself with its participant token; P*: the person themselves.) Learning outcomes
and certificates (seed 002): :mod:`.certificates`. Reports as of a
moment read the programme's settings in force then. Private notes (and every other free text)
are returned decrypted to the pair and the coordinator only (a team's analysis notes: to the
coordinator and the team); after the writer's erasure they read as null.
"""
from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any, Dict, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from nameko.dependency_providers import Config
from werkzeug.wrappers import Response

import services.contracts.matching  # noqa: F401 - the catalogue entries of the events consumed
import services.contracts.registration  # noqa: F401
from services.platform_core import health, tenancy
from services.platform_core.catchup import CatchUpFeed
from services.platform_core.consumer import consume
from services.platform_core.dependencies import ClockProvider, Store
from services.platform_core.envelope import SYSTEM, Actor, Envelope
from services.platform_core.events import DomainEvent
from services.platform_core.openapi import Documented, HealthView
from services.platform_core.scheduler import Job, Scheduler, scheduled
from services.platform_core.scheduler import schedule as schedule_job
from services.platform_core.store import (
    ALL_TENANTS,
    ConcurrencyConflict,
    StoreTransaction,
)
from services.platform_core.tenancy import (
    COORDINATOR,
    PARTICIPANT,
    Caller,
    authenticate,
)
from services.platform_core.web import (
    ApiError,
    BadRequest,
    NotFound,
    Unauthorized,
    Unprocessable,
    api,
    bearer_token,
    map_error,
    read_json,
)

from . import certificates, course, personal_data, read_model, reports, schemas, surveys
from . import survey_schemas as survey_views
from .domain import (
    ANALYSIS_MEETING,
    FINAL_REVIEW,
    GOAL,
    MEETING,
    AnalysisMeeting,
    FinalReview,
    Goal,
    Meeting,
    NotInPairing,
    PairingFacts,
    ProgrammeRules,
    RuleBroken,
)
from .domain.surveys import PAIR_SURVEYS, PairSurveys, pair_surveys


def _unprocessable(exc: BaseException) -> ApiError:
    """A :class:`RuleBroken` as a 422 naming each failure's code (and the fields they are about)."""
    if not isinstance(exc, RuleBroken):
        raise TypeError(f"{type(exc).__name__} is not a broken rule")
    return Unprocessable(exc.message, details={
        "failures": exc.codes, "fields": {f["field"]: [f["message"] or ""] for f in exc.failures if f["field"]}})


map_error(RuleBroken, _unprocessable)
map_error(NotInPairing, lambda exc: NotFound(str(exc)))

EXPECTED = (ApiError, RuleBroken, NotInPairing, ConcurrencyConflict)

PROGRAMME_EVENTS = ("ProgrammeCreated", "ProgrammeCloned", "ProgrammeUpdated")
#: the registration events sessions reads: programmes, and what the participant tokens need
REGISTRATION_EVENTS = PROGRAMME_EVENTS + (
    "PersonRegistered", "MentorRegistered", "MenteeRegistered", "TeamRegistered", "ParticipantWithdrew",
    "PersonErased", "TenantKeyRotated", "ProfileUpdated")
#: the matching events sessions reads (proposals and rejections keep a pairing's stream contiguous)
MATCHING_EVENTS = ("PairingProposed", "PairingConfirmed", "PairingRejected", "PairingEnded", "MenteeWaitlisted")

#: the daily watch over a programme's pairs (key ``<programme id>@<date>``)
WATCH_JOB = "sessions-watch"
WATCH_HOUR = 6

PROJECTIONS = [*read_model.PROJECTIONS, surveys.SURVEYS, certificates.OUTCOMES, course.STUDENTS]


def endpoint(method: str, url: str, **declared):
    """``@api`` with the refusals callers cause; ``declared``: see :class:`~.web.Declaration`."""
    return api(method, url, expected_exceptions=EXPECTED, **declared)


X = schemas.EXAMPLES
P, P_OR_C, C = (PARTICIPANT,), (PARTICIPANT, COORDINATOR), (COORDINATOR,)
PAIRING = "/tenants/<tenant_id>/pairings/<pairing_id>"
MEETING_URL = PAIRING + "/meetings/<meeting_id>"
GOAL_URL = PAIRING + "/goals/<goal_id>"
PROGRAMME = "/tenants/<tenant_id>/programmes/<programme_id>"
TENANT = "/tenants/<tenant_id>"
ANALYSIS = PROGRAMME + "/teams/<team_id>/analysis-meetings"
NO_TEAM = "no such programme here, or no such team in it"


def rules(*codes: str) -> str:
    """The 422 of an endpoint: the rules it may refuse by, as ``details.failures`` names them."""
    return "a rule refuses it; details.failures names each: " + ", ".join(codes)


NO_PAIRING = "no such pairing here, or the caller is not a side of it"
NO_MEETING = NO_PAIRING + "; or no such meeting in it"
NO_GOAL = NO_PAIRING + "; or no such goal in it"
CHANGED = "the meeting or goal changed meanwhile (a concurrent request): read it and try again"
NOT_RUNNING = ("pairing_ended", "pairing_not_confirmed")
FACTS = ("in_the_future", "before_the_pairing", "duration_out_of_range", "unknown_area", "programme_unknown")
ANSWER = ("meeting_withdrawn", "own_meeting", "already_answered")
AUTHORED = ("meeting_withdrawn", "not_the_author")
OPEN_GOAL = NOT_RUNNING + ("goal_closed",)
AS_OF_FUTURE = "as_of is in the future"


def next_watch(now: datetime, time_zone: str) -> datetime:
    """The next 06:00 in the programme's time zone after ``now``."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), time(WATCH_HOUR), zone)
    return due if due > local else datetime.combine(local.date() + timedelta(days=1), time(WATCH_HOUR), zone)


def meeting_view(meeting: Meeting, row: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    return {"id": meeting.id, "pairing_id": meeting.pairing_id, "programme_id": meeting.programme_id,
            "logged_by": meeting.author_id, "logged_by_role": meeting.author_role,
            "started_at": meeting.started_at.isoformat() if meeting.started_at else None,
            "minutes": meeting.minutes, "mode": meeting.mode, "areas": meeting.areas,
            "goals_set": meeting.goals_set, "goals_reached": meeting.goals_reached,
            "status": meeting.status, "counted": meeting.counted, "plan": meeting.plan,
            "note": meeting.note, "dispute_reason": meeting.dispute_reason, "version": meeting.version}


def analysis_view(meeting: AnalysisMeeting) -> Dict[str, Any]:
    return {"id": meeting.id, "team_id": meeting.team_id, "programme_id": meeting.programme_id,
            "started_at": meeting.started_at.isoformat() if meeting.started_at else None,
            "minutes": meeting.minutes, "mode": meeting.mode, "areas": meeting.areas,
            "attendees": meeting.attendees, "took_part": meeting.took_part, "need_found": meeting.need_found,
            "status": meeting.status, "counted": meeting.counted,
            "logged_at": meeting.logged_at.isoformat() if meeting.logged_at else None, "version": meeting.version}


def goal_view(goal: Goal) -> Dict[str, Any]:
    return {"id": goal.id, "pairing_id": goal.pairing_id, "title": goal.title,
            "target_date": goal.target_date, "status": goal.status, "set_by": goal.author_id,
            "meeting_id": goal.meeting_id, "progress": goal.progress, "version": goal.version}


class SessionsService(CatchUpFeed, certificates.OutcomeEndpoints, course.CourseEndpoints, Documented):
    name = "sessions"

    store = Store(read_models=[read_model.metadata, surveys.metadata, certificates.metadata, course.metadata,
                               tenancy.metadata, personal_data.KEYS_METADATA],
                  codec_factory=personal_data.codec, projections=PROJECTIONS)
    clock = ClockProvider()
    config = Config()
    scheduler = Scheduler()

    # -- events in --------------------------------------------------------------------------------

    @consume(*REGISTRATION_EVENTS, source="registration")
    def on_registration(self, tx: StoreTransaction, event: Envelope) -> None:
        tenancy.CREDENTIALS.apply(tx.conn, event)
        read_model.PROGRAMMES.apply(tx.conn, event)
        read_model.PARTICIPANTS.apply(tx.conn, event)
        course.STUDENTS.apply(tx.conn, event)
        if event.event_type == "PersonErased":  # their notes can never be read again
            personal_data.PERSON_KEYS.forget(event.tenant_id, event.stream_id, tx.conn)
        if event.event_type in PROGRAMME_EVENTS:
            self._schedule_watch(tx, event.stream_id, tx.now)

    @consume(*MATCHING_EVENTS, source="matching")
    def on_matching(self, tx: StoreTransaction, event: Envelope) -> None:
        read_model.PAIRINGS.apply(tx.conn, event)

    # -- scheduled work ---------------------------------------------------------------------------

    def _schedule_watch(self, tx: StoreTransaction, programme_id: str, after: datetime) -> None:
        rules = read_model.programme_rules(tx.conn, tx.tenant_id, programme_id)
        due = next_watch(after, rules.time_zone if rules else "UTC")
        schedule_job(tx, kind=WATCH_JOB, key=f"{programme_id}@{due.date().isoformat()}", due_at=due,
                     payload={"programme_id": programme_id})

    @scheduled(WATCH_JOB)
    def daily_watch(self, tx: StoreTransaction, job: Job) -> None:
        """Every running pair of the programme assessed; at risk, or back on track, published;
        the surveys fallen due said; tomorrow's watch scheduled."""
        programme_id = job.payload["programme_id"]
        reports.watch_programme(tx, programme_id, tx.now,
                                lambda events, expected: self._append(tx, events, expected, SYSTEM))
        surveys.announce_due(tx, programme_id, tx.now,
                             lambda events, expected: self._append(tx, events, expected, SYSTEM))
        course.announce_deadlines(tx, programme_id, tx.now,
                                  lambda events, expected: self._append(tx, events, expected, SYSTEM))
        self._schedule_watch(tx, programme_id, tx.now)

    # -- plumbing ---------------------------------------------------------------------------------

    def _caller(self, request, tenant_id: str, *kinds: str) -> Caller:
        with self.store.transaction(ALL_TENANTS) as tx:
            caller = authenticate(tx.conn, self.config, bearer_token(request), self.clock.now())
        caller.require_tenant(tenant_id)
        return caller.require_kind(*kinds)

    @staticmethod
    def _person(caller: Caller) -> str:
        """The person a participant caller is: every participant token names one."""
        if caller.id is None:
            raise Unauthorized("this participant token names no person")
        return caller.id

    @staticmethod
    def _pairing(tx: StoreTransaction, caller: Caller, pairing_id: str) -> PairingFacts:
        """The pairing, if the caller may see it: a side of it, or the coordinator (else 404)."""
        pairing = read_model.pairing(tx.conn, tx.tenant_id, pairing_id)
        if pairing is None:
            raise NotFound(f"pairing {pairing_id} not found")
        if caller.kind == PARTICIPANT:
            pairing.require_side(caller.id)
        return pairing

    @staticmethod
    def _rules(tx: StoreTransaction, pairing: PairingFacts) -> ProgrammeRules:
        return SessionsService._programme_rules(tx, pairing.programme_id)

    @staticmethod
    def _programme_rules(tx: StoreTransaction, programme_id: str) -> ProgrammeRules:
        rules = read_model.programme_rules(tx.conn, tx.tenant_id, programme_id)
        if rules is None:
            raise RuleBroken.one("programme_unknown", f"programme {programme_id} is not known "
                                 f"here yet; try again in a moment")
        return rules

    @staticmethod
    def _load(tx: StoreTransaction, aggregate, stream_id: str):
        try:
            uuid.UUID(stream_id)
        except (ValueError, TypeError, AttributeError):
            raise NotFound(f"{aggregate.stream_type} {stream_id} not found") from None
        return aggregate.from_events(stream_id, [e for e in tx.read_stream(aggregate.stream_type, stream_id)
                                                 if e.tenant_id == tx.tenant_id])

    def _existing(self, tx: StoreTransaction, aggregate, stream_id: str, pairing: PairingFacts):
        found = self._load(tx, aggregate, stream_id)
        if not found.exists or found.pairing_id != pairing.pairing_id:
            raise NotFound(f"{aggregate.stream_type} {stream_id} not found in pairing {pairing.pairing_id}")
        return found

    @staticmethod
    def _append(tx: StoreTransaction, events: List[DomainEvent], expected: Mapping[Tuple[str, str], int],
                actor: Actor) -> None:
        envelopes = tx.append(events, expected=dict(expected), actor=actor)
        read_model.MEETINGS.apply_all(tx.conn, envelopes)
        read_model.PROGRESS.apply_all(tx.conn, envelopes)  # reads what MEETINGS has just kept
        surveys.SURVEYS.apply_all(tx.conn, envelopes)
        certificates.OUTCOMES.apply_all(tx.conn, envelopes)

    @staticmethod
    def _as_of(request, now: datetime) -> datetime:
        query = schemas.load_input(schemas.ReportInput, dict(request.args.items()))
        as_of = query["as_of"] or now
        if as_of > now:
            raise BadRequest("as_of must not be in the future", details={"as_of": ["must not be in the future"]})
        return as_of

    # -- HTTP: health -----------------------------------------------------------------------------

    @endpoint("GET", "/health", responses={200: HealthView, 503: HealthView},
              summary="Whether the service and its database work", tags=("health",), database=False)
    def health(self, request):
        return health.report(self.name, self.store, self.config)

    # -- HTTP: meetings ---------------------------------------------------------------------------

    @endpoint("POST", PAIRING + "/meetings", roles=P, body=schemas.LogMeetingInput, example=X["meeting"],
              responses={201: schemas.MeetingView},
              errors={404: NO_PAIRING, 409: "a goal reached in it changed meanwhile: try again",
                      422: rules(*NOT_RUNNING, *FACTS, "target_in_the_past", "no_such_goal", "goal_closed")},
              summary="Log a meeting of the pair (with goals set or reached in it)", tags=("meetings",))
    def log_meeting(self, request, tenant_id, pairing_id):
        """A side of the pair logs a meeting; the other side confirms or disputes it."""
        caller = self._caller(request, tenant_id, PARTICIPANT)
        by = self._person(caller)
        data = schemas.load_input(schemas.LogMeetingInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            rules, now = self._rules(tx, pairing), tx.now
            meeting = Meeting(str(uuid.uuid4()))
            events: List[DomainEvent] = []
            expected: Dict[Tuple[str, str], int] = {(MEETING, meeting.id): 0}
            for goal_id in data["goals_reached"]:
                goal = self._load(tx, Goal, goal_id)
                events += goal.reach(pairing=pairing, by=by, meeting_id=meeting.id, now=now)
                expected[(GOAL, goal_id)] = goal.version
            new_goals = []
            for wanted in data["goals_set"]:
                goal = Goal(str(uuid.uuid4()))
                events += goal.set(pairing=pairing, by=by, title=wanted["title"],
                                   target_date=wanted["target_date"], meeting_id=meeting.id, now=now)
                expected[(GOAL, goal.id)] = 0
                new_goals.append(goal.id)
            events = meeting.log(pairing=pairing, rules=rules, by=by, started_at=data["started_at"],
                                 minutes=data["minutes"], mode=data["mode"], areas=data["areas"],
                                 goals_set=new_goals, goals_reached=data["goals_reached"], plan=data["plan"],
                                 note=data["note"], now=now) + events
            self._append(tx, events, expected, caller.actor)
            return 201, meeting_view(meeting.apply_all(events[:1]))

    def _list(self, request, tenant_id: str, pairing_id: str, aggregate, rows_of, view) -> Dict[str, Any]:
        """Every meeting or goal of the pairing, decrypted (the pair and the coordinator)."""
        caller = self._caller(request, tenant_id, PARTICIPANT, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            self._pairing(tx, caller, pairing_id)
            views = [view(self._load(tx, aggregate, row[f"{aggregate.stream_type}_id"]))
                     for row in rows_of(tx.conn, pairing_id)]
        return {"pairing_id": pairing_id, f"{aggregate.stream_type}s": views}

    def _command(self, request, tenant_id: str, pairing_id: str, aggregate, stream_id: str, schema,
                 command, view):
        """A side of the pair's command on one of its meetings or goals."""
        caller = self._caller(request, tenant_id, PARTICIPANT)
        by = self._person(caller)
        data = schemas.load_input(schema, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            found = self._existing(tx, aggregate, stream_id, pairing)
            version = found.version
            events = command(tx, pairing, found, by, data)
            self._append(tx, events, {(aggregate.stream_type, stream_id): version}, caller.actor)
            return view(found.apply_all(events))

    @endpoint("GET", PAIRING + "/meetings", roles=P_OR_C, responses={200: schemas.MeetingListView},
              errors={404: NO_PAIRING}, summary="The pair's meetings, with their private notes",
              tags=("meetings",))
    def list_meetings(self, request, tenant_id, pairing_id):
        return self._list(request, tenant_id, pairing_id, Meeting, read_model.meeting_rows, meeting_view)

    @endpoint("GET", MEETING_URL, roles=P_OR_C, responses={200: schemas.MeetingView},
              errors={404: NO_MEETING}, summary="One meeting of the pair", tags=("meetings",))
    def get_meeting(self, request, tenant_id, pairing_id, meeting_id):
        caller = self._caller(request, tenant_id, PARTICIPANT, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            return meeting_view(self._existing(tx, Meeting, meeting_id, pairing))

    def _meeting_command(self, request, tenant_id, pairing_id, meeting_id, schema, command):
        return self._command(request, tenant_id, pairing_id, Meeting, meeting_id, schema, command, meeting_view)

    @endpoint("POST", MEETING_URL + "/confirm", roles=P, body=schemas.EmptyInput, example=X["empty"],
              responses={200: schemas.MeetingView}, errors={404: NO_MEETING, 409: CHANGED, 422: rules(*ANSWER)},
              summary="The other side confirms a meeting", tags=("meetings",))
    def confirm_meeting(self, request, tenant_id, pairing_id, meeting_id):
        return self._meeting_command(request, tenant_id, pairing_id, meeting_id, schemas.EmptyInput,
                                     lambda tx, p, m, by, d: m.confirm(pairing=p, by=by, now=tx.now))

    @endpoint("POST", MEETING_URL + "/dispute", roles=P, body=schemas.DisputeInput, example=X["dispute"],
              responses={200: schemas.MeetingView}, errors={404: NO_MEETING, 409: CHANGED, 422: rules(*ANSWER)},
              summary="The other side disputes a meeting: it no longer counts", tags=("meetings",))
    def dispute_meeting(self, request, tenant_id, pairing_id, meeting_id):
        return self._meeting_command(request, tenant_id, pairing_id, meeting_id, schemas.DisputeInput,
                                     lambda tx, p, m, by, d: m.dispute(pairing=p, by=by, reason=d["reason"],
                                                                       now=tx.now))

    @endpoint("POST", MEETING_URL + "/correct", roles=P, body=schemas.MeetingFactsInput, example=X["facts"],
              responses={200: schemas.MeetingView},
              errors={404: NO_MEETING, 409: CHANGED, 422: rules(*AUTHORED, *FACTS)},
              summary="Its author states a meeting's facts anew (to be confirmed again)", tags=("meetings",))
    def correct_meeting(self, request, tenant_id, pairing_id, meeting_id):
        def correct(tx, pairing, meeting, by, data):
            return meeting.correct(pairing=pairing, rules=self._rules(tx, pairing), by=by, now=tx.now, **data)
        return self._meeting_command(request, tenant_id, pairing_id, meeting_id, schemas.MeetingFactsInput,
                                     correct)

    @endpoint("POST", MEETING_URL + "/withdraw", roles=P, body=schemas.EmptyInput, example=X["empty"],
              responses={200: schemas.MeetingView}, errors={404: NO_MEETING, 409: CHANGED, 422: rules(*AUTHORED)},
              summary="Its author takes a meeting back", tags=("meetings",))
    def withdraw_meeting(self, request, tenant_id, pairing_id, meeting_id):
        return self._meeting_command(request, tenant_id, pairing_id, meeting_id, schemas.EmptyInput,
                                     lambda tx, p, m, by, d: m.withdraw(pairing=p, by=by, now=tx.now))

    # -- HTTP: goals ------------------------------------------------------------------------------

    @endpoint("POST", PAIRING + "/goals", roles=P, body=schemas.NewGoalInput, example=X["goal"],
              responses={201: schemas.GoalView},
              errors={404: NO_PAIRING, 422: rules(*NOT_RUNNING, "target_in_the_past")},
              summary="Set a goal of the pair", tags=("goals",))
    def set_goal(self, request, tenant_id, pairing_id):
        caller = self._caller(request, tenant_id, PARTICIPANT)
        data = schemas.load_input(schemas.NewGoalInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            goal = Goal(str(uuid.uuid4()))
            events = goal.set(pairing=pairing, by=self._person(caller), title=data["title"],
                              target_date=data["target_date"], now=tx.now)
            self._append(tx, events, {(GOAL, goal.id): 0}, caller.actor)
            return 201, goal_view(goal.apply_all(events))

    @endpoint("GET", PAIRING + "/goals", roles=P_OR_C, responses={200: schemas.GoalListView},
              errors={404: NO_PAIRING}, summary="The pair's goals, with the progress noted", tags=("goals",))
    def list_goals(self, request, tenant_id, pairing_id):
        return self._list(request, tenant_id, pairing_id, Goal, read_model.goal_rows, goal_view)

    def _goal_command(self, request, tenant_id, pairing_id, goal_id, schema, command):
        return self._command(request, tenant_id, pairing_id, Goal, goal_id, schema,
                             lambda tx, p, g, by, d: command(g, p, by, d, tx.now), goal_view)

    @endpoint("POST", GOAL_URL + "/progress", roles=P, body=schemas.ProgressInput, example=X["progress"],
              responses={200: schemas.GoalView}, errors={404: NO_GOAL, 409: CHANGED, 422: rules(*OPEN_GOAL)},
              summary="Note progress on an open goal", tags=("goals",))
    def goal_progress(self, request, tenant_id, pairing_id, goal_id):
        return self._goal_command(request, tenant_id, pairing_id, goal_id, schemas.ProgressInput,
                                  lambda g, p, by, d, now: g.note_progress(pairing=p, by=by, note=d["note"], now=now))

    @endpoint("POST", GOAL_URL + "/reach", roles=P, body=schemas.EmptyInput, example=X["empty"],
              responses={200: schemas.GoalView}, errors={404: NO_GOAL, 409: CHANGED, 422: rules(*OPEN_GOAL)},
              summary="An open goal is reached", tags=("goals",))
    def reach_goal(self, request, tenant_id, pairing_id, goal_id):
        return self._goal_command(request, tenant_id, pairing_id, goal_id, schemas.EmptyInput,
                                  lambda g, p, by, d, now: g.reach(pairing=p, by=by, now=now))

    @endpoint("POST", GOAL_URL + "/drop", roles=P, body=schemas.EmptyInput, example=X["empty"],
              responses={200: schemas.GoalView}, errors={404: NO_GOAL, 409: CHANGED, 422: rules(*OPEN_GOAL)},
              summary="An open goal is dropped", tags=("goals",))
    def drop_goal(self, request, tenant_id, pairing_id, goal_id):
        return self._goal_command(request, tenant_id, pairing_id, goal_id, schemas.EmptyInput,
                                  lambda g, p, by, d, now: g.drop(pairing=p, by=by, now=now))

    # -- HTTP: the final review -------------------------------------------------------------------

    @endpoint("POST", PAIRING + "/final-review", roles=P_OR_C, body=schemas.FinalReviewInput,
              example=X["final_review"], responses={201: schemas.FinalReviewView},
              errors={404: NO_PAIRING, 409: "another final review was recorded meanwhile",
                      422: rules("already_recorded", *NOT_RUNNING, "no_validated_outcome")},
              summary="Record the pair's final review: matching ends the pairing as completed",
              tags=("final review",))
    def final_review(self, request, tenant_id, pairing_id):
        """Achievements, further goals and next steps, once per pairing (a side of the pair or
        the coordinator)."""
        caller = self._caller(request, tenant_id, PARTICIPANT, COORDINATOR)
        data = schemas.load_input(schemas.FinalReviewInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            review = self._load(tx, FinalReview, pairing_id)
            statuses = [row["status"] for row in read_model.goal_rows(tx.conn, pairing_id)]
            events = review.record(pairing=pairing, by=caller.id if caller.kind == PARTICIPANT else None,
                                   achievements=data["achievements"], further_goals=data["further_goals"],
                                   next_steps=data["next_steps"], goals_reached=statuses.count("reached"),
                                   goals_open=statuses.count("open"), now=tx.now)
            self._append(tx, events, {(FINAL_REVIEW, pairing_id): review.version}, caller.actor)
            review.apply_all(events)
            issued = self._issue(tx, pairing, data["certificate_name"], review.by_role or COORDINATOR,
                                 caller.actor)[1].id if data["certificate_name"] else None
        return 201, {"pairing_id": pairing_id, "recorded_at": review.recorded_at, "by_role": review.by_role,
                     **(review.personal or {}), **({"certificate_id": issued} if issued else {})}

    # -- HTTP: surveys (seed 002) -----------------------------------------------------------------

    @endpoint("GET", PAIRING + "/surveys", roles=P_OR_C, responses={200: survey_views.PairSurveysView},
              errors={404: NO_PAIRING}, summary="The surveys fallen due for the pair, and who answered",
              tags=("surveys",))
    def list_surveys(self, request, tenant_id, pairing_id):
        """Each occurrence fallen due, with its questions; a side of the pair sees which are theirs
        to answer, the coordinator everyone's answers and the pair's scores."""
        caller = self._caller(request, tenant_id, PARTICIPANT, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            defined = {s.id: s for s in surveys.programme_surveys_of(tx.conn, tenant_id, pairing.programme_id)}
            given = surveys.answer_rows(tx.conn, tenant_id, [pairing_id])
            occurrences = surveys.due_rows(tx.conn, tenant_id, pairing_id)
        role = pairing.role_of(caller.id) if caller.kind == PARTICIPANT else None
        listed = []
        for row in occurrences:
            these = [a for a in given if (a.survey_id, a.occurrence) == (row["survey_id"], row["occurrence"])]
            survey = defined.get(row["survey_id"])
            answered_by = [a.role for a in these]
            listed.append({
                "survey_id": row["survey_id"], "occurrence": row["occurrence"], "due_at": row["due_at"],
                "respondents": row["respondents"], "answered_by": answered_by,
                "titles": dict(survey.titles) if survey else {},
                "questions": [{"id": q.id, "texts": dict(q.texts),
                               "scale": {"min": q.scale[0], "max": q.scale[1]} if q.scale else None,
                               "choices": list(q.choices)} for q in survey.questions] if survey else [],
                "yours_to_answer": None if role is None else role in row["respondents"] and role not in answered_by,
                "answers": {a.role: dict(a.answers) for a in these} if role is None else None})
        return {"pairing_id": pairing_id, "surveys": listed,
                "scores": pair_surveys(given) if role is None else None}

    @endpoint("POST", PAIRING + "/surveys/<survey_id>/<occurrence>", roles=P,
              body=survey_views.SurveyAnswerInput, example=survey_views.EXAMPLES["survey_answer"],
              responses={201: survey_views.SurveyAnsweredView},
              errors={404: NO_PAIRING, 409: "the pair's surveys changed meanwhile: try again",
                      422: rules("survey_not_due", "not_a_respondent", "already_answered", "unknown_question",
                                 "unanswered", "out_of_scale")},
              summary="A side of the pair answers a survey fallen due for them", tags=("surveys",))
    def answer_survey(self, request, tenant_id, pairing_id, survey_id, occurrence):
        """Every question answered, on its scale or with one of its choices (422 naming
        ``answers.<question id>``), once per respondent and occurrence; a concern (the fit check's
        ``not_a_fit``) tells the coordinator (``PairingFitConcern``)."""
        caller = self._caller(request, tenant_id, PARTICIPANT)
        by = self._person(caller)
        data = schemas.load_input(survey_views.SurveyAnswerInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            defined = {s.id: s for s in surveys.programme_surveys_of(tx.conn, tenant_id, pairing.programme_id)}
            stream = PairSurveys.from_events(pairing_id, tx.read_stream(PAIR_SURVEYS, pairing_id))
            events = stream.answer(pairing, defined.get(survey_id), survey_id, occurrence, by, data["answers"], tx.now)
            self._append(tx, events, {(PAIR_SURVEYS, pairing_id): stream.version}, caller.actor)
        answered = events[0].payload
        return 201, {"pairing_id": pairing_id, "survey_id": survey_id, "occurrence": occurrence,
                     "by_role": answered["by_role"], "answered_at": answered["answered_at"],
                     "answers": answered["answers"], "coordinator_told": len(events) > 1}

    # -- HTTP: progress reports (JSON, and the same as CSV) -------------------------------------

    def _pair_report(self, request, tenant_id: str, pairing_id: str) -> Dict[str, Any]:
        caller = self._caller(request, tenant_id, PARTICIPANT, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            as_of = self._as_of(request, tx.now)
            rules = read_model.programme_rules_as_of(tx.conn, tenant_id, pairing.programme_id, as_of)
            report = reports.pair_report(tx, pairing, rules or self._rules(tx, pairing), as_of)
        if caller.kind == PARTICIPANT:  # a side of the pair sees its own answers' scores only
            report["surveys"] = [s for s in report["surveys"] if s["role"] == pairing.role_of(caller.id)]
        return report

    def _programme_report(self, request, tenant_id: str, programme_id: str) -> Dict[str, Any]:
        self._caller(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            if read_model.programme_rules(tx.conn, tenant_id, programme_id) is None:
                raise NotFound(f"programme {programme_id} not found")
            as_of = self._as_of(request, tx.now)
            rules = read_model.programme_rules_as_of(tx.conn, tenant_id, programme_id, as_of)
            if rules is None:
                raise NotFound(f"programme {programme_id} not found")
            return reports.programme_report(tx, programme_id, rules, as_of)

    @endpoint("GET", PAIRING + "/progress", roles=P_OR_C, query=schemas.ReportInput,
              responses={200: schemas.PairProgressView},
              errors={400: AS_OF_FUTURE, 404: NO_PAIRING, 422: rules("programme_unknown")},
              summary="A pair's progress as of a moment", tags=("progress",))
    def pair_progress(self, request, tenant_id, pairing_id):
        """Meetings and hours that count, each month against the cadence, goals, and whether the
        pair is at risk, from the events recorded up to ``as_of`` (the pair, or the coordinator)."""
        return self._pair_report(request, tenant_id, pairing_id)

    @endpoint("GET", PAIRING + "/progress.csv", roles=P_OR_C, query=schemas.ReportInput,
              responses={200: schemas.PAIR_CSV}, content_type="text/csv",
              errors={400: AS_OF_FUTURE, 404: NO_PAIRING, 422: rules("programme_unknown")},
              summary="A pair's progress as of a moment, one line a month (CSV)", tags=("progress",))
    def pair_progress_csv(self, request, tenant_id, pairing_id):
        return Response(reports.pair_csv(self._pair_report(request, tenant_id, pairing_id)), mimetype="text/csv")

    @endpoint("GET", PROGRAMME + "/progress", roles=C, query=schemas.ReportInput,
              responses={200: schemas.ProgrammeProgressView},
              errors={400: AS_OF_FUTURE, 404: "no such programme here"},
              summary="Every pair's progress in a programme, with totals", tags=("progress",))
    def programme_progress(self, request, tenant_id, programme_id):
        """Every pair introduced by ``as_of``, as in a pair's progress, and the programme's totals."""
        return self._programme_report(request, tenant_id, programme_id)

    @endpoint("GET", PROGRAMME + "/progress.csv", roles=C, query=schemas.ReportInput,
              responses={200: schemas.PROGRAMME_CSV}, content_type="text/csv",
              errors={400: AS_OF_FUTURE, 404: "no such programme here"},
              summary="Every pair's progress in a programme, one line a pair (CSV)", tags=("progress",))
    def programme_progress_csv(self, request, tenant_id, programme_id):
        return Response(reports.programme_csv(self._programme_report(request, tenant_id, programme_id)),
                        mimetype="text/csv")

    def _tenant_report(self, request, tenant_id: str) -> Dict[str, Any]:
        self._caller(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            return reports.tenant_report(tx, self._as_of(request, tx.now))

    @endpoint("GET", TENANT + "/progress", roles=C, query=schemas.ReportInput,
              responses={200: schemas.TenantProgressView}, errors={400: AS_OF_FUTURE},
              summary="Every programme's summary in the tenant, with the tenant's totals", tags=("progress",))
    def tenant_progress(self, request, tenant_id):
        """Per programme the summary of its programme report as of ``as_of``, and the totals."""
        return self._tenant_report(request, tenant_id)

    @endpoint("GET", TENANT + "/progress.csv", roles=C, query=schemas.ReportInput,
              responses={200: schemas.TENANT_CSV}, content_type="text/csv", errors={400: AS_OF_FUTURE},
              summary="Every programme's summary in the tenant, one line a programme and the totals (CSV)",
              tags=("progress",))
    def tenant_progress_csv(self, request, tenant_id):
        return Response(reports.tenant_csv(self._tenant_report(request, tenant_id)), mimetype="text/csv")

    # -- HTTP: a team's analysis meetings before it is paired (seed 003) -----------------------

    @staticmethod
    def _team(tx: StoreTransaction, programme_id: str, team_id: str):
        team = read_model.team(tx.conn, tx.tenant_id, programme_id, team_id)
        if team is None:
            raise NotFound(f"team {team_id} not found in programme {programme_id}")
        return team

    @endpoint("POST", ANALYSIS, roles=C, body=schemas.AnalysisMeetingInput, example=X["analysis"],
              responses={201: schemas.AnalysisMeetingView},
              errors={404: NO_TEAM, 422: rules("team_left", "in_the_future", "after_the_pairing",
                                               "duration_out_of_range", "unknown_area", "programme_unknown")},
              summary="The coordinator logs a team's analysis meeting before it is paired", tags=("teams",))
    def log_analysis_meeting(self, request, tenant_id, programme_id, team_id):
        """A joint session analysing the team's resources, competences, aspirations and needs
        (seed 003): when, how long, who took part and the need found (the team's personal data)."""
        caller = self._caller(request, tenant_id, COORDINATOR)
        data = schemas.load_input(schemas.AnalysisMeetingInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            team = self._team(tx, programme_id, team_id)
            meeting = AnalysisMeeting(str(uuid.uuid4()))
            events = meeting.log(team=team, rules=self._programme_rules(tx, programme_id), now=tx.now, **data)
            self._append(tx, events, {(ANALYSIS_MEETING, meeting.id): 0}, caller.actor)
            return 201, analysis_view(meeting.apply_all(events))

    @endpoint("GET", ANALYSIS, roles=P_OR_C, responses={200: schemas.AnalysisMeetingListView},
              errors={404: NO_TEAM}, summary="A team's analysis meetings, with the need found",
              tags=("teams",))
    def list_analysis_meetings(self, request, tenant_id, programme_id, team_id):
        """The coordinator, or the team itself with its participant token."""
        caller = self._caller(request, tenant_id, PARTICIPANT, COORDINATOR)
        if caller.kind == PARTICIPANT and caller.id != team_id:
            raise NotFound(f"team {team_id} not found in programme {programme_id}")
        with self.store.transaction(tenant_id) as tx:
            self._team(tx, programme_id, team_id)
            found = [self._load(tx, AnalysisMeeting, meeting_id) for meeting_id in
                     read_model.analysis_meeting_ids(tx.conn, tenant_id, programme_id, [team_id])]
        return {"team_id": team_id, "programme_id": programme_id, "analysis_meetings": [
            analysis_view(m) for m in found]}

    @endpoint("POST", ANALYSIS + "/<analysis_meeting_id>/withdraw", roles=C, body=schemas.EmptyInput,
              example=X["empty"], responses={200: schemas.AnalysisMeetingView},
              errors={404: NO_TEAM + "; or no such meeting of it", 409: CHANGED, 422: rules("meeting_withdrawn")},
              summary="The coordinator takes back an analysis meeting logged by mistake", tags=("teams",))
    def withdraw_analysis_meeting(self, request, tenant_id, programme_id, team_id, analysis_meeting_id):
        caller = self._caller(request, tenant_id, COORDINATOR)
        schemas.load_input(schemas.EmptyInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            self._team(tx, programme_id, team_id)
            meeting = self._load(tx, AnalysisMeeting, analysis_meeting_id)
            if not meeting.exists or meeting.team_id != team_id or meeting.programme_id != programme_id:
                raise NotFound(f"analysis meeting {analysis_meeting_id} not found for team {team_id}")
            version = meeting.version
            events = meeting.withdraw(now=tx.now)
            self._append(tx, events, {(ANALYSIS_MEETING, meeting.id): version}, caller.actor)
            return analysis_view(meeting.apply_all(events))

    # -- HTTP: the person's data (GDPR access) ----------------------------------------------------

    @endpoint("GET", "/tenants/<tenant_id>/people/<person_id>/export", roles=P_OR_C,
              responses={200: schemas.ExportView}, errors={404: "no such person here (or not you)"},
              summary="Everything sessions holds about a person (GDPR access)", tags=("people",))
    def export(self, request, tenant_id, person_id):
        """The person's pairings, with every meeting, goal and final review of them and their own
        survey answers, and a team's analysis meetings, their words decrypted (null once their
        writer was erased): the coordinator, or the person themselves."""
        self._caller(request, tenant_id, PARTICIPANT, COORDINATOR).require_person(person_id)
        with self.store.transaction(tenant_id) as tx:
            programmes = read_model.person_programmes(tx.conn, tenant_id, person_id)
            pairings = read_model.person_pairings(tx.conn, tenant_id, person_id)
            if not programmes and not pairings:
                raise NotFound(f"person {person_id} not found")
            return {"person_id": person_id, "tenant_id": tenant_id, "exported_at": tx.now.isoformat(),
                    "programmes": programmes,
                    "pairings": [self._pairing_export(tx, pairing, person_id) for pairing in pairings],
                    "analysis_meetings": [analysis_view(self._load(tx, AnalysisMeeting, meeting_id)) for meeting_id
                                          in read_model.team_analysis_ids(tx.conn, tenant_id, person_id)]}

    def _pairing_export(self, tx: StoreTransaction, pairing: PairingFacts, person_id: str) -> Dict[str, Any]:
        review = self._load(tx, FinalReview, pairing.pairing_id)
        return {
            "pairing_id": pairing.pairing_id, "programme_id": pairing.programme_id,
            "role": pairing.role_of(person_id), "mentor_id": pairing.mentor_id, "mentee_id": pairing.mentee_id,
            "status": pairing.status, "introduced_at": pairing.confirmed_at.isoformat() if pairing.confirmed_at
            else None, "ended_at": pairing.ended_at.isoformat() if pairing.ended_at else None,
            "end_reason": pairing.end_reason,
            "meetings": [meeting_view(self._load(tx, Meeting, row["meeting_id"]))
                         for row in read_model.meeting_rows(tx.conn, pairing.pairing_id)],
            "goals": [goal_view(self._load(tx, Goal, row["goal_id"]))
                      for row in read_model.goal_rows(tx.conn, pairing.pairing_id)],
            "final_review": {"pairing_id": pairing.pairing_id, "recorded_at": review.recorded_at,
                             "by_role": review.by_role,
                             **(review.personal or {"achievements": None, "further_goals": None,
                                                    "next_steps": None})} if review.exists else None,
            "survey_answers": surveys.person_answers(tx.conn, tx.tenant_id, pairing.pairing_id, person_id),
            **self._outcomes_export(tx, pairing)}
