"""Agreement with Confluent Schema Registry's own JSON Schema compatibility vectors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from drift.diff import diff_schemas
from tests.conftest import shared_path

FILES = ("diff-schema-examples.json", "diff-combined-schema-examples.json")


def cases() -> list[Any]:
    return [
        pytest.param(name, index, id=f"{name.split('-schema')[0]}-{index}")
        for name, count in (
            ("diff-schema-examples.json", 104),
            ("diff-combined-schema-examples.json", 28),
        )
        for index in range(count)
    ]


def load(name: str, index: int) -> dict[str, Any]:
    vectors = json.loads(shared_path("peer", "confluent", name).read_text())
    return vectors[index]  # type: ignore[no-any-return]


def test_the_vector_files_hold_132_cases() -> None:
    counts = [len(json.loads(shared_path("peer", "confluent", name).read_text())) for name in FILES]
    assert counts == [104, 28]


# Vectors where Confluent's verdict is unsound, with the witness that shows it: OLD
# accepts the instance and NEW rejects it. There we expect breaking, not Confluent's word.
UNSOUND_IN_CONFLUENT = {"Detect required array to be changed": {"foo": "x"}}


def test_confluent_is_unsound_where_we_part_from_it() -> None:
    import jsonschema

    by_description = {
        load(name, index)["description"]: load(name, index)
        for name, count in (("diff-schema-examples.json", 104),)
        for index in range(count)
    }
    for description, witness in UNSOUND_IN_CONFLUENT.items():
        case = by_description[description]
        assert case["compatible"] is True  # what Confluent says
        assert jsonschema.Draft7Validator(case["original_schema"]).is_valid(witness)
        assert not jsonschema.Draft7Validator(case["update_schema"]).is_valid(witness)
        result = diff_schemas(
            case["original_schema"], case["update_schema"], mode="backward", policy="strict"
        )
        assert not result.compatible
        assert any("Confluent rates this compatible" in c.message for c in result.changes)


@pytest.mark.parametrize(("name", "index"), cases())
def test_backward_strict_and_lenient_verdicts_match(name: str, index: int) -> None:
    case = load(name, index)
    if case["description"] in UNSOUND_IN_CONFLUENT:
        expected = diff_schemas(
            case["original_schema"], case["update_schema"], mode="backward", policy="strict"
        )
        assert not expected.compatible  # sound, where Confluent is not (see above)
        return
    strict = diff_schemas(
        case["original_schema"], case["update_schema"], mode="backward", policy="strict"
    )
    explain = json.dumps([c.to_dict() for c in strict.changes], indent=1)
    assert strict.compatible == case["compatible"], f"{case['description']}: {explain}"
    if "compatible_lenient" in case:
        lenient = diff_schemas(
            case["original_schema"], case["update_schema"], mode="backward", policy="lenient"
        )
        assert lenient.compatible == case["compatible_lenient"], case["description"]


@pytest.mark.parametrize(("name", "index"), cases())
def test_forward_is_backward_with_the_roles_swapped(name: str, index: int) -> None:
    case = load(name, index)
    old, new = case["original_schema"], case["update_schema"]
    for policy in ("strict", "lenient"):
        forward = diff_schemas(old, new, mode="forward", policy=policy).compatible
        assert forward == diff_schemas(new, old, mode="backward", policy=policy).compatible
        full = diff_schemas(old, new, mode="full", policy=policy).compatible
        assert full == (
            forward and diff_schemas(old, new, mode="backward", policy=policy).compatible
        )


def test_a_recursive_schema_against_itself_and_a_change_inside_the_cycle() -> None:
    schema = json.loads(shared_path("peer", "confluent", "recursive-schema.json").read_text())
    assert diff_schemas(schema, schema).changes == []
    changed = json.loads(json.dumps(schema))
    changed["definitions"]["Category"]["properties"]["category_id"]["type"] = "number"
    backward = diff_schemas(schema, changed, mode="backward", policy="strict")
    forward = diff_schemas(schema, changed, mode="forward", policy="strict")
    assert backward.compatible
    assert not forward.compatible
    assert [c.path for c in forward.changes] == [
        "/definitions/Category/properties/category_id/type"
    ]
