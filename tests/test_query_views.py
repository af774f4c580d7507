"""The queries behind the views (report, analyze, graph): their answers on the sample, and on
small pages made to show what the sample lacks (a code flag without a repository)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kg.build import build
from kg.query import load_query, run
from kg.store import GraphStore

OWNER = "Dhruv Mahajan"
KG = "https://w3id.org/scholar-kg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

VIEW_QUERIES = ["released-artifacts", "most-used-artifacts", "collaboration-by-year", "coauthor-pairs",
                "organisations-by-year", "code-disagreements", "code-availability", "person-summary",
                "coauthor-graph", "ego"]

CODE_PAGE = """Cody Coder

CV
h-index1
3papers
10citations
Novelty50%
AI Score5

3 Papers

CVJan 4, 2023Code
Flagged Without Repository

Cody Coder, Ann Bee

We study detectors and report results on ImageNet.

LGFeb 5, 2022
Repository Without Flag

Cody Coder

We train small models. Code is at https://github.com/cody/small-models.

LGMar 6, 2021Code
Flag And Repository Agree

Ann Bee, Cody Coder

We release everything at https://github.com/cody/agree.
"""


def answer(store: GraphStore, name: str, **values: str) -> list[dict[str, object]]:
    result = run(store, load_query(name), values)
    return [dict(zip(result.columns, row)) for row in result.rows]


@pytest.fixture(scope="module")
def code_store(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("code-page")
    page = folder / "cody.profile.txt"
    page.write_text(CODE_PAGE, encoding="utf-8")
    with GraphStore.open(folder / "store") as store:
        build([page], store)
        yield store


def test_query_views_are_in_the_library() -> None:
    for name in VIEW_QUERIES:
        query = load_query(name)
        assert query.title and query.description, name
    assert load_query("ego").form == "CONSTRUCT"


# --------------------------------------------------------------------------- artifacts


def test_query_released_artifacts_with_evidence_and_later_uses(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "released-artifacts", person=OWNER)
    released = {r["artifact"]: r for r in rows}
    assert len(released) == 21
    assert {"PACO", "Llama 3", "Llama Guard 3", "SWAG", "NBM", "SPAM", "Emu", "CrossEval"} <= set(released)
    paco = released["PACO"]
    assert (paco["type"], paco["released"], paco["title"]) == (
        "dataset", "2023-01-04", "PACO: Parts and Attributes of Common Objects")
    assert paco["matched"] in paco["evidence"] and "we introduce PACO" in paco["evidence"]
    assert 0 < paco["confidence"] <= 1 and paco["rule"]
    # Emu (released Sep 2023) is the one artifact a later paper of the sample used.
    uses = {(r["artifact"], r["usedIn"], r["usedOn"]) for r in rows if r["usedIn"]}
    assert uses == {("Emu", "Text-to-Sticker: Style Tailoring Latent Diffusion Models for Human Expression",
                     "2023-11-17")}
    assert all(r["usedOn"] >= r["released"] for r in rows if r["usedOn"])
    dates = [r["released"] for r in rows]
    assert dates == sorted(dates, reverse=True)


def test_query_released_artifacts_of_someone_else(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "released-artifacts", person="Abhimanyu Dubey")
    assert {r["artifact"] for r in rows} == {"Llama 3", "Llama Guard 3", "Context Diffusion", "CAT",
                                             "Concept Distillation", "DiHT", "NBM", "SPAM", "Geo-YFCC"}
    assert answer(sample_store, "released-artifacts", person="Nobody At All") == []


def test_query_most_used_artifacts(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "most-used-artifacts")
    assert (rows[0]["artifact"], rows[0]["type"], rows[0]["papers"], rows[0]["first"], rows[0]["last"]) == (
        "ImageNet", "dataset", 5, 2018, 2022)
    assert (rows[1]["artifact"], rows[1]["papers"]) == ("Hadoop", 3)
    assert [r["papers"] for r in rows] == sorted((r["papers"] for r in rows), reverse=True)
    assert len(rows) == 24
    emu = next(r for r in rows if r["artifact"] == "Emu")
    assert emu["releasedBy"] == 1  # used by one paper, released by another
    datasets = answer(sample_store, "most-used-artifacts", kind="dataset")
    assert {r["type"] for r in datasets} == {"dataset"}
    assert {r["artifact"] for r in datasets} == {
        "ImageNet", "Charades", "Cityscapes", "Ego4D", "HMDB51", "Kinetics-400", "LVIS", "Open Images",
        "UCF101", "YouTube-VIS"}
    models = answer(sample_store, "most-used-artifacts", kind="Model")
    assert {r["type"] for r in models} == {"model"} and len(models) == 8
    assert answer(sample_store, "most-used-artifacts", kind="no-such-kind") == []


# --------------------------------------------------------------------------- people


def test_query_collaboration_by_year(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "collaboration-by-year", person=OWNER)
    by_year = {r["year"]: r for r in rows}
    assert sorted(by_year) == [2013, 2014, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024]
    assert sum(r["papers"] for r in rows) == 37
    # Every co-author is new exactly once: in the year of their first shared paper.
    assert sum(r["newCoauthors"] for r in rows) == 63
    assert (by_year[2019]["papers"], by_year[2019]["coauthors"], by_year[2019]["newCoauthors"]) == (9, 21, 21)
    assert (by_year[2014]["coauthors"], by_year[2014]["newCoauthors"]) == (2, 0)
    assert all(r["newCoauthors"] <= r["coauthors"] for r in rows)


def test_query_coauthor_pairs(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "coauthor-pairs")
    assert (rows[0]["person1"], rows[0]["person2"], rows[0]["papers"]) == ("Abhimanyu Dubey", OWNER, 7)
    assert (rows[0]["first"], rows[0]["last"]) == (2019, 2024)
    assert all(r["papers"] >= 2 for r in rows)
    assert all(r["person1"] < r["person2"] for r in rows)
    assert ("Abhimanyu Dubey", "Filip Radenovic", 3) in {(r["person1"], r["person2"], r["papers"]) for r in rows}
    everyone = answer(sample_store, "coauthor-pairs", minimum="1")
    assert len(everyone) == 132
    assert len({(r["person1"], r["person2"]) for r in everyone}) == 132
    keerthi = [r for r in everyone if OWNER in (r["person1"], r["person2"])
               and "Sathiya Keerthi" in r["person1"] + r["person2"]]
    assert [r["papers"] for r in keerthi] == [6]  # two spellings, one person, one pair


def test_query_person_summary(sample_store: GraphStore) -> None:
    (row,) = answer(sample_store, "person-summary", person=OWNER)
    assert row["name"] == OWNER
    assert (row["papers"], row["coauthors"], row["first"], row["last"]) == (37, 63, 2013, 2024)
    assert (row["hIndex"], row["citations"], row["declaredPapers"], row["novelty"], row["aiScore"]) == (
        28, 20917, 37, 56, 39)
    assert row["source"] == "dhruv-mahajan.profile.txt"
    (keerthi,) = answer(sample_store, "person-summary", person="S. Sathiya Keerthi")
    assert (keerthi["name"], keerthi["papers"], keerthi["coauthors"]) == ("S Sathiya Keerthi", 6, 5)
    assert keerthi["hIndex"] is None and keerthi["source"] is None  # no profile page of their own
    assert answer(sample_store, "person-summary", person="Nobody At All") == []


def test_query_coauthor_graph_rows(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "coauthor-graph")
    assert len(rows) == 129  # authorships, the owner's "et al." ones included
    assert len({r["paper"] for r in rows}) == 37
    assert len({r["person"] for r in rows}) == 64
    assert sum(r["name"] == OWNER for r in rows) == 37


# --------------------------------------------------------------------------- organisations, code


def test_query_organisations_by_year(sample_store: GraphStore) -> None:
    expected = {("meta-ai", 2022): 3, ("meta-ai", 2023): 4, ("meta-ai", 2024): 1,
                ("allen-ai", 2024): 2, ("berkeley", 2024): 1}
    everyone = answer(sample_store, "organisations-by-year")
    assert {(r["tag"], r["year"]): r["papers"] for r in everyone} == expected
    owner = answer(sample_store, "organisations-by-year", person=OWNER)
    assert {(r["tag"], r["year"]): r["papers"] for r in owner} == expected
    totals = Counter()
    for r in answer(sample_store, "organisations-by-year", person="Abhimanyu Dubey"):
        totals[r["tag"]] += r["papers"]
    assert set(totals) <= {"meta-ai", "allen-ai", "berkeley"} and totals["meta-ai"] >= 1
    assert answer(sample_store, "organisations-by-year", person="Nobody At All") == []


def test_query_code_disagreements_none_on_the_sample(sample_store: GraphStore) -> None:
    assert answer(sample_store, "code-disagreements") == []
    assert answer(sample_store, "code-disagreements", person=OWNER) == []


def test_query_code_disagreements_both_ways(code_store: GraphStore) -> None:
    rows = answer(code_store, "code-disagreements")
    assert {(r["title"], r["flag"], r["repository"], r["disagreement"]) for r in rows} == {
        ("Flagged Without Repository", True, None, "flagged Code, but no repository linked"),
        ("Repository Without Flag", False, "https://github.com/cody/small-models",
         "repository linked, but not flagged Code"),
    }
    assert [r["title"] for r in answer(code_store, "code-disagreements", person="Ann Bee")] == [
        "Flagged Without Repository"]


def test_query_code_availability(sample_store: GraphStore, code_store: GraphStore) -> None:
    rows = answer(sample_store, "code-availability", person=OWNER)
    assert sum(r["papers"] for r in rows) == 37
    assert (sum(r["flagged"] for r in rows), sum(r["linked"] for r in rows),
            sum(r["withCode"] for r in rows)) == (7, 7, 7)
    assert {r["year"]: r["withCode"] for r in rows if r["withCode"]} == {2019: 1, 2021: 1, 2022: 3, 2023: 2}
    cody = {r["year"]: (r["papers"], r["flagged"], r["linked"], r["withCode"])
            for r in answer(code_store, "code-availability", person="Cody Coder")}
    assert cody == {2021: (1, 1, 1, 1), 2022: (1, 0, 1, 1), 2023: (1, 1, 0, 1)}
    ann = {r["year"]: r["papers"] for r in answer(code_store, "code-availability", person="Ann Bee")}
    assert ann == {2021: 1, 2023: 1}  # only her papers


# --------------------------------------------------------------------------- the ego network


def _typed_nodes(triples) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate.value == RDF_TYPE:
            kinds.setdefault(t.subject.value, set()).add(t.object.value.removeprefix(KG))
    return kinds


def test_query_ego_network_of_the_owner(sample_store: GraphStore) -> None:
    result = run(sample_store, load_query("ego"), {"person": OWNER})
    assert result.triples is not None
    kinds = _typed_nodes(result.triples)
    counted = Counter(next(iter(k - {"Artifact"})) if k - {"Artifact"} else "Artifact" for k in kinds.values())
    assert counted["Paper"] == 37 and counted["Person"] == 64
    assert counted["OrganisationTag"] == 3 and counted["CodeRepository"] == 6
    assert sum(counted[k] for k in ("Dataset", "Benchmark", "Model", "Method", "Software")) == 21
    assert len(kinds) == 131
    links = Counter(t.predicate.value.removeprefix(KG) for t in result.triples
                    if t.predicate.value.startswith(KG) and t.object.__class__.__name__ == "NamedNode")
    assert links["hasAuthor"] == 129


def test_query_ego_network_of_a_coauthor_is_their_part(sample_store: GraphStore) -> None:
    result = run(sample_store, load_query("ego"), {"person": "Abhimanyu Dubey"})
    kinds = _typed_nodes(result.triples)
    papers = [n for n, k in kinds.items() if "Paper" in k]
    assert len(papers) == 7
    assert len(kinds) < 131
    assert run(sample_store, load_query("ego"), {"person": "Nobody At All"}).triples == []


def test_query_views_bind_person_safely(sample_store: GraphStore) -> None:
    evil = 'Dhruv Mahajan"} ; DROP ALL ; #'
    for name in ("released-artifacts", "collaboration-by-year", "person-summary", "code-availability",
                 "organisations-by-year", "code-disagreements"):
        assert answer(sample_store, name, person=evil) == [], name
    assert run(sample_store, load_query("ego"), {"person": evil}).triples == []


def test_query_views_run_on_a_fresh_page(code_store: GraphStore, tmp_path: Path) -> None:
    (row,) = answer(code_store, "person-summary", person="Cody Coder")
    assert (row["papers"], row["coauthors"], row["hIndex"]) == (3, 1, 1)
    assert [r["person1"] + " & " + r["person2"] for r in answer(code_store, "coauthor-pairs")] == [
        "Ann Bee & Cody Coder"]
