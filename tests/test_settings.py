"""One settings source: every key the code reads is declared, documented and checked."""
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from service_process import mentoring, service_env

from services.platform_core import settings
from services.platform_core.cli import build_config, cli

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_table_is_the_settings_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.with_table(readme) == readme, \
        "README.md's settings table differs from services/platform_core/settings.py: run " \
        "`mentoring config --readme README.md`"


def test_every_setting_the_code_reads_is_declared():
    read = set()
    pattern = re.compile(r'(?:config|environ)(?:\.get\(|\[)\s*"([A-Z][A-Z0-9_]+)"|'
                         r'settings\.(?:value|read)\([^,]+,\s*"([A-Z<][A-Z0-9_<>]+)"')
    for path in (ROOT / "services").rglob("*.py"):
        if "tests" in path.parts or path.name == "testing.py":
            continue
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            read.add(match.group(1) or match.group(2))
    nameko_own = {"AMQP_URI", "WEB_SERVER_ADDRESS", "DATABASES", "CLOCK", "METRICS_PORT"}
    undeclared = {name for name in read - nameko_own if name not in settings.BY_NAME
                  and not name.endswith("_DATABASE_URL") and name != "MENTORING_PARENT_PID"}
    assert not undeclared, f"read but not declared in settings.py: {sorted(undeclared)}"
    assert {"EVENT_MAX_RETRIES", "EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS", "CATCHUP_TIMEOUT"} <= read


@pytest.mark.parametrize("variable, value, says", [
    ("EVENT_MAX_RETRIES", "three", "EVENT_MAX_RETRIES must be a whole number, not 'three'"),
    ("EVENT_PREFETCH", "0", "EVENT_PREFETCH must be at least 1"),
    ("EVENT_RETRY_DELAY_SECONDS", "-1", "EVENT_RETRY_DELAY_SECONDS must be a number above 0"),
    ("SMTP_PORT", "99999", "SMTP_PORT must be a port number (0-65535)"),
    ("SMTP_TLS", "yes", "SMTP_TLS must be one of off, starttls, tls"),
    ("MATCHING_DATABASE_URL", "mysql://db/matching", "MATCHING_DATABASE_URL must be a postgresql://"),
    ("AMQP_URI", "rabbit:5672", "AMQP_URI must be an amqp://"),
    ("MATCHING_HTTP_PORT", "http", "MATCHING_HTTP_PORT must be a port number"),
])
def test_a_wrong_value_is_refused_naming_it(variable, value, says):
    import click

    with pytest.raises(click.UsageError) as refused:
        build_config("registration", {variable: value})
    assert says in str(refused.value.message)


def test_settings_reach_the_services_parsed():
    config = build_config("matching", {"EVENT_MAX_RETRIES": "7", "EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS": "90",
                                       "MAX_WORKERS": "4", "HTTP_HOST": "0.0.0.0", "SMTP_TLS": "STARTTLS"})
    assert config["EVENT_MAX_RETRIES"] == 7 and config["EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS"] == 90.0
    assert config["max_workers"] == 4 and config["SMTP_TLS"] == "starttls"
    assert settings.value(config, "METRICS_ADDRESS") == "0.0.0.0"  # /metrics follows HTTP_HOST
    assert settings.value({}, "EVENT_MAX_RETRIES") == 3  # the default, from one place


def test_a_service_started_with_a_wrong_value_stops_at_once_naming_it():
    process = mentoring("run-one", "registration", env=service_env(EVENT_PREFETCH="lots"))
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "EVENT_PREFETCH must be a whole number, not 'lots'" in output
    assert "Traceback" not in output


def test_config_prints_the_effective_settings_with_secrets_masked():
    env = {"PLATFORM_SECRET": "very-secret-value", "OPERATOR_TOKEN": "op-token-value",
           "MATCHING_DATABASE_URL": "postgresql://svc:hunter2@db/matching", "EVENT_MAX_RETRIES": "5"}
    result = CliRunner().invoke(cli, ["config", "matching"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "very-secret-value" not in result.output and "op-token-value" not in result.output
    assert "hunter2" not in result.output
    assert re.search(r"MATCHING_DATABASE_URL\s+postgresql://svc:\*\*\*@db/matching", result.output)
    assert re.search(r"EVENT_MAX_RETRIES\s+5\s+\(environment\)", result.output)
    assert re.search(r"EVENT_RETRY_DELAY_SECONDS\s+2.0\s+\(default\)", result.output)
    assert re.search(r"PLATFORM_SECRET\s+\*\*\*", result.output)
