"""Why the graph holds a mined fact: each artifact finding of a paper with its evidence.

:func:`explain` runs ``queries/paper-evidence.rq`` and returns, for each finding,
the sentence with the matched span located in it, so the CLI or a notebook can
highlight it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError
from .query import load_query, run


@dataclass(frozen=True)
class Explanation:
    title: str
    artifact: str
    type: str
    role: str
    field: str
    rule: str
    confidence: float
    extractor: str
    sentence: str
    span: tuple[int, int]  # the match, as offsets in ``sentence``
    offsets: tuple[int, int]  # the match, as offsets in the abstract (or title)

    @property
    def before(self) -> str:
        return self.sentence[:self.span[0]]

    @property
    def match(self) -> str:
        return self.sentence[self.span[0]:self.span[1]]

    @property
    def after(self) -> str:
        return self.sentence[self.span[1]:]


def explain(store, paper: str) -> list[Explanation]:
    """Findings about the papers whose title contains ``paper`` (or whose IRI it is)."""
    if not paper.strip():
        raise InputError("name a paper: part of its title, or its IRI")
    result = run(store, load_query("paper-evidence"), {"paper": paper})
    out = []
    for row in result.rows:
        r = dict(zip(result.columns, row))
        text, sentence = r["text"], r["evidence"]
        at = text.find(sentence)
        start, end = int(r["start"]), int(r["end"])
        if at >= 0 and at <= start and end <= at + len(sentence):
            span = (start - at, end - at)
        else:  # the sentence is not found verbatim: find the matched text in it
            i = sentence.find(r["matched"])
            span = (i, i + len(r["matched"])) if i >= 0 else (0, 0)
        out.append(Explanation(r["title"], r["artifact"], r["type"], r["role"], r["field"],
                               r["rule"], float(r["confidence"]), r["extractor"], sentence,
                               span, (start, end)))
    return out
