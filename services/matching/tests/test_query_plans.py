"""The plans of hot read-model queries use the indexes meant for them (issue 13): checked with
EXPLAIN QUERY PLAN on SQLite (no statistics, as a service's file has) and EXPLAIN on
PostgreSQL (sequential scans off, so the plan shows what the indexes can serve)."""
from __future__ import annotations

from typing import List, Tuple

import pytest
from sqlalchemy import create_engine, event, insert

from services.matching.read_model import tables
from services.matching.read_model.queries import pairing_rows
from services.platform_core.testing import temporary_database


def _pairings(count: int) -> List[dict]:
    return [dict(pairing_id=f"pairing-{i}", tenant_id="t", programme_id="q" if i % 11 == 0 else "p",
                 mentor_id=f"mentor-{i // 3}", mentee_id=f"mentee-{i}", status="confirmed", score=1,
                 parts={}, percent=1, created_at=f"2025-01-01T00:00:{i % 60:02}", version=1)
            for i in range(count)]


def _plan_of_pairing_rows(url: str) -> Tuple[List[dict], str]:
    engine = create_engine(url)
    try:
        tables.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(tables.pairings), _pairings(600))
        sent: List[tuple] = []

        def keep(_conn, _cursor, statement, parameters, _context, _many):
            sent.append((statement, parameters))

        with engine.begin() as conn:
            event.listen(engine, "before_cursor_execute", keep)
            rows = pairing_rows(conn, "t", "p", person_ids=["mentor-7", "mentee-13"])
            event.remove(engine, "before_cursor_execute", keep)
            [(statement, parameters)] = sent
            if engine.dialect.name == "sqlite":
                plan = "\n".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            else:
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
        return rows, plan
    finally:
        engine.dispose()


def _check(rows: List[dict], plan: str) -> None:
    # mentor-7 mentors pairings 21-23 (22 is programme q's); mentee-13 is in pairing 13
    assert [r["pairing_id"] for r in rows] == ["pairing-13", "pairing-21", "pairing-23"]
    assert "ix_match_pairings_mentor" in plan and "ix_match_pairings_mentee" in plan, plan
    assert "ix_match_pairings_programme" not in plan, plan


def test_pairings_of_people_are_looked_up_by_their_indexes(tmp_path):
    _check(*_plan_of_pairing_rows(f"sqlite:///{tmp_path / 'plans.sqlite3'}"))


@pytest.mark.integration
def test_pairings_of_people_are_looked_up_by_their_indexes_on_postgresql():
    with temporary_database() as url:
        _check(*_plan_of_pairing_rows(url))
