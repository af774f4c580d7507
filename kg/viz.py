"""Draw the graph as one self-contained interactive HTML page (pyvis, vis-network).

:func:`graph_view` asks the store for the nodes and edges people look at
(papers, people, organisation tags, categories, repositories and artifacts;
queries ``graph-nodes`` and ``graph-edges``) and returns plain data;
:func:`draw` turns that into a page that needs no network: vis-network is
inlined and every remote link pyvis adds is removed. Tooltips are plain text:
vis-network shows them with ``innerText`` and pyvis writes them as JSON, so
no text from a profile can run as HTML or script.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .query import load_query, run

ONT = "https://w3id.org/scholar-kg/ontology#"

#: How each kind of node looks: (legend label, colour, vis-network shape).
STYLES: dict[str, tuple[str, str, str]] = {
    "Paper": ("Paper", "#4e79a7", "dot"),
    "Person": ("Person", "#f28e2b", "diamond"),
    "OrganisationTag": ("Organisation tag", "#59a14f", "triangle"),
    "Category": ("Category", "#b07aa1", "square"),
    "CodeRepository": ("Code repository", "#76b7b2", "star"),
    "Dataset": ("Dataset", "#e15759", "hexagon"),
    "Benchmark": ("Benchmark", "#ff9da7", "hexagon"),
    "Model": ("Model", "#edc948", "triangleDown"),
    "Method": ("Method", "#9c755f", "ellipse"),
    "Software": ("Software", "#bab0ac", "box"),
}
EDGE_LABELS = {"hasAuthor": "author", "organisationTag": "tagged", "category": "category",
               "hasCodeRepository": "code", "introduces": "introduces", "uses": "uses",
               "releasesArtifact": "releases"}
DEFAULT_MAX_NODES = 5000


@dataclass
class Node:
    id: str
    kind: str
    label: str
    tooltip: str


@dataclass
class GraphView:
    """Nodes and edges to draw, as plain data."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    left_out: int = 0


def _local(iri: str) -> str:
    return iri.rpartition("#")[2] if "#" in iri else iri.rpartition("/")[2]


def graph_view(store, max_nodes: int = DEFAULT_MAX_NODES) -> GraphView:
    """The store's graph as nodes (one per typed resource of :data:`STYLES`) and edges."""
    rows = run(store, load_query("graph-nodes")).rows
    kinds: dict[str, str] = {}
    labels: dict[str, str] = {}
    details: dict[str, list[str]] = defaultdict(list)
    for iri, type_, label, detail in rows:
        kind = _local(type_)
        if kind not in STYLES:
            continue
        # An artifact may carry several types; the more specific one (not Artifact) wins.
        kinds.setdefault(iri, kind)
        if label and iri not in labels:
            labels[iri] = label
        if detail and detail not in details[iri]:
            details[iri].append(detail)
    edges = [(s, _local(p), o) for s, p, o in run(store, load_query("graph-edges")).rows
             if s in kinds and o in kinds]
    view = GraphView()
    keep = list(kinds)
    if len(keep) > max_nodes:
        degree: dict[str, int] = defaultdict(int)
        for s, _, o in edges:
            degree[s] += 1
            degree[o] += 1
        keep = sorted(keep, key=lambda n: -degree[n])[:max_nodes]
        view.left_out = len(kinds) - max_nodes
    kept = set(keep)
    for iri in keep:
        kind = kinds[iri]
        label = labels.get(iri) or _local(iri)
        tooltip = "\n".join([f"{STYLES[kind][0]}: {label}", *details[iri], iri])
        view.nodes.append(Node(iri, kind, label, tooltip))
    view.edges = [(s, p, o) for s, p, o in edges if s in kept and o in kept]
    return view


_REMOTE = re.compile(
    r'<link[^>]*href="(?:https?:)?//[^"]*"[^>]*>\s*|<script[^>]*src="(?:https?:)?//[^"]*"[^>]*>\s*</script>\s*'
    r'|<link[^>]*href="\.\./node_modules[^"]*"[^>]*>\s*|<script[^>]*src="\.\./node_modules[^"]*"[^>]*>\s*</script>\s*')


def _legend(view: GraphView) -> str:
    present = [k for k in STYLES if any(n.kind == k for n in view.nodes)]
    items = "".join(
        f'<li><span class="kg-swatch" style="background:{STYLES[k][1]}"></span>{STYLES[k][0]}'
        f' <span class="kg-count">{sum(n.kind == k for n in view.nodes)}</span></li>' for k in present)
    note = (f'<p class="kg-note">{view.left_out} less-connected nodes left out '
            f"(cap {len(view.nodes)}); draw a smaller view with a query.</p>" if view.left_out else "")
    return (
        '<style>#kg-legend{position:fixed;top:12px;left:12px;z-index:10;background:rgba(255,255,255,.92);'
        'border:1px solid #ddd;border-radius:6px;padding:8px 12px;font:13px system-ui,sans-serif}'
        '#kg-legend ul{list-style:none;margin:4px 0 0;padding:0}#kg-legend li{margin:2px 0}'
        '.kg-swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;'
        'vertical-align:middle}.kg-count{color:#777}.kg-note{margin:6px 0 0;color:#a33;max-width:220px}'
        'body{margin:0}#mynetwork{border:none!important}</style>'
        f'<div id="kg-legend"><strong>scholar-kg</strong> · {len(view.nodes)} nodes, '
        f'{len(view.edges)} links<ul>{items}</ul>{note}</div>'
    )


# Registered right where the network is made: a small graph can settle before a later script runs.
_FREEZE = """
                  // Freeze the layout once physics has settled: large graphs stay still and responsive.
                  network.once("stabilizationIterationsDone", function () {
                    network.setOptions({ physics: false });
                    document.body.setAttribute("data-kg-stable", "true");
                  });
                  window.kgView = { nodes: nodes.length, edges: edges.length };
"""
_NETWORK = "network = new vis.Network(container, data, options);"


def render(view: GraphView, title: str = "scholar-kg graph") -> str:
    """The HTML page for ``view``: offline, with a legend, sizes by degree, a frozen layout."""
    from pyvis.network import Network  # pyvis loads only when a page is drawn

    net = Network(height="100vh", width="100%", cdn_resources="in_line", directed=True,
                  heading="")
    degree: dict[str, int] = defaultdict(int)
    for s, _, o in view.edges:
        degree[s] += 1
        degree[o] += 1
    for node in view.nodes:
        _, colour, shape = STYLES[node.kind]
        label = node.label if len(node.label) <= 40 else node.label[:38] + "…"
        net.add_node(node.id, label=label, title=node.tooltip, color=colour, shape=shape,
                     size=10 + min(30, 2 * degree[node.id]))
    for s, p, o in view.edges:
        net.add_edge(s, o, title=EDGE_LABELS.get(p, p), arrows="to", color="#bbbbbb")
    net.set_options("""{
      "physics": {"solver": "forceAtlas2Based",
                  "forceAtlas2Based": {"gravitationalConstant": -40, "springLength": 90},
                  "stabilization": {"enabled": true, "iterations": 400, "fit": true}},
      "interaction": {"hover": true, "tooltipDelay": 120, "navigationButtons": false},
      "edges": {"smooth": false}
    }""")
    html = net.generate_html()
    html = _REMOTE.sub("", html)
    html = html.replace("<head>", f"<head>\n<title>{_escape(title)}</title>", 1)
    html = re.sub(r"<body>", "<body>\n" + _legend(view), html, count=1)
    if _NETWORK not in html:
        raise RuntimeError("pyvis changed its page template: cannot hook the layout freeze")
    html = html.replace(_NETWORK, _NETWORK + "\n" + _FREEZE, 1)
    return html


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def draw(store, path: str | Path = "graph.html", max_nodes: int = DEFAULT_MAX_NODES) -> GraphView:
    """Write the page for the whole store to ``path``; returns what was drawn."""
    view = graph_view(store, max_nodes=max_nodes)
    Path(path).write_text(render(view), encoding="utf-8")
    return view
