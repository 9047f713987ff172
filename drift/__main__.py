from __future__ import annotations

from drift.cli import run

run()
