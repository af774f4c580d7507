"""Read profile pages into plain records: the first stage of the pipeline.

A profile page (see ``kg/samples/``) is a header about one person followed by
one block per paper. :func:`read_text` parses one page; :func:`read_paths`
reads files, folders and ``-`` (stdin). Problems that lose nothing (a paper
count that does not match, an unknown category) become :class:`ReadWarning`;
problems that would lose or invent data raise :class:`~kg.errors.ProfileError`
naming the file and line.

>>> page = "Ada Lovelace\\n\\nAI\\nh-index3\\n1papers\\n1,024citations\\n"\\
...        "Novelty50%\\nAI Score9\\n\\n1 Papers\\n\\nAIDec 10, 1843Code\\n"\\
...        "Notes on the Engine\\n\\nAda Lovelace, C. Babbage et al. · turing\\n\\n"\\
...        "We introduce a program.\\n"
>>> profile = read_text(page, source="ada.txt")
>>> profile.name, profile.citations, len(profile.papers)
('Ada Lovelace', 1024, 1)
>>> paper = profile.papers[0]
>>> paper.authors, paper.et_al, paper.org_tags, paper.date.isoformat(), paper.line
(('Ada Lovelace', 'C. Babbage'), True, ('turing',), '1843-12-10', 12)
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ProfileError

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}

PAPER_HEADER = re.compile(
    r"^(?P<cat>[A-Z][A-Za-z.\-]{0,15}?)"
    r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<day>\d{1,2}), (?P<year>\d{4})"
    r"(?P<code>Code)?$"
)
HEADER_FIELDS = {
    "h_index": re.compile(r"^h-index\s*(\d[\d,]*)$"),
    "paper_count": re.compile(r"^(\d[\d,]*)\s*papers$"),
    "citations": re.compile(r"^(\d[\d,]*)\s*citations$"),
    "novelty_percent": re.compile(r"^Novelty\s*(\d[\d,]*)\s*%$"),
    "ai_score": re.compile(r"^AI Score\s*(\d[\d,]*)$"),
}
PAPERS_LINE = re.compile(r"^(\d[\d,]*) Papers$")
ORG_SEPARATOR = " · "
ET_AL = re.compile(r",?\s+et al\.?$")

# Characters that are invisible in a name and only stop two spellings merging.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
                                    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")


def clean_text(text: str) -> str:
    """NFC, invisible characters removed, runs of any space folded to one.

    >>> clean_text("Mich\\u0061\\u0142  De\\u00adre\\u200bzi\\u0144ski\\u00a0")
    'Michał Dereziński'
    """
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class ReadWarning:
    """Something odd in a page that was read anyway."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Paper:
    """One paper block of a profile page, as written (cleaned of invisible characters)."""

    source: str
    line: int
    category: str
    date: dt.date
    has_code_flag: bool
    title: str
    authors: tuple[str, ...]
    et_al: bool
    org_tags: tuple[str, ...]
    abstract: str


@dataclass(frozen=True)
class Profile:
    """The header of a profile page and its papers."""

    source: str
    name: str
    primary_category: str | None = None
    h_index: int | None = None
    paper_count: int | None = None
    citations: int | None = None
    novelty_percent: int | None = None
    ai_score: int | None = None
    declared_papers: int | None = None
    papers: tuple[Paper, ...] = ()
    warnings: tuple[ReadWarning, ...] = field(default=(), compare=False)


_MAX_DIGITS = 18


def _number(text: str, source: str = "<stdin>", line: int | None = None) -> int:
    digits = text.replace(",", "")
    if len(digits) > _MAX_DIGITS:
        raise ProfileError(f"number with {len(digits)} digits is not a plausible figure",
                           path=source, line=line)
    return int(digits)


def _split_authors(line: str) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
    authors_part, sep, tags_part = line.partition(ORG_SEPARATOR.strip())
    if not sep:
        authors_part, tags_part = line, ""
    authors_part = authors_part.strip()
    et_al = bool(ET_AL.search(authors_part))
    if et_al:
        authors_part = ET_AL.sub("", authors_part)
    authors = tuple(a for a in (clean_text(x) for x in authors_part.split(",")) if a)
    tags = tuple(t for t in (clean_text(x) for x in tags_part.split(",")) if t)
    return authors, et_al, tags


def read_text(text: str, source: str = "<stdin>") -> Profile:
    """Parse one profile page given as text; ``source`` names it in errors and in the graph."""
    # Lines end at \n, \r\n or \r only (not at the other breaks str.splitlines knows), so line
    # numbers are the ones editors show.
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    stripped = [clean_text(line) for line in lines]
    warnings: list[ReadWarning] = []

    def warn(line: int | None, message: str) -> None:
        warnings.append(ReadWarning(source, line, message))

    n = len(stripped)
    i = 0
    while i < n and not stripped[i]:
        i += 1
    if i == n:
        raise ProfileError("empty profile page: no name and no papers", path=source, line=1)
    name = stripped[i]
    if PAPER_HEADER.match(name):
        raise ProfileError("the page starts with a paper, not a person's name", path=source, line=i + 1)
    header: dict[str, int] = {}
    primary_category: str | None = None
    declared: int | None = None
    i += 1
    while i < n and not PAPER_HEADER.match(stripped[i]):
        line = stripped[i]
        i += 1
        if not line:
            continue
        if (m := PAPERS_LINE.match(line)):
            declared = _number(m.group(1), source, i)
            continue
        for key, pattern in HEADER_FIELDS.items():
            if (m := pattern.match(line)):
                header[key] = _number(m.group(1), source, i)
                break
        else:
            if primary_category is None and re.fullmatch(r"[A-Z][A-Za-z.\-]{0,15}", line):
                primary_category = line
            else:
                warn(i, f"unrecognised header line ignored: {line[:60]!r}")

    papers: list[Paper] = []
    while i < n:
        m = PAPER_HEADER.match(stripped[i])
        if not m:
            if stripped[i]:
                warn(i + 1, f"text outside a paper block ignored: {stripped[i][:60]!r}")
            i += 1
            continue
        start = i + 1
        body: list[tuple[int, str]] = []
        i += 1
        while i < n and not PAPER_HEADER.match(stripped[i]):
            if stripped[i]:
                body.append((i + 1, stripped[i]))
            i += 1
        papers.append(_paper(m, start, body, source, warn))

    if declared is not None and declared != len(papers):
        warn(None, f"the page declares {declared} papers but {len(papers)} were found")
    if not papers:
        warn(None, "the page lists no papers")
    return Profile(
        source=source, name=name, primary_category=primary_category,
        declared_papers=declared, papers=tuple(papers), warnings=tuple(warnings), **header,
    )


def _paper(m: re.Match[str], start: int, body: list[tuple[int, str]], source: str, warn) -> Paper:
    try:
        date = dt.date(int(m["year"]), MONTHS[m["month"]], int(m["day"]))
    except ValueError as exc:
        raise ProfileError(f"impossible date {m['month']} {m['day']}, {m['year']}: {exc}",
                           path=source, line=start) from exc
    if not body:
        raise ProfileError("paper has no title", path=source, line=start)
    title = body[0][1]
    authors: tuple[str, ...] = ()
    et_al = False
    tags: tuple[str, ...] = ()
    abstract = ""
    if len(body) >= 2:
        authors, et_al, tags = _split_authors(body[1][1])
        if not authors:
            warn(body[1][0], "paper lists no authors")
    else:
        warn(start, "paper has no author line")
    if len(body) >= 3:
        abstract = " ".join(text for _, text in body[2:])
        if len(body) > 3:
            warn(body[3][0], "abstract spans several lines; joined with spaces")
    else:
        warn(start, "paper has no abstract")
    return Paper(source=source, line=start, category=m["cat"], date=date,
                 has_code_flag=bool(m["code"]), title=title, authors=authors,
                 et_al=et_al, org_tags=tags, abstract=abstract)


def decode(data: bytes, source: str, encoding: str | None = None) -> str:
    """Bytes to text; a byte that is not UTF-8 is an error naming its offset and line."""
    if encoding:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ProfileError(f"cannot decode as {encoding}: {exc}", path=source) from exc
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + bom
        line = data.count(b"\n", 0, offset) + 1
        raise ProfileError(
            f"not UTF-8 (byte 0x{data[offset]:02x} at offset {offset}); "
            "pass --encoding to read it in another encoding",
            path=source, line=line) from exc


def source_name(path: Path) -> str:
    """The name a file goes by in the graph: its file name, never the folder it sits in."""
    return path.name


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | None]:
    """Files named by ``paths``: folders are searched for ``*.txt``; ``-`` yields None (stdin)."""
    for raw in paths:
        if str(raw) == "-":
            yield None
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not found:
                raise ProfileError("folder holds no .txt profile pages", path=str(path))
            yield from found
        elif path.is_file():
            yield path
        else:
            raise ProfileError("no such file or folder", path=str(path))


def read_file(path: Path | None, encoding: str | None = None) -> Profile:
    """Read one file (or stdin for ``None``)."""
    if path is None:
        return read_text(decode(sys.stdin.buffer.read(), "<stdin>", encoding), "stdin")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    return read_text(decode(data, str(path), encoding), source_name(path))


def read_paths(paths: Iterable[str | Path], encoding: str | None = None) -> Iterator[Profile]:
    """Profiles from files, folders and ``-``, one at a time."""
    for path in iter_files(paths):
        yield read_file(path, encoding)
