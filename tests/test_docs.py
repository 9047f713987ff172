"""The README documents what the code does: flags and defaults come from one place."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from drift.cli import build_parser
from drift.settings import DEFAULTS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_table(heading: str) -> dict[str, str]:
    """`| `--flag ARG` | default | … |` rows of the table under a heading: flag → default."""
    section = README.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(--[a-z-]+)[^`]*` \| ([^|]+) \|", section, flags=re.MULTILINE)
    return {flag: default.strip().strip("`") for flag, default in rows}


def check_flags() -> set[str]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    check = subparsers.choices["check"]  # type: ignore[attr-defined]
    return {
        option
        for action in check._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


def test_readme_lists_every_check_flag_with_its_default() -> None:
    table = readme_table("## `schema-drift check`")
    assert set(table) == check_flags()
    for flag, default in table.items():
        name = flag.removeprefix("--")
        if name in DEFAULTS and name not in (
            "include-new",
            "quiet",
            "emit-telemetry",
            "strict-telemetry",
        ):
            assert default == DEFAULTS[name], flag


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "schema-drift"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("schema-drift ")


def test_the_readme_quick_start_output_is_what_the_example_prints(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "drift",
            "check",
            "--registry-url",
            "examples/registry",
            "--schema-dir",
            "examples/schemas",
            "--output",
            str(tmp_path / "r.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    shown = README.split("```text\n", 1)[1].split("```", 1)[0]
    expected = [line for line in shown.splitlines() if not line.startswith("report:")]
    actual = [line for line in result.stderr.splitlines() if not line.startswith("report:")]
    timing = re.compile(r"\d+\.\d\d s\)")
    assert [timing.sub("", x) for x in actual] == [timing.sub("", x) for x in expected]


def test_the_quick_start_needs_no_third_party_package(tmp_path: Path) -> None:
    # -S: no site-packages at all, as on a fresh machine before any install.
    result = subprocess.run(
        [sys.executable, "-S", "-m", "drift", "check", "--registry-url", "examples/registry",
         "--schema-dir", "examples/schemas", "--output", str(tmp_path / "r.json")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "DRIFT    md.Trade" in result.stderr


def _action_yml() -> dict[str, Any]:
    import yaml

    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return loaded


def _markdown_rows(heading: str) -> list[list[str]]:
    section = README.split(heading, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_readme_inputs_table_is_action_yml_word_for_word() -> None:
    """Name, default and description of every input, in action.yml's order."""
    expected = []
    for name, spec in _action_yml()["inputs"].items():
        default = str(spec.get("default", ""))
        shown = f"`{default}`" if default else "(empty)"
        if spec.get("required"):
            shown = "(required)"
        expected.append([f"`{name}`", shown, spec["description"].strip()])
    assert _markdown_rows("### Inputs") == expected


def test_readme_outputs_table_is_action_yml_word_for_word() -> None:
    expected = [
        [f"`{name}`", spec["description"].strip()]
        for name, spec in _action_yml()["outputs"].items()
    ]
    assert _markdown_rows("### Outputs") == expected
