"""The bases of the records on a cold start's path: `Row` (immutable) and `Record`.

Neither is a dataclass: importing dataclasses (and the inspect module it brings) and
generating each class's methods at import cost a tenth of a check's start.

`Row` is `typing.NamedTuple` to the type checker and, at run time, a tuple subclass that
behaves the same (fields, defaults, ==, hash, order, unpacking, `_replace`, `_asdict`,
`_make`, pickling, `match`). A `typing.NamedTuple` class costs about 0.7 M instructions
to create, most of it compiling the `__new__` that `collections.namedtuple` generates
from source; a `Row` class costs about 0.15 M, and a check defines some forty of them.
`tests/test_records.py` holds every `Row` in `drift` to a NamedTuple built from the same
fields.

`Record` is for the few that are filled in as a run goes (DriftReport, SchemaResult) or
cache what they compute (Snapshot.lines).
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar

__all__ = ["Record", "Row"]

if TYPE_CHECKING:
    from typing import NamedTuple as Row
else:
    _tuple_new = tuple.__new__

    class _RowType(type):
        """Turns a `Row` class body's annotations into tuple fields, as NamedTuple does."""

        def __new__(mcls, name, bases, namespace):
            if tuple in bases:  # Row itself
                return super().__new__(mcls, name, bases, namespace)
            if bases != (Row,):
                if Row in bases:
                    raise TypeError(f"{name}: a Row has no other base")
                return super().__new__(mcls, name, bases, namespace)  # a row's subclass
            fields = tuple(namespace.get("__annotations__", ()))
            defaults = {}
            for index, field in enumerate(fields):
                if field.startswith("_"):
                    raise ValueError(f"{name}.{field}: a field name cannot start with '_'")
                if field in namespace:
                    defaults[field] = namespace[field]
                elif defaults:
                    raise TypeError(
                        f"{name}.{field}: a field without a default cannot follow "
                        f"{next(iter(defaults))}, which has one"
                    )
                namespace[field] = property(itemgetter(index), doc=f"field {index}")
            namespace["__slots__"] = ()
            namespace["_fields"] = fields
            namespace["_field_defaults"] = defaults
            namespace["__match_args__"] = fields
            return super().__new__(mcls, name, bases, namespace)

    class Row(tuple, metaclass=_RowType):
        """A NamedTuple without the cost of creating one (see the module docstring)."""

        __slots__ = ()
        _fields: ClassVar[tuple[str, ...]] = ()
        _field_defaults: ClassVar[dict[str, Any]] = {}

        def __new__(cls, *args, **kwargs):
            fields = cls._fields
            if not kwargs and len(args) == len(fields):
                return _tuple_new(cls, args)
            if len(args) > len(fields):
                raise TypeError(
                    f"{cls.__name__}() takes {len(fields)} positional arguments "
                    f"but {len(args)} were given"
                )
            values = list(args)
            defaults = cls._field_defaults
            for field in fields[len(args) :]:
                if field in kwargs:
                    values.append(kwargs.pop(field))
                elif field in defaults:
                    values.append(defaults[field])
                else:
                    raise TypeError(f"{cls.__name__}() missing required argument: {field!r}")
            if kwargs:
                given = next(iter(kwargs))
                if given in fields:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {given!r}")
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {given!r}")
            return _tuple_new(cls, values)

        @classmethod
        def _make(cls, iterable):
            made = _tuple_new(cls, iterable)
            if len(made) != len(cls._fields):
                raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(made)}")
            return made

        def _replace(self, /, **changes):
            unknown = [name for name in changes if name not in self._fields]
            if unknown:
                raise ValueError(f"Got unexpected field names: {unknown!r}")
            return self._make(
                changes.pop(name, value) for name, value in zip(self._fields, self, strict=True)
            )

        def _asdict(self):
            return dict(zip(self._fields, self, strict=True))

        def __repr__(self):
            shown = ", ".join(
                f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True)
            )
            return f"{type(self).__name__}({shown})"

        def __getnewargs__(self):
            return tuple(self)


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
