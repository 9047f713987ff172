"""How a run that went wrong ends: one line, exit 2, and never a previous run's report.

Every run ends in exit 0, 1 or 2, and 1 means drift. Whatever escapes the
engine — a bug, a Ctrl-C, an error the engine raised for the user — becomes
one line on stderr (the traceback only when asked for), a report that says what
failed where the run's report belongs, and exit 2. When no report can be
written there, the previous run's is removed, so nothing downstream (an
artifact upload, a dashboard) reads an old verdict as this run's.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn, Protocol, TextIO

from drift.errors import DriftError
from drift.records import Row

if TYPE_CHECKING:
    from drift.report import DriftReport
    from drift.vocabulary import Mode, Policy


class RunSettings(Protocol):
    """What a failed run's report needs of its settings (check's, compare's, migrate's)."""

    @property
    def track(self) -> str: ...
    @property
    def public_registry_url(self) -> str: ...
    @property
    def mode(self) -> Mode: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def output(self) -> Path: ...


PROG = "schema-drift"
MAX_MESSAGE_CHARS = 500  # an exception's text can hold a whole document: one line stays short
DEBUG_HINT = "--debug shows the traceback"


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` on one line (whitespace runs collapsed), cut to `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Failure(Row):
    """What ended a run, in words for the person reading the log."""

    kind: str  # "error" (the user can fix it), "internal error" (a bug), "interrupted"
    text: str  # one line; empty for "interrupted"

    @classmethod
    def of(cls, exc: BaseException) -> Failure:
        if isinstance(exc, KeyboardInterrupt):
            return cls("interrupted", "")
        if isinstance(exc, DriftError):
            return cls("error", one_line(str(exc)))
        message = one_line(str(exc))
        name = type(exc).__name__
        return cls("internal error", f"{name}: {message}" if message else name)

    @property
    def internal(self) -> bool:
        return self.kind == "internal error"

    @property
    def problem(self) -> str:
        """The failure as the report's error and the action's annotation state it."""
        if self.kind == "interrupted":
            return "interrupted before the check finished"
        return f"{self.kind}: {self.text}" if self.internal else self.text

    def line(self, *, debug: bool, prog: str = PROG) -> str:
        if self.kind == "interrupted":
            return f"{prog}: interrupted"
        hint = f" ({DEBUG_HINT})" if self.internal and not debug else ""
        return f"{prog}: {self.kind}: {self.text}{hint}"


def print_traceback(exc: BaseException, stream: TextIO | None = None) -> None:
    """The traceback `--debug` asks for (traceback is imported only then: it is not small)."""
    import traceback  # noqa: PLC0415

    traceback.print_exception(exc, file=sys.stderr if stream is None else stream)


def tell(exc: BaseException, *, debug: bool, stream: TextIO | None = None) -> Failure:
    """Print the failure's one line (after its traceback, with `debug`); return it."""
    stream = sys.stderr if stream is None else stream
    failure = Failure.of(exc)
    if debug:
        print_traceback(exc, stream)
    print(failure.line(debug=debug), file=stream, flush=True)
    return failure


def exit_status(code: object) -> int:
    """SystemExit's code as 0 or 2: --help and --version are 0; anything else, argparse's
    usage errors included, is 2 (1 means drift, which a SystemExit never is)."""
    return 0 if code is None or code == 0 else 2


def ended(exc: SystemExit) -> int:
    """A SystemExit as an exit status, its message printed as the interpreter would."""
    if isinstance(exc.code, str):
        print(exc.code, file=sys.stderr, flush=True)
    return exit_status(exc.code)


def debug_from_env(env: Mapping[str, str]) -> bool:
    """GitHub's debug logging (re-run with debug, or the ACTIONS_STEP_DEBUG secret)."""
    return env.get("RUNNER_DEBUG") == "1" or env.get("ACTIONS_STEP_DEBUG", "").lower() == "true"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_process(entry: Callable[[], int]) -> NoReturn:
    """A process's whole life: the console script, `python -m drift` and the action.

    A check is one short run that keeps most of what it allocates until it ends:
    the cyclic GC would rescan all of it again and again to reclaim a few MB of
    cycles (15 ms of an all-synced check of 1000 schemas, 50 ms of an all-drifted
    one), and the interpreter's teardown would then free it object by object. So
    the collector is off (the commands that keep running turn it back on) and,
    once `entry` has returned and the streams are flushed, the process ends with
    os._exit. `entry` handles its own failures; what still escapes it (a bug in
    that handling) ends the same way: one line, exit 2. SIGTERM (a cancelled CI
    job, `docker stop`) interrupts like Ctrl-C, so it too ends in exit 2 and a report.
    It lives here, not in drift.cli, so the action starts without argparse.
    """
    gc.disable()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = entry()
    except SystemExit as exc:
        code = ended(exc)
    except BaseException as exc:  # the last net: every run ends 0, 1 or 2
        tell(exc, debug="--debug" in sys.argv[1:] or debug_from_env(os.environ))
        code = 2
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to lose
            stream.flush()
    os._exit(code)


def cannot_listen(port_flag: str, host_flag: str, host: str, port: int, exc: OSError) -> str:
    """A server that cannot bind (a port in use, an address not ours), in one line."""
    reason = exc.strerror or one_line(str(exc))
    return (
        f"{port_flag}: cannot listen on {host}:{port} ({reason}); stop what holds the port or "
        f"pick another ({port_flag} 0 picks a free one), and check {host_flag}"
    )


def discard_stale(path: Path) -> str | None:
    """Remove the report an earlier run left at `path`; a note saying so, or why it stays.

    Only a file (or a symlink) is removed: a directory at `path` was never a report.
    """
    try:
        if not (path.is_symlink() or path.is_file()):
            return None
        path.unlink()
    except OSError as exc:
        return (
            f"the previous run's report at {path} could not be removed "
            f"({exc.strerror or exc}): it is NOT this run's"
        )
    return f"removed the previous run's report at {path}: this run wrote none"


def failed_report(settings: RunSettings, problem: str) -> DriftReport:
    """A report of a check that did not finish: no schemas, one run error saying why."""
    from drift.report import DriftReport, now_iso  # noqa: PLC0415 (only a failing run needs it)

    return DriftReport(
        track=settings.track,
        registry_url=settings.public_registry_url,
        generated_at=now_iso(),
        mode=settings.mode.value,
        policy=settings.policy.value,
        run_errors=[problem],
    )


class Progress:
    """How far a check got: its report, once the engine has made one; files it wrote."""

    __slots__ = ("report", "wrote")

    def __init__(self) -> None:
        self.report: DriftReport | None = None
        self.wrote: list[Path] = []


def write_failed_report(
    settings: RunSettings, problem: str, progress: Progress | None = None
) -> tuple[bool, str | None]:
    """Write a report of the failure at settings.output: (written, a note to show or None).

    A check that got as far as a report keeps its findings, with the failure added
    to its errors; when that report cannot be serialised, a bare one says what
    failed; when nothing can be written, the previous run's report is removed.
    """
    from drift.report import write_json  # noqa: PLC0415

    reports = [failed_report(settings, problem)]
    if progress is not None and progress.report is not None:
        progress.report.run_errors.append(problem)
        reports.insert(0, progress.report)
    why = ""
    for report in reports:
        try:
            write_json(settings.output, report.to_dict())
        except Exception as exc:  # whatever it was, no stale report may stay
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else one_line(str(exc))
        else:
            return True, None
    stale = discard_stale(settings.output)
    reason = f"cannot write the report to {settings.output}: {why}"
    return False, f"{reason}; {stale}" if stale else reason
