"""``store.to_networkx``: the graph as a networkx ``MultiDiGraph``, the same on both stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

import networkx as nx
import pytest

from exports.networkx import UnknownRootError
from stores.base import GraphStore
from tests.test_store_contract import (
    BASED,
    EDGES,
    JINZHI,
    JV_ORG,
    NEW_LINE,
    NODES,
    OLD_LINE,
    SASAC,
    ZH,
    ZH_LINE,
    load_all,
)

D = date.fromisoformat


def edge_keys(graph: nx.MultiDiGraph[str]) -> list[str]:
    return sorted(k for _, _, k in graph.edges(keys=True))


def test_the_whole_graph_with_its_records_attributes(store: GraphStore) -> None:
    load_all(store)
    graph = store.to_networkx()
    assert isinstance(graph, nx.MultiDiGraph)
    assert list(graph.nodes) == sorted(n.id for n in NODES)  # in id order, every time
    assert edge_keys(graph) == sorted(e.key for e in EDGES)
    assert graph.nodes[SASAC.id] == {
        "label": "PartyOrg",
        "kind": "committee",
        "name": "天津市国资委党委",
        "name_en": "Tianjin SASAC Party Committee",
        "members": 120,
        "source": "soe_reform_2022",
        "quote": "市国资委党委",
    }
    assert graph.edges[OLD_LINE.src, OLD_LINE.dst, OLD_LINE.key] == {
        "type": "AFFILIATED_TO",
        "kind": "system",
        "valid_from": "2015-01-01",
        "valid_to": "2022-07-05",
        "source": "soe_reform_2022",
        "quote": "剥离",
    }


def test_as_of_a_day_types_and_the_tree_under_a_root(store: GraphStore) -> None:
    load_all(store)
    before = store.to_networkx(as_of=D("2016-01-01"))
    assert JINZHI.id not in before  # founded in 2018
    assert OLD_LINE.key in edge_keys(before)
    assert NEW_LINE.key not in edge_keys(before)
    lines = store.to_networkx(types=["AFFILIATED_TO"])
    assert edge_keys(lines) == sorted(e.key for e in EDGES if e.type == "AFFILIATED_TO")
    assert len(lines) == len(NODES)  # every node kept
    tree = store.to_networkx(root=SASAC.id)
    assert set(tree) == {SASAC.id, ZH.id, JV_ORG.id}  # JV_ORG reaches it through ZH
    assert edge_keys(tree) == sorted([OLD_LINE.key, ZH_LINE.key])
    assert BASED.key not in edge_keys(tree)  # its enterprise is not under the root
    after = store.to_networkx(as_of=D("2023-01-01"), root=SASAC.id)
    assert set(after) == {SASAC.id, ZH.id}  # the branch moved to Jinzhi in 2022
    with pytest.raises(UnknownRootError, match="no-such-id"):
        store.to_networkx(root="no-such-id")
    with pytest.raises(UnknownRootError, match="on 2016-01-01"):
        store.to_networkx(as_of=D("2016-01-01"), root=JINZHI.id)
    with pytest.raises(ValueError, match="OWNED_BY"):
        store.to_networkx(types=["OWNED_BY"])


def test_it_is_what_graphml_writes_and_networkx_reads_back(
    store: GraphStore, tmp_path: Path
) -> None:
    load_all(store)
    graph = store.to_networkx()
    path = tmp_path / "graph.graphml"
    nx.write_graphml(graph, path)
    back = cast(
        "nx.MultiDiGraph[str]", nx.read_graphml(path, force_multigraph=True, edge_key_type=str)
    )
    assert sorted(back.nodes(data=True)) == sorted(graph.nodes(data=True))
    assert sorted(back.edges(keys=True, data=True)) == sorted(graph.edges(keys=True, data=True))
    assert nx.is_weakly_connected(graph) is nx.is_weakly_connected(back)
