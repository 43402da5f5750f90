"""The rules of registration, in one place.

Three event-sourced aggregates live here:

* :class:`Tenant` (stream ``tenant``/<slug>): an organisation that runs programmes.
* :class:`Programme` (stream ``programme``/<uuid>): one mentoring programme and its settings
  (dates, people, rules, content, matching), validated as a whole.
* :class:`Person` (stream ``person``/<uuid>): a mentor, a mentee or an organisation's team, with
  a :class:`Participation` per programme they take part in.

Every aggregate works the same way. Load it by folding its stream
(``Person.from_events(events, stream_id=...)``; an empty stream gives a blank aggregate), call a
command, and append the returned :class:`DomainEvent` list with ``expected_version =
aggregate.version``. Commands never change the aggregate they are called on: state changes
only by :meth:`Aggregate.apply`. Time is always passed in (timezone-aware ``now``); dates that
matter to people (registration closing days, ages, school years) are read in the programme's
time zone.

Two exceptions tell the caller what went wrong: :class:`ValidationFailed` (the input is
incomplete or inconsistent, every problem named by its dotted field path; HTTP 400) and
:class:`RuleBroken` (the input is well formed but a rule of the programme says no; HTTP 422).

Personal data (names, contacts, date of birth, guardian, team members, free-text reasons,
sensitive needs) only ever travels under the one key ``payload["personal"]``, which the plumbing
encrypts with a per-person key; erasing a person deletes that key, so a replayed stream then
carries ``personal = None`` and every fold here copes with it. What matching needs in clear
(age at the programme's start, languages, ranked areas, place, ...) is put beside it.
"""
from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Callable, ClassVar, Dict, Iterable, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.platform_core.events import DomainEvent

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class DomainError(Exception):
    """Base class of every refusal the registration domain gives."""


class RuleBroken(DomainError):
    """A rule says no (HTTP 422): registration closed, too young, already registered, erased ...

    ``field`` names the input field the rule is about (a dotted path), when there is one;
    ``details`` carries the facts behind the refusal (e.g. ``{"age": 14, "minimum": 15}``).
    """

    def __init__(self, message: str, field: Optional[str] = None,
                 details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = dict(details or {})

    def as_dict(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {"message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    """The input is incomplete or inconsistent (HTTP 400).

    ``errors`` maps every offending field (a dotted path such as
    ``dates.mentee_registration_closes`` or ``profile.areas.1``) to the list of its problems.
    """

    def __init__(self, errors: Mapping[str, List[str]]) -> None:
        self.errors = {name: list(messages) for name, messages in errors.items()}
        summary = "; ".join(f"{name}: {', '.join(messages)}"
                            for name, messages in sorted(self.errors.items()))
        super().__init__(f"invalid input: {summary}")


# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

MENTOR, MENTEE, TEAM = "mentor", "mentee", "team"
ROLES = (MENTOR, MENTEE, TEAM)

INDIVIDUAL, GROUP = "individual", "group"
#: Who the mentees of a programme are: one person each, an organisation's team (seed 003), or
#: the students of an e-course followed as one group by one mentor (seed 004).
PARTICIPANT_KINDS = (INDIVIDUAL, TEAM, GROUP)

TENANT_KINDS = ("school", "foundation", "ngo", "youth_centre", "course_provider")

#: Languages the platform speaks to people in (templates exist for them): a tenant's default.
SUPPORTED_LANGUAGES = ("en", "lv", "lt", "nl")

#: Every ISO 639-1 code: languages a programme runs in and people speak.
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li
ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa
pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th
ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())

CONSENT_RULES = ("none", "guardian_for_minors", "guardian_for_all")
TRAINING_RULES = ("not_required", "before_matching", "before_first_meeting")
MATCHING_MODES = ("automatic", "coordinator_approves", "mentee_chooses", "coordinator_assigns")
#: The parts of a pair's score a programme weighs (matching reads them).
SCORE_WEIGHTS = ("areas", "language", "place", "preferences")
DEFAULT_WEIGHTS = {"areas": 4, "language": 3, "place": 2, "preferences": 3}

CONSENT_GIVERS = ("guardian", "self")
#: Kinds of sensitive need a person may disclose (seeds 000, 002); only ever under ``personal``
#: of the private ``SensitiveNeedsRecorded`` event.
SENSITIVE_NEEDS = ("disability", "accessibility", "health", "social_risk", "addiction", "other")

TENANT_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,24}$")


# ---------------------------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------------------------


def require_aware(now: datetime) -> datetime:
    """The domain never guesses a time zone: ``now`` must be timezone-aware."""
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now


def age_on(date_of_birth: date, day: date) -> int:
    """Full years of age on ``day``."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)


#: the dates the platform accepts (birth dates included)
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2199, 12, 31)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the end of a shorter month (31 Jan + 1 = 28 Feb)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def school_year_of(day: date, starts_month: int, starts_day: int) -> Tuple[date, date]:
    """First and last day of the school year that contains ``day``."""
    first_this_year = date(day.year, starts_month, starts_day)
    first = first_this_year if day >= first_this_year else date(day.year - 1, starts_month, starts_day)
    return first, date(first.year + 1, starts_month, starts_day) - timedelta(days=1)


def hash_api_key(api_key: str) -> str:
    """The only form in which a tenant's API key is kept: its SHA-256, hex."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def _iso(value: Optional[date]) -> Optional[str]:
    return None if value is None else value.isoformat()


def _parse_date(value: Any) -> Optional[date]:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    return date.fromisoformat(value)


# ---------------------------------------------------------------------------------------------
# Reading input: every problem collected under its dotted path
# ---------------------------------------------------------------------------------------------


class _Problems:
    """Every problem found in one input, by dotted field path."""

    def __init__(self) -> None:
        self.by_field: Dict[str, List[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.by_field.setdefault(path or "_schema", []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(self.by_field)


Check = Callable[[Any], Optional[str]]


def _matches(pattern: re.Pattern, what: str) -> Check:
    return lambda value: None if pattern.fullmatch(value) else f"must be {what}"


def _language(value: str) -> Optional[str]:
    return None if value in ISO_639_1 else "must be an ISO 639-1 language code"


def _person_id(value: str) -> Optional[str]:
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        return "must be a person id (uuid)"
    if value != canonical:  # ids are compared as strings everywhere: one spelling only
        return f"must be a person id as written by the platform ({canonical})"
    return None


class _Reader:
    """Reads one object of input (a dict as JSON or as marshmallow loaded it).

    Accepts dates as ``date`` objects or ISO strings, so the same code reads HTTP input and
    stored payloads. Every problem is added to ``problems`` under its dotted path; unknown keys
    are reported by :meth:`finish`.
    """

    def __init__(self, data: Any, problems: _Problems, path: str = "") -> None:
        self.problems = problems
        self.path = path
        self.present = data is not None
        if data is not None and not isinstance(data, Mapping):
            problems.add(path, "must be an object")
            data = None
        self.data: Mapping[str, Any] = data or {}
        self._seen: set = set()
        self._children: List["_Reader"] = []

    def at(self, key: Any) -> str:
        return f"{self.path}.{key}" if self.path else str(key)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def add(self, key: Any, message: str) -> None:
        self.problems.add(self.at(key), message)

    def _take(self, key: str, required: bool) -> Any:
        self._seen.add(key)
        value = self.data.get(key)
        if value is None and required:
            self.add(key, "is required")
        return value

    def text(self, key: str, *, required: bool = False, default: Optional[str] = None,
             max_length: int = 200, choices: Iterable[str] = (), check: Optional[Check] = None
             ) -> Optional[str]:
        value = self._take(key, required)
        if value is None:
            return default
        if not isinstance(value, str):
            self.add(key, "must be a string")
            return default
        value = value.strip()
        problem = ("must not be empty" if not value
                   else f"must be at most {max_length} characters" if len(value) > max_length
                   else f"must be one of: {', '.join(choices)}" if choices and value not in choices
                   else check(value) if check else None)
        if problem:
            self.add(key, problem)
            return default
        return value

    def integer(self, key: str, *, required: bool = False, default: Optional[int] = None,
                minimum: Optional[int] = None, maximum: Optional[int] = None) -> Optional[int]:
        return self._number(key, (int,), "a whole number", required, default, minimum, maximum)

    def number(self, key: str, *, required: bool = False, default: Optional[float] = None,
               minimum: Optional[float] = None, maximum: Optional[float] = None):
        return self._number(key, (int, float), "a number", required, default, minimum, maximum)

    def _number(self, key, types, what, required, default, minimum, maximum):
        value = self._take(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, types):
            self.add(key, f"must be {what}")
            return default
        if minimum is not None and value < minimum or maximum is not None and value > maximum:
            self.add(key, _between(minimum, maximum))
            return default
        return value

    def flag(self, key: str, *, default: bool = False) -> bool:
        value = self._take(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(key, "must be true or false")
            return default
        return value

    def day(self, key: str, *, required: bool = False) -> Optional[date]:
        value = self._take(key, required)
        if value is None:
            return None
        try:
            if isinstance(value, datetime):
                raise TypeError
            day = _parse_date(value)
        except (TypeError, ValueError):
            self.add(key, "must be a date (YYYY-MM-DD)")
            return None
        if not EARLIEST_DAY <= day <= LATEST_DAY:  # date arithmetic on it must not overflow
            self.add(key, f"must be between {EARLIEST_DAY} and {LATEST_DAY}")
            return None
        return day

    def texts(self, key: str, *, required: bool = False, check: Optional[Check] = None,
              max_length: int = 100, max_items: int = 100) -> Tuple[str, ...]:
        """A list of distinct strings, in the order given (the order can be a ranking)."""
        value = self._take(key, required)
        if value is None:
            return ()
        if not isinstance(value, (list, tuple)):
            self.add(key, "must be a list")
            return ()
        if required and not value:
            self.add(key, "must not be empty")
        if len(value) > max_items:
            self.add(key, f"must have at most {max_items} items")
        items: List[str] = []
        for index, item in enumerate(value):
            path = f"{key}.{index}"
            problem = ("must be a non-empty string" if not isinstance(item, str) or not item.strip()
                       else f"must be at most {max_length} characters" if len(item) > max_length
                       else check(item.strip()) if check else None)
            if problem is None and item.strip() in items:
                problem = "is listed twice"
            if problem:
                self.add(path, problem)
            else:
                items.append(item.strip())
        return tuple(items)

    def mapping(self, key: str, *, required: bool = False) -> Dict[str, Any]:
        """An object with free keys (e.g. labels per language): the caller checks its items."""
        value = self._take(key, required)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.add(key, "must be an object")
            return {}
        return dict(value)

    def section(self, key: str, *, required: bool = False) -> "_Reader":
        child = _Reader(self._take(key, required), self.problems, self.at(key))
        self._children.append(child)
        return child

    def items(self, key: str, *, required: bool = False, max_items: int = 200) -> List["_Reader"]:
        value = self._take(key, required)
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            self.add(key, "must be a list")
            return []
        if required and not value:
            self.add(key, "must not be empty")
        if len(value) > max_items:
            self.add(key, f"must have at most {max_items} items")
        children = [_Reader(item, self.problems, self.at(f"{key}.{i}")) for i, item in enumerate(value)]
        self._children.extend(children)
        return children

    def skip(self, key: str) -> None:
        """Take ``key`` as read (the caller has dealt with it)."""
        self._seen.add(key)

    def finish(self) -> None:
        """Report every key nobody asked for, here and in every section read from here."""
        for key in self.data:
            if key not in self._seen:
                self.add(key, "unknown field")
        for child in self._children:
            child.finish()


def _between(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f"must be between {minimum} and {maximum}"
    return f"must be at least {minimum}" if minimum is not None else f"must be at most {maximum}"


def _not_before(reader: _Reader, values: Mapping[str, Any], earlier: str, later: str) -> None:
    """Report ``later`` if both dates are given and it comes before ``earlier``."""
    first, second = values.get(earlier), values.get(later)
    if first is not None and second is not None and second < first:
        shown = first.isoformat() if isinstance(first, date) else first
        reader.add(later, f"must not be before {earlier} ({shown})")


# ---------------------------------------------------------------------------------------------
# Aggregates
# ---------------------------------------------------------------------------------------------


class Aggregate:
    """An event-sourced aggregate: its state is the fold of its stream.

    ``version`` is the number of events applied: the expected version for the next append.
    Event types this code does not know are skipped (an older reader of a newer stream).
    """

    stream_type: ClassVar[str] = ""

    def __init__(self, stream_id: str) -> None:
        self.id = stream_id
        self.version = 0

    @classmethod
    def from_events(cls, events: Iterable[DomainEvent], stream_id: Optional[str] = None):
        """Fold a stream; with no events, ``stream_id`` gives a blank aggregate to create."""
        events = list(events)
        if stream_id is None:
            if not events:
                raise ValueError("an empty stream needs its stream_id")
            stream_id = events[0].stream_id
        aggregate = cls(stream_id)
        for event in events:
            aggregate.apply(event)
        return aggregate

    @property
    def exists(self) -> bool:
        return self.version > 0

    def apply(self, event: DomainEvent):
        """Fold one event of this aggregate's stream into its state."""
        if event.stream_type != self.stream_type or event.stream_id != self.id:
            raise ValueError(f"event of {event.stream_type}/{event.stream_id} "
                             f"applied to {self.stream_type}/{self.id}")
        handler = getattr(self, f"_on_{event.event_type}", None)
        if handler is not None:
            handler(event.payload)
        self.version += 1
        return self

    def apply_all(self, events: Iterable[DomainEvent]):
        for event in events:
            self.apply(event)
        return self

    def _event(self, event_type: str, payload: Dict[str, Any],
               stream_id: Optional[str] = None) -> DomainEvent:
        return DomainEvent(event_type, self.stream_type, stream_id or self.id, payload)

    def _require_exists(self) -> None:
        if not self.exists:
            raise RuleBroken(f"{self.stream_type} {self.id} does not exist")

    def _require_new(self) -> None:
        if self.exists:
            raise RuleBroken(f"{self.stream_type} {self.id} already exists")


# ---------------------------------------------------------------------------------------------
# Tenant
# ---------------------------------------------------------------------------------------------


def valid_time_zone(name: str) -> Optional[str]:
    """None if ``name`` is an IANA time zone, else the problem."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "must be an IANA time zone such as Europe/Riga"
    return None


class Tenant(Aggregate):
    """An organisation running programmes on the platform; its id is its slug.

    Its time zone is the one every date of its programmes is read in; its API key is known to
    the platform only as a SHA-256 hash, and rotating it revokes the previous key.
    """

    stream_type = "tenant"

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.name: Optional[str] = None
        self.kind: Optional[str] = None
        self.default_language: Optional[str] = None
        self.time_zone: Optional[str] = None
        self.key_id: Optional[str] = None
        self.key_hash: Optional[str] = None

    # commands

    def create(self, *, name: str, kind: str, default_language: str, time_zone: str,
               now: datetime) -> List[DomainEvent]:
        """Open a tenant. Every field is checked and every problem reported at once."""
        require_aware(now)
        self._require_new()
        problems = _Problems()
        if not isinstance(self.id, str) or not TENANT_SLUG.fullmatch(self.id):
            problems.add("slug", "must be 2-63 lower-case letters, digits or '-', "
                                 "starting with a letter or digit")
        reader = _Reader({"name": name, "kind": kind, "default_language": default_language,
                          "time_zone": time_zone}, problems)
        payload = {
            "name": reader.text("name", required=True),
            "kind": reader.text("kind", required=True, choices=TENANT_KINDS),
            "default_language": reader.text("default_language", required=True,
                                            choices=SUPPORTED_LANGUAGES),
            "time_zone": reader.text("time_zone", required=True, check=valid_time_zone),
            "created_at": now.isoformat(),
        }
        problems.raise_if_any()
        return [self._event("TenantCreated", payload)]

    def rotate_key(self, *, key_id: str, api_key: str, now: datetime) -> List[DomainEvent]:
        """Give the tenant a new API key; the one it had stops working.

        The plumbing generates ``api_key`` and shows it once; only its hash is recorded.
        """
        require_aware(now)
        self._require_exists()
        problems = _Problems()
        if not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
            problems.add("key_id", "must be 1-64 letters, digits, '.', '_' or '-'")
        if not isinstance(api_key, str) or len(api_key) < 32:
            problems.add("api_key", "must be at least 32 characters")
        problems.raise_if_any()
        if key_id == self.key_id:
            raise RuleBroken(f"key {key_id} is the current key; a new key needs a new id", "key_id")
        return [self._event("TenantKeyRotated", {
            "key_id": key_id,
            "key_hash": hash_api_key(api_key),
            "rotated_at": now.isoformat(),
            "revoked_key_ids": [self.key_id] if self.key_id else [],
        })]

    # queries

    def key_matches(self, api_key: str) -> bool:
        """Whether ``api_key`` is the tenant's current key (constant-time comparison)."""
        return self.key_hash is not None and hmac.compare_digest(self.key_hash, hash_api_key(api_key))

    # folding

    def _on_TenantCreated(self, payload: Mapping[str, Any]) -> None:
        self.name = payload["name"]
        self.kind = payload["kind"]
        self.default_language = payload["default_language"]
        self.time_zone = payload["time_zone"]

    def _on_TenantKeyRotated(self, payload: Mapping[str, Any]) -> None:
        self.key_id = payload["key_id"]
        self.key_hash = payload["key_hash"]


# ---------------------------------------------------------------------------------------------
# Programme settings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """An inclusive range of whole numbers: ``{"min": 2, "max": 4}``."""

    min: int
    max: int

    def __contains__(self, value: int) -> bool:
        return self.min <= value <= self.max

    def to_dict(self) -> Dict[str, int]:
        return {"min": self.min, "max": self.max}


@dataclass(frozen=True)
class ProgrammeDates:
    """The programme's calendar. Every registration day is inclusive to its last second in the
    programme's time zone; a rolling programme takes mentees after the close (seed 001: pupils
    may register at any time)."""

    meetings_start: date
    meetings_end: Optional[date] = None
    mentor_registration_opens: Optional[date] = None
    mentor_registration_closes: Optional[date] = None
    mentee_registration_opens: Optional[date] = None
    mentee_registration_closes: Optional[date] = None
    rolling_registration: bool = False
    matching_opens: Optional[date] = None
    #: the day the cohort is matched at once (seed 001: introductions by e-mail by 21 Feb)
    matching_round: Optional[date] = None
    closing_event: Optional[date] = None
    #: how long a pair works together (seed 000: 6-12 months; seed 003: 6)
    duration_months: Optional[Span] = None

    DAYS: ClassVar[Tuple[str, ...]] = (
        "meetings_start", "meetings_end", "mentor_registration_opens", "mentor_registration_closes",
        "mentee_registration_opens", "mentee_registration_closes", "matching_opens",
        "matching_round", "closing_event")

    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {name: _iso(getattr(self, name)) for name in self.DAYS}
        data["rolling_registration"] = self.rolling_registration
        data["duration_months"] = self.duration_months.to_dict() if self.duration_months else None
        return data


@dataclass(frozen=True)
class MentorCapacity:
    """How many mentees one mentor may take (seed 001: 1-3 pupils; seed 004: a group of tens).

    A mentor chooses a number in ``min..max`` on registering, ``default`` if they don't."""

    min: int = 1
    max: int = 1
    default: int = 1

    def to_dict(self) -> Dict[str, int]:
        return {"min": self.min, "max": self.max, "default": self.default}


@dataclass(frozen=True)
class PeopleRules:
    """Who may take part. Ages are full years on the day meetings start."""

    mentor_capacity: MentorCapacity = MentorCapacity()
    mentor_min_age: Optional[int] = None   # seed 000: 20
    mentor_max_age: Optional[int] = None
    mentee_min_age: Optional[int] = None   # seed 001: 15; seed 002: 16
    mentee_max_age: Optional[int] = None   # seed 001: 18; seed 002: 24
    team_size: Optional[Span] = None       # seed 003: 2-4
    team_leaders_min: int = 1              # seed 003: at least one in a leading role
    #: a mentor must belong to one of these communities (seed 001: alumni, parent); empty: anyone
    mentor_communities: Tuple[str, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        return {
            "mentor_capacity": self.mentor_capacity.to_dict(),
            "mentor_min_age": self.mentor_min_age, "mentor_max_age": self.mentor_max_age,
            "mentee_min_age": self.mentee_min_age, "mentee_max_age": self.mentee_max_age,
            "team_size": self.team_size.to_dict() if self.team_size else None,
            "team_leaders_min": self.team_leaders_min,
            "mentor_communities": list(self.mentor_communities),
        }


@dataclass(frozen=True)
class ConsentRule:
    """Whose consent a mentee needs (seed 001: a parent's, once per school year).

    ``guardian_for_minors``: a guardian consents for a mentee under ``age_of_majority``;
    ``guardian_for_all``: a guardian consents for every mentee. A consent covers the whole
    school year (starting each year on ``school_year_starts``) that contains the programme's
    start, so one consent serves every programme of that school year.
    """

    rule: str = "none"
    school_year_starts: Tuple[int, int] = (9, 1)  # (month, day)
    age_of_majority: int = 18

    def to_dict(self) -> Dict[str, Any]:
        month, day = self.school_year_starts
        return {"rule": self.rule, "school_year_starts": {"month": month, "day": day},
                "age_of_majority": self.age_of_majority}


@dataclass(frozen=True)
class TrainingRule:
    """Training a mentor must complete (seed 001: a 2 h preparation seminar in February)."""

    rule: str = "not_required"
    seminar_date: Optional[date] = None
    seminar_minutes: Optional[int] = None

    @property
    def required(self) -> bool:
        return self.rule != "not_required"

    def to_dict(self) -> Dict[str, Any]:
        return {"rule": self.rule, "seminar_date": _iso(self.seminar_date),
                "seminar_minutes": self.seminar_minutes}


@dataclass(frozen=True)
class Rules:
    consent: ConsentRule = ConsentRule()
    training: TrainingRule = TrainingRule()
    #: a background check of mentors must be recorded before they are matched
    vetting_required: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"consent": self.consent.to_dict(), "training": self.training.to_dict(),
                "vetting_required": self.vetting_required}


@dataclass(frozen=True)
class Area:
    """A support area (seed 000: education, free time, ...) with its label per language."""

    id: str
    labels: Mapping[str, str]
    #: a mentee's choosing it is a sensitive fact (seed 000: "leaving harmful relationships and
    #: addictions"): it never enters a broadcast payload (see :func:`public_profile`)
    sensitive: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "labels": dict(self.labels), **({"sensitive": True} if self.sensitive else {})}


@dataclass(frozen=True)
class Cadence:
    """How often pairs meet (seed 000: at least twice a month, 1 h, face to face; seed 001:
    2-4 times a month, remote allowed)."""

    min_per_month: int = 0
    max_per_month: Optional[int] = None
    meeting_minutes: Optional[int] = None
    remote_counts: bool = True

    def to_dict(self) -> Dict[str, Any]:
        return {"min_per_month": self.min_per_month, "max_per_month": self.max_per_month,
                "meeting_minutes": self.meeting_minutes, "remote_counts": self.remote_counts}


@dataclass(frozen=True)
class Content:
    areas: Tuple[Area, ...] = ()
    languages: Tuple[str, ...] = ()
    remote_allowed: bool = False
    cadence: Cadence = Cadence()

    @property
    def area_ids(self) -> Tuple[str, ...]:
        return tuple(area.id for area in self.areas)

    @property
    def sensitive_area_ids(self) -> Tuple[str, ...]:
        return tuple(area.id for area in self.areas if area.sensitive)

    def to_dict(self) -> Dict[str, Any]:
        return {"areas": [area.to_dict() for area in self.areas], "languages": list(self.languages),
                "remote_allowed": self.remote_allowed, "cadence": self.cadence.to_dict()}


@dataclass(frozen=True)
class MatchingRules:
    """How pairs are made. ``participant_kind`` says who the mentees are (see
    :data:`PARTICIPANT_KINDS`); a ``group`` has one mentor and is not scored on areas."""

    mode: str = "automatic"
    participant_kind: str = INDIVIDUAL
    weights: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    shortlist_size: int = 3
    #: days a mentor has to accept or decline a proposal
    answer_days: int = 7
    #: face-to-face programmes across towns: pair only people of the same place
    same_place_required: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"mode": self.mode, "participant_kind": self.participant_kind,
                "weights": dict(self.weights), "shortlist_size": self.shortlist_size,
                "answer_days": self.answer_days, "same_place_required": self.same_place_required}


@dataclass(frozen=True)
class ProgrammeSettings:
    """Everything a coordinator sets up for a programme, validated as a whole.

    Build it with :meth:`from_dict`, which reads JSON-like input (dates as ``date`` or ISO
    strings) and raises :class:`ValidationFailed` naming every problem by dotted path;
    :meth:`to_dict` gives the JSON form stored in events.
    """

    name: str
    dates: ProgrammeDates
    people: PeopleRules = PeopleRules()
    rules: Rules = Rules()
    content: Content = Content()
    matching: MatchingRules = MatchingRules()
    description: Optional[str] = None

    @property
    def participant_kind(self) -> str:
        return self.matching.participant_kind

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "dates": self.dates.to_dict(), "people": self.people.to_dict(),
                "rules": self.rules.to_dict(), "content": self.content.to_dict(),
                "matching": self.matching.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ProgrammeSettings":
        problems = _Problems()
        reader = _Reader(data, problems)
        if not reader.present:
            problems.add("", "settings are required")
        settings = cls(
            name=reader.text("name", required=True),
            description=reader.text("description", max_length=4000),
            dates=_read_dates(reader.section("dates", required=True)),
            people=_read_people(reader.section("people")),
            rules=_read_rules(reader.section("rules")),
            content=_read_content(reader.section("content")),
            matching=_read_matching(reader.section("matching")),
        )
        reader.finish()
        _check_settings_as_a_whole(settings, problems)
        problems.raise_if_any()
        return settings


def _read_span(reader: _Reader, key: str, *, minimum: int, maximum: int) -> Optional[Span]:
    section = reader.section(key)
    if not section.present:
        return None
    low = section.integer("min", required=True, minimum=minimum, maximum=maximum)
    high = section.integer("max", required=True, minimum=minimum, maximum=maximum)
    if low is not None and high is not None and high < low:
        section.add("max", f"must not be less than min ({low})")
    return Span(low, high)


def _read_dates(reader: _Reader) -> ProgrammeDates:
    days = {name: reader.day(name, required=name == "meetings_start")
            for name in ProgrammeDates.DAYS}
    dates = ProgrammeDates(
        **days,
        rolling_registration=reader.flag("rolling_registration"),
        duration_months=_read_span(reader, "duration_months", minimum=1, maximum=120),
    )
    for role in (MENTOR, MENTEE):
        _not_before(reader, days, f"{role}_registration_opens", f"{role}_registration_closes")
    _not_before(reader, days, "meetings_start", "meetings_end")
    _not_before(reader, days, "meetings_start", "closing_event")
    _not_before(reader, days, "matching_opens", "matching_round")
    _not_before(reader, days, "matching_opens", "meetings_end")  # matching runs until the end
    _not_before(reader, days, "mentor_registration_closes", "matching_round")
    _not_before(reader, days, "mentee_registration_closes", "matching_round")
    for role in (MENTOR, MENTEE):
        closes, end = days[f"{role}_registration_closes"], days["meetings_end"]
        if closes and end and closes > end:
            reader.add(f"{role}_registration_closes",
                       f"must not be after meetings_end ({end.isoformat()})")
    start, end, duration = days["meetings_start"], days["meetings_end"], dates.duration_months
    if start and end and duration and duration.min \
            and add_months(start, duration.min) - timedelta(days=1) > end:
        reader.add("meetings_end", f"leaves less than the minimum duration of {duration.min} "
                                   f"months after meetings_start ({start.isoformat()})")
    return dates


def _read_people(reader: _Reader) -> PeopleRules:
    capacity_reader = reader.section("mentor_capacity")
    low = capacity_reader.integer("min", default=1, minimum=1, maximum=1000)
    high = capacity_reader.integer("max", default=low, minimum=1, maximum=1000)
    default = capacity_reader.integer("default", default=high, minimum=1, maximum=1000)
    if low and high and high < low:
        capacity_reader.add("max", f"must not be less than min ({low})")
    elif low and high and default and not low <= default <= high:
        capacity_reader.add("default", f"must be between min ({low}) and max ({high})")
    ages = {name: reader.integer(name, minimum=0, maximum=120) for name in
            ("mentor_min_age", "mentor_max_age", "mentee_min_age", "mentee_max_age")}
    for role in (MENTOR, MENTEE):
        _not_before(reader, ages, f"{role}_min_age", f"{role}_max_age")
    team_size = _read_span(reader, "team_size", minimum=1, maximum=50)
    leaders = reader.integer("team_leaders_min", default=1, minimum=1, maximum=50)
    if team_size and team_size.min and leaders is not None and leaders > team_size.min:
        reader.add("team_leaders_min", f"must not exceed team_size.min ({team_size.min})")
    return PeopleRules(
        mentor_capacity=MentorCapacity(low, high, default), **ages, team_size=team_size,
        team_leaders_min=leaders,
        mentor_communities=reader.texts("mentor_communities", check=_matches(CODE, "a code")),
    )


def _read_rules(reader: _Reader) -> Rules:
    consent = reader.section("consent")
    year = consent.section("school_year_starts")
    month = year.integer("month", default=9, minimum=1, maximum=12)
    day = year.integer("day", default=1, minimum=1, maximum=31)
    if month and day:
        try:
            date(2001, month, day)
        except ValueError:
            year.add("day", f"is not a day of month {month}")
    training = reader.section("training")
    return Rules(
        consent=ConsentRule(
            rule=consent.text("rule", default="none", choices=CONSENT_RULES),
            school_year_starts=(month, day),
            age_of_majority=consent.integer("age_of_majority", default=18, minimum=14, maximum=21),
        ),
        training=TrainingRule(
            rule=training.text("rule", default="not_required", choices=TRAINING_RULES),
            seminar_date=training.day("seminar_date"),
            seminar_minutes=training.integer("seminar_minutes", minimum=1, maximum=24 * 60),
        ),
        vetting_required=reader.flag("vetting_required"),
    )


def _read_content(reader: _Reader) -> Content:
    areas: List[Area] = []
    for area in reader.items("areas", max_items=100):
        area_id = area.text("id", required=True, check=_matches(CODE, "a code of lower-case "
                                                                       "letters, digits, '_' or '-'"))
        labels = area.mapping("labels", required=True)
        for language, label in labels.items():
            if language not in ISO_639_1:
                area.add(f"labels.{language}", "is not an ISO 639-1 language code")
            elif not isinstance(label, str) or not label.strip():
                area.add(f"labels.{language}", "must be a non-empty string")
        if area.has("labels") and not labels:
            area.add("labels", "must have a label in at least one language")
        if area_id in [known.id for known in areas]:
            area.add("id", "is used by another area")
        areas.append(Area(area_id, labels, area.flag("sensitive")))
    cadence = reader.section("cadence")
    low = cadence.integer("min_per_month", default=0, minimum=0, maximum=31)
    high = cadence.integer("max_per_month", minimum=1, maximum=31)
    if low is not None and high is not None and high < low:
        cadence.add("max_per_month", f"must not be less than min_per_month ({low})")
    return Content(
        areas=tuple(areas),
        languages=reader.texts("languages", required=True, check=_language),
        remote_allowed=reader.flag("remote_allowed"),
        cadence=Cadence(low, high, cadence.integer("meeting_minutes", minimum=5, maximum=600),
                        cadence.flag("remote_counts", default=True)),
    )


def _read_matching(reader: _Reader) -> MatchingRules:
    kind = reader.text("participant_kind", default=INDIVIDUAL, choices=PARTICIPANT_KINDS)
    weights_given = reader.mapping("weights")
    weights = dict(DEFAULT_WEIGHTS, areas=0 if kind == GROUP else DEFAULT_WEIGHTS["areas"])
    for name, weight in weights_given.items():
        if name not in SCORE_WEIGHTS:
            reader.add(f"weights.{name}", f"is not a score part ({', '.join(SCORE_WEIGHTS)})")
        elif isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
            reader.add(f"weights.{name}", "must be a whole number between 0 and 100")
        else:
            weights[name] = weight
    return MatchingRules(
        mode=reader.text("mode", default="automatic", choices=MATCHING_MODES),
        participant_kind=kind,
        weights=weights,
        shortlist_size=reader.integer("shortlist_size", default=3, minimum=1, maximum=20),
        answer_days=reader.integer("answer_days", default=7, minimum=1, maximum=60),
        same_place_required=reader.flag("same_place_required"),
    )


def _check_settings_as_a_whole(settings: ProgrammeSettings, problems: _Problems) -> None:
    """The rules that tie one section of the settings to another."""
    kind, people, dates = settings.matching.participant_kind, settings.people, settings.dates
    if kind == TEAM and people.team_size is None:
        problems.add("people.team_size", "is required when matching.participant_kind is team")
    if kind != TEAM and people.team_size is not None:
        problems.add("people.team_size", "is only for programmes whose participants are teams")
    if kind == GROUP:
        if settings.matching.weights.get("areas"):
            problems.add("matching.weights.areas",
                         "must be 0: a group has one mentor and is not matched by area")
        if settings.matching.mode == "mentee_chooses":
            problems.add("matching.mode", "a group cannot choose its mentor")
    training = settings.rules.training
    deadline = {"before_matching": ("dates.matching_round", dates.matching_round),
                "before_first_meeting": ("dates.meetings_start", dates.meetings_start)
                }.get(training.rule)
    if deadline and training.seminar_date and deadline[1] and training.seminar_date > deadline[1]:
        problems.add("rules.training.seminar_date",
                     f"must not be after {deadline[0]} ({deadline[1].isoformat()}): "
                     f"training is due {training.rule.replace('_', ' ')}")
    languages = settings.content.languages
    for index, area in enumerate(settings.content.areas):
        if area.labels and languages and not set(area.labels) & set(languages):
            problems.add(f"content.areas.{index}.labels",
                         f"needs a label in one of the programme's languages "
                         f"({', '.join(languages)})")


def _merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> Dict[str, Any]:
    """``base`` with ``changes`` laid over it, section by section (lists are replaced)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _leaf_paths(changes: Mapping[str, Any], prefix: str = "") -> List[str]:
    paths: List[str] = []
    for key, value in changes.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and value:
            paths.extend(_leaf_paths(value, path))
        else:
            paths.append(path)
    return paths


def _jsonable(value: Any) -> Any:
    """Dates as ISO strings, tuples as lists: what an event payload may hold."""
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------
# Programme
# ---------------------------------------------------------------------------------------------


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
        current = self.settings.to_dict()
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

        settings = self.settings
        new_dates = replace(settings.dates, **{day: shifted(getattr(settings.dates, day))
                                               for day in ProgrammeDates.DAYS})
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
    def start(self) -> date:
        """The programme's start, the day ages are measured on: the first day of meetings."""
        return self.settings.dates.meetings_start

    @property
    def area_ids(self) -> Tuple[str, ...]:
        return self.settings.content.area_ids

    def local_date(self, now: datetime) -> date:
        """The calendar day ``now`` falls on in the programme's time zone."""
        return require_aware(now).astimezone(ZoneInfo(self.time_zone)).date()

    def accepts(self, role: str) -> bool:
        """Mentors always; mentees in individual and group programmes; teams in team ones."""
        kind = self.settings.participant_kind
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
        today, dates = self.local_date(now), self.settings.dates
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
        month, day = self.settings.rules.consent.school_year_starts
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
    for key in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


# ---------------------------------------------------------------------------------------------
# Person: personal data, profile, participations
# ---------------------------------------------------------------------------------------------

#: under a participation event's ``personal`` (encrypted, erased): a mentee's or team's whole
#: ranked areas when some of them are sensitive; the clear ``profile.areas`` leaves those out
PROFILE_AREAS = "profile_areas"


def public_profile(profile: Mapping[str, Any], programme: "Programme",
                   role: str) -> Tuple[Dict[str, Any], Optional[List[str]]]:
    """The profile as broadcast, and the whole ranked areas to keep personal (None: nothing
    to hide). A mentee choosing a sensitive area is a sensitive fact: the area is left out of
    the broadcast profile (so matching does not weigh it; the coordinator sees it)."""
    sensitive = set(programme.settings.content.sensitive_area_ids)
    areas = list(profile.get("areas") or [])
    if role == MENTOR or not sensitive & set(areas):
        return dict(profile), None
    return {**profile, "areas": [a for a in areas if a not in sensitive]}, areas


def with_hidden_areas(profile: Mapping[str, Any], personal: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """A participation's whole profile from an event: the broadcast one, with its hidden
    areas put back when the person's key still opens them."""
    hidden = (personal or {}).get(PROFILE_AREAS)
    return {**profile, "areas": list(hidden)} if hidden is not None else dict(profile)


INDIVIDUAL_PERSONAL = ("name", "email", "phone", "date_of_birth", "guardian")
TEAM_PERSONAL = ("name", "email", "phone", "members")
PROFILE_FIELDS = ("languages", "areas", "place", "remote", "hours_per_week", "community",
                  "preferred_mentors", "excluded_mentors", "never_pair_with", "capacity")


def _read_contact(reader: _Reader, *, partial: bool) -> Dict[str, Any]:
    """Name and at least one of e-mail or phone."""
    contact = {
        "name": reader.text("name", required=not partial),
        "email": reader.text("email", max_length=254, check=_matches(EMAIL, "an e-mail address")),
        "phone": reader.text("phone", max_length=32, check=_matches(PHONE, "a phone number")),
    }
    if not partial and not reader.has("email") and not reader.has("phone"):
        reader.add("email", "an e-mail address or a phone number is required")
    return contact


def _read_personal(data: Mapping[str, Any], kind: str, problems: _Problems, *,
                   partial: bool = False) -> Dict[str, Any]:
    """Personal data as it goes under ``payload["personal"]`` (JSON form).

    An individual: name, e-mail and/or phone, date of birth, and a guardian (name and contact)
    for a minor. A team (seed 003): the organisation's name and contact, and its members, each
    with a name and whether they hold a leading role. With ``partial``, only the given keys.
    """
    reader = _Reader(data, problems, "personal")
    personal = _read_contact(reader, partial=partial)
    if kind == TEAM:
        members = []
        for member in reader.items("members", required=not partial, max_items=50):
            members.append({**_read_contact(member, partial=False),
                            "leader": member.flag("leader")})
        personal["members"] = members
    else:
        born = reader.day("date_of_birth", required=not partial)
        personal["date_of_birth"] = _iso(born)
        guardian = reader.section("guardian")
        personal["guardian"] = _read_contact(guardian, partial=False) if guardian.present else None
    reader.finish()
    if partial:
        personal = {key: value for key, value in personal.items() if key in (data or {})}
    return personal


def _read_profile(data: Mapping[str, Any], programme: Programme, role: str, person_id: str,
                  problems: _Problems) -> Dict[str, Any]:
    """What matching needs to know about a participant, checked against the programme.

    Languages are ISO 639-1 codes and at least one must be a language of the programme; areas
    are the programme's area ids, ranked (first = most wanted); a mentor's capacity lies in the
    programme's range (default: the programme's default); preferred and excluded mentors and
    ``never_pair_with`` (a parent and their own child, seed 001) are person ids.
    """
    reader = _Reader(data, problems, "profile")
    settings = programme.settings
    languages = reader.texts("languages", required=True, check=_language)
    if languages and not set(languages) & set(settings.content.languages):
        reader.add("languages", f"must include one of the programme's languages "
                                f"({', '.join(settings.content.languages)})")
    area_ids = programme.area_ids
    areas = reader.texts("areas", check=lambda area: None if area in area_ids else
                         f"is not an area of this programme ({', '.join(area_ids) or 'none'})")
    people = ("preferred_mentors", "excluded_mentors", "never_pair_with")
    profile: Dict[str, Any] = {
        "languages": list(languages),
        "areas": list(areas),
        "place": reader.text("place", max_length=100),
        "remote": reader.flag("remote", default=False),
        "hours_per_week": reader.number("hours_per_week", minimum=0, maximum=168),
        "community": list(reader.texts("community", check=_matches(CODE, "a code"))),
        **{key: list(reader.texts(key, check=_person_id)) for key in people},
    }
    for key in people:
        if person_id in profile[key]:
            reader.add(key, "must not name the person themself")
    if role == MENTOR:
        capacity = settings.people.mentor_capacity
        profile["capacity"] = reader.integer("capacity", default=capacity.default,
                                             minimum=capacity.min, maximum=capacity.max)
        for key in ("preferred_mentors", "excluded_mentors"):
            if profile[key]:
                reader.add(key, "is for mentees and teams only")
    else:
        if reader.has("capacity"):
            reader.add("capacity", "is for mentors only")
        reader.skip("capacity")  # reported above, not as an unknown field
        both = set(profile["preferred_mentors"]) & set(profile["excluded_mentors"])
        if both:
            reader.add("excluded_mentors", f"also preferred: {', '.join(sorted(both))}")
    reader.finish()
    return profile


def _check_team(personal: Mapping[str, Any], programme: Programme, problems: _Problems) -> None:
    """A team has 2-4 members, at least one of them in a leading role (seed 003)."""
    members = personal.get("members") or []
    size, leaders_min = programme.settings.people.team_size, programme.settings.people.team_leaders_min
    if size and len(members) not in size:
        problems.add("personal.members", f"a team has {size.min}-{size.max} members, "
                                         f"not {len(members)}")
    if sum(1 for member in members if member.get("leader")) < leaders_min:
        problems.add("personal.members", f"at least {leaders_min} member(s) must hold a "
                                         f"leading role in the organisation")


@dataclass
class Participation:
    """A person's part in one programme: (person, programme, role) and what goes with it."""

    programme_id: str
    role: str
    registered_at: str
    profile: Dict[str, Any]
    age_at_start: Optional[int] = None
    consent_required: bool = False
    team_size: Optional[int] = None
    active: bool = True
    training_completed_on: Optional[date] = None
    team_need: Optional[Dict[str, Any]] = None


@dataclass
class Consent:
    """A consent for one school year, ended early if it is withdrawn."""

    programme_id: str
    given_by: str
    valid_from: date
    valid_until: date
    withdrawn_on: Optional[date] = None

    def covers(self, day: date) -> bool:
        if self.withdrawn_on is not None and day >= self.withdrawn_on:
            return False
        return self.valid_from <= day <= self.valid_until


@dataclass
class Vetting:
    """The last background check recorded for a (mentor) person."""

    cleared: bool
    checked_on: date
    reference: Optional[str] = None


class Person(Aggregate):
    """Someone who takes part: an individual (mentor or mentee) or an organisation's team.

    A person may take part in several programmes, one :class:`Participation` per programme.
    ``personal`` (contacts, date of birth, guardian, team members) is None once the person is
    erased, or when the stream is replayed after erasure (the key to decrypt it is gone);
    after :meth:`erase` every command is refused.
    """

    stream_type = "person"

    def __init__(self, person_id: str) -> None:
        super().__init__(person_id)
        self.kind: Optional[str] = None  # INDIVIDUAL or TEAM
        self.personal: Optional[Dict[str, Any]] = None
        self.participations: Dict[str, Participation] = {}
        self.consents: List[Consent] = []
        self.vetting: Optional[Vetting] = None
        self.sensitive_needs: Dict[str, Dict[str, str]] = {}
        self.erased = False

    # --- commands -----------------------------------------------------------------------------

    def register(self, *, programme: Programme, role: str, profile: Mapping[str, Any],
                 now: datetime, personal: Optional[Mapping[str, Any]] = None,
                 sensitive_needs: Optional[Mapping[str, str]] = None) -> List[DomainEvent]:
        """Register as mentor, mentee or team in ``programme``.

        Refused (:class:`RuleBroken`) when the programme does not take this role, the person
        already takes part in it, the registration window is closed (mentees of a rolling
        programme excepted), the age at the programme's start is outside its limits, or a
        mentor is not of the programme's community. Invalid input (:class:`ValidationFailed`):
        personal data, a profile naming languages or areas the programme does not have, a
        team of the wrong size or without a leader, a minor without a guardian when a
        guardian's consent is required. Nobody is refused for want of a counterpart: mentors
        wait in the reserve register.

        The first registration of a person also emits ``PersonRegistered`` with the personal
        data; later ones may omit ``personal`` (changes given there emit ``ProfileUpdated``).
        """
        require_aware(now)
        self._refuse_if_erased()
        programme._require_exists()
        self._check_may_join(programme, role, now)
        today = programme.local_date(now)
        problems = _Problems()
        kind = TEAM if role == TEAM else INDIVIDUAL
        personal_given = None
        if personal is not None or not self.exists:
            personal_given = _read_personal(personal, kind, problems, partial=self.exists)
        facts = _read_profile(profile, programme, role, self.id, problems)
        problems.raise_if_any()
        whole_personal = {**(self.personal or {}), **(personal_given or {})}
        if self.exists and "date_of_birth" in (personal_given or {}) \
                and personal_given["date_of_birth"] != (self.personal or {}).get("date_of_birth"):
            raise ValidationFailed({"personal.date_of_birth": ["cannot be changed"]})

        participation: Dict[str, Any] = {"programme_id": programme.id,
                                         "registered_at": now.isoformat(), "profile": facts}
        if kind == TEAM:
            _check_team(whole_personal, programme, problems)
            participation.update(age_at_start=None, team_size=len(whole_personal["members"]))
        else:
            born = _parse_date(whole_personal["date_of_birth"])
            age = age_on(born, programme.start)
            self._check_age(role, age, programme)
            participation["age_at_start"] = age
            if role == MENTEE:
                consent_required = _consent_required(programme, born, today)
                minor = age_on(born, today) < programme.settings.rules.consent.age_of_majority
                if (consent_required or minor) and not whole_personal.get("guardian"):
                    problems.add("personal.guardian", "a guardian's name and contact are "
                                 "required: the guardian gives consent" if consent_required else
                                 "a guardian's name and contact are required for a minor")
                participation["consent_required"] = consent_required
        problems.raise_if_any()
        if role == MENTOR:
            self._check_community(facts, programme)

        events: List[DomainEvent] = []
        if not self.exists:
            events.append(self._event("PersonRegistered", {
                "kind": kind, "registered_at": now.isoformat(), "personal": personal_given}))
        else:
            changed = _changed(self.personal or {}, personal_given or {})
            if changed:
                events.append(self._event("ProfileUpdated", {
                    "programme_id": None, "profile": None, "changed": sorted(changed),
                    "updated_at": now.isoformat(), "personal": changed}))
        shared, hidden = public_profile(participation["profile"], programme, role)
        participation = {**participation, "profile": shared,
                         **({"personal": {PROFILE_AREAS: hidden}} if hidden is not None else {})}
        events.append(self._event(f"{role.capitalize()}Registered", participation))
        if sensitive_needs:
            events.append(self._sensitive_needs_event(programme, sensitive_needs, now))
        return events

    def give_consent(self, *, programme: Programme, given_by: str,
                     now: datetime) -> List[DomainEvent]:
        """Record a consent for a mentee of ``programme``.

        It covers the whole school year the programme starts in, so every programme of that
        school year is covered (seed 001: once per school year). Where a guardian must consent
        (``guardian_for_all``, or ``guardian_for_minors`` and the mentee is a minor) the
        mentee cannot consent for themself. Already covered: no event.
        """
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme.id)
        if participation.role == TEAM:
            raise RuleBroken("a team gives no consent", "programme_id")
        if given_by not in CONSENT_GIVERS:
            raise ValidationFailed({"given_by": [f"must be one of: {', '.join(CONSENT_GIVERS)}"]})
        if self.consent_valid(_consent_day(programme, now)):
            return []
        born = _parse_date((self.personal or {}).get("date_of_birth"))
        if given_by == "self" and born and _consent_required(programme, born,
                                                             programme.local_date(now)):
            raise RuleBroken("a guardian must give this consent", "given_by",
                             {"rule": programme.settings.rules.consent.rule})
        valid_from, valid_until = programme.school_year()
        return [self._event("ConsentGiven", {
            "programme_id": programme.id, "given_by": given_by,
            "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat(),
            "given_at": now.isoformat()})]

    def withdraw_consent(self, *, programme: Programme, now: datetime) -> List[DomainEvent]:
        """Withdraw the consent covering ``programme``: it no longer counts from today on."""
        require_aware(now)
        self._refuse_if_erased()
        day = _consent_day(programme, now)
        consent = next((c for c in self.consents if c.covers(day)), None)
        if consent is None:
            raise RuleBroken(f"no consent covers programme {programme.id}", "programme_id")
        return [self._event("ConsentWithdrawn", {
            "programme_id": programme.id, "valid_from": consent.valid_from.isoformat(),
            "withdrawn_on": programme.local_date(now).isoformat(),
            "withdrawn_at": now.isoformat()})]

    def complete_training(self, *, programme: Programme, completed_on: date,
                          now: datetime) -> List[DomainEvent]:
        """Record that a mentor attended the programme's training (seed 001: the seminar)."""
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme.id)
        if participation.role != MENTOR:
            raise RuleBroken("training is for mentors", "programme_id")
        if participation.training_completed_on:
            return []
        if completed_on > programme.local_date(now):
            raise RuleBroken("training cannot be completed in the future", "completed_on")
        return [self._event("TrainingCompleted", {
            "programme_id": programme.id, "completed_on": completed_on.isoformat(),
            "recorded_at": now.isoformat()})]

    def record_vetting(self, *, programme: Programme, cleared: bool, checked_on: date,
                       now: datetime, reference: Optional[str] = None) -> List[DomainEvent]:
        """Record a mentor's background check; it holds for the person, not one programme.

        ``reference`` (a certificate number) is personal; ``cleared`` is the fact matching
        needs. The event is ``internal``: it never reaches external subscribers.
        """
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme.id)
        if participation.role != MENTOR:
            raise RuleBroken("background checks are for mentors", "programme_id")
        if checked_on > programme.local_date(now):
            raise RuleBroken("a check cannot be dated in the future", "checked_on")
        return [self._event("VettingRecorded", {
            "programme_id": programme.id, "cleared": bool(cleared),
            "checked_on": checked_on.isoformat(), "recorded_at": now.isoformat(),
            "personal": {"reference": reference} if reference else None})]

    def set_team_need(self, *, programme: Programme, areas: List[str], now: datetime,
                      note: Optional[str] = None) -> List[DomainEvent]:
        """The coordinator sets a team's capacity-building need from the joint analysis
        (seed 003): the programme's areas a mentor must know, first the most important."""
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme.id)
        if participation.role != TEAM:
            raise RuleBroken("a capacity-building need is set for teams", "programme_id")
        problems = _Problems()
        reader = _Reader({"areas": areas, "note": note}, problems)
        area_ids = programme.area_ids
        areas = list(reader.texts("areas", required=True, check=lambda area: None
                                  if area in area_ids else "is not an area of this programme"))
        note = reader.text("note", max_length=2000)
        problems.raise_if_any()
        # the note is the coordinator's own words about the organisation and its people: it is
        # personal (encrypted with the team's key, gone with its erasure), the areas are not
        return [self._event("TeamNeedSet", {"programme_id": programme.id, "areas": areas,
                                            "set_at": now.isoformat(),
                                            "personal": {"note": note} if note else None})]

    def update_profile(self, *, now: datetime, programme: Optional[Programme] = None,
                       profile: Optional[Mapping[str, Any]] = None,
                       personal: Optional[Mapping[str, Any]] = None) -> List[DomainEvent]:
        """Change personal data and/or the profile of one participation.

        ``profile`` holds the changed profile fields, checked against ``programme`` like at
        registration; ``personal`` the changed personal fields (the date of birth, on which
        ages were measured, cannot change; a team's new members are checked against the size
        rules of ``programme`` when it is given). Nothing changed, no event.
        """
        require_aware(now)
        self._refuse_if_erased()
        self._require_exists()
        problems = _Problems()
        personal_changes: Dict[str, Any] = {}
        if personal:
            given = _read_personal(personal, self.kind, problems, partial=True)
            personal_changes = _changed(self.personal or {}, given)
        new_profile = None
        participation = None
        if profile:
            if programme is None:
                raise ValidationFailed({"programme_id": ["is required to change a profile"]})
            participation = self._active_participation(programme.id)
            new_profile = _read_profile({**participation.profile, **profile}, programme,
                                        participation.role, self.id, problems)
        problems.raise_if_any()
        if "date_of_birth" in personal_changes:
            raise ValidationFailed({"personal.date_of_birth": ["cannot be changed"]})
        if "guardian" in personal_changes and not personal_changes["guardian"] and any(
                p.active and p.consent_required for p in self.participations.values()):
            raise ValidationFailed({"personal.guardian": ["is required: a guardian consents "
                                                          "for this mentee"]})
        if self.kind == TEAM and "members" in personal_changes:
            if programme is None:
                raise ValidationFailed({"programme_id": [
                    "is required to change a team's members: their number and leaders are "
                    "checked against the programme's rules"]})
            _check_team(personal_changes, programme, problems)
            problems.raise_if_any()
        after = {**(self.personal or {}), **personal_changes}
        if personal_changes and not after.get("email") and not after.get("phone"):
            raise ValidationFailed({"personal.email": [
                "an e-mail address or a phone number is required: keep one of them"]})
        if new_profile is not None and participation.role == MENTOR:
            self._check_community(new_profile, programme)
        profile_changed = new_profile is not None and new_profile != participation.profile
        if not personal_changes and not profile_changed:
            return []
        changed = sorted(personal_changes) + (
            [key for key in PROFILE_FIELDS if new_profile.get(key) != participation.profile.get(key)]
            if profile_changed else [])
        shared, hidden = public_profile(new_profile, programme, participation.role) \
            if profile_changed else (None, None)
        personal_part = {**personal_changes, **({PROFILE_AREAS: hidden} if hidden is not None else {})}
        return [self._event("ProfileUpdated", {
            "programme_id": programme.id if profile_changed else None,
            "profile": shared,
            "changed": changed, "updated_at": now.isoformat(),
            "personal": personal_part or None})]

    def withdraw(self, *, programme_id: str, now: datetime,
                 reason: Optional[str] = None) -> List[DomainEvent]:
        """Leave a programme. The free-text reason is personal."""
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme_id)
        return [self._event("ParticipantWithdrew", {
            "programme_id": programme_id, "role": participation.role,
            "withdrawn_at": now.isoformat(),
            "personal": {"reason": reason} if reason else None})]

    def record_sensitive_needs(self, *, programme: Programme, needs: Mapping[str, str],
                               now: datetime) -> List[DomainEvent]:
        """Record sensitive facts (disability, social risk, addiction: seeds 000, 002) that
        the programme's coordinator needs. They go only under ``personal`` of the *private*
        ``SensitiveNeedsRecorded`` event: stored, never published."""
        require_aware(now)
        self._refuse_if_erased()
        self._active_participation(programme.id)
        return [self._sensitive_needs_event(programme, needs, now)]

    def _sensitive_needs_event(self, programme: Programme, needs: Mapping[str, str],
                               now: datetime) -> DomainEvent:
        problems = _Problems()
        reader = _Reader(needs, problems, "sensitive_needs")
        facts = {kind: reader.text(kind, max_length=2000) for kind in SENSITIVE_NEEDS}
        reader.finish()
        problems.raise_if_any()
        facts = {kind: text for kind, text in facts.items() if text}
        if not facts:
            raise ValidationFailed({"sensitive_needs": ["must name at least one need"]})
        return self._event("SensitiveNeedsRecorded", {
            "programme_id": programme.id, "recorded_at": now.isoformat(),
            "personal": {"needs": facts}})

    def erase(self, *, now: datetime) -> List[DomainEvent]:
        """Erase the person on request (GDPR). The plumbing deletes their encryption key, so
        every ``personal`` of their history becomes unreadable; the history itself stays.
        The person leaves every programme they were in."""
        require_aware(now)
        self._require_exists()
        self._refuse_if_erased()
        return [self._event("PersonErased", {
            "erased_at": now.isoformat(),
            "programme_ids": sorted(pid for pid, p in self.participations.items() if p.active)})]

    # --- queries ------------------------------------------------------------------------------

    def consent_valid(self, on: date) -> bool:
        """Whether a consent covers ``on`` (a consent covers its whole school year)."""
        return any(consent.covers(on) for consent in self.consents)

    def consent_missing(self, programme: Programme, on: date) -> bool:
        """Whether this mentee lacks a consent they need to take part in ``programme`` on
        ``on`` (a day before the programme's start counts as its start)."""
        participation = self.participations.get(programme.id)
        return bool(participation and participation.active and participation.consent_required
                    and not self.consent_valid(max(on, programme.start)))

    def takes_part_in(self, programme_id: str) -> bool:
        participation = self.participations.get(programme_id)
        return bool(participation and participation.active)

    # --- rules --------------------------------------------------------------------------------

    def _refuse_if_erased(self) -> None:
        if self.erased:
            raise RuleBroken(f"person {self.id} has been erased")

    def _active_participation(self, programme_id: str) -> Participation:
        participation = self.participations.get(programme_id)
        if participation is None or not participation.active:
            raise RuleBroken(f"person {self.id} does not take part in programme {programme_id}",
                             "programme_id")
        return participation

    def _check_may_join(self, programme: Programme, role: str, now: datetime) -> None:
        if role not in ROLES:
            raise ValidationFailed({"role": [f"must be one of: {', '.join(ROLES)}"]})
        if not programme.accepts(role):
            raise RuleBroken(f"programme {programme.id} does not take {role}s "
                             f"(its participants are: {programme.settings.participant_kind})", "role")
        if self.exists and (self.kind == TEAM) != (role == TEAM):
            who = "a team" if self.kind == TEAM else "an individual"
            raise RuleBroken(f"{who} cannot register as {role}", "role")
        current = self.participations.get(programme.id)
        if current is not None and current.active:
            raise RuleBroken(f"already takes part in programme {programme.id} as {current.role}",
                             "programme_id")
        refusal = programme.registration_refusal(role, now)
        if refusal:
            raise RuleBroken(refusal, "role")

    @staticmethod
    def _check_age(role: str, age: int, programme: Programme) -> None:
        """Ages are measured on the day meetings start (seed 000: mentors 20+; seed 001:
        pupils 15-18; seed 002: 16-24)."""
        people = programme.settings.people
        low, high = getattr(people, f"{role}_min_age"), getattr(people, f"{role}_max_age")
        on = programme.start.isoformat()
        if low is not None and age < low or high is not None and age > high:
            limit = (f"{low}-{high}" if low is not None and high is not None
                     else f"at least {low}" if low is not None else f"at most {high}")
            raise RuleBroken(f"{role}s of this programme must be {limit} years old when it "
                             f"starts on {on}; this {role} will be {age}",
                             "personal.date_of_birth",
                             {"age": age, "minimum": low, "maximum": high, "measured_on": on})

    @staticmethod
    def _check_community(profile: Mapping[str, Any], programme: Programme) -> None:
        """Seed 001: mentors are of the school's community (alumni and pupils' parents)."""
        accepted = programme.settings.people.mentor_communities
        if accepted and not set(profile.get("community") or ()) & set(accepted):
            raise RuleBroken(f"mentors of this programme belong to its community "
                             f"({', '.join(accepted)})", "profile.community",
                             {"accepted": list(accepted)})

    # --- folding ------------------------------------------------------------------------------

    def _on_PersonRegistered(self, payload: Mapping[str, Any]) -> None:
        self.kind = payload["kind"]
        self.personal = dict(payload["personal"]) if payload.get("personal") else None

    def _on_participant_registered(self, role: str, payload: Mapping[str, Any]) -> None:
        self.participations[payload["programme_id"]] = Participation(
            programme_id=payload["programme_id"], role=role,
            registered_at=payload["registered_at"],
            profile=with_hidden_areas(payload["profile"], payload.get("personal")),
            age_at_start=payload.get("age_at_start"),
            consent_required=payload.get("consent_required", False),
            team_size=payload.get("team_size"))

    def _on_MentorRegistered(self, payload: Mapping[str, Any]) -> None:
        self._on_participant_registered(MENTOR, payload)

    def _on_MenteeRegistered(self, payload: Mapping[str, Any]) -> None:
        self._on_participant_registered(MENTEE, payload)

    def _on_TeamRegistered(self, payload: Mapping[str, Any]) -> None:
        self._on_participant_registered(TEAM, payload)

    def _on_ProfileUpdated(self, payload: Mapping[str, Any]) -> None:
        personal = {k: v for k, v in (payload.get("personal") or {}).items() if k != PROFILE_AREAS}
        if personal and self.personal is not None:
            self.personal.update(personal)
        if payload.get("programme_id") and payload.get("profile") is not None:
            self.participations[payload["programme_id"]].profile = with_hidden_areas(
                payload["profile"], payload.get("personal"))

    def _on_TeamNeedSet(self, payload: Mapping[str, Any]) -> None:
        self.participations[payload["programme_id"]].team_need = {
            "areas": list(payload["areas"]), "note": (payload.get("personal") or {}).get("note")}

    def _on_ConsentGiven(self, payload: Mapping[str, Any]) -> None:
        self.consents.append(Consent(payload["programme_id"], payload["given_by"],
                                     _parse_date(payload["valid_from"]),
                                     _parse_date(payload["valid_until"])))

    def _on_ConsentWithdrawn(self, payload: Mapping[str, Any]) -> None:
        withdrawn_on = _parse_date(payload["withdrawn_on"])
        for consent in self.consents:
            if consent.valid_from.isoformat() == payload["valid_from"] and not consent.withdrawn_on:
                consent.withdrawn_on = withdrawn_on

    def _on_TrainingCompleted(self, payload: Mapping[str, Any]) -> None:
        self.participations[payload["programme_id"]].training_completed_on = \
            _parse_date(payload["completed_on"])

    def _on_VettingRecorded(self, payload: Mapping[str, Any]) -> None:
        self.vetting = Vetting(payload["cleared"], _parse_date(payload["checked_on"]),
                               (payload.get("personal") or {}).get("reference"))

    def _on_SensitiveNeedsRecorded(self, payload: Mapping[str, Any]) -> None:
        if payload.get("personal"):
            self.sensitive_needs[payload["programme_id"]] = dict(payload["personal"]["needs"])

    def _on_ParticipantWithdrew(self, payload: Mapping[str, Any]) -> None:
        self.participations[payload["programme_id"]].active = False

    def _on_PersonErased(self, payload: Mapping[str, Any]) -> None:
        self.erased = True
        self.personal = None
        self.sensitive_needs = {}
        if self.vetting is not None:
            self.vetting.reference = None
        for participation in self.participations.values():
            participation.active = False


def _consent_required(programme: Programme, date_of_birth: date, today: date) -> bool:
    """Whether a mentee's taking part needs a guardian's consent: always under
    ``guardian_for_all``; under ``guardian_for_minors`` if they are a minor on the day they
    join or on the programme's start, whichever comes first."""
    rule = programme.settings.rules.consent
    if rule.rule == "guardian_for_all":
        return True
    if rule.rule == "guardian_for_minors":
        return age_on(date_of_birth, min(today, programme.start)) < rule.age_of_majority
    return False


def _consent_day(programme: Programme, now: datetime) -> date:
    """The day a consent must cover for ``programme`` at ``now``: today, or the programme's
    start if that is still to come."""
    return max(programme.local_date(now), programme.start)


def _changed(current: Mapping[str, Any], given: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in given.items() if current.get(key) != value}
