"""Every setting of the platform, in one place: what it is, its default, how it is read.

This module is the single source of what can be configured. ``mentoring run`` reads each
setting from the environment (:func:`config_from_env`), refusing a wrong value at start with
a message naming the variable; the services read them from the nameko config through
:func:`value` (which also supplies the default), so a default is written only here;
``mentoring config`` prints the effective settings with secrets masked; the README's table
is generated from :data:`SETTINGS` (:func:`markdown_table`; a test fails when they differ:
``mentoring config --readme README.md`` rewrites it).

A setting named ``<SERVICE>_X`` is read per service (``MATCHING_DATABASE_URL``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional


class SettingError(ValueError):
    """A setting's value cannot be used; the message names the variable and what it takes."""


def _whole(minimum: int = 0) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            number = int(raw)
        except ValueError:
            raise SettingError(f"{name} must be a whole number, not {raw!r}") from None
        if number < minimum:
            raise SettingError(f"{name} must be at least {minimum}, not {raw!r}")
        return number
    return parse


def _seconds(minimum: float = 0.0, *, above: bool = False) -> Callable[[str, str], float]:
    def parse(name: str, raw: str) -> float:
        try:
            number = float(raw)
        except ValueError:
            raise SettingError(f"{name} must be a number, not {raw!r}") from None
        if number != number or number in (float("inf"), float("-inf")) or number < minimum \
                or (above and number == minimum):
            raise SettingError(f"{name} must be a number {'above' if above else 'of at least'} "
                               f"{minimum:g}, not {raw!r}")
        return number
    return parse


def _port(name: str, raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a port number (0-65535), not {raw!r}") from None
    if not 0 <= port <= 65535:
        raise SettingError(f"{name} must be a port number (0-65535), not {raw!r}")
    return port


def _port_or_off(name: str, raw: str) -> Optional[int]:
    return None if raw.strip().lower() == "off" else _port(name, raw)


def _text(name: str, raw: str) -> str:
    return raw


def _choice(*options: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise SettingError(f"{name} must be one of {', '.join(options)}, not {raw!r}")
        return value
    return parse


def _database_url(name: str, raw: str) -> str:
    if not (raw.startswith("postgresql") or raw.startswith("sqlite:///")):
        raise SettingError(f"{name} must be a postgresql://... or sqlite:///... URL, not {raw!r}")
    return raw


def _amqp_url(name: str, raw: str) -> str:
    if not raw.startswith(("amqp://", "amqps://", "pyamqp://")):
        raise SettingError(f"{name} must be an amqp://, amqps:// or pyamqp:// URL, not {raw!r}")
    return raw


@dataclass(frozen=True)
class Setting:
    name: str                    # the environment variable (``<SERVICE>_`` for per service)
    default: Any                 # the value when unset (None: unset)
    help: str
    parse: Callable[[str, str], Any] = _text
    secret: bool = False
    default_text: Optional[str] = None  # how the README states the default
    #: how it reaches the services: "config" (the nameko config under its name), "cli"
    #: (used by ``mentoring`` itself to build other config keys), "env" (read from the
    #: process environment where it is used)
    reaches: str = "config"

    @property
    def per_service(self) -> bool:
        return self.name.startswith("<SERVICE>_")

    def variable(self, service: str) -> str:
        return self.name.replace("<SERVICE>", service.upper().replace("-", "_"))

    @property
    def shown_default(self) -> str:
        if self.default_text is not None:
            return self.default_text
        return "unset" if self.default is None else f"`{self.default}`"


DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672//"

SETTINGS: List[Setting] = [
    Setting("AMQP_URI", DEFAULT_AMQP_URI, "RabbitMQ (events, RPC, dead letters)", _amqp_url, secret=True),
    Setting("<SERVICE>_DATABASE_URL", None, "the service's own store, e.g. "
            "`REGISTRATION_DATABASE_URL=postgresql://user@host/registration`", _database_url, secret=True,
            default_text="`sqlite:///<MENTORING_DATA_DIR>/<service>.sqlite3`", reaches="cli"),
    Setting("MENTORING_DATA_DIR", "data", "where the default SQLite files live", default_text="`./data`",
            reaches="cli"),
    Setting("HTTP_HOST", "127.0.0.1", "address the HTTP APIs (and, unless `METRICS_ADDRESS` says "
            "otherwise, `/metrics`) listen on; `0.0.0.0` in a container", reaches="cli"),
    Setting("<SERVICE>_HTTP_PORT", None, "HTTP port", _port, reaches="cli",
            default_text="registration 8001, matching 8002, sessions 8003, notifications 8004"),
    Setting("<SERVICE>_METRICS_PORT", None, "`/metrics` port; `0` picks a free one, `off` none",
            _port_or_off, reaches="cli", default_text="9101, 9102, 9103, 9104"),
    Setting("METRICS_PORT", None, "metrics port when the per-service one is unset; replicas on one "
            "host need their own (or 0)", _port_or_off, reaches="cli"),
    Setting("METRICS_ADDRESS", None, "address `/metrics` listens on", default_text="`HTTP_HOST`"),
    Setting("OPERATOR_TOKEN", None, "the operator's bearer token", secret=True,
            default_text="unset (no operator access)"),
    Setting("PLATFORM_SECRET", None, "signs participant tokens and sign-up links; the same in every "
            "service", secret=True, default_text="unset (participant tokens and sign-up links answer 503)"),
    Setting("SMTP_HOST", "127.0.0.1", "mail server of the notifications service"),
    Setting("SMTP_PORT", 25, "its port", _port),
    Setting("SMTP_TLS", "off", "`off`, `starttls` or `tls` (implicit TLS)", _choice("off", "starttls", "tls")),
    Setting("SMTP_USER", None, "login at the mail server"),
    Setting("SMTP_PASSWORD", None, "its password", secret=True),
    Setting("SMTP_SENDER", "mentoring@localhost", "the `From` address of the platform's mail"),
    Setting("SMTP_TIMEOUT_SECONDS", 30.0, "how long the mail server may take to answer", _seconds(above=True)),
    Setting("SMTP_RETRY_SECONDS", 30.0, "back-off after a message's first transient failure (a 4xx answer, "
            "no connection; doubled each time)", _seconds(above=True)),
    Setting("SMTP_RETRY_MAX_SECONDS", 3600.0, "the longest back-off of a message", _seconds(above=True)),
    Setting("SMTP_MAX_ATTEMPTS", 10, "attempts of a message before it is failed (`NotificationFailed`, "
            "`gave_up`)", _whole(1)),
    Setting("NOTIFICATIONS_PUBLIC_URL", "http://localhost:8004", "the address people reach the notifications "
            "service at: the one-click unsubscribe links of its mails start with it"),
    Setting("NOTIFICATIONS_LOG_KEEP_DAYS", 365, "days a delivery log entry is kept after it was recorded; a "
            "daily job per tenant deletes older ones (still pending ones stay)", _whole(1)),
    Setting("MAIL_SINK", "off", "`on`: `mentoring run` catches every mail in a local SMTP server on "
            "`SMTP_HOST`:`SMTP_PORT` instead of sending it, kept under `<MENTORING_DATA_DIR>/mails` "
            "(`mentoring mails` lists them; `./dev up` turns it on, port 1025)",
            _choice("on", "off"), reaches="cli"),
    Setting("SESSIONS_PUBLIC_URL", "http://localhost:8003", "the address people reach the sessions service "
            "at: the public verification URL printed on a certificate starts with it (`/verify/<code>`)"),
    Setting("CERTIFICATE_FONT_DIR", "/usr/share/fonts/truetype/dejavu", "the folder of `DejaVuSans.ttf` and "
            "`DejaVuSans-Bold.ttf`, embedded in certificates (they carry every lv, lt and nl diacritic)"),
    Setting("OUTBOX_POLL_SECONDS", 1.0, "safety-net poll of the outbox relay", _seconds(above=True)),
    Setting("OUTBOX_LEASE_SECONDS", 10.0, "how long a relay's lease lasts before another replica may "
            "take over", _seconds(above=True)),
    Setting("OUTBOX_RELAY", "on", "`off`: this process publishes nothing (tests, tools)", _choice("on", "off")),
    Setting("SCHEDULER_POLL_SECONDS", 1.0, "how often due scheduled jobs are looked for (0: no loop)",
            _seconds()),
    Setting("SCHEDULER_MAX_ATTEMPTS", 5, "attempts of a failing scheduled job before it is left failed",
            _whole(1)),
    Setting("SCHEDULER_CLAIM_SECONDS", 60.0, "how long a replica's claim of a job lasts",
            _seconds(above=True)),
    Setting("SCHEDULER_RETRY_SECONDS", 5.0, "back-off after a job's first failure (doubled each time)",
            _seconds()),
    Setting("SCHEDULER_RETRY_MAX_SECONDS", 600.0, "the longest back-off of a failing job", _seconds()),
    Setting("SCHEDULER_BATCH", 100, "due jobs claimed per pass", _whole(1)),
    Setting("EVENT_MAX_RETRIES", 3, "times an event whose handler fails is retried before it is "
            "dead-lettered", _whole(0)),
    Setting("EVENT_RETRY_DELAY_SECONDS", 2.0, "delay of the retry queue", _seconds(above=True)),
    Setting("EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS", 3600.0, "how long a consumed event waits out a "
            "database (or other infrastructure) outage before it is dead-lettered as "
            "`infrastructure_timeout`", _seconds(above=True)),
    Setting("EVENT_INFRASTRUCTURE_RETRY_MAX_SECONDS", 30.0, "the longest back-off between two tries "
            "during an outage", _seconds(above=True)),
    Setting("EVENT_PREFETCH", 20, "unacknowledged messages a consumer holds at once", _whole(1)),
    Setting("CATCHUP_TIMEOUT", 10.0, "seconds a catch-up or gap-fill call to a producer may take",
            _seconds(above=True)),
    Setting("MAX_WORKERS", 10, "concurrent workers (requests, events) per service process", _whole(1)),
    Setting("HTTP_RETRY_AFTER_SECONDS", 2, "the `Retry-After` of a 503 during an outage", _whole(0)),
    Setting("IDEMPOTENCY_KEEP_HOURS", 24.0, "how long an `Idempotency-Key` and its answer are kept",
            _seconds(above=True)),
    Setting("HEALTH_DEGRADED_SECONDS", 3600.0, "how long `/health` says `degraded` after an "
            "`infrastructure_timeout` dead letter", _seconds()),
    Setting("PARTICIPANT_TOKEN_MAX_AGE_DAYS", None, "participant tokens older than this are refused",
            _whole(1), default_text="unset (no limit)"),
    Setting("MENTORING_CLOCK", "system", "`manual:<ISO datetime>`: a clock that stands still, for demos",
            reaches="cli"),
    Setting("LOG_LEVEL", "INFO", "`DEBUG`, `INFO`, `WARNING`, `ERROR`",
            _choice("debug", "info", "warning", "error"), reaches="env"),
    Setting("REBUILD_RPC_TIMEOUT", 60.0, "seconds `mentoring rebuild` waits for another service's "
            "catch-up feed", _seconds(above=True)),
    Setting("MENTORING_EXTRA_SERVICES", None, "more services: `name=module:Class,...` (plugins, tests)",
            reaches="env"),
    Setting("MATCHING_VERIFY_STATE", None, "`1`: matching compares every programme state it keeps in "
            "memory with one loaded whole, and fails loudly on a difference (the test suite sets it; slow)",
            _choice("0", "1"), reaches="env"),
]

BY_NAME: Dict[str, Setting] = {s.name: s for s in SETTINGS}
#: nameko's own name of a setting, where it differs
CONFIG_KEYS = {"MAX_WORKERS": "max_workers"}


def value(config: Mapping[str, Any], name: str) -> Any:
    """A setting as the services read it: from the nameko config, else its default."""
    setting = BY_NAME[name]
    found = config.get(CONFIG_KEYS.get(name, name))
    if found is None or found == "":
        return setting.default
    if isinstance(found, str) and setting.parse is not _text:
        return setting.parse(name, found)
    return found


def read(environ: Mapping[str, str], name: str, service: Optional[str] = None) -> Any:
    """A setting from the environment, checked (:class:`SettingError` names it); None: unset."""
    setting = BY_NAME[name]
    variable = setting.variable(service) if service and setting.per_service else name
    raw = environ.get(variable)
    if raw is None or raw.strip() == "":
        return None
    return setting.parse(variable, raw.strip())


def config_from_env(environ: Mapping[str, str]) -> Dict[str, Any]:
    """The nameko config keys of every ``config`` setting the environment sets (checked)."""
    config: Dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.reaches != "config" or setting.per_service:
            continue
        parsed = read(environ, setting.name)
        if parsed is not None:
            config[CONFIG_KEYS.get(setting.name, setting.name)] = parsed
    return config


def check_environment(environ: Mapping[str, str], services: List[str]) -> None:
    """Refuse any set variable whose value is wrong, naming it (also per-service ones)."""
    for setting in SETTINGS:
        for service in (services if setting.per_service else [None]):
            read(environ, setting.name, service)


def mask(setting: Setting, shown: Any) -> str:
    if shown is None:
        return "(unset)"
    text = str(shown)
    if not setting.secret:
        return text
    if "://" in text:  # a URL: keep where it points, hide the password
        try:
            from sqlalchemy.engine import make_url

            return make_url(text).render_as_string(hide_password=True)
        except Exception:
            return text.split("://", 1)[0] + "://***"
    return "***"


def markdown_table() -> str:
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        lines.append(f"| `{setting.name}` | {setting.shown_default} | {setting.help} |")
    return "\n".join(lines) + "\n"


README_START = "<!-- settings table: generated by `mentoring config --readme README.md` -->\n"
README_END = "<!-- end of settings table -->\n"


def with_table(readme: str) -> str:
    """``readme`` with its settings table replaced by the current one."""
    start, end = readme.index(README_START), readme.index(README_END)
    return readme[:start + len(README_START)] + markdown_table() + readme[end:]


def write_readme(path: Path) -> bool:
    """Rewrite the table in ``path``; True if it changed."""
    text = path.read_text(encoding="utf-8")
    new = with_table(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
