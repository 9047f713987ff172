from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import drift
from drift.registry.server import RegistryHTTPServer
from drift.report import DriftReport

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


PEER_FETCHED = ROOT / ".peer"  # where scripts/fetch-peer-vectors puts the peer vectors


def locate_shared(*parts: str) -> Path:
    """Where a ../shared file is: there, or for peer vectors, as fetched into .peer/."""
    path = SHARED.joinpath(*parts)
    if not path.exists() and parts[:1] == ("peer",):
        fetched = PEER_FETCHED.joinpath(*parts[1:])
        if fetched.exists():
            return fetched
    return path


def shared_path(*parts: str) -> Path:
    """A file under ../shared: skipped when absent, except under CI=true where that fails."""
    path = locate_shared(*parts)
    if not path.exists():
        message = f"{path} is absent (../shared sits beside the project only in team checkouts)"
        if parts[:1] == ("peer",):
            message += "; run scripts/fetch-peer-vectors to fetch the peer vectors"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return path


@cache
def report_validator() -> jsonschema.protocols.Validator:
    schema_file = Path(drift.__file__).parent / "schemas" / "drift-report.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)  # type: ignore[no-any-return]


def validate_report(data: Any) -> Any:
    errors = sorted(report_validator().iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "report does not match drift-report.schema.json:\n" + "\n".join(
        f"  {list(e.path)}: {e.message}" for e in errors
    )
    return data


@pytest.fixture(autouse=True)
def _every_report_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every report a test produces in-process is validated against the shipped JSON Schema."""
    original = DriftReport.to_dict

    def checked(self: DriftReport) -> dict[str, Any]:
        return validate_report(original(self))  # type: ignore[no-any-return]

    monkeypatch.setattr(DriftReport, "to_dict", checked)


@pytest.fixture
def serve_registry() -> Iterator[Callable[..., RegistryHTTPServer]]:
    """Start `schema-drift registry serve`'s server on an ephemeral loopback port."""
    running: list[tuple[RegistryHTTPServer, threading.Thread]] = []

    def start(root: Path, delay: float = 0.0) -> RegistryHTTPServer:
        server = RegistryHTTPServer(root, "127.0.0.1", 0, delay=delay)
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        running.append((server, thread))
        return server

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
