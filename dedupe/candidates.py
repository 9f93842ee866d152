"""Pairs of nodes that may be one body under two names, with the evidence for and against.

Blocked first by USCC: an equal unified social credit code is near-certain, different codes
are different enterprises and are never paired. Then by name, within one label: a Party
organization's host and organ type (:func:`dedupe.names.parse`) — 某公司党委 and 某公司党总支
never pair —, an enterprise's name without its legal form, any other node's normalized name;
a second key leaves out a leading place (市国资委 and 天津市国资委). Names in a block are scored
with rapidfuzz; each candidate says what matched and what differed, so that a person can judge.

A store's candidates are worked out in two passes, so that a province of a million nodes is
never in memory as records at once: :func:`blocks` reads each node's names and USCC only
(:func:`slim`), a chunk at a time, and keeps of each block key a 128-bit digest, to find the
pairs of the blocks of two to :data:`MAX_BLOCK` nodes and of equal USCCs (numbers in arrays);
:func:`candidates_in` then scores those pairs a chunk at a time, reading only their nodes —
exactly as :func:`candidates` would.
"""

from __future__ import annotations

import hashlib
import re
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from operator import attrgetter

import numpy as np
import numpy.typing as npt
from rapidfuzz.fuzz import ratio

from dedupe.names import ORGANS, Parsed, normalize, organ_class, parse, parse_many
from graph_schema.records import Node
from stores.collector import gc_paused

__all__ = [
    "Blocking",
    "Blocks",
    "Candidate",
    "Pairs",
    "Slim",
    "blocks",
    "candidate_of",
    "candidates",
    "candidates_against",
    "candidates_in",
    "slim",
]

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


class _Entry:
    """A node with what comparing it needs, worked out once: its names parsed; of each name
    its organ class ("" for none), the text blocked and scored (the host, or the whole name)
    and the normalized name; of its first name, the host without a leading place."""

    __slots__ = ("bare", "id", "kind", "kind_class", "names", "node", "normalized", "sides")

    def __init__(self, node: Node, names: list[Parsed]) -> None:
        self.node, self.id, self.kind, self.names = node, node.id, node.kind, names
        self.kind_class = organ_class(node.kind)
        self.sides = _sides(names)
        self.normalized = {p.normalized for p in names}
        self.bare = _PLACE.sub("", names[0].host)


def _sides(names: list[Parsed]) -> list[tuple[str, str, str]]:
    """Of each name: its organ class ("" for none), the text blocked and scored (the host, or
    the whole name) and the normalized name."""
    return [(organ_class(p.organ) or "", p.host or p.normalized, p.normalized) for p in names]


def _texts_of(node: Node) -> list[str]:
    """A node's names as written: its name, aliases and English name, each once."""
    texts = [node.name, *(node.props.get("aliases") or ())]
    if node.props.get("name_en"):
        texts.append(str(node.props["name_en"]))
    return list(dict.fromkeys(texts))


def _named(parsed: list[Parsed]) -> list[Parsed]:
    """A node's parsed names but those that are only an organ word (an alias 联合党支部,
    党组): such a name says what kind of body it is, not which one."""
    named = [p for p in parsed if p.normalized.removeprefix("中共") not in ORGANS]
    return named or parsed[:1]


def _parsed(node: Node) -> list[Parsed]:
    """A node's names, parsed (:func:`_named`)."""
    return _named([parse(text, node.label) for text in _texts_of(node)])


def _entries(nodes: Iterable[Node]) -> list[_Entry]:
    """The nodes (but unresolved ones) as entries, in id order; each distinct name of a
    label parsed once, the names of a label together (:func:`dedupe.names.parse_many`)."""
    chosen = sorted(
        {n.id: n for n in nodes if not n.props.get("unresolved")}.values(), key=attrgetter("id")
    )
    texts = [_texts_of(n) for n in chosen]
    by_label: dict[str, dict[str, Parsed | None]] = {}
    for node, names in zip(chosen, texts, strict=True):
        by_label.setdefault(node.label, {}).update(dict.fromkeys(names))
    parsed = {
        label: dict(zip(names, parse_many(list(names), label), strict=True))
        for label, names in by_label.items()
    }
    return [
        _Entry(node, _named([parsed[node.label][t] for t in names]))
        for node, names in zip(chosen, texts, strict=True)
    ]


def _keys(entry: _Entry) -> set[tuple[str, str, str]]:
    """The blocks a node's names fall in: (label, organ class, host), and the same with a
    leading place left out."""
    return _block_keys(entry.node.label, entry.sides)


def _block_keys(label: str, sides: list[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """:func:`_keys` of a node of ``label`` whose names have these :func:`_sides`."""
    keys = set()
    for organ, host, _ in sides:
        keys.add((label, organ, host))
        keys.add((label, organ, "~" + _PLACE.sub("", host)))
    return keys


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


def _compare(a: _Entry, b: _Entry, min_score: float) -> Candidate | None:
    """Score a pair of one block (``a`` before ``b`` by id); None where something rules it
    out or it scores below ``min_score``."""
    best = 0.0
    for organ, text, normalized in a.sides:
        for other_organ, other_text, other_normalized in b.sides:
            if organ != other_organ:
                continue
            score = 100.0 if normalized == other_normalized else ratio(text, other_text)
            if score > best:
                best = score
    same: list[str] = []
    different: list[str] = []
    names = a.normalized & b.normalized
    if names:
        same.append(f"same name once normalized: {min(names)}")
    pa, pb = a.names[0], b.names[0]
    if pa.host and pa.host == pb.host and pa.normalized != pb.normalized:
        same.append(f"same host once normalized: {pa.host}")
    place_only = pa.host != pb.host and a.bare == b.bare
    if (
        pa.normalized != pb.normalized
        and not place_only
        and ratio(a.sides[0][1], b.sides[0][1]) < 70
    ):
        # an alias or English name alike, the names themselves not: a person must judge
        different.append(f"the names themselves differ: {pa.normalized} / {pb.normalized}")
        best = min(best, 80.0)
    if pa.organ and pa.organ == pb.organ:
        same.append(f"same organ type: {pa.organ}")
    if pa.legal_form != pb.legal_form and pa.legal_form and pb.legal_form:
        different.append(f"legal forms differ: {pa.legal_form} / {pb.legal_form}")
        best -= 20
    places = _other_place(pa.host, pb.host, a.bare) if place_only else None
    if places is not None:
        # two places, two bodies: 示范县国资委党委 is not 天津市国资委党委
        different.append(f"places differ: {places[0]} / {places[1]}")
        best -= 40
    elif place_only:
        # 市国资委党委 in a Tianjin document is 天津市国资委党委: likely, but for a person to judge
        same.append(f"same name but for a leading place: {a.bare}")
        different.append(f"one name leaves out a place: {pa.host} / {pb.host}")
        best = 90.0
    numbers = _numbers(pa.normalized), _numbers(pb.normalized)
    if all(numbers) and numbers[0] != numbers[1]:
        # 第一党支部 / 第二党支部, "enterprise 1 of 2" / "2 of 2": numbered siblings
        different.append(f"numbers differ: {' '.join(numbers[0])} / {' '.join(numbers[1])}")
        best -= 30
    if a.kind != b.kind and a.kind_class != b.kind_class:
        different.append(f"kinds differ: {a.kind} / {b.kind}")
        best -= 10
    if best <= 0:
        return None
    score = round(best, 1)
    if score < min_score:
        return None
    return Candidate(a.id, b.id, a.node.label, score, "name", tuple(same), tuple(different))


def _uscc_pairs(entries: Sequence[_Entry]) -> dict[tuple[int, int], Candidate]:
    """The pairs of equal USCC (``entries`` in id order; a pair by their positions)."""
    by_uscc: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        uscc = entry.node.props.get("uscc")
        if uscc:
            by_uscc.setdefault(str(uscc), []).append(i)
    found = {}
    for code, group in by_uscc.items():
        for i, j in combinations(group, 2):
            x, y = entries[i], entries[j]
            found[i, j] = Candidate(
                x.id, y.id, x.node.label, 100.0, "uscc", (f"equal USCC {code}",)
            )
    return found


def candidates(nodes: Iterable[Node], *, min_score: float = 85.0) -> list[Candidate]:
    """The candidate pairs among ``nodes`` (distinct by id, as a store's are), best first
    (ties by ids).

    Each pair is scored once, however many blocks the two share; names are parsed once per
    distinct name, and together. The cyclic GC is paused meanwhile: the run makes hundreds of
    thousands of acyclic objects, and collecting a server's millions of objects again and
    again over them took longer than the run itself."""
    with gc_paused():
        return _candidates(nodes, min_score)


def _candidates(nodes: Iterable[Node], min_score: float) -> list[Candidate]:
    entries = _entries(nodes)
    found = _uscc_pairs(entries)
    blocks: dict[tuple[str, str, str], list[int]] = {}
    for i, entry in enumerate(entries):
        for key in _keys(entry):
            blocks.setdefault(key, []).append(i)
    usccs = [e.node.props.get("uscc") for e in entries]
    seen: set[tuple[int, int]] = set(found)
    for members in blocks.values():
        if not 1 < len(members) <= MAX_BLOCK:
            continue
        for i, j in combinations(members, 2):  # i < j: in id order
            if (i, j) in seen:
                continue
            seen.add((i, j))
            ux, uy = usccs[i], usccs[j]
            if ux and uy and ux != uy:
                continue  # different codes: different enterprises
            candidate = _compare(entries[i], entries[j], min_score)
            if candidate is not None:
                found[i, j] = candidate
    return sorted(found.values(), key=lambda c: (-c.score, c.a, c.b))


#: a node as blocking needs it: its id, label, names as written (:func:`_texts_of`) and USCC
Slim = tuple[str, str, tuple[str, ...], str | None]
#: the nodes whose names are parsed together in :func:`blocks`
CHUNK = 50_000
#: the pairs scored together in :func:`candidates_in` (their nodes are what it holds at once)
PAIRS = 30_000


def slim(node: Node) -> Slim | None:
    """What :func:`blocks` needs of a node (None: an unresolved node, never a candidate)."""
    if node.props.get("unresolved"):
        return None
    uscc = node.props.get("uscc")
    return node.id, node.label, tuple(_texts_of(node)), str(uscc) if uscc else None


@dataclass(frozen=True)
class Blocks:
    """What the first pass over a store's nodes found, compactly: the nodes' ids, those
    paired with each other (directly or through others) next to each other, and the pairs
    to score as ``a * len(ids) + b`` of their positions (``a`` < ``b``), ascending, each
    once — of equal USCCs (``usccs``), and of the name blocks of two to :data:`MAX_BLOCK`
    nodes but those (``names``)."""

    ids: list[str]
    usccs: npt.NDArray[np.int64]
    names: npt.NDArray[np.int64]


def _digest(text: str) -> bytes:
    """A key as its 128-bit BLAKE2b digest: two keys share one with odds of 2^-128 a pair,
    so grouping by digest is grouping by key."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


class _Digests:
    """(key digest, node position) pairs, kept as flat arrays (not a dict of lists)."""

    def __init__(self) -> None:
        self.digests = bytearray()
        self.positions = array("q")

    def add(self, text: str, position: int) -> None:
        self.digests += _digest(text)
        self.positions.append(position)

    def grouped(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The positions by digest (each group's ascending), and where each group starts."""
        digests = np.frombuffer(self.digests, dtype=np.uint64).reshape(-1, 2)
        positions = np.frombuffer(self.positions, dtype=np.int64)
        order = np.lexsort((positions, digests[:, 1], digests[:, 0]))
        positions = positions[order]
        digests = digests[order]
        self.digests, self.positions = bytearray(), array("q")
        new = np.any(digests[1:] != digests[:-1], axis=1)
        del digests, order
        return positions, np.flatnonzero(np.concatenate(([True], new)))


#: the groups whose pairs :func:`_pairs` makes at once (bounds its arrays in between)
_GROUPS = 200_000


def _pairs(
    grouped: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    n: int,
    largest: int | None,
) -> npt.NDArray[np.int64]:
    """The pairs of every group of two to ``largest`` (None: any number) of ``n`` positions,
    as ``a * n + b`` (``a`` < ``b``); ascending, each once. Made into one array sized
    beforehand, sorted in place (a province's millions of pairs, held once and a half rather
    than several times)."""
    positions, starts = grouped
    sizes = np.diff(np.append(starts, len(positions)))
    chosen = sizes >= 2 if largest is None else (sizes >= 2) & (sizes <= largest)
    codes = np.empty(int((sizes[chosen] * (sizes[chosen] - 1) // 2).sum()), dtype=np.int64)
    at = 0
    for size in np.unique(sizes[chosen]).tolist():
        first, second = np.triu_indices(size, 1)
        begins = starts[chosen & (sizes == size)]
        for block in range(0, len(begins), _GROUPS):
            part = begins[block : block + _GROUPS]
            groups = np.sort(positions[part[:, None] + np.arange(size)], axis=1)
            made = (groups[:, first] * n + groups[:, second]).ravel()
            codes[at : at + len(made)] = made
            at += len(made)
    codes.sort()
    if len(codes) < 2:
        return codes
    keep = np.empty(len(codes), dtype=np.bool_)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def _components(codes: Sequence[npt.NDArray[np.int64]], n: int) -> npt.NDArray[np.int32]:
    """Of each of ``n`` nodes, the smallest position in its connected component of these
    pairs (``a * n + b``): minimum labels spread along the pairs, with pointer jumping, until
    they settle (six rounds at a million nodes, whose largest component is ~200). In 32
    bits: a province's millions of pairs are held twice more while it runs."""
    a = np.concatenate([c // n for c in codes]).astype(np.int32)
    b = np.concatenate([c % n for c in codes]).astype(np.int32)
    label = np.arange(n, dtype=np.int32)
    while True:
        lowest = np.minimum(label[a], label[b])
        spread = label.copy()
        np.minimum.at(spread, a, lowest)
        np.minimum.at(spread, b, lowest)
        spread = spread[spread]
        if np.array_equal(spread, label):
            return label
        label = spread


def _by_component(
    codes: Sequence[npt.NDArray[np.int64]], n: int
) -> tuple[npt.NDArray[np.int64], list[npt.NDArray[np.int64]]]:
    """The nodes in an order that puts the nodes of a connected component of the pairs next
    to each other (as positions), and the pairs again in that order: a chunk of pairs in
    :func:`candidates_in` then reads and parses each node about once (at a million nodes,
    0.95M node reads instead of 4.6M when a node's blocks were scattered)."""
    order = np.argsort(_components(codes, n), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    moved = []
    for c in codes:
        x, y = rank[c // n], rank[c % n]
        low = np.minimum(x, y)
        np.maximum(x, y, out=y)
        del x
        low *= n
        low += y
        del y
        low.sort()
        moved.append(low)
    return order, moved


class Blocking:
    """The first pass (see the module docstring), fed the nodes a chunk at a time (each
    chunk's names parsed together, those of a label at once; nothing of a chunk is kept but
    its ids and its keys' digests). The nodes are distinct by id, as a store's are."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.names, self.usccs = _Digests(), _Digests()

    def add(self, nodes: Iterable[Slim]) -> None:
        """Digest these nodes (an iterable: read as they come)."""
        for chunk in _batched(nodes, CHUNK):
            _digest_chunk(chunk, len(self.ids), self.names, self.usccs)
            self.ids.extend(n[0] for n in chunk)

    def merge(self, other: Blocking) -> None:
        """Take in what ``other`` digested (a read that may have been made again is
        digested on its own, then merged)."""
        offset = len(self.ids)
        self.ids.extend(other.ids)
        for mine, theirs in ((self.names, other.names), (self.usccs, other.usccs)):
            mine.digests += theirs.digests
            moved = np.frombuffer(theirs.positions, dtype=np.int64) + offset
            mine.positions.frombytes(moved.tobytes())

    def blocks(self) -> Blocks:
        """The pairs of equal USCCs, and the pairs of the name blocks of 2 to
        :data:`MAX_BLOCK` nodes that are not among them."""
        n = len(self.ids)
        equal = _pairs(self.usccs.grouped(), n, None)
        named = _pairs(self.names.grouped(), n, MAX_BLOCK)
        named = named[~np.isin(named, equal, assume_unique=True)]
        order, (equal, named) = _by_component((equal, named), n)
        ids = [self.ids[i] for i in order.tolist()]
        self.ids = []
        return Blocks(ids, equal, named)


def blocks(chunks: Iterable[Iterable[Slim]]) -> Blocks:
    """:class:`Blocking` of these chunks of nodes."""
    blocking = Blocking()
    for nodes in chunks:
        blocking.add(nodes)
    return blocking.blocks()


def _batched(nodes: Iterable[Slim], size: int) -> Iterator[list[Slim]]:
    batch: list[Slim] = []
    for node in nodes:
        batch.append(node)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _digest_chunk(chunk: list[Slim], first: int, names: _Digests, usccs: _Digests) -> None:
    """The block keys (:func:`_keys`) and USCCs of a chunk of nodes, numbered from
    ``first``, as digests."""
    by_label: dict[str, dict[str, Parsed | None]] = {}
    for _, label, texts, _ in chunk:
        by_label.setdefault(label, {}).update(dict.fromkeys(texts))
    parsed = {
        label: dict(zip(texts, parse_many(list(texts), label), strict=True))
        for label, texts in by_label.items()
    }
    for position, (_, label, texts, uscc) in enumerate(chunk, first):
        sides = _sides(_named([parsed[label][t] for t in texts]))
        for key in _block_keys(label, sides):
            names.add("\0".join(key), position)
        if uscc:
            usccs.add(uscc, position)


@dataclass(frozen=True)
class Pairs:
    """Candidates kept compactly (a province's hundreds of thousands, without their evidence
    or nodes): the ids of their nodes, sorted; and of each candidate, best first (ties by
    ids), the positions of its two nodes in ``ids``, its score, whether its rule is
    ``uscc`` (else ``name``) and the place in ``labels`` of its nodes' label ("" for two
    labels: a pair of equal USCCs may be). :func:`candidate_of`
    works a candidate's evidence out again from its two nodes."""

    ids: list[str]
    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    uscc: npt.NDArray[np.bool_]
    label: npt.NDArray[np.int64]
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.score)

    def codes(self) -> npt.NDArray[np.int64]:
        """Each candidate's pair as one number (``a * len(ids) + b``)."""
        return self.a * len(self.ids) + self.b

    def pair(self, position: int) -> tuple[str, str]:
        """The ids of the candidate at ``position``."""
        return self.ids[int(self.a[position])], self.ids[int(self.b[position])]


def _kept(found: list[tuple[str, str, float, bool, str]]) -> Pairs:
    """(a, b, score, uscc, label) of each candidate, as :class:`Pairs`."""
    ids = sorted({i for a, b, *_ in found for i in (a, b)})
    at = {i: n for n, i in enumerate(ids)}
    labels = tuple(sorted({x[4] for x in found}))
    code = {label: n for n, label in enumerate(labels)}
    a = np.array([at[x[0]] for x in found], dtype=np.int64)
    b = np.array([at[x[1]] for x in found], dtype=np.int64)
    score = np.array([x[2] for x in found], dtype=np.float64)
    uscc = np.array([x[3] for x in found], dtype=np.bool_)
    label = np.array([code[x[4]] for x in found], dtype=np.int64)
    order = np.lexsort((b, a, -score))
    return Pairs(ids, a[order], b[order], score[order], uscc[order], label[order], labels)


def candidates_in(
    found: Blocks,
    read: Callable[[list[str]], Mapping[str, Node]],
    *,
    min_score: float = 85.0,
) -> Pairs:
    """The second pass: the pairs :func:`blocks` found, scored :data:`PAIRS` at a time from
    their nodes (``read(ids)``: the nodes of those ids, as the first pass read them) —
    exactly :func:`candidates` of every node the first pass read, kept compactly."""
    n = len(found.ids)
    kept: list[tuple[str, str, float, bool, str]] = []
    with gc_paused():
        for pairs, equal in ((found.usccs, True), (found.names, False)):
            for start in range(0, len(pairs), PAIRS):
                chunk = pairs[start : start + PAIRS]
                first, second = (chunk // n).tolist(), (chunk % n).tolist()
                wanted = sorted({*first, *second})
                nodes = read([found.ids[i] for i in wanted])
                entries = {e.id: e for e in _entries(nodes.values())}
                for i, j in zip(first, second, strict=True):
                    x, y = sorted((entries[found.ids[i]], entries[found.ids[j]]), key=_id)
                    c = _uscc_pair(x, y) if equal else _name_pair(x, y, min_score)
                    if c is not None:
                        same = x.node.label == y.node.label  # (equal USCCs: maybe not)
                        label = sys.intern(x.node.label) if same else ""
                        kept.append((c.a, c.b, c.score, equal, label))
    return _kept(kept)


def candidate_of(a: Node, b: Node, uscc: bool) -> Candidate:
    """The candidate of two nodes (``a`` before ``b`` by id) a :class:`Pairs` keeps, its
    evidence worked out again: what :func:`candidates` gave for them."""
    x, y = _Entry(a, _parsed(a)), _Entry(b, _parsed(b))
    found = _uscc_pair(x, y) if uscc else _compare(x, y, -float("inf"))
    assert found is not None  # a kept candidate scored above 0
    return found


def _id(entry: _Entry) -> str:
    return entry.id


def _uscc_pair(x: _Entry, y: _Entry) -> Candidate:
    code = str(x.node.props["uscc"])
    return Candidate(x.id, y.id, x.node.label, 100.0, "uscc", (f"equal USCC {code}",))


def _name_pair(x: _Entry, y: _Entry, min_score: float) -> Candidate | None:
    ux, uy = x.node.props.get("uscc"), y.node.props.get("uscc")
    if ux and uy and ux != uy:
        return None  # different codes: different enterprises
    return _compare(x, y, min_score)


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
            candidate = _compare(*((x, y) if x.id < y.id else (y, x)), min_score)
            if candidate is not None:
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
    blocks: dict[tuple[str, str, str], list[_Entry]] = {}
    for entry in entries:
        for key in _keys(entry):
            blocks.setdefault(key, []).append(entry)
    usccs: dict[str, list[_Entry]] = {}
    for entry in entries:
        if entry.node.props.get("uscc"):
            usccs.setdefault(str(entry.node.props["uscc"]), []).append(entry)
    hosts = sorted({k[2].lstrip("~").replace(" ", "") for k in blocks} - {""}, key=len)
    near = re.compile("|".join(re.escape(h) for h in reversed(hosts))) if hosts else None
    labels = {e.node.label for e in entries}
    found: dict[tuple[str, str], Candidate] = {}
    matched: dict[tuple[str, str, str], list[_Entry]] = {}
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
        for key in _keys(entry):
            if key in blocks:
                matched.setdefault(key, []).append(entry)
    for key, old in matched.items():
        for candidate in _pairs_of(blocks[key], old, min_score):
            found.setdefault((candidate.a, candidate.b), candidate)
    return sorted(found.values(), key=lambda c: (-c.score, c.a, c.b))
