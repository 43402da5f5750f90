"""The tenant: an organisation running programmes, its time zone and its API key."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any, List, Mapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.platform_core.events import DomainEvent

from .aggregate import Aggregate
from .days import require_aware
from .errors import RuleBroken
from .reading import _Problems, _Reader
from .vocabulary import KEY_ID, SUPPORTED_LANGUAGES, TENANT_KINDS, TENANT_SLUG


def hash_api_key(api_key: str) -> str:
    """The only form in which a tenant's API key is kept: its SHA-256, hex."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


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
