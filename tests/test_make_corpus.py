"""Tests for benchmarks/make_corpus.py, the synthetic profile-corpus generator.

The script is run as a user would run it (``sys.executable`` in a subprocess) on a
small corpus; the pages are checked against the format of the real sample.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "make_corpus.py"
N_PAPERS = 200
SEED = 3

HEADER = [
    re.compile(r"^\S(.*\S)?$"),  # full name
    re.compile(r"^$"),
    re.compile(r"^(CV|LG|AI|CL|ML)$"),
    re.compile(r"^h-index\d+$"),
    re.compile(r"^\d+papers$"),
    re.compile(r"^\d{1,3}(,\d{3})*citations$"),
    re.compile(r"^Novelty\d{1,3}%$"),
    re.compile(r"^AI Score\d{1,3}$"),
    re.compile(r"^$"),
    re.compile(r"^\d+ Papers$"),
    re.compile(r"^$"),
]
ENTRY_HEAD = re.compile(
    r"^(CV|LG|AI|CL|ML)(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [1-9]\d?, "
    r"(20[12]\d)(Code)?$"
)
AUTHORS = re.compile(r"^[^,·]+(, [^,·]+){0,2}( et al\.)?( · [a-z-]+(, [a-z-]+){0,2})?$")


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def generate(out: Path, seed: int = SEED, papers: int = N_PAPERS) -> str:
    result = run_script("--papers", str(papers), "--seed", str(seed), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return result.stdout


def parse_page(path: Path) -> tuple[list[str], list[list[str]]]:
    """Check one page's shape; return its header lines and its 6-line paper blocks."""
    text = path.read_text(encoding="utf-8")
    assert not text.endswith("\n"), f"{path.name}: the sample ends without a newline"
    lines = text.split("\n")
    for i, pattern in enumerate(HEADER):
        assert pattern.match(lines[i]), f"{path.name}:{i + 1}: {lines[i]!r}"
    body = lines[len(HEADER):]
    assert (len(body) + 1) % 7 == 0, f"{path.name}: paper blocks are not 6 lines + blank"
    blocks = [body[i:i + 6] for i in range(0, len(body), 7)]
    for i in range(6, len(body), 7):
        assert body[i] == "", f"{path.name}:{len(HEADER) + i + 1}: expected a blank line"
    for block in blocks:
        head, title, blank1, authors, blank2, abstract = block
        assert ENTRY_HEAD.match(head), head
        assert title.strip() == title and title, block
        assert blank1 == "" and blank2 == "", block
        assert AUTHORS.match(authors), authors
        assert abstract.strip() == abstract and len(abstract.split()) >= 100, block
    declared = int(lines[9].split(" ")[0])
    assert declared == len(blocks) == int(lines[4].removesuffix("papers")), path.name
    return lines, blocks


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("corpus")
    return out, generate(out)


def test_make_corpus_help_runs() -> None:
    result = run_script("--help")
    assert result.returncode == 0
    assert "--papers" in result.stdout and "--people" in result.stdout


def test_make_corpus_doctests_pass() -> None:
    result = subprocess.run([sys.executable, "-m", "doctest", str(SCRIPT)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_corpus_writes_pages_in_the_sample_format(corpus: tuple[Path, str]) -> None:
    out, _ = corpus
    pages = sorted(out.glob("*.profile.txt"))
    assert len(pages) >= 2
    for page in pages:
        parse_page(page)


def test_make_corpus_has_one_distinct_title_per_paper(corpus: tuple[Path, str]) -> None:
    out, stdout = corpus
    titles: set[str] = set()
    entries = 0
    for page in out.glob("*.profile.txt"):
        _, blocks = parse_page(page)
        titles.update(block[1] for block in blocks)
        entries += len(blocks)
    assert len(titles) == N_PAPERS
    pages = len(list(out.glob("*.profile.txt")))
    assert f"{pages} profiles, {N_PAPERS} distinct papers, {entries} paper entries" in stdout


def test_make_corpus_lists_shared_papers_identically(corpus: tuple[Path, str]) -> None:
    out, _ = corpus
    seen: dict[str, list[list[str]]] = defaultdict(list)
    for page in out.glob("*.profile.txt"):
        _, blocks = parse_page(page)
        for block in blocks:
            seen[block[1]].append(block)
    shared = [copies for copies in seen.values() if len(copies) >= 2]
    assert shared, "no paper appears on two profiles"
    for copies in shared:
        assert all(copy == copies[0] for copy in copies)


def test_make_corpus_owner_is_shown_or_behind_et_al(corpus: tuple[Path, str]) -> None:
    out, _ = corpus
    for page in out.glob("*.profile.txt"):
        lines, blocks = parse_page(page)
        owner = lines[0]
        for block in blocks:
            shown = block[3].split(" · ")[0]
            assert owner in shown.removesuffix(" et al.").split(", ") or shown.endswith(" et al.")


def test_make_corpus_is_deterministic_for_a_seed(corpus: tuple[Path, str],
                                                  tmp_path: Path) -> None:
    out, _ = corpus
    again, other = tmp_path / "again", tmp_path / "other"
    generate(again)
    generate(other, seed=SEED + 1)
    first = {p.name: p.read_bytes() for p in out.glob("*.profile.txt")}
    assert {p.name: p.read_bytes() for p in again.glob("*.profile.txt")} == first
    assert {p.name: p.read_bytes() for p in other.glob("*.profile.txt")} != first


def test_make_corpus_rejects_bad_arguments(tmp_path: Path) -> None:
    result = run_script("--papers", "0", "--out", str(tmp_path))
    assert result.returncode != 0 and "--papers" in result.stderr
