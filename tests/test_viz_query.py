"""``kg viz --query``: a subgraph chosen by a CONSTRUCT query, drawn like the full page; and the
layout of a page of several thousand nodes settling and freezing in bounded time (Chromium)."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import QueryError
from kg.query import load_query, run
from kg.store import GraphStore
from kg.viz import (LARGE_GRAPH, STYLES, GraphView, Node, _local, _node_table, draw, graph_view,
                    physics_options, query_view, render)

OWNER = "Dhruv Mahajan"
KG = "https://w3id.org/scholar-kg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def constructed_nodes(store: GraphStore, query: str, **values: str) -> set[str]:
    """The resources of a CONSTRUCT answer that are typed as something the graph page draws."""
    result = run(store, load_query(query), values)
    return {t.subject.value for t in result.triples
            if t.predicate.value == RDF_TYPE and t.object.value.removeprefix(KG) in STYLES}


@pytest.fixture(scope="module")
def ego_page(tmp_path_factory: pytest.TempPathFactory, built_store_dir: Path):
    path = tmp_path_factory.mktemp("ego") / "ego.html"
    with GraphStore.open(built_store_dir, read_only=True) as store:
        view = draw(store, path, query="ego", values={"person": OWNER})
    return path, view


# -- the view, as data ------------------------------------------------------------------------

def test_viz_query_ego_nodes_are_the_construct_answer(sample_store: GraphStore, ego_page) -> None:
    _, view = ego_page
    expected = constructed_nodes(sample_store, "ego", person=OWNER)
    assert len(expected) == 131
    assert {n.id for n in view.nodes} == expected
    assert sum(n.kind == "Paper" for n in view.nodes) == 37
    assert all(s in expected and o in expected for s, _, o in view.edges)
    assert sum(p == "hasAuthor" for _, p, _ in view.edges) == 129


def test_viz_query_nodes_look_as_in_the_full_page(sample_store: GraphStore, ego_page) -> None:
    _, view = ego_page
    full = {n.id: n for n in graph_view(sample_store).nodes}
    for node in view.nodes:
        assert (node.kind, node.label, node.tooltip) == (full[node.id].kind, full[node.id].label,
                                                         full[node.id].tooltip)


def test_viz_query_from_a_file(sample_store: GraphStore, tmp_path: Path) -> None:
    rq = tmp_path / "cl-papers.rq"
    rq.write_text("# title: CL papers and their authors\n# description: papers in cs.CL with their authors\n"
                  "PREFIX kg: <https://w3id.org/scholar-kg/ontology#>\n"
                  "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                  "CONSTRUCT { ?p kg:hasAuthor ?a } WHERE { ?p kg:hasAuthor ?a ; kg:category/skos:notation \"cs.CL\" }\n",
                  encoding="utf-8")
    view = query_view(sample_store, str(rq))
    kinds = {n.kind for n in view.nodes}
    assert kinds == {"Paper", "Person"}  # kinds come from the store, though the answer has no types
    assert sum(n.kind == "Paper" for n in view.nodes) == 2
    assert len(view.edges) == len(run(sample_store, load_query(str(rq))).triples)


def test_viz_query_must_be_construct(sample_store: GraphStore) -> None:
    with pytest.raises(QueryError, match="coauthors.*CONSTRUCT"):
        query_view(sample_store, "coauthors", {"person": OWNER})


def test_viz_query_caps_and_says_so(sample_store: GraphStore) -> None:
    view = query_view(sample_store, "ego", {"person": OWNER}, max_nodes=40)
    assert len(view.nodes) == 40 and view.left_out == 91
    assert any(n.label == OWNER for n in view.nodes)  # the best connected stay
    page = render(view)
    assert "91 less-connected nodes left out" in page


def test_viz_query_page_heading_is_escaped(sample_store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "g.html"
    draw(sample_store, path, query="ego", values={"person": "<b>x</b>\\1"})
    page = path.read_text(encoding="utf-8")
    assert "ego (person=&lt;b&gt;x&lt;/b&gt;\\1)" in page
    assert "<b>x</b>" not in page


def test_viz_query_cli(built_store_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "ego.html"
    result = runner.invoke(app, ["viz", "--store", str(built_store_dir), "--query", "ego",
                                 "--param", f"person={OWNER}", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "131 nodes" in result.output and out.is_file()
    result = runner.invoke(app, ["viz", "--store", str(built_store_dir), "--param", "person=x",
                                 "-o", str(tmp_path / "x.html")])
    assert result.exit_code != 0


# -- in the browser ---------------------------------------------------------------------------

def _wait_stable(watched, timeout: float = 20_000) -> None:
    watched.page.wait_for_function("document.body.dataset.kgStable === 'true'", timeout=timeout, polling=100)


@pytest.mark.browser
def test_viz_query_page_node_count_matches_the_store(watched_page, ego_page, sample_store) -> None:
    path, view = ego_page
    watched = watched_page(path)
    _wait_stable(watched)
    page = watched.page
    drawn = set(page.evaluate("nodes.getIds()"))
    legend = page.locator("#kg-legend").inner_text()
    assert drawn == constructed_nodes(sample_store, "ego", person=OWNER)
    assert page.evaluate("window.kgView") == {"nodes": len(view.nodes), "edges": len(view.edges)}
    assert f"ego (person={OWNER})" in legend and "131 nodes" in legend
    assert [u for u in watched.requests if not u.startswith(("file://", "data:"))] == []
    assert watched.errors == [] and watched.dialogs == []


def synthetic_view(papers: int = 1500, people: int = 1100, artifacts: int = 300, tags: int = 40,
                   seed: int = 7) -> GraphView:
    """A graph shaped like a big lab corpus: papers by small teams from labs, tags, datasets."""
    rng = random.Random(seed)
    view = GraphView()
    ids = {kind: [f"https://example.org/{kind}/{i}" for i in range(n)]
           for kind, n in (("Person", people), ("Dataset", artifacts), ("OrganisationTag", tags))}
    for kind, members in ids.items():
        view.nodes += [Node(i, kind, f"{kind} {i.rsplit('/', 1)[1]}", f"{kind}\n{i}") for i in members]
    for i in range(papers):
        paper = f"https://example.org/Paper/{i}"
        view.nodes.append(Node(paper, "Paper", f"Paper {i}", f"Paper {i}"))
        lab = rng.randrange(people // 10)
        for _ in range(rng.randint(1, 5)):
            view.edges.append((paper, "hasAuthor", ids["Person"][min(people - 1, lab * 10 + rng.randrange(15))]))
        view.edges.append((paper, "organisationTag", ids["OrganisationTag"][lab % tags]))
        if rng.random() < 0.5:
            view.edges.append((paper, "uses", ids["Dataset"][rng.randrange(artifacts)]))
    return view


def test_viz_large_graph_options() -> None:
    assert '"improvedLayout": false' in physics_options(LARGE_GRAPH + 1)
    assert "improvedLayout" not in physics_options(200)


@pytest.mark.browser
@pytest.mark.slow
def test_viz_several_thousand_nodes_settle_and_freeze(watched_page, tmp_path: Path) -> None:
    view = synthetic_view()
    assert len(view.nodes) >= 2900
    path = tmp_path / "big.html"
    path.write_text(render(view), encoding="utf-8")
    start = time.monotonic()
    watched = watched_page(path)
    _wait_stable(watched, timeout=45_000)
    settled = time.monotonic() - start
    page = watched.page
    state = page.evaluate("({physics: network.physics.options.enabled, nodes: nodes.length})")
    before = page.evaluate("JSON.stringify(network.getPositions(nodes.getIds().slice(0, 50)))")
    page.wait_for_timeout(500)
    after = page.evaluate("JSON.stringify(network.getPositions(nodes.getIds().slice(0, 50)))")
    print(f"{len(view.nodes)} nodes settled and froze in {settled:.1f} s")
    assert state == {"physics": False, "nodes": len(view.nodes)}
    assert before == after  # frozen: nothing moves any more
    assert settled < 30
    assert watched.errors == []


def test_viz_query_looks_up_only_the_nodes_it_draws(sample_store: GraphStore) -> None:
    # The ego view asks graph-nodes for its own nodes (a lookup, fast on a big store) and
    # gets for them exactly what the full table says.
    from kg.viz import _node_table

    full = _node_table(sample_store)
    some = set(random.Random(7).sample(sorted(full[0]), 25)) | {"https://example.org/not-a-node"}
    kinds, labels, details = _node_table(sample_store, some)
    assert set(kinds) == some - {"https://example.org/not-a-node"}
    assert kinds == {k: v for k, v in full[0].items() if k in some}
    assert labels == {k: v for k, v in full[1].items() if k in some}
    assert dict(details) == {k: v for k, v in full[2].items() if k in some and v}
    assert _node_table(sample_store, set())[0] == {}



def test_graph_nodes_asked_for_a_node_twice_answers_it_once(sample_store: GraphStore) -> None:
    # graph-nodes has a VALUES ?node slot in each of its parts: a node given twice would
    # repeat its rows once per slot (twice cubed), so restrict puts each node in once.
    from pyoxigraph import NamedNode

    from kg.query import restrict

    query = load_query("graph-nodes")
    nodes = [NamedNode(iri) for iri in sorted(_node_table(sample_store)[0])[:6]]
    once = sorted(map(repr, run(sample_store, restrict(query, "node", nodes)).rows))
    twice = sorted(map(repr, run(sample_store, restrict(query, "node", nodes + nodes[::-1])).rows))
    assert len(once) >= len(nodes)
    assert twice == once

def expected_choice(kinds, edges, max_nodes):
    """What a cut view keeps, worked out plainly: links in order of the lesser degree of their
    ends (then the greater, then the IRIs), both ends while they fit; then nodes by degree."""
    degree = Counter(n for s, _, o in edges for n in (s, o))
    keep: list[str] = []
    for s, o in sorted({(s, o) for s, _, o in edges},
                       key=lambda e: (-min(degree[e[0]], degree[e[1]]),
                                      -max(degree[e[0]], degree[e[1]]), e)):
        new = [n for n in dict.fromkeys((s, o)) if n not in keep]
        if len(keep) + len(new) <= max_nodes:
            keep += new
    keep += [n for n in sorted(kinds, key=lambda n: (-degree[n], n)) if n not in keep]
    return sorted(keep[:max_nodes], key=lambda n: (-degree[n], n))


@pytest.mark.parametrize("max_nodes", [1, 40, 150])
def test_graph_view_cut_to_max_nodes_keeps_the_best_connected(sample_store, max_nodes):
    """Past ``max_nodes`` the whole view looks up only the nodes it keeps; it keeps the ones
    the full table would (see expected_choice)."""
    kinds, labels, details = _node_table(sample_store)
    assert len(kinds) > max_nodes
    edges = sorted((s, _local(p), o) for s, p, o in run(sample_store, load_query("graph-edges")).rows
                   if s in kinds and o in kinds)
    expected = expected_choice(kinds, edges, max_nodes)

    view = graph_view(sample_store, max_nodes=max_nodes)
    assert [n.id for n in view.nodes] == expected
    assert view.left_out == len(kinds) - max_nodes
    kept = set(expected)
    assert view.edges == [e for e in edges if e[0] in kept and e[2] in kept]
    assert {n.id: n.label for n in view.nodes} == {n: labels.get(n) or _local(n) for n in expected}
    assert all(details.get(n.id, []) == n.tooltip.split("\n")[1:-1] for n in view.nodes)


@pytest.mark.parametrize("max_nodes", [2, 40, 150])
def test_graph_view_cut_draws_every_node_with_a_link(sample_store, max_nodes):
    # Every link runs from a paper to a person, tag, category or artifact: the best connected
    # nodes alone are never linked to each other. A cut view is the densest part, linked.
    view = graph_view(sample_store, max_nodes=max_nodes)
    linked = {n for s, _, o in view.edges for n in (s, o)}
    assert len(view.nodes) == max_nodes and linked == {n.id for n in view.nodes}
    assert {n.kind for n in view.nodes} >= ({"Paper", "Person"} if max_nodes > 2 else {"Paper"})


def test_graph_view_draws_every_node_when_they_fit(sample_store):
    kinds, _, _ = _node_table(sample_store)
    view = graph_view(sample_store, max_nodes=len(kinds))
    assert sorted(n.id for n in view.nodes) == sorted(kinds) and view.left_out == 0


def crafted_store(untyped: bool = False) -> GraphStore:
    """Paper a and person b with five links each, then a chain of papers and people with two
    leaves each (found in review: a choice made with room to spare, then cut, kept a chain
    node without a link); ``untyped``: a hub linked to everything that the page cannot draw."""
    from pyoxigraph import NamedNode, Triple

    from kg.vocab import KG, TYPE

    base = "https://example.org/"
    kind: dict[str, NamedNode] = {}
    triples = []

    def link(paper: str, person: str) -> None:
        kind[paper], kind[person] = KG.Paper, KG.Person
        triples.append(Triple(NamedNode(base + paper), KG.hasAuthor, NamedNode(base + person)))

    link("a", "b")
    for i in range(4):
        link("a", f"ya{i}")
        link(f"cb{i}", "b")
    chain = [f"k{i:02d}" for i in range(12)]
    for i, (x, y) in enumerate(zip(chain, chain[1:])):
        link(x, y) if i % 2 == 0 else link(y, x)
    for i, x in enumerate(chain):
        for j in (1, 2):
            link(x, f"{x}l{j}") if i % 2 == 0 else link(f"{x}l{j}", x)
    triples += [Triple(NamedNode(base + x), TYPE, t) for x, t in kind.items()]
    if untyped:  # authored "by" a node with no type the page draws
        triples += [Triple(NamedNode(base + x), KG.hasAuthor, NamedNode(base + "ghost"))
                    for x, t in kind.items() if t == KG.Paper]
    store = GraphStore.in_memory()
    store.replace_graph(NamedNode(base + "source/x"), triples)
    return store


@pytest.mark.parametrize("max_nodes", [1, 2, 3, 5, 8, 13])
@pytest.mark.parametrize("untyped", [False, True])
def test_graph_view_cut_matches_the_full_table_on_a_crafted_graph(max_nodes, untyped):
    store = crafted_store(untyped)
    kinds, _, _ = _node_table(store)
    edges = sorted((s, _local(p), o) for s, p, o in run(store, load_query("graph-edges")).rows
                   if s in kinds and o in kinds)
    view = graph_view(store, max_nodes=max_nodes)
    assert [n.id for n in view.nodes] == expected_choice(kinds, edges, max_nodes)
    assert "https://example.org/ghost" not in {n.id for n in view.nodes}
    if max_nodes > 1:
        assert {n for s, _, o in view.edges for n in (s, o)} == {n.id for n in view.nodes}
