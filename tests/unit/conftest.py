"""The unit tier: pure functions and stages fed small hand-made inputs, no model loaded.

    pytest tests/unit        (seconds)

Every test here is marked ``unit``; the session fails if any of them loaded an embedding
model, the reader or the language identifier (they belong to the tests one folder up).
"""

import pytest

from qa.models import embedding, language, reading


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/unit/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session", autouse=True)
def _no_model_loaded():
    yield
    loaded = [name for name, was in (("an embedding model", bool(embedding._models)),
                                     ("the reader", bool(reading._readers)),
                                     ("the language identifier", language._detector.cache_info().currsize > 0))
              if was]
    assert not loaded, f"the unit tier loaded {', '.join(loaded)}: move that test out of tests/unit"
