"""Bad flags: every one named at once, each command's own usage, hints that can work."""

from __future__ import annotations

from pathlib import Path

import pytest

from drift.cli import main
from tests.helpers import make_local, model


def test_diff_names_every_bad_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diff", "a.json", "b.json", "--mode", "bad", "--policy", "worse", "--format", "x"])
    err = capsys.readouterr().err
    assert code == 2
    for flag in ("--mode: 'bad'", "--policy: 'worse'", "--format: 'x'"):
        assert flag in err


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["diff", "a", "b", "--bogus"], "usage: schema-drift diff "),
        (["check", "--bogus"], "usage: schema-drift check "),
        (["registry", "serve", "d", "--bogus"], "usage: schema-drift registry serve "),
    ],
)
def test_an_unknown_flag_shows_that_commands_usage(
    argv: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert usage in err
    assert "unrecognized arguments: --bogus" in err
    assert "COMMAND ..." not in err  # not the top-level usage


def test_the_schema_dir_hint_never_repeats_the_failing_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_local(tmp_path / "contracts" / "schemas", {"md.A": model("md.A")})
    (tmp_path / ".hidden").mkdir()
    make_local(tmp_path / ".hidden", {"md.B": model("md.B")})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--registry-url", str(tmp_path)]) == 2  # default schema dir missing
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "--schema-dir" in x)
    assert "'tests/fixtures/schemas' is not a directory" in line
    hint = line.split("e.g.", 1)[1]
    assert "contracts/schemas" in hint
    assert "tests/fixtures/schemas" not in hint
    assert ".hidden" not in hint


def test_without_any_schema_files_the_hint_says_what_to_look_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--registry-url", str(tmp_path), "--schema-dir", "nope"]) == 2
    assert "point it at the directory of your *.json / *.yaml snapshots" in capsys.readouterr().err
