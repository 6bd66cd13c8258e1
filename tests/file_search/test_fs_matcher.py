"""The matcher twins: nucleo semantics (scores, indices, ranking) against the reference's own
results (fixtures/file_search/ref_scores.jsonl, captured from the 0.136.0 app-server) and against
each other."""
from __future__ import annotations

import os
import random

import pytest
from fs_helpers import import_compiled, ref_scores, twin_module

from codex.file_search.index import PathStore
from codex.file_search.pattern import parse


@pytest.fixture(params=["pure", "compiled"])
def twin(request):
    return twin_module(request.param)


def test_compiled_twin_is_built():
    """CI sets CODEX_EXPECT_COMPILED=1: there a missing compiled twin is a failure."""
    mod = import_compiled()
    if mod is None:
        if os.environ.get("CODEX_EXPECT_COMPILED") == "1":
            pytest.fail("CODEX_EXPECT_COMPILED=1 but codex.file_search._match_c is not built")
        pytest.skip("compiled twin not built")
    from codex.file_search import match
    expected = "pure" if os.environ.get("CODEX_NO_EXTENSIONS", "") not in ("", "0") else "compiled"
    assert match.IMPLEMENTATION == expected


# results captured from the reference (the app-server transcripts and probes)
@pytest.mark.parametrize("query, path, score, indices", [
    ("help", "src/util/helpers.py", 109, [9, 10, 11, 12]),
    ("mn", "src/main.py", 46, [4, 7]),
    ("guide", "docs/guide.txt", 134, [5, 6, 7, 8, 9]),
    ("s", ".hidden/secret.txt", 34, [8]),          # after '/': boundary bonus 9, doubled
    ("e", ".env", 32, [1]),                        # after '.': 8, doubled
    ("a", "README.md", 16, [2]),                   # no bonus inside a word
    ("/", "src/main.py", 16, [3]),                 # the delimiter itself earns nothing
    ("src", "src/util", 84, [0, 1, 2]),
    ("READ", "packages/card/reader_progress.toml", 109, [14, 15, 16, 17]),   # case ignored
])
def test_known_reference_results(twin, query, path, score, indices):
    assert twin.pattern_match(parse(query), path, True) == (score, indices)


def test_reference_golden_scores(twin):
    """Every result of ~100 queries over ASCII and Unicode trees, as the reference scored it."""
    bad = []
    rows = ref_scores()
    assert len(rows) > 1000
    for row in rows:
        got = twin.pattern_match(parse(row["query"]), row["path"], True)
        if got is None or got[0] != row["score"] or got[1] != row["indices"]:
            bad.append((row["query"], row["path"], row["score"], row["indices"], got))
    assert not bad, bad[:10]


@pytest.mark.parametrize("query, path", [
    ("zzz", "hello"), ("ab", "ba"), ("abc", "ab"), ("é", "e"), ("!hello", "hello"), ("^b", "ab"),
    ("a$", "ab"), ("^ab$", "abc"), ("'ac", "abc"),
])
def test_non_matches(twin, query, path):
    assert twin.pattern_match(parse(query), path) is None


def test_negation_and_empty_pattern(twin):
    assert twin.pattern_match(parse("!zz"), "abc", True) == (0, [])
    assert twin.pattern_match(parse(""), "abc", True) == (0, [])
    assert twin.pattern_match(parse("a !zz"), "abc", True)[1] == [0]


def test_consecutive_and_camel_case(twin):
    # a run keeps the bonus of its first character; camelCase humps earn 5
    s1 = twin.pattern_match(parse("fb"), "fooBar")[0]
    s2 = twin.pattern_match(parse("fb"), "foobar")[0]
    assert s1 > s2
    s3 = twin.pattern_match(parse("oba"), "foo/bar")[0]
    assert s3 == twin.pattern_match(parse("oba"), "foo/bar", True)[0]
    assert twin.pattern_match(parse("oba"), "foo/bar", True)[1] == [2, 4, 5]


def test_long_paths_fall_back_to_greedy(twin):
    """Beyond nucleo's matrix slab (haystack x needle > 100k cells) the greedy matcher answers;
    both twins agree."""
    path = "/".join(f"segment{i:03d}_directory" for i in range(120)) + "/target.txt"
    q = "s" * 3 + "target" + "x" * 0
    r = twin.pattern_match(parse("segmentdirectorytarget" * 3), path, True)
    other = twin_module("pure").pattern_match(parse("segmentdirectorytarget" * 3), path, True)
    assert r == other
    assert twin.pattern_match(parse(q), path) is not None


def _store(paths, dirs=None):
    st = PathStore()
    st.add(paths, dirs or [False] * len(paths))
    return st


def test_search_store_ranking(twin):
    paths = ["b_path", "a_path", "zzz", "sub/a_path", "x/y/z/a_path_long"]
    st = _store(paths)
    ids, best = twin.search_store(parse("path"), st, None, 3)
    assert sorted(ids) == [0, 1, 3, 4]
    # equal scores: shorter first, then bytes (upstream: nucleo's length/walk order)
    assert [paths[i] for i, _ in best] == ["a_path", "b_path", "sub/a_path"]
    assert twin.top_k(st, ids, [10, 10, 10, 10], 2) == [1, 0]


def test_dead_entries_and_candidates(twin):
    st = _store(["alpha", "beta", "alphabet"])
    st.kill([0])
    ids, _ = twin.search_store(parse("al"), st)
    assert list(ids) == [2]
    from array import array
    ids, _ = twin.search_store(parse("a"), st, array("I", [1]))
    assert list(ids) == [1]


def _random_paths(rng, n):
    words = ["src", "lib", "main", "util", "Helper", "readMe", "index", "test", "a", "b_c", "x-y",
             "café", "über", "日本", "data2", "v10", "HTTPServer", ".env", ".git", "conf.d", "tab\tx"]
    out = set()
    while len(out) < n:
        parts = [rng.choice(words) + rng.choice(["", "", "s", "_x", ".py", ".ts", "2"])
                 for _ in range(rng.randint(1, 5))]
        out.add("/".join(parts))
    return sorted(out)


def test_twins_agree_on_random_queries():
    compiled = import_compiled()
    if compiled is None:
        pytest.skip("compiled twin not built")
    pure = twin_module("pure")
    rng = random.Random(5)
    paths = _random_paths(rng, 700)
    st = _store(paths)
    alphabet = "abcdefhilmnprstuxy_./-2ABCé日 '^$!"
    queries = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))) for _ in range(90)]
    queries += ["src", "main py", "sr/ut", "readme", "v1", "日本", "ü", "a b c", "!src util"]
    for q in queries:
        atoms = parse(q)
        a_ids, a_best = pure.search_store(atoms, st, None, 20)
        b_ids, b_best = compiled.search_store(atoms, st, None, 20)
        assert sorted(a_ids) == sorted(b_ids), q
        assert a_best == b_best, q
        a = sorted(zip(*pure.score_store(atoms, st)))
        b = sorted(zip(*compiled.score_store(atoms, st)))
        assert a == b, q
        for i, _ in a_best[:5]:
            assert pure.pattern_match(atoms, paths[i], True) == compiled.pattern_match(atoms, paths[i], True), (q, paths[i])


def test_scan_dir_twins_agree(tmp_path):
    compiled = import_compiled()
    pure = twin_module("pure")
    (tmp_path / "d").mkdir()
    (tmp_path / "f.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("x")
    (tmp_path / ".ignore").write_text("x")
    os.symlink("d", tmp_path / "ld")
    os.symlink("f.txt", tmp_path / "lf")
    os.symlink("/definitely/missing", tmp_path / "broken")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / os.fsdecode(b"bad\xffname")).write_text("x")
    names, kinds, marks = pure.scan_dir(os.fsencode(tmp_path))
    got = dict(zip(names, kinds))
    assert got == {"d": 1, "f.txt": 0, ".git": 1, ".gitignore": 0, ".ignore": 0, "ld": 2, "lf": 3, "fifo": 0}
    assert marks == 1 | 4 | 8
    assert pure.scan_dir(os.fsencode(tmp_path / "missing")) is None
    if compiled is not None:
        c_names, c_kinds, c_marks = compiled.scan_dir(os.fsencode(tmp_path))
        assert dict(zip(c_names, c_kinds)) == got and c_marks == marks
