"""Speed of the artifact-extraction stage alone, on one core.

Reads every distinct paper of a corpus folder (made by ``make_corpus.py``), then
times :func:`kg.artifacts.find_in_papers` over their titles and abstracts, after
loading the pipeline once (loading is not counted). Prints abstracts per second.

    python benchmarks/make_corpus.py --papers 2000 --seed 1 --out /tmp/corpus-2k
    python benchmarks/bench_extract.py /tmp/corpus-2k
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from kg.artifacts import find_in_papers, pipeline
from kg.reader import read_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="a folder of profile pages")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (the median is reported)")
    parser.add_argument("--limit", type=int, default=0, help="use at most this many abstracts")
    args = parser.parse_args()

    papers: dict[tuple[str, str], tuple[str, str]] = {}
    for profile in read_paths([args.corpus]):
        for p in profile.papers:
            papers.setdefault((p.title, p.date.isoformat()), (p.title, p.abstract))
    pairs = list(papers.values())
    if args.limit:
        pairs = pairs[: args.limit]
    words = sum(len(a.split()) for _, a in pairs) / len(pairs)
    pipeline()
    times = []
    found = 0
    for _ in range(args.repeat):
        _cold()  # every run starts with empty word caches, as a fresh process would
        start = time.perf_counter()
        results = find_in_papers(pairs)
        times.append(time.perf_counter() - start)
        found = sum(len(r) for r in results)
    best = statistics.median(times)
    print(f"{len(pairs)} abstracts (mean {words:.0f} words), {found} artifacts found; "
          f"median of {args.repeat}: {best:.2f} s = {len(pairs) / best:.0f} abstracts/s "
          f"(one process, pid {os.getpid()} pinned to one core: {_one_core()})")


def _cold() -> None:
    from kg import artifacts

    for name in ("_namey", "_titlecase"):
        getattr(artifacts, name).cache_clear()
    artifacts._FOUND.clear()  # and no paper's findings remembered: every abstract is mined


def _one_core() -> bool:
    try:
        return len(os.sched_getaffinity(0)) == 1
    except AttributeError:
        return False


if __name__ == "__main__":
    main()
