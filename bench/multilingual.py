"""Questions in other languages: XQuAD across languages, language ID, and ask speed, one run.

    python bench/multilingual.py [--xquad ../shared/data/xquad] [--train ../shared/data/squad-v1.1-train/...]

- XQuAD (240 SQuAD paragraphs, 1,190 questions, professionally translated; CC BY-SA 4.0,
  github:google-deepmind/xquad; evaluation only): each language's paragraphs indexed as the bot
  indexes them (default settings: all-MiniLM-L6-v2 plus the multilingual vectors), and the
  questions of each language asked over them through ``qa.apps.evaluation.evaluate_squad`` (the
  cross-lingual run of ``qa eval --paragraphs``): R@1, R@5, MRR@10, the quoted sentence holds
  the gold answer of the paragraphs' language, and answerable questions declined.
- Language ID: English SQuAD train questions taken for another language (training data).
- Speed on the bundled article after load: ``Chatbot.ask`` p50 / p95 for Russian and English
  questions, interleaved in one process, and a Russian question's first ask on a freshly loaded
  index (its sentences embedded then; later asks find them kept); the bundled index's build time
  with and without the multilingual vectors (the whole build: ``multilingual_pass="now"``;
  medians of 5, alternating), and XQuAD's 240 English paragraphs' (one build each).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qa  # noqa: E402
from qa.apps.evaluation import evaluate_squad, squad_documents  # noqa: E402
from qa.models.language import detect  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
RUNS = [("en", "en"), ("ru", "en"), ("de", "en"), ("ru", "ru"), ("de", "de")]  # questions, paragraphs
RUSSIAN = ["Что Путин сказал о цифровизации?", "Сколько организаций работает в сфере ИТ?",
           "Что Путин сказал о кибербезопасности?", "Какую роль сыграли ИТ во время ограничений?",
           "Сколько специалистов уже работает в отрасли?", "Каково население Бразилии?"]
ENGLISH = ["What did Putin say about digitalization?", "How many organizations are operating in the IT area?",
           "What did Putin say about cyber security?", "What role did IT play during the restrictions?",
           "How many specialists are employed in the industry?", "What is the population of Brazil?"]
KEYS = ("R@1", "R@5", "MRR@10", "quote_contains_gold", "nearest_sentence_contains_gold", "answer_contains_gold",
        "wrongly_declined", "ms_p50")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--xquad", type=Path, default=SHARED / "xquad")
    p.add_argument("--train", type=Path, default=SHARED / "squad-v1.1-train" / "train-v1.1.rebuilt.json")
    p.add_argument("--repeats", type=int, default=30, help="rounds of the speed questions")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "multilingual.json")
    args = p.parse_args(argv)
    files = {lang: args.xquad / f"xquad.{lang}.json" for lang in ("en", "ru", "de")}
    missing = [str(f) for f in [*files.values(), args.train] if not f.is_file()]
    if missing:
        print(f"missing {', '.join(missing)}: get XQuAD from https://github.com/google-deepmind/xquad and "
              "SQuAD v1.1 train from https://rajpurkar.github.io/SQuAD-explorer/, then pass --xquad/--train",
              file=sys.stderr)
        return 2
    report: dict = {}

    data = json.loads(args.train.read_text(encoding="utf-8"))["data"]
    questions = [q["question"] for a in data for para in a["paragraphs"] for q in para["qas"]]
    sample = random.Random(1).sample(questions, 20000)
    report["language_id"] = {"english_train_questions": len(sample),
                             "taken_for_another_language": sum(detect(q) != "en" for q in sample) / len(sample)}
    print(report, flush=True)

    # The bundled article: build time with and without the multilingual vectors, then speed.
    tmp = Path(tempfile.mkdtemp())
    builds: dict[str, list[float]] = {"without": [], "with multilingual": []}
    qa.build_index(None, tmp / "warm-up", progress=False, multilingual_pass="now")  # both models loaded
    for n in range(5):  # alternating, each into a new folder (nothing reused)
        for multilingual in (False, True):
            started = time.perf_counter()
            index = qa.build_index(None, tmp / f"article-{multilingual}-{n}", multilingual_pass="now",
                                   settings=qa.Settings(multilingual=multilingual), progress=False)
            builds["with multilingual" if multilingual else "without"].append(time.perf_counter() - started)
    builds = {k: round(statistics.median(v), 3) for k, v in builds.items()}
    first = []
    for q in RUSSIAN:  # each on a freshly loaded index: its sentences not embedded yet
        fresh = qa.Chatbot(qa.load_index(index.directory))
        started = time.perf_counter()
        fresh.ask(q)
        first.append((time.perf_counter() - started) * 1000)
    bot = qa.Chatbot(index)
    for q in RUSSIAN + ENGLISH:  # load every model once before timing
        bot.ask(q)
    times: dict[str, list[float]] = {"ru": [], "en": []}
    for _ in range(args.repeats):
        for ru, en in zip(RUSSIAN, ENGLISH, strict=True):
            for lang, q in (("ru", ru), ("en", en)):
                started = time.perf_counter()
                bot.ask(q)
                times[lang].append((time.perf_counter() - started) * 1000)
    report["article"] = {"build_s": builds, **{f"ask_{lang}_ms": {"p50": round(statistics.median(v), 1),
                                                                   "p95": round(percentile(v, 0.95), 1)}
                                               for lang, v in times.items()},
                         "ask_ru_first_on_a_fresh_index_ms": {"p50": round(statistics.median(first), 1),
                                                               "max": round(max(first), 1)},
                         "asked_ru": [bot.ask(q).text[:120] for q in RUSSIAN]}
    print(report, flush=True)

    # Build cost of the multilingual vectors on real paragraphs: XQuAD's 240 English ones.
    english_docs = squad_documents(json.loads(files["en"].read_text(encoding="utf-8")))[0]
    xquad_builds = {}
    for multilingual in (False, True):
        started = time.perf_counter()
        built = qa.build_index(english_docs, tmp / f"xquad-build-{multilingual}", multilingual_pass="now",
                               settings=qa.Settings(multilingual=multilingual), progress=False)
        xquad_builds["with multilingual" if multilingual else "without"] = round(time.perf_counter() - started, 1)
    report["xquad_en_build_s"] = {**xquad_builds, "chunks": len(built.chunks), "sentences": len(built.sentences)}
    print(report["xquad_en_build_s"], flush=True)

    runs = {}
    for asked, searched in RUNS:
        started = time.perf_counter()
        result = evaluate_squad(files[asked], tmp / f"xquad-{searched}", progress=False,
                                paragraphs=None if asked == searched else files[searched])
        runs[f"{asked}->{searched}"] = {**{k: round(result["summary"][k], 4) for k in KEYS},
                                        "seconds": round(time.perf_counter() - started, 1)}
        print(asked, searched, runs[f"{asked}->{searched}"], flush=True)
    report["xquad"] = runs
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
