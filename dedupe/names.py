"""Organization names, analysed: one body's many names brought to one form, and split into
what they name.

Sources name one organization many ways: 天津市人民政府国有资产监督管理委员会党委, 天津市国资委党委,
天津市國資委黨委, with full-width brackets or without. :func:`normalize` brings such variants to
one form: NFKC (full-width letters and brackets half-width), traditional characters simplified
(OpenCC's own ``t2s`` data), spaces, brackets and punctuation dropped, the usual long forms
shortened (:data:`SHORT_FORMS`). :func:`parse` then splits a Party organization's name into its
host (the enterprise, body or area it is set up in) and its organ type (委员会 / 党委 / 总支 /
支部 / 党组 / 党工委 …), and an enterprise's name into its name and legal form (有限公司,
股份有限公司 …). Organ type and legal form distinguish: 某公司党委 and 某公司党总支 are two
organizations of one enterprise, never one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import opencc

from graph_schema.declaration import NODE_LABELS

__all__ = [
    "LEGAL_FORMS",
    "ORGANS",
    "SHORT_FORMS",
    "Parsed",
    "normalize",
    "normalize_many",
    "organ_class",
    "parse",
    "parse_many",
]

#: long forms and the short ones sources use for them (applied in this order)
SHORT_FORMS: tuple[tuple[str, str], ...] = (
    ("中国共产党", "中共"),
    ("人民政府国有资产监督管理委员会", "国资委"),
    ("国有资产监督管理委员会", "国资委"),
    ("工商业联合会", "工商联"),
    ("妇女联合会", "妇联"),
    ("共产主义青年团", "团"),
    ("人民政府", "政府"),
)

#: the formal long names of the organ types, besides the words the schema declares for the
#: kinds of a Party organization (``kinds_zh``), with the kind each names
_LONG_ORGANS: Mapping[str, str] = {
    "总支部委员会": "general_branch",
    "支部委员会": "branch",
    "工作委员会": "work_committee",
    "委员会": "committee",
    "党委员会": "committee",
}


#: words documents use for a sort of Party organization, e.g. as an alias: like an organ type,
#: they say what kind of body a node is, not which one (two joint branches both "联合党组织")
_GENERIC_ORGANS: Mapping[str, str] = {
    "联合党组织": "joint_branch",
}


def _organs() -> dict[str, str]:
    declared = NODE_LABELS["PartyOrg"].kinds_zh
    found = {
        word: kind
        for kind, words in declared.items()
        for word in words
        if kind != "local_committee"
    }  # (县委, 区委 … are whole names, not suffixes)
    return {**found, **_LONG_ORGANS, **_GENERIC_ORGANS}


#: organ word → the PartyOrg kind it names, longest first (so 联合党支部 wins over 党支部)
ORGANS: Mapping[str, str] = dict(sorted(_organs().items(), key=lambda kv: -len(kv[0])))

#: enterprise legal forms, longest first (so 股份有限公司 wins over 有限公司)
LEGAL_FORMS: tuple[str, ...] = tuple(
    sorted(
        (
            "集团股份有限公司",
            "集团有限公司",
            "股份有限公司",
            "有限责任公司",
            "有限公司",
            "股份公司",
            "集团公司",
            "公司",
            "集团",
            "厂",
        ),
        key=len,
        reverse=True,
    )
)

#: organ kinds that are one class for matching: a committee is a committee, local or not
_CLASSES: Mapping[str, str] = {"local_committee": "committee"}

_DROP = re.compile(r"[\s()\[\]{}<>《》〈〉「」『』【】\"'`·・.,，、;；:：!！?？\-_/\\]+")
_ENGLISH_ORGANS: Mapping[str, str] = {
    "leading party members group": "leading_group",
    "party work committee": "work_committee",
    "joint party branch": "joint_branch",
    "general party branch": "general_branch",
    "party general branch": "general_branch",
    "general branch": "general_branch",
    "party committee": "committee",
    "party branch": "branch",
    "branch": "branch",
}
_ENGLISH_NOISE = frozenset({"the", "of", "in", "at", "and", "cpc", "ccp", "communist", "china"})


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize(name: str) -> str:
    """One form of a name: NFKC, simplified characters, lower case, no spaces, brackets or
    punctuation, the usual long forms shortened (天津市人民政府国有资产监督管理委员会党委 and
    天津市國資委黨委 both give 天津市国资委党委)."""
    return _simplified(unicodedata.normalize("NFKC", name))


def _simplified(text: str) -> str:
    """:func:`normalize`'s steps after NFKC."""
    text = _t2s().convert(text).lower()
    text = _DROP.sub("", text)
    for long, short in SHORT_FORMS:
        text = text.replace(long, short)
    return text


#: what :func:`normalize_many` joins names with: a private-use character, which no step of
#: :func:`normalize` makes, drops, joins with a neighbour or reads as part of a word
_SEPARATOR = "\ue000"


def normalize_many(names: Sequence[str]) -> list[str]:
    """:func:`normalize` of each name, the steps after NFKC made on all of them joined into
    one text (one call of OpenCC, ``lower``, the regular expression and each replacement,
    rather than one per name): the same answers, twice as fast on a province's names. NFKC
    stays per name: it returns an already normal name at once, but one name that is not
    would make it rework the whole text. Names that hold the separator themselves are
    normalized one by one."""
    joined = _SEPARATOR.join(unicodedata.normalize("NFKC", name) for name in names)
    if not names or joined.count(_SEPARATOR) != len(names) - 1:
        return [normalize(name) for name in names]
    found = _simplified(joined).split(_SEPARATOR)
    if len(found) != len(names):  # pragma: no cover - no step makes or drops the separator
        return [normalize(name) for name in names]
    return found


def organ_class(kind: str | None) -> str | None:
    """The organ type two names must share to name one organization."""
    return _CLASSES.get(kind, kind) if kind else None


@dataclass(frozen=True)
class Parsed:
    """A name split into what it names: the host, the organ type (a PartyOrg kind) or the
    legal form (an enterprise's), and whether it carried the 中共 prefix."""

    normalized: str
    host: str
    organ: str | None = None
    legal_form: str | None = None
    party_prefix: bool = False


#: the words of the English names
_WORDS = re.compile(r"[a-z0-9]+")
#: a word every English organ phrase ends in: a name without any names no organ, and its
#: phrases need not be looked for one by one
_ENGLISH_ORGAN_WORDS = tuple(sorted({phrase.split()[-1] for phrase in _ENGLISH_ORGANS}))


def _english(name: str) -> Parsed:
    """An English name (ASCII, so NFKC leaves it as it is): its words, its organ type and
    its host (the words that are neither the organ's nor noise)."""
    words = _WORDS.findall(name.lower().replace("'", ""))
    normalized = text = " ".join(words)
    organ = None
    if any(word in text for word in _ENGLISH_ORGAN_WORDS):
        organ = next((kind for phrase, kind in _ENGLISH_ORGANS.items() if phrase in text), None)
        for phrase in _ENGLISH_ORGANS:
            text = text.replace(phrase, " ")
        words = text.split()
    host = " ".join([w for w in words if w not in _ENGLISH_NOISE])
    return Parsed(normalized, host, organ)


#: the lengths of the organ words and of the legal forms, longest first: a name's suffix of
#: each length is looked up, rather than every word tried
_ORGAN_LENGTHS = sorted({len(word) for word in ORGANS}, reverse=True)
_LEGAL_FORM_SET = frozenset(LEGAL_FORMS)
_LEGAL_FORM_LENGTHS = sorted({len(form) for form in LEGAL_FORMS}, reverse=True)


def parse(name: str, label: str = "PartyOrg") -> Parsed:
    """Split a name: a Party organization's into host and organ type (中共天津市国资委委员会 →
    天津市国资委, committee); an enterprise's into name and legal form; others normalized."""
    if name.isascii():
        return _english(name)
    return _split(normalize(name), label)


def parse_many(names: Sequence[str], label: str = "PartyOrg") -> list[Parsed]:
    """:func:`parse` of each name (of one label), the Chinese ones normalized together
    (:func:`normalize_many`)."""
    chinese = [name for name in names if not name.isascii()]
    normalized = iter(normalize_many(chinese))
    return [_english(name) if name.isascii() else _split(next(normalized), label) for name in names]


def _split(text: str, label: str) -> Parsed:
    """A normalized Chinese name split by its label. The organ type (legal form) is the
    longest organ word (legal form) the name ends in, short of the whole name."""
    prefix = text.startswith("中共")
    rest = text[2:] if prefix else text
    if label == "PartyOrg":
        for length in _ORGAN_LENGTHS:
            if len(rest) > length:
                kind = ORGANS.get(rest[-length:])
                if kind is not None:
                    return Parsed(text, rest[:-length], kind, party_prefix=prefix)
        return Parsed(text, rest, None, party_prefix=prefix)
    if label == "Enterprise":
        for length in _LEGAL_FORM_LENGTHS:
            if len(rest) > length and rest[-length:] in _LEGAL_FORM_SET:
                return Parsed(text, rest[:-length], legal_form=rest[-length:])
    return Parsed(text, rest)
