"""The chat page's request logic and panels on hand-made values: no Gradio, no model, no server."""

import subprocess
import sys

import pytest

import qa
from qa.apps.web import panels
from qa.apps.web.state import (
    MAX_UPLOAD_MB,
    check_file,
    check_upload,
    current_conversation,
    documents_turn,
    question_turn,
    safe_name,
    warning_turn,
)

TEXT = "Owl report. Owls eat <b>mice</b> every night. They nest in barns."
EATS = (TEXT.index("Owls eat"), TEXT.index(" They"))  # the evidence: the second sentence


def _doc(id="owls.txt", text=TEXT, title="Owl report", **kw) -> qa.Document:
    return qa.Document(id=id, text=text, title=title, language="en", **kw)  # a language given: no detector


def _answer(passages=None, quotes=None) -> qa.Answer:
    passage = qa.Passage(TEXT[12:], 0.87, "owls.txt", "Owl report", 12, len(TEXT), 0)
    quote = qa.Evidence("owls.txt", *EATS, 1, TEXT[EATS[0]:EATS[1]])
    return qa.Answer(short_answer="mice", quotes=[quote] if quotes is None else quotes,
                     passages=[passage] if passages is None else passages, abstained=False, confidence=0.9)


def test_sources_mark_the_evidence_and_show_document_html_as_text():
    shown = panels.sources_html(_answer(), 5)
    assert shown.startswith('<div class="qa-source qa-cited"><div class="qa-meta"><b>[1] Owl report</b> · score 0.87 · '
                            f"characters 12–{len(TEXT)}</div>")
    assert '<mark class="qa-evidence">Owls eat &lt;b&gt;mice&lt;/b&gt; every night.</mark> They nest' in shown
    assert "<b>mice" not in shown


def test_a_passage_not_retrieved_shows_no_score():
    lead = qa.Passage(TEXT, None, "owls.txt", "Owl report", 0, len(TEXT), 0)  # an overview's lead passage
    shown = panels.sources_html(_answer(passages=[lead]), 5)
    assert f"<b>[1] Owl report</b> · characters 0–{len(TEXT)}</div>" in shown and "score" not in shown


def test_sources_show_at_most_k_passages_and_can_be_hidden():
    two = [qa.Passage(TEXT, 1.0, "owls.txt", "Owl report", 0, len(TEXT), 0),
           qa.Passage("Other.", 0.5, "b.txt", "B & C", 0, 6, 1)]
    assert panels.sources_html(_answer(passages=two), 5).count('class="qa-source') == 2
    assert "[2] B &amp; C" in panels.sources_html(_answer(passages=two), 5)
    assert panels.sources_html(_answer(passages=two), 1).count('class="qa-source') == 1
    assert panels.sources_panel(_answer(passages=two), 1.0, True) == panels.sources_html(_answer(passages=two), 1)
    assert panels.sources_panel(_answer(), 5, False) == panels.HIDDEN
    assert panels.sources_html(None, 5) == "<p>Ask a question to see its sources here.</p>"


def test_the_cited_card_is_marked_and_a_decline_marks_its_nearest_sentence_as_nearest():
    two = [qa.Passage("Other.", 0.9, "b.txt", "B", 0, 6, 0), qa.Passage(TEXT, 0.5, "owls.txt", "Owl report", 0,
                                                                         len(TEXT), 1)]
    cited = qa.Evidence("owls.txt", *EATS, 2, TEXT[EATS[0]:EATS[1]])
    shown = panels.sources_html(_answer(passages=two, quotes=[cited]), 5)
    assert shown.count("qa-cited") == 1 and shown.index("qa-cited") > shown.index("[1] B")  # card [2]
    declined = qa.Answer(short_answer=None, quotes=[], passages=two[1:], abstained=True, confidence=0.1,
                         nearest=qa.Evidence("owls.txt", *EATS, 1, TEXT[EATS[0]:EATS[1]]))
    shown = panels.sources_html(declined, 5)
    assert '<mark class="qa-nearest">Owls eat &lt;b&gt;mice&lt;/b&gt; every night.</mark>' in shown
    assert "nearest passage, not evidence" in shown and "qa-evidence" not in shown
    assert panels.article_document(declined) == "owls.txt"
    assert '<mark class="qa-nearest">Owls eat' in panels.article_html(_doc(), declined)


def test_a_card_over_a_page_break_names_both_pages():
    passage = qa.Passage(TEXT, 0.5, "owls.pdf", "Owl report", 0, len(TEXT), 0, page=1, last_page=2)
    shown = panels.sources_html(_answer(passages=[passage]), 5)
    assert "[1] Owl report, pp. 1–2</b>" in shown
    one = qa.Passage(TEXT, 0.5, "owls.pdf", "Owl report", 0, len(TEXT), 0, page=2, last_page=2)
    assert "[1] Owl report, p. 2</b>" in panels.sources_html(_answer(passages=[one]), 5)


def test_the_article_shows_the_evidence_document_marked_in_place():
    answer = _answer()
    assert panels.article_document(answer) == "owls.txt"
    assert panels.article_document(_answer(quotes=[])) == "owls.txt"  # no evidence: the best passage's
    assert panels.article_document(_answer(quotes=[], passages=[])) is None
    assert panels.article_document(None) is None
    shown = panels.article_html(_doc(), answer)
    assert shown == ('<div class="qa-article"><p>Owl report. <mark class="qa-evidence">Owls eat &lt;b&gt;mice'
                     '&lt;/b&gt; every night.</mark> They nest in barns.</p></div>')  # the title is in the text
    other = panels.article_html(_doc(id="b.txt", title="<i>Barns</i>"), answer)
    assert other.startswith('<div class="qa-article"><h3>&lt;i&gt;Barns&lt;/i&gt;</h3>')
    assert "<mark" not in other  # the evidence is in another document


def test_the_documents_table_counts_chunks_from_the_manifest():
    docs = [_doc(), _doc(id="b.txt", text="Barns are old.", title="Barns")]
    manifest = {"sources": [{"id": "owls.txt", "chunks": 3}]}
    rows = panels.documents_table(docs, manifest)
    assert rows == [["Owl report", "owls.txt", len(TEXT), 3], ["Barns", "b.txt", 14, 0]]
    assert panels.documents_json(rows)[1] == {"title": "Barns", "id": "b.txt", "characters": 14, "chunks": 0}
    table = panels.documents_html([["<i>Owls</i>", "owls.txt", 12345, 3]])
    assert "<th>Title</th><th>Id</th><th>Characters</th><th>Chunks</th>" in table
    assert ("<td>&lt;i&gt;Owls&lt;/i&gt;</td><td class=\"qa-id\">owls.<wbr>txt</td>"
            "<td class=\"qa-num\">12,345</td>") in table
    # An id breaks only after a separator: "harbor.txt" is never cut as "harbo r.txt" on a phone.
    assert "reports/<wbr>q1-<wbr>a&amp;b.<wbr>pdf" in panels.documents_html([["T", "reports/q1-a&b.pdf", 1, 1]])


def test_example_questions_come_from_the_documents_own_headings_and_titles():
    text = "Bee facts\n\nHives\n\nA hive holds 50,000 bees.\n\nQueens\n\nOne lays the eggs."
    spans = [(text.index(h), text.index(h) + len(h)) for h in ("Bee facts", "Hives", "Queens")]
    bees = _doc(id="bees.md", text=text, title="Bee facts",
                headings=[(a, b, 1 if n == 0 else 2) for n, (a, b) in enumerate(spans)])  # the first is the title
    assert panels.example_questions([bees, _doc()]) == [
        "What does it say about Hives?", "What does it say about Queens?",
        "What is “Bee facts” about?", "What is “Owl report” about?"]
    assert panels.example_questions([bees, _doc()], n=1) == ["What does it say about Hives?"]
    assert panels.example_questions([_doc(), _doc(id="copy.txt")]) == [
        "What is “Owl report” about?", "What are these documents about?"]
    # A heading or title too long for a button is left out, never cut mid-word.
    long = "Best sellers of the decade in every country we track"
    text = f"Books\n\n{long}\n\nThe list."
    books = _doc(id="books.md", text=text, title="Books", headings=[(7, 7 + len(long), 2)])
    assert panels.example_questions([books]) == ["What is “Books” about?", "What is this document about?"]
    assert panels.example_questions([_doc(title="A title far too long to show whole on a button")]) == [
        "What is this document about?"]  # never no example at all


def test_the_status_after_an_upload_names_what_was_added_and_what_was_not():
    assert panels.added(["Bees", "*Owls*"], ["run.exe: unsupported file type '.exe'"]) == (
        "Added “Bees”, “\\*Owls\\*”.\n\n⚠️ Not added: run.exe: unsupported file type '.exe'\n\n")


def test_the_header_names_the_documents_as_text():
    one = [_doc(title="*Owls* <b>")]
    assert panels.header(one) == ("## articleqa\nAsk about the article: “\\*Owls\\* \\<b\\>”. Every answer is "
                                  "quoted from the text and cited; when the text does not say, the bot says so.")
    five = [_doc(id=f"{n}.txt", title=f"T{n}") for n in range(5)]
    assert "Ask about 5 documents: “T0”, “T1”, “T2” and 2 more." in panels.header(five)
    assert "Ask about your documents: “T0”" in panels.header(five, uploaded=True)
    assert panels.placeholder(one) == "Ask about the article…"
    assert panels.placeholder(five, uploaded=True) == "Ask about your documents…"
    assert (panels.document_tab(one), panels.document_tab(one, uploaded=True), panels.document_tab(five)) == (
        "Article", "Document", "Document")
    assert panels.answering_from(five[:2]) == "Answering from “T0”, “T1”."


def test_an_upload_name_keeps_its_letters_in_any_script():
    assert safe_name("/tmp/gradio/ab12/Отчёт 2024 (итог).pdf") == "Отчёт 2024 _итог_.pdf"


def test_a_bad_upload_is_refused_before_it_is_copied_with_the_file_named_as_uploaded(tmp_path):
    kinds = ".txt, .md, .html, .pdf or .docx"
    (tmp_path / "fine.txt").write_text("Owls eat mice.")
    with pytest.raises(qa.SourceError, match=rf"^no file chosen: pick {kinds} files to upload$"):
        check_upload([])
    check_upload([str(tmp_path / "fine.txt")])
    for name, suffix in [("run.exe", "'.exe'"), ("README", "'(none)'"), ("..\\..\\evil.sh", "'.sh'")]:
        (tmp_path / name).write_bytes(b"x")
        shown = safe_name(name)
        with pytest.raises(qa.SourceError) as refused:
            check_file(str(tmp_path / name))
        assert str(refused.value) == f"{shown}: unsupported file type {suffix}; upload {kinds}"
    limit = MAX_UPLOAD_MB * 1024 * 1024
    for name, size in [("at-limit.TXT", limit), ("huge.txt", limit + 1)]:
        with (tmp_path / name).open("wb") as f:
            f.truncate(size)  # sparse: no bytes written
    check_file(str(tmp_path / "at-limit.TXT"))  # the limit itself, in capitals, is accepted
    with pytest.raises(qa.SourceError, match=rf"^huge\.txt is over the {MAX_UPLOAD_MB} MB upload limit: "
                                             "upload a smaller file$"):
        check_file(str(tmp_path / "huge.txt"))


def test_the_question_is_echoed_as_text_and_a_long_paste_is_cut():
    assert question_turn("  # Who <img src=x> eats mice?  ") == [
        {"role": "user", "content": "\\# Who \\<img src=x\\> eats mice?"}]
    assert question_turn("") == question_turn("   ") == question_turn(None) == []
    long = question_turn("a" * 301)[0]["content"]
    assert long == "a" * 300 + "…"
    assert question_turn("a" * 300)[0]["content"] == "a" * 300
    assert warning_turn(qa.QuestionError("the question is <empty>")) == {
        "role": "assistant", "content": "⚠️ the question is \\<empty\\>"}


def test_the_conversation_followed_up_starts_where_the_documents_last_changed():
    asked = [{"role": "user", "content": "How many organizations?"}, {"role": "assistant", "content": "60,000 [1]"}]
    bees = documents_turn("Now answering from “Bee facts”.")
    later = [{"role": "user", "content": "How many bees?"}, {"role": "assistant", "content": "50,000 [1]"}]
    assert bees == {"role": "assistant", "content": "*Now answering from “Bee facts”.*"}
    assert current_conversation(asked) == asked  # the documents never changed
    assert current_conversation([*asked, bees]) == []
    assert current_conversation([*asked, bees, *later]) == later
    assert current_conversation([*asked, bees, *later, documents_turn("Now answering from “Owls”.")]) == []
    # As Gradio sends a turn back: its content in parts; and a visitor typing the mark is not a change.
    parts = {"role": "assistant", "content": [{"type": "text", "text": bees["content"]}]}
    assert current_conversation([*asked, parts, *later]) == later
    typed = [{"role": "user", "content": "*Now answering from* what?"}, {"role": "assistant", "content": "No."}]
    assert current_conversation([*asked, *typed]) == [*asked, *typed]


def test_the_request_logic_imports_without_gradio():
    code = ("import sys, qa.apps.web, qa.apps.web.state, qa.apps.web.panels; "
            "assert 'gradio' not in sys.modules, 'gradio was imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
