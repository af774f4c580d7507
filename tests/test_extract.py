"""The extractor registry: each extractor yields only the terms it declares, and every
term in the built graph is declared in the ontology."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode

from kg.extract import EXTRACTORS, Context, as_line, code_urls, find_urls, get_extractor
from kg.iris import Minter
from kg.reader import read_file
from kg.vocab import TYPE

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology" / "scholar-kg.ttl"


def _declared() -> set[str]:
    graph = rdflib.Graph().parse(ONTOLOGY)
    return {str(s) for s, _, _ in graph.triples((None, rdflib.RDF.type, None))}


@pytest.mark.parametrize("extractor", EXTRACTORS, ids=lambda e: e.name)
def test_extract_extractor_uses_only_the_terms_it_declares(extractor, sample: Path) -> None:
    profile = read_file(sample)
    used: set[NamedNode] = set()
    for triple in extractor(profile, Context(Minter())):
        used.add(triple.predicate)
        if triple.predicate == TYPE:
            used.add(triple.object)
    assert used, f"{extractor.name} produced nothing from the sample"
    assert used <= extractor.produces, f"undeclared: {sorted(t.value for t in used - extractor.produces)}"


@pytest.mark.parametrize("extractor", EXTRACTORS, ids=lambda e: e.name)
def test_extract_lines_are_the_triples_as_text(extractor, sample: Path) -> None:
    # A build asks the extractors for their triples' text (Context.triple = as_line): the
    # same triples, in the same order, as pyoxigraph writes them, and the same warnings.
    profile = read_file(sample)
    objects, lines = Context(Minter()), Context(Minter(), triple=as_line)
    triples = list(extractor(profile, objects))
    assert triples
    assert list(extractor(profile, lines)) == [str(t) for t in triples]
    assert lines.warnings == objects.warnings


def test_extract_every_predicate_and_class_in_the_sample_graph_is_declared(sample_store) -> None:
    declared = _declared()
    rows = sample_store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")
    predicates = {r["p"].value for r in rows}
    classes = {r["c"].value for r in sample_store.query("SELECT DISTINCT ?c WHERE { ?s a ?c }")}
    assert predicates and classes
    assert predicates - declared == set()
    assert classes - declared == set()


def test_extract_category_maps_to_arxiv_and_warns_on_unknown(tmp_path: Path) -> None:
    page = tmp_path / "x.txt"
    page.write_text("Ann Lee\n\nCV\n\n2 Papers\n\nCVJan 4, 2023\nA\n\nAnn Lee\n\nText.\n\n"
                    "QZFeb 5, 2021\nB\n\nAnn Lee\n\nText.\n", encoding="utf-8")
    profile = read_file(page)
    context = Context(Minter())
    triples = list(get_extractor("category")(profile, context))
    notations = {t.object.value for t in triples if t.predicate.value.endswith("#notation")}
    assert notations == {"cs.CV", "QZ"}
    assert [w.line for w in context.warnings] == [14]
    assert "QZ" in str(context.warnings[0])
    assert Literal("false", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#boolean")) in {
        t.object for t in triples if t.predicate.value.endswith("inArxivTaxonomy")}


def test_extract_links_normalise_github_repositories() -> None:
    text = ("Code: https://github.com/FacebookResearch/NBM-spam. Also see "
            "(https://example.org/x) and http://www.github.com/a/b.git/tree/main.")
    assert find_urls(text) == ["https://github.com/FacebookResearch/NBM-spam",
                               "https://example.org/x", "http://www.github.com/a/b.git/tree/main"]

    class _P:
        abstract = text

    assert code_urls(_P()) == ["https://github.com/facebookresearch/nbm-spam", "https://github.com/a/b"]
