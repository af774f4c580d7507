"""Export the store in the RDF formats other tools read.

Triple formats (Turtle, N-Triples, RDF/XML, JSON-LD) hold the union of the
named graphs; quad formats (N-Quads, TriG) keep one graph per source.

>>> sorted(FORMATS)
['jsonld', 'nquads', 'ntriples', 'rdfxml', 'trig', 'turtle']
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import RdfFormat

from .errors import InputError
from .iris import Minter
from .store import GraphStore
from .vocab import PREFIXES

FORMATS: dict[str, RdfFormat] = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}
SUFFIXES = {"turtle": ".ttl", "ntriples": ".nt", "nquads": ".nq", "trig": ".trig",
            "jsonld": ".jsonld", "rdfxml": ".rdf"}


def rdf_format(name: str) -> RdfFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(f"unknown format {name!r}; available: {', '.join(FORMATS)}") from None


def prefixes(minter: Minter | None = None) -> dict[str, str]:
    """Our prefixes, plus one for each kind of data IRI under the base."""
    base = (minter or Minter.from_env()).base
    kinds = ("person", "paper", "profile", "source", "category", "org-tag", "artifact",
             "authorship", "mention", "extractor")
    return {**PREFIXES, **{k.replace("-", ""): f"{base}{k}/" for k in kinds}}


def export(store: GraphStore, format: str = "turtle", minter: Minter | None = None) -> bytes:
    """The store serialised in ``format`` (see :data:`FORMATS`)."""
    return store.dump(rdf_format(format), prefixes(minter))


def export_to(store: GraphStore, path: str | Path, format: str = "turtle",
              minter: Minter | None = None) -> int:
    """Write the export to ``path``; returns the number of bytes written."""
    data = export(store, format, minter)
    Path(path).write_bytes(data)
    return len(data)
