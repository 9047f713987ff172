"""How a report becomes an exit code."""

from __future__ import annotations

import enum

from drift.report import DriftReport, Status
from drift.settings import FailOn


class ExitCode(enum.IntEnum):
    OK = 0
    DRIFT = 1
    ERROR = 2  # usage/config error, or any schema that could not be compared


FAILING_STATUSES = (Status.DRIFT, Status.MISSING_IN_REGISTRY)


def exit_code(report: DriftReport, fail_on: FailOn) -> ExitCode:
    # Errors outrank every policy: a registry that could not be consulted is never "fine".
    if report.has_errors:
        return ExitCode.ERROR
    if fail_on is FailOn.DRIFT and any(report.count(status) for status in FAILING_STATUSES):
        return ExitCode.DRIFT
    if fail_on is FailOn.BREAKING and (report.breaking or report.count(Status.MISSING_IN_REGISTRY)):
        return ExitCode.DRIFT
    return ExitCode.OK
