"""The config loader: layer order, profiles, project trust, `-c`/`--enable`, strict mode, errors."""

from __future__ import annotations

import os

import pytest

from codex.config import loader
from codex.config.errors import CodexHomeError, ConfigError
from codex.config.features import UnknownFeatureError
from codex.config.loader import find_codex_home, load_config


@pytest.fixture
def layout(case_base):
    """(codex_home, system config path, project dir) with nothing written yet."""
    home = case_base / "codex_home"
    home.mkdir()
    proj = case_base / "proj"
    (proj / ".git").mkdir(parents=True)
    return home, case_base / "system.toml", proj


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def load(layout, **kw):
    home, system, proj = layout
    kw.setdefault("cwd", str(proj))
    return load_config(codex_home=str(home), system_path=str(system), **kw)


def test_layer_order_system_user_profile_project_overrides_toggles(layout):
    home, system, proj = layout
    write(system, 'model = "sys"\nmodel_provider = "sysprov"\nreview_model = "sys"\n[features]\nhooks = false\n')
    write(home / "config.toml",
          f'model = "user"\ninstructions = "user"\n[projects."{proj}"]\ntrust_level = "trusted"\n')
    write(home / "work.config.toml", 'model = "profile"\nmodel_verbosity = "low"\ndeveloper_instructions = "p"\n')
    write(proj / ".codex" / "config.toml", 'model_verbosity = "high"\ninstructions = "project"\n')
    cfg = load(layout, profile="work", cli_overrides=["model=o3", 'sandbox_mode="read-only"'],
               disable=["goals"], enable=["hooks"])
    assert [layer.source for layer in cfg.layers] == ["system", "user", "profile", "project"]
    assert cfg.model == "o3"                          # -c beats every file
    assert cfg.model_provider == "sysprov"            # only the system layer sets it
    assert cfg.instructions == "project"              # project beats user
    assert cfg.model_verbosity == "high"              # project beats profile
    assert cfg.developer_instructions == "p"
    assert cfg.sandbox_mode == "read-only"
    assert cfg.features.is_enabled("hooks")           # --enable beats the system file
    assert not cfg.features.is_enabled("goals")
    assert cfg.trust_level == "trusted"
    assert cfg.project_root == str(proj)


def test_untrusted_project_layer_is_not_loaded_even_when_broken(layout):
    home, _, proj = layout
    write(home / "config.toml", f'[projects."{proj}"]\ntrust_level = "untrusted"\n')
    write(proj / ".codex" / "config.toml", "model = 1\n")
    cfg = load(layout)
    assert [layer.source for layer in cfg.layers] == ["user"]
    assert cfg.trust_level == "untrusted"


def test_subdirectory_inherits_the_project_root_trust(layout):
    home, _, proj = layout
    write(home / "config.toml", f'[projects."{proj}"]\ntrust_level = "trusted"\n')
    write(proj / ".codex" / "config.toml", 'model = "root"\n')
    write(proj / "a" / "b" / ".codex" / "config.toml", 'model = "deep"\n')
    (proj / "a" / "b").mkdir(parents=True, exist_ok=True)
    cfg = load(layout, cwd=str(proj / "a" / "b"))
    assert cfg.model == "deep"
    assert [os.path.relpath(layer.path, proj) for layer in cfg.layers[1:]] == [
        ".codex/config.toml", "a/b/.codex/config.toml"]


def test_custom_project_root_markers(layout):
    home, _, proj = layout
    (proj / "pkg").mkdir()
    (proj / "pkg" / "marker").write_text("")
    write(home / "config.toml", f'project_root_markers = ["marker"]\n[projects."{proj}/pkg"]\ntrust_level = "trusted"\n')
    write(proj / "pkg" / ".codex" / "config.toml", 'model = "pkg"\n')
    assert load(layout, cwd=str(proj / "pkg")).model == "pkg"


def test_defaults(layout):
    cfg = load(layout)
    assert cfg.model is None and cfg.model_provider == "openai"
    assert cfg.project_doc_max_bytes == 32768
    assert cfg.project_doc_fallback_filenames == []
    assert cfg.project_root_markers == [".git"]
    assert cfg.features.is_enabled("shell_tool") and not cfg.features.is_enabled("memories")
    assert cfg.get("otel.metrics_exporter") is None
    assert cfg.config_toml_path.endswith("codex_home/config.toml")


def test_unknown_keys_are_kept_without_strict(layout):
    home, _, _ = layout
    write(home / "config.toml", "future_key = 1\n[history]\nfuture = 2\n")
    cfg = load(layout)
    assert cfg.raw["future_key"] == 1 and cfg.history == {"future": 2}


def test_strict_rejects_unknown_fields_with_location(layout):
    home, _, _ = layout
    write(home / "config.toml", 'model = "x"\n\n[profiles.p]\nfoo = 1\n')
    with pytest.raises(ConfigError) as exc:
        load(layout, strict=True)
    path = str(home / "config.toml")
    assert exc.value.message == f"{path}:4:1: unknown configuration field `profiles.p.foo`"
    assert exc.value.kind == "unknown_field"


def test_strict_rejects_unknown_override(layout):
    with pytest.raises(ConfigError) as exc:
        load(layout, strict=True, cli_overrides=["foo=1"])
    assert str(exc.value) == "unknown configuration field `foo` in -c/--config override"


def test_strict_accepts_known_nested_keys(layout):
    home, _, _ = layout
    write(home / "config.toml", '[model_providers.m]\nname = "m"\nbase_url = "http://x"\n'
          '[mcp_servers.s]\ncommand = "echo"\nargs = ["a"]\n[history]\npersistence = "none"\n'
          '[sandbox_workspace_write]\nnetwork_access = true\n[shell_environment_policy]\ninherit = "core"\n')
    cfg = load(layout, strict=True)
    assert cfg.model_providers["m"]["name"] == "m" and cfg.mcp_servers["s"]["args"] == ["a"]


def test_wrong_type_in_file_names_file_line_column(layout):
    home, _, _ = layout
    write(home / "config.toml", '[history]\nmax_bytes = "big"\n')
    with pytest.raises(ConfigError) as exc:
        load(layout)
    assert exc.value.render() == (
        f"Error: {home}/config.toml:2:13: invalid type: string \"big\", expected usize\n\nCaused by:\n"
        "    invalid type: string \"big\", expected usize\n    in `history.max_bytes`\n    \n")


def test_bad_enum_from_override_has_no_location(layout):
    with pytest.raises(ConfigError) as exc:
        load(layout, cli_overrides=["history.persistence=bogus"])
    assert exc.value.render() == "Error: unknown variant `bogus`, expected `save-all` or `none`\nin `history.persistence`\n\n"


def test_parse_error_report(layout):
    home, _, _ = layout
    write(home / "config.toml", 'a = 1\nmodel = "o3\n')
    with pytest.raises(ConfigError) as exc:
        load(layout)
    assert exc.value.render() == (
        f'Error: {home}/config.toml:2:12: invalid basic string, expected `"`\n\nCaused by:\n'
        "    TOML parse error at line 2, column 12\n      |\n    2 | model = \"o3\n      |            ^\n"
        '    invalid basic string, expected `"`\n    \n')
    assert exc.value.render("failed to load configuration").startswith(
        f"Error: failed to load configuration\n\nCaused by:\n    0: {home}/config.toml:2:12: ")


def test_profile_file_errors_name_the_profile_file(layout):
    home, _, _ = layout
    write(home / "config.toml", "")
    write(home / "p.config.toml", "model = 1\n")
    with pytest.raises(ConfigError) as exc:
        load(layout, profile="p")
    assert exc.value.message.startswith(f"{home}/p.config.toml:1:9: invalid type: integer `1`")


def test_missing_profile_file_is_fine(layout):
    assert load(layout, profile="nothing").profile == "nothing"


def test_legacy_profiles_are_refused(layout):
    home, _, _ = layout
    write(home / "config.toml", 'profile = "x"\n[profiles.x]\nmodel = "o3"\n')
    with pytest.raises(ConfigError, match=r"legacy `profile = \"x\"` config is no longer supported"):
        load(layout)
    write(home / "config.toml", '[profiles.x]\nmodel = "o3"\n')
    load(layout)  # a legacy table alone is ignored
    with pytest.raises(ConfigError, match=r"--profile `x` cannot be used while .* contains legacy"):
        load(layout, profile="x")


def test_unknown_feature_toggle(layout):
    with pytest.raises(UnknownFeatureError, match="Unknown feature flag: nope"):
        load(layout, enable=["nope"])


def test_codex_home_resolution(case_base):
    assert find_codex_home({"HOME": "/h"}) == "/h/.codex"
    assert find_codex_home({"HOME": "/h", "CODEX_HOME": ""}) == "/h/.codex"
    link = case_base / "link"
    link.symlink_to(case_base)
    assert find_codex_home({"CODEX_HOME": str(link)}) == os.path.realpath(case_base)
    with pytest.raises(CodexHomeError, match="but that path does not exist"):
        find_codex_home({"CODEX_HOME": str(case_base / "missing")})
    f = case_base / "file"
    f.write_text("")
    with pytest.raises(CodexHomeError, match="but that path is not a directory"):
        find_codex_home({"CODEX_HOME": str(f)})


def test_system_layer_default_path_is_etc_codex():
    assert loader.SYSTEM_CONFIG_PATH == "/etc/codex/config.toml"


# `codex exec`'s wording of the same errors (captured from the reference with a closed-port mock
# provider: exec stops at config loading).
MOCK = ('model_provider = "mock"\nmodel = "gpt-5.5"\n[features]\nplugins = false\n[otel]\nmetrics_exporter = "none"\n'
        '[model_providers.mock]\nname = "mock"\nbase_url = "http://127.0.0.1:9/v1"\nwire_api = "responses"\n'
        'env_key = "MOCK_API_KEY"\nrequest_max_retries = 0\nstream_max_retries = 0\n')


@pytest.mark.parametrize("config, kw, want", [
    ("model_verbosity = 1\n" + MOCK, {},
     "Error loading config.toml: invalid type: unit variant, expected string only\nin `model_verbosity`\n\n"),
    ('a = "\n' + MOCK, {},
     'Error loading config.toml:\n<HOME>/config.toml:1:6: invalid basic string, expected `"`\n  |\n1 | a = "\n  |      ^\n'),
    (MOCK + "[history]\nzzz = 1\n", {"strict": True},
     "Error loading config.toml:\n<HOME>/config.toml:15:1: unknown configuration field `history.zzz`\n   |\n"
     "15 | zzz = 1\n   | ^^^\n"),
    (MOCK, {"strict": True, "cli_overrides": ["foo=1"]},
     "Error loading config.toml: unknown configuration field `foo` in -c/--config override\n"),
])
def test_exec_wording(layout, config, kw, want):
    home, _, _ = layout
    write(home / "config.toml", config)
    with pytest.raises(ConfigError) as exc:
        load(layout, **kw)
    assert exc.value.render_tui() == want.replace("<HOME>", str(home))
