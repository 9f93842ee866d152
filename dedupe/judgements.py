"""People's judgements of candidate pairs: ``same``, ``different`` or ``unsure``, with who,
when and an optional note, kept in the store with their history.

A judgement is never overwritten: judging a pair again ends the standing judgement
(``superseded``) and records the new one; withdrawing ends it (``withdrawn``) and the pair is
a candidate again. Both are one all-or-nothing write, logged as a load of kind ``judgement``
by the judge (:mod:`stores.history`): a judgement is withdrawn, never reverted. A judged
pair — whatever the verdict, ``unsure`` included — is not proposed again by
:func:`unjudged`; its judgement is shown instead when asked (:func:`standing`).
"""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from dedupe.candidates import Candidate
from graph_schema.declaration import JUDGEMENT_VERDICTS
from graph_schema.records import Judgement
from stores.base import GraphStore, StoreError
from stores.history import WriteInfo

__all__ = [
    "NoStandingJudgementError",
    "default_who",
    "judge",
    "now",
    "pair_of",
    "standing",
    "unjudged",
    "withdraw",
]


class NoStandingJudgementError(StoreError):
    """A withdrawal of a pair that has no standing judgement."""

    def __init__(self, a: str, b: str) -> None:
        self.pair = (a, b)
        super().__init__(f"the pair {a} / {b} has no standing judgement to withdraw")


def now() -> str:
    """The time of a judgement: ISO 8601 in UTC, to the microsecond (so that two judgements
    of one pair in one second still sort in the order they were made)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def default_who() -> str:
    """Who judges when no name is given: the operating system's user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def pair_of(x: str, y: str) -> tuple[str, str]:
    """The pair of two distinct node ids, lesser first (as candidates and judgements name
    it); the same id twice is no pair."""
    if x == y:
        raise ValueError(f"a pair needs two nodes; got {x!r} twice")
    return (x, y) if x < y else (y, x)


def judge(
    store: GraphStore,
    x: str,
    y: str,
    verdict: str,
    who: str,
    note: str | None = None,
    *,
    at: str | None = None,
) -> Judgement:
    """Record a judgement of the pair (x, y) and return it; the pair's standing one, if
    any, is superseded by it (kept, marked ended). Unknown node ids: ``UnknownNodeError``;
    ``same`` of nodes of two labels: ``ValueError`` (the merged view, :mod:`stores.merges`,
    makes one node of a ``same`` pair, and a node has one label)."""
    if verdict not in JUDGEMENT_VERDICTS:
        raise ValueError(f"verdict: {verdict!r} — expected one of {', '.join(JUDGEMENT_VERDICTS)}")
    if not who.strip():
        raise ValueError("who: empty — expected the name of the person who judged")
    a, b = pair_of(x, y)
    if verdict == "same":
        labels = store.node_labels([a, b])
        if len(labels) == 2 and labels[a] != labels[b]:
            raise ValueError(
                f"verdict same: {a} is a {labels[a]} and {b} a {labels[b]} — nodes of two "
                "labels are not one body (judge them different)"
            )
    when = at or now()
    judgement = Judgement(
        f"j-{uuid.uuid4().hex}", a, b, verdict, who.strip(), when, (note or "").strip() or None
    )
    with store.writer() as writer:
        writer.info = WriteInfo(
            kind="judgement", who=judgement.who, message=f"judged {a} / {b} {verdict}"
        )
        writer.end_judgements([(a, b)], at=when, how="superseded", who=judgement.who)
        writer.upsert_judgements([judgement])
    return judgement


def withdraw(store: GraphStore, x: str, y: str, who: str, *, at: str | None = None) -> Judgement:
    """Withdraw the pair's standing judgement (undo): it is kept, marked ended, and the pair
    is a candidate again. Returns it as it now stands; :class:`NoStandingJudgementError` if
    there is none."""
    a, b = pair_of(x, y)
    found = list(store.iter_judgements(standing=True, pair=(a, b)))
    if not found:
        raise NoStandingJudgementError(a, b)
    when = at or now()
    with store.writer() as writer:
        writer.info = WriteInfo(
            kind="judgement", who=who, message=f"withdrew the judgement of {a} / {b}"
        )
        writer.end_judgements([(a, b)], at=when, how="withdrawn", who=who.strip() or who)
    ended = [j for j in store.iter_judgements(pair=(a, b)) if j.id == found[0].id]
    if not ended or ended[0].standing:  # another withdrawal or judgement came first
        raise NoStandingJudgementError(a, b)
    return ended[0]


def standing(store: GraphStore) -> dict[tuple[str, str], Judgement]:
    """The standing judgement of every judged pair."""
    return {j.pair: j for j in store.iter_judgements(standing=True)}


def unjudged(
    found: Iterable[Candidate], judged: dict[tuple[str, str], Judgement]
) -> list[Candidate]:
    """The candidates no one has judged yet (a judged pair is never proposed again)."""
    return [c for c in found if (c.a, c.b) not in judged]
