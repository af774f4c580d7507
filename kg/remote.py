"""The store on a SPARQL 1.1 server: the same interface as :class:`kg.store.GraphStore`.

:class:`RemoteStore` talks to any SPARQL 1.1 server (Oxigraph server, Apache Jena
Fuseki, QLever, Virtuoso, GraphDB) through the standard protocols only:

- a source's named graph is replaced with one Graph Store HTTP Protocol ``PUT`` of
  N-Triples to ``<store>?graph=<source>``, which the server applies atomically;
- queries go through the SPARQL 1.1 Protocol (``POST`` of ``application/sparql-query``)
  and come back as SPARQL JSON results or N-Triples, parsed by pyoxigraph, so
  :func:`kg.query.run` reads them as it reads the local store's answers;
- the union of the sources is kept on the server in the named graph
  :data:`kg.store.UNION`, which holds every triple of every source once. Every query
  names it as the default graph and the sources as the named graphs
  (``default-graph-uri``, ``named-graph-uri``), so answers are the local store's,
  whatever the server's own default-graph setting. (Oxigraph's ``union-default-graph``,
  like pyoxigraph's, repeats a triple held by two sources, so a ``COUNT`` would differ.)
  A local store served by ``kg serve`` keeps its union in its default graph instead
  (see :mod:`kg.store`): an Oxigraph server whose ``UNION`` graph is empty and whose
  default graph holds a triple a source holds too is read and written that way
  (:attr:`RemoteStore.union`).

Keeping the union takes two SPARQL updates around the ``PUT``: before it, the triples
that only this source holds leave the union; after it, the new triples join it. The
source graph itself changes in one step; should a build die between the steps, the
union lacks that source's triples until the source is built again, which repairs it.

Errors become :class:`~kg.errors.StoreError` (exit 2) naming the server, or
:class:`~kg.errors.QueryError` (exit 1) when the server rejects a query.

>>> with RemoteStore("http://127.0.0.1:7878") as s:
...     s.query_url, s.update_url, s.store_url
('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
>>> with RemoteStore("http://h:7200/repositories/kg", server="graphdb") as s:
...     s.query_url, s.store_url
('http://h:7200/repositories/kg', 'http://h:7200/repositories/kg/rdf-graphs/service')
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from pyoxigraph import (
    DefaultGraph, NamedNode, Quad, QueryBoolean, QueryResultsFormat, QuerySolution, RdfFormat, Triple,
    Variable, parse, parse_query_results, serialize,
)

from .errors import InputError, QueryError, StoreError
from .store import UNION, forget, in_graph


@dataclass(frozen=True)
class Layout:
    """Where a kind of server puts its three services, relative to the URL the user gives."""

    query: str
    update: str
    store: str
    base: str  # what the user passes as --endpoint, for messages and the README
    digest: bool = False  # credentials in the URL are sent with HTTP digest auth


#: The servers we know, by the name ``--server`` takes.
SERVERS: dict[str, Layout] = {
    "oxigraph": Layout("query", "update", "store", "http://HOST:7878"),
    "fuseki": Layout("sparql", "update", "data", "http://HOST:3030/DATASET"),
    "qlever": Layout("", "", "", "http://HOST:7001"),
    "virtuoso": Layout("sparql", "sparql", "sparql-graph-crud", "http://HOST:8890"),
    "virtuoso-auth": Layout("sparql-auth", "sparql-auth", "sparql-graph-crud-auth",
                            "http://USER:PASSWORD@HOST:8890", digest=True),
    "graphdb": Layout("", "statements", "rdf-graphs/service", "http://HOST:7200/repositories/ID"),
}

#: Send the dataset in a form body instead of the URL once the URL would pass this length.
MAX_URL = 4000

_RESULTS = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_ACCEPT = f"{_RESULTS}, application/n-triples;q=0.9, text/turtle;q=0.7"

_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
# The graphs counted, named in the query, for a server whose own dataset is the store's.
_COUNT_OF = "SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}"
# A triple of the default graph that a source holds: a local store's union (see RemoteStore.union).
_UNION_IN_DEFAULT_GRAPH = "ASK { { SELECT * WHERE { ?s ?p ?o } LIMIT 1 } GRAPH ?g { ?s ?p ?o } }"
_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_MENTIONS_GRAPH = re.compile(r"\bGRAPH\b", re.IGNORECASE)


class Solutions:
    """A SELECT answer read from a server: its variables and its rows (pyoxigraph's own
    :class:`~pyoxigraph.QuerySolution`), read in full so a bad answer fails here."""

    def __init__(self, variables: list[Variable], rows: list[QuerySolution]) -> None:
        self.variables = variables
        self.rows = rows

    def __iter__(self) -> Iterator[QuerySolution]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class RemoteStore:
    """One named graph per source on a SPARQL 1.1 server, queried over their union."""

    def __init__(self, endpoint: str, *, server: str = "oxigraph", read_only: bool = False,
                 timeout: float = 300.0, token: str | None = None,
                 query_url: str | None = None, update_url: str | None = None,
                 store_url: str | None = None, source_prefix: str | None = None) -> None:
        """``endpoint`` is the server's base URL (see :data:`SERVERS` for what each kind
        expects); ``query_url``, ``update_url`` and ``store_url`` override the layout.
        Credentials go in the URL (``http://user:password@host/``); ``token`` is sent as
        ``Authorization: Bearer`` (QLever's access token). ``source_prefix`` keeps only
        the named graphs whose IRI starts with it as sources (for servers that list graphs
        of their own, such as Virtuoso)."""
        import httpx

        if server not in SERVERS:
            raise InputError(f"unknown server {server!r}; available: {', '.join(SERVERS)}")
        layout = SERVERS[server]
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"endpoint {endpoint!r}: expected an http:// or https:// URL "
                             f"such as {layout.base}")
        auth: Any = None
        if parts.username is not None:
            user, password = unquote(parts.username), unquote(parts.password or "")
            auth = httpx.DigestAuth(user, password) if layout.digest else httpx.BasicAuth(user, password)
            netloc = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
            parts = parts._replace(netloc=netloc)
        base = urlunsplit(parts._replace(query="", fragment="")).rstrip("/")
        self.location = base
        self.server = server
        self.read_only = read_only
        self.query_url = query_url or _join(base, layout.query)
        self.update_url = update_url or _join(base, layout.update)
        self.store_url = store_url or _join(base, layout.store)
        self.source_prefix = source_prefix
        self._timeout = timeout
        self._union: NamedNode | DefaultGraph | None = None
        headers = {"User-Agent": "scholar-kg"}
        token = token if token is not None else os.environ.get("KG_ENDPOINT_TOKEN")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(auth=auth, headers=headers,
                                  timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))

    @classmethod
    def connect(cls, endpoint: str, *, server: str | None = None, read_only: bool = False,
                **options: Any) -> "RemoteStore":
        """A store on ``endpoint``; ``server`` defaults to ``KG_SERVER`` or ``oxigraph``.

        Virtuoso lists graphs of its own beside ours, so there the sources are the graphs
        under our source IRIs (``KG_BASE_IRI``)."""
        server = server or os.environ.get("KG_SERVER") or "oxigraph"
        if server.startswith("virtuoso") and "source_prefix" not in options:
            from .iris import Minter

            options["source_prefix"] = f"{Minter.from_env().base}source/"
        return cls(endpoint, server=server, read_only=read_only, **options)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "RemoteStore":
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def __len__(self) -> int:
        """Quads in the source graphs (the union graph is bookkeeping and not counted)."""
        return self._count(self.graphs())

    def __repr__(self) -> str:
        return f"<RemoteStore {self.server} at {self.location}>"

    # -- writing -----------------------------------------------------------------------------

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> int:
        """Make ``graph`` hold exactly ``triples``; returns how many it holds.

        The graph is replaced by one Graph Store Protocol ``PUT`` (atomic on the server);
        the union graph is updated around it (see the module's docstring).
        """
        return self.replace_graph_lines(
            graph, sorted({f"{t.subject} {t.predicate} {t.object} ." for t in triples}))

    def replace_graph_lines(self, graph: NamedNode, lines: list[str]) -> int:
        """:meth:`replace_graph` with the triples already written as N-Triples lines."""
        self._writable(graph)
        if not lines:  # a PUT of nothing would leave an empty graph the local store does not have
            self.drop_graph(graph)
            return 0
        body = "\n".join(lines) + "\n"
        self._update(forget(graph, self.union), graph)
        self._send("PUT", self.store_url, f"writing {graph.value}", params={"graph": graph.value},
                   content=body.encode("utf-8"),
                   headers={"Content-Type": "application/n-triples; charset=utf-8"})
        self._update(f"INSERT DATA {{ {in_graph(self.union, body)} }}", graph)
        return len(lines)

    def drop_graph(self, graph: NamedNode) -> None:
        """Remove one source's graph (and what only it held from the union): one update."""
        self._writable(graph)
        self._update(f"{forget(graph, self.union)} ;\nDROP SILENT GRAPH {graph}", graph)

    def _writable(self, graph: NamedNode) -> None:
        if self.read_only:
            raise StoreError(f"{self.location} was opened read-only; not writing {graph.value}")
        if graph == UNION:
            raise StoreError(f"{UNION.value} is the store's own union graph")

    def _update(self, update: str, graph: NamedNode) -> None:
        self._send("POST", self.update_url, f"writing {graph.value}", content=update.encode("utf-8"),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    # -- reading -----------------------------------------------------------------------------

    @property
    def union(self) -> NamedNode | DefaultGraph:
        """Where the server keeps the union of the sources: :data:`~kg.store.UNION`, or the
        default graph of a local store served by ``kg serve``: an Oxigraph server whose
        ``UNION`` graph is empty and whose default graph holds triples that a named graph
        holds too (one is looked at: a server with data of its own in its default graph keeps
        ``UNION``). Asked once."""
        if self._union is None:
            self._union = UNION
            if self.server == "oxigraph" and not self._ask(f"ASK {{ GRAPH {UNION} {{ ?s ?p ?o }} }}") \
                    and self._ask(_UNION_IN_DEFAULT_GRAPH):
                self._union = DefaultGraph()
        return self._union

    def _ask(self, sparql: str) -> bool:
        return bool(self._query(sparql, "finding the union", {}))

    def graphs(self) -> list[NamedNode]:
        """The source graphs, by IRI (every named graph but the union graph)."""
        answer = self._select(_GRAPHS, "graphs", {})
        found = {row["g"] for row in answer}
        return sorted((g for g in found if isinstance(g, NamedNode) and g != UNION
                       and (self.source_prefix is None or g.value.startswith(self.source_prefix))),
                      key=lambda g: g.value)

    def graph_size(self, graph: NamedNode) -> int:
        return self._count([graph])

    def query(self, sparql: str, name: str = "query") -> Solutions | QueryBoolean | list[Triple]:
        """Run SPARQL over the union of the sources (each triple once); ``GRAPH ?g`` sees each
        source. SELECT answers come as :class:`Solutions`, ASK as pyoxigraph's
        ``QueryBoolean``, CONSTRUCT and DESCRIBE as a list of ``Triple``."""
        named = self.graphs() if _MENTIONS_GRAPH.search(sparql) else []
        return self._query(sparql, name, self._dataset(named))

    def union_triples(self) -> Iterator[Triple]:
        """Every distinct triple of the union of the sources."""
        where = {"default": ""} if isinstance(self.union, DefaultGraph) else {"graph": UNION.value}
        response = self._send("GET", self.store_url, "reading the union graph", params=where,
                              headers={"Accept": "application/n-triples"}, missing_ok=True)
        if response is None:
            return iter(())
        return iter(self._triples(response, "reading the union graph"))

    def quads(self) -> Iterator[Quad]:
        """Every quad of the source graphs."""
        sources = self.graphs()
        if not sources:
            return iter(())
        answer = self._select(_QUADS, "reading the sources", self._dataset(sources))
        return (Quad(row["s"], row["p"], row["o"], row["g"]) for row in answer)

    def dump(self, format: RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
        """Serialise the union graph or, for N-Quads and TriG, every source graph."""
        prefixed = prefixes if format in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.N3,
                                          RdfFormat.RDF_XML) else None
        try:
            if format in (RdfFormat.N_QUADS, RdfFormat.TRIG):
                data = serialize(self.quads(), format=format, prefixes=prefixed)
            else:
                data = serialize(self.union_triples(), format=format, prefixes=prefixed)
        except (OSError, ValueError) as exc:
            raise StoreError(f"exporting from {self.location} failed: {exc}") from exc
        assert data is not None
        return data

    # -- the protocols -----------------------------------------------------------------------

    def _dataset(self, named: list[NamedNode]) -> dict[str, Any]:
        """The SPARQL Protocol dataset of our queries: the union as the default graph, the
        sources as the named graphs (the union itself when there is none, as locally). Nothing
        for a union in the default graph: the server's own dataset is then the store's."""
        if isinstance(self.union, DefaultGraph):
            return {}
        return {"default-graph-uri": UNION.value,
                "named-graph-uri": [g.value for g in named] or [UNION.value]}

    def _count(self, graphs: list[NamedNode]) -> int:
        if not graphs:
            return 0
        count = _COUNT_OF.format(graphs=" ".join(map(str, graphs))) \
            if isinstance(self.union, DefaultGraph) else _COUNT
        row = next(iter(self._select(count, "counting", self._dataset(graphs))))
        return int(row["n"].value)

    def _select(self, sparql: str, name: str, dataset: dict[str, Any]) -> Solutions:
        answer = self._query(sparql, name, dataset)
        assert isinstance(answer, Solutions)
        return answer

    def _query(self, sparql: str, name: str, dataset: dict[str, Any]) -> Solutions | QueryBoolean | list[Triple]:
        import httpx

        url = httpx.URL(self.query_url, params=dataset)
        if len(str(url)) <= MAX_URL:  # the direct POST, dataset in the URL
            response = self._send("POST", self.query_url, name, query_error=True, params=dataset,
                                  content=sparql.encode("utf-8"),
                                  headers={"Content-Type": "application/sparql-query; charset=utf-8",
                                           "Accept": _ACCEPT})
        else:  # many sources: the URL-encoded POST carries the dataset in its body
            response = self._send("POST", self.query_url, name, query_error=True,
                                  data={"query": sparql, **dataset}, headers={"Accept": _ACCEPT})
        assert response is not None
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        results = QueryResultsFormat.from_media_type(media) if media else None
        try:
            if results is not None:
                answer = parse_query_results(response.content, format=results)
                if isinstance(answer, QueryBoolean):
                    return answer
                return Solutions(list(answer.variables), list(answer))
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"{name}: {self.query_url} sent an answer that does not parse: {exc}") from exc
        return self._triples(response, name)

    def _triples(self, response: Any, what: str) -> list[Triple]:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        fmt = RdfFormat.from_media_type(media) if media else None
        if fmt is None:
            raise StoreError(f"{what}: {response.url} answered with {media or 'no content type'}, "
                             "neither SPARQL results nor RDF")
        try:
            return [quad.triple for quad in parse(response.content, format=fmt)]
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"{what}: {response.url} sent RDF that does not parse: {exc}") from exc

    def _send(self, method: str, url: str, what: str, *, query_error: bool = False,
              missing_ok: bool = False, **request: Any) -> Any:
        """One HTTP request; every failure becomes one line naming the server."""
        import httpx

        try:
            response = self._http.request(method, url, **request)
        except httpx.TimeoutException as exc:
            raise StoreError(f"{what}: the SPARQL server at {url} did not answer within "
                             f"{self._timeout:g} s") from exc
        except httpx.ConnectError as exc:
            raise StoreError(f"{what}: cannot connect to the SPARQL server at {url} "
                             f"({_reason(exc)}); is it running?") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"{what}: talking to the SPARQL server at {url} failed: "
                             f"{_reason(exc)}") from exc
        if response.status_code == 404 and missing_ok:
            return None
        if response.is_success:
            return response
        message = _first_line(response.text)
        status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
        if query_error and response.status_code == 400:
            raise QueryError(f"{what}: the SPARQL server at {url} rejected the query: {message or status}")
        hint = ""
        if response.status_code in (401, 403):
            hint = " (put credentials in the URL, http://USER:PASSWORD@HOST/, or set KG_ENDPOINT_TOKEN)"
        raise StoreError(f"{what}: the SPARQL server at {url} answered {status}"
                         + (f": {message}" if message else "") + hint)


def _join(base: str, path: str) -> str:
    return f"{base}/{path}" if path else base


def _first_line(text: str, limit: int = 300) -> str:
    """The server's message in one line (HTML tags dropped)."""
    text = re.sub(r"<[^>]+>", " ", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    return _first_line(text)
