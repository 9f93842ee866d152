"""The two baselines affgraph's whole-graph queries are compared with, on the same graph.

* **The floor** (:class:`Floor`): the graph as integer arrays (node index, label and kind
  codes, validity as day numbers; per relationship type, source and target indexes and
  validity), built from the CSV once, outside the timing; each answer is a handful of
  vectorised numpy passes. Nothing in Python can be much faster than this.
* **By hand** (:class:`ByHand`): what a user would write — a plain ``networkx.MultiDiGraph``
  built from the CSV with every attribute (dates parsed, numbers converted, empty cells left
  out), and plain Python loops over it.

Both compute the *counts* of the same answers as affgraph's ``orphans`` (every reason) and
``overlaps`` (``min`` 3), by the same rules — see the docstrings — so the harness checks that
the three agree.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

__all__ = ["ByHand", "Floor"]

AFF, SUP, BASED = "AFFILIATED_TO", "SUPERVISES", "BASED_IN"
_NEVER = np.iinfo(np.int64).max  # an empty valid_to: still valid
_ALWAYS = np.iinfo(np.int64).min  # an empty valid_from: always was
_EPOCH = date(1970, 1, 1)

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def _days(column: pd.Series, empty: int) -> Ints:
    """ISO dates as days since 1970-01-01; ``empty`` where there is none."""
    parsed = pd.to_datetime(column.replace("", None), format="%Y-%m-%d")
    days = parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)
    days[parsed.isna().to_numpy()] = empty
    return days  # type: ignore[no-any-return]


def _day(as_of: date) -> int:
    return (as_of - _EPOCH).days


class _Edges:
    """One relationship type's edges: source and target indexes, validity in days."""

    def __init__(self, src: Ints, dst: Ints, vf: Ints, vt: Ints) -> None:
        self.src, self.dst, self.vf, self.vt = src, dst, vf, vt

    def active(self, day: int) -> Bools:
        return (self.vf <= day) & (day < self.vt)


class Floor:
    """The graph as integer arrays; counts by vectorised scans (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        nodes = pd.read_csv(folder / "nodes.csv", dtype=str, keep_default_na=False)
        self.n = len(nodes)
        index = pd.Index(nodes["id"])
        label = nodes["label"]
        self.party = (label == "PartyOrg").to_numpy()
        self.enterprise = (label == "Enterprise").to_numpy()
        self.root = (nodes["kind"] == "local_committee").to_numpy()
        self.unresolved = (
            (nodes["unresolved"].str.lower() == "true").to_numpy()
            if ("unresolved" in nodes)
            else np.zeros(self.n, dtype=bool)
        )
        self.vf = _days(nodes["valid_from"], _ALWAYS)
        self.vt = _days(nodes["valid_to"], _NEVER)
        edges = pd.read_csv(
            folder / "edges.csv",
            dtype=str,
            keep_default_na=False,
            usecols=["type", "from", "to", "valid_from", "valid_to"],
        )
        self.edges: dict[str, _Edges] = {}
        for rel in (AFF, SUP, BASED):
            part = edges[edges["type"] == rel]
            self.edges[rel] = _Edges(
                index.get_indexer(part["from"]).astype(np.int64),
                index.get_indexer(part["to"]).astype(np.int64),
                _days(part["valid_from"], _ALWAYS),
                _days(part["valid_to"], _NEVER),
            )

    def _active(self, day: int) -> Bools:
        return (self.vf <= day) & (day < self.vt)

    def orphans(self, as_of: date) -> int:
        """Active, resolved, non-root PartyOrgs without an active AFFILIATED_TO line to an
        active, resolved superior; plus those that have one but whose every host enterprise
        (BASED_IN lines begun by the day) has ceased to exist (``host_dissolved``)."""
        day = _day(as_of)
        alive = self._active(day)
        candidates = self.party & ~self.root & ~self.unresolved & alive
        aff = self.edges[AFF]
        good = aff.active(day) & alive[aff.dst] & ~self.unresolved[aff.dst]
        has_superior = np.zeros(self.n, dtype=bool)
        has_superior[aff.src[good]] = True
        based = self.edges[BASED]
        hosted = (based.vf <= day) & self.enterprise[based.dst]
        has_host = np.zeros(self.n, dtype=bool)
        has_host[based.src[hosted]] = True
        has_live_host = np.zeros(self.n, dtype=bool)
        has_live_host[based.src[hosted & alive[based.dst]]] = True
        orphan = candidates & (~has_superior | (has_host & ~has_live_host))
        return int(orphan.sum())

    def overlaps(self, as_of: date, minimum: int = 3) -> int:
        """Active PartyOrgs and Enterprises with at least ``minimum`` distinct superiors:
        targets of active AFFILIATED_TO lines and sources of active SUPERVISES lines (the
        other end active), reaching the entity itself or — for an enterprise — an active
        PartyOrg based in it by an active BASED_IN line; the entity and its own based
        organizations are not counted. Exactly ``queries.superiors``' definition."""
        day = _day(as_of)
        alive = self._active(day)
        entity = (self.party | self.enterprise) & alive
        aff, sup, based = self.edges[AFF], self.edges[SUP], self.edges[BASED]
        a = aff.active(day) & alive[aff.src] & alive[aff.dst]
        s = sup.active(day) & alive[sup.src] & entity[sup.dst]
        subject = np.concatenate([aff.src[a], sup.dst[s]])
        superior = np.concatenate([aff.dst[a], sup.src[s]])
        b = (
            based.active(day)
            & self.party[based.src]
            & alive[based.src]
            & self.enterprise[based.dst]
            & alive[based.dst]
        )
        org, ent = based.src[b], based.dst[b]
        # each (org, enterprise) pair inherits the org's (subject, superior) pairs
        order = np.argsort(subject, kind="stable")
        subject, superior = subject[order], superior[order]
        start = np.searchsorted(subject, org, "left")
        count = np.searchsorted(subject, org, "right") - start
        total = int(count.sum())
        offsets = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        owner = np.concatenate([subject, np.repeat(ent, count)])
        reached = np.concatenate([superior, superior[np.repeat(start, count) + offsets]])
        # distinct (entity, superior) pairs as sorted int64 keys (np.sort and a neighbour
        # test: np.unique and np.isin are many times slower here)
        keys = np.sort((owner * self.n + reached)[owner != reached])
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        keys = keys[first]
        own = np.sort(ent * self.n + org)  # an enterprise's own organizations do not count
        if len(own):
            found = own[np.minimum(np.searchsorted(own, keys), len(own) - 1)] == keys
            keys = keys[~found]
        per_entity = np.bincount(keys // self.n, minlength=self.n)
        return int((per_entity >= minimum).sum())


_DATES = {"valid_from", "valid_to", "date"}
_INTS = {"members", "employees"}
_FLOATS = {"state_equity_pct", "share_pct"}


def _value(column: str, text: str) -> Any:
    if column in _DATES:
        return date.fromisoformat(text)
    if column in _INTS:
        return int(text)
    if column in _FLOATS:
        return float(text)
    if column == "aliases":
        return text.split("|")
    if column == "unresolved":
        return text.lower() == "true"
    return text


class ByHand:
    """A plain networkx graph from the CSV and the plain Python a user would write."""

    def __init__(self, folder: Path) -> None:
        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        with (folder / "nodes.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                graph.add_node(
                    row["id"], **{k: _value(k, v) for k, v in row.items() if v and k != "id"}
                )
        with (folder / "edges.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                graph.add_edge(
                    row["from"],
                    row["to"],
                    **{k: _value(k, v) for k, v in row.items() if v and k not in ("from", "to")},
                )
        self.graph = graph

    def orphans(self, as_of: date) -> int:
        """As :meth:`Floor.orphans`, in plain Python over the networkx graph."""
        g = self.graph

        def active(attrs: dict[str, Any]) -> bool:
            start, end = attrs.get("valid_from"), attrs.get("valid_to")
            return (start is None or start <= as_of) and (end is None or as_of < end)

        found = 0
        for node, attrs in g.nodes(data=True):
            if (
                attrs["label"] != "PartyOrg"
                or attrs["kind"] == "local_committee"
                or attrs.get("unresolved")
                or not active(attrs)
            ):
                continue
            has_superior = False
            hosts = []
            for _, target, line in g.out_edges(node, data=True):
                other = g.nodes[target]
                if line["type"] == AFF:
                    if active(line) and active(other) and not other.get("unresolved"):
                        has_superior = True
                elif (
                    line["type"] == BASED
                    and other["label"] == "Enterprise"
                    and (line.get("valid_from") is None or line["valid_from"] <= as_of)
                ):
                    hosts.append(other)
            if not has_superior or (hosts and not any(active(h) for h in hosts)):
                found += 1
        return found

    def overlaps(self, as_of: date, minimum: int = 3) -> int:
        """As :meth:`Floor.overlaps`, in plain Python over the networkx graph."""
        g = self.graph

        def active(attrs: dict[str, Any]) -> bool:
            start, end = attrs.get("valid_from"), attrs.get("valid_to")
            return (start is None or start <= as_of) and (end is None or as_of < end)

        found = 0
        for node, attrs in g.nodes(data=True):
            if attrs["label"] not in ("PartyOrg", "Enterprise") or not active(attrs):
                continue
            based = set()
            if attrs["label"] == "Enterprise":
                for org, _, line in g.in_edges(node, data=True):
                    if (
                        line["type"] == BASED
                        and active(line)
                        and g.nodes[org]["label"] == "PartyOrg"
                        and active(g.nodes[org])
                    ):
                        based.add(org)
            superiors = set()
            for subject in (node, *based):
                if g.nodes[subject]["label"] == "PartyOrg":
                    for _, target, line in g.out_edges(subject, data=True):
                        if line["type"] == AFF and active(line) and active(g.nodes[target]):
                            superiors.add(target)
                for source, _, line in g.in_edges(subject, data=True):
                    if line["type"] == SUP and active(line) and active(g.nodes[source]):
                        superiors.add(source)
            superiors.discard(node)
            if len(superiors - based) >= minimum:
                found += 1
        return found
