"""The JSON Schema diff engine: what changed, whether it breaks, and where."""

from __future__ import annotations

from typing import Any

from drift.diff.model import Change, Compat, DiffResult, RatedChange, Severity, rate
from drift.vocabulary import ChangeKind, Mode, Policy

__all__ = [
    "Change",
    "ChangeKind",
    "Compat",
    "DiffResult",
    "Mode",
    "Policy",
    "RatedChange",
    "Severity",
    "diff_schemas",
]


def diff_schemas(
    old: Any,
    new: Any,
    *,
    mode: Mode | str = Mode.FULL,
    policy: Policy | str = Policy.LENIENT,
    budget: int | None = None,
) -> DiffResult:
    """Compare two JSON Schemas (dicts or booleans) and rate every change for mode and policy."""
    from drift.diff.engine import DEFAULT_BUDGET, compare_documents  # noqa: PLC0415

    chosen_mode, chosen_policy = Mode(mode), Policy(policy)
    changes = compare_documents(old, new, budget=DEFAULT_BUDGET if budget is None else budget)
    return DiffResult(
        chosen_mode,
        chosen_policy,
        [rate(change, chosen_mode, chosen_policy) for change in changes],
    )
