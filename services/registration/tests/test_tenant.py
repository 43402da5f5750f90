import hashlib

import pytest

from services.platform_core.events import CATALOGUE
from services.registration import schemas  # noqa: F401  (registers the event types)
from services.registration.domain import RuleBroken, Tenant, ValidationFailed
from services.registration.tests.builders import NOW, at, tenant

KEY = "k" * 40
OTHER_KEY = "o" * 40


def test_a_tenant_is_created_with_its_name_kind_language_and_time_zone():
    events = Tenant("vjg").create(name="Vilniaus jėzuitų gimnazija", kind="school",
                                  default_language="lt", time_zone="Europe/Vilnius", now=NOW)

    assert [e.event_type for e in events] == ["TenantCreated"]
    assert events[0].stream_type == "tenant" and events[0].stream_id == "vjg"
    created = Tenant.from_events(events[0].stream_id, events)
    assert (created.name, created.kind, created.default_language, created.time_zone) == (
        "Vilniaus jėzuitų gimnazija", "school", "lt", "Europe/Vilnius")
    assert created.version == 1


@pytest.mark.parametrize("language", ["en", "lv", "lt", "nl"])
def test_every_supported_language_can_be_a_tenants_default(language):
    assert Tenant("org").create(name="Org", kind="ngo", default_language=language,
                                time_zone="Europe/Riga", now=NOW)


def test_every_problem_of_a_new_tenant_is_reported_at_once():
    with pytest.raises(ValidationFailed) as refused:
        Tenant("Not A Slug").create(name="", kind="club", default_language="de",
                                    time_zone="Mars/Olympus", now=NOW)

    assert set(refused.value.errors) == {"slug", "name", "kind", "default_language", "time_zone"}
    assert "Europe/Riga" in refused.value.errors["time_zone"][0]


def test_a_tenant_cannot_be_created_twice():
    with pytest.raises(RuleBroken, match="already exists"):
        tenant("vjg").create(name="Again", kind="school", default_language="lt",
                             time_zone="Europe/Vilnius", now=NOW)


def test_time_must_be_timezone_aware():
    with pytest.raises(ValueError):
        Tenant("vjg").create(name="VJG", kind="school", default_language="lt",
                             time_zone="Europe/Vilnius", now=NOW.replace(tzinfo=None))


def test_rotating_the_key_records_only_its_hash():
    events = tenant().rotate_key(key_id="key-1", api_key=KEY, now=NOW)

    payload = events[0].payload
    assert events[0].event_type == "TenantKeyRotated"
    assert payload["key_hash"] == hashlib.sha256(KEY.encode()).hexdigest()
    assert KEY not in repr(payload)
    assert payload["revoked_key_ids"] == []


def test_rotating_again_revokes_the_previous_key():
    owner = tenant()
    owner.apply_all(owner.rotate_key(key_id="key-1", api_key=KEY, now=NOW))
    second = owner.rotate_key(key_id="key-2", api_key=OTHER_KEY, now=at("2025-06-01T00:00"))

    assert second[0].payload["revoked_key_ids"] == ["key-1"]
    owner.apply_all(second)
    assert owner.key_matches(OTHER_KEY)
    assert not owner.key_matches(KEY)


def test_a_new_key_needs_a_new_id_and_a_long_secret():
    owner = tenant()
    owner.apply_all(owner.rotate_key(key_id="key-1", api_key=KEY, now=NOW))
    with pytest.raises(RuleBroken) as refused:
        owner.rotate_key(key_id="key-1", api_key=OTHER_KEY, now=NOW)
    assert refused.value.field == "key_id"
    with pytest.raises(ValidationFailed) as invalid:
        owner.rotate_key(key_id="bad id!", api_key="short", now=NOW)
    assert set(invalid.value.errors) == {"key_id", "api_key"}


def test_an_unknown_tenant_has_no_key():
    assert not Tenant("nobody").key_matches(KEY)
    with pytest.raises(RuleBroken, match="does not exist"):
        Tenant("nobody").rotate_key(key_id="key-1", api_key=KEY, now=NOW)


def test_key_rotations_never_reach_external_subscribers():
    assert CATALOGUE.get("TenantKeyRotated").visibility == "internal"
    assert CATALOGUE.get("TenantCreated").visibility == "public"
