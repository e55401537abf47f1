"""Reading sources: every supported type, and a clear SourceError for everything else."""

import pytest
from conftest import BAD_FILES, minimal_pdf, write_bad_file

import qa
from qa.ingest.documents import load_documents, read_file

LIMIT = 20 * 1024 * 1024


def test_bundled_article_ships_with_the_package():
    [doc] = load_documents(None, max_file_bytes=LIMIT)
    assert doc.title == "Putin: Russia Needs to Be Proactive in Developing Digitalization"
    assert "consider all aspects of ensuring cyber security" in doc.text


def test_text_markdown_html_and_pdf(tmp_path):
    (tmp_path / "a.txt").write_text("Plain text about owls.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Owls\n\nOwls hunt at *night*.\n", encoding="utf-8")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Night birds</title><style>p{color:red}</style></head>"
        "<body><p>Owls see in the dark.</p><script>alert('x')</script></body></html>", encoding="utf-8")
    (tmp_path / "d.pdf").write_bytes(minimal_pdf("Owls fly silently."))
    (tmp_path / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    docs = {d.id: d for d in load_documents([tmp_path], max_file_bytes=LIMIT)}
    assert set(docs) == {"a.txt", "b.md", "c.html", "d.pdf"}
    assert docs["b.md"].title == "Owls" and docs["b.md"].text == "Owls\n\nOwls hunt at night."
    assert docs["c.html"].title == "Night birds"
    assert docs["c.html"].text == "Owls see in the dark."
    assert "Owls fly silently." in docs["d.pdf"].text
    assert all(d.source and d.source.endswith(d.id) for d in docs.values())


def test_legacy_encodings_are_decoded(tmp_path):
    (tmp_path / "ru.txt").write_bytes("Президент призвал развивать цифровые технологии в России.".encode("cp1251"))
    (tmp_path / "fr.txt").write_bytes("Le président a parlé de la sécurité numérique à Moscou.".encode("latin-1"))
    assert "Президент" in read_file(tmp_path / "ru.txt", max_file_bytes=LIMIT).text
    assert "sécurité" in read_file(tmp_path / "fr.txt", max_file_bytes=LIMIT).text


@pytest.mark.parametrize("name, content, message", [
    *BAD_FILES, ("sheet.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'")])
def test_bad_files_raise_source_error_naming_the_file(tmp_path, name, content, message):
    path = write_bad_file(tmp_path, name, content)
    with pytest.raises(qa.SourceError) as e:
        read_file(path, max_file_bytes=LIMIT)
    assert message in str(e.value) and str(path) in str(e.value)


def test_missing_path_too_large_file_and_empty_folder(tmp_path):
    with pytest.raises(qa.SourceError, match="does not exist"):
        load_documents([tmp_path / "nope.txt"], max_file_bytes=LIMIT)
    big = tmp_path / "big.txt"
    big.write_bytes(b"owl " * 1000)
    with pytest.raises(qa.SourceError, match="over the 1,000-byte limit"):
        read_file(big, max_file_bytes=1000)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "x.xlsx").write_bytes(b"x")
    with pytest.raises(qa.SourceError, match=r"has no \.txt, \.md, \.html, \.pdf or \.docx files"):
        load_documents([tmp_path / "empty"], max_file_bytes=LIMIT)


def test_documents_need_text_and_unique_ids():
    with pytest.raises(qa.SourceError, match="has no text"):
        qa.Document(id="a", text="   ")
    with pytest.raises(qa.SourceError, match="two documents have the id 'a'"):
        load_documents([qa.Document("a", "one"), qa.Document("a", "two")], max_file_bytes=LIMIT)
