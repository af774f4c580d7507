"""Co-author analytics (kg.analyze): the projection agrees with the queries, the measures are
right on the sample and on a hand-checked graph, results are deterministic, the CLI prints them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import analyze as analyze_module
from kg.analyze import SEED, analyze, authorships, betweenness, collaboration_by_year, measure, project
from kg.cli import app
from kg.query import load_query, run
from kg.store import GraphStore

OWNER = "Dhruv Mahajan"


@pytest.fixture(scope="module")
def sample_analysis(built_store_dir: Path):
    with GraphStore.open(built_store_dir, read_only=True) as store:
        return analyze(store)


def test_analyze_projects_every_person_and_pair(sample_analysis, sample_store: GraphStore) -> None:
    people = run(sample_store, load_query("people")).rows
    assert len(sample_analysis.people) == len(people) == 64
    assert sample_analysis.links == 132
    assert sample_analysis.components == 1


def test_analyze_weights_are_the_shared_papers_of_coauthor_pairs(sample_store: GraphStore) -> None:
    graph = project(authorships(sample_store))
    pairs = run(sample_store, load_query("coauthor-pairs"), {"minimum": "1"})
    from_query = {frozenset((a, b)): n for a, b, n, _, _ in pairs.rows}
    names = {n: graph.nodes[n]["name"] for n in graph}
    from_graph = {frozenset((names[u], names[v])): w for u, v, w in graph.edges(data="weight")}
    assert from_graph == from_query


def test_analyze_owner_is_the_hub(sample_analysis, sample_store: GraphStore) -> None:
    owner = sample_analysis.people[0]
    assert owner.person == OWNER
    assert (owner.papers, owner.degree, owner.weighted_degree) == (37, 63, 92)
    assert 0.9 < owner.betweenness <= 1
    coauthors = run(sample_store, load_query("coauthors"), {"person": OWNER}).rows
    assert owner.degree == len(coauthors)
    assert owner.weighted_degree == sum(row[1] for row in coauthors)
    dubey = next(p for p in sample_analysis.people if p.person == "Abhimanyu Dubey")
    assert (dubey.papers, dubey.degree, dubey.weighted_degree) == (7, 11, 19)
    betweenness = [p.betweenness for p in sample_analysis.people]
    assert betweenness == sorted(betweenness, reverse=True)


def test_analyze_communities_partition_the_people(sample_analysis) -> None:
    communities = sample_analysis.communities
    members = [m for c in communities for m in c.members]
    assert len(members) == len(set(members)) == 64
    assert [c.id for c in communities] == list(range(1, len(communities) + 1))
    assert [c.size for c in communities] == sorted((c.size for c in communities), reverse=True)
    assert communities[0].members[0] == OWNER
    assert 0 < sample_analysis.modularity < 1
    of = {p.person: p.community for p in sample_analysis.people}
    assert all(of[m] == c.id for c in communities for m in c.members)


def test_analyze_is_deterministic(built_store_dir: Path, sample_analysis) -> None:
    with GraphStore.open(built_store_dir, read_only=True) as store:
        again = analyze(store)
    assert again.as_dict() == sample_analysis.as_dict()


def test_analyze_collaboration_over_time(sample_analysis) -> None:
    years = {y.year: y for y in sample_analysis.years}
    assert sum(y.papers for y in years.values()) == 37
    assert sum(y.new_people for y in years.values()) == 64
    assert sum(y.new_links for y in years.values()) == 132
    assert (years[2019].papers, years[2019].authors, years[2019].new_people) == (9, 22, 21)
    assert years[2014].new_links == 0 and years[2014].links == 3


def test_analyze_small_graph_by_hand() -> None:
    # a - b - c - d in a line, and a paper of e alone: b and c carry every path.
    rows = [("p1", 2020, "a", "A"), ("p1", 2020, "b", "B"), ("p2", 2021, "b", "B"), ("p2", 2021, "c", "C"),
            ("p3", 2021, "c", "C"), ("p3", 2021, "d", "D"), ("p4", 2022, "c", "C"), ("p4", 2022, "d", "D"),
            ("p5", 2022, "e", "E")]
    graph = project(rows)
    result = measure(graph, rows)
    scores = {s.person: s for s in result.people}
    assert (scores["C"].degree, scores["C"].weighted_degree) == (2, 3)
    # Of the 6 pairs of the other four people, 2 have their shortest path through B, 2 through C.
    assert scores["B"].betweenness == scores["C"].betweenness == pytest.approx(2 / 6, abs=1e-6)
    assert scores["A"].betweenness == scores["E"].betweenness == 0
    assert scores["E"].degree == 0 and result.components == 2
    cd = graph.edges["c", "d"]
    assert (cd["weight"], cd["first"], cd["last"]) == (2, 2021, 2022)
    assert [(y.year, y.papers, y.links, y.new_links, y.new_people) for y in result.years] == [
        (2020, 1, 1, 1, 2), (2021, 2, 2, 2, 2), (2022, 2, 1, 0, 1)]
    assert collaboration_by_year([]) == []
    assert measure(project([])).people == []


def test_analyze_large_graph_estimates_betweenness(monkeypatch: pytest.MonkeyPatch, sample_store) -> None:
    monkeypatch.setattr(analyze_module, "EXACT_BETWEENNESS_LIMIT", 10)
    monkeypatch.setattr(analyze_module, "BETWEENNESS_SAMPLE", 20)
    first = analyze(sample_store)
    assert (first.betweenness_exact, first.betweenness_sources) == (False, 20)
    assert first.people[0].person == OWNER  # the hub stands out even from a sample
    assert analyze(sample_store).as_dict() == first.as_dict()  # the sample is seeded


def test_analyze_gives_the_same_answer_whatever_the_hash_seed(built_store_dir: Path) -> None:
    # Communities come from seeded Louvain; string hashing differs between processes, and
    # must not change them.
    import subprocess
    import sys

    answers = []
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "kg", "analyze", "--json", "--store", str(built_store_dir)],
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        answers.append(json.loads(done.stdout))
    assert answers[0] == answers[1]
    assert len(answers[0]["communities"]) > 1


def test_analyze_cli_tables_and_json(built_store_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", "--store", str(built_store_dir), "--top", "5"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "64 people, 132 links" in result.output
    for heading in ("most central people", "communities", "collaboration over time"):
        assert heading in result.output
    assert OWNER in result.output
    result = runner.invoke(app, ["analyze", "--store", str(built_store_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["people"], data["links"], data["components"]) == (64, 132, 1)
    assert len(data["scores"]) == 64 and data["scores"][0]["person"] == OWNER
    assert {"id", "size", "members"} <= set(data["communities"][0])
    assert [y["year"] for y in data["years"]][0] == 2013


def test_analyze_cli_prints_names_as_text_not_markup(tmp_path: Path) -> None:
    page = tmp_path / "m.profile.txt"
    page.write_text("[bold red]Mark Up[/bold red]\n\nCV\n\nCVJan 1, 2020\nA Paper\n\n"
                    "[bold red]Mark Up[/bold red], [link=x]Ann[/link]\n\nAbstract.\n", encoding="utf-8")
    from kg.build import build

    with GraphStore.open(tmp_path / "store") as store:
        build([page], store)
    result = CliRunner().invoke(app, ["analyze", "--store", str(tmp_path / "store")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "[bold red]Mark Up[/bold red]" in result.output
    assert "[link=x]Ann[/link]" in result.output


def _graphs():
    """Random co-author-like graphs: a big part, a pair apart and a person alone."""
    import networkx as nx

    for seed in (1, 2, 3):
        graph = nx.gnm_random_graph(70, 160, seed=seed)
        graph.add_edge("x", "y")
        graph.add_node("alone")
        yield graph


def test_betweenness_is_networkx_s_worked_out_with_arrays() -> None:
    import networkx as nx

    for graph in _graphs():
        assert betweenness(graph) == pytest.approx(nx.betweenness_centrality(graph), abs=1e-12)
        # from a sample: the same sources (seeded) and networkx's estimator for them
        for k in (1, 2, 9, 40):
            mine, theirs = betweenness(graph, k), nx.betweenness_centrality(graph, k=k, seed=SEED)
            assert mine.keys() == theirs.keys()
            assert [m == pytest.approx(t, abs=1e-12) or (m != m and t != t)  # NaN: k=1's source
                    for m, t in zip(mine.values(), theirs.values())] == [True] * len(mine)
        assert betweenness(graph, len(graph)) == betweenness(graph)  # a sample of everyone
        assert max(betweenness(graph).values()) > 0.05  # something to compare
    assert betweenness(nx.Graph()) == {} and betweenness(nx.path_graph(2)) == {0: 0.0, 1: 0.0}
    deep = nx.path_graph(analyze_module.DEEP_SEARCH + 40)  # a long chain: handed to networkx
    assert betweenness(deep) == pytest.approx(nx.betweenness_centrality(deep), abs=1e-12)
    assert betweenness(deep, 5) == pytest.approx(nx.betweenness_centrality(deep, k=5, seed=SEED), abs=1e-12)
    for k in (0, len(deep) + 1):  # as networkx: no sources, or more than there are, is an error
        with pytest.raises(ValueError):
            betweenness(deep, k)
