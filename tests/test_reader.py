"""The reader: profile text -> Profile records, with line numbers, warnings and clear errors."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.errors import ProfileError
from kg.reader import Profile, clean_text, decode, parse_lines, read_file, read_paths, read_text

OWNER = "Dhruv Mahajan"

# The smallest good page; tests change one thing in it at a time.
MINIMAL = (
    "Ada Lovelace\n"
    "\n"
    "AI\n"
    "h-index3\n"
    "1papers\n"
    "1,024citations\n"
    "Novelty50%\n"
    "AI Score9\n"
    "\n"
    "1 Papers\n"
    "\n"
    "AIDec 10, 1843Code\n"
    "Notes on the Engine\n"
    "\n"
    "Ada Lovelace, C. Babbage et al. · turing\n"
    "\n"
    "We introduce a program.\n"
)


@pytest.fixture(scope="module")
def profile(sample: Path) -> Profile:
    return read_file(sample)


# --------------------------------------------------------------------------- the sample


def test_reader_sample_has_37_papers(profile: Profile) -> None:
    assert len(profile.papers) == 37
    assert profile.declared_papers == 37


def test_reader_sample_header_figures(profile: Profile) -> None:
    assert profile.name == OWNER
    assert profile.primary_category == "CV"
    assert profile.h_index == 28
    assert profile.paper_count == 37
    assert profile.citations == 20917
    assert profile.novelty_percent == 56
    assert profile.ai_score == 39


def test_reader_sample_reads_without_warnings(profile: Profile) -> None:
    assert profile.warnings == ()


def test_reader_sample_categories(profile: Profile) -> None:
    assert Counter(p.category for p in profile.papers) == {"CV": 22, "LG": 10, "AI": 2, "CL": 2, "ML": 1}


def test_reader_sample_code_flags(profile: Profile) -> None:
    flagged = [p for p in profile.papers if p.has_code_flag]
    assert len(flagged) == 7
    assert flagged[0].title == "PACO: Parts and Attributes of Common Objects"
    # "Code" is a flag on the header line, never part of the date or category.
    assert all(p.category in {"CV", "LG", "AI", "CL", "ML"} for p in profile.papers)


def test_reader_sample_distinct_author_spellings(profile: Profile) -> None:
    spellings = {a for p in profile.papers for a in p.authors}
    assert len(spellings) == 65
    assert {"S Sathiya Keerthi", "S. Sathiya Keerthi", "I. Zeki Yalniz", "Zeki Yalniz"} <= spellings
    assert not any("et al" in a or "·" in a for a in spellings)


def test_reader_sample_org_tags(profile: Profile) -> None:
    tags = Counter(t for p in profile.papers for t in p.org_tags)
    assert tags == {"meta-ai": 8, "allen-ai": 2, "berkeley": 1}
    llama = next(p for p in profile.papers if p.title == "The Llama 3 Herd of Models")
    assert llama.org_tags == ("allen-ai", "berkeley")  # recorded as the site tagged it


def test_reader_keeps_et_al_flag(profile: Profile) -> None:
    by_line = {p.line: p for p in profile.papers}
    paco = by_line[12]
    assert paco.et_al is True
    assert paco.authors == ("Vignesh Ramanathan", "Anmol Kalia", "Vladan Petrovic")
    nbm = by_line[26]
    assert nbm.et_al is False
    assert nbm.authors == ("Filip Radenovic", "Abhimanyu Dubey", OWNER)
    assert sum(p.et_al for p in profile.papers) == 32


def test_reader_sample_line_numbers(profile: Profile, sample: Path) -> None:
    lines = sample.read_text(encoding="utf-8").split("\n")
    assert profile.papers[0].line == 12
    assert [p.line for p in profile.papers] == list(range(12, 12 + 7 * 37, 7))
    for paper in profile.papers:
        header = lines[paper.line - 1]
        assert header.startswith(paper.category)
        assert lines[paper.line] == paper.title


def test_reader_keeps_diacritics(profile: Profile) -> None:
    names = {a for p in profile.papers for a in p.authors}
    name = "Micha\u0142 Derezi\u0144ski"
    assert name in names
    assert unicodedata.is_normalized("NFC", name)
    assert "Herv\u00e9 J\u00e9gou" in names


# --------------------------------------------------------------------------- clean_text


@pytest.mark.parametrize("raw, clean", [
    ("Dhruv\u00a0Mahajan", "Dhruv Mahajan"),                     # no-break space
    ("Dhruv\u200b Mahajan", "Dhruv Mahajan"),                    # zero-width space
    ("Dhr\u200cuv Ma\u200dhajan\ufeff", "Dhruv Mahajan"),         # zero-width (non-)joiner, BOM
    ("Ma\u00adha\u00adjan", "Mahajan"),                          # soft hyphens
    ("Mic\u0301hal", unicodedata.normalize("NFC", "Mic\u0301hal")),
    ("Derezin\u0301ski", "Derezi\u0144ski"),                     # NFD -> NFC
    ("  S.\u2007Sathiya \t Keerthi\u202f ", "S. Sathiya Keerthi"),  # odd spaces folded, trimmed
])
def test_reader_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@given(st.text(alphabet=st.sampled_from("a Z.  \t\n\x00\x1b\x1f\x7f"), max_size=30)
       | st.text(alphabet=st.characters(max_codepoint=0x7f), max_size=30))
@example("  Ada   Lovelace ")
@example("  Ada \t Lovelace\x1f\x7f\x1b[0m ")
def test_reader_clean_text_ascii_is_the_general_rule(raw: str) -> None:
    # Plain ASCII lines take a short path; it must give what the general rule gives.
    from kg.reader import _INVISIBLE, _SPACES

    general = _SPACES.sub(" ", unicodedata.normalize("NFC", _INVISIBLE.sub("", raw))).strip()
    assert clean_text(raw) == general


def test_reader_nfd_name_reads_as_nfc() -> None:
    page = MINIMAL.replace("Ada Lovelace\n", "Ade\u0301le Lovelace\n", 1)
    profile = read_text(page, source="nfd.txt")
    assert profile.name == "Ad\u00e9le Lovelace"


# --------------------------------------------------------------------------- errors and warnings


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\u200b\n\u00a0\n"])
def test_reader_empty_page_names_file_and_line(text: str) -> None:
    with pytest.raises(ProfileError) as info:
        read_text(text, source="empty.txt")
    assert info.value.path == "empty.txt"
    assert info.value.line is not None and info.value.line >= 1
    assert str(info.value).startswith(f"empty.txt:{info.value.line}: ")


def test_reader_impossible_date_names_its_line() -> None:
    page = MINIMAL.replace("AIDec 10, 1843Code", "AIFeb 30, 1843Code")
    with pytest.raises(ProfileError) as info:
        read_text(page, source="bad-date.txt")
    assert (info.value.path, info.value.line) == ("bad-date.txt", 12)


def test_reader_decode_non_utf8_names_offset_and_line() -> None:
    data = b"Ann Bee\n\nCV\nh-index\xff3\n"
    with pytest.raises(ProfileError) as info:
        decode(data, "latin.txt")
    assert info.value.path == "latin.txt"
    assert info.value.line == 4
    assert "offset 19" in str(info.value)
    assert "0xff" in str(info.value)


def test_reader_decode_non_utf8_after_bom_names_offset_and_line() -> None:
    # The same bad byte as above, in a file that starts with a UTF-8 byte-order mark:
    # the offset and line must still point at the bad byte (0xff at offset 22, line 4).
    data = b"\xef\xbb\xbf" + b"Ann Bee\n\nCV\nh-index\xff3\n"
    with pytest.raises(ProfileError) as info:
        decode(data, "bom.txt")
    assert "0xff" in str(info.value)
    assert "offset 22" in str(info.value)
    assert info.value.line == 4


def test_reader_decode_with_encoding_latin1() -> None:
    data = "Ren\u00e9 Desc\u00e1rtes\n".encode("latin-1")
    assert decode(data, "x.txt", encoding="latin-1") == "Ren\u00e9 Desc\u00e1rtes\n"


def test_reader_read_paths_with_encoding(tmp_path: Path) -> None:
    page = MINIMAL.replace("Ada Lovelace", "Ren\u00e9 Desc\u00e1rtes").replace(" · turing", "")
    path = tmp_path / "rene.txt"
    path.write_bytes(page.encode("latin-1"))
    with pytest.raises(ProfileError):
        list(read_paths([path]))
    (profile,) = read_paths([path], encoding="latin-1")
    assert profile.name == "Ren\u00e9 Desc\u00e1rtes"
    assert profile.papers[0].authors[0] == "Ren\u00e9 Desc\u00e1rtes"
    assert profile.source == "rene.txt"


def test_reader_decode_unknown_encoding_is_profile_error() -> None:
    with pytest.raises(ProfileError):
        decode(b"abc", "x.txt", encoding="no-such-codec")


def test_reader_declared_count_mismatch_warns() -> None:
    profile = read_text(MINIMAL.replace("\n1 Papers\n", "\n10 Papers\n"), source="m.txt")
    assert len(profile.papers) == 1
    assert profile.declared_papers == 10
    messages = [w.message for w in profile.warnings]
    assert any("10" in m and "1 were found" in m for m in messages), messages


def test_reader_minimal_page_has_no_warnings() -> None:
    # The counterpart of the warning tests: the page they alter is clean.
    profile = read_text(MINIMAL, source="m.txt")
    assert profile.warnings == ()
    assert profile.papers[0].line == 12


def test_reader_huge_header_number_is_profile_error_or_read() -> None:
    # A header figure longer than Python's int-parsing limit (4300 digits): the reader must
    # either read it or raise ProfileError naming the line, never a bare ValueError.
    page = MINIMAL.replace("h-index3", "h-index" + "9" * 5000)
    try:
        profile = read_text(page, source="huge.txt")
    except ProfileError as exc:
        assert exc.line == 4
    else:
        assert profile.h_index == 10**5000 - 1 or (profile.h_index is None and profile.warnings)


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x85", "\x1e"])
def test_reader_line_numbers_count_newlines_only(separator: str) -> None:
    # Line numbers must be those an editor (and kg.reader.decode) shows: "\n"-separated.
    # A stray U+2028 / form feed / NEL inside an abstract must not shift later papers.
    second = ("\n"
              "AIJan 1, 1844\n"
              "Second Notes\n"
              "\n"
              "Ada Lovelace\n"
              "\n"
              "More text.\n")
    page = MINIMAL.replace("We introduce a program.", f"We introduce{separator}a program.") + second
    profile = read_text(page, source="sep.txt")
    expected = page.split("\n").index("AIJan 1, 1844") + 1
    assert [p.line for p in profile.papers] == [12, expected]


# --------------------------------------------------------------------------- property


_numbers = st.one_of(st.integers(0, 10**6).map(str), st.integers(0, 10**6).map("{:,}".format),
                     st.text("0123456789,", min_size=1, max_size=12))
_header_line = st.one_of(
    st.just(""),
    st.sampled_from(["CV", "LG", "AI", "Dhruv Mahajan", "S. Sathiya Keerthi"]),
    _numbers.map("h-index{}".format),
    _numbers.map("{}papers".format),
    _numbers.map("{}citations".format),
    _numbers.map("Novelty{}%".format),
    _numbers.map("AI Score{}".format),
    _numbers.map("{} Papers".format),
)
_paper_header = st.builds(
    "{}{} {}, {}{}".format,
    st.one_of(st.sampled_from(["CV", "LG", "AI", "CL", "ML", "QQ"]),
              st.from_regex(r"[A-Z][A-Za-z.\-]{0,16}", fullmatch=True)),
    st.sampled_from(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]),
    st.integers(0, 99),
    st.integers(0, 9999).map("{:04d}".format),
    st.sampled_from(["", "Code"]),
)
_author_line = st.lists(st.text(min_size=0, max_size=20), max_size=4).map(", ".join).flatmap(
    lambda a: st.sampled_from([a, a + " et al.", a + " · meta-ai", a + " et al. · x, y"]))
_any_line = st.one_of(st.text(max_size=60), st.sampled_from([
    "CVCode", "CV", "Jan 4, 2023Code", "LGMay 2023", "XX Jan 4, 2023 Code", "\u00b7", " \u00b7 , ,",
    "Ann Bee et al. \u00b7", '"} ; DROP ALL ; #', "\ufeff\u200b\u200e", "\x00\x1b[2J", "\u2028"]))
_page = st.lists(st.one_of(_header_line, _paper_header, _author_line, _any_line), max_size=40).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda sep: sep.join(lines)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_page)
@example(text=MINIMAL)
@example(text="A\n\nh-index" + "9" * 5000)
@example(text="A\n\n" + "9" * 5000 + " Papers")
@example(text="A\n\nCVFeb 29, 2021\nT\n")
@example(text="A\n\nCVJan 1, 0000\nT\n")
@example(text="CVJan 1, 2020\nT\n")
def test_reader_returns_profile_or_raises_profile_error(text: str) -> None:
    try:
        result = read_text(text, source="random.txt")
    except ProfileError as exc:
        assert exc.path == "random.txt"
        return
    assert isinstance(result, Profile)
    assert result.name == clean_text(result.name) != ""
    # Read line by line, as a file is streamed, the page gives the same records.
    assert parse_lines(text.splitlines(keepends=True), "random.txt").profile() == result
