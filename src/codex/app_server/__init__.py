"""`codex app-server`: JSON-RPC 2.0 (no ``"jsonrpc"`` member on output) for IDEs and faces.

* ``server``: ``AppServer`` (shared state, method registry, config), ``Connection`` (one
  client: ``notify``, ``await request``, ``after_response``), ``JsonRpcError`` and the
  handshake/validation rules; how to register methods is in its docstring.
* ``transport``: stdio (lines), ``unix://[PATH]`` and ``ws://IP:PORT`` (WebSocket frames,
  ``websocket``), ``off``.
* ``in_process``: ``InProcessClient``, the same messages as dicts in the same event loop.
* ``initialize``, ``offline``, ``exec_methods``, ``config_api``, ``skills_api``, ``fs_watch``:
  the methods that need no agent core; ``threads`` (and its helpers) the thread/turn ones.
* ``serde_check``: params refused in serde's words; ``schema_gen`` / ``ts_render``:
  ``generate-json-schema`` / ``generate-ts`` from ``schema_model.json``.
* ``cli``: the ``codex app-server`` command handlers.

Nothing is imported here: ``codex --version`` stays light.
"""
