"""The qa command, run in-process (same model) and as a real subprocess for exit codes."""

import json
import os
import subprocess
import sys

import pytest
from conftest import BAD_FILES, HEADLINE, HEADLINE_EVIDENCE, write_bad_file

from qa.apps.cli import main


def test_build_then_search_with_json(tmp_path, capsys):
    (tmp_path / "owls.txt").write_text("Owls hunt at night. Their feathers make no sound.")
    assert main(["build", str(tmp_path / "owls.txt"), "--index", str(tmp_path / "ix"), "--quiet"]) == 0
    assert "indexed 1 document(s)" in capsys.readouterr().out
    assert main(["search", "silent feathers", "--index", str(tmp_path / "ix"), "--json"]) == 0
    [hit] = json.loads(capsys.readouterr().out)
    assert hit["doc_id"] == "owls.txt" and "feathers" in hit["text"]


def test_search_uses_qa_index_env_and_builds_the_bundled_article(article_index_dir, monkeypatch, capsys):
    monkeypatch.setenv("QA_INDEX", str(article_index_dir))
    assert main(["search", HEADLINE, "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[1] ") and HEADLINE_EVIDENCE in out.splitlines()[1]


def test_search_says_what_it_searched_for_when_a_word_was_misspelled(article_index_dir, capsys):
    typed = HEADLINE.replace("security", "secruity")
    assert main(["search", typed, "--index", str(article_index_dir), "-k", "1", "--json"]) == 0
    captured = capsys.readouterr()
    [hit] = json.loads(captured.out)  # the notice stays out of the JSON
    assert captured.err.strip() == f"Read as “{HEADLINE}”." and HEADLINE_EVIDENCE in hit["text"]
    assert main(["search", HEADLINE, "--index", str(article_index_dir), "-k", "1"]) == 0
    assert capsys.readouterr().err == ""


def test_ask_json_answers_with_a_citation(article_index_dir, capsys):
    assert main(["ask", HEADLINE, "--index", str(article_index_dir), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    cited = answer["quotes"][0]["passage"]
    assert HEADLINE_EVIDENCE in answer["answer"] and answer["answer"].endswith(f"[{cited}]")
    assert answer["abstained"] is False and answer["short_answer"]
    assert answer["quotes"][0]["text"] in answer["passages"][cited - 1]["text"]


def test_ask_declines_out_of_scope(article_index_dir, capsys):
    assert main(["ask", "What is the population of Brazil?", "--index", str(article_index_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The article does not say.") and "(declined" in out


@pytest.mark.parametrize("setup, args, message", [
    (None, ["build", "missing.txt"], "missing.txt does not exist"),
    ("empty.txt", ["build", "empty.txt"], "empty.txt is empty"),
    ("table.xlsx", ["build", "table.xlsx"], "unsupported file type '.xlsx'"),
    (None, ["ask", "   "], "the question is empty"),
    (None, ["build", "--chunk-size", "0"], "chunk_size must be greater than 0"),
])
def test_errors_are_one_line_and_a_nonzero_exit(tmp_path, capsys, setup, args, message):
    if setup:
        (tmp_path / setup).write_bytes(b"PK\x03\x04" if setup.endswith("xlsx") else b"")
    code = main([*args, "--index", str(tmp_path / "ix")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert err[-1].startswith("qa: error: ") and message in err[-1]
    assert "Traceback" not in "\n".join(err)


@pytest.mark.parametrize("name, content, message", [
    *BAD_FILES, ("table.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'")])
def test_every_bad_file_fails_the_build_in_one_line_and_keeps_the_index(index_copy, tmp_path, capsys,
                                                                      name, content, message):
    path = write_bad_file(tmp_path, name, content)
    before = (index_copy / "manifest.json").read_bytes()
    assert main(["build", str(path), "--index", str(index_copy)]) == 1
    [err] = capsys.readouterr().err.strip().splitlines()
    assert err.startswith(f"qa: error: {path}") and message in err
    assert (index_copy / "manifest.json").read_bytes() == before


@pytest.mark.parametrize("question, message", [
    ("", "the question is empty"), ("x" * 10_000, "the question is 10,000 characters long; the limit is 2,000"),
    ("😀🚀❤️", "the question has no words"), ("\x00\x00", "the question is empty")])
def test_bad_questions_exit_nonzero_with_the_reason(article_index_dir, capsys, question, message):
    assert main(["ask", question, "--index", str(article_index_dir)]) == 1
    [err] = capsys.readouterr().err.strip().splitlines()
    assert err.startswith("qa: error: ") and message in err


def test_legacy_encodings_are_read_and_answered(tmp_path, capsys):
    (tmp_path / "ru.txt").write_bytes("Президент призвал развивать цифровые технологии в России.".encode("cp1251"))
    (tmp_path / "fr.txt").write_bytes("Le président a parlé de la sécurité numérique à Moscou.".encode("latin-1"))
    assert main(["build", str(tmp_path / "ru.txt"), str(tmp_path / "fr.txt"), "--index", str(tmp_path / "ix"),
                 "--quiet"]) == 0
    assert main(["search", "sécurité numérique", "--index", str(tmp_path / "ix"), "-k", "1"]) == 0
    assert "Le président a parlé de la sécurité numérique" in capsys.readouterr().out


def test_failed_build_keeps_the_working_index(article_index_dir, tmp_path, capsys):
    import shutil

    ix = tmp_path / "ix"
    shutil.copytree(article_index_dir, ix)
    before = (ix / "manifest.json").read_bytes()
    (tmp_path / "bad.txt").write_bytes(b"")
    assert main(["build", str(tmp_path / "bad.txt"), "--index", str(ix)]) == 1
    assert (ix / "manifest.json").read_bytes() == before
    assert main(["search", HEADLINE, "--index", str(ix), "-k", "1"]) == 0
    assert HEADLINE_EVIDENCE in capsys.readouterr().out


def test_the_installed_command_exits_nonzero_without_a_traceback(tmp_path):
    env = {**os.environ, "QA_INDEX": str(tmp_path / "ix")}
    result = subprocess.run([sys.executable, "-m", "qa.apps.cli", "build", str(tmp_path / "nope.pdf")],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 1
    assert result.stderr.strip() == f"qa: error: {tmp_path / 'nope.pdf'} does not exist: check the path"
    assert not (tmp_path / "ix" / "manifest.json").exists()


@pytest.mark.parametrize("action, name", [("truncate", "vectors.faiss"), ("flip", "chunks.jsonl"),
                                          ("delete", "bm25-sentences"), ("garble", "manifest.json")])
def test_a_damaged_index_names_the_file_and_the_printed_command_repairs_it(tmp_path, capsys, action, name):
    import shlex

    (tmp_path / "owls.txt").write_text("Owls hunt at night. Their feathers make no sound.")
    ix = tmp_path / "ix"
    assert main(["build", str(tmp_path / "owls.txt"), "--index", str(ix), "--quiet"]) == 0
    data = ix / json.loads((ix / "manifest.json").read_text())["data"]
    target = ix / name if name == "manifest.json" else data / name
    if action == "truncate":
        target.write_bytes(target.read_bytes()[:-16])
    elif action == "flip":
        raw = bytearray(target.read_bytes())
        raw[10] ^= 0x20
        target.write_bytes(bytes(raw))
    elif action == "delete":
        import shutil

        shutil.rmtree(target)
    else:
        target.write_text('{"format_version": 1, "model"')
    capsys.readouterr()
    assert main(["ask", "What makes no sound?", "--index", str(ix)]) == 1
    [err] = capsys.readouterr().err.strip().splitlines()
    assert err.startswith("qa: error: ") and name in err
    fix = err.rsplit("`", 2)[1]
    if name == "manifest.json":  # the sources are unknown: the user names them
        assert fix == f"qa build SOURCES --index {ix}"
        fix = fix.replace("SOURCES", str(tmp_path / "owls.txt"))
    else:
        assert fix == f"qa build {tmp_path / 'owls.txt'} --index {ix}"
    assert main([*shlex.split(fix)[1:], "--quiet"]) == 0
    assert main(["ask", "What makes no sound?", "--index", str(ix)]) == 0
    assert "feathers make no sound" in capsys.readouterr().out


def test_a_damaged_index_of_the_bundled_article_repairs_itself(index_copy, capsys):
    data = index_copy / json.loads((index_copy / "manifest.json").read_text())["data"]
    (data / "vectors.faiss").write_bytes(b"not faiss")
    assert main(["ask", HEADLINE, "--index", str(index_copy)]) == 0
    captured = capsys.readouterr()
    assert "vectors.faiss is damaged" in captured.err and "rebuilding it from the bundled article" in captured.err
    assert HEADLINE_EVIDENCE in captured.out


def test_squad_eval_never_replaces_the_default_index(article_index_dir, tmp_path, monkeypatch, capsys):
    import shutil

    squad = {"data": [{"title": "Owls", "paragraphs": [{
        "context": "Owls hunt at night. Their feathers make no sound.",
        "qas": [{"id": "1", "question": "When do owls hunt?", "answers": [{"text": "at night", "answer_start": 10}]}],
    }]}]}
    (tmp_path / "mini.json").write_text(json.dumps(squad))
    default = tmp_path / "index"  # $QA_INDEX (conftest)
    shutil.copytree(article_index_dir, default)
    before = (default / "manifest.json").read_bytes()
    assert main(["eval", str(tmp_path / "mini.json"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["answer_contains_gold"] == 1.0 and ".qa-eval" in report["index"]
    assert (default / "manifest.json").read_bytes() == before
    # Named on purpose, an index of other documents is refused, not overwritten.
    assert main(["eval", str(tmp_path / "mini.json"), "--index", str(default)]) == 1
    assert "holds an index of other documents" in capsys.readouterr().err
    assert (default / "manifest.json").read_bytes() == before


OWLS = {"version": "2.0", "data": [{"title": "Owls", "paragraphs": [{
    "context": "Barn owls hunt at night. They eat about 1,000 mice a year. Their feathers make no sound.",
    "qas": [
        {"id": "when", "question": "When do barn owls hunt?", "answers": [{"text": "at night", "answer_start": 15}]},
        {"id": "mice", "question": "How many mice do barn owls eat a year?",
         "answers": [{"text": "about 1,000", "answer_start": 34}]},
        {"id": "bats", "question": "How many moths do bats eat?", "answers": [], "is_impossible": True},
    ]}]}]}


@pytest.mark.parametrize("setting", [[], ["--reading"]])
def test_eval_writes_the_official_predictions_file_and_scores_it(tmp_path, capsys, setting):
    from qa.apps import squad

    (tmp_path / "owls.json").write_text(json.dumps(OWLS))
    out = tmp_path / "preds.json"
    assert main(["eval", str(tmp_path / "owls.json"), "--predictions", str(out), "--json", *setting]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    preds = json.loads(out.read_text())
    assert set(preds) == {"when", "mice", "bats"}
    assert "night" in preds["when"] and "1,000" in preds["mice"]
    assert preds["bats"] == ""  # no answer
    expected = squad.score(OWLS, preds)
    assert summary["f1"] == round(expected["f1"], 2) and summary["NoAns_total"] == 1
    assert summary["setting"] == ("reading" if setting else "open")
