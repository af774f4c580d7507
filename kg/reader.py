"""Read profile pages into plain records: the first stage of the pipeline.

A profile page (see ``kg/samples/``) is a header about one person followed by
one block per paper. :func:`read_text` parses one page; :func:`read_paths`
reads files, folders and ``-`` (stdin). :func:`open_page` streams a page of
any size: its header at once, then one paper at a time, in bounded memory.

What the reader does with faulty pages (the README's table "Faults and what the
tool does" lists them all, with the tests that show them):

- problems that lose nothing, or drop one clearly named piece (a paper header
  without a date, a paper entered twice, an author cut off at the end of the
  file), become a :class:`ReadWarning` naming the line; what parses is kept;
- problems that would lose or invent data (bytes that are not UTF-8, an empty
  page, a date that does not exist) raise :class:`~kg.errors.ProfileError`
  naming the file and line.

Names, titles, tags and abstracts are cleaned by :func:`clean_text` (NFC,
invisible and control characters removed, any run of spaces folded to one),
so a name typed with NFD accents, no-break spaces or zero-width characters
merges with its clean spelling.

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

import codecs
import datetime as dt
import hashlib
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, NoReturn

from .errors import ProfileError

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_MONTH = "(?:" + "|".join(MONTHS) + ")"

# "CVJan 4, 2023Code"; a single space between the parts is tolerated ("XX Jan 4, 2023 Code").
PAPER_HEADER = re.compile(
    r"^(?P<cat>[A-Z][A-Za-z.\-]{0,15}?) ?"
    rf"(?P<month>{_MONTH}) (?P<day>\d{{1,2}}), ?(?P<year>\d{{4}})"
    r" ?(?P<code>Code)?$"
)
# A line that looks like a paper header but is not one: no date, no category, another date form.
_LOOSE_HEADER = re.compile(
    r"^(?:(?P<cat>[A-Za-z][A-Za-z.\-]{0,15}?) ?)?"
    rf"(?P<date>(?i:{_MONTH})[a-z]*\.?(?: ?\d{{1,2}}(?:st|nd|rd|th)?)?,? ?\d{{2,4}}"
    r"|\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})?"
    r" ?(?P<code>Code)?$"
)
_BARE_CATEGORY = re.compile(r"[A-Z]{2,5}|[a-z]{2,5}\.[A-Z]{2}")
HEADER_FIELDS = {
    "h_index": re.compile(r"^h-index\s*(\d[\d,]*)$"),
    "paper_count": re.compile(r"^(\d[\d,]*)\s*papers$"),
    "citations": re.compile(r"^(\d[\d,]*)\s*citations$"),
    "novelty_percent": re.compile(r"^Novelty\s*(\d[\d,]*)\s*%$"),
    "ai_score": re.compile(r"^AI Score\s*(\d[\d,]*)$"),
}
PAPERS_LINE = re.compile(r"^(\d[\d,]*) Papers$")
ORG_SEPARATOR = " · "
# The separator is a middle dot with space on its left (the right may be the line's end), so a
# middle dot inside a name ("Gal·la") stays in the name.
_ORG_SPLIT = re.compile(r" \u00b7(?: |$)")
ET_AL = re.compile(r",?\s+et al\.?$")

# Characters that are invisible in text and only stop two spellings merging: control
# characters (the ones that are not spaces), soft hyphen, zero-width characters, direction
# marks, embeddings, overrides and isolates, invisible operators, the byte-order mark, and
# lone surrogates (which cannot be stored).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]")
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Python's \s covers tab, the line and paragraph separators, NEL, FS/GS/RS/US and the Unicode
# spaces; the no-break spaces are added explicitly.
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")

#: At most this many warnings are kept per page; one more says how many were left out.
MAX_WARNINGS = 1000
_CHUNK = 1 << 20  # bytes read at a time when streaming a file


def clean_text(text: str) -> str:
    """Invisible characters removed, NFC, runs of any space folded to one, trimmed.

    >>> clean_text("Mich\\u0061\\u0142  De\\u00adre\\u200bzi\\u0144ski\\u00a0")
    'Michał Dereziński'
    >>> clean_text("Ade\\u200b\\u0301le\\u2028Lovelace\\x1b[31m")
    'Adéle Lovelace[31m'
    >>> clean_text("  Ada   Lovelace "), clean_text("Ada\\tLovelace\\x1f")
    ('Ada Lovelace', 'Ada Lovelace')
    """
    if text.isascii() and text.isprintable():  # most lines: nothing invisible, spaces only
        return " ".join(text.split())
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class ReadWarning:
    """Something odd in a page that was read anyway; ``source`` is the file as named."""

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
    #: How many papers the page lists, when ``papers`` holds only some of them (a long page
    #: is built a part at a time); ``None``: all of them.
    listed_papers: int | None = field(default=None, compare=False)
    warnings: tuple[ReadWarning, ...] = field(default=(), compare=False)


_MAX_DIGITS = 18


def _number(text: str, source: str = "<stdin>", line: int | None = None) -> int:
    digits = text.replace(",", "")
    if len(digits) > _MAX_DIGITS:
        raise ProfileError(f"number with {len(digits)} digits is not a plausible figure",
                           path=source, line=line)
    return int(digits)


def _split_authors(line: str) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
    authors_part, *tag_parts = _ORG_SPLIT.split(line)
    authors_part = authors_part.strip()
    et_al = bool(ET_AL.search(authors_part))
    if et_al:
        authors_part = ET_AL.sub("", authors_part)
    authors = tuple(a for a in (clean_text(x) for x in authors_part.split(",")) if a)
    tags = tuple(t for t in (clean_text(x) for part in tag_parts for x in part.split(",")) if t)
    return authors, et_al, tags


def _broken_header(text: str) -> tuple[str, bool] | None:
    """Why ``text`` looks like a paper header but is not one, and whether it surely is one.

    >>> _broken_header("CVCode"), _broken_header("CVJan 2023"), _broken_header("Jan 4, 2023")
    (('has no date', True), ("has the date 'Jan 2023', not written like 'Jan 4, 2023'", True), ('has no category', True))
    >>> _broken_header("CV"), _broken_header("Neural nets"), _broken_header("CVJan 4, 2023")
    (('has no date', False), None, None)
    """
    if len(text) > 40 or PAPER_HEADER.match(text):
        return None
    m = _LOOSE_HEADER.match(text)
    if not m:
        return None
    cat, date, code = m["cat"], m["date"], m["code"]
    if date:
        if not cat:
            return "has no category", True
        return f"has the date {date!r}, not written like 'Jan 4, 2023'", True
    if cat and code:
        return "has no date", True
    if cat and _BARE_CATEGORY.fullmatch(cat):
        return "has no date", False
    return None


# --------------------------------------------------------------------------- decoding


def _count_lines(text: str, after_cr: bool = False) -> tuple[int, bool]:
    """Line ends in ``text`` (``\\r\\n``, ``\\r`` or ``\\n``), given whether the text before
    ended in ``\\r``; and whether ``text`` ends in ``\\r``."""
    n = text.count("\n") + text.count("\r") - text.count("\r\n")
    if after_cr and text.startswith("\n"):
        n -= 1
    return n, text.endswith("\r")


def iter_decoded(chunks: Iterable[bytes], source: str, encoding: str | None = None) -> Iterator[str]:
    """Decode byte chunks to text chunks; a byte that is not UTF-8 is an error naming its
    offset and line. ``encoding`` reads another encoding instead (a UTF-8 byte-order mark
    is dropped either way)."""
    name = encoding or "utf-8"
    try:
        decoder = codecs.getincrementaldecoder(name)("strict")
    except LookupError as exc:
        raise ProfileError(f"unknown encoding {encoding!r} (try utf-8, latin-1, cp1252, utf-16)",
                           path=source) from exc
    offset = 0            # bytes fed to the decoder so far
    lines = 1             # the line the decoded text so far ends on
    after_cr = False
    first = True
    for chunk in chunks:
        pending = _pending(decoder)
        try:
            text = decoder.decode(chunk, final=False)
        except UnicodeError as exc:
            _raise_decode_error(exc, offset - len(pending), lines, after_cr, source, encoding)
        offset += len(chunk)
        if first and text:
            text = text.removeprefix("\ufeff")
            first = False
        n, after_cr = _count_lines(text, after_cr)
        lines += n
        if text:
            yield text
    pending = _pending(decoder)
    try:
        text = decoder.decode(b"", final=True)
    except UnicodeError as exc:
        _raise_decode_error(exc, offset - len(pending), lines, after_cr, source, encoding)
    if text:
        yield text.removeprefix("\ufeff") if first else text


def _pending(decoder: codecs.IncrementalDecoder) -> bytes:
    state = decoder.getstate()[0]
    return state if isinstance(state, bytes) else b""


def _raise_decode_error(exc: UnicodeError, start: int, lines: int, after_cr: bool,
                        source: str, encoding: str | None) -> NoReturn:
    """``exc`` came from decoding bytes that begin at file offset ``start`` on line ``lines``."""
    if not isinstance(exc, UnicodeDecodeError):  # e.g. UTF-16 without a byte-order mark
        raise ProfileError(f"cannot decode as {encoding or 'utf-8'}: {exc}", path=source,
                           line=lines) from exc
    data = exc.object
    before = bytes(data[:exc.start]).decode(encoding or "utf-8", errors="replace")
    line = lines + _count_lines(before, after_cr)[0]
    offset = start + exc.start
    bad = bytes(data[exc.start:exc.start + 1])
    if encoding:
        raise ProfileError(f"cannot decode as {encoding}: byte 0x{bad.hex()} at offset {offset} "
                           f"({exc.reason})", path=source, line=line) from exc
    raise ProfileError(
        f"not UTF-8 (byte 0x{bad.hex()} at offset {offset}); "
        "pass --encoding to read it in another encoding (e.g. --encoding latin-1)",
        path=source, line=line) from exc


def decode(data: bytes, source: str, encoding: str | None = None) -> str:
    """Bytes to text; a byte that is not UTF-8 is an error naming its offset and line.

    >>> decode(b"Ann\\n\\xffBee", "a.txt")
    Traceback (most recent call last):
    ...
    kg.errors.ProfileError: a.txt:2: not UTF-8 (byte 0xff at offset 4); pass --encoding to read it in another encoding (e.g. --encoding latin-1)
    """
    return "".join(iter_decoded([data], source, encoding))


def _read_chunks(stream: BinaryIO, source: str) -> Iterator[bytes]:
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except OSError as exc:
            raise ProfileError(f"cannot read: {exc.strerror or exc}", path=source) from exc
        if not chunk:
            return
        yield chunk


# --------------------------------------------------------------------------- lines


def iter_lines(chunks: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """Lines of text given in chunks of any size: ``(line, ended)`` where ``ended`` says
    whether a line end (``\\n``, ``\\r\\n`` or ``\\r``; no other break) followed it.

    >>> list(iter_lines(["a\\r", "", "\\nb\\rc", "\\n", "d"]))
    [('a', True), ('b', True), ('c', True), ('d', False)]
    """
    parts: list[str] = []
    skip_lf = False
    for chunk in chunks:
        if not chunk:
            continue
        if skip_lf and chunk.startswith("\n"):
            chunk = chunk[1:]
        skip_lf = False
        pos = 0
        for m in _NEWLINE.finditer(chunk):
            parts.append(chunk[pos:m.start()])
            yield "".join(parts), True
            parts.clear()
            pos = m.end()
        if pos < len(chunk):
            parts.append(chunk[pos:])
        elif chunk.endswith("\r"):
            skip_lf = True
    if parts:
        yield "".join(parts), False


# --------------------------------------------------------------------------- parsing


class _Parser:
    """The state of reading one page: numbered, cleaned lines with one line of look-back."""

    def __init__(self, chunks: Iterable[str], source: str, where: str) -> None:
        self.source = source          # the name in the graph (the file name)
        self.where = where            # the name in messages (the path as given)
        self._lines = iter_lines(chunks)
        self._back: tuple[int, str] | None = None
        self.number = 0
        self.ended = True             # whether the last line read had a line end
        self.warnings: list[ReadWarning] = []
        self._dropped = 0

    def next(self) -> tuple[int, str] | None:
        if self._back is not None:
            item, self._back = self._back, None
            return item
        try:
            line, self.ended = next(self._lines)
        except StopIteration:
            return None
        self.number += 1
        return self.number, clean_text(line)

    def push_back(self, item: tuple[int, str]) -> None:
        self._back = item

    @property
    def at_end(self) -> bool:
        if self._back is not None:
            return False
        item = self.next()
        if item is None:
            return True
        self.push_back(item)
        return False

    def warn(self, line: int | None, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(ReadWarning(self.where, line, message))
        else:
            self._dropped += 1

    def final_warnings(self) -> None:
        if self._dropped:
            self.warnings.append(ReadWarning(self.where, None,
                                             f"… and {self._dropped} more warnings on this page"))
            self._dropped = 0

    def error(self, line: int | None, message: str) -> ProfileError:
        return ProfileError(message, path=self.where, line=line)

    def block(self) -> tuple[list[tuple[int, str]], bool]:
        """The non-blank lines up to the next paper header (or a line that looks like one,
        where an abstract has been read), and whether the block reaches the end of the file."""
        body: list[tuple[int, str]] = []
        after_blank = False
        while (item := self.next()) is not None:
            number, text = item
            if not text:
                after_blank = True
                continue
            if PAPER_HEADER.match(text):
                self.push_back(item)
                return body, False
            if len(body) >= 3 and after_blank and _broken_header(text):
                self.push_back(item)
                return body, False
            body.append(item)
            after_blank = False
        return body, True


@dataclass
class _Header:
    name: str
    figures: dict[str, int]
    primary_category: str | None
    declared: int | None


def _read_header(p: _Parser) -> _Header:
    item = p.next()
    while item is not None and not item[1]:
        item = p.next()
    if item is None:
        raise p.error(1, "empty profile page: no name and no papers")
    number, name = item
    if PAPER_HEADER.match(name):
        raise p.error(number, "the page starts with a paper, not a person's name")
    if PAPERS_LINE.match(name) or any(f.match(name) for f in HEADER_FIELDS.values()):
        raise p.error(number, f"the page starts with {name[:40]!r}, not a person's name")
    figures: dict[str, int] = {}
    primary_category: str | None = None
    declared: int | None = None
    while (item := p.next()) is not None:
        number, line = item
        if not line:
            continue
        if PAPER_HEADER.match(line):
            p.push_back(item)
            break
        if (m := PAPERS_LINE.match(line)):
            declared = _number(m.group(1), p.where, number)
            continue
        for key, pattern in HEADER_FIELDS.items():
            if (m := pattern.match(line)):
                figures[key] = _number(m.group(1), p.where, number)
                break
        else:
            broken = _broken_header(line)
            if broken and (broken[1] or declared is not None):
                p.push_back(item)
                break
            if primary_category is None and re.fullmatch(r"[A-Z][A-Za-z.\-]{0,15}", line):
                primary_category = line
            else:
                p.warn(number, f"unrecognised header line ignored: {line[:60]!r}")
    return _Header(name, figures, primary_category, declared)


class Page:
    """A profile page being read: its header at once, its papers one at a time.

    Iterate over it for the papers; :attr:`warnings` is complete once they are all read
    (warnings about the header are there at once). Use it as a context manager, or call
    :meth:`close`, to close the file early. :meth:`profile` reads the rest into a
    :class:`Profile`.

    >>> with parse_lines(["Ann Bee\\n", "\\n", "CVJan 1, 2020\\n", "A Title\\n"], "a.txt") as page:
    ...     page.header.name, [p.title for p in page], [w.message for w in page.warnings]
    ('Ann Bee', ['A Title'], ['paper has no author line', 'paper has no abstract'])
    """

    def __init__(self, parser: _Parser, close: Callable[[], None] | None = None) -> None:
        self._parser = parser
        self._close = close
        try:
            head = _read_header(parser)
        except BaseException:
            self.close()
            raise
        self.header = Profile(
            source=parser.source, name=head.name, primary_category=head.primary_category,
            declared_papers=head.declared, warnings=tuple(parser.warnings), **head.figures)
        self._papers = self._iter_papers()
        self.papers_read = 0      # papers kept so far
        self.papers_left_out = 0  # paper blocks read but not kept (see the warnings)

    @property
    def source(self) -> str:
        return self.header.source

    @property
    def warnings(self) -> list[ReadWarning]:
        return self._parser.warnings

    def __iter__(self) -> Iterator[Paper]:
        return self._papers

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> "Page":
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def profile(self) -> Profile:
        """The whole page as a :class:`Profile` (reads the papers not yet read)."""
        papers = tuple(self._papers)
        return replace(self.header, papers=papers, warnings=tuple(self.warnings))

    def _iter_papers(self) -> Iterator[Paper]:
        p = self._parser
        seen: dict[int, int] = {}  # paper key -> line << 64 | digest of the rest (compact)
        try:
            while (item := p.next()) is not None:
                number, text = item
                if not text:
                    continue
                m = PAPER_HEADER.match(text)
                body, at_end = p.block()
                cut = at_end and not p.ended
                if m is None:
                    self._left_out(number, text, body)
                    continue
                paper = _paper(m, number, body, cut, p)
                if paper is None:
                    self.papers_left_out += 1
                    continue
                key, content = _paper_key(paper)
                if key in seen:
                    first, first_content = seen[key] >> 64, seen[key] & (2**64 - 1)
                    differs = "" if content == first_content else \
                        " (its authors, tags, abstract or flags differ: the first is kept)"
                    p.warn(number, f"the same paper as line {first} (same title and date) "
                                   f"entered again: left out{differs}")
                    self.papers_left_out += 1
                    continue
                seen[key] = number << 64 | content
                self.papers_read += 1
                yield paper
            declared = self.header.declared_papers
            found = self.papers_read + self.papers_left_out
            if declared is not None and declared != found:
                p.warn(None, f"the page declares {declared} papers but {found} were found")
            if not found:
                p.warn(None, "the page lists no papers")
            p.final_warnings()
        finally:
            self.close()

    def _left_out(self, number: int, text: str, body: list[tuple[int, str]]) -> None:
        reason, _ = _broken_header(text) or ("is not a paper header", True)
        last = body[-1][0] if body else number
        title = f" ({body[0][1][:60]!r})" if body else ""
        self._parser.warn(number, f"paper header {text[:40]!r} {reason}: the paper{title} on "
                                  f"lines {number}–{last} was left out")
        self.papers_left_out += 1


def _paper_key(paper: Paper) -> tuple[int, int]:
    """The paper's identity as :meth:`kg.iris.Minter.paper` sees it (title words and date), and
    a digest of the rest of what the page says about it, both as 64-bit numbers."""
    title = " ".join(re.findall(r"\w+", paper.title.casefold()))
    rest = "\0".join([paper.category, str(paper.has_code_flag), paper.title, *paper.authors,
                      str(paper.et_al), *paper.org_tags, paper.abstract])
    return _digest(f"{paper.date.isoformat()}\0{title}"), _digest(rest)


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "big")


def _paper(m: re.Match[str], start: int, body: list[tuple[int, str]], cut: bool,
           p: _Parser) -> Paper | None:
    try:
        date = dt.date(int(m["year"]), MONTHS[m["month"]], int(m["day"]))
    except ValueError as exc:
        raise p.error(start, f"impossible date {m['month']} {m['day']}, {m['year']}: {exc}") from exc
    if not body:
        p.warn(start, "paper header with no title" + (" at the end of the file" if cut or p.at_end
                                                      else "") + ": left out")
        return None
    title = body[0][1]
    authors: tuple[str, ...] = ()
    et_al = False
    tags: tuple[str, ...] = ()
    abstract = ""
    if len(body) == 1 and cut:
        p.warn(body[0][0], "the file ends in this title without a line end: it may be cut off")
    if len(body) >= 2:
        number, line = body[1]
        authors, et_al, tags = _split_authors(line)
        if len(body) == 2 and cut and not et_al and not re.search(r"[,\u00b7]$", line):
            if tags:
                p.warn(number, f"the file ends in this author line without a line end: the last tag "
                               f"{tags[-1]!r} may be cut off and was left out")
                tags = tags[:-1]
            elif authors:
                p.warn(number, f"the file ends in this author line without a line end: the last name "
                               f"{authors[-1]!r} may be cut off and was left out")
                authors = authors[:-1]
        if not authors:
            p.warn(number, "paper lists no authors")
    else:
        p.warn(start, "paper has no author line")
    if len(body) >= 3:
        abstract = " ".join(text for _, text in body[2:])
        if len(body) > 3:
            p.warn(body[3][0], "abstract spans several lines; joined with spaces")
    else:
        p.warn(start, "paper has no abstract")
    return Paper(source=p.source, line=start, category=m["cat"], date=date,
                 has_code_flag=bool(m["code"]), title=title, authors=authors,
                 et_al=et_al, org_tags=tags, abstract=abstract)


# --------------------------------------------------------------------------- entry points


def parse_lines(chunks: Iterable[str], source: str = "<stdin>", *, where: str | None = None) -> Page:
    """Start reading a page given as text in chunks of any size (lines with their ends, as a
    file gives them, or the whole text at once). ``source`` names the page in the graph,
    ``where`` in messages (default: ``source``)."""
    return Page(_Parser(chunks, source, where or source))


def iter_papers(chunks: Iterable[str], source: str = "<stdin>") -> Iterator[Paper]:
    """The papers of a page given as text in chunks, one at a time (the header is skipped)."""
    return iter(parse_lines(chunks, source))


def read_text(text: str, source: str = "<stdin>") -> Profile:
    """Parse one profile page given as text; ``source`` names it in errors and in the graph."""
    return parse_lines([text], source).profile()


def source_name(path: Path) -> str:
    """The name a file goes by in the graph: its file name, never the folder it sits in."""
    return path.name


def open_page(path: Path | None, encoding: str | None = None) -> Page:
    """Start reading one file (stdin for ``None``) as a stream: memory stays bounded by the
    longest paper, however long the file. Close it (or use ``with``) if not read to the end."""
    if path is None:
        chunks = iter_decoded(_read_chunks(sys.stdin.buffer, "<stdin>"), "<stdin>", encoding)
        return Page(_Parser(chunks, "stdin", "<stdin>"))
    where = str(path)
    try:
        stream = open(path, "rb")
    except OSError as exc:
        raise ProfileError(f"cannot read: {exc.strerror or exc}", path=where) from exc
    chunks = iter_decoded(_read_chunks(stream, where), where, encoding)
    return Page(_Parser(chunks, source_name(path), where), close=stream.close)


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
    with open_page(path, encoding) as page:
        return page.profile()


def read_paths(paths: Iterable[str | Path], encoding: str | None = None) -> Iterator[Profile]:
    """Profiles from files, folders and ``-``, one at a time."""
    for path in iter_files(paths):
        yield read_file(path, encoding)
