"""Extraction: one fetched page to the fields of an article (site selectors, JSON-LD, meta, content heuristics)."""
