"""The ``mentoring`` command line: catalogue, check, rebuild, dead letters, run and run-one."""
import json
import re
import signal
from pathlib import Path

import amqp
import pytest
import requests
from click.testing import CliRunner
from kombu import Connection
from service_process import PROBE, free_port, mentoring, output_of, service_env, stop, wait_http

from services.platform_core import registry
from services.platform_core.cli import build_config, cli
from services.platform_core.db import make_engine
from services.platform_core.events import DomainEvent
from services.platform_core.store import EventStore

pytestmark = pytest.mark.integration


def invoke(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


# -- configuration ---------------------------------------------------------------------------------

def test_config_comes_from_the_environment(tmp_path):
    config = build_config("registration", {
        "AMQP_URI": "pyamqp://u:p@rabbit:5672/x", "HTTP_HOST": "0.0.0.0", "REGISTRATION_HTTP_PORT": "9000",
        "REGISTRATION_DATABASE_URL": "postgresql://postgres@db/registration", "MENTORING_DATA_DIR": str(tmp_path),
        "METRICS_PORT": "0", "OPERATOR_TOKEN": "op", "PLATFORM_SECRET": "s3cret", "SCHEDULER_POLL_SECONDS": "0.5",
        "MENTORING_CLOCK": "manual:2025-09-01T08:00:00+00:00"})
    assert config["AMQP_URI"] == "pyamqp://u:p@rabbit:5672/x"
    assert config["WEB_SERVER_ADDRESS"] == "0.0.0.0:9000"
    assert config["DATABASES"]["registration"] == "postgresql://postgres@db/registration"
    assert config["DATABASES"]["matching"] == f"sqlite:///{tmp_path / 'matching.sqlite3'}"
    assert config["METRICS_PORT"] == 0 and config["SCHEDULER_POLL_SECONDS"] == 0.5
    assert config["OPERATOR_TOKEN"] == "op" and config["PLATFORM_SECRET"] == "s3cret"
    assert config["CLOCK"].now().isoformat() == "2025-09-01T08:00:00+00:00"
    defaults = build_config("matching", {})
    assert defaults["WEB_SERVER_ADDRESS"] == "127.0.0.1:8002" and defaults["METRICS_PORT"] == 9102
    assert defaults["AMQP_URI"] == "pyamqp://guest:guest@127.0.0.1:5672//"
    assert build_config("matching", {"MATCHING_METRICS_PORT": "9200", "METRICS_PORT": "0"})["METRICS_PORT"] == 9200


def test_services_lists_what_is_available_and_why_not():
    result = invoke("services")
    assert result.exit_code == 0
    for name in registry.SERVICES:
        assert name in result.output
    for why in registry.unavailable_services().values():
        assert why in result.output


# -- catalogue --------------------------------------------------------------------------------------

@pytest.fixture
def registered_schemas():
    imported = registry.import_schemas()
    if not imported:
        pytest.skip("no service has a schemas module yet")
    return imported


def test_catalogue_in_markdown(registered_schemas, tmp_path):
    result = invoke("catalogue")
    assert result.exit_code == 0
    text = result.output
    assert text.startswith("# Catalogue of events")
    assert "## Envelope" in text and "| `event_id` | string (uuid) | yes |" in text
    assert "| `actor.kind` | string | yes | one of: operator, coordinator, participant, system |" in text
    if "registration" in registered_schemas:
        assert "### TenantCreated" in text
        assert "`<tenant_id>.tenant.TenantCreated`" in text
        assert "| `name` | string | yes |" in text
        assert "visibility private; stored only, never published" in text  # a private event
    written = tmp_path / "docs" / "events.md"
    result = invoke("catalogue", "--output", str(written))
    assert result.exit_code == 0 and written.read_text() == text


def test_catalogue_in_json(registered_schemas):
    result = invoke("catalogue", "--format", "json")
    assert result.exit_code == 0
    catalogue = json.loads(result.output)
    assert [f["name"] for f in catalogue["envelope"]][:3] == ["event_id", "event_type", "schema_version"]
    assert catalogue["events"], "no event types"
    for event in catalogue["events"]:
        assert event["service"] in registry.known_services()  # test-only types are left out
        assert event["version"] >= 1 and event["stream_type"] and event["visibility"]
        assert (event["routing_key"] is None) == (event["visibility"] == "private")
    if "registration" in registered_schemas:
        [tenant_created] = [e for e in catalogue["events"] if e["name"] == "TenantCreated"]
        assert tenant_created["exchange"] == "mentoring.events"
        assert {"name": "name", "type": "string", "required": True, "nullable": False} .items() <= \
            next(f for f in tenant_created["payload"] if f["name"] == "name").items()


# -- check ------------------------------------------------------------------------------------------

def test_check_against_the_real_broker_and_database(amqp_uri, pg_url, tmp_path):
    result = invoke("check", "registration", "matching", env={
        "AMQP_URI": amqp_uri, "REGISTRATION_DATABASE_URL": pg_url, "MENTORING_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert re.search(r"^ok\s+rabbitmq: pyamqp://guest:\*\*\*@", result.output, re.M)
    assert re.search(r"^ok\s+database registration: postgresql", result.output, re.M)
    assert re.search(r"^ok\s+database matching: sqlite", result.output, re.M)


def test_check_fails_when_something_is_unreachable(tmp_path):
    result = invoke("check", "registration", "--timeout", "1", env={
        "AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:{free_port()}//",
        "REGISTRATION_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/no_such_database_here"})
    assert result.exit_code == 1
    assert re.search(r"^FAIL rabbitmq", result.output, re.M)
    assert re.search(r"^FAIL database registration: .*no_such_database_here", result.output, re.M)


# -- rebuild ----------------------------------------------------------------------------------------

def test_rebuild_replays_a_services_events_into_its_read_models(database_url):
    from probe_service import ProbeService, metadata, note_counts
    from sqlalchemy import delete

    store = EventStore(make_engine(database_url), service="probe")
    store.create_schema([metadata])
    for person in ("ann", "ann", "bob"):
        store.append("school-a", [DomainEvent("NoteTaken", "person", person, {})])
    with store.transaction() as tx:
        tx.conn.execute(delete(ProbeService.store.engine.read_models[0].tables["probe_notes"]))
    assert note_counts(store) == {}

    env = {"MENTORING_EXTRA_SERVICES": PROBE, "PROBE_DATABASE_URL": database_url}
    result = invoke("rebuild", "probe", env=env)
    assert result.exit_code == 0, result.output
    assert "rebuilt probe/notes from 3 events" in result.output
    assert note_counts(store) == {"ann": 2, "bob": 1}
    result = CliRunner().invoke(cli, ["rebuild", "probe", "--projection", "nope"], env=env)
    assert result.exit_code == 1 and "has no projection nope; it has: notes" in result.output
    store.engine.dispose()


def test_rebuild_of_registration(tmp_path):
    try:
        registry.load_service("registration")
    except registry.ServiceUnavailable as exc:
        pytest.skip(str(exc))
    if not registry.projections_of("registration"):
        pytest.skip("registration exposes no projections yet")
    result = invoke("rebuild", "registration", env={"MENTORING_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "rebuilt registration/" in result.output


def test_rebuilding_from_a_service_that_is_not_running_says_so_and_changes_nothing(amqp_uri, tmp_path):
    result = invoke("rebuild", "matching", "--projection", "participants", env={
        "MENTORING_DATA_DIR": str(tmp_path), "AMQP_URI": amqp_uri, "REBUILD_RPC_TIMEOUT": "2"})
    assert result.exit_code == 1, result.output
    assert "rebuilding matching/participants failed, nothing was changed" in result.output
    assert "is registration running?" in result.output and "Traceback" not in result.output


# -- dead letters ----------------------------------------------------------------------------------

DLQ = "matching.registrations.dead-letter"
ORIGINAL_KEY = "school-a.person.MentorRegistered"


def publish_dead_letter(amqp_uri, body, message_id, headers):
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        channel.exchange_declare("mentoring.events", "topic", durable=True, auto_delete=False)
        channel.queue_declare(DLQ, durable=True, auto_delete=False)
        channel.queue_declare("redelivered", durable=True, auto_delete=False)
        channel.queue_bind("redelivered", "mentoring.events", "school-a.person.*")
        channel.basic_publish(amqp.Message(body, message_id=message_id, content_type="application/json",
                                           type="MentorRegistered", delivery_mode=2,
                                           application_headers=headers),
                              exchange="", routing_key=DLQ)
        channel.close()


def queue_depth(amqp_uri, queue):
    with Connection(amqp_uri) as connection:
        return connection.default_channel.queue_declare(queue, passive=True)[1]


def test_dead_letters_list_and_replay(amqp_uri):
    headers = {"x-dead-letter-reason": "handler failed 5 times: KeyError('profile')",
               "x-original-routing-key": ORIGINAL_KEY, "x-original-exchange": "mentoring.events",
               "tenant_id": "school-a"}
    publish_dead_letter(amqp_uri, '{"event_id": "e-1"}', "e-1", headers)
    publish_dead_letter(amqp_uri, '{"event_id": "e-2"}', "e-2", {"x-dead-letter-reason": "malformed"})

    listed = invoke("dead-letters", "--amqp-uri", amqp_uri, "list", DLQ)
    assert listed.exit_code == 0, listed.output
    assert "e-1  MentorRegistered  mentoring.events school-a.person.MentorRegistered" in listed.output
    assert "reason: handler failed 5 times: KeyError('profile')" in listed.output
    assert "2 message(s) in " + DLQ in listed.output
    assert queue_depth(amqp_uri, DLQ) == 2  # listing leaves them there
    as_json = invoke("dead-letters", "--amqp-uri", amqp_uri, "list", DLQ, "--json")
    entries = [json.loads(line) for line in as_json.output.splitlines() if line.startswith("{")]
    assert [e["message_id"] for e in entries] == ["e-1", "e-2"]

    replayed = CliRunner().invoke(cli, ["dead-letters", "replay", DLQ], env={"AMQP_URI": amqp_uri})
    assert replayed.exit_code == 1  # one message could not be replayed: it says so
    assert "replayed 1 message(s)" in replayed.output and "1 left there" in replayed.output
    assert "e-2: no original exchange/routing key" in replayed.output
    assert queue_depth(amqp_uri, DLQ) == 1  # the one without an origin stays

    with Connection(amqp_uri) as connection:
        message = connection.default_channel.basic_get("redelivered", no_ack=True)
    assert message is not None and message.body in ('{"event_id": "e-1"}', b'{"event_id": "e-1"}')
    assert message.delivery_info["routing_key"] == ORIGINAL_KEY
    assert message.properties["message_id"] == "e-1" and message.properties["type"] == "MentorRegistered"
    assert message.headers["x-replay-count"] == 1 and "x-dead-letter-reason" not in message.headers
    assert message.headers["tenant_id"] == "school-a"


def test_replaying_to_a_key_nothing_is_bound_to_keeps_the_message(amqp_uri):
    publish_dead_letter(amqp_uri, "{}", "e-3", {"x-original-routing-key": "school-b.person.Nobody",
                                                 "x-original-exchange": "mentoring.events"})
    replayed = invoke("dead-letters", "--amqp-uri", amqp_uri, "replay", DLQ)
    assert replayed.exit_code == 1 and "nothing is bound to" in replayed.output
    assert queue_depth(amqp_uri, DLQ) == 1


def test_dead_letters_of_a_queue_that_does_not_exist(amqp_uri):
    result = CliRunner().invoke(cli, ["dead-letters", "--amqp-uri", amqp_uri, "list", "nope.dead-letter"])
    assert result.exit_code == 1 and "there is no queue 'nope.dead-letter'" in result.output


# -- run-one and run, as real processes ---------------------------------------------------------------

def test_run_one_registration_serves_health_and_metrics_and_stops_on_sigterm(amqp_uri, pg_url, tmp_path):
    try:
        registry.load_service("registration")
    except registry.ServiceUnavailable as exc:
        pytest.skip(f"registration cannot run yet: {exc}")
    http_port, metrics_port = free_port(), free_port()
    env = service_env(AMQP_URI=amqp_uri, REGISTRATION_DATABASE_URL=pg_url, REGISTRATION_HTTP_PORT=http_port,
                      REGISTRATION_METRICS_PORT=metrics_port, MENTORING_DATA_DIR=tmp_path,
                      OPERATOR_TOKEN="operator-token", PLATFORM_SECRET="a-secret")
    process = mentoring("run-one", "registration", env=env)
    try:
        health = wait_http(f"http://127.0.0.1:{http_port}/health", process)
        assert health.json()["status"] == "ok"
        metrics = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5)
        assert metrics.status_code == 200 and "mentoring_http_request_seconds" in metrics.text
    finally:
        took = stop(process)
    output = output_of(process).read()
    assert process.returncode == 0, output
    assert took < 8, f"took {took:.1f}s to stop"
    assert "stopping gracefully" in output


def test_run_starts_each_service_in_its_own_process_and_forwards_sigterm(amqp_uri, tmp_path):
    port = free_port()
    env = service_env(AMQP_URI=amqp_uri, MENTORING_DATA_DIR=tmp_path, PROBE_HTTP_PORT=port, METRICS_PORT="off")
    process = mentoring("run", "probe", env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", process)
    finally:
        took = stop(process, signal.SIGINT)  # Ctrl-C: forwarded once, graceful
    output = output_of(process).read()
    assert process.returncode == 0, output
    assert re.search(r"started probe \(pid \d+\)", output) and "stopping gracefully" in output
    assert took < 8


def test_run_exits_non_zero_when_a_child_dies(amqp_uri, tmp_path):
    port = free_port()
    env = service_env(AMQP_URI=amqp_uri, MENTORING_DATA_DIR=tmp_path, PROBE_HTTP_PORT=port, METRICS_PORT="off")
    process = mentoring("run", "probe", env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", process)
        line = ""
        while "started probe" not in line:
            line = output_of(process).readline()
        started = re.search(r"pid (\d+)", line)
        assert started is not None, line
        child = int(started.group(1))
        import os
        os.kill(child, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            stop(process)
    assert process.returncode == 1
    assert "probe exited with status -9" in output_of(process).read()


def test_run_refuses_a_service_that_is_not_available():
    result = CliRunner().invoke(cli, ["run", "no-such-service"])
    assert result.exit_code == 1 and "unknown service 'no-such-service'" in result.output


def test_the_published_catalogue_in_docs_is_up_to_date(registered_schemas):
    """docs/events.md is what external subscribers read: it must say what the schemas say."""
    result = invoke("catalogue")
    assert result.exit_code == 0
    published = (Path(__file__).resolve().parents[1] / "docs" / "events.md").read_text()
    assert published == result.output, (
        "docs/events.md is out of date: run `mentoring catalogue --output docs/events.md`")


def test_the_published_contracts_in_docs_are_up_to_date(registered_schemas, tmp_path):
    """docs/contracts (a JSON Schema per published event, the AsyncAPI document) is what
    external systems generate code from and validate against: it must say what the code says."""
    result = invoke("catalogue", "--output", str(tmp_path / "events.md"), "--contracts", str(tmp_path))
    assert result.exit_code == 0, result.output
    published = Path(__file__).resolve().parents[1] / "docs" / "contracts"
    generated = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()} - {"events.md"}
    differ = sorted(name for name in generated if not (published / name).is_file()
                    or (published / name).read_text() != (tmp_path / name).read_text())
    from services.platform_core.catalogue_doc import contract_files, stale_contract_files

    stale = stale_contract_files(published, contract_files(registry.known_services()))
    assert not differ and not stale, (
        f"docs/contracts is out of date ({', '.join(differ + stale)}): run "
        "`mentoring catalogue --output docs/events.md --contracts docs/contracts`")


def test_mails_lists_what_the_local_mail_sink_kept_and_shows_one(tmp_path):
    from email.message import EmailMessage

    kept = tmp_path / "mails"
    kept.mkdir()
    for n, subject in enumerate(["Meet your mentor", "Sveiki"], start=1):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "m@example.org", f"p{n}@example.org", subject
        message.set_content(f"Hello number {n}")
        (kept / f"20250301T10000{n}.000000-000{n}.eml").write_bytes(bytes(message))
    env = {"MENTORING_DATA_DIR": str(tmp_path)}
    listed = invoke("mails", env=env)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 2 and "p1@example.org" in lines[0] and lines[1].endswith("Sveiki")
    shown = invoke("mails", "--show", "2", env=env)
    assert "Subject: Sveiki" in shown.output and "Hello number 2" in shown.output
    assert CliRunner().invoke(cli, ["mails", "--show", "3"], env=env).exit_code != 0
    assert "no mails" in CliRunner().invoke(cli, ["mails"], env={"MENTORING_DATA_DIR": str(tmp_path / "x")}).output
