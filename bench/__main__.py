"""`python -m bench [embed] [throughput] [checkout]`: run the named benchmarks (default: all)."""

from __future__ import annotations

import sys

from bench import checkout, embed, goal, rails_btcpay, reminders, throughput

BENCHMARKS = {"embed": embed.run, "throughput": throughput.run, "checkout": checkout.run}
BENCHMARKS["goal"] = goal.run
BENCHMARKS["reminders"] = reminders.run
# Payment rails for readers where cards do not work: BTCPay webhooks under concurrency.
BENCHMARKS["rails"] = rails_btcpay.run

if __name__ == "__main__":
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        print(f"== {name}", flush=True)
        BENCHMARKS[name]()
