"""Fuzzy file search: ours vs the reference Codex 0.136.0 app-server on the same 100k-file tree.

    python benchmarks/bench_file_search.py [--files 100000] [--tree DIR] [--runs 5] [--json PATH]

The tree is generated once (fixtures/file_search/treegen.py, deterministic; ~100k visible files,
~10k directories, plus ignored node_modules/build/.cache/*.log content) under
/work/scratch-fs/bench-file-search/ unless --tree says otherwise, and reused.

Cases (medians; target ratio ours/ref, reported, never asserted):

  index build      <= 0.5   ref: a `fuzzyFileSearch` that matches nothing (the reference walks
                            on every request); ours: FileIndex(...).build() (walk into the store)
  query (typing)   <= 0.5   each prefix of a few words typed into a search session: ref from
                            `fuzzyFileSearch/sessionUpdate` to the first `sessionUpdated`
                            notification carrying the query (JSON-RPC round trip included; the
                            time to its last update is recorded too); ours from `update_query`
                            to the reporter's update, with the notification's JSON encoded
  one-shot query   (info)   `fuzzyFileSearch` per query: the reference walks every time, ours
                            answers from the shared, watched index
  RSS after index  <= 1.0   resident memory of the process holding the index: the app-server
                            after its session walked the tree; ours, a fresh Python process
                            after FileIndex.build() (interpreter and modules included)

Ours runs in a child process (clean memory figures) driven line by line, alternating with the
reference. The reference runs in the parity sandbox (tests/parity/reference.py: own HOME and
CODEX_HOME, config keeping it off the network).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "file_search"
for p in (REPO / "tests", FIXTURES):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

TYPED_WORDS = ["main", "helper", "components", "controller", "util", "search", "src/comp",
               "readme", "index.js", "handler", "test.ts", "cfg"]
ONE_SHOT = ["main", "util", "components", "readme", "handler", "src/comp", "cfg", "test.ts"]
TARGETS = {"index build": 0.5, "query (typing)": 0.5, "RSS after index": 1.0}


# ---------------------------------------------------------------------------------------------
# the child: ours, driven over stdin/stdout

def child_main() -> int:
    src = REPO / "src"
    if (src / "codex").is_dir() and str(src) not in sys.path:
        sys.path.insert(0, str(src))
    from codex.file_search import match
    from codex.file_search.api import wire_files
    from codex.file_search.index import FileIndex
    from codex.file_search.session import FileSearchSession
    import threading

    root = None
    index = None
    session = None
    reporter_event = threading.Event()
    last = {}

    class Reporter:
        def on_update(self, result):
            payload = {"method": "fuzzyFileSearch/sessionUpdated",
                       "params": {"sessionId": "bench", "query": result.query, "files": wire_files(result)}}
            last["json"] = json.dumps(payload)
            last["query"] = result.query
            last["n"] = len(result.matches)
            if result.walk_complete:
                last["t"] = time.perf_counter()
                reporter_event.set()

        def on_complete(self):
            pass

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply({"ready": True, "implementation": match.IMPLEMENTATION})
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "root":
            root = cmd["root"]
            reply({})
        elif op == "build":
            t0 = time.perf_counter()
            idx = FileIndex([root]).build()
            dt = time.perf_counter() - t0
            reply({"s": dt, "entries": idx.store.live(), "bytes": idx.store.nbytes()})
            del idx
        elif op == "session":
            if session is not None:
                session.stop()
            session = FileSearchSession([root], Reporter())
            session.index.wait()
            index = session.index
            reply({"entries": index.store.live()})
        elif op == "type":
            q = cmd["q"]
            reporter_event.clear()
            t0 = time.perf_counter()
            session.update_query(q)
            while True:
                reporter_event.wait(30)
                if last.get("query") == q:
                    break
                reporter_event.clear()
            reply({"s": last["t"] - t0, "n": last["n"]})
        elif op == "oneshot":
            from codex.file_search.api import fuzzy_file_search
            t0 = time.perf_counter()
            files = fuzzy_file_search(cmd["q"], [root])
            json.dumps({"id": 1, "result": {"files": files}})
            reply({"s": time.perf_counter() - t0, "n": len(files)})
        elif op == "rss":
            reply({"kb": _rss_kb(os.getpid())})
        elif op == "quit":
            reply({})
            break
    return 0


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Ours:
    def __init__(self, env: dict):
        self.proc = subprocess.Popen([sys.executable, __file__, "--child"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)
        self.hello = self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("our benchmark child died")
        return json.loads(line)

    def __call__(self, op: str, **kw) -> dict:
        self.proc.stdin.write(json.dumps({"op": op, **kw}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def rss_kb(self) -> int:
        return self("rss")["kb"]

    def close(self) -> None:
        try:
            self("quit")
        except Exception:   # noqa: BLE001
            pass
        self.proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------

def prepare_tree(tree: Path, files: int, seed: int) -> dict:
    from treegen import generate
    marker = tree.parent / (tree.name + ".json")
    if marker.exists() and tree.is_dir():
        stats = json.loads(marker.read_text())
        if stats.get("requested") == files and stats.get("seed") == seed:
            return stats
    if tree.exists():
        import shutil
        shutil.rmtree(tree)
    print(f"generating a {files}-file tree in {tree} ...", flush=True)
    stats = generate(tree, n_files=files, seed=seed)
    stats["requested"] = files
    marker.write_text(json.dumps(stats))
    return stats


def summary(samples: list[float]) -> dict:
    ms = [s * 1000 for s in samples]
    return {"median_ms": round(statistics.median(ms), 3), "min_ms": round(min(ms), 3),
            "max_ms": round(max(ms), 3), "runs_ms": [round(x, 3) for x in ms]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tree", help="where the tree is (generated when missing)")
    ap.add_argument("--runs", type=int, default=5, help="index builds per side (default 5)")
    ap.add_argument("--typing-rounds", type=int, default=3, help="times each word is typed (default 3)")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        return child_main()

    from parity.reference import RefEnv, ReferenceUnavailable, find_reference
    from refclient import RefAppServer

    base = Path("/work/scratch-fs/bench-file-search")
    tree = Path(a.tree) if a.tree else base / f"tree-{a.files}-s{a.seed}"
    tree.parent.mkdir(parents=True, exist_ok=True)
    stats = prepare_tree(tree, a.files, a.seed)
    try:
        ref_bin = str(find_reference())
    except ReferenceUnavailable as exc:
        ref_bin = None
        print(f"reference unavailable: {exc}")
    report: dict = {"tree": str(tree), "tree_stats": stats, "python": sys.version.split()[0],
                    "machine": f"{platform.system()} {platform.machine()}", "cpus": os.cpu_count(),
                    "reference": ref_bin, "results": {}}
    results = report["results"]
    with RefEnv(tag="bench-ffs") as env:
        our_env = {**os.environ, "HOME": str(env.home)}
        our_env.pop("XDG_CONFIG_HOME", None)
        our_env.pop("GIT_CONFIG_GLOBAL", None)
        ours = Ours(our_env)
        report["ours"] = f"{sys.executable} ({ours.hello['implementation']} matcher)"
        ours("root", root=str(tree))
        srv = RefAppServer(env, binary=ref_bin) if ref_bin else None
        try:
            # 1. index build (warm caches: one unmeasured round each)
            ref_b, our_b = [], []
            for i in range(a.runs + 1):
                order = ("ours", "ref") if i % 2 == 0 else ("ref", "ours")
                for side in order:
                    if side == "ours":
                        r = ours("build")
                        if i:
                            our_b.append(r["s"])
                        report["entries"] = r["entries"]
                        report["store_bytes"] = r["bytes"]
                    elif srv is not None:
                        t0 = time.perf_counter()
                        srv.search("zzqqxxjj-no-match", [str(tree)], timeout=120)
                        if i:
                            ref_b.append(time.perf_counter() - t0)
            results["index build"] = {"ours": summary(our_b), "ref": summary(ref_b) if ref_b else None}
            # 2. sessions: walk once, then type
            ours("session")
            if srv is not None:
                srv.session_start("bench", [str(tree)])
                srv.session_query("bench", "zzqqxxjj-warm-up", timeout=120, until_complete=True)
            results["RSS after index"] = {"ours": {"kb": ours.rss_kb()},
                                          "ref": {"kb": srv.rss_kb()} if srv is not None else None}
            ref_q, ref_q_last, our_q = [], [], []
            for rnd in range(a.typing_rounds):
                for w in TYPED_WORDS:
                    for k in range(1, len(w) + 1):
                        q = w[:k]
                        sides = ("ours", "ref") if (rnd + k) % 2 == 0 else ("ref", "ours")
                        for side in sides:
                            if side == "ours":
                                our_q.append(ours("type", q=q)["s"])
                            elif srv is not None:
                                _, first, final = srv.session_query_timed("bench", q)
                                ref_q.append(first)
                                ref_q_last.append(final)
                    # leave the word: a query that shares nothing with the next one
                    ours("type", q="")
                    if srv is not None:
                        srv.session_query("bench", "", until_complete=True)
            results["query (typing)"] = {"ours": summary(our_q), "ref": summary(ref_q) if ref_q else None,
                                         "ref_to_last_update": summary(ref_q_last) if ref_q_last else None,
                                         "keystrokes": len(our_q)}
            # 3. one-shot queries
            ours("oneshot", q="warm")
            ref_o, our_o = [], []
            for q in ONE_SHOT:
                our_o.append(ours("oneshot", q=q)["s"])
                if srv is not None:
                    t0 = time.perf_counter()
                    srv.search(q, [str(tree)], timeout=120)
                    ref_o.append(time.perf_counter() - t0)
            results["one-shot query"] = {"ours": summary(our_o), "ref": summary(ref_o) if ref_o else None}
        finally:
            ours.close()
            if srv is not None:
                srv.close()
    # table
    rows = [("case", "ours", "ref", "ratio", "target", "")]
    for name, r in results.items():
        if name == "RSS after index":
            o, f = r["ours"]["kb"] / 1024, (r["ref"]["kb"] / 1024 if r["ref"] else None)
            unit = "MB"
        else:
            o, f = r["ours"]["median_ms"], (r["ref"]["median_ms"] if r["ref"] else None)
            unit = "ms"
        ratio = round(o / f, 3) if f else None
        r["ratio"] = ratio
        target = TARGETS.get(name)
        r["target"] = target
        verdict = "" if ratio is None or target is None else ("ok" if ratio <= target else "MISSED")
        rows.append((name, f"{o:.1f} {unit}", "n/a" if f is None else f"{f:.1f} {unit}",
                     "n/a" if ratio is None else f"{ratio:.2f}", "-" if target is None else f"<= {target}", verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    print(f"\ntree: {tree} ({report.get('entries')} entries indexed; {stats})")
    print(f"ours: {report.get('ours')}\nreference: {ref_bin}\n")
    for row in rows:
        print("  ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:5], widths[1:5])] + [row[5]]).rstrip())
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(report, indent=1) + "\n")
        print(f"\nwrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
