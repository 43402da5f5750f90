"""Reading input: every problem collected under its dotted path.

:class:`_Reader` reads one object of input (HTTP input or a stored payload alike) and adds
each problem to a :class:`_Problems`, which raises :class:`ValidationFailed` naming them all.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, overload

from .days import EARLIEST_DAY, LATEST_DAY, _parse_day
from .errors import ValidationFailed
from .vocabulary import ISO_639_1


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

    @overload
    def text(self, key: str, *, required: bool = False, default: str,
             max_length: int = 200, choices: Iterable[str] = (), check: Optional[Check] = None
             ) -> str: ...

    @overload
    def text(self, key: str, *, required: bool = False, default: None = None,
             max_length: int = 200, choices: Iterable[str] = (), check: Optional[Check] = None
             ) -> Optional[str]: ...

    def text(self, key: str, *, required: bool = False, default: Optional[str] = None,
             max_length: int = 200, choices: Iterable[str] = (), check: Optional[Check] = None
             ) -> Optional[str]:
        """A string, stripped; missing or invalid: ``default`` (a problem added if invalid)."""
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

    @overload
    def integer(self, key: str, *, required: bool = False, default: int,
                minimum: Optional[int] = None, maximum: Optional[int] = None) -> int: ...

    @overload
    def integer(self, key: str, *, required: bool = False, default: None = None,
                minimum: Optional[int] = None, maximum: Optional[int] = None) -> Optional[int]: ...

    def integer(self, key: str, *, required: bool = False, default: Optional[int] = None,
                minimum: Optional[int] = None, maximum: Optional[int] = None) -> Optional[int]:
        """A whole number; missing or invalid: ``default`` (a problem added if invalid)."""
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
            day = _parse_day(value)
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
