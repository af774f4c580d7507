"""End-to-end ``kg build`` on a synthetic corpus: papers per second, peak memory, store size.

Runs the real command in a child process (so its peak RSS is measured alone) on a
corpus made by ``make_corpus.py``, into a fresh store, then prints one line.

    python benchmarks/make_corpus.py --papers 10000 --seed 10 --out /tmp/corpus-10k
    python benchmarks/bench_build.py /tmp/corpus-10k --store /tmp/store-10k --jobs 2
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder of profile pages")
    parser.add_argument("--store", type=Path, required=True, help="the store folder (replaced)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    titles: set[str] = set()
    entries = 0
    for page in args.corpus.rglob("*.txt"):
        lines = page.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines[:-1]):
            if line[:2].isupper() and line.rstrip().endswith(("Code",)) or \
                    (line[:2].isupper() and line[-4:].isdigit() and ", " in line):
                titles.add(lines[i + 1] + "|" + line)
                entries += 1
    shutil.rmtree(args.store, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kg", "build", str(args.corpus), "--store",
                           str(args.store), "--jobs", str(args.jobs), "--no-progress"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"kg build failed: {done.stderr.strip()}")
    # The build and its extraction processes (each reaped by the process that started it):
    # processor time is the steadier figure where a machine's speed drifts between runs.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / 1024
    papers = len(titles)
    print(f"{papers} distinct papers ({entries} entries on {sum(1 for _ in args.corpus.rglob('*.txt'))} "
          f"pages), --jobs {args.jobs}: {seconds:.1f} s = {papers / seconds:.0f} papers/s "
          f"({entries / seconds:.0f} entries/s); processor time {usage.ru_utime + usage.ru_stime:.1f} "
          f"CPU-s ({usage.ru_utime:.1f} user, {usage.ru_stime:.1f} system); peak RSS of the largest "
          f"process {peak:.0f} MB; store {_size(args.store) / 1e6:.0f} MB on disk")
    print(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
