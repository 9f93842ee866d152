"""The Cypher fragments several named queries share, each written once.

Every query still has exactly one Cypher text: these are composed into it at import time.
Labels and relationship types come from the schema (:mod:`graph_schema.cypher`); values travel
as parameters (``$as_of``, ``$id`` …). Each fragment says which variables it binds.
"""

from __future__ import annotations

from graph_schema.cypher import NODE_LABEL, cypher_active, cypher_label

__all__ = [
    "MAX_DEPTH",
    "cypher_active",
    "cypher_based_orgs",
    "cypher_chain",
    "cypher_descendants",
    "cypher_formal",
    "cypher_label",
    "cypher_node",
    "cypher_supervising",
]

#: The longest walk along AFFILIATED_TO lines, up or down (a variable-length bound cannot be
#: a parameter).
MAX_DEPTH = 50


def cypher_node(var: str) -> str:
    """Map of a node as answers show it (id, label, kind, name)."""
    return f"{{id: {var}.id, label: {cypher_label(var)}, kind: {var}.kind, name: {var}.name}}"


def cypher_based_orgs(enterprise: str) -> str:
    """Pattern and test, for ``OPTIONAL MATCH``: the active organizations ``o`` based in
    enterprise ``enterprise`` by an active line ``b``."""
    return (
        f"(o:{NODE_LABEL})-[b:BASED_IN]->({enterprise})\n"
        f"WHERE {enterprise}:Enterprise AND o:PartyOrg AND {cypher_active('b')} "
        f"AND {cypher_active('o')}"
    )


def cypher_formal(subject: str) -> str:
    """Pattern and test: the active formal superiors ``s`` of organization ``subject`` by
    active line ``r``."""
    return f"""({subject})-[r:AFFILIATED_TO]->(s:{NODE_LABEL})
WHERE {subject}:PartyOrg AND {cypher_active("r")} AND {cypher_active("s")}"""


def cypher_supervising(subject: str) -> str:
    """Pattern and test: the active supervisors ``s`` of ``subject`` by active line ``r``."""
    return f"""({subject})<-[r:SUPERVISES]-(s:{NODE_LABEL})
WHERE {cypher_active("r")} AND {cypher_active("s")}"""


def cypher_chain(org: str) -> str:
    """Clauses: the organizations ``m`` of ``org``'s reporting chain — ``org`` and every node
    it reaches by active AFFILIATED_TO lines, at most :data:`MAX_DEPTH` away — each once,
    then each one's active lines ``r`` to ``t`` (``OPTIONAL MATCH``; aggregate per ``m``).

    A superset of the chain itself: the walk (:func:`queries.chain.walk`, or
    :func:`queries.chain.first_on_chains` for many at once) decides where it stops, from
    these lines.
    """
    return f"""OPTIONAL MATCH p = ({org})-[:AFFILIATED_TO*1..{MAX_DEPTH}]->(s:{NODE_LABEL})
WHERE ALL(r IN relationships(p) WHERE {cypher_active("r")})
WITH {org}, collect(DISTINCT s) AS ups
UNWIND [{org}] + ups AS m
WITH DISTINCT m
OPTIONAL MATCH (m)-[r:AFFILIATED_TO]->(t:{NODE_LABEL})
WHERE {cypher_active("r")}"""


def cypher_descendants(root: str, node: str, path: str = "p") -> str:
    """Pattern and test: organization ``node`` is under ``root`` by lines and organizations
    that hold on ``$as_of``, through path ``path`` of at most :data:`MAX_DEPTH` lines."""
    return f"""{path} = ({root})<-[:AFFILIATED_TO*1..{MAX_DEPTH}]-({node}:PartyOrg)
WHERE ALL(x IN relationships({path}) WHERE {cypher_active("x")})
  AND ALL(m IN tail(nodes({path})) WHERE m:PartyOrg AND {cypher_active("m")})"""
