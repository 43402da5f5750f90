"""A TCP proxy on loopback that a test can cut, or take down for a while.

``TcpProxy(target_host, target_port)`` listens on a free port of 127.0.0.1 and forwards every
connection to the target. ``cut()`` closes every open connection at once (both sides);
``down()`` cuts them and resets every new connection until ``up()`` (an outage: the test
waits in between, so its own green threads go on). Put it between a service and its
database (or its broker) and the service sees the network fail, not the server.

Stdlib only. Under eventlet's monkey-patching (the test process is patched: the root
conftest) the proxy still runs in real OS threads over real sockets, so its data path never
waits for the test's green threads.
"""
from __future__ import annotations

import importlib
import struct
from typing import Set, Tuple


def _unpatched(name: str):
    """The standard library module ``name`` as it was before any monkey-patching."""
    try:
        from eventlet import patcher
    except ImportError:  # pragma: no cover - eventlet is a dependency of the platform
        return importlib.import_module(name)
    return patcher.original(name)


socket = _unpatched("socket")
select = _unpatched("select")
threading = _unpatched("threading")
time = _unpatched("time")

#: SO_LINGER on, zero seconds: close() sends a reset, as a dropped connection does
_RESET = struct.pack("ii", 1, 0)


def _hard_close(sock, close: bool = True) -> None:
    """Reset ``sock``: shut it down at once (which wakes a pump waiting on it in select()),
    then close it with a reset unless ``close`` is false (its pump closes it)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    if close:
        try:
            sock.close()
        except OSError:
            pass


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target_host``:``target_port``.

    Counts what it did, so a test can tell that a fault really hit something:
    ``accepted`` connections forwarded, ``cut_connections`` closed by ``cut``/``down``,
    ``refused`` connections reset while down, ``upstream_failures`` targets unreachable.
    """

    def __init__(self, target_host: str, target_port: int, name: str = "proxy",
                 connect_timeout: float = 5.0):
        self.target = (target_host, int(target_port))
        self.name = name
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._pairs: Set[Tuple[object, object]] = set()
        self._down = False
        self._closed = False
        self.accepted = self.refused = self.cut_connections = self.upstream_failures = 0
        self.cuts = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"{name}-accept", daemon=True)
        self._acceptor.start()

    def __repr__(self) -> str:
        return (f"<TcpProxy {self.name} :{self.port} -> {self.target[0]}:{self.target[1]} "
                f"{'down' if self._down else 'up'}, {self.stats()}>")

    def __enter__(self) -> "TcpProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- controls -------------------------------------------------------------------------------
    @property
    def is_down(self) -> bool:
        return self._down

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    def stats(self) -> dict:
        return {"accepted": self.accepted, "open": self.open_connections, "cuts": self.cuts,
                "cut_connections": self.cut_connections, "refused": self.refused,
                "upstream_failures": self.upstream_failures}

    def cut(self) -> int:
        """Close every open connection at once, both sides; returns how many there were."""
        with self._lock:
            pairs = list(self._pairs)
            self._pairs.clear()
            self.cuts += 1
            self.cut_connections += len(pairs)
        for client, upstream in pairs:  # each pump then closes its own sockets
            _hard_close(client, close=False)
            _hard_close(upstream, close=False)
        return len(pairs)

    def down(self) -> int:
        """From now on reset every new connection, and cut the open ones (returns how many)."""
        self._down = True
        return self.cut()

    def up(self) -> None:
        """Forward new connections again."""
        self._down = False

    def close(self) -> None:
        """Stop listening and cut everything (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.cut()
        try:
            self._listener.close()
        except OSError:
            pass
        self._acceptor.join(timeout=5)

    # -- the data path ------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.2)
                if not ready:
                    continue
                client, _address = self._listener.accept()
            except (OSError, ValueError):  # closed under us
                if self._closed:
                    return
                time.sleep(0.05)
                continue
            if self._down:
                with self._lock:
                    self.refused += 1
                _hard_close(client)
                continue
            threading.Thread(target=self._serve, args=(client,), name=f"{self.name}-conn",
                             daemon=True).start()

    def _serve(self, client) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=self.connect_timeout)
        except OSError:
            with self._lock:
                self.upstream_failures += 1
            _hard_close(client)
            return
        for sock in (client, upstream):
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = (client, upstream)
        with self._lock:
            if self._down or self._closed:  # went down while we connected
                self.refused += 1
                _hard_close(client)
                _hard_close(upstream)
                return
            self._pairs.add(pair)
            self.accepted += 1
        try:
            self._pump(client, upstream)
        finally:
            with self._lock:
                self._pairs.discard(pair)
            _hard_close(client)
            _hard_close(upstream)

    @staticmethod
    def _pump(client, upstream) -> None:
        other = {client: upstream, upstream: client}
        while True:
            try:
                readable, _, broken = select.select([client, upstream], [], [client, upstream], 1.0)
            except (OSError, ValueError):  # a socket was closed by cut()
                return
            if broken:
                return
            for sock in readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:  # one side closed: so does the other
                    return
                try:
                    other[sock].sendall(data)
                except OSError:
                    return
