"""One very long profile page built into a new store: time and peak memory.

Writes a page of about ``--mb`` megabytes (the sample's papers over and over, each with a
title of its own), then runs ``kg build`` on it into a fresh store in a child process.

    python benchmarks/bench_big_page.py --mb 100 --work /tmp/big-page
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from kg.demo import sample_path


def write_page(path: Path, size: int) -> int:
    """About ``size`` bytes of page; returns how many papers it lists."""
    lines = sample_path().read_text(encoding="utf-8").split("\n")
    head, blocks = lines[:11], ["\n".join(lines[i:i + 6]) for i in range(11, len(lines), 7)]
    written, n = 0, 0
    with path.open("w", encoding="utf-8") as f:
        f.write("\n".join(head) + "\n")
        while written < size:
            header, title, rest = blocks[n % len(blocks)].split("\n", 2)
            text = f"{header}\n{title} (copy {n})\n{rest}\n\n"
            f.write(text)
            written += len(text.encode("utf-8"))
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100, help="size of the page in MB")
    parser.add_argument("--work", type=Path, required=True, help="a folder for the page and the store (replaced)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    page, store = args.work / "big.profile.txt", args.work / "store"
    papers = write_page(page, int(args.mb * 1e6))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kg", "build", str(page), "--store", str(store),
                           "--jobs", str(args.jobs), "--no-progress"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"kg build failed: {done.stderr.strip()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"a {page.stat().st_size / 1e6:.0f} MB page of {papers} papers, --jobs {args.jobs}: "
          f"{seconds:.1f} s = {papers / seconds:.0f} papers/s; peak RSS {peak:.0f} MB")
    print(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
