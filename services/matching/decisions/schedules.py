"""Scheduled matching: a programme's dated jobs (its cohort round, the opening of its
matching window) kept in step with its settings, and what each job does when it is due.
Jobs run on the injected clock, claimed by one replica (:mod:`services.platform_core.scheduler`)."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Dict, Optional
from zoneinfo import ZoneInfo

from services.platform_core.scheduler import cancel as cancel_job
from services.platform_core.scheduler import list_jobs
from services.platform_core.scheduler import schedule as schedule_job

from ..programme_state import day_of
from .coordinator import run_round
from .placement import refill
from .unit_of_work import UnitOfWork

#: the scheduled cohort round of a programme (key: ``<programme id>@<date>``)
ROUND_JOB = "matching-round"
#: the day a programme's matching window opens (key: ``<programme id>@<date>``)
OPENING_JOB = "matching-opens"


def schedule_dates(uow: UnitOfWork, programme_id: str) -> Dict[str, Optional[datetime]]:
    """Keep the programme's dated jobs in step with its settings (created, updated,
    cloned): the cohort round at the start of ``dates.matching_round`` and the opening of
    matching at the start of ``dates.matching_opens``, in the programme's time zone; a
    job of another date that has not run is cancelled. Returns the due times by job."""
    programme = uow.programme(programme_id)
    if programme is None:
        return {}
    dates = programme["settings"].get("dates") or {}
    return {kind: _schedule_on(uow, programme, kind, dates.get(setting))
            for kind, setting in ((ROUND_JOB, "matching_round"), (OPENING_JOB, "matching_opens"))}


def _schedule_on(uow: UnitOfWork, programme: Dict[str, Any], kind: str,
                 value: Optional[str]) -> Optional[datetime]:
    programme_id = programme["programme_id"]
    day = day_of(value)
    key = _job_key(programme_id, day) if day else None
    for job in list_jobs(uow.tx, kind=kind, pending_only=True):
        if job.key.startswith(f"{programme_id}@") and job.key != key:
            cancel_job(uow.tx, kind, job.key)
    if day is None:
        return None
    due = datetime.combine(day, time(0), ZoneInfo(programme["time_zone"]))
    schedule_job(uow.tx, kind=kind, key=_job_key(programme_id, day), due_at=due,
                 payload={"programme_id": programme_id, "date": day.isoformat()})
    return due


def _job_key(programme_id: str, day: date) -> str:
    return f"{programme_id}@{day.isoformat()}"


def _dated(uow: UnitOfWork, programme_id: str, setting: str, day: str) -> Optional[Dict[str, Any]]:
    """The programme, if its ``dates.<setting>`` is still ``day`` (else the job is stale)."""
    programme = uow.programme(programme_id)
    if programme is None or (programme["settings"].get("dates") or {}).get(setting) != day:
        return None
    return programme


def matching_opened(uow: UnitOfWork, programme_id: str, day: str) -> None:
    """The opening job: the matching window opens today; those who waited for it are
    matched (in mentee-chooses mode, offered their shortlists), unless the date moved."""
    if _dated(uow, programme_id, "matching_opens", day) is None:
        return
    refill(uow, programme_id)


def scheduled_round(uow: UnitOfWork, programme_id: str, day: str) -> Optional[Dict[str, Any]]:
    """The round job: the cohort round of the programme (in mentee-chooses mode, fresh
    shortlists for everyone waiting), unless the programme moved its round date."""
    programme = _dated(uow, programme_id, "matching_round", day)
    if programme is None:
        return None
    if programme["mode"] == "mentee_chooses":
        refill(uow, programme_id)
        return None
    return run_round(uow, programme_id)
