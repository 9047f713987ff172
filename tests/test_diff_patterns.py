"""patternProperties regexes come from the registry: matching them is bounded work.

A regex whose shape lets Python's `re` backtrack without bound, or one too long, is
not run; neither is any regex against a name too long. Either is "cannot prove": a
breaking change that says why, never a hang and never a silent guess.
"""

from __future__ import annotations

from typing import Any

import pytest

from drift.diff import ChangeKind, Compat
from drift.diff.engine import compare_documents
from drift.diff.patterns import (
    MAX_MATCHED_NAME,
    MAX_PATTERN_LENGTH,
    MAX_PATTERN_QUANTIFIERS,
    matches,
    refusal,
)

CATASTROPHIC = r"^(a+)+$"
# Python's re needs about 2**n steps for this name against CATASTROPHIC: never run.
HOSTILE_NAME = "a" * MAX_MATCHED_NAME + "b"
SHORT_HOSTILE_NAME = "a" * 40 + "b"  # short enough to be matched if the pattern were


def objects(pattern: str, *names: str, extra: str | None = None) -> dict[str, Any]:
    properties = {name: {"type": "string"} for name in names}
    if extra is not None:
        properties[extra] = {"type": "integer"}
    return {
        "type": "object",
        "properties": properties,
        "patternProperties": {pattern: {"type": "string"}},
    }


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (CATASTROPHIC, "catastrophic backtracking"),
        (r"^(a|aa)*$", "catastrophic backtracking"),
        (r"^(?:(?:a)+)+$", "catastrophic backtracking"),
        (r"^([a-z]{1,9}){1,9}$", "catastrophic backtracking"),
        (r"(\w+)-\1", "backreference"),
        (r"(?P<x>a)(?P=x)", "backreference"),
        ("a*" * (MAX_PATTERN_QUANTIFIERS + 1), f"more than {MAX_PATTERN_QUANTIFIERS} quantifiers"),
        ("a" * (MAX_PATTERN_LENGTH + 1), f"longer than {MAX_PATTERN_LENGTH} characters"),
        ("(", "not a regex this engine reads"),
    ],
)
def test_unbounded_or_unreadable_patterns_are_not_evaluated(pattern: str, why: str) -> None:
    reason = refusal(pattern)
    assert reason is not None
    assert why in reason
    assert matches(pattern, "aaa") is None


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        (r"^x-", "x-vendor", True),
        (r"^x-", "vendor", False),
        (r"^[a-zA-Z0-9_-]+$", "user_id", True),
        (r"^(?:foo|bar)_[0-9]{1,3}$", "bar_12", True),
        (r"^(?:foo|bar)?_[0-9]+$", "_12", True),  # ? on an alternation: at most once
        (r"^\(a+\)+$", "(aa)", True),  # escaped parentheses are not a group
        (r"^[(a+)]+$", "a+", True),  # nor are parentheses in a class
        (r"^(ab)+$", "ababx", False),
    ],
)
def test_ordinary_patterns_are_evaluated(pattern: str, name: str, expected: bool) -> None:
    assert refusal(pattern) is None
    assert matches(pattern, name) is expected


def test_a_name_longer_than_the_limit_is_not_matched() -> None:
    assert matches(r"^x-", "x-" + "a" * MAX_MATCHED_NAME) is None
    assert matches(r"^x-", "x-" + "a" * (MAX_MATCHED_NAME - 2)) is True


def test_a_catastrophic_pattern_against_a_hostile_name_finishes_breaking_with_a_reason() -> None:
    old = objects(CATASTROPHIC, SHORT_HOSTILE_NAME)
    new = objects(CATASTROPHIC, SHORT_HOSTILE_NAME, extra="other")
    changes = compare_documents(old, new)
    refused = [c for c in changes if c.path == f"/patternProperties/{CATASTROPHIC}"]
    assert len(refused) == 1
    assert refused[0].kind is ChangeKind.UNSUPPORTED_KEYWORD
    assert (refused[0].backward, refused[0].forward) == (Compat.BREAKING, Compat.BREAKING)
    assert "catastrophic backtracking" in refused[0].message


def test_a_name_too_long_to_match_is_breaking_when_the_object_changed() -> None:
    old = objects(r"^a", HOSTILE_NAME)
    new = objects(r"^a", HOSTILE_NAME, extra="other")
    changes = compare_documents(old, new)
    too_long = [c for c in changes if c.path == f"/properties/{HOSTILE_NAME}"]
    assert len(too_long) == 1
    assert too_long[0].backward is Compat.BREAKING
    assert f"longer than {MAX_MATCHED_NAME} characters" in too_long[0].message


def test_an_unchanged_object_with_a_refused_pattern_is_unchanged() -> None:
    old = {**objects(CATASTROPHIC, SHORT_HOSTILE_NAME), "title": "before"}
    new = {**objects(CATASTROPHIC, SHORT_HOSTILE_NAME), "title": "after"}
    changes = compare_documents(old, new)
    assert [c.kind for c in changes] == [ChangeKind.ANNOTATION_CHANGED]
