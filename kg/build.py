"""The build stage: read -> extract -> one named graph per source in the store.

:func:`build` streams: it first reads every page (a page that cannot be read
stops the build before anything is written), then extracts pages on all the
cores it is given and replaces each source's named graph atomically as it
comes back, so memory stays flat however many pages there are. With
``strict=True`` a warning counts as an error. A build killed part-way leaves
every source either as it was or complete with its new content.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Triple

from .errors import InputError
from .extract import EXTRACTORS, Context, Extractor
from .iris import Minter
from .reader import Profile, ReadWarning, decode, iter_files, read_file, read_text
from .store import GraphStore, default_location, is_new_location


@dataclass(frozen=True)
class SourceResult:
    """What one source document put in the store."""

    source: str
    graph: NamedNode
    person: str
    papers: int
    triples: int


@dataclass
class BuildSummary:
    """What a build did, and what the store holds after it."""

    sources: list[SourceResult] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)
    papers: int = 0
    people: int = 0
    triples: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "sources": [{"source": s.source, "graph": s.graph.value, "person": s.person,
                         "papers": s.papers, "triples": s.triples} for s in self.sources],
            "papers": self.papers, "people": self.people, "triples": self.triples,
            "warnings": [str(w) for w in self.warnings],
        }


def profile_triples(profile: Profile, context: Context,
                    extractors: Sequence[Extractor] = EXTRACTORS) -> list[Triple]:
    """Every triple the extractors make of one profile (duplicates removed, order kept)."""
    seen: dict[Triple, None] = {}
    for extractor in extractors:
        for triple in extractor(profile, context):
            seen.setdefault(triple)
    return list(seen)


def _serialise(triples: Iterable[Triple]) -> list[str]:
    return sorted({f"{t.subject} {t.predicate} {t.object} ." for t in triples})


@dataclass(frozen=True)
class _Job:
    path: Path | None
    text: str | None  # stdin's text, read once in the first pass
    encoding: str | None
    base: str
    extractors: tuple[str, ...]


@dataclass(frozen=True)
class _Done:
    source: str
    person: str
    papers: int
    lines: list[str]
    warnings: list[ReadWarning]


def _extract_one(job: _Job) -> _Done:
    """Read and extract one page (in a worker process when ``jobs > 1``)."""
    from .extract import get_extractor

    profile = read_text(job.text, "stdin") if job.path is None else read_file(job.path, job.encoding)
    context = Context(Minter(job.base))
    triples = profile_triples(profile, context, [get_extractor(n) for n in job.extractors])
    return _Done(profile.source, profile.name, len(profile.papers), _serialise(triples),
                 [*profile.warnings, *context.warnings])


def _check(paths: Iterable[str | Path], encoding: str | None,
           strict: bool) -> tuple[list[tuple[Path | None, str | None]], int]:
    """The first pass: read every page, so bad input stops the build before anything is written.

    Returns the pages (stdin's text kept, files re-read later) and how many papers they list.
    """
    pages: list[tuple[Path | None, str | None]] = []
    seen: dict[str, str] = {}
    papers = 0
    for path in iter_files(paths):
        where = str(path) if path is not None else "-"
        text = None
        if path is None:
            text = decode(sys.stdin.buffer.read(), "<stdin>", encoding)
            profile = read_text(text, "stdin")
        else:
            profile = read_file(path, encoding)
        if profile.source in seen:
            raise InputError(f"{seen[profile.source]} and {where} would be the same source "
                             f"{profile.source!r} (a source is named by its file name); "
                             "rename one: nothing was written")
        if strict:
            warnings = list(profile.warnings)
            if not warnings:  # the cheap extractors warn too (an unknown category, ...)
                context = Context(Minter())
                profile_triples(profile, context, [e for e in EXTRACTORS if e.name != "artifacts"])
                warnings = context.warnings
            if warnings:
                raise InputError(f"{warnings[0]} (--strict: nothing was written)")
        seen[profile.source] = where
        papers += len(profile.papers)
        pages.append((path, text))
    return pages, papers


ProgressFn = Callable[[int, int], None]


def build(paths: Iterable[str | Path], store, *, minter: Minter | None = None,
          extractors: Sequence[Extractor] = EXTRACTORS, encoding: str | None = None,
          strict: bool = False, jobs: int = 1, progress: ProgressFn | None = None) -> BuildSummary:
    """Build profile pages (files, folders, ``-``) into ``store``; one named graph per source.

    Two passes: the first reads every page (a bad page stops the build before
    anything is written); the second extracts pages on ``jobs`` processes and
    replaces each source's graph atomically as its page comes back, in the
    order given, holding only a few pages in memory at a time.
    ``progress(papers_done, papers_total)`` is called after each page.
    """
    minter = minter or Minter.from_env()
    pages, total = _check(paths, encoding, strict)
    names = tuple(e.name for e in extractors)
    work = (_Job(path, text, encoding, minter.base, names) for path, text in pages)
    summary = BuildSummary()
    done_papers = 0
    written = 0
    for done in _run(work, jobs):
        if strict and done.warnings:
            raise InputError(f"{done.warnings[0]} (--strict: this source and the ones after it "
                             f"were not written; {len(summary.sources)} before it were)")
        graph = minter.source(done.source)
        count = store.replace_graph_lines(graph, done.lines)
        written += count
        summary.warnings.extend(done.warnings)
        summary.sources.append(SourceResult(done.source, graph, done.person, done.papers, count))
        done_papers += done.papers
        if progress is not None:
            progress(done_papers, total)
    row = next(iter(store.query(_COUNTS, name="stats")))
    summary.papers, summary.people = int(row["papers"].value), int(row["people"].value)
    summary.triples = written
    return summary


def build_into(paths: Iterable[str | Path], location: str | os.PathLike[str] | None = None,
               **options) -> BuildSummary:
    """:func:`build` into the on-disk store at ``location`` (default: ``KG_STORE`` or ./kg-store).

    A new store (no folder yet, or an empty one) is written with the bulk loader and moved into
    place at the end, all or nothing; an existing one is updated source by source, each in one
    transaction.
    """
    path = Path(location if location is not None else default_location())
    if is_new_location(path):
        with GraphStore.create(path) as store:
            return build(paths, store, **options)
    with GraphStore.open(path) as store:
        return build(paths, store, **options)


def _run(work: Iterable[_Job], jobs: int) -> Iterator[_Done]:
    """Results of ``_extract_one`` in order; at most ``2 * jobs`` pages in flight."""
    if jobs <= 1:
        yield from map(_extract_one, work)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        pending: deque = deque()
        for job in work:
            pending.append(pool.submit(_extract_one, job))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def default_jobs() -> int:
    """The machine's cores (those this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


_COUNTS = """
PREFIX kg: <https://w3id.org/scholar-kg/ontology#>
SELECT
  (COUNT(DISTINCT ?paper) AS ?papers) (COUNT(DISTINCT ?person) AS ?people)
WHERE { { ?paper a kg:Paper } UNION { ?person a kg:Person } }
"""

# Counted by the store (or server), not by reading every triple back.
_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

_BY_TYPE = """
SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)
"""


def stats(store: GraphStore) -> dict[str, object]:
    """Counts of what the store holds: papers, people, triples, sources and nodes per type."""
    row = next(iter(store.query(_COUNTS, name="stats")))
    union = int(next(iter(store.query(_TRIPLES, name="stats")))["n"].value)
    by_type = {r["type"].value: int(r["n"].value) for r in store.query(_BY_TYPE, name="stats")}
    return {
        "papers": int(row["papers"].value),
        "people": int(row["people"].value),
        "triples": union,
        "quads": len(store),
        "sources": len(store.graphs()),
        "by_type": by_type,
    }
