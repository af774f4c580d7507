"""Median latency of every query in ``queries/`` on a built store (read-only).

    python benchmarks/bench_queries.py --store /tmp/store-100k --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time

from kg.query import list_queries, run
from kg.store import GraphStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="a store folder built by kg build")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (median reported)")
    args = parser.parse_args()
    with GraphStore.open(args.store, read_only=True) as store:
        print(f"{'query':28} {'median s':>9} {'rows':>8}")
        for query in list_queries():
            times, rows = [], 0
            for _ in range(args.repeat):
                start = time.perf_counter()
                rows = len(run(store, query).rows)
                times.append(time.perf_counter() - start)
            print(f"{query.name:28} {statistics.median(times):9.3f} {rows:8}")


if __name__ == "__main__":
    main()
