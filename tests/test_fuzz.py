"""Fuzzing the loaders: on any bytes they return text or raise SourceError, nothing else."""

from __future__ import annotations

import os

import pytest
from conftest import minimal_pdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qa
from qa.documents import SUPPORTED_SUFFIXES, parse_bytes, read_file

# QA_FUZZ_EXAMPLES=3000 for a longer hunt (3,000 per test passed when this was written).
EXAMPLES = int(os.environ.get("QA_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PDF = minimal_pdf("Owls hunt at night and sleep by day.")


def _parse(data: bytes, suffix: str) -> None:
    try:
        title, text = parse_bytes(data, suffix, name=f"fuzz{suffix}")
    except qa.SourceError as e:
        assert str(e).startswith(f"fuzz{suffix}"), e  # the message names the file
        return
    assert isinstance(title, str) and text.strip() and "\x00" not in text


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


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(PDF) - 1), st.integers(0, 255)), min_size=1, max_size=12),
       cut=st.integers(16, len(PDF)))
def test_damaged_pdfs(flips, cut):
    data = bytearray(PDF)
    for at, value in flips:
        data[at] = value
    _parse(bytes(data[:cut]), ".pdf")


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
