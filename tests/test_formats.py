"""Documents as people have them: real HTML, PDF, Word, Markdown and UTF-16 files made here.

What is indexed (no navigation, no running headers, headings not sentences), what is quoted
(never a heading), and what the citation says (section path, page).
"""

from __future__ import annotations

import pytest
from conftest import headed_pdf, long_pdf, two_page_pdf, word_file

import qa
from qa.ingest.documents import read_file

LIMIT = 20 * 1024 * 1024

PAGE = """<!doctype html><html><head><title>Bramble the Robot | City News</title></head><body>
<header><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a> |
<a href="/contact">Contact us</a></nav></header>
<div class="menu"><ul><li><a href="/a">Politics</a></li><li><a href="/b">Business</a></li>
<li><a href="/c">Weather forecast</a></li></ul></div>
<main><article>
<h1>Bramble the Robot</h1>
<p>The robot, named <em>Bramble</em>, was built in <strong>2019</strong> by students at the
local college.</p>
<h2>Design</h2>
<p>It weighs 40 kilograms and runs on two <a href="/batteries">lithium batteries</a>. Its arms were
designed by Ada Lin.</p>
<h2>History</h2>
<p>Bramble first walked in March 2020. It has since visited twelve schools across the region.</p>
</article></main>
<aside>Related: <a href="/x">Ten robots you should know</a></aside>
<footer>© 2024 City News. All rights reserved. <a href="/privacy">Privacy policy</a></footer>
</body></html>"""


def _section_of(doc: qa.Document, phrase: str) -> tuple[str, ...]:
    return doc.section(doc.text.index(phrase))


def test_html_keeps_the_main_text_and_its_headings_and_drops_navigation(tmp_path):
    (tmp_path / "robot.html").write_text(PAGE, encoding="utf-8")
    doc = read_file(tmp_path / "robot.html", max_file_bytes=LIMIT)
    assert doc.title == "Bramble the Robot"  # the page's own, without the site's name
    for boilerplate in ("Contact us", "Politics", "Weather forecast", "Privacy policy", "All rights reserved"):
        assert boilerplate not in doc.text
    # Inline tags are words of their sentence; a wrapped line is not a break either.
    assert "The robot, named Bramble, was built in 2019 by students at the local college." in doc.text
    assert [doc.text[a:b] for a, b, _ in doc.headings] == ["Bramble the Robot", "Design", "History"]
    assert _section_of(doc, "Ada Lin") == ("Design",)  # the h1 is the title: not said twice


def test_an_answer_from_html_is_cited_with_its_section_and_never_quotes_a_heading(tmp_path):
    (tmp_path / "robot.html").write_text(PAGE, encoding="utf-8")
    index = qa.build_index([tmp_path / "robot.html"], tmp_path / "ix", progress=False)
    answer = qa.Chatbot(index).ask("Who designed the robot's arms?")
    assert answer.short_answer == "Ada Lin"
    passage = answer.passages[answer.quotes[0].passage - 1]
    assert passage.citation == "Bramble the Robot › Design"
    assert "(Bramble the Robot › Design) [1]" in answer.text
    headings = {index.document("robot.html").text[a:b] for a, b, _ in index.document("robot.html").headings}
    sentences = {index.sentence_text(i) for i in range(len(index.sentences))}
    assert not headings & sentences  # a heading is never a sentence, so never quoted


def test_pdf_pages_filled_in_alike_keep_their_full_lines(tmp_path):
    # Each page's second line reads alike but for its numbers ("and 3 keepers on duty. The road
    # to station 1 ..."): a full line of text, not a running header.
    (tmp_path / "reports.pdf").write_bytes(long_pdf(100))
    doc = read_file(tmp_path / "reports.pdf", max_file_bytes=qa.Settings.max_file_bytes)
    assert doc.text.count("keepers on duty. The road to station") == 100


def test_pdf_joins_a_sentence_across_pages_drops_running_lines_and_cites_the_page(tmp_path):
    (tmp_path / "report.pdf").write_bytes(two_page_pdf())
    doc = read_file(tmp_path / "report.pdf", max_file_bytes=LIMIT)
    assert "Night Birds Quarterly" not in doc.text and "Page 1 of 2" not in doc.text
    across = "and the barn owl can find a mouse in complete darkness by hearing alone."
    assert across in doc.text
    assert doc.page(doc.text.index("Owls are birds")) == 1 and doc.page(doc.text.index("cough up")) == 2
    index = qa.build_index([doc], tmp_path / "ix", progress=False)
    sentences = [index.sentence_text(i) for i in range(len(index.sentences))]
    assert any(across in s for s in sentences)  # one sentence, not two halves
    answer = qa.Chatbot(index).ask("What do owls cough up?")
    assert answer.short_answer == "pellets" and answer.quotes[0].page == 2
    assert answer.passages[0].citation == "Owl field report, p. 1"  # where the passage starts
    assert "(Owl field report, p. 2) [1]" in answer.text  # where the quote is


def test_pdf_headings_are_told_by_their_type_and_the_first_one_titles_the_document(tmp_path):
    (tmp_path / "orchard.pdf").write_bytes(headed_pdf())  # no title in its metadata
    doc = read_file(tmp_path / "orchard.pdf", max_file_bytes=LIMIT)
    assert doc.title == "The Oakdale Community Orchard"  # not the file's name
    assert [(doc.text[a:b], level) for a, b, level in doc.headings] == [("The Oakdale Community Orchard", 1),
                                                                        ("Funding and care", 2)]
    assert _section_of(doc, "district council") == ("Funding and care",)
    index = qa.build_index([doc], tmp_path / "ix", progress=False)
    sentences = [index.sentence_text(i) for i in range(len(index.sentences))]
    # Each paragraph its own block: the heading is not glued to the sentence under it.
    assert sentences[0] == "The Oakdale Community Orchard was planted in 1998 by volunteers from the parish."
    assert "Every autumn the orchard hosts a harvest day, and the surplus fruit goes to the food bank." in sentences
    answer = qa.Chatbot(index).ask("When was the orchard planted?")
    assert answer.short_answer == "1998"
    assert answer.quotes[0].text.startswith("The Oakdale Community Orchard was planted")


def test_a_pdf_set_all_in_bold_has_no_headings_from_its_weight(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 11)
    for text in ["The orchard grows old varieties of fruit, planted by volunteers in 1998.", "Apples",
                 "Pears and quinces grow along the southern wall, where the frost is lightest."]:
        pdf.multi_cell(0, 6, text)
        pdf.ln(4)
    (tmp_path / "bold.pdf").write_bytes(bytes(pdf.output()))
    doc = read_file(tmp_path / "bold.pdf", max_file_bytes=LIMIT)
    assert doc.headings == () and "Apples" in doc.text  # a short line is text, not a heading


def test_word_files_keep_their_headings_and_tables(tmp_path):
    (tmp_path / "notes.docx").write_bytes(word_file())
    doc = read_file(tmp_path / "notes.docx", max_file_bytes=LIMIT)
    assert doc.title == "Lighthouse notes"
    assert [(doc.text[a:b], level) for a, b, level in doc.headings] == [("The Bramble lighthouse", 1),
                                                                        ("Keepers", 2)]
    assert "Year | Keeper\n\n1933 | John Reed" in doc.text
    assert _section_of(doc, "Mary Holt") == ("The Bramble lighthouse", "Keepers")
    index = qa.build_index([doc], tmp_path / "ix", progress=False)
    answer = qa.Chatbot(index).ask("Who kept the light from 1901?")
    assert answer.short_answer == "Mary Holt"
    assert "(Lighthouse notes › The Bramble lighthouse › Keepers) [1]" in answer.text


def test_markdown_is_text_with_its_heading_structure(tmp_path):
    (tmp_path / "owls.md").write_text(
        "# Owls\n\nOwls hunt at **night** and\nsleep by day.\n\n## Diet\n\n- Mice\n- Voles and *shrews*\n\n"
        "**Weights**\n\n| Species | Weight |\n|---|---|\n| Barn owl | 0.5 kg |\n\n```\nowl --hoot\n```\n",
        encoding="utf-8")
    doc = read_file(tmp_path / "owls.md", max_file_bytes=LIMIT)
    assert doc.title == "Owls"
    assert doc.text == ("Owls\n\nOwls hunt at night and sleep by day.\n\nDiet\n\n• Mice\n\n• Voles and shrews\n\n"
                        "Weights\n\nSpecies | Weight\n\nBarn owl | 0.5 kg\n\nowl --hoot")
    # Headings, and a bold line on its own, are headings; the top one is the title, not repeated.
    assert [doc.text[a:b] for a, b, _ in doc.headings] == ["Owls", "Diet", "Weights"]
    assert _section_of(doc, "Voles") == ("Diet",)
    assert _section_of(doc, "Barn owl") == ("Diet", "Weights")


def test_utf16_text_is_read_and_its_title_line_is_a_heading(tmp_path):
    text = "Owl notes\n\nOwls hunt at night. They sleep by day.\n"
    (tmp_path / "owls.txt").write_bytes(text.encode("utf-16"))
    doc = read_file(tmp_path / "owls.txt", max_file_bytes=LIMIT)
    assert doc.text == text and doc.title == "Owl notes" and doc.headings == ((0, 9, 1),)


@pytest.mark.parametrize("question", ["Who is the president of France?", "What is the weather in Moscow?",
                                      "Who is the minister of finance?"])
def test_the_bundled_headline_is_never_the_answer(article_index, question):
    answer = qa.Chatbot(article_index).ask(question)
    headline = article_index.documents[0].headings[0]
    assert all(e.end <= headline[0] or e.start >= headline[1] for e in answer.evidence), answer.text
