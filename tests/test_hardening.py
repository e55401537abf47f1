"""Faults on purpose: concurrent builds, a build killed half way, many users, path tricks."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest
from conftest import HEADLINE, HEADLINE_EVIDENCE

import qa
from qa import storage


def test_a_second_build_on_the_same_folder_is_refused(index_copy):
    with storage.build_lock(index_copy), pytest.raises(qa.IndexBusyError, match="another build is writing"):
        qa.build_index([qa.Document("a", "Owls hunt.")], index_copy, progress=False)
    assert HEADLINE_EVIDENCE in qa.load_index(index_copy).search(HEADLINE, k=1)[0].text


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


def test_32_concurrent_chat_requests_are_all_answered(tmp_path_factory):
    from gradio_client import Client
    from test_ui import _start

    tmp = tmp_path_factory.mktemp("load")
    proc, url = _start(tmp / "index", tmp)  # no index yet: the server builds the bundled one
    try:
        questions = [HEADLINE, "How many organizations are operating in the IT area?",
                     "What is the population of Brazil?", "What did Putin say Russian companies offer?"] * 8
        expect = [HEADLINE_EVIDENCE, "60,000 organizations", "The article does not say", "reliable software"]

        def ask(q):
            return Client(url, verbose=False).predict(q, api_name="/chat")

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(ask, questions))
        assert len(answers) == 32
        for i, answer in enumerate(answers):
            assert expect[i % 4] in answer, (questions[i], answer)
        # The server does not hand out files outside what it must serve.
        for path in [str(tmp / "index" / "manifest.json"), "/etc/passwd", "../../../../etc/passwd"]:
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(f"{url}gradio_api/file={path}", timeout=30)
            assert e.value.code in (403, 404)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_upload_names_cannot_leave_the_upload_folder(article_index_dir, tmp_path):
    from qa.web import App

    evil = tmp_path / "..%2F..%2Fevil.txt"
    evil.write_text("Owls are birds of prey.")
    app = App(article_index_dir, uploads_dir=tmp_path / "uploads")
    key = app.add_upload([str(evil)])
    files = list((tmp_path / "uploads" / key / "files").iterdir())
    assert len(files) == 1 and files[0].parent == tmp_path / "uploads" / key / "files"
    assert not (tmp_path / "evil.txt").exists()
    with pytest.raises(qa.SourceError, match=r"unsupported file type '\.exe'"):
        bad = tmp_path / "run.exe"
        bad.write_bytes(b"MZ")
        app.add_upload([str(bad)])
