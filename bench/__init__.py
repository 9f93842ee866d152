"""The performance harness: ``make bench`` (``python -m bench.run``).

It measures; it does not assert. See ``bench/README.md`` for what each figure means.
"""
