"""Tools: the specs the model sees (`specs`), the router that runs a call (`router`), one
handler module per tool (`handlers/`). Mirrors upstream `codex-rs/tools` + `core/src/tools`."""
