"""The feature registry and effective feature resolution."""

from __future__ import annotations

import pytest

from codex.config.features import (ALIASES, FEATURES, Features, UnknownFeatureError, canonical_key,
                                   is_known_feature_key, toggle_overrides)
from config.helpers import FIXTURES


def test_registry_is_the_reference_list_with_an_empty_config():
    lines = (FIXTURES / "features-list-empty-config.txt").read_text().splitlines()
    rows = [(ln.split()[0], " ".join(ln.split()[1:-1]), ln.split()[-1] == "true") for ln in lines]
    assert Features().rows() == rows
    assert len(FEATURES) == 79


def test_aliases_map_to_features():
    for alias, key in ALIASES.items():
        assert key in FEATURES and alias not in FEATURES
        assert canonical_key(alias) == key
    assert is_known_feature_key("connectors") and not is_known_feature_key("secret_auth_storage")


def test_toggle_overrides():
    assert toggle_overrides(["hooks"], ["collab"]) == ["features.hooks=true", "features.collab=false"]
    with pytest.raises(UnknownFeatureError, match="^Unknown feature flag: zz$"):
        toggle_overrides([], ["zz"])


def test_apply_map_skips_removed_flags_and_unknown_keys():
    f = Features()
    f.apply_map({"undo": True, "js_repl": True, "tui_app_server": False, "no_such": True, "sqlite": False})
    assert not f.is_enabled("undo") and not f.is_enabled("js_repl") and f.is_enabled("tui_app_server")
    assert not f.is_enabled("sqlite")


def test_legacy_alias_and_dependency():
    f = Features.from_tables({"memory_tool": True, "code_mode_only": True})
    assert f.is_enabled("memories") and f.is_enabled("code_mode")
    assert ("memory_tool", "memories") in f.legacy_usages


def test_legacy_top_level_unified_exec():
    assert not Features.from_tables(({}, False)).is_enabled("unified_exec")
