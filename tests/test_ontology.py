"""The ontology and the SHACL shapes: they parse, they declare what the data uses,
and the shapes accept good graphs and reject bad ones for the right reason."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

ONTOLOGY_DIR = Path(__file__).parent.parent / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "scholar-kg.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
QUERIES_DIR = Path(__file__).parent.parent / "queries"
SAMPLE = Path(__file__).parent.parent / "kg" / "samples" / "dhruv-mahajan.profile.txt"

KG = Namespace("https://w3id.org/scholar-kg/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SCHEMA = Namespace("https://schema.org/")
FABIO = Namespace("http://purl.org/spar/fabio/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
ONTOLOGY_IRI = URIRef("https://w3id.org/scholar-kg/ontology")

DECLARING_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                   RDF.Property}
KG_NAME = re.compile(r"\bkg:([A-Za-z_][A-Za-z0-9_]*)")


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@cache
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def declared(term: URIRef) -> bool:
    return any((term, RDF.type, t) in ontology() for t in DECLARING_TYPES)


def own_terms() -> set[URIRef]:
    return {s for s in ontology().subjects(RDF.type, None)
            if isinstance(s, URIRef) and s.startswith(str(KG))}


def kg_terms_in(graph: Graph) -> set[URIRef]:
    """Every kg: IRI in a graph, including those inside SPARQL query strings."""
    terms = set()
    for triple in graph:
        for node in triple:
            if isinstance(node, URIRef) and node.startswith(str(KG)):
                terms.add(node)
            elif isinstance(node, Literal):
                terms.update(KG[name] for name in KG_NAME.findall(str(node)))
    return terms


# --------------------------------------------------------------------------- ontology


def test_ontology_parses() -> None:
    assert len(ontology()) > 100


def test_ontology_shapes_parse() -> None:
    assert len(shapes()) > 50


def test_ontology_has_header() -> None:
    g = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert str(g.value(ONTOLOGY_IRI, OWL.versionInfo)) == "0.1.0"
    assert str(g.value(ONTOLOGY_IRI, DCTERMS.creator)) == "scholar-kg developers"
    assert "MIT" in str(g.value(ONTOLOGY_IRI, DCTERMS.license))
    for p in (DCTERMS.title, DCTERMS.description):
        assert g.value(ONTOLOGY_IRI, p) is not None, p


CLASSES = """Paper Person Authorship Profile OrganisationTag Category CodeRepository Artifact
    Dataset Benchmark Model Method Software ArtifactMention Extractor""".split()
PROPERTIES = """about sourceDocument hIndex declaredPaperCount citationCount noveltyPercent aiScore
    listedPaperCount primaryCategory lists name title abstract publicationDate hasCodeFlag
    sourceLine hasAuthor authorship authorListTruncated listedAuthorCount organisationTag category
    mentionsUrl hasCodeRepository introduces uses author position nameAsWritten fromProfileListing
    codeAsWritten inArxivTaxonomy releasesArtifact mentionOf inPaper role evidenceText
    evidenceField startOffset endOffset matchedText rule confidence extractedBy""".split()


def test_ontology_declares_exactly_the_data_model() -> None:
    g = ontology()
    assert {KG[n] for n in CLASSES + PROPERTIES} == own_terms()
    for name in CLASSES:
        assert (KG[name], RDF.type, OWL.Class) in g, name
    for name in PROPERTIES:
        assert ((KG[name], RDF.type, OWL.ObjectProperty) in g
                or (KG[name], RDF.type, OWL.DatatypeProperty) in g), name


def test_ontology_every_own_term_has_english_label_and_comment() -> None:
    g = ontology()
    terms = own_terms()
    missing = []
    for term in sorted(terms):
        for prop in (RDFS.label, RDFS.comment):
            if not any(isinstance(v, Literal) and v.language == "en" and str(v).strip()
                       for v in g.objects(term, prop)):
                missing.append(f"{term.removeprefix(str(KG))} {prop.n3(g.namespace_manager)}")
    assert not missing, missing


def test_ontology_every_own_term_is_a_class_or_property() -> None:
    g = ontology()
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    wrong = [t for t in own_terms() if not any((t, RDF.type, k) in g for k in kinds)]
    assert not wrong, wrong


def test_ontology_every_kg_term_it_mentions_is_declared() -> None:
    undeclared = sorted(t for t in kg_terms_in(ontology()) if not declared(t))
    assert not undeclared, undeclared


def test_ontology_domains_and_ranges_are_classes_or_datatypes() -> None:
    g = ontology()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for prop in (RDFS.domain, RDFS.range):
        for term, value in g.subject_objects(prop):
            assert str(value).startswith(xsd) or (value, RDF.type, OWL.Class) in g, (term, prop, value)
    for term in own_terms():
        if (term, RDF.type, OWL.DatatypeProperty) in g:
            assert str(g.value(term, RDFS.range)).startswith(xsd), term


@pytest.mark.parametrize("term, relation, target", [
    (KG.Paper, RDFS.subClassOf, SCHEMA.ScholarlyArticle),
    (KG.Paper, RDFS.subClassOf, FABIO.ScholarlyWork),
    (KG.Person, RDFS.subClassOf, FOAF.Person),
    (KG.Person, RDFS.subClassOf, SCHEMA.Person),
    (KG.OrganisationTag, RDFS.subClassOf, SKOS.Concept),
    (KG.Category, RDFS.subClassOf, SKOS.Concept),
    (KG.CodeRepository, RDFS.subClassOf, SCHEMA.SoftwareSourceCode),
    (KG.Dataset, RDFS.subClassOf, KG.Artifact),
    (KG.Dataset, RDFS.subClassOf, SCHEMA.Dataset),
    (KG.Dataset, RDFS.subClassOf, DCAT.Dataset),
    (KG.Benchmark, RDFS.subClassOf, KG.Artifact),
    (KG.Model, RDFS.subClassOf, KG.Artifact),
    (KG.Method, RDFS.subClassOf, KG.Artifact),
    (KG.Software, RDFS.subClassOf, KG.Artifact),
    (KG.Software, RDFS.subClassOf, SCHEMA.SoftwareApplication),
    (KG.ArtifactMention, RDFS.subClassOf, PROV.Entity),
    (KG.Extractor, RDFS.subClassOf, PROV.SoftwareAgent),
    (KG.about, RDFS.subPropertyOf, FOAF.primaryTopic),
    (KG.title, RDFS.subPropertyOf, DCTERMS.title),
    (KG.abstract, RDFS.subPropertyOf, DCTERMS.abstract),
    (KG.publicationDate, RDFS.subPropertyOf, DCTERMS.issued),
    (KG.publicationDate, RDFS.subPropertyOf, SCHEMA.datePublished),
    (KG.hasAuthor, RDFS.subPropertyOf, DCTERMS.creator),
    (KG.hasAuthor, RDFS.subPropertyOf, SCHEMA.author),
    (KG.category, RDFS.subPropertyOf, DCTERMS.subject),
    (KG.mentionsUrl, RDFS.subPropertyOf, RDFS.seeAlso),
    (KG.inPaper, RDFS.subPropertyOf, PROV.wasDerivedFrom),
    (KG.extractedBy, RDFS.subPropertyOf, PROV.wasAttributedTo),
    (KG.publicationDate, RDFS.range, URIRef("http://www.w3.org/2001/XMLSchema#date")),
    (KG.confidence, RDFS.range, URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
])
def test_ontology_alignment(term: URIRef, relation: URIRef, target: URIRef) -> None:
    assert (term, relation, target) in ontology()


@pytest.mark.parametrize("term", [RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel,
                                  SKOS.notation, SKOS.inScheme, SKOS.ConceptScheme])
def test_ontology_declares_external_terms_the_data_uses(term: URIRef) -> None:
    assert declared(term)
    assert ontology().value(term, RDFS.label) is not None


def test_ontology_declares_every_term_the_extractors_produce() -> None:
    from kg.extract import EXTRACTORS

    undeclared = sorted({(e.name, term.value) for e in EXTRACTORS for term in e.produces
                         if not declared(URIRef(term.value))})
    assert not undeclared, undeclared


def test_ontology_declares_every_kg_term_the_queries_use() -> None:
    queries = sorted(QUERIES_DIR.glob("*.rq"))
    assert queries
    undeclared = sorted({(q.name, name) for q in queries
                         for name in KG_NAME.findall(q.read_text(encoding="utf-8"))
                         if not declared(KG[name])})
    assert not undeclared, undeclared


# --------------------------------------------------------------------------- shapes: static


def test_shapes_use_only_declared_kg_terms() -> None:
    terms = kg_terms_in(shapes())
    assert KG.introduces in terms and KG.ArtifactMention in terms  # the SPARQL strings count
    undeclared = sorted(t for t in terms if not declared(t))
    assert not undeclared, undeclared


def test_shapes_constrain_only_declared_terms() -> None:
    g = shapes()
    used = {o for p in (SH.path, SH["class"], SH.targetClass) for o in g.objects(None, p)
            if isinstance(o, URIRef)}
    undeclared = sorted(t for t in used if not declared(t))
    assert not undeclared, undeclared


def test_shapes_one_node_shape_per_class() -> None:
    g = shapes()
    targets = set(g.objects(None, SH.targetClass))
    classes = {t for t in own_terms() if (t, RDF.type, OWL.Class) in ontology()}
    subclasses = {KG.Dataset, KG.Benchmark, KG.Model, KG.Method, KG.Software}  # via kg:Artifact
    assert classes - subclasses <= targets, sorted(classes - subclasses - targets)


def test_shapes_declare_the_prefixes_their_sparql_uses() -> None:
    g = shapes()
    declared_prefixes = {str(p) for p in g.objects(None, SH.prefix)}
    for constraint in g.subjects(SH.select, None):
        query = str(g.value(constraint, SH.select))
        used = set(re.findall(r"\b([a-z]+):[A-Za-z]", query))
        assert used <= declared_prefixes, (used - declared_prefixes, query)
        assert g.value(constraint, SH.prefixes) is not None


# --------------------------------------------------------------------------- shapes: validation

PREFIXES = """\
@prefix kg:   <https://w3id.org/scholar-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix :     <https://example.org/kg/> .
"""

# A small graph of one profile that every shape should accept: both kinds of authorship,
# a category, an organisation tag, a code repository, an artifact introduced and one used,
# each backed by a mention whose offsets point at the matched text (after a non-ASCII word).
GOOD = """
:profile a kg:Profile ;
    kg:about :ada ; kg:sourceDocument "ada.profile.txt" ;
    kg:hIndex 3 ; kg:declaredPaperCount 1 ; kg:citationCount 1024 ; kg:noveltyPercent 50 ;
    kg:aiScore 9 ; kg:listedPaperCount 1 ; kg:primaryCategory :cs.CV ; kg:lists :paco .

:ada a kg:Person ; kg:name "Ada Lovelace" .
:babbage a kg:Person ; kg:name "C. Babbage", "C Babbage" .

:scheme a skos:ConceptScheme ; skos:prefLabel "arXiv subject categories" .
:cs.CV a kg:Category ; skos:inScheme :scheme ; skos:notation "cs.CV" ;
    skos:prefLabel "Computer Vision and Pattern Recognition" ;
    kg:codeAsWritten "CV" ; kg:inArxivTaxonomy true .
:meta a kg:OrganisationTag ; skos:prefLabel "meta" .

:paco a kg:Paper ;
    kg:title "PACO: Parts and Attributes of Common Objects" ;
    kg:abstract "We introduce PACO, a dataset of parts and attributes (déjà vu). We evaluate on LVIS." ;
    kg:publicationDate "2023-01-04"^^xsd:date ;
    kg:hasCodeFlag true ; kg:sourceLine 12 ;
    kg:authorListTruncated true ; kg:listedAuthorCount 1 ;
    kg:hasAuthor :babbage, :ada ; kg:authorship :paco-1, :paco-listed ;
    kg:organisationTag :meta ; kg:category :cs.CV ;
    kg:mentionsUrl <https://github.com/facebookresearch/paco/tree/main> ;
    kg:hasCodeRepository <https://github.com/facebookresearch/paco> ;
    kg:introduces :PACO ; kg:uses :LVIS .

:paco-1 a kg:Authorship ; kg:author :babbage ; kg:position 1 ; kg:nameAsWritten "C. Babbage" .
:paco-listed a kg:Authorship ; kg:author :ada ; kg:fromProfileListing true ;
    kg:nameAsWritten "Ada Lovelace" .

<https://github.com/facebookresearch/paco> a kg:CodeRepository ;
    rdfs:label "facebookresearch/paco" ; kg:releasesArtifact :PACO .

:PACO a kg:Dataset ; rdfs:label "PACO" ; skos:altLabel "Parts and Attributes of Common Objects" .
:LVIS a kg:Dataset ; rdfs:label "LVIS" .

:rules a kg:Extractor ; rdfs:label "artifact rules 0.1" .

:paco-m1 a kg:ArtifactMention ; kg:mentionOf :PACO ; kg:inPaper :paco ; kg:role "released" ;
    kg:evidenceText "We introduce PACO, a dataset of parts and attributes (déjà vu)." ;
    kg:evidenceField "abstract" ; kg:startOffset 13 ; kg:endOffset 17 ; kg:matchedText "PACO" ;
    kg:rule "introduce-X" ; kg:confidence 0.9 ; kg:extractedBy :rules .
:paco-m2 a kg:ArtifactMention ; kg:mentionOf :LVIS ; kg:inPaper :paco ; kg:role "used" ;
    kg:evidenceText "We evaluate on LVIS." ;
    kg:evidenceField "abstract" ; kg:startOffset 79 ; kg:endOffset 83 ; kg:matchedText "LVIS" ;
    kg:rule "evaluate-on-X" ; kg:confidence 1.0 ; kg:extractedBy :rules .
:paco-m3 a kg:ArtifactMention ; kg:mentionOf :PACO ; kg:inPaper :paco ; kg:role "released" ;
    kg:evidenceText "PACO: Parts and Attributes of Common Objects" ;
    kg:evidenceField "title" ; kg:startOffset 0 ; kg:endOffset 4 ; kg:matchedText "PACO" ;
    kg:rule "title-name" ; kg:confidence 0.0 ; kg:extractedBy :rules .
"""

# The smallest valid paper, for the bad graphs below to build on.
PAPER = """
:scheme a skos:ConceptScheme .
:cs.CV a kg:Category ; skos:inScheme :scheme ; skos:notation "cs.CV" ; skos:prefLabel "Computer Vision" .
:p a kg:Paper ; kg:title "A paper" ; kg:abstract "We release NBM and use XGBoost." ;
    kg:publicationDate "2023-01-04"^^xsd:date ; kg:hasCodeFlag false ; kg:category :cs.CV ;
    kg:authorListTruncated false ; kg:sourceLine 5 .
:rules a kg:Extractor ; rdfs:label "rules" .
:NBM a kg:Model ; rdfs:label "NBM" .
:XGBoost a kg:Software ; rdfs:label "XGBoost" .
"""

# Hand-written bad graphs, each with the violations it must give (and no others):
# (focus node, result path or None, constraint component) and, for SPARQL constraints,
# a word of the message.
BAD: dict[str, tuple[str, set[tuple[str, str | None, str]], str | None]] = {
    "paper-without-title": ("""
        :scheme a skos:ConceptScheme .
        :cs.CV a kg:Category ; skos:inScheme :scheme ; skos:notation "cs.CV" ; skos:prefLabel "CV" .
        :p a kg:Paper ; kg:publicationDate "2023-01-04"^^xsd:date ; kg:hasCodeFlag false ;
            kg:category :cs.CV ; kg:authorListTruncated false ; kg:sourceLine 5 .
        """, {("p", "title", "MinCountConstraintComponent")}, None),
    "mention-with-confidence-1.5": (PAPER + """
        :p kg:introduces :NBM .
        :m a kg:ArtifactMention ; kg:mentionOf :NBM ; kg:inPaper :p ; kg:role "released" ;
            kg:evidenceText "We release NBM and use XGBoost." ; kg:evidenceField "abstract" ;
            kg:startOffset 11 ; kg:endOffset 14 ; kg:matchedText "NBM" ; kg:rule "release-X" ;
            kg:confidence 1.5 ; kg:extractedBy :rules .
        """, {("m", "confidence", "MaxInclusiveConstraintComponent")}, None),
    "introduces-without-mention": (PAPER + """
        :p kg:introduces :NBM .
        """, {("p", None, "SPARQLConstraintComponent")}, "released"),
    "uses-backed-only-by-a-released-mention": (PAPER + """
        :p kg:uses :XGBoost .
        :m a kg:ArtifactMention ; kg:mentionOf :XGBoost ; kg:inPaper :p ; kg:role "released" ;
            kg:evidenceText "We release NBM and use XGBoost." ; kg:evidenceField "abstract" ;
            kg:startOffset 23 ; kg:endOffset 30 ; kg:matchedText "XGBoost" ; kg:rule "use-X" ;
            kg:confidence 0.5 ; kg:extractedBy :rules .
        """, {("p", None, "SPARQLConstraintComponent")}, "used"),
    "mention-offsets-miss-the-match": (PAPER + """
        :m a kg:ArtifactMention ; kg:mentionOf :NBM ; kg:inPaper :p ; kg:role "released" ;
            kg:evidenceText "We release NBM and use XGBoost." ; kg:evidenceField "abstract" ;
            kg:startOffset 10 ; kg:endOffset 13 ; kg:matchedText "NBM" ; kg:rule "release-X" ;
            kg:confidence 0.5 ; kg:extractedBy :rules .
        """, {("m", None, "SPARQLConstraintComponent")}, "offsets"),
    "mention-with-unknown-role-and-field": (PAPER + """
        :m a kg:ArtifactMention ; kg:mentionOf :NBM ; kg:inPaper :p ; kg:role "invented" ;
            kg:evidenceText "We release NBM and use XGBoost." ; kg:evidenceField "body" ;
            kg:startOffset 11 ; kg:endOffset 14 ; kg:matchedText "NBM" ; kg:rule "release-X" ;
            kg:confidence 0.5 ; kg:extractedBy :rules .
        """, {("m", "role", "InConstraintComponent"), ("m", "evidenceField", "InConstraintComponent"),
              ("m", None, "SPARQLConstraintComponent")}, "offsets"),
    "mention-without-evidence": (PAPER + """
        :m a kg:ArtifactMention ; kg:mentionOf :NBM ; kg:inPaper :p ; kg:role "released" .
        """, {("m", p, "MinCountConstraintComponent") for p in (
            "evidenceText", "evidenceField", "startOffset", "endOffset", "matchedText", "rule",
            "confidence", "extractedBy")}, None),
    "authorship-with-neither-position-nor-listing": ("""
        :a a kg:Person ; kg:name "A" .
        :s a kg:Authorship ; kg:author :a ; kg:nameAsWritten "A" .
        """, {("s", None, "XoneConstraintComponent")}, None),
    "authorship-with-both-position-and-listing": ("""
        :a a kg:Person ; kg:name "A" .
        :s a kg:Authorship ; kg:author :a ; kg:position 2 ; kg:fromProfileListing true .
        """, {("s", None, "XoneConstraintComponent")}, None),
    "authorship-with-position-0-and-two-authors": ("""
        :a a kg:Person ; kg:name "A" .
        :b a kg:Person ; kg:name "B" .
        :s a kg:Authorship ; kg:author :a, :b ; kg:position 0 .
        """, {("s", "author", "MaxCountConstraintComponent"),
              ("s", "position", "MinInclusiveConstraintComponent")}, None),
    "person-without-name": ("""
        :a a kg:Person .
        """, {("a", "name", "MinCountConstraintComponent")}, None),
    "profile-with-negative-figure-and-no-person": ("""
        :pr a kg:Profile ; kg:sourceDocument "x.txt" ; kg:hIndex -1 .
        """, {("pr", "about", "MinCountConstraintComponent"),
              ("pr", "hIndex", "MinInclusiveConstraintComponent")}, None),
    "paper-with-string-date": (PAPER.replace('"2023-01-04"^^xsd:date', '"Jan 4, 2023"'),
                               {("p", "publicationDate", "DatatypeConstraintComponent")}, None),
    "code-repository-not-on-github": ("""
        <https://gitlab.com/a/b> a kg:CodeRepository ; rdfs:label "a/b" .
        """, {("https://gitlab.com/a/b", None, "PatternConstraintComponent")}, None),
    "code-repository-with-a-deeper-path": ("""
        <https://github.com/a/b/tree/main> a kg:CodeRepository ; rdfs:label "a/b" .
        """, {("https://github.com/a/b/tree/main", None, "PatternConstraintComponent")}, None),
    "category-without-notation": ("""
        :s a skos:ConceptScheme .
        :c a kg:Category ; skos:inScheme :s ; skos:prefLabel "X" .
        """, {("c", "notation", "MinCountConstraintComponent")}, None),
    "organisation-tag-without-label": ("""
        :t a kg:OrganisationTag .
        """, {("t", "prefLabel", "MinCountConstraintComponent")}, None),
    "artifact-of-two-kinds-without-label": ("""
        :x a kg:Dataset, kg:Model .
        """, {("x", "label", "MinCountConstraintComponent"), ("x", None, "XoneConstraintComponent")},
        None),
}


def short(node: object) -> str | None:
    if node is None:
        return None
    text = str(node)
    for prefix in ("https://example.org/kg/", str(KG), str(SH), str(RDFS), str(SKOS)):
        if text.startswith(prefix):
            return text.removeprefix(prefix)
    return text


def validate(turtle: str) -> tuple[bool, set[tuple[str | None, ...]], list[str], str]:
    data = Graph().parse(data=PREFIXES + turtle, format="turtle")
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes(), ont_graph=ontology(),
                                              inference="none")
    found, messages = set(), []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        found.add((short(report.value(result, SH.focusNode)), short(report.value(result, SH.resultPath)),
                   short(report.value(result, SH.sourceConstraintComponent))))
        messages.extend(str(m) for m in report.objects(result, SH.resultMessage))
    return bool(conforms), found, messages, text


def test_shapes_accept_a_good_graph() -> None:
    conforms, found, _, text = validate(GOOD)
    assert conforms, text
    assert not found


def test_shapes_accept_the_smallest_paper() -> None:
    conforms, _, _, text = validate(PAPER)
    assert conforms, text


@pytest.mark.parametrize("name", list(BAD))
def test_shapes_reject_bad_graph(name: str) -> None:
    turtle, expected, word = BAD[name]
    conforms, found, messages, text = validate(turtle)
    assert not conforms
    assert found == expected, text
    if word is not None:
        assert any(word in m for m in messages), messages


def test_shapes_reject_what_the_good_graph_loses() -> None:
    """Dropping one evidence triple from the good graph breaks it: the shapes are not vacuous."""
    without_mention = GOOD.replace(':paco-m2 a kg:ArtifactMention ;', ':paco-m2 ')
    conforms, found, _, _ = validate(without_mention)
    assert not conforms
    assert ("paco", None, "SPARQLConstraintComponent") in found


# --------------------------------------------------------------------------- shapes vs. the code


def _extracted_graph(names: set[str] | None) -> Graph:
    import pyoxigraph as ox

    from kg.extract import EXTRACTORS, Context
    from kg.iris import Minter
    from kg.reader import read_file

    profile = read_file(SAMPLE)
    context = Context(Minter())
    triples = [t for e in EXTRACTORS if names is None or e.name in names for t in e(profile, context)]
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data.decode("utf-8"), format="nt")


def test_shapes_accept_what_the_metadata_extractors_produce_from_the_sample() -> None:
    data = _extracted_graph({"profile", "paper", "authors", "org-tags", "category", "links"})
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes(), ont_graph=ontology(),
                                         inference="none")
    assert conforms, text


@pytest.mark.slow
def test_shapes_accept_what_all_extractors_produce_from_the_sample() -> None:
    pytest.importorskip("kg.artifacts", reason="the artifacts extractor is not written yet")
    data = _extracted_graph(None)
    assert (None, RDF.type, KG.ArtifactMention) in data
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes(), ont_graph=ontology(),
                                         inference="none")
    assert conforms, text
