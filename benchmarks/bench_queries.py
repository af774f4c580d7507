"""Median latency of every query in ``queries/`` on a built store (read-only).

    python benchmarks/bench_queries.py --store /tmp/store-100k --repeat 5
    python benchmarks/bench_queries.py --store /tmp/store-100k --repeat 3 --split

The last line times ``kg viz --query ego`` (which the report draws too) on the store: the
``ego`` CONSTRUCT for its default person, then ``graph-nodes`` asked for that view's nodes.

``--split`` also times each SELECT query evaluated without reading its answer: the same query
wrapped in ``SELECT (COUNT(*) AS ?n) WHERE { ... }``, so the store works out every row (and
sorts them, for a query that orders its rows) but hands none over. What is left of the full
time is reading the rows: the store looks up the text of each IRI and long literal in them,
and Python gets the values.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from kg.query import bind, list_queries, run, with_bindings
from kg.viz import query_view
from kg.sparql import mask
from kg.store import GraphStore


def counted(text: str) -> str | None:
    """A SELECT query as one that counts its rows (None for other forms)."""
    select = re.search(r"\bSELECT\b", mask(text), re.IGNORECASE)
    if select is None or re.search(r"\b(CONSTRUCT|ASK|DESCRIBE)\b", mask(text)[:select.start()], re.I):
        return None
    return f"{text[:select.start()]}SELECT (COUNT(*) AS ?n) WHERE {{\n{text[select.start():]}\n}}"


def median_seconds(repeat: int, work) -> tuple[float, object]:
    times, answer = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="a store folder built by kg build")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (median reported)")
    parser.add_argument("--split", action="store_true",
                        help="also time each SELECT query's evaluation alone (its rows counted, not read)")
    args = parser.parse_args()
    with GraphStore.open(args.store, read_only=True) as store:
        print(f"{'query':28} {'median s':>9} {'rows':>8}" + (f" {'evaluation s':>13}" if args.split else ""))
        for query in list_queries():
            seconds, answer = median_seconds(args.repeat, lambda: run(store, query))
            line = f"{query.name:28} {seconds:9.3f} {len(answer.rows):8}"
            count = counted(with_bindings(query.text, bind(query, {}))) if args.split else None
            if count is not None:
                alone, rows = median_seconds(
                    args.repeat, lambda: int(next(iter(store.query(count, name=query.name)))["n"].value))
                if rows != len(answer.rows):
                    raise SystemExit(f"{query.name}: counted {rows} rows, read {len(answer.rows)}")
                line += f" {alone:13.3f}"
            print(line, flush=True)
        seconds, view = median_seconds(args.repeat, lambda: query_view(store, "ego"))
        print(f"{'kg viz --query ego':28} {seconds:9.3f} {len(view.nodes):8} (nodes drawn)")


if __name__ == "__main__":
    main()
