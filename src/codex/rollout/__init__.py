"""Rollouts: the per-thread JSONL session files under ``$CODEX_HOME/sessions`` (recorder,
reader, listing and lookup, resume / fork, archive / unarchive). See `recorder` for the
interface the agent core uses."""

from .list import (
    ArchiveError, ThreadItem, ThreadsPage, append_thread_name, archive_thread, find_latest_thread,
    find_thread_name_by_id, find_thread_path, find_thread_path_by_id, find_thread_path_by_name,
    list_threads, parse_rollout_file_name, unarchive_thread,
)
from .policy import EXTENDED, LIMITED, is_persisted
from .reader import (
    RolloutHistory, get_rollout_history, iter_lines_reverse, load_rollout_items, parse_line,
    read_session_meta, truncate_before_nth_user_message,
)
from .recorder import (
    ARCHIVED_SESSIONS_SUBDIR, SESSIONS_SUBDIR, RolloutRecorder, encode_line, new_session_meta,
    rollout_file_name, utc_timestamp, uuid7,
)

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
