"""Input every service reads the same way: JSON bodies, and what a missing secret means."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.platform_core.tenancy import SecretMissing, issue_participant_token
from services.platform_core.web import MAX_DEPTH, BadRequest, read_json


def request_with(body: str) -> Request:
    return Request(EnvironBuilder(method="POST", data=body, content_type="application/json").get_environ())


def test_a_json_object_is_read_and_anything_else_is_a_readable_400():
    assert read_json(request_with('{"a": [1, {"b": "c"}]}')) == {"a": [1, {"b": "c"}]}
    assert read_json(request_with("   ")) == {}
    for body, words in (("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object"),
                        ("[" * 5000 + "]" * 5000, "nested too deeply"),
                        ('{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), "nested too deeply")):
        with pytest.raises(BadRequest) as refused:
            read_json(request_with(body))
        assert words in refused.value.message


def test_nul_characters_are_refused_naming_the_field():
    with pytest.raises(BadRequest) as refused:
        read_json(request_with('{"profile": {"areas": ["ok", "b\\u0000d"]}, "name": "fine"}'))
    assert refused.value.details == {"profile.areas.1": ["contains a NUL character"]}


def test_lone_surrogates_are_refused_naming_the_field_in_every_service():
    """Valid JSON but no text: stored, no answer showing it could ever be encoded (UTF-8)."""
    with pytest.raises(BadRequest) as refused:
        read_json(request_with('{"personal": {"name": "Ann \\ud800"}, "ok": "fine", "\\udfff": 1}'))
    assert refused.value.details == {
        "personal.name": ["contains a lone surrogate (\\ud800-\\udfff), which is not text"],
        "\\udfff": ["contains a lone surrogate (\\ud800-\\udfff), which is not text"]}
    assert read_json(request_with('{"name": "\\ud83d\\ude00 Ā ž"}')) == {"name": "\U0001F600 Ā ž"}


def test_without_a_platform_secret_tokens_are_refused_as_a_configuration_problem():
    with pytest.raises(SecretMissing) as refused:
        issue_participant_token({}, "t-1", "p-1", datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert refused.value.status == 503 and "PLATFORM_SECRET" in refused.value.message
