"""The ``kg`` command: each command parses its options, calls one library function, prints.

Errors: every :class:`~kg.errors.KgError` is caught once, in :func:`main`, and
printed as one line with its exit code (0 ok, 1 input, 2 store or environment);
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .errors import InputError, KgError

app = typer.Typer(
    help="Build a knowledge graph from researcher-profile pages; query, export and draw it.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

StoreOpt = typer.Option(None, "--store", "-s", envvar="KG_STORE",
                        help="Store folder (default: ./kg-store, or KG_STORE).")
EndpointOpt = typer.Option(None, "--endpoint", "-e", envvar="KG_ENDPOINT",
                           help="Use a SPARQL server at this base URL instead of the store folder "
                                "(e.g. http://127.0.0.1:7878).")
ServerOpt = typer.Option(None, "--server", envvar="KG_SERVER",
                         help="The kind of server at --endpoint, for its paths: oxigraph, fuseki, "
                              "qlever, virtuoso, virtuoso-auth or graphdb (default: oxigraph).")


def _store(location: Optional[str], read_only: bool = False, endpoint: Optional[str] = None,
           server: Optional[str] = None):
    """The store folder, or the SPARQL server at ``endpoint`` when one is given."""
    if endpoint:
        from .remote import RemoteStore

        return RemoteStore.connect(endpoint, server=server, read_only=read_only)
    from .store import GraphStore

    return GraphStore.open(location, read_only=read_only)


def _table(columns: list[str], rows: list[list[object]], title: str | None = None) -> Table:
    """A table of plain text: nothing from the data is read as rich markup."""
    table = Table(title=Text(title) if title else None, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(Text(column), overflow="fold")
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    return table


def _param_values(items: list[str]) -> dict[str, str]:
    """``--param key=value`` options as a dict; a malformed one is the user's error."""
    values = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param {item!r}: expected key=value")
        values[key.strip()] = value
    return values


def _print_warnings(warnings: list[object], limit: int = 10) -> None:
    for warning in warnings[:limit]:
        err.print(f"[yellow]warning:[/yellow] {escape(_one_line(str(warning)))}", highlight=False)
    if len(warnings) > limit:
        err.print(f"[yellow]… and {len(warnings) - limit} more warnings[/yellow]")


@contextmanager
def _progress_bar(show: bool):
    """A rich progress bar on stderr (papers, papers/s, time left), or nothing."""
    if not show:
        yield None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    columns = (TextColumn("{task.fields[phase]}"), BarColumn(), MofNCompleteColumn(), TextColumn("papers"),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("left"),
               TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("build", total=None, rate="", phase="building")
        start = time.monotonic()

        def tick(done: int, total: int, phase: str = "building") -> None:
            rate = done / max(time.monotonic() - start, 1e-9)
            bar.update(task, completed=done, total=total, rate=f"{rate:,.0f} papers/s", phase=phase)

        yield tick


@app.command()
def build(
    paths: list[str] = typer.Argument(..., help="Profile pages: files, folders of .txt files, or - for stdin."),
    store: Optional[str] = StoreOpt,
    endpoint: Optional[str] = EndpointOpt,
    server: Optional[str] = ServerOpt,
    encoding: Optional[str] = typer.Option(None, help="Read the pages in this encoding instead of UTF-8."),
    strict: bool = typer.Option(False, help="Treat warnings as errors: write nothing if any."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Extraction processes (default: the machine's cores)."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress",
                                            help="Show a progress bar (default: when on a terminal)."),
) -> None:
    """Build profile pages into the store: one named graph per page, replaced on rebuild."""
    from .build import build as run_build, build_into, default_jobs

    jobs = jobs if jobs > 0 else default_jobs()
    show = err.is_terminal if progress is None else progress
    options = dict(encoding=encoding, strict=strict, jobs=jobs)
    with _progress_bar(show) as tick:
        if endpoint:
            with _store(store, endpoint=endpoint, server=server) as graph_store:
                summary = run_build(paths, graph_store, progress=tick, **options)
        else:
            summary = build_into(paths, store, progress=tick, **options)
    if json_out:
        out.print_json(json.dumps(summary.as_dict()))
        return
    for s in summary.sources:
        out.print(f"built {s.source}: {s.person}, {s.papers} papers, {s.triples} triples",
                  highlight=False, markup=False)
    _print_warnings(summary.warnings)
    out.print(f"store: {summary.papers} papers, {summary.people} people; this build wrote "
              f"{summary.triples} triples, {len(summary.warnings)} warnings", highlight=False)


@app.command()
def query(
    name: Optional[str] = typer.Argument(None, help="A query of the library by name, or a .rq file."),
    param: list[str] = typer.Option([], "--param", "-p", help="A parameter as key=value (repeatable)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, tsv or json."),
    list_: bool = typer.Option(False, "--list", "-l", help="List the library's queries and their parameters."),
    store: Optional[str] = StoreOpt,
    endpoint: Optional[str] = EndpointOpt,
    server: Optional[str] = ServerOpt,
) -> None:
    """Run a SPARQL query from queries/ (by name) or a .rq file, with bound parameters."""
    from .query import format_result, list_queries, load_query, run

    if list_ or not name:
        for q in list_queries():
            params = ", ".join(f"{p.name}={p.default!r}" if p.default is not None else p.name
                               for p in q.params)
            out.print(f"[bold]{escape(q.name)}[/bold]  {escape(q.title)}"
                      + (f"  [dim]({escape(params)})[/dim]" if params else ""))
            if q.description:
                out.print(f"    {q.description}", highlight=False, markup=False)
        return
    values = _param_values(param)
    named = load_query(name)
    with _store(store, read_only=True, endpoint=endpoint, server=server) as graph_store:
        result = run(graph_store, named, values)
    if fmt == "table":
        if result.boolean is not None:
            out.print(str(result.boolean).lower())
        else:
            out.print(_table(result.columns, result.rows, title=named.title or named.name))
            out.print(f"{len(result.rows)} rows", style="dim")
    else:
        sys.stdout.write(format_result(result, fmt))
        if fmt == "json":
            sys.stdout.write("\n")


@app.command()
def export(
    fmt: str = typer.Option("turtle", "--format", "-f",
                            help="turtle, ntriples, nquads, trig, jsonld or rdfxml."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to this file instead of stdout."),
    store: Optional[str] = StoreOpt,
    endpoint: Optional[str] = EndpointOpt,
    server: Optional[str] = ServerOpt,
) -> None:
    """Export the graph (the union of all sources; nquads and trig keep one graph per source)."""
    from .export import export as run_export

    with _store(store, read_only=True, endpoint=endpoint, server=server) as graph_store:
        data = run_export(graph_store, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        err.print(f"wrote {output} ({len(data):,} bytes, {fmt})", highlight=False, markup=False)


@app.command()
def viz(
    output: Path = typer.Option(Path("graph.html"), "-o", "--output", help="The page to write."),
    max_nodes: int = typer.Option(5000, min=1, help="Draw at most this many nodes (the densest part)."),
    query_: Optional[str] = typer.Option(None, "--query", "-q",
                                         help="Draw only the subgraph a CONSTRUCT query chooses: a "
                                              "library name (e.g. ego) or a .rq file."),
    param: list[str] = typer.Option([], "--param", "-p", help="A parameter of --query as key=value (repeatable)."),
    store: Optional[str] = StoreOpt,
    endpoint: Optional[str] = EndpointOpt,
    server: Optional[str] = ServerOpt,
) -> None:
    """Draw the graph, or a query's subgraph, as an interactive HTML page that works offline."""
    from .viz import draw

    values = _param_values(param)
    if values and not query_:
        raise InputError("--param needs --query (e.g. --query ego --param person=...)")
    with _store(store, read_only=True, endpoint=endpoint, server=server) as graph_store:
        view = draw(graph_store, output, max_nodes=max_nodes, query=query_, values=values)
    out.print(f"wrote {output}: {len(view.nodes)} nodes, {len(view.edges)} links",
              highlight=False, markup=False)
    if view.left_out:
        err.print(f"[yellow]{view.left_out} less-connected nodes left out (--max-nodes {max_nodes})[/yellow]")


@app.command()
def analyze(
    top: int = typer.Option(15, "--top", "-n", help="How many people and communities to print."),
    json_out: bool = typer.Option(False, "--json", help="Print everything (every person) as JSON."),
    store: Optional[str] = StoreOpt,
    endpoint: Optional[str] = EndpointOpt,
    server: Optional[str] = ServerOpt,
) -> None:
    """Co-author analytics: degree, weighted degree, betweenness, communities, collaboration by year."""
    from .analyze import analyze as run_analyze

    with _store(store, read_only=True, endpoint=endpoint, server=server) as graph_store:
        result = run_analyze(graph_store)
    if json_out:
        out.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    out.print(f"co-author graph: {len(result.people)} people, {result.links} links, "
              f"{result.components} connected components, {len(result.communities)} communities "
              f"(modularity {result.modularity:.3f}), density {result.density:.4f}",
              highlight=False, markup=False)
    if not result.betweenness_exact:
        err.print(f"betweenness estimated from a seeded sample of {result.betweenness_sources} "
                  f"of {len(result.people)} people (large graph)", style="dim")
    out.print(_table(["person", "papers", "co-authors", "weighted degree", "betweenness", "community"],
                     [[p.person, p.papers, p.degree, p.weighted_degree, f"{p.betweenness:.4f}", p.community]
                      for p in result.people[:top]],
                     title=f"most central people (top {min(top, len(result.people))} by betweenness)"))
    out.print(_table(["community", "people", "members (best connected first)"],
                     [[c.id, c.size, ", ".join(c.members[:6]) + (f" … +{c.size - 6}" if c.size > 6 else "")]
                      for c in result.communities[:top]],
                     title="communities (greedy modularity)"))
    out.print(_table(["year", "papers", "authors", "links", "new links", "new people", "authors/paper"],
                     [[y.year, y.papers, y.authors, y.links, y.new_links, y.new_people,
                       f"{y.authors_per_paper:.2f}"] for y in result.years],
                     title="collaboration over time"))


@app.command()
def report(
    person: str = typer.Argument(..., help="The person's name, as written in a profile."),
    output: Path = typer.Option(Path("report.html"), "-o", "--output", help="The page to write."),
    store: Optional[str] = StoreOpt,
    endpoint: Optional[str] = EndpointOpt,
    server: Optional[str] = ServerOpt,
) -> None:
    """Write a person's profile report: one self-contained HTML page with charts and their graph."""
    from .report import write_report

    with _store(store, read_only=True, endpoint=endpoint, server=server) as graph_store:
        result = write_report(graph_store, person, output)
    figures = result.figures
    out.print(f"wrote {output}: {result.name}, {figures['papers']} papers, {figures['coauthors']} co-authors, "
              f"{figures['released']} released artifacts, ego graph of {len(result.ego.nodes)} nodes",
              highlight=False, markup=False)


@app.command()
def stats(store: Optional[str] = StoreOpt,
          json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
          endpoint: Optional[str] = EndpointOpt, server: Optional[str] = ServerOpt) -> None:
    """Count what the store holds: papers, people, triples, sources, nodes per type."""
    from .build import stats as run_stats

    with _store(store, read_only=True, endpoint=endpoint, server=server) as graph_store:
        figures = run_stats(graph_store)
    if json_out:
        out.print_json(json.dumps(figures))
        return
    rows = [[k, v] for k, v in figures.items() if k != "by_type"]
    rows += [[f"  {iri.rpartition('#')[2] or iri}", n] for iri, n in figures["by_type"].items()]
    out.print(_table(["what", "count"], rows, title="store"))


@app.command()
def compact(store: Optional[str] = StoreOpt) -> None:
    """Merge the files that builds into an existing store add, so queries read fewer of them."""
    from .store import compact as run_compact, default_location

    with err.status(f"compacting {store or default_location()} (about a minute for 100k papers)"):
        done = run_compact(store)
    out.print(f"compacted {done.location} in {done.seconds:.1f} s: {done.files_before} → {done.files_after} "
              f"data files, {_megabytes(done.bytes_before)} → {_megabytes(done.bytes_after)} on disk",
              highlight=False, markup=False)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size / 1e6:.1f} MB"


@app.command()
def serve(
    store: Optional[str] = StoreOpt,
    read_only: bool = typer.Option(False, "--read-only",
                                   help="Refuse SPARQL updates and leave the folder's write lock free."),
    port: int = typer.Option(7878, "--port", "-p", help="The port to listen on."),
    bind: str = typer.Option("127.0.0.1", "--bind", help="The address to listen on (0.0.0.0: every interface)."),
) -> None:
    """Serve the store over HTTP with the Oxigraph server (SPARQL endpoint and query page) until Ctrl-C."""
    from .serve import Server, serve_until_stopped
    from .store import UNION, GraphStore, default_location

    location = store or default_location()
    union = "the default graph is the union of the sources"
    try:
        with GraphStore.open(location, read_only=True) as local:
            if local.union == UNION:  # a store written by an earlier version
                union = f"the union of the sources: FROM <{UNION.value}>"
    except KgError:
        pass  # the server says what is wrong with the folder

    def announce(server: Server) -> None:
        out.print(f"Oxigraph server over {location}{' (read-only)' if read_only else ''} listening at "
                  f"{server.url}", highlight=False, markup=False)
        out.print(f"  query page      {server.url}/  ({union})", highlight=False, markup=False)
        out.print(f"  SPARQL endpoint {server.query_url}  (kg query NAME --endpoint {server.url})",
                  highlight=False, markup=False)
        out.print("press Ctrl-C to stop", style="dim")

    serve_until_stopped(location, host=bind, port=port, read_only=read_only, announce=announce)
    out.print("stopped", highlight=False)


@app.command()
def demo(
    store: Optional[str] = typer.Option(None, "--store", "-s", envvar="KG_STORE",
                                        help="Store folder (default: ./kg-store)."),
    out_dir: Path = typer.Option(Path("."), "--out", help="Where to write graph.ttl and graph.html."),
) -> None:
    """The main job on the bundled sample: build it, write graph.ttl and graph.html, query it."""
    from .demo import run_demo

    with _store(store) as graph_store:
        report = run_demo(graph_store, out_dir)
    out.print(f"built the sample profile of {report.person}: {report.summary.papers} papers, "
              f"{report.summary.people} people, {report.summary.triples} triples",
              highlight=False, markup=False)
    _print_warnings(report.summary.warnings)
    out.print(f"wrote {report.turtle} (Turtle) and {report.page} (open it in a browser)", highlight=False)
    out.print(_table(report.answer.columns, report.answer.rows, title=report.query_title))
    out.print(f'next: kg query --list · kg report "{report.person}" · kg analyze · kg stats', style="dim",
              highlight=False, markup=False)


@app.command()
def extract(
    paths: list[str] = typer.Argument(..., help="Profile pages: files, folders of .txt files, or - for stdin."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl (one JSON object per paper) or table."),
    encoding: Optional[str] = typer.Option(None, help="Read the pages in this encoding instead of UTF-8."),
) -> None:
    """Print what the extractors find in each paper, without touching any store."""
    from .extract import paper_records
    from .reader import read_paths

    if fmt not in ("jsonl", "table"):
        raise InputError(f"unknown format {fmt!r}; available: jsonl, table")
    for profile in read_paths(paths, encoding=encoding):
        _print_warnings(list(profile.warnings))
        records = paper_records(profile)
        if fmt == "jsonl":
            for record in records:
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        rows = [[r["line"], r["date"], r["title"][:60],
                 "; ".join(f"{a['role'][:3]} {a['type']} {a['name']}" for a in r["artifacts"])]
                for r in records]
        out.print(_table(["line", "date", "title", "artifacts"], rows, title=profile.source))


@app.command()
def explain(
    paper: str = typer.Argument(..., help="Part of a paper's title, or its IRI."),
    store: Optional[str] = StoreOpt,
    endpoint: Optional[str] = EndpointOpt,
    server: Optional[str] = ServerOpt,
) -> None:
    """Show each mined fact about a paper with its evidence sentence, the match highlighted."""
    from .explain import explain as run_explain

    with _store(store, read_only=True, endpoint=endpoint, server=server) as graph_store:
        findings = run_explain(graph_store, paper)
    if not findings:
        out.print(f"no mined facts about a paper matching {paper!r}", highlight=False, markup=False)
        return
    title = None
    for f in findings:
        if f.title != title:
            title = f.title
            out.print(f"\n[bold]{escape(title)}[/bold]")
        verb = "introduces" if f.role == "released" else "uses"
        out.print(f"  {verb} [bold]{escape(f.artifact)}[/bold] ({f.type}) — rule {f.rule}, "
                  f"confidence {f.confidence:.2f}, {f.field} chars {f.offsets[0]}–{f.offsets[1]}",
                  highlight=False)
        out.print(f"    “{escape(f.before)}[reverse bold]{escape(f.match)}[/reverse bold]"
                  f"{escape(f.after)}”", highlight=False)


@app.command(name="eval")
def eval_(
    gold: Path = typer.Argument(..., help="The gold file (JSON Lines, see tests/gold/README.md)."),
    paths: list[str] = typer.Argument(..., help="The profile pages the gold file annotates."),
    json_out: bool = typer.Option(False, "--json", help="Print the scores, misses and false hits as JSON."),
) -> None:
    """Score the artifact miner against a gold standard: precision, recall, F1; every miss."""
    from .artifacts import TYPES
    from .evaluate import evaluate_paths

    result = evaluate_paths(gold, paths)
    if json_out:
        out.print_json(json.dumps(result.as_dict()))
        return
    rows = []
    for role in ("released", "used"):
        for kind in ("all", *TYPES):
            sc = result.score(role, kind)
            if kind == "all" or sc.tp + sc.fp + sc.fn:
                rows.append([role, kind, f"{sc.precision:.3f}", f"{sc.recall:.3f}", f"{sc.f1:.3f}",
                             sc.tp, sc.fp, sc.fn])
    out.print(_table(["role", "type", "precision", "recall", "F1", "tp", "fp", "fn"], rows,
                     title="artifact mining against the gold standard"))
    out.print(f"type correct for {result.type_accuracy:.1%} of matched artifacts "
              f"({result.type_correct}/{result.type_matches})", highlight=False)
    for heading, items in (("misses", result.misses), ("false hits", result.false_hits),
                           ("wrong types", result.wrong_types)):
        out.print(f"{heading}: {len(items)}", style="bold")
        for item in items:
            out.print(f"  {item}", highlight=False, markup=False)


def _click_exceptions() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """Usage errors and aborts of click, and of the copy of click newer typer versions carry."""
    import click

    errors: list[type] = [click.ClickException]
    aborts: list[type] = [click.exceptions.Abort]
    try:
        from typer._click import exceptions as vendored  # newer typer carries its own click
        errors.append(vendored.ClickException)
        if hasattr(vendored, "Abort"):
            aborts.append(vendored.Abort)
    except ImportError:
        pass
    return tuple(errors), tuple(aborts)


def _one_line(text: str) -> str:
    """``text`` on one line: line breaks and control characters (a file name may hold them)
    shown as escapes, so they can neither split the message nor drive the terminal."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]",
                  lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _error(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(_one_line(message))}", highlight=False)
    sys.exit(code)


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code.

    Exit codes: 0 ok, 1 input (a bad page, option or query), 2 store or machine (a locked or
    missing store, a file that cannot be written), 3 a bug, 130 interrupted.
    """
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        code = app(standalone_mode=False)
    except KgError as exc:
        if debug:
            raise
        _error(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except BrokenPipeError:  # the reader went away (kg export | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except (OSError, MemoryError) as exc:  # the machine: a file that cannot be written, no memory
        if debug:
            raise
        what = (f"{exc.strerror or exc}: {exc.filename}" if isinstance(exc, OSError) and exc.filename
                else str(exc) or "out of memory")
        _error(what, 2)
    except Exception as exc:  # click's usage errors and anything unforeseen
        click_errors, aborts = _click_exceptions()
        if isinstance(exc, aborts):
            sys.exit(130)
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain "kg": the help (rich printed it)
            if exc.format_message().strip():
                sys.stdout.write(exc.format_message() + "\n")
            sys.exit(0)
        if isinstance(exc, click_errors):  # a usage error is an input error: one line, exit 1
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            _error(exc.format_message() + hint, 1)
        if debug or os.environ.get("KG_DEBUG"):
            raise
        err.print(f"[red]internal error:[/red] {escape(_one_line(f'{type(exc).__name__}: {exc}'))} "
                  "(run with --debug for details)", highlight=False)
        sys.exit(3)
    if code == 130:  # typer's answer to Ctrl-C (it takes the KeyboardInterrupt)
        err.print("interrupted")
    if isinstance(code, int) and code:
        sys.exit(code)
