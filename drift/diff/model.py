"""What a diff says: change kinds, verdicts and the result users read."""

from __future__ import annotations

import enum
import hashlib
import json
from typing import Any

from drift.records import Row

# defined apart, so that a cold start that diffs nothing need not import this module
from drift.vocabulary import ChangeKind, Mode, Policy


class Severity(enum.StrEnum):
    NONE = "none"
    COSMETIC = "cosmetic"
    COMPATIBLE = "compatible"
    BREAKING = "breaking"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Compat(enum.IntEnum):
    """How one change affects one direction."""

    OK = 0
    LENIENT = 1  # allowed only under the lenient policy
    BREAKING = 2


COSMETIC_KINDS = frozenset(
    {
        ChangeKind.ANNOTATION_CHANGED,
        ChangeKind.METADATA_CHANGED,
        ChangeKind.UNREFERENCED_DEFINITION_CHANGED,
    }
)


class Change(Row):
    """One difference, with what it does to each direction. `path` points into OLD."""

    kind: ChangeKind
    path: str
    old: Any
    new: Any
    backward: Compat
    forward: Compat
    message: str

    def breaks(self, mode: Mode, policy: Policy) -> tuple[str, ...]:
        """The directions this change breaks under mode and policy."""
        limit = Compat.LENIENT if policy is Policy.LENIENT else Compat.OK
        directions = []
        if mode in (Mode.BACKWARD, Mode.FULL) and self.backward > limit:
            directions.append(Mode.BACKWARD.value)
        if mode in (Mode.FORWARD, Mode.FULL) and self.forward > limit:
            directions.append(Mode.FORWARD.value)
        return tuple(directions)

    def fingerprint(self, schema_id: str) -> str:
        """12 hex of sha256 over schema id, kind, path, old and new: what `accept` entries cite."""
        blob = json.dumps(
            [schema_id, self.kind.value, self.path, self.old, self.new],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


class RatedChange(Row):
    """A change as a user reads it: rated for one mode and policy."""

    change: Change
    severity: Severity
    breaks: tuple[str, ...]

    @property
    def kind(self) -> ChangeKind:
        return self.change.kind

    @property
    def path(self) -> str:
        return self.change.path

    @property
    def message(self) -> str:
        return self.change.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.change.kind.value,
            "path": self.change.path,
            "old": self.change.old,
            "new": self.change.new,
            "severity": self.severity.value,
            "breaks": list(self.breaks),
            "message": self.change.message,
        }


class DiffResult(Row):
    mode: Mode
    policy: Policy
    changes: list[RatedChange]

    @property
    def compatible(self) -> bool:
        return all(not change.breaks for change in self.changes)

    @property
    def severity(self) -> Severity:
        if not self.changes:
            return Severity.NONE
        return max((change.severity for change in self.changes), key=lambda s: s.rank)

    def to_dict(self) -> dict[str, Any]:
        return {
            "compatible": self.compatible,
            "mode": self.mode.value,
            "policy": self.policy.value,
            "severity": self.severity.value,
            "changes": [change.to_dict() for change in self.changes],
        }


def rate(change: Change, mode: Mode, policy: Policy) -> RatedChange:
    breaks = change.breaks(mode, policy)
    if breaks:
        severity = Severity.BREAKING
    elif change.kind in COSMETIC_KINDS:
        severity = Severity.COSMETIC
    else:
        severity = Severity.COMPATIBLE
    return RatedChange(change, severity, breaks)
