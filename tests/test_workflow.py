"""drift.sinks.workflow: GitHub's workflow commands, read back as the runner reads them."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drift.sinks import workflow

COMMAND = re.compile(r"^::([a-z-]+) ([^:]*)::(.*)$")


def unescape(text: str, *, property_value: bool = False) -> str:
    """The runner's decoding (actions/runner ActionCommand.cs): one pass, `%25` last."""
    pairs = [("%0D", "\r"), ("%0A", "\n")]
    if property_value:
        pairs += [("%3A", ":"), ("%2C", ",")]
    for escaped, plain in [*pairs, ("%25", "%")]:
        text = text.replace(escaped, plain)
    return text


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """One command line as the runner splits it: name, properties, message."""
    match = COMMAND.match(line)
    assert match, line
    name, given_properties, message = match.groups()
    properties = {}
    for item in filter(None, given_properties.split(",")):
        key, _, value = item.partition("=")
        properties[key] = unescape(value, property_value=True)
    return name, properties, unescape(message)


def read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's records as the runner reads them: `name<<DELIM`, lines, `DELIM`."""
    text = path.read_bytes().decode("utf-8")
    values: dict[str, str] = {}
    lines = text.split(os.linesep)
    i = 0
    while i < len(lines) and lines[i]:
        name, _, delimiter = lines[i].partition("<<")
        end = lines.index(delimiter, i + 1)
        values[name] = os.linesep.join(lines[i + 1 : end])
        i = end + 1
    return values


@pytest.fixture
def off_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@given(message=st.text(), title=st.text(), file=st.text(), line=st.integers(1, 10**6))
def test_an_annotation_is_one_line_that_decodes_to_what_was_given(
    message: str, title: str, file: str, line: int
) -> None:
    off_runner = mock.patch.dict(os.environ, {"GITHUB_ACTIONS": "false"})
    with off_runner, contextlib.redirect_stdout(io.StringIO()) as stdout:
        workflow.annotate("warning", message, title=title, file=file, line=line)
    out = stdout.getvalue()
    assert out.endswith("\n")
    assert "\n" not in out[:-1]  # one line, whatever the text held
    assert "\r" not in out
    name, properties, decoded = parse(out[:-1])
    assert name == "warning"
    assert properties == {"title": title, "file": file, "line": str(line)}
    assert decoded == message


def test_absent_properties_are_left_out(
    off_runner: None, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow.annotate("error", "boom")
    workflow.annotate("notice", "n", title="t", line=3)
    assert capsys.readouterr().out.splitlines() == ["::error ::boom", "::notice title=t,line=3::n"]


def test_stop_commands_uses_a_fresh_unguessable_token(
    off_runner: None, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = workflow.stop_commands(), workflow.stop_commands()
    workflow.resume_commands(first)
    assert first != second
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert capsys.readouterr().out.splitlines() == [
        f"::stop-commands ::{first}",
        f"::stop-commands ::{second}",
        f"::{first}::",
    ]


def test_on_a_runner_commands_are_utf8_bytes_after_the_text_before_them(
    monkeypatch: pytest.MonkeyPatch, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    print("before", end="\n")  # still buffered as text when the command is written
    workflow.annotate("notice", "schéma ✓")
    assert capfdbinary.readouterr().out == "before\n::notice ::schéma ✓\n".encode()


@given(value=st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_an_output_reads_back_whole_whatever_it_holds(
    value: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("output") / "output"
    path.touch()
    with mock.patch.dict(os.environ, {"GITHUB_OUTPUT": str(path)}):
        workflow.set_output("drifted-schemas", value)
        workflow.set_output("status", "drift")
    assert read_outputs(path) == {"drifted-schemas": value, "status": "drift"}


@pytest.mark.parametrize("name", ["", "a=b", "a<<b", "a\nb", "a\rb", "a\0b"])
def test_an_output_name_that_would_forge_a_record_is_refused(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "output"
    path.touch()
    monkeypatch.setenv("GITHUB_OUTPUT", str(path))
    with pytest.raises(ValueError, match="output name"):
        workflow.set_output(name, "x")
    assert path.read_bytes() == b""


def test_the_summary_is_appended_as_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "summary.md"
    path.write_bytes(b"# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    workflow.append_summary("## schéma")
    assert path.read_bytes() == "# earlier step\n## schéma\n".encode()


def test_text_that_cannot_be_encoded_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "summary.md"
    path.touch()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    with pytest.raises(UnicodeEncodeError):
        workflow.append_summary("lone surrogate \ud800")
    assert path.read_bytes() == b""
