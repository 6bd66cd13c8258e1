"""File search against the reference app-server on one generated tree.

A deterministic monorepo-like tree (fixtures/file_search/treegen.py: ~3000 visible files plus
ignored content of every kind) is searched by ours and by `codex app-server` (0.136.0):

* the walker's file set must equal the reference's, as far as the app-server lets us see it
  (listed directory by directory with `^dir/ !dir/child/ ...` queries in a session);
* for the fixed queries of fixtures/file_search/queries.txt the top-10 results must overlap by
  at least 0.9 on average (the figure is printed), and the scores of the results both return
  must be equal.

Without the reference binary the tests are skipped, or fail under CI=true /
CODEX_REQUIRE_REFERENCE=1.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .reference import RefEnv, ReferenceUnavailable, find_reference, reference_required

pytestmark = pytest.mark.reference

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "file_search"
N_FILES = 3000
SEED = 7
SKIP_REASON = "reference codex binary not installed (run scripts/test.sh)"


def _queries() -> list[str]:
    return [line.rstrip("\n") for line in (FIXTURES / "queries.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def world():
    try:
        binary = find_reference()
    except ReferenceUnavailable as exc:
        if reference_required():
            pytest.fail(f"{SKIP_REASON}: {exc}", pytrace=False)
        pytest.skip(SKIP_REASON)
    sys.path.insert(0, str(FIXTURES))
    try:
        from refclient import RefAppServer
        from treegen import generate
    finally:
        sys.path.remove(str(FIXTURES))
    env = RefEnv(tag="ffs-parity")
    srv = None
    try:
        tree = env.root / "tree"
        generate(tree, n_files=N_FILES, seed=SEED, home=env.home)
        srv = RefAppServer(env, binary=str(binary))
        yield env, tree, srv
    finally:
        if srv is not None:
            srv.close()
        env.close()


@pytest.fixture
def our_home(world, monkeypatch):
    """Our walker reads the same global excludes as the reference (its HOME)."""
    env = world[0]
    monkeypatch.setenv("HOME", str(env.home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)


def test_walker_file_set_equals_reference(world, our_home):
    from codex.file_search.walker import walk_paths
    sys.path.insert(0, str(FIXTURES))
    try:
        from refclient import enumerate_files
    finally:
        sys.path.remove(str(FIXTURES))
    env, tree, srv = world
    ours = walk_paths(str(tree))
    our_set = {p for p, _ in ours}
    dirs = [p for p, d in ours if d]
    assert len(our_set) > N_FILES
    ref_set, truncated = enumerate_files(srv, str(tree), dirs)
    assert truncated == [], "some directories have too many entries to be listed through the app-server"
    assert sorted(our_set - ref_set) == [] and sorted(ref_set - our_set) == []
    # the ignored content really was there to be skipped
    assert not any(p.startswith("node_modules") or p.endswith(".log") and p != "keep.log" for p in our_set)


def test_top10_overlap_and_scores(world, our_home, capsys):
    from codex.file_search.api import wire_files
    from codex.file_search.index import FileIndex
    env, tree, srv = world
    idx = FileIndex([str(tree)]).build()
    queries = _queries()
    assert len(queries) >= 50
    overlaps = []
    score_mismatches = []
    worst = []
    for q in queries:
        ours = wire_files(idx.search(q))
        ref = srv.search(q, [str(tree)])
        a = [f["path"] for f in ours[:10]]
        b = [f["path"] for f in ref[:10]]
        ov = 1.0 if not a and not b else len(set(a) & set(b)) / max(len(a), len(b))
        overlaps.append(ov)
        if ov < 1.0:
            worst.append((round(ov, 2), q))
        ref_scores = {f["path"]: (f["score"], f["indices"], f["match_type"]) for f in ref}
        for f in ours:
            if f["path"] in ref_scores and ref_scores[f["path"]] != (f["score"], f["indices"], f["match_type"]):
                score_mismatches.append((q, f["path"], ref_scores[f["path"]], (f["score"], f["indices"])))
    mean = sum(overlaps) / len(overlaps)
    with capsys.disabled():
        print(f"\n[file search] top-10 overlap with the reference: {mean:.3f} over {len(queries)} queries"
              f" ({sum(1 for o in overlaps if o == 1.0)} identical); below 1: {sorted(worst)[:8]}")
    assert not score_mismatches, score_mismatches[:5]
    assert mean >= 0.9


def test_session_results_match_one_shot(world, our_home):
    """The reference's session answers as its one-shot search; so does ours."""
    from codex.file_search.api import wire_files
    from codex.file_search.index import FileIndex
    env, tree, srv = world
    srv.session_start("parity", [str(tree)])
    try:
        srv.session_query("parity", "warm-up-zzzz", until_complete=True)
        idx = FileIndex([str(tree)]).build()
        for q in ("m", "ma", "mai", "main", "handler"):
            files, _ = srv.session_query("parity", q, until_complete=True)
            ours = wire_files(idx.search(q))
            assert [f["path"] for f in files][:5] == [f["path"] for f in ours][:5], q
    finally:
        srv.session_stop("parity")
