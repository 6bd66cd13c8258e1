"""Rollouts: the per-thread JSONL session files under ``$CODEX_HOME/sessions`` (recorder,
reader, listing and lookup, resume / fork, archive / unarchive). See `recorder` for the
interface the agent core uses."""

import importlib

# name -> submodule; imported on first use (PEP 562), so that the recorder alone does not
# import the listing and reading code
_EXPORTS = {
    **dict.fromkeys((
        "ArchiveError", "ThreadItem", "ThreadsPage", "append_thread_name", "archive_thread",
        "find_latest_thread", "find_thread_name_by_id", "find_thread_path",
        "find_thread_path_by_id", "find_thread_path_by_name", "list_threads",
        "parse_rollout_file_name", "unarchive_thread"), "list"),
    **dict.fromkeys(("EXTENDED", "LIMITED", "is_persisted"), "policy"),
    **dict.fromkeys((
        "RolloutHistory", "get_rollout_history", "iter_lines_reverse", "load_rollout_items",
        "parse_line", "read_session_meta", "truncate_before_nth_user_message"), "reader"),
    **dict.fromkeys((
        "ARCHIVED_SESSIONS_SUBDIR", "SESSIONS_SUBDIR", "RolloutRecorder", "encode_line",
        "new_session_meta", "rollout_file_name", "utc_timestamp", "uuid7"), "recorder"),
}


def __getattr__(name: str):
    sub = _EXPORTS.get(name)
    if sub is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{sub}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ArchiveError", "ThreadItem", "ThreadsPage", "append_thread_name", "archive_thread",
    "find_latest_thread", "find_thread_name_by_id", "find_thread_path", "find_thread_path_by_id",
    "find_thread_path_by_name", "list_threads", "parse_rollout_file_name", "unarchive_thread",
    "EXTENDED", "LIMITED", "is_persisted", "RolloutHistory", "get_rollout_history",
    "iter_lines_reverse", "load_rollout_items", "parse_line", "read_session_meta",
    "truncate_before_nth_user_message", "ARCHIVED_SESSIONS_SUBDIR", "SESSIONS_SUBDIR",
    "RolloutRecorder", "encode_line", "new_session_meta", "rollout_file_name", "utc_timestamp",
    "uuid7",
]
