#!/usr/bin/env python3
"""The action's entrypoint: the same in the Docker image and on the runner's Python."""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    try:
        from drift.action import main
    except ModuleNotFoundError:  # run from a checkout that was not installed
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from drift.action import main
    from drift.cli import run

    run(main)
