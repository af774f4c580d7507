"""Draw the graph as one self-contained interactive HTML page (pyvis, vis-network).

:func:`graph_view` asks the store for the nodes and edges people look at
(papers, people, organisation tags, categories, repositories and artifacts;
queries ``graph-nodes`` and ``graph-edges``) and returns plain data;
:func:`query_view` does the same for the subgraph a CONSTRUCT query chooses
(``ego``: one person's neighbourhood); :func:`draw` turns either into a page that needs no network: vis-network is
inlined and every remote link pyvis adds is removed. Tooltips are plain text:
vis-network shows them with ``innerText`` and pyvis writes them as JSON, so
no text from a profile can run as HTML or script.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode

from .errors import QueryError
from .query import load_query, parse_header, restrict, run

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
    """The store's graph as nodes (one per typed resource of :data:`STYLES`) and edges.

    When more nodes have edges than can be drawn, only the ``max_nodes`` it draws (see
    :func:`_choose`) are looked up (``graph-nodes`` for every node of a 100k-paper store takes
    about 17 s).
    """
    # Sorted here: the store takes ten times as long to sort them.
    links = sorted((s, _local(p), o) for s, p, o in run(store, load_query("graph-edges")).rows)
    ends = {n for s, _, o in links for n in (s, o)}
    if len(ends) <= max_nodes:
        kinds, labels, details = _node_table(store)  # every node, those without edges too
        left_out = 0
    else:
        # Chosen from the links, then looked up; an end the page cannot draw (an untyped
        # artifact) is dropped with its links and the choice made again, looking up only the
        # nodes not seen yet. With every end drawable, one round: the full table's choice.
        kinds, labels, details = {}, {}, defaultdict(list)
        looked: set[str] = set()
        usable, offered = links, ends
        while True:
            pick = _choose(offered, usable, max_nodes)
            new = set(pick) - looked
            if not new:
                break
            found = _node_table(store, new)
            kinds.update(found[0])
            labels.update(found[1])
            details.update(found[2])
            looked |= new
            undrawn = new - set(found[0])
            if not undrawn:
                break
            usable = [(s, p, o) for s, p, o in usable if s not in undrawn and o not in undrawn]
            offered = {n for s, _, o in usable for n in (s, o)}
        kinds = {n: kinds[n] for n in pick}
        left_out = int(next(iter(run(store, _DRAWABLE).rows))[0]) - len(kinds)
    edges = [(s, p, o) for s, p, o in links if s in kinds and o in kinds]
    return _assemble(kinds, labels, details, edges, max_nodes, left_out)


def _choose(nodes: Iterable[str], edges: list[tuple[str, str, str]], max_nodes: int) -> list[str]:
    """The ``max_nodes`` of ``nodes`` to draw: the links between the best-connected nodes
    first (by the lesser degree of their two ends, then the greater, then their IRIs), both
    ends of each while they fit, then the other nodes by degree; returned best connected
    first. Degrees count every link of ``edges``, those to nodes not offered too.

    The nodes of most links are a paper's people, tags and artifacts: drawn alone, the best
    connected of them would have no link between them. Taken a link at a time, the picture
    is the densest part of the graph, every node with a link, while there are links to draw.
    """
    nodes = list(dict.fromkeys(nodes))
    degree = _degrees(edges)

    def best_connected_first(some: Iterable[str]) -> list[str]:
        return sorted(some, key=lambda n: (-degree[n], n))

    if len(nodes) <= max_nodes:
        return best_connected_first(nodes)
    known = set(nodes)
    pairs = sorted({(s, o) for s, _, o in edges if s in known and o in known},
                   key=lambda e: (-min(degree[e[0]], degree[e[1]]), -max(degree[e[0]], degree[e[1]]), e))
    chosen: dict[str, None] = {}
    for s, o in pairs:
        if len(chosen) >= max_nodes:
            break
        new = [n for n in dict.fromkeys((s, o)) if n not in chosen]
        if len(chosen) + len(new) <= max_nodes:
            chosen.update(dict.fromkeys(new))
    for n in best_connected_first(nodes):
        if len(chosen) >= max_nodes:
            break
        chosen.setdefault(n)
    return best_connected_first(chosen)


def _degrees(edges: Iterable[tuple[str, str, str]]) -> dict[str, int]:
    """How many of ``edges`` each node is an end of."""
    degree: dict[str, int] = defaultdict(int)
    for s, _, o in edges:
        degree[s] += 1
        degree[o] += 1
    return degree


# How many nodes the graph page could draw: what graph-nodes lists, counted.
_DRAWABLE = parse_header("graph-node-count", f"""PREFIX kg: <{ONT}>
SELECT (COUNT(DISTINCT ?node) AS ?nodes)
WHERE {{ VALUES ?type {{ {" ".join(f"kg:{kind}" for kind in STYLES)} }} ?node a ?type }}""")


def query_view(store, query: str, values: Mapping[str, str] | None = None,
               max_nodes: int = DEFAULT_MAX_NODES) -> GraphView:
    """The subgraph a CONSTRUCT query (a library name or a ``.rq`` file) chooses.

    Nodes are the resources of the answer that the full view draws (same kind, label and
    tooltip); edges are the answer's triples whose predicate the full view draws. So
    ``--query ego --param person=...`` shows one person's neighbourhood as the big page would.
    """
    named = load_query(query)
    result = run(store, named, values or {})
    if result.triples is None:
        raise QueryError(f"{named.name}: a graph needs a CONSTRUCT query, not {named.form}")
    named_nodes = {t.value for triple in result.triples for t in (triple.subject, triple.object)
                   if isinstance(t, NamedNode)}
    kinds, labels, details = _node_table(store, named_nodes)
    chosen: dict[str, None] = {}
    edges: dict[tuple[str, str, str], None] = {}
    for triple in result.triples:
        s = triple.subject.value if isinstance(triple.subject, NamedNode) else None
        o = triple.object.value if isinstance(triple.object, NamedNode) else None
        for iri in (s, o):
            if iri in kinds:
                chosen.setdefault(iri)
        link = _local(triple.predicate.value)
        if link in EDGE_LABELS and s in kinds and o in kinds:
            edges.setdefault((s, link, o))
    kinds = {iri: kinds[iri] for iri in chosen}
    return _assemble(kinds, labels, details, list(edges), max_nodes)


def _node_table(store, only: set[str] | None = None,
                ) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    """Kind, label and tooltip lines of every node the graph page can draw (``graph-nodes``),
    or of the nodes ``only`` names (looked up, not scanned for: fast on a big store)."""
    query = load_query("graph-nodes")
    if only is not None:
        query = restrict(query, "node", [NamedNode(iri) for iri in sorted(only)])
    rows = sorted(run(store, query).rows, key=lambda row: ["" if v is None else str(v) for v in row])
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
    return kinds, labels, details


def _assemble(kinds: dict[str, str], labels: dict[str, str], details: dict[str, list[str]],
              edges: list[tuple[str, str, str]], max_nodes: int, left_out: int = 0) -> GraphView:
    """The view of these nodes and edges, keeping ``max_nodes`` of them (see :func:`_choose`);
    ``left_out``: nodes the caller already left out."""
    view = GraphView(left_out=left_out)
    keep = list(kinds)
    if len(keep) > max_nodes:
        keep = _choose(keep, edges, max_nodes)
        view.left_out += len(kinds) - max_nodes
    kept = set(keep)
    for iri in keep:
        kind = kinds[iri]
        label = labels.get(iri) or _local(iri)
        tooltip = "\n".join([f"{STYLES[kind][0]}: {label}", *details.get(iri, ()), iri])
        view.nodes.append(Node(iri, kind, label, tooltip))
    view.edges = [(s, p, o) for s, p, o in edges if s in kept and o in kept]
    return view


_REMOTE = re.compile(
    r'<link[^>]*href="(?:https?:)?//[^"]*"[^>]*>\s*|<script[^>]*src="(?:https?:)?//[^"]*"[^>]*>\s*</script>\s*'
    r'|<link[^>]*href="\.\./node_modules[^"]*"[^>]*>\s*|<script[^>]*src="\.\./node_modules[^"]*"[^>]*>\s*</script>\s*')


def _legend(view: GraphView, heading: str = "scholar-kg") -> str:
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
        f'<div id="kg-legend"><strong>{_escape(heading)}</strong> · {len(view.nodes)} nodes, '
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


#: Above this many nodes the layout skips vis-network's slow "improved layout" seeding and
#: runs fewer physics iterations, so a page of several thousand nodes settles in seconds.
LARGE_GRAPH = 1000


def physics_options(nodes: int) -> str:
    """vis-network options for a graph of ``nodes`` nodes (JSON text).

    >>> import json
    >>> json.loads(physics_options(3000))["physics"]["stabilization"]["iterations"]
    133
    """
    import json

    iterations = 400 if nodes <= LARGE_GRAPH else max(100, min(400, 400_000 // nodes))
    options = {
        "physics": {"solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -40, "springLength": 90},
                    "stabilization": {"enabled": True, "iterations": iterations, "fit": True}},
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
        "edges": {"smooth": False},
    }
    if nodes > LARGE_GRAPH:
        options["layout"] = {"improvedLayout": False}
    return json.dumps(options)


def render(view: GraphView, title: str = "scholar-kg graph", heading: str = "scholar-kg") -> str:
    """The HTML page for ``view``: offline, with a legend, sizes by degree, a frozen layout."""
    from pyvis.network import Network  # pyvis loads only when a page is drawn

    net = Network(height="100vh", width="100%", cdn_resources="in_line", directed=True,
                  heading="")
    degree = _degrees(view.edges)
    for node in view.nodes:
        _, colour, shape = STYLES[node.kind]
        label = node.label if len(node.label) <= 40 else node.label[:38] + "…"
        net.add_node(node.id, label=label, title=node.tooltip, color=colour, shape=shape,
                     size=10 + min(30, 2 * degree[node.id]))
    for s, p, o in view.edges:
        net.add_edge(s, o, title=EDGE_LABELS.get(p, p), arrows="to", color="#bbbbbb")
    net.set_options(physics_options(len(view.nodes)))
    html = net.generate_html()
    html = _REMOTE.sub("", html)
    html = html.replace("<head>", f"<head>\n<title>{_escape(title)}</title>", 1)
    html = re.sub(r"<body>", lambda _: "<body>\n" + _legend(view, heading), html, count=1)
    if _NETWORK not in html:
        raise RuntimeError("pyvis changed its page template: cannot hook the layout freeze")
    html = html.replace(_NETWORK, _NETWORK + "\n" + _FREEZE, 1)
    return html


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def draw(store, path: str | Path = "graph.html", max_nodes: int = DEFAULT_MAX_NODES,
         query: str | None = None, values: Mapping[str, str] | None = None) -> GraphView:
    """Write the page for the whole store, or for the subgraph a CONSTRUCT ``query`` chooses
    (with parameter ``values``), to ``path``; returns what was drawn."""
    if query is None:
        view = graph_view(store, max_nodes=max_nodes)
        page = render(view)
    else:
        view = query_view(store, query, values, max_nodes=max_nodes)
        label = Path(query).stem if query.endswith(".rq") else query
        about = ", ".join(f"{k}={v}" for k, v in (values or {}).items())
        heading = f"{label} ({about})" if about else label
        page = render(view, title=f"scholar-kg · {heading}", heading=heading)
    Path(path).write_text(page, encoding="utf-8")
    return view
