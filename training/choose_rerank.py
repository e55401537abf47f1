"""Choose ``Retriever.rerank``: how many candidates of a question in the multilingual space get
their sentences embedded at question time (that space keeps no sentence vectors, issue 29).

    python training/choose_rerank.py --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json

Chosen on the reader's held-out *train* articles (the dev sets, XQuAD with them, are for
evaluation only): their paragraphs indexed as the bot indexes them, and asked in the
multilingual space (1) the Russian and German translations of ``training/data/`` and (2) a
sample of the articles' own English questions, as a question in another language is asked
(no BM25 across languages). Each ranking is compared with the one every sentence's stored
vector gives (the index as built before issue 29): paragraph R@1 and R@5. The smallest
``rerank`` within ``--tolerance`` of it on both, over all the questions, is chosen.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_reader

import qa
from qa.apps.evaluation import document_rank, squad_documents
from qa.models import reading
from qa.models.embedding import embedder_for
from qa.pipeline.question import analyze
from qa.settings import MULTILINGUAL_MODEL
from qa.store.storage import sha256_file

ACROSS = "und"  # a question language no document has: no BM25, as across languages
TRANSLATED = Path(__file__).parent / "data" / "translated_questions.jsonl"
CHOICES = (3, 5, 8, 10, 15, 20)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=Path, required=True, help="SQuAD v1.1 train JSON")
    p.add_argument("--articles", type=int, default=8, help="held-out articles indexed (default: %(default)s)")
    p.add_argument("--english", type=int, default=600, help="English questions sampled (default: %(default)s)")
    p.add_argument("--tolerance", type=float, default=0.005)
    p.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "qa-choose-rerank")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "rerank.json")
    args = p.parse_args(argv)
    record = json.loads(reading.WEIGHTS.with_suffix(".json").read_text(encoding="utf-8"))
    hyper = train_reader.Hyper.recorded(record["hyperparameters"])
    data = json.loads(args.train.read_text(encoding="utf-8"))
    _, held = train_reader.split_articles(data, hyper.holdout_articles, hyper.seed)
    docs, questions = squad_documents({"data": held[:args.articles]})
    doc_of = {q["id"]: q["doc_id"] for q in questions}
    index = qa.build_index(docs, args.index, progress=False, multilingual_pass="now")
    e5 = embedder_for(MULTILINGUAL_MODEL)

    asked: list[tuple[str, str, str]] = []  # (set, question, gold paragraph)
    for row in (json.loads(line) for line in TRANSLATED.read_text(encoding="utf-8").splitlines() if line.strip()):
        if row["kind"] == "answerable" and row["id"] in doc_of:
            asked += [(language, row[language], doc_of[row["id"]]) for language in ("ru", "de")]
    asked += [("en", q["question"], q["doc_id"])
              for q in random.Random(hyper.seed).sample(questions, min(args.english, len(questions)))]
    vectors = e5.encode_queries([q for _, q, _ in asked])
    analyzed = [dataclasses.replace(analyze(index, q), language=ACROSS, space=MULTILINGUAL_MODEL,
                                    vectors={MULTILINGUAL_MODEL: v})
                for (_, q, _), v in zip(asked, vectors, strict=True)]

    def figures(retriever: qa.Retriever, on: qa.Index) -> dict:
        ranks = [document_rank(on, retriever.retrieve(on, q).chunks, gold)
                 for q, (_, _, gold) in zip(analyzed, asked, strict=True)]
        out = {}
        for name in ("all", "ru", "de", "en"):
            picked = [r for r, (s, _, _) in zip(ranks, asked, strict=True) if name in ("all", s)]
            out[name] = {"questions": len(picked), "R@1": round(float(np.mean([r == 1 for r in picked])), 4),
                         "R@5": round(float(np.mean([0 < r <= 5 for r in picked])), 4)}
        return out

    stored = qa.load_index(args.index)  # every sentence's vector kept, as before issue 29
    every = stored.sentence_vectors(MULTILINGUAL_MODEL, np.arange(len(stored.sentences)))
    stored.store.vectors(MULTILINGUAL_MODEL)._sentences = np.ascontiguousarray(every, np.float32)
    baseline = figures(qa.Retriever(), stored)
    print("stored", baseline, flush=True)
    runs = {}
    for rerank in CHOICES:
        runs[rerank] = figures(qa.Retriever(rerank=rerank), qa.load_index(args.index))
        print(rerank, runs[rerank], flush=True)
    chosen = next((r for r in CHOICES if all(runs[r]["all"][k] >= baseline["all"][k] - args.tolerance
                                             for k in ("R@1", "R@5"))), CHOICES[-1])
    report = {"chosen": chosen, "tolerance": args.tolerance, "stored_sentence_vectors": baseline,
              "rerank": {str(r): v for r, v in runs.items()}, "articles": [a["title"] for a in held[:args.articles]],
              "train_sha256": sha256_file(args.train), "seed": hyper.seed}
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"chosen": chosen}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
