"""The sessions domain at unit level: what a meeting, a goal and a final review refuse, and the
per-pair projection and at-risk watch against figures computed by hand, on a manual clock."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest

from services.sessions.domain import (
    FinalReview,
    Goal,
    Meeting,
    NotInPairing,
    PairHistory,
    PairingFacts,
    PairLedger,
    PairTally,
    PairWatch,
    ProgrammeRules,
    RuleBroken,
    assess,
    fold,
    pair_progress,
    programme_summary,
    tally_of,
)
from services.sessions.domain.progress import whole_months
from services.sessions.domain.rules import Cadence

MENTOR, MENTEE, STRANGER = "mentor-1", "mentee-1", "someone-else"
INTRODUCED = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)
#: seed 000: at least twice a month, face to face (remote contact does not count)
RULES = ProgrammeRules(area_ids=("education", "free_time"),
                       cadence=Cadence(min_per_month=2, max_per_month=4, meeting_minutes=60,
                                       remote_counts=False))
PAIRING = PairingFacts("p-1", "prog-1", MENTOR, MENTEE, confirmed_at=INTRODUCED)


def at(month, day, hour=16):
    return datetime(2025, month, day, hour, 0, tzinfo=timezone.utc)


def log(meeting=None, *, by=MENTOR, started_at=None, minutes=60, mode="in_person", areas=("education",),
        now=None, pairing=PAIRING, **extra):
    meeting = meeting or Meeting(str(uuid.uuid4()))
    started_at = started_at or at(3, 10)
    events = meeting.log(pairing=pairing, rules=RULES, by=by, started_at=started_at, minutes=minutes,
                         mode=mode, areas=list(areas), now=now or started_at, **extra)
    return meeting.apply_all(events), events


# -- refusals ---------------------------------------------------------------------------------------

def test_a_meeting_names_every_rule_it_breaks_at_once():
    with pytest.raises(RuleBroken) as refused:
        log(started_at=at(3, 20), minutes=601, areas=["education", "cooking"], now=at(3, 19))
    assert refused.value.codes == ["in_the_future", "duration_out_of_range", "unknown_area"]
    assert [f["field"] for f in refused.value.failures] == ["started_at", "minutes", "areas"]
    with pytest.raises(RuleBroken) as refused:
        log(started_at=at(3, 1), minutes=4, now=at(3, 19))
    assert refused.value.codes == ["before_the_pairing", "duration_out_of_range"]


def test_a_meeting_needs_a_confirmed_pairing_that_has_not_ended_and_a_side_of_it():
    proposed = PairingFacts("p-2", "prog-1", MENTOR, MENTEE, status="proposed")
    ended = PairingFacts("p-3", "prog-1", MENTOR, MENTEE, status="ended", confirmed_at=INTRODUCED,
                         ended_at=at(4, 1), end_reason="withdrew")
    with pytest.raises(RuleBroken, match="not confirmed"):
        log(pairing=proposed)
    with pytest.raises(RuleBroken) as refused:
        log(pairing=ended)
    assert refused.value.codes == ["pairing_ended"]
    with pytest.raises(NotInPairing):
        log(by=STRANGER)


def test_the_other_side_confirms_or_disputes_and_only_the_author_corrects_or_withdraws():
    meeting, [logged] = log(plan="read a book", note="seemed tired")
    assert logged.payload["personal"] == {"plan": "read a book", "note": "seemed tired"}
    assert "note" not in {k for k in logged.payload if k != "personal"}
    with pytest.raises(RuleBroken, match="other side"):
        meeting.confirm(pairing=PAIRING, by=MENTOR, now=at(3, 11))
    with pytest.raises(NotInPairing):
        meeting.confirm(pairing=PAIRING, by=STRANGER, now=at(3, 11))
    with pytest.raises(RuleBroken, match="only the meeting's author"):
        meeting.withdraw(pairing=PAIRING, by=MENTEE, now=at(3, 11))
    meeting.apply_all(meeting.dispute(pairing=PAIRING, by=MENTEE, reason="we did not meet", now=at(3, 11)))
    assert meeting.status == "disputed" and not meeting.counted
    with pytest.raises(RuleBroken, match="disputed already"):
        meeting.confirm(pairing=PAIRING, by=MENTEE, now=at(3, 12))
    # a correction is a new event: the facts are stated anew and the other side asked again
    [corrected] = meeting.correct(pairing=PAIRING, rules=RULES, by=MENTOR, started_at=at(3, 11),
                                  minutes=45, mode="remote", areas=[], now=at(3, 12))
    meeting.apply(corrected)
    assert (meeting.status, meeting.minutes, meeting.mode, meeting.note) == ("logged", 45, "remote", "seemed tired")
    meeting.apply_all(meeting.confirm(pairing=PAIRING, by=MENTEE, now=at(3, 12)))
    assert meeting.status == "confirmed" and meeting.counted
    meeting.apply_all(meeting.withdraw(pairing=PAIRING, by=MENTOR, now=at(3, 13)))
    with pytest.raises(RuleBroken, match="withdrawn"):
        meeting.correct(pairing=PAIRING, rules=RULES, by=MENTOR, started_at=at(3, 11), minutes=45,
                        mode="remote", areas=[], now=at(3, 13))
    assert meeting.version == 5


def test_goals_and_the_final_review():
    goal = Goal("g-1")
    with pytest.raises(RuleBroken, match="in the past"):
        goal.set(pairing=PAIRING, by=MENTEE, title="Pass maths", target_date=date(2025, 3, 1), now=at(3, 10))
    goal.apply_all(goal.set(pairing=PAIRING, by=MENTEE, title="Pass maths", target_date=date(2025, 6, 1),
                            now=at(3, 10)))
    goal.apply_all(goal.note_progress(pairing=PAIRING, by=MENTOR, note="half way", now=at(4, 1)))
    goal.apply_all(goal.reach(pairing=PAIRING, by=MENTOR, now=at(5, 1)))
    assert (goal.status, goal.title, goal.progress[0]["note"]) == ("reached", "Pass maths", "half way")
    with pytest.raises(RuleBroken, match="reached already"):
        goal.drop(pairing=PAIRING, by=MENTOR, now=at(5, 2))

    review = FinalReview(PAIRING.pairing_id)
    [recorded] = review.record(pairing=PAIRING, by=None, achievements="a strategy", further_goals=["donors"],
                               next_steps="apply for a grant", goals_reached=1, goals_open=0, now=at(9, 1))
    assert recorded.payload["by_role"] == "coordinator" and recorded.payload["mentee_id"] == MENTEE
    assert recorded.payload["personal"]["further_goals"] == ["donors"]
    review.apply(recorded)
    with pytest.raises(RuleBroken, match="was recorded"):
        review.record(pairing=PAIRING, by=MENTOR, achievements="", further_goals=[], next_steps="",
                      goals_reached=0, goals_open=0, now=at(9, 2))


# -- the per-pair projection, by hand ----------------------------------------------------------------

def history():
    """Two meetings in March, a remote one and one in person in April, a disputed one in May,
    two in June; a goal set in the first meeting and reached in April, another still open."""
    events = []

    def meeting(started, minutes=60, mode="in_person", **extra):
        made, logged = log(started_at=started, minutes=minutes, mode=mode, **extra)
        events.extend(logged)
        return made

    first = meeting(at(3, 10))
    goal = Goal("g-maths")
    events.extend(goal.set(pairing=PAIRING, by=MENTEE, title="maths", target_date=date(2025, 6, 1),
                           meeting_id=first.id, now=at(3, 10)))
    goal.apply_all(events[-1:])
    meeting(at(3, 24), 90)
    meeting(at(4, 7), 45, "remote")
    meeting(at(4, 14))
    events.extend(goal.reach(pairing=PAIRING, by=MENTOR, now=at(4, 14)))
    second = Goal("g-reading")
    events.extend(second.set(pairing=PAIRING, by=MENTEE, title="reading", target_date=date(2025, 9, 1),
                             now=at(4, 14)))
    disputed = meeting(at(5, 5))
    events.extend(disputed.dispute(pairing=PAIRING, by=MENTEE, reason=None, now=at(5, 6)))
    meeting(at(6, 2))
    meeting(at(6, 9))
    return events


def test_the_pair_projection_against_hand_computed_figures():
    [(pairing_id, record)] = fold(history()).items()
    assert pairing_id == PAIRING.pairing_id
    now = datetime(2025, 6, 10, 12, 0, tzinfo=timezone.utc)
    progress = pair_progress(PAIRING, record, RULES, now)
    assert (progress["meetings"], progress["hours"], progress["in_person"], progress["remote"],
            progress["disputed"]) == (6, 6.25, 5, 1, 1)  # 60+90+45+60+60+60 = 375 minutes
    assert [(m["month"], m["meetings"], m["towards_cadence"], m["minutes"], m["partial"], m["met"])
            for m in progress["months"]] == [
        ("2025-03", 2, 2, 150, True, None),   # introduced on the 3rd: a part month
        ("2025-04", 2, 1, 105, False, False),  # the remote one does not count
        ("2025-05", 0, 0, 0, False, False),    # the only one was disputed
        ("2025-06", 2, 2, 120, True, None)]    # the month is not over
    assert progress["days_to_first_meeting"] == 7
    assert progress["days_since_last_meeting"] == 1
    assert progress["goals"] == {"open": 1, "reached": 1, "dropped": 0}
    assert (progress["status"], progress["at_risk_reasons"]) == ("on_track", [])


@pytest.mark.parametrize("now, status, reasons, towards, since", [
    (datetime(2025, 3, 20, 12, tzinfo=timezone.utc), "in_grace", [], 1, 10),
    (datetime(2025, 4, 10, 12, tzinfo=timezone.utc), "at_risk", ["below_cadence"], 1, 3),
    (datetime(2025, 4, 15, 12, tzinfo=timezone.utc), "on_track", [], 2, 1),
    # only a disputed meeting since 14 April: 36 days, and the cadence allows 30
    (datetime(2025, 5, 20, 12, tzinfo=timezone.utc), "at_risk", ["below_cadence", "no_meeting_for_too_long"], 0, 36),
    (datetime(2025, 6, 10, 12, tzinfo=timezone.utc), "on_track", [], 2, 1),
])
def test_on_track_falls_behind_and_back(now, status, reasons, towards, since):
    record = fold(history())[PAIRING.pairing_id]
    assessment = assess(PAIRING, record.meetings, RULES, now)
    assert (assessment.status, list(assessment.reasons), assessment.towards_cadence_last_30_days,
            assessment.days_since_last_meeting) == (status, reasons, towards, since)


@pytest.mark.parametrize("now, status, reasons", [
    (datetime(2025, 3, 17, 9, 59, tzinfo=timezone.utc), "in_grace", []),  # a minute short of 14 days
    (datetime(2025, 3, 17, 10, 0, tzinfo=timezone.utc), "at_risk", ["below_cadence"]),  # judged from day 14
    (datetime(2025, 3, 20, 12, tzinfo=timezone.utc), "at_risk", ["below_cadence"]),  # in grace under 30 days
])
def test_a_programme_of_fourteen_days_grace_judges_its_pairs_from_the_fourteenth_day(now, status, reasons):
    record = fold(history())[PAIRING.pairing_id]
    short = ProgrammeRules(area_ids=RULES.area_ids, cadence=Cadence(min_per_month=2, remote_counts=False,
                                                                    grace_days=14))
    assessment = assess(PAIRING, record.meetings, short, now)
    assert (assessment.status, list(assessment.reasons)) == (status, reasons)
    progress = pair_progress(PAIRING, record, short, now)
    assert (progress["status"], progress["cadence"]["grace_days"]) == (status, 14)


def test_the_grace_period_is_read_from_the_settings_and_is_thirty_days_unless_set():
    given = {"content": {"cadence": {"min_per_month": 2, "grace_days": 14}}}
    assert ProgrammeRules.from_settings(given).cadence.grace_days == 14
    assert ProgrammeRules.from_settings({"content": {"cadence": {"min_per_month": 2}}}).cadence.grace_days == 30
    assert ProgrammeRules.from_settings({}).cadence.grace_days == 30
    assert ProgrammeRules.from_settings({"content": {"cadence": {"grace_days": 0}}}).cadence.grace_days == 0


def test_remote_meetings_count_where_the_cadence_says_so():
    record = fold(history())[PAIRING.pairing_id]
    remote_ok = ProgrammeRules(area_ids=RULES.area_ids, cadence=Cadence(min_per_month=2, remote_counts=True))
    april_10 = datetime(2025, 4, 10, 12, tzinfo=timezone.utc)
    assert assess(PAIRING, record.meetings, remote_ok, april_10).status == "on_track"


def test_a_report_of_a_moment_before_the_introduction_has_no_months_even_in_year_one():
    new_york = ProgrammeRules(area_ids=RULES.area_ids, cadence=RULES.cadence, time_zone="America/New_York")
    year_one = datetime(1, 1, 1, tzinfo=timezone.utc)  # in New York still year 0: no such date
    progress = pair_progress(PAIRING, PairHistory(), new_york, year_one)
    assert (progress["pairing_status"], progress["months"], progress["status"]) == ("proposed", [], "not_started")


def test_an_ended_pairing_is_not_judged_and_its_months_stop_at_the_end():
    ended = PairingFacts("p-1", "prog-1", MENTOR, MENTEE, status="ended", confirmed_at=INTRODUCED,
                         ended_at=at(4, 30), end_reason="completed")
    record = fold(history())[PAIRING.pairing_id]
    now = datetime(2025, 6, 10, 12, tzinfo=timezone.utc)
    progress = pair_progress(ended, record, RULES, now)
    assert progress["status"] == "ended" and progress["pairing_status"] == "ended"
    assert [m["month"] for m in progress["months"]] == ["2025-03", "2025-04"]
    # as of a moment before the end, the same pairing was still running
    assert pair_progress(ended, record, RULES, at(4, 15, 12))["pairing_status"] == "confirmed"


def test_the_watch_says_at_risk_and_back_on_track_once_each():
    record = fold(history())[PAIRING.pairing_id]
    watch, said = PairWatch(PAIRING.pairing_id), []
    for day in [(4, 15), (5, 20), (5, 21), (6, 10), (6, 11)]:
        now = datetime(2025, *day, 12, tzinfo=timezone.utc)
        events = watch.judge(PAIRING, RULES, assess(PAIRING, record.meetings, RULES, now), now)
        watch.apply_all(events)
        said += [(day, e.event_type) for e in events]
    assert said == [((5, 20), "PairingAtRisk"), ((6, 10), "PairingBackOnTrack")]


def test_replaying_the_events_gives_the_live_state():
    """The aggregates the commands built and the fold of their events agree."""
    events = history()
    live = PairHistory()
    for stream_id in dict.fromkeys(e.stream_id for e in events if e.stream_type == "meeting"):
        live.meetings.append(Meeting.from_events(stream_id, [e for e in events if e.stream_id == stream_id]))
    for stream_id in ("g-maths", "g-reading"):
        live.goals.append(Goal.from_events(stream_id, [e for e in events if e.stream_id == stream_id]))
    now = datetime(2025, 6, 10, 12, tzinfo=timezone.utc)
    assert pair_progress(PAIRING, fold(events)[PAIRING.pairing_id], RULES, now) == \
        pair_progress(PAIRING, live, RULES, now)


def test_the_match_length_and_how_pairs_ended():
    record = fold(history())[PAIRING.pairing_id]
    running = pair_progress(PAIRING, record, RULES, datetime(2025, 9, 3, 12, tzinfo=timezone.utc))
    assert (running["match_days"], running["match_months"], running["ended_by"]) == (184, 6, None)
    early = PairingFacts("p-2", "prog-1", MENTOR, MENTEE, status="ended", confirmed_at=INTRODUCED,
                         ended_at=at(5, 2), end_reason="withdrew", ended_by="mentee")
    ended = pair_progress(early, PairHistory(), RULES, datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert (ended["match_days"], ended["match_months"], ended["end_reason"], ended["ended_by"]) == \
        (60, 1, "withdrew", "mentee")
    # as of a moment before its end it was running, ended by nobody yet
    assert pair_progress(early, PairHistory(), RULES, at(4, 3))["ended_by"] is None
    done = PairingFacts("p-3", "prog-1", MENTOR, MENTEE, status="ended", confirmed_at=INTRODUCED,
                        ended_at=datetime(2026, 3, 3, 12, tzinfo=timezone.utc), end_reason="completed",
                        ended_by="mentor")
    late = datetime(2026, 6, 1, tzinfo=timezone.utc)
    summary = programme_summary([pair_progress(p, PairHistory(), RULES, late) for p in (PAIRING, early, done)])
    assert (summary["completed"], summary["closed_early"]) == (1, 1)
    assert summary["ended_early"] == [{"reason": "withdrew", "ended_by": "mentee", "pairs": 1}]
    assert (summary["reached_3_months"], summary["reached_6_months"], summary["reached_12_months"]) == (2, 2, 2)
    assert whole_months(date(2025, 3, 31), date(2025, 4, 30)) == 0
    assert whole_months(date(2025, 3, 3), date(2026, 3, 3)) == 12
    proposed = PairingFacts("p-4", "prog-1", MENTOR, MENTEE, status="proposed")
    assert pair_progress(proposed, PairHistory(), RULES, late)["match_days"] is None


def test_a_ledger_kept_event_by_event_tallies_as_one_counted_afresh():
    """The tally kept through each event (a meeting's old contribution taken out as it changes)
    equals the one counted from the aggregates at that point, and survives its JSON form."""
    events = history()
    meeting, [logged] = log(started_at=at(6, 5), minutes=30)
    events += [logged, *meeting.correct(pairing=PAIRING, rules=RULES, by=MENTOR, started_at=at(5, 30),
                                        minutes=50, mode="remote", areas=[], now=at(6, 9, 18))]
    meeting.apply(events[-1])
    events += meeting.withdraw(pairing=PAIRING, by=MENTOR, now=at(6, 10, 18))
    ledger = PairLedger(RULES.time_zone)
    for count, event in enumerate(events, 1):
        ledger.apply(event)
        moment = datetime(2025, 6, 11, 12, tzinfo=timezone.utc)
        afresh = tally_of(fold(events[:count]).get(PAIRING.pairing_id, PairHistory()), RULES.time_zone, moment)
        assert ledger.tally(moment) == afresh, event.event_type
        assert PairTally.from_json(ledger.tally(moment).to_json()) == afresh
    assert [m.month for m in ledger.tally(moment).months] == ["2025-03", "2025-04", "2025-06"]
