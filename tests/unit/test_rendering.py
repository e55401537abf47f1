"""One renderer for the CLI, the web chat and --json: fields in, words out (pure, fast)."""

import json
from dataclasses import replace

import qa
from qa import rendering

SENTENCE = "“In this area, about 60,000 organizations are operating,” he said."


def _answer(doc_id: str = "putin_digitalization", **kw) -> qa.Answer:
    p = qa.Passage(SENTENCE, 1.0, doc_id, "The article", 0, len(SENTENCE), 0)
    fields = {"short_answer": "about 60,000", "quotes": [qa.Evidence(doc_id, 0, len(SENTENCE), 1, SENTENCE)],
              "passages": [p], "abstained": False, "confidence": 0.9, "query": "q", "question": "q",
              "answer_span": (doc_id, 15, 27), "documents": 1}
    return qa.Answer(**{**fields, **kw})


def test_plain_text_leads_with_the_short_answer_and_cites_each_quote():
    text = rendering.plain(_answer())
    assert text == "About 60,000: “‘In this area, about 60,000 organizations are operating,’ he said.” [1]"
    assert text.count("“") == text.count("”") == 1  # inner quotation marks became single ones


def test_markdown_is_the_plain_text_with_only_what_markdown_would_interpret_escaped():
    assert rendering.markdown(_answer()) == rendering.plain(_answer())  # nothing in it markdown would take
    assert rendering.escape_markdown("![x](http://t/p.png) [1]") == "![x\\](http://t/p.png) [1]"
    evil = _answer(quotes=[qa.Evidence("a", 0, 20, 1, "<img src=x> **bold** `code`")], short_answer=None)
    assert "“\\<img src=x\\> \\*\\*bold\\*\\* \\`code\\`”" in rendering.markdown(evil)
    assert rendering.escape_markdown("# Title\n- item\n1. first: a.b (c)") == "\\# Title\n\\- item\n1\\. first: a.b (c)"
    assert rendering.escape_markdown("4.2 million euros\n12) twelve") == "4.2 million euros\n12\\) twelve"


def test_a_declined_answer_says_so_and_shows_the_nearest_passage():
    answer = _answer(short_answer=None, quotes=[], abstained=True, confidence=0.1, answer_span=None)
    assert rendering.plain(answer).startswith("The article does not say. The nearest passage is: “")
    assert rendering.markdown(answer).startswith("The article does not say. The nearest passage is: “")
    assert rendering.plain(_answer(abstained=True, quotes=[], documents=3)).startswith("The documents do not say.")
    # One document of the visitor's own is not "the article": only the bundled one is.
    mine = _answer("harbor.txt", short_answer=None, quotes=[], abstained=True, answer_span=None)
    assert rendering.plain(mine).startswith("The document does not say. The nearest passage is: “")
    assert rendering.plain(replace(mine, language="ru")).startswith("В документе об этом не сказано.")
    assert rendering.plain(replace(mine, passages=[])).startswith("The document does not say.")  # none to tell by


def test_several_documents_name_the_cited_title_before_its_citation():
    assert rendering.plain(_answer(documents=2)).endswith("” (The article) [1]")


def test_a_long_quote_is_trimmed_around_the_short_answer():
    long = "Filler words here. " * 40 + "The answer is 42 exactly. " + "More filler after. " * 40
    at = long.index("42")
    answer = _answer(short_answer="42", quotes=[qa.Evidence("a", 0, len(long), 1, long)], answer_span=("a", at, at + 2))
    text = rendering.quote_text(answer, answer.quotes[0])
    assert "The answer is 42" in text and text.startswith("…") and text.endswith("…")
    assert len(text) <= rendering.MAX_QUOTE_CHARS + 2


def test_json_has_the_fields_and_the_plain_text():
    d = rendering.as_dict(_answer())
    assert d["short_answer"] == "about 60,000" and d["quotes"][0]["passage"] == 1
    assert d["answer"] == rendering.plain(_answer())
    json.dumps(d)


def test_page_labels_are_in_the_answers_language_also_in_json():
    p = qa.Passage(SENTENCE, 1.0, "a", "report.pdf", 0, len(SENTENCE), 0, page=4)
    quote = qa.Evidence("a", 0, len(SENTENCE), 1, SENTENCE, page=4)
    russian = _answer(passages=[p], quotes=[quote], documents=2, language="ru")
    assert "(report.pdf, с. 4) [1]" in rendering.plain(russian)
    assert rendering.as_dict(russian)["passages"][0]["citation"] == "report.pdf, с. 4"
    assert rendering.as_dict(_answer(passages=[p], quotes=[quote]))["passages"][0]["citation"] == "report.pdf, p. 4"


def test_a_declined_answer_shows_its_nearest_sentence_and_json_carries_it():
    text = "The forum opened on Monday. " + SENTENCE
    nearest = qa.Evidence("a", 28, len(text), 1, SENTENCE)
    passage = qa.Passage(text, 1.0, "a", "The article", 0, len(text), 0)
    answer = _answer(short_answer=None, quotes=[], abstained=True, answer_span=None, nearest=nearest,
                     passages=[passage])
    shown = "‘In this area, about 60,000 organizations are operating,’ he said."
    assert rendering.plain(answer).endswith(f"The nearest passage is: “{shown}” [1]")
    assert rendering.as_dict(answer)["nearest"]["text"] == SENTENCE and rendering.as_dict(answer)["quotes"] == []


def test_a_statement_is_read_once_in_its_quote():
    text = ("According to the mayor, the city has asked people to leave their cars at home for ten years, "
            "and now it has to give them a reason to leave them there for good, with buses every ten minutes.")
    short = text[text.index("the city"):text.index(", with")]
    assert len(short) > rendering.MAX_LEAD_CHARS
    answer = rendering.Answer(short_answer=short, quotes=[qa.Evidence("d", 0, len(text), 1, text)], passages=[],
                              abstained=False, confidence=0.9, answer_span=("d", text.index(short),
                                                                            text.index(short) + len(short)))
    assert answer.text == f"“{text}” [1]"
    brief = rendering.Answer(short_answer="ten years", quotes=answer.quotes, passages=[], abstained=False,
                             confidence=0.9)
    assert brief.text == f"Ten years: “{text}” [1]"


def test_a_wording_missing_in_a_language_falls_back_to_english_key_by_key():
    from qa.messages import _WORDS, say

    assert say("read_as", "de", question="Who?") == "Read as “Who?”."  # no German at all
    assert say("read_as", "ru", question="Кто?") == "Прочитано как «Кто?»."
    del_key = _WORDS["ru"].pop("read_as")
    try:
        assert say("read_as", "ru", question="Кто?") == "Read as “Кто?”."  # Russian without that key
    finally:
        _WORDS["ru"]["read_as"] = del_key


def _quote(text: str, answer: str, passage_start: int = 0) -> str:
    """The quote ``quotation_span`` gives for ``answer`` in a passage of ``text`` from ``passage_start``."""
    from qa.ingest.text import split_sentences
    from qa.pipeline.quoting import quotation_span

    part = text[passage_start:]
    passage = qa.Passage(part, 1.0, "a", "The article", passage_start, len(text), 0,
                         sentences=tuple((s + passage_start, e + passage_start) for s, e in split_sentences(part, 600)))
    a = text.index(answer, passage_start)
    return text[slice(*quotation_span(passage, a, a + len(answer)))]


def test_a_quote_holds_the_whole_quotation_its_answer_is_in_never_half_of_it():
    text = ("He spoke first. “Orders were given in January. All of them should be implemented,” "
            "the head of state said. Then he left.\n\nA new paragraph.")
    whole = "“Orders were given in January. All of them should be implemented,” the head of state said."
    assert _quote(text, "January") == _quote(text, "implemented") == whole
    assert _quote(text, "He spoke") == "He spoke first." and _quote(text, "he left") == "Then he left."
    assert _quote(text, "new paragraph") == "A new paragraph."
    # A passage that begins inside a quotation has no opening to reach back to: its sentence alone.
    assert _quote(text, "implemented", text.index("All of them")) == ("All of them should be implemented,” "
                                                                      "the head of state said.")
    # Two quotations with the attribution between them are one, however the blank line is written.
    text = "He spoke. “Alpha one. Beta two,” he said, “Gamma three. Delta four.” End.\n \n“Next one.” The last."
    whole = "“Alpha one. Beta two,” he said, “Gamma three. Delta four.”"
    assert _quote(text, "Delta") == _quote(text, "Alpha") == _quote(text, "he said") == whole
    assert _quote(text, "End") == "End." and _quote(text, "Next one") == "“Next one.”"
