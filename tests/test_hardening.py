"""Faults on purpose: concurrent builds, a build killed half way, many users, path tricks."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import HEADLINE, HEADLINE_EVIDENCE
from test_ui import ARTIFACTS

import qa
from qa.store import storage


def test_a_second_build_on_the_same_folder_is_refused(index_copy):
    with storage.build_lock(index_copy), pytest.raises(qa.IndexBusyError, match="another build is writing"):
        qa.build_index([qa.Document("a", "Owls hunt.")], index_copy, progress=False)
    assert HEADLINE_EVIDENCE in qa.load_index(index_copy).search(HEADLINE, k=1)[0].text


@pytest.mark.slow
def test_a_build_killed_half_way_leaves_the_previous_index_answering(index_copy, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(" ".join(f"Sentence {i} is about owls and bees number {i}." for i in range(30_000)))
    script = textwrap.dedent(f"""
        import qa
        qa.build_index([{str(big)!r}], {str(index_copy)!r}, progress=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    # Kill it once it is embedding (its progress bar has started), i.e. in the middle of the work.
    seen = ""
    while "Embedding" not in seen and proc.poll() is None:
        seen += proc.stderr.read(1)  # tqdm redraws with \r, so read characters, not lines
    assert proc.poll() is None, "the build finished before it could be killed"
    time.sleep(1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    index = qa.load_index(index_copy)
    assert HEADLINE_EVIDENCE in index.search(HEADLINE, k=1)[0].text
    assert len(index.documents) == 1


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, in MB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


@pytest.mark.slow
def test_32_concurrent_chats_and_uploads_in_bounded_memory(tmp_path_factory):
    from gradio_client import Client, handle_file
    from test_ui import _start

    tmp = tmp_path_factory.mktemp("load")
    proc, url = _start(tmp / "index", tmp)  # no index yet: the server builds the bundled one
    questions = [HEADLINE, "How many organizations are operating in the IT area?",
                 "What is the population of Brazil?",
                 "Which technologies did the president want to develop faster?"] * 8
    expect = [HEADLINE_EVIDENCE, "60,000 organizations", "The article does not say", "domestic IT and communication"]

    def chat(i: int) -> str:
        return Client(url, verbose=False).predict(questions[i], api_name="/chat")

    def upload_then_ask(n: int) -> str:
        doc = tmp / f"island{n}.txt"
        doc.write_text(f"Island report {n}. The gannet colony on island {n} counts {n * 1000 + 7} birds. "
                       "Fishing boats stay away in spring.")
        client = Client(url, verbose=False)
        result = client.predict([handle_file(str(doc))], api_name="/upload")
        assert [d["title"] for d in result["documents"]] == [f"Island report {n}. The gannet colony on island {n} "
                                                            f"counts {n * 1000 + 7} birds. Fishing boats stay away "
                                                            "in spring."], result
        return client.predict(f"How many birds does the colony on island {n} count?", result["upload_key"],
                              api_name="/chat")

    def wave() -> None:
        with concurrent.futures.ThreadPoolExecutor(36) as pool:
            chats = [pool.submit(chat, i) for i in range(32)]
            uploads = [pool.submit(upload_then_ask, n) for n in range(4)]
            for i, future in enumerate(chats):
                assert expect[i % 4] in future.result(), (questions[i], future.result())
            for n, future in enumerate(uploads):
                assert f"{n * 1000 + 7:,}" in future.result() or f"{n * 1000 + 7}" in future.result(), future.result()

    try:
        wave()
        after_first, _ = _rss_mb(proc.pid)
        wave()
        after_second, peak = _rss_mb(proc.pid)
        # Memory is bounded: a second wave of the same load does not keep growing the server.
        assert after_second - after_first < 150, (after_first, after_second)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "load.json").write_text(json.dumps({
            "requests": 2 * (32 + 4 * 2), "rss_mb_after_wave_1": after_first,
            "rss_mb_after_wave_2": after_second, "peak_rss_mb": peak}, indent=2))
        # The server does not hand out files outside what it must serve.
        for path in [str(tmp / "index" / "manifest.json"), "/etc/passwd", "../../../../etc/passwd"]:
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(f"{url}gradio_api/file={path}", timeout=30)
            assert e.value.code in (403, 404)
    finally:
        proc.terminate()
        code = proc.wait(timeout=60)
    # SIGTERM shuts down cleanly and the uploaded documents do not outlive the server.
    assert code == 0
    assert not list((tmp / "tmp").glob("qa-uploads-*"))


@pytest.mark.parametrize("name, safe", [
    ("../../evil.txt", "evil.txt"), ("/etc/passwd", "passwd"), ("..\\..\\evil.txt", "evil.txt"),
    ("..", "upload.txt"), (".bashrc", "bashrc"), ("a b;rm -rf.txt", "a b_rm -rf.txt"),
])
def test_upload_names_are_reduced_to_a_name_inside_the_folder(name, safe):
    from qa.apps.web import safe_name

    assert safe_name(name) == safe


def test_upload_names_cannot_leave_the_upload_folder(article_index_dir, tmp_path):
    from qa.apps.web import App

    evil = tmp_path / "..\\..\\evil.txt"  # a legal file name on Linux: backslashes are not separators
    evil.write_text("Owls are birds of prey.")
    app = App(article_index_dir, uploads_dir=tmp_path / "uploads")
    key = app.add_upload([str(evil)]).key
    files = list((tmp_path / "uploads" / key / "files").iterdir())
    assert len(files) == 1 and files[0].parent == tmp_path / "uploads" / key / "files"
    assert not (tmp_path / "evil.txt").exists()
    with pytest.raises(qa.SourceError, match=r"unsupported file type '\.exe'"):
        bad = tmp_path / "run.exe"
        bad.write_bytes(b"MZ")
        app.add_upload([str(bad)])


def test_two_files_of_one_name_a_remove_without_an_id_and_an_expired_upload_get_their_reasons(
        article_index_dir, tmp_path):
    from qa.apps.web import App

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "notes.txt").write_text("Owls are birds of prey.")
    (tmp_path / "b" / "notes.txt").write_text("Bees make honey.")
    (tmp_path / "bees.txt").write_text("A hive holds about 50,000 bees in summer.")
    app = App(article_index_dir, uploads_dir=tmp_path / "uploads")
    added = app.add_upload([str(tmp_path / "a" / "notes.txt"), str(tmp_path / "b" / "notes.txt"),
                            str(tmp_path / "bees.txt")], partial=True)
    assert sorted(d.id for d in app.index_for(added.key).documents) == ["bees.txt", "notes.txt"]
    assert added.refused == ["notes.txt: two files of this name were chosen: rename one and upload it again"]
    with pytest.raises(qa.QAError, match="no document named"):
        app.remove_document(added.key, None)
    # The upload gone (another tab started over): a failed upload falls back to the article's page.
    app.forget(added.key)
    (tmp_path / "run.exe").write_bytes(b"MZ")
    shown = app.upload_from_page([str(tmp_path / "run.exe")], added.key)
    assert shown.key is None and "Upload failed" in shown.status and "Answering from “Putin" in shown.status


def test_after_an_upload_a_question_is_not_read_as_a_follow_up_of_the_article(article_index_dir, tmp_path):
    from qa.apps.web import App
    from qa.apps.web.state import documents_turn

    (tmp_path / "bees.md").write_text("# Bee facts\n\nA hive holds about 50,000 bees in summer.\n")
    app = App(article_index_dir, uploads_dir=tmp_path / "uploads")
    app.wait_ready()
    before = app.reply("How many organizations are operating?", [], None, 5, True)
    assert "60,000" in before.answer.short_answer
    # On the same documents "And bees?" leans on the question before it ...
    assert "organizations" in app.reply("And bees?", before.history, None, 5, True).answer.query
    shown = app.upload_from_page([str(tmp_path / "bees.md")], None)
    assert shown.changed == "Now answering from “Bee facts”."
    after = app.reply("And bees?", [*before.history, documents_turn(shown.changed)], shown.key, 5, True)
    assert after.answer.query == "And bees?"  # ... after an upload, it is asked of the new documents alone
    assert after.history[-3] == documents_turn(shown.changed)  # the chat still shows what came before
    (tmp_path / "run.exe").write_bytes(b"MZ")
    assert app.upload_from_page([str(tmp_path / "run.exe")], shown.key).changed == ""  # nothing added
    assert app.reset(shown.key).changed.startswith("Now answering from “Putin")
    assert app.reset(None).changed == ""  # already the article


@pytest.mark.slow
@pytest.mark.parametrize("name", ["huge.txt", "huge.pdf"])
def test_a_100_mb_file_is_refused_with_the_limit_named(index_copy, tmp_path, capsys, name):
    from qa.apps.cli import main

    huge = tmp_path / name
    with huge.open("wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: 100 MB by size, refused before any byte is read
    before = (index_copy / "manifest.json").read_bytes()
    assert main(["build", str(huge), "--index", str(index_copy)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"qa: error: {huge} is 104,857,600 bytes, over the 20,971,520-byte limit "
                   "(Settings.max_file_bytes): split it or raise the limit")
    assert (index_copy / "manifest.json").read_bytes() == before


@pytest.mark.slow
def test_a_1_mb_line_without_punctuation_builds_in_bounded_memory(tmp_path):
    words = [f"word{i}" for i in range(97)] + ["lighthouse"]
    line = " ".join(words[i % len(words)] for i in range(150_000))
    assert len(line) > 1_000_000 and "\n" not in line
    (tmp_path / "line.txt").write_text(line)
    script = textwrap.dedent(f"""
        import json, resource
        import qa
        index = qa.build_index([{str(tmp_path / "line.txt")!r}], {str(tmp_path / "ix")!r}, progress=False)
        hit = index.search("lighthouse", k=1)[0]
        print(json.dumps({{"chunks": len(index), "longest": max(c.end - c.start for c in index.chunks),
                          "slice_ok": index.document(hit.doc_id).text[hit.start:hit.end] == hit.text,
                          "hit": "lighthouse" in hit.text,
                          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout)
    assert out["chunks"] > 1000 and out["longest"] <= qa.Settings().chunk_size
    assert out["slice_ok"] and out["hit"]
    # The model alone takes about 600 MB; the text adds a few MB, not a copy per chunk.
    assert out["peak_rss_mb"] < 1500, out


def test_an_upload_is_removed_when_its_session_ends_or_is_replaced(article_index_dir, tmp_path):
    import gradio as gr

    from qa.apps.web import SESSION_HOURS, App, build_ui

    app = App(article_index_dir, uploads_dir=tmp_path / "uploads")
    demo = build_ui(app)
    [state] = [b for b in demo.blocks.values() if isinstance(b, gr.State)
               and getattr(b.delete_callback, "__wrapped__", None) == app.forget]
    assert state.time_to_live == SESSION_HOURS * 3600
    (tmp_path / "owls.txt").write_text("Owls are birds of prey.")
    key = app.add_upload([str(tmp_path / "owls.txt")]).key
    assert (tmp_path / "uploads" / key).is_dir()
    state.delete_callback(key)  # what Gradio calls when the session's state expires or closes
    for _ in range(600):  # it removes the files in a thread of its own (a bound, not a speed check)
        if not (tmp_path / "uploads" / key).exists():
            break
        time.sleep(0.1)
    assert not (tmp_path / "uploads" / key).exists()
    with pytest.raises(qa.QAError, match="upload again"):
        app.index_for(key)
    for harmless in (None, "", "../index", str(tmp_path)):
        app.forget(harmless)  # never a path outside the upload folder
    assert article_index_dir.is_dir()
