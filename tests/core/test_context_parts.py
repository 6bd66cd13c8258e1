import pytest

from codex.core.context import agents_md, environment, permissions, skills
from codex.core.context.initial_context import compose_prompt


def test_agents_md_root_to_cwd_override_and_fallback(tmp_path):
    root = tmp_path / "repo"
    sub = root / "a" / "b"
    sub.mkdir(parents=True)
    (root / ".git").mkdir()
    (tmp_path / "AGENTS.md").write_text("outside the repo\n")
    (root / "AGENTS.md").write_text("root\n")
    (root / "a" / "AGENTS.md").write_text("a plain\n")
    (root / "a" / "AGENTS.override.md").write_text("a override\n")
    (sub / "NOTES.md").write_text("b fallback\n")
    (sub / "blank").mkdir()
    assert agents_md.find_project_root(sub) == root
    assert agents_md.read_project_docs(sub) == "root\n\n\na override\n"
    assert agents_md.read_project_docs(sub, fallbacks=["NOTES.md"]) == "root\n\n\na override\n\n\nb fallback\n"
    assert agents_md.read_project_docs(sub, max_bytes=7) == "root\n\n\na "
    assert agents_md.read_project_docs(sub, max_bytes=0) is None


def test_agents_md_without_repo_reads_only_cwd(tmp_path):
    cwd = tmp_path / "x"
    cwd.mkdir()
    (cwd / "AGENTS.md").write_text("   \n")
    assert agents_md.read_project_docs(cwd, markers=(".nonexistent-marker",)) is None
    (cwd / "AGENTS.md").write_text("hi\n")
    assert agents_md.read_project_docs(cwd, markers=(".nonexistent-marker",)) == "hi\n"


def test_agents_md_message_text():
    assert agents_md.agents_md_message_text("/w", "x\n") == \
        "# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>\nx\n\n</INSTRUCTIONS>"


def test_permissions_single_root_and_network():
    text = permissions.permissions_instructions("workspace-write", "never", network_access=True,
                                                writable_roots=["/w"])
    assert "Network access is enabled.\n" in text
    assert text.endswith("\n The writable root is `/w`.\n</permissions instructions>")
    ro = permissions.permissions_instructions("read_only", writable_roots=["/w"])
    assert "The writable root" not in ro
    with pytest.raises(NotImplementedError):
        permissions.permissions_instructions("read-only", "granular")
    with pytest.raises(ValueError):
        permissions.permissions_instructions("bogus")


def test_default_writable_roots_dedup_sorted():
    assert permissions.default_writable_roots("/tmp/w", tmpdir="/tmp/") == ["/tmp", "/tmp/w"]


def test_environment_context_full_access():
    xml = environment.environment_context("/w", sandbox_mode="danger-full-access", date="2026-01-02",
                                          timezone="Etc/UTC")
    assert xml.splitlines()[3] == "  <current_date>2026-01-02</current_date>"
    assert '<permission_profile type="disabled"><file_system type="unrestricted" /></permission_profile>' in xml


def test_skill_front_matter_variants(tmp_path):
    d = tmp_path / "skills" / "mine"
    d.mkdir(parents=True)
    (d / "SKILL.md").write_text("---\nname: mine\ndescription: >\n  folded\n  text\n---\nbody\n")
    (tmp_path / "skills" / "bad").mkdir()
    (tmp_path / "skills" / "bad" / "SKILL.md").write_text("no front matter\n")
    found = skills.codex_home_skills(tmp_path)
    assert [(s.name, s.description) for s in found] == [("mine", "folded text")]
    assert skills.skills_instructions([]) is None


def test_compose_prompt():
    assert compose_prompt("P", "a\n") == "P\n\n<stdin>\na\n</stdin>"
    assert compose_prompt("-", "a\n") == "a\n"
    assert compose_prompt("P") == "P"
