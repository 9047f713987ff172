"""patternProperties regexes come from the registry: matching them is bounded work.

A regex whose shape lets Python's `re` backtrack without bound, or one too long, is
not run; neither is any regex against a name too long. Either is "cannot prove": a
breaking change that says why, never a hang and never a silent guess.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from drift.diff import ChangeKind, Compat, patterns
from drift.diff.engine import compare_documents
from drift.diff.patterns import (
    MAX_MATCHED_NAME,
    MAX_PATTERN_LENGTH,
    MAX_PATTERN_NESTING,
    MAX_PATTERN_QUANTIFIERS,
    includes,
    length_bounds,
    matches,
    parse,
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


# -- the `pattern` keyword: read, never run -------------------------------------------------

_ATOMS = ["a", "b", "ab", ".", "[ab]", "[a-c]", "[^a]", "\\d", "[0-9]", "\\s", "x", "(?:a|bc)"]
_QUANTIFIERS = ["", "", "*", "+", "?", "{2}", "{1,2}", "{0,}"]
_TEXTS = st.text(alphabet="abcx0\n\r ", max_size=7)


@st.composite
def small_patterns(draw: st.DrawFn) -> str:
    def branch() -> str:
        items = draw(st.lists(st.sampled_from(_ATOMS), min_size=0, max_size=3))
        body = "".join(item + draw(st.sampled_from(_QUANTIFIERS)) for item in items)
        return draw(st.sampled_from(["", "^"])) + body + draw(st.sampled_from(["", "$"]))

    return "|".join(branch() for _ in range(draw(st.integers(1, 2))))


@settings(max_examples=200, deadline=None)
@given(outer=small_patterns(), inner=small_patterns(), data=st.data())
def test_pattern_inclusion_is_sound_on_python_re(
    outer: str, inner: str, data: st.DataObject
) -> None:
    """When `includes` proves it, every string `inner` finds, `outer` finds (Python's `re`,
    the dialect of the test oracle; the ECMA-262 side is argued in patterns.py)."""
    assume(includes(outer, inner))
    texts = data.draw(st.lists(_TEXTS, max_size=20)) + [
        data.draw(st.from_regex(inner), label="matching inner") for _ in range(5)
    ]
    for text in texts:
        if re.search(inner, text):
            assert re.search(outer, text), (outer, inner, text)


@settings(max_examples=200, deadline=None)
@given(pattern=small_patterns(), texts=st.lists(_TEXTS, max_size=30), data=st.data())
def test_pattern_length_bounds_hold_on_python_re(
    pattern: str, texts: list[str], data: st.DataObject
) -> None:
    texts += [data.draw(st.from_regex(pattern), label="matching") for _ in range(5)]
    for unicode in (False, True):
        fewest, most = length_bounds(pattern, unicode)
        for text in [*texts, "", "a", "ab\n", "0" * 9]:
            if re.search(pattern, text):
                assert fewest <= len(text), (pattern, text, fewest)
                assert most is None or len(text) <= most, (pattern, text, most)


@pytest.mark.parametrize(
    ("pattern", "fewest", "most"),
    [
        (".+", 1, None),
        ("^.+$", 1, None),
        ("[a-z]+", 1, None),
        ("^[0-9]{3}$", 3, 4),  # `$` before a final newline (Python, Java)
        ("^(ab|cde)$", 2, 4),
        ("^ab$|^c", 1, None),  # one branch unanchored at the end: no upper bound
        ("abc", 3, None),
        ("", 0, None),
    ],
)
def test_pattern_length_bounds(pattern: str, fewest: int, most: int | None) -> None:
    assert length_bounds(pattern, unicode=True) == (fewest, most)


def test_a_wide_atom_counts_half_without_unicode() -> None:
    """`.` may match half of a surrogate pair in ECMA-262 without the u flag."""
    assert length_bounds(".{2,}", unicode=False) == (1, None)
    assert length_bounds(".{2,}", unicode=True) == (2, None)
    assert length_bounds("[a-z]{2,}", unicode=False) == (2, None)
    assert length_bounds("[\\u0000-\\uffff]{2}", unicode=False)[0] == 1  # holds surrogates


@pytest.mark.parametrize(
    "pattern",
    [
        "(?=a)a",  # lookaround
        "(?i)a",  # flags: Python only
        "(a)\\1",  # backreference
        "\\bword",  # word boundary
        "a{",  # literal in one dialect
        "a{,3}",  # {0,3} in Python 3.11, literal in ECMA-262
        "[]a]",  # empty class in ECMA-262
        "[^]",
        "\\p{L}",
        "\\Z",
        "a*+",  # possessive in Python
        "\U0001f600",  # astral: two code units in ECMA-262 without u
        "[[:alpha:]]",
        "(" * (MAX_PATTERN_NESTING + 1) + "a" + ")" * (MAX_PATTERN_NESTING + 1),
        "a" * (MAX_PATTERN_LENGTH + 1),
        "a)",
        "(a",
        "x\\",
    ],
)
def test_patterns_outside_the_subset_are_not_read(pattern: str) -> None:
    assert parse(pattern) is None
    assert length_bounds(pattern, unicode=True) == (0, None)
    assert includes(pattern, pattern)  # identical text is equal, read or not
    assert not includes(pattern, "b")
    assert not includes("b", pattern)


def test_pattern_inclusion_spends_a_bounded_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """A search that needs more than MAX_PATTERN_STEPS states proves nothing, however
    true the inclusion; the budget is what bounds the work of a long pattern."""
    outer, inner = "^" + "[ab]?" * 40 + "$", "^" + "a?" * 40 + "$"
    includes.cache_clear()
    assert includes(outer, inner)
    monkeypatch.setattr(patterns, "MAX_PATTERN_STEPS", 50)
    includes.cache_clear()
    try:
        assert not includes(outer, inner)
        assert includes("^[ab]", "^a")  # a short search still fits
    finally:
        includes.cache_clear()
