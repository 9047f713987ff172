"""schema-drift: compare local JSON Schema snapshots with a Schema Registry."""

from __future__ import annotations

__version__ = "0.1.0"

from drift.diff import diff_schemas
from drift.hashing import compute_sha256

__all__ = ["__version__", "compute_sha256", "diff_schemas"]
