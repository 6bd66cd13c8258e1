"""`-c` values parsed without the TOML parser (`overrides._simple_value`) equal what tomllib
makes of them, and everything it does not recognise is left to tomllib."""
from __future__ import annotations

import random
import tomllib

from codex.config.overrides import _simple_value, parse_toml_value

FIXED = ['"workspace-write"', "'lit'", '"a\\\\b"', '"tab\there"', '""', "''", "true", "false", "0",
         "-0", "+12", "007", "12_000", "1e3", "3.5", '"x"y"', '"\u00e9"', "'it''s'", "'a\"b'",
         '"a\'b"', "123456789012345678", "9223372036854775807", '"""x"""', "'''y'''", "True",
         "[1, 2]", "{a = 1}", '"\x7f"', '"\x01"', "-", "+", "", "nan", "inf"]


def _toml(raw):
    try:
        return (tomllib.loads(f"_x_ = {raw}")["_x_"],)
    except tomllib.TOMLDecodeError:
        return None


def test_fixed_cases():
    for raw in FIXED:
        fast = _simple_value(raw)
        if fast is not None:
            assert fast == _toml(raw) and type(fast[0]) is type(_toml(raw)[0]), raw


def test_random_cases():
    rng = random.Random(3)
    alphabet = "ab-_ \"'\\\t0123456789+.e\u00e9\x00\x7f"
    recognised = 0
    for _ in range(20000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        for cand in (raw, f'"{raw}"', f"'{raw}'"):
            fast = _simple_value(cand)
            if fast is not None:
                recognised += 1
                assert fast == _toml(cand), cand
    assert recognised > 1000


def test_parse_toml_value_still_parses_the_rest():
    assert parse_toml_value("[1, 2]") == [1, 2]
    assert parse_toml_value("1e3") == 1000.0
    assert parse_toml_value('"workspace-write"') == "workspace-write"
