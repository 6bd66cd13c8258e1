"""Authentication: auth.json and the credential stores, API keys, ChatGPT sign-in (browser with
PKCE, device code), token refresh, and the `codex login` / `login status` / `logout` commands.

Importing this package is cheap; the submodules import what they need (httpx only when a request
is made, `keyring` only when the keyring store is used):

- `codex.auth.storage`: `AuthDotJson` (serde-exact JSON in and out), `TokenData`, `IdTokenInfo`,
  `parse_chatgpt_jwt_claims`, the file / keyring / auto / ephemeral stores;
- `codex.auth.manager`: `load_auth`, `login_with_api_key`, `logout`, `AuthManager` (what the model
  client uses: `await headers()`, `await on_unauthorized()`), `safe_format_key`;
- `codex.auth.oauth`: the browser login server, PKCE, the token endpoint, the device-code flow;
- `codex.auth.cli`: the command handlers.
"""

__all__ = ["AuthManager", "CodexAuth", "load_auth"]


def __getattr__(name):
    if name in __all__:
        from codex.auth import manager

        return getattr(manager, name)
    raise AttributeError(name)
