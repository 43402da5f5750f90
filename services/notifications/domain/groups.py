"""The e-course's group introduction (seed 004: one mentor follows a whole group of students;
the teacher is a third role).

A group programme is one whose ``matching.participant_kind`` is ``group``. The pairings of one
mentor confirmed by one cohort round make one group: its introduction (``group_introduction``)
goes, once per (round, mentor, recipient), to

* each student (role ``mentee``; a minor's guardian too, role ``guardian``): who the mentor is
  and how to reach them, the teacher(s) by name and e-mail, how many are in the group; the
  other students' names and contacts are not given;
* the mentor: the list of their students, each with the contact the programme shares (a
  minor's guardian's, by the same rule as an ordinary introduction), and the teacher(s);
* the programme's teachers and coordinators (their own role): the mentor and the students,
  with their contacts (staff see everyone). A coordinator gets one message per group rather
  than one per pairing.

Which pairings a round confirmed: matching appends a round's pairings and its
``MatchingRoundCompleted`` in one transaction, so they share its correlation id, and a
pairing the round confirmed has ``origin`` ``round`` and was confirmed ``automatic`` (in the
modes where a round only proposes, each pairing is confirmed later, one at a time). The round
event says how many it confirmed (``confirmed``; an older event without it: ``paired``). The
events of one round reach notifications in any order (they are on different streams), so the
group is made when the last of them arrives: the round is complete once its event is known and
as many of its pairings as it confirmed (:func:`round_complete`).

A pairing confirmed outside a round in a group programme (a coordinator assigns or approves, a
late student is placed) gives the ordinary introduction to that student (and a minor's
guardian, and the coordinators' version), and the mentor a short note (``group_joined``): who
joined their group, with the contact shared. So does a pairing of a round whose group was
introduced already (it cannot happen when the round's count is right).

A group message's cause is the mentor's group in the round: an id made from the round event's
id and the mentor's id (:func:`group_cause`), so each recipient is told once per group.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .introduction import (
    GROUP_JOINED,
    INTRODUCTION,
    STAFF_ROLES,
    NoOneToTell,
    Recipient,
    _address_of,
    _contact,
    mentee_contact_for_mentor,
    recipients_of,
)

GROUP = "group"
#: how a pairing came about when a cohort round made it, and who confirmed it then
ROUND_ORIGIN, ROUND_CONFIRMER = "round", "automatic"

_NAMESPACE = uuid.UUID("0c5a1b7e-41a6-4c1e-8a4f-5e8b2f9d3a60")


def is_group_programme(settings: Mapping[str, Any]) -> bool:
    return ((settings.get("matching") or {}).get("participant_kind")) == GROUP


def confirmed_by_round(payload: Mapping[str, Any]) -> bool:
    """Whether a ``PairingConfirmed`` was confirmed by the cohort round that made it."""
    return payload.get("origin") == ROUND_ORIGIN and payload.get("confirmed_by") == ROUND_CONFIRMER


def round_expects(payload: Mapping[str, Any]) -> int:
    """How many pairings a ``MatchingRoundCompleted`` confirmed."""
    confirmed = payload.get("confirmed")
    return int(payload.get("paired") or 0) if confirmed is None else int(confirmed)


def round_complete(round_known: bool, expected: Optional[int], pairings_known: int) -> bool:
    """A round's groups are made once its event and all the pairings it confirmed are known."""
    return round_known and expected is not None and pairings_known >= expected


def groups_of(pairings: Iterable[Tuple[str, str, str]]) -> Dict[str, List[Tuple[str, str]]]:
    """(pairing id, mentor id, mentee id) -> each mentor's (mentee id, pairing id), by mentee id."""
    groups: Dict[str, List[Tuple[str, str]]] = {}
    for pairing_id, mentor_id, mentee_id in pairings:
        groups.setdefault(mentor_id, []).append((mentee_id, pairing_id))
    return {mentor: sorted(students) for mentor, students in sorted(groups.items())}


def group_cause(round_event_id: str, mentor_id: str) -> str:
    """The cause of a group's messages: the same round and mentor, the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{round_event_id}/{mentor_id}"))


def _staff_of(staff: Iterable[Tuple[str, str]]) -> List[Recipient]:
    """The teachers, then the coordinators, each once."""
    roles = dict(sorted(staff))
    return [Recipient(person_id, role) for role in ("teacher", "coordinator")
            for person_id in sorted(p for p, r in roles.items() if r == role)]


def told_of_group(mentor_id: str, mentee_ids: Sequence[str], staff: Iterable[Tuple[str, str]]) -> List[Recipient]:
    """Who a group's introduction goes to: each student and a minor's guardian (sent only to a
    minor's), the mentor, the teachers and the coordinators."""
    students = [Recipient(m, role) for m in mentee_ids for role in ("mentee", "guardian")]
    return students + [Recipient(mentor_id, "mentor")] + _staff_of(staff)


def told_of_joining(mentor_id: str, mentee_id: str, staff: Iterable[Tuple[str, str]]) -> List[Tuple[Recipient, str]]:
    """Who a pairing confirmed outside a round in a group programme is told, and which kind of
    message: the student, a minor's guardian and the coordinators the ordinary introduction,
    the mentor a note that the student joined their group."""
    student = [(r, INTRODUCTION) for r in recipients_of(mentor_id, mentee_id) if r.role != "mentor"]
    coordinators = [(r, INTRODUCTION) for r in _staff_of(staff) if r.role == "coordinator"]
    return student + [(Recipient(mentor_id, "mentor"), GROUP_JOINED)] + coordinators


def people_of(facts: Mapping[str, Any]) -> List[str]:
    """The people whose cards a message needs (besides the programme's staff)."""
    if "mentee_ids" in facts:
        return [facts["mentor_id"], *facts["mentee_ids"]]
    return [facts["mentor_id"], facts["mentee_id"]]


# -- what each message says ----------------------------------------------------------------------

def _teachers(staff_cards: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    return [{"name": card.get("name") or "", "email": card.get("email")}
            for card in staff_cards if card and card.get("staff_role") == "teacher"]


def _student(card: Optional[Mapping[str, Any]], mentor: Mapping[str, Any], sharing: Mapping[str, Any],
             *, everything: bool) -> Dict[str, Any]:
    if card is None:
        return {"name": "", "erased": True, "contact": None, "minor": False}
    contact: Dict[str, Any] = {**_contact(card), "via_guardian": False, "withheld": False, "guardian": None}
    if not everything:  # what the mentor is given
        contact = {**mentee_contact_for_mentor(mentor, card, sharing), "guardian": None}
    elif card.get("minor") and card.get("guardian"):  # staff see a minor's guardian too
        contact["guardian"] = _contact(card["guardian"])
    return {"name": card.get("name") or "", "erased": False, "contact": contact, "minor": bool(card.get("minor"))}


def group_context(*, role: str, recipient_id: str, facts: Mapping[str, Any],
                  people: Mapping[str, Optional[Mapping[str, Any]]], staff_cards: Sequence[Mapping[str, Any]],
                  programme: Mapping[str, Any], sharing: Mapping[str, Any]) -> Dict[str, Any]:
    """What a group introduction's template is given (raises :class:`NoOneToTell`):

    * a student or guardian: ``to``, ``mentor`` (name and contact), ``teachers``,
      ``student_name``, ``group_size``;
    * the mentor: ``to``, ``students`` (name and shared contact each), ``teachers``;
    * a teacher or coordinator: ``to``, ``mentor`` (name and contact), ``students`` (names and
      contacts, a minor's guardian too), ``teachers``.
    """
    mentor = people.get(facts["mentor_id"])
    students = facts["mentee_ids"]
    base = {"role": role, "programme": dict(programme), "teachers": _teachers(staff_cards),
            "group_size": len(students)}
    if role in STAFF_ROLES:
        staff_member = people.get(recipient_id)
        if staff_member is None:
            raise NoOneToTell("recipient_erased")
        if not staff_member.get("email"):
            raise NoOneToTell("no_address")
        return {**base, "to": _contact(staff_member),
                "mentor": {**_contact(mentor), "erased": False} if mentor else
                          {"name": "", "email": None, "phone": None, "erased": True},
                "students": [_student(people.get(s), mentor or {}, sharing, everything=True) for s in students]}
    if role == "mentor":
        to = _address_of("mentor", mentor)
        return {**base, "to": to, "mentor": {**to, "erased": False},
                "students": [_student(people.get(s), mentor or {}, sharing, everything=False) for s in students]}
    student = people.get(recipient_id)
    to = _address_of(role, student)
    if mentor is None:
        raise NoOneToTell("other_side_erased")
    return {**base, "to": to, "mentor": _contact(mentor), "student_name": (student or {}).get("name") or ""}


def joined_context(*, mentor: Optional[Mapping[str, Any]], mentee: Optional[Mapping[str, Any]],
                   programme: Mapping[str, Any], sharing: Mapping[str, Any]) -> Dict[str, Any]:
    """What the mentor's note of a student who joined their group is given: ``to``, the
    ``student`` (name and the contact shared). Raises :class:`NoOneToTell`."""
    to = _address_of("mentor", mentor)
    if mentee is None:
        raise NoOneToTell("other_side_erased")
    return {"role": "mentor", "to": to, "student": _student(mentee, mentor or {}, sharing, everything=False),
            "programme": dict(programme)}
