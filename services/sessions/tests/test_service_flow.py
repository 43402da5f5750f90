"""Sessions over the real broker, beside the real matching service: a pair matching made logs
meetings and goals, the coordinator reads its progress (as of any moment, JSON or CSV), the
daily watch publishes at-risk and back-on-track, a final review ends the pairing as completed
in matching, and private notes stay with the pair and the coordinator, until erasure."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from services.matching.tests.conftest import programme_settings
from services.platform_core.store import ALL_TENANTS, events_table
from services.platform_core.testing import wait_for
from services.sessions import read_model

pytestmark = pytest.mark.integration


def utc(month, day, hour=16, minute=0):
    return datetime(2025, month, day, hour, minute, tzinfo=timezone.utc)


def meeting(started, minutes=60, mode="in_person", **extra):
    return {"started_at": started.isoformat(), "minutes": minutes, "mode": mode, "areas": ["education"], **extra}


def read_models(store):
    with store.transaction(ALL_TENANTS) as tx:
        return {t.name: sorted(tuple(sorted(dict(r).items(), key=str)) for r in tx.conn.execute(select(t)).mappings())
                for projection in (read_model.MEETINGS, read_model.PROGRESS) for t in projection.metadata.sorted_tables}


def test_a_logged_meeting_feeds_the_pairs_progress(platform):
    pair = platform.pair(programme_settings("automatic"))
    api = platform.api
    platform.clock.set(utc(2, 20, 18))
    logged = api.post(f"{pair.base}/meetings", pair.mentor_token, meeting(
        utc(2, 20), plan="read chapter 3", note="seemed tired",
        goals_set=[{"title": "Pass maths", "target_date": "2025-05-01"}]))
    assert logged.status_code == 201, logged.text
    body = logged.json()
    assert (body["status"], body["note"], body["logged_by_role"], len(body["goals_set"])) == \
        ("logged", "seemed tired", "mentor", 1)

    # someone else's pairing is not there at all; bad input names each field; a rule is a 422
    assert api.post(f"{pair.base}/meetings", pair.stranger_token, meeting(utc(2, 20))).status_code == 404
    assert api.get(f"{pair.base}/meetings", pair.stranger_token).status_code == 404
    bad = api.post(f"{pair.base}/meetings", pair.mentor_token, {"started_at": "yesterday", "minutes": "an hour",
                                                                 "mode": "bus", "colour": "red"})
    assert bad.status_code == 400 and set(bad.json()["details"]) == {"started_at", "minutes", "mode", "colour"}
    future = api.post(f"{pair.base}/meetings", pair.mentor_token, meeting(utc(2, 21), minutes=700))
    assert future.status_code == 422, future.text
    assert future.json()["details"]["failures"] == ["in_the_future", "duration_out_of_range"]

    # the other side confirms; the note is read by the pair and the coordinator
    confirmed = api.post(f"{pair.base}/meetings/{body['id']}/confirm", pair.mentee_token, {})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed", confirmed.text
    assert api.post(f"{pair.base}/meetings/{body['id']}/confirm", pair.mentor_token, {}).status_code == 422
    for token in (pair.mentee_token, pair.key):
        seen = api.get(f"{pair.base}/meetings/{body['id']}", token).json()
        assert (seen["note"], seen["plan"]) == ("seemed tired", "read chapter 3")

    progress = api.get(f"{pair.base}/progress", pair.key).json()
    assert (progress["meetings"], progress["hours"], progress["goals"], progress["days_to_first_meeting"],
            progress["status"]) == (1, 1.0, {"open": 1, "reached": 0, "dropped": 0}, 10, "in_grace")
    before = api.get(f"{pair.base}/progress?as_of=2025-02-15T00:00:00%2B00:00", pair.key).json()
    assert (before["meetings"], before["goals"]["open"]) == (0, 0)
    csv = api.get(f"{pair.base}/progress.csv", pair.key)
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert csv.text.splitlines() == ["month,meetings,towards_cadence,minutes,partial,min_per_month,met",
                                     "2025-02,1,1,60,True,2,"]
    assert api.get(f"{pair.base}/progress?as_of=later", pair.key).status_code == 400
    programme = api.get(f"/tenants/{pair.reg.slug}/programmes/{pair.programme.id}/progress.csv", pair.key)
    assert programme.status_code == 200 and programme.text.count("\n") == 2

    # published with the note as ciphertext only, each event as its contract says
    [published] = wait_for(lambda: platform.watcher.of(pair.reg.slug, "MeetingLogged"), message="MeetingLogged")
    assert published["payload"]["personal"]["encrypted"]
    assert not any("seemed tired" in body for body in platform.watcher.bodies(pair.reg.slug))

    # the read model rebuilt from the events is the one kept live
    live = read_models(platform.store)
    read_model.MEETINGS.rebuild(platform.store)
    read_model.PROGRESS.rebuild(platform.store)
    assert read_models(platform.store) == live and live["sess_pair_tallies"]


def test_the_daily_watch_says_at_risk_and_back_on_track(platform):
    pair = platform.pair(programme_settings("automatic"))
    platform.clock.set(utc(3, 20, 7))  # 38 days without a meeting; the cadence asks for 2 a month
    platform.run_due()
    [at_risk] = wait_for(lambda: platform.watcher.of(pair.reg.slug, "PairingAtRisk"), message="PairingAtRisk")
    assert at_risk["payload"]["reasons"] == ["below_cadence", "no_meeting_for_too_long"]
    assert at_risk["stream_id"] == pair.id

    platform.clock.set(utc(3, 20, 12))
    for started in (utc(3, 18), utc(3, 20, 10)):
        assert platform.api.post(f"{pair.base}/meetings", pair.mentee_token, meeting(started)).status_code == 201
    platform.clock.set(utc(3, 21, 7))
    platform.run_due()
    [back] = wait_for(lambda: platform.watcher.of(pair.reg.slug, "PairingBackOnTrack"), message="back on track")
    assert back["payload"]["towards_cadence_last_30_days"] == 2
    platform.clock.set(utc(3, 22, 7))
    platform.run_due()  # nothing changed: nothing said
    assert len(platform.watcher.of(pair.reg.slug, "PairingAtRisk")) == 1
    report = platform.api.get(f"/tenants/{pair.reg.slug}/programmes/{pair.programme.id}/progress", pair.key).json()
    assert report["summary"]["by_status"] == {"on_track": 1}


def test_a_final_review_ends_the_pairing_as_completed_in_matching(platform):
    pair = platform.pair(programme_settings("automatic"))
    platform.clock.set(utc(8, 30, 12))
    review = platform.api.post(f"{pair.base}/final-review", pair.mentee_token, {
        "achievements": "a strategy", "further_goals": ["find donors"], "next_steps": "apply for a grant"})
    assert review.status_code == 201, review.text
    again = platform.api.post(f"{pair.base}/final-review", pair.key, {"achievements": "x", "next_steps": "y"})
    assert again.status_code == 422 and again.json()["details"]["failures"] == ["already_recorded"]

    def ended():
        rows = platform.matching_api.get(f"/tenants/{pair.reg.slug}/programmes/{pair.programme.id}/pairings",
                                         pair.key).json()["pairings"]
        return rows if rows and rows[0]["status"] == "ended" else None
    [row] = wait_for(ended, timeout=20, message="matching to end the pairing")
    assert (row["close_reason"], row["closed_by"]) == ("completed", "mentee")
    def seen_ended():
        progress = platform.api.get(f"{pair.base}/progress", pair.key).json()
        return progress if progress["pairing_status"] == "ended" else None
    progress = wait_for(seen_ended, message="sessions to see the end")
    assert (progress["end_reason"], progress["final_review_recorded"], progress["status"]) == \
        ("completed", True, "ended")
    refused = platform.api.post(f"{pair.base}/meetings", pair.mentor_token, meeting(utc(8, 29)))
    assert refused.status_code == 422 and refused.json()["details"]["failures"] == ["pairing_ended"]


def test_private_notes_are_unreadable_after_their_writers_erasure(platform):
    pair = platform.pair(programme_settings("automatic"))
    platform.clock.set(utc(2, 20, 18))
    logged = platform.api.post(f"{pair.base}/meetings", pair.mentor_token, meeting(utc(2, 20), note="a secret"))
    assert logged.status_code == 201, logged.text
    meeting_id = logged.json()["id"]
    with platform.store.transaction(ALL_TENANTS) as tx:  # stored as ciphertext only
        stored = tx.conn.execute(select(events_table.c.payload).where(events_table.c.stream_id == meeting_id)).scalar()
    assert "a secret" not in stored and "encrypted" in stored

    pair.reg.erase(pair.mentor)
    wait_for(lambda: platform.api.get(f"{pair.base}/meetings/{meeting_id}", pair.mentee_token).json()["note"] is None,
             timeout=20, message="the note to be shredded")
    assert platform.api.get(f"{pair.base}/meetings/{meeting_id}", pair.key).json()["note"] is None
    assert platform.api.get(f"{pair.base}/meetings", pair.mentor_token).status_code == 401  # token revoked


def test_text_that_is_not_unicode_is_refused_and_never_stored(platform):
    """A lone UTF-16 surrogate is valid JSON but no text: once stored, no answer showing it
    could be sent (UTF-8 cannot encode it), so it is refused at the door, in a value or a key."""
    pair = platform.pair(programme_settings("automatic"))
    platform.clock.set(utc(2, 20, 18))
    started = utc(2, 20).isoformat()
    for path, raw in ((f"{pair.base}/meetings", '{"started_at": "%s", "minutes": 60, "mode": "remote", '
                       '"note": "tired \\ud800"}' % started),
                      (f"{pair.base}/goals", '{"title": "x", "target_date": "2025-06-01", "\\udc00": 1}')):
        refused = platform.api.post(path, pair.mentor_token, data=raw, headers={"Content-Type": "application/json"})
        assert refused.status_code == 400, refused.text
        assert list(refused.json()["details"]) in (["note"], ["\\udc00"])
    listed = platform.api.get(f"{pair.base}/meetings", pair.key)
    assert listed.status_code == 200 and listed.json()["meetings"] == []


def test_a_report_as_of_a_moment_before_the_pair_is_empty_even_in_year_one(platform):
    pair = platform.pair(programme_settings("automatic"))
    for path in ("/progress", "/progress.csv"):
        report = platform.api.get(f"{pair.base}{path}?as_of=0001-01-01T00:00:00%2B14:00", pair.key)
        assert report.status_code == 200, report.text
    assert report.text.splitlines() == ["month,meetings,towards_cadence,minutes,partial,min_per_month,met"]


def test_the_tenant_report_sums_its_programmes(platform):
    pair = platform.pair(programme_settings("automatic"))
    other = pair.reg.programme(programme_settings("automatic"))  # no pairs yet
    platform.clock.set(utc(2, 20, 18))
    assert platform.api.post(f"{pair.base}/meetings", pair.mentor_token, meeting(utc(2, 20))).status_code == 201
    url = f"/tenants/{pair.reg.slug}/progress"

    def both():
        report = platform.api.get(url, pair.key).json()
        return report if len(report["programmes"]) == 2 else None
    report = wait_for(both, message="sessions to know both programmes")
    by_id = {p["programme_id"]: p["summary"] for p in report["programmes"]}
    assert (by_id[pair.programme.id]["pairs"], by_id[pair.programme.id]["meetings"]) == (1, 1)
    assert by_id[other.id]["pairs"] == 0
    assert (report["totals"]["pairs"], report["totals"]["meetings"], report["totals"]["hours"]) == (1, 1, 1.0)
    programme = platform.api.get(f"/tenants/{pair.reg.slug}/programmes/{pair.programme.id}/progress", pair.key)
    assert programme.json()["summary"] == by_id[pair.programme.id]

    before = platform.api.get(f"{url}?as_of=2025-02-15T00:00:00%2B00:00", pair.key).json()
    assert before["totals"]["meetings"] == 0
    csv = platform.api.get(f"{url}.csv", pair.key)
    assert csv.headers["Content-Type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == ("programme_id,pairs,completed,closed_early,meetings,hours,goals_reached,"
                        "reached_3_months,reached_6_months,reached_12_months,waiting,median_days_waiting,"
                        "longest_days_waiting")
    assert lines[-1] == "total,1,0,0,1,1.0,0,0,0,0,0,," and len(lines) == 4
    assert platform.api.get(url, pair.mentor_token).status_code == 403
    assert platform.api.get(f"{url}?as_of=2999-01-01T00:00:00%2B00:00", pair.key).status_code == 400


def test_the_programme_report_says_who_ended_a_pair_early_and_how_long_it_lasted(platform):
    pair = platform.pair(programme_settings("automatic"))
    platform.clock.set(utc(6, 15, 12))  # a little over four months after the introduction
    ended = platform.matching_api.post(
        f"/tenants/{pair.reg.slug}/programmes/{pair.programme.id}/pairings/{pair.id}/end", pair.key,
        {"reason": "withdrew", "rematch": False})
    assert ended.status_code == 200, ended.text
    url = f"/tenants/{pair.reg.slug}/programmes/{pair.programme.id}/progress"

    def seen_ended():
        report = platform.api.get(url, pair.key).json()
        return report if report["pairs"][0]["pairing_status"] == "ended" else None
    report = wait_for(seen_ended, timeout=20, message="sessions to see the end")
    [row] = report["pairs"]
    assert (row["end_reason"], row["ended_by"], row["match_days"], row["match_months"]) == \
        ("withdrew", "coordinator", 125, 4)
    summary = report["summary"]
    assert (summary["completed"], summary["closed_early"], summary["reached_3_months"],
            summary["reached_6_months"]) == (0, 1, 1, 0)
    assert summary["ended_early"] == [{"reason": "withdrew", "ended_by": "coordinator", "pairs": 1}]
    # once ended, the match length no longer grows with the report's moment
    platform.clock.set(utc(12, 1, 12))
    assert platform.api.get(url, pair.key).json()["pairs"][0]["match_days"] == 125
    csv = platform.api.get(f"{url}.csv", pair.key).text.splitlines()
    assert csv[0].endswith("end_reason,ended_by,match_days,match_months,analysis_meetings")
    assert csv[1].endswith("withdrew,coordinator,125,4,")
