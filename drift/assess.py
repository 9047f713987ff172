"""What each drifted schema's drift means: the diff, the config's rules, the lines."""

from __future__ import annotations

from drift.config import DriftConfig
from drift.diff import RatedChange, Severity, diff_schemas
from drift.diff.model import Mode, Policy
from drift.linemap import LineMap, nearest_line
from drift.registry.base import RegistrySchema
from drift.report import DriftReport, ReportedChange, Status
from drift.snapshots import Snapshot


def reported(
    schema: str, line_map: LineMap | None, rated: RatedChange, config: DriftConfig
) -> ReportedChange:
    change = rated.change
    fingerprint = change.fingerprint(schema)
    rule = config.ignored(schema, change.kind, change.path)
    approval = config.accepted(fingerprint)
    line = None
    if line_map is not None:
        line = nearest_line(line_map, "" if change.path == "/" else change.path)
    return ReportedChange(
        kind=change.kind.value,
        path=change.path,
        line=line,
        old=change.old,
        new=change.new,
        severity=rated.severity.value,
        breaks=rated.breaks,
        message=change.message,
        fingerprint=fingerprint,
        ignored=None if rule is None else (rule.reason or ""),
        accepted=None if approval is None else (approval.reason or ""),
    )


def verdict(changes: list[ReportedChange]) -> tuple[str, bool]:
    """(severity, compatible) from the changes that count; a drift is at least cosmetic."""
    active = [change for change in changes if change.active]
    severities = [Severity(change.severity) for change in active]
    worst = max(severities, key=lambda s: s.rank, default=Severity.COSMETIC)
    if worst is Severity.NONE:
        worst = Severity.COSMETIC
    return worst.value, all(not change.breaks for change in active)


def assess(
    report: DriftReport,
    snapshots: dict[str, Snapshot],
    documents: dict[str, RegistrySchema],
    *,
    mode: Mode,
    policy: Policy,
    config: DriftConfig,
) -> None:
    """Fill in severity, compatibility and changes for every drifted schema."""
    report.mode, report.policy = mode.value, policy.value
    for item in report.schemas:
        if item.status is not Status.DRIFT:
            continue
        snapshot, document = snapshots[item.schema], documents[item.schema]
        result = diff_schemas(snapshot.content, document.content, mode=mode, policy=policy)
        lines = snapshot.line_map if result.changes else None
        item.changes = [reported(item.schema, lines, rated, config) for rated in result.changes]
        item.severity, item.compatible = verdict(item.changes)
