"""The published language (``services/contracts``): what it says agrees with the domains that
produce the events, and every event that leaves a service is described there."""
import pytest

import services.contracts  # noqa: F401 - registers every published event type
import services.matching.schemas  # noqa: F401 - and the private ones
import services.registration.schemas  # noqa: F401
from services.contracts import matching as matching_contract
from services.contracts import registration as registration_contract
from services.matching.domain import pairing, requests
from services.platform_core.events import CATALOGUE
from services.registration import domain


@pytest.mark.parametrize("name, words", [
    ("ROLES", domain.ROLES), ("PARTICIPANT_KINDS", domain.PARTICIPANT_KINDS),
    ("PERSON_KINDS", (domain.INDIVIDUAL, domain.TEAM)), ("TENANT_KINDS", domain.TENANT_KINDS),
    ("ISO_639_1", domain.ISO_639_1), ("CONSENT_RULES", domain.CONSENT_RULES),
    ("TRAINING_RULES", domain.TRAINING_RULES), ("MATCHING_MODES", domain.MATCHING_MODES),
    ("SCORE_WEIGHTS", domain.SCORE_WEIGHTS), ("CONSENT_GIVERS", domain.CONSENT_GIVERS),
    ("CODE", domain.CODE.pattern), ("PROGRAMME_DAYS", domain.ProgrammeDates.DAYS),
])
def test_the_registration_contract_speaks_the_domains_words(name, words):
    assert getattr(registration_contract, name) == words


@pytest.mark.parametrize("name, words", [
    ("ORIGINS", pairing.ORIGINS), ("REJECTERS", pairing.REJECTERS),
    ("END_REASONS", pairing.END_REASONS), ("CANCEL_REASONS", requests.CANCEL_REASONS),
])
def test_the_matching_contract_speaks_the_domains_words(name, words):
    assert getattr(matching_contract, name) == words


def test_every_published_event_type_is_a_contract_and_no_private_one_is():
    for event in CATALOGUE:
        if event.service not in ("registration", "matching"):
            continue
        published = event.visibility in ("public", "internal")
        assert event.schema.__module__.startswith("services.contracts.") == published, event.name
        if published:
            contract = {"registration": registration_contract, "matching": matching_contract}[event.service]
            assert contract.PAYLOAD_SCHEMAS[event.name] is event.schema
