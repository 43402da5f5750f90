"""An e-course student's ``external_id`` (seed 004): the learning platform's id, carried in the
profile of the registration events; validated; one participant per id in a programme."""
from __future__ import annotations

import pytest

from services.registration.domain import MENTEE, Person, ValidationFailed
from services.registration.tests import builders
from services.registration.tests.test_http_api import assert_bad_input


def test_the_external_id_is_in_the_published_profile_only_when_given():
    school = builders.programme(builders.school_settings())
    person = Person(builders.new_id())
    events = person.register(programme=school, role=MENTEE, personal=builders.pupil(),
                             profile=builders.profile(external_id="moodle:4711"), now=builders.at("2025-01-20T09:00"))
    assert events[-1].payload["profile"]["external_id"] == "moodle:4711"
    other = Person(builders.new_id())
    plain = other.register(programme=school, role=MENTEE, personal=builders.pupil(), profile=builders.profile(),
                           now=builders.at("2025-01-20T09:00"))
    assert "external_id" not in plain[-1].payload["profile"]
    with pytest.raises(ValidationFailed) as refused:
        Person(builders.new_id()).register(programme=school, role=MENTEE, personal=builders.pupil(),
                                           profile=builders.profile(external_id="has space"),
                                           now=builders.at("2025-01-20T09:00"))
    assert "profile.external_id" in refused.value.errors


@pytest.mark.integration
def test_an_external_id_is_one_participants_in_a_programme(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    school, other = api.programme(tenant), api.programme(tenant)
    body = {"personal": builders.pupil(), "profile": builders.profile(community=[], external_id="lms-1")}
    first = api.post(f"/tenants/{slug}/programmes/{school['id']}/mentees", key, body)
    assert first.status_code == 201, first.text
    count = api.event_count()
    assert_bad_input(api.post(f"/tenants/{slug}/programmes/{school['id']}/mentees", key, body), "profile.external_id")
    assert api.event_count() == count
    assert api.post(f"/tenants/{slug}/programmes/{other['id']}/mentees", key, body).status_code == 201
