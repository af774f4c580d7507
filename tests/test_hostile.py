"""Hostile text: quotes, backslashes, escapes, SPARQL, Turtle and HTML in names, titles, tags
and abstracts come back byte for byte through the store, the query parameters, the Turtle
export and a re-import; none of it ever runs as SPARQL, Turtle or HTML; every minted IRI is
valid whatever the text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode, RdfFormat, Store, parse

from kg.demo import sample_path
from kg.export import export
from kg.extract import EXTRACTORS, Context
from kg.iris import Minter, safe_iri
from kg.query import load_query, run, with_bindings
from kg.reader import PAPER_HEADER, clean_text, read_text
from kg.store import GraphStore

KG = rdflib.Namespace("https://w3id.org/scholar-kg/ontology#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
SAMPLE = sample_path()

TITLES = [
    'The "Quoted" Title: it\'s a \\"test\\" with back\\slash \\\\ and a \\n that is not a newline',
    '"} ; DROP ALL ; #',
    'x" } } ; DROP ALL ; INSERT DATA { GRAPH <urn:evil> { <urn:a> <urn:b> "c" } } #',
    'INSERT DATA { GRAPH <urn:evil> { <urn:a> <urn:b> <urn:c> } }',
    '<urn:s> <urn:p> """o""" . @prefix ex: <urn:ex#> . ex:a ex:b ex:c . _:b <urn:p> 1 .',
    "<script>alert('title')</script><img src=x onerror=alert(1)> &amp; &lt;b&gt; ]]> <!-- x -->",
    '</script><script>alert("viz")</script>',
    "'''single''' and \"\"\"double\"\"\" and \\u0022 and %22 and \\x00 and \\U0001F600",
    "[red]rich markup[/red] [link=https://example.org]x[/link] ${jndi:ldap://x} {{7*7}} $(reboot)",
    "\u00dcn\u00efc\u00f6d\u00e9 \u540d\u524d \U0001f9ea \u05e2\u05d1\u05e8\u05d9\u05ea and \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
]
OWNER = 'Dara "DJ" O\'Neil\\Jr'
NAMES = [OWNER, "<b>Bold</b> Person", 'Robert"); DROP TABLE Students;--', '"} ; DROP ALL ; # Name']
TAGS = ["tag<script>", 'tag"quote', "tag\\back", "tag} ; DROP ALL"]
ABSTRACT = ('We release "X\\Y". See https://github.com/evil/repo"onmouseover="alert(1) and '
            "https://example.org/a\"b<c>{d}|e^f`g\\h and https://github.com/good/repo. "
            'Also "} ; DROP ALL ; # and <script>alert(3)</script>.')


def hostile_page() -> str:
    header = f"{OWNER}\n\nCV\nh-index1\n{len(TITLES)}papers\n10citations\n\n{len(TITLES)} Papers\n\n"
    blocks = [f"CVJan {k + 1}, 2020{'Code' if k % 2 else ''}\n{title}\n\n"
              f"{', '.join(NAMES[k % 2:])} \u00b7 {', '.join(TAGS)}\n\n{ABSTRACT} {title}\n"
              for k, title in enumerate(TITLES)]
    return header + "\n".join(blocks)


def test_hostile_strings_are_clean_already() -> None:
    # The reader normalises text (NFC, spaces): these strings are what it keeps, byte for byte.
    for text in [*TITLES, *NAMES, *TAGS, ABSTRACT]:
        assert clean_text(text) == text and not PAPER_HEADER.match(text)


def test_hostile_page_reads_as_written() -> None:
    profile = read_text(hostile_page(), "hostile.txt")
    assert profile.warnings == ()
    assert profile.name == OWNER
    assert [p.title for p in profile.papers] == TITLES
    assert {a for p in profile.papers for a in p.authors} == set(NAMES)
    assert all(p.org_tags == tuple(TAGS) for p in profile.papers)


def kg(*args: str, store: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_STORE": str(store), "PYTHONIOENCODING": "utf-8", "COLUMNS": "400"}
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, set[str]]:
    """A store built by ``kg build`` from the sample and then the hostile page; the folder;
    and the sample's quads as they were before the hostile page was built."""
    cwd = tmp_path_factory.mktemp("hostile")
    store = cwd / "store"
    assert kg("build", str(SAMPLE), store=store, cwd=cwd).returncode == 0
    with GraphStore.open(store, read_only=True) as opened:
        sample_quads = {str(q) for q in opened.quads()}
    (cwd / "hostile.txt").write_text(hostile_page(), encoding="utf-8")
    result = kg("build", "--strict", "hostile.txt", store=store, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return store, cwd, sample_quads


def literals(graph: rdflib.Graph, predicate: rdflib.URIRef) -> set[str]:
    return {str(o) for o in graph.objects(None, predicate)}


def test_hostile_text_round_trips_through_store_turtle_and_reimport(hostile) -> None:
    store, cwd, _ = hostile
    result = kg("export", "--format", "turtle", "-o", "graph.ttl", store=store, cwd=cwd)
    assert result.returncode == 0, result.stderr
    turtle = (cwd / "graph.ttl").read_bytes()
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    assert set(TITLES) <= literals(graph, KG.title)
    assert set(NAMES) <= literals(graph, KG.name)
    assert set(NAMES) <= literals(graph, KG.nameAsWritten)
    assert set(TAGS) <= literals(graph, SKOS.prefLabel)
    assert {f"{ABSTRACT} {t}" for t in TITLES} <= literals(graph, KG.abstract)
    # The Turtle, read back by pyoxigraph, is the store's union exactly (no blank nodes).
    with GraphStore.open(store, read_only=True) as opened:
        union = {str(t) for t in opened.union_triples()}
    assert {str(q.triple) for q in parse(turtle, format=RdfFormat.TURTLE)} == union
    # And rdflib's reading of it is isomorphic to the store's N-Triples.
    nt = kg("export", "--format", "ntriples", store=store, cwd=cwd).stdout
    assert isomorphic(graph, rdflib.Graph().parse(data=nt, format="nt"))


def test_hostile_text_runs_nothing(hostile) -> None:
    store, _, sample_quads = hostile
    with GraphStore.open(store, read_only=True) as opened:
        graphs = [g.value for g in opened.graphs()]
        quads = list(opened.quads())
    minter = Minter()
    assert graphs == sorted([minter.source(SAMPLE.name).value, minter.source("hostile.txt").value])
    sample_graph = minter.source(SAMPLE.name)
    assert {str(q) for q in quads if q.graph_name == sample_graph} == sample_quads  # no DROP ran
    terms = {t.value for q in quads for t in (q.subject, q.predicate, q.object, q.graph_name)
             if isinstance(t, NamedNode)}
    assert not {"urn:evil", "urn:a", "urn:b", "urn:c", "urn:s", "urn:p", "urn:ex#a"} & terms


def test_hostile_iris_are_valid_and_urls_with_quotes_are_encoded(hostile) -> None:
    store, _, _ = hostile
    with GraphStore.open(store, read_only=True) as opened:
        iris = {t.value for q in opened.quads() for t in (q.subject, q.predicate, q.object)
                if isinstance(t, NamedNode)}
        repos = {r["r"].value for r in opened.query(
            "SELECT DISTINCT ?r WHERE { ?p <https://w3id.org/scholar-kg/ontology#hasCodeRepository> ?r }")}
    for iri in iris:
        assert NamedNode(iri).value == iri
        assert not re.search(r'[\s"<>{}|^`\\]', iri), iri
    assert {"https://github.com/evil/repo", "https://github.com/good/repo"} <= repos
    assert all(re.fullmatch(r"https://github\.com/[a-z0-9-]+/[a-z0-9._-]+", r) for r in repos)
    mentioned = {i for i in iris if i.startswith("https://example.org/")}
    assert mentioned == {"https://example.org/a"}  # the URL ends at the quote, as in running text
    assert safe_iri('https://example.org/a"b<c>{d}|e^f`g\\h') == \
        "https://example.org/a%22b%3Cc%3E%7Bd%7D%7Ce%5Ef%60g%5Ch"


@pytest.mark.parametrize("title", TITLES)
def test_hostile_query_parameters_are_bound_not_pasted(title: str, hostile) -> None:
    store, cwd, _ = hostile
    result = kg("query", "paper", "--param", f"title={title}", "--format", "json", store=store, cwd=cwd)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and {r["paperTitle"] for r in rows} == {title}
    assert {r["value"] for r in rows if r["property"] == "title"} == {title}


@pytest.mark.parametrize("name", NAMES)
def test_hostile_person_parameter_finds_their_papers(name: str, hostile) -> None:
    store, _, _ = hostile
    with GraphStore.open(store, read_only=True) as opened:
        rows = run(opened, load_query("papers-by-person"), {"person": name}).rows
    # Every name is on every paper: listed, or (the owner) from the profile listing.
    assert {row[3] for row in rows} == set(TITLES)


@pytest.mark.parametrize("text", [*TITLES, *NAMES, *TAGS, "a\nb\r\nc\u2028d", "\\", '"', "'"])
def test_hostile_with_bindings_keeps_any_text_in_one_literal(text: str) -> None:
    store = Store()
    query = with_bindings("SELECT ?x WHERE { }", {"x": Literal(text)})
    assert [row["x"].value for row in store.query(query)] == [text]


def test_hostile_table_output_prints_markup_as_text(hostile) -> None:
    store, cwd, _ = hostile
    title = TITLES[8]
    result = kg("query", "paper", "--param", f"title={title}", store=store, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "[red]rich markup[/red]" in result.stdout


@pytest.mark.browser
def test_hostile_html_pages_run_none_of_it(hostile, watched_page) -> None:
    store, cwd, _ = hostile
    pages = []
    viz = kg("viz", "-o", "graph.html", store=store, cwd=cwd)
    assert viz.returncode == 0, viz.stderr
    pages.append(cwd / "graph.html")
    report = kg("report", OWNER, "-o", "report.html", store=store, cwd=cwd)
    assert report.returncode == 0, report.stderr
    pages.append(cwd / "report.html")
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert '</script><script>alert("viz")' not in html, path
        watched = watched_page(path)
        watched.page.wait_for_timeout(500)
        injected = watched.page.evaluate(
            """() => ({img: document.querySelectorAll('img[src="x"]').length,
                       b: Array.from(document.querySelectorAll('b')).filter(
                            e => e.textContent === 'Bold').length})""")
        assert injected == {"img": 0, "b": 0}, path
        assert watched.dialogs == [], (path, watched.dialogs)
        assert not [e for e in watched.errors if "alert" in e or "SyntaxError" in e], watched.errors


# --------------------------------------------------------------------------- properties

# Any text but a line end (a title or a name is one line of the page; other breaks stay in it).
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                min_size=1, max_size=40)
_name = _text.filter(lambda s: clean_text(s) != "" and "," not in s and "\u00b7" not in s
                     and not PAPER_HEADER.match(clean_text(s)) and not re.search(r"\bet al\.?$", clean_text(s))
                     and not re.fullmatch(r"[\d,]+ ?papers|h-index.*|[\d,]+ Papers|[\d,]+ ?citations",
                                          clean_text(s)))
_title = _text.filter(lambda s: clean_text(s) != "" and not PAPER_HEADER.match(clean_text(s)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(owner=_name, coauthor=_name, title=_title, abstract=_title)
@example(owner=OWNER, coauthor=NAMES[3], title=TITLES[2], abstract=ABSTRACT)
@example(owner="Ade\u0301le\u00a0Lovelace", coauthor="\u200eMicha\u0142", title="a\u2028b\x00c",
         abstract="\u202e\u05e2\u05d1")
def test_hostile_any_names_and_titles_survive_text_graph_turtle_graph(
        owner: str, coauthor: str, title: str, abstract: str) -> None:
    page = (f"{owner}\n\nCV\n\nCVJan 1, 2020Code\n{title}\n\n{owner}, {coauthor} \u00b7 t\n\n"
            f"{abstract}\n")
    profile = read_text(page, "any.txt")
    (paper,) = profile.papers
    assert (paper.title, paper.authors) == (clean_text(title), (clean_text(owner), clean_text(coauthor)))
    minter = Minter()
    context = Context(minter)
    triples = {t for extractor in EXTRACTORS for t in extractor(profile, context)}
    store = GraphStore.in_memory()
    store.replace_graph(minter.source("any.txt"), triples)
    stored = set(store.union_triples())
    turtle = export(store, "turtle")
    again = {quad.triple for quad in parse(turtle, format=RdfFormat.TURTLE)}
    assert again == stored
    assert {t for t in stored if t.predicate != KG_CONFIDENCE} == \
        {t for t in triples if t.predicate != KG_CONFIDENCE}  # see the test below
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    expected = rdflib.Graph().parse(data=export(store, "ntriples"), format="nt")
    assert isomorphic(graph, expected)
    assert literals(graph, KG.title) == {clean_text(title)}
    assert literals(graph, KG.name) == {clean_text(owner), clean_text(coauthor)}
    if clean_text(abstract):
        assert literals(graph, KG.abstract) == {clean_text(abstract)}
    for text in literals(graph, KG.title) | literals(graph, KG.name):
        assert unicodedata.is_normalized("NFC", text)


KG_CONFIDENCE = NamedNode(str(KG.confidence))


def test_hostile_store_keeps_every_literal_as_extracted() -> None:
    profile = read_text("Ann Bee\n\nCV\n\nCVJan 1, 2020\nT\n\nAnn Bee\n\nWe train on ImageNet.\n", "a.txt")
    minter = Minter()
    triples = {t for extractor in EXTRACTORS for t in extractor(profile, Context(minter))}
    store = GraphStore.in_memory()
    store.replace_graph(minter.source("a.txt"), triples)
    assert set(store.union_triples()) == triples


_KINDS = ["person", "profile", "source", "org_tag", "category", "artifact", "extractor"]
_INVISIBLES = st.lists(st.sampled_from(["\u200b", "\u200e", "\u00ad", "\ufeff", "\u2066", "\x00"]),
                       max_size=3)


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(_KINDS), text=st.text(max_size=60), noise=_INVISIBLES,
       at=st.integers(0, 60))
@example(kind="source", text='a"b <c>.txt', noise=[], at=0)
@example(kind="category", text="cs.CV\"'", noise=[], at=0)
def test_hostile_minted_iris_are_valid_stable_and_ignore_invisible_characters(
        kind: str, text: str, noise: list[str], at: int) -> None:
    minter = Minter()
    iri = getattr(minter, kind)(text)
    assert NamedNode(iri.value) == iri
    assert not re.search(r'[\s"<>{}|^`\\]', iri.value)
    assert getattr(Minter(), kind)(text) == iri                      # stable
    noisy = text[:at] + "".join(noise) + text[at:]
    if kind != "extractor":                                          # extractor names are ours
        assert getattr(minter, kind)(noisy) == iri                   # invisible characters ignored
        assert getattr(minter, kind)(unicodedata.normalize("NFD", text)) == iri
    # It survives a Turtle round trip through rdflib.
    doc = f"<{iri.value}> <urn:p> 1 .\n"
    assert {str(s) for s in rdflib.Graph().parse(data=doc, format="turtle").subjects()} == {iri.value}


@settings(max_examples=200, deadline=None)
@given(url=st.text(max_size=60).map(lambda s: "https://example.org/" + s))
@example(url='https://example.org/a"b')
@example(url="https://example.org/%zz%")
def test_hostile_safe_iri_is_valid_for_any_url(url: str) -> None:
    iri = safe_iri(url)
    assert NamedNode(iri).value == iri
    assert '"' not in iri and "<" not in iri and ">" not in iri
