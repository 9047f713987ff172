"""Files the engine writes get the modes a user's other tools expect (issue: 0600 reports).

Under `engine: docker` the container writes as root and the runner user's
upload-artifact / upload-sarif steps must read the report, the SARIF and pulled
snapshots; so new files get the umask's mode and rewritten files keep theirs.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from drift.cli import main
from drift.files import write_text_atomic
from drift.registry.build import Published
from drift.report import DriftReport, write_json
from drift.sinks.sarif import write_sarif
from tests.conftest import ROOT
from tests.helpers import evolve, make_local, make_registry, model


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o027, 0o002], ids=["umask-022", "umask-027", "umask-002"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_new_files_get_the_umask_mode(tmp_path: Path, umask: int) -> None:
    report = DriftReport(track="v1", registry_url="r", generated_at="", schemas=[])
    write_json(tmp_path / "out" / "report.json", report.to_dict())
    write_sarif(report, tmp_path / "drift.sarif")
    write_text_atomic(tmp_path / "plain.txt", "x\n")
    for name in ("out/report.json", "drift.sarif", "plain.txt"):
        assert mode(tmp_path / name) == 0o666 & ~umask, name
    assert not [p.name for p in tmp_path.rglob(".*")], "no temporary file is left behind"


def test_a_rewritten_file_keeps_its_mode(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "kept.json"
    target.write_text("{}\n")
    target.chmod(0o640)
    write_text_atomic(target, '{"a": 1}\n')
    assert (mode(target), target.read_text()) == (0o640, '{"a": 1}\n')


def test_a_taken_temporary_name_is_drawn_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draws = iter([b"\x00" * 6, b"\x00" * 6, b"\x01" * 6])
    monkeypatch.setattr(os, "urandom", lambda size: next(draws))
    taken = tmp_path / f".out.txt.{'00' * 6}"
    taken.write_text("another writer's")
    write_text_atomic(tmp_path / "out.txt", "x\n")
    assert (tmp_path / "out.txt").read_text() == "x\n"
    assert taken.read_text() == "another writer's"
    assert sorted(p.name for p in tmp_path.iterdir()) == [taken.name, "out.txt"]


def test_pull_writes_new_snapshots_0644_and_keeps_an_existing_mode(
    tmp_path: Path, serve_registry: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    bar, quote = model("md.Bar"), model("md.Quote")
    server = serve_registry(  # type: ignore[operator]
        make_registry(
            tmp_path / "registry",
            [Published("md.Bar.schema", evolve(bar), "1.1.0"), Published("md.Quote.schema", quote)],
        )
    )
    local = make_local(tmp_path / "local", {"md.Bar": bar})
    (local / "md.Bar.json").chmod(0o644)
    monkeypatch.chdir(tmp_path)
    previous = os.umask(0o022)
    try:
        assert main(["pull", "--registry-url", server.url, "--schema-dir", "local", "--quiet"]) == 0
    finally:
        os.umask(previous)
    assert json.loads((local / "md.Bar.json").read_text())["properties"] != bar["properties"]
    assert mode(local / "md.Bar.json") == 0o644  # was 0600 through mkstemp
    assert mode(local / "md.Quote.json") == 0o644
    assert mode(local / "_metadata.json") == 0o644


@pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root to write as root and read as another user"
)
def test_a_report_written_by_root_is_readable_by_another_user() -> None:
    # pytest's tmp_path sits in a 0700 directory of root's: use one others may enter.
    folder = Path(tempfile.mkdtemp(prefix="schema-drift-modes-"))
    folder.chmod(0o755)
    try:
        _written_by_root_read_by_nobody(folder)
    finally:
        shutil.rmtree(folder)


def _written_by_root_read_by_nobody(tmp_path: Path) -> None:
    output = tmp_path / "drift_report.json"
    result = subprocess.run(
        [sys.executable, "-m", "drift", "check", "--registry-url", "examples/registry",
         "--schema-dir", "examples/schemas", "--output", str(output), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    as_nobody = subprocess.run(
        ["cat", str(output)], user=65534, group=65534, capture_output=True, check=False
    )
    assert as_nobody.returncode == 0, as_nobody.stderr
    assert json.loads(as_nobody.stdout)["drifted"] == 1
