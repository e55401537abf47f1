"""Quality benchmark: retrieval and answers on SQuAD v1.1/v2.0 dev and the article set.

    python bench/quality.py [--limit N] [--cache DIR]

For every SQuAD question, in one pass over one query embedding: the rank of its own paragraph
under BM25 alone, dense (FAISS) alone, RRF of the two (the usual "hybrid"), the weighted fusion
of chunk scores, and the shipped ranking (which adds each passage's best sentence); then the
answer. Writes bench/quality.json and rewrites BENCHMARKS.md. SQuAD is read from
../shared/data/; download the dev sets from https://rajpurkar.github.io/SQuAD-explorer/
(dev-v1.1.json, dev-v2.0.json) if it is missing. Never run as a test.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from report import ROOT, SHARED, load, machine, write_report  # bench/ is on sys.path when run as a script
from tqdm import tqdm

SQUAD = {
    "SQuAD v1.1 dev": SHARED / "data" / "squad-v1.1-dev" / "dev-v1.1.rebuilt.json",
    "SQuAD v2.0 dev": SHARED / "data" / "squad-v2.0-dev" / "dev-v2.0.rebuilt.json",
}
ARTICLE_SET = SHARED / "eval" / "article_dev.jsonl"
RANKERS = ("bm25", "dense", "rrf", "weighted_chunks", "final")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def rankings(index, ranking, candidates: int = 50) -> dict[str, np.ndarray]:
    """Chunk orderings of each ranker for one question (reusing the shipped ranking's work).

    Reads the index's private FAISS and BM25 members: the baselines must search exactly the
    vectors and tokens the shipped ranking searches.
    """
    from qa.retrieval import DEFAULT_WEIGHTS, normalize_max, rrf

    lexical = index._chunk_lexical.scores(ranking.terms)
    bm25 = np.argsort(-lexical, kind="stable")[:candidates]
    bm25 = bm25[lexical[bm25] > 0]
    _, dense = index._vectors.search(ranking.vector, candidates)
    fused = rrf([dense, bm25], len(index.chunks))
    pool = np.unique(np.concatenate([dense, bm25]).astype(np.int64))
    weighted = (DEFAULT_WEIGHTS.dense * (index._vectors.get(pool) @ ranking.vector)
                + DEFAULT_WEIGHTS.lexical * normalize_max(lexical[pool]))
    return {"bm25": bm25, "dense": dense, "rrf": pool[np.argsort(-fused[pool], kind="stable")],
            "weighted_chunks": pool[np.argsort(-weighted, kind="stable")], "final": ranking.chunks}


def roc_auc(positive: list[float], negative: list[float]) -> float:
    """P(a random positive scores above a random negative), ties counted half."""
    p, n = np.sort(np.array(positive)), np.sort(np.array(negative))
    if not len(p) or not len(n):
        return float("nan")
    below = np.searchsorted(n, p, side="left")
    ties = np.searchsorted(n, p, side="right") - below
    return float((below + 0.5 * ties).sum() / (len(p) * len(n)))


def squad(name: str, path: Path, cache: Path, limit: int | None) -> dict:
    import qa
    from qa.evaluation import contains_answer, document_rank, retrieval_figures, squad_documents, squad_index

    docs, questions = squad_documents(json.loads(path.read_text(encoding="utf-8")))
    index = squad_index(path, docs, cache / path.stem)
    bot = qa.Chatbot(index)
    questions = questions[:limit] if limit else questions
    ranks: dict[str, list[int]] = {r: [] for r in RANKERS}
    correct, conf_answerable, conf_impossible = [], [], []
    for q in tqdm(questions, desc=name, unit="q", mininterval=5):
        answer, ranking = bot.ask_with_ranking(q["question"])
        if q["impossible"]:
            conf_impossible.append(answer.confidence)
            continue
        for ranker, chunks in rankings(index, ranking).items():
            ranks[ranker].append(document_rank(index, chunks, q["doc_id"]))
        correct.append(contains_answer(answer, q["answers"]))
        conf_answerable.append(answer.confidence)
    threshold = index.settings.abstain_below
    out = {"name": name, "file": path.name, "paragraphs": len(docs), "chunks": len(index.chunks),
           "questions": len(questions), "answerable": len(correct),
           "retrieval": {r: retrieval_figures(v) for r, v in ranks.items()},
           "answer_contains_gold": float(np.mean(correct)),
           "wrongly_declined": float(np.mean(np.array(conf_answerable) < threshold))}
    if conf_impossible:
        ans, imp = np.array(conf_answerable), np.array(conf_impossible)
        out |= {"unanswerable": len(imp),
                "declined_unanswerable": float(np.mean(imp < threshold)),
                "confidence_auc": roc_auc(conf_answerable, conf_impossible),
                "thresholds": [{"abstain_below": t, "declined_unanswerable": float(np.mean(imp < t)),
                                "wrongly_declined": float(np.mean(ans < t))} for t in THRESHOLDS]}
    return out


def article() -> dict:
    import qa
    from qa.evaluation import evaluate_jsonl

    path = ARTICLE_SET if ARTICLE_SET.exists() else ROOT / "tests" / "data" / "article_dev.jsonl"
    index = qa.build_index(None, Path(__import__("tempfile").mkdtemp()) / "article", progress=False)
    report = evaluate_jsonl(path, index)
    misses = [{"id": r["id"], "kind": r["kind"], "question": r["question"], "answer": r["answer"]}
              for r in report["results"] if not r["correct"]]
    return {"file": path.name, **report["summary"], "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions of each SQuAD file")
    parser.add_argument("--cache", type=Path, default=ROOT / ".qa-eval", help="where the SQuAD indexes are kept")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "quality.json")
    args = parser.parse_args()
    missing = [str(p) for p in SQUAD.values() if not p.exists()]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: download the SQuAD dev sets from "
                         "https://rajpurkar.github.io/SQuAD-explorer/ into ../shared/data/")
    results = {"machine": machine(), "article": article(),
               "squad": [squad(name, path, args.cache, args.limit) for name, path in SQUAD.items()]}
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    write_report(quality=results, speed=load(ROOT / "bench" / "results.json"))
    print(json.dumps({k: v for k, v in results.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
