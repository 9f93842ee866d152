"""Names on which search is easy to get wrong, and the queries asked of them.

Case folding beyond ASCII (``ÄRZTE``; ``İ``, whose lower case is two code points; a Greek
final sigma, which ``str.lower()`` writes ``ς`` at the end of a word; ``ẞ``; Cyrillic), full-
width Latin letters (their own lower case, never ASCII), characters outside the Basic
Multilingual Plane, quotes and the words and signs of FTS5's, LIKE's and GLOB's query
languages, Chinese names of 1, 2 and 3+ characters, aliases and English names, and ties (the
same rank and name length, decided by id). ``SEARCH_QUERIES`` are texts of 1, 2, 3 and more
characters asked of them.
"""

from __future__ import annotations

from graph_schema.records import Node
from stores.base import GraphStore


def _named(
    node_id: str,
    label: str,
    kind: str,
    name: str,
    name_en: str | None = None,
    aliases: list[str] | None = None,
) -> Node:
    props: dict[str, object] = {}
    if name_en is not None:
        props["name_en"] = name_en
    if aliases is not None:
        props["aliases"] = aliases
    return Node(node_id, label, kind, name, None, None, props)


SEARCH_NODES = [
    _named("a-tj", "Area", "province", "天津", "Tianjin"),
    _named("a-bj", "Area", "city", "北京", "BEIJING"),
    _named("p-tj", "PartyOrg", "local_committee", "中共天津市委员会", "CPC Tianjin", ["天津市委"]),
    _named("p-sasac", "PartyOrg", "committee", "天津市国资委党委", None, ["国资委党委", "党委"]),
    _named("p-dw", "PartyOrg", "committee", "党委"),
    _named("p-dzb", "PartyOrg", "branch", "党支部"),
    _named("p-dzz", "PartyOrg", "general_branch", "党总支"),  # ties with p-dzb on 党
    _named("p-d", "PartyOrg", "branch", "党", "Party", ["党委党委", "党"]),
    _named("p-a", "PartyOrg", "branch", "A 支部", "a branch", ["A", "a"]),
    _named("e-aerzte", "Enterprise", "foreign", "ÄRZTE GmbH", "Ärzte Ltd", ["ärzte"]),
    _named("e-fw", "Enterprise", "foreign", "ＳＩＥＭＥＮＳ（中国）", "Siemens China"),
    _named("e-siemens", "Enterprise", "foreign", "Siemens", "SIEMENS AG"),
    _named("e-ist", "Enterprise", "private", "İstanbul Trading", None, ["ISTANBUL"]),
    _named("e-odos", "Enterprise", "private", "ΟΔΟΣ Shipping", "Odos Σ"),
    _named("e-strasse", "Enterprise", "private", "STRAẞE AG", "", ["Straße AG", ""]),
    _named("e-msk", "Enterprise", "private", "Москва Холдинг", "MOSCOW holding"),
    _named("e-q", "Enterprise", "private", '"Quoted" AND OR NEAR* co', None, ["100% a_b\\c"]),
    _named("e-astral", "Enterprise", "private", "𠀀𠀁 公司", "𝐀𝐁 Co"),
    _named("e-a", "Enterprise", "private", "a"),
    _named("e-A", "Enterprise", "private", "A"),  # ties with e-a on "a": by id, "e-A" first
    _named("e-ab", "Enterprise", "mixed", "ab", "AB", ["Ab", "aB"]),
    _named("e-dw2", "Enterprise", "soe", "某某党委", "Some Party Committee"),
    _named("b-org", "Body", "organization_dept", "中共天津市委组织部", "Organization Dept."),
]

#: 1, 2, 3 and more characters; Chinese, Latin, Greek, Cyrillic, full width, signs.
SEARCH_QUERIES = [
    *("a", "A", "b", "党", "天", "İ", "σ", "ς", "Σ", "ß", "ẞ", "ｓ", "Ｓ", "𠀀", "%", "_"),
    *('"', "\\", " ", "*", "z"),
    *("党委", "天津", "ab", "AB", "i̇", "ΟΔ", "ｓｉ", "𠀀𠀁", "a_", "% ", "co"),
    *("天津市", "天津市委", "中共天津市委组织部", "国资委党委", "ärzte", "ÄRZTE", "ÄRZTE GMBH"),
    *("ｓｉｅ", "ＳＩＥＭＥＮＳ", "siemens", "i̇stanbul", "istanbul", "İSTANBUL", "οδος", "ΟΔΟΣ"),
    *("οδοσ", "odos σ", "straße", "STRAẞE", "strasse", "москва", "МОСКВА ХОЛДИНГ"),
    *('"quoted"', '" and or', "near*", "and", "OR", "100%", "a_b\\c", "𠀁 公司", "𝐀𝐁 co"),
    *("party", "a branch", "no such name", "xyz"),
]


def load_search(store: GraphStore) -> None:
    """Write ``SEARCH_NODES`` into a store."""
    with store.writer() as w:
        w.upsert_nodes(SEARCH_NODES)
