"""One reader of programme settings, one set of defaults (services/contracts/programme_settings.py).

Registration fills every default into the settings it stores; matching reads the stored
settings; both take what an unset value means from the contracts. Here: an unset value
means the same to both, and registration stores exactly the contracts' defaults."""
from services.contracts.programme_settings import DEFAULTS, setting
from services.matching.domain.settings import rules_from_settings
from services.registration.domain.settings import ProgrammeSettings
from services.registration.tests import builders


def _at(settings, path):
    value = settings
    for key in path.split("."):
        value = value[key]
    return value


def test_registration_stores_the_contracts_defaults():
    minimal = builders.school_settings()
    for section in ("rules", "matching"):
        minimal.pop(section, None)
    minimal.get("people", {}).pop("mentor_capacity", None)
    minimal.get("people", {}).pop("team_leaders_min", None)
    minimal.get("content", {}).pop("cadence", None)
    stored = ProgrammeSettings.from_dict(minimal).to_dict()
    for path, value in DEFAULTS.items():
        assert _at(stored, path) == value, (
            f"registration stores {path}={_at(stored, path)!r}, the contracts say {value!r}")


def test_matching_reads_an_unset_value_as_the_contracts_default():
    rules = rules_from_settings({})
    assert rules.shortlist_size == DEFAULTS["matching.shortlist_size"] == 3
    assert rules.mentor_capacity == DEFAULTS["people.mentor_capacity.default"]
    assert rules.consent == DEFAULTS["rules.consent.rule"]
    assert rules.age_of_majority == DEFAULTS["rules.consent.age_of_majority"]
    assert rules.training == DEFAULTS["rules.training.rule"]
    assert rules.participant_kind == DEFAULTS["matching.participant_kind"]
    assert setting({"matching": {"answer_days": None}}, "matching.answer_days") == 7
    assert setting({"matching": {"shortlist_size": 5}}, "matching.shortlist_size") == 5
