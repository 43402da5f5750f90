"""Notices and reminders: which event makes which message for whom, when it is due, and which
event makes a message that waits no longer needed.

Kinds (besides the introduction):

* ``registration_received``: to a new mentor or mentee, and to a minor mentee's guardian
  (who is told when their consent is needed);
* ``consent_missing``: to the guardian of a mentee registered without the consent the
  programme needs, every ``consent_reminder.every_days`` days after registering, at most
  ``consent_reminder.at_most`` times; no longer once the consent is given;
* ``training_reminder``: to a mentor of a programme that requires training,
  ``training_reminder.days_before`` days before the seminar; no longer once trained;
* ``registration_closing``: to a mentor without a mentee, ``registration_closing.days_before``
  days before the mentees' registration closes; no longer once paired; and to each of the
  programme's coordinators at the same moment, once per programme (its cause: the programme's
  closing, :func:`closing_cause`), with how many mentees and mentors still wait when it goes out
  (counted from what notifications knows: :func:`waiting_counts`) and the path of matching's
  reserve list; no longer once they leave the programme's coordinators;
* ``shortlist_offered``, ``mentor_requested`` (with its answer deadline) and
  ``request_not_accepted`` (declined or expired): mentee-chooses mode;
* ``pairing_at_risk``: to both sides of a pair the sessions watch found meeting too seldom;
  no longer once it is back on track;
* ``meeting_disputed``: to each of the programme's coordinators, when a side of a pair disputes
  a meeting the other logged: which pair, which meeting (its day, time, length and mode), who
  logged it and who disputes it, names from the contact cards (never the dispute's reason: that
  is the disputer's personal data, and the coordinator reads it in sessions).
* ``proposal_waiting``: to each of the programme's coordinators, a proposal waiting for their
  approval (``PairingProposed``: coordinator-approves mode, or a round's suggestion when the
  coordinator assigns), with the two sides' names and the path of matching's proposals; no longer
  once the proposal is approved or rejected (or the coordinator leaves the programme's staff);
* ``survey_invitation``: to each respondent of a survey fallen due for a pair (``SurveyDue``:
  the mentor, the mentee themself, a minor too: the survey asks the mentee, and a guardian is
  not a respondent), naming the survey in the recipient's language and how to answer it in
  sessions; no longer once that side answered that occurrence (``SurveyAnswered``). A reminder:
  it can be turned off;
* ``fit_concern``: to each of the programme's coordinators, when a side answered a survey with a
  concern (``PairingFitConcern``: the fit check's "not a fit"): which pair, which survey, who; no
  free text (the answers are codes). It cannot be turned off.

Every message waits for the sending window, outside quiet periods (:mod:`.schedule`); any that
still waits is dropped when its person withdraws from the programme or is erased, or its
pairing ends. A message's key is (cause event id, recipient, role, kind, occurrence).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from services.contracts.programme_settings import setting, survey_definitions

from .introduction import NoOneToTell, next_steps
from .schedule import SendingTimes, next_send_moment, start_of_day

REGISTRATION_RECEIVED = "registration_received"
CONSENT_MISSING = "consent_missing"
TRAINING_REMINDER = "training_reminder"
REGISTRATION_CLOSING = "registration_closing"
SHORTLIST_OFFERED = "shortlist_offered"
MENTOR_REQUESTED = "mentor_requested"
REQUEST_NOT_ACCEPTED = "request_not_accepted"
PAIRING_AT_RISK = "pairing_at_risk"
MEETING_DISPUTED = "meeting_disputed"
PROPOSAL_WAITING = "proposal_waiting"
SURVEY_INVITATION = "survey_invitation"
FIT_CONCERN = "fit_concern"
#: the kinds made here, each with its templates (``templates/<kind>/``)
NOTICE_KINDS = (REGISTRATION_RECEIVED, CONSENT_MISSING, TRAINING_REMINDER, REGISTRATION_CLOSING,
                SHORTLIST_OFFERED, MENTOR_REQUESTED, REQUEST_NOT_ACCEPTED, PAIRING_AT_RISK, MEETING_DISPUTED,
                PROPOSAL_WAITING, SURVEY_INVITATION, FIT_CONCERN)
#: the kinds about a pairing (the delivery log names it)
ABOUT_A_PAIRING = (PAIRING_AT_RISK, MEETING_DISPUTED, PROPOSAL_WAITING, SURVEY_INVITATION, FIT_CONCERN)
#: kinds due on a day of the programme's calendar or after a while (the rest: at once)
TIMED = (CONSENT_MISSING, TRAINING_REMINDER, REGISTRATION_CLOSING)

MENTOR, MENTEE, GUARDIAN, COORDINATOR = "mentor", "mentee", "guardian", "coordinator"
#: an event older than this when it comes (a consumer catching up on history) makes no notices:
#: news of long ago is no news
STALE_AFTER = timedelta(days=2)
#: a programme's events (its programme: the stream's id)
PROGRAMME_EVENTS = ("ProgrammeCreated", "ProgrammeCloned", "ProgrammeUpdated")
#: the events that make notices (each names its programme, or is a programme's event)
PLANNED_BY = ("MentorRegistered", "MenteeRegistered", "ShortlistOffered", "MentorRequested",
              "MentorRequestDeclined", "MentorRequestExpired", "PairingAtRisk", "MeetingDisputed", "PairingProposed",
              "StaffMemberAdded", "StaffMemberChanged", "SurveyDue", "PairingFitConcern") + PROGRAMME_EVENTS
#: what a coordinator's ``fit_concern`` keeps of the answer (ids, the survey, who; never the answers)
CONCERN_FACTS = ("mentor_id", "mentee_id", "survey_id", "occurrence", "by_role", "answered_at")
#: the fit check's concern (services/contracts/default_surveys.py)
NOT_A_FIT = "not_a_fit"
#: what a coordinator's ``meeting_disputed`` keeps of the dispute (ids, the meeting's facts, the roles)
DISPUTE_FACTS = ("mentor_id", "mentee_id", "meeting_id", "started_at", "minutes", "mode", "logged_by_role",
                 "disputed_at")
#: the path of matching's API a coordinator's notice points to (its reserve list, its proposals)
RESERVE_PATH = "/tenants/{tenant_id}/programmes/{programme_id}/reserve"
PROPOSALS_PATH = "/tenants/{tenant_id}/programmes/{programme_id}/proposals"

_NAMESPACE = uuid.UUID("5f1c9e0a-7d3b-4b8e-9a61-0c2d4e6f8a1b")


@dataclass(frozen=True)
class Planned:
    """A message an event makes: for ``recipient_id`` as ``role`` (a guardian's: the mentee's
    id), ``about_id`` the pairing or request it concerns (if any), ``facts`` what it says;
    ``cause_id`` the cause it answers when that is not the event itself (a programme's closing:
    every event that could tell a coordinator of it makes the same message)."""

    kind: str
    recipient_id: str
    role: str
    occurrence: int = 1
    about_id: Optional[str] = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    cause_id: Optional[str] = None


@dataclass(frozen=True)
class Cancel:
    """Messages still waiting that an event makes pointless: of ``kinds`` (None: every kind),
    for ``recipient_id`` (None: anyone), in ``programme_id`` (None: any), about ``about_id``;
    ``consent``: only in the programmes a consent ``(programme_id, valid_from, valid_until)``
    covers (its own, and every other whose meetings start in its school year)."""

    kinds: Optional[Tuple[str, ...]] = None
    recipient_id: Optional[str] = None
    programme_id: Optional[str] = None
    about_id: Optional[str] = None
    consent: Optional[Tuple[str, str, str]] = None
    #: only the messages whose facts hold these values (a survey's occurrence)
    facts: Tuple[Tuple[str, Any], ...] = ()

    def names(self, facts: Optional[Mapping[str, Any]]) -> bool:
        """Whether a waiting message with these ``facts`` is one this drops."""
        return all((facts or {}).get(key) == value for key, value in self.facts)

    def covers(self, programme_id: str, settings: Mapping[str, Any]) -> bool:
        """Whether a waiting message of ``programme_id`` (with these settings) is dropped."""
        if self.consent is None:
            return True
        given_for, first, last = self.consent
        return programme_id == given_for or consent_covers([(first, last)], settings)


def is_minor(age_at_start: Optional[int], settings: Mapping[str, Any]) -> bool:
    return age_at_start is not None and age_at_start < int(setting(settings, "rules.consent.age_of_majority"))


def _training_required(settings: Mapping[str, Any]) -> bool:
    return setting(settings, "rules.training.rule") != "not_required"


def coordinators_of(staff: Sequence[Tuple[str, str]]) -> List[str]:
    """The coordinators among a programme's ``staff`` ((person id, role) pairs)."""
    return sorted({person_id for person_id, role in staff if role == COORDINATOR})


def closing_cause(programme_id: str) -> str:
    """The cause of a coordinator's ``registration_closing``: the programme's closing, one for
    every event that announces it (so each coordinator is told once)."""
    return str(uuid.uuid5(_NAMESPACE, f"{programme_id}/registration_closing"))


def _closes(settings: Mapping[str, Any]) -> bool:
    return bool((settings.get("dates") or {}).get("mentee_registration_closes"))


def _staff_plans(event_type: str, payload: Mapping[str, Any], *, stream_id: str, settings: Mapping[str, Any],
                 staff: Sequence[Tuple[str, str]], tenant_id: str) -> List[Planned]:
    """The coordinators' notices: a meeting disputed, a pair's fit concern, a proposal waiting, the
    programme's registration closing."""
    if event_type == "PairingFitConcern":
        concern = {**{key: payload[key] for key in CONCERN_FACTS},
                   "not_a_fit": all(code == NOT_A_FIT for code in payload["concerns"].values())}
        return [Planned(FIT_CONCERN, person_id, COORDINATOR, about_id=payload["pairing_id"], facts=concern)
                for person_id in coordinators_of(staff)]
    if event_type == "MeetingDisputed":
        dispute = {**{key: payload[key] for key in DISPUTE_FACTS}, "disputed_by_role": payload["by_role"]}
        return [Planned(MEETING_DISPUTED, person_id, COORDINATOR, about_id=payload["pairing_id"], facts=dispute)
                for person_id in coordinators_of(staff)]
    if event_type == "PairingProposed":
        path = PROPOSALS_PATH.format(tenant_id=tenant_id, programme_id=payload["programme_id"])
        facts = {"mentor_id": payload["mentor_id"], "mentee_id": payload["mentee_id"],
                 "percent": payload.get("percent"), "origin": payload.get("origin"), "proposals_path": path}
        return [Planned(PROPOSAL_WAITING, person_id, COORDINATOR, about_id=stream_id, facts=facts)
                for person_id in coordinators_of(staff)]
    if not _closes(settings):
        return []
    if event_type in PROGRAMME_EVENTS:
        told = coordinators_of(staff)
        programme_id = stream_id
    elif event_type in ("StaffMemberAdded", "StaffMemberChanged") and payload.get("role") == COORDINATOR:
        told, programme_id = [stream_id], payload["programme_id"]
    else:
        return []
    return [Planned(REGISTRATION_CLOSING, person_id, COORDINATOR, cause_id=closing_cause(programme_id))
            for person_id in told]


def plans_for(event_type: str, payload: Mapping[str, Any], *, stream_id: str,
              settings: Mapping[str, Any], consent_covered: bool = False,
              staff: Sequence[Tuple[str, str]] = (), tenant_id: str = "") -> List[Planned]:
    """The messages ``event_type`` makes (``stream_id``: its stream's id), given the programme's
    ``settings``; ``consent_covered``: a consent given earlier already covers the programme;
    ``staff``: the programme's staff ((person id, role) pairs) as known now."""
    if event_type in PROGRAMME_EVENTS + ("MeetingDisputed", "PairingFitConcern", "PairingProposed",
                                         "StaffMemberAdded", "StaffMemberChanged"):
        return _staff_plans(event_type, payload, stream_id=stream_id, settings=settings, staff=staff,
                            tenant_id=tenant_id)
    if event_type == "MentorRegistered":
        plans = [Planned(REGISTRATION_RECEIVED, stream_id, MENTOR)]
        if _training_required(settings) and (settings.get("rules") or {}).get("training", {}).get("seminar_date"):
            plans.append(Planned(TRAINING_REMINDER, stream_id, MENTOR))
        if (settings.get("dates") or {}).get("mentee_registration_closes"):
            plans.append(Planned(REGISTRATION_CLOSING, stream_id, MENTOR))
        return plans
    if event_type == "MenteeRegistered":
        consent_needed = bool(payload.get("consent_required")) and not consent_covered
        facts = {"consent_needed": consent_needed}
        plans = [Planned(REGISTRATION_RECEIVED, stream_id, MENTEE, facts=facts)]
        if is_minor(payload.get("age_at_start"), settings):
            plans.append(Planned(REGISTRATION_RECEIVED, stream_id, GUARDIAN, facts=facts))
        if consent_needed:
            times = int(setting(settings, "notifications.consent_reminder.at_most"))
            plans.extend(Planned(CONSENT_MISSING, stream_id, GUARDIAN, occurrence=n) for n in range(1, times + 1))
        return plans
    if event_type == "ShortlistOffered" and payload.get("mentors"):
        return [Planned(SHORTLIST_OFFERED, stream_id, MENTEE, facts={"count": len(payload["mentors"])})]
    if event_type == "MentorRequested":
        return [Planned(MENTOR_REQUESTED, payload["mentor_id"], MENTOR, about_id=stream_id,
                        facts={"other_id": payload["mentee_id"], "answer_by": payload["answer_by"]})]
    if event_type in ("MentorRequestDeclined", "MentorRequestExpired"):
        outcome = "declined" if event_type == "MentorRequestDeclined" else "expired"
        return [Planned(REQUEST_NOT_ACCEPTED, payload["mentee_id"], MENTEE, about_id=stream_id,
                        facts={"other_id": payload["mentor_id"], "outcome": outcome})]
    return _pair_plans(event_type, payload)


def _pair_plans(event_type: str, payload: Mapping[str, Any]) -> List[Planned]:
    """The messages a pair's news from sessions makes (its watch, meetings and surveys)."""
    if event_type == "PairingAtRisk":
        watch: Dict[str, Any] = {"reasons": list(payload.get("reasons") or []),
                                 "days_since_last_meeting": payload.get("days_since_last_meeting")}
        return [Planned(PAIRING_AT_RISK, payload["mentor_id"], MENTOR, about_id=payload["pairing_id"],
                        facts={**watch, "other_id": payload["mentee_id"]}),
                Planned(PAIRING_AT_RISK, payload["mentee_id"], MENTEE, about_id=payload["pairing_id"],
                        facts={**watch, "other_id": payload["mentor_id"]})]
    if event_type == "SurveyDue":
        asked = {"survey_id": payload["survey_id"], "occurrence": payload["occurrence"]}
        return [Planned(SURVEY_INVITATION, person_id, role, about_id=payload["pairing_id"], facts=asked)
                for role, person_id in zip(payload["respondents"], payload["respondent_ids"], strict=True)
                if role in (MENTOR, MENTEE)]
    return []


def cancellations(event_type: str, payload: Mapping[str, Any], *, stream_id: str) -> List[Cancel]:
    """The waiting messages ``event_type`` makes pointless."""
    programme = payload.get("programme_id")
    if event_type == "ConsentGiven":
        return [Cancel((CONSENT_MISSING,), stream_id,
                       consent=(str(programme), str(payload["valid_from"]), str(payload["valid_until"])))]
    if event_type == "TrainingCompleted":
        return [Cancel((TRAINING_REMINDER,), stream_id, programme)]
    if event_type == "ParticipantWithdrew":
        return [Cancel(None, stream_id, programme)]
    if event_type == "PersonErased":
        return [Cancel(None, stream_id)]
    if event_type == "PairingConfirmed":
        return [Cancel((REGISTRATION_CLOSING,), payload["mentor_id"], programme),
                Cancel((PROPOSAL_WAITING,), about_id=stream_id)]
    if event_type == "PairingRejected":
        return [Cancel((PROPOSAL_WAITING,), about_id=stream_id)]
    if event_type == "StaffMemberRemoved" or (event_type == "StaffMemberChanged"
                                              and payload.get("role") != COORDINATOR):
        return [Cancel((REGISTRATION_CLOSING, PROPOSAL_WAITING), stream_id, programme)]
    if event_type == "PairingEnded":
        return [Cancel(None, about_id=stream_id)]
    if event_type == "PairingBackOnTrack":
        return [Cancel((PAIRING_AT_RISK,), about_id=payload["pairing_id"])]
    if event_type == "SurveyAnswered":
        return [Cancel((SURVEY_INVITATION,), payload["by_person_id"], about_id=payload["pairing_id"],
                       facts=(("survey_id", payload["survey_id"]), ("occurrence", payload["occurrence"])))]
    if event_type in ("MentorRequestAccepted", "MentorRequestDeclined", "MentorRequestExpired",
                      "MentorRequestCancelled"):
        return [Cancel((MENTOR_REQUESTED,), about_id=stream_id)]
    return []


def waiting_counts(registered: Iterable[Tuple[str, str]], paired: Iterable[Tuple[str, str]]) -> Dict[str, int]:
    """How many of a programme's participants still wait: ``registered`` (person id, side:
    ``mentor`` or ``mentee``, a team on the mentee's side) who are in none of the ``paired``
    (mentor id, mentee id) pairs standing now."""
    in_pairs = {person for pair in paired for person in pair}
    waiting = {MENTOR: 0, MENTEE: 0}
    for person_id, side in set(registered):
        if person_id not in in_pairs and side in waiting:
            waiting[side] += 1
    return {"waiting_mentees": waiting[MENTEE], "waiting_mentors": waiting[MENTOR]}


def consent_covers(consents: Sequence[Tuple[str, str]], settings: Mapping[str, Any]) -> bool:
    """Whether one of ``consents`` (``(valid_from, valid_until)`` ISO days) covers the programme
    (its meetings' start falls in it)."""
    start = str((settings.get("dates") or {}).get("meetings_start") or "")
    return bool(start) and any(first <= start <= last for first, last in consents)


def _day(settings: Mapping[str, Any], path: str) -> Optional[date]:
    value: Any = settings
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return date.fromisoformat(value) if value else None


def _deadline(kind: str, settings: Mapping[str, Any]) -> Optional[date]:
    """The programme's day a reminder of ``kind`` is due some days before (None: none)."""
    if kind == TRAINING_REMINDER:
        return _day(settings, "rules.training.seminar_date") if _training_required(settings) else None
    return _day(settings, "dates.mentee_registration_closes")


def nominal_due(kind: str, occurrence: int, *, cause_at: datetime, settings: Mapping[str, Any],
                times: SendingTimes) -> Optional[datetime]:
    """When a message is due, before the sending window has its say: at once, some days after
    its cause, or some days before a day of the programme (at its local midnight). None: the
    programme does not ask for it (no such day, fewer repeats)."""
    if kind == CONSENT_MISSING:
        if occurrence > int(setting(settings, "notifications.consent_reminder.at_most")):
            return None
        every = int(setting(settings, "notifications.consent_reminder.every_days"))
        return cause_at + timedelta(days=occurrence * every)
    if kind in (TRAINING_REMINDER, REGISTRATION_CLOSING):
        deadline = _deadline(kind, settings)
        if deadline is None:
            return None
        before = int(setting(settings, f"notifications.{kind}.days_before"))
        return start_of_day(deadline - timedelta(days=before), times)
    return cause_at


def due_moment(kind: str, occurrence: int, *, cause_at: datetime, now: datetime,
               settings: Mapping[str, Any], times: SendingTimes) -> Optional[datetime]:
    """When a message goes out: its :func:`nominal_due` moved into the sending window outside
    quiet periods, never before ``now``. None: it is not to be sent (the programme does not ask
    for it, or the day it reminds of has passed, or would have by the time it may go out).
    Raises :class:`~.schedule.NoSendingDay` when quiet periods leave no day."""
    due = nominal_due(kind, occurrence, cause_at=cause_at, settings=settings, times=times)
    if due is None:
        return None
    moment = next_send_moment(max(due, now), times)
    deadline = _deadline(kind, settings) if kind in (TRAINING_REMINDER, REGISTRATION_CLOSING) else None
    if deadline is not None and times.local_day(moment) > deadline:
        return None
    return moment


def first_moment(kind: str, occurrence: int, *, cause_at: datetime, settings: Mapping[str, Any],
                 times: SendingTimes) -> Optional[datetime]:
    """:func:`due_moment` when the cause comes; a reminder due some days before a day that is
    already nearer than that (a mentor registered two days before the seminar) is not made:
    the notice of registration names the day."""
    due = nominal_due(kind, occurrence, cause_at=cause_at, settings=settings, times=times)
    if due is None or (kind in (TRAINING_REMINDER, REGISTRATION_CLOSING) and due < cause_at):
        return None
    return due_moment(kind, occurrence, cause_at=cause_at, now=cause_at, settings=settings, times=times)


# -- what a message says ----------------------------------------------------------------------------

def _address(role: str, person: Optional[Mapping[str, Any]]) -> Dict[str, Optional[str]]:
    if person is None:
        raise NoOneToTell("recipient_erased")
    contact = person.get("guardian") if role == GUARDIAN else person
    if not contact or not contact.get("email"):
        raise NoOneToTell("no_guardian_to_tell" if role == GUARDIAN else "no_address")
    return {"name": contact.get("name") or "", "email": contact.get("email"), "phone": contact.get("phone")}


def notice_programme(settings: Mapping[str, Any], name: str) -> Dict[str, Any]:
    """The programme facts a notice names: the introduction's, the seminar and the closing day."""
    training = (settings.get("rules") or {}).get("training") or {}
    return {**next_steps(settings, name), "seminar_date": training.get("seminar_date"),
            "seminar_minutes": training.get("seminar_minutes"),
            "training_before": training.get("rule"),
            "registration_closes": (settings.get("dates") or {}).get("mentee_registration_closes")}


def _named(card: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """A side of a pair as a coordinator's notice names it (erased since: no name)."""
    return {"name": (card or {}).get("name") or "", "erased": card is None}


def dispute_context(*, to: Optional[Mapping[str, Any]], mentor: Optional[Mapping[str, Any]],
                    mentee: Optional[Mapping[str, Any]], programme: Mapping[str, Any], facts: Mapping[str, Any],
                    local_time) -> Dict[str, Any]:
    """What a coordinator's ``meeting_disputed`` template is given: ``to``, the pair (``mentor``,
    ``mentee``: names from their cards, ``erased`` once they are), who logged the meeting and who
    disputes it (``logged_by``, ``disputed_by``: a side with its ``role``), the ``meeting``
    (its local ``date`` and ``time``, ``minutes``, ``mode``), the programme. ``local_time``
    turns an instant into the programme's local time. Raises :class:`NoOneToTell`."""
    if to is None:
        raise NoOneToTell("recipient_erased")
    if not to.get("email"):
        raise NoOneToTell("no_address")
    sides = {MENTOR: _named(mentor), MENTEE: _named(mentee)}
    nobody = {"name": "", "erased": False}
    started = local_time(datetime.fromisoformat(str(facts["started_at"])))
    return {"kind": MEETING_DISPUTED, "role": COORDINATOR,
            "to": {"name": to.get("name") or "", "email": to.get("email"), "phone": to.get("phone")},
            "mentor": sides[MENTOR], "mentee": sides[MENTEE],
            "logged_by": {**sides.get(facts["logged_by_role"], nobody), "role": facts["logged_by_role"]},
            "disputed_by": {**sides.get(facts["disputed_by_role"], nobody), "role": facts["disputed_by_role"]},
            "meeting": {"date": started.date().isoformat(), "time": started.strftime("%H:%M"),
                        "minutes": int(facts["minutes"]), "mode": facts["mode"]},
            "programme": dict(programme)}


def survey_title(settings: Mapping[str, Any], survey_id: str, language: str) -> str:
    """A survey's title in ``language`` as the programme's settings define it (else English,
    else any; a survey the programme no longer runs: its id)."""
    for survey in survey_definitions(settings):
        if survey.get("id") == survey_id:
            titles = survey.get("titles") or {}
            return str(titles.get(language) or titles.get("en") or next(iter(titles.values()), survey_id))
    return survey_id


def answer_path(tenant_id: str, pairing_id: str, facts: Mapping[str, Any]) -> Dict[str, str]:
    """Where in sessions' API a side answers an occurrence (and reads what fell due)."""
    pairing = f"/tenants/{tenant_id}/pairings/{pairing_id}/surveys"
    return {"method": "POST", "path": f"{pairing}/{facts['survey_id']}/{facts['occurrence']}", "list_path": pairing}


def invitation_context(*, role: str, person: Optional[Mapping[str, Any]], programme: Mapping[str, Any],
                       settings: Mapping[str, Any], facts: Mapping[str, Any], answer: Mapping[str, str],
                       language: str) -> Dict[str, Any]:
    """What a respondent's ``survey_invitation`` template is given: ``to``, ``person_name``, the
    ``survey`` (``title`` in ``language``, ``occurrence``), ``answer`` (:func:`answer_path`),
    the programme. Raises :class:`NoOneToTell`."""
    survey = {"id": facts["survey_id"], "occurrence": facts["occurrence"],
              "title": survey_title(settings, facts["survey_id"], language)}
    return {"kind": SURVEY_INVITATION, "role": role, "occurrence": 1, "to": _address(role, person),
            "person_name": (person or {}).get("name") or "", "survey": survey, "answer": dict(answer),
            "programme": dict(programme)}


def concern_context(*, to: Optional[Mapping[str, Any]], mentor: Optional[Mapping[str, Any]],
                    mentee: Optional[Mapping[str, Any]], programme: Mapping[str, Any],
                    settings: Mapping[str, Any], facts: Mapping[str, Any], language: str,
                    local_day) -> Dict[str, Any]:
    """What a coordinator's ``fit_concern`` template is given: ``to``, the pair (``mentor``,
    ``mentee``), ``by`` (the side that answered, with its ``role``), the ``survey`` (its title in
    ``language``), ``not_a_fit`` (the fit check's concern, else another the survey marks), the
    local day it was ``answered_on``, the programme. Raises :class:`NoOneToTell`."""
    if to is None:
        raise NoOneToTell("recipient_erased")
    if not to.get("email"):
        raise NoOneToTell("no_address")
    sides = {MENTOR: _named(mentor), MENTEE: _named(mentee)}
    return {"kind": FIT_CONCERN, "role": COORDINATOR,
            "to": {"name": to.get("name") or "", "email": to.get("email"), "phone": to.get("phone")},
            "mentor": sides[MENTOR], "mentee": sides[MENTEE],
            "by": {**sides[facts["by_role"]], "role": facts["by_role"]},
            "survey": {"id": facts["survey_id"], "occurrence": facts["occurrence"],
                       "title": survey_title(settings, facts["survey_id"], language)},
            "not_a_fit": bool(facts.get("not_a_fit")),
            "answered_on": local_day(datetime.fromisoformat(str(facts["answered_at"]))).isoformat(),
            "programme": dict(programme)}


def notice_context(*, kind: str, role: str, occurrence: int, person: Optional[Mapping[str, Any]],
                   other: Optional[Mapping[str, Any]], programme: Mapping[str, Any],
                   facts: Mapping[str, Any], local_day,
                   pair: Optional[Mapping[str, Optional[Mapping[str, Any]]]] = None) -> Dict[str, Any]:
    """What a notice's template is given: ``to``, ``person_name`` (who it is about: for a
    guardian, the mentee), ``other_name`` (the other side, if any), the programme, its ``facts``
    (an instant given as its local day: ``local_day``), and ``pair``: the names of the mentor and
    the mentee a coordinator's notice is about (``pair``: their cards; empty once erased).
    Raises :class:`NoOneToTell`."""
    to = _address(role, person)
    if facts.get("other_id") and other is None:
        raise NoOneToTell("other_side_erased")
    shown = dict(facts)
    if shown.get("answer_by"):
        shown["answer_by"] = local_day(datetime.fromisoformat(shown["answer_by"])).isoformat()
    return {"kind": kind, "role": role, "occurrence": occurrence, "to": to,
            "person_name": (person or {}).get("name") or "", "other_name": (other or {}).get("name") or "",
            "pair": {f"{side}_name": ((pair or {}).get(side) or {}).get("name") or "" for side in (MENTOR, MENTEE)},
            "programme": dict(programme), "facts": shown}
