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
from collections.abc import Mapping
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
    "organ_class",
    "parse",
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


def _organs() -> dict[str, str]:
    declared = NODE_LABELS["PartyOrg"].kinds_zh
    found = {
        word: kind
        for kind, words in declared.items()
        for word in words
        if kind != "local_committee"
    }  # (县委, 区委 … are whole names, not suffixes)
    return {**found, **_LONG_ORGANS}


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
    text = unicodedata.normalize("NFKC", name)
    text = _t2s().convert(text).lower()
    text = _DROP.sub("", text)
    for long, short in SHORT_FORMS:
        text = text.replace(long, short)
    return text


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


def _english(name: str) -> Parsed:
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", name).lower().replace("'", ""))
    text = " ".join(words)
    organ = next((kind for phrase, kind in _ENGLISH_ORGANS.items() if phrase in text), None)
    for phrase in _ENGLISH_ORGANS:
        text = text.replace(phrase, " ")
    host = " ".join(w for w in text.split() if w not in _ENGLISH_NOISE)
    return Parsed(" ".join(words), host, organ)


def parse(name: str, label: str = "PartyOrg") -> Parsed:
    """Split a name: a Party organization's into host and organ type (中共天津市国资委委员会 →
    天津市国资委, committee); an enterprise's into name and legal form; others normalized."""
    if name.isascii():
        return _english(name)
    text = normalize(name)
    prefix = text.startswith("中共")
    rest = text.removeprefix("中共")
    if label == "PartyOrg":
        for word, kind in ORGANS.items():
            if rest.endswith(word) and len(rest) > len(word):
                return Parsed(text, rest[: -len(word)], kind, party_prefix=prefix)
        return Parsed(text, rest, None, party_prefix=prefix)
    if label == "Enterprise":
        for form in LEGAL_FORMS:
            if rest.endswith(form) and len(rest) > len(form):
                return Parsed(text, rest[: -len(form)], legal_form=form)
    return Parsed(text, rest)
