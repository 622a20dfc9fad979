"""`python -m bench [embed] [throughput] [checkout]`: run the named benchmarks (default: all)."""

from __future__ import annotations

import sys

from bench import checkout, embed, experiments, goal, insights, reminders, throughput

BENCHMARKS = {"embed": embed.run, "throughput": throughput.run, "checkout": checkout.run}
BENCHMARKS["goal"] = goal.run
BENCHMARKS["reminders"] = reminders.run
BENCHMARKS["experiments"] = experiments.run
BENCHMARKS["insights"] = insights.run

if __name__ == "__main__":
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        print(f"== {name}", flush=True)
        BENCHMARKS[name]()
