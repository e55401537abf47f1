"""Dependencies point one way: each module of qa/ imports only its own layer and those below it."""

import ast
from pathlib import Path

QA = Path(__file__).resolve().parents[2] / "qa"
# Lowest first. A module's layer is that of the longest prefix naming it.
LAYERS = [
    ("qa.types", "qa.errors", "qa.settings", "qa.messages"),  # the values
    ("qa.models.language",),  # what language a text is in: read files need it
    ("qa.ingest",),  # files to documents, sentences, chunks, context
    ("qa.models",),  # the embedders and the reader
    ("qa.store",),  # the store interface and its folder
    ("qa.rendering",),  # answers as text
    ("qa.pipeline",),  # analyze -> retrieve -> read -> chatbot
    ("qa.index",),  # a store with its embedders and search
    ("qa.building",),  # build and open indexes
    ("qa.apps", "qa"),  # the command line, the web page, evaluation; the public API
]


def layer(module: str) -> int:
    best = max((p for names in LAYERS for p in names if module == p or module.startswith(p + ".")), key=len)
    return next(n for n, names in enumerate(LAYERS) if best in names)


def imports(path: Path) -> list[str]:
    """The qa modules ``path`` imports (``from qa.x import y``: qa.x.y when that is a module, else qa.x)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "qa":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                is_module = (QA.parent / sub.replace(".", "/")).with_suffix(".py").exists() or \
                    (QA.parent / sub.replace(".", "/")).is_dir()
                out.append(sub if is_module else node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.split(".")[0] == "qa"]
    return out


def modules():
    for path in sorted(QA.rglob("*.py")):
        parts = path.relative_to(QA.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def test_no_module_imports_a_layer_above_its_own():
    upward = [f"{name} imports {target}" for name, path in modules() if name != "qa"
              for target in imports(path) if layer(target) > layer(name)]
    assert upward == []


def test_the_values_import_nothing_of_the_project():
    assert imports(QA / "types.py") == []
