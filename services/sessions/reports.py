"""Progress reports and the daily watch, read from the store: a pair's (or a programme's)
meeting, goal and final-review events recorded up to a moment, folded by the domain
(:func:`~.domain.fold`) and measured at that moment (:func:`~.domain.pair_progress`). So a
report ``as_of`` a past moment says what was known then, and every figure can be rebuilt
from the events."""
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
    PairWatch,
    ProgrammeRules,
    assess,
    fold,
    pair_progress,
    programme_summary,
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


def pair_report(tx: StoreTransaction, pairing: PairingFacts, rules: ProgrammeRules,
                as_of: datetime) -> Dict[str, Any]:
    history = histories(tx, [pairing.pairing_id], as_of).get(pairing.pairing_id, PairHistory())
    return pair_progress(pairing, history, rules, as_of)


def programme_report(tx: StoreTransaction, programme_id: str, rules: ProgrammeRules,
                     as_of: datetime) -> Dict[str, Any]:
    pairs = [p for p in read_model.programme_pairings(tx.conn, tx.tenant_id, programme_id)
             if p.confirmed_at is not None and p.confirmed_at <= as_of]
    found = histories(tx, [p.pairing_id for p in pairs], as_of)
    rows = [pair_progress(p, found.get(p.pairing_id, PairHistory()), rules, as_of) for p in pairs]
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
    found = histories(tx, [p.pairing_id for p in running], now)
    said: List[DomainEvent] = []
    for pairing in running:
        stream = tx.read_stream(PAIR_WATCH, pairing.pairing_id)
        watch = PairWatch.from_events(pairing.pairing_id, stream)
        history = found.get(pairing.pairing_id, PairHistory())
        events = watch.judge(pairing, rules, assess(pairing, history.meetings, rules, now), now)
        if events:
            append(events, {(PAIR_WATCH, pairing.pairing_id): watch.version})
            said += events
    return said
