"""The store: one named graph per source, replaced atomically; one node per paper and
person across sources; the write lock; and SPARQL text that cannot be injected."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, Triple

from kg.build import build, build_into
from kg.errors import StoreError, StoreLockedError
from kg.iris import Minter
from kg.query import list_queries, load_query, run
from kg.store import UNION, GraphStore, compact

KG = "https://w3id.org/scholar-kg/ontology#"
NBM_TITLE = "Neural Basis Models for Interpretability"


def _quads(store: GraphStore) -> set[str]:
    return {str(q) for q in store.quads()}


def sample_block(sample: Path, first_line: int, length: int = 6) -> str:
    """Lines ``first_line``.. of the sample, verbatim: one paper's block."""
    lines = sample.read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[first_line - 1:first_line - 1 + length]) + "\n"


def second_profile(tmp_path: Path, sample: Path) -> Path:
    """Filip Radenovic's page: the sample's NBM paper block, verbatim, and one paper of his own."""
    nbm = sample_block(sample, 26)
    assert nbm.splitlines()[1] == NBM_TITLE
    page = textwrap.dedent("""\
        Filip Radenovic

        CV
        h-index20
        2papers
        5,000citations
        Novelty40%
        AI Score30

        2 Papers

        """) + nbm + textwrap.dedent("""
        CVJun 1, 2018
        Revisiting Oxford and Paris: Large-Scale Image Retrieval Benchmarking

        Filip Radenovic, Ahmet Iscen, Giorgos Tolias

        We revisit the Oxford and Paris retrieval benchmarks.
        """)
    path = tmp_path / "filip-radenovic.profile.txt"
    path.write_text(page, encoding="utf-8")
    return path


def test_store_build_twice_gives_same_quads(fresh_store: GraphStore, sample: Path) -> None:
    build([sample], fresh_store)
    first = _quads(fresh_store)
    count = len(fresh_store)
    build([sample], fresh_store)
    assert len(fresh_store) == count
    assert _quads(fresh_store) == first
    assert count > 1000


def test_store_one_named_graph_per_source(fresh_store: GraphStore, sample: Path) -> None:
    build([sample], fresh_store)
    graph = Minter().source(sample.name)
    assert fresh_store.graphs() == [graph]
    assert fresh_store.graph_size(graph) == len(fresh_store)
    assert not any(q.graph_name == DefaultGraph() for q in fresh_store.quads())


def test_store_two_sources_share_paper_and_people(fresh_store: GraphStore, sample: Path,
                                                  tmp_path: Path) -> None:
    other = second_profile(tmp_path, sample)
    build([sample, other], fresh_store)
    assert len(fresh_store.graphs()) == 2
    nbm = fresh_store.query(f"""
        SELECT DISTINCT ?p WHERE {{ ?p a <{KG}Paper> ; <{KG}title> "{NBM_TITLE}" }}""")
    assert len(list(nbm)) == 1
    # The shared paper is in both named graphs, as one node.
    in_graphs = fresh_store.query(f"""
        SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?p a <{KG}Paper> ; <{KG}title> "{NBM_TITLE}" }} }}""")
    assert len(list(in_graphs)) == 2
    filip = fresh_store.query(f"""
        SELECT DISTINCT ?who WHERE {{ ?who a <{KG}Person> ; <{KG}name> "Filip Radenovic" }}""")
    assert len(list(filip)) == 1
    total = next(iter(fresh_store.query(f"""
        SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{KG}Paper> }}""")))["n"].value
    assert int(total) == 37 + 1


def test_store_shared_people_query_finds_the_shared_people(fresh_store: GraphStore, sample: Path,
                                                            tmp_path: Path) -> None:
    build([sample, second_profile(tmp_path, sample)], fresh_store)
    result = run(fresh_store, load_query("shared-people"))
    assert {row[0] for row in result.rows} == {"Filip Radenovic", "Abhimanyu Dubey", "Dhruv Mahajan"}
    assert all(row[1] == 2 for row in result.rows)


def test_store_union_queries_count_shared_papers_once(fresh_store: GraphStore, sample: Path,
                                                      tmp_path: Path) -> None:
    # A triple held by two sources' graphs is one triple of the union graph: a query over the
    # union must not return a row once per graph (or per combination of graphs).
    build([sample, second_profile(tmp_path, sample)], fresh_store)
    result = run(fresh_store, load_query("papers-by-person"), {"person": "Abhimanyu Dubey"})
    papers = [row[-1] for row in result.rows]
    assert len(papers) == len(set(papers)) == 7
    paper_rows = run(fresh_store, load_query("paper"), {"title": NBM_TITLE}).rows
    assert len(paper_rows) == len({tuple(r) for r in paper_rows})


def test_store_read_only_missing_store_is_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        GraphStore.open(tmp_path / "nowhere", read_only=True)
    assert "nowhere" in str(info.value)
    assert not (tmp_path / "nowhere").exists()


def one_triple_store(location: Path) -> None:
    with GraphStore.open(location) as store:
        store.replace_graph(NamedNode("https://example.org/g"),
                            [Triple(NamedNode("https://example.org/s"), NamedNode("https://example.org/p"),
                                    Literal("o"))])


@contextmanager
def another_writer(location: Path) -> Iterator[None]:
    """Another process holding the store's write lock in the block."""
    writer = subprocess.Popen(
        [sys.executable, "-c",
         "import time\n"
         "from kg.store import GraphStore\n"
         f"store = GraphStore.open({str(location)!r})\n"
         "print('open', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open", writer.stderr.read()
        yield
    finally:
        writer.kill()
        writer.communicate()  # waits for it and closes its pipes


def test_store_write_lock(tmp_path: Path) -> None:
    location = tmp_path / "store"
    one_triple_store(location)
    with another_writer(location):
        with pytest.raises(StoreLockedError) as info:
            GraphStore.open(location)
        assert str(location) in str(info.value)
        assert info.value.exit_code == 2
        with GraphStore.open(location, read_only=True) as reader:
            assert len(reader) == 1


def _data_files(location: Path) -> int:
    return len(list(location.glob("*.sst")))


def test_store_compact_merges_the_files_later_builds_add_and_keeps_every_quad(tmp_path: Path,
                                                                             sample: Path) -> None:
    location = tmp_path / "store"
    with GraphStore.create(location) as store:  # compacted when it ends
        build([sample], store)
    built = _data_files(location)
    other = second_profile(tmp_path, sample)
    for _ in range(3):  # each build into the existing store writes files of its own
        with GraphStore.open(location) as store:
            build([other, sample], store)
    with GraphStore.open(location, read_only=True) as store:
        quads = _quads(store)
        coauthors = run(store, load_query("coauthors"), {"person": "Filip Radenovic"}).rows
    grown = _data_files(location)
    assert grown > built

    done = compact(location)

    assert (done.location, done.files_before, done.files_after) == (str(location), grown, _data_files(location))
    assert done.files_after < done.files_before
    assert done.bytes_after == sum(f.stat().st_size for f in location.iterdir())
    assert done.bytes_after < done.bytes_before and done.seconds >= 0
    with GraphStore.open(location, read_only=True) as store:
        assert _quads(store) == quads
        assert run(store, load_query("coauthors"), {"person": "Filip Radenovic"}).rows == coauthors
    again = compact(location)  # nothing left to merge
    assert again.files_before == again.files_after == done.files_after


def test_store_compact_needs_a_store_and_its_write_lock(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for nowhere in (tmp_path / "nowhere", tmp_path / "empty"):
        with pytest.raises(StoreError) as info:
            compact(nowhere)
        assert str(nowhere) in str(info.value) and "no store" in str(info.value)
    assert list((tmp_path / "empty").iterdir()) == []  # no store made in an empty folder
    assert not (tmp_path / "nowhere").exists()
    location = tmp_path / "store"
    one_triple_store(location)
    with another_writer(location):
        with pytest.raises(StoreLockedError) as locked:
            compact(location)
        assert str(location) in str(locked.value) and locked.value.exit_code == 2
    assert compact(location).files_after >= 1


def test_store_read_only_open_reads_again_when_a_writer_removed_a_file(tmp_path: Path) -> None:
    # Seen in the write-lock test above: a writer opening the store removed a file that the
    # read-only open had just found listed; RocksDB raised RuntimeError ("No such file"), and
    # the command died with a traceback. Here a real file of a real store is away for a moment
    # (the same error from RocksDB), then for good.
    from kg import store as store_module

    location = tmp_path / "store"
    one_triple_store(location)
    listed = sorted(location.glob("*.sst"))[0]
    away = listed.with_suffix(".away")
    os.rename(listed, away)
    back = threading.Timer(0.1, os.rename, (away, listed))
    back.start()
    try:
        with GraphStore.open(location, read_only=True) as reader:
            assert len(reader) == 1
    finally:
        back.join()
    os.rename(listed, away)  # for good: after every try, one line
    started = time.monotonic()
    with pytest.raises(StoreError, match=f"cannot open the store {location}: Corruption.*No such file"):
        GraphStore.open(location, read_only=True)
    waits = sum(0.05 * 2 ** attempt for attempt in range(store_module.READ_ONLY_ATTEMPTS - 1))
    assert time.monotonic() - started >= waits


INJECTIONS = ['"} ; DROP ALL ; #', "INSERT DATA { <a> <b> <c> }",
              '\\"} } ; CLEAR ALL ; INSERT DATA { GRAPH <g> { <a> <b> "',
              "line one\nline two\r\n\ttabbed", "back\\slash \\u0022 \\n", "Micha\u0142 \U0001f600 '''"]


def test_store_replace_graph_literals_cannot_inject(fresh_store: GraphStore) -> None:
    keep = NamedNode("https://example.org/source/keep")
    target = NamedNode("https://example.org/source/target")
    s, p = NamedNode("https://example.org/s"), NamedNode("https://example.org/p")
    fresh_store.replace_graph(keep, [Triple(s, p, Literal("kept"))])
    triples = [Triple(s, p, Literal(text)) for text in INJECTIONS]
    assert fresh_store.replace_graph(target, triples) == len(INJECTIONS)
    assert fresh_store.graphs() == sorted([keep, target], key=lambda g: g.value)
    assert fresh_store.graph_size(keep) == 1
    stored = {q.object.value for q in fresh_store.quads() if q.graph_name == target}
    assert stored == set(INJECTIONS)
    assert len(fresh_store) == 1 + len(INJECTIONS)
    # Replacing again with the same triples changes nothing.
    fresh_store.replace_graph(target, triples)
    assert len(fresh_store) == 1 + len(INJECTIONS)


LAYOUTS = ["union in the default graph", "union graph of an earlier version"]


def _built(location: Path, pages: list[Path], layout: str) -> GraphStore:
    """``pages`` built into a new store at ``location`` in ``layout``, opened read-only."""
    with GraphStore.open(location) as store:
        build(pages, store)
    if layout != LAYOUTS[0]:
        as_older_store(location)
    return GraphStore.open(location, read_only=True)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_store_graph_patterns_see_the_sources_only(layout: str, sample: Path, tmp_path: Path) -> None:
    # An older store's query is given the list of sources only when it names graphs (it costs
    # time on a big store); however GRAPH is written, it never sees the union.
    with _built(tmp_path / "store", [sample, second_profile(tmp_path, sample)], layout) as store:
        assert (store.union == UNION) == (layout != LAYOUTS[0])
        for keyword in ("GRAPH", "graph", "Graph"):
            found = store.query(f"""# GRAPH in a comment
                SELECT DISTINCT ?g WHERE {{ {keyword} ?g {{ ?p <{KG}title> "{NBM_TITLE}" }} }}""")
            assert {s["g"].value for s in found} == {g.value for g in store.graphs()}
            assert len(store.graphs()) == 2
        union = store.query(f"""# GRAPH ?g, only in a comment
            SELECT (COUNT(*) AS ?n) WHERE {{ ?p <{KG}title> "{NBM_TITLE}" }}""")
        assert next(iter(union))["n"].value == "1"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("pattern", ["GRAPH ?g", "GRAPH # a comment\n ?g", "graph\t?g"])
def test_store_no_spelling_of_graph_sees_the_union_graph(pattern: str, layout: str, sample: Path,
                                                         tmp_path: Path) -> None:
    with _built(tmp_path / "store", [sample], layout) as store:
        assert (store.union == UNION) == (layout != LAYOUTS[0])
        found = store.query(f"SELECT DISTINCT ?g WHERE {{ {pattern} {{ ?s ?p ?o }} }}")
        assert {s["g"].value for s in found} == {g.value for g in store.graphs()} != set()


# -- where the union is kept -----------------------------------------------------------------


def as_older_store(location: Path) -> None:
    """Turn a store into the layout earlier versions wrote: the same quads, with the union of
    the sources in the named graph UNION instead of the default graph."""
    store = Store(str(location))
    union = [Quad(q.subject, q.predicate, q.object, UNION)
             for q in store.quads_for_pattern(None, None, None, DefaultGraph())]
    store.extend(union)
    store.clear_graph(DefaultGraph())
    store.flush()
    del store


def _raw(location: Path) -> tuple[set[NamedNode], set[Triple], set[Triple]]:
    """The store's named graphs, the triples of its default graph and those of its sources."""
    store = Store.read_only(str(location))
    try:
        named = set(store.named_graphs())
        default = {q.triple for q in store.quads_for_pattern(None, None, None, DefaultGraph())}
        sources = {q.triple for q in store.quads_for_pattern(None, None, None, None)
                   if q.graph_name != DefaultGraph() and q.graph_name != UNION}
        return named, default, sources
    finally:
        del store


@pytest.mark.parametrize("how", ["bulk-loaded", "transactions"])
def test_store_keeps_the_union_in_its_default_graph(how: str, tmp_path: Path, sample: Path) -> None:
    pages = [sample, second_profile(tmp_path, sample)]
    location = tmp_path / "store"
    if how == "bulk-loaded":  # a new folder: kg build's bulk loader
        build_into(pages, location)
    else:
        with GraphStore.open(location) as store:
            build(pages, store)
    named, default, sources = _raw(location)
    with GraphStore.open(location, read_only=True) as store:
        assert store.union == DefaultGraph()
        assert named == set(store.graphs()) and len(named) == 2  # no union graph among them
        assert default == sources == set(store.union_triples())  # each triple once
        assert len(store) == len(_quads(store)) > len(default)  # the shared paper twice


def test_store_written_by_an_earlier_version_goes_on_keeping_its_union_graph(
        tmp_path: Path, sample: Path) -> None:
    second = second_profile(tmp_path, sample)
    new, older = tmp_path / "new", tmp_path / "older"
    build_into([sample, second], new)
    shutil.copytree(new, older)
    as_older_store(older)
    with GraphStore.open(new, read_only=True) as a, GraphStore.open(older, read_only=True) as b:
        assert (a.union, b.union) == (DefaultGraph(), UNION)
        for query in list_queries():
            expected, got = run(a, query), run(b, query)
            assert Counter(map(tuple, got.rows)) == Counter(map(tuple, expected.rows)), query.name
            assert set(got.triples or ()) == set(expected.triples or ()), query.name
        assert len(b) == len(a) and set(b.union_triples()) == set(a.union_triples())
        assert b.dump(RdfFormat.N_QUADS) == a.dump(RdfFormat.N_QUADS)
    source = Minter.from_env().source(second.name)
    for location in (new, older):  # written to, the older store keeps its layout
        with GraphStore.open(location) as store:
            store.drop_graph(source)
    with GraphStore.open(new, read_only=True) as a, GraphStore.open(older, read_only=True) as b:
        assert set(b.union_triples()) == set(a.union_triples())
        assert len(b) == len(a) == len(set(a.union_triples()))  # one source left
    for location in (new, older):
        with GraphStore.open(location) as store:
            build([second], store)
    named, default, sources = _raw(older)
    assert default == set() and UNION in named
    with GraphStore.open(new, read_only=True) as a, GraphStore.open(older, read_only=True) as b:
        assert b.union == UNION
        assert set(b.union_triples()) == set(a.union_triples()) == sources
        title = f'SELECT (COUNT(*) AS ?n) WHERE {{ ?p <{KG}title> "{NBM_TITLE}" }}'
        assert next(iter(b.query(title)))["n"].value == "1"


def _compaction_threads() -> dict[int, int]:
    """RocksDB's compaction threads in this process, with their niceness (Linux)."""
    threads = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            if (task / "comm").read_text().startswith("rocksdb:low"):
                threads[int(task.name)] = os.getpriority(os.PRIO_PROCESS, int(task.name))
        except OSError:  # the thread ended meanwhile
            continue
    return threads


def _may_lower_niceness() -> bool:
    """Whether this process may give a thread a lower niceness than it has (CAP_SYS_NICE)."""
    allowed = []

    def probe() -> None:
        os.setpriority(os.PRIO_PROCESS, 0, 1)  # 0: this thread
        try:
            os.setpriority(os.PRIO_PROCESS, 0, 0)
            allowed.append(True)
        except PermissionError:
            allowed.append(False)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return allowed[0]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(),
                    reason="thread priorities are read from Linux's /proc")
def test_store_new_store_compacts_at_the_lowest_priority_while_it_loads(tmp_path: Path) -> None:
    usual = os.getpriority(os.PRIO_PROCESS, 0)
    with GraphStore.create(tmp_path / "store") as store:
        for n in range(4):  # a bulk load each: overlapping files, which RocksDB compacts
            lines = [f'<https://example.org/s{n}-{i}> <https://example.org/p> "{i}" .'
                     for i in range(1000)]
            store.replace_graph_lines(NamedNode(f"https://example.org/g{n}"), lines)
            store._settle()
        loading = _compaction_threads()
    done = _compaction_threads()
    assert loading and set(loading.values()) == {19}
    # Set back to this process's niceness for the compaction at the end, where that is allowed.
    back = {usual} if _may_lower_niceness() else {19}
    assert set(done.values()) == back
    with GraphStore.open(tmp_path / "store", read_only=True) as store:
        assert len(store) == 4000
    with pytest.raises(StoreError), GraphStore.create(tmp_path / "failed"):
        raise StoreError("a bad page")  # a build that fails sets them back too
    assert set(_compaction_threads().values()) == back
