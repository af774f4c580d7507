"""The main job on the bundled sample profile: what ``kg demo`` does."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .build import BuildSummary, build
from .export import export_to
from .query import Result, load_query, run
from .store import GraphStore
from .viz import draw

SAMPLE = "dhruv-mahajan.profile.txt"


def sample_path() -> Path:
    """The sample profile shipped inside the package."""
    return Path(str(resources.files("kg") / "samples" / SAMPLE))


@dataclass
class DemoReport:
    person: str
    summary: BuildSummary
    turtle: Path
    page: Path
    query_title: str
    answer: Result


def run_demo(store: GraphStore, out_dir: Path = Path(".")) -> DemoReport:
    """Build the sample into ``store``, write ``graph.ttl`` and ``graph.html``, run a query."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = build([sample_path()], store)
    turtle = out_dir / "graph.ttl"
    export_to(store, turtle, "turtle")
    page = out_dir / "graph.html"
    draw(store, page)
    person = summary.sources[0].person
    coauthors = load_query("coauthors")
    answer = run(store, coauthors, {"person": person})
    answer.rows = answer.rows[:10]
    return DemoReport(person, summary, turtle, page, f"{coauthors.title} (top 10)", answer)
