"""Local images attached to a user message (`codex exec -i FILE`, app-server `localImage`
input): read, resized like view_image when over 2048 px (Pillow, when installed), sent as a
data URL between `<image name=[Image #N]>` and `</image>` text parts, as 0.136.0 sends them."""
from __future__ import annotations

import base64
import os
from typing import Any


def local_image_content(path: str, index: int = 1, cwd: str | None = None) -> list[dict[str, Any]]:
    from codex.tools.handlers import view_image as V

    full = os.path.normpath(os.path.join(cwd or os.getcwd(), os.path.expanduser(path)))
    name = f"[Image #{index}]"
    try:
        with open(full, "rb") as f:
            data = f.read()
    except OSError as exc:
        return [{"type": "input_text",
                 "text": f"Codex could not read the local image at `{full}`: {V._io_error(exc)}"}]
    info = V.image_info(data)
    if info is None:
        return [{"type": "input_text",
                 "text": f"Codex could not read the local image at `{full}`: unsupported image format"}]
    mime, w, h = info
    if w > V.MAX_WIDTH or h > V.MAX_HEIGHT:
        data, mime = V._resize(data, mime)
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return [{"type": "input_text", "text": f"<image name={name}>"},
            {"type": "input_image", "image_url": url, "detail": "high"},
            {"type": "input_text", "text": "</image>"}]
