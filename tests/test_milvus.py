"""The Milvus store on the real engine embedded (milvus-lite 2.5.1): it ranks and answers as the
index folder does, a failed build leaves the previous index answering, and a second process on
one milvus-lite file gets a clear error."""

import subprocess
import sys

import pytest
from conftest import article_questions

import qa
from qa.store import milvus


@pytest.fixture(scope="module")
def milvus_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("milvus") / "index"
    return qa.build_index(None, folder, settings=qa.Settings(milvus_uri=str(folder / "milvus.db")), progress=False,
                          multilingual_pass="now")


def test_the_same_questions_get_the_same_passages_and_answers_on_both_stores(article_index, milvus_index):
    assert type(milvus_index.store).__name__ == "MilvusStore"
    folder_bot, milvus_bot = qa.Chatbot(article_index), qa.Chatbot(milvus_index)
    for q in article_questions():
        on_folder, on_milvus = article_index.search(q["question"]), milvus_index.search(q["question"])
        assert [p.chunk_id for p in on_milvus] == [p.chunk_id for p in on_folder], q["id"]
        assert [round(p.score, 4) for p in on_milvus] == [round(p.score, 4) for p in on_folder], q["id"]
        assert milvus_bot.ask(q["question"]).text == folder_bot.ask(q["question"]).text, q["id"]
    # A misspelled question is read as the article writes it on both (their BM25 vocabularies).
    terms = ["secur", "thank", "bitcoin", "opper"]
    assert milvus_index.has_terms(terms) == article_index.has_terms(terms) == [True, True, False, False]
    typo = "Who did Putin thnak?"
    assert milvus_bot.ask(typo).notice == folder_bot.ask(typo).notice == "Read as “Who did Putin thank?”."


def test_the_manifest_names_the_uri_and_collections_and_the_index_opens_again(milvus_index):
    manifest = milvus_index.manifest
    assert manifest["milvus"]["uri"].endswith("milvus.db") and set(manifest["milvus"]["collections"]) == {
        "chunks", "sentences", "multilingual"}
    again = qa.load_index(milvus_index.directory)
    assert again.search("cyber security", k=1)[0].chunk_id == milvus_index.search("cyber security", k=1)[0].chunk_id


def test_a_build_that_fails_midway_leaves_the_previous_index_answering(tmp_path, monkeypatch):
    target = tmp_path / "ix"
    settings = qa.Settings(milvus_uri=str(target / "milvus.db"), multilingual=False)
    docs = [qa.Document("bees", "Bees make honey. A hive holds about 50,000 bees in summer.", title="Bees")]
    before = qa.build_index(docs, target, settings=settings, progress=False)
    names = before.manifest["milvus"]["collections"]

    def fail(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(milvus, "_sparse", fail)
    with pytest.raises(RuntimeError, match="the disk is full"):
        qa.add_documents(target, [qa.Document("cows", "Cows give milk.", title="Cows")])
    after = qa.load_index(target)
    assert after.manifest["milvus"]["collections"] == names and [d.id for d in after.documents] == ["bees"]
    assert "50,000" in qa.Chatbot(after).ask("How many bees live in a hive?").short_answer


def test_the_cli_answers_from_milvus_and_a_second_process_on_one_lite_file_gets_a_clear_error(tmp_path):
    other, source = tmp_path / "other", tmp_path / "bees.txt"
    source.write_text("Bees make honey. A hive holds about 50,000 bees in summer.\n")
    built = subprocess.run([sys.executable, "-m", "qa.apps.cli", "build", str(source), "--index", str(other),
                            "--milvus", str(other / "milvus.db"), "--no-multilingual", "--quiet"],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    asked = subprocess.run([sys.executable, "-m", "qa.apps.cli", "ask", "How many bees live in a hive?", "--index",
                            str(other)], capture_output=True, text=True, timeout=300)
    assert asked.returncode == 0 and "50,000" in asked.stdout, asked.stderr  # the CLI answers from Milvus
    holder = subprocess.Popen([sys.executable, "-c", "import qa, sys, time\n"
                               f"qa.load_index({str(other)!r}); print('open', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        probe = subprocess.run([sys.executable, "-m", "qa.apps.cli", "search", "honey", "--index", str(other)],
                               capture_output=True, text=True, timeout=120)
        assert probe.returncode != 0
        assert "another process may have this milvus-lite file open" in probe.stderr
        assert len(probe.stderr.strip().splitlines()) == 1  # one line, no traceback
    finally:
        holder.kill()


def test_documents_are_added_and_removed_on_milvus(tmp_path):
    target = tmp_path / "ix"
    bees = qa.Document("bees", "Bees make honey. A hive holds about 50,000 bees in summer.", title="Bees")
    qa.build_index([bees], target, progress=False,
                   settings=qa.Settings(milvus_uri=str(target / "milvus.db"), multilingual=False))
    rain = qa.Document("rain", "Rain falls most in April. The wettest year was 1998.", title="Rain")
    index = qa.add_documents(target, [rain])
    assert [d.id for d in index.documents] == ["bees", "rain"] and type(index.store).__name__ == "MilvusStore"
    assert qa.Chatbot(index).ask("When was the wettest year?").short_answer == "1998"
    index = qa.remove_documents(target, ["bees"])
    assert [d.id for d in index.documents] == ["rain"] and index.search("honey", k=1)[0].doc_id == "rain"
