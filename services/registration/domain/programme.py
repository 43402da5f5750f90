"""The programme aggregate: its settings, the registration windows they set, and clones."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from services.platform_core.events import DomainEvent

from .aggregate import Aggregate
from .days import add_months, require_aware, school_year_of
from .errors import RuleBroken
from .settings import ProgrammeDates, ProgrammeSettings, _jsonable, _leaf_paths, _merge
from .tenant import Tenant
from .vocabulary import MENTEE, MENTOR, TEAM

#: settings that cannot change once people take part (see :meth:`Programme.update`)
FIXED_ONCE_TAKEN = ("matching.participant_kind", "dates.meetings_start", "rules.consent.rule",
                    "rules.consent.age_of_majority", "rules.consent.school_year_starts")


class Programme(Aggregate):
    """A mentoring programme of a tenant: its settings, and the registration windows they set.

    A programme's dates are read in the time zone of its tenant, recorded when it is created.
    Cloning (next semester, next cohort) starts a *new* programme stream whose first event is
    ``ProgrammeCloned``: it carries the complete settings, exactly like ``ProgrammeCreated``,
    plus ``cloned_from``; the source programme's stream is not touched. Readers treat either
    event as the birth of a programme.
    """

    stream_type = "programme"

    def __init__(self, programme_id: str) -> None:
        super().__init__(programme_id)
        self.settings: Optional[ProgrammeSettings] = None
        self.time_zone: Optional[str] = None
        self.cloned_from: Optional[str] = None

    # commands

    def create(self, *, tenant: Tenant, settings: Mapping[str, Any],
               now: datetime) -> List[DomainEvent]:
        """Set up a programme of ``tenant``; the settings are validated as a whole."""
        require_aware(now)
        self._require_new()
        if not tenant.exists:
            raise RuleBroken(f"tenant {tenant.id} does not exist", "tenant")
        valid = ProgrammeSettings.from_dict(settings)
        return [self._event("ProgrammeCreated", {
            "time_zone": tenant.time_zone, "settings": valid.to_dict(),
            "created_at": now.isoformat(),
        })]

    def update(self, *, changes: Mapping[str, Any], now: datetime,
               taking_part: int = 0, areas_in_use: Iterable[str] = ()) -> List[DomainEvent]:
        """Change some settings: ``changes`` is laid over the current settings section by
        section, and the result is validated as a whole. Nothing changed, no event.

        Once people take part (``taking_part``: active participations), what their
        registrations were checked and measured against stays: who the participants are
        (``matching.participant_kind``), the day ages are measured on
        (``dates.meetings_start``) and the consent rule; and an area someone chose
        (``areas_in_use``) stays an area. A coordinator clones the programme instead."""
        require_aware(now)
        self._require_exists()
        current = self.current_settings.to_dict()
        updated = ProgrammeSettings.from_dict(_merge(current, _jsonable(changes))).to_dict()
        if updated == current:
            return []
        if taking_part:
            fixed = [path for path in FIXED_ONCE_TAKEN
                     if _get_path(updated, path) != _get_path(current, path)]
            dropped = sorted(set(areas_in_use) - {a["id"] for a in updated["content"]["areas"]})
            if fixed or dropped:
                what = fixed + [f"content.areas ({', '.join(dropped)} chosen by participants)"] \
                    if dropped else fixed
                raise RuleBroken(
                    f"{taking_part} people take part in this programme: {', '.join(what)} cannot "
                    f"change now (their registration was checked against it); clone the "
                    f"programme for a new cohort instead", (fixed or ["content.areas"])[0],
                    {"fixed": fixed, "areas_in_use": dropped, "taking_part": taking_part})
        return [self._event("ProgrammeUpdated", {
            "settings": updated,
            "changed": [path for path in _leaf_paths(changes)
                        if _get_path(updated, path) != _get_path(current, path)],
            "updated_at": now.isoformat(),
        })]

    def clone(self, *, new_programme_id: str, now: datetime, shift_months: int = 0,
              shift_days: int = 0, dates: Optional[Mapping[str, Any]] = None,
              name: Optional[str] = None) -> List[DomainEvent]:
        """The same programme for the next semester or cohort, as a new programme stream.

        Every date (the calendar and the training seminar) moves by ``shift_months`` then
        ``shift_days``; ``dates`` then replaces single dates outright. The returned events
        belong to ``programme``/``new_programme_id`` (append them with expected version 0).
        """
        require_aware(now)
        self._require_exists()
        if new_programme_id == self.id:
            raise RuleBroken("a clone needs a new programme id", "new_programme_id")

        def shifted(day: Optional[date]) -> Optional[date]:
            return None if day is None else add_months(day, shift_months) + timedelta(days=shift_days)

        settings = self.current_settings
        # the dates by field name (each a date, or None where not set)
        moved: Dict[str, Any] = {day: shifted(getattr(settings.dates, day))
                                 for day in ProgrammeDates.DAYS}
        new_dates = replace(settings.dates, **moved)
        training = replace(settings.rules.training,
                           seminar_date=shifted(settings.rules.training.seminar_date))
        data = replace(settings, dates=new_dates,
                       rules=replace(settings.rules, training=training)).to_dict()
        if name is not None:
            data["name"] = name
        if dates:
            data["dates"] = _merge(data["dates"], _jsonable(dates))
        valid = ProgrammeSettings.from_dict(data)
        return [self._event("ProgrammeCloned", {
            "cloned_from": self.id, "time_zone": self.time_zone, "settings": valid.to_dict(),
            "shift_months": shift_months, "shift_days": shift_days,
            "cloned_at": now.isoformat(),
        }, stream_id=new_programme_id)]

    # queries

    @property
    def current_settings(self) -> ProgrammeSettings:
        """The settings; a programme not created yet has none, and is refused as missing."""
        if self.settings is None:
            raise RuleBroken(f"{self.stream_type} {self.id} does not exist")
        return self.settings

    @property
    def zone(self) -> ZoneInfo:
        """The time zone the programme's dates are read in (its tenant's, when created)."""
        if self.time_zone is None:
            raise RuleBroken(f"{self.stream_type} {self.id} does not exist")
        return ZoneInfo(self.time_zone)

    @property
    def start(self) -> date:
        """The programme's start, the day ages are measured on: the first day of meetings."""
        return self.current_settings.dates.meetings_start

    @property
    def area_ids(self) -> Tuple[str, ...]:
        return self.current_settings.content.area_ids

    def local_date(self, now: datetime) -> date:
        """The calendar day ``now`` falls on in the programme's time zone."""
        return require_aware(now).astimezone(self.zone).date()

    def accepts(self, role: str) -> bool:
        """Mentors always; mentees in individual and group programmes; teams in team ones."""
        kind = self.current_settings.participant_kind
        return role == MENTOR or (role == TEAM) == (kind == TEAM)

    def registration_open(self, role: str, now: datetime) -> bool:
        """Whether ``role`` may register at ``now``."""
        return self.registration_refusal(role, now) is None

    def registration_refusal(self, role: str, now: datetime) -> Optional[str]:
        """Why ``role`` may not register at ``now``, or None if it may.

        A window runs from the start of its opening day to the last instant of its closing
        day (23:59:59.999...) in the programme's time zone. Teams use the mentees' window. In a
        rolling programme mentees (and teams) may also register after the close, until the
        meetings end (seed 001).
        """
        self._require_exists()
        today, dates = self.local_date(now), self.current_settings.dates
        window = MENTOR if role == MENTOR else MENTEE
        opens = getattr(dates, f"{window}_registration_opens")
        closes = getattr(dates, f"{window}_registration_closes")
        if opens and today < opens:
            return f"{window} registration opens on {opens.isoformat()}"
        if dates.meetings_end and today > dates.meetings_end:
            return f"the programme's meetings ended on {dates.meetings_end.isoformat()}"
        if closes and today > closes and not (dates.rolling_registration and window == MENTEE):
            return f"{window} registration closed on {closes.isoformat()} ({self.time_zone})"
        return None

    def school_year(self) -> Tuple[date, date]:
        """The school year the programme starts in: the span a consent given for it covers."""
        month, day = self.current_settings.rules.consent.school_year_starts
        return school_year_of(self.start, month, day)

    # folding

    def _on_ProgrammeCreated(self, payload: Mapping[str, Any]) -> None:
        self.time_zone = payload["time_zone"]
        self.settings = ProgrammeSettings.from_dict(payload["settings"])

    def _on_ProgrammeCloned(self, payload: Mapping[str, Any]) -> None:
        self._on_ProgrammeCreated(payload)
        self.cloned_from = payload["cloned_from"]

    def _on_ProgrammeUpdated(self, payload: Mapping[str, Any]) -> None:
        self.settings = ProgrammeSettings.from_dict(payload["settings"])


def _get_path(data: Mapping[str, Any], path: str) -> Any:
    found: Any = data
    for key in path.split("."):
        if not isinstance(found, Mapping):
            return None
        found = found.get(key)
    return found
