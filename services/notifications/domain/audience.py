"""Who is told of a pairing's news, what each is given, and in which language.

* ``PairingConfirmed``: the introduction to the mentor, the mentee and a minor's guardian
  (:mod:`.introduction`), and the coordinator's version to each of the programme's coordinators:
  who was paired in which programme, with both sides' contacts (a coordinator sees everyone).
* ``PairingEnded``: ``pairing_ended`` to the mentor, the mentee, a minor's guardian and the
  coordinators, with the reason; a team's members too (:mod:`.teams`).

A staff member's message is keyed by their own person id and their role (``coordinator``), so
each coordinator is told once per cause. Every message is in the recipient's language: a
participant's preferred language for messages, a guardian's the mentee's, a staff member's
their own (:func:`.introduction.choose_language` falls back to the tenant's, then English), a
team member's the team's.

A team's members (:mod:`.teams`) and an e-course's group introduction (:mod:`.groups`) have
their own rules of who is told and what each is given.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from services.contracts.programme_settings import setting

from .groups import group_context, joined_context
from .introduction import (
    GROUP_INTRODUCTION,
    GROUP_JOINED,
    INTRODUCTION,
    PAIRING_ENDED,
    STAFF_ROLES,
    NoOneToTell,
    Recipient,
    _address_of,
    _contact,
    introduction_context,
    recipients_of,
)
from .teams import MEMBER, member_context, member_ended_context


def told_of_pairing(mentor_id: str, mentee_id: str, staff: Iterable[Tuple[str, str]]) -> List[Recipient]:
    """Who a confirmed or ended pairing is told to: both sides, the mentee's guardian (sent
    only to a minor's) and the programme's coordinators (``staff``: (person id, role) pairs)."""
    coordinators = sorted({person_id for person_id, role in staff if role == "coordinator"})
    return recipients_of(mentor_id, mentee_id) + [Recipient(person_id, "coordinator") for person_id in coordinators]


def preferred_language(recipient_id: str, people: Mapping[str, Optional[Mapping[str, Any]]]) -> Optional[str]:
    """The language the recipient's card asks for (a guardian's message is keyed by the
    mentee, so it is the mentee's)."""
    card = people.get(recipient_id) or {}
    return card.get("language")


def template_of(kind: str, role: str) -> str:
    """The templates a message is written with: a staff member's introduction is their own, so
    is a team member's; a group's introduction has a version for the mentor and the staff."""
    if kind == INTRODUCTION and role == MEMBER:
        return "introduction_member"
    if kind == GROUP_INTRODUCTION and (role == "mentor" or role in STAFF_ROLES):
        return "group_introduction_staff"
    return f"{kind}_staff" if kind == INTRODUCTION and role in STAFF_ROLES else kind


def sharing_of(settings: Mapping[str, Any]) -> Dict[str, Any]:
    """Which contacts the programme's introduction shares (its settings, else the defaults)."""
    return {key: setting(settings, f"introduction.{key}") for key in ("share_minor_contact", "share_guardian_contact")}


def _side(card: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """A side of the pairing as a staff member sees it (an erased one: no name, no contact)."""
    if card is None:
        return {"name": "", "email": None, "phone": None, "erased": True, "minor": False, "guardian": None}
    guardian = card.get("guardian")
    return {**_contact(card), "erased": False, "minor": bool(card.get("minor")),
            "guardian": _contact(guardian) if card.get("minor") and guardian else None}


def staff_context(*, role: str, staff: Optional[Mapping[str, Any]], mentor: Optional[Mapping[str, Any]],
                  mentee: Optional[Mapping[str, Any]], programme: Mapping[str, Any],
                  reason: Optional[str] = None) -> Dict[str, Any]:
    """What a staff member's message is given: ``to``, both sides (names, contacts, a minor's
    guardian), the programme, and an ended pairing's reason. Raises :class:`NoOneToTell`."""
    if staff is None:
        raise NoOneToTell("recipient_erased")
    if not staff.get("email"):
        raise NoOneToTell("no_address")
    return {"role": role, "to": _contact(staff), "mentor": _side(mentor), "mentee": _side(mentee),
            "programme": dict(programme), "reason": reason}


def ended_context(*, role: str, mentor: Optional[Mapping[str, Any]], mentee: Optional[Mapping[str, Any]],
                  programme: Mapping[str, Any], reason: str) -> Dict[str, Any]:
    """What a side's (or guardian's) ``pairing_ended`` message is given: ``to``, the other
    side's name (empty once erased), the mentee's name, the programme and the reason."""
    to = _address_of(role, mentor if role == "mentor" else mentee)
    other = mentee if role == "mentor" else mentor
    return {"role": role, "to": to, "other": {"name": (other or {}).get("name") or ""},
            "mentee_name": (mentee or {}).get("name") or "", "programme": dict(programme), "reason": reason}


def message_context(*, kind: str, role: str, recipient_id: str, facts: Mapping[str, Any],
                    people: Mapping[str, Optional[Mapping[str, Any]]], programme: Mapping[str, Any],
                    settings: Mapping[str, Any], staff: Sequence[Mapping[str, Any]] = ()) -> Dict[str, Any]:
    """The template context of one recorded message (raises :class:`NoOneToTell`); ``staff``:
    the cards of the programme's staff (a group's introduction names its teachers)."""
    if kind == GROUP_INTRODUCTION:
        return group_context(role=role, recipient_id=recipient_id, facts=facts, people=people, staff_cards=staff,
                             programme=programme, sharing=sharing_of(settings))
    mentor, mentee = people.get(facts["mentor_id"]), people.get(facts["mentee_id"])
    if kind == GROUP_JOINED:
        return joined_context(mentor=mentor, mentee=mentee, programme=programme, sharing=sharing_of(settings))
    if role == MEMBER and kind == PAIRING_ENDED:
        return member_ended_context(place=int(facts["member"]), mentor=mentor, team=mentee, programme=programme,
                                    reason=facts["reason"])
    if role == MEMBER:
        return member_context(place=int(facts["member"]), mentor=mentor, team=mentee, programme=programme)
    if role in STAFF_ROLES:
        return staff_context(role=role, staff=people.get(recipient_id), mentor=mentor, mentee=mentee,
                             programme=programme, reason=facts.get("reason"))
    if kind == PAIRING_ENDED:
        return ended_context(role=role, mentor=mentor, mentee=mentee, programme=programme, reason=facts["reason"])
    return introduction_context(role=role, mentor=mentor, mentee=mentee, programme=programme,
                                sharing=sharing_of(settings))
