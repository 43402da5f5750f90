"""The notifications service's OpenAPI document against the running service: a property-based
fuzz of every operation (schemathesis, a few examples each) as the tenant's coordinator (the
unsubscribe pages with a real link) finds no 5xx and no answer that breaks the documented
statuses, content types and schemas."""
from __future__ import annotations

import pytest

from services.notifications import preferences
from services.notifications.domain import preferences as rules
from services.notifications.service import NotificationsService
from services.platform_core import openapi
from services.registration.tests.conftest import OPERATOR_TOKEN, PLATFORM_SECRET

from .conftest import settled_log

pytestmark = pytest.mark.integration
SIGNING_KEY = preferences.signing_key({"PLATFORM_SECRET": PLATFORM_SECRET}) or b""
pytest.importorskip("schemathesis")

from services.platform_core import openapi_testing  # noqa: E402

SCHEMA = openapi_testing.load(openapi.document(NotificationsService))


@pytest.fixture(scope="module")
def world(platform):
    """A pairing introduced (one message refused), what the fuzz's paths name."""
    school = platform.school(mentee_email="reject-me@example.lt")
    envelope = school.pair()
    rows = {r["role"]: r for r in settled_log(school)}
    key = SIGNING_KEY
    return {"tenant_id": school.slug, "programme_id": school.programme_id, "person_id": school.mentee,
            "message_id": rows["mentee"]["message_id"], "pairing_id": envelope.stream_id,
            "kind": "introduction", "language": "en", "part": "subject",
            "token": rules.token(key, rules.Unsubscribe(school.slug, school.mentor, "self", "reminders")),
            "tokens": {"operator": OPERATOR_TOKEN, "coordinator": school.key}}


def test_the_document_is_valid_openapi_3_1():
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi.build(NotificationsService))


@SCHEMA.parametrize()
@openapi_testing.fuzz_settings
def test_fuzz(case, platform, world):
    openapi_testing.fuzz_case(case, platform.api.base, world)
