"""Fuzzing the loaders: on any bytes they return text or raise SourceError, nothing else."""

from __future__ import annotations

import os

import pytest
from conftest import minimal_pdf, word_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qa
from qa.ingest.documents import SUPPORTED_SUFFIXES, parse_bytes, read_file

# QA_FUZZ_EXAMPLES=3000 for a longer hunt (3,000 per test passed when this was written).
EXAMPLES = int(os.environ.get("QA_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PDF = minimal_pdf("Owls hunt at night and sleep by day.")


def _parse(data: bytes, suffix: str) -> None:
    try:
        parsed = parse_bytes(data, suffix, name=f"fuzz{suffix}")
    except qa.SourceError as e:
        assert str(e).startswith(f"fuzz{suffix}"), e  # the message names the file
        return
    assert isinstance(parsed.title, str) and parsed.text.strip() and "\x00" not in parsed.text
    # Headings and pages are spans of the text, in order: a Document accepts them.
    doc = qa.Document("fuzz", parsed.text, parsed.title, headings=parsed.headings, pages=parsed.pages)
    assert all(parsed.text[a:b].strip() == parsed.text[a:b] for a, b, _ in doc.headings)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUPPORTED_SUFFIXES))
def test_arbitrary_bytes(data, suffix):
    _parse(data, suffix)


@FUZZ
@given(text=st.text(max_size=2000), encoding=st.sampled_from(["utf-8", "utf-16", "cp1251", "latin-1", "gb18030"]),
       suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_arbitrary_text_in_any_encoding(text, encoding, suffix):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    _parse(data, suffix)


DAMAGEABLE = {".pdf": PDF, ".docx": word_file()}


@FUZZ
@given(data=st.data(), suffix=st.sampled_from(sorted(DAMAGEABLE)))
def test_damaged_pdf_and_word_files(data, suffix):
    damaged = bytearray(DAMAGEABLE[suffix])
    for at, value in data.draw(st.lists(st.tuples(st.integers(0, len(damaged) - 1), st.integers(0, 255)),
                                        min_size=1, max_size=12)):
        damaged[at] = value
    _parse(bytes(damaged[:data.draw(st.integers(16, len(damaged)))]), suffix)


@FUZZ
@given(body=st.binary(max_size=2048))
def test_pdf_header_then_garbage(body):
    _parse(b"%PDF-1.7\n" + body, ".pdf")


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_read_file_of_random_bytes_names_the_file(tmp_path, suffix):
    import random

    path = tmp_path / f"noise{suffix}"
    path.write_bytes(random.Random(suffix).randbytes(100_000))
    with pytest.raises(qa.SourceError) as e:
        read_file(path, max_file_bytes=1 << 20)
    assert str(path) in str(e.value)


_EN = [
    "owls", "hunt", "at", "night", "and", "sleep", "by", "day", "their", "feathers", "make", "no", "sound",
    "while", "they", "fly",
]
_RU = [
    "президент", "призвал", "развивать", "цифровые", "технологии", "в", "россии", "компании", "предлагают",
    "надёжные", "решения", "на", "внутреннем", "и", "мировом", "рынках",
]
_DE = [
    "die", "eulen", "jagen", "nachts", "und", "schlafen", "am", "tag", "über", "wälder", "flüsse", "größer",
    "schön",
]
VOCABULARY = {"utf-8": _EN + _RU + _DE + ["漢字"], "utf-8-sig": _EN + _RU, "utf-16": _EN + _RU + _DE + ["漢字"],
              "cp1251": _RU, "latin-1": _DE}


@st.composite
def encoded_words(draw):
    """Real words in an encoding; legacy (BOM-less, not UTF-8) ones in the language they are
    for, and enough of them for detection to have something to go on."""
    encoding = draw(st.sampled_from(sorted(VOCABULARY)))
    legacy = encoding in ("cp1251", "latin-1")
    words = draw(st.lists(st.sampled_from(VOCABULARY[encoding]), min_size=8 if legacy else 1, max_size=80,
                          unique=legacy))  # a word said eight times over is no language to detect
    return words, encoding


@FUZZ
@given(case=encoded_words(), suffix=st.sampled_from([".txt", ".md"]))
def test_real_text_in_any_encoding_is_read_back_word_for_word(case, suffix):
    # The refusals above must not be all the loaders do: text with words comes back whole.
    words, encoding = case
    text = " ".join(words) + "."
    parsed = parse_bytes(text.encode(encoding), suffix, name=f"words{suffix}")
    assert parsed.text.split() == text.split()
