"""A RabbitMQ node of a test's own: its own name, ports, data and log directories, so a test
can ``kill -9`` its Erlang VM and start it again without touching the machine's broker.

The node has no plugins (no management API on 15672), listens for AMQP on 127.0.0.1 only
and keeps its Mnesia directory across restarts: durable queues and persistent messages
survive a kill. ``rabbitmqctl -n <node>`` manages it (same ``HOME``, so the same Erlang
cookie).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import List, Optional

from service_process import free_port

#: where Debian/Ubuntu keep the real scripts (``/usr/sbin/rabbitmq-*`` switch to the
#: rabbitmq user and redirect the output to /var/log/rabbitmq: not for a private node)
LIB_BIN = Path("/usr/lib/rabbitmq/bin")
START_TIMEOUT = 60.0


class NodeUnavailable(RuntimeError):
    """A private node cannot be started on this machine (the message says why)."""


def _script(name: str) -> str:
    candidate = LIB_BIN / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise NodeUnavailable(f"{name} is not installed (looked in {LIB_BIN} and on PATH)")
    return found


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateRabbit:
    """One RabbitMQ node under ``base`` (a directory of its own, removed by :meth:`destroy`)."""

    def __init__(self, base: Path):
        self.base = Path(base)
        self.name = f"faults-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.process: Optional[subprocess.Popen] = None
        self.starts = 0
        self.server = _script("rabbitmq-server")
        self.ctl = _script("rabbitmqctl")
        self.base.mkdir(parents=True, exist_ok=True)
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "log.console = true\nlog.console.level = warning\nlog.file.level = info\n")
        (self.base / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq's NODENAME
        self.env = {**os.environ,
                    "HOME": str(self.base),  # the Erlang cookie of this node and its rabbitmqctl
                    "RABBITMQ_NODENAME": self.name,
                    "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                    "RABBITMQ_NODE_PORT": str(self.port),
                    "RABBITMQ_DIST_PORT": str(self.dist_port),
                    "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(self.base / "log"),
                    "RABBITMQ_PID_FILE": str(self.base / "node.pid"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
                    "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
                    "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
                    "ERL_EPMD_ADDRESS": "127.0.0.1",
                    "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}"}

    @property
    def amqp_uri(self) -> str:
        return f"pyamqp://guest:guest@127.0.0.1:{self.port}//"

    def __repr__(self) -> str:
        return f"<PrivateRabbit {self.name} amqp :{self.port} dist :{self.dist_port} in {self.base}>"

    # -- life cycle ----------------------------------------------------------------------------------
    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the node (again: the same Mnesia directory) and wait until it takes AMQP."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError(f"{self.name} is running already")
        self.starts += 1
        log = open(self.base / f"console-{self.starts}.log", "w")
        # its own session: the VM's helpers (erl_child_setup, inet_gethost) go with it
        self.process = subprocess.Popen([self.server], env=self.env, cwd=str(self.base), stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None:
                raise NodeUnavailable(f"rabbitmq-server exited with {self.process.returncode} before "
                                      f"listening on {self.port}:\n{self.console_tail()}")
            if time.monotonic() > deadline:
                raise NodeUnavailable(f"{self.name} did not listen on {self.port} within {timeout:.0f}s:\n"
                                      f"{self.console_tail()}")
            time.sleep(0.2)
        self.ctl_run("await_startup", timeout=max(deadline - time.monotonic(), 5))

    def beam_pid(self) -> int:
        """The pid of the node's Erlang VM (``beam.smp``), as the VM itself reports it."""
        output = self.ctl_run("eval", "os:getpid().")
        return int(output.strip().strip('"'))

    def kill_vm(self, timeout: float = 20.0) -> int:
        """``kill -9`` the Erlang VM; wait until it is gone and the AMQP port is closed."""
        pid = self.beam_pid()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while _alive(pid) or port_open(self.port):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} (beam pid {pid}) still alive {timeout:.0f}s after kill -9")
            if self.process is not None:
                self.process.poll()  # reap it when it is our child
            time.sleep(0.1)
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # the script outlived the VM: its group goes below
                pass
        return pid

    def stop(self) -> None:
        """Stop the node (``rabbitmqctl stop``; killed if that does not do it)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self.ctl_run("stop", timeout=30)
            except Exception:  # noqa: BLE001 - killed below
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # the session we started, stragglers too
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass

    def destroy(self) -> None:
        """Stop the node and remove its files."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    # -- rabbitmqctl --------------------------------------------------------------------------------
    def ctl_run(self, *args: str, timeout: float = 30) -> str:
        result = subprocess.run([self.ctl, "-n", self.name, *args], env=self.env, cwd=str(self.base),
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed ({result.returncode}): "
                               f"{result.stdout}{result.stderr}")
        return result.stdout

    def queue_names(self) -> List[str]:
        output = self.ctl_run("list_queues", "-p", "/", "name", "--quiet", "--no-table-headers")
        return [line.strip() for line in output.splitlines() if line.strip()]

    def console_tail(self, lines: int = 40) -> str:
        path = self.base / f"console-{self.starts}.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no console output)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    # a zombie child of ours counts as gone
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
