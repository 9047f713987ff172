"""Real telemetry servers on ephemeral loopback ports: a Prometheus Pushgateway and Redis.

Use them from a test module with `pytest_plugins = ("tests.telemetry_servers",)`.
The binaries are the Debian packages' (scripts/test installs them): absent, the tests
that need them are skipped, except under CI=true where that fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

PUSHGATEWAY = "/usr/bin/prometheus-pushgateway"
PROMTOOL = "/usr/bin/promtool"
REDIS_SERVER = "/usr/bin/redis-server"
READY_TIMEOUT = 15.0


def binary(path: str, package: str) -> str:
    """An absolute binary path; skipped when absent, a failure under CI=true."""
    if not os.access(path, os.X_OK):
        message = f"{path} is not installed (apt-get install {package}; scripts/test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return path


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _start(
    argv: Callable[[int], Sequence[str]],
    url: Callable[[int], str],
    ready: Callable[[int], bool],
    log: Path,
) -> Server:
    """Start on a free port and poll `ready` until it holds (bounded); retry a lost port race."""
    for _attempt in range(3):
        port = free_port()
        with log.open("ab") as out:
            process = subprocess.Popen(argv(port), stdout=out, stderr=subprocess.STDOUT)
        server = Server(url(port), process, log)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if ready(port):
                return server
            time.sleep(0.02)
        server.stop()
        if "address already in use" not in log.read_text(errors="replace").lower():
            break
    pytest.fail(f"{argv(0)[0]} did not become ready:\n{log.read_text(errors='replace')[-2000:]}")


def _http_ok(url: str, auth: tuple[str, str] | None = None) -> bool:
    try:
        return httpx.get(url, auth=auth, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def promtool() -> str:
    """Prometheus's promtool, to check and unit-test alert rules."""
    return binary(PROMTOOL, "prometheus")


StartPushgateway = Callable[..., Server]


@pytest.fixture
def start_pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartPushgateway]:
    """start(web_config=None, auth=None): a Pushgateway, in memory only, stopped at teardown.

    `web_config` is a `--web.config.file` (basic auth, TLS); `auth` the (user, password)
    the readiness probe then needs.
    """
    path = binary(PUSHGATEWAY, "prometheus-pushgateway")
    running: list[Server] = []

    def start(web_config: Path | None = None, auth: tuple[str, str] | None = None) -> Server:
        def argv(port: int) -> list[str]:
            # Debian's default --persistence.file is /var/lib/prometheus/pushgateway.data:
            # every instance would share (and restore) the groups pushed there.
            args = [path, f"--web.listen-address=127.0.0.1:{port}", "--persistence.file="]
            return args + ([f"--web.config.file={web_config}"] if web_config else [])

        log = tmp_path_factory.mktemp("pushgateway") / "pushgateway.log"
        server = _start(
            argv,
            lambda port: f"http://127.0.0.1:{port}",
            lambda port: _http_ok(f"http://127.0.0.1:{port}/-/ready", auth),
            log,
        )
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def pushgateway(start_pushgateway: StartPushgateway) -> Server:
    """A Pushgateway without auth; `.url` is its base URL."""
    return start_pushgateway()


def _redis_pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _redis_argv(path: str, workdir: Path) -> Callable[[int], list[str]]:
    def argv(port: int) -> list[str]:
        return [
            path,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ]

    return argv


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis without persistence; yields its redis:// URL."""
    path = binary(REDIS_SERVER, "redis-server")
    workdir = tmp_path_factory.mktemp("redis")
    server = _start(
        _redis_argv(path, workdir),
        lambda port: f"redis://127.0.0.1:{port}/0",
        _redis_pong,
        workdir / "redis.log",
    )
    yield server.url
    server.stop()


@dataclass
class RestartableRedis:
    """A Redis without persistence that can be stopped and started again on its port."""

    url: str
    port: int
    argv: Callable[[int], list[str]]
    log: Path
    server: Server | None = None

    def start(self) -> None:
        argv = self.argv(self.port)
        self.server = _start(
            lambda _: argv, lambda _: self.url, lambda _: _redis_pong(self.port), self.log
        )

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def restartable_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableRedis]:
    """A running Redis; `.stop()` it and `.start()` it again (empty) on the same port."""
    path = binary(REDIS_SERVER, "redis-server")
    workdir = tmp_path_factory.mktemp("redis")
    port = free_port()
    redis = RestartableRedis(
        f"redis://127.0.0.1:{port}/0", port, _redis_argv(path, workdir), workdir / "redis.log"
    )
    redis.start()
    yield redis
    redis.stop()
