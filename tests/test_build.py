"""The builder end to end: read -> extract -> store, on the sample and on pages made here."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from kg.build import build
from kg.errors import InputError, KgError, ProfileError
from kg.iris import Minter
from kg.reader import read_file
from kg.store import GraphStore

PREFIX = "PREFIX kg: <https://w3id.org/scholar-kg/ontology#>\n" \
         "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
OWNER = "Dhruv Mahajan"


def scalar(store: GraphStore, sparql: str) -> int:
    row = next(iter(store.query(PREFIX + sparql)))
    return int(row["n"].value)


def page(name: str, papers: str, header: str = "CV\nh-index1\n") -> str:
    return f"{name}\n\n{header}\n" + textwrap.dedent(papers)


GOOD = page("Ann Bee", """\
    CVJan 1, 2020Code
    A Good Paper

    Ann Bee, Cid Dee

    We introduce GoodNet. Code: https://github.com/ann/goodnet.
    """)


# --------------------------------------------------------------------------- the sample


def test_build_sample_counts(sample_store: GraphStore) -> None:
    assert scalar(sample_store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kg:Paper }") == 37
    assert scalar(sample_store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kg:Person }") == 64
    assert scalar(sample_store, "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a kg:OrganisationTag }") == 3


def test_build_sample_summary(fresh_store: GraphStore, sample: Path) -> None:
    summary = build([sample], fresh_store)
    assert (summary.papers, summary.people) == (37, 64)
    assert summary.triples == len(fresh_store)
    assert [(s.source, s.person, s.papers) for s in summary.sources] == [(sample.name, OWNER, 37)]
    assert summary.warnings == []


def test_build_sample_org_tags(sample_store: GraphStore) -> None:
    rows = sample_store.query(PREFIX + """
        SELECT ?label (COUNT(DISTINCT ?p) AS ?n)
        WHERE { ?p kg:organisationTag ?t . ?t skos:prefLabel ?label } GROUP BY ?label""")
    assert {r["label"].value: int(r["n"].value) for r in rows} == {"meta-ai": 8, "allen-ai": 2, "berkeley": 1}


def test_build_sample_papers_per_category(sample_store: GraphStore) -> None:
    rows = sample_store.query(PREFIX + """
        SELECT ?code (COUNT(DISTINCT ?p) AS ?n)
        WHERE { ?p a kg:Paper ; kg:category ?c . ?c kg:codeAsWritten ?code } GROUP BY ?code""")
    assert {r["code"].value: int(r["n"].value) for r in rows} == \
        {"CV": 22, "LG": 10, "AI": 2, "CL": 2, "ML": 1}
    # Every paper has exactly one category.
    assert scalar(sample_store, """SELECT (COUNT(*) AS ?n) WHERE {
        SELECT ?p WHERE { ?p a kg:Paper ; kg:category ?c }
        GROUP BY ?p HAVING (COUNT(DISTINCT ?c) != 1) }""") == 0


def test_build_sample_code_flags_and_repositories(sample_store: GraphStore) -> None:
    assert scalar(sample_store, """SELECT (COUNT(DISTINCT ?p) AS ?n)
                                   WHERE { ?p a kg:Paper ; kg:hasCodeFlag true }""") == 7
    assert scalar(sample_store, """SELECT (COUNT(DISTINCT ?p) AS ?n)
                                   WHERE { ?p a kg:Paper ; kg:hasCodeFlag false }""") == 30
    assert scalar(sample_store, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a kg:CodeRepository }") == 6
    # Two papers (NBM and SPAM) share one repository.
    assert scalar(sample_store, """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?p kg:hasCodeRepository <https://github.com/facebookresearch/nbm-spam> }""") == 2


def test_build_owner_listing_authorship_only_where_hidden(sample_store: GraphStore, sample: Path) -> None:
    profile = read_file(sample)
    hidden = {p.line for p in profile.papers if OWNER not in p.authors}
    listed = {p.line for p in profile.papers if OWNER in p.authors}
    assert len(hidden) == 18 and len(listed) == 19
    rows = list(sample_store.query(PREFIX + f"""
        SELECT ?line ?flag WHERE {{
          ?paper kg:sourceLine ?line ; kg:authorship ?a .
          ?a kg:author ?owner . ?owner kg:name "{OWNER}" .
          OPTIONAL {{ ?a kg:fromProfileListing ?flag }}
        }}"""))
    flagged = {int(r["line"].value) for r in rows if r["flag"] is not None and r["flag"].value == "true"}
    unflagged = {int(r["line"].value) for r in rows if r["flag"] is None}
    assert flagged == hidden
    assert unflagged == listed
    # The owner is an author (kg:hasAuthor) of every paper on the profile.
    assert scalar(sample_store, f"""SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{
        ?p a kg:Paper ; kg:hasAuthor ?o . ?o kg:name "{OWNER}" }}""") == 37


def test_build_authorship_positions_in_order(sample_store: GraphStore, sample: Path) -> None:
    profile = read_file(sample)
    rows = sample_store.query(PREFIX + """
        SELECT ?line ?pos ?name WHERE {
          ?paper kg:sourceLine ?line ; kg:authorship ?a .
          ?a kg:position ?pos ; kg:nameAsWritten ?name }""")
    by_line: dict[int, dict[int, str]] = {}
    for r in rows:
        by_line.setdefault(int(r["line"].value), {})[int(r["pos"].value)] = r["name"].value
    for paper in profile.papers:
        positions = by_line[paper.line]
        assert sorted(positions) == list(range(1, len(paper.authors) + 1))
        assert tuple(positions[i] for i in sorted(positions)) == paper.authors


def test_build_two_hidden_owners_get_their_own_authorships(fresh_store: GraphStore, sample: Path,
                                                           tmp_path: Path) -> None:
    # The sample's PACO block (owner hidden behind "et al."), verbatim, on a second profile
    # whose owner is hidden too: each authorship still has exactly one author.
    lines = sample.read_text(encoding="utf-8").split("\n")
    paco = "\n".join(lines[11:17]) + "\n"
    other = tmp_path / "kate.txt"
    other.write_text("Kate Example\n\nCV\n\n" + paco, encoding="utf-8")
    build([sample, other], fresh_store)
    assert scalar(fresh_store, """SELECT (COUNT(*) AS ?n) WHERE {
        SELECT ?a WHERE { ?a a kg:Authorship ; kg:author ?who } GROUP BY ?a
        HAVING (COUNT(DISTINCT ?who) != 1) }""") == 0
    assert scalar(fresh_store, """SELECT (COUNT(DISTINCT ?who) AS ?n) WHERE {
        ?p kg:title "PACO: Parts and Attributes of Common Objects" ; kg:authorship ?a .
        ?a kg:fromProfileListing true ; kg:author ?who }""") == 2


# --------------------------------------------------------------------------- strict and failures


def test_build_unknown_category_warns(fresh_store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_text(GOOD.replace("CVJan 1, 2020Code", "QQJan 1, 2020Code"), encoding="utf-8")
    summary = build([path], fresh_store)
    assert any("QQ" in w.message for w in summary.warnings)
    assert scalar(fresh_store, """SELECT (COUNT(*) AS ?n)
                                  WHERE { ?c kg:codeAsWritten "QQ" ; kg:inArxivTaxonomy false }""") == 1


def test_build_strict_unknown_category_changes_nothing(fresh_store: GraphStore, sample: Path,
                                                       tmp_path: Path) -> None:
    build([sample], fresh_store)
    before = {str(q) for q in fresh_store.quads()}
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    odd = tmp_path / "odd.txt"
    odd.write_text(GOOD.replace("CVJan 1, 2020Code", "QQJan 1, 2020Code"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        build([good, odd], fresh_store, strict=True)
    assert "QQ" in str(info.value)
    assert {str(q) for q in fresh_store.quads()} == before


def test_build_strict_clean_page_builds(fresh_store: GraphStore, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    summary = build([good], fresh_store, strict=True)
    assert (summary.papers, summary.people) == (1, 2)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("bad", ["missing", "empty", "not-utf8", "impossible-date", "folder-without-pages"])
def test_build_failed_build_writes_nothing(bad: str, jobs: int, fresh_store: GraphStore, sample: Path,
                                           tmp_path: Path) -> None:
    target = tmp_path / f"{bad}.txt"
    if bad == "empty":
        target.write_text("\n\n", encoding="utf-8")
    elif bad == "not-utf8":
        target.write_bytes(GOOD.replace("Ann Bee", "Ann B\u00e9e").encode("latin-1"))
    elif bad == "impossible-date":
        target.write_text(GOOD.replace("Jan 1, 2020", "Feb 31, 2020"), encoding="utf-8")
    elif bad == "folder-without-pages":
        target = tmp_path / "empty-folder"
        target.mkdir()
    with pytest.raises(ProfileError) as info:
        build([sample, target], fresh_store, jobs=jobs)
    assert target.name in str(info.value)
    assert info.value.path.endswith(target.name)  # whole, when a worker process raised it
    assert len(fresh_store) == 0
    assert fresh_store.graphs() == []


@pytest.mark.parametrize("strict", [False, True])
def test_build_on_two_processes_tells_the_first_bad_page_in_order(strict: bool, fresh_store: GraphStore,
                                                                  tmp_path: Path) -> None:
    # Pages are read on several processes, answers taken in order: the error is the first
    # page's that has one, as one process reading them in turn would say, even when a later
    # path is missing or a later page is answered first.
    pages = tmp_path / "lab"
    pages.mkdir()
    for i in range(6):  # all of them in flight at once
        (pages / f"p{i:02}.txt").write_text(GOOD.replace("A Good Paper", f"Paper {i}"), encoding="utf-8")
    bad = GOOD.replace("CVJan 1", "XYJan 1") if strict else GOOD.replace("Jan 1, 2020", "Feb 31, 2020")
    (pages / "p03.txt").write_text(bad, encoding="utf-8")
    (pages / "p05.txt").write_text(GOOD.replace("Jan 1, 2020", "Feb 31, 2020"), encoding="utf-8")
    for jobs in (1, 2):
        with pytest.raises(InputError) as info:
            build([pages, tmp_path / "missing.txt"], fresh_store, jobs=jobs, strict=strict)
        assert "p03.txt:" in str(info.value), str(info.value)
        assert "nothing was written" in str(info.value) or not strict
    assert len(fresh_store) == 0


def test_build_same_file_name_in_two_folders_loses_nothing(fresh_store: GraphStore, tmp_path: Path) -> None:
    # A lab folder with sub-folders: two different pages that happen to share a file name.
    # The build must keep both (or refuse with our error), never silently drop one.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "profile.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b" / "profile.txt").write_text(
        page("Eve Fay", """\
            LGFeb 2, 2021
            Another Paper

            Eve Fay

            We study things.
            """), encoding="utf-8")
    try:
        summary = build([tmp_path / "a", tmp_path / "b"], fresh_store)
    except KgError:
        assert len(fresh_store) == 0
        return
    assert summary.papers == 2
    assert scalar(fresh_store, 'SELECT (COUNT(*) AS ?n) WHERE { ?p kg:name "Ann Bee" }') == 1
    assert scalar(fresh_store, 'SELECT (COUNT(*) AS ?n) WHERE { ?p kg:name "Eve Fay" }') == 1


def test_build_abstract_with_odd_urls_builds(fresh_store: GraphStore, tmp_path: Path) -> None:
    # URLs as abstracts really write them: a stray '%', an unclosed bracket, a bad port.
    # The build must succeed (the odd URLs kept or dropped, with a warning if you like) or
    # fail with our error; never with a bare ValueError from IRI parsing.
    path = tmp_path / "urls.txt"
    path.write_text(GOOD.replace(
        "Code: https://github.com/ann/goodnet.",
        "Get 50% off at https://example.org/save-50%-now and see http://[oops/ and "
        "https://example.org:port/x. Code: https://github.com/ann/goodnet."), encoding="utf-8")
    try:
        build([path], fresh_store)
    except KgError:
        return
    assert scalar(fresh_store, "SELECT (COUNT(*) AS ?n) WHERE { ?p kg:hasCodeRepository ?r }") == 1


def test_build_uses_the_minter_base(fresh_store: GraphStore, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    build([good], fresh_store, minter=Minter("https://example.org/kg/"))
    subjects = {q.subject.value for q in fresh_store.quads() if hasattr(q.subject, "value")}
    ours = {s for s in subjects if "/person/" in s or "/paper/" in s}
    assert ours and all(s.startswith("https://example.org/kg/") for s in ours)
    assert fresh_store.graphs()[0].value.startswith("https://example.org/kg/source/")


# --------------------------------------------------------------------------- bulk loading


SHARED = """\
    CVJan 1, 2020Code
    A Shared Paper

    Ann Bee, Cid Dee et al. · lab-a

    We introduce SharedNet, trained on ImageNet. Code: https://github.com/ann/shared.
    """


def test_bulk_parts_give_a_shared_paper_one_key_on_every_page() -> None:
    # Ann is named on the paper (and hidden behind "et al." on another); Eve lists it behind
    # "et al.", on another line of her page: what belongs to each page differs, the paper's
    # own part is the same triples, one key.
    from kg.build import bulk_parts, profile_triples
    from kg.extract import Context
    from kg.reader import read_text

    ann = page("Ann Bee", SHARED + """
        LGMay 5, 2021
        Other Work

        Zed Yu et al.

        We study more things.
        """)
    eve = page("Eve Fay", """\
        CVMar 3, 2019
        Something Else

        Eve Fay

        We study things.

        """ + SHARED)
    keyed = []
    for name, text in (("ann.txt", ann), ("eve.txt", eve)):
        triples = profile_triples(read_text(text, name), Context(Minter()))
        graph = Minter().source(name)
        union, quads, count = bulk_parts(graph, triples)
        lines = {f"{t.subject} {t.predicate} {t.object} ." for t in triples}
        parts = [data.decode().split("\n") for _, data in union]
        assert sorted(line for part in parts for line in part) == sorted(lines)  # all, once
        assert count == len(lines) == quads.count(b"\n")
        assert all(key == b"" or len(key) == 16 for key, _ in union)
        keyed.append({key: data.decode() for key, data in union if key})
    paper = [{k for k, text in page_keys.items() if '"A Shared Paper"' in text} for page_keys in keyed]
    assert len(paper[0]) == 1 and paper[0] == paper[1]
    text = keyed[0][next(iter(paper[0]))]
    assert "SharedNet" in text and "authorship" in text  # its mentions and authorships with it
    assert "sourceLine" not in text and "Eve" not in text and "profile" not in text
    # A person, tag or artifact is a part of its own, the same from both pages.
    assert len(set(keyed[0]) & set(keyed[1])) > 3


def test_bulk_parts_keep_subjects_apart_whose_names_begin_alike() -> None:
    # The lines are read a subject at a time from their sorted order: "_:b1", "_:b12" and
    # "_:b1-x" are three subjects, each its own part, every line in exactly one.
    from kg.build import bulk_parts

    triples = ['_:b12 <http://ex/p> "twelve"', '_:b1 <http://ex/p> "one"', "_:b1 <http://ex/q> _:b12",
               '_:b1-x <http://ex/p> "one x"', '_:b1 <http://ex/p> "one"', "_:b1-x <http://ex/q> _:b1"]
    union, quads, count = bulk_parts(NamedNode("http://ex/g"), triples)
    parts = sorted(data.decode().split("\n") for key, data in union)
    assert parts == [
        ['_:b1 <http://ex/p> "one" .', "_:b1 <http://ex/q> _:b12 ."],
        ['_:b1-x <http://ex/p> "one x" .', "_:b1-x <http://ex/q> _:b1 ."],
        ['_:b12 <http://ex/p> "twelve" .'],
    ]
    assert all(len(key) == 16 for key, _ in union)
    assert count == 5 and quads.count(b" <http://ex/g> .\n") == 5


def test_bulk_parts_keep_the_link_to_a_hidden_owner_with_the_page_whatever_the_extractors() -> None:
    # Eve is hidden behind "et al." on the shared paper of her page: the paper's link to her
    # authorship belongs to her page, also when the build leaves out the extractor that types
    # the paper (a link from a paper to any listed authorship is the page's).
    from kg.build import bulk_parts, profile_triples
    from kg.extract import Context, get_extractor
    from kg.reader import read_text

    eve = read_text(page("Eve Fay", SHARED), "eve.txt")
    for names in (("profile", "authors"), ("profile", "paper", "authors")):
        triples = profile_triples(eve, Context(Minter()), [get_extractor(n) for n in names])
        union, _, _ = bulk_parts(Minter().source("eve.txt"), triples)
        own = dict(union)[b""].decode().split("\n")
        link = [line for line in own if "#authorship>" in line and "listed-eve-fay" in line]
        assert len(link) == 1, names
        assert not any("listed-eve-fay" in data.decode() for key, data in union if key)


def _pages_sharing_a_paper(folder: Path) -> Path:
    """Ten pages listing SHARED, each with a paper of its own after it (a union part kept
    after one skipped)."""
    folder.mkdir()
    for i in range(10):
        own = f"\n    CVFeb 1, 2021\n    Own Paper {i}\n\n    Person{i} Lab, Cid Dee\n\n    We study it.\n"
        (folder / f"p{i}.txt").write_text(page(f"Person{i} Lab", SHARED + own))
    return folder


@pytest.mark.parametrize("jobs", [1, 2])
def test_bulk_build_loads_a_shared_paper_once(jobs: int, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Ten pages list the same paper: the union graph holds it once, and the loader was handed
    # its triples once (the pages' own facts aside), and each page's graph once. With
    # extraction processes the pages come back as files, which the writer copies into the
    # chunks it loads without reading them: none is left behind.
    import kg.store
    from kg.build import build_into

    folder = _pages_sharing_a_paper(tmp_path / "pages")
    handed: list[bytes] = []
    graphs: list[bytes] = []
    real_load = kg.store._BulkWriter._load

    def load(self, quads: Path, triples: Path) -> None:
        graphs.append(quads.read_bytes())
        handed.append(triples.read_bytes())
        real_load(self, quads, triples)

    monkeypatch.setattr(kg.store._BulkWriter, "_load", load)
    build_into([folder], tmp_path / "store", jobs=jobs)
    assert sum(data.count(b'"A Shared Paper"') for data in handed) == 1
    assert sum(data.count(b'"A Shared Paper"') for data in graphs) == 10
    assert sorted(t for data in handed for t in re.findall(rb'"Own Paper \d"', data)) == sorted(
        b'"Own Paper %d"' % i for i in range(10))
    assert not [f for f in tmp_path.rglob("*") if f.suffix in (".nq", ".nt") or f.name == "kg-spool"]
    with GraphStore.open(tmp_path / "store", read_only=True) as store:
        assert scalar(store, 'SELECT (COUNT(*) AS ?n) WHERE { ?p kg:title "A Shared Paper" }') == 1
        assert scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { ?page kg:lists ?p }") == 20
        assert scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { ?a kg:fromProfileListing true }") == 10
        assert len(store.graphs()) == 10


def test_bulk_spooled_pages_are_what_the_pages_say(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # What an extraction process does with a page for a new store (here, in this process):
    # writes it to two files in the store's spool, which the writer copies and removes. Ten
    # pages sharing a paper, each with one of its own after it: the same store as built
    # with one process, and nothing left in the spool.
    from pyoxigraph import Store

    import kg.store
    from kg.build import _extract_one, _Job, build_into
    from kg.extract import EXTRACTORS

    folder = _pages_sharing_a_paper(tmp_path / "pages")
    build_into([folder], tmp_path / "whole", jobs=1)
    handed: list[bytes] = []
    real_load = kg.store._BulkWriter._load

    def load(self, quads: Path, triples: Path) -> None:
        handed.append(triples.read_bytes())
        real_load(self, quads, triples)

    monkeypatch.setattr(kg.store._BulkWriter, "_load", load)
    minter = Minter()
    names = tuple(e.name for e in EXTRACTORS)
    with GraphStore.create(tmp_path / "spooled") as store:
        assert store.spool is not None
        for path in sorted(folder.iterdir()):
            job = _Job(path, None, None, minter.base, names, bulk=True, spool=store.spool,
                       papers=2, size=path.stat().st_size)
            done = _extract_one(job)
            assert done.spooled is not None and done.quads == b"" and not done.union
            files = [Path(done.spooled.quads), Path(done.spooled.triples)]
            assert all(f.parent == store.spool and f.stat().st_size for f in files)
            store.add_spooled_graph(minter.source(done.source), done.spooled)
            assert not any(f.exists() for f in files)
    assert not (tmp_path / "spooled" / "kg-spool").exists()
    # The union's parts handed to the loader once each, kept ones after skipped ones too.
    assert sum(data.count(b'"A Shared Paper"') for data in handed) == 1
    assert sorted(t for data in handed for t in re.findall(rb'"Own Paper \d"', data)) == sorted(
        b'"Own Paper %d"' % i for i in range(10))
    # Every quad, the union's (in the default graph) too.
    spooled, whole = (sorted(map(str, Store.read_only(str(tmp_path / name))))
                      for name in ("spooled", "whole"))
    assert spooled == whole and len(whole) > 400


@pytest.mark.parametrize("kernel", [True, False])
def test_bulk_copy_appends_the_range_after_what_was_written(
        kernel: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The writer appends ranges of spooled files to a chunk it also writes to itself: by the
    # kernel on Linux, else (or where the file system cannot) through a buffer.
    import kg.store

    monkeypatch.setattr(kg.store, "_KERNEL_COPY", kernel and hasattr(os, "copy_file_range"))
    source = tmp_path / "source"
    source.write_bytes(bytes(range(256)) * 9000)  # over a MB: read in more than one piece
    with open(source, "rb") as src, open(tmp_path / "chunk", "wb") as chunk:
        chunk.write(b"head")
        assert kg.store._copy(src, chunk, 7, 1_500_000) == 1_500_000
        chunk.write(b"middle")
        kg.store._copy(src, chunk, 0, 3)
        kg.store._copy(src, chunk, 5, 0)
        chunk.write(b"end")
        with pytest.raises(kg.store.StoreError, match="shorter than its writer said"):
            kg.store._copy(src, chunk, 2_303_995, 10)  # 5 bytes short
    data = source.read_bytes()
    assert (tmp_path / "chunk").read_bytes()[:1_500_016] == (
        b"head" + data[7:1_500_007] + b"middle" + data[:3] + b"end")


# --------------------------------------------------------------------------- pages in flight

@pytest.mark.parametrize("budget", [0, 10, 25])
def test_pages_in_flight_stay_within_their_count_and_bytes(budget: int) -> None:
    # The build keeps at most 4 pages per process in flight, and at most `budget` bytes of
    # them together, but for one page that alone is longer; answers come back in order.
    # A page kept for this process (streamed by the writer) weighs nothing while it waits:
    # the pages after it go on being extracted.
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from kg.build import _in_order

    sizes = [5, 5, 30, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 40, 1, 1]
    kept = {22}  # the 40-byte page is written here, not extracted on the pool
    lock = threading.Lock()
    submitted: list[int] = []  # item indexes, in the order they were given to the pool
    given: set[int] = set()  # every item given out: to the pool or kept

    class Watched(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            with lock:
                submitted.append(args[0])
            return super().submit(fn, *args, **kwargs)

    def items():
        for i in range(len(sizes)):
            given.add(i)
            yield i

    answers, most_items, most_bytes, loads = [], 0, 0, set()
    with Watched(max_workers=2) as pool:
        work = _in_order(pool, 2, items(), lambda i: i * i, here=lambda i: i in kept,
                         weight=lambda i: sizes[i], budget=budget)
        for i, answer in work:
            with lock:
                flight = [k for k in submitted if k >= i]  # given to the pool, not yet answered
            most_items = max(most_items, len(flight))
            loads.add(sum(sizes[k] for k in flight))
            most_bytes = max(most_bytes, sum(sizes[k] for k in flight))
            if budget:
                assert sum(sizes[k] for k in flight) <= max(budget, sizes[i])
            if i in kept:
                assert {23, 24} <= given  # the pages after it are out meanwhile
            answers.append((i, None if i in kept else answer))
    assert answers == [(i, None if i in kept else i * i) for i in range(len(sizes))]
    assert 22 not in submitted
    assert most_items == 8  # 4 per process: the last pages weigh 1 byte each
    if budget == 10:
        assert 10 in loads  # two 5-byte pages fill it exactly
    if not budget:
        assert most_bytes > 25  # no budget: only the count bounds what is in flight
