"""Telling a failure of the infrastructure from a failure of the work itself.

The platform waits out and retries what the infrastructure did (a database that cannot be
reached, a connection terminated under a transaction, a lock wait broken by a deadlock, the
broker gone) and counts towards dead letters or answers 4xx only what the event or request
itself did (bad data, a broken rule, a bug). One function decides which is which, so the
consumer, the scheduler and the HTTP layer agree:

* **infrastructure**: SQLAlchemy's ``OperationalError`` and ``InterfaceError`` on
  PostgreSQL (connection refused or lost, ``terminating connection due to administrator
  command``, the server starting up or shutting down, a deadlock or serialization failure,
  a statement cancelled), any error SQLAlchemy marks ``connection_invalidated``, the pool's
  ``TimeoutError``, a commit whose outcome is unknown (:class:`CommitOutcomeUnknown`), and
  the socket and AMQP errors of an unreachable broker; on SQLite only a database that is
  locked, busy or cannot be opened (its ``OperationalError`` also reports a missing table,
  which is a bug).
* everything else is the work's own failure.
"""
from __future__ import annotations

import errno
import socket
from typing import Optional

from sqlalchemy import exc as sa_exc

#: SQLite's OperationalError messages that are about the moment, not about the statement
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "busy",
                     "unable to open database", "disk i/o error")


class CommitOutcomeUnknown(Exception):
    """The connection was lost while COMMIT was under way: the transaction may or may not
    have been committed. Nothing in memory may assume either."""

    def __init__(self, cause: BaseException):
        super().__init__(f"the database connection was lost during COMMIT, so whether the "
                         f"transaction was committed is unknown ({type(cause).__name__}: "
                         f"{str(cause).strip().splitlines()[0] if str(cause).strip() else ''})")
        self.cause = cause


def is_infrastructure_failure(exc: BaseException) -> bool:
    """True when ``exc`` is the infrastructure failing, not the work (see the module)."""
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _infrastructure(current):
            return True
        current = current.__cause__ or (current.__context__ if not current.__suppress_context__ else None)
    return False


def _infrastructure(exc: BaseException) -> bool:
    if isinstance(exc, CommitOutcomeUnknown):
        return True
    if isinstance(exc, sa_exc.TimeoutError):  # no connection free in the pool in time
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        dialect_module = type(exc.orig).__module__ if exc.orig is not None else ""
        if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            if dialect_module.startswith("sqlite3"):
                message = str(exc.orig).lower()
                return any(part in message for part in _SQLITE_TRANSIENT)
            return True
        return False
    if isinstance(exc, sa_exc.ResourceClosedError) or isinstance(exc, sa_exc.PendingRollbackError):
        return True  # a connection that died under a transaction in flight
    if isinstance(exc, (ConnectionError, socket.timeout, socket.gaierror, TimeoutError)):
        return True
    try:
        import amqp.exceptions

        if isinstance(exc, (amqp.exceptions.ConnectionError, amqp.exceptions.RecoverableConnectionError)):
            return True
    except ImportError:  # pragma: no cover - amqp is a dependency
        pass
    return isinstance(exc, OSError) and exc.errno in _NETWORK_ERRNOS


_NETWORK_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE,
                   errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.ETIMEDOUT,
                   errno.ENOTCONN, errno.ESHUTDOWN}
