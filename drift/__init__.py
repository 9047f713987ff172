"""schema-drift: compare local JSON Schema snapshots with a Schema Registry."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drift.diff import diff_schemas
    from drift.hashing import compute_sha256
    from drift.reporter import DriftReporter, SchemaSnapshot

__all__ = ["DriftReporter", "SchemaSnapshot", "__version__", "compute_sha256", "diff_schemas"]


def __getattr__(name: str) -> Any:
    # The public API, imported on first use: a cold start that diffs nothing imports no
    # diff engine, and prometheus_client stays out of every cold start.
    if name in ("DriftReporter", "SchemaSnapshot"):
        from drift import reporter  # noqa: PLC0415

        return getattr(reporter, name)
    if name == "diff_schemas":
        from drift.diff import diff_schemas  # noqa: PLC0415

        return diff_schemas
    if name == "compute_sha256":
        from drift.hashing import compute_sha256  # noqa: PLC0415

        return compute_sha256
    raise AttributeError(f"module 'drift' has no attribute {name!r}")
