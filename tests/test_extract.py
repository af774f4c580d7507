"""The extractor registry: each extractor yields only the terms it declares, and every
term in the built graph is declared in the ontology."""

from __future__ import annotations

from dataclasses import replace
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
    # same triples, in the same order, as pyoxigraph writes them, and the same warnings
    # (one paper's category made unknown, so that there is one).
    profile = read_file(sample)
    profile = replace(profile, papers=(replace(profile.papers[0], category="QZ"), *profile.papers[1:]))
    objects, lines = Context(Minter()), Context(Minter(), triple=as_line)
    triples = list(extractor(profile, objects))
    assert triples
    assert list(extractor(profile, lines)) == [str(t) for t in triples]
    assert lines.warnings == objects.warnings
    if extractor.name == "category":
        assert [w.line for w in objects.warnings] == [profile.papers[0].line]


@pytest.mark.parametrize("name", ["authors", "org-tags", "artifacts"])
def test_extract_a_page_says_what_its_papers_say_one_by_one(name: str, sample: Path,
                                                            tmp_path: Path) -> None:
    # These extractors say what several papers share (a co-author's name, a tag, an
    # artifact's type and labels) once per page: the page gives exactly the triples its
    # papers give one at a time, with nothing dropped. The second page has one artifact with
    # two types, a person under two spellings, an author twice on one paper, and a tag
    # written in two cases.
    page = tmp_path / "x.txt"
    page.write_text(
        "Ann Lee\n\nCV\n\n3 Papers\n\n"
        "CVJan 4, 2023\nA\n\nAnn Lee, C. Dee, C. Dee · meta\n\n"
        "We introduce GoodNet, a new benchmark for video. We use ImageNet.\n\n"
        "CVFeb 5, 2023\nB\n\nC Dee, Ann Lee · meta, mila\n\n"
        "We release GoodNet, a large dataset of images. We train on ImageNet.\n\n"
        "LGMar 6, 2023\nC\n\nBo Ek et al. · Mila\n\n"
        "We propose GoodNet (Good Network), a model. Code: https://github.com/a/goodnet\n",
        encoding="utf-8")
    extractor = get_extractor(name)
    for profile in (read_file(sample), read_file(page)):
        whole = set(extractor(profile, Context(Minter())))
        one_by_one = {t for paper in profile.papers
                      for t in extractor(replace(profile, papers=(paper,)), Context(Minter()))}
        assert whole == one_by_one


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
