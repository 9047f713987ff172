"""The readable text summary `check` prints to stderr."""

from __future__ import annotations

from drift.report import DriftReport, ReportedChange, SchemaResult, Status

MAX_CHANGES = 20

_LABEL = {
    Status.SYNCED: "synced",
    Status.DRIFT: "DRIFT",
    Status.MISSING_IN_REGISTRY: "MISSING",
    Status.NEW_IN_REGISTRY: "new",
    Status.ERROR: "ERROR",
}
_ORDER = [Status.ERROR, Status.DRIFT, Status.MISSING_IN_REGISTRY, Status.NEW_IN_REGISTRY]


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
    note = f"\n           deprecated: {item.deprecation_note}" if item.deprecation_note else ""
    changes = "".join(
        f"\n           {_change(item, change)}" for change in item.changes[:MAX_CHANGES]
    )
    if len(item.changes) > MAX_CHANGES:
        changes += f"\n           … {len(item.changes) - MAX_CHANGES} more in the report"
    return f"  {label} {item.schema}  {versions}  {hashes}{where}{severity}{note}{changes}"


def _change(item: SchemaResult, change: ReportedChange) -> str:
    where = f"{item.file}:{change.line}" if item.file and change.line else item.file or ""
    breaks = f" (breaks {', '.join(change.breaks)})" if change.breaks else ""
    status = " [ignored]" if change.ignored is not None else ""
    status += " [accepted]" if change.accepted is not None else ""
    return f"{change.severity:<10} {where}  {change.path}: {change.message}{breaks}{status}"


def render_text(report: DriftReport, report_path: str | None = None) -> str:
    counts = ", ".join(
        f"{report.count(status)} {status.value}" for status in Status if report.count(status)
    )
    lines = [
        f"schema-drift: track {report.track} against {report.registry_url}",
        f"{len(report.schemas)} schemas: {counts or 'none'} "
        f"({report.stats.requests} registry requests, {report.stats.seconds:.2f} s)",
    ]
    lines += [f"  error: {message}" for message in report.run_errors]
    lines += [f"  warning: {message}" for message in report.warnings]
    for status in _ORDER:
        lines += [_line(item) for item in report.schemas if item.status is status]
    if report_path:
        lines.append(f"report: {report_path}")
    return "\n".join(lines) + "\n"
