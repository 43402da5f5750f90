"""Registration's read models.

``tenants``, ``programmes`` (settings as JSON), ``people`` (personal data decrypted for API
reads, nulled on erasure), ``participations`` (person, programme, role, status, and the
flags matching needs: consent, training, vetting) and ``consents``; all with ``tenant_id``
(row-level security walls them per tenant on PostgreSQL). :data:`READ_MODELS` builds them
from events and rebuilds them at any time (``READ_MODELS.rebuild(store)``); the tenants'
credentials are the shared :data:`services.platform_core.tenancy.CREDENTIALS` projection.
The keys of personal data (``person_keys``, see :mod:`services.registration.personal_data`)
are *not* a read model: a rebuild never touches them.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Optional, Set, Tuple

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from services.contracts.programme_settings import setting
from services.platform_core.db import UtcDateTime
from services.platform_core.envelope import Envelope
from services.platform_core.projection import Projection
from services.registration import domain

# ---------------------------------------------------------------------------------------------
# Read models
# ---------------------------------------------------------------------------------------------

metadata = MetaData()
_When = UtcDateTime()

tenants = Table(
    "tenants", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("default_language", String(8), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("key_id", String(64)),
    Column("created_at", _When, nullable=False),
    Column("version", Integer, nullable=False),
)

programmes = Table(
    "programmes", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("meetings_start", String(10), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("cloned_from", String(64)),
    Column("created_at", _When, nullable=False),
    Column("updated_at", _When, nullable=False),
    Column("version", Integer, nullable=False),
)

people = Table(
    "people", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200)),
    Column("email", String(254)),
    Column("phone", String(40)),
    Column("date_of_birth", String(10)),
    Column("personal", JSON),
    Column("sensitive_needs", JSON),
    Column("vetting_cleared", Boolean),
    Column("vetting_checked_on", String(10)),
    Column("vetting_reference", String(200)),
    Column("registered_at", _When, nullable=False),
    Column("updated_at", _When, nullable=False),
    Column("erased", Boolean, nullable=False, default=False),
    Column("erased_at", _When),
    Column("version", Integer, nullable=False),
)

participations = Table(
    "participations", metadata,
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("person_id", String(64), primary_key=True),
    Column("programme_id", String(64), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("status", String(20), nullable=False),  # active | withdrawn
    Column("registered_at", _When, nullable=False),
    Column("withdrawn_at", _When),
    Column("age_at_start", Integer),
    Column("team_size", Integer),
    Column("profile", JSON, nullable=False),
    Column("consent_required", Boolean, nullable=False),
    Column("consent_valid", Boolean, nullable=False),
    Column("training_completed_on", String(10)),
    Column("vetting_cleared", Boolean),
    Column("team_need", JSON),
    #: an e-course student's id in the learning platform (seed 004): one person per id in a programme
    Column("external_id", String(64)),
    UniqueConstraint("programme_id", "external_id", name="uq_participations_external_id"),
)

consents = Table(
    "consents", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("person_id", String(64), primary_key=True),
    Column("valid_from", String(10), primary_key=True),
    Column("valid_until", String(10), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("given_by", String(20), nullable=False),
    Column("given_at", _When, nullable=False),
    Column("withdrawn_on", String(10)),
)

#: a programme's staff (coordinators, teachers): one row per person and programme while on it
staff = Table(
    "staff", metadata,
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("programme_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("language", String(8), nullable=False),
    Column("added_at", _When, nullable=False),
)

READ_MODELS = Projection("registration", metadata)


def _settings_name(settings: Dict[str, Any]) -> str:
    return settings.get("name") or ""


@READ_MODELS.handles("TenantCreated")
def _tenant_created(conn: Connection, e: Envelope) -> None:
    p = e.payload
    conn.execute(insert(tenants).values(
        tenant_id=e.stream_id, name=p["name"], kind=p["kind"],
        default_language=p["default_language"], time_zone=p["time_zone"], key_id=None,
        created_at=e.occurred_at, version=e.stream_position))


@READ_MODELS.handles("TenantKeyRotated")
def _tenant_key_rotated(conn: Connection, e: Envelope) -> None:
    conn.execute(update(tenants).where(tenants.c.tenant_id == e.stream_id).values(
        key_id=e.payload["key_id"], version=e.stream_position))


@READ_MODELS.handles("ProgrammeCreated", "ProgrammeCloned")
def _programme_created(conn: Connection, e: Envelope) -> None:
    settings = e.payload["settings"]
    conn.execute(insert(programmes).values(
        programme_id=e.stream_id, tenant_id=e.tenant_id, name=_settings_name(settings),
        time_zone=e.payload["time_zone"], meetings_start=settings["dates"]["meetings_start"],
        settings=settings, cloned_from=e.payload.get("cloned_from"),
        created_at=e.occurred_at, updated_at=e.occurred_at, version=e.stream_position))


@READ_MODELS.handles("ProgrammeUpdated")
def _programme_updated(conn: Connection, e: Envelope) -> None:
    settings = e.payload["settings"]
    conn.execute(update(programmes).where(programmes.c.programme_id == e.stream_id).values(
        name=_settings_name(settings), meetings_start=settings["dates"]["meetings_start"],
        settings=settings, updated_at=e.occurred_at, version=e.stream_position))
    people_in = conn.execute(select(participations.c.person_id).where(
        participations.c.programme_id == e.stream_id)).scalars().all()
    for person_id in people_in:
        _refresh_consent(conn, person_id)


def _personal_columns(personal: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    personal = personal or {}
    return {"name": personal.get("name"), "email": personal.get("email"),
            "phone": personal.get("phone"), "date_of_birth": personal.get("date_of_birth"),
            "personal": personal or None}


def _touch_person(conn: Connection, e: Envelope, **values: Any) -> None:
    conn.execute(update(people).where(people.c.person_id == e.stream_id).values(
        updated_at=e.occurred_at, version=e.stream_position, **values))


@READ_MODELS.handles("PersonRegistered")
def _person_registered(conn: Connection, e: Envelope) -> None:
    conn.execute(insert(people).values(
        person_id=e.stream_id, tenant_id=e.tenant_id, kind=e.payload["kind"],
        **_personal_columns(e.payload.get("personal")),
        registered_at=e.occurred_at, updated_at=e.occurred_at, erased=False,
        version=e.stream_position))


def _role_of(event_type: str) -> str:
    return event_type[:-len("Registered")].lower()


@READ_MODELS.handles("MentorRegistered", "MenteeRegistered", "TeamRegistered")
def _participant_registered(conn: Connection, e: Envelope) -> None:
    p = e.payload
    vetting = conn.execute(select(people.c.vetting_cleared).where(
        people.c.person_id == e.stream_id)).scalar()
    conn.execute(delete(participations).where(
        participations.c.person_id == e.stream_id,
        participations.c.programme_id == p["programme_id"]))
    conn.execute(insert(participations).values(
        tenant_id=e.tenant_id, person_id=e.stream_id, programme_id=p["programme_id"],
        role=_role_of(e.event_type), status="active", registered_at=e.occurred_at,
        age_at_start=p.get("age_at_start"), team_size=p.get("team_size"),
        profile=domain.with_hidden_areas(p["profile"], p.get("personal")),
        consent_required=bool(p.get("consent_required")), consent_valid=False,
        vetting_cleared=vetting, external_id=p["profile"].get("external_id")))
    _touch_person(conn, e)
    _refresh_consent(conn, e.stream_id)


@READ_MODELS.handles("ProfileUpdated")
def _profile_updated(conn: Connection, e: Envelope) -> None:
    p = e.payload
    values: Dict[str, Any] = {}
    personal = {k: v for k, v in (p.get("personal") or {}).items() if k != domain.PROFILE_AREAS}
    if personal:
        current = conn.execute(select(people.c.personal).where(
            people.c.person_id == e.stream_id)).scalar() or {}
        values = _personal_columns({**current, **personal})
    _touch_person(conn, e, **values)
    if p.get("programme_id") and p.get("profile") is not None:
        conn.execute(update(participations).where(
            participations.c.person_id == e.stream_id,
            participations.c.programme_id == p["programme_id"]).values(
            profile=domain.with_hidden_areas(p["profile"], p.get("personal")),
            external_id=p["profile"].get("external_id")))


@READ_MODELS.handles("TeamNeedSet")
def _team_need_set(conn: Connection, e: Envelope) -> None:
    conn.execute(update(participations).where(
        participations.c.person_id == e.stream_id,
        participations.c.programme_id == e.payload["programme_id"]).values(
        team_need={"areas": e.payload["areas"], "note": (e.payload.get("personal") or {}).get("note")}))
    _touch_person(conn, e)


@READ_MODELS.handles("ConsentGiven")
def _consent_given(conn: Connection, e: Envelope) -> None:
    p = e.payload
    conn.execute(delete(consents).where(consents.c.person_id == e.stream_id,
                                        consents.c.valid_from == p["valid_from"]))
    conn.execute(insert(consents).values(
        tenant_id=e.tenant_id, person_id=e.stream_id, valid_from=p["valid_from"],
        valid_until=p["valid_until"], programme_id=p["programme_id"], given_by=p["given_by"],
        given_at=e.occurred_at, withdrawn_on=None))
    _touch_person(conn, e)
    _refresh_consent(conn, e.stream_id)


@READ_MODELS.handles("ConsentWithdrawn")
def _consent_withdrawn(conn: Connection, e: Envelope) -> None:
    conn.execute(update(consents).where(
        consents.c.person_id == e.stream_id, consents.c.valid_from == e.payload["valid_from"],
        consents.c.withdrawn_on.is_(None)).values(withdrawn_on=e.payload["withdrawn_on"]))
    _touch_person(conn, e)
    _refresh_consent(conn, e.stream_id)


def _refresh_consent(conn: Connection, person_id: str) -> None:
    """A participation's consent is valid when a consent that was not withdrawn covers the
    day its programme starts (a consent covers one whole school year)."""
    held = conn.execute(select(consents.c.valid_from, consents.c.valid_until).where(
        consents.c.person_id == person_id, consents.c.withdrawn_on.is_(None))).all()
    rows = conn.execute(select(participations.c.programme_id, programmes.c.meetings_start).join(
        programmes, programmes.c.programme_id == participations.c.programme_id).where(
        participations.c.person_id == person_id)).all()
    for programme_id, start in rows:
        valid = any(valid_from <= start <= valid_until for valid_from, valid_until in held)
        conn.execute(update(participations).where(
            participations.c.person_id == person_id,
            participations.c.programme_id == programme_id).values(consent_valid=valid))


@READ_MODELS.handles("TrainingCompleted")
def _training_completed(conn: Connection, e: Envelope) -> None:
    conn.execute(update(participations).where(
        participations.c.person_id == e.stream_id,
        participations.c.programme_id == e.payload["programme_id"]).values(
        training_completed_on=e.payload["completed_on"]))
    _touch_person(conn, e)


@READ_MODELS.handles("VettingRecorded")
def _vetting_recorded(conn: Connection, e: Envelope) -> None:
    """A background check holds for the person, in every programme."""
    cleared = bool(e.payload["cleared"])
    _touch_person(conn, e, vetting_cleared=cleared, vetting_checked_on=e.payload["checked_on"],
                  vetting_reference=(e.payload.get("personal") or {}).get("reference"))
    conn.execute(update(participations).where(
        participations.c.person_id == e.stream_id).values(vetting_cleared=cleared))


@READ_MODELS.handles("SensitiveNeedsRecorded")
def _sensitive_needs(conn: Connection, e: Envelope) -> None:
    needs = (e.payload.get("personal") or {}).get("needs")
    if needs is None:
        _touch_person(conn, e)
        return
    current = conn.execute(select(people.c.sensitive_needs).where(
        people.c.person_id == e.stream_id)).scalar() or {}
    _touch_person(conn, e, sensitive_needs={**current, e.payload["programme_id"]: needs})


@READ_MODELS.handles("ParticipantWithdrew")
def _participant_withdrew(conn: Connection, e: Envelope) -> None:
    conn.execute(update(participations).where(
        participations.c.person_id == e.stream_id,
        participations.c.programme_id == e.payload["programme_id"]).values(
        status="withdrawn", withdrawn_at=e.occurred_at))
    _touch_person(conn, e)


@READ_MODELS.handles("StaffMemberAdded")
def _staff_added(conn: Connection, e: Envelope) -> None:
    p = e.payload
    personal = p.get("personal") or {}
    if conn.execute(select(people.c.person_id).where(people.c.person_id == e.stream_id)).first() is None:
        conn.execute(insert(people).values(
            person_id=e.stream_id, tenant_id=e.tenant_id, kind=domain.STAFF, **_personal_columns(personal),
            registered_at=e.occurred_at, updated_at=e.occurred_at, erased=False, version=e.stream_position))
    else:
        _staff_personal(conn, e)
    conn.execute(delete(staff).where(staff.c.person_id == e.stream_id, staff.c.programme_id == p["programme_id"]))
    conn.execute(insert(staff).values(tenant_id=e.tenant_id, programme_id=p["programme_id"], person_id=e.stream_id,
                                      role=p["role"], language=p["language"], added_at=e.occurred_at))
    conn.execute(update(staff).where(staff.c.person_id == e.stream_id).values(language=p["language"]))


def _staff_personal(conn: Connection, e: Envelope) -> None:
    """The person's row touched, with the personal data the event changed (none once erased)."""
    changes = e.payload.get("personal") or {}
    values: Dict[str, Any] = {}
    if changes:
        current = conn.execute(select(people.c.personal).where(people.c.person_id == e.stream_id)).scalar() or {}
        values = _personal_columns({**current, **changes})
    _touch_person(conn, e, **values)


@READ_MODELS.handles("StaffMemberChanged")
def _staff_changed(conn: Connection, e: Envelope) -> None:
    _staff_personal(conn, e)
    conn.execute(update(staff).where(staff.c.person_id == e.stream_id,
                                     staff.c.programme_id == e.payload["programme_id"]).values(role=e.payload["role"]))
    conn.execute(update(staff).where(staff.c.person_id == e.stream_id).values(language=e.payload["language"]))


@READ_MODELS.handles("StaffMemberRemoved")
def _staff_removed(conn: Connection, e: Envelope) -> None:
    conn.execute(delete(staff).where(staff.c.person_id == e.stream_id,
                                     staff.c.programme_id == e.payload["programme_id"]))
    _touch_person(conn, e)


@READ_MODELS.handles("PersonErased")
def _person_erased(conn: Connection, e: Envelope) -> None:
    """Forget the person: a tombstone without personal data is all that is left."""
    conn.execute(delete(participations).where(participations.c.person_id == e.stream_id))
    conn.execute(delete(consents).where(consents.c.person_id == e.stream_id))
    conn.execute(delete(staff).where(staff.c.person_id == e.stream_id))
    _touch_person(conn, e, **_personal_columns(None), sensitive_needs=None,
                  vetting_cleared=None, vetting_checked_on=None, vetting_reference=None,
                  erased=True, erased_at=e.occurred_at)


# ---------------------------------------------------------------------------------------------
# Queries the API uses
# ---------------------------------------------------------------------------------------------


def _plain(row) -> Dict[str, Any]:
    return {key: (value.isoformat() if isinstance(value, date) else value)
            for key, value in dict(row).items()}


def tenant_row(conn: Connection, tenant_id: str) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(tenants).where(tenants.c.tenant_id == tenant_id)).mappings().first()
    return _plain(row) if row else None


def programme_row(conn: Connection, tenant_id: str, programme_id: str) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(programmes).where(
        programmes.c.tenant_id == tenant_id,
        programmes.c.programme_id == programme_id)).mappings().first()
    return _plain(row) if row else None


def programme_rows(conn: Connection, tenant_id: str) -> List[Dict[str, Any]]:
    return [_plain(row) for row in conn.execute(select(programmes).where(
        programmes.c.tenant_id == tenant_id).order_by(programmes.c.created_at,
                                                      programmes.c.programme_id)).mappings()]


def person_row(conn: Connection, tenant_id: str, person_id: str) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(people).where(
        people.c.tenant_id == tenant_id, people.c.person_id == person_id)).mappings().first()
    return _plain(row) if row else None


def participation_rows(conn: Connection, tenant_id: str, *, person_id: Optional[str] = None,
                       programme_id: Optional[str] = None) -> List[Dict[str, Any]]:
    query = select(participations).where(participations.c.tenant_id == tenant_id)
    if person_id is not None:
        query = query.where(participations.c.person_id == person_id)
    if programme_id is not None:
        query = query.where(participations.c.programme_id == programme_id)
    query = query.order_by(participations.c.registered_at, participations.c.person_id,
                           participations.c.programme_id)
    return [_plain(row) for row in conn.execute(query).mappings()]


def consent_rows(conn: Connection, tenant_id: str, person_id: str) -> List[Dict[str, Any]]:
    return [_plain(row) for row in conn.execute(select(consents).where(
        consents.c.tenant_id == tenant_id, consents.c.person_id == person_id).order_by(
        consents.c.valid_from)).mappings()]


def participants_of(conn: Connection, tenant_id: str, programme_id: str) -> List[Dict[str, Any]]:
    query = select(participations, people.c.name, people.c.kind).join(
        people, people.c.person_id == participations.c.person_id).where(
        participations.c.tenant_id == tenant_id,
        participations.c.programme_id == programme_id).order_by(
        participations.c.registered_at, participations.c.person_id)
    return [_plain(row) for row in conn.execute(query).mappings()]


def snapshot(conn: Connection) -> Dict[str, List[Dict[str, Any]]]:
    """Every read-model row, in a stable order (for comparing a rebuild with the original)."""
    result = {}
    for table in metadata.sorted_tables:
        rows = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()
        result[table.name] = [_plain(row) for row in rows]
    return result


__all__ = ["READ_MODELS", "metadata", "tenants", "programmes", "people", "participations",
           "consents", "staff"]


def taking_part(conn: Connection, tenant_id: str, programme_id: str) -> Tuple[int, Set[str]]:
    """How many take part in a programme (active participations), and the areas they chose
    (a mentee's and a mentor's profile areas, a team's need)."""
    count = 0
    areas: Set[str] = set()
    for profile, need in conn.execute(select(participations.c.profile, participations.c.team_need).where(
            participations.c.tenant_id == tenant_id, participations.c.programme_id == programme_id,
            participations.c.status == "active")).all():
        count += 1
        areas.update((profile or {}).get("areas") or ())
        areas.update((need or {}).get("areas") or ())
    return count, areas


def staff_rows(conn: Connection, tenant_id: str, programme_id: str,
               person_id: Optional[str] = None) -> List[Dict[str, Any]]:
    """A programme's staff (or one of them), with their contact, in the order they were added."""
    query = select(staff, people.c.name, people.c.email, people.c.phone, people.c.version).join(
        people, people.c.person_id == staff.c.person_id).where(
        staff.c.tenant_id == tenant_id, staff.c.programme_id == programme_id)
    if person_id is not None:
        query = query.where(staff.c.person_id == person_id)
    return [_plain(row) for row in conn.execute(query.order_by(staff.c.added_at, staff.c.person_id)).mappings()]


def _card(conn: Connection, tenant_id: str, person: Dict[str, Any], programme: Optional[Dict[str, Any]],
          majority: int) -> Dict[str, Any]:
    person_id = person["person_id"]
    card: Dict[str, Any] = {"person_id": person_id, "kind": person["kind"], "name": person["name"],
                            "email": person["email"], "phone": person["phone"], "languages": [],
                            "language": None, "minor": False, "guardian": None, "members": None,
                            "staff_role": None}
    if person["kind"] == domain.STAFF:
        duties = staff_rows(conn, tenant_id, programme["programme_id"], person_id) if programme else []
        any_duty = duties or [_plain(r) for r in conn.execute(select(staff).where(
            staff.c.person_id == person_id)).mappings()]
        card.update(staff_role=duties[0]["role"] if duties else None,
                    language=any_duty[0]["language"] if any_duty else None)
        return card
    parts = participation_rows(conn, tenant_id, person_id=person_id,
                               programme_id=programme["programme_id"]) if programme else []
    age = parts[0]["age_at_start"] if parts else None
    personal = person.get("personal") or {}
    guardian = personal.get("guardian") or None
    profile = parts[0]["profile"] if parts else {}
    programme_languages = list(((programme or {}).get("settings") or {}).get("content", {}).get("languages") or [])
    card.update(
        languages=list(profile.get("languages") or []),
        language=domain.message_language(profile, programme_languages),
        minor=age is not None and age < int(majority),
        guardian={k: guardian.get(k) for k in ("name", "email", "phone")} if guardian else None,
        members=[{k: m.get(k) for k in ("name", "email", "phone", "leader")}
                 for m in personal.get("members") or []] if person["kind"] == domain.TEAM else None)
    return card


def contact_cards(conn: Connection, tenant_id: str, person_ids: List[str],
                  programme_id: Optional[str] = None) -> Dict[str, Any]:
    """What another service needs to reach people (notifications, when it sends): each
    person's name, e-mail, phone and languages, the language messages to them are written in
    (``language``: a participant's ``profile.message_language``, or the first of their
    languages the programme offers; a staff member's own), whether they are a minor in the
    programme (their age at its start below its age of majority), their guardian's contact, a
    team's members, a staff member's role in the programme. An erased (or unknown) person has
    no card. ``staff``: the cards of the programme's staff. Clear personal data: served over the
    platform's own RPC only, never kept by the caller."""
    tenant = tenant_row(conn, tenant_id)
    programme = programme_row(conn, tenant_id, programme_id) if programme_id else None
    majority = setting(programme["settings"] if programme else {}, "rules.consent.age_of_majority")
    cards: Dict[str, Dict[str, Any]] = {}
    for person_id in person_ids:
        person = person_row(conn, tenant_id, person_id)
        if person is None or person["erased"]:
            continue
        cards[person_id] = _card(conn, tenant_id, person, programme, majority)
    staff_cards = [_card(conn, tenant_id, person_row(conn, tenant_id, row["person_id"]) or {}, programme, majority)
            for row in (staff_rows(conn, tenant_id, programme_id) if programme_id else [])]
    return {"tenant_id": tenant_id, "default_language": tenant["default_language"] if tenant else None,
            "people": cards, "staff": staff_cards}


def require_free_external_id(conn: Connection, programme_id: str, external_id: Optional[str],
                             person_id: Optional[str]) -> None:
    """Refuse (400 naming ``profile.external_id``) a learning platform id another participant of
    the programme already has; the unique constraint guards the race between two registrations."""
    if external_id is None:
        return
    holder = conn.execute(select(participations.c.person_id).where(
        participations.c.programme_id == programme_id, participations.c.external_id == external_id)).scalar()
    if holder is not None and holder != person_id:
        raise domain.ValidationFailed({"profile.external_id": [
            f"{external_id} is already another participant's id in this programme"]})
