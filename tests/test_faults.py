"""Faulty pages and failing commands: each fault has a defined outcome (README, "Faults and
what the tool does"). An error names the file and line and writes nothing; a warning keeps
what parses and names the line; ``--strict`` makes a warning an error; every error the
``kg`` command prints is one line with exit code 1 (input) or 2 (store or machine)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg import reader
from kg.build import build, stats
from kg.demo import sample_path
from kg.errors import InputError, KgError, ProfileError, StoreError
from kg.iris import Minter
from kg.reader import (
    Profile, clean_text, decode, iter_decoded, parse_lines, read_file, read_text,
)
from kg.store import GraphStore

SAMPLE = sample_path()
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
SAMPLE_LINES = SAMPLE_TEXT.split("\n")
KG = "https://w3id.org/scholar-kg/ontology#"
PREFIX = f"PREFIX kg: <{KG}>\n"


def header_line(k: int) -> int:
    """The line of the sample's k-th paper header (1-based): papers are 7 lines apart."""
    return 12 + 7 * (k - 1)


def with_line(number: int, text: str, lines: list[str] = SAMPLE_LINES) -> str:
    """The sample with line ``number`` (1-based) replaced by ``text``."""
    changed = list(lines)
    changed[number - 1] = text
    return "\n".join(changed)


def messages(profile: Profile) -> list[str]:
    return [str(w) for w in profile.warnings]


def scalar(store: GraphStore, sparql: str) -> int:
    return int(next(iter(store.query(PREFIX + sparql)))["n"].value)


def kg(*args: str, cwd: Path, store: Path | None = None, stdin: str | None = None,
       timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_STORE": str(store if store is not None else cwd / "kg-store"),
           "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    env.pop("KG_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


# --------------------------------------------------------------------------- line ends, BOM


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_reader_crlf_and_cr_read_like_lf(ending: str, tmp_path: Path) -> None:
    (tmp_path / "lf").mkdir()
    (tmp_path / "other").mkdir()
    lf = tmp_path / "lf" / "page.txt"
    lf.write_bytes(SAMPLE_TEXT.encode("utf-8"))
    other = tmp_path / "other" / "page.txt"
    other.write_bytes(SAMPLE_TEXT.replace("\n", ending).encode("utf-8"))
    expected = read_file(lf)
    got = read_file(other)
    assert got == expected
    assert got.warnings == () and len(got.papers) == 37
    assert [p.line for p in got.papers] == [header_line(k) for k in range(1, 38)]


def test_reader_mixed_line_ends_count_as_editors_do() -> None:
    endings = ["\r\n", "\n", "\r"]  # never a "\r" right before a "\n": that is one CRLF
    text = "".join(line + endings[i % 3] for i, line in enumerate(SAMPLE_LINES))
    profile = read_text(text, "mixed.txt")
    assert [p.line for p in profile.papers] == [header_line(k) for k in range(1, 38)]


def test_reader_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / SAMPLE.name
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE_TEXT.encode("utf-8"))
    profile = read_file(path)
    assert profile == read_file(SAMPLE)
    assert profile.name == "Dhruv Mahajan" and profile.warnings == ()


# --------------------------------------------------------------------------- invisible characters

CLEAN = "Micha\u0142 Derezi\u0144ski"
VARIANTS = [
    "Micha\u0142 Derezin\u0301ski",             # NFD accent
    "Micha\u0142\u00a0Derezi\u0144ski",          # no-break space
    "Micha\u0142\u202fDerezi\u0144ski",          # narrow no-break space
    "Mi\u200bcha\u0142 Derezi\u0144ski",         # zero-width space
    "Mic\u200c\u200dha\u0142 Derezi\u0144ski",   # zero-width non-joiner and joiner
    "Micha\u0142 De\u00adre\u00adzi\u0144ski",   # soft hyphens
    "\u200eMicha\u0142 Derezi\u0144ski\u200f",   # left-to-right and right-to-left marks
    "\u2066Micha\u0142 Derezi\u0144ski\u2069",   # direction isolate
    "\u202bMicha\u0142 Derezi\u0144ski\u202c",   # direction embedding
    "\ufeffMicha\u0142  Derezi\u0144ski\t",      # zero-width no-break space, spaces, tab
    "Micha\u0142\x00 Derezi\u0144ski\x1b\x07\x7f",  # control characters: NUL, ESC, BEL, DEL
    "Micha\u0142\u2028Derezi\u0144ski",          # line separator (not a line end for the reader)
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_reader_invisible_characters_are_cleaned(variant: str) -> None:
    assert clean_text(variant) == CLEAN
    assert Minter().person(variant) == Minter().person(CLEAN)


def test_build_every_spelling_of_a_name_is_one_person(fresh_store: GraphStore, tmp_path: Path) -> None:
    blocks = [f"CVJan {k + 1}, 2020\nPaper number {k}\n\n{name}, Ann Bee\n\nAn abstract.\n"
              for k, name in enumerate([CLEAN, *VARIANTS])]
    path = tmp_path / "variants.txt"
    path.write_text(f"{VARIANTS[0]}\n\nCV\n\n" + "\n".join(blocks), encoding="utf-8")
    summary = build([path], fresh_store, strict=True)
    assert summary.warnings == []
    assert scalar(fresh_store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kg:Person }") == 2
    names = fresh_store.query(PREFIX + "SELECT DISTINCT ?name WHERE { ?p kg:name ?name }")
    assert {row["name"].value for row in names} == {CLEAN, "Ann Bee"}


# --------------------------------------------------------------------------- encodings


def test_reader_not_utf8_names_byte_offset_and_line(tmp_path: Path) -> None:
    data = SAMPLE_TEXT.encode("utf-8")
    line = header_line(20) + 1                     # a title line
    offset = sum(len(x.encode("utf-8")) + 1 for x in SAMPLE_LINES[:line - 1]) + 3
    path = tmp_path / "bad.txt"
    path.write_bytes(data[:offset] + b"\xe9" + data[offset:])
    with pytest.raises(ProfileError) as info:
        read_file(path)
    assert (info.value.path, info.value.line) == (str(path), line)
    assert f"byte 0xe9 at offset {offset}" in str(info.value)
    assert "--encoding" in str(info.value)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
def test_reader_streaming_decode_finds_the_same_offset_in_any_chunks(chunk: int) -> None:
    data = "Ann Bée\r\n\r\nłine three\rfour ".encode("utf-8") + b"\xc3(" + b" tail"
    with pytest.raises(ProfileError) as whole:
        decode(data, "x.txt")
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    with pytest.raises(ProfileError) as streamed:
        "".join(iter_decoded(pieces, "x.txt"))
    assert str(streamed.value) == str(whole.value)
    assert whole.value.line == 4
    assert "byte 0xc3 at offset 29" in str(whole.value)  # after 8 + 4 + 11 + 1 + 5 bytes


def test_reader_multibyte_character_across_chunks_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "_CHUNK", 7)
    # The sample holds two-byte letters ("ł", "é"): seven-byte reads cut some of them in two.
    assert read_file(SAMPLE) == read_text(SAMPLE_TEXT, SAMPLE.name)


def test_reader_truncated_utf8_at_end_of_file_is_an_error() -> None:
    with pytest.raises(ProfileError) as info:
        decode("Ann B\u00e9e\n\nx".encode("utf-8") + b"\xc3", "cut.txt")
    assert info.value.line == 3 and "0xc3" in str(info.value)


def test_cli_build_latin1_with_encoding(tmp_path: Path) -> None:
    page = tmp_path / "rene.txt"
    page.write_bytes(textwrap.dedent("""\
        Ren\u00e9 Desc\u00e1rtes

        AI

        AIJan 1, 2020
        M\u00e9ditations

        Ren\u00e9 Desc\u00e1rtes, Fran\u00e7ois Vi\u00e8te

        Je pense, donc je suis.
        """).encode("latin-1"))
    refused = kg("build", str(page), cwd=tmp_path)
    assert refused.returncode == 1
    line = one_error_line(refused)
    assert f"{page}:1: not UTF-8 (byte 0xe9 at offset 3)" in line
    if (tmp_path / "kg-store").exists():  # opened before the page was read: it holds nothing
        assert '"papers": 0' in kg("stats", "--json", cwd=tmp_path).stdout
    built = kg("build", "--encoding", "latin-1", str(page), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    people = kg("query", "people", "--format", "csv", cwd=tmp_path)
    assert "Ren\u00e9 Desc\u00e1rtes" in people.stdout and "Fran\u00e7ois Vi\u00e8te" in people.stdout
    titles = kg("query", "paper", "--param", "title=M\u00e9ditations", "--format", "json", cwd=tmp_path)
    assert "M\u00e9ditations" in titles.stdout


def test_cli_build_unknown_encoding_is_one_line(tmp_path: Path) -> None:
    result = kg("build", "--encoding", "klingon", str(SAMPLE), cwd=tmp_path)
    assert result.returncode == 1
    assert "unknown encoding 'klingon'" in one_error_line(result)


# --------------------------------------------------------------------------- empty pages, no papers


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b" \t\n\xc2\xa0\n\xe2\x80\x8b"])
def test_reader_empty_file_is_an_error_at_line_1(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(data)
    with pytest.raises(ProfileError) as info:
        read_file(path)
    assert (info.value.path, info.value.line) == (str(path), 1)
    assert "empty profile page" in str(info.value)


def test_cli_build_empty_file_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = kg("build", str(SAMPLE), "empty.txt", cwd=tmp_path)
    assert result.returncode == 1
    assert "empty.txt:1: empty profile page" in one_error_line(result)
    assert result.stdout == ""


@pytest.mark.parametrize("first", ["h-index28", "37 Papers", "CVJan 4, 2023Code"])
def test_reader_page_without_a_name_is_an_error(first: str) -> None:
    with pytest.raises(ProfileError) as info:
        read_text(f"\n{first}\nmore\n", "noname.txt")
    assert info.value.line == 2


def test_reader_header_with_no_papers_warns(fresh_store: GraphStore, tmp_path: Path) -> None:
    head = "\n".join(SAMPLE_LINES[:11])
    profile = read_text(head, "head.txt")
    assert profile.papers == () and profile.h_index == 28
    assert messages(profile) == ["head.txt: the page declares 37 papers but 0 were found",
                                 "head.txt: the page lists no papers"]
    path = tmp_path / "head.txt"
    path.write_text(head, encoding="utf-8")
    summary = build([path], fresh_store)
    assert summary.papers == 0 and summary.people == 1
    assert scalar(fresh_store, "SELECT (COUNT(*) AS ?n) WHERE { ?p kg:hIndex 28 }") == 1
    with pytest.raises(InputError, match="lists no papers|declares 37"):
        build([path], fresh_store, strict=True)


# --------------------------------------------------------------------------- paper blocks


def test_reader_paper_without_abstract_warns_and_keeps_it() -> None:
    k = 30
    lines = list(SAMPLE_LINES)
    del lines[header_line(k) + 3:header_line(k) + 5]  # the blank line and the abstract
    profile = read_text("\n".join(lines), "p.txt")
    assert len(profile.papers) == 37
    paper = profile.papers[k - 1]
    assert paper.abstract == "" and paper.authors
    assert messages(profile) == [f"p.txt:{header_line(k)}: paper has no abstract"]
    expected = read_file(SAMPLE).papers
    assert [p.title for p in profile.papers] == [p.title for p in expected]
    assert [p.abstract for p in profile.papers[k:]] == [p.abstract for p in expected[k:]]


def test_reader_abstract_on_several_lines_is_joined_with_a_warning() -> None:
    page = "Ann Bee\n\nCV\n\nCVJan 1, 2020\nT\n\nAnn Bee\n\nFirst part\nsecond part.\n\nthird.\n"
    profile = read_text(page, "a.txt")
    assert profile.papers[0].abstract == "First part second part. third."
    assert messages(profile) == ["a.txt:11: abstract spans several lines; joined with spaces"]


def test_reader_unknown_header_lines_are_named() -> None:
    page = "Ann Bee\n\nCV\nh-index3\nFollowers 12\n\nCVJan 1, 2020\nT\n\nAnn Bee\n\nText.\n"
    profile = read_text(page, "h.txt")
    assert (profile.h_index, len(profile.papers)) == (3, 1)
    assert messages(profile) == ["h.txt:5: unrecognised header line ignored: 'Followers 12'"]


BROKEN_HEADERS = {
    "CVCode": "has no date",
    "CV": "has no date",
    "LGMay 2023": "has the date 'May 2023', not written like 'Jan 4, 2023'",
    "CV2023-01-04Code": "has the date '2023-01-04', not written like 'Jan 4, 2023'",
    "CVJanuary 4, 2023": "has the date 'January 4, 2023', not written like 'Jan 4, 2023'",
    "Jan 4, 2023Code": "has no category",
    "cvJan 4, 2023": "has the date 'Jan 4, 2023', not written like 'Jan 4, 2023'",
}


@pytest.mark.parametrize("k", [1, 30, 37])
@pytest.mark.parametrize("broken", BROKEN_HEADERS)
def test_reader_paper_header_without_date_is_left_out_with_a_warning(broken: str, k: int) -> None:
    line = header_line(k)
    profile = read_text(with_line(line, broken), "p.txt")
    expected = read_file(SAMPLE).papers
    assert [p.title for p in profile.papers] == [p.title for i, p in enumerate(expected) if i != k - 1]
    # Nothing of the broken paper is glued onto the paper before it.
    assert [p.abstract for p in profile.papers] == [p.abstract for i, p in enumerate(expected) if i != k - 1]
    title = SAMPLE_LINES[line]
    reason = BROKEN_HEADERS[broken]
    if broken == "cvJan 4, 2023":
        reason = "has the date 'Jan 4, 2023', not written like 'Jan 4, 2023'"
    warning = (f"p.txt:{line}: paper header {broken!r} {reason}: the paper ({title[:60]!r}) on "
               f"lines {line}–{line + 5} was left out")
    assert warning in messages(profile), messages(profile)
    assert "p.txt: the page declares 37 papers but 37 were found" not in messages(profile)


def test_build_strict_broken_header_is_an_error(fresh_store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / SAMPLE.name
    path.write_text(with_line(header_line(30), "CVCode"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        build([path], fresh_store, strict=True)
    assert f":{header_line(30)}: paper header 'CVCode' has no date" in str(info.value)
    assert len(fresh_store) == 0
    summary = build([path], fresh_store)
    assert summary.papers == 36


@pytest.mark.parametrize("header", ["XXJan 4, 2023", "XX Jan 4, 2023", "XX Jan 4, 2023 Code"])
def test_build_unknown_category_is_kept_with_a_warning(header: str, fresh_store: GraphStore,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "xx.txt"
    path.write_text(with_line(header_line(30), header), encoding="utf-8")
    summary = build([path], fresh_store)
    assert summary.papers == 37
    assert any(w.line == header_line(30) and "unknown category 'XX'" in w.message for w in summary.warnings)
    assert scalar(fresh_store, """SELECT (COUNT(*) AS ?n) WHERE {
        ?p kg:category ?c . ?c kg:codeAsWritten "XX" ; kg:inArxivTaxonomy false }""") == 1


def test_reader_paper_header_without_title_at_end_is_left_out() -> None:
    profile = read_text(SAMPLE_TEXT + "\n\nCVJan 4, 2025", "p.txt")
    assert len(profile.papers) == 37
    assert messages(profile)[0] == f"p.txt:{len(SAMPLE_LINES) + 2}: paper header with no title " \
                                   "at the end of the file: left out"


@pytest.mark.parametrize("line, authors, tags", [
    ("Ann Bee, Cid Dee \u00b7 ", ("Ann Bee", "Cid Dee"), ()),
    ("Ann Bee, Cid Dee \u00b7", ("Ann Bee", "Cid Dee"), ()),
    ("Ann Bee, Cid Dee et al. \u00b7 ", ("Ann Bee", "Cid Dee"), ()),
    ("Ann Bee, , Cid Dee,  \u00b7 meta-ai, , berkeley,", ("Ann Bee", "Cid Dee"), ("meta-ai", "berkeley")),
    ("Ann Bee \u00b7 meta-ai \u00b7 berkeley", ("Ann Bee",), ("meta-ai", "berkeley")),
    ("Gal\u00b7la Puig, Pau Col\u00b7lell", ("Gal\u00b7la Puig", "Pau Col\u00b7lell"), ()),
    ("Ann Bee,Cid Dee\u00a0\u00b7\u00a0x", ("Ann Bee", "Cid Dee"), ("x",)),
])
def test_reader_stray_separators_and_empty_tags(line: str, authors: tuple, tags: tuple) -> None:
    page = f"Ann Bee\n\nCV\n\nCVJan 1, 2020\nT\n\n{line}\n\nAbstract.\n"
    profile = read_text(page, "t.txt")
    (paper,) = profile.papers
    assert (paper.authors, paper.org_tags) == (authors, tags)
    assert profile.warnings == ()


def test_reader_author_line_cut_at_end_of_file_leaves_the_cut_name_out() -> None:
    # A download that stopped in the last paper's author line, in the middle of a name.
    line = len(SAMPLE_LINES) - 2
    authors = SAMPLE_LINES[line - 1]
    assert authors.endswith("S. Sathiya Keerthi et al.")
    cut = "\n".join(SAMPLE_LINES[:line - 1] + [authors.removesuffix("thi et al.")])
    profile = read_text(cut, "cut.txt")
    assert len(profile.papers) == 37
    last = profile.papers[-1]
    assert last.authors == tuple(a.strip() for a in authors.removesuffix(" et al.").split(","))[:-1]
    assert messages(profile) == [
        f"cut.txt:{line}: the file ends in this author line without a line end: the last name "
        "'S. Sathiya Keer' may be cut off and was left out",
        f"cut.txt:{line - 3}: paper has no abstract"]


def test_reader_author_line_at_end_with_line_end_is_complete() -> None:
    profile = read_text("Ann Bee\n\nCV\n\nCVJan 1, 2020\nT\n\nAnn Bee, Cid Dee\n", "t.txt")
    assert profile.papers[0].authors == ("Ann Bee", "Cid Dee")
    assert messages(profile) == ["t.txt:5: paper has no abstract"]


def test_reader_title_cut_at_end_of_file_warns() -> None:
    profile = read_text("Ann Bee\n\nCV\n\nCVJan 1, 2020\nA Tit", "t.txt")
    assert profile.papers[0].title == "A Tit"
    assert "t.txt:6: the file ends in this title without a line end: it may be cut off" in messages(profile)


def test_reader_same_paper_twice_keeps_the_first(tmp_path: Path) -> None:
    block = SAMPLE_LINES[header_line(5) - 1:header_line(5) + 5]
    again = SAMPLE_TEXT + "\n\n" + "\n".join(block)
    profile = read_text(again, "dup.txt")
    assert len(profile.papers) == 37
    assert profile.papers[4].line == header_line(5)
    repeat = len(SAMPLE_LINES) + 2
    assert messages(profile) == [
        f"dup.txt:{repeat}: the same paper as line {header_line(5)} (same title and date) entered "
        "again: left out",
        "dup.txt: the page declares 37 papers but 38 were found"]
    # Entered again with other authors and a retyped title: still the same paper (same IRI).
    block[1] = block[1].upper() + " "
    block[3] = "Somebody Else"
    profile = read_text(SAMPLE_TEXT + "\n\n" + "\n".join(block), "dup.txt")
    assert len(profile.papers) == 37
    assert "differ: the first is kept" in messages(profile)[0]


def test_build_same_paper_twice_gives_one_source_line(fresh_store: GraphStore, tmp_path: Path) -> None:
    block = SAMPLE_LINES[header_line(5) - 1:header_line(5) + 5]
    path = tmp_path / "dup.txt"
    path.write_text(SAMPLE_TEXT + "\n\n" + "\n".join(block), encoding="utf-8")
    build([path], fresh_store)
    assert scalar(fresh_store, f"""SELECT (COUNT(*) AS ?n) WHERE {{
        ?p kg:title {SAMPLE_LINES[header_line(5)]!r} ; kg:sourceLine ?line }}""".replace("'", '"')) == 1


def test_build_200kb_abstract(fresh_store: GraphStore, tmp_path: Path) -> None:
    words = "We study the robustness of learned representations under shift. "
    abstract = (words * (200_000 // len(words) + 1))[:200_000].strip()
    path = tmp_path / "long.txt"
    path.write_text(f"Ann Bee\n\nCV\n\nCVJan 1, 2020\nLong\n\nAnn Bee\n\n{abstract}\n", encoding="utf-8")
    started = time.perf_counter()
    build([path], fresh_store)
    assert time.perf_counter() - started < 30
    stored = fresh_store.query(PREFIX + "SELECT ?a WHERE { ?p kg:abstract ?a }")
    assert [row["a"].value for row in stored] == [abstract]


_MEMORY_PROBE = """
import resource, sys, time
from pathlib import Path
from kg.demo import sample_path
from kg.reader import open_page

lines = sample_path().read_text(encoding="utf-8").split("\\n")
head, blocks = lines[:11], ["\\n".join(lines[i:i + 6]) for i in range(11, len(lines), 7)]
path = Path(sys.argv[1])
with path.open("w", encoding="utf-8") as f:   # 100 MB: the sample's papers, retitled
    f.write("\\n".join(head) + "\\n")
    size, n = 0, 0
    while size < 100 * 2**20:
        for block in blocks:
            header, title, rest = block.split("\\n", 2)
            text = f"{header}\\n{title} (copy {n})\\n{rest}\\n\\n"
            f.write(text)
            size += len(text.encode("utf-8"))
            n += 1
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
with open_page(path) as page:
    count = sum(1 for paper in page)
    warnings = list(page.warnings)
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(n, count, len(warnings), path.stat().st_size, before, after, f"{seconds:.1f}")
"""


@pytest.mark.slow
def test_reader_100mb_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(tmp_path / "big.txt")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written, read, warnings, size, before, after, seconds = result.stdout.split()
    assert int(size) >= 100 * 2**20
    assert int(read) == int(written) > 70_000
    assert int(warnings) == 1  # the page declares 37 papers
    # ru_maxrss is in KiB: reading 100 MB costs less than 64 MB more than starting Python did.
    assert (int(after) - int(before)) < 64 * 1024, (before, after)
    (tmp_path / "big.txt").unlink()


_BUILD_PROBE = """
import resource, sys
from pathlib import Path
from kg.demo import sample_path
import kg.build, kg.cli, kg.extract, kg.artifacts, kg.store

lines = sample_path().read_text(encoding="utf-8").split("\\n")
head, blocks = lines[:11], ["\\n".join(lines[i:i + 6]) for i in range(11, len(lines), 7)]
path, store, size = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with path.open("w", encoding="utf-8") as f:
    f.write("\\n".join(head) + "\\n")
    written, n = 0, 0
    while written < size:
        header, title, rest = blocks[n % len(blocks)].split("\\n", 2)
        text = f"{header}\\n{title} (copy {n})\\n{rest}\\n\\n"
        f.write(text)
        written += len(text.encode("utf-8"))
        n += 1
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kg.build.STREAM_BYTES = 100_000
kg.store.BULK_CHUNK = 4_000_000
sys.argv = ["kg", "build", str(path), "--store", store, "--jobs", sys.argv[4], "--no-progress"]
try:
    kg.cli.main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_build_big_page_memory_does_not_grow_with_the_page(tmp_path: Path, jobs: str) -> None:
    # A 100 MB page must build into a new store in bounded memory: building a 2 MB page may
    # not take much more memory than building a 0.25 MB one (before the build streamed pages,
    # a 1 MB page took about 230 MB more). With --jobs 2 only long pages are streamed: the
    # probe lowers the bar to 100 kB so the test pages count as long.
    grown, papers = [], []
    for size in (250_000, 2_000_000):
        store = tmp_path / f"store-{size}"
        result = subprocess.run([sys.executable, "-c", _BUILD_PROBE, str(tmp_path / f"{size}.txt"),
                                 str(store), str(size), jobs],
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        written, grew = result.stdout.splitlines()[-1].split()
        grown.append(int(grew))
        papers.append(int(written))
        with GraphStore.open(store, read_only=True) as built:  # and all of it is there
            assert stats(built)["papers"] == int(written)
    assert papers[1] > 7 * papers[0]
    assert grown[1] - grown[0] < 60 * 1024, grown  # KiB


# --------------------------------------------------------------------------- streaming = whole


@settings(max_examples=50, deadline=None)
@given(cuts=st.lists(st.integers(0, len(SAMPLE_TEXT)), max_size=20),
       ending=st.sampled_from(["\n", "\r\n", "\r"]))
def test_reader_any_chunking_reads_the_same(cuts: list[int], ending: str) -> None:
    text = SAMPLE_TEXT.replace("\n", ending)
    bounds = sorted({0, len(text), *[min(c, len(text)) for c in cuts]})
    chunks = [text[a:b] for a, b in zip(bounds, bounds[1:])]
    assert parse_lines(chunks, SAMPLE.name).profile() == read_file(SAMPLE)


# --------------------------------------------------------------------------- property: never a crash

_hostile_line = st.sampled_from([
    "CVCode", "CV", "Jan 4, 2023", "CVJan 2023", "XX Jan 4, 2023 Code", "Ann Bee \u00b7", "\u00b7",
    " \u00b7 , ,", "et al.", "Ann Bee et al. \u00b7 x", '"} ; DROP ALL ; #', "<script>x</script>",
    "\ufeff", "\u200b\u200e", "\x00\x1b[2J", "h-index", "99999999999999999999 Papers", "CVFeb 29, 2023",
    "CVFeb 29, 2024", "AIJan 1, 0000",
])
_line = st.one_of(st.text(max_size=40), _hostile_line,
                  st.from_regex(r"[A-Z]{2}(Jan|Feb|Dec) [0-9]{1,2}, [0-9]{4}(Code)?", fullmatch=True))
_page = st.lists(_line, max_size=40).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda sep: sep.join(lines)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_page, cut=st.integers(1, 64))
@example(text="A\n\nCVCode\nT\n\nB\n\nC\nCVJan 1, 2020\n", cut=3)
@example(text="A\n\nCVJan 1, 2020\n\n\nCVJan 2, 2020\nT\nB, C", cut=1)
def test_reader_any_page_gives_records_or_our_error(text: str, cut: int) -> None:
    chunks = [text[i:i + cut] for i in range(0, len(text), cut)]
    try:
        whole = read_text(text, "r.txt")
    except ProfileError as exc:
        assert exc.path == "r.txt" and (exc.line is None or exc.line >= 1)
        with pytest.raises(ProfileError) as again:
            parse_lines(chunks, "r.txt").profile()
        assert str(again.value) == str(exc)
        return
    assert parse_lines(chunks, "r.txt").profile() == whole
    assert whole.name == clean_text(whole.name) != ""
    for paper in whole.papers:
        for text_ in (paper.title, paper.abstract, *paper.authors, *paper.org_tags):
            assert text_ == clean_text(text_)
        assert all(w.line is None or w.line >= 1 for w in whole.warnings)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), encoding=st.sampled_from([None, "latin-1", "utf-16", "cp1252"]))
def test_reader_any_bytes_give_text_or_our_error(data: bytes, encoding: str | None) -> None:
    try:
        text = decode(data, "b.txt", encoding)
    except ProfileError as exc:
        assert exc.path == "b.txt" and exc.line is not None and exc.line >= 1
        return
    assert isinstance(text, str)
    try:
        read_text(text, "b.txt")
    except ProfileError:
        pass


# --------------------------------------------------------------------------- the kg command


def test_cli_errors_are_one_line_with_their_exit_code(tmp_path: Path) -> None:
    built = tmp_path / "built"
    assert kg("build", str(SAMPLE), cwd=tmp_path, store=built).returncode == 0
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Ann \xff\n")
    strict = tmp_path / "odd.txt"
    strict.write_text(with_line(header_line(3), "CVCode"), encoding="utf-8")
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    empty, papers = tmp_path / "empty", tmp_path / "papers"  # folders without a store
    empty.mkdir()
    papers.mkdir()
    (papers / "notes.txt").write_text("mine")
    cases = [
        (["build", "missing.txt"], 1, "missing.txt: no such file or folder"),
        (["build", str(bad)], 1, f"{bad}:1: not UTF-8 (byte 0xff at offset 4)"),
        (["build", "--strict", str(strict)], 1, "paper header 'CVCode' has no date"),
        (["build", "--no-such-option", str(SAMPLE)], 1, "No such option: --no-such-option"),
        (["build"], 1, "Missing argument"),
        (["query", "no-such-query", "--store", str(built)], 1, "no query named 'no-such-query'"),
        (["query", "coauthors", "--param", "nobody", "--store", str(built)], 1, "expected key=value"),
        (["export", "--format", "yaml", "--store", str(built)], 1, "unknown format 'yaml'"),
        (["query", "coauthors", "--store", str(tmp_path / "none")], 2, "no store at"),
        (["build", str(SAMPLE), "--store", str(a_file)], 2, "it is a file, not a store's folder"),
        # RocksDB made a store among a folder's own files; and a reader said "IO error: ...
        # CURRENT: No such file or directory" of an empty folder.
        (["build", str(SAMPLE), "--store", str(papers)], 2,
         f"no store at {papers}, and the folder holds other files: a new store needs a missing "
         "or empty folder"),
        (["demo", "--out", str(tmp_path), "--store", str(papers)], 2, "the folder holds other files"),
        (["query", "coauthors", "--store", str(empty)], 2, f"no store at {empty}: run 'kg build'"),
        (["export", "--store", str(papers)], 2, f"no store at {papers}: run 'kg build'"),
        (["export", "-o", str(tmp_path / "no" / "such" / "dir.ttl"), "--store", str(built)], 2,
         "No such file or directory"),
    ]
    for args, code, fragment in cases:
        result = kg(*args, cwd=tmp_path)
        assert result.returncode == code, (args, result.stderr)
        assert fragment in one_error_line(result), (args, result.stderr)
    assert [p.name for p in empty.iterdir()] == [] and [p.name for p in papers.iterdir()] == ["notes.txt"]


def test_store_is_made_only_in_a_missing_or_empty_folder(tmp_path: Path) -> None:
    # A writer makes a store where there is none, but not among a folder's own files; the
    # root of a new volume (nothing but lost+found) counts as empty.
    volume, notes = tmp_path / "volume", tmp_path / "notes"
    (volume / "lost+found").mkdir(parents=True)
    notes.mkdir()
    (notes / "todo.txt").write_text("mine")
    with GraphStore.open(volume) as store:
        assert len(store) == 0
    assert (volume / "CURRENT").is_file()
    with pytest.raises(StoreError, match="the folder holds other files"):
        GraphStore.open(notes)
    for read_only in (True, False):  # read as it is, never made
        with pytest.raises(StoreError, match="no store at .*: run 'kg build' first"):
            GraphStore.open(notes, read_only=read_only, create=False)
    assert [p.name for p in notes.iterdir()] == ["todo.txt"]


def test_cli_file_name_with_a_line_break_stays_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "two\nlines.txt").write_bytes(b"")
    result = kg("build", "two\nlines.txt", cwd=tmp_path)
    assert result.returncode == 1
    assert "two\\nlines.txt:1: empty profile page" in one_error_line(result)


def test_cli_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = kg("build", "missing.txt", "--debug", cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ProfileError" in result.stderr


def test_cli_warnings_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_text(with_line(header_line(30), "CVCode"), encoding="utf-8")
    result = kg("build", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"warning: {path}:{header_line(30)}: paper header 'CVCode' has no date" in result.stderr
    assert "built odd.txt: Dhruv Mahajan, 36 papers" in result.stdout


def test_cli_closed_pipe_stops_quietly(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert kg("build", str(SAMPLE), cwd=tmp_path, store=store).returncode == 0
    env = {**os.environ, "KG_STORE": str(store)}
    pipeline = subprocess.run(
        f"{sys.executable} -m kg export --format ntriples | head -c 10 >/dev/null; "
        "exit ${PIPESTATUS[0]}", shell=True, executable="/bin/bash", env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=60)
    assert pipeline.returncode == 0
    assert pipeline.stderr == ""


def test_cli_plain_kg_shows_help(tmp_path: Path) -> None:
    result = kg(cwd=tmp_path)
    assert result.returncode == 0
    assert "Usage" in result.stdout and result.stderr.strip() == ""


def test_errors_every_kg_error_has_an_exit_code() -> None:
    from kg import errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, KgError)]
    assert {c.__name__: c.exit_code for c in classes} == {
        "KgError": 1, "InputError": 1, "ProfileError": 1, "QueryError": 1,
        "StoreError": 2, "StoreLockedError": 2, "EnvironmentProblem": 2}


def test_faults_readme_table_names_tests_that_exist() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Faults and what the tool does", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(test_\w+)`", section))
    here = Path(__file__).resolve().parent
    defined = {name for file in ("test_faults.py", "test_atomic.py", "test_hostile.py")
               for name in re.findall(r"^def (test_\w+)", (here / file).read_text(encoding="utf-8"), re.M)}
    assert len(named) > 30
    assert named <= defined, named - defined


def test_reader_abstract_that_looks_like_a_broken_header_is_kept() -> None:
    # Found by the hypothesis round-trip test: an abstract "ACode" was taken for a paper
    # header with no date, and the abstract was lost.
    profile = read_text("Ann Bee\n\nCV\n\nCVJan 1, 2020\nT\n\nAnn Bee\n\nACode\n", "a.txt")
    assert [p.abstract for p in profile.papers] == ["ACode"]
