"""The registration service over HTTP, on PostgreSQL: every endpoint, bad input, conflicts."""
from __future__ import annotations

import uuid

import pytest

from services.platform_core.tenancy import issue_participant_token
from services.registration.tests import builders
from services.registration.tests.conftest import OPERATOR_TOKEN

pytestmark = pytest.mark.integration


def assert_bad_input(response, *fields):
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "bad_request"
    for name in fields:
        assert name in body["details"], (name, body["details"])
        assert body["details"][name], name


# --- health, tenants, keys -----------------------------------------------------------------------

def test_health(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_tenant_lifecycle_and_key_rotation(api):
    tenant = api.tenant()
    slug = tenant["slug"]
    assert tenant["key"].startswith(f"mk_{tenant['key_id']}_")

    for token in (OPERATOR_TOKEN, tenant["key"]):
        response = api.get(f"/tenants/{slug}", token)
        assert response.status_code == 200, response.text
        assert response.json()["key_id"] == tenant["key_id"]
        assert "key_hash" not in response.json()

    # the same slug again: 409; a coordinator may not create tenants: 403
    count = api.event_count()
    again = api.post("/tenants", OPERATOR_TOKEN, {"slug": slug, "name": "x", "kind": "school",
                                                  "default_language": "lt", "time_zone": "Europe/Riga"})
    assert again.status_code == 409
    assert api.post("/tenants", tenant["key"], {"slug": "other-one"}).status_code == 403
    assert api.event_count() == count

    # a coordinator rotates: the old key stops working at once
    rotated = api.post(f"/tenants/{slug}/keys/rotate", tenant["key"])
    assert rotated.status_code == 201, rotated.text
    new_key = rotated.json()["api_key"]
    assert rotated.json()["revoked_key_ids"] == [tenant["key_id"]]
    old = api.get(f"/tenants/{slug}", tenant["key"])
    assert old.status_code == 401 and "revoked" in old.json()["message"]
    assert api.get(f"/tenants/{slug}", new_key).status_code == 200

    # the operator rotates too
    by_operator = api.post(f"/tenants/{slug}/keys/rotate", OPERATOR_TOKEN)
    assert by_operator.status_code == 201
    assert api.get(f"/tenants/{slug}", new_key).status_code == 401
    assert api.get(f"/tenants/{slug}", by_operator.json()["api_key"]).status_code == 200

    # the operator asking for a tenant that does not exist: 404
    assert api.get("/tenants/no-such-tenant", OPERATOR_TOKEN).status_code == 404
    assert api.post("/tenants/no-such-tenant/keys/rotate", OPERATOR_TOKEN).status_code == 404


def test_tenant_events_record_their_actor(api):
    tenant = api.tenant()
    with api.store.transaction(tenant["slug"]) as tx:
        events = tx.read_stream("tenant", tenant["slug"])
    assert [e.event_type for e in events] == ["TenantCreated", "TenantKeyRotated"]
    assert {(e.actor.kind, e.actor.id) for e in events} == {("operator", "operator")}
    api.post(f"/tenants/{tenant['slug']}/keys/rotate", tenant["key"])
    with api.store.transaction(tenant["slug"]) as tx:
        last = tx.read_stream("tenant", tenant["slug"])[-1]
    assert (last.actor.kind, last.actor.id) == ("coordinator", tenant["key_id"])


def test_create_tenant_bad_input_names_every_field(api):
    count = api.event_count()
    response = api.post("/tenants", OPERATOR_TOKEN, {
        "slug": "Not A Slug", "name": "", "kind": "castle", "default_language": "fr",
        "time_zone": "Mars/Olympus", "colour": "red"})
    assert_bad_input(response, "slug", "name", "kind", "default_language", "time_zone", "colour")
    tenant = api.tenant()
    count = api.event_count()
    assert_bad_input(api.post(f"/tenants/{tenant['slug']}/keys/rotate", tenant["key"],
                              {"key_id": "mine"}), "key_id")
    assert_bad_input(api.post(f"/tenants/{tenant['slug']}/keys/rotate", tenant["key"],
                              headers={"If-Match": "x"}), "If-Match")
    assert api.post(f"/tenants/{tenant['slug']}/keys/rotate", tenant["key"],
                    headers={"If-Match": '"1"'}).status_code == 409
    assert api.event_count() == count
    assert api.get(f"/tenants/{tenant['slug']}", tenant["key"]).status_code == 200


# --- programmes ----------------------------------------------------------------------------------

def test_programme_create_list_get_update_clone(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    created = api.programme(tenant)
    pid = created["id"]
    assert created["version"] == 1
    assert created["settings"]["dates"]["meetings_start"] == "2025-03-01"
    assert set(created["signup_urls"]) == {"mentor", "mentee"}

    listed = api.get(f"/tenants/{slug}/programmes", key)
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["programmes"]] == [pid]

    got = api.get(f"/tenants/{slug}/programmes/{pid}", key)
    assert got.status_code == 200 and got.json()["name"] == created["name"]

    updated = api.patch(f"/tenants/{slug}/programmes/{pid}", key,
                        {"people": {"mentor_capacity": {"max": 2}}}, headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    assert updated.json()["changed"] == ["people.mentor_capacity.max"]
    assert updated.json()["settings"]["people"]["mentor_capacity"]["max"] == 2

    # stale version (header or body): 409, nothing written
    count = api.event_count()
    stale = api.patch(f"/tenants/{slug}/programmes/{pid}", key, {"name": "Renamed"},
                      headers={"If-Match": '"1"'})
    assert stale.status_code == 409, stale.text
    stale_body = api.patch(f"/tenants/{slug}/programmes/{pid}", key,
                           {"name": "Renamed", "expected_version": 1})
    assert stale_body.status_code == 409
    assert api.event_count() == count
    fresh = api.patch(f"/tenants/{slug}/programmes/{pid}", key,
                      {"name": "Renamed", "expected_version": 2})
    assert fresh.status_code == 200 and fresh.json()["name"] == "Renamed"

    clone = api.post(f"/tenants/{slug}/programmes/{pid}/clone", key,
                     {"shift_months": 12, "name": "Next year"})
    assert clone.status_code == 201, clone.text
    body = clone.json()
    assert body["cloned_from"] == pid and body["id"] != pid and body["name"] == "Next year"
    assert body["settings"]["dates"]["meetings_start"] == "2026-03-01"
    assert body["signup_code"] != created["signup_code"]
    assert len(api.get(f"/tenants/{slug}/programmes", key).json()["programmes"]) == 2


def test_programme_bad_input(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    pid = api.programme(tenant)["id"]
    count = api.event_count()

    settings = builders.school_settings()
    del settings["dates"]["meetings_start"]
    settings["content"]["languages"] = ["xx"]
    settings["unknown"] = 1
    assert_bad_input(api.post(f"/tenants/{slug}/programmes", key, settings),
                     "dates.meetings_start", "content.languages.0", "unknown")
    # the domain's whole-settings rules, named by dotted path
    settings = builders.school_settings()
    settings["dates"]["meetings_end"] = "2025-02-01"
    assert_bad_input(api.post(f"/tenants/{slug}/programmes", key, settings), "dates.meetings_end")

    assert_bad_input(api.patch(f"/tenants/{slug}/programmes/{pid}", key,
                               {"people": {"mentee_min_age": "old"}, "bogus": True}),
                     "people.mentee_min_age", "bogus")
    assert_bad_input(api.patch(f"/tenants/{slug}/programmes/{pid}", key,
                               {"content": {"cadence": {"grace_days": 181}}}), "content.cadence.grace_days")
    assert_bad_input(api.patch(f"/tenants/{slug}/programmes/{pid}", key, {"name": "x"},
                               headers={"If-Match": "yesterday"}), "If-Match")
    assert_bad_input(api.patch(f"/tenants/{slug}/programmes/{pid}", key,
                               {"name": "x", "expected_version": "one"}), "expected_version")
    assert_bad_input(api.post(f"/tenants/{slug}/programmes/{pid}/clone", key,
                              {"shift_months": "six", "colour": 1}), "shift_months", "colour")
    assert api.event_count() == count

    assert api.get(f"/tenants/{slug}/programmes/{uuid.uuid4()}", key).status_code == 404
    assert api.get(f"/tenants/{slug}/programmes/not-a-uuid", key).status_code == 404
    assert api.patch(f"/tenants/{slug}/programmes/{uuid.uuid4()}", key, {"name": "x"}).status_code == 404


# --- registration ---------------------------------------------------------------------------------

def test_register_mentor_mentee_and_team(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    school = api.programme(tenant)
    mentee = api.register(tenant, school["id"], "mentees")
    assert mentee["participant_token"].startswith("pt_")
    assert mentee["events"] == ["PersonRegistered", "MenteeRegistered"]
    assert mentee["person"]["personal"]["name"] == "Jonas Jonaitis"
    mentor = api.register(tenant, school["id"], "mentors", personal=builders.adult())
    assert mentor["person"]["participations"][0]["role"] == "mentor"
    assert mentor["person"]["participations"][0]["profile"]["capacity"] == 1

    organisational = api.programme(tenant, builders.organisational_settings())
    team = api.register(tenant, organisational["id"], "teams", personal=builders.team_personal(),
                        profile={"languages": ["lt"], "areas": ["strategy"]})
    assert team["person"]["kind"] == "team"
    assert team["person"]["participations"][0]["team_size"] == 3

    participants = api.get(f"/tenants/{slug}/programmes/{school['id']}/participants", key)
    assert participants.status_code == 200
    rows = {p["person_id"]: p for p in participants.json()["participants"]}
    assert rows[mentee["person_id"]]["role"] == "mentee"
    assert rows[mentee["person_id"]]["consent_required"] is True
    assert rows[mentor["person_id"]]["role"] == "mentor"

    # the actor of a coordinator's registration is the coordinator's key
    with api.store.transaction(slug) as tx:
        first = tx.read_stream("person", mentee["person_id"])[0]
    assert (first.actor.kind, first.actor.id) == ("coordinator", tenant["key_id"])


def test_register_bad_input_and_rules(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    school = api.programme(tenant)
    path = f"/tenants/{slug}/programmes/{school['id']}/mentees"
    count = api.event_count()

    response = api.post(path, key, {"personal": {"name": "", "email": "not-an-email",
                                                 "date_of_birth": "10/09/2008"},
                                    "profile": {"languages": []}, "shoe_size": 42})
    assert_bad_input(response, "personal.name", "personal.email", "personal.date_of_birth",
                     "profile.languages", "shoe_size")
    # the domain: an area the programme does not have, a language it does not speak
    response = api.post(path, key, {"personal": builders.pupil(),
                                    "profile": {"languages": ["fr"], "areas": ["cooking"]}})
    assert_bad_input(response, "profile.languages", "profile.areas.0")
    # a programme id in the body that is not the one of the path
    response = api.post(path, key, {"programme_id": str(uuid.uuid4()), "personal": builders.pupil(),
                                    "profile": builders.profile(community=[])})
    assert_bad_input(response, "programme_id")
    assert_bad_input(api.post(path, key, {"person_id": "me", "profile": builders.profile()}),
                     "person_id")
    # a rule broken: too old for the programme (pupils are 15-18)
    response = api.post(path, key, {"personal": builders.pupil(born="1990-01-01"),
                                    "profile": builders.profile(community=[])})
    assert response.status_code == 422, response.text
    assert response.json()["details"]["field"] == "personal.date_of_birth"
    # a programme of teams does not take mentees; a mentor outside the community
    organisational = api.programme(tenant, builders.organisational_settings())
    count = api.event_count()
    assert api.post(f"/tenants/{slug}/programmes/{organisational['id']}/mentees", key, {
        "personal": builders.pupil(), "profile": {"languages": ["lt"]}}).status_code == 422
    response = api.post(f"/tenants/{slug}/programmes/{school['id']}/mentors", key, {
        "personal": builders.adult(), "profile": builders.profile(community=["stranger"])})
    assert response.status_code in (400, 422)
    assert api.event_count() == count
    # registration closed (mentors close on 7 Feb)
    api.clock.set(builders.at("2025-02-10T12:00:00+02:00"))
    response = api.post(f"/tenants/{slug}/programmes/{school['id']}/mentors", key, {
        "personal": builders.adult(), "profile": builders.profile()})
    assert response.status_code == 422 and "closed" in response.json()["message"]
    assert api.event_count() == count
    assert api.post(f"/tenants/{slug}/programmes/{uuid.uuid4()}/mentees", key, {
        "personal": builders.pupil(), "profile": builders.profile()}).status_code == 404


def test_self_registration_through_the_public_link(api):
    tenant = api.tenant()
    slug = tenant["slug"]
    programme = api.programme(tenant)
    link = programme["signup_urls"]["mentee"]
    body = {"personal": builders.pupil(), "profile": builders.profile(community=[])}

    response = api.post(link, None, body)
    assert response.status_code == 201, response.text
    signed_up = response.json()
    token = signed_up["participant_token"]
    own = api.get(f"/tenants/{slug}/people/{signed_up['person_id']}", token)
    assert own.status_code == 200 and own.json()["personal"]["name"] == "Jonas Jonaitis"
    with api.store.transaction(slug) as tx:
        first = tx.read_stream("person", signed_up["person_id"])[0]
    assert (first.actor.kind, first.actor.id) == ("participant", signed_up["person_id"])

    # the code may also come in the body; a mentor signs up through the mentor link
    mentor_link = programme["signup_urls"]["mentor"]
    base, code = mentor_link.split("?code=")
    response = api.post(base, None, {"signup_code": code, "personal": builders.adult(),
                                     "profile": builders.profile()})
    assert response.status_code == 201, response.text

    other = api.programme(tenant)
    count = api.event_count()
    base = f"/signup/{slug}/{programme['id']}/mentee"
    assert api.post(base, None, body).status_code == 404                      # no code
    assert api.post(base + "?code=guess", None, body).status_code == 404      # wrong code
    assert api.post(f"/signup/{slug}/{other['id']}/mentee?code={programme['signup_code']}",
                    None, body).status_code == 404                            # another's code
    assert api.post(f"/signup/nobody/{programme['id']}/mentee?code=x", None, body).status_code == 404
    assert_bad_input(api.post(link, None, {"personal": {"name": "X"}, "profile": {}}),
                     "personal.date_of_birth", "profile.languages")
    assert api.post(programme["signup_urls"]["mentee"].replace("/mentee?", "/team?"), None, {
        "personal": builders.team_personal(), "profile": {"languages": ["lt"]}}
    ).status_code == 422                                                      # not a team programme
    assert api.event_count() == count


# --- people ---------------------------------------------------------------------------------------

def test_person_commands(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    school = api.programme(tenant)
    mentee = api.register(tenant, school["id"], "mentees")
    mentor = api.register(tenant, school["id"], "mentors", personal=builders.adult())
    me, mr = f"/tenants/{slug}/people/{mentee['person_id']}", f"/tenants/{slug}/people/{mentor['person_id']}"
    pid = school["id"]

    got = api.get(me, key)
    assert got.status_code == 200 and got.json()["version"] == 2

    upper = api.patch(me, key, {"programme_id": pid, "profile": {
        "never_pair_with": [mentor["person_id"].upper()]}})
    assert upper.status_code == 400 and upper.json()["details"]["profile.never_pair_with.0"], upper.text
    no_contact = api.patch(mr, key, {"personal": {"email": None, "phone": None}})
    assert no_contact.status_code == 400 and no_contact.json()["details"]["personal.email"], no_contact.text
    too_deep = api.patch(me, key, data="[" * 3000 + "]" * 3000, headers={"Content-Type": "application/json"})
    assert too_deep.status_code == 400 and "nested too deeply" in too_deep.json()["message"]
    odd_version = api.patch(me, key, {"personal": {"name": "J"}}, headers={"If-Match": '"\u00b2"'})
    assert odd_version.status_code == 400 and odd_version.json()["details"]["If-Match"]

    changed = api.patch(me, mentee["participant_token"], {
        "personal": {"email": "jonas.new@example.lt"}, "programme_id": pid,
        "profile": {"areas": ["law"]}})
    assert changed.status_code == 200, changed.text
    person = changed.json()["person"]
    assert person["personal"]["email"] == "jonas.new@example.lt"
    assert person["participations"][0]["profile"]["areas"] == ["law"]
    assert changed.json()["events"] == ["ProfileUpdated"]

    consent = api.post(me + "/consent", key, {"programme_id": pid, "given_by": "guardian"})
    assert consent.status_code == 200, consent.text
    assert consent.json()["person"]["participations"][0]["consent_valid"] is True
    again = api.post(me + "/consent", key, {"programme_id": pid, "given_by": "guardian"})
    assert again.json()["changed"] is False
    withdrawn = api.post(me + "/consent/withdraw", mentee["participant_token"], {"programme_id": pid})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["person"]["participations"][0]["consent_valid"] is False
    self_consent = api.post(me + "/consent", mentee["participant_token"],
                            {"programme_id": pid, "given_by": "self"})
    assert self_consent.status_code == 422                                  # a guardian must
    declared = api.post(me + "/consent", mentee["participant_token"],
                        {"programme_id": pid, "given_by": "guardian"})
    assert declared.status_code == 403 and "coordinator" in declared.json()["message"]

    needs = api.post(me + "/sensitive-needs", key, {"programme_id": pid,
                                                     "needs": {"health": "asthma"}})
    assert needs.status_code == 200
    assert needs.json()["person"]["sensitive_needs"] == {pid: {"health": "asthma"}}

    training = api.post(mr + "/training", key, {"programme_id": pid, "completed_on": "2025-01-14"})
    assert training.status_code == 200, training.text
    assert training.json()["person"]["participations"][0]["training_completed_on"] == "2025-01-14"
    future = api.post(mr + "/training", key, {"programme_id": pid, "completed_on": "2025-12-01"})
    assert future.status_code in (200, 422)   # already completed: no event either way
    vetting = api.post(mr + "/vetting", key, {"programme_id": pid, "cleared": True,
                                              "checked_on": "2025-01-10", "reference": "LT-123"})
    assert vetting.status_code == 200, vetting.text
    assert vetting.json()["person"]["vetting"] == {"cleared": True, "checked_on": "2025-01-10",
                                                   "reference": "LT-123"}
    assert vetting.json()["person"]["participations"][0]["vetting_cleared"] is True
    # a mentee gets no training; a participant may not record their own vetting (403)
    assert api.post(me + "/training", key, {"programme_id": pid,
                                            "completed_on": "2025-01-14"}).status_code == 422
    assert api.post(mr + "/vetting", mentor["participant_token"], {
        "programme_id": pid, "cleared": True, "checked_on": "2025-01-10"}).status_code == 403

    organisational = api.programme(tenant, builders.organisational_settings())
    team = api.register(tenant, organisational["id"], "teams", personal=builders.team_personal(),
                        profile={"languages": ["lt"], "areas": ["strategy"]})
    need = api.post(f"/tenants/{slug}/people/{team['person_id']}/team-need", key, {
        "programme_id": organisational["id"], "areas": ["fundraising", "strategy"], "note": "x"})
    assert need.status_code == 200, need.text
    assert need.json()["person"]["participations"][0]["team_need"] == {
        "areas": ["fundraising", "strategy"], "note": "x"}

    left = api.post(mr + "/withdraw", key, {"programme_id": pid, "reason": "moving abroad"})
    assert left.status_code == 200
    assert left.json()["person"]["participations"][0]["status"] == "withdrawn"
    # withdrawn from every programme: the participant's token is revoked
    assert api.get(mr, mentor["participant_token"]).status_code == 401
    assert api.post(mr + "/withdraw", key, {"programme_id": pid}).status_code == 422

    assert api.get(f"/tenants/{slug}/people/{uuid.uuid4()}", key).status_code == 404
    assert api.get(f"/tenants/{slug}/people/not-a-uuid", key).status_code == 404


def test_person_commands_bad_input_write_nothing(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    school = api.programme(tenant)
    mentee = api.register(tenant, school["id"], "mentees")
    path = f"/tenants/{slug}/people/{mentee['person_id']}"
    pid = school["id"]
    count = api.event_count()
    cases = [
        ("PATCH", "", {"personal": {"email": "nope"}, "height": 2}, ["personal.email", "height"]),
        ("PATCH", "", {"programme_id": "x", "profile": {"languages": ["xx"]}},
         ["programme_id", "profile.languages.0"]),
        ("POST", "/consent", {"programme_id": pid, "given_by": "neighbour"}, ["given_by"]),
        ("POST", "/consent", {}, ["programme_id", "given_by"]),
        ("POST", "/consent/withdraw", {"programme_id": 7}, ["programme_id"]),
        ("POST", "/training", {"programme_id": pid, "completed_on": "soon"}, ["completed_on"]),
        ("POST", "/vetting", {"programme_id": pid, "cleared": "perhaps"}, ["cleared", "checked_on"]),
        ("POST", "/team-need", {"programme_id": pid, "areas": []}, ["areas"]),
        ("POST", "/sensitive-needs", {"programme_id": pid, "needs": {"magic": "x"}}, ["needs.magic"]),
        ("POST", "/withdraw", {"reason": 5}, ["programme_id", "reason"]),
        ("POST", "/erase", {"now": True}, ["now"]),
    ]
    for method, suffix, body, fields in cases:
        assert_bad_input(api.call(method, path + suffix, key, json=body), *fields)
    # stale expected version on a person
    stale = api.post(path + "/consent", key, {"programme_id": pid, "given_by": "guardian"},
                     headers={"If-Match": "1"})
    assert stale.status_code == 409
    assert api.event_count() == count


def test_consent_covers_one_school_year_across_programmes(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    spring = api.programme(tenant)                                            # starts 2025-03-01
    late_spring = api.post(f"/tenants/{slug}/programmes/{spring['id']}/clone", key,
                           {"shift_months": 2}).json()                        # 2025-05-01, same year
    next_year = api.post(f"/tenants/{slug}/programmes/{spring['id']}/clone", key,
                         {"shift_months": 12}).json()                         # 2026-03-01
    mentee = api.register(tenant, spring["id"], "mentees")
    person_id, token = mentee["person_id"], mentee["participant_token"]
    path = f"/tenants/{slug}/people/{person_id}"

    given = api.post(path + "/consent", key, {"programme_id": spring["id"], "given_by": "guardian"})
    assert given.status_code == 200
    assert given.json()["person"]["consents"][0]["valid_from"] == "2024-09-01"
    assert given.json()["person"]["consents"][0]["valid_until"] == "2025-08-31"

    # the same person joins two more programmes (the second by themself, with their token)
    response = api.post(f"/tenants/{slug}/programmes/{late_spring['id']}/mentees", key,
                        {"person_id": person_id, "profile": builders.profile(community=[])})
    assert response.status_code == 201, response.text
    assert response.json()["events"] == ["MenteeRegistered"]
    response = api.post(f"/tenants/{slug}/programmes/{next_year['id']}/mentees", token,
                        {"profile": builders.profile(community=[])})
    assert response.status_code == 201, response.text

    def flags(programme):
        rows = api.get(f"/tenants/{slug}/programmes/{programme['id']}/participants", key).json()
        row = next(r for r in rows["participants"] if r["person_id"] == person_id)
        return row["consent_required"], row["consent_valid"], row["consent_ok"]

    assert flags(spring) == (True, True, True)
    assert flags(late_spring) == (True, True, True)      # one consent, one school year
    assert flags(next_year) == (True, False, False)      # the next school year needs another
    # the consent for that year, given through the API, covers it
    assert api.post(path + "/consent", key, {"programme_id": next_year["id"],
                                             "given_by": "guardian"}).status_code == 200
    assert flags(next_year) == (True, True, True)
    # withdrawing this year's consent leaves next year's standing
    assert api.post(path + "/consent/withdraw", key, {"programme_id": spring["id"]}).status_code == 200
    assert flags(spring)[1] is False and flags(late_spring)[1] is False
    assert flags(next_year)[1] is True


# --- authentication -------------------------------------------------------------------------------

def test_missing_or_garbage_tokens_are_401(api):
    tenant = api.tenant()
    slug = tenant["slug"]
    programme = api.programme(tenant)
    mentee = api.register(tenant, programme["id"], "mentees")
    person = f"/tenants/{slug}/people/{mentee['person_id']}"
    forged = issue_participant_token({"PLATFORM_SECRET": "not-ours"}, slug, mentee["person_id"],
                                     api.clock.now())
    requests_ = [("GET", f"/tenants/{slug}"), ("POST", "/tenants"),
                 ("GET", f"/tenants/{slug}/programmes"), ("POST", f"/tenants/{slug}/programmes"),
                 ("GET", f"/tenants/{slug}/programmes/{programme['id']}"),
                 ("PATCH", f"/tenants/{slug}/programmes/{programme['id']}"),
                 ("GET", person), ("PATCH", person), ("POST", person + "/erase"),
                 ("GET", person + "/export"), ("POST", f"/tenants/{slug}/keys/rotate")]
    count = api.event_count()
    for method, path in requests_:
        missing = api.call(method, path, None, json={})
        assert missing.status_code == 401, (method, path)
        assert "missing" in missing.json()["message"]
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        for token, words in (("garbage", "unknown token"), ("mk_nope_nope", "unknown API key"),
                             ("mk_", "malformed"), ("pt_abc.def", "bad signature"),
                             (forged, "bad signature"), (OPERATOR_TOKEN + "x", "unknown token")):
            response = api.call(method, path, token, json={})
            assert response.status_code == 401, (method, path, token)
            assert words in response.json()["message"], (token, response.json())
    basic = api.call("GET", f"/tenants/{slug}", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    assert api.event_count() == count


def test_malformed_json_is_400_never_500(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    programme = api.programme(tenant)
    pid = programme["id"]
    mentee = api.register(tenant, pid, "mentees")
    person = f"/tenants/{slug}/people/{mentee['person_id']}"
    paths = [("POST", "/tenants", OPERATOR_TOKEN), ("POST", f"/tenants/{slug}/keys/rotate", key),
             ("POST", f"/tenants/{slug}/programmes", key),
             ("PATCH", f"/tenants/{slug}/programmes/{pid}", key),
             ("POST", f"/tenants/{slug}/programmes/{pid}/clone", key),
             ("POST", f"/tenants/{slug}/programmes/{pid}/mentees", key),
             ("POST", f"/tenants/{slug}/programmes/{pid}/mentors", key),
             ("POST", f"/tenants/{slug}/programmes/{pid}/teams", key),
             ("POST", programme["signup_urls"]["mentee"], None),
             ("PATCH", person, key)] + [
        ("POST", person + suffix, key) for suffix in (
            "/consent", "/consent/withdraw", "/training", "/vetting", "/team-need",
            "/sensitive-needs", "/withdraw", "/erase")]
    count = api.event_count()
    for method, path, token in paths:
        for raw in ('{"name": ', "[1, 2]", '"text"', "\xff\xfe", "null"):
            response = api.call(method, path, token, data=raw.encode("latin-1"),
                                headers={"Content-Type": "application/json"})
            assert response.status_code == 400, (method, path, raw, response.text)
            assert response.json()["error"] == "bad_request"
    # wrong types deep inside are 400s too, never 500s
    for body in ({"personal": [], "profile": "x"}, {"personal": {"date_of_birth": 5}, "profile": {}},
                 {"profile": {"languages": [None, {}]}, "personal": {"guardian": 3}}):
        response = api.post(f"/tenants/{slug}/programmes/{pid}/mentees", key, body)
        assert response.status_code == 400, response.text
    assert api.patch(f"/tenants/{slug}/programmes/{pid}", key,
                     {"dates": "soon", "content": {"areas": [1]}}).status_code == 400
    assert api.event_count() == count


def test_two_concurrent_updates_from_the_same_version_one_wins(api):
    import eventlet

    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    pid = api.programme(tenant)["id"]
    path = f"/tenants/{slug}/programmes/{pid}"
    count = api.event_count()
    calls = [eventlet.spawn(api.patch, path, key, {"name": name}, headers={"If-Match": '"1"'})
             for name in ("First", "Second")]
    codes = sorted(call.wait().status_code for call in calls)
    assert codes == [200, 409]
    assert api.event_count() == count + 1
    assert api.get(path, key).json()["version"] == 2


def test_every_stored_payload_matches_its_published_schema(api):
    from services.platform_core.store import ALL_TENANTS
    from services.registration.schemas import PAYLOAD_SCHEMAS, validate_payload

    tenant = api.tenant()
    school = api.programme(tenant)
    mentee = api.register(tenant, school["id"], "mentees", sensitive_needs={"health": "x"})
    api.post(f"/tenants/{tenant['slug']}/people/{mentee['person_id']}/withdraw", tenant["key"],
             {"programme_id": school["id"], "reason": "busy"})
    with api.store.transaction(ALL_TENANTS) as tx:
        events = tx.read_after(0, tenant_id=tenant["slug"])
    assert {e.event_type for e in events} >= {"TenantCreated", "ProgrammeCreated", "PersonRegistered",
                                             "SensitiveNeedsRecorded", "ParticipantWithdrew"}
    for event in events:
        assert event.event_type in PAYLOAD_SCHEMAS
        assert validate_payload(event) == {}, (event.event_type, validate_payload(event))
