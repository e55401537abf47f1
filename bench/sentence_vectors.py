"""Do sentence vectors earn their cost? Paragraph R@1/R@5 on held-out SQuAD *train* articles.

    python bench/sentence_vectors.py [--chunk-size 600] [--limit N]

The articles are the 22 the reader's training holds out (same seed): a choice made here is
never made on the dev sets. Three ways to score a candidate's best sentence by cosine, in
one run over one index: each sentence embedded on its own (two passes per build, the old
way), the sentence's vector taken from its chunk's pass (the mean of its tokens, one pass),
and no sentence cosine at all (BM25 of the best sentence only).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

TRAIN = ROOT.parent / "shared" / "data" / "squad-v1.1-train" / "train-v1.1.rebuilt.json"


def main() -> None:
    from train_reader import Hyper, split_articles

    import qa
    from qa.apps.evaluation import document_rank, retrieval_figures, squad_documents
    from qa.pipeline import retrieval

    p = argparse.ArgumentParser()
    p.add_argument("--chunk-size", type=int, default=qa.Settings.chunk_size)
    p.add_argument("--limit", type=int)
    args = p.parse_args()
    if not TRAIN.is_file():
        sys.exit(f"{TRAIN} is missing: SQuAD v1.1 train, rebuilt as ../shared/tools/squad_from_explorer.py does")
    data = json.loads(TRAIN.read_text())
    _, held = split_articles(data, Hyper.holdout_articles, Hyper.seed)
    docs, questions = squad_documents({"data": held})
    questions = questions[:args.limit]
    settings = qa.Settings(chunk_size=args.chunk_size, chunk_overlap=min(150, args.chunk_size // 4))
    started = time.perf_counter()
    index = qa.build_index(docs, Path(tempfile.mkdtemp()) / "ix", settings=settings, progress=False)
    build_s = time.perf_counter() - started
    rows = np.arange(len(index.sentences))
    started = time.perf_counter()
    alone = index.embedder.encode_documents([index.sentence_text(int(r)) for r in rows]).vectors
    alone_s = time.perf_counter() - started
    derived = index.vectors._sentences.copy()
    ranks = {"sentences embedded alone": [], "sentences from the chunk pass": [], "no sentence cosine": []}
    for q in questions:
        for name in ranks:
            index.vectors._sentences = alone if name.endswith("alone") else derived
            weights = retrieval.Weights(sentence_dense=0.0) if name.startswith("no") else retrieval.DEFAULT_WEIGHTS
            ranking = retrieval.Retriever(weights=weights).retrieve(index, q["question"])
            ranks[name].append(document_rank(index, ranking.chunks, q["doc_id"]))
    out = {"articles": len(held), "paragraphs": len(docs), "questions": len(questions), "chunks": len(index.chunks),
           "sentences": len(rows), "chunk_size": args.chunk_size, "build_s": round(build_s, 1),
           "extra_s_to_embed_sentences_alone": round(alone_s, 1),
           **{name: retrieval_figures(r) for name, r in ranks.items()}}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
