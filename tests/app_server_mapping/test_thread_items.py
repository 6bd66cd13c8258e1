"""thread_items builders and converters: wire key order and the core-shape conversions."""

from __future__ import annotations

from codex.app_server import thread_items as ti


def test_command_display_string_uses_shlex_join():
    assert ti.command_display_string(["/bin/bash", "-lc", "ls -1"]) == "/bin/bash -lc 'ls -1'"
    assert ti.command_display_string(["echo", "it's"]) == "echo \"it's\""
    assert ti.command_display_string(["printf", ""]) == "printf ''"


def test_command_actions_from_parsed():
    parsed = [
        {"type": "read", "cmd": "cat a.txt", "name": "a.txt", "path": "a.txt"},
        {"type": "list_files", "cmd": "ls src", "path": "src"},
        {"type": "search", "cmd": "rg foo", "query": "foo", "path": None},
        {"type": "unknown", "cmd": "make"},
    ]
    assert ti.command_actions_from_parsed(parsed, "/w") == [
        {"type": "read", "command": "cat a.txt", "name": "a.txt", "path": "/w/a.txt"},
        {"type": "listFiles", "command": "ls src", "path": "src"},
        {"type": "search", "command": "rg foo", "query": "foo", "path": None},
        {"type": "unknown", "command": "make"},
    ]


def test_convert_patch_changes_sorts_and_formats_moves():
    changes = {
        "/w/z.txt": {"type": "delete", "content": "gone\n"},
        "/w/a.txt": {"type": "update", "unified_diff": "@@ -1 +1 @@\n-a\n+b\n", "move_path": "/w/b.txt"},
        "/w/m.txt": {"type": "add", "content": "new\n"},
    }
    assert ti.convert_patch_changes(changes) == [
        {"path": "/w/a.txt", "kind": {"type": "update", "move_path": "/w/b.txt"},
         "diff": "@@ -1 +1 @@\n-a\n+b\n\n\nMoved to: /w/b.txt"},
        {"path": "/w/m.txt", "kind": {"type": "add"}, "diff": "new\n"},
        {"path": "/w/z.txt", "kind": {"type": "delete"}, "diff": "gone\n"},
    ]


def test_item_key_orders():
    assert list(ti.command_execution_item("c", command="x", cwd="/w")) == [
        "type", "id", "command", "cwd", "processId", "source", "status", "commandActions",
        "aggregatedOutput", "exitCode", "durationMs",
    ]
    assert list(ti.dynamic_tool_call_item("d", tool="t", arguments={}, status="inProgress")) == [
        "type", "id", "namespace", "tool", "arguments", "status", "contentItems", "success", "durationMs",
    ]
    assert list(ti.turn_object("t", status="inProgress")) == [
        "id", "items", "itemsView", "status", "error", "startedAt", "completedAt", "durationMs",
    ]
    gen = ti.image_generation_item("g", status="completed", result="b64")
    assert "savedPath" not in gen
    assert ti.image_generation_item("g", status="completed", result="b64", saved_path="/w/x.png")["savedPath"] == "/w/x.png"


def test_turn_item_conversions():
    assert ti.thread_item_from_turn_item(
        {"type": "UserMessage", "id": "u", "content": [
            {"type": "text", "text": "hi", "text_elements": []},
            {"type": "image", "image_url": "data:image/png;base64,AA"},
            {"type": "local_image", "path": "/w/a.png"}]}
    ) == {"type": "userMessage", "id": "u", "clientId": None, "content": [
        {"type": "text", "text": "hi", "text_elements": []},
        {"type": "image", "url": "data:image/png;base64,AA"},
        {"type": "localImage", "path": "/w/a.png"}]}
    assert ti.thread_item_from_turn_item(
        {"type": "AgentMessage", "id": "m", "content": [{"type": "Text", "text": "a"}, {"type": "Text", "text": "b"}],
         "phase": "final_answer"}
    ) == {"type": "agentMessage", "id": "m", "text": "ab", "phase": "final_answer", "memoryCitation": None}
    assert ti.thread_item_from_turn_item({"type": "ContextCompaction", "id": "c"}) == {"type": "contextCompaction", "id": "c"}
    assert ti.thread_item_from_turn_item({"type": "Sleep", "id": "s", "duration_ms": 5}) is None
    fc = ti.thread_item_from_turn_item(
        {"type": "FileChange", "id": "f", "changes": {"/w/a": {"type": "add", "content": "x"}}}, status_hint="inProgress")
    assert fc == {"type": "fileChange", "id": "f", "changes": [{"path": "/w/a", "kind": {"type": "add"}, "diff": "x"}], "status": "inProgress"}


def test_duration_to_ms():
    assert ti.duration_to_ms({"secs": 2, "nanos": 999_999}) == 2000
    assert ti.duration_to_ms({"secs": 0, "nanos": 1_978_000_000 % 1_000_000_000}) == 978
    assert ti.duration_to_ms(None) is None
