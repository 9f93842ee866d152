"""The words a source table may use for the format's terms: English spellings and Chinese.

Researchers copy terms from their sources: "general branch", "General-Branch", 党总支 or the
short form 总支 all mean ``general_branch``. The Chinese words are declared with the schema
(:mod:`graph_schema.declaration`: ``kinds_zh``, ``TRANSFER_STATUSES_ZH``); this module only
reads them. A cell is normalized (full-width letters made half-width, lower case, spaces and
hyphens become ``_``) and looked up; a word that is no term is refused with every accepted
term, in English and Chinese.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from graph_schema.declaration import NODE_LABELS, REL_TYPES, TRANSFER_STATUSES_ZH

__all__ = ["VOCABULARIES", "Vocabulary", "normalize", "term"]

_SEPARATORS = re.compile(r"[\s\-]+")


def normalize(text: str) -> str:
    """A cell or header as it is compared: NFKC (full-width ``ＡＢ`` is ``AB``), stripped,
    lower case, with runs of spaces and hyphens turned into ``_``."""
    return _SEPARATORS.sub("_", unicodedata.normalize("NFKC", text).strip().lower())


@dataclass(frozen=True)
class Vocabulary:
    """A closed set of the format's terms and the Chinese words for each."""

    name: str
    terms: tuple[str, ...]
    zh: Mapping[str, tuple[str, ...]]

    def lookup(self, text: str) -> str | None:
        """The format's term ``text`` stands for, or None."""
        plain = normalize(text)
        if plain in self.terms:
            return plain
        return self.words.get(plain.replace("_", ""))

    @cached_property
    def words(self) -> dict[str, str]:
        """Each Chinese (or other) word, normalized, → its term."""
        return {
            normalize(word).replace("_", ""): t for t, words in self.zh.items() for word in words
        }

    def listing(self) -> str:
        """Every accepted term with its usual Chinese word: ``'branch' (党支部), …``."""
        shown = [f"'{t}' ({self.zh[t][0]})" if self.zh.get(t) else f"'{t}'" for t in self.terms]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]

    def expected(self) -> str:
        """The message of a refused word."""
        return (
            f"expected one of {self.listing()}, or another word for one of them in docs/loaders.md"
        )


def _vocabularies() -> dict[str, Vocabulary]:
    found = {
        f"{name}_kind": Vocabulary(f"{name}_kind", tuple(label.kinds), label.kinds_zh)
        for name, label in NODE_LABELS.items()
    }
    affiliation, supervision = REL_TYPES["AFFILIATED_TO"], REL_TYPES["SUPERVISES"]
    found["basis"] = Vocabulary("basis", tuple(affiliation.kinds), affiliation.kinds_zh)
    found["how"] = Vocabulary("how", tuple(supervision.kinds), supervision.kinds_zh)
    found["status"] = Vocabulary("status", tuple(TRANSFER_STATUSES_ZH), TRANSFER_STATUSES_ZH)
    found["yes_no"] = Vocabulary(
        "yes_no",
        ("yes", "no"),
        {"yes": ("是", "有", "√", "y", "true", "1"), "no": ("否", "无", "×", "n", "false", "0")},
    )
    return found


#: vocabulary name → its terms and their Chinese words
VOCABULARIES: Mapping[str, Vocabulary] = _vocabularies()


def term(vocabulary: str, text: str) -> str | None:
    """The format's term for ``text`` in ``vocabulary``, or None if it is none of them."""
    return VOCABULARIES[vocabulary].lookup(text)
