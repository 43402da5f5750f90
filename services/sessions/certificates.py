"""Learning outcomes, certificates and their public verification (seed 002): the read model and
the HTTP endpoints (:class:`OutcomeEndpoints`, a part of :class:`~.service.SessionsService`).

* :data:`OUTCOMES` (``sess_outcomes``, ``sess_certificates``), a projection of sessions' own
  events applied in the appending transaction: each outcome's pairing and status, each
  certificate's pairing, the hash of its verification code (unique) and whether it was revoked.
  Never the words: those are read, decrypted, from the events.
* HTTP (P: a side of the pairing with their participant token, anyone else 404; C: the
  coordinator's key)::

    POST  /tenants/{t}/pairings/{id}/outcomes                     P (the mentee; the mentor: 403)
    GET   /tenants/{t}/pairings/{id}/outcomes                     P, C
    POST  /tenants/{t}/pairings/{id}/outcomes/{o}/validate        P (the mentor; the mentee: 403)
    POST  /tenants/{t}/pairings/{id}/outcomes/{o}/not-yet         P (the mentor; the mentee: 403)
    POST  /tenants/{t}/pairings/{id}/certificates   {name}        C
    GET   /tenants/{t}/pairings/{id}/certificates                 P, C
    GET   /tenants/{t}/pairings/{id}/certificates/{c}.pdf         P, C
    POST  /tenants/{t}/pairings/{id}/certificates/{c}/revoke      C
    GET   /verify/{code}                                          anyone: JSON, or HTML by Accept

A certificate is also issued with the final review when it names ``certificate_name``
(:meth:`OutcomeEndpoints._issue`). The verification URL printed on a certificate starts with
``SESSIONS_PUBLIC_URL``; its fonts come from ``CERTIFICATE_FONT_DIR``.
"""
from __future__ import annotations

import secrets
import uuid
from typing import Any, Dict, List, Optional, Tuple

from eventlet import tpool
from sqlalchemy import BigInteger, Column, Index, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection
from werkzeug.wrappers import Response

from services.platform_core import settings as platform_settings
from services.platform_core.envelope import Envelope
from services.platform_core.projection import Projection
from services.platform_core.store import ALL_TENANTS, ConcurrencyConflict, StoreTransaction
from services.platform_core.tenancy import COORDINATOR, PARTICIPANT
from services.platform_core.web import ApiError, Forbidden, NotFound, api, map_error, read_json

from . import certificate_documents as documents
from . import outcome_schemas as schemas
from . import read_model
from .domain import (
    CERTIFICATE,
    OUTCOME,
    IssuedCertificate,
    LearningOutcome,
    NotInPairing,
    PairingCertificates,
    PairingFacts,
    RuleBroken,
    WrongSide,
    certificate_language,
    competence_areas,
    verdict,
)
from .domain.certificate import CODE_BYTES, code_hash, verification_code
from .schemas import load_input

map_error(WrongSide, lambda exc: Forbidden(str(exc)))

EXPECTED = (ApiError, RuleBroken, NotInPairing, WrongSide, ConcurrencyConflict)


def endpoint(method: str, url: str, **declared):
    return api(method, url, expected_exceptions=EXPECTED, **declared)


X = schemas.EXAMPLES
PAIRING = "/tenants/<tenant_id>/pairings/<pairing_id>"
OUTCOME_URL = PAIRING + "/outcomes/<outcome_id>"
CERTIFICATES = PAIRING + "/certificates"
NO_PAIRING = "no such pairing here, or the caller is not a side of it"
NO_OUTCOME = NO_PAIRING + "; or no such outcome in it"
NO_CERTIFICATE = NO_PAIRING + "; or no such certificate of it"
CHANGED = "the outcome changed meanwhile (a concurrent request): read it and try again"
ISSUED_MEANWHILE = "another certificate was issued or revoked meanwhile: read them and try again"
NOT_RUNNING = ("pairing_ended", "pairing_not_confirmed")


def rules(*codes: str) -> str:
    return "a rule refuses it; details.failures names each: " + ", ".join(codes)


# -- the read model ----------------------------------------------------------------------------

metadata = MetaData()

outcomes = Table(
    "sess_outcomes", metadata,
    Column("outcome_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("pairing_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    #: the global position of its recording: outcomes are listed in the order they were recorded
    Column("position", BigInteger, nullable=False),
    Index("ix_sess_outcomes_pairing", "pairing_id", "position"),
)

certificates = Table(
    "sess_certificates", metadata,
    Column("certificate_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("pairing_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    #: the SHA-256 of the verification code: what a public verification looks up
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("issued_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Index("ix_sess_certificates_pairing", "pairing_id"),
)

OUTCOMES = Projection("outcomes", MetaData())
for _table in (outcomes, certificates):
    _table.to_metadata(OUTCOMES.metadata)

_OUTCOME_STATUS = {"OutcomeValidated": "validated", "OutcomeNotYetValidated": "not_yet"}


@OUTCOMES.handles("LearningOutcomeRecorded")
def _recorded(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    conn.execute(insert(outcomes).values(
        outcome_id=envelope.stream_id, tenant_id=envelope.tenant_id, pairing_id=payload["pairing_id"],
        programme_id=payload["programme_id"], status="recorded", recorded_at=payload["recorded_at"],
        position=envelope.global_position))


@OUTCOMES.handles(*_OUTCOME_STATUS)
def _assessed(conn: Connection, envelope: Envelope) -> None:
    conn.execute(update(outcomes).where(outcomes.c.outcome_id == envelope.stream_id).values(
        status=_OUTCOME_STATUS[envelope.event_type]))


@OUTCOMES.handles("CertificateIssued")
def _issued(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    conn.execute(insert(certificates).values(
        certificate_id=payload["certificate_id"], tenant_id=envelope.tenant_id, pairing_id=payload["pairing_id"],
        programme_id=payload["programme_id"], mentee_id=payload["mentee_id"], code_hash=payload["code_hash"],
        issued_at=payload["issued_at"]))


@OUTCOMES.handles("CertificateRevoked")
def _revoked(conn: Connection, envelope: Envelope) -> None:
    conn.execute(update(certificates).where(certificates.c.certificate_id == envelope.payload["certificate_id"])
                 .values(revoked_at=envelope.payload["revoked_at"]))


def outcome_ids(conn: Connection, pairing_id: str, status: Optional[str] = None) -> List[str]:
    query = select(outcomes.c.outcome_id).where(outcomes.c.pairing_id == pairing_id)
    if status is not None:
        query = query.where(outcomes.c.status == status)
    return list(conn.execute(query.order_by(outcomes.c.position)).scalars())


def certificate_row(conn: Connection, certificate_id: str) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(certificates).where(certificates.c.certificate_id == certificate_id)).mappings().first()
    return dict(row) if row else None


def certificate_by_code(conn: Connection, code: str) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(certificates).where(certificates.c.code_hash == code_hash(code))).mappings().first()
    return dict(row) if row else None


def programme_settings(conn: Connection, tenant_id: str, programme_id: str) -> Dict[str, Any]:
    programmes = read_model.programmes
    found = conn.execute(select(programmes.c.settings).where(
        programmes.c.programme_id == programme_id, programmes.c.tenant_id == tenant_id)).scalar()
    return dict(found or {})


# -- views -------------------------------------------------------------------------------------

def outcome_view(outcome: LearningOutcome) -> Dict[str, Any]:
    return {"id": outcome.id, "pairing_id": outcome.pairing_id, "title": outcome.title,
            "description": outcome.description, "areas": outcome.areas, "status": outcome.status,
            "recorded_at": outcome.recorded_at, "assessed_at": outcome.assessed_at, "note": outcome.note,
            "version": outcome.version}


# -- the endpoints -----------------------------------------------------------------------------

class OutcomeEndpoints:
    """Learning outcomes, certificates and their verification; the service supplies the rest."""

    store: Any
    config: Any
    _caller: Any
    _person: Any
    _pairing: Any
    _load: Any
    _append: Any

    def _outcomes_export(self, tx: StoreTransaction, pairing: PairingFacts) -> Dict[str, Any]:
        """A pairing's learning outcomes and certificates, for a person's export."""
        held = self._load(tx, PairingCertificates, pairing.pairing_id)
        return {"outcomes": [outcome_view(self._load(tx, LearningOutcome, outcome_id))
                             for outcome_id in outcome_ids(tx.conn, pairing.pairing_id)],
                "certificates": [self._certificate_view(tx.tenant_id, c) for c in held.issued.values()]}

    def _outcome(self, tx: StoreTransaction, outcome_id: str, pairing: PairingFacts) -> LearningOutcome:
        found = self._load(tx, LearningOutcome, outcome_id)
        if not found.exists or found.pairing_id != pairing.pairing_id:
            raise NotFound(f"outcome {outcome_id} not found in pairing {pairing.pairing_id}")
        return found

    @endpoint("POST", PAIRING + "/outcomes", roles=(PARTICIPANT,), body=schemas.NewOutcomeInput,
              example=X["outcome"], responses={201: schemas.OutcomeView},
              errors={403: "the mentor: only the mentee records their learning outcomes", 404: NO_PAIRING,
                      422: rules(*NOT_RUNNING, "unknown_area", "programme_unknown")},
              summary="The mentee records a learning outcome, in the programme's competence areas",
              tags=("learning outcomes",))
    def record_outcome(self, request, tenant_id, pairing_id):
        """What the mentee learned (free text) and the programme's competence areas it belongs to;
        the pair's mentor then validates it."""
        caller = self._caller(request, tenant_id, PARTICIPANT)
        data = load_input(schemas.NewOutcomeInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            settings = programme_settings(tx.conn, tenant_id, pairing.programme_id)
            if not settings:
                raise RuleBroken.one("programme_unknown", f"programme {pairing.programme_id} is not known "
                                     f"here yet; try again in a moment")
            outcome = LearningOutcome(str(uuid.uuid4()))
            events = outcome.record(pairing=pairing, by=self._person(caller), title=data["title"],
                                    description=data["description"], areas=data["areas"],
                                    area_ids=[a.id for a in competence_areas(settings)], now=tx.now)
            self._append(tx, events, {(OUTCOME, outcome.id): 0}, caller.actor)
            return 201, outcome_view(outcome.apply_all(events))

    @endpoint("GET", PAIRING + "/outcomes", roles=(PARTICIPANT, COORDINATOR), responses={200: schemas.OutcomeListView},
              errors={404: NO_PAIRING}, summary="The pair's learning outcomes and the mentor's validation",
              tags=("learning outcomes",))
    def list_outcomes(self, request, tenant_id, pairing_id):
        caller = self._caller(request, tenant_id, PARTICIPANT, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            self._pairing(tx, caller, pairing_id)
            views = [outcome_view(self._load(tx, LearningOutcome, outcome_id))
                     for outcome_id in outcome_ids(tx.conn, pairing_id)]
        return {"pairing_id": pairing_id, "outcomes": views}

    def _assess(self, request, tenant_id: str, pairing_id: str, outcome_id: str, validated: bool):
        caller = self._caller(request, tenant_id, PARTICIPANT)
        data = load_input(schemas.AssessmentInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            outcome = self._outcome(tx, outcome_id, pairing)
            version = outcome.version
            assess = outcome.validate if validated else outcome.not_yet
            events = assess(pairing=pairing, by=self._person(caller), note=data["note"], now=tx.now)
            self._append(tx, events, {(OUTCOME, outcome_id): version}, caller.actor)
            return outcome_view(outcome.apply_all(events))

    @endpoint("POST", OUTCOME_URL + "/validate", roles=(PARTICIPANT,), body=schemas.AssessmentInput,
              example=X["assessment"], responses={200: schemas.OutcomeView},
              errors={403: "the mentee: only the pair's mentor validates", 404: NO_OUTCOME, 409: CHANGED,
                      422: rules("already_validated", "pairing_not_confirmed")},
              summary="The pair's mentor validates a learning outcome (with a note)", tags=("learning outcomes",))
    def validate_outcome(self, request, tenant_id, pairing_id, outcome_id):
        return self._assess(request, tenant_id, pairing_id, outcome_id, True)

    @endpoint("POST", OUTCOME_URL + "/not-yet", roles=(PARTICIPANT,), body=schemas.AssessmentInput,
              example=X["assessment"], responses={200: schemas.OutcomeView},
              errors={403: "the mentee: only the pair's mentor assesses", 404: NO_OUTCOME, 409: CHANGED,
                      422: rules("already_validated", "pairing_not_confirmed")},
              summary="The pair's mentor finds a learning outcome not yet shown (with a note)",
              tags=("learning outcomes",))
    def outcome_not_yet(self, request, tenant_id, pairing_id, outcome_id):
        return self._assess(request, tenant_id, pairing_id, outcome_id, False)

    # -- certificates ----------------------------------------------------------------------------

    def _public_url(self, code: Optional[str]) -> Optional[str]:
        base = str(platform_settings.value(self.config, "SESSIONS_PUBLIC_URL")).rstrip("/")
        return f"{base}/verify/{code}" if code else None

    def _certificate_view(self, tenant_id: str, certificate: IssuedCertificate) -> Dict[str, Any]:
        return {"id": certificate.id, "pairing_id": certificate.pairing_id, "programme_id": certificate.programme_id,
                "issued_at": certificate.issued_at, "issued_by_role": certificate.issued_by_role,
                "language": certificate.language, "outcome_ids": certificate.outcome_ids, "name": certificate.name,
                "code": certificate.code, "verification_url": self._public_url(certificate.code),
                "pdf_url": f"/tenants/{tenant_id}/pairings/{certificate.pairing_id}/certificates/{certificate.id}.pdf",
                "revoked_at": certificate.revoked_at}

    def _issue(self, tx: StoreTransaction, pairing: PairingFacts, name: str, by_role: str,
               actor) -> Tuple[PairingCertificates, IssuedCertificate]:
        """Issue the pair's certificate in ``tx`` (the coordinator's request, or the final review)."""
        held = self._load(tx, PairingCertificates, pairing.pairing_id)
        version = held.version
        settings = programme_settings(tx.conn, tx.tenant_id, pairing.programme_id)
        certificate_id = str(uuid.uuid4())
        events = held.issue(pairing=pairing, certificate_id=certificate_id,
                            code=verification_code(secrets.token_bytes(CODE_BYTES)), name=name,
                            validated_outcomes=outcome_ids(tx.conn, pairing.pairing_id, "validated"),
                            language=certificate_language(settings), by_role=by_role, now=tx.now)
        self._append(tx, events, {(CERTIFICATE, pairing.pairing_id): version}, actor)
        held.apply_all(events)
        return held, held.issued[certificate_id]

    @endpoint("POST", CERTIFICATES, roles=(COORDINATOR,), body=schemas.IssueInput, example=X["issue"],
              responses={201: schemas.CertificateView},
              errors={404: NO_PAIRING, 409: ISSUED_MEANWHILE,
                      422: rules("already_issued", "no_validated_outcome", "pairing_not_confirmed")},
              summary="The coordinator issues the mentee's certificate of the validated learning outcomes",
              tags=("certificates",))
    def issue_certificate(self, request, tenant_id, pairing_id):
        """In the programme's language, with a random verification code (its hash kept) and the
        name as given here; one in force per pair at a time."""
        caller = self._caller(request, tenant_id, COORDINATOR)
        data = load_input(schemas.IssueInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            _held, certificate = self._issue(tx, pairing, data["name"], COORDINATOR, caller.actor)
            return 201, self._certificate_view(tenant_id, certificate)

    @endpoint("GET", CERTIFICATES, roles=(PARTICIPANT, COORDINATOR), responses={200: schemas.CertificateListView},
              errors={404: NO_PAIRING}, summary="The certificates issued to the pair", tags=("certificates",))
    def list_certificates(self, request, tenant_id, pairing_id):
        caller = self._caller(request, tenant_id, PARTICIPANT, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            self._pairing(tx, caller, pairing_id)
            held = self._load(tx, PairingCertificates, pairing_id)
        return {"pairing_id": pairing_id,
                "certificates": [self._certificate_view(tenant_id, c) for c in held.issued.values()]}

    def _held(self, tx: StoreTransaction, pairing_id: str, certificate_id: str) -> PairingCertificates:
        held = self._load(tx, PairingCertificates, pairing_id)
        if certificate_id not in held.issued:
            raise NotFound(f"certificate {certificate_id} not found in pairing {pairing_id}")
        return held

    @endpoint("GET", CERTIFICATES + "/<certificate_id>.pdf", roles=(PARTICIPANT, COORDINATOR),
              responses={200: schemas.PDF}, content_type="application/pdf",
              errors={404: NO_CERTIFICATE, 422: rules("certificate_unreadable")},
              summary="The certificate as a tagged, accessible PDF in the programme's language",
              tags=("certificates",))
    def certificate_pdf(self, request, tenant_id, pairing_id, certificate_id):
        """The mentee, the mentor or the coordinator; the name, the outcomes with their competence
        areas, the verification code and URL; DejaVu Sans embedded."""
        caller = self._caller(request, tenant_id, PARTICIPANT, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            pairing = self._pairing(tx, caller, pairing_id)
            certificate = self._held(tx, pairing_id, certificate_id).issued[certificate_id]
            settings = programme_settings(tx.conn, tenant_id, pairing.programme_id)
            listed = [self._load(tx, LearningOutcome, outcome_id) for outcome_id in certificate.outcome_ids]
        if certificate.name is None or certificate.code is None or any(o.title is None for o in listed):
            raise RuleBroken.one("certificate_unreadable", f"certificate {certificate_id} can no longer be "
                                 f"read: its person was erased")
        html = documents.certificate_html(
            language=certificate.language, name=certificate.name, programme=str(settings.get("name") or ""),
            issued_on=certificate.issued_at[:10], code=certificate.code, url=self._public_url(certificate.code) or "",
            outcomes=documents.outcome_lines(listed, competence_areas(settings), certificate.language),
            font_dir=str(platform_settings.value(self.config, "CERTIFICATE_FONT_DIR")))
        pdf = tpool.execute(documents.certificate_pdf, html)  # rendering takes a while: off the event loop
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="certificate-{certificate_id}.pdf"'})

    @endpoint("POST", CERTIFICATES + "/<certificate_id>/revoke", roles=(COORDINATOR,), body=schemas.RevokeInput,
              example=X["revoke"], responses={200: schemas.CertificateView},
              errors={404: NO_CERTIFICATE, 409: ISSUED_MEANWHILE, 422: rules("already_revoked")},
              summary="The coordinator revokes a certificate: it no longer verifies", tags=("certificates",))
    def revoke_certificate(self, request, tenant_id, pairing_id, certificate_id):
        caller = self._caller(request, tenant_id, COORDINATOR)
        data = load_input(schemas.RevokeInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            self._pairing(tx, caller, pairing_id)
            held = self._held(tx, pairing_id, certificate_id)
            version = held.version
            events = held.revoke(certificate_id=certificate_id, reason=data["reason"], now=tx.now)
            self._append(tx, events, {(CERTIFICATE, pairing_id): version}, caller.actor)
            return self._certificate_view(tenant_id, held.apply_all(events).issued[certificate_id])

    @endpoint("GET", "/verify/<code>", responses={200: schemas.VerificationView},
              summary="Public verification of a certificate's code: JSON, or an HTML page to a browser "
                      "(Accept: text/html)", tags=("certificates",))
    def verify(self, request, code):
        """No credentials. Says only whether the code verifies a valid certificate and, if so,
        the name as issued, the programme, the day and the outcomes' titles; a revoked
        certificate, or one whose person was erased, is not valid and shows nothing personal."""
        with self.store.transaction(ALL_TENANTS) as tx:
            row = certificate_by_code(tx.conn, code)
        certificate, programme, titles = None, None, []
        if row is not None:
            with self.store.transaction(row["tenant_id"]) as tx:
                certificate = self._load(tx, PairingCertificates, row["pairing_id"]).issued.get(row["certificate_id"])
                if certificate is not None and not certificate.revoked:
                    programme = programme_settings(tx.conn, row["tenant_id"], row["programme_id"]).get("name")
                    titles = [self._load(tx, LearningOutcome, o).title for o in certificate.outcome_ids]
        found = verdict(certificate, programme=programme, outcome_titles=titles)
        if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
            return Response(documents.verify_html(found, certificate.language if certificate else None),
                            mimetype="text/html")
        return found.to_dict()
