"""Issue 11's missing parts over the real broker and PostgreSQL, beside the real matching
service: a team's analysis meetings before it is paired (seed 003), who waits for a mentor and
for how long, meetings per month, reports as of a moment read with the settings in force
then, the person's export (and after erasure), a dispute published for the coordinator, and
``mentoring rebuild sessions`` with its progress line."""
from __future__ import annotations

import copy
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.matching.tests.conftest import PLATFORM_SECRET, Registration, programme_settings
from services.matching.tests.test_assigns import mentor as team_mentor
from services.matching.tests.test_assigns import set_need, team
from services.platform_core import tenancy
from services.platform_core.cli import cli
from services.platform_core.store import ALL_TENANTS, events_table
from services.platform_core.testing import wait_for
from services.registration.tests import builders
from services.sessions import read_model

from .conftest import START
from .test_service_flow import meeting, read_models

pytestmark = pytest.mark.integration


def utc(month, day, hour=10):
    return datetime(2025, month, day, hour, 0, tzinfo=timezone.utc)


def q(moment: datetime) -> str:
    return moment.isoformat().replace("+", "%2B")


def token(reg, person_id):
    return tenancy.issue_participant_token({"PLATFORM_SECRET": PLATFORM_SECRET}, reg.slug, person_id, START)


def report(platform, reg, programme_id, as_of=None):
    url = f"/tenants/{reg.slug}/programmes/{programme_id}/progress" + (f"?as_of={q(as_of)}" if as_of else "")
    answer = platform.api.get(url, reg.api_key)
    assert answer.status_code == 200, answer.text
    return answer.json()


def analysis(**changes):
    return {"started_at": utc(2, 3).isoformat(), "minutes": 120, "mode": "in_person", "areas": ["fundraising"],
            "took_part": ["Ona (director)", "Jonas"], "need_found": "one donor gives 80% of the income",
            **changes}


def test_a_teams_analysis_meetings_before_it_is_paired_then_shown_apart_in_its_pairs_progress(platform):
    reg = Registration(platform.producer, platform.amqp_uri)
    programme = reg.programme(builders.organisational_settings())
    fundraiser = team_mentor(reg, programme, "fundraising")
    epile = team(reg, programme)
    url = f"/tenants/{reg.slug}/programmes/{programme.id}/teams/{epile}/analysis-meetings"
    wait_for(lambda: platform.api.get(url, reg.api_key).status_code == 200, timeout=20,
             message="sessions to know the team")
    platform.clock.set(utc(2, 3, 14))

    logged = platform.api.post(url, reg.api_key, analysis())
    assert logged.status_code == 201, logged.text
    body = logged.json()
    assert (body["team_id"], body["attendees"], body["took_part"], body["need_found"], body["counted"]) == \
        (epile, 2, ["Ona (director)", "Jonas"], "one donor gives 80% of the income", True)
    mistake = platform.api.post(url, reg.api_key, analysis(started_at=utc(2, 2).isoformat(), minutes=30))
    assert mistake.status_code == 201, mistake.text
    withdrawn = platform.api.post(f"{url}/{mistake.json()['id']}/withdraw", reg.api_key, {})
    assert withdrawn.status_code == 200 and withdrawn.json()["counted"] is False, withdrawn.text
    assert platform.api.post(f"{url}/{mistake.json()['id']}/withdraw", reg.api_key, {}).status_code == 422

    # refused: the future, a bad length, bad input, no such team (a mentor is none), another tenant, a participant
    refused = platform.api.post(url, reg.api_key, analysis(started_at=utc(2, 4).isoformat(), minutes=700))
    assert refused.status_code == 422 and refused.json()["details"]["failures"] == \
        ["in_the_future", "duration_out_of_range"]
    bad = platform.api.post(url, reg.api_key, {"started_at": "monday", "minutes": 60, "mode": "bus"})
    assert bad.status_code == 400 and set(bad.json()["details"]) == {"started_at", "mode", "took_part"}
    other = Registration(platform.producer, platform.amqp_uri)
    for path, key in ((url.replace(epile, str(uuid.uuid4())), reg.api_key),
                      (url.replace(epile, fundraiser), reg.api_key), (url, other.api_key)):
        assert platform.api.post(path, key, analysis()).status_code == 404
        assert platform.api.get(path, key).status_code == 404
    assert platform.api.post(url, token(reg, epile), analysis()).status_code == 403

    # the coordinator and the team read it; nobody else; stored as ciphertext only
    listed = platform.api.get(url, token(reg, epile))
    assert listed.status_code == 200 and [m["status"] for m in listed.json()["analysis_meetings"]] == \
        ["withdrawn", "logged"]
    assert platform.api.get(url, token(reg, fundraiser)).status_code == 404
    with platform.store.transaction(ALL_TENANTS) as tx:
        stored = tx.conn.execute(select(events_table.c.payload).where(events_table.c.stream_id == body["id"])).scalar()
    assert "Ona" not in stored and "donor" not in stored and "encrypted" in stored
    [published] = wait_for(lambda: platform.watcher.of(reg.slug, "AnalysisMeetingLogged")[:1] or None,
                           message="AnalysisMeetingLogged published")
    assert published["payload"]["personal"]["encrypted"]

    waiting = report(platform, reg, programme.id)
    assert (waiting["analysis"], waiting["waiting"]["waiting"], waiting["waiting"]["teams"]) == \
        ({"teams": 1, "meetings": 1, "hours": 2.0}, 1, 1)

    # paired: its analysis is shown apart, not as the pair's meetings; later ones are the pair's
    platform.clock.set(utc(2, 10))
    set_need(reg, programme, epile, "fundraising")
    made = wait_for(lambda: (lambda r: r if r.status_code == 201 else None)(platform.matching_api.post(
        f"/tenants/{reg.slug}/programmes/{programme.id}/pairings", reg.api_key,
        {"mentor_id": fundraiser, "mentee_id": epile})), timeout=20, message="the coordinator to pair the team")
    assert made.json()["pairing"]["status"] == "confirmed"
    paired = wait_for(lambda: (lambda r: r if r["pairs"] else None)(report(platform, reg, programme.id)),
                      timeout=20, message="sessions to see the pairing")
    [row] = paired["pairs"]
    assert (row["meetings"], row["analysis"]["meetings"], row["analysis"]["hours"]) == (0, 1, 2.0)
    assert (paired["waiting"]["waiting"], paired["waiting"]["introduced"]) == (0, 1)
    assert report(platform, reg, programme.id, as_of=utc(2, 5))["waiting"]["waiting"] == 1
    platform.clock.set(utc(2, 12))
    late = platform.api.post(url, reg.api_key, analysis(started_at=utc(2, 11).isoformat()))
    assert late.status_code == 422 and late.json()["details"]["failures"] == ["after_the_pairing"]


def test_who_waits_and_for_how_long_meetings_per_month_and_the_settings_in_force(platform):
    reg = Registration(platform.producer, platform.amqp_uri)
    settings = programme_settings("automatic")
    programme = reg.programme(settings)
    mentee = reg.mentee(programme)  # registered 15 January; nobody to pair with yet
    platform.clock.set(utc(2, 10, 9))

    def waits_with_a_reason():
        answer = platform.api.get(f"/tenants/{reg.slug}/programmes/{programme.id}/progress", reg.api_key)
        if answer.status_code != 200:
            return None
        body = answer.json()
        return body if body["waiting"]["waiting"] == 1 and "not_given" not in body["waiting"]["by_reason"] else None
    body = wait_for(waits_with_a_reason, timeout=20, message="sessions to see the mentee wait, with matching's reason")
    assert (body["waiting"]["median_days"], body["waiting"]["longest_days"], body["waiting"]["introduced"]) == \
        (25.0, 25, 0)

    platform.clock.set(utc(2, 12, 9))
    mentor = reg.mentor(programme)
    paired = wait_for(lambda: (lambda r: r if r["pairs"] else None)(report(platform, reg, programme.id)),
                      timeout=20, message="the pair")
    assert (paired["waiting"]["waiting"], paired["waiting"]["median_days_to_introduction"]) == (0, 27.0)
    then = report(platform, reg, programme.id, as_of=utc(2, 11, 9))["waiting"]
    assert (then["waiting"], then["longest_days"]) == (1, 26)

    # meetings per month, for the programme and the tenant
    pairing_id = paired["pairs"][0]["pairing_id"]
    base = f"/tenants/{reg.slug}/pairings/{pairing_id}"
    platform.clock.set(utc(3, 5, 18))
    for started in (utc(2, 20), utc(3, 2), utc(3, 4)):
        assert platform.api.post(f"{base}/meetings", token(reg, mentor), meeting(started)).status_code == 201
    expected = [{"month": "2025-02", "meetings": 1, "hours": 1.0, "pairs_meeting": 1},
                {"month": "2025-03", "meetings": 2, "hours": 2.0, "pairs_meeting": 1}]
    assert report(platform, reg, programme.id)["meetings_per_month"] == expected
    tenant = platform.api.get(f"/tenants/{reg.slug}/progress", reg.api_key).json()
    assert tenant["meetings_per_month"] == expected and tenant["waiting"]["introduced"] == 1
    assert tenant["programmes"][0]["waiting"] == tenant["waiting"]

    # the cadence changes on 1 April: a report as of March reads the old one
    content = copy.deepcopy(programme.current_settings.to_dict()["content"])
    content["cadence"]["min_per_month"] = 4
    reg._append(programme.update(changes={"content": content}, now=utc(4, 1, 0)))
    platform.clock.set(utc(4, 2))
    wait_for(lambda: platform.api.get(f"{base}/progress", reg.api_key).json()["cadence"]["min_per_month"] == 4,
             timeout=20, message="sessions to see the new cadence")
    march = platform.api.get(f"{base}/progress?as_of={q(utc(3, 31))}", reg.api_key).json()
    assert march["cadence"]["min_per_month"] == settings["content"]["cadence"]["min_per_month"] == 2
    assert report(platform, reg, programme.id, as_of=utc(3, 31))["pairs"][0]["cadence"]["min_per_month"] == 2
    assert mentee == paired["pairs"][0]["mentee_id"]


def test_the_grace_period_is_the_programmes_and_the_watch_and_reports_read_the_one_in_force(platform):
    pair = platform.pair(programme_settings("automatic"))  # at least 2 meetings a month; none are logged
    reg, base = pair.reg, pair.base
    introduced = datetime.fromisoformat(platform.api.get(f"{base}/progress", pair.key).json()["introduced_at"])
    # the programme shortens its grace period from 30 days to 14 days, 16 days and a half after the introduction
    changed_at = introduced + timedelta(days=16, hours=12)
    content = copy.deepcopy(pair.programme.current_settings.to_dict()["content"])
    assert content["cadence"]["grace_days"] == 30
    content["cadence"]["grace_days"] = 14
    reg._append(pair.programme.update(changes={"content": content}, now=changed_at))
    table = read_model.programme_settings

    def versions():
        with platform.store.transaction(ALL_TENANTS) as tx:
            return len(tx.conn.execute(select(table).where(table.c.programme_id == pair.programme.id)).all())
    wait_for(lambda: versions() == 2, timeout=20, message="sessions to see the new grace period")

    def watched():
        with platform.store.transaction(ALL_TENANTS) as tx:
            return [e.event_type for e in tx.read_stream("pairwatch", pair.id)]
    # 16 days after the introduction: the 30 days in force then still hold
    platform.clock.set(introduced + timedelta(days=16))
    platform.run_due()
    assert watched() == []
    before = platform.api.get(f"{base}/progress?as_of={q(introduced + timedelta(days=16))}", pair.key).json()
    assert (before["status"], before["cadence"]["grace_days"]) == ("in_grace", 30)
    platform.clock.set(introduced + timedelta(days=18))
    assert platform.api.get(f"{base}/progress?as_of={q(introduced + timedelta(days=16))}", pair.key).json() == before
    # 17 days after: 14 days are in force, and the pair met less often than the cadence asks
    after = platform.api.get(f"{base}/progress?as_of={q(introduced + timedelta(days=17))}", pair.key).json()
    assert (after["status"], after["at_risk_reasons"], after["cadence"]["grace_days"]) == \
        ("at_risk", ["below_cadence"], 14)
    programme = report(platform, reg, pair.programme.id, as_of=introduced + timedelta(days=16))
    assert programme["summary"]["by_status"] == {"in_grace": 1}
    assert report(platform, reg, pair.programme.id, as_of=introduced + timedelta(days=17))["summary"]["by_status"] \
        == {"at_risk": 1}
    platform.run_due()
    assert watched() == ["PairingAtRisk"]


def test_the_persons_export_and_after_erasure_and_the_dispute_the_coordinator_is_told_of(platform):
    pair = platform.pair(programme_settings("automatic"))
    api = platform.api
    platform.clock.set(utc(2, 20, 18))
    logged = api.post(f"{pair.base}/meetings", pair.mentor_token, meeting(utc(2, 20, 16), note="mentor's note",
                                                                          plan="read chapter 3"))
    assert logged.status_code == 201, logged.text
    meeting_id = logged.json()["id"]
    assert api.post(f"{pair.base}/goals", pair.mentor_token, {"title": "Pass maths", "target_date": "2025-06-01"}) \
        .status_code == 201
    disputed = api.post(f"{pair.base}/meetings/{meeting_id}/dispute", pair.mentee_token, {"reason": "we did not meet"})
    assert disputed.status_code == 200, disputed.text

    [told] = wait_for(lambda: platform.watcher.of(pair.reg.slug, "MeetingDisputed") or None, message="the dispute")
    payload = told["payload"]
    assert (payload["meeting_id"], payload["pairing_id"], payload["programme_id"], payload["by_role"],
            payload["logged_by_person_id"], payload["started_at"]) == \
        (meeting_id, pair.id, pair.programme.id, "mentee", pair.mentor, utc(2, 20, 16).isoformat())
    assert payload["personal"]["encrypted"] and "we did not meet" not in str(told)

    url = f"/tenants/{pair.reg.slug}/people/{pair.mentor}/export"
    mine = api.get(url, pair.mentor_token)
    assert mine.status_code == 200, mine.text
    [pairing] = mine.json()["pairings"]
    assert (pairing["role"], pairing["meetings"][0]["note"], pairing["meetings"][0]["dispute_reason"],
            pairing["goals"][0]["title"]) == ("mentor", "mentor's note", "we did not meet", "Pass maths")
    assert [p["kind"] for p in mine.json()["programmes"]] == ["mentor"]
    assert api.get(url, pair.mentee_token).status_code == 404  # someone else's
    assert api.get(f"/tenants/{pair.reg.slug}/people/{uuid.uuid4()}/export", pair.key).status_code == 404

    pair.reg.erase(pair.mentor)

    def erased():
        body = api.get(url, pair.key).json()
        return body if body["programmes"][0]["left_because"] == "erased" and \
            body["pairings"][0]["meetings"][0]["note"] is None else None
    body = wait_for(erased, timeout=20, message="the mentor's words to be shredded")
    [pairing] = body["pairings"]
    assert (pairing["meetings"][0]["plan"], pairing["goals"][0]["title"]) == (None, None)
    assert "mentor's note" not in str(body) and "read chapter 3" not in str(body) and "Pass maths" not in str(body)


def test_mentoring_rebuild_sessions_prints_its_progress_and_events_per_second(platform, tmp_path):
    pair = platform.pair(programme_settings("automatic"))
    platform.clock.set(utc(2, 20, 18))
    assert platform.api.post(f"{pair.base}/meetings", pair.mentor_token, meeting(utc(2, 20))).status_code == 201
    live = read_models(platform.store)
    with platform.store.transaction(ALL_TENANTS) as tx:
        own = tx.conn.execute(select(events_table.c.event_id).where(
            events_table.c.event_type.in_(list(read_model.MEETINGS.event_types)))).all()

    env = {"SESSIONS_DATABASE_URL": platform.sessions_container.config["DATABASES"]["sessions"],
           "AMQP_URI": platform.amqp_uri, "MENTORING_DATA_DIR": str(tmp_path), "REBUILD_RPC_TIMEOUT": "20"}
    result = CliRunner().invoke(cli, ["rebuild", "sessions"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"sessions/meetings: {len(own):,} / {len(own):,} events (100%)" in out
    for name in ("programmes", "participants", "pairings", "meetings"):
        assert re.search(rf"^sessions/{name}: [\d,]+ / [\d,]+ events \(100%\)$", out, re.M), out
        assert re.search(rf"^rebuilt sessions/{name} from \d+ events in [\d.]+ s \([\d,]+ events/s\)$", out, re.M), out
    assert read_models(platform.store) == live
