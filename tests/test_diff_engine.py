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
