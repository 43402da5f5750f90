"""A cohort round asked with ``Prefer: respond-async`` (:mod:`..domain.asked_rounds`): asked in
the request's transaction, run afterwards as a scheduled job of its own.

* :func:`ask` appends ``RoundRequested`` (its ``match_asked_rounds`` row: running) and stores
  the job ``matching-asked-round``/<round id>, due now, in the same transaction: the request
  answers 202 once both have committed, and the service then runs the job at once in a
  managed thread (``Scheduler.run_soon_after``).
* :func:`run` (the job) runs the round in the job's transaction (:func:`.coordinator.run_round`,
  with the round id given when it was asked) and records what it did, or records why it could
  not run (the programme's mode, its settings, the programme gone): the round, its record and
  the job's completion commit together or not at all.
* A replica that dies while the round runs leaves nothing of it behind; its claim of the job
  expires (``SCHEDULER_CLAIM_SECONDS``; renewed while the replica lives) and a replica runs
  the round again: an asked round is **re-run**, never lost or run twice. A round failing on
  our side is retried by the scheduler and, after ``SCHEDULER_MAX_ATTEMPTS``, read as failed.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict

from services.platform_core.envelope import Actor
from services.platform_core.scheduler import schedule

from ..domain.asked_rounds import RUNNING, AskedRound
from ..domain.pairing import ROUND
from ..programme_state import SettingsUnusable
from .coordinator import refuse_without_rounds, run_round
from .errors import NotFoundError, RuleFailed
from .unit_of_work import UnitOfWork

#: the job that runs an asked round (key: the round id)
ASKED_ROUND_JOB = "matching-asked-round"


def ask(uow: UnitOfWork, programme: Dict[str, Any]) -> str:
    """A coordinator asks for ``programme``'s cohort round, to be run after the answer: its id.
    A programme without rounds is refused now (422), as a synchronous round would be."""
    refuse_without_rounds(programme["mode"])
    round_id = str(uuid.uuid4())
    uow.append(AskedRound(round_id).request(programme["programme_id"], now=uow.now), {(ROUND, round_id): 0})
    schedule(uow.tx, kind=ASKED_ROUND_JOB, key=round_id, due_at=uow.now,
             payload={"programme_id": programme["programme_id"], "round_id": round_id,
                      "actor": uow.actor.as_dict()})
    return round_id


def actor_of(payload: Dict[str, Any]) -> Actor:
    """Who asked for the round (its events name them, as a synchronous round's do)."""
    actor = payload.get("actor") or {}
    return Actor(actor.get("kind", "system"), actor.get("id"))


def run(uow: UnitOfWork, round_id: str) -> None:
    """The job: run the asked round and record what it did, or why it could not run."""
    asked = uow.load(ROUND, AskedRound, round_id)
    if asked.status != RUNNING or asked.programme_id is None:
        return  # ended already: nothing to do
    try:
        summary = run_round(uow, asked.programme_id, round_id=round_id, round_version=asked.version)
    except RuleFailed as exc:  # each raised before the round wrote anything
        _failed(uow, asked, exc.message, exc.failures[0] if exc.failures else "rule_broken")
        return
    except SettingsUnusable as exc:
        _failed(uow, asked, str(exc), "programme_settings_unusable")
        return
    except NotFoundError as exc:
        _failed(uow, asked, str(exc), "programme_not_found")
        return
    uow.append(asked.record(summary, now=uow.now), {(ROUND, round_id): asked.version + 1})


def _failed(uow: UnitOfWork, asked: AskedRound, reason: str, code: str) -> None:
    uow.append(asked.fail(reason, code, now=uow.now), {(ROUND, asked.id): asked.version})
