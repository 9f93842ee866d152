"""FollowTheMoney import (issue 21, item 3): Companies and Ownerships from FtM JSON lines,
matched to the enterprises of the load and the store by USCC, then by exact name; what cannot
be mapped is listed as notices; a second load changes nothing; and affgraph's own FtM export
of the public cases loads back. On both stores.

The fixture is written with followthemoney's own ``model.make_entity``, as Aleph and
OpenSanctions write their files, so the test reads what the library writes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from followthemoney import EntityProxy, model
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from app.settings import Settings
from exports.ftm import entity_id
from graph_schema.records import Edge, Node
from graph_schema.uscc import uscc_check_char
from loaders.errors import LoadFailedError, Notice
from loaders.load import LoadResult, discover, load_paths
from stores.base import GraphStore
from stores.embedded import EmbeddedStore


def code(first17: str) -> str:
    """A unified social credit code with its right check character."""
    return first17 + uscc_check_char(first17)


#: codes python-stdnum (FtM's uscCode check) accepts as well as GB 32100's checksum
CODE_STORED = code("91120000103064339")  # the store's enterprise, matched by code
CODE_OTHER = code("91110000600007336")  # the store's namesake, another enterprise
CODE_NAMESAKE = code("91310000MA1FL1234")  # the FtM namesake's own code
CODE_NEW = code("91120116MA05L0001")
#: a code GB 32100 accepts and FtM refuses (a letter among the first eight characters)
CODE_LOOSE = code("Y1120000MA05ABCD0")

SOURCE = "reg-2020"


def _store_records() -> list[dict[str, Any]]:
    """What the store holds before the import: enterprises to match, an area, a line."""
    prov = {"source": SOURCE, "quote": "登记信息", "page": "p. 1"}
    return [
        {"record": "source", "id": SOURCE, "title": "Registry extract 2020"},
        {
            "record": "node",
            "id": "ent-code",
            "label": "Enterprise",
            "kind": "soe",
            "name": "天津钢管制造有限公司",
            "uscc": CODE_STORED,
            **prov,
        },
        {
            "record": "node",
            "id": "ent-named",
            "label": "Enterprise",
            "kind": "private",
            "name": "某科技有限公司",
            **prov,
        },
        {
            "record": "node",
            "id": "ent-namesake",
            "label": "Enterprise",
            "kind": "private",
            "name": "同名贸易有限公司",
            "uscc": CODE_OTHER,
            **prov,
        },
        {"record": "node", "id": "area-fc", "label": "Area", "kind": "street", "name": "丰城街道"},
        {"record": "edge", "type": "OWNS", "from": "ent-code", "to": "ent-named", **prov},
    ]


def _entity(schema: str, entity: str, **props: Any) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = entity
    for prop, values in props.items():
        proxy.add(prop, values)
    return proxy


def _fixture() -> list[EntityProxy]:
    """Companies (new, matched by code, by name, a namesake with another code, by
    jurisdiction and by legal form), a Person and an Ownership of hers, Ownerships mapped and
    not, an Address, and a Vessel."""
    return [
        _entity(
            "Company",
            "c-new",
            name=["新建材料有限公司", "Xinjian Materials Co."],
            alias="新建材料",
            uscCode=CODE_NEW,
            incorporationDate="2016-04",
            jurisdiction="cn",
            address="丰城街道",
            website="https://xinjian.example.org",
            description="A company in the registry.",
        ),
        _entity("Company", "c-code", name="天津钢管", registrationNumber=CODE_STORED),
        _entity("Company", "c-named", name="某科技有限公司", incorporationDate="2001"),
        _entity(
            "Company",
            "c-namesake",
            name="同名贸易有限公司",
            uscCode=CODE_NAMESAKE,
            addressEntity="addr-1",
        ),
        _entity("Address", "addr-1", full="丰城街道", postalCode="300000"),
        _entity("Company", "c-foreign", name="Samsung Electronics", jurisdiction="kr"),
        _entity(
            "Company",
            "c-soe",
            name="某国有集团有限公司",
            legalForm="国有企业",
            registrationNumber=CODE_LOOSE,
        ),
        _entity("Person", "p-1", name="张三", nationality="cn"),
        _entity("Ownership", "o-person", owner="p-1", asset="c-new", percentage="30"),
        _entity(
            "Ownership",
            "o-code",
            owner="c-code",
            asset="c-new",
            percentage="51%",
            startDate="2019-03",
            endDate="2021",
            description="Shareholder register.",
        ),
        _entity(
            "Ownership",
            "o-foreign",
            owner="c-foreign",
            asset="c-named",
            percentage="about half",
            sharesCount="1000",
        ),
        _entity("Ownership", "o-held", owner="c-code", asset="c-named"),
        _entity("Ownership", "o-missing", owner="nowhere-1", asset="c-soe"),
        _entity("Vessel", "v-1", name="远洋一号"),
    ]


def write_ftm(path: Path, entities: list[EntityProxy], **context: Any) -> Path:
    """JSON lines as followthemoney writes them (``to_dict``), with extra keys if given."""
    with path.open("w", encoding="utf-8") as handle:
        for proxy in entities:
            handle.write(json.dumps({**proxy.to_dict(), **context}, ensure_ascii=False) + "\n")
    return path


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


@pytest.fixture
def seeded(store: GraphStore, tmp_path: Path) -> GraphStore:
    """A store of each kind holding :func:`_store_records`."""
    load_paths(store, [write_jsonl(tmp_path / "registry.jsonl", _store_records())])
    return store


def _notice(result: LoadResult, field: str, value: Any = None) -> Notice:
    found = [n for n in result.notices if n.field == field and (value is None or n.value == value)]
    assert len(found) == 1, [str(n) for n in result.notices]
    return found[0]


def _owns(store: GraphStore, src: str) -> list[Edge]:
    return store.edges(src, types=["OWNS"])


def _snapshot(store: GraphStore) -> tuple[list[Node], list[Edge], list[Any]]:
    return list(store.iter_nodes()), list(store.iter_edges()), list(store.iter_sources())


def test_companies_and_ownerships_are_loaded_matched_and_listed(
    seeded: GraphStore, tmp_path: Path
) -> None:
    path = write_ftm(tmp_path / "entities.ftm.json", _fixture(), datasets=["cn_registry"])
    result = load_paths(seeded, [path])
    assert result.counts["node"]["created"] == 4  # c-new, c-namesake, c-foreign, c-soe
    assert result.counts["edge"]["created"] == 4  # 2 OWNS, 2 LOCATED_IN

    # the source record of the file, with the FtM dataset
    source = seeded.get_source("entities.ftm.json")
    assert source is not None
    assert source.props["title"] == (
        "FollowTheMoney entities: entities.ftm.json (FtM dataset cn_registry)"
    )

    # a new Company: its own stable id, names, code, date with its precision, default kind
    new = seeded.get_node("ftm-c-new")
    assert new is not None
    assert (new.label, new.kind, new.name) == ("Enterprise", "private", "新建材料有限公司")
    assert new.props["name_en"] == "Xinjian Materials Co."
    assert new.props["aliases"] == ["新建材料"]
    assert new.props["uscc"] == CODE_NEW
    assert new.valid_from == date(2016, 4, 1)
    assert new.props["valid_from_precision"] == "month"
    assert new.props["source"] == "entities.ftm.json"
    assert new.props["page"] == "line 1: FtM Company c-new"
    assert "uscCode: " + CODE_NEW in new.props["quote"]
    assert "description: A company in the registry." in new.props["quote"]
    # the kind: jurisdiction, legal form (and a code FtM refuses but GB 32100 accepts)
    foreign = seeded.get_node("ftm-c-foreign")
    soe = seeded.get_node("ftm-c-soe")
    assert foreign is not None
    assert foreign.kind == "foreign"
    assert soe is not None
    assert soe.kind == "soe"
    assert soe.props["uscc"] == CODE_LOOSE
    kind = _notice(result, "kind")
    assert (kind.value, kind.line) == ("private", 0)
    assert kind.message.startswith("2 companies loaded as 'private' (privately owned)")
    assert "lines 1, 4" in kind.message

    # matched by USCC (a registrationNumber that is a valid code) and by exact name: the
    # enterprises are left as they were, and the notice names the id and what is not loaded
    stored = seeded.get_node("ent-code")
    assert stored is not None
    assert (stored.name, stored.props["source"], stored.props.get("aliases")) == (
        "天津钢管制造有限公司",
        SOURCE,
        None,
    )
    by_code = _notice(result, "id", "c-code")
    assert f"matched to enterprise 'ent-code' (天津钢管制造有限公司) by USCC {CODE_STORED}" in (
        by_code.message
    )
    assert "not loaded: name '天津钢管'" in by_code.message
    by_name = _notice(result, "id", "c-named")
    assert "matched to enterprise 'ent-named' (某科技有限公司) by its exact name" in by_name.message
    assert "incorporationDate '2001'" in by_name.message
    named = seeded.get_node("ent-named")
    assert named is not None
    assert named.valid_from is None
    assert seeded.get_node("ftm-c-code") is None
    assert seeded.get_node("ftm-c-named") is None
    # a namesake with another code is another enterprise
    namesake = seeded.get_node("ftm-c-namesake")
    assert namesake is not None
    assert namesake.props["uscc"] == CODE_NAMESAKE
    differs = _notice(result, "name", "同名贸易有限公司")
    assert "not matched by name to 'ent-namesake': its USCC differs" in differs.message

    # Ownership → OWNS between the mapped ends, share and dates with their precision
    (owns,) = _owns(seeded, "ent-code")[1:]  # [0] is the store's own line to ent-named
    assert (owns.dst, owns.props["share_pct"]) == ("ftm-c-new", 51.0)
    assert (owns.valid_from, owns.props["valid_from_precision"]) == (date(2019, 3, 1), "month")
    assert (owns.valid_to, owns.props["valid_to_precision"]) == (date(2021, 1, 1), "year")
    assert owns.props["page"] == "line 10: FtM Ownership o-code"
    assert owns.props["quote"] == (
        "owner: c-code; asset: c-new; percentage: 51%; startDate: 2019-03; endDate: 2021; "
        "description: Shareholder register."
    )
    (foreign_owns,) = _owns(seeded, "ftm-c-foreign")
    assert foreign_owns.dst == "ent-named"
    assert "share_pct" not in foreign_owns.props
    # the store's own line is left as it is, not re-sourced
    (held,) = [e for e in _owns(seeded, "ent-code") if e.dst == "ent-named"]
    assert held.props["source"] == SOURCE
    assert "the store holds this line from source 'reg-2020'" in _notice(result, "OWNS").message
    # addresses: the Area of that exact name, from the address and from an Address entity
    located = {(e.src, e.dst, e.kind) for e in seeded.iter_edges(types=["LOCATED_IN"])}
    assert located == {
        ("ftm-c-new", "area-fc", "registered"),
        ("ftm-c-namesake", "area-fc", "registered"),
    }

    # what is not mapped is listed: the person (never loaded), her Ownership, an end not in
    # the file, other schemata, values the format has no place for, values FtM refuses
    assert seeded.get_node("ftm-p-1") is None
    person = _notice(result, "schema", "Person")
    assert person.message == (
        "not loaded: affgraph models organizations and their lines, not people — line 8 (p-1)"
    )
    assert "张三" not in "".join(map(str, result.notices))  # no personal data in the notices
    assert _notice(result, "Ownership.owner", "p-1").message == (
        "Ownership o-person not loaded: its owner is a Person: affgraph models organizations, "
        "not people — line 9 (o-person)"
    )
    assert "its owner is not in the file" in _notice(result, "Ownership.owner", "nowhere-1").message
    vessel = _notice(result, "schema", "Vessel")
    assert vessel.message.startswith("not loaded: the FtM import reads Companies")
    assert _notice(result, "Company.website").value == "https://xinjian.example.org/"
    assert _notice(result, "Address.postalCode").value == "300000"
    assert _notice(result, "Ownership.sharesCount").value == "1000"
    share = _notice(result, "Ownership.percentage")
    assert share.value == "about half"
    assert "expected a share from 0 to 100" in share.message


def test_a_second_load_changes_nothing(seeded: GraphStore, tmp_path: Path) -> None:
    path = write_ftm(tmp_path / "entities.ftm.jsonl", _fixture())
    first = load_paths(seeded, [path])
    before = _snapshot(seeded)
    again = load_paths(seeded, [path])
    assert not again.changed
    assert again.counts["node"] == {"unchanged": 4}
    assert again.counts["edge"] == {"unchanged": 4}
    assert _snapshot(seeded) == before
    # the same notices, matches included; a Company that is its own record of the first load
    # is not matched again (so the namesake's "not matched by name" is not said twice)
    namesake = _notice(first, "name", "同名贸易有限公司")
    assert sorted(map(str, again.notices)) == sorted(map(str, set(first.notices) - {namesake}))


def test_matches_in_the_load_and_between_files(store: GraphStore, tmp_path: Path) -> None:
    """A canonical file of the same load is matched like the store; an FtM Company matches an
    earlier one of its file; an Ownership names a Company of another file of the load (by its
    FtM id, whatever it matched) or of an earlier load (where it became ``ftm-<id>``)."""
    canonical = write_jsonl(tmp_path / "registry.jsonl", _store_records())
    companies = write_ftm(
        tmp_path / "a.ftm.json",
        [
            _entity("Company", "k-1", name="天津钢管", uscCode=CODE_STORED),
            _entity("Company", "k-2", name="双胞胎有限公司"),
            _entity("Company", "k-3", name="双胞胎有限公司", alias="双胞胎"),
        ],
    )
    owned = write_ftm(
        tmp_path / "b.ftm.json", [_entity("Ownership", "x-1", owner="k-2", asset="k-1")]
    )
    result = load_paths(store, [canonical, companies, owned])
    assert "matched to enterprise 'ent-code'" in _notice(result, "id", "k-1").message
    assert "matched to enterprise 'ftm-k-2'" in _notice(result, "id", "k-3").message
    assert store.get_node("ftm-k-1") is None
    assert store.get_node("ftm-k-3") is None
    assert [e.dst for e in _owns(store, "ftm-k-2")] == ["ent-code"]

    later = write_ftm(
        tmp_path / "c.ftm.json",
        [
            _entity("Company", "k-4", name="后来有限公司"),
            _entity("Ownership", "x-2", owner="k-2", asset="k-4"),
            _entity("Ownership", "x-3", owner="k-4", asset="k-1"),
        ],
    )
    result = load_paths(store, [later])
    assert [e.dst for e in _owns(store, "ftm-k-2")] == ["ent-code", "ftm-k-4"]
    # a Company matched in an earlier load is not known by its FtM id any more: listed
    assert _owns(store, "ftm-k-4") == []
    assert _notice(result, "Ownership.asset", "k-1").message == (
        "Ownership x-3 not loaded: its asset is not in the file, and no enterprise of the load "
        "or the store has its id — line 3 (x-3)"
    )


def test_the_kind_rule(store: GraphStore, tmp_path: Path) -> None:
    """FtM has no ownership type: a classification or legal form naming a kind, else the
    jurisdiction, else ``private`` (said once); entity metadata is listed too."""
    path = write_ftm(
        tmp_path / "kinds.ftm.jsonl",
        [
            _entity("Company", "m-1", name="混改集团", classification="Enterprise/mixed"),
            _entity("Company", "m-2", name="某合资公司", legalForm="合资"),
            _entity("Company", "m-3", name="Some HK Ltd", jurisdiction="hk"),
            _entity("Company", "m-4", name="某有限责任公司", jurisdiction="cn", legalForm="LLC"),
        ],
        first_seen="2024-01-02T00:00:00",
    )
    result = load_paths(store, [path])
    kinds = {n.id: n.kind for n in store.iter_nodes()}
    assert kinds == {"ftm-m-1": "mixed", "ftm-m-2": "joint_venture", "ftm-m-3": "hmt",
                     "ftm-m-4": "private"}  # fmt: skip
    kind = _notice(result, "kind")
    assert kind.message.startswith("1 company loaded as 'private' (privately owned)")
    assert kind.message.endswith("— line 4")
    assert _notice(result, "Company.legalForm").value == "LLC"
    assert "4 times" in _notice(result, "first_seen").message


def test_what_cannot_be_read_is_an_error(store: GraphStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ftm.json"
    good = _entity("Company", "d-1", name="某公司", incorporationDate="2020")
    good.add("dissolutionDate", "2019")
    bad.write_text(
        json.dumps(good.to_dict(), ensure_ascii=False)
        + "\n{not json\n"
        + json.dumps({"id": "x"})
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadFailedError) as failed:
        load_paths(store, [bad])
    assert [str(e) for e in failed.value.errors] == [
        f"{bad}:1: dissolutionDate (valid_to): '2019' — expected a date after valid_from "
        "(2020-01-01): intervals are half-open, [valid_from, valid_to)",
        f"{bad}:2: line: '{{not json' — expected a JSON object (Expecting property name "
        "enclosed in double quotes at column 2): an FtM entity per line",
        f"{bad}:3: schema: — expected an FtM schema's name: an FtM entity per line",
    ]
    array = tmp_path / "array.ftm.json"
    array.write_text(json.dumps([good.to_dict()]), encoding="utf-8")
    with pytest.raises(LoadFailedError) as failed:
        load_paths(store, [array])
    assert "not a JSON array" in str(failed.value.errors[0])
    assert store.counts().nodes == 0


def test_files_are_found_by_their_names(tmp_path: Path) -> None:
    for name in ("a.ftm.json", "b.FTM.JSONL", "c.json"):
        (tmp_path / name).write_text("", encoding="utf-8")
    files, errors, _ = discover([tmp_path])
    assert [f.name for f in files] == ["a.ftm.json", "b.FTM.JSONL"]
    assert "name the file *.ftm.json" in str(errors[0])


# -- the round trip: affgraph's own FtM export of the public cases --------------------------


@pytest.fixture(scope="module")
def cases_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The public cases in an embedded store, and ``affgraph export --format ftm`` of them."""
    folder = tmp_path_factory.mktemp("cases")
    cases = Path(__file__).resolve().parent.parent / "data" / "cases"
    db = folder / "cases.db"
    cases_store = EmbeddedStore(db)
    load_paths(cases_store, [cases])
    cases_store.close()
    out = folder / "cases.ftm.json"
    done = CliRunner().invoke(cli, ["export", "--format", "ftm", "--store", str(db), str(out)])
    assert done.exit_code == 0, done.output
    return db, out


def test_the_export_of_the_cases_loads_back(
    store: GraphStore, cases_export: tuple[Path, Path]
) -> None:
    db, exported = cases_export
    cases = EmbeddedStore(db)
    enterprises = list(cases.iter_nodes(label="Enterprise"))
    owns = list(cases.iter_edges(types=["OWNS"]))
    cases.close()
    assert enterprises
    assert owns

    result = load_paths(store, [exported])
    ids = {n.id: "ftm-" + entity_id("node", n.id) for n in enterprises}
    assert {n.id for n in store.iter_nodes()} == set(ids.values())
    for node in enterprises:
        back = store.get_node(ids[node.id])
        assert back is not None
        assert (back.label, back.kind, back.name) == (node.label, node.kind, node.name)
        for name in ("aliases", "name_en", "uscc", "valid_from_precision"):
            assert back.props.get(name) == node.props.get(name), (node.id, name)
        assert (back.valid_from, back.valid_to) == (node.valid_from, node.valid_to)
    back_owns = {(e.src, e.dst, e.valid_from, e.props.get("share_pct")) for e in store.iter_edges()}
    assert back_owns == {
        (ids[e.src], ids[e.dst], e.valid_from, e.props.get("share_pct")) for e in owns
    }
    # every other entity of the export is listed, by schema
    listed = {n.value for n in result.notices if n.field == "schema"}
    assert listed == {"Article", "Organization", "PublicBody", "Territory", "Control",
                      "UnknownLink", "Succession"}  # fmt: skip
    assert not load_paths(store, [exported]).changed


def test_the_export_loaded_into_its_own_store_matches_every_enterprise(
    store: GraphStore, cases_export: tuple[Path, Path], cases_dir: Path
) -> None:
    _, exported = cases_export
    load_paths(store, [cases_dir])
    before = _snapshot(store)
    result = load_paths(store, [exported])
    assert result.counts == {"source": {"created": 1}}  # only the file's own source record
    nodes, edges, _ = _snapshot(store)
    assert (nodes, edges) == before[:2]
    matched = {n.value: n.message for n in result.notices if n.field == "id"}
    enterprises = [n for n in nodes if n.label == "Enterprise"]
    assert len(matched) == len(enterprises)
    for node in enterprises:
        assert f"matched to enterprise {node.id!r}" in matched[entity_id("node", node.id)]


def test_the_cli_loads_an_export_and_lists_what_it_left_out(
    cases_export: tuple[Path, Path], tmp_path: Path
) -> None:
    _, exported = cases_export
    db = tmp_path / "empty.db"
    done = CliRunner().invoke(cli, ["load", "--store", str(db), str(exported)])
    assert done.exit_code == 0, done.output
    assert "FollowTheMoney entities" in done.output
    assert "schema: 'Control' — not loaded" in done.output


def test_the_api_loads_an_ftm_upload_and_answers_its_notices(tmp_path: Path) -> None:
    db = tmp_path / "api.db"
    seeded = EmbeddedStore(db)
    load_paths(seeded, [write_jsonl(tmp_path / "registry.jsonl", _store_records())])
    seeded.close()
    body = write_ftm(tmp_path / "entities.ftm.json", _fixture()).read_bytes()
    token = "tok-ftm-import-3b9e"
    settings = Settings(store=str(db), api_token=token)
    with TestClient(create_app(settings)) as client:
        answer = client.post(
            "/api/load",
            files=[("files", ("entities.ftm.json", body))],
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["by_record"]["node"] == {"created": 4}
    assert data["tables"] == [
        {
            "name": "entities.ftm.json",
            "table": "FollowTheMoney entities",
            "records": 14,
            "encoding": "utf-8",
        }
    ]
    notices = {(n["file"], n["field"], n["value"]): n["message"] for n in data["notices"]}
    assert notices[("entities.ftm.json", "schema", "Person")].startswith("not loaded")
    assert "'ent-code'" in notices[("entities.ftm.json", "id", "c-code")]
