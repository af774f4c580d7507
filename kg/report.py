"""A person's profile report: one self-contained HTML page, every panel from a library query.

:func:`profile_report` asks the store for what the page shows and returns plain
data (:class:`ProfileReport`); each :class:`Panel` keeps the rows of one query
of ``queries/`` and the parameters it ran with, so the page can say, under each
panel, how to rerun it (``kg query coauthors --param person=...``).
:func:`render_report` draws the page: inline CSS, inline SVG charts
(:mod:`kg.charts`), and the ego graph (query ``ego``, drawn by :mod:`kg.viz`)
in an ``<iframe srcdoc>`` that may run scripts but has no origin of its own.
Nothing on the page asks the network for anything, and every text from the
store passes through :func:`html.escape`.

>>> Panel("coauthors", {"person": "Dhruv Mahajan"}, ["coauthor"], []).command
"kg query coauthors --param 'person=Dhruv Mahajan'"
"""

from __future__ import annotations

import difflib
import shlex
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from . import __version__
from .charts import PALETTE, hbars, ring, stacked_bars
from .errors import InputError
from .query import load_query, run
from .viz import STYLES, GraphView, query_view, render

#: How many co-authors the report lists, and the most nodes its ego graph draws.
TOP_COAUTHORS = 12
EGO_MAX_NODES = 600

#: Colours of the arXiv categories in the charts (others take the palette in turn).
CATEGORY_COLOURS = {"cs.CV": "#4e79a7", "cs.LG": "#f28e2b", "cs.AI": "#59a14f", "cs.CL": "#e15759",
                    "stat.ML": "#b07aa1", "cs.IR": "#76b7b2", "cs.RO": "#edc948", "cs.NE": "#9c755f"}


@dataclass
class Panel:
    """The answer of one library query, with the parameters it ran with."""

    query: str
    params: dict[str, str]
    columns: list[str]
    rows: list[list[Any]]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    @property
    def command(self) -> str:
        """The command that reruns this panel's query."""
        args = [f"--param {shlex.quote(f'{k}={v}')}" for k, v in self.params.items()]
        return " ".join(["kg query", self.query, *args])


@dataclass
class ProfileReport:
    """Everything the report page shows about one person, as plain data."""

    person: str  # as asked for
    name: str  # as the graph spells it
    summary: Panel
    papers: Panel
    coauthors: Panel
    collaboration: Panel
    organisations: Panel
    code: Panel
    disagreements: Panel
    released: Panel
    ego: GraphView = field(default_factory=GraphView)

    @property
    def figures(self) -> dict[str, Any]:
        """The header figures: the summary row plus the code availability rate."""
        row = self.summary.records[0]
        with_code = sum(r["withCode"] for r in self.code.records)
        total = sum(r["papers"] for r in self.code.records)
        return {**row, "withCode": with_code, "codeRate": with_code / total if total else 0.0,
                "released": len({r["artifactIri"] for r in self.released.records})}

    def papers_by_year(self) -> tuple[list[int], dict[str, list[int]]]:
        """Years from the first to the last paper, and papers per category per year."""
        counts: Counter[tuple[int, str]] = Counter(
            (r["year"], r["category"]) for r in self.papers.records)
        if not counts:
            return [], {}
        years = list(range(min(y for y, _ in counts), max(y for y, _ in counts) + 1))
        per_category = Counter(c for _, c in counts.elements())
        categories = sorted(per_category, key=lambda c: (-per_category[c], c))
        return years, {c: [counts[(y, c)] for y in years] for c in categories}

    def as_dict(self) -> dict[str, Any]:
        panels = ("summary", "papers", "coauthors", "collaboration", "organisations", "code",
                  "disagreements", "released")
        return {"person": self.person, "name": self.name, "figures": self.figures,
                "panels": {p: {"query": getattr(self, p).query, "params": getattr(self, p).params,
                               "command": getattr(self, p).command, "rows": getattr(self, p).records}
                           for p in panels},
                "ego": {"nodes": len(self.ego.nodes), "edges": len(self.ego.edges)}}


def _panel(store: Any, query: str, **params: str) -> Panel:
    result = run(store, load_query(query), params)
    return Panel(query, params, result.columns, result.rows)


def profile_report(store: Any, person: str) -> ProfileReport:
    """Run every panel's query for ``person`` (a name as written in any profile)."""
    summary = _panel(store, "person-summary", person=person)
    if not summary.rows:
        names = [row[0] for row in run(store, load_query("people")).rows]
        close = difflib.get_close_matches(person, names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(n) for n in close)}?" if close else \
            "; list everyone with: kg query people"
        raise InputError(f"no person named {person!r} has papers in the store{hint}")
    return ProfileReport(
        person=person,
        name=summary.records[0]["name"],
        summary=summary,
        papers=_panel(store, "papers-by-person", person=person),
        coauthors=_panel(store, "coauthors", person=person),
        collaboration=_panel(store, "collaboration-by-year", person=person),
        organisations=_panel(store, "organisations-by-year", person=person),
        code=_panel(store, "code-availability", person=person),
        disagreements=_panel(store, "code-disagreements", person=person),
        released=_panel(store, "released-artifacts", person=person),
        ego=query_view(store, "ego", {"person": person}, max_nodes=EGO_MAX_NODES),
    )


def write_report(store: Any, person: str, path: str | Path = "report.html") -> ProfileReport:
    """Write the report page of ``person`` to ``path``; returns its data."""
    report = profile_report(store, person)
    Path(path).write_text(render_report(report), encoding="utf-8")
    return report


# -- the page ---------------------------------------------------------------------------------

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f4f6f9;color:#1f2933;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header.kg-top{background:linear-gradient(120deg,#24364d,#3b5b85);color:#fff;padding:34px 40px 30px}
header.kg-top h1{margin:0;font-size:32px;font-weight:700;letter-spacing:-.01em}
header.kg-top p{margin:6px 0 0;color:#d5deea;font-size:14px}
main{max-width:1240px;margin:-18px auto 40px;padding:0 24px}
.kg-figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(132px,1fr));gap:12px;margin-bottom:18px}
.kg-figure{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 3px rgba(16,24,40,.1)}
.kg-figure b{display:block;font-size:26px;font-weight:700;line-height:1.15;color:#1f2933}
.kg-figure span,.kg-figure small{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.kg-figure span{font-size:12px;color:#6b7785;text-transform:uppercase;letter-spacing:.04em}
.kg-figure small{color:#8a96a3;font-size:12px}
.kg-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:18px}
section.kg-panel{background:#fff;border-radius:12px;padding:20px 22px 14px;box-shadow:0 1px 3px rgba(16,24,40,.1);min-width:0;display:flex;flex-direction:column}
section.kg-wide{grid-column:1/-1}
section.kg-panel h2{margin:0 0 2px;font-size:17px;font-weight:650}
section.kg-panel .kg-lede{margin:0 0 12px;color:#6b7785;font-size:13px}
.kg-source{margin-top:auto;padding-top:12px;font-size:12px;color:#8a96a3;border-top:1px solid #eef1f5}
.kg-source code{background:#f4f6f9;border-radius:4px;padding:1px 5px;color:#52606d;font-size:11.5px;overflow-wrap:anywhere}
.kg-source div{margin:2px 0}
table.kg-table{width:100%;border-collapse:collapse;font-size:13.5px}
table.kg-table th{text-align:left;font-weight:600;color:#52606d;border-bottom:2px solid #e4e8ee;padding:6px 8px;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
table.kg-table td{border-bottom:1px solid #eef1f5;padding:8px;vertical-align:top}
.kg-badge{display:inline-block;border-radius:999px;padding:1px 8px;font-size:11.5px;font-weight:600;color:#fff;white-space:nowrap}
.kg-chip{display:inline-flex;align-items:center;gap:6px;border:1px solid #d9dfe7;border-radius:999px;padding:3px 10px;margin:0 6px 6px 0;font-size:13px;background:#fafbfc}
.kg-chip b{font-weight:700}
.kg-muted{color:#8a96a3}
mark{background:#fff1b8;border-radius:3px;padding:0 2px}
.kg-evidence{color:#3e4c59;font-size:13px}
.kg-used{margin:0;padding-left:18px;font-size:13px}
.kg-code{display:flex;gap:22px;align-items:center;flex-wrap:wrap}
.kg-code ul{margin:0;padding-left:18px}
.kg-papers{columns:2 460px;column-gap:28px;margin:0;padding:0;list-style:none}
.kg-papers li{break-inside:avoid;padding:6px 0;border-bottom:1px solid #eef1f5;font-size:13.5px}
.kg-papers .kg-date{color:#8a96a3;font-variant-numeric:tabular-nums;margin-right:6px}
iframe.kg-ego{width:100%;height:700px;border:1px solid #e4e8ee;border-radius:8px;background:#fff}
footer{max-width:1240px;margin:0 auto 32px;padding:0 24px;color:#8a96a3;font-size:12px}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _number(value: Any) -> str:
    return "—" if value is None else f"{value:,}" if isinstance(value, int) else _e(value)


def _source(*panels: Panel) -> str:
    items = "".join(
        f'<div>Data: <code>queries/{_e(p.query)}.rq</code> · rerun: <code>{_e(p.command)}</code></div>'
        for p in panels)
    return f'<div class="kg-source">{items}</div>'


def _section(title: str, lede: str, body: str, *panels: Panel, wide: bool = False,
             key: str = "") -> str:
    cls = "kg-panel kg-wide" if wide else "kg-panel"
    return (f'<section class="{cls}" id="panel-{_e(key)}" data-panel="{_e(key)}"><h2>{_e(title)}</h2>'
            f'<p class="kg-lede">{_e(lede)}</p>{body}{_source(*panels)}</section>')


def _figures(report: ProfileReport) -> str:
    f = report.figures
    years = f"{f['first']}–{f['last']}" if f["first"] != f["last"] else str(f["first"])
    stated = "per the profile" if f.get("source") else "no profile page"
    cards = [
        ("papers", "Papers", _number(f["papers"]),
         f"profile lists {f['listedPapers']}" if f.get("listedPapers") is not None else "in the graph"),
        ("h-index", "h-index", _number(f["hIndex"]), stated),
        ("citations", "Citations", _number(f["citations"]), stated),
        ("coauthors", "Co-authors", _number(f["coauthors"]), "distinct people"),
        ("years", "Years active", str(f["last"] - f["first"] + 1), years),
        ("code", "Code", f"{f['codeRate']:.0%}", f"{f['withCode']} of {f['papers']} papers"),
        ("released", "Released", _number(f["released"]), "artifacts mined"),
        ("novelty", "Novelty", f"{_e(f['novelty'])}%" if f["novelty"] is not None else "—", stated),
    ]
    return '<div class="kg-figures" id="kg-figures">' + "".join(
        f'<div class="kg-figure" data-figure="{key}"><span>{_e(label)}</span><b>{value}</b>'
        f'<small>{_e(note)}</small></div>' for key, label, value, note in cards) + "</div>"


def _publications(report: ProfileReport) -> str:
    years, series = report.papers_by_year()
    if not years:
        return '<p class="kg-muted">No dated papers.</p>'
    colours = {}
    spare = iter(c for c in PALETTE if c not in CATEGORY_COLOURS.values())
    for category in series:
        colours[category] = CATEGORY_COLOURS.get(category) or next(spare, "#bab0ac")
    return stacked_bars(years, series, colours=colours, x_label="Year", y_label="Papers",
                        width=1120, height=300, title=f"Papers of {report.name} per year, by category")


def _coauthors(report: ProfileReport) -> str:
    rows = report.coauthors.records[:TOP_COAUTHORS]
    if not rows:
        return '<p class="kg-muted">No co-authors in the graph.</p>'
    notes = [f"{r['first']}–{r['last']}" if r["first"] != r["last"] else str(r["first"]) for r in rows]
    return hbars([r["coauthor"] for r in rows], [r["papers"] for r in rows], notes=notes,
                 colour="#f28e2b", title=f"Top co-authors of {report.name}")


def _collaboration(report: ProfileReport) -> str:
    rows = report.collaboration.records
    if not rows:
        return '<p class="kg-muted">No papers.</p>'
    years = list(range(rows[0]["year"], rows[-1]["year"] + 1))
    by_year = {r["year"]: r for r in rows}
    new = [by_year[y]["newCoauthors"] if y in by_year else 0 for y in years]
    again = [by_year[y]["coauthors"] - by_year[y]["newCoauthors"] if y in by_year else 0 for y in years]
    return stacked_bars(years, {"new co-authors": new, "returning co-authors": again},
                        colours={"new co-authors": "#f28e2b", "returning co-authors": "#f6c08d"},
                        x_label="Year", y_label="Co-authors", width=560, height=300,
                        title=f"Co-authors of {report.name} per year")


def _organisations(report: ProfileReport) -> str:
    per_tag: dict[str, dict[int, int]] = defaultdict(dict)
    for r in report.organisations.records:
        per_tag[r["tag"]][r["year"]] = r["papers"]
    if not per_tag:
        return '<p class="kg-muted">No paper carries an organisation tag.</p>'
    tags = sorted(per_tag, key=lambda t: (-sum(per_tag[t].values()), t))
    chips = "".join(
        f'<span class="kg-chip" data-tag="{_e(t)}">{_e(t)} <b>{sum(per_tag[t].values())}</b></span>' for t in tags)
    years = sorted({y for t in tags for y in per_tag[t]})
    head = "".join(f"<th>{y}</th>" for y in years)
    body = "".join(
        f"<tr><td>{_e(t)}</td>" + "".join(f"<td>{per_tag[t].get(y, '')}</td>" for y in years) + "</tr>"
        for t in tags)
    return (f"<div>{chips}</div>"
            f'<table class="kg-table"><thead><tr><th>tag</th>{head}</tr></thead><tbody>{body}</tbody></table>')


def _code(report: ProfileReport) -> str:
    f = report.figures
    flagged = sum(r["flagged"] for r in report.code.records)
    linked = sum(r["linked"] for r in report.code.records)
    disagreements = report.disagreements.records
    if disagreements:
        items = "".join(f'<li>{_e(r["title"])} <span class="kg-muted">({_e(r["date"])}): '
                        f'{_e(r["disagreement"])}</span></li>' for r in disagreements)
        mismatch = f'<p><b>Flag and repository disagree on {len(disagreements)} papers:</b></p><ul>{items}</ul>'
    else:
        mismatch = '<p class="kg-muted">The “Code” flag and the repository links agree on every paper.</p>'
    return (f'<div class="kg-code">{ring(f["codeRate"], label="code availability", colour="#59a14f")}'
            f'<div><p style="margin:0 0 6px"><b>{f["withCode"]}</b> of <b>{f["papers"]}</b> papers have code:</p>'
            f'<ul><li>{flagged} flagged “Code” by the profile</li>'
            f'<li>{linked} link a repository in the abstract</li></ul></div></div>{mismatch}')


def _highlight(sentence: str, matched: str) -> str:
    at = sentence.find(matched) if matched else -1
    if at < 0:
        return _e(sentence)
    return _e(sentence[:at]) + f"<mark>{_e(matched)}</mark>" + _e(sentence[at + len(matched):])


def _released(report: ProfileReport) -> str:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for r in report.released.records:
        key = (r["artifactIri"], r["paper"])
        group = groups.setdefault(key, {**r, "uses": []})
        if r["usedIn"] and (r["usedIn"], r["usedOn"]) not in group["uses"]:
            group["uses"].append((r["usedIn"], r["usedOn"]))
    if not groups:
        return '<p class="kg-muted">The miner found no artifact released by these papers.</p>'
    rows = []
    for g in groups.values():
        kind = g["type"].capitalize()
        colour = STYLES.get(kind, ("", "#8a96a3", ""))[1]
        uses = ("<ul class=\"kg-used\">" + "".join(f"<li>{_e(t)} <span class=\"kg-muted\">{_e(d)}</span></li>"
                                               for t, d in g["uses"]) + "</ul>") if g["uses"] \
            else '<span class="kg-muted">—</span>'
        rows.append(
            f'<tr data-artifact="{_e(g["artifact"])}"><td><b>{_e(g["artifact"])}</b><br>'
            f'<span class="kg-badge" style="background:{colour}">{_e(g["type"])}</span></td>'
            f'<td>{_e(g["title"])}<br><span class="kg-muted">{_e(g["released"])}</span></td>'
            f'<td class="kg-evidence">“{_highlight(g["evidence"], g["matched"])}”<br>'
            f'<span class="kg-muted">rule {_e(g["rule"])}, confidence {_e(g["confidence"])}</span></td>'
            f"<td>{uses}</td></tr>")
    return ('<table class="kg-table"><thead><tr><th>artifact</th><th>released in</th><th>evidence</th>'
            f'<th>used later by</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _paper_list(report: ProfileReport) -> str:
    items = []
    for r in report.papers.records:
        colour = CATEGORY_COLOURS.get(r["category"], "#8a96a3")
        code = ' <span class="kg-badge" style="background:#59a14f">code</span>' if r["code"] else ""
        items.append(f'<li><span class="kg-date">{_e(r["date"])}</span>'
                     f'<span class="kg-badge" style="background:{colour}">{_e(r["category"])}</span> '
                     f'<span class="kg-title">{_e(r["title"])}</span>{code}</li>')
    return f'<ul class="kg-papers">{"".join(items)}</ul>'


def _ego(report: ProfileReport) -> str:
    if not report.ego.nodes:
        return '<p class="kg-muted">Nothing to draw.</p>'
    page = render(report.ego, title=f"Ego network of {report.name}", heading=f"Ego network of {report.name}")
    note = (f'<p class="kg-muted">{report.ego.left_out} less-connected nodes left out.</p>'
            if report.ego.left_out else "")
    return (f'{note}<iframe class="kg-ego" id="kg-ego" title="{_e("Ego network of " + report.name)}" '
            f'sandbox="allow-scripts" srcdoc="{escape(page, quote=True)}"></iframe>')


def render_report(report: ProfileReport) -> str:
    """The report page: one HTML document with no external resource."""
    f = report.figures
    person = report.person
    sub = [f"{f['papers']} papers, {f['first']}–{f['last']}"]
    if f.get("category"):
        sub.append(f"primary category {f['category']}")
    sub.append(f"from {f['source']}" if f.get("source") else "no profile page of their own in the store")
    ego_panel = Panel("ego", {"person": person}, [], [])
    panels = [
        _section("Publications per year", "Papers in the graph by year of publication, stacked by arXiv "
                 "category. Hover a segment for its category's count.", _publications(report), report.papers,
                 wide=True, key="publications"),
        _section("Top co-authors", f"Shared papers with {report.name}, and the years they span.",
                 _coauthors(report), report.coauthors, key="coauthors"),
        _section("Collaboration by year", "Distinct co-authors per year; new ones are those written "
                 "with for the first time.", _collaboration(report), report.collaboration,
                 key="collaboration"),
        _section("Organisation tags", "The source site's tags on these papers, recorded as given "
                 "(they can be wrong).", _organisations(report), report.organisations, key="organisations"),
        _section("Code availability", "Papers flagged “Code” by the profile or linking a repository "
                 "in the abstract.", _code(report), report.code, report.disagreements, key="code"),
        _section("Artifacts released", "What these papers released, the sentence the miner read it "
                 "from, and the papers in the graph that used it later.", _released(report),
                 report.released, wide=True, key="released"),
        _section("Ego network", "The papers, co-authors, organisation tags, repositories and "
                 "released artifacts around the person. Drag, zoom, hover for details.",
                 _ego(report), ego_panel, wide=True, key="ego"),
        _section("Papers", "Every paper of the person in the graph, newest first.",
                 _paper_list(report), report.papers, wide=True, key="papers"),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(report.name)} · scholar-kg profile report</title><style>{CSS}</style></head>"
        f'<body><header class="kg-top"><h1 id="kg-name">{_e(report.name)}</h1>'
        f"<p>{_e(' · '.join(sub))}</p></header>"
        f'<main>{_figures(report)}<div class="kg-grid">{"".join(panels)}</div></main>'
        f"<footer>Made by scholar-kg {_e(__version__)} from the knowledge graph; the figures marked “per the "
        "profile” are the profile page's own. Under each panel: the query in "
        "<code>queries/</code> that gives its data, and the command that reruns it.</footer>"
        "</body></html>\n")
