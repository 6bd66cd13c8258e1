"""Model access: providers, the Responses API client, SSE decoding, retries (codex-rs/codex-api).

- `sse`: the incremental SSE decoder (compiled + pure twins).
- `catalog`: the bundled model catalog (`models.json`, byte-identical to 0.136.0's, see
  NOTICE.md): per-model base instructions (personality templates), reasoning/verbosity
  defaults, truncation policy, context window; gpt-5.5 is the default model.
- `providers`: built-in providers (openai, amazon-bedrock, ollama, lmstudio),
  `[model_providers.NAME]`, retry settings, provider headers, `env_key`; the `AuthProvider`
  protocol (`async headers()`, optional `on_unauthorized()`), `BearerAuth`, `EnvKeyAuth`.
- `request`: the request body (key order and values per model), headers, user agent,
  installation id.
- `client`: `ResponsesClient` (async httpx, keep-alive): request retries, stream retries with
  `Reconnecting` notices, idle timeout, error mapping; events are protocol structs.
- `errors`: the errors with 0.136.0's messages; `debug_cmd`: `codex debug models`.

Importing this package (or `catalog`, `providers`, `request`) does not import httpx.
"""
