"""The Milvus store against the index folder, side by side in one run.

    python bench/milvus.py [--questions 2000] [--scale 1000000] [--out bench/milvus.json]

1. SQuAD v1.1 dev, all 2,067 paragraphs as documents, the first ``--questions`` questions: R@1,
   R@5 and MRR@10 of the paragraph that holds the answer, and ``search`` and ``ask`` p50, on the
   folder and on milvus-lite. Both indexes hold the same vectors (the Milvus one is built over a
   copy of the folder, so nothing is embedded twice); English questions only, so neither is built
   with the multilingual vectors.
2. ``--scale`` synthetic clustered 384-d vectors (as ``bench/speed.py``'s): insert throughput and
   search p50 (top 10) on milvus-lite FLAT, beside the folder's exact FAISS search of the same
   vectors in the same run (recall of each against exact).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import qa  # noqa: E402
from qa.apps.evaluation import document_rank, retrieval_figures, squad_documents  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "squad-v1.1-dev" / "dev-v1.1.rebuilt.json"


def side_by_side(path: Path, n_questions: int, work: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    docs, questions = squad_documents(data)
    questions = questions[:n_questions]
    started = time.perf_counter()
    folder = qa.build_index(docs, work / "folder", settings=qa.Settings(multilingual=False), progress=True)
    built = {"folder_build_s": time.perf_counter() - started}
    shutil.copytree(work / "folder", work / "milvus")
    started = time.perf_counter()
    milvus = qa.build_index(docs, work / "milvus", progress=False,
                            settings=qa.Settings(multilingual=False, milvus_uri=str(work / "milvus" / "milvus.db")))
    built["milvus_build_from_the_same_vectors_s"] = time.perf_counter() - started
    out = {"paragraphs": len(docs), "questions": len(questions), **built}
    for name, index in (("folder", folder), ("milvus", milvus)):
        retriever, bot = qa.Retriever(), qa.Chatbot(index)
        ranks, search_ms, ask_ms = [], [], []
        for q in questions:
            start = time.perf_counter()
            ranking = retriever.retrieve(index, q["question"])
            ranking.passages(index, index.settings.k)
            search_ms.append((time.perf_counter() - start) * 1000)
            ranks.append(document_rank(index, ranking.chunks, q["doc_id"]))
            start = time.perf_counter()
            bot.ask(q["question"])
            ask_ms.append((time.perf_counter() - start) * 1000)
        out[name] = {**retrieval_figures(ranks), "search_ms_p50": float(np.median(search_ms)),
                     "ask_ms_p50": float(np.median(ask_ms))}
        print(name, json.dumps(out[name]), flush=True)
    return out


def scale(n: int, work: Path) -> dict:
    from pymilvus import DataType, MilvusClient
    from speed import synthetic

    from qa.store.vectors import VectorStore

    data, queries = synthetic(n, "clustered")
    folder = VectorStore.build(np.arange(n), data, np.zeros((0, data.shape[1]), np.float32), approximate_above=n)
    truth = [set(folder.search(v, 10)[1].tolist()) for v in queries]
    client = MilvusClient(str(work / "scale.db"))
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=int(data.shape[1]))
    params = client.prepare_index_params()
    params.add_index("v", index_type="FLAT", metric_type="IP")
    client.create_collection("scale", schema=schema, index_params=params)
    started = time.perf_counter()
    for first in range(0, n, 1000):  # milvus-lite takes 1,000 rows a call at ~15,000/s, 5,000 at ~300/s
        client.insert("scale", [{"id": i, "v": data[i]} for i in range(first, min(n, first + 1000))])
    client.load_collection("scale")
    insert_s = time.perf_counter() - started

    def measure(search) -> tuple[float, float]:
        ms, recall = [], []
        for v, t in zip(queries, truth, strict=True):
            start = time.perf_counter()
            ids = search(v)
            ms.append((time.perf_counter() - start) * 1000)
            recall.append(len(t & set(ids)) / 10)
        return float(np.median(ms)), float(np.mean(recall))

    milvus_ms, milvus_recall = measure(lambda v: [h["id"] for h in client.search(
        "scale", data=[v.tolist()], anns_field="v", limit=10, search_params={"metric_type": "IP"})[0]])
    folder_ms, _ = measure(lambda v: folder.search(v, 10)[1].tolist())
    client.close()
    return {"n": n, "data": "clustered", "milvus_insert_s": insert_s, "milvus_inserts_per_s": n / insert_s,
            "milvus_flat_ms_p50": milvus_ms, "milvus_recall@10": milvus_recall, "folder_flat_ms_p50": folder_ms}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", type=Path, default=DEV, help="the SQuAD file whose paragraphs and questions to use")
    p.add_argument("--questions", type=int, default=2000)
    p.add_argument("--scale", type=int, default=1_000_000)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "milvus.json")
    args = p.parse_args(argv)
    results = {"machine": f"{__import__('os').cpu_count()} cores", "when": time.strftime("%Y-%m-%d %H:%M")}
    with tempfile.TemporaryDirectory() as tmp:
        results["squad"] = {"file": args.squad.name, **side_by_side(args.squad, args.questions, Path(tmp))}
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        if args.scale:
            results["scale"] = scale(args.scale, Path(tmp))
            print(json.dumps(results["scale"]), flush=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
