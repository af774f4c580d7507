"""``kg build --endpoint`` into a real Oxigraph server: time, and the server's memory.

Starts ``oxigraph serve`` (the ``oxigraph`` package on PyPI) over a fresh folder on a free
port of 127.0.0.1, builds the corpus into it twice with the real command (new sources, then
every source replaced), times a few library queries through ``kg query --endpoint``, and
prints the server's peak resident memory (sampled every 0.2 s) and folder size. Each source
is one Graph Store Protocol ``PUT`` with two SPARQL updates around it, as for any server.

    python benchmarks/make_corpus.py --papers 5000 --seed 5 --out /tmp/corpus-5k
    python benchmarks/bench_endpoint.py /tmp/corpus-5k --work /tmp/endpoint-5k
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _wait_until_it_answers(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"oxigraph serve stopped: {server.stderr.read().decode().strip()}")
        try:
            opener.open(url + "/", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"oxigraph serve did not answer at {url} within {seconds:.0f} s")


def _kg(*args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"kg {' '.join(args)} failed: {done.stderr.strip()}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder of profile pages")
    parser.add_argument("--work", type=Path, required=True, help="a folder for the server's store (replaced)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    url = f"http://127.0.0.1:{_free_port()}"
    server = subprocess.Popen([oxigraph, "serve", "--location", str(args.work), "--bind", url[7:]],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, stop = [0.0], threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak[0] = max(peak[0], _rss_mb(server.pid))

    threading.Thread(target=sample, daemon=True).start()
    try:
        _wait_until_it_answers(url, server)
        papers = sum(1 for _ in args.corpus.rglob("*.txt"))
        build = ("build", str(args.corpus), "--endpoint", url, "--jobs", str(args.jobs), "--no-progress")
        first = _kg(*build)
        again = _kg(*build)
        queries = {name: _kg("query", name, "--endpoint", url, "--format", "csv")
                   for name in ("coauthors", "people", "shared-people")}
    finally:
        stop.set()
        server.terminate()
        server.wait()
    print(f"{papers} pages into {url}, --jobs {args.jobs}: built in {first:.1f} s, "
          f"every source replaced in {again:.1f} s; server peak RSS {peak[0]:.0f} MB, "
          f"store {_size_mb(args.work):.0f} MB")
    print("kg query --endpoint (whole command): " +
          ", ".join(f"{name} {seconds:.2f} s" for name, seconds in queries.items()))


if __name__ == "__main__":
    main()
