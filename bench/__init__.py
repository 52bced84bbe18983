"""Benchmark harness for review-analyzer: `make bench` runs `python -m bench`.

Layout: `inputs` builds every input from the shared corpora at run time (nothing is copied into
the repository), `stats` holds the pure arithmetic and table rendering, `worker` times the
analyzer in a child process, `launcher` starts and stops gunicorn (for soak/ and the tests
too), `httpload` loads it with wrk, `chart` draws the PNG, `run` orchestrates and prints the
table, `profiling` profiles the analyzer for BENCHMARKS.md.
"""
