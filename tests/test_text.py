"""Sentences and chunks: spans that slice back to their text, whatever the input."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import QuestionError
from qa.ingest.documents import bundled_document
from qa.ingest.text import chunk_spans, inside_quotation, split_sentences
from qa.pipeline.question import check_question


def _chunks(text: str, size: int, overlap: int) -> list[tuple[int, int]]:
    spans = split_sentences(text, size)
    return [(spans[a][0], spans[b][1]) for a, b in chunk_spans(spans, size, overlap)]


def test_article_sentences_are_real_sentences():
    text = bundled_document().text
    sentences = [text[a:b] for a, b in split_sentences(text, 600)]
    assert sentences[0] == "Putin: Russia Needs to Be Proactive in Developing Digitalization"
    assert "The head of state called for being proactive, while ensuring cyber security, TASS writes." in sentences
    assert all(s == s.strip() and s for s in sentences)


def test_chunks_respect_size_and_overlap():
    text = bundled_document().text
    chunks = _chunks(text, 400, 100)
    assert len(chunks) > 5
    assert all(b - a <= 400 for a, b in chunks)
    assert any(chunks[i + 1][0] < chunks[i][1] for i in range(len(chunks) - 1)), "no chunk overlaps"
    assert chunks[0][0] == 0 and chunks[-1][1] == len(text.rstrip())


def test_a_long_line_without_punctuation_is_cut_at_spaces():
    text = " ".join(["word"] * 250_000)  # 1.25 MB, one line, no full stop
    chunks = _chunks(text, 600, 100)
    assert all(0 < b - a <= 600 for a, b in chunks)
    assert all(text[a] != " " and text[b - 1] != " " for a, b in chunks)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(min_size=1, max_size=2000),
                      st.text(alphabet="ab “”\". \n", min_size=1, max_size=2000)),  # quotations, paragraphs
       size=st.integers(min_value=20, max_value=800),
       overlap_share=st.floats(min_value=0.0, max_value=0.9))
def test_chunks_slice_back_and_cover_every_character(text, size, overlap_share):
    overlap = int(size * overlap_share)
    spans = split_sentences(text, size)
    chunks = chunk_spans(spans, size, overlap, inside_quotation(text, spans))
    covered = set()
    for first, last in chunks:
        start, end = spans[first][0], spans[last][1]
        assert 0 <= start < end <= len(text)
        assert end - start <= size
        chunk = text[start:end]
        assert chunk == chunk.strip() and chunk
        covered.update(range(start, end))
    # Every non-whitespace character is in some chunk: nothing of the document is lost.
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    assert all(a[0] < b[0] for a, b in itertools.pairwise(chunks))  # each starts further on


def test_a_chunk_begins_where_a_quotation_it_would_begin_inside_opens():
    text = ("The mayor opened the line on Monday. “We waited ten years for this. Now we have a tram. "
            "It is ours,” the mayor said. The line cost 40 million.\n\nIt runs “every” ten minutes.")
    spans = split_sentences(text, 600)
    assert inside_quotation(text, spans) == [False, False, True, True, False, False]
    chunk = [text[spans[a][0]:spans[b][1]] for a, b in chunk_spans(spans, 120, 60, inside_quotation(text, spans))]
    assert chunk[1].startswith("“We waited") and not any(c.startswith(("Now we", "It is ours")) for c in chunk)
    # without the quotations, the second chunk began inside one
    assert [text[spans[a][0]:spans[b][1]] for a, b in chunk_spans(spans, 120, 60)][1].startswith("Now we")


@pytest.mark.parametrize("question, problem", [
    ("", "empty"), ("   \n", "empty"), ("x" * 10_000, "10,000 characters"), ("😀🚀❤️", "no words"),
    ("?!", "no words"),
])
def test_bad_questions_are_refused_with_the_reason(question, problem):
    with pytest.raises(QuestionError, match=problem):
        check_question(question, 2000)


def test_nul_bytes_are_removed_from_questions():
    assert check_question("cyber\x00 security?", 2000) == "cyber security?"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
       | st.lists(st.sampled_from(["The", "organizations", "60,000", "said", "Putin's", "cyber-security", "É", "ß",
                                   "1,234,567", "a1", "x", "naïve", "İstanbul", "\u00a0", " ", ".", "IT",
                                   "организаций", "Путин", "сказал", "ёлка"]),
                  max_size=40).map(" ".join))
def test_a_text_is_found_by_its_own_words_in_english_and_russian(text):
    from qa.store.lexical import LexicalIndex, tokenize

    for language in ("en", "ru"):
        terms = tokenize(text, language)
        index = LexicalIndex.build(["unrelated filler words", text], [language, language])
        if terms:
            scores = index.scores(terms)
            assert scores[1] > 0 and scores[1] >= scores[0]
