"""scripts/fetch-peer-vectors: pinned, verified, all-or-nothing; the tests find its output."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import conftest
from tests.conftest import ROOT, shared_path

SCRIPT = ROOT / "scripts" / "fetch-peer-vectors"
NAMES = ("diff-schema-examples.json", "diff-combined-schema-examples.json", "recursive-schema.json")


def mirror(tmp_path: Path) -> Path:
    """A file:// mirror holding the team's copies of the three vector files."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    for name in NAMES:
        shutil.copyfile(shared_path("peer", "confluent", name), folder / name)
    return folder


def fetch(base: Path, dest: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--base-url", base.as_uri(), "--dest", str(dest)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_fetches_and_verifies_every_file(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    result = fetch(mirror(tmp_path), dest)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in dest.iterdir()) == sorted(NAMES)
    for name in NAMES:
        assert (dest / name).read_bytes() == shared_path("peer", "confluent", name).read_bytes()
        assert (dest / name).stat().st_mode & 0o777 == 0o644


def test_a_tampered_file_writes_nothing(tmp_path: Path) -> None:
    source = mirror(tmp_path)
    tampered = source / NAMES[1]
    tampered.write_bytes(tampered.read_bytes().replace(b"true", b"false", 1))
    dest = tmp_path / "out"
    result = fetch(source, dest)
    assert result.returncode == 2
    assert "SHA-256" in result.stderr
    assert NAMES[1] in result.stderr
    assert "Traceback" not in result.stderr
    assert not dest.exists()


def test_a_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    source = mirror(tmp_path)
    (source / NAMES[2]).unlink()
    result = fetch(source, tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert NAMES[2] in result.stderr


def test_the_pins_match_the_readme_of_the_team_copy() -> None:
    readme = shared_path("peer", "confluent", "README.md").read_text(encoding="utf-8")
    pinned = next(
        line.split('"')[1] for line in SCRIPT.read_text().splitlines() if line.startswith("COMMIT")
    )
    assert pinned in readme


def test_tests_read_fetched_vectors_when_shared_is_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched = tmp_path / "peer-fetched"
    result = fetch(mirror(tmp_path), fetched / "confluent")
    assert result.returncode == 0, result.stderr
    monkeypatch.setattr(conftest, "SHARED", tmp_path / "no-shared-here")
    monkeypatch.setattr(conftest, "PEER_FETCHED", fetched)
    assert conftest.shared_path("peer", "confluent", NAMES[0]) == fetched / "confluent" / NAMES[0]
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="scripts/fetch-peer-vectors"):
        conftest.shared_path("peer", "confluent", "not-a-vector.json")
