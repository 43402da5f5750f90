"""Progress reports and the daily watch, from each pair's kept tally (``read_model.PROGRESS``):
its latest version recorded by the moment asked for, measured at that moment by the domain
(:func:`~.domain.progress_of`). So a report ``as_of`` a past moment says what was known then,
reading one row a pair, and every figure can be rebuilt from the events.

A pair whose tally was counted in another time zone than the programme's now (its time zone
changed since) is measured from its events recorded up to the moment instead, folded by the
domain (:func:`~.domain.fold`, :func:`~.domain.pair_progress`): the same figures, slower."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select

from services.platform_core.events import DomainEvent
from services.platform_core.store import StoreTransaction, events_table

from . import read_model, surveys
from .domain import (
    ANALYSIS_MEETING,
    PAIR_WATCH,
    PairHistory,
    PairingFacts,
    PairTally,
    PairWatch,
    ProgrammeRules,
    analysis_summary,
    assessment,
    days_to_introduction,
    fold,
    fold_analysis,
    meetings_per_month,
    programme_summary,
    progress_of,
    tally_of,
    waiting_summary,
    waits,
)
from .domain.waiting import Wait


def histories(tx: StoreTransaction, pairing_ids: List[str], as_of: datetime) -> Dict[str, PairHistory]:
    """What sessions recorded about these pairings, up to ``as_of``."""
    streams = read_model.stream_ids(tx.conn, pairing_ids)
    positions: List[int] = []
    for stream_type, ids in streams.items():
        for start in range(0, len(ids), 500):
            positions += tx.conn.execute(select(events_table.c.global_position).where(
                events_table.c.tenant_id == tx.tenant_id, events_table.c.stream_type == stream_type,
                events_table.c.stream_id.in_(ids[start:start + 500]),
                events_table.c.occurred_at <= as_of)).scalars()
    return fold(tx.read_positions(sorted(positions))) if positions else {}


def pair_tallies(tx: StoreTransaction, pairs: List[PairingFacts], rules: ProgrammeRules,
                 as_of: datetime) -> Dict[str, PairTally]:
    """Each pair's tally as of ``as_of``, in the rules' time zone (kept, or folded from its events)."""
    kept = read_model.tallies(tx.conn, tx.tenant_id, [p.pairing_id for p in pairs], as_of)
    other_zone = [p.pairing_id for p in pairs if p.pairing_id in kept
                  and kept[p.pairing_id].time_zone != rules.time_zone]
    for pairing_id, history in (histories(tx, other_zone, as_of) if other_zone else {}).items():
        kept[pairing_id] = tally_of(history, rules.time_zone, as_of)
    empty = PairTally(rules.time_zone)
    return {p.pairing_id: kept.get(p.pairing_id, empty) for p in pairs}


def pair_report(tx: StoreTransaction, pairing: PairingFacts, rules: ProgrammeRules,
                as_of: datetime) -> Dict[str, Any]:
    tally = pair_tallies(tx, [pairing], rules, as_of)[pairing.pairing_id]
    rows = with_analysis(tx, pairing.programme_id, [progress_of(pairing, tally, rules, as_of)], as_of)
    return surveys.with_pair_surveys(tx, rows, as_of)[0][0]


def programme_report(tx: StoreTransaction, programme_id: str, rules: ProgrammeRules,
                     as_of: datetime) -> Dict[str, Any]:
    pairs = [p for p in read_model.programme_pairings(tx.conn, tx.tenant_id, programme_id)
             if p.confirmed_at is not None and p.confirmed_at <= as_of]
    found = pair_tallies(tx, pairs, rules, as_of)
    rows = [progress_of(p, found[p.pairing_id], rules, as_of) for p in pairs]
    rows, scores = surveys.with_pair_surveys(tx, with_analysis(tx, programme_id, rows, as_of), as_of)
    waiting, introduced = programme_waits(tx, programme_id, as_of)
    return {"programme_id": programme_id, "as_of": as_of.isoformat(), "summary": programme_summary(rows),
            "waiting": waiting_summary(waiting, introduced), "meetings_per_month": meetings_per_month(rows),
            "analysis": teams_analysis(tx, programme_id, as_of), "surveys": scores, "pairs": rows}


def tenant_report(tx: StoreTransaction, as_of: datetime) -> Dict[str, Any]:
    """Every programme of the tenant, with its summary as in its programme report, and the
    tenant's totals (the same summary over all its pairs)."""
    programmes, every_pair = [], []
    every_wait: List[Wait] = []
    every_introduction: List[int] = []
    analysis = {"teams": 0, "meetings": 0, "hours": 0.0}
    for programme_id in sorted(read_model.programme_ids(tx.conn, tx.tenant_id)):
        rules = read_model.programme_rules_as_of(tx.conn, tx.tenant_id, programme_id, as_of)
        if rules is None:
            continue
        report = programme_report(tx, programme_id, rules, as_of)
        programmes.append({"programme_id": programme_id, "summary": report["summary"],
                           "waiting": report["waiting"]})
        every_pair += report["pairs"]
        waiting, introduced = programme_waits(tx, programme_id, as_of)
        every_wait += waiting
        every_introduction += introduced
        analysis = {k: analysis[k] + report["analysis"][k] for k in analysis}
    return {"tenant_id": tx.tenant_id, "as_of": as_of.isoformat(), "programmes": programmes,
            "totals": programme_summary(every_pair), "waiting": waiting_summary(every_wait, every_introduction),
            "meetings_per_month": meetings_per_month(every_pair),
            "analysis": {**analysis, "hours": round(analysis["hours"], 2)}}


# -- who waits, and a team's analysis meetings ---------------------------------------------------

def programme_waits(tx: StoreTransaction, programme_id: str, as_of: datetime) -> Tuple[List[Wait], List[int]]:
    """Who waits in the programme at ``as_of``, and the days those introduced by then waited."""
    taking_part = read_model.participations(tx.conn, tx.tenant_id, programme_id)
    paired = read_model.pairings_by_mentee(tx.conn, tx.tenant_id, programme_id)
    said = read_model.waitlisted_by_mentee(tx.conn, tx.tenant_id, programme_id)
    return waits(taking_part, paired, said, as_of), days_to_introduction(taking_part, paired, as_of)


def analysis_meetings(tx: StoreTransaction, programme_id: str, as_of: datetime,
                      team_ids: Optional[List[str]] = None) -> Dict[str, list]:
    """The teams' analysis meetings as recorded up to ``as_of``, by team id."""
    ids = read_model.analysis_meeting_ids(tx.conn, tx.tenant_id, programme_id, team_ids)
    positions: List[int] = []
    for start in range(0, len(ids), 500):
        positions += tx.conn.execute(select(events_table.c.global_position).where(
            events_table.c.tenant_id == tx.tenant_id, events_table.c.stream_type == ANALYSIS_MEETING,
            events_table.c.stream_id.in_(ids[start:start + 500]), events_table.c.occurred_at <= as_of)).scalars()
    return fold_analysis(tx.read_positions(sorted(positions))) if positions else {}


def with_analysis(tx: StoreTransaction, programme_id: str, rows: List[Dict[str, Any]],
                  as_of: datetime) -> List[Dict[str, Any]]:
    """Each pair's row with its team's analysis meetings before the pairing (``analysis``; null
    for an individual mentee): shown apart, they do not count towards the pair's cadence."""
    teams = {p.person_id for p in read_model.participations(tx.conn, tx.tenant_id, programme_id, ("team",))}
    paired_teams = sorted({row["mentee_id"] for row in rows} & teams)
    found = analysis_meetings(tx, programme_id, as_of, paired_teams) if paired_teams else {}
    for row in rows:  # rows made for this answer: completed in place
        team = row["mentee_id"]
        row["analysis"] = analysis_summary(found.get(team, []), as_of) if team in teams else None
    return rows


def teams_analysis(tx: StoreTransaction, programme_id: str, as_of: datetime) -> Dict[str, Any]:
    """The programme's analysis meetings up to ``as_of``: teams met, meetings, hours."""
    summaries = [analysis_summary(meetings, as_of) for meetings in analysis_meetings(tx, programme_id, as_of).values()]
    return {"teams": sum(1 for s in summaries if s["meetings"]), "meetings": sum(s["meetings"] for s in summaries),
            "hours": round(sum(s["hours"] for s in summaries), 2)}


PAIR_COLUMNS = ("pairing_id", "mentor_id", "mentee_id", "pairing_status", "status", "at_risk_reasons",
                "meetings", "hours", "in_person", "remote", "disputed", "towards_cadence_last_30_days",
                "days_since_last_meeting", "days_to_first_meeting", "goals_open", "goals_reached",
                "goals_dropped", "final_review_recorded", "end_reason", "ended_by", "match_days",
                "match_months", "analysis_meetings")
MONTH_COLUMNS = ("month", "meetings", "towards_cadence", "minutes", "partial", "min_per_month", "met")


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return "" if value is None else value


def _csv(columns: Sequence[str], rows: Sequence[Dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def _flat(row: Dict[str, Any]) -> Dict[str, Any]:
    return {**row, **{f"goals_{k}": v for k, v in row["goals"].items()},
            "analysis_meetings": (row.get("analysis") or {}).get("meetings")}


def programme_csv(report: Dict[str, Any]) -> str:
    """One line a pair."""
    return _csv(PAIR_COLUMNS, [_flat(row) for row in report["pairs"]])


SUMMARY_COLUMNS = ("programme_id", "pairs", "completed", "closed_early", "meetings", "hours", "goals_reached",
                   "reached_3_months", "reached_6_months", "reached_12_months", "waiting",
                   "median_days_waiting", "longest_days_waiting")


def _waiting_cells(waiting: Dict[str, Any]) -> Dict[str, Any]:
    return {"waiting": waiting["waiting"], "median_days_waiting": waiting["median_days"],
            "longest_days_waiting": waiting["longest_days"]}


def tenant_csv(report: Dict[str, Any]) -> str:
    """One line a programme, then the tenant's totals (``programme_id``: ``total``)."""
    rows = [{"programme_id": p["programme_id"], **p["summary"], **_waiting_cells(p["waiting"])}
            for p in report["programmes"]]
    return _csv(SUMMARY_COLUMNS, rows + [{"programme_id": "total", **report["totals"],
                                          **_waiting_cells(report["waiting"])}])


def pair_csv(report: Dict[str, Any]) -> str:
    """One line a month."""
    return _csv(MONTH_COLUMNS, report["months"])


# -- the daily watch -----------------------------------------------------------------------------

def watch_programme(tx: StoreTransaction, programme_id: str, now: datetime,
                    append) -> List[DomainEvent]:
    """Assess every running pair of the programme at ``now``, with the settings in force then;
    ``append(events, expected)`` the ``PairingAtRisk`` / ``PairingBackOnTrack`` a change of
    state calls for."""
    rules = read_model.programme_rules_as_of(tx.conn, tx.tenant_id, programme_id, now)
    if rules is None:
        return []
    running = [p for p in read_model.programme_pairings(tx.conn, tx.tenant_id, programme_id)
               if p.status == "confirmed"]
    found = pair_tallies(tx, running, rules, now)
    said: List[DomainEvent] = []
    for pairing in running:
        stream = tx.read_stream(PAIR_WATCH, pairing.pairing_id)
        watch = PairWatch.from_events(pairing.pairing_id, stream)
        events = watch.judge(pairing, rules, assessment(pairing, found[pairing.pairing_id], rules, now), now)
        if events:
            append(events, {(PAIR_WATCH, pairing.pairing_id): watch.version})
            said += events
    return said
