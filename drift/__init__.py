"""schema-drift: compare local JSON Schema snapshots with a Schema Registry."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from drift.diff import diff_schemas
from drift.hashing import compute_sha256

if TYPE_CHECKING:
    from drift.reporter import DriftReporter, SchemaSnapshot

__all__ = ["DriftReporter", "SchemaSnapshot", "__version__", "compute_sha256", "diff_schemas"]


def __getattr__(name: str) -> Any:
    # The seed's API, imported on first use: prometheus_client stays out of a cold start.
    if name in ("DriftReporter", "SchemaSnapshot"):
        from drift import reporter  # noqa: PLC0415

        return getattr(reporter, name)
    raise AttributeError(f"module 'drift' has no attribute {name!r}")
