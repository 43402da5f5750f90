"""The matching service: pairs mentors and mentees as registrations arrive, runs cohort
rounds on demand, keeps the reserve register, and lets coordinators decide over HTTP.

Events in (``@consume(..., source="registration")``, one durable queue, per-stream order,
idempotent inbox): programme settings, registrations, consent, training, background checks,
team needs, profile changes, withdrawals, erasure, and ``TenantKeyRotated`` (internal: the
coordinator keys, kept by :data:`~services.platform_core.tenancy.CREDENTIALS`). Each event
updates the ``participants`` read model and then triggers matching in the same transaction:

=====================================  ==================================================
event                                  reaction
=====================================  ==================================================
ProgrammeCreated / Cloned / Updated    take from the reserve (every mentor)
MentorRegistered, TrainingCompleted,   take from the reserve (that mentor)
VettingRecorded, mentor ProfileUpdated
MenteeRegistered, TeamRegistered,      place that mentee (``place_one``) or waitlist
TeamNeedSet, ConsentGiven, mentee
ProfileUpdated
ParticipantWithdrew, PersonErased      their pairings end, the other side is matched again
ConsentWithdrawn                       the mentee's pairing ends (``consent_withdrawn``)
FinalReviewRecorded (from sessions)    the pairing ends as ``completed``; the mentor takes from
                                       the reserve
=====================================  ==================================================

Modes: ``automatic`` confirms at once (``PairingConfirmed``); ``coordinator_approves``
proposes (``PairingProposed``) and waits for approve/reject; ``coordinator_assigns`` waits
for the coordinator (``awaiting_coordinator``; a round proposes; ``.../teams/{id}/candidates``
lists the mentors to pick from); ``mentee_chooses`` offers a shortlist (``ShortlistOffered``),
asks the mentee's ranked mentors one at a time (``MentorRequested`` ... accepted, declined,
expired after ``matching.answer_days``, cancelled: see :mod:`.domain.requests`). A programme
with ``dates.matching_round`` has a scheduled job that runs its cohort round on that date
(automatic and approving programmes wait for it: ``awaiting_round``); jobs run on the
injected clock, claimed by one replica (:mod:`~services.platform_core.scheduler`).
Concurrency between replicas: see :mod:`.decisions.unit_of_work` and :mod:`.domain.pairing`
(guard streams ``matchmentor``/``matchmentee`` with expected versions). What each consumed
event sets off: :mod:`.reactions`.

HTTP (every route but ``/health`` needs the tenant's coordinator key; 401 no or bad key,
403 another role, 404 another tenant's or missing, 400 bad input naming each field, 409 the
state moved on, 422 a hard rule, naming it):

=======  ==============================================================  ===========
GET      /health                                                         200
GET      /tenants/{t}/programmes/{p}/pairings[?status=...]               200
GET      /tenants/{t}/programmes/{p}/proposals                           200
POST     /tenants/{t}/programmes/{p}/proposals/{id}/approve              200
POST     /tenants/{t}/programmes/{p}/proposals/{id}/reject  {reason?}    200
POST     /tenants/{t}/programmes/{p}/pairings  {mentor_id, mentee_id}    201
POST     /tenants/{t}/programmes/{p}/pairings/{id}/end  {reason, rematch?, version?}  200
POST     /tenants/{t}/programmes/{p}/rounds                              201
         ... with ``Prefer: respond-async``: at once, the round runs after   202
GET      /tenants/{t}/programmes/{p}/rounds/{id}  (an asked round)       200
GET      /tenants/{t}/programmes/{p}/reserve                             200
GET      /tenants/{t}/programmes/{p}/requests[?status=...]               200
GET      /tenants/{t}/programmes/{p}/teams/{id}/candidates               200
=======  ==============================================================  ===========

Participant routes (the person's own token, or the coordinator's key; another person: 404):

=======  ==============================================================  ===========
GET      /tenants/{t}/programmes/{p}/mentees/{id}/shortlist              200
POST     /tenants/{t}/programmes/{p}/mentees/{id}/choices  {mentor_ids}  201
POST     /tenants/{t}/programmes/{p}/requests/{id}/accept  (the mentor)  200
POST     /tenants/{t}/programmes/{p}/requests/{id}/decline {reason?}     200
GET      /tenants/{t}/people/{id}/pairings                               200
GET      /tenants/{t}/people/{id}/requests                               200
=======  ==============================================================  ===========
"""
from __future__ import annotations

import copy
from typing import Any, Dict, Optional

from nameko.dependency_providers import Config

import services.contracts.registration  # noqa: F401 - the catalogue entries of the events consumed
import services.contracts.sessions  # noqa: F401
from services.matching import read_model, schemas
from services.matching.decisions import (
    BadChoice,
    NotFoundError,
    RuleFailed,
    StateConflict,
    UnitOfWork,
    asked_rounds,
    choices,
    coordinator,
    placement,
    schedules,
)
from services.matching.decisions.asked_rounds import ASKED_ROUND_JOB
from services.matching.decisions.choices import REQUEST_EXPIRY
from services.matching.decisions.schedules import OPENING_JOB, ROUND_JOB
from services.matching.domain.pairing import PairingRuleBroken
from services.matching.domain.reasons import score_reasons
from services.matching.domain.settings import rules_from_settings
from services.matching.programme_state import ProgrammeState, SettingsUnusable, today_in
from services.matching.reactions import react
from services.platform_core import health, settings, tenancy
from services.platform_core.catchup import CatchUpFeed
from services.platform_core.consumer import consume
from services.platform_core.dependencies import ClockProvider, Store
from services.platform_core.envelope import SYSTEM, Envelope
from services.platform_core.openapi import Documented, HealthView
from services.platform_core.scheduler import Job, Scheduler, scheduled
from services.platform_core.store import ALL_TENANTS, ConcurrencyConflict, StoreTransaction
from services.platform_core.tenancy import COORDINATOR, PARTICIPANT, Caller, authenticate
from services.platform_core.web import (
    ApiError,
    BadRequest,
    Conflict,
    NotFound,
    Unprocessable,
    api,
    bearer_token,
    map_error,
    prefers_async,
    read_json,
)

map_error(PairingRuleBroken, lambda exc: Conflict(exc.message, details={"code": exc.code}))
map_error(StateConflict, lambda exc: Conflict(str(exc)))
map_error(NotFoundError, lambda exc: NotFound(str(exc)))
map_error(RuleFailed, lambda exc: Unprocessable(exc.message, details={"failures": exc.failures}))
map_error(BadChoice, lambda exc: BadRequest(exc.message, details={"mentor_ids": exc.problems}))
map_error(read_model.PlacesRefused, lambda exc: Conflict(
    f"{exc}; the programme changed while this was decided: nothing was written, try again"))
map_error(SettingsUnusable, lambda exc: Unprocessable(str(exc), details={"failures": ["programme_settings_unusable"]}))

EXPECTED = (ApiError, read_model.PlacesRefused, PairingRuleBroken, StateConflict, NotFoundError, RuleFailed,
            SettingsUnusable, ConcurrencyConflict, BadChoice)

#: the registration events matching reads
#: PersonRegistered changes nothing here, but taking it keeps a person's stream contiguous:
#: their MentorRegistered or MenteeRegistered then needs no gap filled from registration
REGISTRATION_EVENTS = (
    "ProgrammeCreated", "ProgrammeCloned", "ProgrammeUpdated", "PersonRegistered", "MentorRegistered",
    "MenteeRegistered", "TeamRegistered", "TeamNeedSet", "ConsentGiven", "ConsentWithdrawn",
    "TrainingCompleted", "VettingRecorded", "ProfileUpdated", "ParticipantWithdrew",
    "PersonErased", "TenantKeyRotated")

PROJECTIONS = read_model.PROJECTIONS


def endpoint(method: str, url: str, **declared):
    """``@api`` with the refusals callers cause; ``declared``: see :class:`~.web.Declaration`."""
    return api(method, url, expected_exceptions=EXPECTED, **declared)


X = schemas.EXAMPLES
C, P, C_OR_P = (COORDINATOR,), (PARTICIPANT,), (COORDINATOR, PARTICIPANT)
PROGRAMME = "/tenants/<tenant_id>/programmes/<programme_id>"
NO_PROGRAMME = "the programme does not exist (or is another tenant's)"
NOT_FOUND = NO_PROGRAMME + "; or what the path names is not in it"
MOVED_ON = ("the state moved on: the version given is not the current one, the pairing or request "
            "is no longer open, or the programme changed while this was decided (try again)")
UNUSABLE = "the programme's settings cannot be matched (programme_settings_unusable)"


def _score_holders(node: Any, programme_id: Optional[str] = None, mentee_id: Optional[str] = None):
    """``(holder, programme, mentor, mentee)`` of every score in a view: a ``score`` object
    with ``parts`` (pairings, requests, candidates) or a shortlisted mentor's ``parts``."""
    if isinstance(node, list):
        for item in node:
            yield from _score_holders(item, programme_id, mentee_id)
    elif isinstance(node, dict):
        programme_id = node.get("programme_id", programme_id)
        mentee_id = node.get("mentee_id", mentee_id)
        held = node.get("score")
        if isinstance(held, dict) and "parts" in held:
            yield held, programme_id, node.get("mentor_id"), mentee_id
        elif "parts" in node and "mentor_id" in node:
            yield node, programme_id, node["mentor_id"], mentee_id
        for value in node.values():
            if isinstance(value, (dict, list)):
                yield from _score_holders(value, programme_id, mentee_id)


def _people(tx: StoreTransaction, programme: Dict[str, Any], person_ids) -> Optional[ProgrammeState]:
    """The programme's rules and these people's facts only (a small view, not the kept state)."""
    try:
        rules = rules_from_settings(programme["settings"])
    except (ValueError, TypeError):
        return None
    state = ProgrammeState(id=programme["programme_id"], tenant_id=tx.tenant_id, mode=programme["mode"],
                           rules=rules, today=today_in(tx, programme), start=None,
                           settings=programme["settings"])
    state.reload(tx.conn, person_ids)
    return state


def _existing(row: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """A row the same transaction has just written."""
    if row is None:
        raise LookupError("a row written in this transaction is not there")
    return row


def explained(tx: StoreTransaction, view: Dict[str, Any]) -> Dict[str, Any]:
    """The view with a reason beside each score part (``reasons`` next to ``parts``); a copy:
    what it was built from (the kept programme state) stays as it was."""
    view = copy.deepcopy(view)
    holders = list(_score_holders(view))
    by_programme: Dict[str, set] = {}
    for _, programme_id, mentor_id, mentee_id in holders:
        by_programme.setdefault(programme_id, set()).update(p for p in (mentor_id, mentee_id) if p)
    states: Dict[str, Optional[ProgrammeState]] = {}
    for programme_id, people in by_programme.items():
        programme = read_model.programme_row(tx.conn, tx.tenant_id, programme_id) if programme_id else None
        states[programme_id] = _people(tx, programme, people) if programme else None
    for holder, programme_id, mentor_id, mentee_id in holders:
        state = states.get(programme_id)
        mentor = state.mentors.get(mentor_id) if state else None
        mentee = state.mentees.get(mentee_id) if state else None
        if state is None or mentor is None or mentee is None:
            holder["reasons"] = {part: "the facts behind it are no longer held" for part in holder["parts"]}
            continue
        names = {str(area["id"]): str((area.get("labels") or {}).get("en") or area["id"])
                 for area in ((state.settings.get("content") or {}).get("areas") or [])
                 if isinstance(area, dict) and area.get("id")}
        holder["reasons"] = score_reasons(state.rules, mentor, mentee, holder["parts"], area_names=names)
    return view


def pairing_view(row: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": row["pairing_id"], "programme_id": row["programme_id"],
        "mentor_id": row["mentor_id"], "mentee_id": row["mentee_id"], "status": row["status"],
        "mode": row["mode"], "origin": row["origin"],
        "score": {"total": row["score"], "parts": row["parts"], "percent": row["percent"]},
        "created_at": row["created_at"], "confirmed_at": row["confirmed_at"],
        "confirmed_by": row["confirmed_by"], "closed_at": row["closed_at"],
        "close_reason": row["close_reason"], "closed_by": row["closed_by"],
        "version": row["version"],
    }


class MatchingService(CatchUpFeed, Documented):
    name = "matching"

    store = Store(read_models=[read_model.metadata, tenancy.metadata], projections=read_model.PROJECTIONS)
    clock = ClockProvider()
    config = Config()
    scheduler = Scheduler()

    # -- events in --------------------------------------------------------------------------------

    @consume(*REGISTRATION_EVENTS, source="registration")
    def on_registration(self, tx: StoreTransaction, event: Envelope) -> None:
        tenancy.CREDENTIALS.apply(tx.conn, event)
        read_model.consume_registration(tx.conn, event)
        react(UnitOfWork(tx, actor=SYSTEM, correlation_id=event.correlation_id,
                         causation_id=event.event_id), event)

    @consume("FinalReviewRecorded", source="sessions")
    def on_sessions(self, tx: StoreTransaction, event: Envelope) -> None:
        """A pair's final review was recorded: the pairing ends as completed."""
        react(UnitOfWork(tx, actor=SYSTEM, correlation_id=event.correlation_id,
                         causation_id=event.event_id), event)

    # -- scheduled work (claimed by one replica, on the injected clock) ----------------------------

    @scheduled(REQUEST_EXPIRY)
    def expire_request(self, tx: StoreTransaction, job: Job) -> None:
        """A mentor did not answer a mentee's request in time: the next mentor is asked."""
        choices.expire(UnitOfWork(tx), job.payload["programme_id"], job.payload["request_id"])

    @scheduled(OPENING_JOB)
    def matching_opens(self, tx: StoreTransaction, job: Job) -> None:
        """The programme's matching window opens: those who waited for it are matched."""
        schedules.matching_opened(UnitOfWork(tx), job.payload["programme_id"], job.payload["date"])

    @scheduled(ROUND_JOB)
    def matching_round(self, tx: StoreTransaction, job: Job) -> None:
        """The programme's cohort round date has come."""
        schedules.scheduled_round(UnitOfWork(tx), job.payload["programme_id"], job.payload["date"])

    @scheduled(ASKED_ROUND_JOB)
    def asked_round(self, tx: StoreTransaction, job: Job) -> None:
        """A round asked with ``Prefer: respond-async``: run now (again, if a replica died running it)."""
        asked_rounds.run(UnitOfWork(tx, actor=asked_rounds.actor_of(job.payload)), job.payload["round_id"])

    # -- plumbing ---------------------------------------------------------------------------------

    def _caller(self, request, tenant_id: str, *kinds: str) -> Caller:
        """The caller, in this tenant, of one of ``kinds`` (default: the coordinator)."""
        with self.store.transaction(ALL_TENANTS) as tx:
            caller = authenticate(tx.conn, self.config, bearer_token(request), self.clock.now())
        caller.require_tenant(tenant_id)
        return caller.require_kind(*(kinds or (COORDINATOR,)))

    def _person_caller(self, request, tenant_id: str, person_id: str) -> Caller:
        """That person themselves (participant token) or the tenant's coordinator."""
        return self._caller(request, tenant_id, COORDINATOR, PARTICIPANT).require_person(person_id)

    @staticmethod
    def _participant_id(caller: Caller) -> Optional[str]:
        return caller.id if caller.kind == PARTICIPANT else None

    @staticmethod
    def _programme(tx: StoreTransaction, tenant_id: str, programme_id: str) -> Dict[str, Any]:
        row = read_model.programme_row(tx.conn, tenant_id, programme_id)
        if row is None:
            raise NotFound(f"programme {programme_id} not found")
        return row

    # -- HTTP -------------------------------------------------------------------------------------

    @endpoint("GET", "/health", responses={200: HealthView, 503: HealthView},
              summary="Whether the service and its database work", tags=("health",), database=False)
    def health(self, request):
        return health.report(self.name, self.store, self.config)

    @endpoint("GET", PROGRAMME + "/pairings", roles=C, query=schemas.ListInput,
              responses={200: schemas.PairingListView}, errors={404: NO_PROGRAMME},
              summary="A programme's pairings (and proposals), with their scores and reasons")
    def list_pairings(self, request, tenant_id, programme_id):
        self._caller(request, tenant_id)
        query = schemas.load_input(schemas.ListInput, dict(request.args.items()))
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            rows = read_model.pairing_rows(tx.conn, tenant_id, programme_id,
                                   [query["status"]] if query.get("status") else None)
            return explained(tx, {"programme_id": programme_id, "pairings": [pairing_view(r) for r in rows]})

    @endpoint("GET", PROGRAMME + "/proposals", roles=C, responses={200: schemas.ProposalListView},
              errors={404: NO_PROGRAMME}, summary="The proposals waiting for the coordinator")
    def list_proposals(self, request, tenant_id, programme_id):
        self._caller(request, tenant_id)
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            rows = read_model.pairing_rows(tx.conn, tenant_id, programme_id, ["proposed"])
            return explained(tx, {"programme_id": programme_id, "proposals": [pairing_view(r) for r in rows]})

    def _pairing_result(self, tx, tenant_id, pairing_id, uow, **extra):
        row = read_model.pairing_row(tx.conn, tenant_id, pairing_id)
        return explained(tx, {"pairing": pairing_view(row) if row else None,
                              "events": [e.event_type for e in uow.appended
                                         if e.stream_type in ("pairing", "matchmentee", "matchround")
                                         and e.event_type not in ("MenteePlaced", "MenteeReleased")], **extra})

    @endpoint("POST", PROGRAMME + "/proposals/<pairing_id>/approve", roles=C, body=schemas.VersionInput,
              example=X["version"], responses={200: schemas.PairingResultView},
              errors={404: NOT_FOUND, 409: MOVED_ON,
                      422: "the pair no longer qualifies: the hard rules it fails are named"},
              summary="Approve a proposal: the pair is confirmed")
    def approve(self, request, tenant_id, programme_id, pairing_id):
        caller = self._caller(request, tenant_id)
        data = schemas.load_input(schemas.VersionInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            uow = UnitOfWork(tx, actor=caller.actor)
            coordinator.approve(uow, programme_id, pairing_id, version=data["version"])
            return self._pairing_result(tx, tenant_id, pairing_id, uow)

    @endpoint("POST", PROGRAMME + "/proposals/<pairing_id>/reject", roles=C, body=schemas.RejectInput,
              example=X["reject"], responses={200: schemas.PairingResultView},
              errors={404: NOT_FOUND, 409: MOVED_ON, 422: UNUSABLE},
              summary="Reject a proposal: the pair is never proposed again; the next is proposed")
    def reject(self, request, tenant_id, programme_id, pairing_id):
        caller = self._caller(request, tenant_id)
        data = schemas.load_input(schemas.RejectInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            uow = UnitOfWork(tx, actor=caller.actor)
            replacement = coordinator.reject(uow, programme_id, pairing_id, data["reason"],
                                             version=data["version"])
            next_row = read_model.pairing_row(tx.conn, tenant_id, replacement) if replacement else None
            return self._pairing_result(tx, tenant_id, pairing_id, uow,
                                        next_proposal=pairing_view(next_row) if next_row else None)

    @endpoint("POST", PROGRAMME + "/pairings", roles=C, body=schemas.AssignInput, example=X["assign"],
              responses={201: schemas.PairingResultView},
              errors={404: NOT_FOUND, 409: MOVED_ON,
                      422: "the pair breaks a hard rule (each is named), or " + UNUSABLE},
              summary="Pair a mentor and a mentee by hand")
    def assign(self, request, tenant_id, programme_id):
        caller = self._caller(request, tenant_id)
        data = schemas.load_input(schemas.AssignInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            uow = UnitOfWork(tx, actor=caller.actor)
            pairing_id = coordinator.assign(uow, programme_id, data["mentor_id"], data["mentee_id"])
            return 201, self._pairing_result(tx, tenant_id, pairing_id, uow)

    @endpoint("POST", PROGRAMME + "/pairings/<pairing_id>/end", roles=C, body=schemas.EndInput,
              example=X["end"], responses={200: schemas.PairingResultView},
              errors={404: NOT_FOUND, 409: MOVED_ON, 422: UNUSABLE},
              summary="End a confirmed pairing (the mentee is matched again unless it completed)")
    def end(self, request, tenant_id, programme_id, pairing_id):
        caller = self._caller(request, tenant_id)
        data = schemas.load_input(schemas.EndInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            uow = UnitOfWork(tx, actor=caller.actor)
            rematch = data["rematch"] if data["rematch"] is not None else data["reason"] != "completed"
            coordinator.end(uow, programme_id, pairing_id, data["reason"], rematch=rematch,
                            version=data["version"])
            return self._pairing_result(tx, tenant_id, pairing_id, uow)

    @endpoint("POST", PROGRAMME + "/rounds", roles=C, body=schemas.EmptyInput, example=X["empty"],
              responses={201: schemas.RoundView, 202: schemas.RoundAcceptedView}, respond_async=True,
              errors={404: NO_PROGRAMME, 409: MOVED_ON,
                      422: "the programme has no cohort round (mentees choose), or " + UNUSABLE},
              summary="Run a cohort round: the optimal assignment of everyone waiting")
    def run_round(self, request, tenant_id, programme_id):
        """Answers with what the round did (201), once it ran. With ``Prefer: respond-async``
        it answers 202 at once: the round runs after the answer (on this replica, or on another
        if this one stops) and ``Location`` says where its progress and result are read."""
        caller = self._caller(request, tenant_id)
        schemas.load_input(schemas.EmptyInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            programme = self._programme(tx, tenant_id, programme_id)
            uow = UnitOfWork(tx, actor=caller.actor)
            if prefers_async(request):
                round_id = asked_rounds.ask(uow, programme)
                self.scheduler.run_soon_after(tx, ASKED_ROUND_JOB, round_id)
                row = _existing(read_model.asked_round_row(tx.conn, tenant_id, programme_id, round_id))
                return 202, {"round_id": round_id, "programme_id": programme_id, "status": row["status"],
                             "requested_at": row["requested_at"], "location": self._round_location(row)}
            return 201, self._round_result(tx, coordinator.run_round(uow, programme_id))

    @staticmethod
    def _round_location(row: Dict[str, Any]) -> str:
        return f"/tenants/{row['tenant_id']}/programmes/{row['programme_id']}/rounds/{row['round_id']}"

    @staticmethod
    def _round_result(tx: StoreTransaction, summary: Dict[str, Any]) -> Dict[str, Any]:
        """A round's answer: what it did, with its new pairings (as they are now) explained."""
        summary = dict(summary)
        rows = [read_model.pairing_row(tx.conn, tx.tenant_id, pid) for pid in summary["new_pairings"]]
        summary["pairings"] = [pairing_view(r) for r in rows if r]
        return explained(tx, summary)

    @endpoint("GET", PROGRAMME + "/rounds/<round_id>", roles=C, responses={200: schemas.AskedRoundView},
              errors={404: NO_PROGRAMME + "; or no round of that id was asked in it with respond-async"},
              summary="A round asked with Prefer: respond-async: running, completed (its result) or failed (why)")
    def asked_round_view(self, request, tenant_id, programme_id, round_id):
        """Any replica answers. A round whose replica stopped while it ran is run again by another
        (it stays ``running``); one that failed on our side every time it was tried is ``failed``."""
        self._caller(request, tenant_id)
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            row = read_model.asked_round_row(tx.conn, tenant_id, programme_id, round_id)
            if row is None:
                raise NotFound(f"round {round_id} was not asked for in programme {programme_id}")
            view = {key: row[key] for key in ("round_id", "programme_id", "status", "requested_at",
                                              "finished_at", "reason", "code")}
            view["result"] = self._round_result(tx, row["result"]) if row["status"] == "completed" else None
            view["location"] = self._round_location(row)
            job = self.scheduler.get(tx, ASKED_ROUND_JOB, round_id)
            tries = int(settings.value(self.config, "SCHEDULER_MAX_ATTEMPTS"))
            if row["status"] == "running" and job is not None and job.done_at is None and job.attempts >= tries:
                view.update(status="failed", code="round_error", reason=(
                    f"the round failed on our side each of the {job.attempts} times it was tried, and "
                    f"nothing of it was written; ask for a new round, or report round {round_id}"))
            return view

    @endpoint("GET", PROGRAMME + "/reserve", roles=C, responses={200: schemas.ReserveView},
              errors={404: NO_PROGRAMME, 422: UNUSABLE})
    def reserve(self, request, tenant_id, programme_id):
        """Who waits, and why: mentees (live reason, recorded reason, since when) and mentors
        with free places (and what keeps them from being matched, if anything)."""
        self._caller(request, tenant_id)
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            return placement.reserve(UnitOfWork(tx), programme_id)

    # -- mentee chooses ---------------------------------------------------------------------------

    @endpoint("GET", PROGRAMME + "/mentees/<mentee_id>/shortlist", roles=C_OR_P,
              responses={200: schemas.ShortlistView},
              errors={404: NOT_FOUND + " (a participant: someone else)",
                      422: "in this programme mentees do not choose, or " + UNUSABLE})
    def shortlist(self, request, tenant_id, programme_id, mentee_id):
        """The mentee's shortlist (best first, with match percentages), their ranking and
        where its requests stand."""
        self._person_caller(request, tenant_id, mentee_id)
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            return explained(tx, choices.shortlist_of(UnitOfWork(tx), programme_id, mentee_id))

    @endpoint("POST", PROGRAMME + "/mentees/<mentee_id>/choices", roles=C_OR_P, body=schemas.ChoicesInput,
              example=X["choices"], responses={201: schemas.ChosenView},
              errors={404: NOT_FOUND + " (a participant: someone else)", 409: MOVED_ON,
                      422: "in this programme mentees do not choose, or " + UNUSABLE})
    def choose(self, request, tenant_id, programme_id, mentee_id):
        """The mentee ranks mentors of their shortlist; the first available one is asked."""
        caller = self._person_caller(request, tenant_id, mentee_id)
        data = schemas.load_input(schemas.ChoicesInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            uow = UnitOfWork(tx, actor=caller.actor)
            request_id = choices.choose(uow, programme_id, mentee_id, data["mentor_ids"])
            return 201, explained(tx, {"request": read_model.request_view(tx.conn, tenant_id, request_id),
                                       **self._events_of(uow),
                                       "shortlist": choices.shortlist_of(uow, programme_id, mentee_id)})

    @staticmethod
    def _events_of(uow: UnitOfWork) -> Dict[str, Any]:
        return {"events": [e.event_type for e in uow.appended
                           if e.event_type not in schemas.GUARD_EVENTS]}

    def _answer(self, request, tenant_id, programme_id, request_id, answer):
        caller = self._caller(request, tenant_id, PARTICIPANT)
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            uow = UnitOfWork(tx, actor=caller.actor)
            result = answer(uow, caller.id)
            return explained(tx, {"request": read_model.request_view(tx.conn, tenant_id, request_id),
                                  **self._events_of(uow), **result(tx)})

    @endpoint("POST", PROGRAMME + "/requests/<request_id>/accept", roles=P, body=schemas.EmptyInput,
              example=X["empty"], responses={200: schemas.AnsweredView},
              errors={404: NOT_FOUND + " (or the request is to another mentor)", 409: MOVED_ON,
                      422: "the pair no longer qualifies, or " + UNUSABLE})
    def accept_request(self, request, tenant_id, programme_id, request_id):
        """The mentor asked takes the mentee: the pair is confirmed."""
        schemas.load_input(schemas.EmptyInput, read_json(request))

        def answer(uow, mentor_id):
            pairing_id = choices.accept(uow, programme_id, request_id, mentor_id)
            return lambda tx: {"pairing": pairing_view(
                _existing(read_model.pairing_row(tx.conn, tenant_id, pairing_id)))}
        return self._answer(request, tenant_id, programme_id, request_id, answer)

    @endpoint("POST", PROGRAMME + "/requests/<request_id>/decline", roles=P, body=schemas.DeclineInput,
              example=X["decline"], responses={200: schemas.AnsweredView},
              errors={404: NOT_FOUND + " (or the request is to another mentor)", 409: MOVED_ON,
                      422: UNUSABLE})
    def decline_request(self, request, tenant_id, programme_id, request_id):
        """The mentor asked says no: the mentee's next ranked mentor is asked."""
        data = schemas.load_input(schemas.DeclineInput, read_json(request))

        def answer(uow, mentor_id):
            following = choices.decline(uow, programme_id, request_id, mentor_id, data["reason"])
            return lambda tx: {"next_request": read_model.request_view(tx.conn, tenant_id, following)}
        return self._answer(request, tenant_id, programme_id, request_id, answer)

    @endpoint("GET", PROGRAMME + "/requests", roles=C, query=schemas.RequestListInput,
              responses={200: schemas.RequestListView}, errors={404: NO_PROGRAMME})
    def list_requests(self, request, tenant_id, programme_id):
        """Every request to a mentor in the programme (the coordinator's view)."""
        self._caller(request, tenant_id)
        query = schemas.load_input(schemas.RequestListInput, dict(request.args.items()))
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            rows = read_model.request_rows(tx.conn, tenant_id, programme_id=programme_id,
                                   statuses=[query["status"]] if query.get("status") else None)
            return explained(tx, {"programme_id": programme_id,
                                  "requests": [read_model.request_json(r) for r in rows]})

    # -- a person's own view ----------------------------------------------------------------------

    def _person_rows(self, request, tenant_id, person_id, view_of):
        self._person_caller(request, tenant_id, person_id)
        with self.store.transaction(tenant_id) as tx:
            if not read_model.programmes_of(tx.conn, tenant_id, person_id):
                raise NotFound(f"person {person_id} not found")
            return explained(tx, view_of(tx.conn))

    @endpoint("GET", "/tenants/<tenant_id>/people/<person_id>/pairings", roles=C_OR_P,
              responses={200: schemas.PersonPairingsView},
              errors={404: "the person takes part in no programme here (a participant: someone else)"})
    def person_pairings(self, request, tenant_id, person_id):
        """A mentor's or mentee's own pairings, in every programme (them or the coordinator)."""
        return self._person_rows(request, tenant_id, person_id, lambda conn: {
            "person_id": person_id, "pairings": [
                {**pairing_view(r), "role": "mentor" if r["mentor_id"] == person_id else "mentee"}
                for r in read_model.pairings_of(conn, tenant_id, person_id)]})

    @endpoint("GET", "/tenants/<tenant_id>/people/<person_id>/requests", roles=C_OR_P,
              responses={200: schemas.PersonRequestsView},
              errors={404: "the person takes part in no programme here (a participant: someone else)"})
    def person_requests(self, request, tenant_id, person_id):
        """Requests to a mentor (to answer) or of a mentee (to follow), in every programme."""
        return self._person_rows(request, tenant_id, person_id, lambda conn: {
            "person_id": person_id, "requests": [read_model.request_json(r) for r in
                                                 read_model.request_rows(conn, tenant_id, person_id=person_id)]})

    # -- coordinator assigns ----------------------------------------------------------------------

    @endpoint("GET", PROGRAMME + "/teams/<team_id>/candidates", roles=C,
              responses={200: schemas.CandidatesView},
              errors={404: NOT_FOUND, 422: "nobody can be paired with the team yet (each reason is named), or "
                      + UNUSABLE})
    def team_candidates(self, request, tenant_id, programme_id, team_id):
        """The mentors who know the team's need area and may take it, best first, with their
        scores; the others with the rules they fail."""
        self._caller(request, tenant_id)
        with self.store.transaction(tenant_id) as tx:
            self._programme(tx, tenant_id, programme_id)
            rows = read_model.participant_rows(tx.conn, tenant_id, programme_id, roles=("team",),
                                       person_ids=[team_id])
            if not rows or rows[0]["withdrawn"]:
                raise NotFound(f"team {team_id} not found in programme {programme_id}")
            return explained(tx, coordinator.candidates(UnitOfWork(tx), programme_id, team_id))
