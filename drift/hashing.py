"""The content hash shared with existing reports, dashboards and Pulse events.

It must stay byte-for-byte `sha256(json.dumps(content, sort_keys=True))` with
Python's default separators and `ensure_ascii=True` (CONTRACTS.md §2).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def compute_sha256(content: str | bytes | Any) -> str:
    """Hex SHA-256 of a schema: strings hash as their UTF-8 bytes, anything else as sorted JSON."""
    if isinstance(content, bytes):
        data = content
    elif isinstance(content, str):
        data = content.encode("utf-8")
    else:
        data = json.dumps(content, sort_keys=True).encode("utf-8")
    return hashlib.sha256(data).hexdigest()
