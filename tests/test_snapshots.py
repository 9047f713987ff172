from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from drift.hashing import compute_sha256
from drift.linemap import json_line_map, nearest_line, yaml_line_map
from drift.snapshots import load_snapshots
from tests.conftest import shared_path
from tests.helpers import model, write_json


def problems_by_file(root: Path) -> dict[str, str]:
    local = load_snapshots(root, root)
    return {problem.file: problem.message for problem in local.problems}


def test_identity_version_hash_and_metadata(tmp_path: Path) -> None:
    with_id = model("md.Bar", "2.0.0")
    without_id = {"type": "object"}
    write_json(tmp_path / "nested" / "bar_snapshot.json", with_id)
    write_json(tmp_path / "plain.json", without_id)
    write_json(tmp_path / "_metadata.json", {"track": "v1", "version": "1.9.0", "fetched_at": "x"})
    local = load_snapshots(tmp_path, tmp_path)
    found = {s.identity: s for s in local.snapshots}
    assert set(found) == {"md.Bar", "plain"}  # _metadata.json is not a schema
    assert found["md.Bar"].version == "2.0.0"  # $core_version wins
    assert found["plain"].version == "1.9.0"  # else the metadata version
    assert found["md.Bar"].file == "nested/bar_snapshot.json"
    assert found["md.Bar"].sha256 == compute_sha256(with_id)
    assert local.metadata is not None
    assert local.metadata.track == "v1"
    assert local.problems == []


def test_yaml_snapshots_hash_like_json(tmp_path: Path) -> None:
    content = model("md.Quote")
    (tmp_path / "quote.yaml").write_text(
        "# a YAML snapshot\n"
        + "\n".join(f"{key}: {json.dumps(value)}" for key, value in content.items())
        + "\ncreated: 2024-01-01\n"
    )
    [snapshot] = load_snapshots(tmp_path, tmp_path).snapshots
    assert snapshot.identity == "md.Quote"
    assert snapshot.content["created"] == "2024-01-01"  # dates stay strings, as in JSON
    assert snapshot.sha256 == compute_sha256({**content, "created": "2024-01-01"})


def test_invalid_json_names_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{\n  "type": "object",\n  "x": }\n')
    message = problems_by_file(tmp_path)["broken.json"]
    assert message.startswith("3:8: invalid JSON")


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("type: object\nproperties: [a, b\nx: 1\n")
    message = problems_by_file(tmp_path)["broken.yml"]
    assert "invalid YAML" in message
    assert message.split(":")[0].isdigit()


@pytest.mark.parametrize(
    ("text", "kind"), [("[1, 2]", "list"), ('"schema"', "str"), ("null", "null"), ("3", "int")]
)
def test_a_document_that_is_not_an_object(tmp_path: Path, text: str, kind: str) -> None:
    (tmp_path / "odd.json").write_text(text)
    assert (
        f"is a {kind}; a schema snapshot must be a JSON object"
        in problems_by_file(tmp_path)["odd.json"]
    )


def test_two_files_with_one_identity_are_both_reported(tmp_path: Path) -> None:
    write_json(tmp_path / "a.json", model("md.Bar"))
    write_json(tmp_path / "b" / "md.Bar.json", {"type": "object"})
    local = load_snapshots(tmp_path, tmp_path)
    assert local.snapshots == []
    messages = {p.file: p.message for p in local.problems}
    assert set(messages) == {"a.json", "b/md.Bar.json"}
    assert all("a.json, b/md.Bar.json" in m for m in messages.values())


def test_non_utf8_is_reported_with_the_offset(tmp_path: Path) -> None:
    (tmp_path / "latin1.json").write_bytes('{"title": "caf\u00e9"}'.encode("latin-1"))
    assert "not UTF-8 (byte 0xe9 at offset 14)" in problems_by_file(tmp_path)["latin1.json"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(model("md.X")).encode())
    assert [s.identity for s in load_snapshots(tmp_path, tmp_path).snapshots] == ["md.X"]


def test_symlinks_that_leave_the_schema_dir_are_refused(tmp_path: Path) -> None:
    outside = write_json(tmp_path / "outside" / "secret.json", model("secret"))
    root = tmp_path / "schemas"
    root.mkdir()
    write_json(root / "real.json", model("md.Real"))
    os.symlink(outside, root / "leak.json")
    os.symlink(outside.parent, root / "leakdir")
    os.symlink(root / "real.json", root / "alias_inside.json")  # inside: fine, but a duplicate
    local = load_snapshots(root, tmp_path)
    messages = {p.file: p.message for p in local.problems}
    assert "symlink leaves the schema dir" in messages["schemas/leak.json"]
    assert "symlinked directory leaves the schema dir" in messages["schemas/leakdir"]
    assert "secret" not in {s.identity for s in local.snapshots}
    assert "more than one file" in messages["schemas/real.json"]


def test_json_line_map_points_at_keys_and_elements() -> None:
    text = '{\n  "a": 1,\n  "b": {\n    "c~d/e": [\n      true,\n      {"x": null}\n    ]\n  }\n}\n'
    lines = json_line_map(text)
    assert lines[""] == 1
    assert lines["/a"] == 2
    assert lines["/b"] == 3
    assert lines["/b/c~0d~1e"] == 4
    assert lines["/b/c~0d~1e/0"] == 5
    assert lines["/b/c~0d~1e/1/x"] == 6
    assert nearest_line(lines, "/b/c~0d~1e/1/missing/deeper") == 6
    assert nearest_line(lines, "/nope") == 1


def test_yaml_line_map() -> None:
    text = "type: object\nproperties:\n  a:\n    type: string\n  list:\n    - 1\n    - x: 2\n"
    lines = yaml_line_map(text)
    assert lines["/properties/a/type"] == 4
    assert lines["/properties/list/1"] == 7
    assert lines["/properties/list/1/x"] == 7


def test_line_map_covers_every_pointer_of_a_real_schema() -> None:
    path = shared_path("fixtures", "market-data-store", "v1", "telemetry.HealthStatus.json")
    text = path.read_text()
    lines = json_line_map(text)
    file_lines = text.splitlines()

    def walk(value: object, pointer: str) -> None:
        assert pointer in lines
        if pointer:
            key = pointer.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~")
            assert f'"{key}"' in file_lines[lines[pointer] - 1] or key.isdigit()
        children = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else []
        )
        for key, child in children:
            walk(child, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")

    walk(json.loads(text), "")
