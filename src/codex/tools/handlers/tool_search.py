"""tool_search, the client-executed search over deferred tools (upstream
`core/src/tools/handlers/tool_search.rs`).

The deferred tools are namespaces (`{"type": "namespace", "name", "description", "tools": [...]}`,
members marked `defer_loading`), as `codex.tools.specs.deferred_tools` builds them: by default
the multi-agent v1 namespace; deferred MCP tools join it. The session puts them in
`ctx.services["deferred_tools"]`; with none the result is an empty list.

Ranking is BM25 (k1 1.2, b 0.75) over each tool's search text (see `_search_text`), words
split at non-alphanumerics, English stop words removed, a light suffix stemmer; upstream uses the `bm25`
crate's English tokenizer, so ties and close scores may order differently. Hits are coalesced
into their namespaces in rank order. The handler's `ToolOutput.content` is the list of loadable
specs; the router turns it into the `tool_search_output` item.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable

from codex.tools._serde import Error, Field, Int, STRING, Struct, parse_args
from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput

__all__ = ["DEFAULT_LIMIT", "handle_tool_search", "search", "tokenize"]

DEFAULT_LIMIT = 8
_K1, _B = 1.2, 0.75
_BUILTIN_NAMESPACES = frozenset({"multi_agent_v1"})
_STOP = frozenset("""a about above after again against all am an and any are as at be because been before being
below between both but by can did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
off on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with you your yours yourself yourselves""".split())


def _stem(word: str) -> str:
    for suffix in ("ingly", "edly", "ing", "ies", "ied", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                stem += "y"
            return stem
    return word


def tokenize(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [_stem(w) for w in words if w not in _STOP]


def _search_text(tool: dict, namespace: dict | None) -> str:
    """Built-in (multi-agent) tools are found by their name and parameter names only (a query
    `wait` finds wait_agent alone, as the reference does, though other descriptions mention
    waiting). MCP tools (namespace `mcp__<server>`) by their qualified name, server, description
    and parameter names: a query `echo text` finds every tool of server `echo`, the shorter ones
    first, as captured."""
    params = tool.get("parameters") or {}
    names = list((params.get("properties") or {}).keys())
    if namespace is None:
        return " ".join([tool.get("name", ""), tool.get("description", ""), *names])
    ns = namespace.get("name", "")
    if ns in _BUILTIN_NAMESPACES:
        return " ".join([tool.get("name", ""), *names])
    server = ns[len("mcp__"):] if ns.startswith("mcp__") else ns
    return " ".join([f"{ns}__{tool.get('name', '')}", tool.get("name", ""), server,
                     tool.get("description", ""), *names])


def _entries(deferred: Iterable[dict]) -> list[tuple[dict | None, dict]]:
    out = []
    for spec in deferred:
        if spec.get("type") == "namespace":
            for tool in spec.get("tools", []):
                out.append((spec, tool))
        else:
            out.append((None, spec))
    return out


def search(deferred: Iterable[dict], query: str, limit: int = DEFAULT_LIMIT) -> list[dict]:
    """The loadable specs for the best `limit` matches, coalesced into their namespaces."""
    entries = _entries(deferred)
    if not entries:
        return []
    docs = [tokenize(_search_text(tool, ns)) for ns, tool in entries]
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n or 1.0
    df: dict[str, int] = {}
    for d in docs:
        for term in set(d):
            df[term] = df.get(term, 0) + 1
    terms = tokenize(query)
    scored = []
    for idx, d in enumerate(docs):
        score = 0.0
        for term in terms:
            tf = d.count(term)
            if not tf:
                continue
            idf = math.log((n - df[term] + 0.5) / (df[term] + 0.5) + 1.0)
            score += idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * len(d) / avgdl))
        if score > 0:
            scored.append((score, idx))
    scored.sort(key=lambda s: (-s[0], s[1]))
    out: list[dict] = []
    groups: dict[str, dict] = {}
    for _score, idx in scored[:limit]:
        ns, tool = entries[idx]
        if ns is None:
            out.append(tool)
            continue
        group = groups.get(ns["name"])
        if group is None:
            group = {k: v for k, v in ns.items() if k != "tools"}
            group["tools"] = []
            groups[ns["name"]] = group
            out.append(group)
        group["tools"].append(tool)
    return out


_PARAMS = Struct("SearchToolCallParams", [Field("query", STRING), Field("limit", Int("usize", optional=True),
                                                                       default=None)])


def _args(call: ToolCall) -> dict[str, Any]:
    """`call.arguments` is the JSON text of the tool_search_call's `arguments` value."""
    raw = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
    try:
        return parse_args(raw, _PARAMS)
    except Error as exc:
        # upstream reads a serde_json::Value (from_value): its errors carry no position
        raise ToolError(f"failed to parse tool_search arguments: {exc.message}") from None


async def handle_tool_search(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    args = _args(call)
    query = args["query"].strip()
    if not query:
        raise ToolError("query must not be empty")
    limit = DEFAULT_LIMIT if args["limit"] is None else args["limit"]
    if limit <= 0:
        raise ToolError("limit must be greater than zero")
    deferred = ctx.services.get("deferred_tools") or []
    return ToolOutput(search(deferred, query, limit))
