"""Scoring retrieval and answers on question sets.

Two formats:

- JSONL like ``tests/data/article_dev.jsonl``: one question a line with ``evidence`` strings,
  ``answer_contains`` phrases, optional ``history`` and ``kind`` (``out_of_scope`` questions
  must be declined). Asked against an existing index (the bundled article by default).
- SQuAD JSON (v1.1 or v2.0): every paragraph becomes a document; the index is built once
  into its own folder and reused while the file is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from qa.apps import squad
from qa.building import build_index, finish_multilingual, open_index
from qa.errors import IndexLoadError, SourceError
from qa.index import Index, load_index
from qa.ingest.context import article_context_at
from qa.ingest.documents import Document
from qa.models.reading import Reader
from qa.pipeline.answering import ReaderAnswerer
from qa.pipeline.chatbot import Chatbot
from qa.rendering import Answer
from qa.settings import Settings
from qa.types import Passage

MAX_ANSWER_CHARS = 400  # a longer answer counts as wrong: it is a passage dump, not an answer
_READ_BATCH = 32  # questions read at once in the reading setting


def normalize(text: str) -> str:
    """SQuAD's official answer normalization (lower case, no punctuation or articles)."""
    return squad.normalize_answer(text)


def contains_answer(answer: Answer, golds: list[str]) -> bool:
    """Whether a not-declined answer of at most 400 characters holds a gold phrase as whole
    words ("10" is not in "2010") in what the answer itself says: the short answer and the
    quoted text, not titles, citation numbers or wording of the bot's own."""
    if answer.abstained or len(answer.text) > MAX_ANSWER_CHARS:
        return False
    return holds_gold(" ".join([answer.short_answer or "", *(q.text for q in answer.quotes)]), golds)


def quote_contains(answer: Answer, golds: list[str]) -> bool:
    """Whether a quoted sentence of a not-declined answer holds a gold phrase as whole words."""
    return not answer.abstained and holds_gold(" ".join(q.text for q in answer.quotes), golds)


def holds_gold(text: str, golds: list[str]) -> bool:
    """Whether ``text`` holds a gold phrase as whole words, both SQuAD-normalized after any
    punctuation beyond ASCII is made a space (the official normalization keeps “ ” ‘ ’ and —,
    so "markets.”" would not hold "markets")."""
    words = _words(text)
    return any(gold.strip() and gold in words for gold in map(_words, golds))


def _words(text: str) -> str:
    """``text`` normalized, with a space at each end (whole-word matching)."""
    spaced = "".join(" " if ord(ch) > 127 and unicodedata.category(ch).startswith("P") else ch for ch in text)
    return f" {normalize(spaced)} "


def evaluate_file(path: str | Path, index_dir: str | Path | None = None, *, limit: int | None = None,
                  progress: bool = True, predictions: str | Path | None = None,
                  reading: bool = False, paragraphs: str | Path | None = None) -> dict[str, Any]:
    """Evaluate a JSONL question set or a SQuAD JSON file; returns the figures as a dict.

    For SQuAD, ``predictions`` names the official predictions file to write, ``reading``
    answers each question from its own paragraph and ``paragraphs`` names another SQuAD file
    whose paragraphs are searched instead (cross-lingual; see ``evaluate_squad``)."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path} does not exist: name a .jsonl question set or a SQuAD .json file")
    if path.suffix == ".jsonl":
        return evaluate_jsonl(path, open_index(index_dir or "index", multilingual_pass="now"), limit=limit)
    if path.suffix == ".json":
        return evaluate_squad(path, index_dir, limit=limit, progress=progress, predictions=predictions,
                              reading=reading, paragraphs=Path(paragraphs) if paragraphs else None)
    raise SourceError(f"{path}: unsupported question file {path.suffix!r}; use .jsonl or SQuAD .json")


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SourceError(f"{path}:{n} is not valid JSON ({e.msg}): fix that line") from e
    return rows


DECLINED_KINDS = ("out_of_scope", "near_miss")  # kinds of question that must be declined


def evaluate_jsonl(path: Path, index: Index, *, limit: int | None = None) -> dict[str, Any]:
    """Evidence hit@1/@3, answer correct, declined out-of-scope, wrongly declined, per kind."""
    results = ask_rows(_read_jsonl(path)[:limit], Chatbot(index))
    return {"format": "jsonl", "file": str(path), "summary": summarize_rows(results), "results": results}


def evaluate_news(folder: Path, *, answerer: ReaderAnswerer | None = None,
                  work: Path | None = None) -> list[dict]:
    """A news question set (``folder``: ``articles/`` and ``questions.jsonl``, each question
    naming its ``article``) asked as a user asks it: each article indexed alone, as an upload
    is, each question on a fresh conversation. One ``ask_rows`` result a question, with its
    ``article``."""
    by_article: dict[str, list[dict]] = defaultdict(list)
    for q in _read_jsonl(folder / "questions.jsonl"):
        by_article[q["article"]].append(q)
    results = []
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        for n, (article, questions) in enumerate(sorted(by_article.items())):
            index = build_index([folder / "articles" / article], Path(tmp) / str(n), progress=False,
                                multilingual_pass="now")
            results += [{**r, "article": article} for r in ask_rows(questions, Chatbot(index, answerer=answerer))]
    return results


def ask_rows(rows: list[dict], bot: Chatbot) -> list[dict]:
    """Each question of ``rows`` (``evaluate_jsonl``'s format) asked of ``bot``, scored: one
    result a question. ``out_of_scope`` and ``near_miss`` questions are right when declined."""
    results = []
    for row in rows:
        history = [{"role": "user", "content": h} if isinstance(h, str) else h
                   for h in row.get("history", [])]
        started = time.perf_counter()
        answer = bot.ask(row["question"], history)
        ms = (time.perf_counter() - started) * 1000
        texts = [p.text for p in answer.passages]
        evidence = row.get("evidence", [])
        declines = row.get("kind") in DECLINED_KINDS
        # A question the reader does not read is answered by a quote: right when it quotes the evidence.
        quoted_evidence = any(e in q.text for e in evidence for q in answer.quotes)
        results.append({
            "id": row.get("id"), "kind": row.get("kind", ""), "question": row["question"],
            "answer": answer.text, "short_answer": answer.short_answer, "abstained": answer.abstained,
            "confidence": round(answer.confidence, 4), "ms": round(ms, 1),
            "hit@1": bool(evidence) and any(e in t for e in evidence for t in texts[:1]),
            "hit@3": bool(evidence) and any(e in t for e in evidence for t in texts[:3]),
            "correct": (answer.abstained if declines else
                        quoted_evidence if answer.short_answer is None and row.get("kind") == "multilingual" else
                        contains_answer(answer, row.get("answer_contains", []))),
        })
    return results


def summarize_rows(results: list[dict]) -> dict[str, Any]:
    """``ask_rows``' results summed up: over the answerable questions (multilingual ones
    apart), evidence hit@1/@3, answer correct and wrongly declined; the share of those that
    must be declined that were; right answers by kind."""
    per_kind: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        per_kind[r["kind"]].append(r)
    in_scope = [r for r in results if r["kind"] not in (*DECLINED_KINDS, "multilingual")]
    declines = [r for r in results if r["kind"] in DECLINED_KINDS]
    return {
        "questions": len(results),
        "evidence_hit@1": _mean(r["hit@1"] for r in in_scope),
        "evidence_hit@3": _mean(r["hit@3"] for r in in_scope),
        "answer_correct": _mean(r["correct"] for r in in_scope),
        "declined_out_of_scope": _mean(r["abstained"] for r in declines),
        "wrongly_declined": _mean(r["abstained"] for r in in_scope),
        "ask_ms_p50": float(np.median([r["ms"] for r in results])) if results else 0.0,
        "per_kind": {k: _mean(r["correct"] for r in v) for k, v in sorted(per_kind.items())},
    }


def squad_documents(data: dict) -> tuple[list[Document], list[dict]]:
    """The paragraphs of a SQuAD file as documents, and its questions with their paragraph."""
    docs, questions = [], []
    for article in data["data"]:
        for n, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{article['title']}#{n}"
            docs.append(Document(id=doc_id, text=paragraph["context"],
                                 title=article["title"].replace("_", " ")))
            for q in paragraph["qas"]:
                questions.append({"id": q["id"], "question": q["question"], "doc_id": doc_id,
                                  "answers": [a["text"] for a in q.get("answers", [])],
                                  "impossible": bool(q.get("is_impossible", False))})
    return docs, questions


class SquadAnswerer(ReaderAnswerer):
    """The bot's answerer over a SQuAD file's paragraphs, each indexed as a document of its own
    (``squad_documents``), reading each passage after the context it has in its whole article
    (the article's title and lead sentence), as the reader was trained and as the bot reads an
    article indexed whole. Read as a document alone, a paragraph's first passage would have no
    lead and its later ones the paragraph's own first sentence.

    Args:
        data: the SQuAD file's data whose paragraphs are indexed (their documents' ids are
            ``squad_documents``'); the rest as ``ReaderAnswerer``'s.
    """

    def __init__(self, reader: Reader, data: dict, **kwargs: Any) -> None:
        super().__init__(reader, **kwargs)
        self._paragraphs = {}
        for article in data["data"]:
            at = article_context_at(article["title"].replace("_", " "),
                                    [p["context"] for p in article["paragraphs"]], self.reader.context)
            for n in range(len(article["paragraphs"])):
                self._paragraphs[f"{article['title']}#{n}"] = (at, n)

    def contexts(self, passages: list[Passage], read: list[int]) -> list[str] | None:
        if not self.reader.leads:
            return None
        return [self.paragraph_context(passages[n].doc_id, passages[n].start) for n in read]

    def paragraph_context(self, doc_id: str, offset: int = 0) -> str:
        """The context of the passage ``offset`` characters into paragraph ``doc_id``."""
        at, n = self._paragraphs[doc_id]
        return at(n, offset)


def cross_lingual(asked: dict, searched: dict, path: Path) -> tuple[list[Document], list[dict]]:
    """The paragraphs of ``searched`` as documents, and the questions of ``asked`` (a SQuAD
    file in another language with the same question ids, as XQuAD's are) with the paragraph and
    the gold answers of ``searched``."""
    docs, own = squad_documents(searched)
    by_id = {q["id"]: q for q in own}
    _, questions = squad_documents(asked)
    missing = [q["id"] for q in questions if q["id"] not in by_id]
    if missing:
        raise SourceError(f"{len(missing)} question ids of the questions file are not in {path.name} "
                          f"(the first: {missing[0]!r}): give the same questions in two languages, as XQuAD has")
    return docs, [{**by_id[q["id"]], "question": q["question"]} for q in questions]


def squad_index(path: Path, docs: list[Document], index_dir: str | Path | None,
                progress: bool = True, settings: Settings | None = None) -> Index:
    """The index of a SQuAD file's paragraphs, built once and reused while they are unchanged,
    complete (its multilingual vectors built before it is used).

    Raises:
        SourceError: ``index_dir`` holds an index of other documents (it is left alone).
    """
    digest = hashlib.sha256("".join(d.id + d.sha256 for d in docs).encode()).hexdigest()
    index_dir = Path(index_dir or Path(".qa-eval") / f"{path.stem}-{digest[:10]}")
    try:
        index = load_index(index_dir)
    except IndexLoadError:
        return build_index(docs, index_dir, progress=progress or None, settings=settings, multilingual_pass="now")
    if [s["sha256"] for s in index.manifest["sources"]] == [d.sha256 for d in docs]:
        return finish_multilingual(index, progress=progress or None)
    if not {d.id for d in index.documents} & {d.id for d in docs}:
        raise SourceError(f"{index_dir} holds an index of other documents, not of {path.name}: "
                          "name another folder with --index (or none, for one in .qa-eval/)")
    return build_index(docs, index_dir, progress=progress or None, settings=settings, multilingual_pass="now")


def _read_squad(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        squad_documents(data)
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as e:
        raise SourceError(f"{path} is not a SQuAD JSON file ({type(e).__name__}: {e}): "
                          "give a file in SQuAD's v1.1 or v2.0 layout") from e
    return data


def _first_questions(data: dict, limit: int | None) -> dict:
    """``data`` with only its first ``limit`` questions (all for None); every paragraph stays,
    so the open setting still searches all of them."""
    if not limit:
        return data
    left, articles = limit, []
    for article in data["data"]:
        paragraphs = []
        for p in article["paragraphs"]:
            paragraphs.append({**p, "qas": p["qas"][:max(left, 0)]})
            left -= len(paragraphs[-1]["qas"])
        articles.append({**article, "paragraphs": paragraphs})
    return {**data, "data": articles}


def evaluate_squad(path: Path, index_dir: str | Path | None = None, *, limit: int | None = None,
                   progress: bool = True, predictions: str | Path | None = None,
                   reading: bool = False, paragraphs: Path | None = None,
                   settings: Settings | None = None) -> dict[str, Any]:
    """SQuAD's official EM/F1, and retrieval and declining figures, on a SQuAD file.

    Two settings:

    - open (default): every paragraph of the file is indexed and each question answered
      over all of them, as the bot answers; also paragraph R@1/R@5/MRR@10 and "answer
      contains gold".
    - ``reading``: each question answered from its own paragraph only, the standard SQuAD
      task, comparable with published systems.

    A file with no unanswerable question (v1.1) is scored as v1.1 systems are: the reader
    always gives its best span (how often the bot would have declined is reported beside).
    With unanswerable questions (v2.0) the bot declines as it does in use, and the
    prediction is ``""``; the reading setting also reports the official v2.0 script's
    ``best_exact``/``best_f1``: the same spans at the threshold best on the file itself, a
    ceiling for what any threshold could do, never the one the reader uses. ``predictions``
    names the official predictions file to write (``{question id: answer text}``).
    ``settings`` are the index's when it is built (default: ``Settings()``).

    Cross-lingual (``paragraphs``: XQuAD's questions in one language, its paragraphs in
    another): the paragraphs of that file are indexed and the questions of ``path`` asked over
    them, open setting; scored by retrieval and by whether the quoted sentence holds the gold
    answer in the paragraphs' language (the bot quotes, with no short answer, what its reader
    cannot read, so there is no EM/F1). ``nearest_sentence_contains_gold`` counts a declined
    answer by the sentence it would have quoted from its best passage.
    """
    data = _first_questions(_read_squad(path), limit)
    if paragraphs is not None:
        if reading:
            raise SourceError("--reading and --paragraphs do not go together: a cross-lingual run is open")
        if not paragraphs.is_file():
            raise SourceError(f"{paragraphs} does not exist: name the SQuAD file whose paragraphs to search")
        searched = _read_squad(paragraphs)
        docs, questions = cross_lingual(data, searched, paragraphs)
        data = _first_questions(searched, None)
        path_for_index = paragraphs
    else:
        docs, questions = squad_documents(data)
        path_for_index = path
    has_unanswerable = any(q["impossible"] or not q["answers"] for q in questions)
    reader = Reader()
    # v2.0: the reading setting declines at the reader's single-paragraph threshold, the open
    # one as the bot does; v1.1: never (as v1.1 systems do).
    threshold = (reader.threshold if reading else None) if has_unanswerable else -math.inf
    answerer = SquadAnswerer(reader, data, threshold=threshold)
    context = {d.id: d for d in docs}
    preds: dict[str, str] = {}
    ranks, correct, quoted, nearest, declined_answerable, would_decline, ms = [], [], [], [], [], [], []
    spans_read: dict[str, str] = {}  # reading: each question's best span, and its margin
    margins: dict[str, float] = {}
    index = None
    if reading:  # questions read in batches: the reader is the whole cost here
        # Each paragraph after its context in its article, as the reader was trained and as the bot reads.
        leads = {d.id: answerer.paragraph_context(d.id) for d in docs}
        for first in tqdm(range(0, len(questions), _READ_BATCH), desc="batches", disable=not progress):
            batch = questions[first:first + _READ_BATCH]
            started = time.perf_counter()
            spans = reader.read_pairs([q["question"] for q in batch], [context[q["doc_id"]].text for q in batch],
                                      [leads[q["doc_id"]] for q in batch] if reader.leads else None)
            ms += [(time.perf_counter() - started) * 1000 / len(batch)] * len(batch)
            for q, best in zip(batch, spans, strict=True):
                span = "" if best is None else context[q["doc_id"]].text[best.start:best.end].strip()
                spans_read[q["id"]], margins[q["id"]] = span, -math.inf if best is None else best.margin
                preds[q["id"]] = span if margins[q["id"]] >= answerer.threshold else ""
                would_decline.append(margins[q["id"]] < reader.threshold)
    else:
        index = squad_index(path_for_index, docs, index_dir, progress, settings)
        bot = Chatbot(index, answerer=answerer)
        for q in tqdm(questions, desc="questions", disable=not progress, unit="q"):
            started = time.perf_counter()
            answer, ranking = bot.ask_with_ranking(q["question"])
            ms.append((time.perf_counter() - started) * 1000)
            preds[q["id"]] = answer.short_answer or ""
            would_decline.append(answer.confidence < 0.5)
            if not q["impossible"]:
                ranks.append(document_rank(index, ranking.chunks, q["doc_id"]))
                correct.append(contains_answer(answer, q["answers"]))
                quoted.append(quote_contains(answer, q["answers"]))
                nearest.append(quoted[-1] if not answer.abstained else
                               answer.nearest is not None and holds_gold(answer.nearest.text, q["answers"]))
                declined_answerable.append(answer.abstained)
    declined_impossible = [preds[q["id"]] == "" for q in questions if q["impossible"]]
    summary: dict[str, Any] = {
        "setting": "reading" if reading else "open" if paragraphs is None else "cross-lingual",
        "paragraphs": len(docs),
        "questions": len(questions),
    }
    if paragraphs is None:
        summary.update({k: round(v, 2) if isinstance(v, float) else v for k, v in squad.score(data, preds).items()})
    else:
        summary["paragraphs_file"] = str(paragraphs)
    if not reading:
        summary.update({**retrieval_figures(ranks), "answer_contains_gold": _mean(correct),
                        "quote_contains_gold": _mean(quoted), "nearest_sentence_contains_gold": _mean(nearest),
                        "wrongly_declined": _mean(declined_answerable)})
    if has_unanswerable:
        summary["declined_unanswerable"] = _mean(declined_impossible)
        if reading:  # the official script's best_exact/best_f1: a ceiling for these spans, not a choice
            summary.update({k: None if v is None else round(v, 2 if k.endswith(("exact", "f1")) else 3)
                            for k, v in squad.best_threshold(data, spans_read, margins).items()})
    else:
        summary["would_decline"] = _mean(would_decline)
    summary["ms_p50"] = float(np.median(ms)) if ms else 0.0
    if predictions:
        Path(predictions).write_text(json.dumps(preds, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    report = {"format": "squad", "file": str(path), "summary": summary}
    if index is not None:
        report["index"] = str(index.directory)
    if predictions:
        report["predictions"] = str(predictions)
    return report


def document_rank(index: Index, chunks: np.ndarray, doc_id: str) -> int:
    """1-based rank of ``doc_id`` among the documents of the ranked ``chunks`` (10**9 if absent)."""
    seen: set[str] = set()
    for c in chunks:
        d = index.chunks[int(c)].doc_id
        if d == doc_id:
            return len(seen) + 1
        seen.add(d)
    return 10**9


def retrieval_figures(ranks: list[int]) -> dict[str, float]:
    """R@1, R@5 and MRR@10 of the 1-based ranks of the right document."""
    if not ranks:
        return {"R@1": 0.0, "R@5": 0.0, "MRR@10": 0.0}
    r = np.array(ranks)
    return {"R@1": float(np.mean(r <= 1)), "R@5": float(np.mean(r <= 5)),
            "MRR@10": float(np.mean(np.where(r <= 10, 1.0 / r, 0.0)))}


def _mean(values: Any) -> float:
    values = [bool(v) for v in values]
    return float(np.mean(values)) if values else 0.0


def format_report(report: dict[str, Any]) -> str:
    """The report as lines a person reads."""
    lines = [f"{report['file']} ({report['format']})"]
    summary = report["summary"]
    for key, value in summary.items():
        if isinstance(value, dict):
            lines.append(f"  {key}: " + ", ".join(f"{k} {v:.2f}" for k, v in value.items()))
        elif isinstance(value, float):
            lines.append(f"  {key}: {value:.3f}")
        else:
            lines.append(f"  {key}: {value}")
    for r in report.get("results", []):
        mark = "ok  " if r["correct"] else "MISS"
        lines.append(f"  {mark} {r['id']} [{r['kind']}] {r['question']}")
        if not r["correct"]:
            lines.append(f"       -> {r['answer'][:160]}")
    return "\n".join(lines)

