"""upstream's codex-rs/core/config.schema.json (fixtures/config/config.schema.json) as the oracle
of config keys for `--strict-config`.

Both directions: every property of the schema (top level, and nested inside object-typed keys and
map entries, down to four levels) is accepted by our strict check unless 0.136.0 itself rejects
it; every key our table knows is in the schema or is one 0.136.0 still takes. Where 0.136.0 and
the schema differ, the key is listed here with what the binary did (probed with `codex
--strict-config -c 'model_provider="nope"' exec ...` and the key in config.toml: "unknown
configuration field" or not). Also: the generated key module is up to date with the schema."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from codex.config import _config_keys, schema

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "fixtures" / "config" / "config.schema.json").read_text(encoding="utf-8"))
DEFS = SCHEMA["definitions"]

# Schema properties 0.136.0 rejects under `--strict-config` (the schema is a newer upstream's).
REFERENCE_REJECTS = {
    ("features", "local_thread_store_compression"): "not a feature of 0.136.0's registry",
    ("features", "unified_exec_zsh_fork"): "not a feature of 0.136.0's registry",
    ("profiles", "x", "features", "local_thread_store_compression"): "not a feature of 0.136.0's registry",
    ("profiles", "x", "features", "unified_exec_zsh_fork"): "not a feature of 0.136.0's registry",
    ("notice", "hide_gpt-5.1-codex-max_migration_prompt"):
        "0.136.0 splits the key at its dots: `unknown configuration field `notice.hide_gpt-5``",
}

# Keys of our table that the schema lacks but 0.136.0 accepts (probed).
REFERENCE_KEEPS = {
    ("mcp_servers", "x", "bearer_token"): "serde field kept for the targeted `bearer_token is not supported for ...` errors",
}

# Keys the hand-kept table had that the schema lacks and 0.136.0 rejects (probed: "unknown
# configuration field"): removed from the table.
REMOVED = [
    ("commit_attribution",),
    ("experimental_instructions_file",),
    ("experimental_use_freeform_apply_patch",),
    ("experimental_use_rmcp_client",),
    ("include_apply_patch_tool",),
    ("windows_wsl_setup_acknowledged",),
    ("profiles", "x", "include_apply_patch_tool"),
    ("profiles", "x", "tools_view_image"),
    ("mcp_servers", "x", "experimental_environment"),
    ("mcp_servers", "x", "transport"),
]

# Tables where 0.136.0's strict check rejects an unknown field (`<table>.bogus_zz = 1`), and ones
# where it does not look inside (serde may still refuse unknown fields there with its own words,
# e.g. `tui.keymap.*`, which is not `--strict-config`'s business).
STRICT_TABLES = [
    (), ("analytics",), ("apps", "_default"), ("audio",), ("auto_review",), ("debug",),
    ("debug", "config_lockfile"), ("feedback",), ("ghost_snapshot",), ("history",),
    ("hooks", "state", "x"), ("marketplaces", "x"), ("mcp_servers", "x"), ("mcp_servers", "x", "tools", "x"), ("memories",),
    ("model_providers", "x"), ("model_providers", "x", "auth"), ("notice",),
    ("notice", "external_config_migration_prompts"), ("otel",), ("plugins", "x"),
    ("plugins", "x", "mcp_servers", "x"), ("profiles", "x"), ("profiles", "x", "analytics"),
    ("profiles", "x", "tools"), ("profiles", "x", "tools", "experimental_request_user_input"),
    ("profiles", "x", "windows"), ("projects", "x"), ("realtime",), ("sandbox_workspace_write",),
    ("shell_environment_policy",), ("skills",), ("skills", "bundled"), ("tool_suggest",), ("tools",),
    ("tools", "experimental_request_user_input"), ("windows",), ("features",),
    ("profiles", "x", "features"),
]
LAX_TABLES = [
    ("agents",), ("agents", "x"), ("apps", "x"), ("apps", "x", "tools", "x"), ("hooks",), ("tui",),
    ("tui", "keymap"), ("tools", "web_search"), ("tools", "web_search", "location"),
    ("profiles", "x", "tools", "web_search"), ("desktop",),
]


def _resolve(spec):
    while isinstance(spec, dict):
        if "$ref" in spec:
            spec = DEFS[spec["$ref"].rsplit("/", 1)[-1]]
        elif isinstance(spec.get("allOf"), list) and len(spec["allOf"]) == 1 and "properties" not in spec:
            spec = spec["allOf"][0]
        else:
            break
    return spec


def _schema_paths(spec=SCHEMA, path=(), depth=0):
    spec = _resolve(spec)
    if not isinstance(spec, dict):
        return
    for key, sub in (spec.get("properties") or {}).items():
        yield path + (key,)
        if depth < 4:
            yield from _schema_paths(sub, path + (key,), depth + 1)
    extra = spec.get("additionalProperties")
    if isinstance(extra, dict) and path and depth < 4:
        yield from _schema_paths(extra, path + ("x",), depth + 1)


SCHEMA_PATHS = list(dict.fromkeys(_schema_paths()))


def _tree(path: tuple, leaf=True) -> dict:
    tree: dict = {}
    node = tree
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = leaf
    return tree


def _ours_rejects(path: tuple) -> bool:
    return path in schema.unknown_fields(_tree(path))


def test_schema_has_the_expected_shape():
    assert SCHEMA["title"] == "ConfigToml"
    assert len(SCHEMA["properties"]) == 92
    assert len(SCHEMA_PATHS) > 600


@pytest.mark.parametrize("path", [pytest.param(p, id=".".join(p)) for p in SCHEMA_PATHS])
def test_every_schema_key_is_accepted_unless_the_reference_rejects_it(path):
    if path in REFERENCE_REJECTS:
        pytest.skip(f"0.136.0 rejects it: {REFERENCE_REJECTS[path]}")
    assert not _ours_rejects(path)


def test_reference_rejected_feature_keys_are_rejected_by_ours_too():
    for path in REFERENCE_REJECTS:
        if "features" in path:
            assert _ours_rejects(path), path


def _table_fields(path: tuple) -> set[str] | None:
    """The keys our table knows at `path` (None where it takes anything)."""
    spec = schema.CONFIG_TOML
    for key in path:
        if isinstance(spec, schema.Map):
            spec = spec.value
            continue
        if not isinstance(spec, schema.Struct):
            return None
        spec = spec.field(key)
    if isinstance(spec, schema.Map):
        spec = spec.value
    if isinstance(spec, schema.Struct):
        return set(spec.fields)
    return None


def _schema_fields(path: tuple) -> set[str] | None:
    spec = SCHEMA
    for key in path:
        spec = _resolve(spec)
        props = spec.get("properties") or {}
        if key in props:
            spec = props[key]
        elif isinstance(spec.get("additionalProperties"), dict):
            spec = spec["additionalProperties"]
        else:
            return None
    spec = _resolve(spec)
    if isinstance(spec.get("additionalProperties"), dict) and not spec.get("properties"):
        spec = _resolve(spec["additionalProperties"])
    return set(spec.get("properties") or ())


@pytest.mark.parametrize("path", [pytest.param(p, id=".".join(p) or "<root>") for p in STRICT_TABLES
                                  if p[-1:] != ("features",)])
def test_every_key_of_our_table_is_in_the_schema_or_kept_by_the_reference(path):
    ours = _table_fields(path)
    theirs = _schema_fields(path)
    assert ours is not None and theirs is not None, path
    extra = {k for k in ours - theirs if path + (k,) not in REFERENCE_KEEPS}
    assert not extra, f"keys of ours the schema lacks at {path}: {sorted(extra)}"
    missing = theirs - ours
    assert not missing or not path, missing  # the top level: exact (prefixes aside)


@pytest.mark.parametrize("path", [pytest.param(p, id=".".join(p)) for p in REFERENCE_KEEPS])
def test_kept_keys_are_accepted(path):
    assert not _ours_rejects(path)


@pytest.mark.parametrize("path", [pytest.param(p, id=".".join(p)) for p in REMOVED])
def test_removed_keys_are_rejected(path):
    assert _ours_rejects(path)


@pytest.mark.parametrize("path", [pytest.param(p, id=".".join(p) or "<root>") for p in STRICT_TABLES])
def test_unknown_field_rejected_where_the_reference_rejects_it(path):
    assert _ours_rejects(path + ("bogus_zz",))


@pytest.mark.parametrize("path", [pytest.param(p, id=".".join(p)) for p in LAX_TABLES])
def test_unknown_field_accepted_where_the_reference_does_not_look(path):
    assert not _ours_rejects(path + ("bogus_zz",))


def test_generated_keys_module_is_up_to_date():
    spec = importlib.util.spec_from_file_location("gen_config_keys", REPO / "scripts" / "gen_config_keys.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    generated = (REPO / "src" / "codex" / "config" / "_config_keys.py").read_text(encoding="utf-8")
    assert gen.generate(SCHEMA) == generated
    assert set(_config_keys.ROOT_FIELDS) == set(SCHEMA["properties"])


def test_package_does_not_read_fixtures_at_run_time():
    for path in (REPO / "src" / "codex" / "config").glob("*.py"):
        assert "fixtures" not in path.read_text(encoding="utf-8").replace(
            "fixtures/config/config.schema.json", ""), path


@pytest.mark.parametrize("value", [True, False, [], ["agent-turn-complete", "approval-requested"]])
def test_tui_notifications_accepts_bool_or_list_of_strings(value):
    assert schema.validate({"tui": {"notifications": value}}) is None


@pytest.mark.parametrize("value", [1, "x", ["a", 1], {"a": True}])
def test_tui_notifications_rejects_other_values_in_tui(value):
    err = schema.validate({"tui": {"notifications": value}})
    assert err.detail == "data did not match any variant of untagged enum Notifications"
    assert err.key_path == ("tui",)


def test_wire_api_chat_is_refused_with_upstreams_message():
    from codex.model.providers import CHAT_WIRE_API_REMOVED_ERROR

    err = schema.validate({"model_providers": {"x": {"name": "n", "wire_api": "chat"}}})
    assert err.detail == CHAT_WIRE_API_REMOVED_ERROR
    assert err.key == "model_providers.x.wire_api"
    err = schema.validate({"model_providers": {"x": {"name": "n", "wire_api": "bogus"}}})
    assert err.detail == "unknown variant `bogus`, expected `responses`"
    assert schema.validate({"model_providers": {"x": {"name": "n", "wire_api": "responses"}}}) is None


@pytest.mark.parametrize("value, detail", [
    ({"high": 1}, "expected table, found integer"),
    ({"high": {}}, None),
    ({}, "wanted exactly 1 element, found 0 elements"),
])
def test_table_form_of_a_unit_enum(value, detail):
    err = schema.validate({"model_reasoning_effort": value}, from_override=True)
    assert (err.cause_detail if err else None) == detail


def test_table_variant_with_a_non_table_value():
    err = schema.validate({"approval_policy": {"granular": True}}, from_override=True)
    assert err.cause_detail == "invalid type: boolean `true`, expected struct GranularApprovalConfig"
    assert err.key == "approval_policy"
