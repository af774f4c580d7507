"""The ``kg`` command: each command parses its options, calls one library function, prints.

Errors: every :class:`~kg.errors.KgError` is caught once, in :func:`main`, and
printed as one line with its exit code (0 ok, 1 input, 2 store or environment);
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

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
                        help="Store folder [default: ./kg-store, or KG_STORE].")


def _store(location: Optional[str], read_only: bool = False):
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


def _print_warnings(warnings: list[object], limit: int = 10) -> None:
    for warning in warnings[:limit]:
        err.print(f"[yellow]warning:[/yellow] {escape(str(warning))}", highlight=False)
    if len(warnings) > limit:
        err.print(f"[yellow]… and {len(warnings) - limit} more warnings[/yellow]")


@app.command()
def build(
    paths: list[str] = typer.Argument(..., help="Profile pages: files, folders of .txt files, or - for stdin."),
    store: Optional[str] = StoreOpt,
    encoding: Optional[str] = typer.Option(None, help="Read the pages in this encoding instead of UTF-8."),
    strict: bool = typer.Option(False, help="Treat warnings as errors: write nothing if any."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Build profile pages into the store: one named graph per page, replaced on rebuild."""
    from .build import build as run_build

    with _store(store) as graph_store:
        summary = run_build(paths, graph_store, encoding=encoding, strict=strict)
    if json_out:
        out.print_json(json.dumps(summary.as_dict()))
        return
    for s in summary.sources:
        out.print(f"built {s.source}: {s.person}, {s.papers} papers, {s.triples} triples",
                  highlight=False, markup=False)
    _print_warnings(summary.warnings)
    out.print(f"store: {summary.papers} papers, {summary.people} people, {summary.triples} triples, "
              f"{len(summary.warnings)} warnings", highlight=False)


@app.command()
def query(
    name: Optional[str] = typer.Argument(None, help="A query of the library by name, or a .rq file."),
    param: list[str] = typer.Option([], "--param", "-p", help="A parameter as key=value (repeatable)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, tsv or json."),
    list_: bool = typer.Option(False, "--list", "-l", help="List the library's queries and their parameters."),
    store: Optional[str] = StoreOpt,
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
    values = {}
    for item in param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--param {item!r}: expected key=value")
        values[key.strip()] = value
    named = load_query(name)
    with _store(store, read_only=True) as graph_store:
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
) -> None:
    """Export the graph (the union of all sources; nquads and trig keep one graph per source)."""
    from .export import export as run_export

    with _store(store, read_only=True) as graph_store:
        data = run_export(graph_store, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        err.print(f"wrote {output} ({len(data):,} bytes, {fmt})", highlight=False, markup=False)


@app.command()
def viz(
    output: Path = typer.Option(Path("graph.html"), "-o", "--output", help="The page to write."),
    max_nodes: int = typer.Option(5000, help="Draw at most this many nodes (the best connected)."),
    store: Optional[str] = StoreOpt,
) -> None:
    """Draw the graph as an interactive HTML page that works offline."""
    from .viz import draw

    with _store(store, read_only=True) as graph_store:
        view = draw(graph_store, output, max_nodes=max_nodes)
    out.print(f"wrote {output}: {len(view.nodes)} nodes, {len(view.edges)} links",
              highlight=False, markup=False)
    if view.left_out:
        err.print(f"[yellow]{view.left_out} less-connected nodes left out (--max-nodes {max_nodes})[/yellow]")


@app.command()
def stats(store: Optional[str] = StoreOpt,
          json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Count what the store holds: papers, people, triples, sources, nodes per type."""
    from .build import stats as run_stats

    with _store(store, read_only=True) as graph_store:
        figures = run_stats(graph_store)
    if json_out:
        out.print_json(json.dumps(figures))
        return
    rows = [[k, v] for k, v in figures.items() if k != "by_type"]
    rows += [[f"  {iri.rpartition('#')[2] or iri}", n] for iri, n in figures["by_type"].items()]
    out.print(_table(["what", "count"], rows, title="store"))


@app.command()
def demo(
    store: Optional[str] = typer.Option(None, "--store", "-s", envvar="KG_STORE",
                                        help="Store folder [default: ./kg-store]."),
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
    out.print("next: kg query --list · kg query coauthors · kg stats", style="dim")


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
) -> None:
    """Show each mined fact about a paper with its evidence sentence, the match highlighted."""
    from .explain import explain as run_explain

    with _store(store, read_only=True) as graph_store:
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


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        code = app(standalone_mode=False)
    except KgError as exc:
        if debug:
            raise
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # click's usage errors and anything unforeseen
        import click

        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code if exc.exit_code else 1)
        if debug or os.environ.get("KG_DEBUG"):
            raise
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} "
                  "(run with --debug for details)", highlight=False)
        sys.exit(3)
    if isinstance(code, int) and code:
        sys.exit(code)
