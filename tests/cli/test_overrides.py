"""`-c key=value` parsing (config_override.rs) and the early enum checks."""

from __future__ import annotations

import pytest

from codex.config.overrides import (
    ConfigValueError,
    OverrideError,
    apply_overrides,
    parse_overrides,
    parse_toml_value,
    validate_enum_overrides,
)


def test_values_are_toml_or_literal_strings():
    parsed = parse_overrides([
        'model="o3"', "model=o3", "n=42", "flag=true", "xs=[1, 2]", "t={a = 1}",
        "raw = spaced value ", "q='single'", 'dq="unterminated', "eq=a=b",
    ])
    assert parsed == [
        ("model", "o3"), ("model", "o3"), ("n", 42), ("flag", True), ("xs", [1, 2]),
        ("t", {"a": 1}), ("raw", "spaced value"), ("q", "single"), ("dq", "unterminated"),
        ("eq", "a=b"),
    ]


def test_legacy_landlock_alias():
    assert parse_overrides(["use_legacy_landlock=true"]) == [("features.use_legacy_landlock", True)]


@pytest.mark.parametrize(
    "raw, message",
    [
        ("model", "Invalid override (missing '='): model"),
        ("=x", "Empty key in override: =x"),
        ("  =x", "Empty key in override:   =x"),
    ],
)
def test_malformed(raw, message):
    with pytest.raises(OverrideError) as info:
        parse_overrides([raw])
    assert str(info.value) == message


def test_parse_toml_value_rejects_bare_words():
    with pytest.raises(ValueError):
        parse_toml_value("hello")
    assert parse_toml_value("1.5") == 1.5


def test_apply_overrides_builds_nested_tables():
    tree = apply_overrides({"a": 1}, parse_overrides(["a.b.c=1", "x.y=2", "x.z=3", "x=4", "x.w=5"]))
    assert tree == {"a": {"b": {"c": 1}}, "x": {"w": 5}}


@pytest.mark.parametrize(
    "overrides, key, detail",
    [
        (["model_reasoning_effort=bogus"], "model_reasoning_effort",
         "unknown variant `bogus`, expected one of `none`, `minimal`, `low`, `medium`, `high`, `xhigh`"),
        (["model_reasoning_summary=x"], "model_reasoning_summary",
         "unknown variant `x`, expected one of `auto`, `concise`, `detailed`, `none`"),
        (["model_verbosity=LOW"], "model_verbosity", "unknown variant `LOW`, expected one of `low`, `medium`, `high`"),
        (["sandbox_mode=rw"], "sandbox_mode",
         "unknown variant `rw`, expected one of `read-only`, `workspace-write`, `danger-full-access`"),
        (["approval_policy=always"], "approval_policy",
         "unknown variant `always`, expected one of `untrusted`, `on-failure`, `on-request`, `granular`, `never`"),
        (["approval_policy=granular"], "approval_policy", "invalid type: unit variant, expected newtype variant"),
        (["approval_policy={granular=true}"], "approval_policy",
         "invalid type: boolean `true`, expected struct GranularApprovalConfig"),
        (["sandbox_mode=1"], "sandbox_mode", "invalid type: unit variant, expected string only"),
        (["sandbox_mode={}"], "sandbox_mode", "wanted exactly 1 element, found 0 elements"),
        (["sandbox_mode={a=1,b=1}"], "sandbox_mode", "wanted exactly 1 element, more than 1 element"),
        (["sandbox_mode={read-only=1}"], "sandbox_mode", "expected table, found integer"),
        (["sandbox_mode.x=1"], "sandbox_mode",
         "unknown variant `x`, expected one of `read-only`, `workspace-write`, `danger-full-access`"),
        # the first key (in the order given) that fails wins
        (["model_verbosity=a", "sandbox_mode=b"], "model_verbosity",
         "unknown variant `a`, expected one of `low`, `medium`, `high`"),
    ],
)
def test_enum_errors(overrides, key, detail):
    with pytest.raises(ConfigValueError) as info:
        validate_enum_overrides(parse_overrides(overrides))
    assert (info.value.key, info.value.detail) == (key, detail)
    assert str(info.value) == f"{detail}\nin `{key}`\n"


@pytest.mark.parametrize(
    "overrides",
    [
        ["model_reasoning_effort=high"],
        ['sandbox_mode="workspace-write"'],
        ["approval_policy={never={}}"],
        ["approval_policy={granular={sandbox_approval=true}}"],
        ["model_reasoning_effort=bogus", "model_reasoning_effort=low"],
        ["unrelated_key=whatever", "features.x=true"],
    ],
)
def test_valid(overrides):
    validate_enum_overrides(parse_overrides(overrides))
