"""Mint every IRI of the data in one place, stably.

The same name always gives the same IRI, across runs and across profiles:
names are compared after Unicode normalisation (NFC), folding spaces and
dropping the dots after initials, so "S Sathiya Keerthi" and
"S. Sathiya Keerthi" are one person. Paths are readable ASCII slugs; when the
slug loses information (diacritics, scripts other than Latin), a short hash
of the full key keeps two different names apart.

The base IRI is configurable (``KG_BASE_IRI`` or ``Minter(base=...)``).

>>> m = Minter("https://example.org/kg/")
>>> m.person("S Sathiya Keerthi") == m.person("S. Sathiya  Keerthi")
True
>>> m.person("Michał Dereziński").value
'https://example.org/kg/person/michal-derezinski-007a3f'
>>> m.paper("PACO: Parts and Attributes of Common Objects", "2023-01-04").value
'https://example.org/kg/paper/2023-01-04-paco-parts-and-attributes-of-common-objects'
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from pyoxigraph import NamedNode

from .reader import clean_text

DEFAULT_BASE = "https://w3id.org/scholar-kg/id/"
ONTOLOGY = "https://w3id.org/scholar-kg/ontology#"

_INITIAL_DOT = re.compile(r"\b(\w)\.(?=\s|-|$|\w)")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 80


@lru_cache(maxsize=8192)  # the same names come again and again
def name_key(name: str) -> str:
    """The identity of a person's name: how two spellings are compared.

    >>> name_key("S. Sathiya Keerthi") == name_key("S Sathiya Keerthi")
    True
    >>> name_key("J.R.R. Tolkien") == name_key("J R R Tolkien")
    True
    """
    text = clean_text(name)
    text = _INITIAL_DOT.sub(r"\1 ", text)
    return " ".join(text.split()).casefold()


def title_key(title: str) -> str:
    """The identity of a title: case, punctuation and spacing do not count."""
    text = clean_text(title).casefold()
    return " ".join(re.findall(r"\w+", text))


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded.translate({ord("ł"): "l", ord("Ł"): "L", ord("ø"): "o", ord("Ø"): "O",
                             ord("đ"): "d", ord("ß"): "ss", ord("æ"): "ae", ord("œ"): "oe"})


@lru_cache(maxsize=65536)
def slug(key: str) -> str:
    """A readable, IRI-safe path segment for ``key``, with a hash when it had to drop anything.

    >>> slug("neural basis model")
    'neural-basis-model'
    >>> slug("ß") != slug("ss")
    True
    """
    base = _NON_SLUG.sub("-", _ascii(key).lower()).strip("-")
    lossless = re.fullmatch(r"[a-z0-9]+(?:[ -][a-z0-9]+)*", key) is not None
    if len(base) > _MAX_SLUG:
        base = base[:_MAX_SLUG].rstrip("-")
        lossless = False
    if lossless:
        return base
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:6]
    return f"{base}-{digest}" if base else digest


def safe_iri(url: str) -> str:
    """An IRI for any URL found in text: what an IRI may not hold is percent-encoded.

    >>> safe_iri('https://example.org/a b"<c>')
    'https://example.org/a%20b%22%3Cc%3E'
    >>> safe_iri("https://example.org/save-50%-now")
    'https://example.org/save-50%25-now'
    """
    text = url.strip()
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", text, re.DOTALL)
    scheme, rest = (m.group(1).lower(), m.group(2)) if m else ("urn", "x-text:" + text)
    rest = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", rest)
    for safe in ("/:@!$&()*+,;=-._~%?#[]", "/-._~%"):
        iri = f"{scheme}:{quote(rest, safe=safe)}"
        try:
            NamedNode(iri)
            return iri
        except ValueError:
            continue
    return f"{scheme}:{quote(rest, safe='')}"


@dataclass(frozen=True)
class Minter:
    """Mints the data's IRIs under one base."""

    base: str = DEFAULT_BASE

    @classmethod
    def from_env(cls) -> "Minter":
        return cls(os.environ.get("KG_BASE_IRI") or DEFAULT_BASE)

    def _iri(self, kind: str, segment: str) -> NamedNode:
        return _mint(self.base, kind, segment)

    def person(self, name: str) -> NamedNode:
        return _named(self.base, "person", name)

    def profile(self, source: str) -> NamedNode:
        return self._iri("profile", slug(clean_text(source)))

    def source(self, source: str) -> NamedNode:
        """The named graph that holds everything read from one source document."""
        return self._iri("source", slug(clean_text(source)))

    def paper(self, title: str, date: str) -> NamedNode:
        return _paper(self.base, title, date)

    def authorship(self, paper: NamedNode, position: int | None, person: str = "") -> NamedNode:
        """The authorship of a paper at ``position``; ``None`` for a profile's owner known
        only from the profile listing (hidden behind "et al."), one per such person."""
        if position is not None:
            return self._iri("authorship", f"{_segment(paper)}-{position}")
        return self._iri("authorship", f"{_segment(paper)}-listed-{slug(name_key(person))}")

    def org_tag(self, tag: str) -> NamedNode:
        return self._iri("org-tag", slug(clean_text(tag).casefold()))

    def category(self, notation: str) -> NamedNode:
        notation = clean_text(notation)
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-]*", notation):
            return self._iri("category", notation)
        return self._iri("category", slug(notation.casefold()))

    def category_scheme(self) -> NamedNode:
        return self._iri("scheme", "categories")

    def artifact(self, name: str) -> NamedNode:
        return _named(self.base, "artifact", name)

    def mention(self, paper: NamedNode, index: int) -> NamedNode:
        return self._iri("mention", f"{_segment(paper)}-{index}")

    def extractor(self, name: str) -> NamedNode:
        return self._iri("extractor", slug(name))


def _mint(base: str, kind: str, segment: str) -> NamedNode:
    return NamedNode(f"{base}{kind}/{segment}")


# A page's extractors mint the same papers, people and artifacts over and over: each is
# worked out once (the base is part of the key).
@lru_cache(maxsize=8192)
def _named(base: str, kind: str, name: str) -> NamedNode:
    """A person's or an artifact's IRI: by the identity of its name (:func:`name_key`)."""
    return _mint(base, kind, slug(name_key(name)))


@lru_cache(maxsize=4096)
def _paper(base: str, title: str, date: str) -> NamedNode:
    key = title_key(title)
    segment = slug(key.replace(" ", "-") if key else "untitled")
    return _mint(base, "paper", f"{date}-{segment}")


def _segment(node: NamedNode) -> str:
    return node.value.rpartition("/")[2]


def repository_url(url: str) -> str | None:
    """The canonical ``https://github.com/owner/repo`` of a GitHub URL, else None.

    >>> repository_url("https://github.com/facebookresearch/paco.")
    'https://github.com/facebookresearch/paco'
    >>> repository_url("http://www.github.com/Owner/Repo.git/tree/main")
    'https://github.com/owner/repo'
    >>> repository_url("https://github.com/features") is None
    True
    """
    m = re.match(r"^https?://(?:www\.)?github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+)", url.strip(),
                 re.IGNORECASE)
    if not m:
        return None
    owner, repo = m.group(1).lower(), m.group(2).rstrip(".").lower()  # GitHub ignores case
    if repo.endswith(".git"):
        repo = repo[:-4]
    if not repo:
        return None
    return f"https://github.com/{owner}/{repo}"
