"""Learning outcomes and certificates over the real broker and PostgreSQL (seed 002): the
mentee records, only the pair's mentor validates, the coordinator issues a certificate whose
PDF is read back with its diacritics and tags, and the public verification says genuine until
the certificate is revoked or its person erased."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from services.matching.tests.conftest import programme_settings
from services.platform_core.store import ALL_TENANTS
from services.platform_core.testing import wait_for
from services.sessions import certificates
from services.sessions.tests.conftest import Watcher

pytestmark = pytest.mark.integration

LATVIAN = "āčēģīķļņšūž"
LITHUANIAN = "ąčęėįšųūž"
NAME = "Jānis Bērziņš-Žukauskas"


class OutcomeWatcher(Watcher):
    KEYS = ("*.outcome.*", "*.certificate.*")  # type: ignore[assignment]  # its own keys


def utc(month, day, hour=12):
    return datetime(2025, month, day, hour, tzinfo=timezone.utc)


def record(platform, pair, title, token=None, **extra):
    return platform.api.post(f"{pair.base}/outcomes", token or pair.mentee_token,
                             {"title": title, "areas": ["education"], **extra})


def verify(platform, code, **headers):
    answer = platform.api.get(f"/verify/{code}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


def test_the_mentor_validates_and_the_certificate_verifies_until_revoked_or_erased(platform):
    watcher = OutcomeWatcher(platform.amqp_uri)
    pair = platform.pair(programme_settings("automatic"))
    api, base = platform.api, pair.base
    platform.clock.set(utc(4, 1))

    # the mentee records; the mentor may not, a stranger sees nothing, an unknown area is a 422
    first = record(platform, pair, f"Komandas darbs {LATVIAN}", description="vadīja grupas projektu")
    assert first.status_code == 201, first.text
    second = record(platform, pair, f"Ąžuolų sodas {LITHUANIAN}")
    assert second.status_code == 201, second.text
    first_id, second_id = first.json()["id"], second.json()["id"]
    assert record(platform, pair, "x", token=pair.mentor_token).status_code == 403
    assert record(platform, pair, "x", token=pair.stranger_token).status_code == 404
    unknown = record(platform, pair, "x", areas=["chess"])
    assert unknown.status_code == 422 and unknown.json()["details"]["failures"] == ["unknown_area"]
    refused = api.post(f"{base}/certificates", pair.key, {"name": NAME})  # nothing validated yet
    assert refused.status_code == 422 and refused.json()["details"]["failures"] == ["no_validated_outcome"]

    # only the pair's mentor validates: the mentee gets a 403, a stranger a 404
    assert api.post(f"{base}/outcomes/{first_id}/validate", pair.mentee_token, {}).status_code == 403
    assert api.post(f"{base}/outcomes/{first_id}/validate", pair.stranger_token, {}).status_code == 404
    assert api.post(f"{base}/outcomes/{first_id}/validate", pair.key, {}).status_code == 403
    not_yet = api.post(f"{base}/outcomes/{second_id}/not-yet", pair.mentor_token, {"note": "vēl ne"})
    assert not_yet.status_code == 200 and not_yet.json()["status"] == "not_yet", not_yet.text
    for outcome_id in (first_id, second_id):
        done = api.post(f"{base}/outcomes/{outcome_id}/validate", pair.mentor_token, {"note": "parādīts"})
        assert done.status_code == 200 and done.json()["status"] == "validated", done.text
    again = api.post(f"{base}/outcomes/{first_id}/not-yet", pair.mentor_token, {})
    assert again.status_code == 422 and again.json()["details"]["failures"] == ["already_validated"]
    listed = api.get(f"{base}/outcomes", pair.key).json()["outcomes"]
    assert [(o["title"], o["status"], o["note"]) for o in listed] == [
        (f"Komandas darbs {LATVIAN}", "validated", "parādīts"), (f"Ąžuolų sodas {LITHUANIAN}", "validated", "parādīts")]

    # the coordinator issues; the mentee cannot; one in force at a time
    assert api.post(f"{base}/certificates", pair.mentee_token, {"name": NAME}).status_code == 403
    issued = api.post(f"{base}/certificates", pair.key, {"name": NAME})
    assert issued.status_code == 201, issued.text
    certificate = issued.json()
    assert (certificate["language"], certificate["outcome_ids"], certificate["name"]) == ("lv", [first_id, second_id],
                                                                                          NAME)
    code = certificate["code"]
    assert certificate["verification_url"].endswith(f"/verify/{code}")
    twice = api.post(f"{base}/certificates", pair.key, {"name": NAME})
    assert twice.status_code == 422 and twice.json()["details"]["failures"] == ["already_issued"]

    # the PDF, read back: the name and the outcomes with their diacritics, tagged, in Latvian
    for token in (pair.mentor_token, pair.key):
        assert api.get(certificate["pdf_url"], token).status_code == 200
    assert api.get(certificate["pdf_url"], pair.stranger_token).status_code == 404
    answer = api.get(certificate["pdf_url"], pair.mentee_token)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in (NAME, f"Komandas darbs {LATVIAN}", f"Ąžuolų sodas {LITHUANIAN}", "Jauniešu mentorings 2025", code,
                     "Mācīšanās rezultātu sertifikāts"):
        assert expected in text
    root: Any = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True and "/StructTreeRoot" in root and root["/Lang"] == "lv"

    # the public verification: no credentials, JSON or a page
    assert verify(platform, code).json() == {
        "genuine": True, "status": "valid", "name": NAME, "programme": "Jauniešu mentorings 2025",
        "issued_on": "2025-04-01", "outcomes": [f"Komandas darbs {LATVIAN}", f"Ąžuolų sodas {LITHUANIAN}"]}
    page = verify(platform, code.lower().replace("-", ""), Accept="text/html,application/xhtml+xml;q=0.9")
    assert page.headers["Content-Type"].startswith("text/html") and NAME in page.text and "īsts" in page.text
    assert verify(platform, "AAAA-BBBB-CCCC").json()["status"] == "unknown"

    # published with the name and the code as ciphertext only, each event as its contract says
    wait_for(lambda: watcher.of(pair.reg.slug, "CertificateIssued"), message="CertificateIssued")
    wait_for(lambda: len(watcher.of(pair.reg.slug, "OutcomeValidated")) == 2, message="OutcomeValidated")
    bodies = watcher.bodies(pair.reg.slug)
    assert len(watcher.of(pair.reg.slug, "LearningOutcomeRecorded")) == 2
    assert not any(secret in body for body in bodies for secret in ("Bērziņš", code, "Komandas darbs", "parādīts"))

    # revoked: not valid, nothing personal shown
    revoked = api.post(f"{base}/certificates/{certificate['id']}/revoke", pair.key, {"reason": "kļūda"})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"], revoked.text
    assert verify(platform, code).json() == {"genuine": False, "status": "revoked", "name": None, "programme": None,
                                             "issued_on": None, "outcomes": []}
    page = verify(platform, code, Accept="text/html").text
    assert NAME not in page and "neapliecina" in page
    assert api.post(f"{base}/certificates/{certificate['id']}/revoke", pair.key, {}).status_code == 422

    # a new one, then the mentee's erasure: it stops verifying and can no longer be rendered
    renewed = api.post(f"{base}/certificates", pair.key, {"name": NAME})
    assert renewed.status_code == 201, renewed.text
    new_code = renewed.json()["code"]
    assert new_code != code and verify(platform, new_code).json()["genuine"] is True
    pair.reg.erase(pair.mentee)
    wait_for(lambda: verify(platform, new_code).json()["status"] == "erased", timeout=20,
             message="the certificate to stop verifying after the erasure")
    assert verify(platform, new_code).json() == {"genuine": False, "status": "erased", "name": None,
                                                 "programme": None, "issued_on": None, "outcomes": []}
    gone = api.get(renewed.json()["pdf_url"], pair.key)
    assert gone.status_code == 422 and gone.json()["details"]["failures"] == ["certificate_unreadable"]
    assert [c["name"] for c in api.get(f"{base}/certificates", pair.key).json()["certificates"]] == [None, None]


def test_a_certificate_is_issued_with_the_final_review(platform):
    pair = platform.pair(programme_settings("automatic"))
    api = platform.api
    platform.clock.set(utc(5, 5))
    outcome = record(platform, pair, "Plāno savu nedēļu")
    assert outcome.status_code == 201, outcome.text
    review = {"achievements": "a plan", "next_steps": "school", "certificate_name": "Līga Ozola"}
    refused = api.post(f"{pair.base}/final-review", pair.key, review)
    assert refused.status_code == 422 and refused.json()["details"]["failures"] == ["no_validated_outcome"]
    assert api.post(f"{pair.base}/outcomes/{outcome.json()['id']}/validate", pair.mentor_token, {}).status_code == 200
    recorded = api.post(f"{pair.base}/final-review", pair.key, review)
    assert recorded.status_code == 201, recorded.text
    [certificate] = api.get(f"{pair.base}/certificates", pair.mentee_token).json()["certificates"]
    assert (certificate["id"], certificate["name"], certificate["issued_by_role"]) == \
        (recorded.json()["certificate_id"], "Līga Ozola", "coordinator")
    assert verify(platform, certificate["code"]).json()["outcomes"] == ["Plāno savu nedēļu"]
    export = api.get(f"/tenants/{pair.reg.slug}/people/{pair.mentee}/export", pair.mentee_token)
    assert export.status_code == 200, export.text
    [exported] = export.json()["pairings"]
    assert [o["title"] for o in exported["outcomes"]] == ["Plāno savu nedēļu"]
    assert [c["name"] for c in exported["certificates"]] == ["Līga Ozola"]

    # the read model rebuilt from the events is the one kept live
    live = kept(platform.store)
    certificates.OUTCOMES.rebuild(platform.store)
    assert kept(platform.store) == live and all(live.values())


def kept(store):
    with store.transaction(ALL_TENANTS) as tx:
        return {t.name: sorted(tuple(sorted(dict(r).items())) for r in tx.conn.execute(select(t)).mappings())
                for t in certificates.OUTCOMES.metadata.sorted_tables}
