"""Export: every format parses with rdflib and holds what the store holds; Turtle uses our
prefixes and keeps every character of every name."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from kg.build import profile_triples
from kg.errors import InputError
from kg.export import FORMATS, SUFFIXES, export, export_to
from kg.extract import EXTRACTORS, Context
from kg.iris import Minter
from kg.reader import PAPER_HEADER, clean_text, read_text
from kg.store import GraphStore

RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig",
                 "jsonld": "json-ld", "rdfxml": "xml"}
QUAD_FORMATS = {"nquads", "trig"}
KG = rdflib.Namespace("https://w3id.org/scholar-kg/ontology#")


def union_from_ntriples(store: GraphStore) -> rdflib.Graph:
    return rdflib.Graph().parse(data=export(store, "ntriples"), format="nt")


def test_export_formats_are_the_documented_ones() -> None:
    assert set(FORMATS) == set(RDFLIB_FORMAT) == set(SUFFIXES)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_parses_with_rdflib(fmt: str, sample_store: GraphStore) -> None:
    data = export(sample_store, fmt)
    union = union_from_ntriples(sample_store)
    assert len(union) > 1000
    if fmt in QUAD_FORMATS:
        dataset = rdflib.Dataset()
        dataset.parse(data=data, format=RDFLIB_FORMAT[fmt])
        quads = list(dataset.quads((None, None, None, None)))
        assert len(quads) == len(sample_store)
        assert {str(q[3].identifier if hasattr(q[3], "identifier") else q[3]) for q in quads} == \
            {g.value for g in sample_store.graphs()}
    else:
        # Triple formats hold the union of the named graphs (kg/export.py says so).
        graph = rdflib.Graph().parse(data=data, format=RDFLIB_FORMAT[fmt])
        assert len(graph) == len(union)


def test_export_turtle_is_isomorphic_to_the_union(sample_store: GraphStore) -> None:
    turtle = rdflib.Graph().parse(data=export(sample_store, "turtle"), format="turtle")
    assert isomorphic(turtle, union_from_ntriples(sample_store))


def test_export_turtle_uses_our_prefixes(sample_store: GraphStore) -> None:
    text = export(sample_store, "turtle").decode("utf-8")
    assert re.search(r"^@prefix kg: <https://w3id\.org/scholar-kg/ontology#> \.$", text, re.MULTILINE)
    assert re.search(r"^@prefix skos: ", text, re.MULTILINE)
    assert " kg:Paper" in text and "kg:hasAuthor" in text


def test_export_keeps_diacritics(sample_store: GraphStore) -> None:
    data = export(sample_store, "turtle")
    assert "Micha\u0142 Derezi\u0144ski".encode() in data
    graph = rdflib.Graph().parse(data=data, format="turtle")
    names = {str(o) for o in graph.objects(None, KG.name)}
    assert {"Micha\u0142 Derezi\u0144ski", "Herv\u00e9 J\u00e9gou"} <= names


def test_export_to_file(tmp_path: Path, sample_store: GraphStore) -> None:
    target = tmp_path / "graph.ttl"
    size = export_to(sample_store, target, "turtle")
    assert size == target.stat().st_size > 0
    assert isomorphic(rdflib.Graph().parse(target, format="turtle"), union_from_ntriples(sample_store))


def test_export_unknown_format_lists_the_formats(sample_store: GraphStore) -> None:
    with pytest.raises(InputError) as info:
        export(sample_store, "yaml")
    assert all(name in str(info.value) for name in FORMATS)


_name = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(
    lambda s: len(s.splitlines()) == 1 and clean_text(s) != "" and "," not in s and "\u00b7" not in s
    and not PAPER_HEADER.match(clean_text(s)) and not clean_text(s).endswith("et al."))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=_name, title=_name)
def test_export_names_and_titles_survive_turtle(name: str, title: str, fresh_store: GraphStore) -> None:
    page = f"{name}\n\nCV\n\nCVJan 1, 2020\n{title}\n\n{name}\n\nAn abstract.\n"
    profile = read_text(page, source="any.txt")
    minter = Minter()
    metadata = [e for e in EXTRACTORS if e.name != "artifacts"]
    fresh_store.replace_graph(minter.source("any.txt"), profile_triples(profile, Context(minter), metadata))
    graph = rdflib.Graph().parse(data=export(fresh_store, "turtle"), format="turtle")
    titles = [str(o) for o in graph.objects(None, KG.title)]
    assert titles == [clean_text(title)]
    assert unicodedata.is_normalized("NFC", titles[0])
    assert {str(o) for o in graph.objects(None, KG.name)} == {clean_text(name)}
