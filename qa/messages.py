"""The bot's own words, in the question's language where it has them (English, Russian).

Everything else an answer says is the documents' own text. ``say(key, language)`` falls back
to English for a language without its own wording.
"""

from __future__ import annotations

from qa.types import ENGLISH

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "not_in_article": "The article does not say.",
        "not_in_document": "The document does not say.",
        "not_in_documents": "The documents do not say.",
        "nearest": "The nearest passage is:",
        "read_as": "Read as “{question}”.",
        "page": "p. {page}",
        "pages": "pp. {first}–{last}",
        "too_long": "the question is {length:,} characters long; the limit is {limit:,}: ask it shorter",
        "multilingual_building": "The vectors for questions in other languages are still being built ({done:,} of "
                                 "{total:,} passages): this answer comes from word matches and the English vectors.",
        "multilingual_missing": "These documents have no vectors for questions in other languages yet: this answer "
                                "comes from word matches and the English vectors.",
    },
    "ru": {
        "not_in_article": "В статье об этом не сказано.",
        "not_in_document": "В документе об этом не сказано.",
        "not_in_documents": "В документах об этом не сказано.",
        "nearest": "Ближайший фрагмент:",
        "read_as": "Прочитано как «{question}».",
        "page": "с. {page}",
        "pages": "с. {first}–{last}",
        "too_long": "в вопросе {length} символов, а можно не больше {limit}: задайте его короче",
        "multilingual_building": "Векторы для вопросов на других языках ещё строятся ({done} из {total} "
                                 "фрагментов): ответ найден по совпадению слов и английским векторам.",
        "multilingual_missing": "Векторов для вопросов на других языках у этих документов пока нет: ответ найден "
                                "по совпадению слов и английским векторам.",
    },
}


def say(key: str, language: str = ENGLISH, **values: object) -> str:
    """The wording of ``key`` in ``language`` (English where it has none), filled with ``values``."""
    return _WORDS.get(language, {}).get(key, _WORDS[ENGLISH][key]).format(**values)
