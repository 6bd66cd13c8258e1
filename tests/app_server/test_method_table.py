"""`codex.app_server._method_table` (what dispatch knows about every method without importing
the generated v2 protocol module) is current: equal to what the v2 module says today."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import codex.app_server._method_table as table
from codex.app_server.server import render_method_table


def test_method_table_is_current():
    assert Path(table.__file__).read_text() == render_method_table(), (
        "regenerate: python -c 'from codex.app_server.server import render_method_table; "
        "open(\"src/codex/app_server/_method_table.py\", \"w\").write(render_method_table())'")


def test_table_contents():
    assert table.METHODS[0] == "initialize"
    assert len(table.METHODS) == len(set(table.METHODS)) == 112   # 109 v2 + 3 legacy
    assert table.EXPERIMENTAL <= set(table.METHODS) and table.NO_PARAMS <= set(table.METHODS)
    assert table.PARAMS_TYPE["thread/start"] == "ThreadStartParams"


def test_initialize_does_not_import_the_v2_module():
    """Answering `initialize` (and a stable method with params) over stdio leaves the generated
    v2 module unimported."""
    # the dispatch path itself: method table + serde schema check, no v2 module
    from codex.app_server import server as S

    assert "initialize" in S.client_request_methods()
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys; from codex.app_server import server as S; "
         "S.client_request_methods(); S.experimental_methods(); "
         "S.validate_params('initialize', None, {'clientInfo': {'name': 'x', 'version': '1'}}, True); "
         "S._experimental_params_fields(); "
         "print('codex.protocol.app_server_v2' in sys.modules)"],
        capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "False", probe.stderr
