"""`drift.records.Row` behaves as the `typing.NamedTuple` the type checker takes it for.

Every `Row` in the engine is held to a `collections.namedtuple` (what `typing.NamedTuple`
builds) with the same fields and defaults; the argument binding and the class checks are
held to `typing.NamedTuple` itself.
"""

from __future__ import annotations

import collections
import copy
import importlib
import inspect
import pickle
import pkgutil
from typing import Any, NamedTuple

import pytest

import drift
from drift.records import Row


def _rows() -> list[type]:
    for info in pkgutil.walk_packages(drift.__path__, "drift."):
        if not info.name.endswith(".__main__"):  # that one runs the CLI
            importlib.import_module(info.name)
    found: dict[str, type] = {}
    pending = list(Row.__subclasses__())
    while pending:
        cls = pending.pop()
        found[f"{cls.__module__}.{cls.__qualname__}"] = cls
        pending.extend(cls.__subclasses__())
    return [found[name] for name in sorted(found) if found[name].__module__.startswith("drift.")]


ROWS = _rows()


def test_the_engine_defines_its_records_as_rows() -> None:
    names = {cls.__name__ for cls in ROWS}
    assert len(ROWS) >= 40, names
    assert {"Change", "Settings", "IndexEntry", "Response"} <= names


def _twin(cls: type) -> Any:
    fields = cls._fields  # type: ignore[attr-defined]
    defaults = cls._field_defaults  # type: ignore[attr-defined]
    return collections.namedtuple(
        cls.__name__, fields, defaults=[defaults[name] for name in fields if name in defaults]
    )


@pytest.mark.parametrize("cls", ROWS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_each_row_is_the_namedtuple_of_its_annotations(cls: Any) -> None:
    annotated = tuple(inspect.get_annotations(cls))
    assert cls._fields == annotated
    assert cls.__match_args__ == annotated
    twin = _twin(cls)
    values = [f"<{name}>" for name in cls._fields]  # printable, hashable, picklable
    row, reference = cls(*values), twin(*values)
    assert row == reference
    assert hash(row) == hash(reference)
    if "__repr__" not in cls.__dict__:  # CheckResult shortens its own
        assert repr(row) == repr(reference)
    assert row._asdict() == reference._asdict()
    assert [getattr(row, name) for name in cls._fields] == values
    assert tuple(row) == tuple(values)
    assert len(row) == len(values)
    assert not hasattr(row, "__dict__")
    first = cls._fields[0]
    assert row._replace(**{first: "new"}) == reference._replace(**{first: "new"})
    assert type(row._replace(**{first: "new"})) is cls
    for again in (pickle.loads(pickle.dumps(row)), copy.copy(row), copy.deepcopy(row)):
        assert type(again) is cls
        assert again == row
    required = [name for name in cls._fields if name not in cls._field_defaults]
    given = {name: f"<{name}>" for name in required}
    assert cls(**given) == twin(**given)
    with pytest.raises(AttributeError):
        setattr(row, first, "changed")


class _Probe(Row):
    a: int
    b: int
    c: int = 3
    d: int = 4


class _Reference(NamedTuple):
    a: int
    b: int
    c: int = 3
    d: int = 4


CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((1, 2), {}),
    ((1, 2, 5, 6), {}),
    ((1,), {"b": 2}),
    ((), {"b": 2, "a": 1, "d": 9}),
    ((1, 2), {"d": 7}),
    ((), {}),  # missing a and b
    ((1,), {}),  # missing b
    ((1, 2, 3, 4, 5), {}),  # one too many
    ((1, 2), {"a": 1}),  # a twice
    ((1, 2), {"e": 1}),  # no such field
    ((), {"a": 1, "c": 3}),  # b missing, given later ones
]


@pytest.mark.parametrize(("args", "kwargs"), CALLS, ids=repr)
def test_arguments_bind_as_a_namedtuples_do(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    def outcome(cls: Any) -> Any:
        try:
            return tuple(cls(*args, **kwargs))
        except TypeError:
            return TypeError

    assert outcome(_Probe) == outcome(_Reference)


def test_replace_make_and_match_as_a_namedtuples_do() -> None:
    row, reference = _Probe(1, 2), _Reference(1, 2)
    with pytest.raises(ValueError, match="unexpected field names"):
        reference._replace(e=1)
    with pytest.raises(ValueError, match="unexpected field names"):
        row._replace(e=1)
    assert _Probe._make([5, 6, 7, 8]) == _Reference._make([5, 6, 7, 8])
    with pytest.raises(TypeError):
        _Reference._make([1])
    with pytest.raises(TypeError):
        _Probe._make([1])
    assert sorted([_Probe(2, 1), _Probe(1, 9)]) == sorted([_Reference(2, 1), _Reference(1, 9)])
    match row:
        case _Probe(a, b, c):
            assert (a, b, c) == (1, 2, 3)
        case _:
            pytest.fail("a Row did not match its positional pattern")


def test_a_row_class_is_refused_where_a_namedtuple_class_is() -> None:
    with pytest.raises(ValueError, match="_hidden"):

        class Hidden(Row):
            _hidden: int

    with pytest.raises(TypeError, match="cannot follow"):

        class Order(Row):
            a: int = 1
            b: int  # type: ignore[misc]

    with pytest.raises(TypeError, match="no other base"):

        class Mixed(Row, int):  # type: ignore[misc]
            a: int


def test_a_subclass_of_a_row_keeps_its_fields() -> None:
    class Named(_Probe):
        def total(self) -> int:
            return self.a + self.b + self.c + self.d

    assert Named._fields == _Probe._fields
    assert Named(1, 2).total() == 10
