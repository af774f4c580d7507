"""The query library: every query runs and says what it answers; answers on the sample;
parameters are bound as RDF terms, never pasted; errors name the query."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal

from kg.build import build
from kg.errors import KgError, QueryError
from kg.query import NamedQuery, list_queries, load_query, run, with_bindings
from kg.store import GraphStore

QUERIES = list_queries()
OWNER = "Dhruv Mahajan"


def answer(store: GraphStore, name: str, **values: str) -> list[dict[str, object]]:
    result = run(store, load_query(name), values)
    return [dict(zip(result.columns, row)) for row in result.rows]


# --------------------------------------------------------------------------- the library


def test_query_library_is_not_empty() -> None:
    names = {q.name for q in QUERIES}
    assert {"papers-by-person", "coauthors", "categories-by-year", "papers-with-code", "organisations",
            "profile-header", "paper", "shared-people", "people", "graph-nodes", "graph-edges"} <= names


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_runs_on_the_sample(query: NamedQuery, sample_store: GraphStore) -> None:
    result = run(sample_store, query)
    assert result.columns
    assert all(len(row) == len(result.columns) for row in result.rows)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_has_title_and_description(query: NamedQuery) -> None:
    assert query.title.strip()
    assert len(query.description.split()) >= 4
    assert query.path and Path(query.path).name == f"{query.name}.rq"
    for param in query.params:
        assert param.doc, f"{query.name}: parameter {param.name} is not documented"
        assert f"?{param.name}" in query.text


# --------------------------------------------------------------------------- answers on the sample


def test_query_papers_by_person(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "papers-by-person", person=OWNER)
    assert len(rows) == 37
    assert len({r["paper"] for r in rows}) == 37
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    assert sum(r["code"] is True for r in rows) == 7


def test_query_coauthors(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "coauthors", person=OWNER)
    assert len(rows) == 63
    assert (rows[0]["coauthor"], rows[0]["papers"]) == ("Abhimanyu Dubey", 7)
    assert OWNER not in {r["coauthor"] for r in rows}
    assert [r["papers"] for r in rows] == sorted((r["papers"] for r in rows), reverse=True)
    keerthi = [r for r in rows if "Sathiya Keerthi" in r["coauthor"]]
    assert len(keerthi) == 1  # two spellings, one person


def test_query_categories_by_year(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "categories-by-year")
    assert sum(r["papers"] for r in rows) == 37
    per_category: dict[str, int] = {}
    for r in rows:
        per_category[r["category"]] = per_category.get(r["category"], 0) + r["papers"]
    assert per_category == {"cs.CV": 22, "cs.LG": 10, "cs.AI": 2, "cs.CL": 2, "stat.ML": 1}


def test_query_papers_with_code(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "papers-with-code")
    assert len({r["title"] for r in rows if r["flag"] is True}) == 7
    assert len({r["repository"] for r in rows if r["repository"]}) == 6


def test_query_organisations(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "organisations")
    assert {r["tag"]: r["papers"] for r in rows} == {"meta-ai": 8, "allen-ai": 2, "berkeley": 1}
    assert rows[0]["tag"] == "meta-ai"


def test_query_profile_header(sample_store: GraphStore) -> None:
    (row,) = answer(sample_store, "profile-header")
    assert row["person"] == OWNER
    assert row["hIndex"] == 28
    assert (row["declaredPapers"], row["listedPapers"], row["citations"]) == (37, 37, 20917)
    assert (row["novelty"], row["aiScore"], row["category"]) == (56, 39, "cs.CV")


def test_query_paper(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "paper", title="PACO")
    facts = {(r["property"], r["value"]) for r in rows}
    assert ("title", "PACO: Parts and Attributes of Common Objects") in facts
    assert ("publicationDate", "2023-01-04") in facts
    authors = [r["value"] for r in rows if str(r["property"]).startswith("author ")]
    assert authors[:3] == ["Vignesh Ramanathan", "Anmol Kalia", "Vladan Petrovic"]
    assert ("author (from the profile listing)", OWNER) in facts
    assert {r["paperTitle"] for r in rows} == {"PACO: Parts and Attributes of Common Objects"}


def test_query_shared_people_empty_with_one_profile(sample_store: GraphStore) -> None:
    assert answer(sample_store, "shared-people") == []


def test_query_people(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "people")
    assert len(rows) == 64
    assert rows[0]["person"] == OWNER and rows[0]["papers"] == 37
    keerthi = [r for r in rows if "Sathiya Keerthi" in r["person"]]
    assert len(keerthi) == 1
    assert set(keerthi[0]["spellings"].split(" | ")) == {"S Sathiya Keerthi", "S. Sathiya Keerthi"}
    assert {"I. Zeki Yalniz", "Zeki Yalniz"} <= {r["person"] for r in rows}


def test_query_graph_view(sample_store: GraphStore) -> None:
    nodes = answer(sample_store, "graph-nodes")
    edges = answer(sample_store, "graph-edges")
    assert nodes and edges
    node_ids = {r["node"] for r in nodes}
    assert all(r["source"] in node_ids and r["target"] in node_ids for r in edges
               if r["link"].endswith("#hasAuthor"))


# --------------------------------------------------------------------------- binding is safe


@pytest.fixture()
def writable_sample(fresh_store: GraphStore, sample: Path) -> GraphStore:
    build([sample], fresh_store)
    return fresh_store


@pytest.mark.parametrize("evil", [
    'Dhruv Mahajan"} ; DROP ALL ; #',
    'Dhruv Mahajan" } } ; DROP ALL ; SELECT * { "',
    "Dhruv Mahajan' } ; DROP ALL ; #",
    'Dhruv Mahajan"^^<x> . } DROP ALL #',
    "Dhruv Mahajan\\",
])
def test_query_parameter_cannot_inject(evil: str, writable_sample: GraphStore) -> None:
    before = {str(q) for q in writable_sample.quads()}
    assert answer(writable_sample, "papers-by-person", person=evil) == []
    assert answer(writable_sample, "coauthors", person=evil) == []
    assert {str(q) for q in writable_sample.quads()} == before
    assert len(answer(writable_sample, "papers-by-person", person=OWNER)) == 37


def test_query_binding_keeps_the_value_in_one_literal() -> None:
    text = with_bindings("SELECT ?person WHERE { ?who <https://example.org/name> ?person }",
                         {"person": Literal('a"} ; DROP ALL ; #')})
    assert '"a\\"} ; DROP ALL ; #"' in text


WEIRD = 'Dara "DJ" O\\Neil'


def test_query_names_with_quotes_backslash_newline(fresh_store: GraphStore, tmp_path: Path) -> None:
    page = tmp_path / "dara.txt"
    page.write_text(f"{WEIRD}\n\nCV\n\nCVJan 1, 2020\nA Paper\n\n{WEIRD}, Ann Bee\n\nAbstract.\n",
                    encoding="utf-8")
    build([page], fresh_store)
    rows = answer(fresh_store, "papers-by-person", person=WEIRD)
    assert [r["title"] for r in rows] == ["A Paper"]
    assert [r["coauthor"] for r in answer(fresh_store, "coauthors", person=WEIRD)] == ["Ann Bee"]
    assert answer(fresh_store, "papers-by-person", person=WEIRD + "\n") == []
    assert answer(fresh_store, "papers-by-person", person='line\none "two"\r\n\\three') == []


# --------------------------------------------------------------------------- errors


def test_query_unknown_parameter_lists_the_parameters(sample_store: GraphStore) -> None:
    with pytest.raises(QueryError) as info:
        run(sample_store, load_query("papers-by-person"), {"persn": OWNER})
    message = str(info.value)
    assert "persn" in message and "person" in message.replace("persn", "")
    assert "papers-by-person" in message


def test_query_unknown_name_lists_the_queries() -> None:
    with pytest.raises(QueryError) as info:
        load_query("nope")
    message = str(info.value)
    assert "nope" in message
    assert all(q.name in message for q in QUERIES)


def test_query_bad_rq_syntax_names_it(tmp_path: Path, sample_store: GraphStore) -> None:
    bad = tmp_path / "broken-query.rq"
    bad.write_text("# title: Broken\n# description: does not parse at all\nSELECT ?x WHERE { ?x ?y \n",
                   encoding="utf-8")
    with pytest.raises(QueryError) as info:
        run(sample_store, load_query(str(bad)))
    assert "broken-query" in str(info.value)


def test_query_bad_param_line_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad-param.rq"
    bad.write_text("# title: Bad\n# param: who colour red -- a colour\nSELECT * WHERE { ?s ?p ?who }\n",
                   encoding="utf-8")
    with pytest.raises(QueryError) as info:
        load_query(str(bad))
    assert "bad-param" in str(info.value)


def test_query_failing_at_evaluation_is_our_error(tmp_path: Path, sample_store: GraphStore) -> None:
    # A query that parses but fails while it runs (here a SERVICE call to a port pyoxigraph
    # refuses without touching the network) must come out as our error naming the query.
    rq = tmp_path / "remote-service.rq"
    rq.write_text("# title: Remote\n# description: asks a SPARQL endpoint that is not there\n"
                  "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }\n", encoding="utf-8")
    with pytest.raises(KgError) as info:
        run(sample_store, load_query(str(rq)))
    assert "remote-service" in str(info.value)


def test_query_binding_fills_the_query_own_slots() -> None:
    text = with_bindings('SELECT * WHERE { { SELECT ?p WHERE { VALUES ?title { "x}y" } ?p <t> ?title } }\n'
                         '  # VALUES ?title { "in a comment" }\n'
                         '  { VALUES ?title {"z"} ?q <u> ?title } ?a <b> ?c }',
                         {"title": Literal('a"} ; DROP ALL ; #'), "c": Literal("c")})
    assert text.count('VALUES ?title {"a\\"} ; DROP ALL ; #"}') == 2
    assert '"x}y"' not in text and '"z"' not in text
    assert '# VALUES ?title { "in a comment" }' in text  # comments are left alone
    assert 'VALUES (?c) { ("c") }' in text  # no slot: bound at the top


@pytest.mark.parametrize("query", [q for q in list_queries()
                                   if any(f"VALUES ?{p.name} " in q.text for p in q.params)],
                         ids=lambda q: q.name)
def test_query_slots_hold_the_declared_defaults(query: NamedQuery) -> None:
    # A .rq file with its own slots runs as it is elsewhere: the slot holds the default.
    import re

    found = 0
    for param in query.params:
        for default in re.findall(r"VALUES \?" + param.name + r" \{ (.*?) \}", query.text):
            assert default == f'"{param.default}"', (param.name, default)
            found += 1
    assert found


def test_query_paper_title_search_with_a_slot_still_finds_one_paper(sample_store: GraphStore) -> None:
    rows = answer(sample_store, "paper-evidence", paper="paco")
    assert {r["artifact"] for r in rows} >= {"PACO"}
    assert answer(sample_store, "person-summary", person="Nobody Here") == []


def test_query_slot_values_are_never_read_as_slots_or_syntax() -> None:
    # A value that looks like a slot, slots in comments and strings: the text is read once,
    # as written, and every bound value stays one literal.
    text = ('SELECT * WHERE { VALUES ?a { "x" } VALUES ?b { "y" } ?s <http://e/p> "VALUES ?b { 1 }" '
            '} # VALUES ?a { "in a comment" }')
    evil = Literal('VALUES ?b {} } { SERVICE <http://attacker.example/> { ?x ?y ?z } } #')
    filled = with_bindings(text, {"a": evil, "b": Literal("}")})
    assert filled.count("SERVICE") == 1 and '"VALUES ?b {} } { SERVICE' in filled
    assert 'VALUES ?b {"}"}' in filled
    assert '"VALUES ?b { 1 }"' in filled and '# VALUES ?a { "in a comment" }' in filled
    from pyoxigraph import Store

    Store().query(filled)  # it parses: the values did not change its shape


def test_query_mask_reads_escapes_in_long_strings() -> None:
    from kg.sparql import mask

    text = 'SELECT * WHERE { FILTER("""a \\"""" != "") GRAPH ?g { ?s ?p ?o } }'
    assert "GRAPH ?g" in mask(text)
    assert mask("SELECT * { ?s ?p '''x ''' } # GRAPH").count("GRAPH") == 0
