"""The errors that articleqa shows to people.

Every message names the bad value and, where there is one, the command that fixes it.
Only the CLI and the UI catch these; the library raises them.
"""


class QAError(Exception):
    """Base class of every error articleqa raises on purpose."""


class SourceError(QAError):
    """A document cannot be read: missing, empty, binary, unsupported or too large."""


class IndexLoadError(QAError):
    """An index folder is missing, damaged, from another model or from a newer format."""


class IndexBusyError(QAError):
    """Another process is building the same index folder."""


class QuestionError(QAError):
    """A question that cannot be asked: empty, too long, or without any words."""


class ModelError(QAError):
    """A model (the embedding model or the reader) cannot be loaded."""
