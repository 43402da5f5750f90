"""JSON over HTTP for nameko services, with errors a person can read.

``@api(method, url)`` is nameko's ``@http`` entrypoint with three differences: a handler
returns plain data (dict or list; or ``(status, data)``) which is sent as JSON; every error
is a JSON body ``{"error": ..., "message": ..., "details": ...}`` with the right status
(400 bad input naming each field, 401, 404, 409, 422), never a stack trace; and request
durations are measured.

Every endpoint also declares what it takes and answers (:class:`Declaration`: its input and
output schemas, its error statuses, who may call it, an example): ``@api("POST", "/tenants",
body=CreateTenantInput, responses={201: TenantCreatedView}, errors={409: "..."},
roles=("operator",), example={...})``. :mod:`.openapi` builds each service's OpenAPI
document from these declarations (``GET /openapi.json``, ``GET /docs``).

Domain exceptions stay free of HTTP: a service maps them with :func:`map_error`.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Sequence, Type, TypeVar

import eventlet
from marshmallow import Schema, ValidationError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from . import idempotency, settings
from .faults import CommitOutcomeUnknown, is_infrastructure_failure
from .metrics import REQUEST_SECONDS
from .schemas import flatten_errors
from .store import ConcurrencyConflict

log = logging.getLogger(__name__)
E = TypeVar("E", bound=BaseException)


class ApiError(Exception):
    status = 400
    error = "bad_request"

    def __init__(self, message: str, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(ApiError):
    """Input that is malformed or invalid; ``details`` maps each bad field to its reasons."""


class Unauthorized(ApiError):
    status, error = 401, "unauthorized"


class Forbidden(ApiError):
    status, error = 403, "forbidden"


class NotFound(ApiError):
    status, error = 404, "not_found"


class Conflict(ApiError):
    status, error = 409, "conflict"


class Unprocessable(ApiError):
    status, error = 422, "rule_broken"


class ServiceUnavailable(ApiError):
    """The service is not set up to do this (configuration missing): nothing was changed."""
    status, error = 503, "service_unavailable"


class TemporarilyUnavailable(ApiError):
    """The infrastructure failed (the database cannot be reached): nothing was changed, and
    the same request may be sent again after ``Retry-After`` seconds."""
    status, error = 503, "temporarily_unavailable"


class OutcomeUnknown(ApiError):
    """The connection was lost during COMMIT: the change may or may not have been made."""
    status, error = 503, "outcome_unknown"


_ERROR_MAP: Dict[Type[BaseException], Callable[[Any], ApiError]] = {
    ConcurrencyConflict: lambda exc: Conflict(str(exc)),
    CommitOutcomeUnknown: lambda exc: OutcomeUnknown(
        "the connection to the database was lost while the change was being committed, so "
        "whether it was saved is unknown; repeating the request with the same Idempotency-Key "
        "is safe (without one, read the resource first to see whether it was saved)"),
    idempotency.KeyInUse: lambda exc: Conflict(
        "a request with this Idempotency-Key was carried out already and its answer is not "
        "available (yet): read the resource instead of repeating the request",
        details={"Idempotency-Key": ["already used"]}),
}


def _unavailable(exc: BaseException) -> ApiError:
    return TemporarilyUnavailable(
        "the service is temporarily unavailable (its database cannot be reached); nothing was "
        "changed: send the request again in a few seconds")


def map_error(exception_type: Type[E], to: Callable[[E], ApiError]) -> None:
    """Declare how a domain exception reads over HTTP."""
    _ERROR_MAP[exception_type] = to


def _to_api_error(exc: BaseException) -> Optional[ApiError]:
    if isinstance(exc, ApiError):
        return exc
    for kind in type(exc).__mro__:
        if kind in _ERROR_MAP:
            return _ERROR_MAP[kind](exc)
    if is_infrastructure_failure(exc):
        return _unavailable(exc)
    return None


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(data: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> Response:
    body = json.dumps(data, default=_default, ensure_ascii=False, sort_keys=True)
    return Response(body, status=status, headers=headers, mimetype="application/json")


def read_json(request) -> Dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    raw = request.get_data(cache=True, as_text=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
    except RecursionError:
        body = None  # nested deeper than the parser goes: refused below
    if body is None or _depth(body) > MAX_DEPTH:
        raise BadRequest(f"the request body is nested too deeply (at most {MAX_DEPTH} levels)")
    if not isinstance(body, dict):
        raise BadRequest(f"the request body must be a JSON object, not {type(body).__name__}")
    with_nul = sorted(set(_fields_with(body, _NUL)))
    if with_nul:  # no database stores it, and no person typed it
        raise BadRequest("the request body has NUL characters",
                         {field: ["contains a NUL character"] for field in with_nul})
    broken = sorted(set(_fields_with(body, _SURROGATE)))
    if broken:  # valid JSON, but no text: stored, it could never be sent back (not UTF-8)
        raise BadRequest("the request body has characters that are not text (lone UTF-16 surrogates)",
                         {field: ["contains a lone surrogate (\\ud800-\\udfff), which is not text"]
                          for field in broken})
    return body


def load_input(schema: Type[Schema], data: Any) -> Dict[str, Any]:
    """A body read by :func:`read_json`, loaded by a strict input schema, or a 400 naming
    each bad field."""
    try:
        return schema().load(data if data is not None else {})
    except ValidationError as error:
        details = flatten_errors(error.messages)
        raise BadRequest(f"the input is invalid: {', '.join(sorted(details))}", details=details) from None


#: no request of ours nests deeper; deeper input is refused before anything walks it
MAX_DEPTH = 32


def _depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (without recursion)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                todo.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


_NUL = re.compile("\x00")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _fields_with(value: Any, bad: "re.Pattern[str]", path: str = "") -> Iterator[str]:
    """Where (``a.b.0``) a parsed body holds text matching ``bad``, in values or keys."""
    if isinstance(value, str):
        if bad.search(value):
            yield path or "(body)"
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if bad.search(str(key)):  # named so that it can be shown
                yield here.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
            else:
                yield from _fields_with(item, bad, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _fields_with(item, bad, f"{path}.{index}" if path else str(index))


class JsonWsgiApp(WsgiApp):
    """nameko's WSGI app, answering an unknown path or method in JSON too."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
            return json_response({"error": "bad_request", "message": "the address has a NUL character "
                                  "(%00); no identifier or parameter contains one"},
                                 status=400)(environ, start_response)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
        except HTTPException as exc:
            headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
            messages: Dict[Optional[int], Optional[str]] = {
                404: f"there is no {request.path} here",
                405: f"{request.method} is not allowed on {request.path}"
                     + (f"; use {headers['Allow']}" if "Allow" in headers else "")}
            message = messages.get(exc.code, exc.description)
            response = json_response({"error": exc.name.lower().replace(" ", "_"), "message": message},
                                     status=exc.code or 400, headers=headers or None)
            return response(environ, start_response)
        setattr(request, "path_values", values)  # noqa: B010 - werkzeug's Request declares no such attribute
        return provider.handle_request(request)(environ, start_response)


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)


#: the failure of the request this green thread is answering (see ApiEndpoint)
_failure = threading.local()


@dataclass(frozen=True)
class Declaration:
    """What an endpoint takes and answers, for its OpenAPI document (:mod:`.openapi`).

    ``body``/``query``: the marshmallow input schemas it loads; ``responses``: status ->
    output schema of each success (None: no body described); ``errors``: status -> when the
    endpoint itself answers it (the generator adds those every endpoint of its kind may give:
    400 bad input, 401/403 by ``roles``, 404 for a path naming something, POST's
    Idempotency-Key answers, 503); ``roles``: the callers it serves (``operator``,
    ``coordinator``, ``participant``; empty: no credentials); ``example``: a request body;
    ``if_match``: takes the version read as ``If-Match``; ``auth``: False for the public
    endpoints that read no database (the document itself); ``respond_async``: honours
    ``Prefer: respond-async`` (:func:`prefers_async`): its 202 answers carry ``Location`` (the
    body's ``location``) and ``Preference-Applied: respond-async``, replays included."""

    body: Optional[type] = None
    query: Optional[type] = None
    responses: Mapping[int, Any] = field(default_factory=dict)
    errors: Mapping[int, str] = field(default_factory=dict)
    roles: Sequence[str] = ()
    summary: Optional[str] = None
    example: Optional[Mapping[str, Any]] = None
    if_match: bool = False
    tags: Sequence[str] = ()
    database: bool = True
    content_type: str = "application/json"
    respond_async: bool = False


class ApiEndpoint(HttpRequestHandler):
    """Besides JSON in and out: a connection to the database lost before COMMIT is tried
    once more on a fresh connection; a database that cannot be reached answers 503 with
    ``Retry-After``; a POST honours ``Idempotency-Key`` (:mod:`.idempotency`)."""

    server = JsonWebServer()

    def __init__(self, method, url, *, body=None, query=None, responses=None, errors=None,
                 roles=(), summary=None, example=None, if_match=False, tags=(), database=True,
                 content_type="application/json", respond_async=False, **kwargs):
        super().__init__(method, url, **kwargs)
        self.declaration = Declaration(
            body=body, query=query, responses=dict(responses or {200: None}),
            errors=dict(errors or {}), roles=tuple(roles), summary=summary, example=example,
            if_match=if_match, tags=tuple(tags), database=database, content_type=content_type,
            respond_async=respond_async)

    def handle_request(self, request):
        started = time.perf_counter()
        try:
            response = self._answer(request)
        except Exception as exc:  # the idempotency bookkeeping met the same outage
            response = self.response_from_exception(exc)
        REQUEST_SECONDS.labels(service=self.container.service_name, method=self.method,
                               route=self.url, status=str(response.status_code)).observe(
            time.perf_counter() - started)
        return response

    @property
    def _store(self):
        from .dependencies import store_engine_of

        return store_engine_of(self.container).store

    def _answer(self, request):
        key = request.headers.get(idempotency.HEADER)
        claim = None
        request.shallow = False  # as nameko's handler would: the body may be read
        if key is not None and request.method == "POST":
            problem = idempotency.key_problem(key)
            if problem:
                raise BadRequest(f"the {idempotency.HEADER} header {problem}",
                                 details={idempotency.HEADER: [problem]})
            claim = idempotency.claim_for(request, key)
            earlier = idempotency.lookup(self._store, claim, self._keep_hours)
            if earlier is not None:
                return self._replay(claim, earlier)
            request.idempotency_claim = claim
        response = self._run(request)
        failure = getattr(_failure, "exc", None)
        if isinstance(failure, idempotency.KeyInUse) and claim is not None:
            earlier = idempotency.lookup(self._store, claim, self._keep_hours)
            if earlier is not None and earlier["status"] is not None:
                return self._replay(claim, earlier)
        return response

    def handle_result(self, event, worker_ctx, result, exc_info):
        """In the worker's green thread, before the answer leaves: a transaction that claimed
        the request's Idempotency-Key commits now, with the answer in it (or rolls back if the
        handler failed after it); a failing COMMIT becomes the answer."""
        claim = idempotency.current()
        if claim is not None and claim.pending is not None:
            try:
                if exc_info is None:
                    response = self.response_from_result(result)
                    if response.status_code < 500:
                        claim.finish(response.status_code, response.get_data(as_text=True))
                    else:
                        claim.finish(None, None)
                else:
                    claim.finish(None, None)
            except Exception as exc:
                result, exc_info = None, (type(exc), exc, exc.__traceback__)
        return super().handle_result(event, worker_ctx, result, exc_info)

    @property
    def _keep_hours(self) -> float:
        return float(settings.value(self.container.config, "IDEMPOTENCY_KEEP_HOURS"))

    def _replay(self, claim, earlier):
        if earlier["fingerprint"] != claim.fingerprint:
            raise Unprocessable(f"this {idempotency.HEADER} was used for another request (a different "
                                f"body); use a new key for a new request",
                                details={idempotency.HEADER: ["used for a different request"]})
        if earlier["status"] is None:
            raise idempotency.KeyInUse("its answer was not recorded")
        # a success in the endpoint's own content type (an HTML page, say); an error is JSON
        mimetype = self.declaration.content_type if earlier["status"] < 300 else "application/json"
        headers = {idempotency.REPLAYED: "true"}
        if earlier["status"] == 202 and self.declaration.respond_async:
            headers.update(accepted_headers(json.loads(earlier["body"])))
        return Response(earlier["body"], status=earlier["status"], mimetype=mimetype, headers=headers)

    def _run(self, request):
        """The handler; once more if the database connection was lost before COMMIT."""
        _failure.exc = None
        response = super().handle_request(request)
        failure = _failure.exc
        if failure is not None and is_infrastructure_failure(failure) \
                and not isinstance(failure, CommitOutcomeUnknown):
            log.info("%s %s: %s; trying once more on a fresh connection", request.method,
                     request.path, failure)
            eventlet.sleep(0.05)
            _failure.exc = None
            response = super().handle_request(request)
        return response

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], int):
            status, data = result
            if status == 202 and self.declaration.respond_async:
                return json_response(data, status=status, headers=accepted_headers(data))
            return json_response(data, status=status)
        return json_response(result)

    def response_from_exception(self, exc):
        _failure.exc = exc
        if isinstance(exc, HTTPException):  # werkzeug's own (bad form data, 405...)
            return json_response({"error": "bad_request", "message": exc.description},
                                 status=exc.code or 400)
        api_error = _to_api_error(exc)
        if api_error is None:
            reference = uuid.uuid4().hex[:12]
            log.error("unexpected error in %s %s (reference %s)", self.method, self.url, reference,
                      exc_info=(type(exc), exc, exc.__traceback__))
            return json_response({"error": "internal_error", "reference": reference,
                                  "message": "something went wrong on our side; nothing was "
                                             "changed; quote the reference when reporting it"},
                                 status=500)
        body = {"error": api_error.error, "message": api_error.message}
        if api_error.details is not None:
            body["details"] = api_error.details
        headers = {"WWW-Authenticate": "Bearer"} if api_error.status == 401 else None
        if isinstance(api_error, (TemporarilyUnavailable, OutcomeUnknown)):
            log.warning("%s %s answered %s: %s", self.method, self.url, api_error.error, exc)
            headers = {"Retry-After": str(settings.value(self.container.config, "HTTP_RETRY_AFTER_SECONDS"))}
        return json_response(body, status=api_error.status, headers=headers)


api = ApiEndpoint.decorator

#: ``Prefer: respond-async`` (RFC 7240): answer 202 at once, the work goes on
PREFER, RESPOND_ASYNC, PREFERENCE_APPLIED = "Prefer", "respond-async", "Preference-Applied"


def prefers_async(request) -> bool:
    """Whether the request's ``Prefer`` headers ask for ``respond-async`` (a list of
    preferences, each perhaps with parameters: ``Prefer: respond-async, wait=10``)."""
    for header in request.headers.getlist(PREFER):
        for preference in header.split(","):
            if preference.split(";")[0].split("=")[0].strip().lower() == RESPOND_ASYNC:
                return True
    return False


def accepted_headers(data: Any) -> Dict[str, str]:
    """The headers of a 202 answer to ``Prefer: respond-async``: where to read the work's
    progress and result (the body's ``location``), and that the preference was honoured."""
    headers = {PREFERENCE_APPLIED: RESPOND_ASYNC}
    if isinstance(data, dict) and isinstance(data.get("location"), str):
        headers["Location"] = data["location"]
    return headers


def bearer_token(request) -> Optional[str]:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
