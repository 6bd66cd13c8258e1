"""view_image (upstream `core/src/tools/handlers/view_image.rs` + `codex-rs/utils/image`).

The path is resolved against the turn's cwd; the model gets one `input_image` content item with
a base64 data URL and `detail` (`high` unless `original` was asked for). Errors use upstream's
words (`unable to locate image at ...`, `image path ... is not a file`, `unable to process image
at ...: unsupported image `<mime>``).

Resizing: the reference fits `high` images into 2048x2048 (captured: 3000x1000 -> 2048x683,
1000x3000 -> 683x2048, re-encoded as PNG; 2048x2048 and `original` images go out as their exact
bytes). A model whose `input_modalities` (`ctx.config`, catalog key) lack "image" is refused
(captured with a custom catalog; the tool stays in the tools array). A model without
`supports_image_detail_original` (`ctx.config`, default True) gets
`original` treated as `high` (captured with gpt-5.2). Pillow is not a dependency: images within
the bounds (and every `original` image) are sent as their exact bytes, as upstream does; a larger
image is resized with Pillow when it is installed (bytes differ from the Rust encoder's) and
otherwise sent unresized.
"""
from __future__ import annotations

import base64
import mimetypes
import os
import struct

from codex.tools._serde import Error, Field, OPT_STRING, STRING, Struct, parse_args, parse_error_text
from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput

__all__ = ["handle_view_image", "image_info", "MAX_WIDTH", "MAX_HEIGHT"]

MAX_WIDTH, MAX_HEIGHT = 2048, 2048
_ARGS = Struct("ViewImageArgs", [Field("path", STRING), Field("detail", OPT_STRING, default=None)])


def image_info(data: bytes) -> tuple[str, int, int] | None:
    """(mime, width, height) from the header of a PNG / JPEG / GIF / WebP, else None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return "image/png", w, h
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return "image/gif", w, h
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        kind = data[12:16]
        if kind == b"VP8X":
            w = 1 + int.from_bytes(data[24:27], "little")
            h = 1 + int.from_bytes(data[27:30], "little")
        elif kind == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            w, h = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        else:
            w, h = struct.unpack("<HH", data[26:30])
            w, h = w & 0x3FFF, h & 0x3FFF
        return "image/webp", w, h
    if data[:3] == b"\xff\xd8\xff":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return "image/jpeg", w, h
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            seg = struct.unpack(">H", data[i + 2:i + 4])[0]
            i += 2 + seg
        return "image/jpeg", 0, 0
    return None


def _resize(data: bytes, mime: str) -> tuple[bytes, str]:
    try:
        from io import BytesIO

        from PIL import Image  # optional
    except ImportError:
        return data, mime
    with Image.open(BytesIO(data)) as img:
        img.thumbnail((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.BILINEAR)
        out = BytesIO()
        if mime == "image/jpeg":
            img.convert("RGB").save(out, format="JPEG", quality=85)
            return out.getvalue(), "image/jpeg"
        img.save(out, format="PNG")
        return out.getvalue(), "image/png"


async def handle_view_image(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    modalities = ctx.config.get("input_modalities")
    if modalities is not None and "image" not in modalities:
        # checked first: the reference answers so even for a missing file
        raise ToolError("view_image is not allowed because you do not support image inputs")
    try:
        args = parse_args(call.arguments or "", _ARGS)
    except Error as exc:
        raise ToolError(parse_error_text(exc)) from None
    detail = args["detail"]
    if detail is not None and detail not in ("high", "original"):
        raise ToolError("view_image.detail only supports `high` or `original`; omit `detail` for default high "
                        f"resized behavior, got `{detail}`")
    if detail == "original" and not ctx.config.get("supports_image_detail_original", True):
        detail = None
    path = os.path.normpath(os.path.join(ctx.cwd, os.path.expanduser(args["path"])))
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ToolError(f"unable to locate image at `{path}`: {_io_error(exc)}") from None
    if not os.path.isfile(path):
        raise ToolError(f"image path `{path}` is not a file")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ToolError(f"unable to process image at `{path}`: {_io_error(exc)}") from None
    del st
    info = image_info(data)
    if info is None:
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        raise ToolError(f"unable to process image at `{path}`: unsupported image `{mime}`")
    mime, w, h = info
    if detail != "original" and (w > MAX_WIDTH or h > MAX_HEIGHT):
        data, mime = _resize(data, mime)
    await ctx.send({"type": "view_image_tool_call", "call_id": call.call_id, "path": path})
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return ToolOutput([{"type": "input_image", "image_url": url, "detail": detail or "high"}])


def _io_error(exc: OSError) -> str:
    """Rust's io::Error Display: `<strerror> (os error N)`."""
    if exc.errno is not None:
        return f"{exc.strerror} (os error {exc.errno})"
    return str(exc)
