"""The profile report (kg.report): its data, each panel rerunnable from queries/, one offline page
that a real headless Chromium loads without errors or requests, and profile text shown as text.

Set ``KG_SCREENSHOTS=1`` to write the sample's report as ``docs/report.png`` and
``docs/report-graph.png`` for the documentation.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.cli import app
from kg.errors import InputError
from kg.query import library_dir
from kg.report import ProfileReport, profile_report, render_report, write_report
from kg.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent
OWNER = "Dhruv Mahajan"
EVIL_TITLE = "<img src=x onerror=alert(1)>"
EVIL_AUTHOR = "<script>alert(2)</script>"
EVIL_TAG = "<b>bold-org</b>"
EVIL_PROFILE = f"""Eve Tester

CV
h-index1
2papers
10citations
Novelty50%
AI Score5

2 Papers

CVJan 4, 2023Code
{EVIL_TITLE}

{EVIL_AUTHOR}, Eve Tester · {EVIL_TAG}

We introduce EvilNet, a new dataset of images. We evaluate on ImageNet and report results.

LGMar 2, 2024
Second <svg onload=alert(3)> Paper

Eve Tester, {EVIL_AUTHOR}

We fine-tune EvilNet "quotes" & ampersands </textarea></iframe> here.
"""
PANELS = ("summary", "papers", "coauthors", "collaboration", "organisations", "code", "disagreements",
          "released")


@pytest.fixture(scope="module")
def sample_report(built_store_dir: Path) -> ProfileReport:
    with GraphStore.open(built_store_dir, read_only=True) as store:
        return profile_report(store, OWNER)


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory, sample_report: ProfileReport) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report(sample_report), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def evil_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("evil-report")
    page = folder / "eve.profile.txt"
    page.write_text(EVIL_PROFILE, encoding="utf-8")
    with GraphStore.open(folder / "store") as store:
        build([page], store)
        write_report(store, "Eve Tester", folder / "report.html")
    return folder / "report.html"


# -- the data ---------------------------------------------------------------------------------

def test_report_figures_of_the_sample(sample_report: ProfileReport) -> None:
    f = sample_report.figures
    assert sample_report.name == OWNER
    assert (f["papers"], f["hIndex"], f["citations"], f["coauthors"], f["novelty"]) == (37, 28, 20917, 63, 56)
    assert (f["first"], f["last"], f["withCode"], f["released"]) == (2013, 2024, 7, 21)
    assert f["codeRate"] == pytest.approx(7 / 37)


def test_report_papers_per_year_by_category(sample_report: ProfileReport) -> None:
    years, series = sample_report.papers_by_year()
    assert years == list(range(2013, 2025))  # gaps (2015) kept, so the axis is true to time
    assert sum(map(sum, series.values())) == 37
    assert {c: sum(v) for c, v in series.items()} == {"cs.CV": 22, "cs.LG": 10, "cs.AI": 2, "cs.CL": 2,
                                                      "stat.ML": 1}
    assert list(series)[0] == "cs.CV"  # the biggest category at the bottom of each bar
    assert series["cs.CV"][years.index(2019)] == 9


def test_report_ego_graph_is_the_ego_query(sample_report: ProfileReport) -> None:
    assert len(sample_report.ego.nodes) == 131 and sample_report.ego.left_out == 0


def test_report_every_panel_reruns_from_its_command(sample_report: ProfileReport, built_store_dir: Path) -> None:
    """The command printed under each panel gives exactly the panel's rows."""
    runner = CliRunner()
    for name in PANELS:
        panel = getattr(sample_report, name)
        assert (library_dir() / f"{panel.query}.rq").is_file()
        argv = shlex.split(panel.command)
        assert argv[:3] == ["kg", "query", panel.query]
        result = runner.invoke(app, [*argv[1:], "--format", "json", "--store", str(built_store_dir)])
        assert result.exit_code == 0, (panel.command, result.output)
        assert json.loads(result.output) == panel.records, panel.command


def test_report_as_dict_is_json(sample_report: ProfileReport) -> None:
    data = json.loads(json.dumps(sample_report.as_dict()))
    assert set(data["panels"]) == set(PANELS)
    assert data["ego"] == {"nodes": 131, "edges": 168}


def test_report_unknown_person_suggests_names(sample_store: GraphStore) -> None:
    with pytest.raises(InputError, match="Dhruv Mahajn.*did you mean 'Dhruv Mahajan'"):
        profile_report(sample_store, "Dhruv Mahajn")
    with pytest.raises(InputError, match="kg query people"):
        profile_report(sample_store, "Zzyzx Qwerty")


def test_report_spelling_variants_find_the_person(sample_store: GraphStore) -> None:
    report = profile_report(sample_store, "S. Sathiya Keerthi")
    assert report.name == "S Sathiya Keerthi"
    assert report.figures["papers"] == 6 and report.figures["hIndex"] is None
    html = render_report(report)
    assert "no profile page of their own" in html


# -- the page, as text ------------------------------------------------------------------------

def test_report_page_is_self_contained(report_page: Path) -> None:
    html = report_page.read_text(encoding="utf-8")
    top, _, _ = html.partition('<iframe class="kg-ego"')
    assert re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE) == []
    assert "<script" not in top.lower()  # the page itself runs nothing; the graph runs in its frame
    assert "<link" not in html.lower() and "@import" not in html
    assert 'sandbox="allow-scripts"' in html


def test_report_page_names_the_query_under_each_panel(report_page: Path) -> None:
    html = report_page.read_text(encoding="utf-8")
    sections = re.findall(r'<section class="kg-panel[^"]*" id="panel-([\w-]+)".*?</section>', html, re.S)
    assert sections == ["publications", "coauthors", "collaboration", "organisations", "code", "released",
                        "ego", "papers"]
    for body in re.findall(r'<section class="kg-panel.*?</section>', html, re.S):
        queries = re.findall(r"<code>queries/([\w-]+)\.rq</code>", body)
        assert queries, body[:200]
        assert all((library_dir() / f"{q}.rq").is_file() for q in queries)


def test_report_cli_writes_the_page(built_store_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", OWNER, "--store", str(built_store_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "37 papers" in result.output and out.stat().st_size > 100_000
    result = CliRunner().invoke(app, ["report", "Nobody", "--store", str(built_store_dir),
                                      "-o", str(tmp_path / "n.html")])
    assert result.exit_code != 0 and not (tmp_path / "n.html").exists()


# -- in the browser ---------------------------------------------------------------------------

def _ego_frame(page):
    frame = next(f for f in page.frames if f != page.main_frame)
    # rAF polling would never fire in an offscreen cross-origin frame: poll on a timer.
    frame.wait_for_function("document.body.dataset.kgStable === 'true'", timeout=20_000, polling=100)
    return frame


@pytest.mark.browser
def test_report_loads_offline_without_errors(watched_page, report_page: Path) -> None:
    watched = watched_page(report_page)
    frame = _ego_frame(watched.page)
    watched.page.wait_for_timeout(300)
    assert watched.requests, "no request recorded at all: the listener did not work"
    assert [u for u in watched.requests if not u.startswith(("file://", "data:"))] == []
    assert watched.errors == [] and watched.dialogs == []
    assert frame.evaluate("nodes.length") == 131


@pytest.mark.browser
def test_report_panels_show_the_sample(watched_page, report_page: Path, sample_report: ProfileReport) -> None:
    page = watched_page(report_page).page
    figures = {el.get_attribute("data-figure"): el.inner_text()
               for el in page.locator(".kg-figure").all()}
    assert "37" in figures["papers"] and "28" in figures["h-index"] and "20,917" in figures["citations"]
    assert "63" in figures["coauthors"] and "19%" in figures["code"] and "21" in figures["released"]
    # the stacked bars: one rect per year and category, their counts add up to the papers
    segments = page.locator("#panel-publications svg rect title").all_text_contents()
    assert sum(int(t.rpartition(": ")[2]) for t in segments) == 37
    legend = page.locator("#panel-publications svg text").all_text_contents()
    assert {"cs.CV", "cs.LG", "cs.AI", "cs.CL", "stat.ML", "Year", "Papers"} <= set(legend)
    coauthors = page.locator("#panel-coauthors").inner_text()
    assert "Abhimanyu Dubey" in coauthors
    chips = page.locator("#panel-organisations .kg-chip").all_inner_texts()
    assert [re.sub(r"\s+", " ", c).strip() for c in chips] == ["meta-ai 8", "allen-ai 2", "berkeley 1"]
    assert page.locator("#panel-released tbody tr").count() == 21
    paco = page.locator('#panel-released tr[data-artifact="PACO"]').inner_text()
    assert "we introduce PACO" in paco and "dataset" in paco
    emu = page.locator('#panel-released tr[data-artifact="Emu"]').inner_text()
    assert "Text-to-Sticker" in emu
    assert page.locator("#panel-papers li").count() == 37
    assert page.locator("#panel-code .kg-ring").text_content().strip() == "19%"


@pytest.mark.browser
def test_report_ego_graph_renders(watched_page, report_page: Path, sample_store: GraphStore) -> None:
    watched = watched_page(report_page)
    watched.page.locator("#kg-ego").scroll_into_view_if_needed()
    frame = _ego_frame(watched.page)
    frame.wait_for_timeout(600)  # pyvis's loading overlay fades out
    ids = set(frame.evaluate("nodes.getIds()"))
    from kg.query import load_query, run

    typed = {t.subject.value for t in run(sample_store, load_query("ego"), {"person": OWNER}).triples
             if t.predicate.value.endswith("#type") and "#Artifact" not in t.object.value}
    assert ids == typed
    painted = frame.evaluate(
        """() => { const c = document.querySelector('canvas');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0;
                   for (let i = 0; i < d.length; i += 4)
                     if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++;
                   return n; }""")
    assert painted > 1000
    assert "Ego network of Dhruv Mahajan" in frame.locator("#kg-legend").inner_text()


@pytest.mark.browser
def test_report_hostile_profile_text_shows_as_text(watched_page, evil_report: Path) -> None:
    watched = watched_page(evil_report)
    page = watched.page
    frame = _ego_frame(page)
    page.wait_for_timeout(300)
    papers = page.locator("#panel-papers").inner_text()
    assert EVIL_TITLE in papers and "Second <svg onload=alert(3)> Paper" in papers
    assert EVIL_AUTHOR in page.locator("#panel-coauthors").inner_text()
    assert EVIL_TAG in page.locator("#panel-organisations").inner_text()
    released = page.locator("#panel-released").inner_text()
    assert "EvilNet" in released and EVIL_TITLE in released
    for where in (page, frame):
        injected = where.evaluate(
            """() => ({ img: document.querySelectorAll('img[src="x"]').length,
                        svg: document.querySelectorAll('svg[onload]').length,
                        b: Array.from(document.querySelectorAll('b')).filter(e => e.textContent === 'bold-org').length,
                        script: Array.from(document.querySelectorAll('script')).filter(
                            e => /^\\s*alert\\(/.test(e.textContent)).length })""")
        assert injected == {"img": 0, "svg": 0, "b": 0, "script": 0}
    assert watched.dialogs == [] and watched.errors == []
    assert [u for u in watched.requests if not u.startswith(("file://", "data:"))] == []


@pytest.mark.browser
def test_report_screenshot_of_the_sample(watched_page, report_page: Path, tmp_path: Path) -> None:
    docs = ROOT / "docs" if os.environ.get("KG_SCREENSHOTS") == "1" else tmp_path
    docs.mkdir(parents=True, exist_ok=True)
    watched = watched_page(report_page, width=1400, height=900)
    page = watched.page
    _ego_frame(page)
    top = docs / "report.png"
    page.screenshot(path=str(top), clip={"x": 0, "y": 0, "width": 1400, "height": 1900}, full_page=True)
    ego = page.locator("#panel-ego")
    ego.scroll_into_view_if_needed()
    page.wait_for_timeout(900)  # the frame's loading overlay fades out
    graph = docs / "report-graph.png"
    ego.screenshot(path=str(graph))
    for shot in (top, graph):
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000
