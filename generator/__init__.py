"""The province-scale generator behind ``affgraph generate``: a realistic synthetic province
in the canonical CSV format, streamed to disk, deterministic for a seed."""

from generator.province import MIN_NODES, PROVINCE_CODES, GenerationSummary, Plan, generate_province

__all__ = ["MIN_NODES", "PROVINCE_CODES", "GenerationSummary", "Plan", "generate_province"]
