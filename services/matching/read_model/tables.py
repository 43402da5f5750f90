"""The matching service's read-model tables (one ``metadata``; the names and columns are
those of every existing database). Who fills them: :mod:`.projections`; the change log
(``match_revisions``, ``match_changes``): :mod:`.change_log`; the places promised
(``match_places``, ``match_placed``): :mod:`.places`.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, Index, Integer, MetaData, String, Table

metadata = MetaData()

programmes = Table(
    "match_programmes", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("mode", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

#: each programme's change counter, and a token unique to the transaction that last moved
#: it (see :data:`changes` and :mod:`.programme_state`). A table of its own, written with an
#: upsert, so that writers serialise on it even while the programme's row is not there yet
#: (a registration consumed before its programme).
revisions = Table(
    "match_revisions", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("token", String(32), nullable=False),
)

#: who changed in a programme at each revision: the in-memory programme states of the
#: matching processes (:mod:`.programme_state`) reload only those people. ``*``: everyone
#: (settings changed, a projection rebuilt).
changes = Table(
    "match_changes", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("token", String(32), nullable=False),
)

participants = Table(
    "match_participants", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("role", String(10), nullable=False),  # mentor | mentee | team
    Column("age", Integer),
    Column("profile", JSON, nullable=False),
    Column("consent_required", Boolean, nullable=False, default=False),
    Column("training", Boolean, nullable=False, default=False),
    Column("team_need", JSON),
    Column("withdrawn", Boolean, nullable=False, default=False),
    Column("registered_at", String(40), nullable=False),
    Index("ix_match_participants_programme", "programme_id", "role"),
)

people = Table(
    "match_people", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("vetting_cleared", Boolean),
    Column("erased", Boolean, nullable=False, default=False),
)

consents = Table(
    "match_consents", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("valid_from", String(10), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("valid_until", String(10), nullable=False),
    Column("withdrawn_on", String(10)),
)

pairings = Table(
    "match_pairings", metadata,
    Column("pairing_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("mentor_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    Column("mode", String(40)),
    Column("origin", String(20)),
    Column("score", Integer, nullable=False),
    Column("parts", JSON, nullable=False),
    Column("percent", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("confirmed_at", String(40)),
    Column("confirmed_by", String(20)),
    Column("closed_at", String(40)),
    Column("close_reason", String(40)),
    Column("closed_by", String(20)),
    Column("version", Integer, nullable=False),
    Index("ix_match_pairings_programme", "programme_id", "status"),
    Index("ix_match_pairings_mentor", "mentor_id", "status"),
    Index("ix_match_pairings_mentee", "mentee_id", "status"),
)

waiting = Table(
    "match_waiting", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentee_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("reason", String(60), nullable=False),
    Column("since", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

rounds = Table(
    "match_rounds", metadata,
    Column("round_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("paired", Integer, nullable=False),
    Column("waiting", Integer, nullable=False),
    Column("total_score", Integer, nullable=False),
    Column("solver_seconds", Float, nullable=False),
    Column("superseded", Integer, nullable=False),
    Column("completed_at", String(40), nullable=False),
)

#: rounds asked with ``Prefer: respond-async`` (:mod:`..domain.asked_rounds`): running, then
#: completed (with what the round did) or failed (with why)
asked_rounds = Table(
    "match_asked_rounds", metadata,
    Column("round_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("requested_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("result", JSON),
    Column("reason", String(2000)),
    Column("code", String(60)),
)

shortlists = Table(
    "match_shortlists", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentee_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("mentors", JSON, nullable=False),  # [{mentor_id, score, parts, percent}], best first
    Column("offered_at", String(40), nullable=False),
)

choices = Table(
    "match_choices", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentee_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("choice_id", String(64), nullable=False),
    Column("mentor_ids", JSON, nullable=False),
    Column("chosen_at", String(40), nullable=False),
)

mentor_requests = Table(
    "match_requests", metadata,
    Column("request_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("mentor_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Column("choice_id", String(64), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("parts", JSON, nullable=False),
    Column("percent", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    Column("requested_at", String(40), nullable=False),
    Column("answer_by", String(40), nullable=False),
    Column("closed_at", String(40)),
    Column("close_reason", String(500)),  # a mentor's own words when they decline
    Column("pairing_id", String(64)),
    Column("version", Integer, nullable=False),
    Index("ix_match_requests_programme", "programme_id", "status"),
    Index("ix_match_requests_mentor", "mentor_id", "status"),
)


#: what the database promises, whatever memory believes (see :func:`check_places`): the
#: places each mentor holds in a programme (proposed and confirmed pairings) ...
places = Table(
    "match_places", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentor_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("taken", Integer, nullable=False),
)

#: ... and each mentee's one active pairing in a programme (the key refuses a second)
placed = Table(
    "match_placed", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentee_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("pairing_id", String(64), nullable=False),
)
