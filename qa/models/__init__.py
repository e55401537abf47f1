"""The models, each loaded once per process: the embedders, the trained reader, language ID.

Their shipped weights and records lie beside them (``reader.safetensors``, ``reader.json``,
``quote.json``).
"""
