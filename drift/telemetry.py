"""Where a finished report's telemetry goes: Pushgateway and Pulse, fail-open.

Both sinks are imported only when configured (fast start). Their failures come
back as TelemetryResults: a warning and a field in the report, never a failed
check — unless the user asked for strict telemetry.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

from drift.records import Row
from drift.report import DriftReport


class TelemetryResult(Row):
    """What one telemetry sink did; every sink returns one, none raises."""

    sink: str
    ok: bool
    error: str | None = None


class TelemetryTargets(Row):
    repo: str
    pushgateway_url: str | None = None
    pulse_url: str | None = None
    pulse_namespace: str = "mdp"

    @property
    def enabled(self) -> bool:
        return bool(self.pushgateway_url or self.pulse_url)


def default_repo(env: Mapping[str, str], cwd: Path) -> str:
    """The repository's name: $GITHUB_REPOSITORY's second half, else the directory's."""
    repository = env.get("GITHUB_REPOSITORY", "")
    return repository.rsplit("/", 1)[-1] if repository else cwd.resolve().name


def send(
    report: DriftReport,
    targets: TelemetryTargets,
    *,
    env: Mapping[str, str] | None = None,
    only: set[str] | None = None,
    now: float | None = None,
) -> list[tuple[str, bool, str | None]]:
    """Push metrics and emit events; record each outcome in the report. Never raises."""
    env = os.environ if env is None else env
    now = time.time() if now is None else now
    outcomes: list[tuple[str, bool, str | None]] = []
    if targets.pushgateway_url:
        from drift.sinks.pushgateway import push_report  # noqa: PLC0415

        pushed = push_report(
            report, url=targets.pushgateway_url, repo=targets.repo, env=env, now=now
        )
        outcomes.append(("pushgateway", pushed.ok, pushed.error))
    if targets.pulse_url:
        from drift.sinks.pulse import emit_report  # noqa: PLC0415

        emitted = emit_report(
            report,
            url=targets.pulse_url,
            namespace=targets.pulse_namespace,
            repo=targets.repo,
            now=now,
            only=only,
        )
        outcomes.append(("pulse", emitted.ok, emitted.error))
    for sink, ok, error in outcomes:
        report.telemetry[sink] = {"ok": ok, "error": error}
        if not ok and error:
            report.warnings.append(f"telemetry ({sink}) failed, the check goes on: {error}")
    return outcomes
