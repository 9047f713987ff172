"""How a user names one side of a comparison, and the parsing of that name.

| spelling | side |
| --- | --- |
| `DIR` | a schema dir (`schemas`, `./tests/fixtures/schemas`) |
| `git:REV:PATH` | the schema dir PATH (relative to the current directory) at git revision REV |
| `https://HOST#TRACK` (or `http://`) | a registry's track over HTTP |
| `DIR#TRACK`, `file://DIR#TRACK` | a registry directory's track |

A revision is checked before git sees it: it can never be read as an option.
"""

from __future__ import annotations

import enum
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING

from drift.records import Row

if TYPE_CHECKING:
    from drift.report import SideInfo
    from drift.settings import RegistryKind

EXAMPLES = "e.g. schemas, git:origin/main:schemas, https://reg.example#v2 or examples/registry#v1"
MAX_REVISION_CHARS = 256
# A ref name, a SHA, or an expression such as HEAD~2 or main^: no spaces, no control
# characters, no ':' (it ends the revision), and never a leading '-' (an option).
_REVISION = r"[^\s:\x00-\x1f\x7f-][^\s:\x00-\x1f\x7f]*"  # compiled when first used


class SideKind(enum.StrEnum):
    DIR = "dir"
    GIT = "git"
    REGISTRY = "registry"


class Side(Row):
    kind: SideKind
    spec: str  # as the user wrote it (a URL's credentials removed)
    path: Path | None = None  # DIR: the schema dir; REGISTRY: a registry directory
    tree: str | None = None  # GIT: the schema dir, "/"-separated, relative to the cwd
    revision: str | None = None  # GIT
    url: str | None = None  # REGISTRY: the location without "#TRACK"
    registry_kind: RegistryKind | None = None
    track: str | None = None  # REGISTRY

    def info(self, commit: str | None = None) -> SideInfo:
        from drift.report import SideInfo  # noqa: PLC0415

        return SideInfo(kind=self.kind.value, spec=self.spec, commit=commit, track=self.track)


def check_revision(revision: str) -> str:
    """A revision git may be given, or ValueError saying why not (with an accepted one)."""
    if not revision:
        raise ValueError("the revision is empty; e.g. origin/main, a tag, or a commit SHA")
    if len(revision) > MAX_REVISION_CHARS:
        raise ValueError(f"the revision is longer than {MAX_REVISION_CHARS} characters")
    if revision.startswith("-"):
        raise ValueError(
            f"revision {revision!r} starts with '-' and would read as an option; "
            "e.g. origin/main or a commit SHA"
        )
    if not re.fullmatch(_REVISION, revision):
        raise ValueError(
            f"revision {revision!r} holds a space, a control character or ':'; "
            "e.g. origin/main, v1.2.0 or a commit SHA"
        )
    return revision


def git_side(revision: str, path: str, spec: str | None = None) -> Side:
    """The side `git:REV:PATH`; PATH is relative to the current directory ('' or '.': it)."""
    check_revision(revision)
    if path.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", path):
        raise ValueError(
            f"path {path!r} is absolute; give it relative to the current directory, "
            f"e.g. git:{revision}:schemas"
        )
    if "\x00" in path:
        raise ValueError("the path holds a NUL character")
    tree = posixpath.normpath(path.replace("\\", "/")) if path else "."
    return Side(SideKind.GIT, spec or f"git:{revision}:{path}", tree=tree, revision=revision)


def parse_side(text: str, cwd: Path) -> Side:
    """A side as written on the command line, or ValueError naming the problem and a fix."""
    from drift.settings import TRACKS, redact_url  # noqa: PLC0415 (settings imports this module)

    text = text.strip()
    if not text:
        raise ValueError(f"is empty; {EXAMPLES}")
    if text.startswith("git:"):
        revision, colon, path = text[4:].partition(":")
        if not colon:
            raise ValueError(
                f"{text!r} names no path: write git:REV:PATH, e.g. git:{revision or 'origin/main'}"
                ":schemas (git:REV:. for the current directory)"
            )
        return git_side(revision, path, text)
    location, hash_mark, track = text.rpartition("#")
    lowered = text.lower()
    is_url = lowered.startswith(("http://", "https://", "file://"))
    if not hash_mark:
        if is_url:
            raise ValueError(
                f"{redact_url(text)!r} names no track: add it, e.g. {redact_url(text)}#v1"
            )
        return _dir_side(text, cwd)
    if track not in TRACKS:
        raise ValueError(
            f"{redact_url(text)!r}: {track!r} is not a registry track; use "
            f"{' or '.join(TRACKS)}, e.g. {redact_url(location)}#v1"
        )
    return _registry_side(location, track, cwd, redact_url(text))


def _dir_side(text: str, cwd: Path) -> Side:
    path = cwd / text
    if (path / "index.json").is_file():
        raise ValueError(
            f"{text!r} is a registry directory (it holds index.json): name the track, "
            f"e.g. {text}#v1"
        )
    if not path.is_dir():
        raise ValueError(f"{text!r} is not a directory (looked in {path}); {EXAMPLES}")
    return Side(SideKind.DIR, text, path=path)


def _registry_side(location: str, track: str, cwd: Path, spec: str) -> Side:
    from drift.settings import registry_location  # noqa: PLC0415

    url, kind, path = registry_location(location, cwd)
    return Side(SideKind.REGISTRY, spec, path=path, url=url, registry_kind=kind, track=track)
