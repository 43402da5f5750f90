"""Each service's OpenAPI 3.1 document, generated from its endpoints' declarations.

Every ``@api`` entrypoint carries a :class:`~.web.Declaration` (input and output schemas,
error statuses, who may call it, an example body). :func:`document` walks a service class's
entrypoints and builds the document: paths (werkzeug's ``<tenant_id>`` and
``<any(a,b):role>`` as path templates and parameters), request bodies with their examples,
responses with their schemas, and an example error body for every error status. The
marshmallow schemas become JSON Schema through :mod:`.json_schema` (the mapping the event
contracts use), under ``components/schemas``; strict input schemas say
``additionalProperties: false``, as the code refuses unknown fields.

What every endpoint of a kind may answer is added here, so no endpoint has to repeat it:
400 for bad input (the body, the query, a path with a NUL, a malformed ``Idempotency-Key``),
401 and 403 when it needs credentials, 404 when its path names something, on every POST the
``Idempotency-Key`` header with its 409 and 422, and 503 ``temporarily_unavailable`` (with
``Retry-After``) on everything that reads the database, 503 ``outcome_unknown`` on writes.

:class:`Documented` serves the document (``GET /openapi.json``) and a page rendering it
(``GET /docs``: plain HTML, nothing loaded from elsewhere). The committed copies in
``docs/openapi/`` are written by ``python -m services.platform_core.openapi docs/openapi``.
"""
from __future__ import annotations

import html
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from marshmallow import RAISE, Schema, fields, validate
from werkzeug.wrappers import Response

from . import idempotency
from .envelope import TENANT_ID, EnvelopeSchema
from .json_schema import _Builder
from .web import ApiEndpoint, Declaration, api

OPENAPI = "3.1.0"
API_VERSION = "1"
COMPONENT = "#/components/schemas/"

ROLE_WORDS = {"operator": "the operator (OPERATOR_TOKEN)",
              "coordinator": "a coordinator of the tenant (its API key mk_...)",
              "participant": "the participant themself (their token pt_...)"}
ALL_ROLES = frozenset(ROLE_WORDS)


# ---------------------------------------------------------------------------------------------
# Bodies every service answers with
# ---------------------------------------------------------------------------------------------


class ErrorBody(Schema):
    """Every error: a code, a sentence for people, and for bad input each field with its
    problems."""

    error = fields.String(required=True, metadata={"description": "a stable code: bad_request, "
                          "unauthorized, forbidden, not_found, conflict, rule_broken, "
                          "temporarily_unavailable, outcome_unknown, ..."})
    message = fields.String(required=True, metadata={"description": "what went wrong and what to do"})
    details = fields.Raw(metadata={"description": "400: each bad field (a dotted path) with its "
                                                  "problems; 409/422: the facts behind the refusal"})


class HealthView(Schema):
    """The service's health: ok, degraded (with problems), or unavailable (503)."""

    service = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("ok", "degraded", "unavailable")))
    database = fields.String(required=True, validate=validate.OneOf(("ok", "unreachable")))
    problems = fields.List(fields.String())


class EventsPage(Schema):
    """One page of a tenant's public events, in global order; ask again with ``after=next``."""

    events = fields.List(fields.Nested(EnvelopeSchema), required=True)
    next = fields.Integer(required=True, metadata={"description": "the position to ask after next"})
    more = fields.Boolean(required=True)


class EventsQuery(Schema):
    class Meta:
        unknown = RAISE

    after = fields.Integer(metadata={"description": "the position after which to read (default 0)"})
    limit = fields.Integer(metadata={"description": "at most this many (1-1000, default 500)"})


#: endpoints the platform defines for every service outside the service classes (the
#: catch-up feed), declared here
SHARED = {
    ("GET", "/tenants/<tenant_id>/events"): Declaration(
        query=EventsQuery, responses={200: EventsPage}, roles=("operator", "coordinator"),
        summary="A tenant's public events after a position (for external systems)", tags=("events",)),
}

#: the default sentence (and example) of each error status, by the kind of endpoint
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          409: "conflict", 422: "rule_broken"}


# ---------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------

_RULE = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def path_template(url: str) -> str:
    """``/tenants/<tenant_id>/<any(a,b):role>`` as ``/tenants/{tenant_id}/{role}``."""
    return _RULE.sub(lambda m: "{" + m["name"] + "}", url)


def path_parameters(url: str) -> List[Dict[str, Any]]:
    out = []
    for match in _RULE.finditer(url):
        name, converter = match["name"], match["converter"]
        if converter == "any":
            schema: Dict[str, Any] = {"type": "string", "enum": [
                a.strip().strip("'\"") for a in match["args"].split(",")]}
        elif name == "tenant_id":
            schema = {"type": "string", "pattern": TENANT_ID.pattern}
        elif name.endswith("_id"):
            schema = {"type": "string", "format": "uuid"}
        else:
            schema = {"type": "string", "minLength": 1}
        out.append({"name": name, "in": "path", "required": True, "schema": schema})
    return out


# ---------------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------------


class _Schemas(_Builder):
    """JSON Schema of marshmallow schemas, collected for ``components/schemas``."""

    def ref(self, schema: Any) -> Dict[str, Any]:
        found = super().ref(schema)
        return {"$ref": found["$ref"].replace("#/$defs/", COMPONENT)}

    def components(self) -> Dict[str, Any]:
        out = {}
        for (kind, _partial), name in self._names.items():
            described = dict(self.defs[name])
            if getattr(getattr(kind, "Meta", None), "unknown", None) == RAISE \
                    or kind.opts.unknown == RAISE:
                described["additionalProperties"] = False
            out[name] = described
        return dict(sorted(out.items()))


def _entrypoints(service_class: type) -> Iterator[Tuple[str, Any, ApiEndpoint]]:
    for name, member in inspect.getmembers(service_class):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ApiEndpoint):
                yield name, member, entrypoint


def _text(doc: Optional[str]) -> str:
    return inspect.cleandoc(doc) if doc else ""


def _example_of_bad_input(schema: Any) -> Dict[str, Any]:
    if isinstance(schema, tuple):
        schema = schema[0]
    if schema is not None:
        for name, field in schema().fields.items():
            if field.required:
                return {name: ["Missing data for required field."]}
        for name in schema().fields:
            return {name: ["Not a valid string."]}
    return {"(body)": ["unknown field"]}


def _error(code: str, message: str, details: Any = None) -> Dict[str, Any]:
    body = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


_Errors = Dict[int, List[Tuple[str, str, Dict]]]


def _errors(method: str, url: str, declared: Declaration) -> _Errors:
    """Every error status of an endpoint: ``[(name, description, example body)]`` each."""
    out: _Errors = {}

    def add(status: int, name: str, text: str, body: Dict[str, Any]) -> None:
        out.setdefault(status, []).append((name, text, body))

    _input_errors(add, method, url, declared)
    _caller_errors(add, url, declared)
    _write_errors(add, method, declared)
    return out


def _input_errors(add: Callable, method: str, url: str, declared: Declaration) -> None:
    has_path = "<" in url
    if declared.body is not None or declared.query is not None:
        add(400, "bad_input", "bad input: every bad field is named in details, with its problems",
            _error("bad_request", "the input is invalid: every bad field is named in details",
                   _example_of_bad_input(declared.body or declared.query)))
    if method in ("POST", "PATCH") and declared.body is None:
        add(400, "unexpected_input", "this command takes no input: a body with fields is refused",
            _error("bad_request", "this command takes no input", {"reason": ["unknown field"]}))
    if declared.if_match:
        add(400, "bad_if_match", "If-Match is not a version",
            _error("bad_request", "If-Match must be the version you read, e.g. \"3\"",
                   {"If-Match": ["must be a whole number (the version)"]}))
    if method == "POST":
        add(400, "bad_idempotency_key", f"a malformed {idempotency.HEADER} header",
            _error("bad_request", f"the {idempotency.HEADER} header must be 1-200 printable ASCII "
                                  "characters", {idempotency.HEADER: ["must be 1-200 printable ASCII characters"]}))
    if has_path:
        add(400, "nul_in_address", "the address has a NUL character",
            _error("bad_request", "the address has a NUL character (%00); no identifier or "
                                  "parameter contains one"))


def _caller_errors(add: Callable, url: str, declared: Declaration) -> None:
    roles = set(declared.roles)
    if roles:
        add(401, "unauthorized", "no credentials, or unknown, malformed, expired or revoked ones",
            _error("unauthorized", "missing credentials: send the header 'Authorization: Bearer <token>'"))
        if roles != ALL_ROLES:
            add(403, "forbidden", "the right tenant, but a caller who may not do this (this needs "
                + " or ".join(sorted(roles)) + ")",
                _error("forbidden", f"this needs a {' or '.join(sorted(roles))}; you are the "
                                    f"{sorted(ALL_ROLES - roles)[0]}"))
    for status, text in sorted(declared.errors.items()):
        add(status, f"{_CODES.get(status, 'error')}", text, _error(_CODES.get(status, "error"), text))
    if "<" in url and 404 not in declared.errors:
        add(404, "not_found", "nothing here: missing, or another tenant's",
            _error("not_found", f"there is no {path_template(url)} here"))


def _write_errors(add: Callable, method: str, declared: Declaration) -> None:
    if method == "POST":
        add(409, "idempotency_key_in_use", f"a request with this {idempotency.HEADER} was carried "
            "out already and its answer is not available: read the resource",
            _error("conflict", "a request with this Idempotency-Key was carried out already and its "
                               "answer is not available (yet): read the resource instead of "
                               "repeating the request", {idempotency.HEADER: ["already used"]}))
        add(422, "idempotency_key_reused", f"this {idempotency.HEADER} was used for a different body",
            _error("rule_broken", "this Idempotency-Key was used for another request (a different "
                                  "body); use a new key for a new request",
                   {idempotency.HEADER: ["used for a different request"]}))
    if declared.database:
        add(503, "temporarily_unavailable", "the database cannot be reached: nothing was changed; "
            "send the same request again after Retry-After seconds",
            _error("temporarily_unavailable", "the service is temporarily unavailable (its database "
                   "cannot be reached); nothing was changed: send the request again in a few seconds"))
        if method in ("POST", "PATCH"):
            add(503, "outcome_unknown", "the connection was lost during COMMIT: the change may or "
                "may not have been saved; repeat with the same Idempotency-Key",
                _error("outcome_unknown", "the connection to the database was lost while the change "
                       "was being committed, so whether it was saved is unknown; repeating the request "
                       "with the same Idempotency-Key is safe (without one, read the resource first "
                       "to see whether it was saved)"))


_HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "seconds to wait before sending the request again",
                          "schema": {"type": "integer"}}},
}


_ACCEPTED_HEADERS = {
    "Location": {"description": "where the progress and the result are read",
                 "schema": {"type": "string"}},
    "Preference-Applied": {"description": "respond-async: the work goes on after this answer",
                           "schema": {"type": "string", "enum": ["respond-async"]}},
}


def _operation(schemas: _Schemas, method: str, url: str, name: str, handler: Any,
               declared: Declaration) -> Dict[str, Any]:
    doc = _text(getattr(handler, "__doc__", None))
    summary = declared.summary or (doc.split("\n\n")[0].replace("\n", " ") if doc else name.replace("_", " "))
    description = doc
    roles = sorted(declared.roles)
    if roles:
        description = (description + "\n\n" if description else "") + "Who: " + "; ".join(
            ROLE_WORDS[r] for r in roles) + "."
    words = [w for w in re.split(r"/", path_template(url)) if w and not w.startswith("{")]
    operation: Dict[str, Any] = {
        "operationId": name, "summary": summary,
        "tags": list(declared.tags) or [words[1] if len(words) > 1 else words[0]],
    }
    if description:
        operation["description"] = description
    operation["security"] = [{"bearer": []}] if roles else []
    if roles:
        operation["x-roles"] = roles
    parameters = _parameters(schemas, method, url, declared)
    if parameters:
        operation["parameters"] = parameters
    if declared.body is not None:
        operation["requestBody"] = _request_body(schemas, method, url, declared)
    operation["responses"] = _responses(schemas, method, url, declared)
    return operation


def _parameters(schemas: _Schemas, method: str, url: str, declared: Declaration) -> List[Dict[str, Any]]:
    parameters = path_parameters(url)
    if declared.query is not None:
        for key, field in declared.query().fields.items():
            parameters.append({"name": field.data_key or key, "in": "query",
                               "required": bool(field.required), "schema": schemas.field(field)})
    if method == "POST":
        parameters.append({"name": idempotency.HEADER, "in": "header", "required": False,
                           "description": "a key the client makes for one logical request (a UUID): "
                                          "a repeat with the same key, caller, address and body "
                                          "changes nothing and gets the first answer again",
                           "schema": {"type": "string", "minLength": 1, "maxLength": 200,
                                      "pattern": "^[\\x21-\\x7e]+$"},
                           "example": "4f1c6a57-2f0e-4c0b-9a51-3e8d9d2f6c11"})
    if declared.respond_async:
        parameters.append({"name": "Prefer", "in": "header", "required": False,
                           "description": "respond-async: answer 202 at once with where to read the "
                                          "progress and the result (Location); without it, the work is "
                                          "done before the answer",
                           "schema": {"type": "string"}, "example": "respond-async"})
    if declared.if_match:
        parameters.append({"name": "If-Match", "in": "header", "required": False,
                           "description": "the version you read, e.g. \"3\" (or expected_version in "
                                          "the body): 409 when it changed since",
                           "schema": {"type": "string", "pattern": "^(W/)?\"?[0-9]{1,12}\"?$"},
                           "example": "\"3\""})
    return parameters


def _request_body(schemas: _Schemas, method: str, url: str, declared: Declaration) -> Dict[str, Any]:
    if declared.example is None or declared.body is None:
        raise ValueError(f"{method} {url}: a request body needs an example")
    bodies = declared.body if isinstance(declared.body, tuple) else (declared.body,)
    required = all(any(f.required for f in body().fields.values()) for body in bodies)
    schema = schemas.ref(bodies[0]) if len(bodies) == 1 else {"anyOf": [schemas.ref(b) for b in bodies]}
    return {"required": required, "content": {"application/json": {"schema": schema, "example": declared.example}}}


def _responses(schemas: _Schemas, method: str, url: str, declared: Declaration) -> Dict[str, Any]:
    responses: Dict[str, Any] = {}
    for status, view in sorted(declared.responses.items()):
        described: Dict[str, Any] = {"description": _success(status, view)}
        if view is not None:
            if isinstance(view, dict):
                described["content"] = {declared.content_type: {"schema": view}}
            else:
                described["content"] = {declared.content_type: {"schema": schemas.ref(view)}}
        if method == "POST":
            described["headers"] = {"Idempotent-Replayed": {
                "description": "true when this answer is the first answer to the same request, replayed",
                "schema": {"type": "string", "enum": ["true"]}}}
        if status == 202 and declared.respond_async:
            described["headers"] = {**described.get("headers", {}), **_ACCEPTED_HEADERS}
        responses[str(status)] = described
    for status, causes in sorted(_errors(method, url, declared).items()):
        described = {"description": "; ".join(text for _, text, _ in causes),
                     "content": {"application/json": {
                         "schema": {"$ref": COMPONENT + "ErrorBody"},
                         "examples": {cause: {"summary": text, "value": body}
                                      for cause, text, body in causes}}}}
        if status in _HEADERS:
            described["headers"] = _HEADERS[status]
        responses[str(status)] = described
    return responses


def _success(status: int, view: Any) -> str:
    name = getattr(view, "__name__", None)
    doc = _text(getattr(view, "__doc__", None)) if name else ""
    return " ".join(doc.split()) if doc and view.__doc__ is not Schema.__doc__ else \
        {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}.get(status, "OK")


def build(service_class: type, title: Optional[str] = None) -> Dict[str, Any]:
    """The OpenAPI 3.1 document of a nameko service class, from its declarations."""
    schemas = _Schemas()
    schemas.ref(ErrorBody)
    paths: Dict[str, Dict[str, Any]] = {}
    seen = set()
    for name, handler, entrypoint in sorted(_entrypoints(service_class),
                                            key=lambda e: (path_template(e[2].url), e[2].method)):
        for method in entrypoint.method.split(","):
            key = (method, entrypoint.url)
            if key in seen:
                continue
            seen.add(key)
            declared = SHARED.get(key, entrypoint.declaration)
            paths.setdefault(path_template(entrypoint.url), {})[method.lower()] = _operation(
                schemas, method, entrypoint.url, name, handler, declared)
    service = getattr(service_class, "name", service_class.__name__)
    module_doc = _text(sys.modules[service_class.__module__].__doc__).split("\n\n")[0]
    return {
        "openapi": OPENAPI,
        "info": {"title": title or f"{service} API", "version": API_VERSION,
                 "description": " ".join(module_doc.split()) + "\n\nAll JSON. Every error is "
                 "{\"error\", \"message\", \"details\"?}. Every POST takes an Idempotency-Key."},
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas.components(),
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "Authorization: Bearer <token>: the operator's OPERATOR_TOKEN, a "
                               "tenant's API key mk_<key_id>_<secret> (its coordinators), or a "
                               "participant's token pt_... issued at registration"}},
        },
    }


_DOCUMENTS: Dict[type, str] = {}


def document_json(service_class: type) -> str:
    """The service's document as JSON text (built once per class)."""
    if service_class not in _DOCUMENTS:
        _DOCUMENTS[service_class] = json.dumps(build(service_class), indent=2, ensure_ascii=False,
                                               sort_keys=False) + "\n"
    return _DOCUMENTS[service_class]


def document(service_class: type) -> Dict[str, Any]:
    return json.loads(document_json(service_class))


# ---------------------------------------------------------------------------------------------
# The docs page: the document rendered, nothing fetched from elsewhere
# ---------------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:70rem;margin:auto;padding:1rem;color:#222}
h2{border-bottom:1px solid #ccc;margin-top:2rem}
.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{font-weight:bold;padding:.1rem .4rem;border-radius:4px;color:#fff;background:#555}
.get{background:#2a7ab0}.post{background:#2f8f4e}.patch{background:#b07d2a}.delete{background:#b03a2a}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:.85rem}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
code{background:#f2f2f2;padding:0 .2rem}
"""


def _pre(value: Any) -> str:
    return "<pre>" + html.escape(json.dumps(value, indent=2, ensure_ascii=False)) + "</pre>"


def render_html(doc: Dict[str, Any]) -> str:
    """A self-contained page of the document's operations, schemas and examples."""
    e = html.escape
    out = [f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(doc['info']['title'])}"
           f"</title><style>{_STYLE}</style></head><body>",
           f"<h1>{e(doc['info']['title'])}</h1><p>{e(doc['info']['description'])}</p>",
           "<p>The machine-readable document: <a href=\"openapi.json\">openapi.json</a> (OpenAPI "
           f"{e(doc['openapi'])}).</p><h2>Operations</h2><ul>"]
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    for path, method, op in operations:
        out.append(f"<li><a href=\"#{e(op['operationId'])}\"><span class=\"m {method}\">{method.upper()}"
                   f"</span> <code>{e(path)}</code></a> {e(op['summary'])}</li>")
    out.append("</ul>")
    for path, method, op in operations:
        out.append(f"<div class=\"op\" id=\"{e(op['operationId'])}\"><h3><span class=\"m {method}\">"
                   f"{method.upper()}</span> <code>{e(path)}</code></h3><p>{e(op['summary'])}</p>")
        if op.get("description"):
            out.append("<p>" + e(op["description"]).replace("\n\n", "</p><p>") + "</p>")
        if op.get("parameters"):
            out.append("<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>")
            for p in op["parameters"]:
                out.append(f"<tr><td><code>{e(p['name'])}</code></td><td>{e(p['in'])}</td>"
                           f"<td>{'yes' if p.get('required') else 'no'}</td>"
                           f"<td><code>{e(json.dumps(p['schema']))}</code></td></tr>")
            out.append("</table>")
        body = op.get("requestBody")
        if body:
            content = body["content"]["application/json"]
            refs = [s["$ref"].rsplit("/", 1)[-1] for s in content["schema"].get("anyOf", [content["schema"]])]
            out.append("<h4>Request body: " + " or ".join(f"<a href=\"#schema-{e(r)}\">{e(r)}</a>"
                                                          for r in refs) + "</h4>" + _pre(content["example"]))
        out.append("<h4>Responses</h4>")
        for status, response in op["responses"].items():
            out.append(f"<p><b>{e(status)}</b> {e(response['description'])}</p>")
            for media in (response.get("content") or {}).values():
                schema = media.get("schema", {})
                if "$ref" in schema:
                    ref = schema["$ref"].rsplit("/", 1)[-1]
                    out.append(f"<p>body: <a href=\"#schema-{e(ref)}\">{e(ref)}</a></p>")
                for name, example in (media.get("examples") or {}).items():
                    out.append(f"<details><summary>example: {e(name)}</summary>{_pre(example['value'])}</details>")
        out.append("</div>")
    out.append("<h2>Schemas</h2>")
    for name, schema in doc["components"]["schemas"].items():
        out.append(f"<div class=\"op\" id=\"schema-{e(name)}\"><h3>{e(name)}</h3>{_pre(schema)}</div>")
    out.append("</body></html>\n")
    return "".join(out)


class Documented:
    """Mixin for a nameko service class: ``GET /openapi.json`` and ``GET /docs``."""

    @api("GET", "/openapi.json", responses={200: {"type": "object"}}, database=False,
         summary="This service's OpenAPI 3.1 document", tags=("documentation",))
    def openapi_document(self, request):
        return Response(document_json(type(self)), mimetype="application/json")

    @api("GET", "/docs", responses={200: {"type": "string"}}, database=False, content_type="text/html",
         summary="This service's API documentation, as a page", tags=("documentation",))
    def docs_page(self, request):
        return Response(render_html(document(type(self))), mimetype="text/html")


def service_classes() -> Dict[str, type]:
    """Every available service class that serves a document, by name."""
    from .registry import available_services

    return {name: cls for name, cls in available_services().items()
            if isinstance(cls, type) and issubclass(cls, Documented)}


def write(directory: str) -> List[Path]:
    """Write ``<service>.json`` of every service into ``directory``."""
    written = []
    for service, cls in service_classes().items():
        path = Path(directory) / f"{service}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document_json(cls), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m services.platform_core.openapi docs/openapi
    from services.platform_core import openapi as _module  # the classes the services subclass

    for written in _module.write(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi"):
        print(f"wrote {written}")
