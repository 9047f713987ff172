from __future__ import annotations

import hashlib
import json

from drift import compute_sha256
from tests.conftest import shared_path


def test_dict_hash_is_sorted_json_with_default_separators_and_ascii_escapes() -> None:
    # The exact bytes CONTRACTS §2 prescribes, written out by hand.
    expected = hashlib.sha256(b'{"a": "\\u00e9", "b": [1, 2.5, null, true]}').hexdigest()
    assert expected == "d9b1946702456da4a76e6c6cb2e487f39d280410458f7f295d5180922b35feda"
    assert compute_sha256({"b": [1, 2.5, None, True], "a": "é"}) == expected


def test_key_order_does_not_matter() -> None:
    assert compute_sha256({"a": 1, "b": {"y": 1, "x": 2}}) == compute_sha256(
        {"b": {"x": 2, "y": 1}, "a": 1}
    )


def test_string_is_hashed_as_its_utf8_bytes() -> None:
    assert compute_sha256('{"a": 1}') == hashlib.sha256(b'{"a": 1}').hexdigest()
    assert compute_sha256("é") == hashlib.sha256("é".encode()).hexdigest()
    # A string is not re-serialised: its own spacing counts.
    assert compute_sha256('{"a":1}') != compute_sha256({"a": 1})


def test_pinned_value_of_a_real_registry_schema() -> None:
    content = json.loads(
        shared_path(
            "fixtures", "market-data-store", "v1", "telemetry.FeedbackEvent.json"
        ).read_text()
    )
    assert (
        compute_sha256(content)
        == "e1a5d4bc6f37b67214f18d88813e009aa39b5a6008cc250fcfa3512ecc31ddb4"
    )
