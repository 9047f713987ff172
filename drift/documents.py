"""Bounded parsing of JSON documents that come from outside (registry answers, local files).

The standard library's `json` does the parsing; this module only adds the guards a
CI gate needs against hostile input. Each limit is a named constant, documented in
the README's "Limits" table, and a breach raises `DocumentError` with a message that
names the limit; the caller prefixes the URL or the file.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
"""One schema document, as bytes (a registry answer after content decoding, or a file)."""

MAX_NESTING = 200
"""Arrays and objects nested inside one another; real schemas stay far below 50."""

MAX_INT_DIGITS = 100
"""Digits of one integer literal: far past any 64-bit bound a schema states."""

MAX_NODES = 2_000_000
"""Values in one document once YAML aliases are expanded (an alias bomb stops here)."""


_INT_CEILING = 10**MAX_INT_DIGITS
# A lone UTF-16 surrogate would crash every UTF-8 writer of a report. It comes from a
# \uD800-\uDFFF escape, or, as json decodes bytes with surrogatepass, from the bytes.
_SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"  # compiled by the first document with a \u escape


class DocumentError(ValueError):
    """A document that breaks one of the limits above, or holds no JSON equivalent."""


def too_large(size: int) -> DocumentError:
    return DocumentError(
        f"document larger than {MAX_DOCUMENT_BYTES} bytes ({size} bytes; "
        "limit MAX_DOCUMENT_BYTES, 8 MiB)"
    )


def check_size(size: int) -> None:
    if size > MAX_DOCUMENT_BYTES:
        raise too_large(size)


def _parse_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise DocumentError(
            f"integer with {digits} digits (limit MAX_INT_DIGITS, {MAX_INT_DIGITS})"
        )
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise DocumentError(f"number {text[:40]} is out of range (not a finite double)")
    return value


def _parse_constant(name: str) -> Any:
    raise DocumentError(f"{name} is not JSON (NaN and Infinity are not allowed)")


_DECODER = json.JSONDecoder(
    parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
)  # built once: json.loads with hooks builds a decoder per call, a tenth of a small parse


def loads_json(data: str | bytes, *, envelope: int = 0) -> Any:
    """json.loads with every guard: size, nesting, integer size, non-finite numbers,
    lone surrogates.

    Raises DocumentError (a ValueError) for a breach and json.JSONDecodeError (also a
    ValueError, with line and column) for text that is not JSON. `envelope` is the
    levels a wrapper adds around the schema (the registry API's answer adds one), so a
    schema is held to MAX_NESTING wherever it comes from.
    """
    check_size(len(data))
    if isinstance(data, bytes):  # as json.loads decodes bytes
        text = data.decode(json.detect_encoding(data), "surrogatepass")
    elif data.startswith("\ufeff"):  # as json.loads refuses a str with a BOM
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
    else:
        text = data
    try:
        document = _DECODER.decode(text)
    except RecursionError:
        raise nesting_error() from None
    # Counting brackets and one regex search are C-speed: only a document that could
    # be that deep, or hold a lone surrogate, is walked.
    deep = text.count("{") + text.count("[") > MAX_NESTING + envelope
    escaped = "\\u" in text and re.search(_SURROGATE_ESCAPE, text) is not None
    strings = escaped or not _is_unicode(text)
    if deep or strings:
        # with strings: every one is checked
        check_tree(document, yaml_values=strings, max_nesting=MAX_NESTING + envelope)
    return document


def _is_unicode(text: str) -> bool:
    if text.isascii():  # O(1): CPython keeps the flag
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def nesting_error() -> DocumentError:
    return DocumentError(f"nested deeper than {MAX_NESTING} levels (limit MAX_NESTING)")


def check_tree(document: Any, *, yaml_values: bool = False, max_nesting: int = MAX_NESTING) -> None:
    """Walk a parsed document without recursion: nesting, expanded size, and (for YAML,
    whose loader builds Python values directly) key types, integer size and finiteness.

    Shared subtrees (YAML aliases) are measured once each and counted as often as they
    are referenced, so an alias bomb is refused in time linear in the file.
    """
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    open_nodes: set[int] = set()  # expanded, not yet measured: met again, it is a cycle
    stack: list[tuple[Any, bool]] = [(document, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            if yaml_values:
                _check_scalar(node)
            continue
        key = id(node)
        if key in sizes:
            continue
        if not expanded:
            if key in open_nodes:
                raise DocumentError("a value contains itself (a recursive YAML alias)")
            open_nodes.add(key)
            if yaml_values and isinstance(node, dict):
                for name in node:
                    if not isinstance(name, str):
                        raise DocumentError(
                            f"key {name!r} is not a string but {type(name).__name__}; JSON "
                            "object keys are strings (quote it)"
                        )
                    _check_text(name)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            if len(stack) > MAX_NODES:
                raise _too_many()
            continue
        size, depth = 1, 1
        for child in children:
            if isinstance(child, dict | list):
                size += sizes[id(child)]
                depth = max(depth, depths[id(child)] + 1)
            else:
                size += 1
        if depth > max_nesting:
            raise nesting_error()
        if size > MAX_NODES:
            raise _too_many()
        sizes[key], depths[key] = size, depth
        open_nodes.discard(key)


def _too_many() -> DocumentError:
    return DocumentError(
        f"more than {MAX_NODES} values once aliases are expanded (limit MAX_NODES)"
    )


def _check_text(value: str) -> None:
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DocumentError(
            f"string with a lone UTF-16 surrogate ({value[exc.start]!r}) is not Unicode text"
        ) from None


def _check_scalar(value: Any) -> None:
    if isinstance(value, str):
        _check_text(value)
        return
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) >= _INT_CEILING:
            raise DocumentError(f"integer with more than {MAX_INT_DIGITS} digits")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DocumentError(f"{value} is not a JSON number (NaN and Infinity are not allowed)")
        return
    raise DocumentError(
        f"a YAML {type(value).__name__} value has no JSON equivalent ({str(value)[:40]!r})"
    )
