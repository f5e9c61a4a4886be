"""Accent- and case-insensitive search: text is normalised by the application, indexed by PostgreSQL."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    """Lower-case, without accents: "Educação Ambiental" → "educacao ambiental"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_text(title: str, description: str, city: str) -> str:
    """What the search index holds for an event."""
    return " ".join(normalize(part) for part in (title, description, city))


def search_query(term: str) -> str | None:
    """A tsquery matching every word of `term` as a word prefix ("educ amb" → "educ:* & amb:*")."""
    words = _WORD.findall(normalize(term))
    if not words:
        return None
    return " & ".join(f"{word}:*" for word in words[:10])
