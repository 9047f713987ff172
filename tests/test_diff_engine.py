"""Regressions and edge cases of the diff engine's walk (keyword semantics: test_diff_keywords)."""

from __future__ import annotations

import copy
from typing import Any

from drift.diff import ChangeKind, diff_schemas


def kinds(old: Any, new: Any, **options: Any) -> list[tuple[str, str]]:
    return [(c.kind.value, c.path) for c in diff_schemas(old, new, **options).changes]


def test_annotations_beside_a_ref_are_reported_at_the_reference() -> None:
    old = {
        "properties": {"level": {"$ref": "#/$defs/Level", "description": "old"}},
        "$defs": {"Level": {"enum": ["a", "b"]}},
    }
    new = copy.deepcopy(old)
    new["properties"]["level"]["description"] = "new"
    result = diff_schemas(old, new)
    assert kinds(old, new) == [("annotation_changed", "/properties/level/description")]
    assert result.severity.value == "cosmetic"


def test_a_change_inside_a_shared_definition_is_reported_once_at_the_definition() -> None:
    old = {
        "properties": {"a": {"$ref": "#/$defs/S"}, "b": {"$ref": "#/$defs/S"}},
        "$defs": {"S": {"type": "string", "maxLength": 5}},
    }
    new = copy.deepcopy(old)
    new["$defs"]["S"]["maxLength"] = 3
    assert kinds(old, new) == [("bound_tightened", "/$defs/S/maxLength")]


def test_json_equality_one_is_one_point_zero_but_not_true() -> None:
    assert diff_schemas({"const": 1}, {"const": 1.0}).changes == []
    assert kinds({"const": 1}, {"const": True}) == [("enum_changed", "/const")]
    assert kinds({"enum": [True]}, {"enum": [1]}) == [("enum_changed", "/enum")]


def test_the_budget_turns_an_explosion_into_one_breaking_change() -> None:
    def union(seed: int) -> dict[str, Any]:
        return {
            "anyOf": [
                {"anyOf": [{"type": "string", "maxLength": seed + i + j} for j in range(12)]}
                for i in range(12)
            ]
        }

    result = diff_schemas(union(0), union(1), mode="backward", budget=200)
    [change] = result.changes
    assert change.kind is ChangeKind.TOO_COMPLEX
    assert change.severity.value == "breaking"
    assert "too complex to prove compatible" in change.message
    assert not result.compatible


def test_unsupported_keywords_are_breaking_with_a_reason() -> None:
    old = {"if": {"required": ["a"]}, "then": {"required": ["b"]}}
    new = {"if": {"required": ["a"]}, "then": {"required": ["c"]}}
    [change] = diff_schemas(old, new).changes
    assert change.kind is ChangeKind.UNSUPPORTED_KEYWORD
    assert "unsupported keyword 'then'" in change.message
    assert change.severity.value == "breaking"


def test_an_unresolvable_ref_is_breaking_unless_unchanged() -> None:
    old = {"properties": {"a": {"$ref": "other.json#/X"}}}
    assert diff_schemas(old, copy.deepcopy(old)).changes == []
    new = {"properties": {"a": {"$ref": "other.json#/Y"}}}
    [change] = diff_schemas(old, new).changes
    assert change.kind is ChangeKind.REF_UNRESOLVED
    assert not diff_schemas(old, new).compatible


# -- optional proofs run on steps of their own ---------------------------------------------


def test_an_optional_proof_that_runs_out_proves_nothing_and_gives_its_steps_back() -> None:
    from drift.diff.engine import MAX_PROOF_STEPS, Comparer, TooComplex
    from drift.diff.model import Compat

    cx = Comparer({}, {}, budget=100)
    cx.steps = 40

    def endless() -> Compat:
        while True:
            cx.compare({"type": "string"}, {"type": "integer"}, "")

    assert cx.attempt(endless) is Compat.BREAKING  # ran out: no proof, no TooComplex
    assert (cx.steps, cx.budget) == (40, 100)  # the walk's budget is untouched
    assert cx.proof_steps <= 0 < MAX_PROOF_STEPS
    assert cx.attempt(lambda: Compat.OK) is Compat.BREAKING  # nothing left for proofs
    try:
        cx.steps = 100
        cx.compare({"type": "string"}, {"type": "integer"}, "")
    except TooComplex:
        pass
    else:
        raise AssertionError("the walk's own budget still ends the walk")


def test_optional_proofs_inside_one_another_stop_at_the_nesting_limit() -> None:
    from drift.diff.engine import MAX_PROOF_NESTING, Comparer
    from drift.diff.model import Compat

    cx = Comparer({}, {}, budget=100)
    depth = []

    def nested() -> Compat:
        depth.append(1)
        return cx.attempt(nested)

    assert cx.attempt(nested) is Compat.BREAKING
    assert len(depth) == MAX_PROOF_NESTING
