"""`schema-drift registry serve`: the registry API over a directory, checked with its SDK."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from tests.conftest import ROOT
from tests.helpers import make_registry, model

Serve = Callable[..., RegistryHTTPServer]


@pytest.fixture
def served(tmp_path: Path, serve_registry: Serve) -> RegistryHTTPServer:
    return serve_registry(
        make_registry(
            tmp_path / "registry",
            [
                Published("md.Bar.schema", model("md.Bar"), "1.2.0"),
                Published("md.Old.schema", model("md.Old"), "1.0.0", True, "use md.Bar"),
            ],
            v2=[Published("md.Bar.schema", model("md.Bar", "2.0.0"), "2.0.0")],
        )
    )


def test_every_response_validates_against_the_registry_sdk(served: RegistryHTTPServer) -> None:
    sdk = pytest.importorskip("core_registry_client")
    models = pytest.importorskip("core_registry_client.models")

    async def exercise() -> None:
        async with sdk.RegistryClient(served.url) as client:
            index = await client.get_index()
            assert isinstance(index, models.RegistryIndex)
            assert {item.name for item in index.tracks["v1"].schemas} == {
                "md.Bar.schema",
                "md.Old.schema",
            }
            assert index.tracks["v2"].count == 1
            schema = await client.fetch_schema("v1", "md.Bar.schema")
            assert (schema.schema_id, schema.core_version) == ("md.Bar", "1.2.0")
            assert schema.content["$schema_id"] == "md.Bar"
            pinned = await client.fetch_schema("v1", "md.Bar.schema", version="1.2.0")
            assert pinned.sha256 == schema.sha256
            with pytest.raises(sdk.client.SchemaNotFoundError):
                await client.fetch_schema("v1", "md.Bar.schema", version="9.9.9")
            old = await client.fetch_schema("v1", "md.Old.schema")
            assert (old.deprecated, old.deprecation_note) == (True, "use md.Bar")
            by_id = await client.fetch_schema_by_id("md.Bar")
            assert by_id.name == "md.Bar.schema"
            [version] = await client.list_versions("v1", "md.Bar.schema")
            assert (version.core_version, version.sha256) == ("1.2.0", schema.sha256)

    asyncio.run(exercise())
    health = json.loads(get(served, "/health")[1])
    assert health["status"] == "healthy"
    assert set(health) == {"status", "timestamp", "checks", "version"}


def get(server: RegistryHTTPServer, path: str) -> tuple[int, bytes]:
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/schemas/v1/..%2F..%2Findex",
        "/schemas/v1/..%2F..%2F..%2Fetc%2Fpasswd",
        "/schemas/..%2F..%2F/index",
        "/schemas/v1/%2Fetc%2Fpasswd",
        "/schemas/v1/md.Bar.schema/versions/extra",
        "/nothing",
    ],
)
def test_paths_never_leave_the_registry_directory(served: RegistryHTTPServer, path: str) -> None:
    status, body = get(served, path)
    assert status == 404
    assert json.loads(body) == {"detail": "Not Found"}


def test_a_corrupt_file_is_a_server_error_not_a_404(tmp_path: Path, serve_registry: Serve) -> None:
    registry = make_registry(tmp_path / "r", [Published("md.Bar", model("md.Bar"))])
    (registry / "schemas" / "v1" / "md.Bar.json").write_text("{")
    status, body = get(serve_registry(registry), "/schemas/v1/md.Bar")
    assert status == 500
    assert "md.Bar.json" in json.loads(body)["detail"]


def test_http11_keep_alive_on_one_connection_with_nodelay(served: RegistryHTTPServer) -> None:
    host, port = served.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        sockets = []
        for _ in range(5):
            connection.request("GET", "/index")
            response = connection.getresponse()
            assert response.version == 11
            assert response.getheader("Connection") != "close"
            assert json.loads(response.read())["tracks"]
            sockets.append(connection.sock)
        # http.client reconnects when the server closes: one socket means keep-alive held.
        assert sockets[0] is not None
        assert all(sock is sockets[0] for sock in sockets)
    finally:
        connection.close()
    # A bare HTTP/1.1 request is answered in HTTP/1.1 too.
    with socket.create_connection((str(host), port)) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(12).startswith(b"HTTP/1.1 200")
    assert served.requests == 6


def test_nodelay_is_set_on_accepted_sockets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    original = socket.socket.setsockopt

    def spy(self: socket.socket, level: int, option: int, value: Any) -> None:
        if level == socket.IPPROTO_TCP and option == socket.TCP_NODELAY:
            seen.append(value)
        original(self, level, option, value)

    monkeypatch.setattr(socket.socket, "setsockopt", spy)
    registry = make_registry(tmp_path / "r", [Published("md.Bar", model("md.Bar"))])
    server = RegistryHTTPServer(registry, "127.0.0.1", 0)
    with socket.create_connection(server.server_address[:2]) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        server.handle_request()
        assert client.recv(12).startswith(b"HTTP/1.1 200")
    server.server_close()
    assert seen == [1]


def test_cli_serve_starts_prints_its_url_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "drift", "registry", "serve", "examples/registry", "--port", "0"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.startswith("serving examples/registry at http://127.0.0.1:")
        url = line.split(" at ", 1)[1].strip()
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/schemas/v1/md.Bar.schema")
        assert json.loads(connection.getresponse().read())["$schema_id"] == "md.Bar"
        connection.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()


def test_cli_serve_rejects_a_directory_without_index(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "drift", "registry", "serve", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "is not a registry directory" in result.stderr


def test_a_changed_file_is_served_fresh(tmp_path: Path, serve_registry: Serve) -> None:
    registry = make_registry(tmp_path / "r", [Published("md.Bar", model("md.Bar"))])
    server = serve_registry(registry)
    first = json.loads(get(server, "/schemas/v1/md.Bar")[1])
    assert first["content"]["title"] == "Bar"
    make_registry(tmp_path / "r", [Published("md.Bar", {**model("md.Bar"), "title": "Bar v2"})])
    second = json.loads(get(server, "/schemas/v1/md.Bar")[1])
    assert second["content"]["title"] == "Bar v2"
