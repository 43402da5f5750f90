"""The published language (``services/contracts``): what it says agrees with the domains that
produce the events, every event that leaves a service is described there, and its
marshmallow schemas become JSON Schema faithfully."""
from datetime import datetime, timezone

import pytest
from marshmallow import Schema, fields, validate

import services.contracts  # noqa: F401 - registers every published event type
import services.matching.schemas  # noqa: F401 - and the private ones
import services.registration.schemas  # noqa: F401
from services.contracts import default_surveys
from services.contracts import matching as matching_contract
from services.contracts import registration as registration_contract
from services.contracts import sessions as sessions_contract
from services.matching.domain import pairing, requests
from services.platform_core import json_schema
from services.platform_core.envelope import Actor, Envelope
from services.platform_core.events import CATALOGUE, EventType
from services.platform_core.outbox import to_amqp_message
from services.platform_core.testing import assert_valid_event, event_problems
from services.registration import domain
from services.sessions import domain as sessions_domain
from services.sessions.domain import outcomes as sessions_outcomes
from services.sessions.domain import progress as sessions_progress
from services.sessions.domain import surveys as sessions_surveys


@pytest.mark.parametrize("name, words", [
    ("ROLES", domain.ROLES), ("PARTICIPANT_KINDS", domain.PARTICIPANT_KINDS),
    ("PERSON_KINDS", (domain.INDIVIDUAL, domain.TEAM)), ("TENANT_KINDS", domain.TENANT_KINDS),
    ("ISO_639_1", domain.ISO_639_1), ("CONSENT_RULES", domain.CONSENT_RULES),
    ("TRAINING_RULES", domain.TRAINING_RULES), ("MATCHING_MODES", domain.MATCHING_MODES),
    ("SCORE_WEIGHTS", domain.SCORE_WEIGHTS), ("CONSENT_GIVERS", domain.CONSENT_GIVERS),
    ("CODE", domain.CODE.pattern), ("PROGRAMME_DAYS", domain.ProgrammeDates.DAYS),
    ("STAFF_ROLES", domain.STAFF_ROLES), ("MESSAGE_LANGUAGES", domain.SUPPORTED_LANGUAGES),
])
def test_the_registration_contract_speaks_the_domains_words(name, words):
    assert getattr(registration_contract, name) == words


@pytest.mark.parametrize("name, words", [
    ("ORIGINS", pairing.ORIGINS), ("REJECTERS", pairing.REJECTERS),
    ("END_REASONS", pairing.END_REASONS), ("CANCEL_REASONS", requests.CANCEL_REASONS),
])
def test_the_matching_contract_speaks_the_domains_words(name, words):
    assert getattr(matching_contract, name) == words


@pytest.mark.parametrize("name, words", [
    ("MODES", sessions_domain.MODES), ("ROLES", sessions_domain.ROLES),
    ("AT_RISK_REASONS", sessions_progress.AT_RISK_REASONS),
    ("SURVEY_SCHEDULES", sessions_surveys.SCHEDULES), ("SURVEY_SCHEDULES", default_surveys.SCHEDULES),
    ("CERTIFICATE_LANGUAGES", sessions_outcomes.CERTIFICATE_LANGUAGES),
])
def test_the_sessions_contract_speaks_the_domains_words(name, words):
    assert getattr(sessions_contract, name) == words


def test_every_published_event_type_is_a_contract_and_no_private_one_is():
    contracts = {"registration": registration_contract, "matching": matching_contract,
                 "sessions": sessions_contract}
    for event in CATALOGUE:
        if event.service not in contracts:
            continue
        published = event.visibility in ("public", "internal")
        assert event.schema.__module__.startswith("services.contracts.") == published, event.name
        if published:
            contract = contracts[event.service]
            assert contract.PAYLOAD_SCHEMAS[event.name] is event.schema


# -- marshmallow -> JSON Schema ------------------------------------------------------------------

class Leaf(Schema):
    """A nested thing."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z]+$"))


class Day(fields.Field):
    json_schema = {"type": "string", "format": "date"}


class Sample(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("a", "b")), allow_none=True)
    count = fields.Integer(validate=validate.Range(min=1, max=9), metadata={"description": "how many"})
    share = fields.Float(validate=validate.Range(min=0, max=1, min_inclusive=False))
    tags = fields.List(fields.String(), validate=validate.Length(min=1))
    leaves = fields.List(fields.Nested(Leaf))
    leaf = fields.Nested(Leaf, allow_none=True)
    weights = fields.Dict(keys=fields.String(validate=validate.OneOf(("x",))), values=fields.Integer())
    on = Day()
    at = fields.AwareDateTime()
    anything = fields.Raw()
    secret = fields.String(load_only=True)


def test_marshmallow_fields_map_to_json_schema():
    builder = json_schema._Builder()
    described = builder.object(Sample)
    assert described["required"] == ["kind"]
    props = described["properties"]
    assert "secret" not in props
    assert props["kind"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert props["count"] == {"description": "how many", "type": "integer", "minimum": 1, "maximum": 9}
    assert props["share"] == {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "minItems": 1}
    assert props["leaves"] == {"type": "array", "items": {"$ref": "#/$defs/Leaf"}}
    assert props["leaf"] == {"anyOf": [{"$ref": "#/$defs/Leaf"}, {"type": "null"}]}
    assert props["weights"] == {"type": "object", "propertyNames": {"type": "string", "enum": ["x"]},
                                "additionalProperties": {"type": "integer"}}
    assert props["on"] == {"type": "string", "format": "date"}
    assert props["at"] == {"type": "string", "format": "date-time"}
    assert props["anything"] == {}
    assert builder.defs["Leaf"] == {"type": "object", "description": "A nested thing.",
                                    "properties": {"code": {"type": "string", "pattern": "^[a-z]+$"}},
                                    "required": ["code"]}


def test_a_field_the_mapping_does_not_know_is_an_error():
    class Odd(fields.Field):
        pass

    class WithOdd(Schema):
        odd = Odd()

    with pytest.raises(json_schema.UnsupportedField, match="json_schema attribute"):
        json_schema._Builder().object(WithOdd)


def test_an_event_schema_is_its_envelope_with_the_payload():
    class NotePayload(Schema):
        """A note was taken."""

        text = fields.String(required=True)
        personal = fields.Nested(Leaf, allow_none=True, metadata={"description": "who"})

    event = EventType(name="NoteTaken", version=2, stream_type="note", schema=NotePayload,
                      description="A note was taken.", visibility="internal", service="notes")
    described = json_schema.event_schema(event)
    assert described["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert described["x-exchange"] == "mentoring.internal"
    assert described["x-routing-key"] == "<tenant_id>.note.NoteTaken"
    props = described["properties"]
    assert props["event_type"]["const"] == "NoteTaken" and props["schema_version"]["const"] == 2
    assert props["stream_type"]["const"] == "note"
    assert props["payload"]["required"] == ["text"]
    personal = props["payload"]["properties"]["personal"]
    assert personal["type"] == ["object", "null"] and personal["x-decrypted"] == {"$ref": "#/$defs/Leaf"}
    assert {"ActorSchema", "Leaf"} <= set(described["$defs"])
    assert json_schema.file_name(event) == "NoteTaken.v2.json"
    assert json_schema.parse_file_name("NoteTaken.v2.json") == ("NoteTaken", 2)


# -- events seen on the broker ---------------------------------------------------------------------

NOW = datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc)


def tenant_created() -> Envelope:
    [event] = domain.Tenant("riga-school").create(name="Riga", kind="school", default_language="lv",
                                                  time_zone="Europe/Riga", now=NOW)
    return Envelope(event_id="5f0c9a8e-4a8e-4b57-9a43-2d4b4f0e2f11", event_type=event.event_type,
                    schema_version=1, tenant_id="riga-school", stream_type=event.stream_type,
                    stream_id=event.stream_id, stream_position=1, global_position=7, occurred_at=NOW,
                    actor=Actor("operator"), correlation_id="req-1", causation_id=None,
                    payload=event.payload, source="registration")


def test_an_event_as_the_domain_makes_it_keeps_its_contract():
    envelope = tenant_created()
    assert event_problems(envelope.to_message()) == []
    assert assert_valid_event(to_amqp_message(envelope))["event_type"] == "TenantCreated"
    assert assert_valid_event(envelope.to_json())["tenant_id"] == "riga-school"


def test_an_event_that_breaks_its_contract_is_named_with_its_faults():
    envelope = tenant_created()
    broken = envelope.to_message()
    del broken["payload"]["kind"]
    with pytest.raises(AssertionError, match="TenantCreated breaks its published contract") as failed:
        assert_valid_event(broken)
    assert "kind" in str(failed.value)
    message = to_amqp_message(envelope)
    message.properties["application_headers"]["tenant_id"] = "other"
    assert event_problems(message) == ["header tenant_id: 'other', but the envelope says 'riga-school'"]
    unknown = {**envelope.to_message(), "schema_version": 9}
    assert "no published contract TenantCreated.v9.json" in event_problems(unknown)[0]


def test_the_json_schema_holds_what_the_envelope_says_of_the_event():
    pytest.importorskip("jsonschema")
    wrong_stream = {**tenant_created().to_message(), "stream_type": "person"}
    assert event_problems(wrong_stream) == ["stream_type: 'tenant' was expected"]
