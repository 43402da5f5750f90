"""A mentee choosing a sensitive area (seed 000: "leaving harmful relationships and
addictions") is a sensitive fact: it never enters a broadcast payload, yet the person and
their coordinator still see it, and it goes with an erasure."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.platform_core.store import events_table
from services.registration.domain import MENTEE, MENTOR, PROFILE_AREAS, Person
from services.registration.tests import builders
from services.registration.tests.builders import adult, at, fold, new_id, programme, pupil

WHEN = at("2025-01-20T09:00")
YOUTH_PROFILE = {"languages": ["lv"], "place": "Riga", "remote": False, "community": []}


@pytest.fixture
def youth():
    return programme(builders.youth_mentoring_settings(), owner=builders.tenant(time_zone="Europe/Riga"))


def test_a_sensitive_area_stays_out_of_the_broadcast_profile_but_not_out_of_the_persons(youth):
    mentee = Person(new_id())
    events = mentee.register(programme=youth, role=MENTEE, personal=pupil(), now=WHEN,
                             profile={**YOUTH_PROFILE, "areas": ["harmful_relations", "education"]})
    fold(mentee, events)
    registered = events[-1].payload
    assert registered["profile"]["areas"] == ["education"]                       # broadcast
    assert registered["personal"] == {PROFILE_AREAS: ["harmful_relations", "education"]}  # encrypted
    assert mentee.participations[youth.id].profile["areas"] == ["harmful_relations", "education"]

    [changed] = mentee.update_profile(programme=youth, now=WHEN, profile={"areas": ["goals", "harmful_relations"]})
    assert changed.payload["profile"]["areas"] == ["goals"]
    assert changed.payload["personal"] == {PROFILE_AREAS: ["goals", "harmful_relations"]}
    fold(mentee, [changed])
    assert mentee.participations[youth.id].profile["areas"] == ["goals", "harmful_relations"]
    assert "profile_areas" not in (mentee.personal or {})                       # not a personal field

    [dropped] = mentee.update_profile(programme=youth, now=WHEN, profile={"areas": ["goals"]})
    assert dropped.payload["profile"]["areas"] == ["goals"] and dropped.payload["personal"] is None

    mentor = Person(new_id())  # a mentor who can help with it says nothing sensitive about themself
    events = mentor.register(programme=youth, role=MENTOR, personal=adult(), now=WHEN,
                             profile={**YOUTH_PROFILE, "areas": ["harmful_relations"]})
    assert events[-1].payload["profile"]["areas"] == ["harmful_relations"] and "personal" not in events[-1].payload


@pytest.mark.integration
def test_over_http_the_feed_and_the_store_never_show_it_and_the_coordinator_does(api):
    tenant = api.tenant(time_zone="Europe/Riga")
    youth = api.programme(tenant, builders.youth_mentoring_settings())
    mentee = api.register(tenant, youth["id"], "mentees", personal=builders.pupil(),
                          profile={**YOUTH_PROFILE, "areas": ["harmful_relations", "education"]})
    person = f"/tenants/{tenant['slug']}/people/{mentee['person_id']}"
    view = api.get(person, tenant["key"]).json()
    assert view["participations"][0]["profile"]["areas"] == ["harmful_relations", "education"]
    feed = api.get(f"/tenants/{tenant['slug']}/events?after=0&limit=1000", tenant["key"]).json()["events"]
    [shared] = [e for e in feed if e["event_type"] == "MenteeRegistered"]
    assert shared["payload"]["profile"]["areas"] == ["education"]
    assert "harmful_relations" not in json.dumps(shared)
    with api.store.engine.connect() as conn:
        stored = conn.execute(select(events_table.c.payload).where(
            events_table.c.stream_id == mentee["person_id"],
            events_table.c.event_type == "MenteeRegistered")).scalar_one()
    assert "harmful_relations" not in stored                                    # ciphertext only
    assert api.post(person + "/erase", tenant["key"]).status_code == 200
    assert "harmful_relations" not in api.get(person + "/export", tenant["key"]).text
