"""Follow-ups resolved incrementally: each earlier question of a conversation once."""

from qa.pipeline import conversation
from qa.pipeline.conversation import MAX_QUERY_CHARS, is_followup, resolve, resolved


def turns(*questions):
    return [m for q in questions for m in ({"role": "user", "content": q}, {"role": "assistant", "content": "…"})]


def test_a_question_with_a_pronoun_or_a_continuation_leans_on_the_previous_one():
    assert is_followup("Why did he thank them?", ["thank"]) and is_followup("And companies?", ["compani"])
    assert is_followup("Why?", []) and not is_followup("Who thanked the companies?", ["thank", "compani"])
    # "IT" is the industry, not "it"; shouted, it is the pronoun again.
    assert not is_followup("How many organizations are operating in the IT area?", ["organ", "oper", "area"])
    assert is_followup("Is it growing?", ["grow"]) and is_followup("WHO BUILT IT?", ["built"])
    assert resolve("Why?", "Who did Putin thank?", followup=True) == "Why? Who did Putin thank?"
    assert resolve("Who is Putin?", "Why?", followup=False) == "Who is Putin?"


def test_a_long_chain_stays_bounded_newest_words_first():
    query = resolve("And then?", "x " * 400, followup=True)
    assert len(query) <= MAX_QUERY_CHARS and query.startswith("And then?")


def test_each_earlier_question_is_resolved_once(monkeypatch):
    seen = []
    real = conversation.resolve
    monkeypatch.setattr(conversation, "resolve", lambda q, p, **kw: seen.append(q) or real(q, p, followup=False))
    conversation._known.clear()
    history = turns("Who did Putin thank?", "Who built the infrastructure?", "Which project?")
    assert resolved(history) == "Which project?"
    assert seen == ["Who did Putin thank?", "Who built the infrastructure?", "Which project?"]
    seen.clear()
    assert resolved([*history, *turns("How many organizations?")]) == "How many organizations?"
    assert seen == ["How many organizations?"]  # the three before it are not resolved again


def test_a_bare_question_word_asks_the_previous_question_again_with_it():
    from qa.pipeline.conversation import reasked

    assert reasked("Why?", "Who did Putin thank?") == "Why did Putin thank?"
    assert reasked("and when", "What did Putin say about cyber security?") == "When did Putin say about cyber security?"
    assert reasked("Why?", "How many organizations are operating in the IT area?") == \
        "Why are organizations operating in the IT area?"
    assert reasked("When?", "How much will the airport line cost?") == "When will the airport line cost?"
    # Not of those shapes, or asked with that word already: the reader reads the query.
    assert reasked("Why?", "What role did IT play?") is None
    assert reasked("Why?", "How many specialists work in IT?") is None
    assert reasked("Why?", "Why did Putin thank them?") is None
    assert reasked("Why?", "And how many organizations? How many specialists work in IT?") is None
    assert reasked("Why do they?", "Who did Putin thank?") is None  # words of its own: read as asked
    assert reasked("Why?", "Who?") is None

