"""A tenant's own templates: checked when saved, kept as a projection of their events, found
when a message is rendered.

A template is checked with Jinja2's own parser and the same immutable sandbox it is rendered
in (:data:`.rendering.OVERRIDE_ENVIRONMENTS`), before anything is saved:

* it parses (else the line and Jinja's message);
* it reaches for nothing that starts with ``_`` (``''.__class__.__mro__`` and the like: the
  sandbox would refuse it when rendering; it is refused when saving);
* it names only the variables its kind gives (:func:`variables`; else the unknown ones and
  the list of those it may use);
* it renders, with the sample data of every recipient's role (:data:`SAMPLES`), to something.

Sample data (:data:`SAMPLES`) is what a preview without a real pairing shows and what a
template is checked against: one context per role, made by the same domain functions the
sender uses. A kind added later registers its own (``SAMPLES[kind] = lambda: {...}``).

``notif_template_overrides`` (projection ``templates``) holds each tenant's current template
per kind, language and part, rebuilt from ``TemplateOverridden``/``TemplateReset``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from jinja2 import TemplateSyntaxError, meta, nodes
from sqlalchemy import Column, MetaData, String, Table, Text, select
from sqlalchemy.engine import Connection

from services.platform_core.db import UtcDateTime
from services.platform_core.envelope import Envelope
from services.platform_core.projection import Projection

from . import read_model, rendering
from .domain import (
    GROUP_INTRODUCTION,
    GROUP_JOINED,
    INTRODUCTION,
    MEMBER,
    PAIRING_ENDED,
    ended_context,
    introduction_context,
    next_steps,
    sharing_of,
)
from .domain.course import TASK_DEADLINE, shown_facts
from .domain.groups import group_context, joined_context
from .domain.reminders import (
    CONSENT_MISSING,
    FIT_CONCERN,
    MEETING_DISPUTED,
    MENTOR_REQUESTED,
    NOTICE_KINDS,
    PAIRING_AT_RISK,
    PROPOSAL_WAITING,
    REGISTRATION_CLOSING,
    REGISTRATION_RECEIVED,
    REQUEST_NOT_ACCEPTED,
    SHORTLIST_OFFERED,
    SURVEY_INVITATION,
    TRAINING_REMINDER,
    answer_path,
    concern_context,
    dispute_context,
    invitation_context,
    notice_context,
    notice_programme,
)
from .domain.teams import member_ended_context
from .domain.templates import COMMON_VARIABLES

metadata = MetaData()
overrides_table = Table(
    "notif_template_overrides", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("part", String(12), primary_key=True),
    Column("source", Text, nullable=False),
    Column("saved_at", UtcDateTime(), nullable=False),
)
TEMPLATES = Projection("templates", metadata)


@TEMPLATES.handles("TemplateOverridden", "TemplateReset")
def _template(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    key = {"tenant_id": envelope.tenant_id, "kind": payload["kind"], "language": payload["language"],
           "part": payload["part"]}
    read_model.put(conn, overrides_table, key, {"source": payload["source"], "saved_at": envelope.occurred_at}
                   if envelope.event_type == "TemplateOverridden" else None)


def saved(conn: Connection, tenant_id: str, kind: Optional[str] = None,
          language: Optional[str] = None) -> List[Dict[str, Any]]:
    query = select(overrides_table).where(overrides_table.c.tenant_id == tenant_id)
    if kind is not None:
        query = query.where(overrides_table.c.kind == kind)
    if language is not None:
        query = query.where(overrides_table.c.language == language)
    order = (overrides_table.c.kind, overrides_table.c.language, overrides_table.c.part)
    return [dict(row) for row in conn.execute(query.order_by(*order)).mappings()]


def overrides(conn: Connection, tenant_id: str, kind: str, language: str) -> Dict[str, str]:
    """The tenant's templates of a kind in a language, part -> source ({}: none)."""
    return {row["part"]: row["source"] for row in saved(conn, tenant_id, kind, language)}


def current(conn: Connection, tenant_id: str, kind: str, language: str, part: str) -> Optional[str]:
    return overrides(conn, tenant_id, kind, language).get(part)


# -- sample data ---------------------------------------------------------------------------------

_SAMPLE_SETTINGS = {"dates": {"meetings_start": "2025-03-01", "meetings_end": "2025-06-30",
                              "closing_event": "2025-07-05", "mentee_registration_closes": "2025-02-15"},
                    "rules": {"training": {"rule": "before_matching", "seminar_date": "2025-02-10",
                                           "seminar_minutes": 90}},
                    "content": {"remote_allowed": True,
                                "cadence": {"min_per_month": 2, "max_per_month": 4, "meeting_minutes": 60}}}
_MENTOR = {"name": "Anna Berzina", "email": "anna@example.org", "phone": "+371 2000 0000", "minor": False,
           "guardian": None}
_MENTEE = {"name": "Jonas Kalnins", "email": "jonas@example.org", "phone": None, "minor": True,
           "guardian": {"name": "Ilze Kalnina", "email": "ilze@example.org", "phone": "+371 2000 0001"}}
_COORDINATOR = {"name": "Dace Kalnina", "email": "dace@example.org", "phone": None, "minor": False,
                "guardian": None}
_NAME = "Spring mentoring"


def _introduction_samples() -> Dict[str, Dict[str, Any]]:
    programme = next_steps(_SAMPLE_SETTINGS, _NAME)
    return {role: introduction_context(role=role, mentor=_MENTOR, mentee=_MENTEE, programme=programme)
            for role in ("mentor", "mentee", "guardian")}


_TEAM = {"name": "Riverside Youth Club", "email": "club@example.org", "phone": None, "minor": False,
         "guardian": None, "members": [{"name": "Liga Ozola", "email": "liga@example.org", "phone": None,
                                        "leader": True}]}


def _pairing_ended_samples() -> Dict[str, Dict[str, Any]]:
    programme = next_steps(_SAMPLE_SETTINGS, _NAME)
    found = {role: ended_context(role=role, mentor=_MENTOR, mentee=_MENTEE, programme=programme, reason="withdrew")
             for role in ("mentor", "mentee", "guardian")}
    found[MEMBER] = member_ended_context(place=0, mentor=_MENTOR, team=_TEAM, programme=programme, reason="withdrew")
    return found


#: a notice kind -> the (role, facts) of a message it makes, for its samples
_NOTICE_CASES: Dict[str, List[Tuple[str, Dict[str, Any]]]] = {
    REGISTRATION_RECEIVED: [("mentor", {}), ("mentee", {"consent_needed": True}),
                            ("guardian", {"consent_needed": True})],
    CONSENT_MISSING: [("guardian", {})],
    TRAINING_REMINDER: [("mentor", {})],
    REGISTRATION_CLOSING: [("mentor", {}), ("coordinator", {"waiting_mentees": 4, "waiting_mentors": 1,
                                                            "reserve_path": "/tenants/school/programmes/p/reserve"})],
    SHORTLIST_OFFERED: [("mentee", {"count": 3})],
    MENTOR_REQUESTED: [("mentor", {"other_id": "mentee", "answer_by": "2025-01-20T22:30:00+00:00"})],
    REQUEST_NOT_ACCEPTED: [("mentee", {"other_id": "mentor", "outcome": "declined"})],
    PAIRING_AT_RISK: [("mentor", {"other_id": "mentee", "days_since_last_meeting": 38, "reasons": ["too_few"]}),
                      ("mentee", {"other_id": "mentor", "days_since_last_meeting": 38, "reasons": ["too_few"]})],
    PROPOSAL_WAITING: [("coordinator", {"mentor_id": "mentor", "mentee_id": "mentee", "percent": 87,
                                        "origin": "placement",
                                        "proposals_path": "/tenants/school/programmes/p/proposals"})],
}


def _notice_samples(kind: str) -> Callable[[], Dict[str, Dict[str, Any]]]:
    def samples() -> Dict[str, Dict[str, Any]]:
        programme = notice_programme(_SAMPLE_SETTINGS, _NAME)
        found = {}
        for role, facts in _NOTICE_CASES[kind]:
            person: Mapping[str, Any] = _MENTOR if role == "mentor" else _MENTEE
            other = _MENTEE if role == "mentor" else _MENTOR
            person = _COORDINATOR if role == "coordinator" else person
            found[role] = notice_context(kind=kind, role=role, occurrence=1, person=person,
                                         other=other if facts.get("other_id") else None, programme=programme,
                                         facts=facts, local_day=lambda moment: moment.date(),
                                         pair={"mentor": _MENTOR, "mentee": _MENTEE})
        return found
    return samples


_COORDINATOR = {"name": "Ruta Kazlauskiene", "email": "ruta@example.org", "phone": None, "language": "en"}


def _dispute_samples() -> Dict[str, Dict[str, Any]]:
    facts = {"mentor_id": "mentor", "mentee_id": "mentee", "meeting_id": "meeting",
             "started_at": "2025-03-12T16:00:00+00:00", "minutes": 60, "mode": "in_person",
             "logged_by_role": "mentor", "disputed_by_role": "mentee", "disputed_at": "2025-03-14T09:30:00+00:00"}
    return {"coordinator": dispute_context(to=_COORDINATOR, mentor=_MENTOR, mentee=_MENTEE,
                                           programme=notice_programme(_SAMPLE_SETTINGS, _NAME), facts=facts,
                                           local_time=lambda moment: moment)}


#: the sample programme running the shipped surveys (their titles)
_SURVEY_SETTINGS = {**_SAMPLE_SETTINGS, "surveys": {"enabled": True}}
_FIT_CHECK = {"survey_id": "fit_check", "occurrence": "first_meeting"}


def _invitation_samples() -> Dict[str, Dict[str, Any]]:
    programme = notice_programme(_SURVEY_SETTINGS, _NAME)
    return {role: invitation_context(role=role, person=person, programme=programme, settings=_SURVEY_SETTINGS,
                                     facts=_FIT_CHECK, answer=answer_path("tenant", "pairing", _FIT_CHECK),
                                     language="en")
            for role, person in (("mentor", _MENTOR), ("mentee", _MENTEE))}


def _concern_samples() -> Dict[str, Dict[str, Any]]:
    facts = {**_FIT_CHECK, "mentor_id": "mentor", "mentee_id": "mentee", "by_role": "mentee",
             "answered_at": "2025-03-14T09:30:00+00:00", "not_a_fit": True}
    return {"coordinator": concern_context(to=_COORDINATOR, mentor=_MENTOR, mentee=_MENTEE,
                                           programme=notice_programme(_SURVEY_SETTINGS, _NAME),
                                           settings=_SURVEY_SETTINGS, facts=facts, language="en",
                                           local_day=lambda moment: moment.date())}


def _task_deadline_samples() -> Dict[str, Dict[str, Any]]:
    facts = shown_facts({"task_id": "essay-1", "title": "Essay: my goals", "deadline": "2025-03-14T21:59:59+00:00",
                         "days_before": 3, "has_mentor": True}, lambda moment: moment)
    return {"mentee": notice_context(kind=TASK_DEADLINE, role="mentee", occurrence=1, person=_MENTEE, other=None,
                                     programme=notice_programme(_SAMPLE_SETTINGS, _NAME), facts=facts,
                                     local_day=lambda moment: moment.date())}


#: kind -> a function giving a sample context per role (every kind that a tenant may override)
_STUDENT = {"name": "Līga Ozoliņa", "email": "liga@example.org", "phone": None, "minor": False, "guardian": None}
_TEACHER = {"name": "Dace Kalniņa", "email": "dace@example.org", "phone": None, "staff_role": "teacher"}


def _group_samples() -> Dict[str, Dict[str, Any]]:
    """An e-course group's introduction to a student, a minor student's guardian and the mentor
    (a teacher's and a coordinator's have templates of their own)."""
    programme = next_steps(_SAMPLE_SETTINGS, _NAME)
    people: Dict[str, Optional[Mapping[str, Any]]] = {"mentor": _MENTOR, "student-1": _MENTEE, "student-2": _STUDENT}
    facts = {"mentor_id": "mentor", "mentee_ids": ["student-1", "student-2"]}
    told = {"mentee": "student-2", "guardian": "student-1", "mentor": "mentor"}
    return {role: group_context(role=role, recipient_id=recipient, facts=facts, people=people, staff_cards=[_TEACHER],
                                programme=programme, sharing=sharing_of(_SAMPLE_SETTINGS))
            for role, recipient in told.items()}


def _joined_samples() -> Dict[str, Dict[str, Any]]:
    programme = next_steps(_SAMPLE_SETTINGS, _NAME)
    return {"mentor": joined_context(mentor=_MENTOR, mentee=_STUDENT, programme=programme,
                                     sharing=sharing_of(_SAMPLE_SETTINGS))}


SAMPLES: Dict[str, Callable[[], Dict[str, Dict[str, Any]]]] = {
    INTRODUCTION: _introduction_samples, PAIRING_ENDED: _pairing_ended_samples,
    GROUP_INTRODUCTION: _group_samples, GROUP_JOINED: _joined_samples,
    **{kind: _notice_samples(kind) for kind in NOTICE_KINDS if kind in _NOTICE_CASES},
    MEETING_DISPUTED: _dispute_samples, SURVEY_INVITATION: _invitation_samples, FIT_CONCERN: _concern_samples,
    TASK_DEADLINE: _task_deadline_samples}


def samples(kind: str) -> Dict[str, Dict[str, Any]]:
    return SAMPLES[kind]()


def variables(kind: str) -> List[str]:
    """The names a template of ``kind`` may use."""
    names = set(COMMON_VARIABLES)
    for context in samples(kind).values():
        names |= set(context)
    return sorted(names)


# -- the check -----------------------------------------------------------------------------------

def _reached_names(tree: nodes.Template) -> List[str]:
    """``line N: name`` of every attribute or key a template reaches for that starts with ``_``."""
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name: Optional[str]
        if isinstance(node, nodes.Getattr):
            name = node.attr
        else:
            key = getattr(node, "arg", None)
            name = key.value if isinstance(key, nodes.Const) else None
        if isinstance(name, str) and name.startswith("_"):
            found.append(f"line {node.lineno}: {name}")
    return found


def problems(kind: str, language: str, part: str, source: str) -> List[str]:
    """What is wrong with a tenant's template (empty: it may be saved), each readable."""
    env = rendering.OVERRIDE_ENVIRONMENTS[part]
    try:
        tree = env.parse(source)
        env.from_string(source)  # compiled too: an unknown filter or test is found here
    except TemplateSyntaxError as exc:
        return [f"line {exc.lineno}: {exc.message}"]
    reached = _reached_names(tree)
    if reached:
        return [f"{where} is out of a template's reach (a template may use only the variables it is given)"
                for where in reached]
    allowed = variables(kind)
    unknown = sorted(meta.find_undeclared_variables(tree) - set(allowed))
    if unknown:
        return [f"unknown variable{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: a template of the "
                f"{kind} message may use {', '.join(allowed)}"]
    found = []
    for role, context in samples(kind).items():
        values = rendering.values_for(kind, language, {**context, "unsubscribe_url": "https://example.org/u"})
        try:
            text = env.from_string(source).render(values)
        except Exception as exc:  # whatever a template does wrong with real data
            found.append(f"with a {role}'s sample data: {type(exc).__name__}: {exc}")
            continue
        if not text.strip():
            found.append(f"with a {role}'s sample data it renders to nothing")
    return found


def preview(kind: str, language: str, context: Mapping[str, Any], own: Mapping[str, str],
            unsubscribe_url: Optional[str]) -> Dict[str, Any]:
    """A message rendered as it would be sent (nothing is sent)."""
    rendered = rendering.render(kind, language, {**context, "unsubscribe_url": unsubscribe_url}, own)
    return {"kind": kind, "language": rendered["language"], "subject": rendered["subject"],
            "text": rendered["text"], "html": rendered["html"],
            "overridden": sorted(own), "unsubscribe_url": unsubscribe_url}


def view(row: Mapping[str, Any]) -> Dict[str, Any]:
    saved_at = row["saved_at"]
    return {"kind": row["kind"], "language": row["language"], "part": row["part"], "source": row["source"],
            "saved_at": saved_at.isoformat() if isinstance(saved_at, datetime) else saved_at}
