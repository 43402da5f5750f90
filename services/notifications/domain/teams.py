"""A team's introduction (seed 003: an organisation takes part as a team of 2-4 people).

When a team is paired, the team's contact (the e-mail on the team's own card) gets the ordinary
introduction, with the mentor's contact (:mod:`.introduction`, role ``mentee``). Each member of
the team gets their own message too (role ``member``), in the team's language (members have no
language of their own: the team chose it for all of them).

What a member is given, as a coordinator would expect: the mentor works with the team as one,
and the team's contact is its single channel to the mentor, who is not to be written to by
every member separately. So a member is told who the mentor is and whom in the team to turn to
(the team's contact: name, e-mail, phone), and is given the mentor's contact only

* when they hold a leading role in the team (``leader``: they answer for the team's
  commitment, seed 003, and must be able to reach the mentor), or
* when the team's contact has no e-mail address (no one would otherwise hold the mentor's
  contact in writing).

A member whose e-mail is the team's own contact address gets no second message (that address
has the contact's introduction already), nor does a member without an e-mail address.

Members have no person id: a member's message is keyed by the team's id, the role ``member``
and a cause made from the pairing event's id and the member's place in the team's list
(:func:`member_cause`), so each member is told once per cause. How many places are recorded:
the programme's largest team (``people.team_size.max``); a place the team does not fill is
skipped when the message would be sent (``no_such_member``), as the members are read only then.

When the team's pairing ends, each member is told too (``pairing_ended``, role ``member``: the
same places, the same rules of who gets a message of their own; :func:`member_ended_context`),
with the mentor's name and the reason, never a contact.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Mapping, Optional

from .introduction import NoOneToTell, _contact

MEMBER = "member"
TEAM = "team"
#: the places recorded when a team programme's settings name no largest team
DEFAULT_LARGEST_TEAM = 4

_NAMESPACE = uuid.UUID("3b0f6a1e-8c51-4c55-9a57-2f0d1a6b7c3e")


def is_team_programme(settings: Mapping[str, Any]) -> bool:
    return ((settings.get("matching") or {}).get("participant_kind")) == TEAM


def member_places(settings: Mapping[str, Any]) -> List[int]:
    """The members' places a team's introduction is recorded for (0-based)."""
    size = (settings.get("people") or {}).get("team_size") or {}
    return list(range(int(size.get("max") or DEFAULT_LARGEST_TEAM)))


def member_cause(cause_event_id: str, place: int) -> str:
    """The cause of the message to the member at ``place``: the same event and place, the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{cause_event_id}/member/{place}"))


def _same_address(a: Optional[str], b: Optional[str]) -> bool:
    return bool(a and b and a.strip().lower() == b.strip().lower())


def _member(place: int, team: Optional[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The member at ``place`` who gets a message of their own. Raises :class:`NoOneToTell`."""
    if team is None:
        raise NoOneToTell("recipient_erased")
    members = team.get("members") or []
    if place >= len(members):
        raise NoOneToTell("no_such_member")
    member = members[place]
    if not member.get("email"):
        raise NoOneToTell("no_address")
    if _same_address(member.get("email"), team.get("email")):
        raise NoOneToTell("member_is_the_teams_contact")
    return member


def member_ended_context(*, place: int, mentor: Optional[Mapping[str, Any]], team: Optional[Mapping[str, Any]],
                         programme: Mapping[str, Any], reason: str) -> Dict[str, Any]:
    """What a team member's ``pairing_ended`` message is given: the variables of the sides'
    (``other``: the mentor, by name only, empty once erased; ``mentee_name``: the team's name).
    Raises :class:`NoOneToTell`."""
    member = _member(place, team)
    return {"role": MEMBER, "to": _contact(member), "other": {"name": (mentor or {}).get("name") or ""},
            "mentee_name": (team or {}).get("name") or "", "programme": dict(programme), "reason": reason}


def member_context(*, place: int, mentor: Optional[Mapping[str, Any]], team: Optional[Mapping[str, Any]],
                   programme: Mapping[str, Any]) -> Dict[str, Any]:
    """What a team member's introduction is given: ``to`` (the member), the team's name and
    contact, the mentor's name and, where the rules above say so, contact (``mentor.contact``
    None otherwise). Raises :class:`NoOneToTell`."""
    member = _member(place, team)
    team = team or {}
    if mentor is None:
        raise NoOneToTell("other_side_erased")
    given = bool(member.get("leader")) or not team.get("email")
    return {"role": MEMBER, "to": _contact(member), "leader": bool(member.get("leader")),
            "team": {**_contact(team), "reachable": bool(team.get("email") or team.get("phone"))},
            "mentor": {"name": mentor.get("name") or "", "contact": _contact(mentor) if given else None},
            "programme": dict(programme)}
