"""The coordinators' notices over the real broker and PostgreSQL to a real SMTP server, on a
manual clock: a proposal waiting for approval told to each coordinator in their language, held
to the sending window and dropped when it is rejected before it goes out; the registration
closing told to each coordinator once, with how many still wait when it goes out."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest
from sqlalchemy import select

from services.notifications import reminders, waiting
from services.platform_core.dependencies import store_engine_of
from services.platform_core.events import DomainEvent
from services.platform_core.testing import wait_for
from services.registration.tests import builders
from services.registration.tests.conftest import START

pytestmark = pytest.mark.integration

RUTA, DACE = "ruta@example.lt", "dace@example.lv"


@pytest.fixture(autouse=True)
def _reset_clock(platform):
    platform.clock.set(START)  # 12:00 in Vilnius, the tenant's zone: inside the sending window


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def store(platform):
    return store_engine_of(platform.notifications).require_store()


def kept(platform, school, kind: str) -> List[Dict[str, Any]]:
    table = reminders.reminders
    with store(platform).transaction(school.slug) as tx:
        return [dict(r) for r in tx.conn.execute(select(table).where(
            table.c.tenant_id == school.slug, table.c.kind == kind).order_by(table.c.recipient_id)).mappings()]


def sent(school, kind: str, count: int) -> List[Dict[str, Any]]:
    def check():
        rows = school.log(kind)
        return rows if len(rows) == count and all(r["status"] == "sent" for r in rows) else None
    return wait_for(check, timeout=30, message=f"{count} {kind} sent")


def propose(platform, school) -> str:
    pairing_id = str(uuid.uuid4())
    platform.matching_store.append(school.slug, [DomainEvent("PairingProposed", "pairing", pairing_id, {
        "programme_id": school.programme_id, "mentor_id": school.mentor, "mentee_id": school.mentee,
        "mode": "coordinator_approves", "origin": "placement", "score": 10, "parts": {"areas": 10}, "percent": 91,
        "proposed_at": platform.clock.now().isoformat()})], expected={("pairing", pairing_id): 0})
    return pairing_id


def approving_settings(**notifications: Any) -> Dict[str, Any]:
    value = builders.school_settings()  # mentees close on 1 Feb
    value["matching"]["mode"] = "coordinator_approves"
    value["notifications"] = notifications
    return value


def test_a_proposal_waiting_is_told_to_each_coordinator_in_their_language_and_dropped_once_rejected(platform):
    school = platform.school(settings=approving_settings())
    ruta, dace = school.add_coordinator(RUTA, "lt"), school.add_coordinator(DACE, "lv")
    pairing_id = propose(platform, school)
    rows = {r["recipient_id"]: r for r in sent(school, "proposal_waiting", 2)}
    assert set(rows) == {ruta, dace} and {r["role"] for r in rows.values()} == {"coordinator"}
    assert (rows[ruta]["language"], rows[dace]["language"]) == ("lt", "lv")
    assert {r["pairing_id"] for r in rows.values()} == {pairing_id}
    [mail] = platform.mailbox.to(RUTA, [rows[ruta]["message_id"]])
    text = mail.get_body(("plain",)).get_content()
    assert "Ona Petraitienė" in text and "Jonas" in text and "91" in text and mail["Content-Language"] == "lt"
    assert f"/tenants/{school.slug}/programmes/{school.programme_id}/proposals" in text
    assert "jonas@example.lt" not in text  # names, not the participants' addresses

    platform.clock.set(at("2025-01-15T21:00:00+02:00"))  # the window has closed: the next proposal waits
    late = propose(platform, school)
    waiting_rows = wait_for(lambda: [r for r in kept(platform, school, "proposal_waiting") if r["about_id"] == late]
                            if len(kept(platform, school, "proposal_waiting")) == 2 else None,
                            message="the late proposal's notices waiting")
    assert {r["due_at"] for r in waiting_rows} == {at("2025-01-16T08:00:00+02:00")}
    assert {r["status"] for r in waiting_rows} == {"waiting"}
    platform.matching_store.append(school.slug, [DomainEvent("PairingRejected", "pairing", late, {
        "programme_id": school.programme_id, "mentor_id": school.mentor, "mentee_id": school.mentee,
        "rejected_by": "coordinator", "reason": "not a good fit", "rejected_at": platform.clock.now().isoformat()})],
        expected={("pairing", late): 1})
    wait_for(lambda: {r["status"] for r in kept(platform, school, "proposal_waiting")} == {"cancelled"},
             message="the waiting notices dropped")
    assert {r["settled_by"] for r in kept(platform, school, "proposal_waiting")} == {"PairingRejected"}
    platform.clock.set(at("2025-01-16T08:01:00+02:00"))
    assert platform.run_due() == []
    assert len(school.log("proposal_waiting")) == 2


def test_each_coordinator_is_told_once_of_the_registration_closing_with_who_still_waits(platform):
    school = platform.school(settings=approving_settings(registration_closing={"days_before": 7}))
    second = platform.registration.post(f"/tenants/{school.slug}/programmes/{school.programme_id}/mentees",
                                        school.key, {"personal": builders.pupil(email="petras@example.lt"),
                                                     "profile": builders.profile(community=[])})
    assert second.status_code == 201, second.text
    ruta = school.add_coordinator(RUTA, "en")
    [row] = wait_for(lambda: [r for r in kept(platform, school, "registration_closing") if r["role"] == "coordinator"],
                     message="the coordinator's closing scheduled")
    assert (row["recipient_id"], row["due_at"], row["status"]) == (ruta, at("2025-01-25T08:00:00+02:00"), "waiting")
    updated = platform.registration.patch(f"/tenants/{school.slug}/programmes/{school.programme_id}", school.key,
                                          {"notifications": {"registration_closing": {"days_before": 6}}},
                                          headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text  # a programme's event tells of the closing again: moved, once
    wait_for(lambda: [r["due_at"] for r in kept(platform, school, "registration_closing")
                      if r["role"] == "coordinator"] == [at("2025-01-26T08:00:00+02:00")], message="moved")

    school.pair()  # the mentor and the first mentee: one mentee still waits, no mentor
    def counts():
        with store(platform).transaction(school.slug) as tx:
            return waiting.counts(tx.conn, school.slug, school.programme_id)
    wait_for(lambda: counts() == {"waiting_mentees": 1, "waiting_mentors": 0}, message="the pairing known")
    platform.clock.set(at("2025-01-26T08:00:00+02:00"))
    assert (reminders.JOB, row["message_id"], "done") in platform.run_due()
    [delivered] = [r for r in sent(school, "registration_closing", 1) if r["recipient_id"] == ruta]
    [mail] = platform.mailbox.to(RUTA, [delivered["message_id"]])
    text = mail.get_body(("plain",)).get_content()
    assert "1 mentee without a mentor and 0 mentors without a mentee" in text, text
    assert f"/tenants/{school.slug}/programmes/{school.programme_id}/reserve" in text
    assert "2025-02-01" in str(mail["Subject"]) and "petras" not in text
