"""Which of registration's data is personal, and how it is kept (crypto-shredding).

The domain puts every piece of personal data (names, contacts, date of birth, guardian, team
members, a withdrawal's free-text reason, a background check's reference, a team's need note,
the ranked areas hiding a sensitive one, sensitive needs) under ``payload["personal"]`` of
events of ``person`` streams, and nowhere else; the payload schemas
(:mod:`services.registration.schemas`) name the fields each event carries there. The store
encrypts that part with the person's own key (:mod:`services.platform_core.crypto_shredding`,
keys in registration's ``person_keys`` table).

Erasure (GDPR "right to be forgotten"): ``PersonErased`` is appended, and in the same
transaction the person's key is forgotten (``PERSON_KEYS.forget``) and the read models forget them (the
``people`` row keeps only a tombstone: id, kind, erased_at; their participations and consents
are deleted; their participant token is revoked). The event history stays whole, so every
projection can still be rebuilt, but no API, export, replay or published event can reveal
their personal data any more. Sensitive facts (disability, social risk, addiction ...) go only
in the *private* ``SensitiveNeedsRecorded`` event, which is never published.

Access on request (GDPR "right of access"): ``GET /tenants/{t}/people/{id}/export`` returns
the person's decrypted stream and their read-model rows.
"""
from __future__ import annotations

from services.platform_core.crypto_shredding import PersonalDataCodec, PersonKeyTable, keys_metadata

PERSON = "person"

#: the tables the keys live in (not a read model: a rebuild never touches them)
KEYS_METADATA = keys_metadata
PERSON_KEYS = PersonKeyTable()


def codec() -> PersonalDataCodec:
    """The store's payload codec: ``personal`` of every event of a person's stream, under
    that person's key."""
    return PersonalDataCodec(PERSON_KEYS, stream_types=(PERSON,))
