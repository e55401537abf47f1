"""Choose when the bot declines a question that the reader does not read: ``qa/models/quote.json``.

    python training/choose_quote_threshold.py --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json

A question not in English (or over a passage not in English) is answered by quoting the best
passage's sentence nearest to it in the multilingual model's space
(``qa.pipeline.answering.quote_nearest_sentence``), or declined. Cosines across languages run lower
than within one (a Russian question and the English sentence that answers it score about
0.03 below the same question in English), so the score is the cosine to the sentence *minus*
the question's mean cosine to background sentences: English sentences from unrelated train
articles, one per paragraph. That mean drops with the language as the cosine to the answer
does, and what is left transfers across languages. Only the background's mean vector is
kept (the mean of the cosines is the cosine to it).

The dev sets (XQuAD with them) are for evaluation only, so the threshold on that score is
chosen on the reader's held-out *train* articles (their paragraphs indexed as the bot indexes),
with questions translated by hand into Russian and German (``training/data/``): 60 of those
articles' own (answerable: right when the quoted sentence holds the gold answer) and 60 of
other train articles (out of scope: to be declined), asked the way the bot asks them. The
threshold maximizes the mean over the two halves, weighted equally. The same figures for
600 + 600 English questions asked the same way (multilingual vectors, no BM25, no reader) are
reported beside. The background is drawn from articles that are none of those.
"""

from __future__ import annotations

import argparse
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
from qa.apps.evaluation import holds_gold, squad_documents
from qa.ingest.text import split_sentences
from qa.models import reading
from qa.models.embedding import embedder_for
from qa.pipeline import answering
from qa.settings import MULTILINGUAL_MODEL
from qa.store.storage import sha256_file

NOT_A_LANGUAGE = "und"  # a question language no document has: the cross-language path
TRANSLATED = Path(__file__).parent / "data" / "translated_questions.jsonl"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=Path, required=True, help="SQuAD v1.1 train JSON")
    p.add_argument("--articles", type=int, default=8, help="held-out articles indexed (default: %(default)s)")
    p.add_argument("--questions", type=int, default=600, help="answerable questions, and as many out of scope")
    p.add_argument("--background", type=int, default=256, help="background sentences (default: %(default)s)")
    p.add_argument("--out", type=Path, default=answering.QUOTE_RECORD)
    p.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "qa-choose-quote",
                   help="where the held-out paragraphs are indexed (kept: a second run embeds nothing again)")
    args = p.parse_args(argv)
    record = json.loads(reading.WEIGHTS.with_suffix(".json").read_text(encoding="utf-8"))
    hyper = train_reader.Hyper.recorded(record["hyperparameters"])
    data = json.loads(args.train.read_text(encoding="utf-8"))
    train, held = train_reader.split_articles(data, hyper.holdout_articles, hyper.seed)
    held = held[:args.articles]
    rng = random.Random(hyper.seed)
    rng.shuffle(train)
    out_of_scope_articles, background_articles = train[:len(train) // 2], train[len(train) // 2:]

    paragraphs = [p["context"] for a in background_articles for p in a["paragraphs"]]
    sentences = []
    for context in rng.sample(paragraphs, args.background):
        a, b = rng.choice(split_sentences(context, 600))
        sentences.append(context[a:b])
    background = embedder_for(MULTILINGUAL_MODEL).encode_documents(sentences).vectors.mean(axis=0)

    docs, questions = squad_documents({"data": held})
    gold = {q["id"]: q["answers"] for q in questions}
    answerable = rng.sample(questions, min(args.questions, len(questions)))
    _, others = squad_documents({"data": out_of_scope_articles})
    out_of_scope = rng.sample(others, len(answerable))
    translated = [json.loads(line) for line in TRANSLATED.read_text(encoding="utf-8").splitlines() if line.strip()]
    if any(t["kind"] == "answerable" and t["id"] not in gold for t in translated):
        raise SystemExit(f"{TRANSLATED} names questions outside the {args.articles} held-out articles")
    index = qa.build_index(docs, args.index, progress=False)
    retriever = qa.Retriever()

    def ask(question: str, answers: list[str] | None, language: str) -> tuple[float, bool]:
        """The question's score and whether the quoted sentence holds a gold answer."""
        ranking = retriever.retrieve(index, question, language=language)
        assert index.dense(language)[1].name == MULTILINGUAL_MODEL
        row, cosine = answering.nearest_sentence(index, ranking, ranking.passages(index, 1)[0])
        right = answers is not None and holds_gold(index.sentence_text(row), answers)
        return cosine - float(background @ ranking.vector), right

    def rates(cases: list[tuple[float, bool, bool]], t: float) -> tuple[float, float]:
        """At threshold ``t``: answerable questions quoted right, out-of-scope ones declined."""
        scores_a = np.array([c[0] for c in cases])
        right_a, answerable_a = np.array([c[1] for c in cases]), np.array([c[2] for c in cases])
        answered = scores_a >= t
        return float((answered & right_a)[answerable_a].mean()), float((~answered)[~answerable_a].mean())

    def choose(cases: list[tuple[float, bool, bool]]) -> dict:
        """The threshold that maximizes the mean of answerable-right and out-of-scope-declined."""
        scores_a = np.array([c[0] for c in cases])
        right_a, answerable_a = np.array([c[1] for c in cases]), np.array([c[2] for c in cases])
        best = None
        for t in np.round(np.arange(0.0, 0.30, 0.0025), 4):
            has, no = rates(cases, float(t))
            if best is None or (has + no) / 2 > best["balanced_score"]:
                best = {"threshold": float(t), "balanced_score": round((has + no) / 2, 4),
                        "answerable_quote_holds_gold": round(has, 4), "out_of_scope_declined": round(no, 4)}
        return {**best, "answerable": int(answerable_a.sum()), "out_of_scope": int((~answerable_a).sum()),
                "quote_holds_gold_always_answering": round(float(right_a[answerable_a].mean()), 4),
                "score_median_answerable": round(float(np.median(scores_a[answerable_a])), 4),
                "score_median_out_of_scope": round(float(np.median(scores_a[~answerable_a])), 4)}

    per_language = {}
    for language in ("ru", "de"):
        # The language named, not told: a few translations keep an English title ("What's Opera,
        # Doc?") and would be taken for English, ranked in the other model's space.
        per_language[language] = [(*ask(t[language], gold.get(t["id"]) if t["kind"] == "answerable" else None,
                                        language), t["kind"] == "answerable") for t in translated]
    english = [(*ask(q["question"], q["answers"], NOT_A_LANGUAGE), True) for q in answerable]
    english += [(*ask(q["question"], None, NOT_A_LANGUAGE), False) for q in out_of_scope]
    chosen = choose(per_language["ru"] + per_language["de"])
    at_threshold = {}
    for name, cases in (("ru", per_language["ru"]), ("de", per_language["de"]), ("en", english)):
        has, no = rates(cases, chosen["threshold"])
        at_threshold[name] = {"answerable_quote_holds_gold": round(has, 4), "out_of_scope_declined": round(no, 4),
                              "best_for_this_language": choose(cases)}
    result = {
        "model": MULTILINGUAL_MODEL,
        "threshold": chosen["threshold"],
        "note": "decline when cos(question, best sentence) - cos(question, background) < threshold "
                "(multilingual vectors); chosen by training/choose_quote_threshold.py on hand-translated "
                "Russian and German questions over held-out train articles",
        "held_out": {"paragraphs": len(docs), "ru_and_de": chosen, "at_the_threshold": at_threshold},
        "seed": hyper.seed, "held_out_articles": args.articles, "background_sentences": len(sentences),
        "translated_questions": TRANSLATED.name, "translated_questions_sha256": sha256_file(TRANSLATED),
        "train_data": args.train.name, "train_data_sha256": sha256_file(args.train),
        "background": [round(float(x), 6) for x in background],
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "background"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
