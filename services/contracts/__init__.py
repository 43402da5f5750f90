"""The platform's published language: the payload schemas of every event that leaves a service.

One module per producing service (:mod:`.registration`, :mod:`.matching`, :mod:`.sessions`,
:mod:`.notifications`) holds the marshmallow schema of each public and internal event payload
and registers it in the platform's event catalogue (event type, version, stream type, visibility,
producing service). Producers, consumers and external systems import these modules; nothing
here imports a service, only marshmallow and :mod:`services.platform_core` (the wall is ``tests/test_import_wall.py``).

Private events (stored, never published) are no contract: their schemas stay in the service
that keeps them. ``mentoring catalogue`` turns the catalogue into ``docs/events.md``, a JSON
Schema per event type and version (``docs/contracts/events/``) and an AsyncAPI document
(``docs/contracts/asyncapi.yaml``).

Importing the package registers every contract, so whoever imports one knows them all.
"""
from . import matching, notifications, registration, sessions  # noqa: F401

__all__ = ["matching", "notifications", "registration", "sessions"]
