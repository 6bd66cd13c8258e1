"""The capture driver's mock model (marker protocol), shared with the app-server differential
test: the newest user message's markers RUN_SHELL:<cmd>, RUN_SHELL_ESCALATED:<cmd>,
APPLY_PATCH:<path>, CALL_TOOL:<name> <json> make it call a tool; after a tool output it says
"Mock: the command finished.", else "Hello from the mock model."."""
from __future__ import annotations

from parity.app_server_turns import (AFTER_TOOL_TEXT, DEFAULT_TEXT, MOCK_USAGE, SHELL_TOOL_NAMES,
                                     MarkerModel, marker_events)

__all__ = ["AFTER_TOOL_TEXT", "DEFAULT_TEXT", "MOCK_USAGE", "SHELL_TOOL_NAMES", "MarkerModel",
           "marker_events"]
