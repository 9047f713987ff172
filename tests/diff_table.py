"""The verdict table behind tests/test_diff_keywords.py and the per-family tables.

Every row gives OLD, NEW and the verdicts that JSON Schema semantics demand:

* backward compatible  <=>  every instance OLD accepts, NEW accepts;
* forward compatible   <=>  every instance NEW accepts, OLD accepts.

`check_engine` runs the engine on a row (both modes, both policies, kinds and paths);
`check_semantics` checks the row itself with `jsonschema`: each breaking verdict by its
counterexample, each compatible one against a pool of probe instances. A table file
parametrizes both over its rows with `params(CASES, with_issues=...)`. See
tests/test_diff_keywords.py for the conventions (issues, contract rows, lenient).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema
import pytest

from drift.diff import ChangeKind, DiffResult, Mode, Policy, Severity, diff_schemas

D4 = "http://json-schema.org/draft-04/schema#"
D7 = "http://json-schema.org/draft-07/schema#"
D2020 = "https://json-schema.org/draft/2020-12/schema"

Schema = Any  # a dict or a boolean
K = ChangeKind


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Issue:
    """A known disagreement between the engine and semantics, in the given directions."""

    label: str  # "BUG", "conservative" or "BUG (path)"
    directions: frozenset[str]
    reason: str


def conservative(reason: str, *directions: str) -> Issue:
    return Issue("conservative", frozenset(directions), reason)


def bug(reason: str, *directions: str) -> Issue:
    return Issue("BUG", frozenset(directions), reason)


def path_bug(reason: str) -> Issue:
    """Verdicts right, but a reported path is not where OLD changed."""
    return Issue("BUG (path)", frozenset(), reason)


Verdict = tuple[bool, bool]  # (backward compatible, forward compatible)
BOTH_OK: Verdict = (True, True)
BACKWARD_OK: Verdict = (True, False)  # NEW accepts more
FORWARD_OK: Verdict = (False, True)  # NEW accepts less
NEITHER_OK: Verdict = (False, False)


def strict_verdict(old: Schema, new: Schema) -> Verdict:
    """The engine's (backward, forward) compatibility under the strict policy."""
    return (
        diff_schemas(old, new, mode=Mode.BACKWARD, policy=Policy.STRICT).compatible,
        diff_schemas(old, new, mode=Mode.FORWARD, policy=Policy.STRICT).compatible,
    )


@dataclass(frozen=True)
class Case:
    name: str
    old: Schema
    new: Schema
    verdict: Verdict  # strict, semantic
    changes: tuple[tuple[ChangeKind, str], ...]  # (kind, path into OLD), in any order
    lenient: Verdict | None = None  # when the lenient policy differs
    cosmetic: bool = False
    old_only: Any = MISSING  # accepted by OLD, rejected by NEW: disproves backward
    new_only: Any = MISSING  # accepted by NEW, rejected by OLD: disproves forward
    message: str | None = None  # a substring some change's message must contain
    contract: str | None = None  # why this row follows the engine's contract, not semantics
    issue: Issue | None = None

    @property
    def backward(self) -> bool:
        return self.verdict[0]

    @property
    def forward(self) -> bool:
        return self.verdict[1]


def case(
    name: str,
    old: Schema,
    new: Schema,
    verdict: Verdict,
    *changes: tuple[ChangeKind, str],
    **options: Any,
) -> Case:
    return Case(name, old, new, verdict, tuple(changes), **options)


def draft(uri: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": uri, **schema}


def d4(**schema: Any) -> dict[str, Any]:
    return draft(D4, schema)


def d7(**schema: Any) -> dict[str, Any]:
    return draft(D7, schema)


def d2020(**schema: Any) -> dict[str, Any]:
    return draft(D2020, schema)


STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
NUMBER: dict[str, Any] = {"type": "number"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
NULL: dict[str, Any] = {"type": "null"}


class VerdictMismatch(AssertionError):
    """The engine disagrees with semantics exactly where the row says it does."""


class PathMismatch(AssertionError):
    """The engine reports the right kinds at a wrong path, where the row says it does."""


def params(cases: list[Case], *, with_issues: bool) -> list[Any]:
    """Every row; without issues (and without contract rows) for the jsonschema check."""
    found = []
    for item in cases:
        if not with_issues and item.contract is not None:
            continue
        marks: list[Any] = []
        if with_issues and item.issue is not None:
            reason = f"{item.issue.label}: {item.issue.reason}"
            raises = PathMismatch if item.issue.label == "BUG (path)" else VerdictMismatch
            marks.append(pytest.mark.xfail(reason=reason, strict=True, raises=raises))
        found.append(pytest.param(item, id=item.name, marks=marks))
    return found


def describe(result: DiffResult) -> str:
    return json.dumps([change.to_dict() for change in result.changes], indent=1, default=str)


def check_engine(item: Case) -> None:
    """The engine gives the row's verdicts (all four mode/policy pairs), kinds and paths."""
    # fresh copies, as parsed JSON would be: the rows share sub-schema objects
    old, new = json.loads(json.dumps(item.old)), json.loads(json.dumps(item.new))
    expected = {
        (Mode.BACKWARD, Policy.STRICT): item.backward,
        (Mode.FORWARD, Policy.STRICT): item.forward,
        (Mode.BACKWARD, Policy.LENIENT): (item.lenient or item.verdict)[0],
        (Mode.FORWARD, Policy.LENIENT): (item.lenient or item.verdict)[1],
    }
    results = {key: diff_schemas(old, new, mode=key[0], policy=key[1]) for key in expected}
    wrong = {
        f"{mode.value}/{policy.value}: expected {'compatible' if want else 'breaking'}": mode.value
        for (mode, policy), want in expected.items()
        if results[mode, policy].compatible != want
    }
    known = item.issue.directions if item.issue else frozenset()
    strict = results[Mode.BACKWARD, Policy.STRICT]
    explain = describe(strict)
    assert set(wrong.values()) == known, f"{sorted(wrong)}; changes: {explain}"
    if wrong:  # exactly the known disagreement: the row's expected failure
        raise VerdictMismatch(f"{sorted(wrong)}; changes: {explain}")

    got = sorted((change.kind.value, change.path) for change in strict.changes)
    want = sorted((kind.value, path) for kind, path in item.changes)
    if got != want and item.issue is not None and item.issue.label == "BUG (path)":
        assert [kind for kind, _ in got] == [kind for kind, _ in want], explain
        raise PathMismatch(f"{got} != {want}")
    assert got == want, explain
    if item.message is not None:
        assert any(item.message in change.message for change in strict.changes), explain

    for policy in Policy:
        full = diff_schemas(old, new, mode="full", policy=policy)
        assert full.compatible == (
            expected[Mode.BACKWARD, policy] and expected[Mode.FORWARD, policy]
        )
    full = diff_schemas(old, new, mode="full", policy="strict")
    if not (item.backward and item.forward):
        severity = Severity.BREAKING
    elif not item.changes:
        severity = Severity.NONE
    elif item.cosmetic:
        severity = Severity.COSMETIC
    else:
        severity = Severity.COMPATIBLE
    assert full.severity == severity, describe(full)


# -- the expectations themselves, checked with jsonschema ------------------------------------

# fmt: off
PROBES: list[Any] = [
    None, True, False, 0, 1, 1.0, 1.5, 2, 3, 4, 4.5, 5, 5.5, 6, 10, 10.5, 11, 15, 20, -1, 0.25,
    "", "a", "b", "abc", "abcdef", "a@b.c", "1.2.3.4",
    [], [1], [1, 1], [1, 2], [1.5], ["a"], [None], [True], ["a", 1], ["a", True],
    ["a", 1, True], ["a", 1, "x"], ["a", 1, None],
    {}, {"a": "x"}, {"a": 1}, {"a": None}, {"b": 1}, {"b": "x"}, {"kind": "a"},
    {"kind": "a", "x": "s"}, {"kind": "b", "y": 1}, {"kind": "c"}, {"value": 1}, {"value": 1.5},
    {"value": 1, "children": [{"value": 2}]}, {"n": "x"}, {"n": None}, {"n": "abcdef"},
]
# fmt: on


@cache
def validator(text: str) -> jsonschema.protocols.Validator:
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)  # type: ignore[no-any-return]


def accepts(schema: Schema, instance: Any) -> bool:
    return bool(validator(json.dumps(schema, sort_keys=True)).is_valid(instance))


def pool(cases: list[Case]) -> list[Any]:
    found = list(PROBES)
    for item in cases:
        found += [w for w in (item.old_only, item.new_only) if w is not MISSING]
    return found


def check_semantics(item: Case, cases: list[Case]) -> None:
    """Each breaking verdict has a counterexample; no probe contradicts a compatible one."""
    old, new = item.old, item.new
    if not item.backward:
        assert item.old_only is not MISSING, "a backward-breaking row needs old_only"
        assert accepts(old, item.old_only), "OLD must accept old_only"
        assert not accepts(new, item.old_only), "NEW must reject old_only"
    else:
        assert item.old_only is MISSING
        counter = [p for p in pool(cases) if accepts(old, p) and not accepts(new, p)]
        assert not counter, f"backward is not compatible: OLD accepts, NEW rejects {counter}"
    if not item.forward:
        assert item.new_only is not MISSING, "a forward-breaking row needs new_only"
        assert accepts(new, item.new_only), "NEW must accept new_only"
        assert not accepts(old, item.new_only), "OLD must reject new_only"
    else:
        assert item.new_only is MISSING
        counter = [p for p in pool(cases) if accepts(new, p) and not accepts(old, p)]
        assert not counter, f"forward is not compatible: NEW accepts, OLD rejects {counter}"


def table_tests(
    cases: list[Case],
) -> tuple[Callable[[], None], Callable[[Case], None], Callable[[Case], None]]:
    """A table file's three tests, to bind at module level under `test_` names:
    unique row names, the engine's verdicts per row, and the rows checked by jsonschema."""

    def names_are_unique() -> None:
        names = [item.name for item in cases]
        assert len(names) == len(set(names))

    @pytest.mark.parametrize("item", params(cases, with_issues=True))
    def engine(item: Case) -> None:
        check_engine(item)

    @pytest.mark.parametrize("item", params(cases, with_issues=False))
    def semantics(item: Case) -> None:
        """Each breaking verdict has a counterexample; no probe contradicts a compatible one."""
        check_semantics(item, cases)

    return names_are_unique, engine, semantics
