"""How runs that go wrong end: one line, exit 2, a report that says so, never a stale one.

Faults are injected into the engine in-process (monkeypatch) and in real processes (a
sitecustomize on PYTHONPATH that replaces drift.engine.check before the CLI imports it).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import drift.engine
import drift.report
from drift.action import main as action_main
from drift.cli import main
from drift.failure import MAX_MESSAGE_CHARS, Failure, exit_status
from drift.registry.build import Published
from tests.conftest import ROOT, validate_report
from tests.helpers import evolve, make_local, make_registry, model
from tests.test_action import Runner

BOOM = "the engine broke\non two lines"
ONE_LINE = "schema-drift: internal error: RuntimeError: the engine broke on two lines"
HINT = " (--debug shows the traceback)"
STALE = '{"a previous run": true}\n'

# Makes drift.engine.check raise in a real process, as a bug in the engine would.
SITECUSTOMIZE = """\
import os
_fault = os.environ.get("SD_TEST_ENGINE_FAULT")
if _fault:
    import drift.engine

    def _check(*args, **kwargs):
        if _fault == "interrupt":
            raise KeyboardInterrupt
        if _fault == "wait":  # until a signal comes, as a check waiting on a slow registry
            import signal, sys

            print("engine: waiting", file=sys.stderr, flush=True)
            while True:
                signal.pause()
        raise RuntimeError("the engine broke\\non two lines")

    drift.engine.check = _check
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a registry directory and one synced, one drifted snapshot."""
    bar, quote = model("md.Bar"), model("md.Quote")
    make_registry(
        tmp_path / "registry",
        [Published("md.Bar.schema", bar), Published("md.Quote.schema", evolve(quote))],
    )
    make_local(tmp_path / "schemas", {"md.Bar": bar, "md.Quote": quote})
    monkeypatch.chdir(tmp_path)
    return tmp_path


CHECK = ["check", "--registry-url", "registry", "--schema-dir", "schemas"]


def broken_engine(monkeypatch: pytest.MonkeyPatch, exc: BaseException | None = None) -> None:
    def check(*args: Any, **kwargs: Any) -> Any:
        raise exc if exc is not None else RuntimeError(BOOM)

    monkeypatch.setattr(drift.engine, "check", check)


def lines(text: str) -> list[str]:
    return text.splitlines()


# -- the command line, in-process ---------------------------------------------------------


def test_an_engine_exception_is_one_line_exit_2_and_a_report_saying_so(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "drift_report.json").write_text(STALE)
    broken_engine(monkeypatch)
    assert main(CHECK) == 2
    out, err = capsys.readouterr()
    assert (out, lines(err)) == ("", [ONE_LINE + HINT])
    report = validate_report(json.loads((repo / "drift_report.json").read_text()))
    assert report["errors"] == [
        {"schema": None, "file": None, "message": ONE_LINE.removeprefix("schema-drift: ")}
    ]
    assert (report["total_schemas"], report["track"], report["registry_url"]) == (
        0,
        "v1",
        "registry",
    )


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_prints_the_traceback_before_the_line(
    where: str, repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken_engine(monkeypatch)
    argv = ["--debug", *CHECK] if where == "before" else [*CHECK, "--debug"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "RuntimeError: the engine broke\non two lines\n" in err
    assert lines(err)[-1] == ONE_LINE  # no hint: the traceback is right there


def test_an_interrupt_is_exit_2_and_the_report_says_it_did_not_finish(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken_engine(monkeypatch, KeyboardInterrupt())
    assert main(CHECK) == 2
    assert capsys.readouterr().err == "schema-drift: interrupted\n"
    report = validate_report(json.loads((repo / "drift_report.json").read_text()))
    assert [e["message"] for e in report["errors"]] == ["interrupted before the check finished"]


def test_a_crash_after_the_check_keeps_its_findings_in_the_report(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def render_text(*args: Any) -> str:
        raise ValueError("the console broke")

    monkeypatch.setattr("drift.console.render_text", render_text)
    assert main(CHECK) == 2
    err = capsys.readouterr().err
    assert lines(err) == ["schema-drift: internal error: ValueError: the console broke" + HINT]
    report = validate_report(json.loads((repo / "drift_report.json").read_text()))
    assert (report["synced"], report["drifted"]) == (1, 1)  # the findings survive
    assert [e["message"] for e in report["errors"]] == [
        "internal error: ValueError: the console broke"
    ]


def test_a_long_message_stays_one_short_line() -> None:
    failure = Failure.of(RuntimeError("x" * 10_000 + "\n" + "y"))
    line = failure.line(debug=False)
    assert "\n" not in line
    assert len(failure.text) <= len("RuntimeError: ") + MAX_MESSAGE_CHARS
    assert failure.text.endswith("…")
    assert (
        Failure.of(RuntimeError()).line(debug=True) == "schema-drift: internal error: RuntimeError"
    )


def test_an_unwritable_output_removes_the_previous_report_and_says_so(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = repo / "drift_report.json"
    stale.write_text(STALE)

    def disk_full(data: Any) -> str:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(drift.report, "dumps_readable", disk_full)
    assert main(CHECK) == 2
    assert lines(capsys.readouterr().err) == [
        f"schema-drift: error: cannot write --output {stale}: No space left on device",
        f"schema-drift: removed the previous run's report at {stale}: this run wrote none",
    ]
    assert not stale.exists()
    assert not list(repo.glob(".drift_report.json.*"))  # no temporary file left either


def test_an_internal_error_that_cannot_write_its_report_removes_the_old_one(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = repo / "drift_report.json"
    stale.write_text(STALE)
    broken_engine(monkeypatch)

    def disk_full(data: Any) -> str:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(drift.report, "dumps_readable", disk_full)
    assert main(CHECK) == 2
    assert lines(capsys.readouterr().err) == [
        ONE_LINE + HINT,
        f"schema-drift: cannot write the report to {stale}: No space left on device; "
        f"removed the previous run's report at {stale}: this run wrote none",
    ]
    assert not stale.exists()


def test_an_output_under_a_file_is_one_line_naming_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "afile").write_text("not a directory")
    assert main([*CHECK, "--output", "afile/report.json"]) == 2
    assert lines(capsys.readouterr().err) == [
        f"schema-drift: error: cannot write --output {repo / 'afile/report.json'}: Not a directory"
    ]


def test_an_output_that_is_a_directory_is_left_alone(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "out").mkdir()
    (repo / "out" / "keep.txt").write_text("mine")
    assert main([*CHECK, "--output", "out"]) == 2
    assert lines(capsys.readouterr().err) == [
        f"schema-drift: error: cannot write --output {repo / 'out'}: Is a directory"
    ]
    assert (repo / "out" / "keep.txt").read_text() == "mine"


def test_a_bad_flag_removes_the_previous_report(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = repo / "elsewhere.json"
    stale.write_text(STALE)
    assert main([*CHECK, "--track", "v9", "--output", "elsewhere.json"]) == 2
    err = lines(capsys.readouterr().err)
    assert err[0].startswith("schema-drift: error: --track: 'v9' is not a registry track")
    assert (
        err[-1]
        == f"schema-drift: removed the previous run's report at {stale}: this run wrote none"
    )
    assert not stale.exists()


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--help"], 0),
        (["check", "--help"], 0),
        (["registry", "serve", "--help"], 0),
        (["--version"], 0),
        ([], 2),
        (["check", "--no-such-flag"], 2),
        (["sideways"], 2),
    ],
)
def test_argparse_exits_become_return_codes(
    argv: list[str], code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert (out if code == 0 else err).strip()  # help/version on stdout, usage on stderr


@pytest.mark.parametrize("code", [None, 0, 1, 2, 3, "text"])
def test_a_system_exit_is_never_read_as_drift(code: object) -> None:
    assert exit_status(code) == (0 if code in (None, 0) else 2)


def test_any_other_error_a_command_raises_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def pull(*args: Any, **kwargs: Any) -> Any:
        raise LookupError("no such thing")

    monkeypatch.setattr("drift.pull.pull", pull)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemas").mkdir()
    make_registry(tmp_path / "registry", [Published("md.Bar", model("md.Bar"))])
    assert main(["pull", "--registry-url", "registry", "--schema-dir", "schemas"]) == 2
    assert capsys.readouterr().err == (
        "schema-drift: internal error: LookupError: no such thing" + HINT + "\n"
    )


# -- real processes -----------------------------------------------------------------------


@pytest.fixture
def hook(tmp_path: Path) -> Path:
    directory = tmp_path / "hook"
    directory.mkdir()
    (directory / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return directory


def run_process(
    command: list[str], cwd: Path, hook: Path, fault: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(hook), "SD_TEST_ENGINE_FAULT": fault, **env},
        capture_output=True,
        text=True,
        check=False,
    )


COMMANDS = {
    "python -m drift": [sys.executable, "-m", "drift"],
    "schema-drift": [str(Path(sys.executable).parent / "schema-drift")],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_real_process_with_a_broken_engine_exits_2_with_one_line(
    command: str, repo: Path, hook: Path
) -> None:
    (repo / "drift_report.json").write_text(STALE)
    result = run_process([*COMMANDS[command], *CHECK], repo, hook, "raise")
    assert result.returncode == 2
    assert (result.stdout, result.stderr) == ("", ONE_LINE + HINT + "\n")
    report = validate_report(json.loads((repo / "drift_report.json").read_text()))
    assert report["errors"][0]["message"].startswith("internal error: RuntimeError:")

    debug = run_process([*COMMANDS[command], "--debug", *CHECK], repo, hook, "raise")
    assert debug.returncode == 2
    assert debug.stderr.startswith("Traceback (most recent call last):")
    assert 'sitecustomize.py", line' in debug.stderr  # the frame that raised
    assert lines(debug.stderr)[-1] == ONE_LINE


def test_a_real_interrupt_exits_2_not_130(repo: Path, hook: Path) -> None:
    result = run_process([sys.executable, "-m", "drift", *CHECK], repo, hook, "interrupt")
    assert (result.returncode, result.stderr) == (2, "schema-drift: interrupted\n")


def test_sigterm_ends_a_check_like_an_interrupt(repo: Path, hook: Path) -> None:
    (repo / "drift_report.json").write_text(STALE)
    process = subprocess.Popen(
        [sys.executable, "-m", "drift", *CHECK],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(hook), "SD_TEST_ENGINE_FAULT": "wait"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline() == "engine: waiting\n"
        terminated(process, repo)
    finally:
        process.kill()
        process.wait()


def terminated(process: subprocess.Popen[str], repo: Path) -> None:
    """SIGTERM ends the check at once, in exit 2, with one line and a report saying so."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 2
    assert process.stderr is not None
    assert process.stderr.read() == "schema-drift: interrupted\n"
    report = validate_report(json.loads((repo / "drift_report.json").read_text()))
    assert [e["message"] for e in report["errors"]] == ["interrupted before the check finished"]


def test_sigterm_ends_a_check_waiting_on_a_registry_that_never_answers(repo: Path) -> None:
    """The main thread waits on a pool thread's request: the signal still ends it at once."""
    (repo / "drift_report.json").write_text(STALE)
    asked = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def accept_and_hang() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)  # the GET /index: never answered
                asked.set()
                connection.recv(65536)  # until the client hangs up

        server = threading.Thread(target=accept_and_hang, daemon=True)
        server.start()
        url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [sys.executable, "-m", "drift", "check", "--registry-url", url,
             "--schema-dir", "schemas", "--timeout", "300"],
            cwd=repo, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            assert asked.wait(timeout=30)
            terminated(process, repo)  # within 30 s: not the 300 s timeout
        finally:
            process.kill()
            process.wait()


def test_help_exits_0_in_a_real_process() -> None:
    for argv in (["--help"], ["check", "--help"], ["diff", "--help"]):
        result = subprocess.run(
            [sys.executable, "-m", "drift", *argv], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, argv
        assert "usage: schema-drift" in result.stdout


def test_the_process_entry_turns_an_escaped_exception_into_one_line() -> None:
    # main() handles its own failures; run() is the net under a bug in that handling.
    for body, expected in (
        ("raise ValueError('bad')", "schema-drift: internal error: ValueError: bad" + HINT),
        ("raise SystemExit('a message')", "a message"),
    ):
        program = f"from drift.cli import run\ndef entry():\n    {body}\nrun(entry)\n"
        result = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, check=False
        )
        assert result.returncode == 2, body
        assert lines(result.stderr) == [expected]


# -- a port in use ------------------------------------------------------------------------


@pytest.fixture
def held_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("command", ["serve", "watch"])
def test_a_port_in_use_is_one_line_and_exit_2(command: str, held_port: int) -> None:
    argv = {
        "serve": ["registry", "serve", "examples/registry", "--port", str(held_port)],
        "watch": [
            "watch",
            "--registry-url",
            "examples/registry",
            "--schema-dir",
            "examples/schemas",
            "--metrics-port",
            str(held_port),
        ],
    }[command]
    result = subprocess.run(
        [sys.executable, "-m", "drift", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    flag = "--port" if command == "serve" else "--metrics-port"
    assert result.returncode == 2
    [line] = lines(result.stderr)
    assert line.startswith(
        f"schema-drift: error: {flag}: cannot listen on 127.0.0.1:{held_port} "
        "(Address already in use)"
    )
    assert f"{flag} 0 picks a free one" in line


# -- the action ---------------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    runner = Runner(tmp_path, monkeypatch)
    bar = model("md.Bar")
    make_registry(runner.workspace / "registry", [Published("md.Bar.schema", bar)])
    make_local(runner.workspace / "schemas", {"md.Bar": bar})
    return runner


ACTION_INPUTS = {"registry_url": "registry", "schema_dir": "schemas"}
ANNOTATION = (
    "::error title=schema-drift%3A check failed::"
    "internal error: RuntimeError: the engine broke on two lines"
)


def test_the_action_reports_an_internal_error_in_outputs_summary_and_report(
    runner: Runner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (runner.workspace / "drift_report.json").write_text(STALE)
    broken_engine(monkeypatch)
    code, out = runner.run(capsys, **ACTION_INPUTS)
    assert code == 2
    assert f"{ANNOTATION} (re-run with debug logging for the traceback)" in lines(out)
    assert "Traceback" not in out + capsys.readouterr().err
    outputs = runner.outputs
    assert (outputs["status"], outputs["exit-code"]) == ("error", "2")
    assert outputs["report-path"] == "drift_report.json"  # this run's: the upload takes it
    summary = runner.summary.read_text()
    assert "## 🛑 Schema drift: the check failed" in summary
    assert "internal error: RuntimeError: the engine broke on two lines" in summary
    assert "This is a bug in schema-drift" in summary
    report = validate_report(json.loads((runner.workspace / "drift_report.json").read_text()))
    assert report["errors"][0]["message"].startswith("internal error: RuntimeError")


def test_the_action_prints_the_traceback_under_runner_debug(
    runner: Runner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken_engine(monkeypatch)
    runner.apply({**runner.env(**ACTION_INPUTS), "RUNNER_DEBUG": "1"})
    assert action_main(cwd=runner.workspace) == 2
    out, err = capsys.readouterr()
    assert err.startswith("Traceback (most recent call last):")
    assert ANNOTATION in lines(out)  # no hint: the traceback is in the log


def test_the_action_removes_a_stale_report_it_cannot_replace(
    runner: Runner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = runner.workspace / "drift_report.json"
    stale.write_text(STALE)
    (runner.workspace / "old.sarif").write_text("{}")
    broken_engine(monkeypatch)

    def disk_full(data: Any) -> str:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(drift.report, "dumps_readable", disk_full)
    code, out = runner.run(capsys, **ACTION_INPUTS, sarif_path="old.sarif")
    assert code == 2
    assert not stale.exists()
    assert not (runner.workspace / "old.sarif").exists()
    assert runner.outputs["report-path"] == ""  # nothing of this run's to upload
    assert runner.outputs["status"] == "error"
    assert f"removed the previous run's report at {stale}" in out
    assert "removed the previous run's report" in runner.summary.read_text()


def test_a_crash_late_in_the_action_keeps_this_runs_findings_and_sarif(
    runner: Runner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def emit_annotations(*args: Any) -> None:
        raise TypeError("annotations broke")

    monkeypatch.setattr("drift.sinks.github.emit_annotations", emit_annotations)
    code, out = runner.run(capsys, **ACTION_INPUTS, sarif_path="this.sarif")
    assert code == 2
    assert "internal error: TypeError: annotations broke" in out
    assert json.loads((runner.workspace / "this.sarif").read_text())["version"] == "2.1.0"
    report = validate_report(json.loads((runner.workspace / "drift_report.json").read_text()))
    assert report["synced"] == 1
    assert [e["message"] for e in report["errors"]] == [
        "internal error: TypeError: annotations broke"
    ]
    assert (runner.outputs["status"], runner.outputs["exit-code"]) == ("error", "2")


def test_the_action_with_bad_inputs_removes_the_previous_report(
    runner: Runner, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = runner.workspace / "drift_report.json"
    stale.write_text(STALE)
    code, out = runner.run(capsys, registry_url="registry", schema_dir="schemas", mode="sideways")
    assert code == 2
    assert not stale.exists()
    assert runner.outputs["report-path"] == ""
    assert (runner.outputs["status"], runner.outputs["exit-code"]) == ("error", "2")
    assert "::error title=schema-drift%3A cannot run::input 'mode'" in out


def test_the_action_entrypoint_in_a_real_process_with_a_broken_engine(
    runner: Runner, hook: Path
) -> None:
    env = runner.env(**ACTION_INPUTS)
    result = run_process(
        [sys.executable, str(ROOT / "entrypoint.py")], runner.workspace, hook, "raise", **env
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{ANNOTATION} (re-run with debug logging for the traceback)" in lines(result.stdout)
    assert (runner.outputs["status"], runner.outputs["exit-code"]) == ("error", "2")
    assert "the check failed" in runner.summary.read_text()
    report = validate_report(json.loads((runner.workspace / "drift_report.json").read_text()))
    assert report["errors"][0]["message"].startswith("internal error: RuntimeError")


def test_the_action_entrypoint_without_an_importable_engine(tmp_path: Path) -> None:
    # A half-installed engine: a checkout whose drift package fails on import.
    checkout = tmp_path / "checkout"
    (checkout / "drift").mkdir(parents=True)
    (checkout / "drift" / "__init__.py").write_text("raise ImportError('half installed')\n")
    (checkout / "entrypoint.py").write_text((ROOT / "entrypoint.py").read_text())
    (tmp_path / "drift_report.json").write_text(STALE)
    outputs = tmp_path / "outputs.txt"
    result = subprocess.run(
        [sys.executable, str(checkout / "entrypoint.py")],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(outputs)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert (
        "::error title=schema-drift%3A check failed::internal error: cannot load the engine: "
        "ImportError: half installed"
    ) in result.stdout
    assert "status=error\nexit-code=2\n" in outputs.read_text()
    assert not (tmp_path / "drift_report.json").exists()


def test_a_report_is_readable_by_others_as_any_new_file_is(tmp_path: Path) -> None:
    # mkstemp makes 0o600 files: a report the Docker engine (root) writes must stay
    # readable by the runner user's upload step.
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "report.json"
    drift.report.write_json(path, {"a": 1})
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
