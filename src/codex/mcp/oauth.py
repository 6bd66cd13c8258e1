"""MCP OAuth helpers (codex-rs/rmcp-client oauth.rs), as far as ported: discovery of an
authorization server (RFC 8414 metadata) and the credential store's delete."""

from __future__ import annotations

import json
import os

__all__ = ["delete_oauth_tokens", "discover_oauth_support", "store_mode"]

CREDENTIALS_FILE = ".credentials.json"
DISCOVERY_TIMEOUT_S = 5.0


def discover_many(urls) -> dict:
    """`{url: discover_oauth_support(url)}`, asked concurrently."""
    urls = list(dict.fromkeys(urls))
    if len(urls) <= 1:
        return {u: discover_oauth_support(u) for u in urls}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(8, len(urls))) as pool:
        return dict(zip(urls, pool.map(discover_oauth_support, urls)))


def discover_oauth_support(url: str) -> bool:
    """True when `<origin>/.well-known/oauth-authorization-server[/<path>]` answers with metadata
    naming the authorization and token endpoints; False on any failure."""
    import urllib.parse
    import urllib.request

    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    # The order rmcp's discovery asks in (seen on the reference's requests).
    candidates = [f"{origin}/.well-known/oauth-authorization-server{path}",
                  f"{origin}{path}/.well-known/oauth-authorization-server"] if path else []
    candidates.append(f"{origin}/.well-known/oauth-authorization-server")
    for candidate in candidates:
        req = urllib.request.Request(candidate, headers={"MCP-Protocol-Version": "2024-11-05"})
        try:
            with urllib.request.urlopen(req, timeout=DISCOVERY_TIMEOUT_S) as resp:  # noqa: S310
                if resp.status != 200:
                    continue
                meta = json.loads(resp.read().decode("utf-8"))
        except Exception:
            continue
        if isinstance(meta, dict) and meta.get("authorization_endpoint") and meta.get("token_endpoint"):
            return True
    return False


def store_mode(config) -> str:
    return str(config.raw.get("mcp_oauth_credentials_store") or "auto")


def delete_oauth_tokens(config, name: str, url: str) -> bool:
    """Remove the stored tokens of server `name`; True when there were some. Only the file store
    (`mcp_oauth_credentials_store = "file"`) is implemented; with `auto`/`keyring` there is no
    keyring here, which the reference reports as the error below."""
    mode = store_mode(config)
    if mode != "file":
        raise OSError("failed to delete OAuth tokens from keyring")
    path = os.path.join(config.codex_home, CREDENTIALS_FILE)
    try:
        with open(path, encoding="utf-8") as fh:
            store = json.load(fh)
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return False
    if not isinstance(store, dict):
        return False
    keys = [k for k, v in store.items()
            if isinstance(v, dict) and v.get("server_name") == name and v.get("server_url") == url]
    if not keys:
        return False
    for key in keys:
        del store[key]
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(store, fh)
    os.replace(tmp, path)
    return True
