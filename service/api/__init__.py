"""HTTP layer: a thin translation between requests and the analysis library."""
