"""Co-author analytics: people linked by the papers they share, measured with networkx.

:func:`coauthor_graph` projects the store's author lists (the query
``coauthor-graph``, so a user can rerun it) into a weighted, undirected
networkx graph: one node per person, one edge per pair of people who share a
paper, weighted by how many papers they share. :func:`analyze` measures it and
returns plain data (:class:`Analysis`): degree (how many co-authors),
weighted degree (co-authorships counted per shared paper), betweenness
centrality (the share of shortest co-author paths between two other people
that pass through a person, counted in hops), communities (Louvain, seeded: the same
answer every run) and collaboration year by year. The CLI prints it; the
notebook and the tests use the same data.

>>> import networkx as nx
>>> g = project([("p1", 2020, "a", "Ann"), ("p1", 2020, "b", "Bo"), ("p2", 2021, "b", "Bo"),
...              ("p2", 2021, "c", "Cy"), ("p3", 2021, "a", "Ann"), ("p3", 2021, "b", "Bo")])
>>> sorted((g.nodes[u]["name"], g.nodes[v]["name"], w) for u, v, w in g.edges(data="weight"))
[('Ann', 'Bo', 2), ('Bo', 'Cy', 1)]
>>> [(s.person, s.degree, s.weighted_degree, s.betweenness) for s in measure(g).people]
[('Bo', 2, 3, 1.0), ('Ann', 1, 2, 0.0), ('Cy', 1, 1, 0.0)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

from .query import load_query, run

if TYPE_CHECKING:
    import networkx as nx

#: Above this many people, betweenness is estimated from a seeded sample of this many sources
#: (each a breadth-first search over every link: 500 over the 446k links of a 100k-paper
#: corpus took 185 s with networkx, in Python, and take 11 s with :func:`betweenness`;
#: 56 sources gave five most central people that were none of the 500's).
EXACT_BETWEENNESS_LIMIT = 2000
BETWEENNESS_SAMPLE = 500
#: A first search deeper than this many levels hands betweenness to networkx (a path of 2,000
#: people: 36 s with arrays, 4 s with networkx; a co-author graph is a few levels deep).
DEEP_SEARCH = 64
SEED = 42


@dataclass(frozen=True)
class PersonScore:
    """One person's place in the co-author graph."""

    person: str
    iri: str
    papers: int
    degree: int
    weighted_degree: int
    betweenness: float
    community: int


@dataclass(frozen=True)
class Community:
    """A group of people who write more with each other than with the rest."""

    id: int
    size: int
    members: list[str]  # names, the best connected (by weighted degree) first


@dataclass(frozen=True)
class YearFigures:
    """Collaboration in one year, over every paper of that year in the graph."""

    year: int
    papers: int
    authors: int
    links: int  # distinct pairs of co-authors on that year's papers
    new_links: int  # of which the pair's first shared paper is from that year
    new_people: int  # authors whose first paper in the graph is from that year
    authors_per_paper: float


@dataclass
class Analysis:
    """What :func:`analyze` measured, as plain data (see :meth:`as_dict`)."""

    people: list[PersonScore] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    years: list[YearFigures] = field(default_factory=list)
    links: int = 0
    components: int = 0
    density: float = 0.0
    modularity: float = 0.0
    betweenness_exact: bool = True
    betweenness_sources: int = 0  # people the betweenness was worked out from (all when exact)

    def as_dict(self) -> dict[str, Any]:
        return {
            "people": len(self.people), "links": self.links, "components": self.components,
            "density": self.density, "modularity": self.modularity,
            "betweenness_exact": self.betweenness_exact,
            "betweenness_sources": self.betweenness_sources,
            "scores": [asdict(p) for p in self.people],
            "communities": [asdict(c) for c in self.communities],
            "years": [asdict(y) for y in self.years],
        }


Authorship = tuple[str, int, str, str]  # (paper IRI, year, person IRI, person's name)


def authorships(store: Any) -> list[Authorship]:
    """The store's author lists, one row per paper and author (query ``coauthor-graph``)."""
    rows = run(store, load_query("coauthor-graph")).rows
    # By year, paper and name: sorted here, as the store takes five times as long to sort them.
    return sorted(((paper, int(year), person, name) for paper, year, person, name in rows),
                  key=lambda r: (r[1], r[0], r[3], r[2]))


def project(rows: Iterable[Authorship]) -> "nx.Graph":
    """The co-author graph of ``rows``: people as nodes (``name``, ``papers``), shared papers as
    edge ``weight`` with the ``first`` and ``last`` year; every author is a node, even alone."""
    import networkx as nx  # loads only when analytics run

    authors: dict[str, set[str]] = defaultdict(set)
    years: dict[str, int] = {}
    graph = nx.Graph()
    for paper, year, person, name in rows:
        authors[paper].add(person)
        years[paper] = year
        if person not in graph:
            graph.add_node(person, name=name, papers=0)
        graph.nodes[person]["papers"] += 1
    for paper, people in authors.items():
        year = years[paper]
        for a, b in combinations(sorted(people), 2):
            if graph.has_edge(a, b):
                edge = graph.edges[a, b]
                edge["weight"] += 1
                edge["first"], edge["last"] = min(edge["first"], year), max(edge["last"], year)
            else:
                graph.add_edge(a, b, weight=1, first=year, last=year)
    return graph


def coauthor_graph(store: Any) -> "nx.Graph":
    """The co-author graph of everything in ``store`` (see :func:`project`)."""
    return project(authorships(store))


def betweenness(graph: "nx.Graph", k: int | None = None) -> dict[Any, float]:
    """Normalised shortest-path betweenness of every node of the undirected ``graph``, counted
    in hops: what ``networkx.betweenness_centrality(graph, k=k, seed=SEED)`` answers (the same
    sources, drawn the same way, and its estimator for a sample), worked out with numpy.

    Brandes' algorithm, one breadth-first search per source, a whole level at a time: the
    links out of a level are gathered as arrays, so a search costs a few array operations per
    level instead of Python steps per link (at 100k papers 17 times faster than networkx's).

    >>> import networkx as nx
    >>> sorted(betweenness(nx.path_graph(4)).items())
    [(0, 0.0), (1, 0.6666666666666666), (2, 0.6666666666666666), (3, 0.0)]
    """
    import random

    import numpy as np

    nodes = list(graph)
    n = len(nodes)
    if k is not None and k < 1:
        raise ValueError(f"betweenness from a sample of {k} sources: at least 1 is needed")
    if k == n:
        k = None  # everyone: exact (a larger k is refused by the sampling, as by networkx)
    sources = nodes if k is None else random.Random(SEED).sample(nodes, k)
    index = {node: i for i, node in enumerate(nodes)}
    degree = np.fromiter((len(graph[v]) for v in nodes), dtype=np.int64, count=n)
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=start[1:])
    neighbours = np.fromiter((index[w] for v in nodes for w in graph[v]), dtype=np.int64,
                             count=int(start[-1]))
    total = np.zeros(n)
    for searched, source in enumerate(sources):
        s = index[source]
        hops = np.full(n, -1, dtype=np.int64)
        hops[s] = 0
        paths = np.zeros(n)  # shortest paths from s to each node
        paths[s] = 1.0
        level, links, d = np.array([s]), [], 0
        while level.size:
            counts = degree[level]
            reached = int(counts.sum())
            if not reached:
                break
            # Where each link out of the level sits in `neighbours`, and its two ends.
            at = np.repeat(start[level] - np.cumsum(counts) + counts, counts) + np.arange(reached)
            near, far = np.repeat(level, counts), neighbours[at]
            hops[far[hops[far] < 0]] = d + 1
            onward = hops[far] == d + 1
            near, far = near[onward], far[onward]
            paths += np.bincount(far, weights=paths[near], minlength=n)
            links.append((near, far))
            d += 1
            level = np.flatnonzero(hops == d)  # the next level: whom this one reached first
        if d > DEEP_SEARCH and not searched:
            # A long, thin graph: each level costs a few passes over every node, so networkx's
            # search (a step per link) is the quicker one; it gives the same answer.
            import networkx as nx

            return nx.betweenness_centrality(graph, k=k, seed=SEED)
        share = np.zeros(n)  # each node's dependency on s
        for near, far in reversed(links):
            share += np.bincount(near, weights=paths[near] * (1.0 + share[far]) / paths[far], minlength=n)
        share[s] = 0.0
        total += share
    # networkx's normalisation: over the ordered pairs a node can be between, and for a sample
    # the sampled nodes over one source fewer (they cannot be between themselves and others).
    pairs = n - 1
    if pairs < 2:
        return dict.fromkeys(nodes, 0.0)
    if k is None:
        total /= pairs * (pairs - 1)
    else:
        sampled = np.zeros(n, dtype=bool)
        sampled[[index[v] for v in sources]] = True
        total /= np.where(sampled, (k - 1) * (pairs - 1) if k > 1 else np.nan, k * (pairs - 1))
    return dict(zip(nodes, total.tolist()))


def measure(graph: "nx.Graph", rows: Iterable[Authorship] = ()) -> Analysis:
    """Centralities, communities and (given the author ``rows``) collaboration by year."""
    import networkx as nx
    from networkx.algorithms import community as nx_community

    analysis = Analysis(links=graph.number_of_edges())
    if graph.number_of_nodes() == 0:
        return analysis
    people = graph.number_of_nodes()
    exact = people <= EXACT_BETWEENNESS_LIMIT
    sources = people if exact else min(people, BETWEENNESS_SAMPLE)
    between = betweenness(graph, None if exact else sources)
    strength = dict(graph.degree(weight="weight"))
    # Louvain, seeded: on the 100k-paper corpus's graph 6 s against 93 s for greedy
    # modularity, with as high a modularity (0.4875 against 0.4866).
    groups = nx_community.louvain_communities(graph, weight="weight", seed=SEED)
    name = nx.get_node_attributes(graph, "name")
    ranked = [sorted(g, key=lambda n: (-strength[n], name[n], n)) for g in groups]
    ranked.sort(key=lambda g: (-len(g), name[g[0]]))
    community_of = {n: i for i, members in enumerate(ranked, 1) for n in members}

    analysis.betweenness_exact = exact
    analysis.betweenness_sources = sources
    analysis.components = nx.number_connected_components(graph)
    analysis.density = round(nx.density(graph), 6)
    analysis.modularity = round(nx_community.modularity(graph, groups, weight="weight"), 6)
    analysis.communities = [Community(i, len(m), [name[n] for n in m]) for i, m in enumerate(ranked, 1)]
    analysis.people = sorted(
        (PersonScore(person=name[n], iri=n, papers=graph.nodes[n]["papers"], degree=graph.degree(n),
                     weighted_degree=strength[n], betweenness=round(between[n], 6),
                     community=community_of[n]) for n in graph),
        key=lambda s: (-s.betweenness, -s.weighted_degree, s.person))
    analysis.years = collaboration_by_year(rows)
    return analysis


def collaboration_by_year(rows: Iterable[Authorship]) -> list[YearFigures]:
    """Papers, authors, co-author links and newcomers, year by year."""
    papers: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for paper, year, person, _ in rows:
        papers[year][paper].add(person)
    seen_people: set[str] = set()
    seen_links: set[tuple[str, str]] = set()
    figures = []
    for year in sorted(papers):
        lists = papers[year].values()
        people = set().union(*lists)
        links = {pair for authors in lists for pair in combinations(sorted(authors), 2)}
        figures.append(YearFigures(
            year=year, papers=len(lists), authors=len(people), links=len(links),
            new_links=len(links - seen_links), new_people=len(people - seen_people),
            authors_per_paper=round(sum(len(a) for a in lists) / len(lists), 2)))
        seen_people |= people
        seen_links |= links
    return figures


def analyze(store: Any) -> Analysis:
    """Project the co-author graph from ``store`` and measure it."""
    rows = authorships(store)
    return measure(project(rows), rows)
