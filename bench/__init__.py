"""Benchmarks of qjnet against networkx, scipy, igraph and rustworkx (``python -m bench.run``)."""
