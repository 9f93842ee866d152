"""The source tables, by the name ``affgraph load --as NAME`` takes, in documentation order."""

from __future__ import annotations

from collections.abc import Mapping

from loaders import county, park, sasac, street, supervision, transfers
from loaders.table import Layout

__all__ = ["LAYOUTS"]

#: ``--as`` name → layout
LAYOUTS: Mapping[str, Layout] = {
    layout.name: layout
    for layout in (
        county.LAYOUT,
        park.LAYOUT,
        street.LAYOUT,
        sasac.LAYOUT,
        transfers.LAYOUT,
        supervision.LAYOUT,
    )
}
