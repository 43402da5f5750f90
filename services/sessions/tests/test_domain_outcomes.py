"""Learning outcomes and certificates (seed 002), plain Python: who records and who validates,
when a certificate may be issued, its code, and what a verification shows."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.platform_core.events import DomainEvent
from services.sessions.domain import (
    LearningOutcome,
    PairingCertificates,
    PairingFacts,
    RuleBroken,
    WrongSide,
    certificate_language,
    competence_areas,
    verdict,
)
from services.sessions.domain.certificate import code_hash, normalise_code, verification_code
from services.sessions.domain.rules import ENDED, PROPOSED, NotInPairing

NOW = datetime(2025, 5, 5, 12, 0, tzinfo=timezone.utc)
PAIR = PairingFacts("p-1", "prog-1", "mentor-1", "mentee-1", confirmed_at=datetime(2025, 2, 1, tzinfo=timezone.utc))
SETTINGS = {"name": "Otrā iespēja", "content": {"languages": ["de", "lv", "en"], "areas": [
    {"id": "teamwork", "labels": {"en": "Teamwork", "lv": "Komandas darbs"}},
    {"id": "self-care", "labels": {"nl": "Zelfzorg"}}]}}


def recorded(pairing: PairingFacts = PAIR, **changes) -> LearningOutcome:
    outcome = LearningOutcome("o-1")
    events = outcome.record(pairing=pairing, by=pairing.mentee_id, title="Plāno savu nedēļu", description=None,
                            areas=["teamwork"], area_ids=["teamwork", "self-care"], now=NOW, **changes)
    return outcome.apply_all(_stored(events))


def _stored(events):
    return [DomainEvent(e.event_type, e.stream_type, e.stream_id, e.payload) for e in events]


def test_the_mentee_records_an_outcome_in_the_programmes_competence_areas():
    outcome = recorded()
    assert (outcome.status, outcome.title, outcome.areas, outcome.mentee_id) == \
        ("recorded", "Plāno savu nedēļu", ["teamwork"], "mentee-1")
    [event] = LearningOutcome("o-2").record(pairing=PAIR, by="mentee-1", title="x", description="y",
                                            areas=[], area_ids=[], now=NOW)
    assert set(event.payload["personal"]) == {"title", "description", "areas"}  # the words are all personal
    assert "title" not in event.payload


def test_only_the_mentee_records_and_only_on_a_running_pairing_in_its_areas():
    with pytest.raises(WrongSide):
        LearningOutcome("o").record(pairing=PAIR, by="mentor-1", title="x", description=None, areas=[],
                                    area_ids=[], now=NOW)
    with pytest.raises(NotInPairing):
        LearningOutcome("o").record(pairing=PAIR, by="stranger", title="x", description=None, areas=[],
                                    area_ids=[], now=NOW)
    with pytest.raises(RuleBroken) as unknown:
        LearningOutcome("o").record(pairing=PAIR, by="mentee-1", title="x", description=None, areas=["chess"],
                                    area_ids=["teamwork"], now=NOW)
    assert unknown.value.codes == ["unknown_area"] and unknown.value.failures[0]["field"] == "areas"
    ended = PairingFacts("p-1", "prog-1", "mentor-1", "mentee-1", status=ENDED)
    with pytest.raises(RuleBroken) as late:
        LearningOutcome("o").record(pairing=ended, by="mentee-1", title="x", description=None, areas=[],
                                    area_ids=[], now=NOW)
    assert late.value.codes == ["pairing_ended"]


def test_only_the_pairs_mentor_validates_and_not_yet_can_become_validated():
    outcome = recorded()
    with pytest.raises(WrongSide):
        outcome.validate(pairing=PAIR, by="mentee-1", note=None, now=NOW)
    with pytest.raises(NotInPairing):
        outcome.validate(pairing=PAIR, by="another-mentor", note=None, now=NOW)
    other_pair = PairingFacts("p-2", "prog-1", "mentor-1", "mentee-1")
    with pytest.raises(RuleBroken) as elsewhere:
        outcome.validate(pairing=other_pair, by="mentor-1", note=None, now=NOW)
    assert elsewhere.value.codes == ["no_such_outcome"]

    outcome.apply_all(_stored(outcome.not_yet(pairing=PAIR, by="mentor-1", note="show it once more", now=NOW)))
    assert (outcome.status, outcome.note) == ("not_yet", "show it once more")
    ended = PairingFacts("p-1", "prog-1", "mentor-1", "mentee-1", status=ENDED)  # at the end: still validated
    [event] = outcome.validate(pairing=ended, by="mentor-1", note="shown", now=NOW)
    assert event.event_type == "OutcomeValidated" and event.payload["personal"] == {"note": "shown"}
    outcome.apply_all(_stored([event]))
    assert outcome.validated
    with pytest.raises(RuleBroken) as again:
        outcome.not_yet(pairing=PAIR, by="mentor-1", note=None, now=NOW)
    assert again.value.codes == ["already_validated"]


def test_a_certificate_needs_a_validated_outcome_and_one_in_force_at_a_time():
    held = PairingCertificates("p-1")
    with pytest.raises(RuleBroken) as none:
        held.issue(pairing=PAIR, certificate_id="c-1", code="AAAA", name="Jānis", validated_outcomes=[],
                   language="lv", by_role="coordinator", now=NOW)
    assert none.value.codes == ["no_validated_outcome"]
    proposed = PairingFacts("p-1", "prog-1", "mentor-1", "mentee-1", status=PROPOSED)
    with pytest.raises(RuleBroken) as not_yet:
        held.issue(pairing=proposed, certificate_id="c-1", code="AAAA", name="Jānis", validated_outcomes=["o-1"],
                   language="lv", by_role="coordinator", now=NOW)
    assert not_yet.value.codes == ["pairing_not_confirmed"]

    code = verification_code(bytes(range(15)))
    [issued] = held.issue(pairing=PAIR, certificate_id="c-1", code=code, name="Jānis Bērziņš",
                          validated_outcomes=["o-1"], language="lv", by_role="coordinator", now=NOW)
    assert issued.payload["personal"] == {"name": "Jānis Bērziņš", "code": code}
    assert issued.payload["code_hash"] == code_hash(code) and code not in str({**issued.payload, "personal": 0})
    held.apply_all(_stored([issued]))
    with pytest.raises(RuleBroken) as twice:
        held.issue(pairing=PAIR, certificate_id="c-2", code="BBBB", name="x", validated_outcomes=["o-1"],
                   language="lv", by_role="coordinator", now=NOW)
    assert twice.value.codes == ["already_issued"]

    held.apply_all(_stored(held.revoke(certificate_id="c-1", reason="wrong person", now=NOW)))
    assert held.current is None and held.issued["c-1"].revoked
    with pytest.raises(RuleBroken) as revoked:
        held.revoke(certificate_id="c-1", reason=None, now=NOW)
    assert revoked.value.codes == ["already_revoked"]
    assert held.issue(pairing=PAIR, certificate_id="c-2", code="BBBB", name="x", validated_outcomes=["o-1"],
                      language="lv", by_role="coordinator", now=NOW)  # a new one once revoked


def test_a_code_is_random_typable_and_found_however_it_is_typed():
    code = verification_code(bytes(range(15)))
    assert len(code.replace("-", "")) == 24 and code.count("-") == 5
    assert code_hash(code.lower().replace("-", " ")) == code_hash(code) == code_hash(normalise_code(code))
    assert code_hash(verification_code(bytes(range(1, 16)))) != code_hash(code)
    with pytest.raises(ValueError):
        verification_code(b"short")


def test_a_verification_shows_only_what_a_valid_certificate_certifies():
    held = PairingCertificates("p-1")
    held.apply_all(_stored(held.issue(pairing=PAIR, certificate_id="c-1", code="AAAA-BBBB", name="Ona Žukauskaitė",
                                      validated_outcomes=["o-1"], language="lt", by_role="mentee", now=NOW)))
    valid = verdict(held.issued["c-1"], programme="Antra galimybė", outcome_titles=["Komandinis darbas"]).to_dict()
    assert valid == {"genuine": True, "status": "valid", "name": "Ona Žukauskaitė", "programme": "Antra galimybė",
                     "issued_on": "2025-05-05", "outcomes": ["Komandinis darbas"]}
    erased = held.issued["c-1"].__class__(**{**held.issued["c-1"].__dict__, "name": None, "code": None})
    assert verdict(erased, programme="Antra galimybė", outcome_titles=[None]).to_dict() == {
        "genuine": False, "status": "erased", "name": None, "programme": None, "issued_on": None, "outcomes": []}
    assert verdict(None, programme=None, outcome_titles=[]).status == "unknown"
    held.apply_all(_stored(held.revoke(certificate_id="c-1", reason=None, now=NOW)))
    revoked = verdict(held.issued["c-1"], programme="x", outcome_titles=["y"])
    assert (revoked.genuine, revoked.status, revoked.name, revoked.outcomes) == (False, "revoked", None, [])


def test_the_programmes_language_and_competence_areas_come_from_its_settings():
    assert certificate_language(SETTINGS) == "lv"  # the first of its languages a certificate is written in
    assert certificate_language({"content": {"languages": ["de"]}}) == "en"
    areas = competence_areas(SETTINGS)
    assert [a.id for a in areas] == ["teamwork", "self-care"]
    assert (areas[0].label("lv"), areas[0].label("lt"), areas[1].label("lv")) == ("Komandas darbs", "Teamwork",
                                                                                 "Zelfzorg")
