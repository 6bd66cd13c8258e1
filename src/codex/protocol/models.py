"""Responses API items and SSE events (``codex-rs/protocol/src/models.rs``, the
Responses client's SSE decoding).

``ResponseItem`` is the unit of history: request ``input`` items, rollout
``response_item`` payloads and streamed ``output_item`` payloads. Item ``id`` fields
that serde marks ``skip_serializing`` are not kept (they are never written back).
Unknown item types decode to ``OtherItem`` (``#[serde(other)]``) through
``decode_response_item``; inside a typed container an unknown type is an error.
"""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec

from ._base import UNSET, UnsetType, Wire, ProtocolError, convert, decode
from .config_types import ReasoningEffort, ReasoningSummary, Verbosity

__all__ = [
    "ImageDetail", "MessagePhase", "LocalShellStatus",
    "InputText", "InputImage", "OutputText", "ContentItem",
    "SummaryText", "ReasoningText", "ReasoningPlainText", "ReasoningItemContent",
    "FunctionCallOutputInputText", "FunctionCallOutputInputImage",
    "FunctionCallOutputEncryptedContent", "FunctionCallOutputContentItem", "FunctionCallOutputBody",
    "LocalShellExecAction", "LocalShellAction",
    "WebSearchSearch", "WebSearchOpenPage", "WebSearchFindInPage", "WebSearchOther", "WebSearchAction",
    "Message", "Reasoning", "LocalShellCall", "FunctionCall", "ToolSearchCall", "FunctionCallOutput",
    "CustomToolCall", "CustomToolCallOutput", "ToolSearchOutput", "WebSearchCall",
    "ImageGenerationCall", "Compaction", "CompactionTrigger", "ContextCompaction", "OtherItem",
    "ResponseItem", "KNOWN_RESPONSE_ITEM_TYPES", "decode_response_item",
    "ReasoningParams", "TextFormat", "TextControls", "ResponsesApiRequest",
    "SseEvent", "ResponseCreated", "OutputItemAdded", "OutputItemDone", "OutputTextDelta",
    "ReasoningSummaryTextDelta", "ReasoningSummaryPartAdded", "ReasoningTextDelta",
    "FunctionCallArgumentsDelta", "CustomToolCallInputDelta", "ResponseCompleted",
    "ResponseFailed", "ResponseIncomplete", "SseError", "UnknownSseEvent", "ResponseUsage",
    "decode_sse_event",
]

ImageDetail = Literal["auto", "low", "high", "original"]
MessagePhase = Literal["commentary", "final_answer"]
LocalShellStatus = Literal["completed", "in_progress", "incomplete"]


# --- ContentItem ----------------------------------------------------------------------


class _Content(Wire, tag_field="type"):
    pass


class InputText(_Content, tag="input_text", kw_only=True):
    text: str


class InputImage(_Content, tag="input_image", kw_only=True):
    image_url: str
    detail: ImageDetail | UnsetType = UNSET


class OutputText(_Content, tag="output_text", kw_only=True):
    text: str


ContentItem = Union[InputText, InputImage, OutputText]


class SummaryText(Wire, tag_field="type", tag="summary_text", kw_only=True):
    text: str


class _ReasoningContent(Wire, tag_field="type"):
    pass


class ReasoningText(_ReasoningContent, tag="reasoning_text", kw_only=True):
    text: str


class ReasoningPlainText(_ReasoningContent, tag="text", kw_only=True):
    text: str


ReasoningItemContent = Union[ReasoningText, ReasoningPlainText]


class _FcoContent(Wire, tag_field="type"):
    pass


class FunctionCallOutputInputText(_FcoContent, tag="input_text", kw_only=True):
    text: str


class FunctionCallOutputInputImage(_FcoContent, tag="input_image", kw_only=True):
    image_url: str
    detail: ImageDetail | UnsetType = UNSET


class FunctionCallOutputEncryptedContent(_FcoContent, tag="encrypted_content", kw_only=True):
    encrypted_content: str


FunctionCallOutputContentItem = Union[
    FunctionCallOutputInputText, FunctionCallOutputInputImage, FunctionCallOutputEncryptedContent
]
# serde untagged: a plain string or a list of content items.
FunctionCallOutputBody = Union[str, list[FunctionCallOutputContentItem]]


class LocalShellExecAction(Wire, tag_field="type", tag="exec", kw_only=True):
    command: list[str]
    timeout_ms: int | None = None
    working_directory: str | None = None
    env: dict[str, str] | None = None
    user: str | None = None


LocalShellAction = LocalShellExecAction


class _WebSearchAction(Wire, tag_field="type"):
    pass


class WebSearchSearch(_WebSearchAction, tag="search", kw_only=True):
    query: str | UnsetType = UNSET
    queries: list[str] | UnsetType = UNSET


class WebSearchOpenPage(_WebSearchAction, tag="open_page", kw_only=True):
    url: str | UnsetType = UNSET


class WebSearchFindInPage(_WebSearchAction, tag="find_in_page", kw_only=True):
    url: str | UnsetType = UNSET
    pattern: str | UnsetType = UNSET


class WebSearchOther(_WebSearchAction, tag="other", kw_only=True):
    pass


WebSearchAction = Union[WebSearchSearch, WebSearchOpenPage, WebSearchFindInPage, WebSearchOther]


# --- ResponseItem ---------------------------------------------------------------------


class _Item(Wire, tag_field="type"):
    pass


class Message(_Item, tag="message", kw_only=True):
    role: str  # "user" | "developer" | "assistant" | "system"
    content: list[ContentItem]
    phase: MessagePhase | UnsetType = UNSET


class Reasoning(_Item, tag="reasoning", kw_only=True):
    summary: list[SummaryText]
    content: list[ReasoningItemContent] | None = None
    encrypted_content: str | None = None


class LocalShellCall(_Item, tag="local_shell_call", kw_only=True):
    call_id: str | None = None
    status: LocalShellStatus
    action: LocalShellAction


class FunctionCall(_Item, tag="function_call", kw_only=True):
    name: str
    namespace: str | UnsetType = UNSET
    arguments: str
    call_id: str


class ToolSearchCall(_Item, tag="tool_search_call", kw_only=True):
    call_id: str | None = None
    status: str | UnsetType = UNSET
    execution: str
    arguments: Any


class FunctionCallOutput(_Item, tag="function_call_output", kw_only=True):
    call_id: str
    output: FunctionCallOutputBody


class CustomToolCall(_Item, tag="custom_tool_call", kw_only=True):
    status: str | UnsetType = UNSET
    call_id: str
    name: str
    input: str


class CustomToolCallOutput(_Item, tag="custom_tool_call_output", kw_only=True):
    call_id: str
    name: str | UnsetType = UNSET
    output: FunctionCallOutputBody


class ToolSearchOutput(_Item, tag="tool_search_output", kw_only=True):
    call_id: str | None = None
    status: str
    execution: str
    tools: list[Any]


class WebSearchCall(_Item, tag="web_search_call", kw_only=True):
    status: str | UnsetType = UNSET
    action: WebSearchAction | UnsetType = UNSET


class ImageGenerationCall(_Item, tag="image_generation_call", kw_only=True):
    id: str
    status: str
    revised_prompt: str | UnsetType = UNSET
    result: str


class Compaction(_Item, tag="compaction", kw_only=True):
    encrypted_content: str


class CompactionTrigger(_Item, tag="compaction_trigger", kw_only=True):
    pass


class ContextCompaction(_Item, tag="context_compaction", kw_only=True):
    encrypted_content: str | UnsetType = UNSET


class OtherItem(_Item, tag="other", kw_only=True):
    """``#[serde(other)]``: any item type this version does not know."""


ResponseItem = Union[
    Message, Reasoning, LocalShellCall, FunctionCall, ToolSearchCall, FunctionCallOutput,
    CustomToolCall, CustomToolCallOutput, ToolSearchOutput, WebSearchCall, ImageGenerationCall,
    Compaction, CompactionTrigger, ContextCompaction, OtherItem,
]

KNOWN_RESPONSE_ITEM_TYPES = frozenset(
    c.__struct_config__.tag for c in ResponseItem.__args__  # type: ignore[attr-defined]
)


class _TypeProbe(msgspec.Struct):
    type: str = ""


def decode_response_item(data: bytes | str | dict, *, what: str = "response item", prefix: str = "$"):
    """Decode one item; an unknown ``type`` gives ``OtherItem()`` like serde's ``other``."""
    if isinstance(data, dict):
        t = data.get("type")
        if isinstance(t, str) and t not in KNOWN_RESPONSE_ITEM_TYPES:
            return OtherItem()
        return convert(data, ResponseItem, what, prefix=prefix)
    probe = decode(data, _TypeProbe, what, prefix=prefix)
    if probe.type not in KNOWN_RESPONSE_ITEM_TYPES:
        return OtherItem()
    return decode(data, ResponseItem, what, prefix=prefix)


# --- Request body (POST /v1/responses) ------------------------------------------------


class ReasoningParams(Wire, kw_only=True):
    effort: ReasoningEffort | UnsetType = UNSET
    summary: ReasoningSummary | UnsetType = UNSET


class TextFormat(Wire, tag_field="type", tag="json_schema", kw_only=True):
    strict: bool
    schema: Any
    name: str


class TextControls(Wire, kw_only=True):
    verbosity: Verbosity | UnsetType = UNSET
    format: TextFormat | UnsetType = UNSET


class ResponsesApiRequest(Wire, kw_only=True):
    """Body of ``POST /v1/responses``; ``tools`` stay JSON (their shapes live in tools/)."""

    model: str
    instructions: str
    input: list[ResponseItem]
    tools: list[Any]
    tool_choice: str
    parallel_tool_calls: bool
    reasoning: ReasoningParams | None = None
    store: bool
    stream: bool
    include: list[str]
    service_tier: str | UnsetType = UNSET
    prompt_cache_key: str | UnsetType = UNSET
    text: TextControls | UnsetType = UNSET
    client_metadata: dict[str, str] | UnsetType = UNSET


# --- SSE events -------------------------------------------------------------------------


class ResponseUsage(Wire, kw_only=True):
    input_tokens: int = 0
    input_tokens_details: Any | UnsetType = UNSET
    output_tokens: int = 0
    output_tokens_details: Any | UnsetType = UNSET
    total_tokens: int | UnsetType = UNSET


class _ResponseRef(Wire, kw_only=True):
    id: str | UnsetType = UNSET
    status: str | UnsetType = UNSET
    usage: ResponseUsage | None = None
    error: Any | None = None
    incomplete_details: Any | None = None


class _Sse(Wire, tag_field="type"):
    pass


class ResponseCreated(_Sse, tag="response.created", kw_only=True):
    response: _ResponseRef


class OutputItemAdded(_Sse, tag="response.output_item.added", kw_only=True):
    output_index: int | UnsetType = UNSET
    item: ResponseItem
    # the item's `id` (ResponseItem drops it, as upstream never sends it back); set by the client
    item_id: str | None | UnsetType = UNSET


class OutputItemDone(_Sse, tag="response.output_item.done", kw_only=True):
    output_index: int | UnsetType = UNSET
    item: ResponseItem
    item_id: str | None | UnsetType = UNSET


class OutputTextDelta(_Sse, tag="response.output_text.delta", kw_only=True):
    item_id: str | UnsetType = UNSET
    content_index: int | UnsetType = UNSET
    delta: str
    output_index: int | UnsetType = UNSET


class ReasoningSummaryTextDelta(_Sse, tag="response.reasoning_summary_text.delta", kw_only=True):
    item_id: str | UnsetType = UNSET
    summary_index: int = 0
    delta: str
    output_index: int | UnsetType = UNSET


class ReasoningSummaryPartAdded(_Sse, tag="response.reasoning_summary_part.added", kw_only=True):
    item_id: str | UnsetType = UNSET
    summary_index: int = 0
    output_index: int | UnsetType = UNSET


class ReasoningTextDelta(_Sse, tag="response.reasoning_text.delta", kw_only=True):
    item_id: str | UnsetType = UNSET
    content_index: int = 0
    delta: str
    output_index: int | UnsetType = UNSET


class FunctionCallArgumentsDelta(_Sse, tag="response.function_call_arguments.delta", kw_only=True):
    item_id: str | UnsetType = UNSET
    delta: str
    output_index: int | UnsetType = UNSET


class CustomToolCallInputDelta(_Sse, tag="response.custom_tool_call_input.delta", kw_only=True):
    item_id: str | UnsetType = UNSET
    delta: str
    output_index: int | UnsetType = UNSET


class ResponseCompleted(_Sse, tag="response.completed", kw_only=True):
    response: _ResponseRef


class ResponseFailed(_Sse, tag="response.failed", kw_only=True):
    response: _ResponseRef


class ResponseIncomplete(_Sse, tag="response.incomplete", kw_only=True):
    response: _ResponseRef


class SseError(_Sse, tag="error", kw_only=True):
    code: str | None = None
    message: str | None = None
    param: str | None = None


class UnknownSseEvent(msgspec.Struct, kw_only=True):
    """An event type the client ignores (``*.done`` echoes, ``content_part.*`` ...)."""

    type: str


SseEvent = Union[
    ResponseCreated, OutputItemAdded, OutputItemDone, OutputTextDelta, ReasoningSummaryTextDelta,
    ReasoningSummaryPartAdded, ReasoningTextDelta, FunctionCallArgumentsDelta,
    CustomToolCallInputDelta, ResponseCompleted, ResponseFailed, ResponseIncomplete, SseError,
]
_SSE_TYPES = {c.__struct_config__.tag: c for c in SseEvent.__args__}  # type: ignore[attr-defined]


class _ItemId(msgspec.Struct):
    id: str | None = None


class _ItemIdProbe(msgspec.Struct):
    item: _ItemId


_ITEM_ID_DECODER = msgspec.json.Decoder(_ItemIdProbe)


def output_item_id(data: bytes | str) -> str | None:
    """The `item.id` of an output_item.added/done payload (None when absent or malformed)."""
    try:
        return _ITEM_ID_DECODER.decode(data).item.id
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


class _SseItemEvent(msgspec.Struct):
    type: str
    item: msgspec.Raw
    output_index: int | UnsetType = UNSET


def decode_sse_event(data: bytes | str):
    """Decode one SSE ``data:`` payload. Unknown event types give ``UnknownSseEvent``;
    an unknown output item type gives ``OtherItem`` (the client skips it)."""
    what = "SSE event"
    probe = decode(data, _TypeProbe, what)
    cls = _SSE_TYPES.get(probe.type)
    if cls is None:
        return UnknownSseEvent(type=probe.type)
    if cls is OutputItemAdded or cls is OutputItemDone:
        raw = decode(data, _SseItemEvent, what)
        item = decode_response_item(bytes(raw.item), what=what, prefix="$.item")
        return cls(output_index=raw.output_index, item=item)
    return decode(data, cls, what)
