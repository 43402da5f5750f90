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
from typing import Any, Dict, List, Sequence

from sqlalchemy import select

from services.platform_core.events import DomainEvent
from services.platform_core.store import StoreTransaction, events_table

from . import read_model
from .domain import (
    PAIR_WATCH,
    PairHistory,
    PairingFacts,
    PairTally,
    PairWatch,
    ProgrammeRules,
    assessment,
    fold,
    programme_summary,
    progress_of,
    tally_of,
)


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
    return progress_of(pairing, pair_tallies(tx, [pairing], rules, as_of)[pairing.pairing_id], rules, as_of)


def programme_report(tx: StoreTransaction, programme_id: str, rules: ProgrammeRules,
                     as_of: datetime) -> Dict[str, Any]:
    pairs = [p for p in read_model.programme_pairings(tx.conn, tx.tenant_id, programme_id)
             if p.confirmed_at is not None and p.confirmed_at <= as_of]
    found = pair_tallies(tx, pairs, rules, as_of)
    rows = [progress_of(p, found[p.pairing_id], rules, as_of) for p in pairs]
    return {"programme_id": programme_id, "as_of": as_of.isoformat(), "summary": programme_summary(rows),
            "pairs": rows}


def tenant_report(tx: StoreTransaction, as_of: datetime) -> Dict[str, Any]:
    """Every programme of the tenant, with its summary as in its programme report, and the
    tenant's totals (the same summary over all its pairs)."""
    programmes, every_pair = [], []
    for programme_id in sorted(read_model.programme_ids(tx.conn, tx.tenant_id)):
        rules = read_model.programme_rules(tx.conn, tx.tenant_id, programme_id)
        if rules is None:
            continue
        report = programme_report(tx, programme_id, rules, as_of)
        programmes.append({"programme_id": programme_id, "summary": report["summary"]})
        every_pair += report["pairs"]
    return {"tenant_id": tx.tenant_id, "as_of": as_of.isoformat(), "programmes": programmes,
            "totals": programme_summary(every_pair)}


PAIR_COLUMNS = ("pairing_id", "mentor_id", "mentee_id", "pairing_status", "status", "at_risk_reasons",
                "meetings", "hours", "in_person", "remote", "disputed", "towards_cadence_last_30_days",
                "days_since_last_meeting", "days_to_first_meeting", "goals_open", "goals_reached",
                "goals_dropped", "final_review_recorded", "end_reason", "ended_by", "match_days",
                "match_months")
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
    return {**row, **{f"goals_{k}": v for k, v in row["goals"].items()}}


def programme_csv(report: Dict[str, Any]) -> str:
    """One line a pair."""
    return _csv(PAIR_COLUMNS, [_flat(row) for row in report["pairs"]])


SUMMARY_COLUMNS = ("programme_id", "pairs", "completed", "closed_early", "meetings", "hours", "goals_reached",
                   "reached_3_months", "reached_6_months", "reached_12_months")


def tenant_csv(report: Dict[str, Any]) -> str:
    """One line a programme, then the tenant's totals (``programme_id``: ``total``)."""
    rows = [{"programme_id": p["programme_id"], **p["summary"]} for p in report["programmes"]]
    return _csv(SUMMARY_COLUMNS, rows + [{"programme_id": "total", **report["totals"]}])


def pair_csv(report: Dict[str, Any]) -> str:
    """One line a month."""
    return _csv(MONTH_COLUMNS, report["months"])


# -- the daily watch -----------------------------------------------------------------------------

def watch_programme(tx: StoreTransaction, programme_id: str, now: datetime,
                    append) -> List[DomainEvent]:
    """Assess every running pair of the programme at ``now``; ``append(events, expected)`` the
    ``PairingAtRisk`` / ``PairingBackOnTrack`` a change of state calls for."""
    rules = read_model.programme_rules(tx.conn, tx.tenant_id, programme_id)
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
