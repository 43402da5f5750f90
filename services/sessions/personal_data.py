"""Which of sessions' data is personal, and how it is kept (crypto-shredding).

Free text written in a pair (a meeting's plan and private note, a dispute's reason, a goal's
words and progress notes, the final review) is put by the domain under ``payload["personal"]``
and nowhere else. The store encrypts it with the key of the person who wrote it
(``by_person_id``; the final review and a certificate: the mentee's, as they are about them;
a learning outcome: the mentee's, its validation note: the mentor's; a team's analysis
meeting: the team's; an e-course's intake answers: the student's), kept in sessions' own
``person_keys`` table (:mod:`services.platform_core.crypto_shredding`): sessions never reads
registration's keys. When sessions consumes ``PersonErased`` the person's key is forgotten, in
the consumer's transaction: their notes read as null in every API, replay and event from then on.

Access on request (GDPR): ``GET /tenants/{t}/people/{id}/export`` on sessions returns what
sessions holds about the person (their pairings, those pairings' meetings, goals, final
reviews, learning outcomes and certificates, a team's analysis meetings), decrypted; after
erasure their words read as null there too.
"""
from __future__ import annotations

from typing import Mapping

from services.platform_core.crypto_shredding import (
    PersonalDataCodec,
    PersonKeyTable,
    keys_metadata,
)

from .domain import ANALYSIS_MEETING, CERTIFICATE, FINAL_REVIEW, GOAL, MEETING, OUTCOME
from .domain.course import INTAKE

KEYS_METADATA = keys_metadata
PERSON_KEYS = PersonKeyTable()


def writer_of(stream_type: str, stream_id: str, payload: Mapping) -> str:
    """Whose key a payload's personal part takes."""
    if stream_type in (FINAL_REVIEW, CERTIFICATE):
        return payload["mentee_id"]
    if stream_type == ANALYSIS_MEETING:
        return payload["team_id"]
    return payload["by_person_id"]


def codec() -> PersonalDataCodec:
    return PersonalDataCodec(PERSON_KEYS, stream_types=(MEETING, GOAL, FINAL_REVIEW, ANALYSIS_MEETING,
                                                                OUTCOME, CERTIFICATE, INTAKE),
                             person_of=writer_of)
