"""The graph page (kg.viz) in a real headless Chromium: offline, drawn, complete, hoverable, safe.

The browser is the Debian ``chromium`` driven by the ``playwright`` package
(no ``playwright install``). Set ``KG_SCREENSHOTS=1`` to write the sample's
page as ``docs/graph.png`` for the documentation.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kg.query import load_query, run
from kg.store import GraphStore
from kg.viz import STYLES, draw

ROOT = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1400, "height": 900}
OWNER = "Dhruv Mahajan"
EVIL_TITLE = "<img src=x onerror=alert(1)>"
EVIL_AUTHOR = "<script>alert(2)</script>"
EVIL_TAG = "<b>bold-org</b>"

EVIL_PROFILE = f"""Eve Tester

CV
h-index1
1papers
10citations
Novelty50%
AI Score5

1 Papers

CVJan 4, 2023Code
{EVIL_TITLE}

{EVIL_AUTHOR}, Eve Tester · {EVIL_TAG}

We study robustness of detectors. We evaluate on ImageNet and report results.
"""

pytestmark = pytest.mark.browser


# -- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_page(tmp_path_factory: pytest.TempPathFactory, built_store_dir: Path):
    """The sample's graph page, drawn once for the module: (path, view)."""
    path = tmp_path_factory.mktemp("viz") / "graph.html"
    with GraphStore.open(built_store_dir, read_only=True) as store:
        view = draw(store, path)
    return path, view


@pytest.fixture()
def evil_page(tmp_path: Path):
    """A one-paper profile whose title, author and tag are HTML/script, drawn: (path, view)."""
    profile = tmp_path / "evil.profile.txt"
    profile.write_text(EVIL_PROFILE, encoding="utf-8")
    from kg.build import build

    with GraphStore.open(tmp_path / "store") as store:
        build([profile], store)
        view = draw(store, tmp_path / "graph.html")
    return tmp_path / "graph.html", view




def _open(watched_page, path: Path, require_stable_flag: bool = True):
    """Load a page and wait until its layout is still.

    The page says when physics has settled (``data-kg-stable``). Without
    ``require_stable_flag`` a page that never says so is also accepted once its node
    positions stop moving, so tests about other things don't hang on that flag (its
    own test is ``test_viz_small_graph_sets_stable_flag_and_freezes``).
    """
    watched = watched_page(path, VIEWPORT["width"], VIEWPORT["height"])
    page = watched.page
    if require_stable_flag:
        page.wait_for_function("document.body.dataset.kgStable === 'true'", timeout=20_000)
    else:
        page.wait_for_function(
            """() => { if (document.body.dataset.kgStable === 'true') return true;
                       const now = JSON.stringify(network.getPositions());
                       const still = window.__kgLast === now;
                       window.__kgLast = now;
                       return still; }""", polling=250, timeout=20_000)
    # pyvis's loading overlay (drawn for graphs over 100 nodes) fades out over 500 ms after
    # stabilisation and takes the mouse until it is gone.
    page.wait_for_function(
        "!document.getElementById('loadingBar') || "
        "getComputedStyle(document.getElementById('loadingBar')).display === 'none'", timeout=5_000)
    return watched


def _hover_tooltip(page, node_id: str):
    """Move the mouse onto a node; return the visible tooltip locator."""
    x, y = page.evaluate(
        """(id) => { const p = network.getPositions([id])[id];
                     const d = network.canvasToDOM(p);
                     const r = document.querySelector('canvas').getBoundingClientRect();
                     return [d.x + r.left, d.y + r.top]; }""", node_id)
    under = page.evaluate(
        """([x, y]) => { const r = document.querySelector('canvas').getBoundingClientRect();
                         return network.getNodeAt({x: x - r.left, y: y - r.top}) || null; }""", [x, y])
    assert under == node_id, f"another node ({under}) lies over {node_id} at ({x:.0f}, {y:.0f})"
    page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] - 5)
    page.mouse.move(x, y, steps=4)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    return tooltip


# -- offline ----------------------------------------------------------------------------------

def test_viz_page_has_no_remote_resources_in_html(sample_page):
    path, _ = sample_page
    html = path.read_text(encoding="utf-8")
    remote = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*""", html, re.IGNORECASE)
    assert remote == []
    assert "vis.Network" in html  # vis-network is really inlined, not just dropped


def test_viz_page_loads_only_local_resources_without_errors(watched_page, sample_page):
    path, _ = sample_page
    watched = _open(watched_page, path)
    try:
        assert watched.requests, "no request recorded at all: the listener did not work"
        outside = [u for u in watched.requests if not u.startswith(("file://", "data:"))]
        assert outside == []
        assert watched.errors == []
        assert watched.dialogs == []
    finally:
        watched.page.close()


# -- drawn and complete -----------------------------------------------------------------------

def test_viz_canvas_is_not_blank(watched_page, sample_page):
    path, _ = sample_page
    watched = _open(watched_page, path)
    try:
        painted = watched.page.evaluate(
            """() => { const c = document.querySelector('canvas');
                       const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                       let n = 0;
                       for (let i = 0; i < d.length; i += 4) {
                         if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++;
                       }
                       return n; }""")
        print(f"non-white canvas pixels: {painted}")
        assert painted > 1000
    finally:
        watched.page.close()


def test_viz_page_node_count_matches_store_and_view(watched_page, sample_page, sample_store):
    path, view = sample_page
    rows = run(sample_store, load_query("graph-nodes")).rows
    in_store = {node for node, type_, _, _ in rows if type_.rpartition("#")[2] in STYLES}
    watched = _open(watched_page, path)
    try:
        count = watched.page.evaluate("nodes.length")
        ids = set(watched.page.evaluate("nodes.getIds()"))
        summary = watched.page.evaluate("window.kgView")
    finally:
        watched.page.close()
    assert len(in_store) > 100  # the sample: 37 papers, their authors, tags, artifacts...
    assert count == len(in_store) == len(view.nodes) == summary["nodes"]
    assert ids == in_store == {n.id for n in view.nodes}
    assert summary["edges"] == len(view.edges)


def test_viz_legend_counts_each_kind(watched_page, sample_page):
    path, view = sample_page
    watched = _open(watched_page, path)
    try:
        legend = watched.page.locator("#kg-legend")
        assert legend.is_visible()
        text = legend.inner_text()
    finally:
        watched.page.close()
    assert f"{len(view.nodes)} nodes" in text
    for kind in {n.kind for n in view.nodes}:
        count = sum(n.kind == kind for n in view.nodes)
        assert re.search(rf"{re.escape(STYLES[kind][0])}\s+{count}\b", text), (kind, text)


def test_viz_nodes_are_drawn_in_their_legend_colour(watched_page, sample_page):
    """Each node is drawn in the colour of its kind that the legend shows (STYLES)."""
    path, view = sample_page

    def rgb(hex_colour: str) -> tuple[int, int, int]:
        return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))

    def off_paper(pixel: list[int]) -> int:
        """How far a pixel's colour is from a paper's, in the channel furthest off."""
        return max(abs(a - b) for a, b in zip(pixel, rgb(STYLES["Paper"][1])))

    watched = _open(watched_page, path)
    page = watched.page
    try:
        page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] - 5)
        drawn = page.evaluate(
            """() => Object.fromEntries(nodes.getIds().map(
                   id => [id, network.body.nodes[id].options.color.background.toLowerCase()]))""")
        swatches = page.evaluate(
            """() => Array.from(document.querySelectorAll('#kg-legend li')).map(
                   li => [li.textContent.replace(/\\s*\\d+$/, '').trim(),
                          getComputedStyle(li.querySelector('.kg-swatch')).backgroundColor])""")
        # A pixel at the centre of a paper's dot, where no other node is: another node's label
        # can still be drawn over one, so each paper is tried until one shows its colour.
        papers = [n.id for n in view.nodes if n.kind == "Paper"
                  and page.evaluate(
                      """(id) => { const d = network.canvasToDOM(network.getPositions([id])[id]);
                                   return network.getNodeAt(d) === id; }""", n.id)]
        assert papers
        # Read again for a moment if need be: on a busy machine the canvas can still show the
        # frame before the last one when the position is read.
        for _ in range(20):
            pixels = page.evaluate(
                """(ids) => { const c = document.querySelector('canvas');
                              const k = window.devicePixelRatio || 1;
                              return ids.map(id => {
                                  const d = network.canvasToDOM(network.getPositions([id])[id]);
                                  return Array.from(c.getContext('2d').getImageData(
                                      Math.round(d.x * k), Math.round(d.y * k), 1, 1).data.slice(0, 3)); }); }""",
                papers)
            pixel = min(pixels, key=off_paper)
            if off_paper(pixel) <= 8:
                break
            page.wait_for_timeout(100)
    finally:
        page.close()

    legend = dict(swatches)
    assert set(legend) == {STYLES[n.kind][0] for n in view.nodes}
    for label, colour, _ in STYLES.values():
        if label in legend:
            assert legend[label] == "rgb({}, {}, {})".format(*rgb(colour)), label
    wrong = {n.kind: drawn[n.id] for n in view.nodes if drawn[n.id] != STYLES[n.kind][1].lower()}
    assert wrong == {}, "drawn colour differs from the legend's for these kinds"
    assert off_paper(pixel) <= 8, pixel


def test_viz_hovering_a_person_shows_its_tooltip(watched_page, sample_page):
    path, view = sample_page
    owner = next(n for n in view.nodes if n.kind == "Person" and n.label == OWNER)
    watched = _open(watched_page, path)
    try:
        tooltip = _hover_tooltip(watched.page, owner.id)
        text = tooltip.inner_text()
    finally:
        watched.page.close()
    assert f"Person: {OWNER}" in text
    assert "Papers: 37" in text


def test_viz_screenshot_of_the_sample(watched_page, sample_page, tmp_path):
    path, _ = sample_page
    target = ROOT / "docs" / "graph.png" if os.environ.get("KG_SCREENSHOTS") == "1" \
        else tmp_path / "graph.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    watched = _open(watched_page, path)
    try:
        watched.page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] - 5)
        watched.page.screenshot(path=str(target), full_page=True)
    finally:
        watched.page.close()
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == VIEWPORT["width"]
    assert len(data) > 20_000  # a drawn graph, not a blank page


def test_viz_small_graph_sets_stable_flag_and_freezes(watched_page, evil_page):
    """A graph of a few nodes settles at once; the page must still say so and freeze."""
    path, view = evil_page
    assert len(view.nodes) < 10
    watched = _open(watched_page, path, require_stable_flag=False)
    try:
        watched.page.wait_for_timeout(1_000)
        state = watched.page.evaluate(
            "({stable: document.body.dataset.kgStable || null,"
            "  physics: network.physics.options.enabled})")
    finally:
        watched.page.close()
    assert state == {"stable": "true", "physics": False}


# -- text from a profile never runs as HTML ---------------------------------------------------

def test_viz_html_in_profile_text_does_not_run(watched_page, evil_page):
    path, view = evil_page
    assert {n.label for n in view.nodes} >= {EVIL_TITLE, EVIL_AUTHOR, EVIL_TAG}
    watched = _open(watched_page, path, require_stable_flag=False)
    page = watched.page
    try:
        page.wait_for_timeout(300)
        injected = page.evaluate(
            """() => ({ img: document.querySelectorAll('img[src="x"]').length,
                        b: Array.from(document.querySelectorAll('b')).filter(
                             e => e.textContent === 'bold-org').length,
                        script: Array.from(document.querySelectorAll('script')).filter(
                             e => e.textContent.trim() === 'alert(2)').length })""")
        assert injected == {"img": 0, "b": 0, "script": 0}
        assert watched.dialogs == []
        assert watched.errors == []
    finally:
        page.close()


def test_viz_tooltip_shows_html_title_as_literal_text(watched_page, evil_page):
    path, view = evil_page
    paper = next(n for n in view.nodes if n.kind == "Paper")
    author = next(n for n in view.nodes if n.kind == "Person" and n.label == EVIL_AUTHOR)
    watched = _open(watched_page, path, require_stable_flag=False)
    page = watched.page
    try:
        tooltip = _hover_tooltip(page, paper.id)
        paper_text = tooltip.inner_text()
        # innerText turns each newline into a <br>; anything else would be built from the text.
        paper_children = page.evaluate(
            "Array.from(document.querySelectorAll('div.vis-tooltip *')).map(e => e.tagName)"
            ".filter(t => t !== 'BR')")
        tooltip = _hover_tooltip(page, author.id)
        author_text = tooltip.inner_text()
        assert watched.dialogs == []
        assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    finally:
        page.close()
    assert EVIL_TITLE in paper_text
    assert f"Author 1: {EVIL_AUTHOR}" in paper_text
    assert paper_children == []  # plain text, no elements built from the title
    assert EVIL_AUTHOR in author_text
