"""The real ``kg`` command, run as a user runs it (``python -m kg`` in a subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from kg.demo import sample_path
from kg.query import list_queries

COMMANDS = ["build", "query", "export", "viz", "stats", "demo", "extract", "explain", "eval", "analyze",
            "report", "serve", "compact"]
README = Path(__file__).resolve().parent.parent / "README.md"
SUMMARY = re.compile(r"store: (\d+) papers, (\d+) people; this build wrote (\d+) triples")


def kg(*args: str, cwd: Path, store: Path | None = None,
       timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_STORE": str(store if store is not None else cwd / "kg-store"),
           "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    env.pop("KG_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout)


def assert_one_clean_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose ./kg-store holds the sample, built by ``kg build``."""
    cwd = tmp_path_factory.mktemp("cli")
    result = kg("build", str(sample_path()), cwd=cwd)
    assert result.returncode == 0, result.stderr
    return cwd


# --------------------------------------------------------------------------- demo and build


def test_cli_demo(tmp_path: Path) -> None:
    result = kg("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "37 papers, 64 people" in result.stdout
    assert "Abhimanyu Dubey" in result.stdout  # the co-authors answer
    turtle = tmp_path / "graph.ttl"
    graph = rdflib.Graph().parse(turtle, format="turtle")
    assert len(graph) > 1000
    page = (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert "<html" in page.lower()
    remote = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]*""", page, re.IGNORECASE)
    assert remote == []
    assert not re.search(r"""(src|href)=["']https?:""", page)
    assert (tmp_path / "kg-store").is_dir()


def test_cli_build_twice_same_triples(tmp_path: Path) -> None:
    first = kg("build", str(sample_path()), cwd=tmp_path)
    second = kg("build", str(sample_path()), cwd=tmp_path)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    counts = [SUMMARY.search(r.stdout).groups() for r in (first, second)]
    assert counts[0] == counts[1]
    assert counts[0][:2] == ("37", "64")


def test_cli_build_missing_file(tmp_path: Path) -> None:
    result = kg("build", "missing.txt", cwd=tmp_path)
    assert result.returncode == 1
    assert "missing.txt" in assert_one_clean_error_line(result)
    assert result.stdout == ""


@pytest.mark.parametrize("name", ["missing[/b].txt", "[bold]missing.txt"])
def test_cli_error_message_prints_file_names_verbatim(name: str, tmp_path: Path) -> None:
    # Error text is data, not markup: a file name with brackets is printed as it is.
    result = kg("build", name, cwd=tmp_path)
    assert result.returncode == 1
    assert name in assert_one_clean_error_line(result)


def test_cli_build_warning_with_brackets(tmp_path: Path) -> None:
    # A profile line that looks like console markup must be printed as a warning, not crash.
    page = tmp_path / "odd.txt"
    page.write_text("Ann Bee\n\nCV\n[/oops] [bold]odd header\n\nCVJan 1, 2020\nT\n\nAnn Bee\n\nAbstract.\n",
                    encoding="utf-8")
    result = kg("build", str(page), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "[/oops] [bold]odd header" in result.stderr


def test_cli_build_json(tmp_path: Path) -> None:
    result = kg("build", str(sample_path()), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["papers"], summary["people"]) == (37, 64)


# --------------------------------------------------------------------------- query


def test_cli_query_csv(built: Path) -> None:
    result = kg("query", "coauthors", "--format", "csv", cwd=built)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["coauthor", "papers", "first", "last"]
    assert len(rows) == 1 + 63
    assert rows[1][:2] == ["Abhimanyu Dubey", "7"]


def test_cli_query_json(built: Path) -> None:
    result = kg("query", "coauthors", "--format", "json", cwd=built)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 63
    assert rows[0] == {"coauthor": "Abhimanyu Dubey", "papers": 7, "first": 2019, "last": 2024}


def test_cli_query_param(built: Path) -> None:
    result = kg("query", "papers-by-person", "--param", "person=Michał Dereziński", "--format", "json",
                cwd=built)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 1


def test_cli_query_list(built: Path) -> None:
    result = kg("query", "--list", cwd=built)
    assert result.returncode == 0, result.stderr
    for query in list_queries():
        assert query.name in result.stdout


def test_cli_query_unknown(built: Path) -> None:
    result = kg("query", "nope", cwd=built)
    assert result.returncode == 1
    line = assert_one_clean_error_line(result)
    assert "nope" in line and "coauthors" in line


def test_cli_query_missing_store(tmp_path: Path) -> None:
    result = kg("query", "coauthors", cwd=tmp_path, store=tmp_path / "no-store-here")
    assert result.returncode == 2
    assert "no-store-here" in assert_one_clean_error_line(result)
    assert not (tmp_path / "no-store-here").exists()


def test_cli_compact(tmp_path: Path) -> None:
    for _ in range(2):  # the second build writes into the existing store: files to merge
        assert kg("build", str(sample_path()), cwd=tmp_path).returncode == 0
    before = kg("query", "coauthors", "--format", "csv", cwd=tmp_path)
    result = kg("compact", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    match = re.fullmatch(r"compacted (.+) in \d+\.\d s: (\d+) → (\d+) data files, "
                         r"[\d.,]+ MB → [\d.,]+ MB on disk\n", result.stdout)
    assert match and match[1] == str(tmp_path / "kg-store"), result.stdout
    assert int(match[3]) < int(match[2]), result.stdout
    assert kg("query", "coauthors", "--format", "csv", cwd=tmp_path).stdout == before.stdout


def test_cli_compact_missing_store(tmp_path: Path) -> None:
    result = kg("compact", cwd=tmp_path, store=tmp_path / "no-store-here")
    assert result.returncode == 2
    assert "no store at" in assert_one_clean_error_line(result)
    assert not (tmp_path / "no-store-here").exists()


# --------------------------------------------------------------------------- help and docs


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_command_has_help(command: str, tmp_path: Path) -> None:
    result = kg(command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and command in result.stdout
    assert not (tmp_path / "kg-store").exists()  # help touches no store


def test_cli_help_lists_every_command(tmp_path: Path) -> None:
    result = kg("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in COMMANDS:
        assert re.search(rf"\b{command}\b", result.stdout), command


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_command_is_in_readme(command: str) -> None:
    assert README.is_file(), f"{README} does not exist"
    assert f"kg {command}" in README.read_text(encoding="utf-8")
