"""The store on a real SPARQL server: ``oxigraph serve`` on 127.0.0.1, driven through the
SPARQL 1.1 Protocol and the Graph Store Protocol, answers as the local store does;
``kg build/query/export --endpoint`` and ``kg serve`` as a user runs them."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from pyoxigraph import DefaultGraph, Literal, NamedNode, Triple

from kg.build import build, stats
from kg.errors import InputError, QueryError, StoreError
from kg.iris import Minter
from kg.query import NamedQuery, list_queries, run
from kg.remote import RemoteStore
from kg.store import UNION, GraphStore

ROOT = Path(__file__).resolve().parent.parent
NBM_TITLE = "Neural Basis Models for Interpretability"
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")

pytestmark = pytest.mark.skipif(not Path(OXIGRAPH).exists() and shutil.which("oxigraph") is None,
                                reason="the oxigraph server is not installed (pip install oxigraph)")


# --------------------------------------------------------------------------- helpers and fixtures


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(trust_env=False, timeout=1) as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the server at {url} exited with {process.returncode}"
            try:
                client.get(url + "/")
                return
            except httpx.HTTPError:
                time.sleep(0.1)
    raise AssertionError(f"nothing answered at {url} within {timeout} s")


def first_line(process: subprocess.Popen, timeout: float = 30) -> str:
    """The first line a process prints (``kg serve`` prints it once the server answers)."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout), f"nothing printed within {timeout} s"
    return process.stdout.readline()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
    with process:  # closes its pipes, then waits for it
        pass


def serve(location: Path) -> tuple[subprocess.Popen, str]:
    """A real ``oxigraph serve`` over ``location`` on a free port, answering; and its URL."""
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(url, process)
    except BaseException:
        stop(process)
        raise
    return process, url


@pytest.fixture(scope="module")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """Starts real ``oxigraph serve`` processes on free ports, each over a new temporary
    folder or the store folder given; returns their base URLs; kills them all at the end."""
    processes: list[subprocess.Popen] = []

    def start(location: Path | None = None) -> str:
        process, url = serve(location or tmp_path_factory.mktemp("oxigraph"))
        processes.append(process)
        return url

    yield start
    for process in processes:
        stop(process)


def second_profile(folder: Path, sample: Path, *, own_paper: bool = True) -> Path:
    """Filip Radenovic's page: the sample's NBM paper block, verbatim (so its triples are in
    both sources), and one paper of his own (left out with ``own_paper=False``)."""
    lines = sample.read_text(encoding="utf-8").split("\n")
    nbm = "\n".join(lines[25:31]) + "\n"
    assert nbm.splitlines()[1] == NBM_TITLE
    own = textwrap.dedent("""
        CVJun 1, 2018
        Revisiting Oxford and Paris: Large-Scale Image Retrieval Benchmarking

        Filip Radenovic, Ahmet Iscen, Giorgos Tolias

        We revisit the Oxford and Paris retrieval benchmarks.
        """)
    papers = 2 if own_paper else 1
    page = textwrap.dedent(f"""\
        Filip Radenovic

        CV
        h-index20
        {papers}papers
        5,000citations
        Novelty40%
        AI Score30

        {papers} Papers

        """) + nbm + (own if own_paper else "")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "filip-radenovic.profile.txt"
    path.write_text(page, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def two_profiles(tmp_path_factory: pytest.TempPathFactory, sample: Path) -> list[Path]:
    """The sample and a second page sharing one paper with it (shared triples)."""
    return [sample, second_profile(tmp_path_factory.mktemp("second"), sample)]


@pytest.fixture(scope="module")
def sample_server(start_server: Callable[[], str], sample: Path) -> str:
    """A server holding the sample, built through the library."""
    url = start_server()
    with RemoteStore(url) as store:
        build([sample], store)
    return url


@pytest.fixture(scope="module")
def served_sample(tmp_path_factory: pytest.TempPathFactory, start_server: Callable[..., str],
                  built_store_dir: Path) -> str:
    """The server over a copy of a local store holding the sample, as ``kg serve`` runs it: the
    union of the sources in the store's default graph, not in a named graph."""
    location = tmp_path_factory.mktemp("served") / "store"
    shutil.copytree(built_store_dir, location)
    return start_server(location)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, start_server: Callable[[], str],
         two_profiles: list[Path], built_store_dir: Path, sample_server: str,
         served_sample: str) -> dict[str, tuple[Path, str]]:
    """For each corpus, a local store folder and a server holding the same pages."""
    local = tmp_path_factory.mktemp("two-local") / "store"
    url = start_server()
    with GraphStore.open(local) as store:
        build(two_profiles, store)
    with RemoteStore(url) as store:
        build(two_profiles, store)
    return {"sample": (built_store_dir, sample_server), "two-profiles": (local, url),
            "served-local-store": (built_store_dir, served_sample)}


def as_multiset(result) -> Counter:
    return Counter(tuple(row) for row in result.rows)


def kg(*args: str, cwd: Path, env: dict[str, str] | None = None,
       timeout: float = 120) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200", **(env or {})}
    for name in ("KG_DEBUG", "KG_ENDPOINT", "KG_SERVER", "KG_STORE"):
        if name not in (env or {}):
            environment.pop(name, None)
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


# --------------------------------------------------------------------------- same answers


@pytest.mark.parametrize("corpus", ["sample", "two-profiles", "served-local-store"])
@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_remote_answers_every_library_query_as_the_local_store(
        query: NamedQuery, corpus: str, pair: dict[str, tuple[Path, str]]) -> None:
    location, url = pair[corpus]
    with GraphStore.open(location, read_only=True) as local:
        expected = run(local, query)
    with RemoteStore(url, read_only=True) as remote:
        got = run(remote, query)
    assert got.columns == expected.columns
    assert got.boolean == expected.boolean
    if expected.triples is not None:
        assert got.triples is not None and set(got.triples) == set(expected.triples)
    assert as_multiset(got) == as_multiset(expected)
    if corpus != "two-profiles" and query.name in ("papers-by-person", "coauthors", "people"):
        assert expected.rows  # the comparison is about something


def test_remote_writes_a_served_local_store_as_the_local_store_would(
        tmp_path: Path, built_store_dir: Path, two_profiles: list[Path]) -> None:
    served, local = tmp_path / "served", tmp_path / "local"
    shutil.copytree(built_store_dir, served)
    process, url = serve(served)
    try:
        with RemoteStore(url) as remote:
            assert remote.union == DefaultGraph()  # the local store's own layout, not UNION
            build(two_profiles[1:], remote)
            assert remote.graphs() == sorted(Minter.from_env().source(p.name) for p in two_profiles)
            sizes = {g: remote.graph_size(g) for g in remote.graphs()}
            remote_len = len(remote)
    finally:
        stop(process)
    with GraphStore.open(local) as store:
        build(two_profiles, store)
        assert sizes == {g: store.graph_size(g) for g in store.graphs()}  # each counted alone
        assert remote_len == len(store) == sum(sizes.values())
    with GraphStore.open(served, read_only=True) as a, GraphStore.open(local, read_only=True) as b:
        assert a.union == DefaultGraph() and UNION not in a._store.named_graphs()
        assert set(a.union_triples()) == set(b.union_triples())
        assert {str(q) for q in a.quads()} == {str(q) for q in b.quads()}
        for query in list_queries():
            assert as_multiset(run(a, query)) == as_multiset(run(b, query)), query.name


def test_remote_counts_shared_triples_once(pair: dict[str, tuple[Path, str]]) -> None:
    location, url = pair["two-profiles"]
    with GraphStore.open(location, read_only=True) as local, RemoteStore(url) as remote:
        assert len(local.graphs()) == 2
        assert remote.graphs() == local.graphs()
        assert len(remote) == len(local)
        assert set(remote.union_triples()) == set(local.union_triples())
        assert sum(1 for _ in remote.union_triples()) == sum(1 for _ in local.union_triples())
        assert {str(q) for q in remote.quads()} == {str(q) for q in local.quads()}
        assert stats(remote) == stats(local)
        # the NBM paper's title is held by both sources, and seen once
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?p <https://w3id.org/scholar-kg/ontology#title> ?t }"
        assert next(iter(remote.query(count)))["n"] == next(iter(local.query(count)))["n"]


def test_remote_replace_and_drop_keep_the_union_as_the_local_store(
        tmp_path: Path, start_server: Callable[[], str], two_profiles: list[Path], sample: Path) -> None:
    shrunk = second_profile(tmp_path / "shrunk", sample, own_paper=False)
    url = start_server()
    with GraphStore.open(tmp_path / "local") as local, RemoteStore(url) as remote:
        for store in (local, remote):
            build(two_profiles, store)
            build([shrunk], store)  # Filip's own paper leaves; the shared one stays
        assert set(remote.union_triples()) == set(local.union_triples())
        assert {str(q) for q in remote.quads()} == {str(q) for q in local.quads()}
        source = Minter.from_env().source(shrunk.name)
        for store in (local, remote):
            store.drop_graph(source)
        assert remote.graphs() == local.graphs() and len(remote.graphs()) == 1
        assert set(remote.union_triples()) == set(local.union_triples())
        assert len(remote) == len(local) == sum(1 for _ in remote.union_triples())


def test_remote_server_with_data_of_its_own_in_its_default_graph_keeps_the_union_graph(
        start_server: Callable[[], str], sample: Path) -> None:
    url = start_server()
    theirs = "<https://example.org/theirs> <https://example.org/p> \"not ours\" ."
    with httpx.Client(trust_env=False) as client:
        client.post(f"{url}/update", content=f"INSERT DATA {{ {theirs} }}",
                    headers={"Content-Type": "application/sparql-update"}).raise_for_status()
    with RemoteStore(url) as store:
        build([sample], store)
        assert store.union == UNION
        union = {str(t) for t in store.union_triples()}
        assert len(union) > 1000 and f"{theirs[:-2]}" not in union
        count = "SELECT (COUNT(*) AS ?n) WHERE { <https://example.org/theirs> ?p ?o }"
        assert next(iter(store.query(count)))["n"].value == "0"


def test_remote_replace_graph_takes_triples(start_server: Callable[[], str]) -> None:
    g = NamedNode("https://example.org/source/a")
    t = Triple(NamedNode("https://example.org/x"), NamedNode("https://example.org/p"),
               Literal('quote " and\nnewline, Michał'))
    with RemoteStore(start_server()) as store:
        assert store.replace_graph(g, [t, t]) == 1
        assert store.replace_graph(g, [t]) == 1
        assert len(store) == 1 and store.graph_size(g) == 1
        assert list(store.union_triples()) == [t]
        assert store.replace_graph(g, []) == 0  # nothing left: no graph, as locally
        assert store.graphs() == [] and len(store) == 0 and list(store.union_triples()) == []


def test_remote_many_sources_send_the_dataset_in_the_body(
        pair: dict[str, tuple[Path, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    from kg import remote as remote_module
    from kg.query import load_query

    location, url = pair["two-profiles"]
    with GraphStore.open(location, read_only=True) as local:
        expected = run(local, load_query("shared-people"))
    monkeypatch.setattr(remote_module, "MAX_URL", 10)
    with RemoteStore(url) as remote:
        got = run(remote, load_query("shared-people"))
    assert expected.rows and as_multiset(got) == as_multiset(expected)


# --------------------------------------------------------------------------- errors


def test_remote_rejected_query_is_a_query_error(sample_server: str) -> None:
    with RemoteStore(sample_server) as store, pytest.raises(QueryError, match="bad-query.*rejected"):
        store.query("SELEC ?x WHERE {}", name="bad-query")


def test_remote_read_only_refuses_to_write(sample_server: str) -> None:
    with RemoteStore(sample_server, read_only=True) as store, pytest.raises(StoreError, match="read-only"):
        store.replace_graph(NamedNode("https://example.org/g"), [])


def test_remote_refuses_to_write_the_union_graph(sample_server: str) -> None:
    with RemoteStore(sample_server) as store, pytest.raises(StoreError, match="union graph"):
        store.replace_graph_lines(UNION, ["<https://e.org/a> <https://e.org/b> <https://e.org/c> ."])


def test_remote_http_error_names_the_server_and_status(sample_server: str) -> None:
    with RemoteStore(sample_server, store_url=f"{sample_server}/no-such-service") as store:
        with pytest.raises(StoreError, match=r"no-such-service answered HTTP 404"):
            store.replace_graph(NamedNode("https://example.org/g"),
                                [Triple(NamedNode("https://e.org/a"), NamedNode("https://e.org/b"),
                                        NamedNode("https://e.org/c"))])


def test_remote_bad_endpoint_and_server_are_input_errors() -> None:
    with pytest.raises(InputError, match="http://"):
        RemoteStore("localhost:7878")
    with pytest.raises(InputError, match="available: oxigraph, fuseki"):
        RemoteStore("http://127.0.0.1:7878", server="blazegraph")


def test_remote_server_layouts() -> None:
    cases = {
        ("fuseki", "http://h:3030/ds"): ("http://h:3030/ds/sparql", "http://h:3030/ds/update",
                                          "http://h:3030/ds/data"),
        ("virtuoso", "http://h:8890/"): ("http://h:8890/sparql", "http://h:8890/sparql",
                                         "http://h:8890/sparql-graph-crud"),
        ("qlever", "http://h:7001"): ("http://h:7001", "http://h:7001", "http://h:7001"),
        ("graphdb", "http://h:7200/repositories/kg"): (
            "http://h:7200/repositories/kg", "http://h:7200/repositories/kg/statements",
            "http://h:7200/repositories/kg/rdf-graphs/service"),
    }
    for (server, url), urls in cases.items():
        with RemoteStore(url, server=server) as store:
            assert (store.query_url, store.update_url, store.store_url) == urls
    with RemoteStore("http://dba:secret@h:8890", server="virtuoso-auth") as store:
        assert store.location == "http://h:8890" and "secret" not in store.query_url


# --------------------------------------------------------------------------- the command line


def test_cli_build_twice_into_a_server_keeps_one_copy(
        tmp_path: Path, start_server: Callable[[], str], sample: Path, built_store_dir: Path) -> None:
    url = start_server()
    figures = []
    for _ in range(2):
        result = kg("build", str(sample), "--endpoint", url, "--no-progress", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert re.search(r"store: 37 papers, 64 people", result.stdout)
        shown = kg("stats", "--json", cwd=tmp_path, env={"KG_ENDPOINT": url})
        assert shown.returncode == 0, shown.stderr
        figures.append(shown.stdout)
    assert figures[0] == figures[1]
    with GraphStore.open(built_store_dir, read_only=True) as local, RemoteStore(url) as remote:
        assert stats(remote) == stats(local)
        assert len(remote) == len(local)


def test_cli_query_endpoint_matches_the_store(tmp_path: Path, sample_server: str,
                                              built_store_dir: Path) -> None:
    args = ("query", "coauthors", "--param", "person=Dhruv Mahajan", "--format", "csv")
    remote = kg(*args, "--endpoint", sample_server, cwd=tmp_path)
    local = kg(*args, "--store", str(built_store_dir), cwd=tmp_path)
    assert remote.returncode == 0, remote.stderr
    assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())
    assert "Abhimanyu Dubey" in remote.stdout


@pytest.mark.parametrize("server", ["sample_server", "served_sample"])
@pytest.mark.parametrize("fmt", ["turtle", "nquads"])
def test_cli_export_endpoint_is_isomorphic_to_the_local_export(
        fmt: str, server: str, tmp_path: Path, built_store_dir: Path,
        request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(server)
    remote = kg("export", "--format", fmt, "-o", str(tmp_path / "remote"), "--endpoint", url,
                cwd=tmp_path)
    local = kg("export", "--format", fmt, "-o", str(tmp_path / "local"), "--store", str(built_store_dir),
               cwd=tmp_path)
    assert remote.returncode == 0 and local.returncode == 0, remote.stderr + local.stderr
    if fmt == "turtle":
        from rdflib.compare import isomorphic

        graphs = [rdflib.Graph().parse(tmp_path / name, format="turtle") for name in ("remote", "local")]
        assert len(graphs[0]) > 1000 and isomorphic(*graphs)
    else:
        datasets = [set((tmp_path / name).read_text(encoding="utf-8").splitlines())
                    for name in ("remote", "local")]
        assert datasets[0] == datasets[1] and len(datasets[0]) > 1000


@pytest.mark.parametrize("command", [("query", "coauthors"), ("export",), ("build", "SAMPLE"), ("stats",)])
def test_cli_refused_connection_is_exit_2_with_one_line(command: tuple[str, ...], tmp_path: Path,
                                                        sample: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    args = [str(sample) if a == "SAMPLE" else a for a in command]
    result = kg(*args, "--endpoint", url, cwd=tmp_path)
    assert result.returncode == 2
    line = one_error_line(result)
    assert url in line and "connection refused" in line
    assert not (tmp_path / "kg-store").exists()


def test_cli_endpoint_from_the_environment(tmp_path: Path, sample_server: str) -> None:
    result = kg("query", "papers-by-person", "--format", "json", cwd=tmp_path,
                env={"KG_ENDPOINT": sample_server})
    assert result.returncode == 0, result.stderr
    assert "Neural Basis Models" in result.stdout
    assert not (tmp_path / "kg-store").exists()


# --------------------------------------------------------------------------- kg serve


def test_cli_serve_answers_over_http_and_stops_on_ctrl_c(
        tmp_path: Path, built_store_dir: Path) -> None:
    location = tmp_path / "store"
    shutil.copytree(built_store_dir, location)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # A proxy that answers nothing: kg serve's own calls to the server must not go through it.
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "HTTP_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9"}
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(location),
                                "--port", str(port)], cwd=tmp_path, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = first_line(process)
        assert f"listening at {url}" in first
        with GraphStore.open(built_store_dir, read_only=True) as local, RemoteStore(url) as remote:
            from kg.query import load_query

            assert as_multiset(run(remote, load_query("coauthors"))) == \
                as_multiset(run(local, load_query("coauthors")))
            assert len(remote) == len(local)
        with httpx.Client(trust_env=False) as client:
            page = client.get(url + "/")
        assert page.status_code == 200 and "Oxigraph" in page.text  # the query page
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
        # Read through the same buffered pipe as first_line (communicate() would skip what
        # that read already took in).
        stdout, stderr = first + process.stdout.read(), process.stderr.read()
    finally:
        stop(process)
    assert process.returncode == 0, stderr
    assert f"{url}/query" in stdout and "stopped" in stdout
    assert "the default graph is the union of the sources" in stdout
    with pytest.raises(httpx.ConnectError), httpx.Client(trust_env=False) as client:
        client.get(url + "/")
    with GraphStore.open(location) as store:  # the server let go of the store's lock
        assert len(store) > 1000


def test_cli_serve_read_only(tmp_path: Path, built_store_dir: Path) -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--read-only", "--store",
                                str(built_store_dir), "--port", str(port), "--bind", "127.0.0.1"],
                               cwd=tmp_path, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert "(read-only)" in first_line(process)
        with RemoteStore(f"http://127.0.0.1:{port}") as remote:
            assert len(remote.graphs()) == 1
            with pytest.raises(StoreError, match="HTTP"):
                remote.drop_graph(remote.graphs()[0])
        process.terminate()  # a kill stops the server too
        stdout, _ = process.communicate(timeout=20)
    finally:
        stop(process)
    assert process.returncode == 0 and "stopped" in stdout


def test_cli_serve_without_the_server_binary_says_how_to_install_it(
        tmp_path: Path, built_store_dir: Path) -> None:
    result = kg("serve", "--store", str(built_store_dir), "--port", str(free_port()), cwd=tmp_path,
                env={"KG_OXIGRAPH": str(tmp_path / "no-oxigraph")})
    assert result.returncode == 2
    assert "KG_OXIGRAPH" in one_error_line(result)


def test_cli_serve_a_missing_store_or_a_busy_port(tmp_path: Path, built_store_dir: Path) -> None:
    result = kg("serve", "--store", str(tmp_path / "nothing"), cwd=tmp_path)
    assert result.returncode == 2 and "no store at" in one_error_line(result)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = kg("serve", "--read-only", "--store", str(built_store_dir), "--port", str(port),
                    cwd=tmp_path)
    assert result.returncode == 2 and "in use" in one_error_line(result)


def test_cli_serve_has_help_and_the_readme_documents_servers(tmp_path: Path) -> None:
    result = kg("serve", "--help", cwd=tmp_path)
    assert result.returncode == 0 and "--read-only" in result.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "kg serve" in readme and "--endpoint" in readme
    for server in ("Oxigraph", "Fuseki", "QLever", "Virtuoso", "GraphDB"):
        assert server in readme.split("## Past one machine")[1]
