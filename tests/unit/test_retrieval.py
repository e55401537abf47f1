"""The retriever over the store interface, on a store of three hand-made chunks and vectors."""

import numpy as np
import pytest

from qa.ingest.documents import Document
from qa.pipeline.retrieval import Retriever, Weights, fuse, normalize_max, segment_max
from qa.settings import Settings
from qa.store.folder import FolderStore
from qa.store.lexical import LexicalIndex, tokenize
from qa.store.vectors import VectorStore
from qa.types import Chunk, Question

SPACE = "hand-made"
TEXT = "Bees make honey. A hive holds bees.\n\nCows eat grass. Cows give milk.\n\nRain falls in spring."  # d, then w
SENTENCES = [(0, 16), (17, 35), (37, 52), (53, 68), (70, 90)]
# Three axes: bees, cows, rain; each sentence leans on its topic's axis.
SENTENCE_VECTORS = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.1, 0.9, 0], [0, 0, 1]], np.float32)


class Shelf(FolderStore):
    """A FolderStore in memory, with what an ask needs of an index (``IndexView``)."""

    settings = Settings(model=SPACE, multilingual=False)

    def space_for(self, language):
        return SPACE


@pytest.fixture(scope="module")
def store():
    doc = Document("d", TEXT, title="Farm", language="en")
    weather = Document("w", "Rain falls in spring.", title="Weather", language="en")
    chunks = [Chunk("d", 0, 35, TEXT[0:35], 0, 1), Chunk("d", 37, 68, TEXT[37:68], 2, 3),
              Chunk("w", 0, 21, weather.text, 4, 4)]
    vectors = SENTENCE_VECTORS / np.linalg.norm(SENTENCE_VECTORS, axis=1, keepdims=True)
    chunk_vectors = np.stack([vectors[0:2].mean(0), vectors[2:4].mean(0), vectors[4]])  # the third is w
    chunk_vectors /= np.linalg.norm(chunk_vectors, axis=1, keepdims=True)
    sentences = np.array([(0, a, b) for a, b in SENTENCES[:4]] + [(1, 0, 21)], np.int64)
    return Shelf(None, {"sources": []}, [doc, weather], chunks, sentences,
                 {SPACE: VectorStore.build(np.arange(3), chunk_vectors, vectors, approximate_above=100)},
                 LexicalIndex.build([c.text for c in chunks]), LexicalIndex.build([TEXT[a:b] for a, b in SENTENCES]))


def question(text, vector):
    v = np.asarray(vector, np.float32)
    return Question(text=text, query=text, terms=tuple(tokenize(text)), vectors={SPACE: v / np.linalg.norm(v)},
                    space=SPACE, read=text)


def test_the_passage_near_the_question_and_sharing_its_words_comes_first(store):
    ranking = Retriever().retrieve(store, question("What do cows eat?", [0.1, 1, 0]))
    assert list(ranking.chunks) == [1, 0, 2]
    passages = ranking.passages(store, 2)
    assert passages[0].text == "Cows eat grass. Cows give milk." and passages[0].sentences == ((37, 52), (53, 68))
    assert passages[0].score > passages[1].score


def test_words_alone_lift_a_passage_the_vector_does_not_favour(store):
    ranking = Retriever(weights=Weights(dense=0.0, sentence_dense=0.0)).retrieve(store, question("honey", [0, 0, 1]))
    assert int(ranking.chunks[0]) == 0


def test_a_passage_carries_its_documents_lead_when_it_comes_after_it(store):
    assert store.passage(0).lead == "" and store.passage(1).lead == "Bees make honey."
    assert store.passage(2).lead == ""  # the first passage of its own document


def test_a_search_within_some_documents_ranks_only_their_chunks(store):
    rain = question("When does rain fall?", [0, 0, 1])
    assert int(Retriever().retrieve(store, rain).chunks[0]) == 2
    ranking = Retriever().retrieve(store, rain, documents=["d"])
    assert set(ranking.chunks.tolist()) <= {0, 1} and len(ranking.chunks) > 0


def test_fusion_is_a_weighted_sum_of_the_signals_lexical_ones_scaled_by_their_best():
    fused = fuse(np.array([0.5, 0.2]), np.array([4.0, 2.0]), np.array([0.1, 0.3]), np.array([0.0, 0.0]),
                 Weights(dense=1, lexical=1, sentence_dense=1, sentence_lexical=1))
    assert np.allclose(fused, [0.5 + 1.0 + 0.1, 0.2 + 0.5 + 0.3])
    assert np.array_equal(normalize_max(np.zeros(3)), np.zeros(3))


def test_segment_max_takes_each_runs_best():
    values = np.array([1.0, 5.0, 2.0, 0.5, 3.0])
    assert list(segment_max(values, np.array([0, 2, 4]), np.array([2, 4, 5]))) == [5.0, 2.0, 3.0]


def test_lexical_search_gives_the_chunks_that_share_a_term_best_first(store):
    terms = tokenize("cows and bees")
    scores, ids = store.lexical_search(terms, 5)
    assert sorted(ids.tolist()) == [0, 1] and scores[0] >= scores[1] > 0  # the rain chunk shares no term
    assert np.allclose(store.chunk_scores(terms, ids), scores)
    assert store.lexical_search(terms, 5, within=np.array([1, 2]))[1].tolist() == [1]
