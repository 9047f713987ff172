#!/usr/bin/env python3
"""The action's entrypoint: the same in the Docker image and on the runner's Python."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path


def cannot_load(exc: BaseException) -> int:
    """The engine does not even import (a broken install): still an error, outputs and exit 2."""
    text = f"internal error: cannot load the engine: {type(exc).__name__}: {exc}"
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::error title=schema-drift%3A check failed::{text}", flush=True)
    raw = os.environ.get("INPUT_REPORT-PATH") or os.environ.get("INPUT_REPORT_PATH") or ""
    report = Path(raw.strip() or "drift_report.json")
    with contextlib.suppress(OSError):  # an earlier run's report must not pass for this run's
        if report.is_file():
            report.unlink()
            print(f"::warning title=schema-drift::removed the previous run's report at {report}")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write("status=error\nexit-code=2\nreport-path=\nsarif-path=\n")
    return 2


if __name__ == "__main__":
    # run_process turns the cyclic GC off for the run; off before the imports too, it
    # does not rescan the modules being loaded a hundred times (about 2 % of a start).
    gc.disable()
    try:
        try:
            from drift.action import main
        except ModuleNotFoundError as exc:  # run from a checkout that was not installed
            if exc.name != "drift":
                raise
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from drift.action import main
        from drift.failure import run_process  # not drift.cli's run: no argparse in the action
    except Exception as exc:  # every run ends 0, 1 or 2: this one in 2
        sys.exit(cannot_load(exc))
    run_process(main)
