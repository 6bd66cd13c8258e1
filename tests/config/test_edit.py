"""`features enable/disable` edits keep comments and order (tomlkit)."""

from __future__ import annotations

import pytest

from codex.config.edit import set_feature_enabled
from codex.config.errors import ConfigError

SOURCE = """# my config
model = "o3"  # the model

[features]
# keep this comment
plugins = false

[otel]
metrics_exporter = "none"
"""


def test_enable_keeps_comments_and_order(case_base):
    (case_base / "config.toml").write_text(SOURCE)
    set_feature_enabled(str(case_base), "unified_exec", True)
    assert (case_base / "config.toml").read_text() == SOURCE.replace(
        "plugins = false\n", "plugins = false\nunified_exec = true\n")


def test_disable_writes_false_or_removes_an_off_by_default_key(case_base):
    (case_base / "config.toml").write_text("[features]\nmemories = true\n")
    set_feature_enabled(str(case_base), "memories", False)
    assert (case_base / "config.toml").read_text() == "[features]\n"
    set_feature_enabled(str(case_base), "hooks", False)
    assert (case_base / "config.toml").read_text() == "[features]\nhooks = false\n"


def test_creates_the_file_and_the_table(case_base):
    home = case_base / "new_home"
    set_feature_enabled(str(home), "collab", True)
    assert (home / "config.toml").read_text() == "[features]\ncollab = true\n"


def test_profile_table(case_base):
    (case_base / "config.toml").write_text('model = "x"\n')
    set_feature_enabled(str(case_base), "hooks", True, profile="work")
    text = (case_base / "config.toml").read_text()
    assert text.startswith('model = "x"\n') and "[profiles.work.features]\nhooks = true\n" in text


def test_bad_toml_is_reported_not_overwritten(case_base):
    (case_base / "config.toml").write_text('bad = "x\n')
    with pytest.raises(ConfigError) as exc:
        set_feature_enabled(str(case_base), "hooks", True)
    assert str(exc.value).startswith("TOML parse error at line 1, column 9\n")
    assert (case_base / "config.toml").read_text() == 'bad = "x\n'
