"""The registration service: tenants, programmes and the people who take part, over HTTP.

Every command: authenticate (:mod:`services.platform_core.tenancy`), check the caller may
reach the tenant and person, read the body with the strict input schemas, load the
aggregate(s) from their streams inside ``store.transaction(tenant)``, call the domain, append
its events with the expected version of every stream touched, and apply the read-model and
credentials projections to the appended events in the same transaction. Nothing is written
unless everything is; bad input is a 400 naming each field, a broken rule a 422, a stale
version a 409, a missing (or another tenant's) resource a 404.

Endpoints (who: O operator, C coordinator of the tenant, P the participant themself;
errors: 400 bad input naming every field, 401 no/unknown/revoked credentials, 403 the right
tenant but the wrong role, 404 missing or another tenant's, 409 stale version, 422 a rule):

=======  =================================================  =====  ==================
method   path                                               who    success
=======  =================================================  =====  ==================
GET      /health                                            -      200
POST     /tenants                                           O      201 (+ first key)
GET      /tenants/{t}                                       O, C   200
POST     /tenants/{t}/keys/rotate                           O, C   201 (new key)
POST     /tenants/{t}/programmes                            C      201
GET      /tenants/{t}/programmes                            C      200
GET      /tenants/{t}/programmes/{p}                        C      200 (signup_url)
PATCH    /tenants/{t}/programmes/{p}                        C      200 (If-Match)
POST     /tenants/{t}/programmes/{p}/clone                  C      201
GET      /tenants/{t}/programmes/{p}/participants           C      200
POST     /tenants/{t}/programmes/{p}/mentors|mentees|teams  C, P   201 (+ token)
POST     /signup/{t}/{p}/mentor|mentee|team?code=...        code   201 (+ token)
GET      /tenants/{t}/people/{id}                           C, P   200
PATCH    /tenants/{t}/people/{id}                           C, P   200
POST     /tenants/{t}/people/{id}/consent                   C, P   200
POST     /tenants/{t}/people/{id}/consent/withdraw          C, P   200
POST     /tenants/{t}/people/{id}/training                  C      200
POST     /tenants/{t}/people/{id}/vetting                   C      200
POST     /tenants/{t}/people/{id}/team-need                 C      200
POST     /tenants/{t}/people/{id}/sensitive-needs           C, P   200
POST     /tenants/{t}/people/{id}/withdraw                  C, P   200
POST     /tenants/{t}/people/{id}/erase                     C, P   200
GET      /tenants/{t}/people/{id}/export                    C, P   200
GET      /tenants/{t}/programmes/{p}/staff                  C      200
POST     /tenants/{t}/programmes/{p}/staff                  C      201
PATCH    /tenants/{t}/programmes/{p}/staff/{id}             C      200 (If-Match)
POST     /tenants/{t}/programmes/{p}/staff/{id}/remove      C      200 (If-Match)
=======  =================================================  =====  ==================

A programme's staff (its coordinators, an e-course's teachers) are people too
(:mod:`.domain.staff`): their name and e-mail are personal data, erased and exported through
``/people/{id}/erase`` and ``/people/{id}/export`` like anyone's.

Over the platform's own RPC (besides the catch-up feed): ``registration.contact_cards(tenant_id,
person_ids, programme_id)``, the clear contacts notifications needs when it sends (nothing for
an erased person).

Person and programme commands accept the version read as ``If-Match: "<version>"`` or
``expected_version`` in the body (409 when stale). A command that changes nothing (a consent
already given) answers 200 with ``"changed": false`` and writes no event.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from nameko.dependency_providers import Config

from services.platform_core import health, tenancy
from services.platform_core.catchup import CatchUpFeed, rpc
from services.platform_core.dependencies import ClockProvider, Store
from services.platform_core.envelope import Actor, Envelope
from services.platform_core.openapi import Documented, HealthView
from services.platform_core.store import ALL_TENANTS, ConcurrencyConflict, StoreTransaction
from services.platform_core.tenancy import (
    COORDINATOR,
    OPERATOR,
    PARTICIPANT,
    Caller,
    authenticate,
    issue_participant_token,
)
from services.platform_core.web import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unprocessable,
    api,
    bearer_token,
    map_error,
    read_json,
)
from services.registration import domain, personal_data, read_model, schemas
from services.registration.domain import (
    MENTEE,
    MENTOR,
    TEAM,
    DomainError,
    Person,
    Programme,
    RuleBroken,
    Tenant,
    ValidationFailed,
)

map_error(ValidationFailed, lambda exc: BadRequest(
    "the input is invalid: every bad field is named in details", details=exc.errors))
map_error(RuleBroken, lambda exc: Unprocessable(exc.message, details=exc.as_dict()))

ROLES_BY_PATH = {"mentors": MENTOR, "mentees": MENTEE, "teams": TEAM}
REGISTER_INPUT = {MENTOR: schemas.RegisterMentorInput, MENTEE: schemas.RegisterMenteeInput,
                  TEAM: schemas.RegisterTeamInput}
ANYONE_IN_TENANT = (COORDINATOR, PARTICIPANT)
#: Refusals a caller caused: logged by nameko as expected, not as errors of ours.
EXPECTED = (ApiError, DomainError, ConcurrencyConflict)


def endpoint(method: str, url: str, **declared):
    """``@api`` with the refusals callers cause; ``declared``: see :class:`~.web.Declaration`."""
    return api(method, url, expected_exceptions=EXPECTED, **declared)


X = schemas.EXAMPLES
C, OP, P = (COORDINATOR,), (OPERATOR,), (PARTICIPANT,)
NO_PROGRAMME = "the programme does not exist (or is another tenant's)"
NO_PERSON = "the person does not exist, is another tenant's, or (a participant's token) is someone else"
NO_STAFF = "the programme does not exist, or the person is not on its staff (or is another tenant's)"
STAFF_RULE = ("a rule says no: the person was erased, takes part in programmes (a participant is not made "
              "staff), or is already on this programme's staff")
PERSON_RULE = ("a rule says no (the person was erased, does not take part in the programme, or the "
               "command does not fit their role or the programme)")
STALE = "the version given (If-Match or expected_version) is not the current one"


def person_command(url: str, body, example, roles=ANYONE_IN_TENANT, **more):
    """A command on one person: answers the person after it."""
    return endpoint("POST", url, body=body, example=example, roles=roles, if_match=True,
                    responses={200: schemas.PersonChangedView},
                    errors={404: NO_PERSON + "; or the programme_id names no programme",
                            409: STALE, 422: PERSON_RULE}, **more)


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False


def _expected_version(request, body: Dict[str, Any]) -> Optional[int]:
    """The version the caller read: ``If-Match: "3"`` or ``expected_version`` in the body."""
    given = body.pop("expected_version", None)
    header = request.headers.get("If-Match")
    if header is not None and given is None:
        text = header.strip()
        if text.startswith("W/"):
            text = text[2:]
        text = text.strip('"')
        if not (text.isascii() and text.isdigit() and len(text) <= 12):
            raise BadRequest("If-Match must be the version you read, e.g. \"3\"",
                             details={"If-Match": ["must be a whole number (the version)"]})
        return int(text)
    if given is not None and (isinstance(given, bool) or not isinstance(given, int) or given < 0):
        raise BadRequest("expected_version must be the version you read",
                         details={"expected_version": ["must be a whole number, 0 or more"]})
    return given


def _check_version(stream_type: str, stream_id: str, expected: Optional[int], actual: int) -> None:
    if expected is not None and expected != actual:
        raise ConcurrencyConflict(stream_type, stream_id, expected, actual)


def _date_text(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


class RegistrationService(CatchUpFeed, Documented):
    name = "registration"

    store = Store(read_models=[read_model.metadata, tenancy.metadata, personal_data.KEYS_METADATA],
                  codec_factory=personal_data.codec,
                  projections=[read_model.READ_MODELS, tenancy.CREDENTIALS])
    clock = ClockProvider()
    config = Config()

    # ---------------------------------------------------------------------------------------
    # The platform's own RPC
    # ---------------------------------------------------------------------------------------

    @rpc
    def contact_cards(self, tenant_id: str, person_ids: List[str], programme_id: Optional[str] = None):
        """Name, e-mail, languages, the language of messages, minority, guardian and a team's
        members of each person (none for an erased one), and the programme's staff, for
        notifications when it sends: it keeps only the ids."""
        with self.store.transaction(tenant_id) as tx:
            return read_model.contact_cards(tx.conn, tenant_id, list(person_ids), programme_id)

    # ---------------------------------------------------------------------------------------
    # Plumbing
    # ---------------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock.now()

    def _caller(self, request, tenant_id: Optional[str] = None, *kinds: str) -> Caller:
        with self.store.transaction(ALL_TENANTS) as tx:
            caller = authenticate(tx.conn, self.config, bearer_token(request), self._now())
        if tenant_id is not None:
            caller.require_tenant(tenant_id)
        if kinds:
            caller.require_kind(*kinds)
        return caller

    def _append(self, tx: StoreTransaction, events, expected: Mapping[Tuple[str, str], int],
                actor: Actor) -> List[Envelope]:
        envelopes = tx.append(events, expected=dict(expected), actor=actor)
        read_model.READ_MODELS.apply_all(tx.conn, envelopes)
        tenancy.CREDENTIALS.apply_all(tx.conn, envelopes)
        return envelopes

    @staticmethod
    def _stream(tx: StoreTransaction, stream_type: str, stream_id: str) -> List[Envelope]:
        envelopes = tx.read_stream(stream_type, stream_id)
        if any(envelope.tenant_id != tx.tenant_id for envelope in envelopes):
            return []  # another tenant's stream reads as missing (SQLite has no row security)
        return envelopes

    def _tenant(self, tx: StoreTransaction, tenant_id: str) -> Tenant:
        tenant = Tenant.from_events(tenant_id, self._stream(tx, "tenant", tenant_id))
        if not tenant.exists:
            raise NotFound(f"tenant {tenant_id} not found")
        return tenant

    def _programme(self, tx: StoreTransaction, programme_id: Optional[str]) -> Programme:
        if not programme_id or not _is_uuid(programme_id):
            raise NotFound(f"programme {programme_id} not found")
        programme = Programme.from_events(programme_id, self._stream(tx, "programme", programme_id))
        if not programme.exists:
            raise NotFound(f"programme {programme_id} not found")
        return programme

    def _person(self, tx: StoreTransaction, person_id: str) -> Person:
        person = Person.from_events(person_id, self._stream(tx, "person", person_id))
        if not person.exists:
            raise NotFound(f"person {person_id} not found")
        return person

    # views ----------------------------------------------------------------------------------

    def _signup(self, tenant_id: str, programme_id: str) -> Dict[str, Any]:
        code = tenancy.signed_code(self.config, "signup", tenant_id, programme_id)
        base = f"/signup/{tenant_id}/{programme_id}"
        return {"signup_code": code, "signup_url": f"{base}/{{role}}?code={code}",
                "signup_urls": {role: f"{base}/{role}?code={code}" for role in (MENTOR, MENTEE, TEAM)}}

    def _programme_view(self, conn, tenant_id: str, programme_id: str) -> Dict[str, Any]:
        row = read_model.programme_row(conn, tenant_id, programme_id)
        if row is None:
            raise NotFound(f"programme {programme_id} not found")
        view = {"id": row["programme_id"], "tenant_id": row["tenant_id"], "name": row["name"],
                "time_zone": row["time_zone"], "settings": row["settings"],
                "cloned_from": row["cloned_from"], "version": row["version"],
                "created_at": row["created_at"], "updated_at": row["updated_at"]}
        kind = row["settings"]["matching"]["participant_kind"]
        signup = self._signup(tenant_id, programme_id)
        signup["signup_urls"] = {role: url for role, url in signup["signup_urls"].items()
                                 if role == MENTOR or (role == TEAM) == (kind == TEAM)}
        view.update(signup)
        return view

    @staticmethod
    def _person_view(conn, tenant_id: str, person_id: str) -> Dict[str, Any]:
        row = read_model.person_row(conn, tenant_id, person_id)
        if row is None:
            raise NotFound(f"person {person_id} not found")
        return {
            "id": row["person_id"], "tenant_id": row["tenant_id"], "kind": row["kind"],
            "personal": row["personal"], "sensitive_needs": row["sensitive_needs"],
            "vetting": None if row["vetting_cleared"] is None else {
                "cleared": row["vetting_cleared"], "checked_on": row["vetting_checked_on"],
                "reference": row["vetting_reference"]},
            "registered_at": row["registered_at"], "updated_at": row["updated_at"],
            "erased": row["erased"], "erased_at": row["erased_at"], "version": row["version"],
            "participations": [RegistrationService._participation_view(p) for p in
                               read_model.participation_rows(conn, tenant_id, person_id=person_id)],
            "consents": [{key: c[key] for key in ("valid_from", "valid_until", "programme_id",
                                                   "given_by", "given_at", "withdrawn_on")}
                         for c in read_model.consent_rows(conn, tenant_id, person_id)],
        }

    @staticmethod
    def _participation_view(row: Dict[str, Any]) -> Dict[str, Any]:
        view = {key: row[key] for key in (
            "person_id", "programme_id", "role", "status", "registered_at", "withdrawn_at",
            "age_at_start", "team_size", "profile", "consent_required", "consent_valid",
            "training_completed_on", "vetting_cleared", "team_need")}
        view["consent_ok"] = not row["consent_required"] or bool(row["consent_valid"])
        if "name" in row:
            view["name"] = row["name"]
        return view

    # ---------------------------------------------------------------------------------------
    # Health
    # ---------------------------------------------------------------------------------------

    @endpoint("GET", "/health", responses={200: HealthView, 503: HealthView},
              summary="Whether the service and its database work", tags=("health",), database=False)
    def health(self, request):
        return health.report(self.name, self.store, self.config)

    # ---------------------------------------------------------------------------------------
    # Tenants
    # ---------------------------------------------------------------------------------------

    @endpoint("POST", "/tenants", body=schemas.CreateTenantInput, example=X["tenant"], roles=OP,
              responses={201: schemas.TenantCreatedView}, errors={409: "the tenant exists already"},
              summary="Create a tenant (an organisation) and its first API key")
    def create_tenant(self, request):
        caller = self._caller(request, None, OPERATOR)
        data = schemas.load_input(schemas.CreateTenantInput, read_json(request))
        slug, now = data.pop("slug"), self._now()
        key_id, api_key = tenancy.new_api_key()
        with self.store.transaction(slug) as tx:
            tenant = Tenant.from_events(slug, tx.read_stream("tenant", slug))
            if tenant.exists:
                raise Conflict(f"tenant {slug} already exists")
            events = tenant.create(now=now, **data)
            tenant.apply_all(events)
            events += tenant.rotate_key(key_id=key_id, api_key=api_key, now=now)
            self._append(tx, events, {("tenant", slug): 0}, caller.actor)
            view = read_model.tenant_row(tx.conn, slug)
        return 201, {"tenant": view, "key_id": key_id, "api_key": api_key,
                     "note": "the API key is shown only this once; keep it safe"}

    @endpoint("GET", "/tenants/<tenant_id>", roles=(OPERATOR, COORDINATOR),
              responses={200: schemas.TenantView}, errors={404: "no such tenant (or another tenant's)"},
              summary="A tenant")
    def get_tenant(self, request, tenant_id):
        self._caller(request, tenant_id, OPERATOR, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            view = read_model.tenant_row(tx.conn, tenant_id)
        if view is None:
            raise NotFound(f"tenant {tenant_id} not found")
        return view

    @endpoint("POST", "/tenants/<tenant_id>/keys/rotate", roles=(OPERATOR, COORDINATOR), if_match=True,
              responses={201: schemas.KeyRotatedView},
              errors={404: "no such tenant (or another tenant's)", 409: STALE},
              summary="Make a new API key for the tenant; the old one stops working at once")
    def rotate_key(self, request, tenant_id):
        caller = self._caller(request, tenant_id, OPERATOR, COORDINATOR)
        body = read_json(request)
        expected = _expected_version(request, body)
        if body:
            raise BadRequest("rotating a key takes no input",
                             details={name: ["unknown field"] for name in body})
        key_id, api_key = tenancy.new_api_key()
        with self.store.transaction(tenant_id) as tx:
            tenant = self._tenant(tx, tenant_id)
            _check_version("tenant", tenant_id, expected, tenant.version)
            events = tenant.rotate_key(key_id=key_id, api_key=api_key, now=self._now())
            self._append(tx, events, {("tenant", tenant_id): tenant.version}, caller.actor)
        return 201, {"tenant_id": tenant_id, "key_id": key_id, "api_key": api_key,
                     "revoked_key_ids": events[0].payload["revoked_key_ids"],
                     "note": "the API key is shown only this once; the previous key no longer works"}

    # ---------------------------------------------------------------------------------------
    # Programmes
    # ---------------------------------------------------------------------------------------

    @endpoint("POST", "/tenants/<tenant_id>/programmes", body=schemas.CreateProgrammeInput,
              example=X["programme"], roles=C, responses={201: schemas.ProgrammeView},
              errors={404: "no such tenant (or another tenant's)"},
              summary="Create a programme with its settings")
    def create_programme(self, request, tenant_id):
        caller = self._caller(request, tenant_id, COORDINATOR)
        settings = schemas.load_input(schemas.CreateProgrammeInput, read_json(request))
        programme_id = str(uuid.uuid4())
        with self.store.transaction(tenant_id) as tx:
            tenant = self._tenant(tx, tenant_id)
            events = Programme(programme_id).create(tenant=tenant, settings=settings, now=self._now())
            self._append(tx, events, {("programme", programme_id): 0}, caller.actor)
            view = self._programme_view(tx.conn, tenant_id, programme_id)
        return 201, view

    @endpoint("GET", "/tenants/<tenant_id>/programmes", roles=C,
              responses={200: schemas.ProgrammeListView}, errors={404: "no such tenant"},
              summary="The tenant's programmes")
    def list_programmes(self, request, tenant_id):
        self._caller(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            self._tenant(tx, tenant_id)
            rows = read_model.programme_rows(tx.conn, tenant_id)
            return {"programmes": [self._programme_view(tx.conn, tenant_id, row["programme_id"])
                                   for row in rows]}

    @endpoint("GET", "/tenants/<tenant_id>/programmes/<programme_id>", roles=C,
              responses={200: schemas.ProgrammeView}, errors={404: NO_PROGRAMME},
              summary="A programme, with its sign-up links")
    def get_programme(self, request, tenant_id, programme_id):
        self._caller(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            view = self._programme_view(tx.conn, tenant_id, programme_id)
        return 200, view

    @endpoint("PATCH", "/tenants/<tenant_id>/programmes/<programme_id>", roles=C, if_match=True,
              body=schemas.UpdateProgrammeInput, example=X["programme_update"],
              responses={200: schemas.ProgrammeView},
              errors={404: NO_PROGRAMME, 409: STALE,
                      422: "the change is refused while people take part (e.g. removing an area in use)"},
              summary="Change some of a programme's settings, section by section")
    def update_programme(self, request, tenant_id, programme_id):
        caller = self._caller(request, tenant_id, COORDINATOR)
        body = read_json(request)
        expected = _expected_version(request, body)
        changes = schemas.load_input(schemas.UpdateProgrammeInput, body)
        with self.store.transaction(tenant_id) as tx:
            programme = self._programme(tx, programme_id)
            _check_version("programme", programme_id, expected, programme.version)
            taking_part, areas_in_use = read_model.taking_part(tx.conn, tenant_id, programme_id)
            events = programme.update(changes=changes, now=self._now(), taking_part=taking_part,
                                      areas_in_use=areas_in_use)
            self._append(tx, events, {("programme", programme_id): programme.version}, caller.actor)
            view = self._programme_view(tx.conn, tenant_id, programme_id)
        view["changed"] = events[0].payload["changed"] if events else []
        return view

    @endpoint("POST", "/tenants/<tenant_id>/programmes/<programme_id>/clone", roles=C,
              body=schemas.CloneProgrammeInput, example=X["clone"], responses={201: schemas.ProgrammeView},
              errors={404: NO_PROGRAMME}, summary="A new programme with this one's settings, dates moved")
    def clone_programme(self, request, tenant_id, programme_id):
        caller = self._caller(request, tenant_id, COORDINATOR)
        data = schemas.load_input(schemas.CloneProgrammeInput, read_json(request))
        new_id = str(uuid.uuid4())
        with self.store.transaction(tenant_id) as tx:
            programme = self._programme(tx, programme_id)
            events = programme.clone(new_programme_id=new_id, now=self._now(), **data)
            self._append(tx, events, {("programme", new_id): 0}, caller.actor)
            view = self._programme_view(tx.conn, tenant_id, new_id)
        return 201, view

    @endpoint("GET", "/tenants/<tenant_id>/programmes/<programme_id>/participants", roles=C,
              responses={200: schemas.ParticipantsView}, errors={404: NO_PROGRAMME},
              summary="Everyone taking part in a programme")
    def list_participants(self, request, tenant_id, programme_id):
        self._caller(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            self._programme_view(tx.conn, tenant_id, programme_id)
            rows = read_model.participants_of(tx.conn, tenant_id, programme_id)
        return {"programme_id": programme_id,
                "participants": [self._participation_view(row) for row in rows]}

    # ---------------------------------------------------------------------------------------
    # Registration
    # ---------------------------------------------------------------------------------------

    @endpoint("POST", "/tenants/<tenant_id>/programmes/<programme_id>/<any(mentors,mentees,teams):roles>",
              body=schemas.REGISTER_BODIES, example=X["register"], roles=ANYONE_IN_TENANT,
              responses={201: schemas.RegisteredView},
              errors={404: NO_PROGRAMME + "; or person_id names nobody",
                      422: "a rule says no: registration closed, age out of range, not of the "
                           "programme's community, already taking part, the role not taken"},
              summary="Register a mentor, mentee or team in a programme")
    def register(self, request, tenant_id, programme_id, roles):
        """A coordinator registers someone (``person_id`` in the body: someone already known,
        in another programme); a participant may register themself in another programme."""
        caller = self._caller(request, tenant_id, *ANYONE_IN_TENANT)
        body = read_json(request)
        person_id = body.pop("person_id", None)
        if caller.kind == PARTICIPANT:
            person_id = person_id or caller.id
            caller.require_person(str(person_id))
        if person_id is not None and not _is_uuid(person_id if isinstance(person_id, str) else ""):
            raise BadRequest("person_id must be a person id",
                             details={"person_id": ["must be a person id (uuid)"]})
        return self._register(tenant_id, programme_id, ROLES_BY_PATH[roles], body, caller.actor,
                              person_id)

    @endpoint("POST", "/signup/<tenant_id>/<programme_id>/<any(mentor,mentee,team):role>",
              body=schemas.REGISTER_BODIES, query=schemas.SignupQuery, example=X["register"],
              responses={201: schemas.RegisteredView},
              errors={404: "no such sign-up link (a wrong code, tenant or programme)",
                      422: "a rule says no: registration closed, age out of range, the role not taken"},
              summary="Register oneself through the programme's public sign-up link")
    def sign_up(self, request, tenant_id, programme_id, role):
        """Self-registration through the programme's public link: no credentials but the
        link's code (``?code=`` or ``signup_code`` in the body)."""
        body = read_json(request)
        code = body.pop("signup_code", None) or request.args.get("code")
        valid = (tenancy.TENANT_ID.match(tenant_id) and _is_uuid(programme_id) and tenancy.codes_match(
            code, tenancy.signed_code(self.config, "signup", tenant_id, programme_id)))
        if not valid:
            raise NotFound("no such sign-up link (check the link you were given)")
        person_id = str(uuid.uuid4())
        return self._register(tenant_id, programme_id, role, body, Actor(PARTICIPANT, person_id),
                              person_id, new=True)

    def _register(self, tenant_id: str, programme_id: str, role: str, body: Dict[str, Any],
                  actor: Actor, person_id: Optional[str], new: bool = False):
        given = body.setdefault("programme_id", programme_id)
        if given != programme_id:
            raise BadRequest("programme_id must be the programme of the path",
                             details={"programme_id": ["must match the programme in the path"]})
        data = schemas.load_input(REGISTER_INPUT[role], body)
        now = self._now()
        with self.store.transaction(tenant_id) as tx:
            programme = self._programme(tx, programme_id)
            if person_id is None or new:
                person_id = person_id or str(uuid.uuid4())
                person = Person(person_id)
            else:
                person = self._person(tx, person_id)
            read_model.require_free_external_id(tx.conn, programme_id, data["profile"].get("external_id"), person_id)
            events = person.register(programme=programme, role=role, profile=data["profile"],
                                     personal=data.get("personal"),
                                     sensitive_needs=data.get("sensitive_needs"), now=now)
            actor = actor if actor.kind != PARTICIPANT else Actor(PARTICIPANT, person_id)
            envelopes = self._append(tx, events, {("person", person_id): person.version}, actor)
            view = self._person_view(tx.conn, tenant_id, person_id)
        return 201, {"person_id": person_id, "role": role, "programme_id": programme_id,
                     "participant_token": issue_participant_token(self.config, tenant_id,
                                                                  person_id, now),
                     "person": view, "events": [e.event_type for e in envelopes]}

    # ---------------------------------------------------------------------------------------
    # People
    # ---------------------------------------------------------------------------------------

    def _person_caller(self, request, tenant_id, person_id, *kinds) -> Caller:
        caller = self._caller(request, tenant_id)
        if not _is_uuid(person_id):
            raise NotFound(f"person {person_id} not found")
        caller.require_person(person_id)  # someone else's data: 404 before any role check
        return caller.require_kind(*(kinds or ANYONE_IN_TENANT))

    def _programme_command(self, request, tenant_id: str, person_id: str, schema,
                           command: Callable[[Person, Programme, Dict[str, Any], datetime], list],
                           *kinds: str, allowed: Optional[Callable] = None):
        """A person command about one of their programmes (its input names ``programme_id``)."""

        def in_programme(person: Person, programme: Optional[Programme], data: Dict[str, Any], now: datetime):
            if programme is None:
                raise BadRequest("the programme is missing", details={"programme_id": ["is required"]})
            return command(person, programme, data, now)

        return self._person_command(request, tenant_id, person_id, schema, in_programme, *kinds, allowed=allowed)

    def _person_command(self, request, tenant_id: str, person_id: str, schema,
                        command: Callable[[Person, Optional[Programme], Dict[str, Any], datetime], list],
                        *kinds: str, after: Optional[Callable] = None,
                        allowed: Optional[Callable] = None):
        caller = self._person_caller(request, tenant_id, person_id, *kinds)
        body = read_json(request)
        if allowed is not None:
            allowed(caller, body)  # raises when this caller may not give this input
        expected = _expected_version(request, body)
        data = schemas.load_input(schema, body) if schema is not None else {}
        if schema is None and body:
            raise BadRequest("this command takes no input",
                             details={name: ["unknown field"] for name in body})
        with self.store.transaction(tenant_id) as tx:
            person = self._person(tx, person_id)
            _check_version("person", person_id, expected, person.version)
            programme = self._programme(tx, data["programme_id"]) if data.get("programme_id") else None
            events = command(person, programme, data, self._now())
            envelopes = self._append(tx, events, {("person", person_id): person.version},
                                     caller.actor)
            if after is not None:
                after(tx)
            view = self._person_view(tx.conn, tenant_id, person_id)
        return {"person": view, "events": [e.event_type for e in envelopes],
                "changed": bool(envelopes)}

    @endpoint("GET", "/tenants/<tenant_id>/people/<person_id>", roles=ANYONE_IN_TENANT,
              responses={200: schemas.PersonView}, errors={404: NO_PERSON}, summary="A person")
    def get_person(self, request, tenant_id, person_id):
        self._person_caller(request, tenant_id, person_id)
        with self.store.transaction(tenant_id) as tx:
            return self._person_view(tx.conn, tenant_id, person_id)

    @endpoint("PATCH", "/tenants/<tenant_id>/people/<person_id>", roles=ANYONE_IN_TENANT, if_match=True,
              body=schemas.UpdateProfileInput, example=X["profile_update"],
              responses={200: schemas.PersonChangedView},
              errors={404: NO_PERSON, 409: STALE, 422: PERSON_RULE},
              summary="Change a person's personal data and/or their profile in a programme")
    def update_person(self, request, tenant_id, person_id):
        return self._person_command(
            request, tenant_id, person_id, schemas.UpdateProfileInput,
            lambda person, programme, data, now: person.update_profile(
                now=now, programme=programme, profile=data.get("profile"),
                personal=data.get("personal")))

    @person_command("/tenants/<tenant_id>/people/<person_id>/consent", schemas.GiveConsentInput, X["consent"],
                    summary="Record consent (a guardian's, or one's own)")
    def give_consent(self, request, tenant_id, person_id):
        def allowed(caller, body):
            if caller.actor.kind == "participant" and body.get("given_by") != "self":
                # a guardian's consent is a signed form the coordinator holds: a mentee's own
                # token must not be able to declare it
                raise Forbidden("a guardian's consent is recorded by the programme's coordinator; "
                                "with your own token you can only give your own (given_by: self)")

        return self._programme_command(
            request, tenant_id, person_id, schemas.GiveConsentInput,
            lambda person, programme, data, now: person.give_consent(
                programme=programme, given_by=data["given_by"], now=now), allowed=allowed)

    @person_command("/tenants/<tenant_id>/people/<person_id>/consent/withdraw", schemas.WithdrawConsentInput,
                    X["programme_only"], summary="Withdraw consent")
    def withdraw_consent(self, request, tenant_id, person_id):
        return self._programme_command(
            request, tenant_id, person_id, schemas.WithdrawConsentInput,
            lambda person, programme, data, now: person.withdraw_consent(
                programme=programme, now=now))

    @person_command("/tenants/<tenant_id>/people/<person_id>/training", schemas.CompleteTrainingInput, X["training"],
                    roles=C, summary="Record that a mentor completed the training")
    def complete_training(self, request, tenant_id, person_id):
        return self._programme_command(
            request, tenant_id, person_id, schemas.CompleteTrainingInput,
            lambda person, programme, data, now: person.complete_training(
                programme=programme, completed_on=data["completed_on"], now=now), COORDINATOR)

    @person_command("/tenants/<tenant_id>/people/<person_id>/vetting", schemas.RecordVettingInput, X["vetting"],
                    roles=C, summary="Record a mentor's background check")
    def record_vetting(self, request, tenant_id, person_id):
        return self._programme_command(
            request, tenant_id, person_id, schemas.RecordVettingInput,
            lambda person, programme, data, now: person.record_vetting(
                programme=programme, cleared=data["cleared"], checked_on=data["checked_on"],
                reference=data.get("reference"), now=now), COORDINATOR)

    @person_command("/tenants/<tenant_id>/people/<person_id>/team-need", schemas.SetTeamNeedInput, X["team_need"],
                    roles=C, summary="Set a team's capacity-building need")
    def set_team_need(self, request, tenant_id, person_id):
        return self._programme_command(
            request, tenant_id, person_id, schemas.SetTeamNeedInput,
            lambda person, programme, data, now: person.set_team_need(
                programme=programme, areas=data["areas"], note=data.get("note"), now=now),
            COORDINATOR)

    @person_command("/tenants/<tenant_id>/people/<person_id>/sensitive-needs", schemas.RecordSensitiveNeedsInput,
                    X["sensitive_needs"], summary="Record sensitive needs (private)")
    def record_sensitive_needs(self, request, tenant_id, person_id):
        return self._programme_command(
            request, tenant_id, person_id, schemas.RecordSensitiveNeedsInput,
            lambda person, programme, data, now: person.record_sensitive_needs(
                programme=programme, needs=data["needs"], now=now))

    @person_command("/tenants/<tenant_id>/people/<person_id>/withdraw", schemas.WithdrawInput, X["withdraw"],
                    summary="Withdraw from a programme")
    def withdraw(self, request, tenant_id, person_id):
        return self._programme_command(
            request, tenant_id, person_id, schemas.WithdrawInput,
            lambda person, programme, data, now: person.withdraw(
                programme_id=programme.id, reason=data.get("reason"), now=now))

    @person_command("/tenants/<tenant_id>/people/<person_id>/erase", None, None,
                    summary="Erase a person's personal data (GDPR)")
    def erase(self, request, tenant_id, person_id):
        """Erase on request (GDPR): PersonErased, the person's key deleted (their personal
        data in every stored or published event becomes unreadable), read models cleared."""
        return self._person_command(
            request, tenant_id, person_id, None,
            lambda person, programme, data, now: person.erase(now=now),
            after=lambda tx: personal_data.PERSON_KEYS.forget(tenant_id, person_id, tx.conn))

    @endpoint("GET", "/tenants/<tenant_id>/people/<person_id>/export", roles=ANYONE_IN_TENANT,
              responses={200: schemas.ExportView}, errors={404: NO_PERSON},
              summary="Everything held about a person (GDPR access)")
    def export(self, request, tenant_id, person_id):
        """Everything held about the person (GDPR access): their decrypted event stream and
        their read-model rows."""
        self._person_caller(request, tenant_id, person_id)
        with self.store.transaction(tenant_id) as tx:
            envelopes = self._stream(tx, "person", person_id)
            if not envelopes:
                raise NotFound(f"person {person_id} not found")
            return {
                "person_id": person_id, "tenant_id": tenant_id,
                "exported_at": self._now().isoformat(),
                "person": self._person_view(tx.conn, tenant_id, person_id),
                "events": [envelope.to_message() for envelope in envelopes],
            }


    # ---------------------------------------------------------------------------------------
    # A programme's staff
    # ---------------------------------------------------------------------------------------

    @staticmethod
    def _staff_view(conn, tenant_id: str, programme_id: str, person_id: str) -> Optional[Dict[str, Any]]:
        rows = read_model.staff_rows(conn, tenant_id, programme_id, person_id)
        return _staff_member(rows[0]) if rows else None

    @endpoint("GET", "/tenants/<tenant_id>/programmes/<programme_id>/staff", roles=C,
              responses={200: schemas.StaffListView}, errors={404: NO_PROGRAMME},
              summary="A programme's staff: its coordinators and teachers, with their language and contact")
    def list_staff(self, request, tenant_id, programme_id):
        self._caller(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            self._programme_view(tx.conn, tenant_id, programme_id)
            rows = read_model.staff_rows(tx.conn, tenant_id, programme_id)
        return {"programme_id": programme_id, "staff": [_staff_member(row) for row in rows]}

    @endpoint("POST", "/tenants/<tenant_id>/programmes/<programme_id>/staff", roles=C,
              body=schemas.AddStaffInput, example=X["staff"], responses={201: schemas.StaffChangedView},
              errors={404: NO_PROGRAMME + "; or person_id names nobody", 422: STAFF_RULE},
              summary="Add a coordinator (or an e-course's teacher) to a programme's staff")
    def add_staff(self, request, tenant_id, programme_id):
        """A new person (``personal``: name and e-mail) or someone already on another
        programme's staff (``person_id``)."""
        caller = self._caller(request, tenant_id, COORDINATOR)
        data = schemas.load_input(schemas.AddStaffInput, read_json(request))
        person_id = data.pop("person_id", None)
        with self.store.transaction(tenant_id) as tx:
            programme = self._programme(tx, programme_id)
            person = self._person(tx, person_id) if person_id else Person(str(uuid.uuid4()))
            events = person.add_to_staff(programme=programme, now=self._now(), **data)
            envelopes = self._append(tx, events, {("person", person.id): person.version}, caller.actor)
            view = self._staff_view(tx.conn, tenant_id, programme_id, person.id)
        return 201, {"staff_member": view, "events": [e.event_type for e in envelopes], "changed": True}

    def _staff_command(self, request, tenant_id: str, programme_id: str, person_id: str, schema,
                       command: Callable[[Person, Programme, Dict[str, Any], datetime], list]):
        caller = self._caller(request, tenant_id, COORDINATOR)
        if not _is_uuid(person_id):
            raise NotFound(f"person {person_id} not found")
        body = read_json(request)
        expected = _expected_version(request, body)
        if schema is None and body:
            raise BadRequest("this command takes no input", details={name: ["unknown field"] for name in body})
        data = schemas.load_input(schema, body) if schema is not None else {}
        with self.store.transaction(tenant_id) as tx:
            programme = self._programme(tx, programme_id)
            person = self._person(tx, person_id)
            if not (person.staff.get(programme_id) and person.staff[programme_id].active):
                raise NotFound(f"person {person_id} is not on the staff of programme {programme_id}")
            _check_version("person", person_id, expected, person.version)
            events = command(person, programme, data, self._now())
            envelopes = self._append(tx, events, {("person", person_id): person.version}, caller.actor)
            view = self._staff_view(tx.conn, tenant_id, programme_id, person_id)
        return {"staff_member": view, "events": [e.event_type for e in envelopes], "changed": bool(envelopes)}

    @endpoint("PATCH", "/tenants/<tenant_id>/programmes/<programme_id>/staff/<person_id>", roles=C,
              if_match=True, body=schemas.ChangeStaffInput, example=X["staff_change"],
              responses={200: schemas.StaffChangedView}, errors={404: NO_STAFF, 409: STALE, 422: STAFF_RULE},
              summary="Change a staff member's role, language or contact")
    def change_staff(self, request, tenant_id, programme_id, person_id):
        def change(person: Person, programme: Programme, data: Dict[str, Any], now: datetime) -> list:
            domain.check_staff_input(data)
            return person.change_staff(programme=programme, now=now, **data)

        return self._staff_command(request, tenant_id, programme_id, person_id, schemas.ChangeStaffInput, change)

    @endpoint("POST", "/tenants/<tenant_id>/programmes/<programme_id>/staff/<person_id>/remove", roles=C,
              if_match=True, responses={200: schemas.StaffChangedView}, errors={404: NO_STAFF, 409: STALE},
              summary="Take someone off a programme's staff (their data stays until they are erased)")
    def remove_staff(self, request, tenant_id, programme_id, person_id):
        return self._staff_command(
            request, tenant_id, programme_id, person_id, None,
            lambda person, programme, data, now: person.remove_from_staff(programme_id=programme.id, now=now))


def _staff_member(row: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: row[key] for key in ("person_id", "programme_id", "role", "language", "name", "email", "phone",
                                      "added_at", "version")}
