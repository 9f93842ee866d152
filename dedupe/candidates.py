"""Pairs of nodes that may be one body under two names, with the evidence for and against.

Blocked first by USCC: an equal unified social credit code is near-certain, different codes
are different enterprises and are never paired. Then by name, within one label: a Party
organization's host and organ type (:func:`dedupe.names.parse`) — 某公司党委 and 某公司党总支
never pair —, an enterprise's name without its legal form, any other node's normalized name;
a second key leaves out a leading place (市国资委 and 天津市国资委). Names in a block are scored
with rapidfuzz; each candidate says what matched and what differed, so that a person can judge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz

from dedupe.names import ORGANS, Parsed, normalize, organ_class, parse
from graph_schema.records import Node

__all__ = ["Candidate", "candidates", "candidates_against"]

#: a leading place a short name may leave out: 天津市, 和平区, 某某县, 浙江省 …
_PLACE = re.compile(r"^(?:.{0,4}?(?:省|自治区|市|区|县|旗|镇|乡|街道))(?=.)")
#: the most nodes one name block is scored within (a larger block is a common host name, not a
#: duplicate: it is left out, and counted)
MAX_BLOCK = 50


@dataclass(frozen=True)
class Candidate:
    """Two nodes (``a`` < ``b``) that may be one, how likely (0–100), and why."""

    a: str
    b: str
    label: str
    score: float
    rule: str
    same: tuple[str, ...] = ()
    different: tuple[str, ...] = ()


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
    if _PLACE.sub("", pa.host) == _PLACE.sub("", pb.host) and pa.host != pb.host:
        # 市国资委党委 in a Tianjin document is 天津市国资委党委: likely, but for a person to judge
        same.append(f"same name but for a leading place: {_PLACE.sub('', pa.host)}")
        different.append(f"one name leaves out a place: {pa.host} / {pb.host}")
        best = 90.0
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


def _texts(node: Node) -> list[str]:
    """A node's names as its blocks' hosts are written: normalised, without spaces."""
    texts = [node.name, *(node.props.get("aliases") or ())]
    if node.props.get("name_en"):
        texts.append(str(node.props["name_en"]))
    return [normalize(t).replace(" ", "") for t in texts]


def _pairs_of(
    new: Sequence[_Entry], old: Sequence[_Entry], min_score: float
) -> Iterator[Candidate]:
    """The candidates of one block: each new node against each existing one."""
    if len(new) + len(old) > MAX_BLOCK:
        return  # a common host name, as in candidates()
    for x in new:
        for y in old:
            ux, uy = x.node.props.get("uscc"), y.node.props.get("uscc")
            if ux and uy and ux != uy:
                continue
            candidate = _compare(x, y)
            if candidate is not None and candidate.score >= min_score:
                yield candidate


def candidates_against(
    new: Iterable[Node], existing: Iterable[Node], *, min_score: float = 85.0
) -> list[Candidate]:
    """The candidate pairs of a new node and an existing one (not the new among themselves,
    nor the existing ones: what a load just brought in that looks like what was there), by
    the blocks :func:`candidates` uses, best first.

    Cheap on a large store: only the new nodes' blocks are looked for, and an existing node
    is parsed only if one of its normalised names contains a new node's host (one regular
    expression; a parse costs several times a normalisation). ``existing`` may include the
    new nodes themselves (they are left out).
    """
    entries = [_Entry(n, _parsed(n)) for n in new if not n.props.get("unresolved")]
    ids = {e.node.id for e in entries}
    blocks: dict[tuple[str, ...], list[_Entry]] = {}
    for entry in entries:
        for key in set(_keys(entry)):
            blocks.setdefault(key, []).append(entry)
    usccs: dict[str, list[_Entry]] = {}
    for entry in entries:
        if entry.node.props.get("uscc"):
            usccs.setdefault(str(entry.node.props["uscc"]), []).append(entry)
    hosts = sorted({k[2].lstrip("~").replace(" ", "") for k in blocks} - {""}, key=len)
    near = re.compile("|".join(re.escape(h) for h in reversed(hosts))) if hosts else None
    labels = {e.node.label for e in entries}
    found: dict[tuple[str, str], Candidate] = {}
    matched: dict[tuple[str, ...], list[_Entry]] = {}
    for node in existing:
        if node.id in ids or node.props.get("unresolved"):
            continue
        code = node.props.get("uscc")
        for other in usccs.get(str(code), []) if code else []:
            a, b = sorted((node.id, other.node.id))
            found[a, b] = Candidate(a, b, node.label, 100.0, "uscc", (f"equal USCC {code}",))
        if node.label not in labels or near is None:
            continue
        if not any(near.search(text) for text in _texts(node)):
            continue
        entry = _Entry(node, _parsed(node))
        for key in set(_keys(entry)):
            if key in blocks:
                matched.setdefault(key, []).append(entry)
    for key, old in matched.items():
        for candidate in _pairs_of(blocks[key], old, min_score):
            found.setdefault((candidate.a, candidate.b), candidate)
    return sorted(found.values(), key=lambda c: (-c.score, c.a, c.b))
