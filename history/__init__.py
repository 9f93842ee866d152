"""What to do with a store's record history (:mod:`stores.history`), written once for both
stores: name a load (:mod:`history.refs`), undo one (:mod:`history.revert`), and answer as
the graph stood after one (:mod:`history.recorded`).

Everything here reads and writes a store only through :class:`~stores.base.GraphStore`,
:class:`~stores.base.StoreWriter` and :class:`~stores.history.RecordHistory`, so it works on
the embedded store and the Neo4j store alike.
"""
