#!/usr/bin/env python3
"""A tiny stdio MCP server (newline-delimited JSON-RPC 2.0), stdlib only.

Tools:      echo {text}            -> returns the text
            add {a, b}             -> returns a+b (also as structuredContent)
Resources:  mock://greeting        -> "hello from the mock MCP server"
Used to give the reference app-server / exec something to talk to.
With MCP_LOG=<path> every message received is appended to that file (one JSON per line).
"""
import json
import os
import sys

TOOLS = [
    {"name": "echo", "title": "Echo", "description": "Echo the given text back.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
    {"name": "add", "description": "Add two integers.",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                     "required": ["a", "b"]},
     "outputSchema": {"type": "object", "properties": {"sum": {"type": "integer"}}, "required": ["sum"]}},
]
RESOURCES = [{"uri": "mock://greeting", "name": "greeting", "mimeType": "text/plain"}]


def reply(rid, result=None, error=None):
    msg = {"jsonrpc": "2.0", "id": rid}
    if error is not None:
        msg["error"] = error
    else:
        msg["result"] = result
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if os.environ.get("MCP_LOG"):
            with open(os.environ["MCP_LOG"], "a") as log:
                log.write(json.dumps(msg) + "\n")
        method, rid, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
        if rid is None:
            continue  # notifications
        if method == "initialize":
            reply(rid, {"protocolVersion": params.get("protocolVersion", "2025-06-18"),
                        "capabilities": {"tools": {"listChanged": False},
                                         "resources": {"listChanged": False}},
                        "serverInfo": {"name": "mock-mcp", "version": "1.0.0"}})
        elif method == "ping":
            reply(rid, {})
        elif method == "tools/list":
            reply(rid, {"tools": TOOLS})
        elif method == "tools/call":
            name, args = params.get("name"), params.get("arguments") or {}
            if name == "echo":
                reply(rid, {"content": [{"type": "text", "text": str(args.get("text", ""))}],
                            "isError": False})
            elif name == "add":
                s = int(args.get("a", 0)) + int(args.get("b", 0))
                reply(rid, {"content": [{"type": "text", "text": str(s)}],
                            "structuredContent": {"sum": s}, "isError": False})
            else:
                reply(rid, {"content": [{"type": "text", "text": f"unknown tool {name}"}], "isError": True})
        elif method == "resources/list":
            reply(rid, {"resources": RESOURCES})
        elif method == "resources/templates/list":
            reply(rid, {"resourceTemplates": []})
        elif method == "resources/read":
            reply(rid, {"contents": [{"uri": params.get("uri"), "mimeType": "text/plain",
                                      "text": "hello from the mock MCP server"}]})
        elif method == "prompts/list":
            reply(rid, {"prompts": []})
        else:
            reply(rid, error={"code": -32601, "message": f"method not found: {method}"})


if __name__ == "__main__":
    main()
