"""A schema dir at a git revision (drift.sources.git), on real repositories built here."""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from drift.cli import main
from drift.documents import MAX_DOCUMENT_BYTES
from drift.engine import compare_sources
from drift.errors import SettingsError
from drift.hashing import compute_sha256
from drift.settings import load_compare_settings
from drift.snapshots import LocalSnapshots
from drift.sources.git import GitError, GitSource
from drift.sources.spec import Side, SideKind, git_side, parse_side
from tests.gitrepo import Repo, git
from tests.helpers import model


def by_schema(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["schema"]: item for item in report["schemas"]}


def load(cwd: Path, revision: str, path: str, **options: Any) -> LocalSnapshots:
    source = GitSource(git_side(revision, path), cwd, **options)
    return asyncio.run(source.load())


def compare(cwd: Path, old: str, new: str, **raw: str) -> dict[str, Any]:
    settings = load_compare_settings({"old": old, "new": new, **raw}, command="compare", cwd=cwd)
    return compare_sources(settings, cwd=cwd).result.report.to_dict()


@pytest.fixture
def history(tmp_path: Path) -> dict[str, Any]:
    """main: four schemas. feature (branched off): one changed, one renamed (same
    $schema_id), one renamed without an id (a new identity), one deleted, one added."""
    repo = Repo(tmp_path / "repo")
    trade = model("md.Trade", price={"type": "number"}, side={"enum": ["buy", "sell"]})
    quote = model("md.Quote")
    repo.write("schemas/md.Trade.json", trade)
    repo.write("schemas/md.Quote.json", quote)
    repo.write("schemas/bar.json", {"type": "object", "title": "no $schema_id"})
    repo.write("schemas/md.Gone.json", model("md.Gone"))
    repo.write("README.md", "not a schema\n")
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    changed = json.loads(json.dumps(trade))
    changed["properties"]["price"]["type"] = "integer"  # narrowed: breaks backward
    repo.write("schemas/md.Trade.json", changed)
    (repo.root / "schemas" / "quotes").mkdir()
    repo.git("mv", "schemas/md.Quote.json", "schemas/quotes/quote-v1.json")  # same $schema_id
    repo.git("mv", "schemas/bar.json", "schemas/bars.json")  # the identity was the stem
    repo.git("rm", "-q", "schemas/md.Gone.json")
    repo.write("schemas/md.Added.json", model("md.Added"))
    head = repo.commit("feature")
    return {"repo": repo, "root": repo.root, "base": base, "head": head, "trade": trade}


def test_a_revision_is_read_from_the_object_store(history: dict[str, Any]) -> None:
    root = history["root"]
    (root / "schemas" / "md.Trade.json").write_text("{ not json")  # the working tree is not read
    local = load(root, "main", "schemas")
    assert sorted(s.identity for s in local.snapshots) == ["bar", "md.Gone", "md.Quote", "md.Trade"]
    trade = next(s for s in local.snapshots if s.identity == "md.Trade")
    assert trade.sha256 == compute_sha256(history["trade"])
    assert trade.file == "schemas/md.Trade.json"
    assert trade.version == "1.0.0"
    assert not local.problems


def test_branches_compared_rename_delete_and_add(history: dict[str, Any]) -> None:
    report = compare(history["root"], "git:main:schemas", "git:feature:schemas")
    items = by_schema(report)
    assert items["md.Trade"]["status"] == "drift"
    assert items["md.Trade"]["severity"] == "breaking"
    price = next(c for c in items["md.Trade"]["changes"] if c["path"].startswith("/properties"))
    assert price["kind"] == "type_narrowed"
    # a rename that keeps $schema_id is the same schema, at its new path (NEW's file)
    assert items["md.Quote"]["status"] == "synced"
    assert items["md.Quote"]["file"] == "schemas/quotes/quote-v1.json"
    # without $schema_id the file stem is the identity: the rename is a removal and an addition
    assert (items["bar"]["status"], items["bars"]["status"]) == ("removed", "added")
    assert items["md.Gone"]["status"] == "removed"
    assert items["md.Gone"]["file"] == "schemas/md.Gone.json"
    assert items["md.Added"]["status"] == "added"
    assert report["counts"] == {"synced": 1, "drift": 1, "removed": 2, "added": 2, "error": 0}
    assert report["comparison"]["old"] == {
        "kind": "git",
        "spec": "git:main:schemas",
        "commit": history["base"],
        "track": None,
    }
    assert report["comparison"]["new"]["commit"] == history["head"]
    assert report["stats"]["requests"] == 0


def test_changes_point_at_the_lines_of_new_s_file(history: dict[str, Any]) -> None:
    """The pull request's case: the base commit against the working tree."""
    root = history["root"]
    report = compare(root, f"git:{history['base']}:schemas", "schemas")
    trade = by_schema(report)["md.Trade"]
    assert trade["file"] == "schemas/md.Trade.json"
    lines = (root / "schemas" / "md.Trade.json").read_text().splitlines()
    change = next(c for c in trade["changes"] if c["path"] == "/properties/price/type")
    assert '"type": "integer"' in lines[change["line"] - 1]


def test_the_path_is_relative_to_the_current_directory(history: dict[str, Any]) -> None:
    inner = history["root"] / "schemas"
    local = load(inner, "main", ".")
    assert {s.file for s in local.snapshots} == {
        "md.Trade.json",
        "md.Quote.json",
        "bar.json",
        "md.Gone.json",
    }
    report = compare(inner, "git:main:.", "git:feature:.")
    assert by_schema(report)["md.Trade"]["file"] == "md.Trade.json"


def test_metadata_yaml_and_hidden_files_as_on_disk(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("s/_metadata.json", {"track": "v1", "version": "2.0.0"})
    repo.write("s/a.yaml", "type: object\ntitle: A\n")
    repo.write("s/.hidden.json", "{ broken")
    repo.write("s/.git-like/x.json", "{ broken")
    repo.write("s/notes.txt", "{ broken")
    repo.commit("c")
    local = load(repo.root, "HEAD", "s")
    assert [(s.identity, s.version) for s in local.snapshots] == [("a", "2.0.0")]
    assert local.metadata is not None
    assert local.metadata.track == "v1"
    assert not local.problems


def test_unusable_files_are_errors_naming_the_file(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("s/ok.json", model("md.Ok"))
    repo.write("s/broken.json", "{ nope")
    repo.write("s/latin1.json", "")
    (repo.root / "s" / "latin1.json").write_bytes(b'{"title": "caf\xe9"}')
    repo.write("s/dup1.json", model("md.Dup"))
    repo.write("s/dup2.json", model("md.Dup"))
    repo.commit("c")
    local = load(repo.root, "HEAD", "s")
    assert [s.identity for s in local.snapshots] == ["md.Ok"]
    problems = {p.file: p.message for p in local.problems}
    assert "invalid JSON" in problems["s/broken.json"]
    assert "not UTF-8" in problems["s/latin1.json"]
    assert "more than one file" in problems["s/dup1.json"]


def test_an_oversized_blob_is_refused_unread(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("s/huge.json", '{"pad": "' + "x" * MAX_DOCUMENT_BYTES + '"}')
    repo.write("s/ok.json", model("md.Ok"))
    repo.commit("c")
    local = load(repo.root, "HEAD", "s")
    assert [s.identity for s in local.snapshots] == ["md.Ok"]
    (problem,) = local.problems
    assert problem.file == "s/huge.json"
    assert "MAX_DOCUMENT_BYTES" in problem.message


def test_symlinks_are_followed_inside_and_refused_outside(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("secret.json", {"type": "object", "title": "outside the schema dir"})
    repo.write("s/real/target.json", model("md.Target"))
    links = {
        "s/inside.json": "real/target.json",
        "s/up.json": "../secret.json",
        "s/absolute.json": "/etc/passwd",
        "s/dangling.json": "real/nothing.json",
        "s/loop1.json": "loop2.json",
        "s/loop2.json": "loop1.json",
        "s/dir.json": "real",
    }
    for name, target in links.items():
        os.symlink(target, repo.root / name)
    repo.commit("links")
    local = load(repo.root, "HEAD", "s")
    # the inside link reads its target: one identity, two files (as on disk)
    assert not local.snapshots
    problems = {p.file: p.message for p in local.problems}
    assert "more than one file" in problems["s/inside.json"]
    assert "leaves the schema dir (→ ../secret.json)" in problems["s/up.json"]
    assert "leaves the schema dir (→ /etc/passwd)" in problems["s/absolute.json"]
    assert "dangling symlink" in problems["s/dangling.json"]
    assert "loop" in problems["s/loop1.json"]
    assert "s/dir.json" not in problems  # a link to a directory inside: not followed
    assert all("outside the schema dir" not in message for message in problems.values())


def test_one_listing_and_one_cat_file_process_whatever_the_number_of_files(
    tmp_path: Path,
) -> None:
    repo = Repo(tmp_path / "repo")
    for i in range(60):
        repo.write(f"s/m{i:02d}.json", model(f"md.M{i:02d}"))
    repo.commit("many")
    log = tmp_path / "calls.log"
    wrapper = tmp_path / "git-wrapper"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec git "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    local = load(repo.root, "HEAD", "s", git=str(wrapper))
    assert len(local.snapshots) == 60
    calls = log.read_text().splitlines()
    assert len(calls) == 3, calls  # rev-parse, ls-tree, cat-file --batch
    assert sum("cat-file --batch" in call for call in calls) == 1


def test_a_missing_revision_names_it_and_a_fix(history: dict[str, Any]) -> None:
    report = compare(history["root"], "git:release/9:schemas", "schemas")
    (message,) = [error["message"] for error in report["errors"]]
    assert message.startswith("OLD git:release/9:schemas: no commit 'release/9'")
    assert "git fetch origin release/9" in message
    assert report["schemas"] == []


def test_a_shallow_clone_without_the_base_commit(
    history: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What actions/checkout gives by default (fetch-depth: 1): the base commit is absent."""
    clone = tmp_path / "clone"
    url = history["root"].as_uri()  # file://: a local path would ignore --depth
    git(tmp_path, "clone", "-q", "--depth=1", "--branch", "feature", url, str(clone))
    base = history["base"]
    monkeypatch.chdir(clone)
    code = main(["compare", f"git:{base}:schemas", "schemas", "--output", "r.json"])
    assert code == 2
    report = json.loads((clone / "r.json").read_text())
    (message,) = [error["message"] for error in report["errors"]]
    assert f"revision '{base}' is not in this clone, which is shallow" in message
    assert f"git fetch --depth=1 origin {base}" in message
    assert "fetch-depth: 0" in message
    # after the fetch the message names, the same comparison works
    git(clone, "fetch", "-q", "--depth=1", "origin", base)
    report = compare(clone, f"git:{base}:schemas", "schemas")
    assert by_schema(report)["md.Trade"]["status"] == "drift"


def test_a_path_that_is_no_directory_or_leaves_the_repository(history: dict[str, Any]) -> None:
    root = history["root"]
    cases = {
        "git:main:schemas/md.Trade.json": "'schemas/md.Trade.json' is a file at main",
        "git:main:nowhere": "there is no directory 'nowhere' at main",
        "git:main:..": "path '..' leaves the repository",
    }
    for old, expected in cases.items():
        (message,) = [e["message"] for e in compare(root, old, "schemas")["errors"]]
        assert expected in message, message
        assert message.startswith(f"OLD {old}: ")


def test_not_a_git_repository_and_no_git(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    os.environ.pop("GIT_DIR", None)
    with pytest.raises(GitError, match="is not inside a git repository"):
        load(tmp_path, "main", "schemas", git="git")
    with pytest.raises(GitError, match="git is not installed"):
        load(tmp_path, "main", "schemas", git=str(tmp_path / "no-such-git"))


def test_git_that_hangs_is_stopped_at_the_deadline(tmp_path: Path) -> None:
    hanging = tmp_path / "hanging-git"
    hanging.write_text("#!/bin/sh\nexec sleep 600\n")
    hanging.chmod(hanging.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(GitError, match=r"longer than 0.3 s \(limit MAX_GIT_SECONDS\)"):
        load(tmp_path, "main", "s", git=str(hanging), seconds=0.3)


def test_a_revision_that_looks_like_an_option_is_refused(history: dict[str, Any]) -> None:
    root = history["root"]
    for text in ("git:--upload-pack=touch pwned:schemas", "git:-c:schemas", "git:main x:s"):
        with pytest.raises(SettingsError, match="OLD: revision"):
            load_compare_settings({"old": text, "new": "schemas"}, command="compare", cwd=root)
    # and were one to get past that check, git still reads it as a revision, not an option
    side = Side(SideKind.GIT, "git:--output=pwned:schemas", tree="schemas",
                revision="--output=pwned")  # fmt: skip
    with pytest.raises(GitError, match="no commit '--output=pwned'"):
        asyncio.run(GitSource(side, root).load())
    assert not (root / "pwned").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("git:main", "names no path: write git:REV:PATH"),
        ("https://reg.example", "names no track: add it, e.g. https://reg.example#v1"),
        ("https://reg.example#v3", "'v3' is not a registry track"),
        ("nowhere", "'nowhere' is not a directory"),
        ("git:main:/abs", "is absolute"),
    ],
)
def test_side_spellings_errors_show_an_accepted_one(
    text: str, expected: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        parse_side(text, tmp_path)


def test_a_registry_dir_without_a_track_is_pointed_at_one(tmp_path: Path) -> None:
    (tmp_path / "reg").mkdir()
    (tmp_path / "reg" / "index.json").write_text("{}")
    with pytest.raises(ValueError, match=re.escape("name the track, e.g. reg#v1")):
        parse_side("reg", tmp_path)
    side = parse_side("reg#v2", tmp_path)
    assert (side.kind, side.track, side.path) == (SideKind.REGISTRY, "v2", tmp_path / "reg")


def test_a_file_broken_on_one_side_is_an_error_there_not_a_removal(
    history: dict[str, Any],
) -> None:
    root = history["root"]
    (root / "schemas" / "md.Trade.json").write_text('{"$schema_id": "md.Trade", ')
    report = compare(root, "git:main:schemas", "schemas")
    statuses = [(item["schema"], item["status"]) for item in report["schemas"]]
    assert ("md.Trade", "removed") not in statuses
    (broken,) = [item for item in report["schemas"] if item["status"] == "error"]
    assert broken["file"] == "schemas/md.Trade.json"
    assert broken["error"].startswith("in NEW (schemas): ")
    assert "invalid JSON" in broken["error"]
    # and the other way round: broken at the base, fine now
    repo: Repo = history["repo"]
    repo.write("schemas/md.Trade.json", "{ broken at the base")
    repo.commit("break it")
    repo.write("schemas/md.Trade.json", history["trade"])
    report = compare(root, "git:HEAD:schemas", "schemas")
    (broken,) = [item for item in report["schemas"] if item["status"] == "error"]
    assert broken["error"].startswith("in OLD (git:HEAD:schemas): ")
    assert ("md.Trade", "added") not in [(i["schema"], i["status"]) for i in report["schemas"]]
