"""How the schema maps onto a Neo4j graph, and the constraints and indexes that follow.

Mapping
-------
* A node record becomes a node with two labels: ``:Node`` (every graph node, which carries
  the store-wide unique ``id``) and its own label (``:PartyOrg``, ``:Enterprise``, …). Its
  fields become properties; dates are Cypher ``date`` values.
* An edge record becomes a relationship of its type carrying ``key`` (see
  :attr:`graph_schema.records.Edge.key`), ``kind``, the validity dates and its properties.
* Source and transfer records become ``:Source`` and ``:Transfer`` nodes outside the graph
  proper (they have no ``:Node`` label); a transfer names its organization by ``org``.
* A person's judgement of a candidate pair (:mod:`dedupe.judgements`) becomes a
  ``:Judgement`` node naming its nodes by ``a`` and ``b``; one that stopped standing keeps
  its node, with ``ended_at``.
* One ``:AffgraphStore {id: 'store'}`` node holds the store's ``loads`` (the number of its
  last write: every write is a load of the log) and ``generation`` (the number of its last
  load that changed something, set in that load's transaction, so that a read spanning
  several transactions can tell whether a write committed meanwhile: see
  :meth:`stores.neo4j.Neo4jStore.reading`); ``merges_at`` is the generation of the last
  write that changed the merged view; ``migrated`` the number of the one load a store made
  before the log was migrated as.
* The merged view (:mod:`stores.merges`): while a ``same`` judgement stands, each alias of
  a group is a ``:MergedNode`` (neither ``:Node`` nor its label: no query meets it) keeping
  its properties, ``_label``, ``_into`` (the group's canonical id) and ``_inner`` (the lines
  inside the group, as canonical JSON); its other lines hang on the canonical node, marked
  with the loaded id of the end that moved (``_src`` / ``_dst``).
* Record time (:mod:`stores.history`): every record (node, relationship, ``:Source``,
  ``:Transfer``) carries ``_load``, the load that wrote its version (missing: written by
  the migration entry of a store made before the log); a judgement also ``_ended_load``.
  A version a load replaced or removed is a ``:RecordVersion`` (joined to nothing, so no
  query of the graph meets it) holding the record's properties as they were, and its
  kind, id, label or type and ends, and the loads that wrote and replaced it (``_v_…``).
  Each write is a ``:LoadEntry`` numbered like the store's ``loads`` counter; a name given
  to a load is a ``:LoadTag``.

Labels and relationship types are never taken from input: every Cypher text that names one
is built here from the declaration, so only declared names can appear in it.
"""

from __future__ import annotations

from graph_schema.declaration import NODE_LABELS, REL_TYPES

__all__ = [
    "JUDGEMENT_LABEL",
    "LOAD_LABEL",
    "MERGED_LABEL",
    "NODE_LABEL",
    "SOURCE_LABEL",
    "STORE_LABEL",
    "TAG_LABEL",
    "TRANSFER_LABEL",
    "VERSION_LABEL",
    "constraint_statements",
    "cypher_active",
    "cypher_label",
    "history_statements",
]

NODE_LABEL = "Node"
SOURCE_LABEL = "Source"
TRANSFER_LABEL = "Transfer"
JUDGEMENT_LABEL = "Judgement"
#: the one node of the store's own state (its generation); not a record
STORE_LABEL = "AffgraphStore"
#: a node merged into another by a ``same`` judgement (stores.merges): out of ``:Node`` and
#: its own label while the judgement stands, so that no query meets it; not a record
MERGED_LABEL = "MergedNode"
#: one entry of the load log (stores.history): not a record
LOAD_LABEL = "LoadEntry"
#: a version of a record that a later load replaced or removed: not joined to the graph
VERSION_LABEL = "RecordVersion"
#: a name given to a load (``affgraph tag``)
TAG_LABEL = "LoadTag"


def constraint_statements() -> list[str]:
    """The ``CREATE CONSTRAINT/INDEX … IF NOT EXISTS`` statements a store runs on open."""
    statements = [
        f"CREATE CONSTRAINT {name.lower()}_id IF NOT EXISTS FOR (n:{name}) REQUIRE n.id IS UNIQUE"
        for name in (
            NODE_LABEL,
            SOURCE_LABEL,
            TRANSFER_LABEL,
            STORE_LABEL,
            JUDGEMENT_LABEL,
            MERGED_LABEL,
        )
    ]
    for label in NODE_LABELS:
        for prop in ("kind", "name"):
            statements.append(
                f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
            )
    statements.append(
        f"CREATE INDEX transfer_org IF NOT EXISTS FOR (t:{TRANSFER_LABEL}) ON (t.org)"
    )
    statements.append(f"CREATE INDEX judgement_a IF NOT EXISTS FOR (j:{JUDGEMENT_LABEL}) ON (j.a)")
    statements.extend(
        f"CREATE INDEX {rel.lower()}_key IF NOT EXISTS FOR ()-[r:{rel}]-() ON (r.key)"
        for rel in REL_TYPES
    )
    return statements


def history_statements() -> list[str]:
    """The constraints and indexes of record time (:mod:`stores.history`), run on open
    after :func:`constraint_statements`: load numbers and tag names are unique; versions
    are found by record id and by the loads that wrote and replaced them. The records'
    own ``_load`` is not indexed: every load that changes a record would move it from one
    key of few values to another, which on ArcadeDB made a load changing 40,000 records
    7× slower; what a load changed is found by a scan
    (:meth:`stores.neo4j.Neo4jStore.changed_by`)."""
    statements = [
        f"CREATE CONSTRAINT loadentry_number IF NOT EXISTS "
        f"FOR (n:{LOAD_LABEL}) REQUIRE n.number IS UNIQUE",
        f"CREATE CONSTRAINT loadtag_name IF NOT EXISTS "
        f"FOR (n:{TAG_LABEL}) REQUIRE n.name IS UNIQUE",
    ]
    statements.extend(
        f"CREATE INDEX recordversion{prop} IF NOT EXISTS FOR (v:{VERSION_LABEL}) ON (v.{prop})"
        for prop in ("_v_id", "_v_written", "_v_replaced")
    )
    return statements


def cypher_active(var: str) -> str:
    """Cypher test that node or relationship ``var`` holds on ``$as_of``: the half-open
    [valid_from, valid_to) of :func:`graph_schema.records.active`, in Cypher."""
    return (
        f"(({var}.valid_from IS NULL OR {var}.valid_from <= $as_of) AND "
        f"({var}.valid_to IS NULL OR $as_of < {var}.valid_to))"
    )


def cypher_label(var: str) -> str:
    """Cypher expression: the schema label of node ``var`` (its label other than ``:Node``)."""
    return f"[l IN labels({var}) WHERE l <> '{NODE_LABEL}'][0]"
