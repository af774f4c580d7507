"""IRIs: one name, one IRI, across spellings, runs and profiles; always valid IRIs."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode
from rdflib import Graph, Literal, URIRef

from kg.iris import DEFAULT_BASE, Minter, repository_url, safe_iri

M = Minter()


@pytest.mark.parametrize("spelling", [
    "S. Sathiya Keerthi",
    "S  Sathiya   Keerthi",
    " S Sathiya Keerthi ",
    "S.\u00a0Sathiya Keerthi",
    "S Sathiya\u200b Keerthi",
    "s sathiya keerthi",
])
def test_iris_same_person_across_spellings(spelling: str) -> None:
    assert M.person(spelling) == M.person("S Sathiya Keerthi")


def test_iris_same_person_nfc_and_nfd() -> None:
    nfc = "Micha\u0142 Derezi\u0144ski"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert M.person(nfd) == M.person(nfc)
    assert M.person("Herv\u00e9 J\u00e9gou") == M.person("Herve\u0301 Je\u0301gou")


def test_iris_different_people_stay_apart() -> None:
    assert M.person("I. Zeki Yalniz") != M.person("Zeki Yalniz")
    assert M.person("Micha\u0142 Derezi\u0144ski") != M.person("Michal Derezinski")
    assert M.person("Dhruv Mahajan") != M.person("Dhruv Mahajan Jr")


@pytest.mark.parametrize("variant", [
    "PACO: Parts and Attributes of Common Objects",
    "paco: parts and attributes of common objects",
    "PACO - Parts and Attributes of Common Objects.",
    "PACO:  Parts and Attributes  of Common\u00a0Objects",
    "PACO \u2014 Parts, and Attributes, of Common Objects!",
])
def test_iris_same_paper_across_case_and_punctuation(variant: str) -> None:
    reference = M.paper("PACO: Parts and Attributes of Common Objects", "2023-01-04")
    assert M.paper(variant, "2023-01-04") == reference


def test_iris_different_dates_give_different_papers() -> None:
    title = "PACO: Parts and Attributes of Common Objects"
    assert M.paper(title, "2023-01-04") != M.paper(title, "2023-01-05")


def test_iris_different_titles_give_different_papers() -> None:
    assert M.paper("Emu", "2023-09-27") != M.paper("Emu 2", "2023-09-27")


def test_iris_configurable_base(monkeypatch: pytest.MonkeyPatch) -> None:
    custom = Minter("https://example.org/kg/")
    assert custom.person("Dhruv Mahajan").value == "https://example.org/kg/person/dhruv-mahajan"
    assert custom.paper("PACO", "2023-01-04").value.startswith("https://example.org/kg/paper/")
    assert M.person("Dhruv Mahajan").value.startswith(DEFAULT_BASE)
    monkeypatch.setenv("KG_BASE_IRI", "urn:test:")
    assert Minter.from_env().person("Dhruv Mahajan").value == "urn:test:person/dhruv-mahajan"
    monkeypatch.delenv("KG_BASE_IRI")
    assert Minter.from_env().base == DEFAULT_BASE


def test_iris_kinds_do_not_collide() -> None:
    iris = {M.person("cs.CV"), M.category("cs.CV"), M.org_tag("cs.CV"), M.artifact("cs.CV"),
            M.profile("cs.CV"), M.source("cs.CV")}
    assert len(iris) == 6


def _assert_valid_and_portable(iri: NamedNode) -> None:
    # pyoxigraph validates on construction: rebuilding from the text must not raise.
    assert NamedNode(iri.value) == iri
    g = Graph()
    g.add((URIRef(iri.value), URIRef("https://example.org/p"), Literal("x")))
    back = Graph().parse(data=g.serialize(format="nt"), format="nt")
    assert {str(s) for s in back.subjects()} == {iri.value}


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_iris_person_is_valid_and_stable(name: str) -> None:
    first = M.person(name)
    _assert_valid_and_portable(first)
    assert Minter().person(name) == first


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_iris_paper_is_valid_and_stable(title: str) -> None:
    first = M.paper(title, "2020-01-01")
    _assert_valid_and_portable(first)
    assert Minter().paper(title, "2020-01-01") == first


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text("abcdefghijklmnopqrstuvwxyz\u00e9\u0142", min_size=1, max_size=8),
                min_size=1, max_size=4))
def test_iris_initials_with_or_without_dots_are_one_person(words: list[str]) -> None:
    dotted = " ".join(f"{w[0].upper()}." if len(w) == 1 else w.capitalize() for w in words)
    plain = " ".join(w[0].upper() if len(w) == 1 else w.capitalize() for w in words)
    assert M.person(dotted) == M.person(plain)


@pytest.mark.parametrize("url, canonical", [
    ("https://github.com/facebookresearch/paco", "https://github.com/facebookresearch/paco"),
    ("https://github.com/facebookresearch/paco.", "https://github.com/facebookresearch/paco"),
    ("http://github.com/facebookresearch/paco", "https://github.com/facebookresearch/paco"),
    ("https://www.github.com/facebookresearch/paco/", "https://github.com/facebookresearch/paco"),
    ("https://github.com/facebookresearch/paco.git", "https://github.com/facebookresearch/paco"),
    ("https://github.com/facebookresearch/nbm-spam/tree/main/src",
     "https://github.com/facebookresearch/nbm-spam"),
    # GitHub ignores case, so the canonical form is case-folded: one node per repository.
    ("https://github.com/xavierohan/AdaClust_DomainBed", "https://github.com/xavierohan/adaclust_domainbed"),
    # Host names ignore case too.
    ("https://GitHub.com/FacebookResearch/PACO", "https://github.com/facebookresearch/paco"),
    ("  https://github.com/a/b.c  ", "https://github.com/a/b.c"),
])
def test_iris_repository_url_normalises(url: str, canonical: str) -> None:
    assert repository_url(url) == canonical


@pytest.mark.parametrize("url", [
    "https://github.com/features",
    "https://github.com/",
    "https://gitlab.com/a/b",
    "https://example.org/github.com/a/b",
    "https://github.com/owner/.git",
    "not a url",
])
def test_iris_repository_url_rejects_non_repositories(url: str) -> None:
    assert repository_url(url) is None


def test_iris_safe_iri_escapes_quotes() -> None:
    iri = safe_iri('https://example.org/a"b\'c <d> {e}|f`g^h\\i')
    assert '"' not in iri and "<" not in iri and " " not in iri and "\\" not in iri
    assert "%22" in iri
    assert NamedNode(iri).value == iri


def test_iris_safe_iri_keeps_good_urls() -> None:
    url = "https://github.com/facebookresearch/paco?tab=readme#usage"
    assert safe_iri(url) == url


@pytest.mark.parametrize("url", [
    "https://example.org/save-50%-now",       # a '%' not followed by two hex digits
    "https://example.org/a%2",
    "http://[oops/",                           # an unclosed IPv6 bracket
    "https://example.org:port/path",           # a port that is not a number
])
def test_iris_safe_iri_always_gives_a_valid_iri(url: str) -> None:
    # safe_iri turns URLs found in abstracts into IRIs; whatever the text, it must give an
    # IRI pyoxigraph accepts (or raise one of our errors), never crash the build.
    iri = safe_iri(url)
    assert NamedNode(iri).value == iri
