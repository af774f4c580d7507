"""What loading alone costs: a built store's quads bulk-loaded again, without extraction.

``kg build`` into a new store hands pyoxigraph's bulk loader every source graph's quads and,
for the union (the store's default graph), each distinct triple about once (a paper listed on
several pages is handed over once). This script writes the same quads (read back from a store
``bench_build.py`` made: every source quad, then every triple of the union once, as N-Quads in
the default graph; a store of an earlier version's layout gives its union graph's triples
the same way) to one file in the work folder, then loads it into a fresh store as the build
does (lenient: the lines were written by pyoxigraph) and compacts it, either in one
``Store.bulk_load`` call or in chunks of ``--chunk-mb`` (as ``kg build`` does), and prints the
seconds and the peak RSS. It is the floor under an end-to-end build of the same corpus on
this machine. (The build interleaves the two kinds of chunk; here the union comes last.)

    python benchmarks/bench_build.py /tmp/corpus-100k --store /tmp/store-100k --jobs 2
    python benchmarks/bench_load.py /tmp/store-100k --work /tmp/load-work --chunk-mb 0
    python benchmarks/bench_load.py /tmp/store-100k --work /tmp/load-work --chunk-mb 16
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, Store, serialize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kg.store import union_of  # noqa: E402


def write_data(store: Path, out: Path) -> tuple[int, int]:
    """Every source quad, then every triple of the union once, in the default graph (as the
    build hands them over); how many of each."""
    source = Store.read_only(str(store))
    counted = {"sources": 0, "union": 0}
    kept = union_of(source)

    def sources():
        for quad in source.quads_for_pattern(None, None, None, None):
            if quad.graph_name != kept:
                counted["sources"] += 1
                yield quad

    def union():
        for quad in source.quads_for_pattern(None, None, None, kept):
            counted["union"] += 1
            yield Quad(quad.subject, quad.predicate, quad.object)

    with out.open("wb") as f:
        serialize(sources(), f, RdfFormat.N_QUADS)
        serialize(union(), f, RdfFormat.N_QUADS)
    return counted["sources"], counted["union"]


def load(data: Path, target: Path, chunk: int) -> tuple[float, float]:
    """Seconds loading and seconds compacting ``data`` into a new store at ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    store = Store(str(target))
    start = time.perf_counter()
    if chunk <= 0:
        store.bulk_load(path=str(data), format=RdfFormat.N_QUADS, lenient=True)
    else:
        with data.open("rb") as f:
            rest = b""
            while block := f.read(chunk):
                block = rest + block
                cut = block.rfind(b"\n") + 1
                rest = block[cut:]
                store.bulk_load(block[:cut], format=RdfFormat.N_QUADS, lenient=True)
            if rest:
                store.bulk_load(rest, format=RdfFormat.N_QUADS, lenient=True)
    loaded = time.perf_counter()
    store.optimize()
    return loaded - start, time.perf_counter() - loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="a store kg build made (read only)")
    parser.add_argument("--work", type=Path, required=True,
                        help="a folder for the data file (kept for further runs) and the new store")
    parser.add_argument("--chunk-mb", type=int, default=0,
                        help="load in chunks of this many MB (kg build: 16); 0: one call")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    data = args.work / "sources-and-default-graph-union.nq"  # not the older files' name: the union was named
    if not data.exists():
        start = time.perf_counter()
        quads, union = write_data(args.store, data)
        print(f"wrote {quads} source quads and {union} union triples, "
              f"{data.stat().st_size / 1e9:.1f} GB, in {time.perf_counter() - start:.0f} s")
    loading, compacting = load(data, args.work / "store", args.chunk_mb * 1_000_000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    how = "one bulk_load call" if args.chunk_mb <= 0 else f"{args.chunk_mb} MB chunks"
    print(f"{how}: loading {loading:.1f} s + compacting {compacting:.1f} s = "
          f"{loading + compacting:.1f} s; peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
