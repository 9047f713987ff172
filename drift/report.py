"""The DriftReport: the one thing every sink reads. Keys of the seed report keep their meaning."""

from __future__ import annotations

import enum
import errno
import json
import os
import time
from pathlib import Path
from typing import Any

from drift import __version__
from drift.files import write_text_atomic
from drift.records import Record, Row

REPORT_VERSION = 1


def now_iso() -> str:
    """UTC now as the report writes it, to the second: 2026-01-31T12:00:00Z. (With time:
    importing datetime costs a run about 5 M instructions.)"""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Status(enum.StrEnum):
    SYNCED = "synced"  # the same content on both sides
    DRIFT = "drift"  # on both sides, with different content
    MISSING_IN_REGISTRY = "missing_in_registry"  # check: only local (OLD)
    NEW_IN_REGISTRY = "new_in_registry"  # check: only in the registry (NEW)
    ERROR = "error"
    REMOVED = "removed"  # compare, migrate: only in OLD
    ADDED = "added"  # compare, migrate: only in NEW


CHECK_STATUSES = (
    Status.SYNCED,
    Status.DRIFT,
    Status.MISSING_IN_REGISTRY,
    Status.NEW_IN_REGISTRY,
    Status.ERROR,
)
COMPARE_STATUSES = (Status.SYNCED, Status.DRIFT, Status.REMOVED, Status.ADDED, Status.ERROR)


class SideInfo(Row):
    """One side of a comparison, as the report names it."""

    kind: str  # dir | git | registry
    spec: str  # as the user wrote it, credentials removed
    commit: str | None = None  # git: the commit the revision resolved to
    track: str | None = None  # registry: the track read

    @property
    def label(self) -> str:
        """The side as a reader names it: git:main:schemas (1a2b3c4d5e6f); a full SHA shortened."""
        if not self.commit:
            return self.spec
        if self.commit in self.spec:
            return self.spec.replace(self.commit, self.commit[:12])
        return f"{self.spec} ({self.commit[:12]})"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "spec": self.spec, "commit": self.commit, "track": self.track}


class Comparison(Row):
    """What was compared with what: `check` is (schema dir, registry track)."""

    command: str  # check | compare | migrate
    old: SideInfo
    new: SideInfo

    @property
    def statuses(self) -> tuple[Status, ...]:
        return CHECK_STATUSES if self.command == "check" else COMPARE_STATUSES

    def to_dict(self) -> dict[str, Any]:
        return {"command": self.command, "old": self.old.to_dict(), "new": self.new.to_dict()}


class Deprecation(Row):
    schema: str
    track: str
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"schema": self.schema, "track": self.track, "note": self.note}


class Migration(Row):
    """`migrate`'s preview: whether moving every consumer from one track to the other is safe."""

    from_track: str
    to_track: str
    safe: bool
    verdict: str  # the one line that says so, and why
    deprecations: tuple[Deprecation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_track,
            "to": self.to_track,
            "safe": self.safe,
            "verdict": self.verdict,
            "deprecations": [item.to_dict() for item in self.deprecations],
        }


class ReportedChange(Row):
    """One change of a drifted schema, as the report and every sink show it."""

    kind: str
    path: str
    line: int | None
    old: Any
    new: Any
    severity: str  # the change's own rating for the run's mode and policy
    breaks: tuple[str, ...]
    message: str
    fingerprint: str
    ignored: str | None = None  # the ignore rule's reason ("" when it gave none)
    accepted: str | None = None  # the accept entry's reason ("" when it gave none)

    @property
    def active(self) -> bool:
        """Counts toward the verdict: neither ignored nor accepted."""
        return self.ignored is None and self.accepted is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "line": self.line,
            "old": self.old,
            "new": self.new,
            "severity": self.severity,
            "breaks": list(self.breaks),
            "message": self.message,
            "fingerprint": self.fingerprint,
            "ignored": self.ignored is not None,
            "ignore_reason": self.ignored or None,
            "accepted": self.accepted is not None,
            "accept_reason": self.accepted or None,
        }


class SchemaResult(Record):
    __slots__ = (
        "changes",
        "compatible",
        "deprecated",
        "deprecation_note",
        "detail",
        "error",
        "file",
        "local_sha",
        "local_version",
        "registry_name",
        "registry_sha",
        "registry_version",
        "schema",
        "schema_id",
        "severity",
        "status",
    )

    def __init__(
        self,
        schema: str,
        status: Status,
        file: str | None = None,
        schema_id: str | None = None,
        registry_name: str | None = None,
        local_sha: str | None = None,
        local_version: str | None = None,
        registry_sha: str | None = None,
        registry_version: str | None = None,
        deprecated: bool = False,
        deprecation_note: str | None = None,
        error: str | None = None,
        detail: str | None = None,
        severity: str | None = None,  # drifted schemas: worst active change (none…breaking)
        compatible: bool | None = None,
        changes: list[ReportedChange] | None = None,
    ) -> None:
        self.schema, self.status, self.file, self.schema_id = schema, status, file, schema_id
        self.registry_name = registry_name
        self.local_sha, self.local_version = local_sha, local_version
        self.registry_sha, self.registry_version = registry_sha, registry_version
        self.deprecated, self.deprecation_note = deprecated, deprecation_note
        self.error, self.detail = error, detail
        self.severity, self.compatible = severity, compatible
        self.changes: list[ReportedChange] = [] if changes is None else changes

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "status": self.status.value,
            "file": self.file,
            "schema_id": self.schema_id,
            "registry_name": self.registry_name,
            "local_sha": self.local_sha,
            "local_version": self.local_version,
            "registry_sha": self.registry_sha,
            "registry_version": self.registry_version,
            "deprecated": self.deprecated,
            "deprecation_note": self.deprecation_note,
            "error": self.error,
            "detail": self.detail,
            "severity": self.severity,
            "compatible": self.compatible,
            "changes": [change.to_dict() for change in self.changes],
        }


class Stats(Record):
    __slots__ = ("fetched", "index_hashes_verified", "requests", "seconds", "verify_index")

    def __init__(
        self,
        requests: int = 0,
        seconds: float = 0.0,
        index_hashes_verified: bool | None = None,
        fetched: int = 0,
        verify_index: str = "probe",  # how far the index was checked: probe or all
    ) -> None:
        self.requests, self.seconds, self.fetched = requests, seconds, fetched
        self.index_hashes_verified, self.verify_index = index_hashes_verified, verify_index


class DriftReport(Record):
    __slots__ = (
        "comparison",
        "generated_at",
        "migration",
        "mode",
        "policy",
        "registry_url",
        "run_errors",
        "schemas",
        "stats",
        "telemetry",
        "track",
        "warnings",
    )

    def __init__(
        self,
        track: str,
        registry_url: str,
        generated_at: str,
        mode: str = "full",
        policy: str = "lenient",
        schemas: list[SchemaResult] | None = None,
        run_errors: list[str] | None = None,
        warnings: list[str] | None = None,
        stats: Stats | None = None,
        telemetry: dict[str, dict[str, Any]] | None = None,  # sink → {ok, error}
        comparison: Comparison | None = None,
        migration: Migration | None = None,
    ) -> None:
        self.track, self.registry_url, self.generated_at = track, registry_url, generated_at
        self.mode, self.policy = mode, policy
        self.schemas: list[SchemaResult] = [] if schemas is None else schemas
        self.run_errors: list[str] = [] if run_errors is None else run_errors
        self.warnings: list[str] = [] if warnings is None else warnings
        self.stats = Stats() if stats is None else stats
        self.telemetry: dict[str, dict[str, Any]] = {} if telemetry is None else telemetry
        self.comparison, self.migration = comparison, migration

    @property
    def statuses(self) -> tuple[Status, ...]:
        """The statuses this kind of report uses (its `counts` keys)."""
        return CHECK_STATUSES if self.comparison is None else self.comparison.statuses

    def count(self, status: Status) -> int:
        return sum(1 for item in self.schemas if item.status is status)

    @property
    def breaking(self) -> int:
        return sum(1 for item in self.schemas if item.severity == "breaking")

    @property
    def has_errors(self) -> bool:
        return bool(self.run_errors) or self.count(Status.ERROR) > 0

    def to_dict(self) -> dict[str, Any]:
        errors: list[dict[str, Any]] = [
            {"schema": None, "file": None, "message": message} for message in self.run_errors
        ]
        errors += [
            {"schema": item.schema, "file": item.file, "message": item.error}
            for item in self.schemas
            if item.status is Status.ERROR
        ]
        return {
            "report_version": REPORT_VERSION,
            "tool_version": __version__,
            "generated_at": self.generated_at,
            "track": self.track or None,  # compare without a registry side: null
            "registry_url": self.registry_url or None,
            "mode": self.mode,
            "policy": self.policy,
            "total_schemas": len(self.schemas),
            "synced": self.count(Status.SYNCED),
            "drifted": self.count(Status.DRIFT),
            "breaking": self.breaking,
            "counts": {status.value: self.count(status) for status in self.statuses},
            "schemas": [item.to_dict() for item in self.schemas],
            "errors": errors,
            "warnings": list(self.warnings),
            "telemetry": {sink: dict(outcome) for sink, outcome in self.telemetry.items()},
            "stats": {
                "requests": self.stats.requests,
                "seconds": round(self.stats.seconds, 4),
                "index_hashes_verified": self.stats.index_hashes_verified,
                "fetched": self.stats.fetched,
                "verify_index": self.stats.verify_index,
            },
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
            "migration": None if self.migration is None else self.migration.to_dict(),
        }


def dumps_readable(data: Any) -> str:
    """Pretty JSON, but each element of a top-level list on one line.

    `indent=` makes json use its pure-Python encoder: for a report of a thousand
    drifted schemas that is a quarter of a second. One line per schema keeps the
    C encoder, and the file stays readable and diffable.
    """
    if not isinstance(data, dict):
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    lines = []
    for key, value in data.items():
        name = json.dumps(key, ensure_ascii=False)
        if isinstance(value, list) and value:
            items = ",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f"  {name}: [\n{items}\n  ]")
        else:
            lines.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_json(path: Path, data: Any) -> None:
    """Write pretty JSON atomically, so a crash never leaves half a report behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # mkdir's word for "a file is in the way": say what it is
        raise NotADirectoryError(
            errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path.parent)
        ) from None
    write_text_atomic(path, dumps_readable(data))
