"""A pair's certificate (seed 002): the learning outcomes its mentor validated, issued to the
mentee at the end, on the stream ``certificate``/<pairing id> (so two issues at once cannot
both succeed: the stream's expected version refuses the second).

``CertificateIssued`` (by the coordinator, or with the final review) names the certificate
(its own id), the programme, the day, the language it is written in, the validated outcomes
(ids) and the SHA-256 of its verification code; the name as issued and the code itself are the
mentee's personal data (encrypted with the mentee's key), so the mentee's erasure makes the
certificate unreadable and unverifiable. ``CertificateRevoked`` (the coordinator) ends it; a
pairing whose certificate was revoked may be issued a new one.

The verification code is random (the adapter draws the bytes: :func:`verification_code`),
shown on the certificate and looked up by its hash only (:func:`code_hash`). What a public
verification shows is :func:`verdict`: genuine or not, and for a genuine one only the name as
issued, the programme and the outcomes' titles.

Plain Python: no nameko, SQLAlchemy or marshmallow here.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional, Sequence

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .rules import CONFIRMED, COORDINATOR, ENDED, PairingFacts, RuleBroken

CERTIFICATE = "certificate"
VALID, REVOKED, ERASED, UNKNOWN = "valid", "revoked", "erased", "unknown"
#: what a verification finds: a valid certificate, a revoked one, one whose person was erased, none
VERDICTS = (VALID, REVOKED, ERASED, UNKNOWN)
#: how many random bytes a verification code carries (120 bits)
CODE_BYTES = 15


def verification_code(random_bytes: bytes) -> str:
    """A code people can type: the bytes in base32 (no padding), in groups of four (``ABCD-EFGH-...``)."""
    if len(random_bytes) < CODE_BYTES:
        raise ValueError(f"a verification code needs {CODE_BYTES} random bytes")
    text = base64.b32encode(random_bytes[:CODE_BYTES]).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def normalise_code(code: str) -> str:
    """The code as typed (any case, with or without dashes and spaces) in the one written form."""
    letters = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(letters[i:i + 4] for i in range(0, len(letters), 4))


def code_hash(code: str) -> str:
    """What is kept of a code: the SHA-256 of its written form (hex)."""
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class IssuedCertificate:
    id: str
    pairing_id: str
    programme_id: str
    mentee_id: str
    issued_at: str
    language: str
    outcome_ids: List[str]
    code_hash: str
    issued_by_role: str
    #: the name as issued and the code (None once the mentee is erased)
    name: Optional[str] = None
    code: Optional[str] = None
    revoked_at: Optional[str] = None
    reason: Optional[str] = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class PairingCertificates(Aggregate):
    """Every certificate issued to a pair: at most one not revoked."""

    stream_type: ClassVar[str] = CERTIFICATE

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.issued: Dict[str, IssuedCertificate] = {}

    def _on_CertificateIssued(self, payload: Dict[str, Any]) -> None:
        personal = payload.get("personal") or {}
        self.issued[payload["certificate_id"]] = IssuedCertificate(
            id=payload["certificate_id"], pairing_id=payload["pairing_id"], programme_id=payload["programme_id"],
            mentee_id=payload["mentee_id"], issued_at=payload["issued_at"], language=payload["language"],
            outcome_ids=list(payload["outcome_ids"]), code_hash=payload["code_hash"],
            issued_by_role=payload["issued_by_role"], name=personal.get("name"), code=personal.get("code"))

    def _on_CertificateRevoked(self, payload: Dict[str, Any]) -> None:
        certificate = self.issued[payload["certificate_id"]]
        self.issued[certificate.id] = replace(certificate, revoked_at=payload["revoked_at"],
                                              reason=(payload.get("personal") or {}).get("reason"))

    @property
    def current(self) -> Optional[IssuedCertificate]:
        """The certificate in force (not revoked), if any."""
        return next((c for c in self.issued.values() if not c.revoked), None)

    def issue(self, *, pairing: PairingFacts, certificate_id: str, code: str, name: str,
              validated_outcomes: Sequence[str], language: str, by_role: str, now: datetime) -> List[DomainEvent]:
        """``validated_outcomes``: the ids of the pair's outcomes its mentor validated."""
        if pairing.status not in (CONFIRMED, ENDED):
            pairing.require_active()
        failures = []
        if self.current is not None:
            failures.append({"code": "already_issued", "field": None, "message":
                             f"pairing {pairing.pairing_id} holds certificate {self.current.id} "
                             f"(issued {self.current.issued_at}): revoke it first"})
        if not validated_outcomes:
            failures.append({"code": "no_validated_outcome", "field": None, "message":
                             f"the mentor of pairing {pairing.pairing_id} has validated no learning outcome yet"})
        if failures:
            raise RuleBroken(failures)
        return [self._event("CertificateIssued", {
            "certificate_id": certificate_id, "pairing_id": pairing.pairing_id,
            "programme_id": pairing.programme_id, "mentor_id": pairing.mentor_id,
            "mentee_id": pairing.mentee_id, "issued_by_role": by_role, "issued_at": now.isoformat(),
            "language": language, "outcome_ids": list(validated_outcomes), "code_hash": code_hash(code),
            "personal": {"name": name, "code": normalise_code(code)}})]

    def revoke(self, *, certificate_id: str, reason: Optional[str], now: datetime) -> List[DomainEvent]:
        certificate = self.issued.get(certificate_id)
        if certificate is None:
            raise RuleBroken.one("no_such_certificate", f"certificate {certificate_id} is not of pairing {self.id}")
        if certificate.revoked:
            raise RuleBroken.one("already_revoked", f"certificate {certificate_id} was revoked on "
                                 f"{certificate.revoked_at}")
        return [self._event("CertificateRevoked", {
            "certificate_id": certificate_id, "pairing_id": certificate.pairing_id,
            "programme_id": certificate.programme_id, "mentee_id": certificate.mentee_id,
            "by_role": COORDINATOR, "revoked_at": now.isoformat(), "personal": {"reason": reason}})]


@dataclass(frozen=True)
class Verdict:
    """What the public verification of a code shows: only that, and for a valid certificate the
    name as issued, the programme and the outcomes' titles."""

    status: str
    name: Optional[str] = None
    programme: Optional[str] = None
    issued_on: Optional[str] = None
    outcomes: List[str] = field(default_factory=list)

    @property
    def genuine(self) -> bool:
        return self.status == VALID

    def to_dict(self) -> Dict[str, Any]:
        return {"genuine": self.genuine, "status": self.status, "name": self.name, "programme": self.programme,
                "issued_on": self.issued_on, "outcomes": list(self.outcomes)}


def verdict(certificate: Optional[IssuedCertificate], *, programme: Optional[str],
            outcome_titles: Sequence[Optional[str]]) -> Verdict:
    """Genuine only while issued, not revoked, and its person not erased (the name as issued
    and the outcomes' words still readable); otherwise nothing personal is shown."""
    if certificate is None:
        return Verdict(UNKNOWN)
    if certificate.revoked:
        return Verdict(REVOKED)
    if certificate.name is None or any(title is None for title in outcome_titles):
        return Verdict(ERASED)
    return Verdict(VALID, name=certificate.name, programme=programme, issued_on=certificate.issued_at[:10],
                   outcomes=[str(title) for title in outcome_titles])
