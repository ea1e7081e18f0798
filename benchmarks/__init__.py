"""Benchmarks: a generated archive and the runner that times builds against Pelican."""
