"""Shared fixtures: the real packaged model, real FAISS files in temporary folders.

Building the bundled article's index takes a few seconds, so one copy is built per session
and tests that change an index build their own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import qa

DATA = Path(__file__).parent / "data"
HEADLINE = "What did Putin say about cyber security?"
# Two sentences of the article answer it ("consider all aspects of ensuring cyber security",
# "being proactive, while ensuring cyber security"); either is right.
HEADLINE_EVIDENCE = "ensuring cyber security"


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path, monkeypatch):
    """No test reads or writes ./index or the user's files: QA_INDEX points at a temp folder.
    A multilingual pass a test started in the background ends with it."""
    monkeypatch.setenv("QA_INDEX", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)
    yield
    from qa import building

    building._stop_all()


@pytest.fixture(scope="session")
def article_index_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("article") / "index"
    qa.build_index(None, directory, progress=False, multilingual_pass="now")
    return directory


@pytest.fixture(scope="session")
def article_index(article_index_dir) -> qa.Index:
    return qa.load_index(article_index_dir)


@pytest.fixture
def index_copy(article_index_dir, tmp_path) -> Path:
    """A private copy of the article index that a test may damage."""
    target = tmp_path / "copy"
    shutil.copytree(article_index_dir, target)
    return target


def article_questions() -> list[dict]:
    return [json.loads(line) for line in (DATA / "article_dev.jsonl").read_text().splitlines() if line.strip()]


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer says ``text`` (ASCII), written by hand."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def encrypted_pdf() -> bytes:
    """A PDF that opens only with the password "owl"."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(minimal_pdf("Secret owls."))))
    writer.encrypt(user_password="owl", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Bad files every entry point must refuse with the reason (name, content, message). The Python
# API (test_documents), the CLI (test_cli) and the UI upload (test_ui) each try all of them.
BAD_FILES = [
    ("empty.txt", b"", "empty.txt is empty: give a file with text"),
    ("blank.md", b"  \n\t \n", "blank.md is empty: give a file with text"),
    ("binary.txt", bytes(range(256)) * 4, "binary.txt looks like binary data, not text"),
    ("page.html", b"<html><body><script>x()</script></body></html>", "page.html has no text"),
    ("broken.pdf", b"%PDF-1.4\nthis is not a pdf", "broken.pdf is not a readable PDF"),
    ("scan.pdf", minimal_pdf(""), "scan.pdf has no text layer (a scanned PDF?): run OCR on it first"),
    ("locked.pdf", encrypted_pdf, "locked.pdf is an encrypted PDF: decrypt it first"),
]


def write_bad_file(folder: Path, name: str, content: bytes | object) -> Path:
    path = folder / name
    path.write_bytes(content() if callable(content) else content)
    return path


def headed_pdf() -> bytes:
    """A PDF without a title in its metadata, whose heading and sub-heading are set in larger
    bold type, and whose paragraphs are apart by a gap, not a blank line (what pypdf gives)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for style, size, height, text in [
        ("B", 20, 10, "The Oakdale Community Orchard"),
        ("", 11, 6, "The Oakdale Community Orchard was planted in 1998 by volunteers from the parish. It holds "
                    "forty apple trees and twelve pear trees, most of them old local varieties."),
        ("", 11, 6, "Every autumn the orchard hosts a harvest day, and the surplus fruit goes to the food bank."),
        ("B", 14, 8, "Funding and care"),
        ("", 11, 6, "A grant of 4,000 pounds from the district council paid for new fencing in 2019."),
    ]:
        pdf.set_font("helvetica", style, size)
        pdf.multi_cell(0, height, text)
        pdf.ln(4)
    return bytes(pdf.output())


def long_pdf(pages: int = 100) -> bytes:
    """A report of ``pages`` pages of distinct paragraphs (about 1,300 characters a page), one of
    which says how many storms the Marlow lighthouse keeper logged."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    names = [a + b for a in ("Ash", "Bran", "Cold", "Dun", "Fair", "Glen", "High", "Kil", "Long", "Mar")
             for b in ("by", "combe", "don", "ford", "ham", "ley", "mouth", "stead", "ton", "wick")]
    for n in range(1, pages + 1):
        pdf.add_page()
        place = names[n % len(names)]  # each page's lines its own, never taken for a running header
        if n == 1:
            pdf.set_font("helvetica", "B", 18)
            pdf.multi_cell(0, 10, "Lighthouse Board Inspection Reports", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("helvetica", size=11)
        fact = ("In 1911 the Marlow lighthouse keeper logged 212 storms, more than in any year before. "
                if n == pages // 2 else "")
        pdf.multi_cell(0, 6, f"{place} station was inspected in spring {1900 + n % 90}. {fact}The inspectors counted "
                             f"{n * 7} visitors, {n * 3 + 11} boats in the harbour and {n % 13 + 2} keepers on duty. "
                             f"The road to station {n} was repaired with {n * 40} tonnes of gravel, and its roof "
                             f"with {n % 9 + 5} hundred slates brought from quarry {n % 17}.")
        pdf.ln(4)
        pdf.multi_cell(0, 6, f"The supply boat for {place} called {n % 5 + 1} times a month. Its cargo of "
                             f"{n * 12} barrels of oil and {n * 2 + 30} sacks of flour lasted the keepers through "
                             f"winter {1900 + n % 90}, when the {n % 4 + 1} beacons of district {n % 11} burned "
                             f"for {n % 20 + 100} nights. A report of {n + 8} pages went to the board in "
                             f"{['March', 'June', 'September', 'December'][n % 4]}, signed by inspector {n % 23}.")
        pdf.ln(4)
        pdf.multi_cell(0, 6, f"Repairs at {place} cost {n * 115} pounds in all, of which the board paid "
                             f"{n * 60} pounds and the parish of {['Alder', 'Birch', 'Cedar', 'Elm'][n % 4]} the "
                             f"rest. The keepers of {place} asked for {n % 6 + 1} new lamps and a boat of "
                             f"{n % 8 + 12} feet.")
    return bytes(pdf.output())


def two_page_pdf() -> bytes:
    """A report whose first sentence runs on to page 2, under a running header and footer."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self):
            self.set_font("helvetica", size=10)
            self.cell(0, 10, "Night Birds Quarterly - Field Report", new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-15)
            self.set_font("helvetica", size=10)
            self.cell(0, 10, f"Page {self.page_no()} of 2")

    pdf = Report()
    pdf.set_title("Owl field report")
    for body in ["Owls are birds of prey that hunt mostly at night. Their soft feathers let them fly "
                 "without a sound, and the barn owl",
                 "can find a mouse in complete darkness by hearing alone. Owls swallow their prey whole "
                 "and cough up pellets."]:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 8, body)
    return bytes(pdf.output())


def word_file() -> bytes:
    """A .docx with a title, two headings, paragraphs and a table."""
    import io

    import docx

    document = docx.Document()
    document.core_properties.title = "Lighthouse notes"
    document.add_heading("The Bramble lighthouse", 1)
    document.add_paragraph("The lighthouse stands on a granite rock at the mouth of the bay.")
    document.add_heading("Keepers", 2)
    document.add_paragraph("Mary Holt kept the light from 1901 to 1932.")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("Year", "Keeper"), ("1933", "John Reed")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
