"""Start ``mentoring`` commands as real processes and talk to them over HTTP (test helpers)."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
PROBE = "probe=probe_service:ProbeService"


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(**extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), str(ROOT), env.get("PYTHONPATH")]))
    env["MENTORING_EXTRA_SERVICES"] = PROBE
    env.setdefault("LOG_LEVEL", "INFO")
    env.update({key: str(value) for key, value in extra.items()})
    return env


def mentoring(*args, env, **kwargs) -> subprocess.Popen:
    """``mentoring ARGS`` as a child process (the console script's code, run with -m)."""
    return subprocess.Popen([sys.executable, "-m", "services.platform_core.cli", *args], env=env,
                            cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **kwargs)


def output_of(process: subprocess.Popen) -> IO[str]:
    """The pipe a process started like :func:`mentoring` writes its output to."""
    assert process.stdout is not None, "the process was started without stdout=PIPE"
    return process.stdout


def wait_http(url: str, process: subprocess.Popen, timeout: float = 20.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the process exited with {process.returncode} before {url} answered:\n"
                                 f"{output_of(process).read()}")
        try:
            response = requests.get(url, timeout=1)
            if response.status_code == 200:
                return response
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            stop(process)
            raise AssertionError(f"{url} did not answer within {timeout}s:\n{output_of(process).read()}")
        time.sleep(0.1)


def stop(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 10.0) -> float:
    """Send ``sig``; return how long the process took to exit (kill it if it does not)."""
    started = time.monotonic()
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        output = output_of(process).read()
        raise AssertionError(f"the process did not stop within {timeout}s of {sig!r}:\n{output}") from None
    return time.monotonic() - started
