"""Surveys over the real broker (seed 002): a programme that runs them gets ``SurveyDue`` from the
daily watch once per occurrence, in its time zone; an answer out of scale is a 422 naming the
question; "not a fit" publishes ``PairingFitConcern`` for the coordinator; the scores join the
pair's and the programme's progress; a side of the pair sees only its own."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from services.matching.tests.conftest import programme_settings
from services.platform_core.store import ALL_TENANTS
from services.platform_core.testing import wait_for
from services.sessions import surveys

pytestmark = pytest.mark.integration


def utc(month, day, hour=16, minute=0):
    return datetime(2025, month, day, hour, minute, tzinfo=timezone.utc)


def survey_rows(store):
    with store.transaction(ALL_TENANTS) as tx:
        return {t.name: sorted((dict(r) for r in tx.conn.execute(select(t)).mappings()),
                               key=lambda row: json.dumps(row, sort_keys=True, default=str))
                for t in surveys.SURVEYS.metadata.sorted_tables}


def with_surveys():
    return {**programme_settings("automatic"), "surveys": {"enabled": True}}


def test_surveys_fall_due_once_are_answered_on_their_scales_and_not_a_fit_tells_the_coordinator(platform):
    pair = platform.pair(with_surveys())
    api, watcher, slug = platform.api, platform.watcher, pair.reg.slug
    platform.clock.set(utc(2, 11, 5))  # 07:00 in Riga, the morning after the introduction
    platform.run_due()
    [start] = wait_for(lambda: watcher.of(slug, "SurveyDue"), message="the competences at the start")
    assert (start["stream_id"], start["payload"]["survey_id"], start["payload"]["occurrence"],
            start["payload"]["respondent_ids"]) == (pair.id, "competences", "start", [pair.mentee])

    # a meeting; the next morning's watch says the fit check, and nothing twice
    platform.clock.set(utc(2, 12, 18))
    assert api.post(f"{pair.base}/meetings", pair.mentor_token, {
        "started_at": utc(2, 12, 15).isoformat(), "minutes": 60, "mode": "in_person",
        "areas": ["education"]}).status_code == 201
    for day in (13, 14):
        platform.clock.set(utc(2, day, 5))
        platform.run_due()
    fit = wait_for(lambda: [e for e in watcher.of(slug, "SurveyDue") if e["payload"]["survey_id"] == "fit_check"],
                   message="the fit check")
    assert [e["payload"]["occurrence"] for e in fit] == ["first_meeting"]
    assert fit[0]["payload"]["respondents"] == ["mentor", "mentee"]
    assert len(watcher.of(slug, "SurveyDue")) == 2

    # what is due, for whom
    mine = api.get(f"{pair.base}/surveys", pair.mentor_token).json()
    assert {(s["survey_id"], s["yours_to_answer"]) for s in mine["surveys"]} == {
        ("competences", False), ("fit_check", True)}
    assert mine["scores"] is None and all(s["answers"] is None for s in mine["surveys"])
    assert api.get(f"{pair.base}/surveys", pair.stranger_token).status_code == 404

    # out of scale, unanswered, not due: refused, naming the question
    competences = f"{pair.base}/surveys/competences/start"
    out = api.post(competences, pair.mentee_token, {"answers": {
        "communication": 9, "planning": 2, "problem_solving": 3, "teamwork": 4}})
    assert out.status_code == 422, out.text
    assert out.json()["details"]["failures"] == ["out_of_scale", "unanswered"]
    assert set(out.json()["details"]["fields"]) == {"answers.communication", "answers.confidence"}
    assert api.post(f"{pair.base}/surveys/relationship_quality/day_30", pair.mentee_token,
                    {"answers": {"heard": 3}}).json()["details"]["failures"] == ["survey_not_due"]
    assert api.post(competences, pair.mentee_token, {"answers": []}).status_code == 400
    answered = api.post(competences, pair.mentee_token, {"answers": {
        "communication": 2, "planning": 2, "problem_solving": 3, "teamwork": 4, "confidence": 1}})
    assert answered.status_code == 201 and answered.json()["coordinator_told"] is False, answered.text
    assert api.post(competences, pair.mentee_token, {"answers": {
        "communication": 2, "planning": 2, "problem_solving": 3, "teamwork": 4, "confidence": 1}}
    ).json()["details"]["failures"] == ["already_answered"]

    # not a fit: the coordinator is told
    told = api.post(f"{pair.base}/surveys/fit_check/first_meeting", pair.mentee_token,
                    {"answers": {"fit": "not_a_fit"}})
    assert told.status_code == 201 and told.json()["coordinator_told"] is True, told.text
    [concern] = wait_for(lambda: watcher.of(slug, "PairingFitConcern"), message="PairingFitConcern")
    assert (concern["payload"]["by_role"], concern["payload"]["concerns"], concern["payload"]["mentor_id"]) == \
        ("mentee", {"fit": "not_a_fit"}, pair.mentor)
    assert len(wait_for(lambda: watcher.of(slug, "SurveyAnswered") if len(watcher.of(slug, "SurveyAnswered")) == 2
                        else None, message="both answers")) == 2

    # the coordinator sees the answers and the scores; the mentor not the mentee's
    seen = api.get(f"{pair.base}/surveys", pair.key).json()
    assert {s["survey_id"]: s["answers"] for s in seen["surveys"]}["fit_check"] == {"mentee": {"fit": "not_a_fit"}}
    progress = api.get(f"{pair.base}/progress", pair.key).json()
    assert {(s["survey_id"], s["role"], s["latest"]["mean"]) for s in progress["surveys"]} == {
        ("competences", "mentee", 2.4), ("fit_check", "mentee", None)}
    assert api.get(f"{pair.base}/progress", pair.mentor_token).json()["surveys"] == []
    report = api.get(f"/tenants/{slug}/programmes/{pair.programme.id}/progress", pair.key).json()
    scores = {s["survey_id"]: s for s in report["surveys"]}
    assert (scores["competences"]["mean"], scores["fit_check"]["choices"]) == (2.4, {"not_a_fit": 1})
    before = api.get(f"/tenants/{slug}/programmes/{pair.programme.id}/progress?as_of=2025-02-12T00:00:00%2B00:00",
                     pair.key).json()
    assert before["surveys"] == []

    # the person's export holds their own answers, oldest first; the mentor's holds none of the mentee's
    def exported(person, token):
        response = api.get(f"/tenants/{slug}/people/{person}/export", token)
        assert response.status_code == 200, response.text
        [pairing] = response.json()["pairings"]
        return pairing["survey_answers"]
    assert exported(pair.mentee, pair.mentee_token) == exported(pair.mentee, pair.key) == [
        {"survey_id": "competences", "occurrence": "start", "by_role": "mentee",
         "answered_at": utc(2, 14, 5).isoformat(),
         "answers": {"communication": 2, "planning": 2, "problem_solving": 3, "teamwork": 4, "confidence": 1}},
        {"survey_id": "fit_check", "occurrence": "first_meeting", "by_role": "mentee",
         "answered_at": utc(2, 14, 5).isoformat(), "answers": {"fit": "not_a_fit"}}]
    assert exported(pair.mentor, pair.mentor_token) == []

    # the surveys' read model rebuilt from the events is the one kept live
    live = survey_rows(platform.store)
    surveys.SURVEYS.rebuild(platform.store)
    assert survey_rows(platform.store) == live and live["sess_survey_answers"]


def test_a_programme_without_surveys_says_none_due(platform):
    pair = platform.pair(programme_settings("automatic"))
    platform.clock.set(utc(4, 1, 5))
    platform.run_due()
    wait_for(lambda: platform.watcher.of(pair.reg.slug, "PairingAtRisk"), message="the watch to have run")
    assert platform.watcher.of(pair.reg.slug, "SurveyDue") == []
    assert platform.api.get(f"{pair.base}/surveys", pair.key).json()["surveys"] == []
