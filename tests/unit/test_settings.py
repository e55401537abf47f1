"""Settings split by when they apply: what an index is built with, what a question is asked with."""

from pathlib import Path

import pytest

import qa
from qa.index import settings_for

BUILT = {"model": "all-MiniLM-L6-v2", "sources": [{"source": "notes.txt"}],
         "settings": {"chunk_size": 600, "chunk_overlap": 150, "approximate_above": 200_000,
                      "headings_in_chunks": True, "multilingual": True}}


def test_settings_hold_both_kinds_and_give_each_apart():
    settings = qa.Settings(chunk_size=300, k=3)
    assert settings.build == qa.BuildSettings(chunk_size=300) and settings.ask == qa.AskSettings(k=3)
    assert qa.Settings.of(settings.build, settings.ask) == settings
    with pytest.raises(ValueError, match=r"k must be greater than 0\. Currently, k is 0"):
        qa.AskSettings(k=0)
    with pytest.raises(ValueError, match=r"chunk_overlap must be at least 0 and less than chunk_size"):
        qa.Settings(chunk_size=100, chunk_overlap=100)


def test_an_index_keeps_its_build_settings_and_takes_the_question_settings_given():
    settings = settings_for(BUILT, qa.AskSettings(max_question_chars=5000), Path("ix"))
    assert settings.chunk_size == 600 and settings.max_question_chars == 5000
    assert settings_for(BUILT, None, Path("ix")) == qa.Settings()


def test_a_build_setting_the_index_was_not_built_with_is_an_error_naming_the_rebuild():
    with pytest.raises(qa.IndexLoadError) as caught:
        settings_for(BUILT, qa.Settings(chunk_size=300), Path("ix"))
    assert "was built with chunk_size=600, not 300" in str(caught.value)
    assert "`qa build notes.txt --index ix --chunk-size 300`" in str(caught.value)
    with pytest.raises(qa.IndexLoadError, match="built with model 'all-MiniLM-L6-v2', not 'other'"):
        settings_for(BUILT, qa.Settings(model="other"), Path("ix"))
