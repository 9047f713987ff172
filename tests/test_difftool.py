"""`schema-drift diff OLD NEW`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import model, write_json


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drift", "diff", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    old = model("md.Bar", "1.0.0", price={"type": "number"}, note={"type": "string"})
    new = json.loads(json.dumps(old))
    new["properties"]["price"]["type"] = "integer"
    new["$core_version"] = "1.1.0"
    write_json(tmp_path / "old.json", old)
    write_json(tmp_path / "new.json", new)
    write_json(tmp_path / "same.json", old)
    return tmp_path


def test_json_output_and_exit_1_when_breaking(files: Path) -> None:
    result = run("old.json", "new.json", "--format", "json", cwd=files)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert (data["compatible"], data["mode"], data["policy"], data["severity"]) == (
        False,
        "full",
        "lenient",
        "breaking",
    )
    by_path = {c["path"]: c for c in data["changes"]}
    assert by_path["/properties/price/type"]["kind"] == "type_narrowed"
    assert by_path["/properties/price/type"]["breaks"] == ["backward"]
    assert by_path["/$core_version"]["severity"] == "cosmetic"
    line = by_path["/properties/price/type"]["line"]
    assert '"type": "number"' in (files / "old.json").read_text().splitlines()[line - 1]


def test_forward_mode_accepts_a_narrowing(files: Path) -> None:
    result = run("old.json", "new.json", "--mode", "forward", cwd=files)
    assert result.returncode == 0
    assert "compatible" in result.stdout.splitlines()[0]


def test_text_and_markdown(files: Path) -> None:
    text = run("old.json", "new.json", cwd=files).stdout
    assert "BREAKING" in text.splitlines()[0]
    assert "/properties/price/type" in text
    markdown = run("old.json", "new.json", "--format", "markdown", cwd=files).stdout
    assert "| severity | line | path | change | breaks |" in markdown
    assert "| breaking |" in markdown


def test_identical_files(files: Path) -> None:
    result = run("old.json", "same.json", "--format", "json", cwd=files)
    assert result.returncode == 0
    assert json.loads(result.stdout)["severity"] == "none"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.json", "new.json"), "OLD: missing.json: cannot read: No such file"),
        (("old.json", "new.json", "--mode", "sideways"), "--mode: 'sideways' is not accepted"),
        (("old.json", "new.json", "--format", "html"), "--format: 'html' is not accepted"),
        (("broken.json", "new.json"), "OLD: broken.json:1:2: invalid JSON"),
    ],
)
def test_errors_exit_2(files: Path, args: tuple[str, ...], message: str) -> None:
    (files / "broken.json").write_text("{")
    result = run(*args, cwd=files)
    assert result.returncode == 2
    assert message in result.stderr
