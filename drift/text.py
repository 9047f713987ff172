"""Small helpers that make messages read as sentences."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 change`, `2 changes`; `many` for irregular plurals (`1 is`, `2 are`)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def listing(names: list[str], limit: int = 10) -> str:
    """`a, b, c` — at most `limit` names, then `… and N more`."""
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    return f"{shown}, … and {rest} more" if rest > 0 else shown
