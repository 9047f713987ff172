"""The readable text summary `check` prints to stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drift.report import DriftReport, ReportedChange, SchemaResult, Status
from drift.text import listing, plural

if TYPE_CHECKING:
    from drift.policy import Verdict

MAX_CHANGES = 20

_LABEL = {
    Status.SYNCED: "synced",
    Status.DRIFT: "DRIFT",
    Status.MISSING_IN_REGISTRY: "MISSING",
    Status.NEW_IN_REGISTRY: "new",
    Status.ERROR: "ERROR",
    Status.REMOVED: "REMOVED",
    Status.ADDED: "added",
}
_ORDER = [
    Status.ERROR,
    Status.DRIFT,
    Status.MISSING_IN_REGISTRY,
    Status.REMOVED,
    Status.NEW_IN_REGISTRY,
    Status.ADDED,
]


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "-"


def _line(item: SchemaResult) -> str:
    label = _LABEL[item.status].ljust(8)
    where = f"  ({item.file})" if item.file else ""
    if item.status is Status.ERROR:
        return f"  {label} {item.schema}{where}\n           {item.error}"
    versions = f"{item.local_version or '?'} → {item.registry_version or '?'}"
    hashes = f"{_short(item.local_sha)} → {_short(item.registry_sha)}"
    severity = f"  [{item.severity}]" if item.severity else ""
    note = _deprecation(item)
    changes = "".join(
        f"\n           {_change(item, change)}" for change in item.changes[:MAX_CHANGES]
    )
    if len(item.changes) > MAX_CHANGES:
        hidden = len(item.changes) - MAX_CHANGES
        changes += f"\n           … {plural(hidden, 'more change')} in the report"
    return f"  {label} {item.schema}  {versions}  {hashes}{where}{severity}{note}{changes}"


def _change(item: SchemaResult, change: ReportedChange) -> str:
    where = f"{item.file}:{change.line}" if item.file and change.line else item.file or ""
    breaks = f" (breaks {', '.join(change.breaks)})" if change.breaks else ""
    status = " [ignored]" if change.ignored is not None else ""
    status += " [accepted]" if change.accepted is not None else ""
    return f"{change.severity:<10} {where}  {change.path}: {change.message}{breaks}{status}"


def _deprecation(item: SchemaResult) -> str:
    if not item.deprecated:
        return ""
    return f"\n           deprecated in the registry: {item.deprecation_note or '(no note)'}"


def _errors(items: list[SchemaResult], run_errors: list[str]) -> list[str]:
    """One block per distinct error: an outage is said once, with the schemas it hit."""
    groups: dict[str, list[SchemaResult]] = {}
    for item in items:
        groups.setdefault(item.error or "", []).append(item)
    lines = []
    for message, group in groups.items():
        if len(group) == 1:
            lines.append(_line(group[0]))
            continue
        said = any(message.endswith(error) for error in run_errors)
        names = listing([f"{i.schema} ({i.file})" if i.file else i.schema for i in group])
        head = f"  {_LABEL[Status.ERROR]:<8} {plural(len(group), 'schema')}"
        if said:
            lines.append(f"{head} not compared, because of the error above: {names}")
        else:
            lines.append(f"{head}: {names}\n           {message}")
    return lines


def render_text(
    report: DriftReport, report_path: str | None = None, verdict: Verdict | None = None
) -> str:
    counts = ", ".join(
        f"{report.count(status)} {status.value}" for status in Status if report.count(status)
    )
    requests = plural(report.stats.requests, "registry request")
    lines = [
        _title(report),
        f"{plural(len(report.schemas), 'schema')}: {counts or 'none'} "
        f"({requests}, {report.stats.seconds:.2f} s)",
    ]
    lines += [f"  error: {message}" for message in report.run_errors]
    lines += [f"  warning: {message}" for message in report.warnings]
    errors = [item for item in report.schemas if item.status is Status.ERROR]
    lines += _errors(errors, report.run_errors)
    for status in _ORDER[1:]:
        lines += [_line(item) for item in report.schemas if item.status is status]
    lines += [
        f"  {_LABEL[Status.SYNCED]:<8} {item.schema}  {item.local_version or '?'}"
        f"{f'  ({item.file})' if item.file else ''}{_deprecation(item)}"
        for item in report.schemas
        if item.status is Status.SYNCED and item.deprecated
    ]
    lines += _migration(report)
    if report_path:
        lines.append(f"report: {report_path}")
    if verdict is not None:
        lines.append(verdict.line)
    return "\n".join(lines) + "\n"


def _title(report: DriftReport) -> str:
    comparison = report.comparison
    if comparison is None or comparison.command == "check":
        return f"schema-drift: track {report.track} against {report.registry_url}"
    if comparison.command == "migrate":
        return (
            f"schema-drift: migrate {report.registry_url} from track {comparison.old.track} "
            f"to {comparison.new.track}"
        )
    return f"schema-drift: compare {comparison.old.label} (OLD) with {comparison.new.label} (NEW)"


def _migration(report: DriftReport) -> list[str]:
    migration = report.migration
    if migration is None:
        return []
    lines = [
        f"  deprecated in {item.track}: {item.schema}: {item.note or '(no note)'}"
        for item in migration.deprecations
    ]
    return [*lines, f"migration: {migration.verdict}"]
