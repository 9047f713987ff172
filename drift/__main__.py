from __future__ import annotations

import sys

from drift.cli import main

sys.exit(main())
