"""The browser chat (Gradio 6): cited answers, sources with the evidence marked,
the whole article with the evidence in place, and document upload.

    state    the server's state (``App``: the default index, the visitors' uploads) and what
             each request does with it, in plain values; no Gradio
    panels   the text and HTML the page shows (sources, article, documents, headings); no Gradio
    layout   the Gradio page (``build_ui``) and the server (``serve``): components, and events
             wired to ``state``

``build_ui`` and ``serve`` are imported from ``layout`` on first use, so that ``state`` and
``panels`` import without Gradio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa.apps.web.state import SESSION_HOURS, App, safe_name

if TYPE_CHECKING:
    from qa.apps.web.layout import build_ui, serve

__all__ = ["SESSION_HOURS", "App", "build_ui", "safe_name", "serve"]


def __getattr__(name: str) -> object:
    if name in ("build_ui", "serve"):
        from qa.apps.web import layout

        return getattr(layout, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
