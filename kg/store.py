"""The only module that touches a store.

:class:`GraphStore` wraps an on-disk pyoxigraph ``Store``: one named graph per
source document, replaced atomically (one SPARQL update that drops the old
graph and inserts the new one, so a failure leaves the old graph as it was);
queries see the union of the named graphs. Errors from pyoxigraph come out as
:class:`~kg.errors.StoreError`.

>>> import tempfile
>>> from pyoxigraph import NamedNode, Literal, Triple
>>> with GraphStore.open(tempfile.mkdtemp()) as store:
...     g = NamedNode("https://example.org/source/a")
...     t = Triple(NamedNode("https://example.org/x"), NamedNode("https://example.org/p"), Literal("1"))
...     store.replace_graph(g, [t]); store.replace_graph(g, [t])
...     len(store)
1
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from pyoxigraph import (
    DefaultGraph, NamedNode, Quad, QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, Store,
    Triple, serialize,
)

from .errors import QueryError, StoreError, StoreLockedError

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

    @classmethod
    def open(cls, location: str | os.PathLike[str] | None = None, *, read_only: bool = False,
             create: bool = True) -> "GraphStore":
        """Open (and create) the store at ``location``; ``read_only`` lets writers carry on."""
        path = Path(location if location is not None else default_location())
        if read_only or not create:
            if not path.is_dir():
                raise StoreError(f"no store at {path}: run 'kg build' first (or pass --store)")
        try:
            store = Store.read_only(str(path)) if read_only else Store(str(path))
        except OSError as exc:
            text = str(exc)
            if "LOCK" in text or "lock" in text:
                raise StoreLockedError(
                    f"the store {path} is locked by another process writing to it; "
                    "wait for it to finish (kg query and kg export still work)") from exc
            raise StoreError(f"cannot open the store {path}: {text}") from exc
        return cls(store, str(path), read_only)

    @classmethod
    def in_memory(cls) -> "GraphStore":
        return cls(Store(), None, False)

    def close(self) -> None:
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
        return len(self._store)

    # -- writing -----------------------------------------------------------------------------

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> int:
        """Make ``graph`` hold exactly ``triples``, atomically; returns how many it holds."""
        lines = sorted({f"{t.subject} {t.predicate} {t.object} ." for t in triples})
        update = f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n" + \
            "\n".join(lines) + "\n} }"
        try:
            self._store.update(update)
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"writing {graph.value} failed, the store is unchanged: {exc}") from exc
        return len(lines)

    def drop_graph(self, graph: NamedNode) -> None:
        try:
            self._store.update(f"DROP SILENT GRAPH {graph}")
        except OSError as exc:
            raise StoreError(f"dropping {graph.value} failed: {exc}") from exc

    def load(self, data: bytes, format: RdfFormat, graph: NamedNode | None = None) -> None:
        try:
            self._store.load(data, format=format, to_graph=graph or DefaultGraph())
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"loading failed: {exc}") from exc

    # -- reading -----------------------------------------------------------------------------

    def graphs(self) -> list[NamedNode]:
        return sorted((g for g in self._store.named_graphs() if isinstance(g, NamedNode)),
                      key=lambda g: g.value)

    def graph_size(self, graph: NamedNode) -> int:
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, graph))

    def query(self, sparql: str, name: str = "query") -> QuerySolutions | QueryTriples | QueryBoolean:
        """Run SPARQL over the union of the named graphs; errors name the query."""
        try:
            return self._store.query(sparql, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QueryError(f"{name}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{name}: reading the store failed: {exc}") from exc

    def union_triples(self) -> Iterator[Triple]:
        """Every distinct triple of the union graph."""
        result = self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", name="export")
        assert isinstance(result, QueryTriples)
        return iter(result)

    def quads(self) -> Iterator[Quad]:
        return self._store.quads_for_pattern(None, None, None, None)

    def dump(self, format: RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
        """Serialise the union graph (or, for quad formats, every named graph)."""
        try:
            if format.supports_datasets:
                return self._store.dump(format=format, prefixes=prefixes) if _takes_prefixes(format) \
                    else self._store.dump(format=format)
            data = serialize(self.union_triples(), format=format,
                             prefixes=prefixes if _takes_prefixes(format) else None)
        except OSError as exc:
            raise StoreError(f"exporting failed: {exc}") from exc
        assert data is not None
        return data


def _takes_prefixes(format: RdfFormat) -> bool:
    return format in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.N3, RdfFormat.RDF_XML)
