"""``mentoring``: run the platform's services, rebuild read models, publish the event
catalogue, re-drive dead letters, check the infrastructure.

Commands
    ``mentoring run [SERVICE ...]``
        Runs the given services (none given: every available one), each in its own process
        (``mentoring run-one SERVICE``). SIGINT/SIGTERM are forwarded to the children, which
        stop gracefully; if a child dies, the others are stopped and ``run`` exits non-zero.
    ``mentoring run-one SERVICE``
        Runs one service in this process (eventlet is monkey-patched first) until
        SIGTERM/SIGINT. This is what a container runs.
    ``mentoring services``
        Lists the registered services and whether they are available.
    ``mentoring rebuild SERVICE [--projection NAME]``
        Empties a service's read models and replays its events into them (stop the service,
        or at least its writes, while it runs), with a progress line (events done / in all,
        percent) and, at the end, how many events a second it replayed.
    ``mentoring catalogue [--format markdown|json] [--output PATH] [--contracts DIR]``
        Prints (or writes) the published catalogue of events (``docs/events.md``); with
        ``--contracts docs/contracts`` also writes a JSON Schema per published event type and
        version and the AsyncAPI document of the exchanges.
    ``mentoring dead-letters list QUEUE`` / ``mentoring dead-letters replay QUEUE``
        Shows, or re-publishes to their original exchange and routing key, the messages of a
        dead-letter queue (``<service>.<consumer>.dead-letter``).
    ``mentoring check [SERVICE ...] [--http]``
        Checks that RabbitMQ and each service's database are reachable (and, with ``--http``,
        that each service answers ``GET /health``); exit status 1 if not. For healthchecks.

    ``mentoring migrate [SERVICE ...]``
        Upgrades the services' databases (default: every available one): kept tables through
        their Alembic revisions, read models whose shape changed rebuilt from the events. Each
        service also does this when it starts.
    ``mentoring mails [--show N] [--json]``
        Lists the mails the local mail sink kept (``MAIL_SINK=on``: ``./dev up`` catches every
        mail the platform sends on 127.0.0.1:1025 instead of sending it), or shows one.
    ``mentoring config [SERVICE] [--readme README.md]``
        Prints the effective settings of a service (secrets masked), or rewrites the README's
        settings table from :mod:`.settings`.

Environment
    Every setting, its default and meaning is declared once, in
    :mod:`services.platform_core.settings` (the README's table is generated from it). A wrong
    value stops ``run`` and ``run-one`` at start with a message naming the variable.

Replicas of a service (``docker compose up --scale matching=3``) share the work: they consume
from the same queues, so each message goes to one of them; one of them at a time publishes the
outbox (a lease in the service's database); each scheduled job is claimed by one of them. They
must share the service's database (PostgreSQL) and ``PLATFORM_SECRET``.
"""
from __future__ import annotations

import os
import sys
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def _running_a_service(argv) -> bool:
    words = [word for word in argv[1:] if not word.startswith("-")]
    return bool(words) and words[0] == "run-one"


# ``run-one`` runs nameko: eventlet must patch the standard library before anything else
# (click, logging handlers, kombu, SQLAlchemy) is imported.
if _running_a_service(sys.argv):  # pragma: no cover - exercised through subprocesses
    import eventlet

    eventlet.monkey_patch()

import json  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402
from datetime import datetime  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Dict, List, Mapping, Optional  # noqa: E402

import click  # noqa: E402

from . import registry, settings  # noqa: E402

log = logging.getLogger("mentoring")

DEFAULT_AMQP_URI = settings.DEFAULT_AMQP_URI
STOP_TIMEOUT = 30.0


# ---------------------------------------------------------------------------------------------
# Configuration from the environment
# ---------------------------------------------------------------------------------------------

def _checked(read):
    """A setting read from the environment, a wrong value turned into a usage error."""
    try:
        return read()
    except settings.SettingError as exc:
        raise click.UsageError(str(exc)) from None


def database_url_for(service: str, environ: Mapping[str, str]) -> str:
    url = _checked(lambda: settings.read(environ, "<SERVICE>_DATABASE_URL", service))
    if url:
        return url
    data = Path(environ.get("MENTORING_DATA_DIR") or "data").resolve()
    return f"sqlite:///{data / (service + '.sqlite3')}"


def http_port_for(service: str, environ: Mapping[str, str]) -> int:
    port = _checked(lambda: settings.read(environ, "<SERVICE>_HTTP_PORT", service))
    return registry.HTTP_PORTS.get(service, 0) if port is None else port


def metrics_port_for(service: str, environ: Mapping[str, str]):
    """The metrics port (int), or None when metrics are switched off."""
    for name in ("<SERVICE>_METRICS_PORT", "METRICS_PORT"):
        setting = settings.BY_NAME[name]
        raw = (environ.get(setting.variable(service)) or "").strip()
        if raw:
            return _checked(partial(setting.parse, setting.variable(service), raw))
    return registry.METRICS_PORTS.get(service, 0)


def clock_from_env(environ: Mapping[str, str]):
    from .clock import ManualClock, SystemClock

    value = (environ.get("MENTORING_CLOCK") or "system").strip()
    if value == "system":
        return SystemClock()
    kind, _, start = value.partition(":")
    if kind != "manual" or not start:
        raise click.UsageError(f"MENTORING_CLOCK must be 'system' or 'manual:<ISO datetime>', not {value!r}")
    try:
        moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError:
        raise click.UsageError(f"MENTORING_CLOCK: {start!r} is not an ISO datetime") from None
    if moment.tzinfo is None:
        raise click.UsageError("MENTORING_CLOCK: the datetime needs a UTC offset, e.g. +00:00")
    return ManualClock(moment)


def build_config(service: str, environ: Optional[Mapping[str, str]] = None) -> Dict:
    """The nameko config dict of ``service``, from the environment (every value checked)."""
    environ = os.environ if environ is None else environ
    services = sorted(set(registry.known_services(environ)) | {service})
    _checked(lambda: settings.check_environment(environ, services))
    host = environ.get("HTTP_HOST") or "127.0.0.1"
    config: Dict = {
        "AMQP_URI": environ.get("AMQP_URI") or settings.DEFAULT_AMQP_URI,
        "WEB_SERVER_ADDRESS": f"{host}:{http_port_for(service, environ)}",
        "DATABASES": {name: database_url_for(name, environ) for name in services},
        "CLOCK": clock_from_env(environ),
        "METRICS_ADDRESS": host,
    }
    config.update(settings.config_from_env(environ))
    metrics_port = metrics_port_for(service, environ)
    if metrics_port is not None:
        config["METRICS_PORT"] = metrics_port
    return config


def _setup_logging(service: Optional[str] = None) -> None:
    level = (os.environ.get("LOG_LEVEL") or "INFO").upper()
    prefix = f"[{service}] " if service else ""
    logging.basicConfig(level=getattr(logging, level, logging.INFO),
                        format=f"%(asctime)s %(levelname)s {prefix}%(name)s: %(message)s")


def _hide_password(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


# ---------------------------------------------------------------------------------------------
# The command group
# ---------------------------------------------------------------------------------------------

@click.group(help="The mentoring platform: run services and look after them.")
def cli():
    pass


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point of the ``mentoring`` script."""
    cli.main(args=argv, prog_name="mentoring")


def _resolve_services(names) -> List[str]:
    if names:
        for name in names:
            try:
                registry.load_service(name)
            except registry.ServiceUnavailable as exc:
                raise click.ClickException(f"cannot run {name}: {exc}") from None
        return list(names)
    available = list(registry.available_services())
    for name, why in registry.unavailable_services().items():
        click.echo(f"skipping {name}: {why}", err=True)
    if not available:
        raise click.ClickException("no service is available to run")
    return available


@cli.command("services", help="List the registered services and whether they can run.")
def services_command():
    unavailable = registry.unavailable_services()
    for name, target in registry.known_services().items():
        state = "available" if name not in unavailable else f"unavailable ({unavailable[name]})"
        click.echo(f"{name:<15} {target:<60} {state}")


# -- run ---------------------------------------------------------------------------------------

@cli.command("run", help="Run services (default: all available), each in its own process.")
@click.argument("services", nargs=-1)
def run_command(services):
    _setup_logging()
    names = _resolve_services(services)
    children: Dict[str, "subprocess.Popen"] = {}
    import subprocess

    stopping = {"signal": None}

    def forward(signum, _frame):
        stopping["signal"] = signum

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    env = dict(os.environ, MENTORING_PARENT_PID=str(os.getpid()))
    sink = _start_mail_sink(env) if "notifications" in names else None
    for name in names:
        children[name] = subprocess.Popen(
            [sys.executable, "-m", "services.platform_core.cli", "run-one", name], env=env,
            start_new_session=True)  # the terminal's Ctrl-C reaches us only; we forward it once
        click.echo(f"started {name} (pid {children[name].pid})", err=True)

    exit_code = 0
    while stopping["signal"] is None:
        died = {name: child.returncode for name, child in children.items() if child.poll() is not None}
        if died:
            for name, code in died.items():
                click.echo(f"{name} exited with status {code}; stopping the others", err=True)
            exit_code = 1
            break
        time.sleep(0.2)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, child in children.items():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            click.echo(f"{name} did not stop within {STOP_TIMEOUT:.0f}s: killing it", err=True)
            child.kill()
            child.wait()
            exit_code = 1
        if child.returncode not in (0, -signal.SIGTERM) and exit_code == 0:
            click.echo(f"{name} stopped with status {child.returncode}", err=True)
            exit_code = 1
    if sink is not None:
        sink.stop()
    sys.exit(exit_code)


def _start_mail_sink(env: Mapping[str, str]):
    """With ``MAIL_SINK=on``: a local SMTP server on SMTP_HOST:SMTP_PORT keeping every mail."""
    if _checked(lambda: settings.read(env, "MAIL_SINK")) != "on":
        return None
    from . import mail_sink

    host = _checked(lambda: settings.read(env, "SMTP_HOST")) or settings.BY_NAME["SMTP_HOST"].default
    port = _checked(lambda: settings.read(env, "SMTP_PORT")) or settings.BY_NAME["SMTP_PORT"].default
    directory = mail_sink.mails_dir(env)
    try:
        sink = mail_sink.start(host, int(port), directory)
    except ImportError:
        raise click.ClickException("MAIL_SINK=on needs aiosmtpd (pip install -e '.[test]')") from None
    click.echo(f"mail sink on {host}:{port}: mails are kept in {directory}, not sent (`mentoring mails` "
               f"lists them)", err=True)
    return sink


@cli.command("mails", help="List the mails the local mail sink kept (MAIL_SINK=on, as ./dev up runs), "
                           "or show one.")
@click.option("--show", "number", type=int, default=None, help="Print mail number N whole (its plain text).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per mail.")
def mails_command(number, as_json):
    from . import mail_sink

    directory = mail_sink.mails_dir(os.environ)
    mails = mail_sink.listed(directory)
    if number is not None:
        chosen = [m for m in mails if m["number"] == number]
        if not chosen:
            raise click.ClickException(f"there is no mail number {number} (there are {len(mails)})")
        mail = chosen[0]
        for header in ("date", "from", "to", "subject", "list_unsubscribe"):
            if mail[header]:
                click.echo(f"{header.replace('_', '-').title()}: {mail[header]}")
        click.echo("")
        click.echo(mail["text"])
        return
    if not mails:
        click.echo(f"no mails in {directory} (is `mentoring run` running with MAIL_SINK=on?)", err=True)
    for mail in mails:
        if as_json:
            click.echo(json.dumps({k: v for k, v in mail.items() if k != "text"}, ensure_ascii=False))
        else:
            click.echo(f"{mail['number']:>4}  {mail['date']:<31}  {mail['to'][:40]:<40}  {mail['subject']}")


@cli.command("run-one", help="Run one service in this process until SIGTERM/SIGINT.")
@click.argument("service")
def run_one_command(service):
    import eventlet

    if not eventlet.patcher.is_monkey_patched("socket"):  # imported some other way than the script
        eventlet.monkey_patch()
    _setup_logging(service)
    try:
        service_cls = registry.load_service(service)
    except registry.ServiceUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    config = build_config(service)
    _serve(service_cls, config)


def _serve(service_cls, config: Dict) -> None:
    import eventlet
    from nameko.runners import ServiceRunner

    runner = ServiceRunner(config)
    runner.add_service(service_cls)
    state = {"stopping": False, "started": False, "pending": None}

    def shutdown(signum, _frame):
        # signal handlers run in the hub's main loop: act in a green thread
        if not state["started"]:
            # stopping a container half-way through its start can hang: stop once started
            state["pending"] = signum
            return
        if state["stopping"]:
            log.warning("second signal: killing the service")
            eventlet.spawn_n(runner.kill)
            return
        state["stopping"] = True
        log.info("signal %s: stopping gracefully", signum)
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    parent = os.environ.get("MENTORING_PARENT_PID")
    if parent:  # started by ``mentoring run``: stop if it disappears
        eventlet.spawn_n(_stop_when_parent_is_gone, runner, state, parent)

    runner.start()
    state["started"] = True
    log.info("%s running: http on %s, metrics on %s", ", ".join(runner.service_names),
             config.get("WEB_SERVER_ADDRESS"), _metrics_port() or "(off)")
    if state["pending"] is not None:
        shutdown(state["pending"], None)
    _wait_until_stopped(runner, shutdown)
    log.info("stopped")


def _stop_when_parent_is_gone(runner, state: Dict, parent: str) -> None:
    """Run in a green thread: stops the runner once the parent process (pid ``parent``) is gone."""
    import eventlet

    while os.getppid() == int(parent):
        eventlet.sleep(1.0)
    if not state["stopping"]:
        log.warning("parent process %s is gone: stopping", parent)
        state["stopping"] = True
        runner.stop()


def _wait_until_stopped(runner, shutdown) -> None:
    """Waits for the runner's containers to stop; Ctrl-C while waiting is a SIGINT to ``shutdown``."""
    import errno

    import eventlet

    waiting = eventlet.spawn(runner.wait)
    while True:
        try:
            waiting.wait()
            break
        except OSError as exc:
            if exc.errno == errno.EINTR:  # the signal interrupted a socket wait
                continue
            raise
        except KeyboardInterrupt:
            shutdown(signal.SIGINT, None)


def _metrics_port():
    from . import metrics

    return getattr(metrics, "_started_port", None)


# -- rebuild ---------------------------------------------------------------------------------------

class ProgressLine:
    """How far a rebuild got, on one line: ``events done / in all (percent)``, redrawn in place
    on a terminal (else a line at most every ``every`` seconds, and the last)."""

    def __init__(self, label: str, every: float = 1.0):
        self.label, self.every = label, every
        self.started = time.monotonic()
        self.shown_at: Optional[float] = None
        self.last: Optional[str] = None
        self.shown: Optional[str] = None
        self.tty = sys.stdout.isatty()

    def __call__(self, done: int, total: Optional[int]) -> None:
        if total:
            text = f"{self.label}: {done:,} / {total:,} events ({min(100.0, 100.0 * done / total):.0f}%)"
        else:
            text = f"{self.label}: {done:,} events" + (" (none to replay)" if total == 0 else "")
        now = time.monotonic()
        self.last = text
        if self.shown_at is None or now - self.shown_at >= self.every:
            self._show(text)
            self.shown_at = now

    def _show(self, text: str) -> None:
        if self.tty:
            click.echo("\r" + text, nl=False)
        else:
            click.echo(text)
        self.shown = text

    def finish(self) -> None:
        """The last state shown (once), and the line ended."""
        if self.last is not None and self.shown != self.last:
            self._show(self.last)
        if self.tty and self.last is not None:
            click.echo("")

    def seconds(self) -> float:
        return time.monotonic() - self.started


@cli.command("rebuild", help="Rebuild a service's read models from its events, with a progress line "
                             "and the events per second.")
@click.argument("service")
@click.option("--projection", "projection_names", multiple=True,
              help="Only this projection (repeatable); default: all of the service's.")
def rebuild_command(service, projection_names):
    _setup_logging()
    from .db import make_engine
    from .store import EventStore

    try:
        service_cls = registry.load_service(service)
    except registry.ServiceUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    projections = registry.projections_of(service)
    if not projections:
        raise click.ClickException(f"{service} has no projections to rebuild")
    if projection_names:
        unknown = set(projection_names) - {p.name for p in projections}
        if unknown:
            raise click.ClickException(f"{service} has no projection {', '.join(sorted(unknown))}; it has: "
                                       f"{', '.join(p.name for p in projections)}")
        projections = [p for p in projections if p.name in projection_names]
    config = build_config(service)
    read_models, codec_factory = registry.store_spec(service_cls)
    engine = make_engine(config["DATABASES"][service])
    try:
        store = EventStore(engine, service=service, clock=config["CLOCK"],
                           codec=codec_factory() if codec_factory else None)
        store.create_schema(read_models)
        for projection in projections:
            line = ProgressLine(f"{service}/{projection.name}")
            try:
                count = projection.rebuild(store, progress=line)
            except Exception as exc:  # nothing was changed: a rebuild is one transaction
                line.finish()
                source = getattr(projection, "source_service", None)
                hint = (f"; it replays {source}'s events over RPC (AMQP_URI): is {source} running?"
                        if source else "")
                raise click.ClickException(f"rebuilding {service}/{projection.name} failed, nothing "
                                           f"was changed: {type(exc).__name__}: {exc}{hint}") from None
            line.finish()
            seconds = line.seconds()
            click.echo(f"rebuilt {service}/{projection.name} from {count} events in {seconds:.2f} s "
                       f"({count / seconds if seconds > 0 else 0:,.0f} events/s)")
    finally:
        engine.dispose()


# -- migrate ---------------------------------------------------------------------------------------

@cli.command("migrate", help="Upgrade services' databases: kept tables through their revisions, "
                             "read models whose shape changed rebuilt from the events.")
@click.argument("services", nargs=-1)
def migrate_command(services):
    _setup_logging()
    from .db import make_engine
    from .dependencies import upgrade_database
    from .store import EventStore

    for service in _resolve_services(services):
        service_cls = registry.load_service(service)
        config = build_config(service)
        read_models, codec_factory = registry.store_spec(service_cls)
        engine = make_engine(config["DATABASES"][service])
        try:
            store = EventStore(engine, service=service, clock=config["CLOCK"],
                               codec=codec_factory() if codec_factory else None)
            try:
                done = upgrade_database(store, read_models, registry.store_projections(service_cls),
                                        config["AMQP_URI"])
            except Exception as exc:
                raise click.ClickException(f"migrating {service} failed: {type(exc).__name__}: {exc}") from None
            click.echo(f"{service}: {_hide_password(config['DATABASES'][service])} is up to date")
            for name, what in done.items():
                click.echo(f"  read model {name}: {what}")
        finally:
            engine.dispose()


# -- config ----------------------------------------------------------------------------------------

@cli.command("config", help="Print a service's effective settings (secrets masked), or rewrite "
                            "the README's settings table.")
@click.argument("service", required=False, default="registration")
@click.option("--readme", type=click.Path(dir_okay=False, exists=True),
              help="Rewrite the settings table in this README from the settings module.")
def config_command(service, readme):
    if readme:
        changed = settings.write_readme(Path(readme))
        click.echo(f"{'rewrote' if changed else 'kept'} the settings table of {readme}", err=True)
        return
    environ = os.environ
    config = build_config(service)
    for setting in settings.SETTINGS:
        variable = setting.variable(service) if setting.per_service else setting.name
        if setting.name == "<SERVICE>_DATABASE_URL":
            shown = config["DATABASES"][service]
        elif setting.name == "<SERVICE>_HTTP_PORT":
            shown = config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
        elif setting.name in ("<SERVICE>_METRICS_PORT", "METRICS_PORT"):
            shown = config.get("METRICS_PORT", "off") if setting.per_service else environ.get(variable)
        elif setting.reaches == "config":
            shown = settings.value(config, setting.name)
        else:
            shown = environ.get(variable) or setting.default
        source = "environment" if environ.get(variable) else "default"
        click.echo(f"{variable:40} {settings.mask(setting, shown):50} ({source})")


# -- catalogue -------------------------------------------------------------------------------------

@cli.command("catalogue", help="Print the published catalogue of events.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write it to this file (e.g. docs/events.md) instead of printing it.")
@click.option("--all", "everything", is_flag=True,
              help="Include event types of services that are not registered (plugins, tests).")
@click.option("--contracts", "contracts_dir", type=click.Path(file_okay=False, writable=True),
              help="Also write a JSON Schema of each published event type and version "
                   "(events/<EventType>.v<version>.json) and the AsyncAPI document (asyncapi.yaml) "
                   "into this folder (e.g. docs/contracts).")
def catalogue_command(fmt, output, everything, contracts_dir):
    from . import catalogue_doc

    registry.import_schemas()
    services = None if everything else registry.known_services()
    catalogue = catalogue_doc.build(services)
    text = catalogue_doc.to_markdown(catalogue) if fmt == "markdown" else catalogue_doc.to_json(catalogue)
    if output:
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(catalogue['events'])} event types to {path}", err=True)
    elif not contracts_dir:
        click.echo(text, nl=False)
    if contracts_dir:
        done = catalogue_doc.write_contracts(Path(contracts_dir), services)
        click.echo(f"wrote {len(done['written'])} contract files to {contracts_dir}"
                   + (f", removed {', '.join(done['removed'])}" if done["removed"] else ""), err=True)


# -- dead letters ------------------------------------------------------------------------------------

@cli.group("dead-letters", help="Inspect and re-drive dead-letter queues (<service>.<consumer>.dead-letter).")
@click.option("--amqp-uri", envvar="AMQP_URI", default=DEFAULT_AMQP_URI, show_default=True)
@click.pass_context
def dead_letters(ctx, amqp_uri):
    ctx.obj = {"amqp_uri": amqp_uri}


def _origin(message) -> tuple:
    """(exchange, routing key) the message was first published to, or (None, None)."""
    headers = dict(message.headers or {})
    exchange, key = headers.get("x-original-exchange"), headers.get("x-original-routing-key")
    if exchange is None or key is None:  # RabbitMQ's own dead-lettering records x-death
        deaths = headers.get("x-death") or []
        if deaths:
            first = deaths[-1]
            exchange = exchange if exchange is not None else first.get("exchange")
            keys = first.get("routing-keys") or []
            key = key if key is not None else (keys[0] if keys else None)
    if isinstance(exchange, bytes):
        exchange = exchange.decode()
    if isinstance(key, bytes):
        key = key.decode()
    return exchange, key


def _open_queue(connection, queue: str):
    import amqp

    channel = connection.channel()
    try:
        _name, count, _consumers = channel.queue_declare(queue, passive=True)
    except amqp.exceptions.NotFound:
        raise click.ClickException(f"there is no queue {queue!r} on {_hide_password(connection.as_uri())}") from None
    return channel, count


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


@dead_letters.command("list", help="Show the messages waiting in a dead-letter queue (they stay there).")
@click.argument("queue")
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@click.pass_obj
def dead_letters_list(obj, queue, limit, as_json):
    from kombu import Connection

    with Connection(obj["amqp_uri"], connect_timeout=10) as connection:
        channel, count = _open_queue(connection, queue)
        held: List[Any] = []
        try:
            while len(held) < limit:
                message = channel.basic_get(queue, no_ack=False)
                if message is None:
                    break
                held.append(message)
                headers = dict(message.headers or {})
                exchange, key = _origin(message)
                body = _text(message.body)
                entry = {"message_id": message.properties.get("message_id"),
                         "type": message.properties.get("type") or headers.get("event_type"),
                         "reason": _text(headers.get("x-dead-letter-reason")) or None,
                         "original_exchange": exchange, "original_routing_key": key,
                         "body": body if as_json else (body[:200] + ("…" if len(body) > 200 else ""))}
                if as_json:
                    click.echo(json.dumps(entry, sort_keys=True))
                else:
                    click.echo(f"{entry['message_id'] or '-'}  {entry['type'] or '-'}  "
                               f"{exchange or '?'} {key or '?'}\n    reason: {entry['reason'] or '-'}\n"
                               f"    body: {entry['body']}")
        finally:
            channel.close()  # unacknowledged: every message goes back to the queue
    if not as_json:
        click.echo(f"{count} message(s) in {queue}" + (f" (showed {len(held)})" if len(held) < count else ""),
                   err=True)


#: dropped on replay: the last life's death notes, and its retry count (a replayed message
#: gets the full number of retries again)
_DROPPED_HEADERS = ("x-dead-letter-reason", "x-death", "x-first-death-exchange", "x-first-death-queue",
                    "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue",
                    "x-last-death-reason", "x-retry-count", "x-last-error")


@dead_letters.command("replay", help="Re-publish dead letters to their original exchange and routing key.")
@click.argument("queue")
@click.option("--limit", default=0, help="At most this many (0: all that are there now).")
@click.pass_obj
def dead_letters_replay(obj, queue, limit):
    import amqp
    from kombu import Connection

    replayed = skipped = 0
    with Connection(obj["amqp_uri"], connect_timeout=10) as connection:
        channel, count = _open_queue(connection, queue)
        publisher = connection.channel()
        publisher.confirm_select()
        returned = []
        publisher.events["basic_return"].add(lambda *args: returned.append(args))
        wanted = count if not limit else min(limit, count)
        try:
            for _ in range(wanted):
                message = channel.basic_get(queue, no_ack=False)
                if message is None:
                    break
                exchange, key = _origin(message)
                if exchange is None or key is None:
                    click.echo(f"{message.properties.get('message_id') or '-'}: no original exchange/routing "
                               f"key in its headers; left in the queue", err=True)
                    skipped += 1
                    continue  # stays unacknowledged: back in the queue when we close
                headers = {k: v for k, v in dict(message.headers or {}).items() if k not in _DROPPED_HEADERS}
                try:
                    replays = int(headers.get("x-replay-count") or 0)
                except (TypeError, ValueError):
                    replays = 0
                headers["x-replay-count"] = replays + 1
                properties = {k: v for k, v in message.properties.items()
                              if k not in ("application_headers", "delivery_mode")}
                returned.clear()
                republished = amqp.Message(message.body, application_headers=headers, delivery_mode=2,
                                           **properties)
                try:
                    publisher.basic_publish_confirm(republished, exchange=exchange, routing_key=key,
                                                    mandatory=True, confirm_timeout=30)
                except amqp.exceptions.NotFound:
                    raise click.ClickException(f"exchange {exchange!r} does not exist; nothing more replayed "
                                               f"({replayed} done)") from None
                if returned:
                    click.echo(f"{message.properties.get('message_id') or '-'}: nothing is bound to "
                               f"{exchange} {key}; left in the queue", err=True)
                    skipped += 1
                    continue
                message.channel.basic_ack(message.delivery_tag)
                replayed += 1
        finally:
            for chan in (channel, publisher):
                try:
                    chan.close()
                except Exception:  # pragma: no cover - closed by a channel error already
                    pass
    click.echo(f"replayed {replayed} message(s) from {queue}" + (f", {skipped} left there" if skipped else ""))
    if skipped:
        sys.exit(1)


# -- check -------------------------------------------------------------------------------------------

@cli.command("check", help="Check that RabbitMQ and each service's database are reachable.")
@click.argument("services", nargs=-1)
@click.option("--http", "check_http", is_flag=True, help="Also GET /health of each service.")
@click.option("--timeout", default=5.0, show_default=True)
def check_command(services, check_http, timeout):
    names = list(services) or list(registry.available_services())
    unknown = [name for name in names if name not in registry.known_services()]
    if unknown:
        raise click.ClickException(f"unknown service(s): {', '.join(unknown)}")
    environ = os.environ
    failed = False

    def report(ok: bool, what: str, detail: str) -> None:
        nonlocal failed
        failed = failed or not ok
        click.echo(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")

    amqp_uri = environ.get("AMQP_URI") or DEFAULT_AMQP_URI
    try:
        from kombu import Connection

        with Connection(amqp_uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1)
            _ = connection.default_channel  # opens a channel: the vhost and permissions are right
        report(True, "rabbitmq", _hide_password(amqp_uri))
    except Exception as exc:
        report(False, "rabbitmq", f"{_hide_password(amqp_uri)}: {exc}")

    from sqlalchemy import create_engine, text

    for name in names:
        url = database_url_for(name, environ)
        try:
            if url.startswith("sqlite"):
                from .db import make_engine

                engine = make_engine(url)
            else:
                engine = create_engine(url, connect_args={"connect_timeout": int(max(timeout, 1))})
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            finally:
                engine.dispose()
            report(True, f"database {name}", _hide_password(url))
        except Exception as exc:
            report(False, f"database {name}", f"{_hide_password(url)}: {str(exc).splitlines()[0]}")
        if check_http:
            import urllib.request

            host = environ.get("HTTP_HOST") or "127.0.0.1"
            host = "127.0.0.1" if host == "0.0.0.0" else host
            address = f"http://{host}:{http_port_for(name, environ)}/health"
            try:
                with urllib.request.urlopen(address, timeout=timeout) as response:
                    report(response.status == 200, f"http {name}", address)
            except Exception as exc:
                report(False, f"http {name}", f"{address}: {exc}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
