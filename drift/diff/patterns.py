"""Matching `patternProperties` regexes against property names, with bounded work.

The regexes come from the schemas, so from the registry: a hostile one such as
`^(a+)+$` backtracks for ever in Python's `re` on a name like `aaaa…b`. `re` has no
step budget, so a regex is evaluated only when its shape bounds the work:

* at most MAX_PATTERN_LENGTH characters and MAX_PATTERN_QUANTIFIERS quantifiers;
* no repeating quantifier on a group that holds a quantifier or an alternation
  (`(a+)+`, `(a|aa)*`: the exponential cases; `(a|b)?` is fine), and no backreference;
* the name matched is at most MAX_MATCHED_NAME characters (the remaining cost is
  polynomial in it, of degree at most the quantifier count plus one).

Anything else is "cannot tell": the object comparison then reports the pattern (or
the name) as breaking with the reason, never a guess and never a hang. The `pattern`
keyword itself is only compared as text, never run.
"""

from __future__ import annotations

import functools
import re

MAX_PATTERN_LENGTH = 256
"""Characters of a `patternProperties` regex this engine evaluates."""

MAX_PATTERN_QUANTIFIERS = 3
"""Quantifiers (`*`, `+`, `?`, `{n,m}`) in a `patternProperties` regex it evaluates."""

MAX_MATCHED_NAME = 64
"""Characters of a property name it matches against a `patternProperties` regex."""

_COUNTED = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def _quantifier_end(pattern: str, i: int) -> int:
    """The index after a quantifier starting at `i` (with its lazy or possessive
    suffix), or `i` when none starts there."""
    if pattern.startswith(("*", "+", "?"), i):
        end = i + 1
    else:
        counted = _COUNTED.match(pattern, i)
        if counted is None:
            return i
        end = counted.end()
    return end + 1 if pattern.startswith(("?", "+"), end) else end


def _class_end(pattern: str, i: int) -> int:
    """The index after the character class `[...]` opening at `i`."""
    i += 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):  # a literal ] first in the class
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _shape(pattern: str) -> str | None:
    """Why this regex's shape does not bound backtracking, or None when it does."""
    if _BACKREFERENCE.search(pattern):
        return "it uses a backreference"
    groups: list[bool] = []  # each open group: holds a quantifier or an alternation
    count = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        risky = False
        if char == "\\":
            i += 2
        elif char == "[":
            i = _class_end(pattern, i)
        elif char == "(":
            groups.append(False)
            i += 2 if pattern.startswith("?", i + 1) else 1  # (?:, (?=, (?P<…>: not a quantifier
            continue
        elif char == ")":
            risky = groups.pop() if groups else False
            i += 1
        elif char == "|":
            if groups:
                groups[-1] = True
            i += 1
            continue
        else:
            i += 1
        end = _quantifier_end(pattern, i)
        quantified = end > i
        if quantified:
            if risky and pattern[i] != "?":  # once or not at all cannot multiply paths
                return (
                    "a quantifier applies to a group holding a quantifier or an alternation "
                    "(catastrophic backtracking)"
                )
            count += 1
            i = end
        if groups and (quantified or risky):
            groups[-1] = True
    if count > MAX_PATTERN_QUANTIFIERS:
        return f"it has more than {MAX_PATTERN_QUANTIFIERS} quantifiers"
    return None


@functools.lru_cache(maxsize=1024)
def refusal(pattern: str) -> str | None:
    """Why this engine does not evaluate `pattern`, or None when it does."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"it is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"it is not a regex this engine reads ({exc})"
    return _shape(pattern)


@functools.lru_cache(maxsize=4096)
def matches(pattern: str, name: str) -> bool | None:
    """Whether `pattern` matches somewhere in `name`; None when that is not evaluated."""
    if refusal(pattern) is not None or len(name) > MAX_MATCHED_NAME:
        return None
    return re.search(pattern, name) is not None
