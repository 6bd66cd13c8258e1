"""The `codex` 0.136.0 command tree, declared the way the upstream clap derives declare it.

This is the single source of truth for both parsing and help: `codex.cli.clap` renders every help
page, usage string and usage error from these declarations, and parses command lines with them;
`codex.cli.app` dispatches the result.

Conventions (mirroring clap_derive):

- `doc` is the `///` doc comment: the short help is its first paragraph without the trailing
  period, the long help (`--help`) the whole text when it has more than one paragraph. Lines
  inside a paragraph are joined with single spaces, so the source may wrap them anywhere.
- Args and subcommands are listed in declaration order; a command's display order counter is
  shared by its non-positional args and its subcommands (`subcommands_first=True` when the
  upstream struct declares its `#[command(subcommand)]` field before its args). Hidden args keep
  their place because they consume a display order too.
- `global_=True` args (`-c/--config`, `--enable`, `--disable` at the top level; the shared exec
  options under `codex exec`) are propagated to every subcommand that does not declare an arg with
  the same id, keeping the parent's display order.
- Each function returns a fresh tree; `root()` builds everything.

The hidden args and subcommands come from the reference's completion scripts (clap_complete
lists them), the texts from the captured help pages.
"""

from __future__ import annotations

from codex.cli.clap import UNBOUNDED, Arg, ArgGroup, Command, IntParser, UnsignedParser
from codex.cli.clap import PossibleValue as PV
from codex.cli.clap import ValueParseError

VERSION = "0.136.0"


# --- value parsers (the upstream `value_parser = ...` functions) ---

U16 = IntParser(0, 65535)  # clap::value_parser!(u16)
U64 = UnsignedParser()  # clap::value_parser!(u64)


def _bounded_count(what: str, lo: int, hi: int):
    """cloud-tasks' `parse_attempts`/`parse_limit`: an integer in `lo..=hi`."""

    def parse(raw: str) -> int:
        digits = raw[1:] if raw.startswith("+") else raw
        if not digits or not digits.isascii() or not digits.isdigit() or int(digits) >= 2**64:
            raise ValueParseError(f"{what} must be an integer between {lo} and {hi}")
        value = int(digits)
        if not lo <= value <= hi:
            raise ValueParseError(f"{what} must be between {lo} and {hi}")
        return value

    return parse


ATTEMPTS = _bounded_count("attempts", 1, 4)
LIMIT = _bounded_count("limit", 1, 20)


def env_pair(raw: str) -> tuple[str, str]:
    """`codex mcp add --env KEY=VALUE` (mcp_cmd.rs `parse_env_pair`)."""
    key, sep, value = raw.partition("=")
    if not sep or not key.strip():
        raise ValueParseError("environment entries must be in KEY=VALUE form")
    return key.strip(), value


def app_server_listen_url(raw: str) -> str:
    """`AppServerTransport::from_str`: `stdio://`, `unix://[PATH]`, `ws://IP:PORT` or `off`."""
    if raw in ("stdio://", "off") or raw.startswith("unix://"):
        return raw
    if raw.startswith("ws://"):
        if not _is_socket_addr(raw[len("ws://"):]):
            raise ValueParseError(f"invalid websocket --listen URL `{raw}`; expected `ws://IP:PORT`")
        return raw
    raise ValueParseError(
        f"unsupported --listen URL `{raw}`; expected `stdio://`, `unix://`, `unix://PATH`, "
        "`ws://IP:PORT`, or `off`"
    )


def _is_socket_addr(text: str) -> bool:
    """Rust's `SocketAddr::from_str`: `IPv4:PORT` or `[IPv6]:PORT`."""
    import ipaddress

    host, sep, port = text.rpartition(":")
    if not sep or not port.isascii() or not port.isdigit() or int(port) > 65535:
        return False
    try:
        if host.startswith("[") and host.endswith("]"):
            ipaddress.IPv6Address(host[1:-1])
        else:
            ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True

def global_arg(arg: Arg) -> Arg:
    """`cmd.mut_arg(id, |a| a.global(true))`: the same arg, also propagated to subcommands."""
    arg = arg.copy()
    arg.global_ = True
    return arg


# --- shared arguments (the upstream structs that commands flatten) ---

PROMPT = Arg("prompt", "Optional user prompt to start the session", value_name="PROMPT")

CONFIG = Arg(
    "config",
    """
    Override a configuration value that would otherwise be loaded from `~/.codex/config.toml`. Use
    a dotted path (`foo.bar.baz`) to override nested values. The `value` portion is parsed as TOML.
    If it fails to parse as TOML, the raw string is used as a literal.

    Examples: - `-c model="o3"` - `-c 'sandbox_permissions=["disk-full-read-access"]'` - `-c
    shell_environment_policy.inherit=all`
    """,
    short="c",
    long="config",
    value_name="key=value",
    multiple=True,
    global_=True,
)

ENABLE = Arg(
    "enable",
    "Enable a feature (repeatable). Equivalent to `-c features.<name>=true`.",
    long="enable",
    value_name="FEATURE",
    multiple=True,
    global_=True,
)

DISABLE = Arg(
    "disable",
    "Disable a feature (repeatable). Equivalent to `-c features.<name>=false`.",
    long="disable",
    value_name="FEATURE",
    multiple=True,
    global_=True,
)

REMOTE = Arg(
    "remote",
    """
    Connect the TUI to a remote app server endpoint.

    Accepted forms: `ws://host:port`, `wss://host:port`, `unix://`, or `unix://PATH`.
    """,
    long="remote",
    value_name="ADDR",
)

REMOTE_AUTH_TOKEN_ENV = Arg(
    "remote_auth_token_env",
    """
    Name of the environment variable containing the bearer token to send to a remote app server
    websocket
    """,
    long="remote-auth-token-env",
    value_name="ENV_VAR",
)

STRICT_CONFIG = Arg(
    "strict_config",
    "Error out when config.toml contains fields that are not recognized by this version of Codex",
    long="strict-config",
    flag=True,
)

IMAGE = Arg(
    "image",
    "Optional image(s) to attach to the initial prompt",
    short="i",
    long="image",
    value_name="FILE",
    multiple=True,
    num_args=(1, UNBOUNDED),
    value_delimiter=",",
)

MODEL = Arg("model", "Model the agent should use", short="m", long="model", value_name="MODEL")

OSS = Arg("oss", "Use open-source provider", long="oss", flag=True)

LOCAL_PROVIDER = Arg(
    "local_provider",
    """
    Specify which local provider to use (lmstudio or ollama). If not specified with --oss, will use
    config default or show selection
    """,
    long="local-provider",
    value_name="OSS_PROVIDER",
)

PROFILE = Arg(
    "profile",
    "Layer $CODEX_HOME/<name>.config.toml on top of the base user config",
    short="p",
    long="profile",
    value_name="CONFIG_PROFILE_V2",
)

SANDBOX = Arg(
    "sandbox",
    "Select the sandbox policy to use when executing model-generated shell commands",
    short="s",
    long="sandbox",
    value_name="SANDBOX_MODE",
    possible_values=["read-only", "workspace-write", "danger-full-access"],
)

DANGEROUSLY_BYPASS_APPROVALS_AND_SANDBOX = Arg(
    "dangerously_bypass_approvals_and_sandbox",
    """
    Skip all confirmation prompts and execute commands without sandboxing. EXTREMELY DANGEROUS.
    Intended solely for running in environments that are externally sandboxed
    """,
    long="dangerously-bypass-approvals-and-sandbox",
    flag=True,
    conflicts_with=("ask_for_approval",),
)

DANGEROUSLY_BYPASS_HOOK_TRUST = Arg(
    "dangerously_bypass_hook_trust",
    """
    Run enabled hooks without requiring persisted hook trust for this invocation. DANGEROUS.
    Intended only for automation that already vets hook sources
    """,
    long="dangerously-bypass-hook-trust",
    flag=True,
)

CD = Arg(
    "cd",
    "Tell the agent to use the specified directory as its working root",
    short="C",
    long="cd",
    value_name="DIR",
)

ADD_DIR = Arg(
    "add_dir",
    "Additional directories that should be writable alongside the primary workspace",
    long="add-dir",
    value_name="DIR",
    multiple=True,
)

ASK_FOR_APPROVAL = Arg(
    "ask_for_approval",
    "Configure when the model requires human approval before executing a command",
    short="a",
    long="ask-for-approval",
    value_name="APPROVAL_POLICY",
    possible_values=[
        PV("untrusted", """
            Only run "trusted" commands (e.g. ls, cat, sed) without asking for user approval. Will
            escalate to the user if the model proposes a command that is not in the "trusted" set
            """),
        PV("on-failure", """
            DEPRECATED: Run all commands without asking for user approval. Only asks for approval
            if a command fails to execute, in which case it will escalate to the user to ask for
            un-sandboxed execution. Prefer `on-request` for interactive runs or `never` for
            non-interactive runs
            """),
        PV("on-request", "The model decides when to ask the user for approval"),
        PV("never", "Never ask for user approval Execution failures are immediately returned to the model"),
    ],
)

SEARCH = Arg(
    "search",
    """
    Enable live web search. When enabled, the native Responses `web_search` tool is available to
    the model (no per‑call approval)
    """,
    long="search",
    flag=True,
)

NO_ALT_SCREEN = Arg(
    "no_alt_screen",
    """
    Disable alternate screen mode

    Runs the TUI in inline mode, preserving terminal scrollback history.
    """,
    long="no-alt-screen",
    flag=True,
)

# `InteractiveRemoteOptions`
REMOTE_OPTIONS = [REMOTE, REMOTE_AUTH_TOKEN_ENV]

# `SharedCliOptions` (codex-rs/utils/cli)
SHARED_OPTIONS = [
    IMAGE,
    MODEL,
    OSS,
    LOCAL_PROVIDER,
    PROFILE,
    SANDBOX,
    DANGEROUSLY_BYPASS_APPROVALS_AND_SANDBOX,
    DANGEROUSLY_BYPASS_HOOK_TRUST,
    CD,
    ADD_DIR,
]

# The interactive options (`codex_tui::Cli` without its prompt): `codex`, `codex resume`, `codex fork`.
TUI_OPTIONS = [
    *REMOTE_OPTIONS,
    STRICT_CONFIG,
    *SHARED_OPTIONS,
    ASK_FOR_APPROVAL,
    SEARCH,
    NO_ALT_SCREEN,
]

# `ReviewArgs` (codex-rs/exec/src/cli.rs), shared by `codex review` and `codex exec review`.

REVIEW_PROMPT = Arg(
    "prompt",
    "Custom review instructions. If `-` is used, read from stdin.",
    value_name="PROMPT",
)

UNCOMMITTED = Arg(
    "uncommitted",
    "Review staged, unstaged, and untracked changes.",
    long="uncommitted",
    flag=True,
    conflicts_with=("base", "commit", "prompt"),
)

BASE = Arg(
    "base",
    "Review changes against the given base branch.",
    long="base",
    value_name="BRANCH",
    conflicts_with=("uncommitted", "commit", "prompt"),
)

COMMIT = Arg(
    "commit",
    "Review the changes introduced by a commit.",
    long="commit",
    value_name="SHA",
    conflicts_with=("uncommitted", "base", "prompt"),
)

TITLE = Arg(
    "title",
    "Optional commit title to display in the review summary.",
    long="title",
    value_name="TITLE",
    requires=("commit",),
)

EXPERIMENTAL = Arg(
    "experimental",
    "Include experimental methods and fields in the generated output",
    long="experimental",
    flag=True,
)

JSON = Arg("json", "Emit machine-readable JSON", long="json", flag=True)

ALL = Arg(
    "all",
    "Show all sessions (disables cwd filtering and shows CWD column)",
    long="all",
    flag=True,
)

TARGET = Arg(
    "target",
    "Session id (UUID) or session name. UUIDs take precedence if it parses",
    value_name="SESSION",
    required=True,
)

FEATURE = Arg(
    "feature",
    "Feature key to update (for example: unified_exec)",
    value_name="FEATURE",
    required=True,
)


def root() -> Command:
    """`codex`"""
    return Command(
        "codex-cli",
        doc="""
        Codex CLI

        If no subcommand is specified, options will be forwarded to the interactive CLI.
        """,
        bin_name="codex",
        override_usage=(
            "codex [OPTIONS] [PROMPT]\n"
            "       codex [OPTIONS] <COMMAND> [ARGS]"
        ),
        subcommand_negates_reqs=True,
        version=VERSION,
        args=[
            CONFIG,
            ENABLE,
            DISABLE,
            PROMPT,
            *TUI_OPTIONS,
        ],
        subcommands=[
            exec_(),
            review(),
            login(),
            logout(),
            mcp(),
            plugin(),
            mcp_server(),
            app_server(),
            remote_control(),
            completion(),
            update(),
            doctor(),
            sandbox(),
            debug(),
            execpolicy(),
            apply_(),
            resume(),
            archive(),
            unarchive(),
            fork(),
            cloud(),
            responses_api_proxy(),
            stdio_to_uds(),
            exec_server(),
            features(),
        ],
    )


def exec_() -> Command:
    """`codex exec`"""
    return Command(
        "exec",
        doc="Run Codex non-interactively",
        override_usage=(
            "codex exec [OPTIONS] [PROMPT]\n"
            "       codex exec [OPTIONS] <COMMAND> [ARGS]"
        ),
        subcommands_first=True,
        aliases=[("e", True)],
        version=VERSION,
        args=[
            Arg(
                "prompt",
                """
                Initial instructions for the agent. If not provided as an argument (or if `-` is
                used), instructions are read from stdin. If stdin is piped and a prompt is also
                provided, stdin is appended as a `<stdin>` block
                """,
                value_name="PROMPT",
            ),
            # `ExecSharedCliOptions`: `SharedCliOptions` with some args made global.
            global_arg(STRICT_CONFIG),
            IMAGE,
            global_arg(MODEL),
            OSS,
            LOCAL_PROVIDER,
            PROFILE,
            SANDBOX,
            global_arg(DANGEROUSLY_BYPASS_APPROVALS_AND_SANDBOX),
            global_arg(DANGEROUSLY_BYPASS_HOOK_TRUST),
            CD,
            ADD_DIR,
            Arg(
                "skip_git_repo_check",
                "Allow running Codex outside a Git repository",
                long="skip-git-repo-check",
                flag=True,
                global_=True,
            ),
            Arg(
                "ephemeral",
                "Run without persisting session files to disk",
                long="ephemeral",
                flag=True,
                global_=True,
            ),
            Arg(
                "ignore_user_config",
                "Do not load `$CODEX_HOME/config.toml`; auth still uses `CODEX_HOME`",
                long="ignore-user-config",
                flag=True,
                global_=True,
            ),
            Arg(
                "ignore_rules",
                "Do not load user or project execpolicy `.rules` files",
                long="ignore-rules",
                flag=True,
                global_=True,
            ),
            Arg(
                "full_auto",
                "Legacy compatibility trap for the removed `--full-auto` flag",
                long="full-auto",
                flag=True,
                hide=True,
                global_=True,
                conflicts_with=("dangerously_bypass_approvals_and_sandbox",),
            ),
            Arg(
                "output_schema",
                "Path to a JSON Schema file describing the model's final response shape",
                long="output-schema",
                value_name="FILE",
                global_=True,
            ),
            Arg(
                "color",
                "Specifies color settings for use in the output",
                long="color",
                value_name="COLOR",
                default="auto",
                possible_values=["always", "never", "auto"],
            ),
            Arg(
                "json",
                "Print events to stdout as JSONL.",
                long="json",
                aliases=("experimental-json",),
                flag=True,
                global_=True,
            ),
            Arg(
                "output_last_message",
                "Specifies file where the last message from the agent should be written",
                short="o",
                long="output-last-message",
                value_name="FILE",
                global_=True,
            ),
        ],
        subcommands=[exec_resume(), exec_review()],
    )


def exec_resume() -> Command:
    """`codex exec resume`"""
    return Command(
        "resume",
        doc="Resume a previous session by id or pick the most recent with --last",
        args=[
            Arg(
                "session_id",
                """
                Conversation/session id (UUID) or thread name. UUIDs take precedence if it parses.
                If omitted, use --last to pick the most recent recorded session
                """,
                value_name="SESSION_ID",
            ),
            Arg(
                "prompt",
                "Prompt to send after resuming the session. If `-` is used, read from stdin",
                value_name="PROMPT",
            ),
            Arg(
                "last",
                "Resume the most recent recorded session (newest) without specifying an id",
                long="last",
                flag=True,
            ),
            Arg("all", "Show all sessions (disables cwd filtering)", long="all", flag=True),
            Arg(
                "image",
                "Optional image(s) to attach to the prompt sent after resuming",
                short="i",
                long="image",
                value_name="FILE",
                multiple=True,
            ),
        ],
    )


def exec_review() -> Command:
    """`codex exec review`"""
    return Command(
        "review",
        doc="Run a code review against the current repository",
        args=[
            REVIEW_PROMPT,
            UNCOMMITTED,
            BASE,
            COMMIT,
            TITLE,
        ],
    )


def review() -> Command:
    """`codex review`"""
    return Command(
        "review",
        doc="Run a code review non-interactively",
        args=[
            REVIEW_PROMPT,
            STRICT_CONFIG,
            UNCOMMITTED,
            BASE,
            COMMIT,
            TITLE,
        ],
    )


def login() -> Command:
    """`codex login`"""
    return Command(
        "login",
        doc="Manage login",
        args=[
            Arg(
                "with_api_key",
                """
                Read the API key from stdin (e.g. `printenv OPENAI_API_KEY | codex login
                --with-api-key`)
                """,
                long="with-api-key",
                flag=True,
            ),
            Arg(
                "with_access_token",
                """
                Read the access token from stdin (e.g. `printenv CODEX_ACCESS_TOKEN | codex login
                --with-access-token`)
                """,
                long="with-access-token",
                flag=True,
            ),
            Arg(
                "api_key",
                """
                (deprecated) Previously accepted the API key directly; now exits with guidance to
                use --with-api-key
                """,
                long="api-key",
                value_name="API_KEY",
                num_args=(0, 1),
                hide=True,
            ),
            Arg("device_auth", long="device-auth", flag=True),
            Arg(
                "experimental_issuer",
                """
                EXPERIMENTAL: Use custom OAuth issuer base URL (advanced) Override the OAuth issuer
                base URL (advanced)
                """,
                long="experimental_issuer",
                value_name="URL",
                hide=True,
            ),
            Arg(
                "experimental_client_id",
                "EXPERIMENTAL: Use custom OAuth client ID (advanced)",
                long="experimental_client-id",
                value_name="CLIENT_ID",
                hide=True,
            ),
        ],
        subcommands=[login_status()],
    )


def login_status() -> Command:
    """`codex login status`"""
    return Command(
        "status",
        doc="Show login status",
    )


def logout() -> Command:
    """`codex logout`"""
    return Command(
        "logout",
        doc="Remove stored authentication credentials",
    )


def mcp() -> Command:
    """`codex mcp`"""
    return Command(
        "mcp",
        doc="Manage external MCP servers for Codex",
        subcommand_required=True,
        subcommands=[mcp_list(), mcp_get(), mcp_add(), mcp_remove(), mcp_login(), mcp_logout()],
    )


def mcp_list() -> Command:
    """`codex mcp list`"""
    return Command(
        "list",
        args=[
            Arg("json", "Output the configured servers as JSON", long="json", flag=True),
        ],
    )


def mcp_get() -> Command:
    """`codex mcp get`"""
    return Command(
        "get",
        args=[
            Arg("name", "Name of the MCP server to display", value_name="NAME", required=True),
            Arg("json", "Output the server configuration as JSON", long="json", flag=True),
        ],
    )


def mcp_add() -> Command:
    """`codex mcp add`"""
    return Command(
        "add",
        override_usage="codex mcp add [OPTIONS] <NAME> (--url <URL> | -- <COMMAND>...)",
        groups=[ArgGroup("transport", ["command", "url"], required=True)],
        args=[
            Arg("name", "Name for the MCP server configuration", value_name="NAME", required=True),
            Arg(
                "command",
                "Command to launch the MCP server. Use --url for a streamable HTTP server",
                value_name="COMMAND",
                multiple=True,
                trailing_var_arg=True,
            ),
            Arg(
                "env",
                """
                Environment variables to set when launching the server. Only valid with stdio
                servers
                """,
                long="env",
                value_name="KEY=VALUE",
                multiple=True,
                value_parser=env_pair,
            ),
            Arg("url", "URL for a streamable HTTP MCP server", long="url", value_name="URL"),
            Arg(
                "bearer_token_env_var",
                """
                Optional environment variable to read for a bearer token. Only valid with
                streamable HTTP servers
                """,
                long="bearer-token-env-var",
                value_name="ENV_VAR",
            ),
            Arg(
                "oauth_client_id",
                "Optional OAuth client identifier to use for this MCP server",
                long="oauth-client-id",
                value_name="CLIENT_ID",
            ),
            Arg(
                "oauth_resource",
                "Optional OAuth resource parameter to include during MCP login",
                long="oauth-resource",
                value_name="RESOURCE",
            ),
        ],
    )


def mcp_remove() -> Command:
    """`codex mcp remove`"""
    return Command(
        "remove",
        args=[
            Arg(
                "name",
                "Name of the MCP server configuration to remove",
                value_name="NAME",
                required=True,
            ),
        ],
    )


def mcp_login() -> Command:
    """`codex mcp login`"""
    return Command(
        "login",
        args=[
            Arg(
                "name",
                "Name of the MCP server to authenticate with oauth",
                value_name="NAME",
                required=True,
            ),
            Arg(
                "scopes",
                "Comma-separated list of OAuth scopes to request",
                long="scopes",
                value_name="SCOPE,SCOPE",
                multiple=True,
                value_delimiter=",",
            ),
        ],
    )


def mcp_logout() -> Command:
    """`codex mcp logout`"""
    return Command(
        "logout",
        args=[
            Arg(
                "name",
                "Name of the MCP server to deauthenticate",
                value_name="NAME",
                required=True,
            ),
        ],
    )


def plugin() -> Command:
    """`codex plugin`"""
    return Command(
        "plugin",
        doc="Manage Codex plugins",
        subcommand_required=True,
        subcommands=[plugin_add(), plugin_list(), plugin_marketplace(), plugin_remove()],
    )


def plugin_add() -> Command:
    """`codex plugin add`"""
    return Command(
        "add",
        doc="""
        Install a plugin from a configured marketplace snapshot.

        Pass either `PLUGIN@MARKETPLACE` or pass `PLUGIN` with `--marketplace MARKETPLACE`.
        """,
        after_help=(
            "Examples:\n"
            "  codex plugin add sample@debug\n"
            "  codex plugin add sample --marketplace debug"
        ),
        args=[
            Arg(
                "plugin",
                """
                Plugin selector to install: either PLUGIN@MARKETPLACE or PLUGIN with --marketplace
                """,
                value_name="PLUGIN[@MARKETPLACE]",
                required=True,
            ),
            Arg(
                "marketplace",
                "Configured marketplace name to use when PLUGIN does not include @MARKETPLACE",
                short="m",
                long="marketplace",
                value_name="MARKETPLACE",
            ),
        ],
    )


def plugin_list() -> Command:
    """`codex plugin list`"""
    return Command(
        "list",
        doc="List plugins available from configured marketplace snapshots",
        after_help=(
            "Examples:\n"
            "  codex plugin list\n"
            "  codex plugin list --marketplace debug"
        ),
        args=[
            Arg(
                "marketplace",
                "Only list plugins from this configured marketplace name",
                short="m",
                long="marketplace",
                value_name="MARKETPLACE",
            ),
        ],
    )


def plugin_marketplace() -> Command:
    """`codex plugin marketplace`"""
    return Command(
        "marketplace",
        doc="Add, list, upgrade, or remove configured plugin marketplaces",
        subcommand_required=True,
        subcommands=[
            plugin_marketplace_add(),
            plugin_marketplace_list(),
            plugin_marketplace_upgrade(),
            plugin_marketplace_remove(),
        ],
    )


def plugin_marketplace_add() -> Command:
    """`codex plugin marketplace add`"""
    return Command(
        "add",
        doc="Add a local or Git marketplace to the configured marketplace sources",
        after_help=(
            "Examples:\n"
            "  codex plugin marketplace add ./path/to/marketplace\n"
            "  codex plugin marketplace add owner/repo --ref main\n"
            "  codex plugin marketplace add https://github.com/owner/repo --sparse plugins/foo"
        ),
        args=[
            Arg(
                "source",
                """
                Marketplace source: a local path, owner/repo[@ref], HTTPS Git URL, or SSH Git URL
                """,
                value_name="SOURCE",
                required=True,
            ),
            Arg(
                "ref",
                "Git ref to fetch for Git marketplace sources",
                long="ref",
                value_name="REF",
            ),
            Arg(
                "sparse",
                "Sparse checkout path for Git marketplace sources. Can be repeated",
                long="sparse",
                value_name="PATH",
                multiple=True,
            ),
        ],
    )


def plugin_marketplace_list() -> Command:
    """`codex plugin marketplace list`"""
    return Command(
        "list",
        doc="List plugin marketplaces Codex is currently considering and their roots",
    )


def plugin_marketplace_upgrade() -> Command:
    """`codex plugin marketplace upgrade`"""
    return Command(
        "upgrade",
        doc="""
        Refresh configured Git marketplace snapshots.

        Omit MARKETPLACE_NAME to upgrade all configured Git marketplaces.
        """,
        after_help=(
            "Examples:\n"
            "  codex plugin marketplace upgrade\n"
            "  codex plugin marketplace upgrade debug"
        ),
        args=[
            Arg(
                "marketplace_name",
                """
                Optional configured marketplace name to upgrade. Omit to upgrade all Git
                marketplaces
                """,
                value_name="MARKETPLACE_NAME",
            ),
        ],
    )


def plugin_marketplace_remove() -> Command:
    """`codex plugin marketplace remove`"""
    return Command(
        "remove",
        doc="Remove a configured marketplace source by name",
        after_help=(
            "Example:\n"
            "  codex plugin marketplace remove debug"
        ),
        args=[
            Arg(
                "marketplace_name",
                "Configured marketplace name to remove",
                value_name="MARKETPLACE_NAME",
                required=True,
            ),
        ],
    )


def plugin_remove() -> Command:
    """`codex plugin remove`"""
    return Command(
        "remove",
        doc="""
        Remove an installed plugin from local config and cache.

        Pass either `PLUGIN@MARKETPLACE` or pass `PLUGIN` with `--marketplace MARKETPLACE`.
        """,
        after_help=(
            "Examples:\n"
            "  codex plugin remove sample@debug\n"
            "  codex plugin remove sample --marketplace debug"
        ),
        args=[
            Arg(
                "plugin",
                """
                Plugin selector to remove: either PLUGIN@MARKETPLACE or PLUGIN with --marketplace
                """,
                value_name="PLUGIN[@MARKETPLACE]",
                required=True,
            ),
            Arg(
                "marketplace",
                "Marketplace name to use when PLUGIN does not include @MARKETPLACE",
                short="m",
                long="marketplace",
                value_name="MARKETPLACE",
            ),
        ],
    )


def mcp_server() -> Command:
    """`codex mcp-server`"""
    return Command(
        "mcp-server",
        doc="Start Codex as an MCP server (stdio)",
        args=[
            STRICT_CONFIG,
        ],
    )


def app_server() -> Command:
    """`codex app-server`"""
    return Command(
        "app-server",
        doc="[experimental] Run the app server or related tooling",
        subcommands_first=True,
        args=[
            STRICT_CONFIG,
            Arg(
                "listen",
                """
                Transport endpoint URL. Supported values: `stdio://` (default), `unix://`,
                `unix://PATH`, `ws://IP:PORT`, `off`
                """,
                long="listen",
                value_name="URL",
                default="stdio://",
                value_parser=app_server_listen_url,
            ),
            Arg(
                "stdio",
                "Use stdio as the transport (equivalent to `--listen stdio://`)",
                long="stdio",
                flag=True,
                conflicts_with=("listen",),
            ),
            Arg(
                "remote_control",
                "Enable remote control for this app-server process",
                long="remote-control",
                flag=True,
                hide=True,
            ),
            Arg(
                "analytics_default_enabled",
                """
                Controls whether analytics are enabled by default.

                Analytics are disabled by default for app-server. Users have to explicitly opt in
                via the `analytics` section in the config.toml file.

                However, for first-party use cases like the VSCode IDE extension, we default
                analytics to be enabled by default by setting this flag. Users can still opt out by
                setting this in their config.toml:

                ```toml
                [analytics]
                enabled = false
                ```

                See https://developers.openai.com/codex/config-advanced/#metrics for more details.
                """,
                long="analytics-default-enabled",
                flag=True,
            ),
            Arg(
                "ws_auth",
                "Websocket auth mode for non-loopback listeners",
                long="ws-auth",
                value_name="MODE",
                possible_values=["capability-token", "signed-bearer-token"],
            ),
            Arg(
                "ws_token_file",
                "Absolute path to the capability-token file",
                long="ws-token-file",
                value_name="PATH",
            ),
            Arg(
                "ws_token_sha256",
                "Hex-encoded SHA-256 digest of the capability token",
                long="ws-token-sha256",
                value_name="HEX",
            ),
            Arg(
                "ws_shared_secret_file",
                "Absolute path to the shared secret file for signed JWT bearer tokens",
                long="ws-shared-secret-file",
                value_name="PATH",
            ),
            Arg(
                "ws_issuer",
                "Expected issuer for signed JWT bearer tokens",
                long="ws-issuer",
                value_name="ISSUER",
            ),
            Arg(
                "ws_audience",
                "Expected audience for signed JWT bearer tokens",
                long="ws-audience",
                value_name="AUDIENCE",
            ),
            Arg(
                "ws_max_clock_skew_seconds",
                "Maximum clock skew when validating signed JWT bearer tokens",
                long="ws-max-clock-skew-seconds",
                value_name="SECONDS",
                value_parser=U64,
            ),
        ],
        subcommands=[
            app_server_daemon(),
            app_server_proxy(),
            app_server_generate_ts(),
            app_server_generate_json_schema(),
            app_server_generate_internal_json_schema(),
        ],
    )


def app_server_daemon() -> Command:
    """`codex app-server daemon`"""
    return Command(
        "daemon",
        doc="Manage the local app-server daemon",
        subcommand_required=True,
        subcommands=[
            app_server_daemon_bootstrap(),
            app_server_daemon_start(),
            app_server_daemon_restart(),
            app_server_daemon_enable_remote_control(),
            app_server_daemon_disable_remote_control(),
            app_server_daemon_stop(),
            app_server_daemon_version(),
            app_server_daemon_pid_update_loop(),
        ],
    )


def app_server_daemon_bootstrap() -> Command:
    """`codex app-server daemon bootstrap`"""
    return Command(
        "bootstrap",
        doc="Install durable local app-server management for SSH-driven use",
        args=[
            Arg(
                "remote_control",
                "Launch the managed app-server with remote control enabled",
                long="remote-control",
                flag=True,
            ),
        ],
    )


def app_server_daemon_start() -> Command:
    """`codex app-server daemon start`"""
    return Command(
        "start",
        doc="Start the local app server daemon if it is not already running",
    )


def app_server_daemon_restart() -> Command:
    """`codex app-server daemon restart`"""
    return Command(
        "restart",
        doc="Restart the local app server daemon",
    )


def app_server_daemon_enable_remote_control() -> Command:
    """`codex app-server daemon enable-remote-control`"""
    return Command(
        "enable-remote-control",
        doc="Enable remote control for future starts and a currently running managed daemon",
    )


def app_server_daemon_disable_remote_control() -> Command:
    """`codex app-server daemon disable-remote-control`"""
    return Command(
        "disable-remote-control",
        doc="Disable remote control for future starts and a currently running managed daemon",
    )


def app_server_daemon_stop() -> Command:
    """`codex app-server daemon stop`"""
    return Command(
        "stop",
        doc="Stop the local app server daemon",
    )


def app_server_daemon_version() -> Command:
    """`codex app-server daemon version`"""
    return Command(
        "version",
        doc="Print local CLI and running app-server versions as JSON",
    )


def app_server_daemon_pid_update_loop() -> Command:
    """`codex app-server daemon pid-update-loop`"""
    return Command(
        "pid-update-loop",
        doc="[internal] Run the detached pid-backed standalone updater loop",
        hide=True,
    )


def app_server_proxy() -> Command:
    """`codex app-server proxy`"""
    return Command(
        "proxy",
        doc="Proxy stdio bytes to the running app-server control socket",
        args=[
            Arg(
                "sock",
                "Path to the app-server Unix domain socket to connect to",
                long="sock",
                value_name="SOCKET_PATH",
            ),
        ],
    )


def app_server_generate_ts() -> Command:
    """`codex app-server generate-ts`"""
    return Command(
        "generate-ts",
        doc="[experimental] Generate TypeScript bindings for the app server protocol",
        args=[
            Arg(
                "out",
                "Output directory where .ts files will be written",
                short="o",
                long="out",
                value_name="DIR",
                required=True,
            ),
            Arg(
                "prettier",
                "Optional path to the Prettier executable to format generated files",
                short="p",
                long="prettier",
                value_name="PRETTIER_BIN",
            ),
            EXPERIMENTAL,
        ],
    )


def app_server_generate_json_schema() -> Command:
    """`codex app-server generate-json-schema`"""
    return Command(
        "generate-json-schema",
        doc="[experimental] Generate JSON Schema for the app server protocol",
        args=[
            Arg(
                "out",
                "Output directory where the schema bundle will be written",
                short="o",
                long="out",
                value_name="DIR",
                required=True,
            ),
            EXPERIMENTAL,
        ],
    )


def app_server_generate_internal_json_schema() -> Command:
    """`codex app-server generate-internal-json-schema`"""
    return Command(
        "generate-internal-json-schema",
        doc="[internal] Generate internal JSON Schema artifacts for Codex tooling",
        hide=True,
        args=[
            Arg(
                "out",
                "Output directory where internal JSON Schema artifacts will be written",
                short="o",
                long="out",
                value_name="DIR",
                required=True,
            ),
        ],
    )


def remote_control() -> Command:
    """`codex remote-control`"""
    return Command(
        "remote-control",
        doc="[experimental] Manage the app-server daemon with remote control enabled",
        args=[
            JSON,
        ],
        subcommands=[remote_control_start(), remote_control_stop()],
    )


def remote_control_start() -> Command:
    """`codex remote-control start`"""
    return Command(
        "start",
        doc="Start the app-server daemon with remote control enabled",
        args=[
            JSON,
        ],
    )


def remote_control_stop() -> Command:
    """`codex remote-control stop`"""
    return Command(
        "stop",
        doc="Stop the app-server daemon",
        args=[
            JSON,
        ],
    )


def completion() -> Command:
    """`codex completion`"""
    return Command(
        "completion",
        doc="Generate shell completion scripts",
        args=[
            Arg(
                "shell",
                "Shell to generate completions for",
                value_name="SHELL",
                default="bash",
                possible_values=["bash", "elvish", "fish", "powershell", "zsh"],
            ),
        ],
    )


def update() -> Command:
    """`codex update`"""
    return Command(
        "update",
        doc="Update Codex to the latest version",
    )


def doctor() -> Command:
    """`codex doctor`"""
    return Command(
        "doctor",
        doc="Diagnose local Codex installation, config, auth, and runtime health",
        args=[
            Arg("json", "Emit a redacted machine-readable report", long="json", flag=True),
            Arg(
                "summary",
                "Only show grouped check rows and the final count summary",
                long="summary",
                flag=True,
            ),
            Arg("all", "Expand long lists in detailed human output", long="all", flag=True),
            Arg("no_color", "Disable ANSI color in human output", long="no-color", flag=True),
            Arg(
                "ascii",
                "Use ASCII status labels and separators in human output",
                long="ascii",
                flag=True,
            ),
        ],
    )


def sandbox() -> Command:
    """`codex sandbox`"""
    return Command(
        "sandbox",
        doc="Run commands within a Codex-provided sandbox",
        args=[
            Arg(
                "command",
                "Full command args to run under the Linux sandbox",
                value_name="COMMAND",
                multiple=True,
                trailing_var_arg=True,
            ),
            Arg(
                "permissions_profile",
                "Named permissions profile to apply from the active configuration stack",
                long="permissions-profile",
                value_name="NAME",
            ),
            Arg(
                "profile",
                "Layer $CODEX_HOME/<name>.config.toml on top of the base user config",
                short="p",
                long="profile",
                value_name="CONFIG_PROFILE",
            ),
            Arg(
                "cd",
                "Working directory used for profile resolution and command execution",
                short="C",
                long="cd",
                value_name="DIR",
            ),
            Arg(
                "include_managed_config",
                "Include managed requirements while resolving an explicit permissions profile",
                long="include-managed-config",
                flag=True,
            ),
        ],
    )


def debug() -> Command:
    """`codex debug`"""
    return Command(
        "debug",
        doc="Debugging tools",
        subcommand_required=True,
        subcommands=[
            debug_models(),
            debug_app_server(),
            debug_prompt_input(),
            debug_trace_reduce(),
            debug_clear_memories(),
        ],
    )


def debug_models() -> Command:
    """`codex debug models`"""
    return Command(
        "models",
        doc="Render the raw model catalog as JSON",
        args=[
            Arg(
                "bundled",
                "Skip refresh and dump only the bundled catalog shipped with this binary",
                long="bundled",
                flag=True,
            ),
        ],
    )


def debug_app_server() -> Command:
    """`codex debug app-server`"""
    return Command(
        "app-server",
        doc="Tooling: helps debug the app server",
        subcommand_required=True,
        subcommands=[debug_app_server_send_message_v2()],
    )


def debug_app_server_send_message_v2() -> Command:
    """`codex debug app-server send-message-v2`"""
    return Command(
        "send-message-v2",
        args=[
            Arg("user_message", value_name="USER_MESSAGE", required=True),
        ],
    )


def debug_prompt_input() -> Command:
    """`codex debug prompt-input`"""
    return Command(
        "prompt-input",
        doc="Render the model-visible prompt input list as JSON",
        args=[
            Arg(
                "prompt",
                "Optional user prompt to append after session context",
                value_name="PROMPT",
            ),
            Arg(
                "image",
                "Optional image(s) to attach to the user prompt",
                short="i",
                long="image",
                value_name="FILE",
                multiple=True,
                num_args=(1, UNBOUNDED),
            ),
        ],
    )


def debug_trace_reduce() -> Command:
    """`codex debug trace-reduce`"""
    return Command(
        "trace-reduce",
        doc="Replay a rollout trace bundle and write reduced state JSON",
        hide=True,
        args=[
            Arg(
                "trace_bundle",
                "Trace bundle directory containing manifest.json and trace.jsonl",
                value_name="TRACE_BUNDLE",
                required=True,
            ),
            Arg(
                "output",
                "Output path for reduced RolloutTrace JSON. Defaults to TRACE_BUNDLE/state.json",
                short="o",
                long="output",
                value_name="FILE",
            ),
        ],
    )


def debug_clear_memories() -> Command:
    """`codex debug clear-memories`"""
    return Command(
        "clear-memories",
        doc="Internal: reset local memory state for a fresh start",
        hide=True,
    )


def execpolicy() -> Command:
    """`codex execpolicy`"""
    return Command(
        "execpolicy",
        doc="Execpolicy tooling",
        hide=True,
        subcommand_required=True,
        subcommands=[execpolicy_check()],
    )


def execpolicy_check() -> Command:
    """`codex execpolicy check`"""
    return Command(
        "check",
        doc="Check execpolicy files against a command",
        args=[
            Arg(
                "command",
                "Command tokens to check against the policy",
                value_name="COMMAND",
                required=True,
                multiple=True,
                trailing_var_arg=True,
            ),
            Arg(
                "rules",
                "Paths to execpolicy rule files to evaluate (repeatable)",
                short="r",
                long="rules",
                value_name="PATH",
                required=True,
                multiple=True,
            ),
            Arg("pretty", "Pretty-print the JSON output", long="pretty", flag=True),
            Arg(
                "resolve_host_executables",
                """
                Resolve absolute program paths against basename rules, gated by any
                `host_executable()` definitions in the loaded policy files
                """,
                long="resolve-host-executables",
                flag=True,
            ),
        ],
    )


def apply_() -> Command:
    """`codex apply`"""
    return Command(
        "apply",
        doc="""
        Apply the latest diff produced by Codex agent as a `git apply` to your local working tree
        """,
        aliases=[("a", True)],
        args=[
            Arg("task_id", value_name="TASK_ID", required=True),
        ],
    )


def resume() -> Command:
    """`codex resume`"""
    return Command(
        "resume",
        doc="""
        Resume a previous interactive session (picker by default; use --last to continue the most
        recent)
        """,
        version=VERSION,
        args=[
            Arg(
                "session_id",
                """
                Session id (UUID) or session name. UUIDs take precedence if it parses. If omitted,
                use --last to pick the most recent recorded session
                """,
                value_name="SESSION_ID",
            ),
            PROMPT,
            Arg(
                "last",
                "Continue the most recent session without showing the picker",
                long="last",
                flag=True,
            ),
            ALL,
            Arg(
                "include_non_interactive",
                "Include non-interactive sessions in the resume picker and --last selection",
                long="include-non-interactive",
                flag=True,
            ),
            *TUI_OPTIONS,
        ],
    )


def archive() -> Command:
    """`codex archive`"""
    return Command(
        "archive",
        doc="Archive a saved session by id or session name",
        args=[
            TARGET,
            *REMOTE_OPTIONS,
            # `SessionArchiveConfigOverrides`: its own `-c` comes last.
            *SHARED_OPTIONS,
            STRICT_CONFIG,
            CONFIG,
        ],
    )


def unarchive() -> Command:
    """`codex unarchive`"""
    return Command(
        "unarchive",
        doc="Unarchive a saved session by id or session name",
        args=[
            TARGET,
            *REMOTE_OPTIONS,
            # `SessionArchiveConfigOverrides`: its own `-c` comes last.
            *SHARED_OPTIONS,
            STRICT_CONFIG,
            CONFIG,
        ],
    )


def fork() -> Command:
    """`codex fork`"""
    return Command(
        "fork",
        doc="""
        Fork a previous interactive session (picker by default; use --last to fork the most recent)
        """,
        version=VERSION,
        args=[
            Arg(
                "session_id",
                """
                Conversation/session id (UUID). When provided, forks this session. If omitted, use
                --last to pick the most recent recorded session
                """,
                value_name="SESSION_ID",
            ),
            PROMPT,
            Arg(
                "last",
                "Fork the most recent session without showing the picker.",
                long="last",
                flag=True,
                conflicts_with=("session_id",),
            ),
            ALL,
            *TUI_OPTIONS,
        ],
    )


def cloud() -> Command:
    """`codex cloud`"""
    return Command(
        "cloud",
        doc="[EXPERIMENTAL] Browse tasks from Codex Cloud and apply changes locally",
        aliases=["cloud-tasks"],
        version=VERSION,
        subcommands=[cloud_exec(), cloud_status(), cloud_list(), cloud_apply(), cloud_diff()],
    )


def cloud_exec() -> Command:
    """`codex cloud exec`"""
    return Command(
        "exec",
        doc="Submit a new Codex Cloud task without launching the TUI",
        args=[
            Arg("query", "Task prompt to run in Codex Cloud", value_name="QUERY"),
            Arg(
                "env",
                "Target environment identifier (see `codex cloud` to browse)",
                long="env",
                value_name="ENV_ID",
                required=True,
            ),
            Arg(
                "attempts",
                "Number of assistant attempts (best-of-N)",
                long="attempts",
                value_name="ATTEMPTS",
                default="1",
                value_parser=ATTEMPTS,
            ),
            Arg(
                "branch",
                "Git branch to run in Codex Cloud (defaults to current branch)",
                long="branch",
                value_name="BRANCH",
            ),
        ],
    )


def cloud_status() -> Command:
    """`codex cloud status`"""
    return Command(
        "status",
        doc="Show the status of a Codex Cloud task",
        args=[
            Arg(
                "task_id",
                "Codex Cloud task identifier to inspect",
                value_name="TASK_ID",
                required=True,
            ),
        ],
    )


def cloud_list() -> Command:
    """`codex cloud list`"""
    return Command(
        "list",
        doc="List Codex Cloud tasks",
        args=[
            Arg("env", "Filter tasks by environment identifier", long="env", value_name="ENV_ID"),
            Arg(
                "limit",
                "Maximum number of tasks to return (1-20)",
                long="limit",
                value_name="N",
                default="20",
                value_parser=LIMIT,
            ),
            Arg(
                "cursor",
                "Pagination cursor returned by a previous call",
                long="cursor",
                value_name="CURSOR",
            ),
            Arg("json", "Emit JSON instead of plain text", long="json", flag=True),
        ],
    )


def cloud_apply() -> Command:
    """`codex cloud apply`"""
    return Command(
        "apply",
        doc="Apply the diff for a Codex Cloud task locally",
        args=[
            Arg(
                "task_id",
                "Codex Cloud task identifier to apply",
                value_name="TASK_ID",
                required=True,
            ),
            Arg(
                "attempt",
                "Attempt number to apply (1-based).",
                long="attempt",
                value_name="N",
                value_parser=ATTEMPTS,
            ),
        ],
    )


def cloud_diff() -> Command:
    """`codex cloud diff`"""
    return Command(
        "diff",
        doc="Show the unified diff for a Codex Cloud task",
        args=[
            Arg(
                "task_id",
                "Codex Cloud task identifier to display",
                value_name="TASK_ID",
                required=True,
            ),
            Arg(
                "attempt",
                "Attempt number to display (1-based).",
                long="attempt",
                value_name="N",
                value_parser=ATTEMPTS,
            ),
        ],
    )


def responses_api_proxy() -> Command:
    """`codex responses-api-proxy`"""
    return Command(
        "responses-api-proxy",
        doc="Internal: run the responses API proxy",
        hide=True,
        args=[
            Arg(
                "port",
                "Port to listen on. If not set, an ephemeral port is used",
                long="port",
                value_name="PORT",
                value_parser=U16,
            ),
            Arg(
                "server_info",
                """
                Path to a JSON file to write startup info (single line). Includes {"port": <u16>}
                """,
                long="server-info",
                value_name="FILE",
            ),
            Arg(
                "http_shutdown",
                "Enable HTTP shutdown endpoint at GET /shutdown",
                long="http-shutdown",
                flag=True,
            ),
            Arg(
                "upstream_url",
                "Absolute URL the proxy should forward requests to (defaults to OpenAI)",
                long="upstream-url",
                value_name="UPSTREAM_URL",
                default="https://api.openai.com/v1/responses",
            ),
            Arg(
                "dump_dir",
                "Directory where request/response dumps should be written as JSON",
                long="dump-dir",
                value_name="DIR",
            ),
        ],
    )


def stdio_to_uds() -> Command:
    """`codex stdio-to-uds`"""
    return Command(
        "stdio-to-uds",
        doc="Internal: relay stdio to a Unix domain socket",
        hide=True,
        args=[
            Arg(
                "socket_path",
                "Path to the Unix domain socket to connect to",
                value_name="SOCKET_PATH",
                required=True,
            ),
        ],
    )


def exec_server() -> Command:
    """`codex exec-server`"""
    return Command(
        "exec-server",
        doc="[EXPERIMENTAL] Run the standalone exec-server service",
        args=[
            STRICT_CONFIG,
            Arg(
                "listen",
                """
                Transport endpoint URL. Supported values: `ws://IP:PORT` (default), `stdio`,
                `stdio://`
                """,
                long="listen",
                value_name="URL",
                conflicts_with=("remote",),
            ),
            Arg(
                "remote",
                "Register this exec-server as a remote environment using the given base URL",
                long="remote",
                value_name="URL",
            ),
            Arg(
                "environment_id",
                "Environment id to attach to when registering remotely",
                long="environment-id",
                value_name="ID",
            ),
            Arg("name", "Human-readable environment name", long="name", value_name="NAME"),
            Arg(
                "use_agent_identity_auth",
                "Use Agent Identity auth from CODEX_ACCESS_TOKEN for remote registration",
                long="use-agent-identity-auth",
                flag=True,
            ),
        ],
    )


def features() -> Command:
    """`codex features`"""
    return Command(
        "features",
        doc="Inspect feature flags",
        subcommand_required=True,
        subcommands=[features_list(), features_enable(), features_disable()],
    )


def features_list() -> Command:
    """`codex features list`"""
    return Command(
        "list",
        doc="List known features with their stage and effective state",
    )


def features_enable() -> Command:
    """`codex features enable`"""
    return Command(
        "enable",
        doc="Enable a feature in config.toml",
        args=[
            FEATURE,
        ],
    )


def features_disable() -> Command:
    """`codex features disable`"""
    return Command(
        "disable",
        doc="Disable a feature in config.toml",
        args=[
            FEATURE,
        ],
    )


def linux_sandbox() -> Command:
    """`codex-linux-sandbox`: the arg0 helper's own command line (codex-rs/linux-sandbox,
    `LandlockCommand`)."""
    return Command(
        "codex-linux-sandbox",
        doc="""
        CLI surface for the Linux sandbox helper.

        The type name remains `LandlockCommand` for compatibility with existing
        wiring, but bubblewrap is now the default filesystem sandbox and Landlock
        is the legacy fallback.
        """,
        args=[
            Arg(
                "sandbox_policy_cwd",
                """
                It is possible that the cwd used in the context of the sandbox policy
                is different from the cwd of the process to spawn.
                """,
                long="sandbox-policy-cwd",
                value_name="SANDBOX_POLICY_CWD",
                required=True,
            ),
            Arg(
                "command_cwd",
                """
                The logical working directory for the command being sandboxed.

                This can intentionally differ from `sandbox_policy_cwd` when the
                command runs from a symlinked alias of the policy workspace.
                """,
                long="command-cwd",
                value_name="COMMAND_CWD",
                hide=True,
            ),
            Arg(
                "permission_profile",
                long="permission-profile",
                value_name="PERMISSION_PROFILE",
                hide=True,
            ),
            Arg(
                "use_legacy_landlock",
                "Opt-in: use the legacy Landlock Linux sandbox fallback.",
                long="use-legacy-landlock",
                flag=True,
                hide=True,
            ),
            Arg(
                "apply_seccomp_then_exec",
                """
                Internal: apply seccomp and `no_new_privs` in the already-sandboxed
                process, then exec the user command.
                """,
                long="apply-seccomp-then-exec",
                flag=True,
                hide=True,
            ),
            Arg(
                "allow_network_for_proxy",
                "Internal compatibility flag.",
                long="allow-network-for-proxy",
                flag=True,
                hide=True,
            ),
            Arg(
                "proxy_route_spec",
                "Internal route spec used for managed proxy routing in bwrap mode.",
                long="proxy-route-spec",
                value_name="PROXY_ROUTE_SPEC",
                hide=True,
            ),
            Arg(
                "no_proc",
                """
                When set, skip mounting a fresh `/proc` even though PID isolation is
                still enabled. This is primarily intended for restrictive container
                environments that deny `--proc /proc`.
                """,
                long="no-proc",
                flag=True,
            ),
            Arg(
                "command",
                "Full command args to run under the Linux sandbox helper.",
                value_name="COMMAND",
                multiple=True,
                trailing_var_arg=True,
            ),
        ],
    )
