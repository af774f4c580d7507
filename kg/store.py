"""The only module that touches a store.

:class:`GraphStore` wraps an on-disk pyoxigraph ``Store``: one named graph per
source document, replaced atomically (one SPARQL update that drops the old
graph and inserts the new one, so a failure leaves the old graph as it was).
Queries see the union of the sources with each triple once: the store keeps
that union in its default graph, updated in the same update, because
pyoxigraph 0.5's union default graph repeats a triple held by two sources.
(A store written by an earlier version keeps it in the named graph
:data:`UNION`, and goes on doing so; see :func:`union_of`.) Errors from pyoxigraph come
out as :class:`~kg.errors.StoreError`.

>>> import tempfile
>>> from pyoxigraph import NamedNode, Literal, Triple
>>> with GraphStore.open(tempfile.mkdtemp()) as store:
...     g = NamedNode("https://example.org/source/a")
...     t = Triple(NamedNode("https://example.org/x"), NamedNode("https://example.org/p"), Literal("1"))
...     first = store.replace_graph(g, [t]); again = store.replace_graph(g, [t])
...     len(store)
1
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, NamedTuple

from pyoxigraph import (
    DefaultGraph, NamedNode, Quad, QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, Store,
    Triple, serialize,
)

from .errors import QueryError, StoreError, StoreLockedError
from .sparql import mask

DEFAULT_STORE = "kg-store"


def default_location() -> str:
    """``KG_STORE`` if set, else ``./kg-store``."""
    return os.environ.get("KG_STORE") or DEFAULT_STORE


class GraphStore:
    """An on-disk Oxigraph store with one named graph per source."""

    def __init__(self, store: Store, location: str | None, read_only: bool) -> None:
        self._store = store
        self.location = location
        self.read_only = read_only
        self._unflushed = 0
        self._bulk: _BulkWriter | None = None
        self.union = union_of(store)

    @classmethod
    def open(cls, location: str | os.PathLike[str] | None = None, *, read_only: bool = False,
             create: bool = True) -> "GraphStore":
        """Open the store at ``location``, or make one there (``create``, not ``read_only``) if
        it is missing or an empty folder; ``read_only`` lets writers carry on. A folder that
        holds other files is not made a store."""
        path = Path(location if location is not None else default_location())
        try:
            if path.exists() and not path.is_dir():
                raise StoreError(f"no store at {path}: it is a file, not a store's folder")
            if not (path / "CURRENT").is_file():  # RocksDB's: every store has one
                if read_only or not create:
                    raise StoreError(f"no store at {path}: run 'kg build' first (or pass --store)")
                # RocksDB's LOCK comes first: another process is making a store there (it says so)
                others = set(os.listdir(path)) - {"lost+found"} if path.exists() else set()
                if others and "LOCK" not in others:
                    raise StoreError(f"no store at {path}, and the folder holds other files: a "
                                     "new store needs a missing or empty folder")
        except OSError as exc:  # a folder this process may not read
            raise StoreError(f"cannot open the store {path}: {exc.strerror or exc}") from exc
        for attempt in range(READ_ONLY_ATTEMPTS):
            try:
                store = Store.read_only(str(path)) if read_only else Store(str(path))
                break
            except (OSError, RuntimeError) as exc:
                text = str(exc)
                if read_only and "No such file" in text and attempt + 1 < READ_ONLY_ATTEMPTS:
                    # A process writing to the store (it has a CURRENT: checked above) removed a
                    # file it had listed while this one was reading the list (RocksDB tidies up
                    # when it opens): read it again.
                    time.sleep(0.05 * 2 ** attempt)
                    continue
                if "LOCK" in text or "lock" in text:
                    raise StoreLockedError(
                        f"the store {path} is locked by another process writing to it; "
                        "wait for it to finish (kg query and kg export still work)") from exc
                raise StoreError(f"cannot open the store {path}: {text}") from exc
        return cls(store, str(path), read_only)

    @classmethod
    @contextmanager
    def create(cls, location: str | os.PathLike[str]) -> Iterator["GraphStore"]:
        """A new store at ``location``, written with Oxigraph's bulk loader (several times faster
        than transactions) and all-or-nothing as a whole.

        ``location`` must not exist or be an empty folder. The store is built in a staging
        folder beside it, compacted, and moved into place when the block ends without an error; if it
        fails, or the process is killed, ``location`` is left as it was. Each source graph
        may be written once (:meth:`replace_graph_lines`). Queries in the block see what was
        written so far. Ctrl-C during the compaction at the end (a minute at 100k papers) is
        raised at once; the staging folder is removed when RocksDB has stopped writing there.
        """
        target = Path(location)
        if not is_new_location(target):
            raise StoreError(f"{target} is not empty: GraphStore.create makes a new store")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.building-{os.getpid()}"
        busy = _remove_stale_staging(target)
        if staging in busy:
            raise StoreLockedError(
                f"the store {target} is still being removed after this program's interrupted "
                "build of it (RocksDB ends the merge it is in first); try again in a moment")
        if busy:
            raise StoreLockedError(f"the store {target} is being created by another process; "
                                   "wait for it to finish")
        usual = os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else 0
        shutil.rmtree(staging, ignore_errors=True)
        lock: int | None = None
        store: GraphStore | None = None
        try:
            staging.mkdir()
            lock = lock_folder(staging)  # held while this build runs: how others know it is alive
            if lock is None:
                raise OSError("its staging folder is locked by another process")
            if os.fstat(lock).st_ino != os.stat(staging).st_ino:  # removed and made again meanwhile
                raise OSError("another build removed its staging folder; try again")
            store = cls(Store(str(staging)), str(target), False)
            store._bulk = _BulkWriter(store._store, staging / SPOOL)
        except BaseException as exc:  # Ctrl-C as well: nothing is left behind
            traceback.clear_frames(exc.__traceback__)  # as below: a writer's start holds the store
            if store is not None:
                del store._store
            if lock is not None:
                os.close(lock)
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, OSError):
                raise StoreError(f"cannot create a store beside {target}: {exc}") from exc
            raise
        merging: _Background | None = None
        try:
            compaction_priority(LOADING_NICENESS)  # RocksDB's threads start with the store
            yield store
            store._bulk.finish()
            store._bulk = None
            # Bulk loading leaves many overlapping files: compacting now makes every later read
            # steady (and keeps the first later write from paying for it). In a thread, so that
            # Ctrl-C is heard at once (it takes a minute at 100k papers).
            merging = _Background("kg-compact", partial(_flush_and_optimize, store._store, usual),
                                  start=False)
            merging.thread.start()
            failed = merging.wait()
            if failed is not None:
                raise StoreError(f"compacting the new store failed: {failed}") from failed
            del store._store  # closes it: RocksDB must not be open while its folder moves
            try:
                os.rename(staging, target)  # atomic; replaces an empty folder
            except OSError as exc:
                raise StoreError(f"could not move the new store into place at {target} "
                                 f"({exc.strerror or exc}); nothing was written") from exc
        except BaseException as exc:
            if merging is not None and merging.thread.is_alive():
                # Ctrl-C while the files are merged: RocksDB cannot stop part-way, so the
                # folder is removed when it has (or, if this process ends first, by a process
                # that waits for its lock to go); no need to wait here. The lock is handed
                # over first: a second Ctrl-C must not let it go while RocksDB writes.
                owned, lock = lock, None
                traceback.clear_frames(exc.__traceback__)  # as below
                if hasattr(store, "_store"):
                    del store._store
                _remove_when_done(merging, staging, owned)
                raise
            # The error's frames may hold what keeps the store open (a writer, an iterator
            # over the store): RocksDB must be closed before its folder goes, or it may go on
            # writing there and the folder stays behind.
            traceback.clear_frames(exc.__traceback__)
            try:
                if store._bulk is not None:
                    store._bulk.abandon()
                    store._bulk = None
            finally:
                if hasattr(store, "_store"):
                    del store._store
                shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            compaction_priority(usual)
            if lock is not None:
                os.close(lock)

    @classmethod
    def in_memory(cls) -> "GraphStore":
        return cls(Store(), None, False)

    def close(self) -> None:
        if not hasattr(self, "_store"):
            return
        if not self.read_only and self.location is not None:
            try:
                self._store.flush()
            except OSError:
                pass
        del self._store

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def __len__(self) -> int:
        """Quads in the source graphs (the union is bookkeeping and not counted)."""
        self._settle()
        return len(self._store) - self.graph_size(self.union)

    def _settle(self) -> None:
        """In a store being created, write what is pending, so reading sees all of it."""
        if self._bulk is not None:
            self._bulk.load()

    # -- writing -----------------------------------------------------------------------------

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> int:
        """Make ``graph`` hold exactly ``triples``, atomically; returns how many it holds.

        One SPARQL update: take the graph's triples that no other source holds out of the
        union, drop the graph, insert the new triples into it and into the union.
        """
        return self.replace_graph_lines(
            graph, sorted({f"{t.subject} {t.predicate} {t.object} ." for t in triples}))

    def replace_graph_lines(self, graph: NamedNode, lines: list[str]) -> int:
        """:meth:`replace_graph` with the triples already written as N-Triples lines
        (by pyoxigraph's own term serialisation, so every term is escaped)."""
        if graph == UNION:
            raise StoreError(f"{UNION.value} is the store's own union graph")
        if self._bulk is not None:
            self._bulk.add(graph, lines)
            return len(lines)
        body = "\n".join(lines)
        update = (f"{forget(graph, self.union)} ;\nDROP SILENT GRAPH {graph} ;\n"
                  f"INSERT DATA {{ GRAPH {graph} {{\n{body}\n}}\n{in_graph(self.union, body)} }}")
        self._update(update, graph, 2 * len(lines))
        return len(lines)

    @property
    def spool(self) -> Path | None:
        """In a store being created, the folder where other processes may write source graphs
        for :meth:`add_spooled_graph` (inside the staging folder: gone with it); else None."""
        return None if self._bulk is None else self._bulk.spool

    def add_spooled_graph(self, graph: NamedNode, spooled: Spooled) -> None:
        """:meth:`add_graph_data` for a source graph written to files in :attr:`spool`: the
        files are copied into what the loader takes next (by the kernel where it can: the
        data never passes through this process's memory) and removed."""
        if self._bulk is None:
            raise StoreError("add_spooled_graph is for a store being created")
        if graph == UNION:
            raise StoreError(f"{UNION.value} is the store's own union graph")
        self._bulk.add_spooled(graph, spooled)

    @property
    def bulk(self) -> bool:
        """Whether this is a new store being bulk-loaded (see :meth:`create`)."""
        return self._bulk is not None

    def add_graph_data(self, graph: NamedNode, union: UnionParts, quads: bytes,
                       more: bool = False) -> None:
        """Write a new source graph to a store being created: its triples as N-Quads in
        ``graph``, and for the union as parts (see :data:`UnionParts`), all made by
        pyoxigraph's term serialisation. ``more=True``: a part of the graph, which the next
        call may continue."""
        if self._bulk is None:
            raise StoreError("add_graph_data is for a store being created")
        if graph == UNION:
            raise StoreError(f"{UNION.value} is the store's own union graph")
        self._bulk.add_data(graph, union, quads, more)

    def drop_graph(self, graph: NamedNode) -> None:
        """Remove one source's graph (and what only it held from the union), atomically."""
        if self._bulk is not None:
            raise StoreError("a store being created cannot drop graphs")
        self._update(f"{forget(graph, self.union)} ;\nDROP SILENT GRAPH {graph}", graph)

    def _update(self, update: str, graph: NamedNode, quads: int = 0) -> None:
        try:
            self._store.update(update)
            self._unflushed += quads
            if self._unflushed >= FLUSH_EVERY:
                # RocksDB keeps written data in memory until a flush: without this a long
                # build grows by about 0.8 GB per million quads.
                self._store.flush()
                self._unflushed = 0
        except (OSError, RuntimeError, SyntaxError, ValueError) as exc:
            raise StoreError(f"writing {graph.value} failed, the store is unchanged: {exc}") from exc

    # -- reading -----------------------------------------------------------------------------

    def graphs(self) -> list[NamedNode]:
        """The source graphs, by IRI."""
        self._settle()
        return sorted((g for g in self._store.named_graphs()
                       if isinstance(g, NamedNode) and g != UNION), key=lambda g: g.value)

    def graph_size(self, graph: NamedNode | DefaultGraph) -> int:
        self._settle()
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, graph))

    def query(self, sparql: str, name: str = "query") -> QuerySolutions | QueryTriples | QueryBoolean:
        """Run SPARQL over the union of the sources (each triple once); ``GRAPH ?g`` sees each source.

        Errors that pyoxigraph raises while the answer is read are translated by
        :func:`kg.query.run`, which reads it.
        """
        self._settle()
        try:
            if self.union != UNION:  # the default graph; GRAPH sees every named graph: the sources
                return self._store.query(sparql)
            if not _NAMES_GRAPHS.search(mask(sparql)):
                # Listing the named graphs costs every query time in proportion to the sources
                # (5x on a 5,000-page store), so only a query that can see them gets the list.
                return self._store.query(sparql, default_graph=UNION)
            return self._store.query(sparql, default_graph=UNION, named_graphs=self.graphs() or [UNION])
        except SyntaxError as exc:
            raise QueryError(f"{name}: {exc}") from exc
        except (OSError, RuntimeError, ValueError) as exc:
            raise StoreError(f"{name}: reading the store failed: {exc}") from exc

    def union_triples(self) -> Iterator[Triple]:
        """Every distinct triple of the union of the sources."""
        self._settle()
        for quad in self._store.quads_for_pattern(None, None, None, self.union):
            yield quad.triple

    def quads(self) -> Iterator[Quad]:
        """Every quad of the source graphs."""
        self._settle()
        for quad in self._store.quads_for_pattern(None, None, None, None):
            if quad.graph_name != self.union:
                yield quad

    def dump(self, format: RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
        """Serialise the union graph or, for N-Quads and TriG, every source graph."""
        try:
            if format in (RdfFormat.N_QUADS, RdfFormat.TRIG):
                data = serialize(self.quads(), format=format,
                                 prefixes=prefixes if _takes_prefixes(format) else None)
            else:
                data = serialize(self.union_triples(), format=format,
                                 prefixes=prefixes if _takes_prefixes(format) else None)
        except (OSError, ValueError) as exc:
            raise StoreError(f"exporting failed: {exc}") from exc
        assert data is not None
        return data


# A query that can see named graphs (GRAPH, FROM NAMED), outside strings, IRIs and comments.
_NAMES_GRAPHS = re.compile(r"\b(GRAPH|NAMED)\b", re.IGNORECASE)

#: Tries to open a store read-only while another process may be opening it to write.
READ_ONLY_ATTEMPTS = 5

#: Quads written between two flushes of the store's in-memory write buffers.
FLUSH_EVERY = 200_000

#: The named graph that holds the union of the sources, so each triple is seen once, on a
#: SPARQL server (:mod:`kg.remote`) and in stores written by earlier versions; a store keeps
#: it in its default graph (indexed 3 ways instead of 6: a new store of 100k papers is built
#: 6-8 % faster). Never a source's name.
UNION = NamedNode("urn:x-scholar-kg:union")


def union_of(store: Store) -> NamedNode | DefaultGraph:
    """Where ``store`` keeps the union of its sources: :data:`UNION` if that graph holds
    anything (a store written by an earlier version, kept as it is), else the default graph."""
    return UNION if next(store.quads_for_pattern(None, None, None, UNION), None) is not None \
        else DefaultGraph()


def in_graph(union: NamedNode | DefaultGraph, body: str) -> str:
    """N-Triples ``body`` in the ``union`` graph, as a part of ``INSERT DATA`` or ``DELETE``."""
    return body if isinstance(union, DefaultGraph) else f"GRAPH {union} {{\n{body}\n}}"


def forget(graph: NamedNode, union: NamedNode | DefaultGraph) -> str:
    """The update that takes out of ``union`` the triples of ``graph`` that no other source holds."""
    others = f"?other != {graph}" if isinstance(union, DefaultGraph) else \
        f"?other != {graph} && ?other != {union}"
    return (f"DELETE {{ {in_graph(union, '?s ?p ?o')} }}\n"
            f"WHERE {{ GRAPH {graph} {{ ?s ?p ?o }}\n"
            f"        FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER({others}) }} }}")


class Compaction(NamedTuple):
    """What :func:`compact` did: the store's files and bytes on disk before and after."""

    location: str
    seconds: float
    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int


def compact(location: str | os.PathLike[str] | None = None) -> Compaction:
    """Merge the files of the store at ``location`` into as few as RocksDB makes them
    (Oxigraph's ``optimize``), so that queries read fewer of them.

    A new store is compacted when its build ends; every later ``kg build`` into it adds files
    that RocksDB merges only in part, and queries that read the whole graph slow down (the
    100k-paper store after 20 one-profile builds: 88 → 147 files, ``coauthor-graph`` 7.2 →
    8.6 s; compacted, 76 files and 7.5 s). Compacting rewrites every index the new files
    overlap, so it takes about as long as the compaction at the end of building the whole
    store (47 s there, 4-5 s at 10k papers); a store with nothing to merge is done at once.
    It needs the store's write lock; readers go on meanwhile. The work runs in a thread, so
    Ctrl-C is heard at once (``kg compact`` then ends within seconds: 3.7 s at 100k papers).
    RocksDB cannot stop part-way, but a process that ends meanwhile leaves the store whole
    (merged files are swapped in whole), as a killed one does. A
    program that goes on after the ``KeyboardInterrupt`` has the compaction go on too, in
    its thread, holding the store's write lock until it ends.
    """
    path = Path(location if location is not None else default_location())
    with GraphStore.open(path, create=False) as store:
        files_before, bytes_before = _disk_usage(path)
        start = time.monotonic()
        failed = _Background("kg-compact", partial(_flush_and_optimize, store._store)).wait()
        if failed is not None:
            raise StoreError(f"compacting the store {path} failed: {failed}") from failed
    seconds = time.monotonic() - start
    files_after, bytes_after = _disk_usage(path)  # the store closed: merged files are gone
    return Compaction(str(path), seconds, files_before, files_after, bytes_before, bytes_after)


def _flush_and_optimize(store: Store, niceness: int | None = None) -> None:
    """Write out what RocksDB holds in memory and wait for its merging to catch up, then
    merge every index's files into as few as it makes (``niceness``: the compaction threads'
    for that last step, see :func:`compaction_priority`)."""
    store.flush()
    if niceness is not None:
        compaction_priority(niceness)  # nothing else runs now
    store.optimize()


class _Background:
    """``work()`` in a daemon thread of its own (pyoxigraph lets go of the interpreter lock
    while it loads or compacts), waited for through an event, not the thread's ``join()``: a
    ``join()`` that Ctrl-C interrupts can take the thread for ended while it still runs
    (CPython 3.11), and a store's folder would be removed under work going on."""

    def __init__(self, name: str, work: Callable[[], object], start: bool = True) -> None:
        self.failed: BaseException | None = None
        self._work: Callable[[], object] | None = work
        self._done = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        if start:
            self.thread.start()

    def _run(self) -> None:
        work, self._work = self._work, None
        try:
            assert work is not None
            work()
        except BaseException as exc:  # pyoxigraph's storage errors are RuntimeError, too
            # Its frames hold what the work held (a store): RocksDB must close when the caller
            # lets go, not when the error does.
            traceback.clear_frames(exc.__traceback__)
            self.failed = exc
        finally:
            del work  # ... and so must the work itself, before the caller hears it ended
            self._done.set()

    def wait(self) -> BaseException | None:
        """Wait for the work to end; what it raised, if anything."""
        self._done.wait()
        return self.failed


def _remove_when_done(work: _Background, folder: Path, lock: int) -> None:
    """Remove ``folder`` once ``work`` (which writes there) has ended and let go of its lock,
    without waiting for it here: a thread of this process does it when the work ends; if the
    process ends first, a small process of its own does, once the lock goes with this one (the
    work's files are then no longer written)."""
    def remove() -> None:
        work.thread.join()  # not interrupted here: the thread and what it held are gone
        shutil.rmtree(folder, ignore_errors=True)
        os.close(lock)

    threading.Thread(target=remove, name="kg-cleanup", daemon=True).start()
    _CLEANERS[:] = [p for p in _CLEANERS if p.poll() is None]
    try:
        _CLEANERS.append(subprocess.Popen(
            [sys.executable, "-I", "-c", _REMOVE_WHEN_UNLOCKED, str(folder)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))
    except OSError:  # then the next build there removes it (see _remove_stale_staging)
        pass


#: What the process started by :func:`_remove_when_done` runs (on its own: nothing imported).
#: It removes the folder it locked, not one made under the same name meanwhile.
_REMOVE_WHEN_UNLOCKED = """
import fcntl, os, shutil, sys
try:
    fd = os.open(sys.argv[1], os.O_RDONLY)
except OSError:
    sys.exit()
fcntl.flock(fd, fcntl.LOCK_EX)
try:
    here, there = os.fstat(fd), os.lstat(sys.argv[1])
except OSError:
    sys.exit()
if (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino):
    shutil.rmtree(sys.argv[1], ignore_errors=True)
"""

#: The processes :func:`_remove_when_done` started (kept until they end: Python warns of a
#: process object dropped while its process runs).
_CLEANERS: list[subprocess.Popen[bytes]] = []


def _disk_usage(path: Path) -> tuple[int, int]:
    """The store's data files (RocksDB's ``.sst`` files) and the bytes of all its files."""
    files = size = 0
    for entry in os.scandir(path):
        try:
            if entry.is_file(follow_symlinks=False):
                size += entry.stat(follow_symlinks=False).st_size
                files += entry.name.endswith(".sst")
        except FileNotFoundError:  # removed meanwhile by a process writing to the store
            continue
    return files, size


def is_new_location(path: Path) -> bool:
    """Whether ``path`` holds no store yet: missing, or an empty folder."""
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def can_create(path: Path) -> bool:
    """Whether a new store can be built beside ``path`` and moved there: missing or an empty
    folder, not a link or a mount point, in a folder this process may write to."""
    return (is_new_location(path) and not path.is_symlink() and not os.path.ismount(path)
            and os.access(path.parent if str(path.parent) else Path("."), os.W_OK))


def lock_folder(folder: str | os.PathLike[str]) -> int | None:
    """Hold an exclusive lock on ``folder`` (its descriptor), or ``None`` if another process
    holds it. The kernel lets go when the process ends, however it ends."""
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def remove_unless_locked(folder: str | os.PathLike[str]) -> bool:
    """Remove ``folder`` unless a process holds its lock (:func:`lock_folder`: a build still
    running with it); whether one does. A folder gone meanwhile, or not ours to open, is left."""
    try:
        fd = lock_folder(folder)
    except OSError:
        return False
    if fd is None:
        return True
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(fd)
    return False


def _remove_stale_staging(target: Path) -> list[Path]:
    """Remove what builds killed part-way left beside ``target``; returns the staging folders
    of builds still running (each holds its folder's lock), or still being removed."""
    prefix = f".{target.name}.building-"
    return [folder for folder in target.parent.iterdir()
            if folder.name.startswith(prefix) and folder.is_dir() and remove_unless_locked(folder)]


#: What a source graph gives the union graph of a store being created: parts of N-Triples,
#: each with a key naming its content (a digest of the part), or ``b""`` for a part written
#: whatever came before. A part whose key was seen before is the same triples again and is not
#: handed to the loader a second time: papers listed on several pages come once each.
UnionParts = Sequence[tuple[bytes, bytes]]


class Spooled(NamedTuple):
    """A source graph of a store being created, written to two files by another process
    (see :attr:`GraphStore.spool`): its N-Quads, and its union parts as N-Triples, each part
    ending with a line end, with their keys (see :data:`UnionParts`), offsets and lengths."""

    quads: str
    triples: str
    parts: list[tuple[bytes, int, int]]


def bulk_data(graph: NamedNode, lines: list[str]) -> tuple[UnionParts, bytes]:
    """N-Triples lines (``s p o .``) as what :meth:`GraphStore.add_graph_data` takes: all of
    them for the union as one part without a key, and the same as N-Quads in ``graph``."""
    return [(b"", "\n".join(lines).encode())], as_quads(graph, lines)


def as_quads(graph: NamedNode, lines: Iterable[str]) -> bytes:
    """N-Triples lines (``s p o .``) as N-Quads in ``graph``."""
    suffix = f" {graph} .\n"
    return "".join(line[:-1] + suffix for line in lines).encode()


class _BulkWriter:
    """Writes source graphs with ``Store.bulk_load`` in chunks of about :data:`BULK_CHUNK`
    bytes: the source graphs' quads as N-Quads, the union's triples as N-Triples, each
    part of them once (by its key; the loader keeps each triple once, but every repeat costs
    it time). Few big loads, not one per page: every load adds files to the store, and a file
    handle is held for each.

    A chunk is gathered in two files in ``spool`` (made here, removed by :meth:`finish`), not
    in memory: source graphs that other processes wrote to files there are copied into them
    by the kernel (on Linux), so a page's data does not pass through this process (at 5k papers
    with two extraction processes, the build's processes took 321-335 MB together instead of
    473-535 MB, in the same time)."""

    def __init__(self, store: Store, spool: Path) -> None:
        self._store = store
        self._graphs: set[NamedNode] = set()
        self._open: NamedNode | None = None  # the graph being written in parts
        self._loading: _Background | None = None  # the load in progress
        self._size = 0
        self._seen: set[bytes] = set()  # keys of the union parts written: 16 bytes each
        self.spool = spool
        spool.mkdir()
        self._chunks = 0
        self._quads, self._triples = self._chunk()

    def _chunk(self) -> tuple[BinaryIO, BinaryIO]:
        """The files of the next chunk: its N-Quads and its union's N-Triples."""
        self._chunks += 1
        return (open(self.spool / f"chunk-{self._chunks}.nq", "wb", buffering=SPOOL_BUFFER),
                open(self.spool / f"chunk-{self._chunks}.nt", "wb", buffering=SPOOL_BUFFER))

    def _start(self, graph: NamedNode, more: bool) -> None:
        if graph in self._graphs and graph != self._open:
            raise StoreError(f"{graph.value} was already written to this new store")
        self._graphs.add(graph)
        self._open = graph if more else None

    def add(self, graph: NamedNode, lines: list[str]) -> None:
        self.add_data(graph, *bulk_data(graph, lines))

    def add_data(self, graph: NamedNode, union: UnionParts, quads: bytes, more: bool = False) -> None:
        """``quads`` as N-Quads in ``graph``, and its ``union`` parts; ``more``: the next call
        may add to the same graph."""
        self._start(graph, more)
        self._quads.write(quads)
        self._quads.write(b"\n")
        self._size += len(quads)
        for key, triples in union:
            if key:
                if key in self._seen:
                    continue
                self._seen.add(key)
            self._triples.write(triples)
            self._triples.write(b"\n")
            self._size += len(triples)
        if self._size >= BULK_CHUNK:
            self.load(wait=False)

    def add_spooled(self, graph: NamedNode, spooled: Spooled) -> None:
        """A source graph written to files (see :class:`Spooled`), which are then removed."""
        self._start(graph, False)
        with open(spooled.quads, "rb") as source:
            self._size += _copy(source, self._quads, 0, os.fstat(source.fileno()).st_size)
        self._quads.write(b"\n")  # in case the file does not end its last line
        with open(spooled.triples, "rb") as source:
            start = end = 0  # the run of parts being kept: copied at once
            for key, offset, length in spooled.parts:
                if key:
                    if key in self._seen:
                        continue
                    self._seen.add(key)
                if offset != end:
                    self._size += _copy(source, self._triples, start, end - start)
                    start = offset
                end = offset + length
            self._size += _copy(source, self._triples, start, end - start)
        os.unlink(spooled.quads)
        os.unlink(spooled.triples)
        if self._size >= BULK_CHUNK:
            self.load(wait=False)

    def load(self, wait: bool = True) -> None:
        """Write what is pending; with ``wait=False`` in a thread of its own, so the build
        carries on meanwhile (the loader lets go of the interpreter lock). One load runs at a
        time: the disk holds at most the chunk being loaded and the one being gathered."""
        self._join()
        if self._size:
            chunk = (self._quads, self._triples)
            self._quads, self._triples = self._chunk()
            self._size = 0
            try:
                chunk[0].close()
            finally:
                chunk[1].close()
            self._loading = _Background("kg-bulk-load",
                                        partial(self._load, *(Path(f.name) for f in chunk)))
        if wait:
            self._join()

    def _load(self, quads: Path, triples: Path) -> None:
        # Lenient: no second check of IRIs pyoxigraph checked when it made the terms and
        # wrote these lines (16 % of the loading time).
        self._store.bulk_load(path=quads, format=RdfFormat.N_QUADS, lenient=True)
        self._store.bulk_load(path=triples, format=RdfFormat.N_TRIPLES, to_graph=DefaultGraph(),
                              lenient=True)
        quads.unlink()
        triples.unlink()

    def _join(self) -> None:
        if self._loading is not None:
            failed = self._loading.wait()
            self._loading = None
            if failed is not None:
                raise StoreError(f"writing the new store failed: {failed}") from failed

    def finish(self) -> None:
        self.load()
        self._close()
        shutil.rmtree(self.spool)

    def abandon(self) -> None:
        """Wait for a load in progress, whatever it did (the store is being thrown away), even
        through another Ctrl-C, which is raised after it (a load takes a second or two)."""
        interrupted: KeyboardInterrupt | None = None
        while self._loading is not None:
            try:
                self._loading.wait()
                self._loading = None
            except KeyboardInterrupt as exc:
                interrupted = exc
        self._close(quiet=True)
        # The error that stopped the build may keep this writer (its frames): without its
        # reference the store closes when the caller lets go of it, so RocksDB writes nothing
        # more into the folder being removed.
        del self._store
        if interrupted is not None:
            raise interrupted

    def _close(self, quiet: bool = False) -> None:
        """Close the chunk's files; ``quiet``: whatever writing what they hold says (a full
        disk says it again: the store is being thrown away)."""
        for file in (self._quads, self._triples):
            try:
                file.close()
            except OSError:
                if not quiet:
                    raise


def _copy(source: BinaryIO, target: BinaryIO, offset: int, length: int) -> int:
    """Append ``length`` bytes of ``source`` from ``offset`` to ``target``; returns ``length``.
    On Linux the kernel copies them (``copy_file_range``); elsewhere, or on a file system
    that cannot, they are read and written a MB at a time."""
    global _KERNEL_COPY
    copied = length
    if _KERNEL_COPY and length:
        target.flush()  # the copy goes to where the file's own writes end
        try:
            while length:
                done = os.copy_file_range(source.fileno(), target.fileno(), length, offset)
                if not done:  # the end of the file, or a file system that copies nothing
                    break  # so: as below, which says which
                offset += done
                length -= done
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                raise
            _KERNEL_COPY = False  # and copy the rest as below
    source.seek(offset)
    while length:
        data = source.read(min(length, 1 << 20))
        if not data:
            raise StoreError(f"{source.name} is shorter than its writer said")
        target.write(data)
        length -= len(data)
    return copied


#: Whether :func:`_copy` has the kernel copy (until a file system says it cannot).
_KERNEL_COPY = hasattr(os, "copy_file_range")


def compaction_priority(niceness: int) -> None:
    """Give RocksDB's compaction threads in this process ``niceness`` (Linux).

    Every bulk load adds overlapping files to the store, which RocksDB merges in the
    background, over and over while the loads go on (at 100k papers a third of the build's
    processor time); the compaction at the end of the build does it once anyway.
    At the lowest priority they take only what the build leaves of the processors.

    The threads serve every store the process opens (Oxigraph shares one RocksDB environment).
    Setting them back needs privileges (``CAP_SYS_NICE``); without them they stay as they are,
    for the compaction at the end and the rest of the process, which matters only while other
    programs compete for the processors."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:  # not Linux
        return
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm") as comm:
                if comm.read().startswith("rocksdb:low"):
                    os.setpriority(os.PRIO_PROCESS, int(task), niceness)
        except (OSError, ValueError):  # ended meanwhile, or not allowed
            continue


#: The niceness of RocksDB's compaction threads while a new store is loaded (the lowest priority).
LOADING_NICENESS = 19

#: Bytes of N-Triples and N-Quads gathered before one bulk load.
BULK_CHUNK = 16_000_000

#: The folder, in a new store's staging folder, where the chunks to load are gathered and
#: extraction processes write the source graphs they make.
SPOOL = "kg-spool"

#: Bytes written to the spool's files at a time (few writes: most union parts are small).
SPOOL_BUFFER = 1 << 20


def _takes_prefixes(format: RdfFormat) -> bool:
    return format in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.N3, RdfFormat.RDF_XML)
