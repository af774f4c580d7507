"""Measure the artifact miner against a hand-made gold standard.

The gold file is JSON Lines, one object per paper (see ``tests/gold/README.md``):
``line``, ``title``, ``released``, ``used`` and ``optional``, each artifact with
``name``, ``type`` and ``aliases``. A found artifact matches a gold one of the
same role when any of their names or aliases agree, compared without case,
spaces or hyphens; a found artifact that matches an optional one is neither
counted right nor wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .artifacts import TYPES, Finding, find_in_papers
from .errors import InputError
from .reader import Paper, read_paths


def _norm(text: str) -> str:
    text = re.sub(r"[\s\-_.]+", "", text).casefold()
    return text[:-1] if text.endswith("s") and len(text) > 3 else text


@dataclass(frozen=True)
class GoldItem:
    name: str
    type: str
    role: str
    forms: frozenset[str]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    """Scores per role and type, and every miss and false hit, for a person to read."""

    scores: dict[tuple[str, str], Score] = field(default_factory=dict)
    type_matches: int = 0
    type_correct: int = 0
    misses: list[str] = field(default_factory=list)
    false_hits: list[str] = field(default_factory=list)
    wrong_types: list[str] = field(default_factory=list)

    def score(self, role: str, kind: str = "all") -> Score:
        return self.scores.setdefault((role, kind), Score())

    @property
    def type_accuracy(self) -> float:
        return self.type_correct / self.type_matches if self.type_matches else 1.0

    def as_dict(self) -> dict[str, object]:
        table = {f"{role}/{kind}": {"precision": round(s.precision, 4), "recall": round(s.recall, 4),
                                    "f1": round(s.f1, 4), "tp": s.tp, "fp": s.fp, "fn": s.fn}
                 for (role, kind), s in sorted(self.scores.items())}
        return {"scores": table, "type_accuracy": round(self.type_accuracy, 4),
                "misses": self.misses, "false_hits": self.false_hits,
                "wrong_types": self.wrong_types}


def load_gold(path: str | Path) -> dict[int, dict]:
    """Gold entries by the line their paper starts on."""
    entries: dict[int, dict] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the gold file: {exc.strerror}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            entries[int(entry["line"])] = entry
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number}: not a gold entry: {exc}") from exc
    return entries


def _gold_items(entry: dict) -> tuple[list[GoldItem], list[GoldItem]]:
    required, optional = [], []
    for role in ("released", "used"):
        for item in entry.get(role, []):
            forms = frozenset(_norm(f) for f in (item["name"], *item.get("aliases", [])))
            required.append(GoldItem(item["name"], item["type"], role, forms))
    for item in entry.get("optional", []):
        forms = frozenset(_norm(f) for f in (item["name"], *item.get("aliases", [])))
        optional.append(GoldItem(item["name"], item["type"], item["role"], forms))
    return required, optional


def _forms(f: Finding) -> frozenset[str]:
    from .artifacts import gazetteer

    forms = {_norm(f.name), *(_norm(a) for a in f.aliases)}
    exact, _, _ = gazetteer()
    known = exact.get(f.name)
    if known is not None:
        forms.update(_norm(a) for a in known.aliases)
    return frozenset(forms)


def evaluate(gold: dict[int, dict], papers: Iterable[Paper]) -> Evaluation:
    """Score the miner's findings on ``papers`` against ``gold`` (papers matched by line)."""
    papers = [p for p in papers if p.line in gold]
    if not papers:
        raise InputError("no paper of the profile has a gold entry (they are matched by line)")
    found_all = find_in_papers([(p.title, p.abstract) for p in papers])
    result = Evaluation()
    for paper, found in zip(papers, found_all):
        required, optional = _gold_items(gold[paper.line])
        matched_gold: set[GoldItem] = set()
        where = f"{paper.line} {paper.title[:48]!r}"
        for f in found:
            forms = _forms(f)
            hit = next((g for g in required if g.role == f.role and g.forms & forms
                        and g not in matched_gold), None)
            if hit is not None:
                matched_gold.add(hit)
                for kind in ("all", hit.type):
                    result.score(f.role, kind).tp += 1
                result.type_matches += 1
                if hit.type == f.type:
                    result.type_correct += 1
                else:
                    result.wrong_types.append(f"{where}: {f.name} is {hit.type}, found {f.type}")
                continue
            if any(g.forms & forms for g in optional):
                continue
            for kind in ("all", f.type):
                result.score(f.role, kind).fp += 1
            other = next((g for g in required if g.forms & forms), None)
            why = f" (gold says {other.role})" if other else ""
            result.false_hits.append(f"{where}: {f.role} {f.type} {f.name!r} [{f.rule}]{why}")
        for g in required:
            if g not in matched_gold:
                for kind in ("all", g.type):
                    result.score(g.role, kind).fn += 1
                result.misses.append(f"{where}: {g.role} {g.type} {g.name!r}")
    for role in ("released", "used"):
        result.score(role)
        for kind in TYPES:
            result.scores.setdefault((role, kind), Score())
    return result


def evaluate_paths(gold_path: str | Path, paths: Iterable[str | Path]) -> Evaluation:
    """Evaluate on the profile pages at ``paths`` against the gold file."""
    gold = load_gold(gold_path)
    papers = [p for profile in read_paths(paths) for p in profile.papers]
    return evaluate(gold, papers)
