"""readerfund's benchmarks: `scripts/bench` (or `python -m bench [name …]`)."""
