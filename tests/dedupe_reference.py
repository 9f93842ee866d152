"""The candidate pairs as ``dedupe.candidates`` made them before it was made faster (and the
name parsing it used), kept verbatim as the oracle of ``tests/test_dedupe_speed.py``: the
faster code must give the very same pairs, scores and evidence."""

# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz

from dedupe.candidates import Candidate
from dedupe.names import (
    _DROP,
    _ENGLISH_NOISE,
    _ENGLISH_ORGANS,
    LEGAL_FORMS,
    ORGANS,
    SHORT_FORMS,
    Parsed,
    _t2s,
    organ_class,
)
from graph_schema.records import Node

__all__ = ["candidates"]


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


#: a leading place a short name may leave out: 天津市, 和平区, 某某县, 浙江省 …
_PLACE = re.compile(r"^(?:.{0,4}?(?:省|自治区|市|区|县|旗|镇|乡|街道))(?=.)")
#: the most nodes one name block is scored within (a larger block is a common host name, not a
#: duplicate: it is left out, and counted)
MAX_BLOCK = 50


@dataclass
class _Entry:
    node: Node
    names: list[Parsed] = field(default_factory=list)


def _parsed(node: Node) -> list[Parsed]:
    """A node's names, parsed; a name that is only an organ word (an alias 联合党支部, 党组)
    says what kind of body it is, not which one, and is left out."""
    texts = [node.name, *(node.props.get("aliases") or ())]
    if node.props.get("name_en"):
        texts.append(str(node.props["name_en"]))
    parsed = [parse(text, node.label) for text in dict.fromkeys(texts)]
    named = [p for p in parsed if p.normalized.removeprefix("中共") not in ORGANS]
    return named or parsed[:1]


def _keys(entry: _Entry) -> Iterator[tuple[str, ...]]:
    """The blocks a node's names fall in: (label, organ class, host), and the same with a
    leading place left out."""
    for name in entry.names:
        organ = organ_class(name.organ) or ""
        host = name.host or name.normalized
        yield (entry.node.label, organ, host)
        bare = _PLACE.sub("", host)
        if bare != host:
            yield (entry.node.label, organ, "~" + bare)
        else:
            yield (entry.node.label, organ, "~" + host)


#: a number in a name: digits, or an ordinal in Chinese numerals (第一, 第十二 …)
_NUMBER = re.compile(r"\d+|第[零〇一二两三四五六七八九十百千]+")


def _numbers(name: str) -> list[str]:
    """The numbers a name holds, sorted: two names alike but for them are numbered siblings."""
    return sorted(_NUMBER.findall(name))


def _other_place(host: str, other_host: str, bare: str) -> tuple[str, str] | None:
    """The two leading places of two hosts alike but for them (``bare``), when they name
    different places (示范县 / 天津市); None when one leaves its place out or names only the
    level (市国资委 in a Tianjin document is 天津市国资委)."""
    first, second = host[: len(host) - len(bare)], other_host[: len(other_host) - len(bare)]
    if not first or not second or first.endswith(second) or second.endswith(first):
        return None
    return first, second


def _compare(x: _Entry, y: _Entry) -> Candidate | None:
    """Score a pair of one block; None where something rules it out."""
    a, b = sorted((x, y), key=lambda e: e.node.id)
    same: list[str] = []
    different: list[str] = []
    best = 0.0
    for p in a.names:
        for q in b.names:
            if organ_class(p.organ) != organ_class(q.organ):
                continue
            score = float(fuzz.ratio(p.host or p.normalized, q.host or q.normalized))
            if p.normalized == q.normalized:
                score = 100.0
            best = max(best, score)
    names = {n.normalized for n in a.names} & {n.normalized for n in b.names}
    if names:
        same.append(f"same name once normalized: {sorted(names)[0]}")
    pa, pb = a.names[0], b.names[0]
    if pa.host and pa.host == pb.host and pa.normalized != pb.normalized:
        same.append(f"same host once normalized: {pa.host}")
    primary = float(fuzz.ratio(pa.host or pa.normalized, pb.host or pb.normalized))
    if pa.normalized != pb.normalized and primary < 70 and not _place_only(pa, pb):
        # an alias or English name alike, the names themselves not: a person must judge
        different.append(f"the names themselves differ: {pa.normalized} / {pb.normalized}")
        best = min(best, 80.0)
    if pa.organ and pa.organ == pb.organ:
        same.append(f"same organ type: {pa.organ}")
    if pa.legal_form != pb.legal_form and pa.legal_form and pb.legal_form:
        different.append(f"legal forms differ: {pa.legal_form} / {pb.legal_form}")
        best -= 20
    bare = _PLACE.sub("", pa.host)
    places = _other_place(pa.host, pb.host, bare) if _place_only(pa, pb) else None
    if places is not None:
        # two places, two bodies: 示范县国资委党委 is not 天津市国资委党委
        different.append(f"places differ: {places[0]} / {places[1]}")
        best -= 40
    elif _PLACE.sub("", pa.host) == _PLACE.sub("", pb.host) and pa.host != pb.host:
        # 市国资委党委 in a Tianjin document is 天津市国资委党委: likely, but for a person to judge
        same.append(f"same name but for a leading place: {_PLACE.sub('', pa.host)}")
        different.append(f"one name leaves out a place: {pa.host} / {pb.host}")
        best = 90.0
    numbers = _numbers(pa.normalized), _numbers(pb.normalized)
    if all(numbers) and numbers[0] != numbers[1]:
        # 第一党支部 / 第二党支部, "enterprise 1 of 2" / "2 of 2": numbered siblings
        different.append(f"numbers differ: {' '.join(numbers[0])} / {' '.join(numbers[1])}")
        best -= 30
    if a.node.kind != b.node.kind and organ_class(a.node.kind) != organ_class(b.node.kind):
        different.append(f"kinds differ: {a.node.kind} / {b.node.kind}")
        best -= 10
    if best <= 0:
        return None
    return Candidate(
        a.node.id, b.node.id, a.node.label, round(best, 1), "name", tuple(same), tuple(different)
    )


def _place_only(p: Parsed, q: Parsed) -> bool:
    return p.host != q.host and _PLACE.sub("", p.host) == _PLACE.sub("", q.host)


def candidates(nodes: Iterable[Node], *, min_score: float = 85.0) -> list[Candidate]:
    """The candidate pairs among ``nodes``, best first (ties by ids)."""
    entries = [_Entry(n, _parsed(n)) for n in nodes if not n.props.get("unresolved")]
    found: dict[tuple[str, str], Candidate] = {}
    by_uscc: dict[str, list[_Entry]] = {}
    for entry in entries:
        uscc = entry.node.props.get("uscc")
        if uscc:
            by_uscc.setdefault(str(uscc), []).append(entry)
    for code, group in by_uscc.items():
        for x, y in combinations(sorted(group, key=lambda e: e.node.id), 2):
            found[x.node.id, y.node.id] = Candidate(
                x.node.id, y.node.id, x.node.label, 100.0, "uscc", (f"equal USCC {code}",)
            )
    blocks: dict[tuple[str, ...], list[_Entry]] = {}
    for entry in entries:
        for key in set(_keys(entry)):
            blocks.setdefault(key, []).append(entry)
    for members in blocks.values():
        if not 1 < len(members) <= MAX_BLOCK:
            continue
        for x, y in combinations(members, 2):
            pair = tuple(sorted((x.node.id, y.node.id)))
            if pair in found or x.node.id == y.node.id:
                continue
            ux, uy = x.node.props.get("uscc"), y.node.props.get("uscc")
            if ux and uy and ux != uy:
                continue  # different codes: different enterprises
            candidate = _compare(x, y)
            if candidate is not None and candidate.score >= min_score:
                found[candidate.a, candidate.b] = candidate
    return sorted(found.values(), key=lambda c: (-c.score, c.a, c.b))
