"""The unit tier: pure functions and stages fed small hand-made inputs, no model loaded.

    pytest tests/unit        (seconds)

Every test here is marked ``unit``, and fails if it loaded an embedding model, the reader or
the language identifier (tests that need them belong one folder up).
"""

import pytest

from qa.models import embedding, language, reading


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/unit/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.unit)


def _loaded() -> dict[str, int]:
    return {"an embedding model": len(embedding._models), "the reader": len(reading._readers),
            "the language identifier": language._detector.cache_info().currsize}


@pytest.fixture(autouse=True)
def _no_model_loaded():
    before = _loaded()
    yield
    loaded = [name for name, n in _loaded().items() if n > before[name]]
    assert not loaded, f"this unit test loaded {', '.join(loaded)}: move it out of tests/unit"
