"""The deployment files: compose parses, names registered services, and its commands start here.

Docker has no engine on the CI machine, so nothing is built or run by Docker: each platform
service's compose command line is run as a local process instead, with its compose
environment pointed at the local broker, a throw-away database and free ports.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from service_process import ROOT, free_port, output_of, stop, wait_http

from services.platform_core import registry
from services.platform_core.testing import temporary_database

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def compose():
    with open(COMPOSE) as handle:
        return yaml.safe_load(handle)


def _command(service: dict) -> list:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else list(command)


def platform_services():
    """compose name -> (compose definition, registry name) for services running ``mentoring run-one``."""
    found = {}
    for name, service in compose()["services"].items():
        command = _command(service)
        if command[:2] == ["mentoring", "run-one"]:
            found[name] = (service, command[2])
    return found


def interpolate(value, environ=None):
    """Compose's ``${NAME:-default}`` / ``${NAME}`` interpolation."""
    environ = {} if environ is None else environ

    def replace(match):
        name, default = match.group(1), match.group(3)
        return environ.get(name) or (default if default is not None else "")

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-([^}]*))?\}", replace, str(value))


def startable():
    """Platform services whose code exists: the ones whose command can be run here."""
    names = []
    for compose_name, (_service, target) in platform_services().items():
        try:
            registry.load_service(target)
            names.append(compose_name)
        except registry.ServiceUnavailable:
            pass
    return names


# -- static checks -----------------------------------------------------------------------------------

def test_compose_parses_and_has_the_infrastructure():
    services = compose()["services"]
    assert "rabbitmq" in services and "management" in services["rabbitmq"]["image"]
    assert services["postgres"]["image"].startswith("postgres:15")
    mounts = services["postgres"]["volumes"]
    init = [m for m in mounts if "docker-entrypoint-initdb.d" in m]
    assert init and (ROOT / init[0].split(":")[0].lstrip("./")).exists()
    for infra in ("rabbitmq", "postgres"):
        assert services[infra].get("healthcheck"), f"{infra} needs a healthcheck for depends_on"


def test_every_platform_service_names_a_registered_service():
    services = platform_services()
    assert services, "no platform service in docker-compose.yml"
    init_sql = (ROOT / "deploy" / "postgres-init.sh").read_text()
    for compose_name, (service, target) in services.items():
        assert target in registry.known_services(), f"{compose_name} runs unknown service {target!r}"
        active = "profiles" not in service
        if active:  # started by a plain `docker compose up`: its code must exist
            registry.load_service(target)  # raises with the reason if it does not import
        env = service["environment"]
        prefix = registry.env_prefix(target)
        database = interpolate(env[f"{prefix}_DATABASE_URL"])
        assert database.startswith("postgresql://mentoring:") and database.endswith("/" + target)
        assert f"CREATE DATABASE {target} OWNER mentoring;" in init_sql
        assert env[f"{prefix}_HTTP_PORT"] == str(registry.HTTP_PORTS[target])
        assert env[f"{prefix}_METRICS_PORT"] == str(registry.METRICS_PORTS[target])
        assert env["HTTP_HOST"] == "0.0.0.0" and env["AMQP_URI"].startswith("pyamqp://")
        assert {"rabbitmq", "postgres"} <= set(service["depends_on"])
        assert all(dep["condition"] == "service_healthy" for dep in service["depends_on"].values())
        assert _command({"command": service["healthcheck"]["test"]})[1:] == ["mentoring", "check", "--http", target]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert compose()["services"]["matching"]["deploy"]["replicas"] >= 2


def test_every_available_service_is_in_compose_without_a_profile_once_written():
    in_compose = {target: service for service, target in platform_services().values()}
    for name in registry.available_services():
        if name in registry.SERVICES:
            assert name in in_compose, f"{name} is written but docker-compose.yml does not run it"
            assert "profiles" not in in_compose[name], \
                f"{name} is written: remove the profiles: line of its compose service"


def test_dockerfile_copies_files_that_exist():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "pip install -c constraints.txt ." in text
    copied = []
    for line in text.splitlines():
        words = line.split()
        if words and words[0] in ("COPY", "ADD") and not any(w.startswith("--from") for w in words):
            copied += [w for w in words[1:-1] if not w.startswith("--")]
    assert {"constraints.txt", "pyproject.toml"} <= set(copied)
    for source in copied:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
    if 'readme = "README.md"' in (ROOT / "pyproject.toml").read_text():
        assert "README.md" in copied  # setuptools reads it while installing the package
    assert re.search(r'^CMD \["mentoring", "run-one", ', text, re.M)


@pytest.mark.skipif(not shutil.which("docker"), reason="no docker client")
def test_docker_compose_config_validates_when_the_plugin_is_there():
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed here")
    done = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "--profile", "sessions",
                           "--profile", "notifications", "config", "-q"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


# -- the commands start ---------------------------------------------------------------------------------

def _mentoring_executable() -> list:
    script = Path(sys.executable).parent / "mentoring"
    return [str(script)] if script.exists() else [sys.executable, "-m", "services.platform_core.cli"]


def local_env(service: dict, target: str, amqp_uri: str, database_url: str, tmp_path) -> dict:
    """The compose environment, pointed at the local broker, a temp database and free ports."""
    env = {key: interpolate(value) for key, value in service["environment"].items()}
    prefix = registry.env_prefix(target)
    env.update({
        "AMQP_URI": amqp_uri, "HTTP_HOST": "127.0.0.1", "METRICS_ADDRESS": "127.0.0.1",
        f"{prefix}_DATABASE_URL": database_url, f"{prefix}_HTTP_PORT": str(free_port()),
        f"{prefix}_METRICS_PORT": str(free_port()), "MENTORING_DATA_DIR": str(tmp_path),
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()),
    })
    return {**os.environ, "PYTHONPATH": str(ROOT), **env}


@pytest.mark.integration
@pytest.mark.parametrize("compose_name", startable() or [pytest.param(None, marks=pytest.mark.skip(
    reason="no platform service in docker-compose.yml has its code written yet"))])
def test_the_compose_command_starts_here_and_stops_on_sigterm(compose_name, amqp_uri, tmp_path):
    service, target = platform_services()[compose_name]
    command = _command(service)
    with temporary_database() as database_url:
        env = local_env(service, target, amqp_uri, database_url, tmp_path)
        process = subprocess.Popen(_mentoring_executable() + command[1:], env=env, cwd=str(tmp_path),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            port = env[f"{registry.env_prefix(target)}_HTTP_PORT"]
            assert wait_http(f"http://127.0.0.1:{port}/health", process).json()["status"] == "ok"
            health = _command({"command": service["healthcheck"]["test"]})[1:]  # drop "CMD"
            checked = subprocess.run(_mentoring_executable() + health[1:], env=env, cwd=str(tmp_path),
                                     capture_output=True, text=True, timeout=30)
            assert checked.returncode == 0, checked.stdout + checked.stderr
            assert f"ok   http {target}" in checked.stdout
        finally:
            took = stop(process)
        output = output_of(process).read()
        assert process.returncode == 0, output
        assert took < 8


def test_the_package_ships_every_file_the_code_reads():
    """An installed package (the image runs ``pip install .``) carries every non-Python file under
    ``services/`` (message templates, the certificate's templates and words, Alembic's script
    template): each is matched by the package data declared in pyproject.toml."""
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    files = [p for p in (ROOT / "services").rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
             and "__pycache__" not in p.parts]
    assert files, "no data files found: the test looks in the wrong place"
    missing = [str(p.relative_to(ROOT)) for p in files if not any(fnmatch.fnmatch(p.name, g) for g in declared)]
    assert missing == [], f"not shipped in the package: {missing}"
