"""`Record`: the base of the few mutable or cached records on a cold start's path.

They are plain classes with `__slots__`, not dataclasses: importing dataclasses (and the
inspect module it brings) and generating each class's methods at import cost a tenth of
a check's start. Immutable records are NamedTuples; these are the ones that are filled in
as a run goes (DriftReport, SchemaResult) or cache what they compute (Snapshot.lines).
"""

from __future__ import annotations

from typing import ClassVar


class Record:
    """Attributes are the `__slots__`; repr shows them (but `_private` and `unshown` ones),
    and == compares them (but `_private` ones, which hold caches)."""

    __slots__: tuple[str, ...] = ()
    unshown: ClassVar[tuple[str, ...]] = ()  # kept out of repr (bulky documents)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self.__slots__
            if not name.startswith("_") and name not in self.unshown
        )
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(
            getattr(self, name) == getattr(other, name)
            for name in self.__slots__
            if not name.startswith("_")
        )

    __hash__ = None  # type: ignore[assignment]  # compared by value, so unhashable
