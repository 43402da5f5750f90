"""``Idempotency-Key``: a POST repeated with the same key creates nothing twice.

A school system that times out and sends its registration again must not register the
pupil twice. Every POST of every service accepts an ``Idempotency-Key`` header (1-200
printable ASCII characters, e.g. a UUID the client made for this one request):

* The key is *claimed* inside the transaction that changes something (the first append of
  the request: :meth:`StoreTransaction.append` calls :func:`claim_in`), and that
  transaction's COMMIT waits until the handler has returned its answer, which is written
  into the claim in the same transaction (``ApiEndpoint.handle_result``). So the change, the
  claim and the answer commit together or not at all; a request that changes nothing claims
  nothing. (A handler therefore changes things in one transaction, its last.)
* A repeat with the same key, the same caller (``Authorization``), the same method, address
  and body gets that answer again, with ``Idempotent-Replayed: true``, and runs nothing —
  also after a ``503 outcome_unknown`` whose COMMIT did go through.
* The same key with another body is refused (422); a key whose twin request is still
  running answers 409.
* Keys are kept ``IDEMPOTENCY_KEEP_HOURS`` (24), then forgotten.

The claim travels from the web layer to the store in a green-thread local set by the
``Store`` dependency for the worker that runs the request (:func:`entered`).
"""
from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .store import ALL_TENANTS, EventStore, PendingCommit, StoreTransaction, idempotency_table

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP_HOURS = 24.0
_local = threading.local()  # green-thread local once eventlet has patched threading


class KeyInUse(Exception):
    """Another request claimed the same key first (it committed its change)."""


@dataclass
class Claim:
    scope: str         # the key, the caller, the method and the address, hashed
    fingerprint: str   # the body, hashed
    tenant_id: Optional[str] = None  # set once claimed in a transaction
    pending: Optional[PendingCommit] = None  # that transaction, waiting for the answer

    @property
    def claimed(self) -> bool:
        return self.tenant_id is not None

    def defer(self, pending: PendingCommit) -> None:
        self.pending = pending

    def finish(self, status: Optional[int], body: Optional[str]) -> None:
        """COMMIT the claiming transaction with the answer in it (``status`` None: the
        handler failed after it; roll it back). Raises what COMMIT raised."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        if status is None:
            pending.rollback()
            return

        def answer(conn) -> None:
            conn.execute(update(idempotency_table).where(
                idempotency_table.c.scope == self.scope).values(status=status, body=body))

        pending.commit(before=answer)


def key_problem(key: str) -> Optional[str]:
    if not 1 <= len(key) <= 200 or not all(32 < ord(c) < 127 for c in key):
        return "must be 1 to 200 printable ASCII characters without spaces, e.g. a UUID"
    return None


def claim_for(request, key: str) -> Claim:
    parts = [request.method, request.full_path, request.headers.get("Authorization", ""), key]
    scope = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    fingerprint = hashlib.sha256(request.get_data(cache=True)).hexdigest()
    return Claim(scope=scope, fingerprint=fingerprint)


# -- the claim of the request a worker runs -------------------------------------------------

def entered(claim: Optional[Claim]) -> None:
    _local.claim = claim


def current() -> Optional[Claim]:
    return getattr(_local, "claim", None)


def claim_in(tx: StoreTransaction, tenant_id: str) -> None:
    """Claim the current request's key in ``tx`` (once per request)."""
    claim = current()
    if claim is None or claim.claimed:
        return
    try:
        tx.conn.execute(insert(idempotency_table).values(
            scope=claim.scope, tenant_id=tenant_id, fingerprint=claim.fingerprint,
            created_at=datetime.now(timezone.utc)))
    except IntegrityError:
        raise KeyInUse("a request with this Idempotency-Key was carried out already") from None
    claim.tenant_id = tenant_id
    tx.answered_by = claim  # its COMMIT waits for the answer (EventStore.transaction)

    def unclaimed() -> None:  # the change did not commit: neither did the claim
        claim.tenant_id = None

    tx.on_rollback(unclaimed)


# -- before and after the request -----------------------------------------------------------

def lookup(store: EventStore, claim: Claim, keep_hours: float = KEEP_HOURS):
    """The row of an earlier request with the same scope (None: none, or forgotten)."""
    since = datetime.now(timezone.utc) - timedelta(hours=keep_hours)
    with store.transaction(ALL_TENANTS) as tx:
        row = tx.conn.execute(select(idempotency_table).where(
            idempotency_table.c.scope == claim.scope,
            idempotency_table.c.created_at >= since)).mappings().first()
        if random.random() < 0.002:  # now and then, forget the old keys
            tx.conn.execute(delete(idempotency_table).where(idempotency_table.c.created_at < since))
    return dict(row) if row else None


