"""The Linux launcher: bwrap argv layout, mechanism selection, fail-closed behaviour, and the two
commands (`codex sandbox`, `codex-linux-sandbox`) end to end."""
from __future__ import annotations

import json
import os

import pytest

from sandbox.conftest import bwrap_reason, landlock_reason, native_reason, run_ours

from codex.sandbox import linux, native, policy as pol


def test_bwrap_args_read_only(workdir):
    prof = pol.ReadOnly().to_permission_profile(str(workdir))
    assert linux.bwrap_filesystem_args(prof, str(workdir), {}) == ["--ro-bind", "/", "/", "--dev", "/dev"]


def test_bwrap_args_workspace_write_layout(workdir):
    (workdir / ".git").mkdir()
    prof = pol.WorkspaceWrite(exclude_slash_tmp=True).to_permission_profile(str(workdir))
    created: list[str] = []
    args = linux.bwrap_filesystem_args(prof, str(workdir), {}, created)
    w = str(workdir)
    assert args == ["--ro-bind", "/", "/", "--dev", "/dev", "--bind", w, w,
                    "--ro-bind", f"{w}/.git", f"{w}/.git",
                    "--perms", "555", "--tmpfs", f"{w}/.agents", "--remount-ro", f"{w}/.agents",
                    "--perms", "555", "--tmpfs", f"{w}/.codex", "--remount-ro", f"{w}/.codex"]
    assert created == [f"{w}/.agents", f"{w}/.codex"]


def test_gitdir_file_protects_both(workdir):
    real = workdir / "realgit"
    real.mkdir()
    (workdir / ".git").write_text(f"gitdir: {real}\n")
    subs = pol.protected_subpaths(str(workdir))
    assert str(real) in subs and str(workdir / ".git") in subs


def test_permission_profile_matches_reference_shape(workdir):
    w = str(workdir)
    prof = pol.WorkspaceWrite().to_permission_profile(w)
    data = json.loads(prof.dumps())
    assert data["type"] == "managed" and data["network"] == "restricted"
    ents = data["file_system"]["entries"]
    assert ents[0] == {"path": {"type": "special", "value": {"kind": "root"}}, "access": "read"}
    assert ents[1] == {"path": {"type": "path", "path": w}, "access": "write"}
    assert {"path": {"type": "special", "value": {"kind": "slash_tmp"}}, "access": "write"} in ents
    assert {"path": {"type": "path", "path": f"{w}/.codex"}, "access": "read"} in ents
    again = pol.PermissionProfile.from_json(prof.dumps())
    assert again.dumps() == prof.dumps()


def test_sandbox_policy_serde_roundtrip():
    for p in (pol.DangerFullAccess(), pol.ReadOnly(), pol.ReadOnly(network_access=True),
              pol.WorkspaceWrite(("/a",), True, True, False), pol.ExternalSandbox("enabled")):
        assert pol.from_json(p.dumps()) == p
    assert pol.from_json('{"type":"workspace-write"}') == pol.WorkspaceWrite()


def test_writable_roots_order_and_excludes(workdir):
    w = str(workdir)
    roots = pol.WorkspaceWrite(("/var",)).writable_roots(w, {"TMPDIR": "/var/tmp"})
    assert [r.root for r in roots] == [os.path.realpath("/var"), w, "/tmp", "/var/tmp"]
    roots = pol.WorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True).writable_roots(w, {"TMPDIR": "/x"})
    assert [r.root for r in roots] == [w]
    assert roots[0].is_path_writable(w + "/a") and not roots[0].is_path_writable(w + "/.git/config")


def test_full_access_runs_unwrapped(workdir):
    prepared = linux.prepare(pol.DangerFullAccess(), str(workdir), ["true"])
    assert prepared.argv == ["true"] and prepared.mechanism == "none"
    assert linux.NETWORK_DISABLED_ENV not in prepared.env or os.environ.get(linux.NETWORK_DISABLED_ENV)


def test_fail_closed_without_native(monkeypatch, workdir):
    def boom():
        raise native.SandboxUnavailable("the native sandbox module codex.sandbox._sandbox_c is not built")

    monkeypatch.setattr(native, "load", boom)
    with pytest.raises(native.SandboxUnavailable):
        linux.prepare(pol.ReadOnly(), str(workdir), ["true"])


def test_fail_closed_without_any_mechanism(monkeypatch, workdir):
    if native_reason():
        pytest.skip(native_reason())
    monkeypatch.setattr(linux, "bwrap_usable", lambda: (False, "bubblewrap (bwrap) is not installed"))
    monkeypatch.setattr(native, "landlock_abi", lambda: 0)
    with pytest.raises(native.SandboxUnavailable, match="bwrap.*Landlock is not available"):
        linux.prepare(pol.ReadOnly(), str(workdir), ["true"])


def test_cli_fails_closed_with_one_message(workdir):
    # An unknown forced mechanism and a missing module are both refused before anything runs.
    (workdir / "h").mkdir()  # a CODEX_HOME that exists: else the start-up's PATH warning comes first
    r = run_ours(["sandbox", "--", "sh", "-c", "touch ran"], cwd=workdir,
                 env_extra={"CODEX_SANDBOX_MECHANISM": "nope", "CODEX_HOME": str(workdir / "h")})
    assert r.returncode == 1 and not (workdir / "ran").exists()
    assert r.stderr.startswith("Error: cannot start the Codex sandbox:") and r.stderr.count("\n") == 1


def test_landlock_refuses_carveouts(workdir):
    if native_reason():
        pytest.skip(native_reason())
    with pytest.raises(native.SandboxUnavailable, match="incompatible with --use-legacy-landlock"):
        linux.prepare(pol.WorkspaceWrite(), str(workdir), ["true"], mechanism="landlock")


@pytest.mark.parametrize("mech", ["bwrap", "bwrap-helper", "landlock"])
def test_sandbox_echo(mech, workdir, codex_home):
    reason = landlock_reason() if mech == "landlock" else bwrap_reason()
    if reason:
        pytest.skip(reason)
    env = {"CODEX_HOME": str(codex_home), "CODEX_SANDBOX_MECHANISM": mech.split("-")[0]}
    if mech == "bwrap-helper":
        env["CODEX_SANDBOX_SECCOMP"] = "helper"
    r = run_ours(["sandbox", "--", "sh", "-c", "echo sandboxed; touch x 2>&1 || true; grep -c '^Seccomp:.*2' /proc/self/status"],
                 cwd=workdir, env_extra=env)
    want = "Permission denied" if mech == "landlock" else "Read-only file system"
    assert r.stdout == f"sandboxed\ntouch: cannot touch 'x': {want}\n1\n", r.stderr
    assert r.returncode == 0 and not (workdir / "x").exists()


@pytest.mark.parametrize("mech", ["bwrap", "bwrap-helper"])
def test_sandbox_echo_workspace(mech, workdir, codex_home):
    if bwrap_reason():
        pytest.skip(bwrap_reason())
    env = {"CODEX_HOME": str(codex_home)}
    if mech == "bwrap-helper":
        env["CODEX_SANDBOX_SECCOMP"] = "helper"
    r = run_ours(["sandbox", "-c", 'sandbox_mode="workspace-write"', "--", "sh", "-c", "touch ok && echo wrote; exit 7"],
                 cwd=workdir, env_extra=env)
    assert (r.returncode, r.stdout) == (7, "wrote\n"), r.stderr
    assert sorted(p.name for p in workdir.iterdir()) == ["ok"]  # masked mountpoints cleaned up


def test_missing_command_panics_like_reference(workdir):
    (workdir / "h").mkdir()  # a CODEX_HOME that exists: else the start-up's PATH warning comes first
    r = run_ours(["sandbox", "linux"], cwd=workdir, env_extra={"CODEX_HOME": str(workdir / "h")})
    assert r.returncode == 101
    assert r.stderr == ("\nthread 'main' (2) panicked at linux-sandbox/src/linux_run_main.rs:1465:5:\n"
                        "Failed to execvp linux: No such file or directory (os error 2)\n"
                        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n")


def test_linux_sandbox_helper(workdir):
    if bwrap_reason():
        pytest.skip(bwrap_reason())
    prof = pol.WorkspaceWrite(exclude_slash_tmp=True).to_permission_profile(str(workdir))
    r = run_ours(["--sandbox-policy-cwd", str(workdir), "--permission-profile", prof.dumps(), "--",
                  "sh", "-c", "touch ok; touch .codex/x; touch /etc/x"],
                 cwd=workdir, argv0="codex-linux-sandbox")
    assert r.returncode == 1
    assert "'.codex/x': Read-only file system" in r.stderr and "'/etc/x': Read-only file system" in r.stderr
    assert (workdir / "ok").exists()


@pytest.mark.parametrize("raw", ['sandbox_mode="workspace-write"', "sandbox_mode='read-only'", "sandbox_mode=workspace-write",
                                 "features.use_legacy_landlock=true", "use_legacy_landlock=false",
                                 "sandbox_workspace_write.network_access=true", 'sandbox_mode="a\\"b"',
                                 "sandbox_workspace_write.writable_roots=[\"/x\"]", "sandbox_mode=inf", "x=1"])
def test_fast_override_parse_matches_config_overrides(raw):
    from codex.config import overrides as ov
    from codex.sandbox import cli

    assert cli._parse_overrides([raw]) == ov.parse_overrides([raw])


def test_config_file_and_overrides(workdir, monkeypatch):
    from codex.sandbox import cli

    home = workdir / "h"
    home.mkdir()
    (home / "config.toml").write_text('sandbox_mode = "workspace-write"\n[sandbox_workspace_write]\nnetwork_access = true\n'
                                      '[features]\nuse_legacy_landlock = true\n')
    monkeypatch.setenv("CODEX_HOME", str(home))

    class Inv:
        values = {"disable": ["use_legacy_landlock"]}
        config_overrides = ["sandbox_workspace_write.exclude_slash_tmp=true", "model=o3"]

    cfg = cli._effective_config(Inv())
    assert cfg["sandbox_mode"] == "workspace-write"
    assert cfg["sandbox_workspace_write"] == {"network_access": True, "exclude_slash_tmp": True}
    assert cfg["features"]["use_legacy_landlock"] is False and "model" not in cfg


def test_auto_selects_landlock_without_bwrap(monkeypatch):
    if landlock_reason():
        pytest.skip(landlock_reason())
    monkeypatch.delenv("CODEX_SANDBOX_MECHANISM", raising=False)
    monkeypatch.setattr(linux, "bwrap_usable", lambda: (False, "bubblewrap (bwrap) is not installed"))
    assert linux.select_mechanism() == "landlock"
    with pytest.raises(native.SandboxUnavailable, match="bubblewrap"):
        linux.select_mechanism("bwrap")


def test_cli_fails_closed_when_the_c_module_cannot_load(workdir):
    """The sandbox installer is C or nothing: with codex.sandbox._sandbox_c unimportable the
    command does not run, and one line says why."""
    import subprocess
    import sys

    from sandbox.conftest import SRC

    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'codex.sandbox._sandbox_c':\n"
        "            raise ImportError('blocked by the test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from codex.cli import main\n"
        "sys.argv[0] = 'codex'\n"
        "sys.exit(main())\n"
    )
    (workdir / "h").mkdir()  # a CODEX_HOME that exists: else the start-up's PATH warning comes first
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(SRC), "CODEX_HOME": str(workdir / "h")}
    for mech in ("bwrap", "landlock"):
        r = subprocess.run([sys.executable, "-c", blocker, "sandbox", "--", "sh", "-c", "touch ran"], cwd=workdir,
                           env={**env, "CODEX_SANDBOX_MECHANISM": mech}, capture_output=True, text=True)
        assert r.returncode == 1 and not (workdir / "ran").exists(), r.stderr
        assert r.stderr == ("Error: cannot start the Codex sandbox: the native sandbox module codex.sandbox._sandbox_c "
                            "is not built (blocked by the test); it needs cffi, a C compiler and libseccomp-dev at build "
                            "time. Refusing to run the command unsandboxed.\n")


def test_no_command_panics_like_reference(workdir):
    (workdir / "h").mkdir()  # a CODEX_HOME that exists: else the start-up's PATH warning comes first
    r = run_ours(["sandbox"], cwd=workdir, env_extra={"CODEX_HOME": str(workdir / "h")})
    assert r.returncode == 101
    assert r.stderr == ("\nthread 'main' (2) panicked at linux-sandbox/src/linux_run_main.rs:161:9:\n"
                        "No command specified to execute.\n"
                        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n")


@pytest.mark.parametrize("policy_args", [[], ["-c", 'sandbox_mode="workspace-write"']])
def test_signal_exit_code(policy_args, workdir, codex_home):
    if bwrap_reason():
        pytest.skip(bwrap_reason())
    r = run_ours(["sandbox", *policy_args, "--", "sh", "-c", "kill -TERM $$"], cwd=workdir,
                 env_extra={"CODEX_HOME": str(codex_home)})
    assert r.returncode == 143  # as the reference


def test_helper_refuses_proxy_routing(workdir):
    r = run_ours(["--sandbox-policy-cwd", str(workdir), "--allow-network-for-proxy", "--", "sh", "-c", "touch ran"],
                 cwd=workdir, argv0="codex-linux-sandbox")
    assert r.returncode == 1 and not (workdir / "ran").exists()
    assert "not supported by this build" in r.stderr


@pytest.mark.parametrize("mech", ["bwrap", "landlock"])
def test_wrap_argv_hook_for_process_spawn(mech, workdir):
    reason = landlock_reason() if mech == "landlock" else bwrap_reason()
    if reason:
        pytest.skip(reason)
    import subprocess

    policy = pol.ReadOnly() if mech == "landlock" else pol.WorkspaceWrite(exclude_slash_tmp=True)
    hook = linux.wrap_argv_for(policy, str(workdir), mechanism=mech)
    launch = hook(["sh", "-c", "touch ok; touch /etc/x; echo net=$CODEX_SANDBOX_NETWORK_DISABLED"])
    r = subprocess.run(launch.argv, env=launch.env, cwd=workdir, capture_output=True, text=True)
    assert r.stdout == "net=1\n"
    assert "/etc/x" in r.stderr
    assert (workdir / "ok").exists() == (mech == "bwrap")
    assert sorted(p.name for p in workdir.iterdir()) == (["ok"] if mech == "bwrap" else [])


def test_wrap_argv_hook_full_access_is_identity(workdir):
    hook = linux.wrap_argv_for(pol.DangerFullAccess(), str(workdir))
    assert hook(["true"]).argv == ["true"]


def test_restricted_read_policy_under_bwrap(workdir):
    if bwrap_reason():
        pytest.skip(bwrap_reason())
    (workdir / "readable").mkdir()
    (workdir / "readable" / "a.txt").write_text("yes")
    (workdir / "secret.txt").write_text("no")
    policy = pol.ReadOnly(readable_roots=(str(workdir / "readable"),), include_platform_defaults=True)
    prepared = linux.prepare(policy, str(workdir), ["sh", "-c", f"cat {workdir}/readable/a.txt; cat {workdir}/secret.txt; "
                                                    "cat /etc/hostname >/dev/null && echo etc-ok"], mechanism="bwrap")
    assert prepared.argv[3:5] == ["--tmpfs", "/"]
    import subprocess

    r = subprocess.run(prepared.argv, env=prepared.env, pass_fds=prepared.pass_fds, capture_output=True, text=True,
                       cwd="/")
    assert r.stdout == "yesetc-ok\n" and "secret.txt: No such file or directory" in r.stderr
