"""The reader's training script runs end to end on a tiny slice of SQuAD train, so it cannot rot."""

import hashlib
import importlib
import json
import math
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

import qa

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def wordnet():
    """Debian's WordNet database (wordnet-base), the synonyms of train_reader's --paraphrases."""
    folder = Path("/usr/share/wordnet")
    if not (folder / "index.noun").exists():
        if os.environ.get("CI"):
            pytest.fail(f"{folder} is missing: CI must install Debian's wordnet-base (.ci/run)")
        pytest.skip(f"{folder} is missing: apt-get install wordnet-base")
    return folder


@pytest.fixture
def word_net(wordnet):
    """Debian's WordNet as train_reader reads it."""
    return training("train_reader").WordNet(wordnet)


def training(name: str):
    """The script ``training/<name>.py`` as a module (training/ is not a package)."""
    sys.path.insert(0, str(ROOT / "training"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "training"))


@pytest.mark.slow
def test_train_reader_on_a_tiny_slice_exports_weights_the_product_loads(tmp_path, wordnet):
    choose_threshold, train_reader = training("choose_threshold"), training("train_reader")
    weights = tmp_path / "reader.safetensors"
    argv = ["--train", str(DATA / "squad-train-tiny.json"), "--out", str(tmp_path / "run"), "--export", str(weights),
            "--holdout-articles", "1", "--steps", "3", "--batch-size", "4", "--eval-every", "2",
            "--eval-questions", "6", "--threads", "1", "--topic-share", "0.25", "--statements", "2",
            "--say-frames", "1", "--context", "lead", "--inswap-share", "0.2", "--occasions", "1",
            "--occasions-asked", "1", "--occasion-topic", "0.5", "--max-answer-tokens", "48",
            "--nounswap-share", "0.2", "--antonym-share", "0.15", "--wordnet-antonyms", "1", "--wordnet", str(wordnet),
            "--low-overlap-repeat", "1", "--paraphrases", "0.3", "--pair-weight", "1"]
    assert train_reader.main(argv) == 0
    record = json.loads(weights.with_suffix(".json").read_text())
    assert record["steps_trained"] == 3 and record["hyperparameters"]["seed"] == 13
    import torch  # --device auto: a GPU if there is one

    assert record["trained_on"] == (torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu (1 threads)")
    assert len(record["train_data_sha256"]) == 64 and record["held_out"]["questions"] > 0
    assert [e["step"] for e in record["log"]] == [2, 3]
    assert not list(tmp_path.rglob("*.pt")) and not list(tmp_path.rglob("*.bin"))  # safetensors only
    # A second start resumes from the checkpoint instead of training again.
    assert train_reader.main(argv) == 0
    resumed = json.loads(weights.with_suffix(".json").read_text())
    assert resumed["train_seconds_this_run"] <= 1
    # The time trained is kept over resumes, in the checkpoint and the record.
    saved = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["train_seconds"]
    assert resumed["train_seconds"] == saved and saved["cpu"] >= 0 and set(saved) == {"wall", "cpu", "since_step"}
    # The threshold for retrieved passages is chosen on the same held-out articles.
    assert choose_threshold.main(["--train", argv[1], "--weights", str(weights), "--limit", "12"]) == 0
    record = json.loads(weights.with_suffix(".json").read_text())
    assert qa.Reader(weights).threshold_open == record["threshold_open"]
    assert 0 < record["held_out_open"]["questions"] <= 12 and 0 <= record["held_out_open"]["unanswerable_share"] < 0.5
    assert record["retrieval_weight"] in choose_threshold.RETRIEVAL_WEIGHTS
    assert record["read_within"] is None or record["read_within"] in choose_threshold.READ_WITHIN
    assert record["margin_ceiling"] is None or record["margin_ceiling"] in choose_threshold.MARGIN_CEILINGS
    assert qa.Reader(weights).margin_ceiling == (record["margin_ceiling"] or math.inf)
    # What was read is kept (--rows) and chosen from again without reading, to the same choices.
    rows = tmp_path / "rows.json"
    for _ in range(2):
        assert choose_threshold.main(["--train", argv[1], "--weights", str(weights), "--limit", "12", "--open-only",
                                      "--rows", str(rows)]) == 0
        again = json.loads(weights.with_suffix(".json").read_text())
        assert {k: again[k] for k in ("threshold_open", "margin_ceiling", "held_out_open")} == \
            {k: record[k] for k in ("threshold_open", "margin_ceiling", "held_out_open")}
    assert json.loads(rows.read_text())["weights_sha256"] and again["threshold"] == record["threshold"]
    # So is the one for a question read against its own paragraph, over the kinds SQuAD 2.0's writers used.
    assert qa.Reader(weights).threshold == record["threshold"]
    assert set(record["held_out_reading"]["kind_weights"]) <= set(choose_threshold.SQUAD2_WAYS)
    assert 0 <= record["held_out_reading"]["NoAns_accuracy"] <= 100
    # A checkpoint is evaluated as the product reads with it: exported, its thresholds chosen on held-out train.
    evaluate_checkpoint = training("evaluate_checkpoint")
    assert evaluate_checkpoint.main(["--limit", "12", "--held-out-only", "--", *argv]) == 0
    evaluated = json.loads((tmp_path / "run" / "evaluations.jsonl").read_text().splitlines()[-1])
    assert evaluated["step"] == 3 and qa.Reader(Path(evaluated["weights"])).context == "lead"
    exported = json.loads(Path(evaluated["weights"]).with_suffix(".json").read_text())
    assert exported["train_data_sha256"] == record["train_data_sha256"] and exported["hyperparameters"]["seed"] == 13
    assert exported["articles_used"] == record["articles_used"]
    assert exported["train_seconds"] == resumed["train_seconds"]
    assert 0 <= evaluated["held_out_reading"]["NoAns_accuracy"] <= 100
    # The exported weights load into the product's reader and read, after the passage's context.
    assert qa.Reader(weights).context == "lead" and record["hyperparameters"]["inswap_share"] == 0.2
    spans = qa.Reader(weights).read("Where is the grotto?", ["The grotto is behind the basilica."], ["Notre Dame"])
    assert len(spans) == 1 and 0 <= spans[0].start < spans[0].end <= len("The grotto is behind the basilica.")
    # The checkpoint folder lost: the run goes on from its exported weights at the step they record.
    shutil.rmtree(tmp_path / "run")
    kept = tmp_path / "kept.safetensors"
    shutil.copy(weights, kept)
    shutil.copy(weights.with_suffix(".json"), kept.with_suffix(".json"))
    longer = [*argv, "--steps", "5", "--init", str(kept), "--resume-step", "3"]
    assert train_reader.main(longer) == 0
    record = json.loads(weights.with_suffix(".json").read_text())
    assert record["steps_trained"] == 5 and record["resumed_from_exported_weights_at_step"] == 3
    # its time goes on from the exported record's, counted from the run's first step
    total = record["train_seconds"]
    assert total["since_step"] == 0 and total["cpu"] >= resumed["train_seconds"]["cpu"]
    assert [e["step"] for e in record["log"]] == [2, 3, 4, 5]
    # Its checkpoint keeps Adam's own step count and where the warm-up began, for the next resume.
    state = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert (state["step"], state["adam_step"], state["rewarm_from"]) == (5, 2, 3)
    with pytest.raises(SystemExit, match="pass --resume-step 5"):  # the step its record gives, or none
        train_reader.main([*longer[:-1], "4", "--out", str(tmp_path / "elsewhere"), "--init", str(weights)])


@pytest.mark.slow
def test_two_continuations_of_a_checkpoint_are_compared_one_asking_in_other_words(tmp_path, wordnet):
    train_reader, compare_runs = training("train_reader"), training("compare_runs")
    argv = ["--train", str(DATA / "squad-train-tiny.json"), "--out", str(tmp_path / "run"), "--holdout-articles", "1",
            "--steps", "6", "--batch-size", "4", "--eval-every", "100", "--threads", "1", "--context", "lead",
            "--topic-share", "0.25", "--wordnet", str(wordnet), "--export", str(tmp_path / "reader.safetensors")]
    assert train_reader.main([*argv, "--until", "2"]) == 0
    shutil.copytree(tmp_path / "run", tmp_path / "other")
    # Each stops where told, with a checkpoint, the schedule of the 6 steps unchanged and nothing exported;
    # the reworded one in the same batches, only its questions' words changed.
    assert train_reader.main([*argv, "--until", "4"]) == 0
    assert train_reader.main([*argv, "--until", "4", "--out", str(tmp_path / "other"), "--paraphrases", "1.0"]) == 0
    assert not list(tmp_path.rglob("reader.safetensors"))
    assert compare_runs.main([str(tmp_path / "run"), str(tmp_path / "other"), "--", *argv]) == 0
    compared = json.loads((tmp_path / "run" / "comparison.json").read_text())
    assert [c["step"] for c in compared.values()] == [4, 4]
    assert all(c["held_out"]["questions"] > 0 and c["low_overlap"]["questions"] == c["held_out"]["questions"] // 4
               and set(c["NoAns_by_kind"]) == set(c["held_out"]["unanswerable_kinds"]) for c in compared.values())


def test_the_questions_worded_least_like_their_sentence_are_seen_again():
    tr = training("train_reader")
    context = "The agency employs 2,300 people. Its rocket was built in Dunmar."
    asked = [("How many people does the agency employ?", "2,300"), ("Where was its rocket built?", "Dunmar"),
             ("What is the size of the organisation's workforce?", "2,300"), ("Where is the rocket from?", "Dunmar")]
    own = [tr.Example(f"q{n}", q, context, a, context.index(a)) for n, (q, a) in enumerate(asked)]
    made_up = tr.Example("q0:negated", "How many people does the agency not employ?", context, None, kind="negated")
    assert [tr.overlap(e) for e in own] == [1.0, 1.0, 0.0, 1.0]
    again = tr.least_overlapping([*own, made_up], 2)
    assert [(e.id, e.question) for e in again] == [("q2:again1", own[2].question), ("q2:again2", own[2].question)]
    assert tr.least_overlapping(own, 0) == []


def test_a_topic_negative_names_a_subject_its_paragraph_never_mentions():
    import random

    train_reader = training("train_reader")
    context = "The minister said that taxes on fuel would rise in the spring."
    question = train_reader.retopic("What did the minister say about the taxes?", context,
                                     ["elephants", "spring", "harbour"], random.Random(0))
    assert question in (f"What did the minister say about the {w}?" for w in ("elephants", "harbour"))
    assert train_reader.retopic("What did the king say about the weather?", context, ["elephants"],
                                 random.Random(0)) is None  # no noun of the question is in the paragraph
    assert train_reader.retopic("What did the minister say about the taxes?", context, [], random.Random(0)) is None


def rousseau(context: str, question: str) -> list[dict]:
    """One SQuAD article, "Rousseau", of one paragraph with one (unanswered) question."""
    return [{"title": "Rousseau", "paragraphs": [{"context": context, "qas": [
        {"id": "q", "question": question, "answers": []}]}]}]


def test_reported_statements_become_say_about_questions_and_near_misses():
    train_reader = training("train_reader")
    context = ("The council met in March. Rousseau argued that people join into a society to achieve unity "
               "while preserving individual freedom.")
    articles = rousseau(context, "What did the council discuss in the elephants house?")
    said, unsaid = train_reader.statements(articles, 0)
    assert said.kind == "said" and said.question.startswith("What did Rousseau say about ")
    assert said.answer == "people join into a society to achieve unity while preserving individual freedom"
    assert context[said.answer_start:said.answer_start + len(said.answer)] == said.answer
    assert unsaid.answer is None and unsaid.question == "What did Rousseau say about elephants?"


def test_a_statement_told_with_its_occasion_is_answered_with_the_statement_not_the_occasion():
    train_reader = training("train_reader")
    context = ("The council met in March. Rousseau argued that people join into a society to achieve unity "
               "while preserving individual freedom. The book sold well.")
    articles = rousseau(context, "What did the council discuss in the Geneva house about elephants?")
    told = train_reader.occasions(articles, 0)
    statement = "people join into a society to achieve unity while preserving individual freedom"
    inserted, fronted = [e for e in told if e.kind == "occasion"]
    assert inserted.context.startswith("The council met in March. Rousseau argued ")
    assert inserted.context.endswith(f" that {statement}. The book sold well.")
    assert fronted.context.startswith("The council met in March. People join into a society")
    assert ", Rousseau argued " in fronted.context and fronted.context.endswith(". The book sold well.")
    for e in (inserted, fronted):  # the statement is the answer, verbatim, wherever the occasion went
        assert e.question.startswith("What did Rousseau say about ")
        assert e.context[e.answer_start:e.answer_start + len(e.answer)].lower() == statement
    assert {e.question for e in told if e.kind == "unoccasion"} == {"What did Rousseau say about elephants?"}
    # An occasion may name the very topic asked about; the statement is still the answer.
    (on_topic, *_) = [e for e in train_reader.occasions(articles, 0, on_topic=1.0) if e.kind == "occasion"]
    topic = on_topic.question.removeprefix("What did Rousseau say about ").rstrip("?")
    assert f" on {topic}" in on_topic.context and on_topic.answer.lower() == statement
    # Asked where (or when) it was said, the occasion is the answer.
    asked = [e for e in train_reader.occasions(articles, 0, asked=True) if e.kind == "asked"]
    assert [e for e in train_reader.occasions(articles, 0, asked=True) if e.kind != "asked"] == told
    assert len(asked) == 2 and all(e.question.startswith(("Where did Rousseau say that people join into",
                                                          "When did Rousseau say that people join into"))
                                   for e in asked)
    assert all(e.context[e.answer_start:e.answer_start + len(e.answer)] == e.answer
               and f"Rousseau argued {e.answer}" in e.context for e in asked)


def test_a_changed_question_is_paired_with_its_original_in_one_batch_and_the_pair_loss_ranks_them():
    import torch

    tr = training("train_reader")
    context = "The army captured the fort in 1812."
    examples = [tr.Example("q0", "What did the army capture?", context, "the fort", context.index("the fort")),
                tr.Example("q0:again1", "What did the army capture?", context, "the fort", context.index("the fort")),
                tr.Example("q0:nounswap", "What did the navy capture?", context, None, kind="nounswap"),
                tr.Example("q1", "When was the fort captured?", context, "1812", context.index("1812")),
                tr.Example("q1:other", "When was the fort captured?", "Another paragraph.", None, kind="other"),
                tr.Example("q2:negated", "When wasn't it built?", context, None, kind="negated")]  # no original
    features = {"example": np.array([0, 1, 2, 3, 4, 5]), "start": np.array([5, 5, 0, 9, 0, 0]),
                "lengths": np.array([12, 12, 12, 11, 8, 10])}
    # Only a changed question against its own paragraph, with SQuAD's own (not its repeat) as the twin.
    assert tr.pairs_of(examples, features) == {0: 2}
    order = tr.batches(features, 2, seed=0, pairs={0: 2})
    assert sorted(w for b in order for w in b) == list(range(6)) and [0, 2] in order
    assert all(len(b) <= 2 for b in order)
    assert tr.batches({"lengths": np.array([5, 5])}, 1, seed=0, pairs={0: 1}) == [[0, 1]]  # never an empty batch

    # Rows 0 (answered, answer at tokens 2..3) and 1 (changed): [CLS] lead ... [SEP] pad, the
    # paragraph's own tokens 2..4 after a lead token 1; a span is never taken from the lead or [SEP].
    windows = {"text_start": np.array([0, 0, 0, 0, 0, 0, 0, 2, 0, 2]), "lengths": np.array([0] * 7 + [6, 0, 6])}
    answerable = tr.answerable_tokens(windows, [7, 9], 7)
    assert answerable[0].tolist() == [False, False, True, True, True, False, False]
    batch = {"start_positions": torch.tensor([2, 0]), "end_positions": torch.tensor([3, 0])}

    def loss(answered_margin: float, changed_margin: float) -> float:
        start, end = torch.zeros(2, 7), torch.zeros(2, 7)
        start[0, 2], end[0, 3] = answered_margin / 2, answered_margin / 2
        start[1, 2], end[1, 4] = changed_margin / 2, changed_margin / 2
        start[1, 1] = end[1, 5] = start[1, 6] = 100.0  # the lead, [SEP] and padding are never a span
        return float(tr.pair_loss(start, end, batch, [7, 9], {7: 9}, margin=4.0, answerable=answerable))

    assert loss(10.0, 0.0) == pytest.approx(math.log1p(math.exp(-6.0)), rel=1e-4)
    assert loss(2.0, 6.0) == pytest.approx(math.log1p(math.exp(8.0)), rel=1e-4)
    assert tr.pair_loss(torch.zeros(2, 7), torch.zeros(2, 7), batch, [7, 8], {7: 9}, margin=4.0,
                        answerable=answerable) is None


def test_an_inswap_negative_swaps_in_a_name_or_year_of_the_same_paragraph():
    import random

    train_reader = training("train_reader")
    context = "In 1830 Chopin left Warsaw for Vienna, and in 1831 he settled in Paris."
    question = train_reader.inswap("Where did Chopin settle in 1831?", context, "Paris", random.Random(0))
    # Every word is still the paragraph's, in a relation it does not state; never the answer itself.
    assert question in ("Where did Chopin settle in 1830?", "Where did Warsaw settle in 1831?",
                        "Where did Vienna settle in 1831?")
    assert train_reader.inswap("Where did Liszt settle?", context, "Paris", random.Random(0)) is None


def test_a_nounswap_negative_asks_about_another_thing_of_the_same_kind_the_paragraph_names(word_net):
    import random

    train_reader, wordnet = training("train_reader"), word_net
    context = ("In 1812 the army captured the fortress after a long siege. Later the navy blockaded the "
               "harbour, and the town was quiet.")
    answer = "the fortress"
    start = context.index(answer)
    asked = {train_reader.nounswap("What did the army capture in 1812?", context, answer, start, random.Random(seed),
                                   wordnet) for seed in range(10)}
    # army (a group) for navy, the paragraph's other group: never town or harbour (not groups), never the answer.
    assert asked == {"What did the navy capture in 1812?"}
    # An adjective after "the" is not a noun to swap ("the total"), and without WordNet nothing is made.
    assert wordnet.category("total") is None and wordnet.category("armies") == wordnet.category("army")
    assert train_reader.nounswap("What did the army capture?", context, answer, start, random.Random(0), None) is None
    # No other noun of that kind in the paragraph: none.
    assert train_reader.nounswap("What did the army capture?", "The army captured the fortress.", answer, 16,
                                 random.Random(0), wordnet) is None


def test_an_antonym_negative_draws_on_wordnet_beyond_the_list_of_pairs(word_net):
    import random

    train_reader, antonyms = training("train_reader"), word_net.antonyms()
    assert "decrease" in antonyms["increase"] and "illegal" in antonyms["legal"]
    context = "Parliament made the sale of raw milk legal in 1998."
    assert train_reader._oppose("When was the sale of raw milk made legal?", context, random.Random(0)) is None
    assert (train_reader._oppose("When was the sale of raw milk made legal?", context, random.Random(0), antonyms)
            == "When was the sale of raw milk made illegal?")
    # Where the paragraph holds the opposite too, the question is not made unanswerable that way.
    assert train_reader._oppose("When was raw milk legal?", context + " It had been illegal.", random.Random(0),
                                antonyms) is None


def test_say_frames_ask_the_same_question_as_a_reader_of_the_news_does():
    train_reader = training("train_reader")
    context = "Domestic companies offer reliable software solutions, the minister said."
    articles = [{"title": "Vladimir Putin", "paragraphs": [{"context": context, "qas": [
        {"id": "q", "question": "What do domestic companies offer?",
         "answers": [{"text": "reliable software solutions", "answer_start": 25}]}]}]}]
    framed = train_reader.in_context(train_reader.say_frames(articles), articles, "title")
    assert [e.question for e in framed] == ["What does the article say domestic companies offer?",
                                            "What did Vladimir Putin say domestic companies offer?"]
    expected = ("reliable software solutions", 25, "Vladimir Putin")
    assert {(e.answer, e.answer_start, e.lead) for e in framed} == {expected}
    # The lead is read first; the answer's tokens are still the targets.
    features = train_reader.featurize(qa.models.reading.load_tokenizer(), framed[:1], 64, 16)
    ids = features["ids"][features["offsets"][0]:features["offsets"][1]]
    answer = ids[features["start"][0]:features["end"][0] + 1]
    assert qa.models.reading.load_tokenizer().decode(answer) == "reliable software solutions"


@pytest.mark.parametrize("sentence", [
    "According to Rousseau, people join into a society to achieve unity while keeping their freedom.",
    "“People join into a society to achieve unity while keeping their freedom,” said Rousseau.",
    "Rousseau said the people join into a society to achieve unity while keeping their freedom.",
    "Rousseau wrote: “People join into a society to achieve unity while keeping their freedom.”",
])
def test_statements_are_found_however_the_news_reports_them(sentence):
    train_reader = training("train_reader")
    articles = rousseau(f"The council met in March. {sentence}", "What did the council discuss about elephants?")
    said, unsaid = train_reader.statements(articles, 0)
    assert said.question.startswith("What did Rousseau say about ") and unsaid.answer is None
    assert said.answer.lower().removeprefix("the ").startswith("people join into a society")
    assert said.context[said.answer_start:said.answer_start + len(said.answer)] == said.answer


def test_a_swapped_name_is_absent_from_the_whole_article_not_only_the_paragraph():
    import random

    train_reader = training("train_reader")
    context = "In 1831 Chopin settled in Paris."
    article = "Frédéric Chopin was a Polish composer. He met Liszt.\nIn 1831 Chopin settled in Paris."
    for seed in range(20):  # Liszt is named elsewhere in the article, so the context read before may hold him
        swapped = train_reader.swap("Where did Chopin settle?", context, ["Liszt", "Berlioz"], random.Random(seed),
                                     article)
        assert swapped in (None, "Where did Berlioz settle?")


def test_a_paraphrase_asks_in_other_words_that_the_paragraph_lacks(word_net):
    import random

    train_reader, wordnet = training("train_reader"), word_net
    context = ("In February 2014 Swiss voters narrowly approved a proposal to restrict immigration from the "
               "European Union. The motto was adopted in 1865.")
    answer = "a proposal to restrict immigration from the European Union"
    # "voters" and "restrict" are the paragraph's words; "restrict" is in the answer, so it stays.
    asked = {train_reader.paraphrase("What did Swiss voters narrowly approve to restrict?", context, answer, wordnet,
                                     random.Random(seed)) for seed in range(5)}
    assert asked == {"What did Swiss electors narrowly approve to restrict?"}
    # A synonym of the word's commonest sense whose own commonest sense it is; a verb form kept.
    assert wordnet.synonyms("restrict") == ("v", ["curtail"])
    assert "bosom" not in wordnet.synonyms("heart")[1]
    motto = train_reader.paraphrase("When was the motto adopted?", context, "1865", wordnet, random.Random(0))
    assert motto in {f"When was the {w} adopted?" for w in ("slogan", "catchword", "shibboleth")}
    # Nothing the paragraph holds that WordNet can replace: no paraphrase.
    assert train_reader.paraphrase("Who sang Yesterday?", context, "1865", wordnet, random.Random(0)) is None
    # SQuAD's own questions are reworded, as new examples; the made-up kinds keep their words.
    examples = [train_reader.Example("q", "What did Swiss voters narrowly approve?", context, answer, 29),
                train_reader.Example("s", "What did Swiss voters say about immigration?", context, answer, 29,
                                     kind="said"),
                train_reader.Example("n", "What did Swiss voters narrowly approve?", context, None, kind="other")]
    reworded = train_reader.paraphrased(examples, 1.0, wordnet, 0)
    assert [(e.kind, e.question) for e in reworded] == [("paraphrase", "What did Swiss electors narrowly approve?"),
                                                        *[(e.kind, e.question) for e in examples[1:]]]
    assert examples[0].question == "What did Swiss voters narrowly approve?" and reworded[1:] == examples[1:]


def test_the_open_threshold_counts_each_kind_of_question_as_its_share_of_the_mix():
    choose_threshold = training("choose_threshold")
    # Two answerable questions (best span margins 5 and 1, both right) and one unanswerable (3).
    rows = [[(5.0, 0.0, 1.0)], [(1.0, 0.0, 1.0)], [(3.0, 0.0, 0.0)]]
    answerable = np.array([True, True, False])
    counted = choose_threshold.best_choice(rows, answerable, choose_threshold.shares_of(answerable, 1 / 3))
    assert counted[2] == 1.0 and counted[0] == pytest.approx(2 / 3)  # answering all is as good as declining 3
    # Standing for half of the mix, the unanswerable one is worth declining, at the cost of the margin-1 answer.
    half = choose_threshold.best_choice(rows, answerable, choose_threshold.shares_of(answerable, 0.5))
    assert half[2] > 3.0 and half[0] == pytest.approx(0.75) and half[3:5] == (0.5, 1.0)


def test_a_run_killed_between_the_checkpoints_renames_resumes_from_the_new_one(tmp_path):
    import torch

    train_reader = training("train_reader")

    def fresh(value):
        model = torch.nn.Linear(2, 1)
        torch.nn.init.constant_(model.weight, value)
        optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)
        return model, optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)

    for step, value in [(10, 1.0), (20, 2.0)]:
        model, optimizer, scheduler = fresh(value)
        train_reader.save_checkpoint(tmp_path, model, optimizer, scheduler, step, [{"step": step}])
    assert sorted(f.name for f in tmp_path.iterdir()) == ["checkpoint"]
    # Killed after the first rename: the last checkpoint is .old, the new one, whole, is .tmp.
    (tmp_path / "checkpoint").rename(tmp_path / "checkpoint.old")
    model, optimizer, scheduler = fresh(3.0)
    train_reader.save_checkpoint(tmp_path, model, optimizer, scheduler, 30, [{"step": 30}])
    (tmp_path / "checkpoint").rename(tmp_path / "checkpoint.tmp")
    model, optimizer, scheduler = fresh(0.0)
    step, log, _, _ = train_reader.load_checkpoint(tmp_path, model, optimizer, scheduler)
    assert (step, log) == (30, [{"step": 30}]) and model.weight.detach()[0, 0].item() == 3.0
    # The next save tidies up what the kill left.
    train_reader.save_checkpoint(tmp_path, model, optimizer, scheduler, 40, log)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["checkpoint"]
    # Killed while writing .tmp (no state.json yet): the checkpoint in place is the one resumed.
    (tmp_path / "checkpoint.tmp").mkdir()
    (tmp_path / "checkpoint.tmp" / "model.safetensors").write_bytes(b"half")
    assert train_reader.load_checkpoint(tmp_path, *fresh(0.0))[0] == 40


def test_shipping_a_run_records_its_time_per_stretch_and_the_reader_it_replaces(tmp_path):
    ship_reader = training("ship_reader")
    run, models = tmp_path / "run", tmp_path / "models"
    run.mkdir()
    models.mkdir()
    (run / "train.log").write_text("\n".join([
        "train: 2 articles, 10 examples (2 unanswerable), 12 windows; held out: 1 articles, 3 questions; 300 steps",
        "training on cpu", "step 50/300 loss 2.000 lr 1.00e-05 8.0 windows/s",
        "step 100/300 loss 1.500 lr 2.00e-05 4.0 windows/s",  # the rate since the start: 100 steps in 800 s
        "training on cpu", "resumed at step 90",
        "held-out at step 100: {}", "step 150/300 loss 1.200 lr 1.00e-05 16.0 windows/s",
        "step 200/300 loss 1.100 lr 1.00e-05 16.0 windows/s"]) + "\n")
    record = {"steps_trained": 200, "hyperparameters": {"epochs": 2.0, "steps": 2400}, "threshold": 1.0}
    (run / "reader.safetensors").write_bytes(b"weights")
    (run / "reader.json").write_text(json.dumps(record))
    (models / "reader.json").write_text(json.dumps({"steps_trained": 3000, "training_history": "v1", "log": [1]}))
    (models / "reader.safetensors").write_bytes(b"old weights")
    with pytest.raises(SystemExit, match="step 200 of 300: the run has not finished"):
        ship_reader.ship(run, models / "reader.safetensors")
    (run / "reader.json").write_text(json.dumps({**record, "steps_trained": 300}))
    with pytest.raises(SystemExit, match="no thresholds chosen"):
        ship_reader.ship(run, models / "reader.safetensors")
    chosen = {**record, "steps_trained": 300, "threshold_open": 2.0, "held_out_reading": {}}
    (run / "reader.json").write_text(json.dumps(chosen))
    shipped = ship_reader.ship(run, models / "reader.safetensors")
    assert (models / "reader.safetensors").read_bytes() == b"weights"
    assert json.loads((models / "reader.json").read_text()) == shipped
    assert shipped["train_time"]["stretches"] == [{"from_step": 0, "to_step": 100, "seconds": 800},
                                                  {"from_step": 90, "to_step": 200, "seconds": 220}]
    assert shipped["train_time"]["steps_not_logged"] is None and shipped["hyperparameters"]["steps"] is None
    assert shipped["previous_version"] == {"steps_trained": 3000, "training_history": "v1",  # not its log
                                           "weights_sha256": hashlib.sha256(b"old weights").hexdigest()}


@pytest.mark.slow
def test_compare_readers_reads_the_same_questions_each_at_its_own_threshold(tmp_path, wordnet):
    compare_readers = training("compare_readers")
    shipped = qa.models.reading.WEIGHTS
    record = json.loads(shipped.with_suffix(".json").read_text())

    def copy(name: str, **changed) -> Path:
        weights = tmp_path / f"{name}.safetensors"
        shutil.copy(shipped, weights)
        weights.with_suffix(".json").write_text(json.dumps({**record, **changed}))
        return weights

    never = copy("never", threshold=1e9)  # the same reader, declining everything
    out = tmp_path / "compared.json"
    argv = ["--train", str(DATA / "squad-train-tiny.json"), "--wordnet", str(wordnet)]
    assert compare_readers.main([str(shipped), str(never), *argv, "--out", str(out)]) == 0
    compared = json.loads(out.read_text())
    a, b = compared[str(shipped)], compared[str(never)]
    assert a["answerable"]["questions"] == b["answerable"]["questions"] > 0
    assert a["low_overlap"]["questions"] == a["answerable"]["questions"] // 4
    assert a["declined"].keys() == b["declined"].keys() and {"other", "swapped", "negated"} <= a["declined"].keys()
    for group in ("answerable", "low_overlap", "reworded"):  # one reading, two thresholds
        assert a[group]["f1_always_answering"] == b[group]["f1_always_answering"]
        assert b[group]["answered"] == b[group]["f1"] == 0.0
    assert a["answerable"]["answered"] > 50 and all(k["share"] == 100.0 for k in b["declined"].values())
    elsewhere = copy("elsewhere", hyperparameters={**record["hyperparameters"], "holdout_articles": 1})
    with pytest.raises(SystemExit, match="different articles"):
        compare_readers.main([str(shipped), str(elsewhere), *argv])


def test_compare_spelling_reads_held_out_questions_as_written_and_with_a_typo(tmp_path):
    compare_spelling = training("compare_spelling")
    out = tmp_path / "spelling.json"
    assert compare_spelling.main(["--train", str(DATA / "squad-train-tiny.json"), "--typos", "4",
                                  "--out", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["as_written"]["questions"] > 0 and figures["one_typo"]["questions"] == 4
    assert 0 <= figures["one_typo"]["typo_undone"] <= figures["one_typo"]["typo_made"] <= 4
    # A typo is made in a word of five letters or more, and a question without one is left.
    import random

    typed = compare_spelling.typo("what was the population", random.Random(0))
    assert typed != "what was the population" and typed.split()[:3] == ["what", "was", "the"]
    assert compare_spelling.typo("Who is he?", random.Random(0)) == "Who is he?"
