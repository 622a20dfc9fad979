"""`python -m bench [embed] [throughput] [checkout] [goal] [reminders] [cluster] [rails]
[statements]`: run the named benchmarks (default: all; `rails` runs the payment rails' parts)."""

from __future__ import annotations

import sys

from bench import (
    checkout,
    cluster,
    embed,
    experiments,
    goal,
    insights,
    rails_btcpay,
    reminders,
    statements,
    throughput,
)

BENCHMARKS = {"embed": embed.run, "throughput": throughput.run, "checkout": checkout.run}
BENCHMARKS["goal"] = goal.run
BENCHMARKS["reminders"] = reminders.run
BENCHMARKS["cluster"] = lambda: sys.exit(1) if cluster.main([]) else None
BENCHMARKS["statements"] = statements.run
BENCHMARKS["rails_btcpay"] = rails_btcpay.run


def _rails() -> None:
    """Payment rails for readers where cards do not work: bank statements imported and
    matched, BTCPay webhooks under concurrency; each part in its own module."""
    statements.run()
    rails_btcpay.run()


BENCHMARKS["rails"] = _rails
BENCHMARKS["experiments"] = experiments.run
BENCHMARKS["insights"] = insights.run

if __name__ == "__main__":
    # `rails` runs parts that are also listed by their own names: not twice by default.
    names = sys.argv[1:] or [n for n in BENCHMARKS if n != "rails"]
    for name in names:
        print(f"== {name}", flush=True)
        BENCHMARKS[name]()
