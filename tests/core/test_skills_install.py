"""The bundled system skills install byte-identically to codex 0.136.0's `skills/.system` tree,
with the reference's marker/fingerprint behaviour, and list as the captured skills block."""
import hashlib
import json
import os
from pathlib import Path

from codex.core.context import skills, skills_install
from parity.normalize import Normalizer

from .conftest import load_fixture_json

MANIFEST = load_fixture_json("system_skills_manifest.json")
CAPTURES = load_fixture_json("exec_initial_inputs.json")


def _tree(root: Path, skip_caches: bool = False):
    """Files and folders under root; `skip_caches` leaves out the __pycache__ folders pip adds to
    an installed package's copy of the bundle."""
    files, dirs = {}, []
    for dirpath, dirnames, filenames in os.walk(root):
        if skip_caches:
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = Path(dirpath).relative_to(root).as_posix()
        if rel != ".":
            dirs.append(rel)
        for name in filenames:
            p = Path(dirpath) / name
            data = p.read_bytes()
            files[p.relative_to(root).as_posix()] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return dict(sorted(files.items())), sorted(dirs)


def test_install_matches_reference_tree_byte_for_byte(tmp_path):
    home = tmp_path / "codex_home"
    assert skills_install.install_system_skills(home) is True
    files, dirs = _tree(home / "skills" / ".system")
    assert files == MANIFEST["files"]
    assert dirs == MANIFEST["dirs"]
    assert sorted(p.name for p in (home / "skills").iterdir()) == [".system"]


def test_bundle_is_the_reference_tree():
    files, dirs = _tree(skills_install.BUNDLE_DIR, skip_caches=True)
    assert files == MANIFEST["files"] and dirs == MANIFEST["dirs"]
    assert skills_install.bundled_fingerprint() == "66eb33bbe0eb99ac"


def test_marker_match_skips_and_mismatch_reinstalls(tmp_path):
    home = tmp_path / "codex_home"
    skills_install.install_system_skills(home)
    system = home / "skills" / ".system"
    extra = system / "imagegen" / "local-edit.md"
    extra.write_text("mine")
    # marker matches (surrounding whitespace ignored): nothing is touched
    (system / skills_install.MARKER_FILENAME).write_text("  66eb33bbe0eb99ac \n")
    assert skills_install.install_system_skills(home) is False
    assert extra.read_text() == "mine"
    # stale marker: the whole .system dir is replaced
    (system / skills_install.MARKER_FILENAME).write_text("0123456789abcdef\n")
    assert skills_install.install_system_skills(home) is True
    assert not extra.exists()
    assert _tree(system)[0] == MANIFEST["files"]
    # missing marker: reinstalled as well; user skills beside .system are kept
    (home / "skills" / "mine").mkdir()
    (system / skills_install.MARKER_FILENAME).unlink()
    assert skills_install.install_system_skills(home) is True
    assert _tree(system)[0] == MANIFEST["files"] and (home / "skills" / "mine").is_dir()


def test_marker_bytes(tmp_path):
    skills_install.install_system_skills(tmp_path)
    assert (tmp_path / "skills/.system/.codex-system-skills.marker").read_bytes() == b"66eb33bbe0eb99ac\n"


def _captured_blocks():
    out = set()
    for runs in CAPTURES.values():
        for run in runs:
            for item in run["input"][:3]:
                for c in item.get("content", []):
                    text = c.get("text", "")
                    if text.startswith(skills.OPEN_TAG):
                        out.add(text)
    return out


def test_skills_block_from_installed_tree_equals_capture(tmp_path):
    home = tmp_path / "codex_home"
    skills_install.install_system_skills(home)
    block = skills.skills_instructions(skills.codex_home_skills(home))
    captured = {Normalizer().text(b) for b in _captured_blocks()}
    assert len(captured) == 1
    ours = Normalizer({str(home): "<CODEX_HOME>"}).text(block)
    assert ours == captured.pop()


def test_byte_code_caches_in_the_bundle_are_not_installed(tmp_path, monkeypatch):
    # pip byte-compiles the skills' .py files into __pycache__ folders inside site-packages.
    import shutil

    from codex.core.context import skills_install

    bundle = tmp_path / "bundle"
    shutil.copytree(skills_install.BUNDLE_DIR, bundle)
    cache = next(p for p in bundle.rglob("*.py")).parent / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "x.cpython-311.pyc").write_bytes(b"\0")
    monkeypatch.setattr(skills_install, "BUNDLE_DIR", bundle)
    assert not any("__pycache__" in rel for rel in skills_install.bundled_files())
