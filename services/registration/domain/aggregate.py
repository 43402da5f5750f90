"""Registration's refusals on top of the platform's aggregate base."""
from __future__ import annotations

from services.platform_core.aggregate import Aggregate as PlatformAggregate

from .errors import RuleBroken


class Aggregate(PlatformAggregate):
    """The platform's aggregate (:mod:`services.platform_core.aggregate`), whose commands
    refuse with registration's :class:`RuleBroken` (HTTP 422)."""

    def _require_exists(self) -> None:
        if not self.exists:
            raise RuleBroken(f"{self.stream_type} {self.id} does not exist")

    def _require_new(self) -> None:
        if self.exists:
            raise RuleBroken(f"{self.stream_type} {self.id} already exists")
