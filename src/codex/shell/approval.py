"""Whether a shell command may run, needs the user's approval, or is refused (upstream core's
`exec_policy.rs`: `create_exec_approval_requirement_for_command`,
`render_decision_for_unmatched_command`; `tools/sandboxing.rs`: `ExecApprovalRequirement`).

    req = exec_approval_requirement(["/bin/bash", "-lc", "ls && pwd"], "untrusted",
                                    {"type": "workspace-write", ...}, "use_default", policy)
    -> Skip(bypass_sandbox=False, proposed_execpolicy_amendment=None)

Inputs:
  * `approval_policy`: "never" | "on-request" | "on-failure" | "untrusted" (also the enum names
    "Never", "OnRequest", "OnFailure", "UnlessTrusted") or `{"granular": {"sandbox_approval",
    "rules", "skill_approval", "request_permissions", "mcp_elicitations"}}`.
  * `sandbox_policy`: the SandboxPolicy JSON (`codex.sandbox.policy` `to_json()`), a
    `SandboxPolicy`, or just its type string.
  * `sandbox_permissions`: "use_default" | "require_escalated" | "with_additional_permissions".
  * `policy`: a `codex.execpolicy.policy.Policy` (None = no rules).
  * `prefix_rule`: the model's `prefix_rule` argument (the rule it proposes to remember).

`escalation_rejection()` is the check the exec_command / shell handlers make first: escalation
may only be requested under on-request. `forbidden_output_for_model()` is what the model gets back
from exec_command when the requirement is Forbidden.
"""

from __future__ import annotations

from codex.execpolicy._rust import QuoteError, debug_str, shlex_try_join
from codex.execpolicy.decision import Decision
from codex.shell.bash import parse_shell_lc_plain_commands, parse_shell_lc_single_command_prefix
from codex.shell.safety import command_might_be_dangerous, is_known_safe_command

__all__ = [
    "BANNED_PREFIX_SUGGESTIONS",
    "Forbidden",
    "NeedsApproval",
    "PROMPT_CONFLICT_REASON",
    "REJECT_RULES_APPROVAL_REASON",
    "REJECT_SANDBOX_APPROVAL_REASON",
    "Skip",
    "approval_policy_debug",
    "approval_request_fields",
    "available_decisions",
    "commands_for_exec_policy",
    "escalation_rejection",
    "exec_approval_requirement",
    "forbidden_output_for_model",
    "normalize_approval_policy",
    "prompt_is_rejected_by_policy",
    "render_decision_for_unmatched_command",
]

PROMPT_CONFLICT_REASON = "approval required by policy, but AskForApproval is set to Never"
REJECT_SANDBOX_APPROVAL_REASON = (
    "approval required by policy, but AskForApproval::Granular.sandbox_approval is false")
REJECT_RULES_APPROVAL_REASON = (
    "approval required by policy rule, but AskForApproval::Granular.rules is false")

BANNED_PREFIX_SUGGESTIONS: tuple[tuple[str, ...], ...] = (
    ("python3",), ("python3", "-"), ("python3", "-c"), ("python",), ("python", "-"), ("python", "-c"),
    ("py",), ("py", "-3"), ("pythonw",), ("pyw",), ("pypy",), ("pypy3",), ("git",), ("bash",),
    ("bash", "-lc"), ("sh",), ("sh", "-c"), ("sh", "-lc"), ("zsh",), ("zsh", "-lc"), ("/bin/zsh",),
    ("/bin/zsh", "-lc"), ("/bin/bash",), ("/bin/bash", "-lc"), ("pwsh",), ("pwsh", "-Command"),
    ("pwsh", "-c"), ("powershell",), ("powershell", "-Command"), ("powershell", "-c"),
    ("powershell.exe",), ("powershell.exe", "-Command"), ("powershell.exe", "-c"), ("env",), ("sudo",),
    ("node",), ("node", "-e"), ("perl",), ("perl", "-e"), ("ruby",), ("ruby", "-e"), ("php",),
    ("php", "-r"), ("lua",), ("lua", "-e"), ("osascript",),
)


# -- results ------------------------------------------------------------------------------------


class _Requirement:
    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __hash__(self):
        return hash((type(self).__name__,) + tuple(
            tuple(v) if isinstance(v, list) else v for v in (getattr(self, f) for f in self._fields)))

    def __repr__(self):
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({inner})"


class Skip(_Requirement):
    """Run without asking. `bypass_sandbox`: every command segment matched an explicit allow rule.
    `proposed_execpolicy_amendment`: the rule to offer if the sandboxed run fails and the user is
    asked to retry without the sandbox."""

    __slots__ = ("bypass_sandbox", "proposed_execpolicy_amendment")
    _fields = __slots__

    def __init__(self, bypass_sandbox: bool = False, proposed_execpolicy_amendment: list[str] | None = None):
        self.bypass_sandbox = bypass_sandbox
        self.proposed_execpolicy_amendment = proposed_execpolicy_amendment

    def to_json(self) -> dict:
        return {"type": "skip", "bypass_sandbox": self.bypass_sandbox,
                "proposed_execpolicy_amendment": self.proposed_execpolicy_amendment}


class NeedsApproval(_Requirement):
    """Ask the user first. `reason` is set only when a `prompt` rule drove the decision."""

    __slots__ = ("reason", "proposed_execpolicy_amendment")
    _fields = __slots__

    def __init__(self, reason: str | None = None, proposed_execpolicy_amendment: list[str] | None = None):
        self.reason = reason
        self.proposed_execpolicy_amendment = proposed_execpolicy_amendment

    def to_json(self) -> dict:
        return {"type": "needs_approval", "reason": self.reason,
                "proposed_execpolicy_amendment": self.proposed_execpolicy_amendment}


class Forbidden(_Requirement):
    __slots__ = ("reason",)
    _fields = __slots__

    def __init__(self, reason: str):
        self.reason = reason

    def to_json(self) -> dict:
        return {"type": "forbidden", "reason": self.reason}


ExecApprovalRequirement = (Skip, NeedsApproval, Forbidden)  # isinstance() tuple


# -- inputs -------------------------------------------------------------------------------------

_POLICY_ALIASES = {
    "never": "never", "Never": "never",
    "on-request": "on-request", "OnRequest": "on-request", "on_request": "on-request",
    "on-failure": "on-failure", "OnFailure": "on-failure", "on_failure": "on-failure",
    "untrusted": "untrusted", "UnlessTrusted": "untrusted", "unless-trusted": "untrusted",
    "unless_trusted": "untrusted",
}
_GRANULAR_KEYS = ("sandbox_approval", "rules", "skill_approval", "request_permissions", "mcp_elicitations")


def normalize_approval_policy(policy) -> str | dict:
    """The kebab-case name, or `{"granular": {all five flags}}`."""
    if isinstance(policy, str):
        try:
            return _POLICY_ALIASES[policy]
        except KeyError:
            raise ValueError(f"unknown approval policy {policy!r}") from None
    if isinstance(policy, dict):
        inner = policy.get("granular", policy.get("Granular"))
        if isinstance(inner, dict):
            return {"granular": {k: bool(inner.get(k, False)) for k in _GRANULAR_KEYS}}
    raise ValueError(f"unknown approval policy {policy!r}")


def _granular(policy) -> dict | None:
    return policy["granular"] if isinstance(policy, dict) else None


def approval_policy_debug(policy) -> str:
    """Rust's `{:?}` of `AskForApproval` (used in the escalation rejection text)."""
    policy = normalize_approval_policy(policy)
    g = _granular(policy)
    if g is not None:
        flags = ", ".join(f"{k}: {'true' if g[k] else 'false'}" for k in _GRANULAR_KEYS)
        return f"Granular(GranularApprovalConfig {{ {flags} }})"
    return {"never": "Never", "on-request": "OnRequest", "on-failure": "OnFailure",
            "untrusted": "UnlessTrusted"}[policy]


def _file_system_kind(sandbox_policy) -> str:
    """"unrestricted" | "external" | "restricted" (FileSystemSandboxKind)."""
    if isinstance(sandbox_policy, str):
        kind = sandbox_policy
    elif isinstance(sandbox_policy, dict):
        kind = sandbox_policy.get("type")
    else:
        kind = getattr(sandbox_policy, "type", None)
    kind = {"dangerFullAccess": "danger-full-access", "externalSandbox": "external-sandbox",
            "readOnly": "read-only", "workspaceWrite": "workspace-write"}.get(kind, kind)
    if kind == "danger-full-access":
        return "unrestricted"
    if kind == "external-sandbox":
        return "external"
    if kind in ("read-only", "workspace-write"):
        return "restricted"
    raise ValueError(f"unknown sandbox policy {sandbox_policy!r}")


def _requests_sandbox_override(sandbox_permissions: str | None) -> bool:
    return (sandbox_permissions or "use_default") not in ("use_default", "UseDefault")


# -- decisions ----------------------------------------------------------------------------------


def prompt_is_rejected_by_policy(approval_policy, prompt_is_rule: bool) -> str | None:
    """The rejection reason when the approval policy does not let a prompt reach the user."""
    approval_policy = normalize_approval_policy(approval_policy)
    g = _granular(approval_policy)
    if g is not None:
        if prompt_is_rule:
            return None if g["rules"] else REJECT_RULES_APPROVAL_REASON
        return None if g["sandbox_approval"] else REJECT_SANDBOX_APPROVAL_REASON
    if approval_policy == "never":
        return PROMPT_CONFLICT_REASON
    return None


def escalation_rejection(approval_policy, sandbox_permissions: str | None) -> str | None:
    """The exec_command / shell handlers' first check: the model may ask for escalated (or
    additional) permissions only under on-request."""
    approval_policy = normalize_approval_policy(approval_policy)
    if _requests_sandbox_override(sandbox_permissions) and approval_policy != "on-request":
        p = approval_policy_debug(approval_policy)
        return (f"approval policy is {p}; reject command — you cannot ask for escalated permissions "
                f"if the approval policy is {p}")
    return None


def render_decision_for_unmatched_command(command: list[str], approval_policy, sandbox_policy,
                                          sandbox_permissions: str | None = "use_default",
                                          used_complex_parsing: bool = False) -> Decision:
    """The heuristics' decision for a command no exec-policy rule matched."""
    approval_policy = normalize_approval_policy(approval_policy)
    if is_known_safe_command(command) and not used_complex_parsing and approval_policy == "untrusted":
        return Decision.ALLOW
    # Dangerous commands never run without approval: prompt, or refuse when prompts are off.
    # Under never they are refused, unless the sandbox is explicitly off (danger-full-access),
    # where the reference 0.136 runs them.
    if command_might_be_dangerous(command):
        if approval_policy == "never":
            if _file_system_kind(sandbox_policy) == "unrestricted":
                return Decision.ALLOW
            return Decision.FORBIDDEN
        return Decision.PROMPT
    if approval_policy in ("never", "on-failure"):
        return Decision.ALLOW  # rely on the sandbox
    if approval_policy == "untrusted":
        return Decision.PROMPT  # not on the safelist
    # on-request / granular
    if _file_system_kind(sandbox_policy) in ("unrestricted", "external"):
        return Decision.ALLOW
    return Decision.PROMPT if _requests_sandbox_override(sandbox_permissions) else Decision.ALLOW


def commands_for_exec_policy(command: list[str]) -> tuple[list[list[str]], bool]:
    """(commands to check, used_complex_parsing): the plain commands of a `bash -lc` script, else
    the single command of a heredoc script (complex), else the argv itself."""
    commands = parse_shell_lc_plain_commands(command)
    if commands:
        return commands, False
    single = parse_shell_lc_single_command_prefix(command)
    if single is not None:
        return [single], True
    return [list(command)], False


def _is_policy_match(rule_match) -> bool:
    from codex.execpolicy.rule import PrefixRuleMatch

    return isinstance(rule_match, PrefixRuleMatch)


def _render_shlex_command(args: list[str]) -> str:
    try:
        return shlex_try_join(args)
    except QuoteError:
        return " ".join(args)


def exec_approval_requirement(command: list[str], approval_policy, sandbox_policy,
                              sandbox_permissions: str | None = "use_default", policy=None,
                              prefix_rule: list[str] | None = None) -> ExecApprovalRequirement:
    """Skip / NeedsApproval / Forbidden for running `command` (upstream
    `ExecPolicyManager::create_exec_approval_requirement_for_command`)."""
    from codex.execpolicy.policy import MatchOptions, Policy

    approval_policy = normalize_approval_policy(approval_policy)
    if policy is None:
        policy = Policy.empty()
    command = list(command)
    commands, used_complex_parsing = commands_for_exec_policy(command)
    auto_amendment_allowed = not used_complex_parsing

    def fallback(cmd: list[str]) -> Decision:
        return render_decision_for_unmatched_command(cmd, approval_policy, sandbox_policy,
                                                     sandbox_permissions, used_complex_parsing)

    options = MatchOptions(resolve_host_executables=True)
    evaluation = policy.check_multiple_with_options(commands, fallback, options)
    matched = evaluation.matched_rules

    requested_amendment = None
    if auto_amendment_allowed:
        requested_amendment = _amendment_from_prefix_rule(prefix_rule, matched, policy, commands, fallback,
                                                          options)

    if evaluation.decision == Decision.FORBIDDEN:
        return Forbidden(_derive_forbidden_reason(command, matched))
    if evaluation.decision == Decision.PROMPT:
        prompt_is_rule = any(_is_policy_match(m) and m.decision == Decision.PROMPT for m in matched)
        rejected = prompt_is_rejected_by_policy(approval_policy, prompt_is_rule)
        if rejected is not None:
            return Forbidden(rejected)
        amendment = requested_amendment
        if amendment is None and auto_amendment_allowed:
            amendment = _amendment_for_prompt_rules(matched)
        return NeedsApproval(_derive_prompt_reason(command, matched), amendment)
    bypass = all(
        any(_is_policy_match(m) and m.decision == Decision.ALLOW
            for m in policy.matches_for_command_with_options(cmd, None, options))
        for cmd in commands
    )
    amendment = _amendment_for_allow_rules(matched) if auto_amendment_allowed else None
    return Skip(bypass, amendment)


def _amendment_for_prompt_rules(matched) -> list[str] | None:
    """The first heuristics prompt's command, unless a policy rule itself prompts."""
    from codex.execpolicy.rule import HeuristicsRuleMatch

    if any(_is_policy_match(m) and m.decision == Decision.PROMPT for m in matched):
        return None
    for m in matched:
        if isinstance(m, HeuristicsRuleMatch) and m.decision == Decision.PROMPT:
            return list(m.command)
    return None


def _amendment_for_allow_rules(matched) -> list[str] | None:
    from codex.execpolicy.rule import HeuristicsRuleMatch

    if any(_is_policy_match(m) for m in matched):
        return None
    for m in matched:
        if isinstance(m, HeuristicsRuleMatch) and m.decision == Decision.ALLOW:
            return list(m.command)
    return None


def _amendment_from_prefix_rule(prefix_rule, matched, policy, commands, fallback, options) -> list[str] | None:
    if not prefix_rule:
        return None
    if tuple(prefix_rule) in BANNED_PREFIX_SUGGESTIONS:
        return None
    if any(_is_policy_match(m) for m in matched):
        return None
    with_rule = policy.clone()
    try:
        with_rule.add_prefix_rule(list(prefix_rule), Decision.ALLOW)
    except Exception:
        return None
    if all(with_rule.check_with_options(cmd, fallback, options).decision == Decision.ALLOW for cmd in commands):
        return list(prefix_rule)
    return None


def _derive_prompt_reason(command: list[str], matched) -> str | None:
    best = None
    for m in matched:
        if _is_policy_match(m) and m.decision == Decision.PROMPT:
            if best is None or len(m.matched_prefix) > len(best.matched_prefix):
                best = m
    if best is None:
        return None
    rendered = _render_shlex_command(command)
    if best.justification is not None:
        return f"`{rendered}` requires approval: {best.justification}"
    return f"`{rendered}` requires approval by policy"


def _derive_forbidden_reason(command: list[str], matched) -> str:
    rendered = _render_shlex_command(command)
    best = None
    for m in matched:
        if _is_policy_match(m) and m.decision == Decision.FORBIDDEN:
            if best is None or len(m.matched_prefix) > len(best.matched_prefix):
                best = m
    if best is None:
        return f"`{rendered}` rejected: blocked by policy"
    if best.justification is not None:
        return f"`{rendered}` rejected: {best.justification}"
    prefix = _render_shlex_command(list(best.matched_prefix))
    return f"`{rendered}` rejected: policy forbids commands starting with `{prefix}`"


# -- what the model and the client see ----------------------------------------------------------


def forbidden_output_for_model(command: list[str], reason: str) -> str:
    """The exec_command function output for a Forbidden requirement, e.g.
    ``exec_command failed for `/bin/bash -lc 'rm -rf x'`: CreateProcess { message:
    "Rejected(\\"`/bin/bash -lc 'rm -rf x'` rejected: blocked by policy\\")" }``."""
    rendered = _render_shlex_command(command)
    inner = f"Rejected({debug_str(reason)})"
    return f"exec_command failed for `{rendered}`: CreateProcess {{ message: {debug_str(inner)} }}"


def available_decisions(proposed_execpolicy_amendment: list[str] | None) -> list:
    """`availableDecisions` of an `item/commandExecution/requestApproval` for a command."""
    out: list = ["accept"]
    if proposed_execpolicy_amendment is not None:
        out.append({"acceptWithExecpolicyAmendment": {"execpolicy_amendment": list(proposed_execpolicy_amendment)}})
    out.append("cancel")
    return out


def approval_request_fields(requirement: NeedsApproval, justification: str | None = None) -> dict:
    """The requirement-derived fields of an `item/commandExecution/requestApproval`: `reason`
    (a `prompt` rule's reason, else the model's justification; omitted when neither),
    `proposedExecpolicyAmendment` (omitted when None) and `availableDecisions`."""
    out: dict = {}
    reason = requirement.reason if requirement.reason is not None else justification
    if reason is not None:
        out["reason"] = reason
    if requirement.proposed_execpolicy_amendment is not None:
        out["proposedExecpolicyAmendment"] = list(requirement.proposed_execpolicy_amendment)
    out["availableDecisions"] = available_decisions(requirement.proposed_execpolicy_amendment)
    return out
