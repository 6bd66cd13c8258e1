"""Model access: providers, the Responses API client, SSE decoding, retries (codex-rs/codex-api)."""
