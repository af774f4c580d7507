"""The build stage: read -> extract -> one named graph per source in the store.

:func:`build` reads every page first and extracts its triples, then replaces
each source's named graph atomically. A page that cannot be read stops the
build before anything is written, so a failed build leaves the store as it
was. With ``strict=True`` a warning counts as an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Triple

from .errors import InputError
from .extract import EXTRACTORS, Context, Extractor
from .iris import Minter
from .reader import Profile, ReadWarning, iter_files, read_file
from .store import GraphStore


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


def build(paths: Iterable[str | Path], store: GraphStore, *, minter: Minter | None = None,
          extractors: Sequence[Extractor] = EXTRACTORS, encoding: str | None = None,
          strict: bool = False) -> BuildSummary:
    """Build profile pages (files, folders, ``-``) into ``store``; one named graph per source."""
    minter = minter or Minter.from_env()
    summary = BuildSummary()
    pending: list[tuple[Profile, list[Triple]]] = []
    seen: dict[str, str] = {}
    for path in iter_files(paths):
        where = str(path) if path is not None else "-"
        profile = read_file(path, encoding)
        if profile.source in seen:
            raise InputError(f"{seen[profile.source]} and {where} would be the same source "
                             f"{profile.source!r} (a source is named by its file name); "
                             "rename one: nothing was written")
        seen[profile.source] = where
        context = Context(minter)
        triples = profile_triples(profile, context, extractors)
        warnings = [*profile.warnings, *context.warnings]
        if strict and warnings:
            raise InputError(f"{warnings[0]} (--strict: nothing was written)")
        summary.warnings.extend(warnings)
        pending.append((profile, triples))
    for profile, triples in pending:
        graph = minter.source(profile.source)
        count = store.replace_graph(graph, triples)
        summary.sources.append(SourceResult(profile.source, graph, profile.name,
                                            len(profile.papers), count))
    figures = stats(store)
    summary.papers, summary.people, summary.triples = (
        figures["papers"], figures["people"], figures["triples"])
    return summary


_COUNTS = """
PREFIX kg: <https://w3id.org/scholar-kg/ontology#>
SELECT
  (COUNT(DISTINCT ?paper) AS ?papers) (COUNT(DISTINCT ?person) AS ?people)
WHERE { { ?paper a kg:Paper } UNION { ?person a kg:Person } }
"""

_BY_TYPE = """
SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)
"""


def stats(store: GraphStore) -> dict[str, object]:
    """Counts of what the store holds: papers, people, triples, sources and nodes per type."""
    row = next(iter(store.query(_COUNTS, name="stats")))
    union = sum(1 for _ in store.union_triples())
    by_type = {r["type"].value: int(r["n"].value) for r in store.query(_BY_TYPE, name="stats")}
    return {
        "papers": int(row["papers"].value),
        "people": int(row["people"].value),
        "triples": union,
        "quads": len(store),
        "sources": len(store.graphs()),
        "by_type": by_type,
    }
