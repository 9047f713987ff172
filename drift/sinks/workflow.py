"""GitHub's workflow commands, written by hand: annotations, masks, outputs, the summary.

The protocol (docs.github.com, "Workflow commands for GitHub Actions") is small:
`::name key=value,…::message` lines on stdout, with `%`, CR and LF
escaped in the message and also `:` and `,` in the values; and records appended to the
files GITHUB_OUTPUT and GITHUB_STEP_SUMMARY name, multi-line outputs as heredocs with a
delimiter found in neither the name nor the value. It replaces github-action-utils,
whose import (uuid, subprocess, its artifact helpers) cost a tenth of the action's start.
"""

from __future__ import annotations

import os
import sys


def escape_data(text: str) -> str:
    """A message: `%` first, so text that looks escaped already is decoded exactly once."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: also the separators of `key=value,key=value::`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def emit(line: str) -> None:
    """One line on stdout, as UTF-8 on a runner whatever the console's encoding (Windows)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if os.environ.get("GITHUB_ACTIONS") == "true" and buffer is not None:
        sys.stdout.flush()  # text written before stays before
        buffer.write((line + "\n").encode("utf-8"))
        buffer.flush()
    else:
        print(line, flush=True)


def command(name: str, message: str, **properties: str | int | None) -> None:
    """`::name key=value,…::message`, every value and the message escaped."""
    given = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    emit(f"::{name} {given}::{escape_data(message)}")


def annotate(
    level: str, message: str, *, title: str | None = None, file: str | None = None,
    line: int | None = None,
) -> None:  # fmt: skip
    """An `error`, `warning` or `notice` annotation, on `file`'s `line` when given."""
    command(level, message, title=title, file=file, line=line)


def add_mask(secret: str) -> None:
    command("add-mask", secret)


def stop_commands() -> str:
    """Turn workflow commands off until `resume_commands(token)`: text that follows, names
    from schemas included, cannot issue any. The token is random, so no text can guess it."""
    token = os.urandom(16).hex()
    command("stop-commands", token)
    return token


def resume_commands(token: str) -> None:
    emit(f"::{token}::")


def _append(variable: str, text: str) -> None:
    data = text.encode("utf-8")  # before opening: text that cannot encode writes nothing
    with open(os.environ[variable], "ab") as handle:
        handle.write(data)


def set_output(name: str, value: str) -> None:
    """`name<<DELIMITER`, the value, DELIMITER: any text, newlines included, stays one output."""
    if not name or any(part in name for part in ("=", "<<", "\r", "\n", "\0")):
        raise ValueError(f"output name {name!r}: must be nonempty, without =, << or line breaks")
    delimiter = f"ghadelimiter_{os.urandom(16).hex()}"
    while delimiter in value:  # chance 2**-128 for text that did not see the delimiter
        delimiter = f"ghadelimiter_{os.urandom(16).hex()}"
    newline = os.linesep  # the runner reads its own platform's line ends
    _append("GITHUB_OUTPUT", f"{name}<<{delimiter}{newline}{value}{newline}{delimiter}{newline}")


def append_summary(markdown: str) -> None:
    _append("GITHUB_STEP_SUMMARY", markdown + "\n")
