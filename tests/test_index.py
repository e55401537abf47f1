"""The index: the real packaged model, real FAISS files on disk."""

import json
import logging

import numpy as np
import pytest
from conftest import HEADLINE, HEADLINE_EVIDENCE

import qa


def test_headline_question_finds_the_cyber_security_passage_first(article_index):
    passages = article_index.search(HEADLINE, k=3)
    assert HEADLINE_EVIDENCE in passages[0].text
    assert passages[0].score > passages[1].score
    doc = article_index.document(passages[0].doc_id)
    assert all(doc.text[p.start:p.end] == p.text for p in passages)


def test_index_folder_holds_plain_files(article_index_dir):
    manifest = json.loads((article_index_dir / "manifest.json").read_text())
    assert manifest["model"] == "all-MiniLM-L6-v2" and manifest["dimension"] == 384
    assert manifest["format_version"] == 1 and manifest["counts"]["documents"] == 1
    assert manifest["sources"][0]["sha256"]
    data = article_index_dir / manifest["data"]
    assert {"vectors.faiss", "chunks.jsonl", "documents.jsonl"} <= {p.name for p in data.iterdir()}
    assert not list(article_index_dir.rglob("*.pkl")) and not list(article_index_dir.rglob("*.pickle"))


def test_save_load_search_gives_identical_results(article_index, article_index_dir):
    loaded = qa.load_index(article_index_dir)
    for query in (HEADLINE, "How many organizations?", "remote work during the epidemic"):
        a, b = article_index.search(query, k=5), loaded.search(query, k=5)
        assert [(p.chunk_id, p.text) for p in a] == [(p.chunk_id, p.text) for p in b]
        np.testing.assert_allclose([p.score for p in a], [p.score for p in b], rtol=1e-5)


def test_documents_from_memory_and_unchanged_text_is_not_embedded_again(tmp_path, caplog):
    docs = [qa.Document("owls", "Owls hunt at night. They see well in the dark."),
            qa.Document("bees", "Bees make honey. A hive holds thousands of bees.", title="Bees")]
    index = qa.build_index(docs, tmp_path / "ix", progress=False)
    assert index.search("Who makes honey?", k=1)[0].doc_id == "bees"
    with caplog.at_level(logging.INFO, logger="qa"):
        qa.build_index([*docs, qa.Document("ants", "Ants farm fungus.")], tmp_path / "ix", progress=False)
    # Only the new one-sentence chunk (chunk and sentence are the same text) is embedded.
    assert "reusing 6 embeddings; embedding 1 new texts" in caplog.text


def test_stale_source_is_detected_and_rebuilt(tmp_path):
    source = tmp_path / "owls.txt"
    source.write_text("Owls hunt at night.")
    qa.build_index([source], tmp_path / "ix", progress=False)
    assert qa.load_index(tmp_path / "ix").stale_sources() == []
    source.write_text("Owls sleep in the day. Bats hunt at night.")
    assert qa.load_index(tmp_path / "ix").stale_sources() == [str(source.resolve())]
    refreshed = qa.open_index(tmp_path / "ix", progress=False)
    assert refreshed.stale_sources() == []
    assert "Bats" in refreshed.search("bats", k=1)[0].text


def test_open_index_builds_the_bundled_article_when_missing(tmp_path):
    index = qa.open_index(tmp_path / "fresh", progress=False)
    assert HEADLINE_EVIDENCE in index.search(HEADLINE, k=1)[0].text


def test_another_model_is_detected(index_copy):
    with pytest.raises(qa.IndexLoadError, match="built with model 'all-MiniLM-L6-v2', not 'other-model'"):
        qa.load_index(index_copy, settings=qa.Settings(model="other-model"))


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.update(format_version=99), "format 99, newer than this articleqa reads"),
    (lambda m: m.update(dimension=768), "do not match"),
    (lambda m: m.pop("model"), "is damaged"),
])
def test_edited_manifest_is_refused_with_the_fix(index_copy, edit, message):
    path = index_copy / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))
    with pytest.raises(qa.IndexLoadError, match=message) as e:
        qa.load_index(index_copy)
    assert "qa build" in str(e.value)


@pytest.mark.parametrize("name", ["vectors.faiss", "chunks.jsonl", "sentence_vectors.npy"])
def test_truncated_or_missing_data_files_are_named(index_copy, name):
    data = index_copy / json.loads((index_copy / "manifest.json").read_text())["data"]
    target = data / name
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(qa.IndexLoadError, match=f"{name} is damaged"):
        qa.load_index(index_copy)
    target.unlink()
    with pytest.raises(qa.IndexLoadError, match=f"{name} is missing"):
        qa.load_index(index_copy)


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(qa.IndexLoadError, match=r"no index at .*qa build"):
        qa.load_index(tmp_path / "none")


def test_failed_build_leaves_the_index_as_it_was(index_copy, tmp_path):
    before = qa.load_index(index_copy).search(HEADLINE, k=1)[0]
    with pytest.raises(qa.SourceError):
        qa.build_index([tmp_path / "missing.txt"], index_copy)
    after = qa.load_index(index_copy).search(HEADLINE, k=1)[0]
    assert before == after
