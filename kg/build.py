"""The build stage: read -> extract -> one named graph per source in the store.

:func:`build` streams: it first reads every page (a page that cannot be read
stops the build before anything is written), then extracts pages on all the
cores it is given and replaces each source's named graph atomically as it
comes back, so memory stays flat however many pages there are. With
``strict=True`` a warning counts as an error. A build killed part-way leaves
every source either as it was or complete with its new content.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TypeVar

from pyoxigraph import NamedNode, Triple

from .artifacts import shared_findings
from .errors import InputError, KgError
from .extract import EXTRACTORS, Context, Extractor, as_line
from .iris import Minter
from .reader import (
    Page, Paper, Profile, ReadWarning, decode, iter_files, open_page, parse_lines, read_file,
    read_text, source_name,
)
from .store import SPOOL_BUFFER, GraphStore, Spooled, as_quads, can_create, default_location
from .vocab import KG, TYPE

T = TypeVar("T")
R = TypeVar("R")


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
    papers: int = 0  # in the store after the build
    people: int = 0  # in the store after the build
    triples: int = 0  # written by this build: the sum of its sources' (``kg stats`` counts the store's)

    def as_dict(self) -> dict[str, object]:
        return {
            "sources": [{"source": s.source, "graph": s.graph.value, "person": s.person,
                         "papers": s.papers, "triples": s.triples} for s in self.sources],
            "papers": self.papers, "people": self.people, "triples": self.triples,
            "warnings": [str(w) for w in self.warnings],
        }


def profile_triples(profile: Profile, context: Context,
                    extractors: Sequence[Extractor] = EXTRACTORS) -> list[Triple | str]:
    """Every triple the extractors make of one profile, as ``context.triple`` makes them
    (repeats removed, order kept; a Triple and its text are not repeats of each other, but
    :func:`_serialise` and :func:`bulk_parts` go by the text)."""
    return list(dict.fromkeys(_made(profile, context, extractors)))


def _made(profile: Profile, context: Context,
          extractors: Sequence[Extractor]) -> Iterator[Triple | str]:
    """What the extractors make of one profile, one after another, repeats and all (the
    build drops repeats by their lines)."""
    return chain.from_iterable(extractor(profile, context) for extractor in extractors)


def _serialise(triples: Iterable[Triple | str]) -> list[str]:
    return sorted({_nt(t) for t in triples})


def _nt(t: Triple | str) -> str:
    return f"{t} ."  # "<s> <p> <o> .", from a Triple or as_line's text


def bulk_parts(graph: NamedNode, triples: Iterable[Triple | str],
               seen: set[int | str] | None = None) -> tuple[list[tuple[bytes, bytes]], bytes, int]:
    """One page's triples as a store being created takes them (see
    :meth:`~kg.store.GraphStore.add_graph_data`): the union graph's parts, the N-Quads in
    ``graph`` and how many triples.

    A paper listed on several pages is the same triples on each, but for what belongs to the
    page: the line it is on, the page's profile, and the page owner's authorship when the
    owner is hidden behind "et al.". Those are a part of their own, written every time; the
    rest of the paper (its authorships and mentions with it) is one part, so the store
    loads it once however many pages list it; any other node (a person, a tag, an artifact)
    is a part of its own. The union is right however the parts are cut: a part is skipped
    only when the same triples were written before. ``seen``: the hashes of the lines are
    added to it (to count a page's triples across its parts).

    The lines are sorted once and read a subject at a time, never a line at a time: a
    subject's lines are next to each other, and so are its lines of one predicate, found by
    bisection (a page's lines are about 70 per paper, its subjects about 8).
    """
    unique = set(map(_nt, triples))
    lines = sorted(unique)
    if seen is not None:
        # A 64-bit hash stands for a line (two lines of a page of 100,000 share one with a
        # chance of about 3e-10); where hashes are narrower, the line itself.
        seen.update(map(hash, lines) if sys.hash_info.width >= 64 else lines)
    subjects = _subjects(lines)
    papers = {s for s, _, _ in subjects if f"{s} {_TYPE} {_PAPER} ." in unique}
    profiles = {s for s, _, _ in subjects if f"{s} {_TYPE} {_PROFILE} ." in unique}
    listed = {s for s, i, j in subjects if _objects(lines, s, _LISTED, i, j)}
    paper_of: dict[str, str] = {}  # authorships and mentions -> their paper
    moved: dict[str, set[str]] = {}  # a subject -> its lines that belong to the page
    for s, i, j in subjects:
        for line, _ in _objects(lines, s, _SOURCE_LINE, i, j):  # the line it is on
            moved.setdefault(s, set()).add(line)
        for line, o in _objects(lines, s, _AUTHORSHIP, i, j):
            if o in listed:  # the page's owner, hidden behind "et al."
                moved.setdefault(s, set()).add(line)
                if s in papers:
                    for _, person in _objects(lines, o, _AUTHOR, 0, len(lines)):
                        moved[s].add(f"{s} {_HAS_AUTHOR} {person} .")
            elif s in papers:
                paper_of[o] = s
        for _, o in _objects(lines, s, _IN_PAPER, i, j):
            if o in papers:
                paper_of[s] = o
    page: list[str] = []
    parts: dict[str, list[str]] = {}
    for s, i, j in subjects:
        if s in profiles or s in listed:
            page.extend(lines[i:j])
            continue
        block = lines[i:j]
        away = moved.get(s)
        if away:
            page.extend(line for line in block if line in away)
            block = [line for line in block if line not in away]
        if block:
            parts.setdefault(paper_of.get(s, s), []).extend(block)
    union = [(b"", "\n".join(page).encode())] if page else []
    for part in parts.values():
        data = "\n".join(part).encode()
        union.append((hashlib.blake2b(data, digest_size=16).digest(), data))
    return union, as_quads(graph, lines), len(lines)


def _subjects(lines: list[str]) -> list[tuple[str, int, int]]:
    """The subjects of sorted N-Triples lines, each with where its lines start and end."""
    found = []
    start, end = 0, len(lines)
    while start < end:
        line = lines[start]
        subject = line[:line.index(" ")]
        # A subject's lines all start with it and a space, which sorts before "!".
        after = bisect_left(lines, subject + "!", start, end)
        found.append((subject, start, after))
        start = after
    return found


def _objects(lines: list[str], subject: str, predicate: str, start: int,
             end: int) -> list[tuple[str, str]]:
    """The lines of (``subject``, ``predicate``) in sorted N-Triples lines, with their
    objects as written; ``start``, ``end``: where to look (the subject's lines, or all)."""
    prefix = f"{subject} {predicate} "
    at = bisect_left(lines, prefix, start, end)
    found = []
    while at < end and lines[at].startswith(prefix):
        found.append((lines[at], lines[at][len(prefix):-2]))
        at += 1
    return found


# The terms bulk_parts reads, as they are written in N-Triples.
_TYPE, _PAPER, _PROFILE = str(TYPE), str(KG.Paper), str(KG.Profile)
_LISTED, _AUTHOR, _AUTHORSHIP = str(KG.fromProfileListing), str(KG.author), str(KG.authorship)
_IN_PAPER, _SOURCE_LINE, _HAS_AUTHOR = str(KG.inPaper), str(KG.sourceLine), str(KG.hasAuthor)


@dataclass(frozen=True)
class _Job:
    path: Path | None
    text: str | None  # stdin's text, read once in the first pass
    encoding: str | None
    base: str
    extractors: tuple[str, ...]
    bulk: bool = False  # for a store being created: send N-Triples and N-Quads bytes
    stream: bool = False  # written a part at a time by the writing process (see _stream)
    spool: Path | None = None  # with bulk, in a worker: write the page to files there
    papers: int = 0  # how many papers the page lists
    size: int = 0  # bytes


@dataclass(frozen=True)
class _Done:
    source: str
    person: str
    papers: int
    lines: list[str]
    warnings: list[ReadWarning]
    count: int = 0
    union: list[tuple[bytes, bytes]] = field(default_factory=list)  # with _Job.bulk: see bulk_parts
    quads: bytes = b""  # ... and the triples as N-Quads in the source's graph
    spooled: Spooled | None = None  # ... or both written to files (with _Job.spool)


def _extract_one(job: _Job) -> _Done:
    """Read and extract one page (in a worker process when ``jobs > 1``)."""
    from .extract import get_extractor

    if job.spool is not None:  # set only with bulk
        return _spool(job)
    if job.bulk:
        # The writing process is the busy one in a bulk load: the pages are made ready to load
        # here, a part at a time (a page's triples and their lines took about 100 bytes of
        # memory per byte of page, worked on whole; its N-Quads and parts take about 25).
        graph = Minter(job.base).source(_source(job))
        union: list[tuple[bytes, bytes]] = []
        quads: list[bytes] = []
        seen: set[int | str] = set()

        def keep(part_union: list[tuple[bytes, bytes]], part_quads: bytes, more: bool) -> None:
            union.extend(part_union)
            quads.append(part_quads)

        header, warnings, papers = _extract_in_parts(job, graph, keep, seen)
        # Parts can repeat a triple (a co-author of papers in two parts): counted once.
        return _Done(header.source, header.name, papers, [], warnings, len(seen), union,
                     b"".join(quads))
    profile = read_text(job.text, "stdin") if job.path is None else read_file(job.path, job.encoding)
    context = Context(Minter(job.base), triple=as_line)  # only the lines are wanted
    lines = _serialise(_made(profile, context, [get_extractor(n) for n in job.extractors]))
    warnings = [*profile.warnings, *context.warnings]
    return _Done(profile.source, profile.name, len(profile.papers), lines, warnings, len(lines))


@dataclass(frozen=True)
class _Page:
    path: Path | None
    text: str | None  # stdin's text, kept
    papers: int
    size: int  # bytes


def _spool(job: _Job) -> _Done:
    """Extract one page for a store being created, a part at a time as it is read, writing
    what is to be loaded to two files in ``job.spool`` as it goes (see
    :meth:`GraphStore.add_spooled_graph`): neither this process nor the writing one holds the
    page's N-Quads and union parts (about 25 bytes per byte of page), nor copies them to
    send them."""
    import tempfile

    assert job.spool is not None
    graph = Minter(job.base).source(_source(job))
    fd, quads_path = tempfile.mkstemp(dir=job.spool, prefix="page-", suffix=".nq")
    triples_path = quads_path[:-3] + ".nt"
    parts: list[tuple[bytes, int, int]] = []
    seen: set[int | str] = set()
    end = 0  # of the triples file (counted here: its tell() asks the system each time)
    with open(fd, "wb", buffering=SPOOL_BUFFER) as quads, \
            open(triples_path, "xb", buffering=SPOOL_BUFFER) as triples:
        def keep(part_union: list[tuple[bytes, bytes]], part_quads: bytes, more: bool) -> None:
            nonlocal end
            quads.write(part_quads)
            for key, data in part_union:
                parts.append((key, end, len(data) + 1))
                triples.write(data)
                triples.write(b"\n")
                end += len(data) + 1

        header, warnings, papers = _extract_in_parts(job, graph, keep, seen)
    # Parts can repeat a triple (a co-author of papers in two parts): counted once.
    return _Done(header.source, header.name, papers, [], warnings, len(seen),
                 spooled=Spooled(quads_path, triples_path, parts))


def _open(path: Path | None, text: str | None, encoding: str | None) -> Page:
    return parse_lines([text], "stdin") if path is None else open_page(path, encoding)


def _check(paths: Iterable[str | Path], encoding: str | None, strict: bool,
           minter: Minter | None = None, pool: Executor | None = None, jobs: int = 1) -> list[_Page]:
    """The first pass: read every page, so bad input stops the build before anything is written.

    Pages are read as streams, a part at a time, so a long page does not sit in memory, and on
    the build's processes (``pool``, ``jobs`` of them), answered in the order given.
    Returns the pages (stdin's text kept, files re-read later) with how many papers they list.
    """
    minter = minter or Minter()
    pages: list[_Page] = []
    seen: dict[str, str] = {}  # source graph -> the page that named it

    def checks() -> Iterator[_Check | KgError]:
        try:
            for path in iter_files(paths):
                text = None if path is not None else decode(sys.stdin.buffer.read(), "<stdin>", encoding)
                yield _Check(path, text, encoding, strict)
        except KgError as exc:  # a missing file: told in its turn, after the pages before it
            yield exc

    for check, papers in _in_order(pool, jobs, checks(), _check_page, lambda c: isinstance(c, KgError)):
        if isinstance(check, KgError):
            raise check
        where = str(check.path) if check.path is not None else "-"
        graph = minter.source(_source(check)).value
        if graph in seen:
            raise InputError(f"{seen[graph]} and {where} would be the same source "
                             f"{graph} (a source is named by its file name); "
                             "rename one: nothing was written")
        seen[graph] = where
        text = check.text
        size = len(text.encode()) if text is not None else check.path.stat().st_size
        pages.append(_Page(check.path, text, papers, size))
    return pages


@dataclass(frozen=True)
class _Check:
    path: Path | None
    text: str | None
    encoding: str | None
    strict: bool


def _check_page(check: _Check) -> int:
    """How many papers a page lists; raises on a page that cannot be read (and with ``strict``,
    on its first warning)."""
    papers = 0
    context = Context(Minter(), triple=as_line)
    cheap = [e for e in EXTRACTORS if e.name != "artifacts"]
    with _open(check.path, check.text, check.encoding) as page:
        for part in _parts(page, PART):
            papers += len(part)
            if check.strict:  # the cheap extractors warn too (an unknown category, ...)
                deque(_made(replace(page.header, papers=part), context, cheap), maxlen=0)
        warnings = [*page.warnings, *_once(context.warnings)]
    if check.strict and warnings:
        raise InputError(f"{min(warnings, key=_line)} (--strict: nothing was written)")
    return papers


def _line(warning: ReadWarning) -> int:
    return warning.line or 0


def _parts(page: Page, size: int) -> Iterator[tuple[Paper, ...]]:
    """The page's papers, ``size`` at a time."""
    part: list[Paper] = []
    for paper in page:
        part.append(paper)
        if len(part) >= size:
            yield tuple(part)
            part = []
    if part:
        yield tuple(part)


def _stream(job: _Job, store: GraphStore, graph: NamedNode) -> _Done:
    """Extract and write one page a part at a time, into a store being created (bounded
    memory however long the page: the store's bulk writer takes each part as it comes)."""
    header, warnings, papers = _extract_in_parts(job, graph, partial(store.add_graph_data, graph))
    # Parts can repeat a triple (a co-author of papers in two parts): the graph says how many.
    return _Done(header.source, header.name, papers, [], warnings, store.graph_size(graph))


def _extract_in_parts(job: _Job, graph: NamedNode,
                      write: Callable[[list[tuple[bytes, bytes]], bytes, bool], None],
                      seen: set[int | str] | None = None) -> tuple[Profile, list[ReadWarning], int]:
    """Read and extract one page :data:`PART` papers at a time, handing each part to
    ``write(union, quads, more)`` (see :func:`bulk_parts`); returns the page's header, its
    warnings and how many papers it lists."""
    from .extract import get_extractor

    context = Context(Minter(job.base), triple=as_line)  # only the lines are wanted
    extractors = [get_extractor(n) for n in job.extractors]
    papers = 0
    with _open(job.path, job.text, job.encoding) as page:
        parts = _parts(page, PART)
        part: tuple[Paper, ...] | None = next(parts, ())  # a page without papers: its header
        while part is not None:
            papers += len(part)
            following = next(parts, None)
            profile = replace(page.header, papers=part, listed_papers=job.papers)
            union, quads, _ = bulk_parts(graph, _made(profile, context, extractors), seen)
            write(union, quads, following is not None)
            part = following
        header = page.header
    return header, [*page.warnings, *_once(context.warnings)], papers


def _once(warnings: list[ReadWarning]) -> list[ReadWarning]:
    """The extractors' warnings about a page worked a part at a time, as about the whole page:
    a warning about the page as a whole (an unknown category) comes once per part, at the
    first line in that part that it concerns, or at none if no paper there does: each is kept
    once, at the first line it has in any part, in the order of those lines."""
    first: dict[str, ReadWarning] = {}
    for warning in warnings:
        kept = first.get(warning.message)
        if kept is None or (warning.line is not None
                            and (kept.line is None or warning.line < kept.line)):
            first[warning.message] = warning
    return sorted(first.values(), key=_line)


ProgressFn = Callable[..., None]  # (papers done, papers in all[, what is being done])


def build(paths: Iterable[str | Path], store, *, minter: Minter | None = None,
          extractors: Sequence[Extractor] = EXTRACTORS, encoding: str | None = None,
          strict: bool = False, jobs: int = 1, progress: ProgressFn | None = None) -> BuildSummary:
    """Build profile pages (files, folders, ``-``) into ``store``; one named graph per source.

    Two passes, each on ``jobs`` processes: the first reads every page (a bad page stops
    the build before anything is written); the second extracts pages and
    replaces each source's graph atomically as its page comes back, in the
    order given, holding only a few pages in memory at a time.
    ``progress(papers_done, papers_total)`` is called after each page (:func:`build_into`
    also passes a third argument, what it is doing, to a function that takes one).
    """
    minter = minter or Minter.from_env()
    names = tuple(e.name for e in extractors)
    mine = "artifacts" in names
    with _pool(jobs) as pool:  # a fast error: the pipeline is not loaded to read the pages
        pages = _check(paths, encoding, strict, minter, pool, jobs)
    if not getattr(store, "bulk", False):
        for page in pages:
            if page.size > MAX_TRANSACTION_BYTES:
                where = str(page.path) if page.path is not None else "-"
                raise InputError(
                    f"{where}: a {page.size / 1e6:.1f} MB page is too long to replace in one "
                    f"transaction (the limit is {MAX_TRANSACTION_BYTES / 1e6:.1f} MB, about 2 GB "
                    f"of memory; this page would take about {page.size * MEMORY_PER_BYTE / 1e9:.1f} GB); "
                    "build it into a new "
                    "store (a missing or empty --store folder), where long pages are written a "
                    "part at a time, or split it: nothing was written")
    # A paper is mined about once in a build, whichever process reads it (see shared_findings).
    with shared_findings() if mine else nullcontext() as findings, \
            _pool(jobs, mine, findings) as pool:
        return _write(pages, store, minter, names, encoding, strict, jobs, pool, progress)


def _write(pages: list[_Page], store, minter: Minter, names: tuple[str, ...],
           encoding: str | None, strict: bool, jobs: int, pool: Executor | None,
           progress: ProgressFn | None) -> BuildSummary:
    """The second pass of :func:`build`."""
    total = sum(p.papers for p in pages)
    bulk = bool(getattr(store, "bulk", False))
    # Into a new store, a long page is written a part at a time; the extraction processes
    # write the others to files the writing process copies without reading them.
    spool = store.spool if bulk and pool is not None else None
    work = (_Job(p.path, p.text, encoding, minter.base, names, bulk,
                 bulk and p.size > STREAM_BYTES, spool, p.papers, p.size) for p in pages)
    summary = BuildSummary()
    done_papers = 0
    written = 0
    # What a page comes back as is about 25 times its size: the pages in flight are bounded in
    # bytes too, so a run of long pages does not pile up in this process.
    for item, done in _in_order(pool, jobs, work, _extract_one, lambda job: job.stream,
                                weight=lambda job: job.size, budget=IN_FLIGHT_BYTES):
        if done is None:  # a long page, written a part at a time as it is read
            done = _stream(item, store, minter.source(_source(item)))
        if strict and done.warnings:
            written_before = ("nothing was written" if bulk else "this source and the ones after "
                              f"it were not written; {len(summary.sources)} before it were")
            raise InputError(f"{done.warnings[0]} (--strict: {written_before})")
        graph = minter.source(done.source)
        if done.spooled is not None:
            store.add_spooled_graph(graph, done.spooled)
        elif bulk and not item.stream:
            store.add_graph_data(graph, done.union, done.quads)
        elif not bulk:
            store.replace_graph_lines(graph, done.lines)
        count = done.count
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
    if can_create(path):
        with GraphStore.create(path) as store:
            summary = build(paths, store, **options)
            progress = options.get("progress")
            if progress is not None and _takes_phase(progress):  # next: a while on a big store
                done = sum(s.papers for s in summary.sources)
                progress(done, done, "compacting the new store")
        return summary
    with GraphStore.open(path) as store:
        return build(paths, store, **options)


@contextmanager
def _pool(jobs: int, mine: bool = False, findings: str | None = None) -> Iterator[Executor | None]:
    """The build's worker processes (None for ``jobs <= 1``: everything runs here).
    ``mine``: the artifacts extractor runs (its pipeline is loaded before the workers start);
    ``findings``: the file where the build's processes share papers' findings."""
    if jobs <= 1:
        yield None
        return
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    forks = context.get_start_method() == "fork"
    if forks and mine:
        # Loaded before the fork, spaCy and the gazetteer are shared by the workers.
        from .artifacts import gazetteer, pipeline
        pipeline(), gazetteer()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_start,
                               initargs=(findings,))
    try:
        if forks:
            # Frozen, the workers' collectors leave what they inherit alone, so its pages stay
            # shared (about 50 MB less for two workers). A forking pool starts every worker at
            # the first task; this process is unfrozen again right after.
            gc.freeze()
            try:
                with _interrupts_held():  # so the workers start with Ctrl-C held, then ignore it
                    started = pool.submit(int)  # forks them all
                started.result()
            finally:
                gc.unfreeze()
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def _in_order(pool: Executor | None, jobs: int, items: Iterable[T], work: Callable[[T], R],
              here: Callable[[T], bool] = lambda item: False,
              weight: Callable[[T], int] = lambda item: 0,
              budget: int = 0) -> Iterator[tuple[T, R | None]]:
    """``(item, work(item))`` in order, worked out on ``pool`` with at most ``4 * jobs`` items
    in flight, weighing ``budget`` at most together unless one item alone weighs more (one
    at a time here without a pool); an item ``here`` says to keep comes back with None, for
    this process to deal with in its turn: it counts as one in flight but weighs nothing
    (nothing is worked out for it meanwhile), so the items after it go on being worked out."""
    if pool is None:
        for item in items:
            yield item, None if here(item) else work(item)
        return
    pending: deque = deque()  # (item, its future or None, its weight)
    load = 0  # the weight of the items in flight

    def oldest() -> tuple[T, R | None]:
        nonlocal load
        item, future, heavy = pending.popleft()
        load -= heavy
        return item, None if future is None else future.result()

    for item in items:
        kept = here(item)
        heavy = 0 if kept else weight(item)
        while pending and (len(pending) >= 4 * jobs or load + heavy > budget > 0):
            yield oldest()
        pending.append((item, None if kept else pool.submit(work, item), heavy))
        load += heavy
    while pending:
        yield oldest()


def _takes_phase(progress: ProgressFn) -> bool:
    """Whether ``progress`` takes the third argument, what the build is doing."""
    import inspect

    try:
        inspect.signature(progress).bind(0, 0, "")
    except (TypeError, ValueError):
        return False
    return True


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back in the block, and act on one that came meanwhile when it
    ends. A Ctrl-C in the middle of a fork was lost ("Exception ignored"), and the build went
    on. A process forked in the block starts with SIGINT blocked (this thread's mask; the
    store's threads may still take the signal, hence the handler that only notes it)."""
    came: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda number, frame: came.append(number))
    except ValueError:  # not the main thread, which alone hears Ctrl-C
        yield
        return
    blocks = hasattr(signal, "pthread_sigmask")
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if blocks else None
    try:
        yield
    finally:
        if blocks:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        signal.signal(signal.SIGINT, previous)
        if came and callable(previous):
            previous(signal.SIGINT, None)  # Python's own handler raises KeyboardInterrupt


def _worker_start(findings: str | None = None) -> None:
    """In a worker: ignore Ctrl-C, share the build's findings file, and end with the build.

    Ctrl-C at a terminal goes to every process of the build: the build stops its workers
    itself (it cancels what they have not begun and waits for what they are doing), and a
    worker stopped part-way printed Python's traceback of it. Killed with SIGKILL, a build
    cannot stop its workers; on Linux the kernel does it for it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held while it was forked
    if findings is not None:
        from .artifacts import use_shared_findings

        use_shared_findings(findings)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: workers end on their own
            pass
        if os.getppid() == 1:  # the build is already gone
            os._exit(1)


def _source(job: _Job | _Check) -> str:
    return "stdin" if job.path is None else source_name(job.path)


#: Papers extracted at a time from a page being built into a new store.
PART = 256

#: Pages longer than this are written a part at a time into a new store, by the writing
#: process, which counts a page's triples in the store: an extraction process keeps a hash of
#: each of its page's lines to count them (it writes the rest to files as it goes: see _spool).
STREAM_BYTES = 2_000_000

#: Bytes of pages being extracted or waiting to be written at a time (but for one page longer
#: than this alone): what they come back as, about 25 bytes per byte, waits in the writing
#: process, or on disk for a new store (see _spool).
IN_FLIGHT_BYTES = 8_000_000

#: Pages longer than this are refused by an existing store or a server, where a page is
#: replaced in one transaction holding all its triples: 230-330 bytes of memory per byte of
#: page were measured, so this keeps a build within about 2 GB.
MAX_TRANSACTION_BYTES = 6_000_000

#: Bytes of memory a page takes per byte when it is replaced in one transaction (the most
#: measured; 230 at the least).
MEMORY_PER_BYTE = 330


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
