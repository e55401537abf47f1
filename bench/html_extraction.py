"""How well HTML readers keep a saved page's main text and leave out its navigation.

    python bench/html_extraction.py [PAGE.html ...]

By default the pages are real saved documentation pages with navigation (mdBook pages of the
Rust book, Cargo and rustdoc books, with a menu bar; rustdoc API pages of std, with a static
sidebar of links), as rustup installs them under ~/.rustup/toolchains/*/share/doc/rust/html/.
For each page: the paragraphs of its ``<main>`` are the main text; the texts of its navigation,
header, footer, sidebar and menus that the main text lacks (six characters or more) are
navigation. Per reader: the share of main paragraphs kept whole (in one block: not split at an
inline tag), and the share of navigation texts that leaked in.

Readers: ours (trafilatura, ``qa.ingest.formats.html_text``), inscriptis, html-text, and BeautifulSoup's
``get_text("\\n")`` (what articleqa used before). Only trafilatura is a dependency of articleqa;
the script skips the others when they are not installed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402

from qa.ingest.formats import html_text  # noqa: E402

BOOKS = ["book/ch03-02-data-types.html", "book/ch04-01-what-is-ownership.html", "book/ch08-02-strings.html",
         "cargo/guide/dependencies.html", "rustdoc/what-is-rustdoc.html", "book/ch15-01-box.html",
         # rustdoc API pages: a static sidebar of links, a search bar, settings and help buttons
         "std/index.html", "std/vec/index.html", "std/string/index.html", "std/collections/index.html",
         "std/fs/index.html", "std/io/index.html"]


def _words(text: str) -> str:
    return " ".join(text.split())


def readers() -> dict:
    out = {"trafilatura (articleqa)": lambda html: html_text(html.encode(), "page").text.split("\n\n")}
    try:
        from bs4 import BeautifulSoup

        def soup(html: str) -> list[str]:
            return BeautifulSoup(html, "html.parser").get_text("\n").split("\n")

        out["BeautifulSoup get_text (before)"] = soup
    except ImportError:
        pass
    try:
        import inscriptis

        out["inscriptis"] = lambda html: inscriptis.get_text(html).split("\n")
    except ImportError:
        pass
    try:
        import html_text as ht

        out["html-text"] = lambda html: ht.extract_text(html).split("\n")
    except ImportError:
        pass
    return out


def gold(html: str) -> tuple[list[str], list[str]]:
    root = lxml.html.fromstring(html)
    main = root.find(".//main")
    paragraphs = [_words(p.text_content()) for p in main.iter("p")] if main is not None else []
    paragraphs = [p for p in paragraphs if len(p) >= 40]
    main_text = _words(main.text_content()) if main is not None else ""
    nav = set()
    for el in root.xpath("//nav | //header | //footer | //*[contains(@class, 'sidebar')] | "
                         "//*[contains(@class, 'menu')] | //*[@id='sidebar']"):
        for piece in el.itertext():
            t = _words(piece)
            if len(t) >= 6 and t not in main_text:
                nav.add(t)
    return paragraphs, sorted(nav)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        pages = [Path(a) for a in argv]
    else:
        docs = sorted(Path.home().glob(".rustup/toolchains/*/share/doc/rust/html"))
        pages = [docs[0] / b for b in BOOKS if docs and (docs[0] / b).is_file()] if docs else []
    if not pages:
        print("no pages: pass saved HTML pages, or install Rust's docs (rustup component add rust-docs)",
              file=sys.stderr)
        return 2
    results = {}
    for name, read in readers().items():
        kept, leaked, total_p, total_n = 0, 0, 0, 0
        for page in pages:
            html = page.read_text(encoding="utf-8", errors="replace")
            paragraphs, nav = gold(html)
            blocks = [_words(b) for b in read(html)]
            joined = " ".join(blocks)
            kept += sum(any(p in b for b in blocks) for p in paragraphs)
            leaked += sum(n in joined for n in nav)
            total_p += len(paragraphs)
            total_n += len(nav)
        results[name] = {"main_paragraphs_kept_whole": round(kept / max(total_p, 1), 3),
                         "navigation_leaked": round(leaked / max(total_n, 1), 3)}
    report = {"pages": [str(p.relative_to(p.parents[1])) for p in pages], "results": results}
    text = json.dumps(report, indent=2)
    (ROOT / "bench" / "html_extraction.json").write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
