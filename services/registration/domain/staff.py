"""A programme's staff: its coordinators, and the teachers of an e-course.

A staff member is a person (stream ``person``/<uuid>) like anyone else: their name and e-mail
go under ``personal`` of their events, encrypted with their own key, so erasing them works the
same way (and takes them off every programme's staff) and their export holds their events.
They take part in no programme: a staff member cannot register as a mentor, mentee or team,
and a participant is not made staff (one person, one kind).

Events (their payloads: :mod:`services.contracts.registration`):

* ``StaffMemberAdded``: ``programme_id``, ``role`` (coordinator or teacher), ``language`` (the
  language messages to them are written in), ``personal`` (name, e-mail, phone; on a person
  already known: only what changed, or null);
* ``StaffMemberChanged``: the role, the language, ``changed`` (the fields that differ) and
  ``personal`` (the personal data that changed);
* ``StaffMemberRemoved``: ``reason`` ``removed`` (a coordinator took them off) or ``erased``
  (they were erased: one event per programme, before ``PersonErased``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional

from services.platform_core.events import DomainEvent

from .days import require_aware
from .errors import RuleBroken, ValidationFailed
from .programme import Programme
from .reading import _matches, _Problems, _Reader
from .vocabulary import EMAIL, PHONE, STAFF, STAFF_ROLES, SUPPORTED_LANGUAGES, TEACHER

STAFF_PERSONAL = ("name", "email", "phone")


@dataclass
class StaffDuty:
    """A staff member's place in one programme."""

    programme_id: str
    role: str
    active: bool = True


def _read_staff_personal(data: Optional[Mapping[str, Any]], problems: _Problems, *,
                         partial: bool) -> Dict[str, Any]:
    """A staff member's name and e-mail (both required: messages go there) and phone."""
    reader = _Reader(data, problems, "personal")
    personal = {
        "name": reader.text("name", required=not partial),
        "email": reader.text("email", required=not partial, max_length=254,
                             check=_matches(EMAIL, "an e-mail address")),
        "phone": reader.text("phone", max_length=32, check=_matches(PHONE, "a phone number")),
    }
    reader.finish()
    if partial:
        personal = {key: value for key, value in personal.items() if key in (data or {})}
        for key in ("name", "email"):
            if key in personal and personal[key] is None:
                problems.add(f"personal.{key}", "cannot be removed: messages need it")
    return personal


def _read_role(role: Optional[str], programme: Optional[Programme], problems: _Problems) -> Optional[str]:
    if role is None:
        return None
    if role not in STAFF_ROLES:
        problems.add("role", f"must be one of: {', '.join(STAFF_ROLES)}")
        return None
    if role == TEACHER and programme is not None and programme.current_settings.participant_kind != "group":
        problems.add("role", "teachers belong to group programmes (e-courses): this programme's "
                             f"participants are {programme.current_settings.participant_kind}")
        return None
    return role


def _read_language(language: Optional[str], problems: _Problems) -> Optional[str]:
    if language is not None and language not in SUPPORTED_LANGUAGES:
        problems.add("language", f"must be one of the languages messages are written in: "
                                 f"{', '.join(SUPPORTED_LANGUAGES)}")
        return None
    return language


class StaffDuties:
    """The staff commands of :class:`~.person.Person` (mixed in): add, change, remove."""

    id: str
    version: int
    kind: Optional[str]
    personal: Optional[Dict[str, Any]]
    erased: bool
    staff: Dict[str, StaffDuty]
    staff_language: Optional[str]

    if TYPE_CHECKING:  # given by the aggregate it is mixed into
        def _event(self, event_type: str, payload: Dict[str, Any]) -> DomainEvent: ...

        def _refuse_if_erased(self) -> None: ...

    # --- commands -----------------------------------------------------------------------------

    def add_to_staff(self, *, programme: Programme, role: str, now: datetime,
                     personal: Optional[Mapping[str, Any]] = None,
                     language: Optional[str] = None) -> List[DomainEvent]:
        """Make the person ``role`` of ``programme``. A new person gives name and e-mail; one
        already on another programme's staff may leave ``personal`` out (given: the changes).
        The language defaults to the one they have, else the programme's first that messages
        are written in, else English."""
        require_aware(now)
        self._refuse_if_erased()
        programme._require_exists()
        if self.version and self.kind != STAFF:
            raise RuleBroken(f"person {self.id} takes part in programmes; a participant cannot be "
                             f"made staff", "person_id")
        current = self.staff.get(programme.id)
        if current is not None and current.active:
            raise RuleBroken(f"person {self.id} is already on the staff of programme {programme.id} "
                             f"as {current.role}", "person_id")
        problems = _Problems()
        chosen_role = _read_role(role, programme, problems)
        if role is None:
            problems.add("role", "is required")
        chosen_language = _read_language(language, problems)
        given = (_read_staff_personal(personal, problems, partial=self.version > 0)
                 if personal is not None or not self.version else {})
        problems.raise_if_any()
        changed = {k: v for k, v in given.items() if (self.personal or {}).get(k) != v}
        language_of = chosen_language or self.staff_language or next(
            (lang for lang in programme.current_settings.content.languages if lang in SUPPORTED_LANGUAGES), "en")
        return [self._event("StaffMemberAdded", {
            "programme_id": programme.id, "role": chosen_role, "language": language_of,
            "added_at": now.isoformat(), "personal": changed or None})]

    def change_staff(self, *, programme: Programme, now: datetime, role: Optional[str] = None,
                     language: Optional[str] = None,
                     personal: Optional[Mapping[str, Any]] = None) -> List[DomainEvent]:
        """Change a staff member's role in ``programme``, their language or their personal
        data (only what is given). Nothing changed: no event."""
        require_aware(now)
        self._refuse_if_erased()
        duty = self._active_duty(programme.id)
        problems = _Problems()
        new_role = _read_role(role, programme, problems) or duty.role
        new_language = _read_language(language, problems) or self.staff_language
        given = _read_staff_personal(personal, problems, partial=True) if personal is not None else {}
        problems.raise_if_any()
        personal_changes = {k: v for k, v in given.items() if (self.personal or {}).get(k) != v}
        changed = sorted([*(["role"] if new_role != duty.role else []),
                          *(["language"] if new_language != self.staff_language else []),
                          *(f"personal.{key}" for key in personal_changes)])
        if not changed:
            return []
        return [self._event("StaffMemberChanged", {
            "programme_id": programme.id, "role": new_role, "language": new_language,
            "changed": changed, "changed_at": now.isoformat(), "personal": personal_changes or None})]

    def remove_from_staff(self, *, programme_id: str, now: datetime) -> List[DomainEvent]:
        """Take the person off ``programme_id``'s staff (their data stays until erased)."""
        require_aware(now)
        self._refuse_if_erased()
        duty = self._active_duty(programme_id)
        return [self._removed(duty, "removed", now)]

    def staff_erasure(self, now: datetime) -> List[DomainEvent]:
        """What erasing a staff member says first: they leave every programme's staff."""
        return [self._removed(duty, "erased", now) for duty in sorted(
            (d for d in self.staff.values() if d.active), key=lambda d: d.programme_id)]

    def _removed(self, duty: StaffDuty, reason: str, now: datetime) -> DomainEvent:
        return self._event("StaffMemberRemoved", {"programme_id": duty.programme_id, "role": duty.role,
                                                  "reason": reason, "removed_at": now.isoformat()})

    def _active_duty(self, programme_id: str) -> StaffDuty:
        duty = self.staff.get(programme_id)
        if duty is None or not duty.active:
            raise RuleBroken(f"person {self.id} is not on the staff of programme {programme_id}",
                             "person_id")
        return duty

    def refuse_staff(self, what: str) -> None:
        """A participant's command on a staff member: refused, saying where to go instead."""
        if self.kind == STAFF:
            raise RuleBroken(f"person {self.id} is a programme's staff member: {what}", "person_id")

    # --- folding ------------------------------------------------------------------------------

    def _merge_personal(self, personal: Optional[Mapping[str, Any]]) -> None:
        if personal:
            self.personal = {**(self.personal or {}), **personal}

    def _on_StaffMemberAdded(self, payload: Mapping[str, Any]) -> None:
        self.kind = STAFF
        self._merge_personal(payload.get("personal"))
        self.staff_language = payload.get("language") or self.staff_language
        self.staff[payload["programme_id"]] = StaffDuty(payload["programme_id"], payload["role"])

    def _on_StaffMemberChanged(self, payload: Mapping[str, Any]) -> None:
        self._merge_personal(payload.get("personal"))
        self.staff_language = payload.get("language") or self.staff_language
        self.staff[payload["programme_id"]].role = payload["role"]

    def _on_StaffMemberRemoved(self, payload: Mapping[str, Any]) -> None:
        self.staff[payload["programme_id"]].active = False


def check_staff_input(data: Mapping[str, Any]) -> None:
    """A staff command's input names something to do (PATCH with nothing in it is a 400)."""
    if not any(data.get(key) is not None for key in ("role", "language", "personal")):
        raise ValidationFailed({"": ["give at least one of: role, language, personal"]})
