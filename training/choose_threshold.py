"""Choose the reader's no-answer threshold for the bot as it answers: over retrieved passages.

    python training/choose_threshold.py --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json

``train_reader.py`` chooses ``threshold`` with each question read against one paragraph
(the SQuAD reading task). The bot reads the best five retrieved passages and keeps the best
span of all of them, so a question the documents do not answer gets five chances to find a
plausible span: it needs its own threshold. This script indexes the paragraphs of the same
held-out *train* articles, asks their questions and the unanswerable ones made from them (as
in training) the way ``qa.Chatbot`` does (each paragraph read after its article's title and
lead: ``qa.apps.evaluation.SquadAnswerer``), and writes into the reader's record the weight of
the retriever's passage score beside the reader's margin (``retrieval_weight``) and the
threshold on that sum (``threshold_open``) that maximize F1 on that mix (answerable and
unanswerable each counted as their share of it, about 6 to 1, however many ``--limit``
samples of the answerable ones), with the figures;
then the smallest gap in retrieval score below the best passage (``read_within``) past which a
passage is not read at all, at no loss of F1 on that mix (fewer passages read: a faster
answer); and the margin ceiling (``margin_ceiling``): the bot reads the best passage first,
then only the passages whose retrieval score could lift a span of that margin past its
answer, the lowest ceiling at which neither it nor any higher one loses F1. ``--rows`` keeps
what was read, to choose again without reading.

It also chooses ``threshold``, the one for the reading task itself (``qa eval --reading``:
each question against its own paragraph), on the held-out questions and unanswerable ones
made against their own paragraphs, each kind weighted by the share of SQuAD 2.0's own
unanswerable questions made that way (``SQUAD2_WAYS``). ``train_reader.py`` chose it on a mix
half made of questions against *other* paragraphs, which the reading task never asks, and
which the reader declines almost always: a threshold too low for questions written against
their own paragraph. No dev set is read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_reader

import qa
from qa.apps import squad
from qa.apps.evaluation import SquadAnswerer, squad_documents
from qa.models import reading
from qa.pipeline.answering import answered_span, could_win, numbers_as_written
from qa.pipeline.question import analyze
from qa.store.storage import sha256_file

# How much the retriever's score of a passage counts beside the reader's margin when choosing
# among the spans of the passages read (BERTserini's interpolation); 0: the reader alone. The
# grid reaches 20 because a tried reader chose 8, its old top.
RETRIEVAL_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0)
# Gaps tried for ``read_within``: a passage scored further below the best one is not read.
READ_WITHIN = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
# Margin ceilings tried (``qa.ReaderAnswerer.read``): after the best passage, another is read only
# if a span with this margin would beat the best passage's answer (SQuAD margins reach about 18).
MARGIN_CEILINGS = (8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0)
# How SQuAD 2.0's writers made its unanswerable questions, by share, as annotated over 13,297
# of its *train* questions in SQuAD2-CR (https://antest1.github.io/SQuAD2-CR/): entity swap
# 5,818 and number swap 1,642; negation 1,860; antonym 2,818; mutual exclusion 318 and no
# information 841. Here: the kind of ``train_reader`` negative that is made the same way. An
# entity swap (SQuAD 2.0's paper: an entity, number or noun phrase swapped for another) in three
# equal parts: a name from another article, a name of the paragraph (with the number swaps), and
# a common noun of the paragraph (``nounswap``); antonyms with WordNet's (the list of forty pairs
# fits 3% of questions); no information as a topic the paragraph lacks.
SQUAD2_WAYS = {"swapped": 5818 / 3, "inswap": 5818 / 3 + 1642, "nounswap": 5818 / 3, "negated": 1860.0,
               "antonym": 2818.0, "topic": 1159.0}
# The unanswerable questions of the open setting: as made for the shipped reader's held-out figures.
OPEN_NEGATIVES = 0.5
OPEN_KINDS = train_reader.kinds_for(topic_share=0.1, inswap_share=0.25)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=Path, required=True, help="SQuAD v1.1 train JSON")
    p.add_argument("--weights", type=Path, default=reading.WEIGHTS)
    p.add_argument("--limit", type=int, help="a seeded sample of N held-out questions for the open setting (with every "
                   "unanswerable one, counted as its share of the whole mix)")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--reading-only", action="store_true",
                      help="choose only the reading threshold; leave the choices for retrieved passages as they are")
    only.add_argument("--open-only", action="store_true",
                      help="choose only for retrieved passages; leave the reading threshold as it is")
    p.add_argument("--rows", type=Path, help="keep each held-out question's passages read (margin, retrieval "
                   "score, F1) in this JSON file, and read them from it when it holds this reader's (no reading again)")
    p.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"),
                   help="WordNet's dict folder (Debian's wordnet-base): the reading threshold's nounswap and antonyms")
    args = p.parse_args(argv)
    wordnet = None if args.open_only else train_reader.WordNet(args.wordnet)  # refused at once when missing
    record_path = args.weights.with_suffix(".json")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    hyper = train_reader.Hyper.recorded(record["hyperparameters"])
    data = json.loads(args.train.read_text(encoding="utf-8"))
    if record.get("articles_used"):
        data = {"data": data["data"][:record["articles_used"]]}
    _, held = train_reader.split_articles(data, hyper.holdout_articles, hyper.seed)
    reader = qa.Reader(args.weights)
    chosen = {} if args.reading_only else choose_open(reader, held, hyper, args.limit, args.rows)
    if not args.open_only:
        chosen["threshold"], chosen["held_out_reading"] = reading_threshold(reader, held, hyper, wordnet)
    # The command that chooses them again (``--rows`` only saves reading them again).
    command = list(argv or sys.argv[1:])
    if "--rows" in command:
        del command[command.index("--rows"):command.index("--rows") + 2]
    which = "open_chosen_by" if args.open_only else "reading_chosen_by" if args.reading_only else "thresholds_chosen_by"
    chosen[which] = " ".join(["python training/choose_threshold.py", *command])
    record.update(chosen)
    record_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(chosen, indent=1))
    return 0


def choose_open(reader: qa.Reader, held: list[dict], hyper, limit: int | None, rows_file: Path | None = None) -> dict:
    """The choices for retrieved passages, as the bot reads them (``retrieval_weight``,
    ``read_within``, ``threshold_open``, ``margin_ceiling``), and their figures
    (``held_out_open``). ``rows_file``: where each question's passages read are kept
    (``open_rows``), read from it when it holds this reader's."""
    # What the rows depend on: the weights, the held-out articles and questions, the sample.
    key = {"weights_sha256": sha256_file(reader.weights), "limit": limit, "hyperparameters": asdict(hyper),
           "held_out_sha256": hashlib.sha256(json.dumps(held, sort_keys=True).encode()).hexdigest()}
    kept = json.loads(rows_file.read_text(encoding="utf-8")) if rows_file and rows_file.exists() else {}
    if any(kept.get(k) != v for k, v in key.items()):
        kept = {**key, **open_rows(reader, held, hyper, limit)}
        if rows_file:
            rows_file.write_text(json.dumps(kept) + "\n", encoding="utf-8")
    rows, answerable = kept["rows"], np.array(kept["answerable"])
    shares = shares_of(answerable, kept["share"])
    best = best_choice(rows, answerable, shares)
    _, weight, threshold = best[:3]

    def read(within: float, ceiling: float) -> tuple[float, float]:
        """F1 and passages read per question, reading as ``ReaderAnswerer.read`` does."""
        chosen = [staged(spans, weight, within, ceiling) for spans in rows]
        return f1_at(chosen, answerable, shares, weight, threshold), float(np.mean([len(r) for r in chosen]))

    # The smallest gap that loses nothing (F1 at the weight and threshold chosen).
    by_gap = {gap: read(gap, math.inf) for gap in READ_WITHIN}
    read_within = next((gap for gap, (f1, _) in by_gap.items() if f1 >= best[0] - 1e-9), None)  # None: all
    within = math.inf if read_within is None else read_within
    # The smallest ceiling at which neither it nor any higher one loses anything: the lowest
    # that does can be one where a lost answer happens to be made up by a gained one.
    by_ceiling = {c: read(within, c) for c in MARGIN_CEILINGS}
    margin_ceiling = None
    for c in reversed(MARGIN_CEILINGS):
        if by_ceiling[c][0] < best[0] - 1e-9:
            break
        margin_ceiling = c
    return {"retrieval_weight": weight, "read_within": read_within, "threshold_open": threshold,
            "margin_ceiling": margin_ceiling, "held_out_open": {
                "paragraphs": kept["paragraphs"], "questions": int(answerable.sum()),
                "unanswerable": int((~answerable).sum()), "unanswerable_share": round(kept["share"], 4),
                "passages_read": kept["passages_read"], "retrieval_weights_tried": list(RETRIEVAL_WEIGHTS),
                "f1": 100 * best[0], "HasAns_f1": 100 * best[3], "NoAns_accuracy": 100 * best[4],
                "HasAns_f1_always_answering": 100 * best[5],
                "f1_by_read_within": {str(g): round(100 * f, 3) for g, (f, _) in by_gap.items()},
                "passages_read_by_read_within": {str(g): round(n, 3) for g, (_, n) in by_gap.items()},
                "f1_by_margin_ceiling": {str(c): round(100 * f, 3) for c, (f, _) in by_ceiling.items()},
                "passages_read_by_margin_ceiling": {str(c): round(n, 3) for c, (_, n) in by_ceiling.items()},
                "passages_read_as_chosen": round(
                    by_ceiling[margin_ceiling][1] if margin_ceiling else read(within, math.inf)[1], 3),
            }}


def staged(spans: list[tuple[float, float, float]], weight: float, within: float,
           ceiling: float) -> list[tuple[float, float, float]]:
    """Which of a question's passages (best first: margin, retrieval score, F1) the bot reads
    (``ReaderAnswerer.read``): those within ``within`` of the best one's retrieval score; the
    best first, then only those whose score could beat its answer with a margin of ``ceiling``."""
    spans = [s for s in spans if s[1] >= spans[0][1] - within] if spans else []
    if not spans or not math.isfinite(spans[0][0]):
        return spans
    first = spans[0][0] + weight * spans[0][1]
    return [spans[0], *(s for s in spans[1:] if could_win(s[1], first, weight, ceiling))]


def open_rows(reader: qa.Reader, held: list[dict], hyper, limit: int | None) -> dict:
    """Each held-out question asked as the bot asks it, over the held-out articles' index: per
    question, each of the passages it would read, best first, as (its best span's margin, -inf
    for none; its retrieval score; the F1 of the span as the bot would answer it); whether it
    is answerable; the unanswerable share of the whole mix; the paragraphs indexed."""
    # One mix of unanswerable questions for every reader, whatever kinds its run trained with (the
    # shipped reader's: half as many as the answerable ones, topic 0.1, inswap 0.25), so that readers
    # of runs with other kinds are chosen for, and compared, on the same questions.
    positives = train_reader.positives(held)
    negatives = train_reader.make_negatives(held, OPEN_NEGATIVES, hyper.seed + 1, OPEN_KINDS)
    # Over the whole held-out index only the changed questions (train_reader.CHANGED) are
    # unanswerable: the "other" and "retrieved" ones still have their own paragraph in it.
    asked = [(e.question, e.answer) for e in positives]
    changed = [(e.question, None) for e in negatives if e.kind in train_reader.CHANGED]
    # Each kind counts as its share of the whole mix (about 6 answerable to 1 changed); with
    # --limit the answerable ones are a seeded sample and the changed ones are all read, so
    # that the few unanswerable questions are not sampled down to a few dozen.
    share = len(changed) / (len(asked) + len(changed))
    if limit:
        asked = random.Random(hyper.seed).sample(asked, min(limit, len(asked)))
    cases = asked + changed
    docs, _ = squad_documents({"data": held})
    # English questions only: the multilingual vectors would never be read (qa.Index.space_for).
    index = qa.build_index(docs, Path(tempfile.mkdtemp()) / "held-out", progress=False,
                           settings=qa.Settings(multilingual=False))
    # Each paragraph is a document here: read after its article's title and lead, as the bot
    # reads a passage of an article indexed whole.
    answerer = SquadAnswerer(reader, {"data": held})
    retriever = qa.Retriever()
    rows = []
    for question, gold in cases:
        analyzed = analyze(index, question)  # its misspelled words read as the paragraphs write them, as the bot does
        ranking = retriever.retrieve(index, analyzed)
        passages = ranking.passages(index, index.settings.k)[:answerer.passages_read]
        texts = [x.text for x in passages]
        spans = reader.read_pairs([numbers_as_written(analyzed.read, texts)] * len(passages), texts,
                                  answerer.contexts(passages, list(range(len(passages)))),
                                  [x.sentence_starts for x in passages])
        rows.append([(-math.inf, x.score, 0.0) if s is None else
                     (s.margin, x.score, 0.0 if gold is None else
                      squad.f1(gold, x.text[slice(*answered_span(x.text, s.start, s.end))]))
                     for s, x in zip(spans, passages, strict=True)])
    return {"rows": rows, "answerable": [gold is not None for _, gold in cases], "share": share,
            "paragraphs": len(docs), "passages_read": answerer.passages_read}


def reading_threshold(reader: qa.Reader, held: list[dict], hyper,
                      wordnet: train_reader.WordNet) -> tuple[float, dict]:
    """The margin under which the reader declines a question read against one paragraph, and
    its figures: the one that maximizes F1 on held-out questions against their own paragraph,
    weighted half answerable, half unanswerable, the unanswerable kinds by ``SQUAD2_WAYS``
    (``wordnet`` makes the nounswap ones and WordNet's antonyms).
    All of them (``--limit`` samples only the open setting's: one read per question is cheap)."""
    positives = train_reader.positives(held)
    shares = {k: v / sum(SQUAD2_WAYS.values()) for k, v in SQUAD2_WAYS.items()}
    negatives = train_reader.make_negatives(held, 1.0, hyper.seed + 2, shares, wordnet, antonyms=True)
    examples = train_reader.in_context(positives + negatives, held, reader.context)
    spans = reader.read_pairs([e.question for e in examples], [e.context for e in examples],
                              [e.lead for e in examples] if reader.leads else None)
    margin = np.array([s.margin if s else -math.inf for s in spans])
    f1 = np.array([squad.f1(e.answer, e.context[s.start:s.end]) if s else 0.0
                   for e, s in zip(positives, spans[:len(positives)], strict=True)])
    kinds = np.array([e.kind for e in negatives])
    made = [k for k in shares if (kinds == k).any()]
    weights = {k: shares[k] / sum(shares[m] for m in made) for k in made}
    pos, neg = margin[:len(positives)], margin[len(positives):]

    def figures(t: float) -> tuple[float, float, dict[str, float]]:
        per_kind = {k: float((neg[kinds == k] < t).mean()) for k in made}
        return float(np.where(pos >= t, f1, 0.0).mean()), sum(weights[k] * v for k, v in per_kind.items()), per_kind

    candidates = np.quantile(margin[np.isfinite(margin)], np.linspace(0, 1, 801))
    threshold = float(max(candidates, key=lambda t: sum(figures(t)[:2])))
    has, no, per_kind = figures(threshold)
    return threshold, {
        "questions": len(positives), "unanswerable": {k: int((kinds == k).sum()) for k in made},
        "kind_weights": {k: round(w, 4) for k, w in weights.items()},
        "f1": 50 * (has + no), "HasAns_f1": 100 * has, "NoAns_accuracy": 100 * no,
        "NoAns_accuracy_by_kind": {k: round(100 * v, 2) for k, v in per_kind.items()},
        "HasAns_f1_always_answering": 100 * float(f1.mean()),
    }


def shares_of(answerable: np.ndarray, share: float) -> np.ndarray:
    """What each question counts for: the unanswerable ones ``share`` of the whole, the
    answerable ones the rest, each evenly within its kind."""
    return np.where(answerable, (1 - share) / max(1, answerable.sum()), share / max(1, (~answerable).sum()))


def best_choice(rows: list[list[tuple[float, float, float]]], answerable: np.ndarray,
                shares: np.ndarray) -> tuple[float, float, float, float, float, float]:
    """The retrieval weight and threshold that maximize F1 over the questions, each counted by
    ``shares`` (an unanswerable one scores 1 when declined): ``(F1, weight, threshold, HasAns
    F1, NoAns accuracy, HasAns F1 always answering)``, the lowest weight and threshold on a tie.
    ``rows``: per question, each passage read, best first: (margin, retrieval score, F1)."""
    best = None
    for weight in RETRIEVAL_WEIGHTS:
        scores, f1_a = _answers(rows, weight)
        for t in np.quantile(scores[np.isfinite(scores)], np.linspace(0, 1, 401)):
            per = _per_question(scores, f1_a, answerable, t)
            row = (float(per @ shares), weight, float(t), _mean(per[answerable]), _mean(per[~answerable]),
                   _mean(f1_a[answerable]))
            if best is None or row[0] > best[0]:
                best = row
    return best


def _answers(rows: list[list[tuple[float, float, float]]], weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Each question's answer at ``weight``: its best span's score (margin plus ``weight`` times
    retrieval score; -inf with none) and F1."""
    tops = [max(spans, key=lambda r: r[0] + weight * r[1]) if spans else (-math.inf, 0.0, 0.0) for spans in rows]
    return np.array([t[0] + weight * t[1] for t in tops]), np.array([t[2] for t in tops])


def _per_question(scores: np.ndarray, f1: np.ndarray, answerable: np.ndarray, threshold: float) -> np.ndarray:
    """Each question's score when declined under ``threshold``: its F1 if answerable (0
    declined), 1 if unanswerable and declined."""
    answered = scores >= threshold
    return np.where(answerable, np.where(answered, f1, 0.0), ~answered)


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else 0.0


def f1_at(rows: list[list[tuple[float, float, float]]], answerable: np.ndarray, shares: np.ndarray, weight: float,
          threshold: float) -> float:
    """F1 over the mix, each question counted by its ``shares`` (an unanswerable question scores
    1 when declined), when each question's answer is its best span by margin plus ``weight``
    times retrieval score, declined under ``threshold``."""
    return float(_per_question(*_answers(rows, weight), answerable, threshold) @ shares)


if __name__ == "__main__":
    sys.exit(main())
