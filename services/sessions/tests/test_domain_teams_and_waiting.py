"""The sessions domain at unit level, for what issue 11 added: a team's analysis meetings
before it is paired (seed 003), who waits for a mentor and for how long, meetings per month,
and a dispute that carries what the coordinator is to be told."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest

from services.contracts.sessions import MeetingDisputedPayload
from services.sessions.domain import (
    AnalysisMeeting,
    Meeting,
    PairingFacts,
    Participation,
    ProgrammeRules,
    RuleBroken,
    TeamFacts,
    analysis_summary,
    days_to_introduction,
    fold_analysis,
    meetings_per_month,
    waiting_summary,
    waits,
)
from services.sessions.domain.rules import Cadence

RULES = ProgrammeRules(area_ids=("strategy", "fundraising"), cadence=Cadence(min_per_month=1))


def at(month, day, hour=10):
    return datetime(2025, month, day, hour, 0, tzinfo=timezone.utc)


TEAM = TeamFacts("team-1", "prog-1", registered_at=at(1, 15))


def analysed(team=TEAM, *, started_at=None, minutes=120, areas=("fundraising",), now=None,
             took_part=("Ona", "Jonas"), need_found="no fundraising plan"):
    meeting = AnalysisMeeting(str(uuid.uuid4()))
    started_at = started_at or at(2, 3)
    events = meeting.log(team=team, rules=RULES, started_at=started_at, minutes=minutes, mode="in_person",
                         areas=list(areas), took_part=list(took_part), need_found=need_found,
                         now=now or started_at + timedelta(hours=3))
    return meeting.apply_all(events), events


# -- analysis meetings ------------------------------------------------------------------------------

def test_an_analysis_meeting_keeps_who_took_part_and_the_need_as_the_teams_personal_data():
    meeting, [event] = analysed()
    assert event.event_type == "AnalysisMeetingLogged" and event.stream_type == "analysismeeting"
    assert (event.payload["team_id"], event.payload["attendees"], event.payload["minutes"]) == ("team-1", 2, 120)
    assert event.payload["personal"] == {"took_part": ["Ona", "Jonas"], "need_found": "no fundraising plan"}
    assert "Ona" not in str({k: v for k, v in event.payload.items() if k != "personal"})
    assert (meeting.counted, meeting.took_part, meeting.need_found) == (True, ["Ona", "Jonas"], "no fundraising plan")


def test_an_analysis_meeting_names_every_rule_it_breaks():
    with pytest.raises(RuleBroken) as refused:
        analysed(started_at=at(2, 5), minutes=4, areas=["cooking"], now=at(2, 4))
    assert refused.value.codes == ["in_the_future", "duration_out_of_range", "unknown_area"]
    paired = TeamFacts("team-1", "prog-1", registered_at=at(1, 15), introduced_at=at(3, 1))
    with pytest.raises(RuleBroken) as refused:
        analysed(paired, started_at=at(3, 2), now=at(3, 3))
    assert refused.value.codes == ["after_the_pairing"]
    analysed(paired, started_at=at(2, 28), now=at(3, 3))  # logged late, held before the pairing: fine
    gone = TeamFacts("team-1", "prog-1", registered_at=at(1, 15), left_at=at(2, 1))
    with pytest.raises(RuleBroken) as refused:
        analysed(gone, started_at=at(1, 20), now=at(2, 2))
    assert refused.value.codes == ["team_left"]


def test_a_withdrawn_analysis_meeting_no_longer_counts_and_is_withdrawn_once():
    kept, kept_events = analysed(started_at=at(2, 3))
    taken_back, taken_events = analysed(started_at=at(2, 10))
    taken_events += taken_back.withdraw(now=at(2, 11))
    taken_back.apply_all(taken_events[1:])
    with pytest.raises(RuleBroken) as refused:
        taken_back.withdraw(now=at(2, 12))
    assert refused.value.codes == ["meeting_withdrawn"]
    [meetings] = fold_analysis(kept_events + taken_events).values()
    assert analysis_summary(meetings, at(3, 1)) == {"meetings": 1, "hours": 2.0, "first_at": at(2, 3).isoformat(),
                                                    "last_at": at(2, 3).isoformat()}
    assert analysis_summary(meetings, at(2, 1))["meetings"] == 0  # as of a moment before it


# -- who waits ----------------------------------------------------------------------------------------

def pairing(mentee, confirmed, ended=None, reason=None):
    return PairingFacts(str(uuid.uuid4()), "prog-1", "mentor", mentee, status="ended" if ended else "confirmed",
                        confirmed_at=confirmed, ended_at=ended, end_reason=reason)


PEOPLE = [Participation("ann", "prog-1", "mentee", at(1, 1)),             # paired on 1 Feb
          Participation("bob", "prog-1", "mentee", at(1, 11)),            # never paired
          Participation("org", "prog-1", "team", at(1, 21)),              # a team, never paired
          Participation("cid", "prog-1", "mentee", at(1, 1), left_at=at(1, 20)),  # withdrew
          Participation("dan", "prog-1", "mentee", at(1, 1)),             # paired, ended, put back
          Participation("eve", "prog-1", "mentee", at(1, 1)),             # paired, ended, not put back
          Participation("fay", "prog-1", "mentee", at(3, 1))]             # registers later
PAIRINGS = {"ann": [pairing("ann", at(2, 1))],
            "dan": [pairing("dan", at(1, 5), at(2, 20), "withdrew")],
            "eve": [pairing("eve", at(1, 5), at(2, 20), "completed")]}
SAID = {"bob": [(at(1, 11), "no_suitable_mentor"), (at(2, 1), "no_capacity")],
        "org": [(at(1, 21), "team_need_area_not_set")],
        "dan": [(at(1, 2), "no_capacity"), (at(2, 20), "no_suitable_mentor")]}


def test_who_waits_and_for_how_long_as_of_a_moment():
    found = {w.person_id: w for w in waits(PEOPLE, PAIRINGS, SAID, at(3, 1, 9))}
    assert sorted(found) == ["bob", "dan", "org"]
    assert (found["bob"].days, found["bob"].reason) == (48, "no_capacity")
    assert (found["org"].days, found["org"].kind) == (38, "team")
    assert (found["dan"].since, found["dan"].days, found["dan"].reason) == (at(2, 20), 8, "no_suitable_mentor")
    summary = waiting_summary(list(found.values()), days_to_introduction(PEOPLE, PAIRINGS, at(3, 1, 9)))
    assert summary == {"waiting": 3, "teams": 1, "median_days": 38.0, "longest_days": 48,
                       "by_reason": {"no_capacity": 1, "no_suitable_mentor": 1, "team_need_area_not_set": 1},
                       "introduced": 3, "median_days_to_introduction": 4.0}


def test_as_of_an_earlier_moment_the_waits_are_those_of_then():
    found = {w.person_id: w for w in waits(PEOPLE, PAIRINGS, SAID, at(1, 25))}
    # ann waits (paired later), cid had left, dan and eve were paired, org just came
    assert sorted(found) == ["ann", "bob", "org"]
    assert (found["ann"].days, found["ann"].reason) == (24, "not_given")
    assert found["bob"].reason == "no_suitable_mentor"
    assert waiting_summary([], [])["median_days"] is None


# -- meetings per month, and the dispute the coordinator is told of --------------------------------

def test_meetings_per_month_add_the_pairs_months_up():
    rows: List[Dict[str, Any]] = [{"months": [{"month": "2025-03", "meetings": 2, "minutes": 120},
                        {"month": "2025-04", "meetings": 0, "minutes": 0}]},
            {"months": [{"month": "2025-04", "meetings": 3, "minutes": 90}]}, {"months": []}]
    assert meetings_per_month(rows) == [
        {"month": "2025-03", "meetings": 2, "hours": 2.0, "pairs_meeting": 1},
        {"month": "2025-04", "meetings": 3, "hours": 1.5, "pairs_meeting": 1}]


def test_a_dispute_carries_what_the_coordinator_is_to_be_told_and_no_words_in_clear():
    pair = PairingFacts("p-1", "prog-1", "mentor-1", "mentee-1", confirmed_at=at(3, 1))
    meeting = Meeting(str(uuid.uuid4()))
    meeting.apply_all(meeting.log(pairing=pair, rules=RULES, by="mentor-1", started_at=at(3, 10), minutes=45,
                                  mode="remote", areas=[], note="a private note", now=at(3, 11)))
    [event] = meeting.dispute(pairing=pair, by="mentee-1", reason="we did not meet", now=at(3, 12))
    payload = event.payload
    assert {k: payload[k] for k in ("meeting_id", "pairing_id", "programme_id", "mentor_id", "mentee_id",
                                    "by_person_id", "by_role", "logged_by_person_id", "logged_by_role",
                                    "started_at", "minutes", "mode")} == {
        "meeting_id": meeting.id, "pairing_id": "p-1", "programme_id": "prog-1", "mentor_id": "mentor-1",
        "mentee_id": "mentee-1", "by_person_id": "mentee-1", "by_role": "mentee",
        "logged_by_person_id": "mentor-1", "logged_by_role": "mentor", "started_at": at(3, 10).isoformat(),
        "minutes": 45, "mode": "remote"}
    assert payload["personal"] == {"reason": "we did not meet"}  # the only words, encrypted by the store
    assert MeetingDisputedPayload().validate(payload) == {}
