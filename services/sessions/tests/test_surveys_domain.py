"""Surveys of a pair, the rules alone (seed 002): when each survey falls due over several months
on a manual clock, in the programme's time zone, each occurrence once; answers checked against
their scales and choices; one answer per respondent and occurrence; "not a fit" tells the
coordinator; the scores, their trend and the start-to-end change."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import List, Tuple

import pytest

from services.contracts.default_surveys import default_surveys
from services.platform_core.clock import ManualClock
from services.sessions.domain import PairingFacts, RuleBroken
from services.sessions.domain.surveys import (
    Answer,
    PairSurveys,
    PairTimeline,
    definitions,
    occurrences_due,
    pair_surveys,
    programme_surveys,
)

RIGA = "Europe/Riga"
INTRODUCED = datetime(2025, 2, 21, 14, 0, tzinfo=timezone.utc)  # 16:00 in Riga
PAIRING = PairingFacts("p-1", "prog", "mentor-1", "mentee-1", confirmed_at=INTRODUCED)
SURVEYS = definitions({"surveys": {"enabled": True}})


def run_daily(clock: ManualClock, stream: PairSurveys, timeline_of, until: datetime) -> List[Tuple[str, str, str]]:
    """Step the clock a day at a time (the daily watch at 06:00 Riga = 04:00 UTC in winter, 03:00
    in summer: 04:00 UTC is always after it), announcing what fell due: (survey, occurrence, day)."""
    said = []
    while clock.now() < until:
        clock.advance(days=1)
        now = clock.now()
        events = stream.announce(PAIRING, SURVEYS, occurrences_due(SURVEYS, timeline_of(now), now), now)
        stream.apply_all(events)
        said += [(e.payload["survey_id"], e.payload["occurrence"], now.date().isoformat()) for e in events]
    return said


def test_the_default_set_falls_due_over_several_months_each_occurrence_once():
    clock = ManualClock(datetime(2025, 2, 20, 4, 0, tzinfo=timezone.utc))
    first_meeting = datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc)
    review = datetime(2025, 9, 10, 12, 0, tzinfo=timezone.utc)

    def timeline(now):
        return PairTimeline(PAIRING, RIGA, first_meeting if now >= first_meeting else None,
                            review if now >= review else None, date(2025, 12, 31))
    stream = PairSurveys("p-1")
    said = run_daily(clock, stream, timeline, datetime(2025, 10, 1, tzinfo=timezone.utc))
    assert said == [
        ("competences", "start", "2025-02-22"),               # the morning after the introduction
        ("fit_check", "first_meeting", "2025-03-04"),         # the morning after the first meeting
        ("relationship_quality", "day_30", "2025-03-23"),     # 21 Feb + 30 days, from 00:00 Riga
        ("relationship_quality", "day_90", "2025-05-22"),     # then every 60 days
        ("relationship_quality", "day_150", "2025-07-21"),
        ("competences", "end", "2025-09-11"),                 # the final review
    ]
    assert sorted(stream.due) == sorted((s, o) for s, o, _ in said)


def test_the_end_falls_due_after_meetings_end_and_nothing_periodic_after_it():
    timeline = PairTimeline(PAIRING, RIGA, None, None, date(2025, 5, 5))
    due = occurrences_due(SURVEYS, timeline, datetime(2025, 12, 1, tzinfo=timezone.utc))
    assert [(o.survey_id, o.occurrence) for o in due] == [  # day_90 would be 22 May
        ("relationship_quality", "day_30"), ("competences", "start"), ("competences", "end")]
    end = next(o for o in due if o.occurrence == "end")
    assert end.due_at == datetime(2025, 5, 5, 21, 0, tzinfo=timezone.utc)  # 6 May 00:00 in Riga (EEST)


def test_a_pair_ended_early_has_no_end_and_no_later_occurrences():
    ended = PairingFacts("p-1", "prog", "mentor-1", "mentee-1", status="ended", confirmed_at=INTRODUCED,
                         ended_at=datetime(2025, 4, 1, tzinfo=timezone.utc), end_reason="mentee_left")
    due = occurrences_due(SURVEYS, PairTimeline(ended, RIGA, None, None, date(2025, 6, 30)),
                          datetime(2025, 12, 1, tzinfo=timezone.utc))
    assert [(o.survey_id, o.occurrence) for o in due] == [("relationship_quality", "day_30"),
                                                           ("competences", "start")]


def test_no_surveys_unless_the_programme_enables_them():
    assert definitions({}) == () and definitions({"surveys": {"enabled": False}}) == ()
    own = default_surveys()[:1]
    assert [s.id for s in definitions({"surveys": {"enabled": True, "definitions": own}})] == ["fit_check"]


def _due_stream(now) -> PairSurveys:
    stream = PairSurveys("p-1")
    due = occurrences_due(SURVEYS, PairTimeline(PAIRING, RIGA, now - timedelta(days=3), None, None), now)
    return stream.apply_all(stream.announce(PAIRING, SURVEYS, due, now))


def test_answers_out_of_scale_or_missing_are_refused_naming_the_question():
    now = datetime(2025, 4, 1, tzinfo=timezone.utc)
    stream, quality = _due_stream(now), SURVEYS[1]
    with pytest.raises(RuleBroken) as refused:
        stream.answer(PAIRING, quality, "relationship_quality", "day_30", "mentee-1",
                      {"heard": 6, "trust": 0, "agreement": "yes", "colour": 3}, now)
    assert refused.value.codes == ["unknown_question", "out_of_scale", "out_of_scale", "out_of_scale", "unanswered"]
    assert [f["field"] for f in refused.value.failures] == [
        "answers.colour", "answers.heard", "answers.trust", "answers.agreement", "answers.helpful"]
    with pytest.raises(RuleBroken) as boolean:  # True is no 1
        stream.answer(PAIRING, quality, "relationship_quality", "day_30", "mentee-1",
                      {"heard": True, "trust": 5, "agreement": 4, "helpful": 4}, now)
    assert boolean.value.codes == ["out_of_scale"]


def test_one_answer_per_respondent_per_occurrence_and_only_when_due():
    now = datetime(2025, 4, 1, tzinfo=timezone.utc)
    stream, quality = _due_stream(now), SURVEYS[1]
    good = {"heard": 4, "trust": 5, "agreement": 3, "helpful": 4}
    [answered] = stream.answer(PAIRING, quality, "relationship_quality", "day_30", "mentee-1", good, now)
    assert answered.event_type == "SurveyAnswered" and answered.payload["by_role"] == "mentee"
    stream.apply(answered)
    for occurrence, by, code in (("day_30", "mentee-1", "already_answered"), ("day_90", "mentee-1", "survey_not_due")):
        with pytest.raises(RuleBroken) as refused:
            stream.answer(PAIRING, quality, "relationship_quality", occurrence, by, good, now)
        assert refused.value.codes == [code]
    with pytest.raises(RuleBroken) as mentor:  # the mentor answers relationship quality too, but not competences
        stream.answer(PAIRING, SURVEYS[2], "competences", "start", "mentor-1", {}, now)
    assert mentor.value.codes == ["not_a_respondent"]
    assert stream.answer(PAIRING, quality, "relationship_quality", "day_30", "mentor-1", good, now)


def test_not_a_fit_tells_the_coordinator():
    now = datetime(2025, 4, 1, tzinfo=timezone.utc)
    stream, fit = _due_stream(now), SURVEYS[0]
    assert [e.event_type for e in stream.answer(PAIRING, fit, "fit_check", "first_meeting", "mentor-1",
                                                {"fit": "still_deciding"}, now)] == ["SurveyAnswered"]
    answered, concern = stream.answer(PAIRING, fit, "fit_check", "first_meeting", "mentee-1", {"fit": "not_a_fit"}, now)
    assert concern.event_type == "PairingFitConcern"
    assert (concern.payload["by_role"], concern.payload["concerns"]) == ("mentee", {"fit": "not_a_fit"})
    with pytest.raises(RuleBroken) as refused:
        stream.answer(PAIRING, fit, "fit_check", "first_meeting", "mentee-1", {"fit": "maybe"}, now)
    assert refused.value.codes == ["out_of_scale"]


def _answer(pairing, survey, occurrence, day, role="mentee", **answers):
    return Answer(pairing, survey, occurrence, role, datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=day),
                  answers)


def test_scores_their_trend_and_the_start_to_end_change():
    answers = [
        _answer("a", "relationship_quality", "day_30", 30, heard=3, trust=3),
        _answer("a", "relationship_quality", "day_90", 90, heard=4, trust=5),
        _answer("a", "competences", "start", 1, planning=2, teamwork=3),
        _answer("a", "competences", "end", 200, planning=4, teamwork=3),
        _answer("a", "fit_check", "first_meeting", 5, fit="good_fit"),
        _answer("b", "competences", "start", 1, planning=3, teamwork=1),
        _answer("b", "competences", "end", 200, planning=4, teamwork=4),
        _answer("b", "fit_check", "first_meeting", 5, role="mentor", fit="not_a_fit"),
    ]
    pair = {row["survey_id"]: row for row in pair_surveys([a for a in answers if a.pairing_id == "a"])}
    quality = pair["relationship_quality"]
    assert ([o["mean"] for o in quality["occurrences"]], quality["trend"], quality["latest"]["occurrence"]) == \
        ([3.0, 4.5], 1.5, "day_90")
    assert pair["competences"]["change"] == {"by_question": {"planning": 2, "teamwork": 0}, "mean": 1.0}
    assert pair["fit_check"]["latest"]["choices"] == {"fit": "good_fit"} and pair["fit_check"]["trend"] is None
    programme = {row["survey_id"]: row for row in programme_surveys(answers)}
    assert programme["competences"]["change"] == {"respondents": 2, "mean": 1.5,
                                                  "by_question": {"planning": 1.5, "teamwork": 1.5}}
    assert [o["occurrence"] for o in programme["competences"]["occurrences"]] == ["start", "end"]
    assert programme["fit_check"]["choices"] == {"good_fit": 1, "not_a_fit": 1}
    assert programme["relationship_quality"]["mean"] == 3.75
