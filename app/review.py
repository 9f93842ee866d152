"""``affgraph dedupe --review``: one candidate pair at a time, both nodes side by side, judged
with one key.

s = same, d = different, u = unsure, n = add a note (then the verdict), q = quit. Each
verdict is written at once (one all-or-nothing write), so quitting, or a closed terminal,
loses nothing; a judged pair is not proposed again, so the next review resumes with the
pairs left. Node names and texts are untrusted: they are printed as text, never as markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from dedupe.judgements import judge
from dedupe.listing import Listed
from graph_schema.records import Node
from stores.base import GraphStore

__all__ = ["KEYS", "Reviewed", "review"]

#: the keys of a review and what each does
KEYS = {
    "s": "same",
    "d": "different",
    "u": "unsure",
    "n": "note",
    "q": "quit",
}
#: the lines and sources shown per node, at most
_SHOWN = 6


@dataclass
class Reviewed:
    """What a review did: the verdicts given, and whether the person quit early."""

    verdicts: Counter[str] = field(default_factory=Counter)
    quit: bool = False

    @property
    def judged(self) -> int:
        return sum(self.verdicts.values())


def _lines(store: GraphStore, node: Node) -> Text:
    """A node's lines, one per row: type, direction, the other end's name, the dates."""
    edges = store.edges(node.id, direction="both")
    text = Text()
    for edge in edges[:_SHOWN]:
        out = edge.src == node.id
        other_id = edge.dst if out else edge.src
        other = store.get_node(other_id)
        dates = f" {edge.valid_from or '…'}–{edge.valid_to or '…'}"
        arrow = "→" if out else "←"
        name = other.name if other else other_id
        dated = dates if edge.valid_from or edge.valid_to else ""
        text.append(f"{edge.type} {arrow} {name}{dated}\n")
    if len(edges) > _SHOWN:
        text.append(f"… {len(edges) - _SHOWN} more\n")
    return text if edges else Text("none")


def _sources(store: GraphStore, node: Node) -> Text:
    """The sources of a node and of its lines, each with its title where it has one."""
    edges = store.edges(node.id, direction="both")
    ids = [node.props.get("source"), *(e.props.get("source") for e in edges)]
    found = sorted({str(i) for i in ids if i})
    text = Text()
    for source_id in found[:_SHOWN]:
        source = store.get_source(source_id)
        title = source.props.get("title") if source else None
        text.append(f"{source_id}{f' — {title}' if title else ''}\n")
    if len(found) > _SHOWN:
        text.append(f"… {len(found) - _SHOWN} more\n")
    return text if found else Text("none")


def _fields(node: Node) -> list[tuple[str, str]]:
    """What a person compares of a node, as text."""
    return [
        ("name", node.name),
        ("English name", str(node.props.get("name_en") or "")),
        ("aliases", " | ".join(node.props.get("aliases") or ())),
        ("label", node.label),
        ("kind", node.kind),
        ("USCC", str(node.props.get("uscc") or "")),
        ("valid", f"{node.valid_from or '…'}–{node.valid_to or '…'}"),
    ]


def _side_by_side(store: GraphStore, listed: Listed, at: int, of: int) -> Table:
    """Both nodes in two columns, the evidence for and against in the caption."""
    c = listed.candidate
    table = Table(
        "",
        Column(header=Text(listed.a.id)),
        Column(header=Text(listed.b.id)),
        title=Text(f"Pair {at} of {of} — score {c.score:.0f} ({c.rule})"),
        show_lines=True,
    )
    for (label, a), (_, b) in zip(_fields(listed.a), _fields(listed.b), strict=True):
        table.add_row(label, Text(a), Text(b))
    table.add_row("lines", _lines(store, listed.a), _lines(store, listed.b))
    table.add_row("sources", _sources(store, listed.a), _sources(store, listed.b))
    why = Text()
    for same in c.same:
        why.append(f"+ {same}\n", style="green")
    for different in c.different:
        why.append(f"- {different}\n", style="red")
    table.caption = why
    return table


def review(
    store: GraphStore,
    pairs: list[Listed],
    who: str,
    *,
    read_key: Callable[[], str],
    read_note: Callable[[], str],
    out: Console,
) -> Reviewed:
    """Show each pair and record the verdict its key gives; stop at ``q`` or the end."""
    done = Reviewed()
    prompt = "  ".join(f"[{key}]{word[1:]}" for key, word in KEYS.items())
    for at, listed in enumerate(pairs, 1):
        out.print(_side_by_side(store, listed, at, len(pairs)))
        note: str | None = None
        while True:
            out.print(Text(prompt + (f"   note: {note}" if note else "")))
            key = read_key().lower()
            if key in ("q", ""):  # "": the input ended
                done.quit = True
                return done
            if key == "n":
                note = read_note().strip() or None
                continue
            verdict = KEYS.get(key)
            if verdict in ("same", "different", "unsure"):
                judge(store, listed.a.id, listed.b.id, verdict, who, note)
                done.verdicts[verdict] += 1
                out.print(Text(f"{listed.a.id} / {listed.b.id}: {verdict}"))
                break
            out.print(Text(f"{key!r}: expected one of {', '.join(KEYS)}"))
    return done
