"""How a report becomes an exit code, and the one line that says why."""

from __future__ import annotations

import enum

from drift.records import Row
from drift.report import DriftReport, Status
from drift.settings import FailOn
from drift.text import plural


class ExitCode(enum.IntEnum):
    OK = 0
    DRIFT = 1
    ERROR = 2  # usage/config error, or any schema that could not be compared


FAILING_STATUSES = (Status.DRIFT, Status.MISSING_IN_REGISTRY, Status.REMOVED)
# A schema OLD has and NEW lacks breaks whoever reads it: it fails under `breaking` too.
GONE_STATUSES = (Status.MISSING_IN_REGISTRY, Status.REMOVED)
_OUTCOME = {ExitCode.OK: "PASS", ExitCode.DRIFT: "FAIL", ExitCode.ERROR: "ERROR"}


class Verdict(Row):
    code: ExitCode
    reason: str

    @property
    def line(self) -> str:
        """E.g. `FAIL (exit 1): 1 missing_in_registry under --fail-on breaking`."""
        return f"{_OUTCOME[self.code]} (exit {int(self.code)}): {self.reason}"


def _counted(report: DriftReport, statuses: tuple[Status, ...]) -> list[str]:
    return [f"{report.count(s)} {s.value}" for s in statuses if report.count(s)]


def judge(report: DriftReport, fail_on: FailOn) -> Verdict:
    # Errors outrank every policy: a registry that could not be consulted is never "fine".
    if report.has_errors:
        errors = report.count(Status.ERROR)
        parts = [f"{plural(errors, 'schema')} in error"] if errors else []
        if report.run_errors:
            parts.append(plural(len(report.run_errors), "run error"))
        return Verdict(
            ExitCode.ERROR,
            f"{' and '.join(parts)}; a run with errors exits 2 whatever --fail-on says",
        )
    under = f"under --fail-on {fail_on.value}"
    failing = _counted(report, FAILING_STATUSES)
    if fail_on is FailOn.DRIFT and failing:
        return Verdict(ExitCode.DRIFT, f"{', '.join(failing)} {under}")
    missing = _counted(report, GONE_STATUSES)
    if fail_on is FailOn.BREAKING and (report.breaking or missing):
        breaking = [f"{report.breaking} breaking"] if report.breaking else []
        return Verdict(ExitCode.DRIFT, f"{', '.join(breaking + missing)} {under}")
    if not failing:
        synced = report.count(Status.SYNCED)
        return Verdict(ExitCode.OK, f"{plural(synced, 'schema')} synced, nothing drifted")
    found = ", ".join(failing + ([f"{report.breaking} breaking"] if report.breaking else []))
    if fail_on is FailOn.BREAKING:
        return Verdict(ExitCode.OK, f"{found}, nothing breaking {under}")
    return Verdict(ExitCode.OK, f"{found} reported; {under} nothing fails")


def exit_code(report: DriftReport, fail_on: FailOn) -> ExitCode:
    return judge(report, fail_on).code
