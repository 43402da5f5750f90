"""Fuzzing a running service against its OpenAPI document (tests only; needs schemathesis).

Each service's test module parametrizes a test with its document
(``schemathesis.openapi.from_dict(openapi.document(Service))``) and calls :func:`fuzz_case`:
the case's path names what exists (``world``: a tenant, a programme, a person ...), it
carries the credentials of a caller the operation serves, and its answer must be no 5xx,
of a documented status, content type and headers, and match the documented schema.
"""
from __future__ import annotations

from typing import Any, Dict

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: few examples per operation and no deadline: the whole fuzz of a service stays well under a minute
fuzz_settings = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
#: which caller's token an operation is sent with, by the roles it serves (first match)
PREFERENCE = ("coordinator", "operator", "participant")


def load(document: Dict[str, Any]):
    """The document as schemathesis's schema: its examples, then fuzzed cases (the coverage
    phase's thousands of boundary cases would take minutes)."""
    schema = schemathesis.openapi.from_dict(document)
    schema.config.phases.update(phases=["examples", "fuzzing"])
    return schema


def fuzz_case(case: Any, base_url: str, world: Dict[str, Any]):
    """Send the case as a caller it serves, to things that exist, and check the answer."""
    for name in list(case.path_parameters or {}):
        if name in world:
            case.path_parameters[name] = world[name]
    roles = case.operation.definition.raw.get("x-roles") or []
    token = next((world["tokens"][r] for r in PREFERENCE if r in roles), None)
    if token is not None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    response = case.call(base_url=base_url, timeout=30)
    case.validate_response(response, checks=CHECKS)
    return response
