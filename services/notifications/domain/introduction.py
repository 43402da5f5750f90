"""The introduction that follows a confirmed pairing.

Each side is told who the other is, how to reach them and what the programme expects next.
A message's key is (cause event id, recipient person id, role, kind, occurrence); its id is a UUID made
from that key, so the same cause never makes two messages. A mentee's guardian gets their own
message (keyed by the mentee's id and the role ``guardian``), sent only when the mentee is a
minor with a guardian's address.

Who sees whose contact: the mentee and the guardian see the mentor's. The mentor sees the
mentee's, except when the mentee is a minor and the mentor an adult: then what the programme's
settings share (``introduction.share_guardian_contact``, default yes: the guardian's;
``introduction.share_minor_contact``, default no: the minor's own), the guardian's first; when
neither is shared, no contact (the coordinator puts them in touch).

Language: the recipient's preferred language for messages (a guardian: the mentee's), else the
tenant's default language, else English (each only if messages are written in it).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

INTRODUCTION = "introduction"
PAIRING_ENDED = "pairing_ended"
#: an e-course group's introduction; the mentor's note of a student who joined their group (:mod:`.groups`)
GROUP_INTRODUCTION, GROUP_JOINED = "group_introduction", "group_joined"
KINDS = (INTRODUCTION, PAIRING_ENDED, GROUP_INTRODUCTION, GROUP_JOINED)
#: the sides of a pairing and a minor's guardian; a programme's staff (coordinators, teachers);
#: a team's member (:mod:`.teams`)
STAFF_ROLES = ("coordinator", "teacher")
ROLES = ("mentor", "mentee", "guardian") + STAFF_ROLES + ("member",)
#: the languages messages are written in (the first is the last resort)
LANGUAGES = ("en", "lv", "lt", "nl")

_NAMESPACE = uuid.UUID("6f1c3c52-2f5e-4c0b-9b8e-6d0a4a0e7a11")


def message_id(cause_event_id: str, recipient_id: str, role: str, kind: str, occurrence: int = 1) -> str:
    """The message's id: the same key, the same id (and so the same Message-ID header);
    ``occurrence``: the how-manieth of a repeated reminder."""
    repeat = f"/{occurrence}" if occurrence != 1 else ""
    return str(uuid.uuid5(_NAMESPACE, f"{cause_event_id}/{recipient_id}/{role}/{kind}{repeat}"))


@dataclass(frozen=True)
class Recipient:
    recipient_id: str
    role: str


def recipients_of(mentor_id: str, mentee_id: str) -> List[Recipient]:
    """Who an introduction is recorded for (the guardian's is skipped when it has no one to go to)."""
    return [Recipient(mentor_id, "mentor"), Recipient(mentee_id, "mentee"), Recipient(mentee_id, "guardian")]


def choose_language(preferred: Optional[str], tenant_default: Optional[str]) -> str:
    """The recipient's preferred language, else the tenant's default language, else English
    (each only if messages are written in it)."""
    for candidate in (preferred, tenant_default):
        if candidate in LANGUAGES:
            return str(candidate)
    return "en"


class NoOneToTell(Exception):
    """The message has no one to go to (the recipient was erased, has no address, or a
    guardian's message for a mentee who is no minor); its reason is the message."""


def _contact(card: Mapping[str, Any]) -> Dict[str, Optional[str]]:
    return {"name": card.get("name") or "", "email": card.get("email"), "phone": card.get("phone")}


def _address_of(role: str, recipient: Optional[Mapping[str, Any]]) -> Dict[str, Optional[str]]:
    if recipient is None:
        raise NoOneToTell("recipient_erased")
    if role == "guardian":
        guardian = recipient.get("guardian")
        if not recipient.get("minor") or not guardian or not guardian.get("email"):
            raise NoOneToTell("no_guardian_to_tell")
        return _contact(guardian)
    if not recipient.get("email"):
        raise NoOneToTell("no_address")
    return _contact(recipient)


#: what an introduction shares when the programme's settings say nothing
DEFAULT_SHARING = {"share_minor_contact": False, "share_guardian_contact": True}


def mentee_contact_for_mentor(mentor: Mapping[str, Any], mentee: Mapping[str, Any],
                              sharing: Mapping[str, Any] = DEFAULT_SHARING) -> Dict[str, Any]:
    """The contact a mentor is given of their mentee: the mentee's own, unless the mentee is a
    minor and the mentor is not; then the guardian's if shared, else the minor's own if shared,
    else none (``withheld``: the coordinator puts them in touch)."""
    guardian = mentee.get("guardian") or {}
    if not mentee.get("minor") or mentor.get("minor"):
        return {**_contact(mentee), "via_guardian": False, "withheld": False}
    if sharing.get("share_guardian_contact", True) and (guardian.get("email") or guardian.get("phone")):
        return {**_contact(guardian), "via_guardian": True, "withheld": False}
    if sharing.get("share_minor_contact", False):
        return {**_contact(mentee), "via_guardian": False, "withheld": False}
    return {"name": mentee.get("name") or "", "email": None, "phone": None, "via_guardian": False, "withheld": True}


def introduction_context(*, role: str, mentor: Optional[Mapping[str, Any]], mentee: Optional[Mapping[str, Any]],
                         programme: Mapping[str, Any],
                         sharing: Mapping[str, Any] = DEFAULT_SHARING) -> Dict[str, Any]:
    """What the template of ``role``'s introduction is given: ``to`` (name and address),
    ``other`` (who they meet, and the contact they may use), the mentee's name for a guardian,
    and the programme's next steps. Raises :class:`NoOneToTell`."""
    recipient = mentor if role == "mentor" else mentee
    to = _address_of(role, recipient)
    if mentor is None or mentee is None:
        raise NoOneToTell("other_side_erased")
    if role == "mentor":
        other = {"name": mentee.get("name") or "", "role": "mentee",
                 "contact": mentee_contact_for_mentor(mentor, mentee, sharing)}
    else:
        other = {"name": mentor.get("name") or "", "role": "mentor",
                 "contact": {**_contact(mentor), "via_guardian": False, "withheld": False}}
    return {"role": role, "to": to, "other": other, "mentee_name": mentee.get("name") or "",
            "programme": dict(programme)}


def next_steps(settings: Mapping[str, Any], name: str) -> Dict[str, Any]:
    """The programme facts an introduction names: its name, cadence and dates (None: unset)."""
    dates = settings.get("dates") or {}
    cadence = (settings.get("content") or {}).get("cadence") or {}
    return {"name": name, "min_per_month": cadence.get("min_per_month") or 0,
            "max_per_month": cadence.get("max_per_month"), "meeting_minutes": cadence.get("meeting_minutes"),
            "remote_allowed": bool((settings.get("content") or {}).get("remote_allowed")),
            "meetings_start": dates.get("meetings_start"), "meetings_end": dates.get("meetings_end"),
            "closing_event": dates.get("closing_event")}
