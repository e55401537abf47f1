"""'What did Putin say about X?' on the bundled article, for topics it speaks of and ones it never names.

    python bench/said_about.py [--out bench/said_about.json]

The README's first question has this form, and a new user asks it over and over with other
topics. The article's own evidence for each present topic is a phrase that the quoted
sentence must hold; an absent topic must be declined. These questions were written after the
reader was shipped and are never used to choose anything: they measure, like the dev sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qa  # noqa: E402

# topic asked about -> the phrase of the article that a right quote holds
PRESENT = {
    "cyber security": "cyber security", "the IT industry": "IT industry",
    "the Digital Economy national project": "Digital Economy", "the epidemic": "epidemic",
    "telecommunications companies": "telecommunications companies",
    "mobile communications": "mobile communications", "domestic IT technologies": "domestic IT",
    "the labor market": "labor market", "archaic obstacles": "archaic obstacles",
    "leading digitalization companies": "leading digitalization companies",
    "the coronavirus pandemic": "coronavirus pandemic", "remote work": "remote work",
}
# The first sentence's occasion, the reader's known trap for this question form (d01, d10).
OCCASION = "at a meeting on communications and IT industry"
ABSENT = ["oil prices", "climate change", "football", "taxes", "the army", "Ukraine", "vaccines", "China",
          "inflation", "space exploration", "nuclear weapons", "the elections", "pensions", "gas exports",
          "sanctions", "the Olympic Games", "agriculture", "the weather", "bitcoin", "education reform"]


def said_about(bot: qa.Chatbot) -> tuple[list[dict], dict]:
    """Each topic asked of ``bot`` (over the bundled article): a row per topic, and the summary."""
    rows = []
    for topic, evidence in [*PRESENT.items(), *((t, None) for t in ABSENT)]:
        answer = bot.ask(f"What did Putin say about {topic}?")
        right = (answer.abstained if evidence is None else
                 not answer.abstained and any(evidence.lower() in q.text.lower() for q in answer.quotes))
        rows.append({"topic": topic, "in_article": evidence is not None, "right": right,
                     "short_answer": answer.short_answer, "declined": answer.abstained,
                     "confidence": round(answer.confidence, 3)})
    present = [r for r in rows if r["in_article"]]
    absent = [r for r in rows if not r["in_article"]]
    summary = {"present_topics": len(present), "present_quoted_right": sum(r["right"] for r in present),
               "present_declined": sum(r["declined"] for r in present),
               "absent_topics": len(absent), "absent_declined": sum(r["declined"] for r in absent),
               "led_with_the_occasion": sum(bool(r["short_answer"]) and r["short_answer"] in OCCASION for r in rows)}
    return rows, summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "said_about.json")
    args = p.parse_args(argv)
    rows, summary = said_about(qa.Chatbot(qa.open_index()))
    args.out.write_text(json.dumps({"summary": summary, "questions": rows}, indent=1) + "\n", encoding="utf-8")
    for r in rows:
        outcome = "declined" if r["declined"] else repr(r["short_answer"])
        print(f"{'ok ' if r['right'] else 'BAD'} {'in ' if r['in_article'] else 'out'} {r['topic']}: {outcome}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
