"""Soundness of the diff engine's strict verdicts, checked on generated instances.

Whenever `diff_schemas(OLD, NEW, policy="strict")` calls a change compatible, no instance may
prove it wrong:

* mode "backward" compatible: every instance OLD accepts, NEW accepts too;
* mode "forward" compatible: every instance NEW accepts, OLD accepts too.

OLD/NEW pairs come from realistic base schemas and 1-3 random realistic edits
(tests/schema_mutations.py), in both roles, and from Confluent's compatibility vectors.
Instances come from hypothesis-jsonschema and are validated with `jsonschema` for the
schema's draft, formats not asserted. Only the strict policy is checked: lenient is unsound
on purpose (it allows adding an optional property to an open model).

`SOUNDNESS_EXAMPLES` sets the examples per property test (default 300, to keep the suite
fast); the acceptance run is `SOUNDNESS_EXAMPLES=2000 python -m pytest
tests/test_diff_soundness.py --hypothesis-show-statistics`. Each Confluent vector is run with
a tenth of that (at least 20): its schemas are fixed and tiny.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, event, given, note, reject, settings
from hypothesis import strategies as st

from drift.diff import DiffResult, Mode, Policy, diff_schemas
from tests.conftest import locate_shared, shared_path
from tests.schema_mutations import (
    BASE_SCHEMAS,
    DEFAULT_VALIDATOR,
    GENERATION_ERRORS,
    Mutant,
    Schema,
    describe_error,
    instances,
    mutants,
    validation_error,
    validator_class,
)

EXAMPLES = int(os.environ.get("SOUNDNESS_EXAMPLES", "300"))
VECTOR_EXAMPLES = max(20, EXAMPLES // 10)
INSTANCES_PER_PAIR = 3  # instances drawn from the source schema of each compatible verdict

settings.register_profile(
    "drift-soundness",
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
    derandomize=False,
)
SOUNDNESS = settings.get_profile("drift-soundness")
VECTOR_SETTINGS = settings(SOUNDNESS, max_examples=VECTOR_EXAMPLES)

DIRECTIONS = (Mode.BACKWARD, Mode.FORWARD)

# Confluent's vectors are draft-07; few declare it.
CONFLUENT_DRAFT = jsonschema.Draft7Validator
CONFLUENT_FILES = ("diff-schema-examples.json", "diff-combined-schema-examples.json")
# Vectors whose strict backward verdict is unsound on purpose, by description, with the reason.
KNOWN_UNSOUND_VECTORS: dict[str, str] = {}  # none: where Confluent is unsound, we are not


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def counterexample(
    mode: Mode,
    old: Any,
    new: Any,
    instance: Any,
    error: jsonschema.ValidationError,
    result: DiffResult,
    context: list[str],
) -> str:
    source, target = ("OLD", "NEW") if mode is Mode.BACKWARD else ("NEW", "OLD")
    changes = [change.to_dict() for change in result.changes]
    return "\n".join(
        [
            f"UNSOUND strict {mode.value} verdict: diff_schemas(OLD, NEW, mode={mode.value!r}, "
            f"policy='strict') says compatible, but {target} rejects an instance of {source}.",
            *context,
            f"OLD:      {_dumps(old)}",
            f"NEW:      {_dumps(new)}",
            f"instance: {_dumps(instance)}",
            f"error:    {describe_error(error)}",
            "engine changes:",
            *([f"  {_dumps(change)}" for change in changes] or ["  (none)"]),
        ]
    )


def draw_instance(
    data: st.DataObject,
    schema: Any,
    label: str,
    default: type[jsonschema.protocols.Validator] = DEFAULT_VALIDATOR,
) -> Any:
    """An instance of `schema`; the example is rejected (vacuous) if none can be generated."""
    try:
        instance = data.draw(instances(schema, default), label=label)
    except GENERATION_ERRORS as error:
        event(f"rejected: cannot generate ({type(error).__name__})")
        reject()
    if validation_error(schema, instance, default) is not None:
        event("rejected: generated instance invalid for its own schema")
        reject()
    return instance


def check_pair(data: st.DataObject, old: Any, new: Any, context: list[str]) -> None:
    """The soundness property for one OLD/NEW pair, both directions, strict policy."""
    for mode in DIRECTIONS:
        result = diff_schemas(old, new, mode=mode, policy=Policy.STRICT)
        if not result.compatible:
            event(f"{mode.value}: engine says breaking")
            continue
        event(f"{mode.value}: engine says compatible (checked)")
        source, target = (old, new) if mode is Mode.BACKWARD else (new, old)
        for index in range(INSTANCES_PER_PAIR):
            instance = draw_instance(data, source, f"{mode.value} instance {index}")
            error = validation_error(target, instance)
            if error is not None:
                raise AssertionError(
                    counterexample(mode, old, new, instance, error, result, context)
                )


# ----------------------------------------------------------------------------------------
# Generated pairs
# ----------------------------------------------------------------------------------------


class Corpus(dict[str, Schema]):
    """Base schemas by name; shown by its name alone in Hypothesis' falsifying examples."""

    def __init__(self, name: str, schemas: dict[str, Schema]) -> None:
        super().__init__(schemas)
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name} base schemas: {', '.join(sorted(self))}>"


@pytest.fixture(scope="module", params=["builtin", "telemetry"])
def bases(request: pytest.FixtureRequest) -> Corpus:
    """Base schemas: the built-in models, or the three real ones from ../shared."""
    if request.param == "builtin":
        return Corpus("built-in", BASE_SCHEMAS)
    folder = shared_path("fixtures", "market-data-store", "v1")
    found = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("telemetry.*.json"))}
    assert len(found) == 3, f"expected three telemetry.*.json in {folder}, found {sorted(found)}"
    return Corpus("telemetry", found)


def _draw_mutant(data: st.DataObject, bases: Corpus) -> tuple[str, Schema, Mutant]:
    name = data.draw(st.sampled_from(sorted(bases)), label="base")
    mutant = data.draw(mutants(bases[name]), label="mutant")
    note(f"edits: {mutant.edits}")
    return name, bases[name], mutant


@SOUNDNESS
@given(data=st.data())
def test_strict_verdicts_are_sound_base_to_mutant(bases: Corpus, data: st.DataObject) -> None:
    """OLD = a base schema, NEW = it after 1-3 random edits."""
    name, base, mutant = _draw_mutant(data, bases)
    check_pair(data, base, mutant.schema, [f"OLD is base {name!r}; NEW = OLD + {mutant.edits}"])


@SOUNDNESS
@given(data=st.data())
def test_strict_verdicts_are_sound_mutant_to_base(bases: Corpus, data: st.DataObject) -> None:
    """Roles swapped: OLD = a base schema after 1-3 random edits, NEW = the base schema."""
    name, base, mutant = _draw_mutant(data, bases)
    check_pair(data, mutant.schema, base, [f"NEW is base {name!r}; OLD = NEW + {mutant.edits}"])


# The generators themselves, so a broken generator cannot hide behind vacuous examples.


@settings(SOUNDNESS, max_examples=min(EXAMPLES, 200))
@given(data=st.data())
def test_mutants_are_valid_schemas_and_generated_instances_fit(
    bases: Corpus, data: st.DataObject
) -> None:
    _, _, mutant = _draw_mutant(data, bases)
    validator_class(mutant.schema).check_schema(mutant.schema)
    try:
        instance = data.draw(instances(mutant.schema), label="instance")
    except GENERATION_ERRORS as error:
        event(f"rejected: cannot generate ({type(error).__name__})")
        reject()
    error = validation_error(mutant.schema, instance)
    if error is not None and error.validator == "oneOf":
        # hypothesis-jsonschema cannot honour oneOf's exclusivity, and a mutation may add a
        # branch that overlaps another; draw_instance rejects such instances the same way.
        event("rejected: instance matches several oneOf branches")
        reject()
    assert error is None, f"generated {instance!r} is invalid: {describe_error(error)}"


@pytest.mark.parametrize("name", sorted(BASE_SCHEMAS))
def test_base_schema_is_valid_and_its_instances_validate(name: str) -> None:
    schema = BASE_SCHEMAS[name]
    validator_class(schema).check_schema(schema)

    @settings(SOUNDNESS, max_examples=30)
    @given(instance=instances(schema))
    def check(instance: Any) -> None:
        error = validation_error(schema, instance)
        assert error is None, f"generated {instance!r} is invalid: {describe_error(error)}"

    check()


# ----------------------------------------------------------------------------------------
# Confluent's vectors
# ----------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _vector_params() -> list[Any]:
    params: list[Any] = []
    for file in CONFLUENT_FILES:
        stem = file.removesuffix(".json")
        path: Path = locate_shared("peer", "confluent", file)
        if not path.exists():  # the test then skips, or fails under CI=true
            params += [pytest.param(file, -1, mode, id=f"{mode}-{stem}") for mode in DIRECTIONS]
            continue
        cases = json.loads(path.read_text(encoding="utf-8"))
        params += [
            pytest.param(
                file, index, mode, id=f"{mode}-{stem}-{index}-{_slug(case['description'])}"
            )
            for mode in DIRECTIONS
            for index, case in enumerate(cases)
        ]
    return params


def test_known_unsound_vectors_exist() -> None:
    """Every listed exception still names a real vector (a renamed one would hide a bug)."""
    descriptions = {
        case["description"]
        for file in CONFLUENT_FILES
        for case in json.loads(shared_path("peer", "confluent", file).read_text(encoding="utf-8"))
    }
    assert set(KNOWN_UNSOUND_VECTORS) <= descriptions


@pytest.mark.shared
@pytest.mark.parametrize(("file", "index", "mode"), _vector_params())
def test_strict_verdict_is_sound_on_confluent_vector(file: str, index: int, mode: Mode) -> None:
    """Compatible strict verdicts on Confluent's vectors hold on generated instances."""
    cases = json.loads(shared_path("peer", "confluent", file).read_text(encoding="utf-8"))
    case = cases[index]
    description: str = case["description"]
    if mode is Mode.BACKWARD and description in KNOWN_UNSOUND_VECTORS:
        pytest.skip(KNOWN_UNSOUND_VECTORS[description])
    old, new = case["original_schema"], case["update_schema"]
    result = diff_schemas(old, new, mode=mode, policy=Policy.STRICT)
    if not result.compatible:
        return  # a breaking verdict claims nothing to disprove
    source, target = (old, new) if mode is Mode.BACKWARD else (new, old)
    context = [f"Confluent vector {file}[{index}]: {description!r}"]

    @VECTOR_SETTINGS
    @given(instance=instances(source, CONFLUENT_DRAFT))
    def check(instance: Any) -> None:
        if validation_error(source, instance, CONFLUENT_DRAFT) is not None:
            reject()  # a generator imprecision, not an instance of the source schema
        error = validation_error(target, instance, CONFLUENT_DRAFT)
        if error is not None:
            raise AssertionError(counterexample(mode, old, new, instance, error, result, context))

    try:
        check()
    except GENERATION_ERRORS as error:
        which = "original" if mode is Mode.BACKWARD else "update"
        pytest.skip(
            f"no instances of the {which} schema: unsatisfiable, or hypothesis-jsonschema "
            f"cannot generate from it ({type(error).__name__}: {str(error)[:200]})"
        )
