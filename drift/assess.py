"""What each drifted schema's drift means: the diff, the config's rules, the lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from drift.config import DriftConfig
from drift.linemap import Lines
from drift.registry.base import RegistrySchema
from drift.report import DriftReport, ReportedChange, Status
from drift.snapshots import Snapshot
from drift.vocabulary import Mode, Policy

if TYPE_CHECKING:
    from drift.diff import RatedChange


def reported(
    schema: str, lines: Lines | None, rated: RatedChange, config: DriftConfig
) -> ReportedChange:
    change = rated.change
    fingerprint = change.fingerprint(schema)
    rule = config.ignored(schema, change.kind, change.path)
    approval = config.accepted(fingerprint)
    return ReportedChange(
        kind=change.kind.value,
        path=change.path,
        line=None if lines is None else lines.line("" if change.path == "/" else change.path),
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
    from drift.diff import Severity  # noqa: PLC0415 (only a drifted schema has changes)

    active = [change for change in changes if change.active]
    severities = [Severity(change.severity) for change in active]
    worst = max(severities, key=lambda s: s.rank, default=Severity.COSMETIC)
    if worst is Severity.NONE:
        worst = Severity.COSMETIC
    return worst.value, all(not change.breaks for change in active)


Assessment = tuple[list[ReportedChange], str, bool]  # changes, severity, compatible


def old_lines(snapshot: Snapshot, document: RegistrySchema) -> Lines | None:
    """check's lines: the local snapshot's file (OLD)."""
    return snapshot.lines


Locate = Callable[[Snapshot, RegistrySchema], Lines | None]


class Assessor:
    """Assesses drifted schemas, as their registry documents arrive or afterwards.

    `locate` gives the lines changes are mapped to: OLD's file by default (check),
    NEW's where NEW has files (compare), none when neither side is a file.
    """

    def __init__(
        self, *, mode: Mode, policy: Policy, config: DriftConfig, locate: Locate = old_lines
    ) -> None:
        self.mode, self.policy, self.config = mode, policy, config
        self.locate = locate
        self._assessed: dict[str, Assessment] = {}

    def on_document(self, snapshot: Snapshot, document: RegistrySchema) -> None:
        """Diff, rate and locate the changes now, while other fetches are travelling."""
        if document.content_sha256 != snapshot.sha256:
            self._assessed[snapshot.identity] = self._assess(snapshot, document)

    def _assess(self, snapshot: Snapshot, document: RegistrySchema) -> Assessment:
        # The diff engine is imported by the first schema that drifted, not at start.
        from drift.diff import diff_schemas  # noqa: PLC0415

        result = diff_schemas(
            snapshot.content, document.content, mode=self.mode, policy=self.policy
        )
        lines = self.locate(snapshot, document) if result.changes else None
        changes = [
            reported(snapshot.identity, lines, rated, self.config) for rated in result.changes
        ]
        return (changes, *verdict(changes))

    def assess(
        self,
        report: DriftReport,
        snapshots: dict[str, Snapshot],
        documents: dict[str, RegistrySchema],
    ) -> None:
        """Fill in severity, compatibility and changes for every drifted schema."""
        report.mode, report.policy = self.mode.value, self.policy.value
        for item in report.schemas:
            if item.status is not Status.DRIFT:
                continue
            assessed = self._assessed.get(item.schema)
            if assessed is None:
                assessed = self._assess(snapshots[item.schema], documents[item.schema])
            item.changes, item.severity, item.compatible = assessed


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
    Assessor(mode=mode, policy=policy, config=config).assess(report, snapshots, documents)
