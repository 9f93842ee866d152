"""Answers as files a spreadsheet opens: CSV with a byte order mark, xlsx, both named.

Excel on a Chinese Windows reads a CSV file without a byte order mark in the local code page
(GBK), so UTF-8 names came out as mojibake; with ``\\ufeff`` first it reads UTF-8. The
``Content-Disposition`` names the file after the query (and the node), the day and the load
it was computed on (also in the ``X-Affgraph-Load`` header), in ASCII
for old clients (``filename=``) and in full for the others (``filename*=UTF-8''…``, RFC 6266).
"""

from __future__ import annotations

import io
import re
from datetime import date
from urllib.parse import quote

from fastapi.responses import Response

from exports.xlsx import MEDIA_TYPE as XLSX_MEDIA_TYPE

__all__ = [
    "BOM",
    "LOAD_HEADER",
    "XLSX_MEDIA_TYPE",
    "answer_filename",
    "attachment",
    "csv_response",
    "xlsx_response",
]

#: The header a download names the load it was computed on in (an answer's ``load``).
LOAD_HEADER = "X-Affgraph-Load"
#: The UTF-8 byte order mark, first in every CSV answer.
BOM = "\ufeff"
#: What a file name keeps of an id: letters and digits of any script, ``.``, ``_`` and ``-``.
_UNSAFE = re.compile(r"[^\w.-]+")
_NOT_ASCII = re.compile(r"[^A-Za-z0-9._-]")
_LONGEST_PART = 80


def answer_filename(
    query: str, day: date, suffix: str, node: str | None = None, load: int | None = None
) -> str:
    """``orphans-2023-06-01.csv``, with a node ``chain-tj-pipe-pc-2023-06-01.csv``, with the
    load it was computed on ``orphans-2023-06-01-load-41.csv``: what was asked, about what,
    for which day, on which data (``as_recorded=41`` gives it again). An id's characters that
    a file name cannot hold (``/``, ``:``, quotes …) become ``_``."""
    parts = [query.replace("_", "-")]
    if node:
        parts.append(_UNSAFE.sub("_", node).strip("._")[:_LONGEST_PART] or "_")
    parts.append(day.isoformat())
    if load is not None:
        parts.append(f"load-{load}")
    return "-".join(parts) + suffix


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` header value that downloads as ``filename``."""
    fallback = _NOT_ASCII.sub("_", filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def csv_response(text: str, filename: str) -> Response:
    """A CSV answer: the byte order mark, the text, named ``filename``."""
    return Response(
        BOM + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(filename)},
    )


def xlsx_response(book: io.BytesIO, filename: str) -> Response:
    """An xlsx answer (a workbook written to ``book``), named ``filename``."""
    return Response(
        book.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": attachment(filename)},
    )
