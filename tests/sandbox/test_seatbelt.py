"""macOS Seatbelt policy text, ported from codex-rs/sandboxing/src/seatbelt_tests.rs (the policy
is pure text, so these run on any OS)."""
from __future__ import annotations

import os
import re
from pathlib import Path

from codex.sandbox import policy as pol
from codex.sandbox import seatbelt as sb

SBPL = Path(sb.__file__).parent / "sbpl"


def _policy(args):
    return args[args.index("-p") + 1]


def test_sbpl_files_are_upstreams_bytes():
    base = (SBPL / "seatbelt_base_policy.sbpl").read_bytes()
    assert len(base) == 4259 and base.startswith(b"(version 1)\n\n; inspired by Chrome's sandbox policy:")
    assert base.endswith(b"(allow user-preference-read)\n")
    assert len((SBPL / "restricted_read_only_platform_defaults.sbpl").read_bytes()) == 5752
    assert (SBPL / "NOTICE").read_text().count("Apache License, Version 2.0") == 1


def test_base_policy_allows_node_cpu_sysctls():
    assert '(sysctl-name "machdep.cpu.brand_string")' in sb.base_policy()
    assert '(sysctl-name "hw.model")' in sb.base_policy()


def test_base_policy_allows_kmp_registration_shm_read_create_and_unlink():
    expected = ('(allow ipc-posix-shm-read-data\n  ipc-posix-shm-write-create\n  ipc-posix-shm-write-unlink\n'
                '  (ipc-posix-name-regex #"^/__KMP_REGISTERED_LIB_[0-9]+$"))')
    assert expected in sb.base_policy()


def test_create_seatbelt_args_routes_network_through_proxy_ports():
    p = sb.dynamic_network_policy(False, ports=[43128, 48081], has_proxy_config=True)
    assert '(allow network-outbound (remote ip "localhost:43128"))' in p
    assert '(allow network-outbound (remote ip "localhost:48081"))' in p
    assert "\n(allow network-outbound)\n" not in p
    assert '(allow network-bind (local ip "*:*"))' not in p
    assert '(allow network-inbound (local ip "localhost:*"))' not in p
    assert '(allow network-outbound (remote ip "*:53"))' not in p


def test_dynamic_network_policy_allows_tls_without_darwin_user_cache_write():
    p = sb.dynamic_network_policy(True)
    assert '(global-name "com.apple.trustd.agent")' in p
    assert "DARWIN_USER_CACHE_DIR" not in p
    assert p.startswith("(allow network-outbound)\n(allow network-inbound)\n")


def test_create_seatbelt_args_allows_local_binding_when_explicitly_enabled():
    p = sb.dynamic_network_policy(False, ports=[43128], has_proxy_config=True, allow_local_binding=True)
    assert '(allow network-bind (local ip "*:*"))' in p
    assert '(allow network-inbound (local ip "localhost:*"))' in p
    assert '(allow network-outbound (remote ip "localhost:*"))' in p
    assert '(allow network-outbound (remote ip "*:53"))' in p
    assert "\n(allow network-outbound)\n" not in p


def test_dynamic_network_policy_preserves_restricted_policy_when_proxy_config_without_ports():
    p = sb.dynamic_network_policy(True, ports=[], has_proxy_config=True)
    assert "(socket-domain AF_SYSTEM)" in p
    assert "\n(allow network-outbound)\n" not in p
    assert '(allow network-outbound (remote ip "localhost:' not in p
    assert '(allow network-outbound (remote ip "*:53"))' not in p


def test_dynamic_network_policy_blocks_dns_when_local_binding_has_no_proxy_ports():
    p = sb.dynamic_network_policy(True, ports=[], has_proxy_config=True, allow_local_binding=True)
    assert '(allow network-bind (local ip "*:*"))' in p
    assert '(allow network-outbound (remote ip "*:53"))' not in p


def test_dynamic_network_policy_preserves_restricted_policy_for_managed_network_without_proxy_config():
    p = sb.dynamic_network_policy(True, enforce_managed_network=True)
    assert "(socket-domain AF_SYSTEM)" in p
    assert "\n(allow network-outbound)\n" not in p
    assert '(allow network-outbound (remote ip "*:53"))' not in p


def test_create_seatbelt_args_full_network_with_proxy_is_still_proxy_only():
    p = sb.dynamic_network_policy(True, ports=[43128], has_proxy_config=True)
    assert '(allow network-outbound (remote ip "localhost:43128"))' in p
    assert "\n(allow network-outbound)\n" not in p


def test_network_disabled_has_no_network_section():
    assert sb.dynamic_network_policy(False) == ""


def test_proxy_ports_from_env():
    env = {"HTTP_PROXY": "http://127.0.0.1:3128", "https_proxy": "localhost", "ALL_PROXY": "socks5h://[::1]",
           "FTP_PROXY": "http://example.com:9"}
    assert sb.proxy_loopback_ports_from_env(env) == [80, 1080, 3128]
    assert sb.has_proxy_url_env_vars({"http_proxy": "x"})


def test_seatbelt_args_without_extension_profile_keep_legacy_preferences_read_access():
    args = sb.create_seatbelt_command_args(["echo", "ok"], pol.ReadOnly(), "/", {})
    assert "(allow user-preference-read)" in args[1]
    assert "(allow user-preference-write)" not in args[1]
    assert args[-3:] == ["--", "echo", "ok"]


def test_read_only_policy_text_is_exact():
    args = sb.create_seatbelt_command_args(["/bin/echo", "hi"], pol.ReadOnly(), "/", {})
    assert args == ["-p", sb.base_policy() + "\n; allow read-only file operations\n(allow file-read*)\n\n\n",
                    "--", "/bin/echo", "hi"]


def test_create_seatbelt_args_with_read_only_git_and_codex_subpaths(tmp_path):
    # upstream: a workspace-write policy on a repo with .git/.codex; the protected subpaths become
    # literal+subpath require-not carve-outs of their root, passed as -D parameters.
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / ".codex").mkdir()
    empty = tmp_path / "empty"
    empty.mkdir()
    policy = pol.WorkspaceWrite(writable_roots_config=(str(empty),), exclude_slash_tmp=True,
                                exclude_tmpdir_env_var=True)
    args = sb.create_seatbelt_command_args(["/bin/echo", "hello"], policy, str(root), {})
    r = os.path.realpath
    write = ('(allow file-write*\n'
             '(require-all (subpath (param "WRITABLE_ROOT_0")) '
             '(require-not (literal (param "WRITABLE_ROOT_0_EXCLUDED_0"))) (require-not (subpath (param "WRITABLE_ROOT_0_EXCLUDED_0"))) '
             '(require-not (literal (param "WRITABLE_ROOT_0_EXCLUDED_1"))) (require-not (subpath (param "WRITABLE_ROOT_0_EXCLUDED_1"))) '
             '(require-not (literal (param "WRITABLE_ROOT_0_EXCLUDED_2"))) (require-not (subpath (param "WRITABLE_ROOT_0_EXCLUDED_2"))) ) '
             '(require-all (subpath (param "WRITABLE_ROOT_1")) '
             '(require-not (literal (param "WRITABLE_ROOT_1_EXCLUDED_0"))) (require-not (subpath (param "WRITABLE_ROOT_1_EXCLUDED_0"))) '
             '(require-not (literal (param "WRITABLE_ROOT_1_EXCLUDED_1"))) (require-not (subpath (param "WRITABLE_ROOT_1_EXCLUDED_1"))) '
             '(require-not (literal (param "WRITABLE_ROOT_1_EXCLUDED_2"))) (require-not (subpath (param "WRITABLE_ROOT_1_EXCLUDED_2"))) )\n)')
    expected_policy = f"{sb.base_policy()}\n; allow read-only file operations\n(allow file-read*)\n{write}\n\n"
    assert args[1] == expected_policy
    # policy's own order: the cwd first, then the configured roots
    assert args[2:] == [
        f"-DWRITABLE_ROOT_0={r(root)}",
        f"-DWRITABLE_ROOT_0_EXCLUDED_0={r(root)}/.git",
        f"-DWRITABLE_ROOT_0_EXCLUDED_1={r(root)}/.agents",
        f"-DWRITABLE_ROOT_0_EXCLUDED_2={r(root)}/.codex",
        f"-DWRITABLE_ROOT_1={r(empty)}",
        f"-DWRITABLE_ROOT_1_EXCLUDED_0={r(empty)}/.git",
        f"-DWRITABLE_ROOT_1_EXCLUDED_1={r(empty)}/.agents",
        f"-DWRITABLE_ROOT_1_EXCLUDED_2={r(empty)}/.codex",
        "--", "/bin/echo", "hello",
    ]


def test_full_access_writes_everywhere_with_network():
    args = sb.create_seatbelt_command_args(["true"], pol.DangerFullAccess(), "/", {})
    assert '(allow file-write* (regex #"^/"))' in args[1]
    assert "(allow network-outbound)\n(allow network-inbound)\n" in args[1]


def test_restricted_read_includes_platform_defaults():
    p = pol.ReadOnly(readable_roots=("/opt/x",), include_platform_defaults=True)
    args = sb.create_seatbelt_command_args(["true"], p, "/", {})
    assert args[1].endswith(sb.platform_defaults_policy())
    assert '(allow file-read*\n(subpath (param "READABLE_ROOT_0"))\n)' in args[1]
    assert "-DREADABLE_ROOT_0=/opt/x" in args


def test_unreadable_globstar_slash_matches_zero_or_more_directories():
    regex = sb.seatbelt_regex_for_unreadable_glob("/tmp/repo/**/*.env")
    assert regex == r"^/tmp/repo/(.*/)?[^/]*\.env$"
    rx = re.compile(regex)
    assert rx.match("/tmp/repo/.env") and rx.match("/tmp/repo/app/.env") and rx.match("/tmp/repo/app/config.env")
    assert not rx.match("/tmp/repo/app/config.toml")


def test_unreadable_globs_use_git_style_component_matching():
    regex = sb.seatbelt_regex_for_unreadable_glob("/tmp/repo/*/file[0-9]?.txt")
    assert regex == r"^/tmp/repo/[^/]*/file[0-9][^/]\.txt$"
    rx = re.compile(regex)
    assert rx.match("/tmp/repo/app/file42.txt")
    assert not rx.match("/tmp/repo/app/nested/file42.txt")
    assert not rx.match("/tmp/repo/app/file4.txt")
    assert not rx.match("/tmp/repo/app/fileab.txt")


def test_unreadable_globs_treat_unclosed_character_classes_as_literals():
    regex = sb.seatbelt_regex_for_unreadable_glob("/tmp/repo/[*.env")
    assert regex == r"^/tmp/repo/\[[^/]*\.env$"
    rx = re.compile(regex)
    assert rx.match("/tmp/repo/[local.env") and rx.match("/tmp/repo/[.env")
    assert not rx.match("/tmp/repo/local.env")
