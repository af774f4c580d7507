"""Extractors: profile records -> RDF triples, in one explicit registry.

An :class:`Extractor` is a plain callable over a whole profile (so an
extractor that needs spaCy can batch its papers through ``nlp.pipe``) plus the
ontology terms it may produce; a test checks each term is declared in the
ontology. :data:`EXTRACTORS` is the registry, in the order they run; the
build stage runs every one of them and puts what they yield in the source's
named graph.

>>> [e.name for e in EXTRACTORS]
['profile', 'paper', 'authors', 'org-tags', 'category', 'links', 'artifacts']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from .iris import Minter, name_key, repository_url, safe_iri
from .reader import Paper, Profile, ReadWarning
from .vocab import KG, RDFS, SKOS, TYPE, XSD

#: Category codes as the source site writes them -> arXiv taxonomy (notation, label).
ARXIV_CATEGORIES: dict[str, tuple[str, str]] = {
    "CV": ("cs.CV", "Computer Vision and Pattern Recognition"),
    "LG": ("cs.LG", "Machine Learning"),
    "AI": ("cs.AI", "Artificial Intelligence"),
    "CL": ("cs.CL", "Computation and Language"),
    "ML": ("stat.ML", "Machine Learning (Statistics)"),
    "IR": ("cs.IR", "Information Retrieval"),
    "RO": ("cs.RO", "Robotics"),
    "NE": ("cs.NE", "Neural and Evolutionary Computing"),
    "DC": ("cs.DC", "Distributed, Parallel, and Cluster Computing"),
    "CR": ("cs.CR", "Cryptography and Security"),
    "HC": ("cs.HC", "Human-Computer Interaction"),
    "MM": ("cs.MM", "Multimedia"),
    "DB": ("cs.DB", "Databases"),
    "DS": ("cs.DS", "Data Structures and Algorithms"),
    "SE": ("cs.SE", "Software Engineering"),
    "SD": ("cs.SD", "Sound"),
    "GR": ("cs.GR", "Graphics"),
    "SI": ("cs.SI", "Social and Information Networks"),
    "IT": ("cs.IT", "Information Theory"),
    "AS": ("eess.AS", "Audio and Speech Processing"),
    "IV": ("eess.IV", "Image and Video Processing"),
    "SY": ("eess.SY", "Systems and Control"),
}

URL = re.compile(r"https?://[^\s<>\"'`{}|\\^]+", re.IGNORECASE)


def find_urls(text: str) -> list[str]:
    """URLs in running text, without the sentence's closing punctuation.

    >>> find_urls("Code at https://github.com/a/b. And (see http://x.org/y).")
    ['https://github.com/a/b', 'http://x.org/y']
    """
    return list(_urls(text))


@lru_cache(maxsize=1024)  # each paper's abstract is read by several extractors
def _urls(text: str) -> tuple[str, ...]:
    urls = []
    for m in URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        while url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1].rstrip(".,;:!?")
        urls.append(url)
    return tuple(urls)


def code_urls(paper: Paper) -> list[str]:
    """The canonical code-repository URLs a paper's abstract names, in order, once each."""
    seen: dict[str, None] = {}
    for url in find_urls(paper.abstract):
        repo = repository_url(url)
        if repo:
            seen.setdefault(repo)
    return list(seen)


def as_line(subject: NamedNode | BlankNode, predicate: NamedNode,
            obj: NamedNode | BlankNode | Literal) -> str:
    """A triple as its line of N-Triples without the closing " .": ``str(Triple(...))``
    made in half the time (a pyoxigraph Triple copies its three terms first). Unlike
    ``Triple``, it does not check the terms' kinds (a literal subject makes a line the
    store's loader refuses)."""
    return f"{subject} {predicate} {obj}"


@dataclass
class Context:
    """What every extractor may use: the IRI minter, a place to put warnings, and how to
    make a triple from three pyoxigraph terms: a pyoxigraph ``Triple``, or where only its
    text is wanted (a build), :func:`as_line`. An extractor yields what ``triple`` makes (the
    tests run every extractor with ``Triple``, which checks the terms' kinds)."""

    minter: Minter
    warnings: list[ReadWarning] = field(default_factory=list)
    triple: Callable[[NamedNode | BlankNode, NamedNode, NamedNode | BlankNode | Literal],
                     Triple | str] = Triple


ExtractFn = Callable[[Profile, Context], Iterator[Triple | str]]


@dataclass(frozen=True)
class Extractor:
    """A named step that turns a profile into triples using only the terms it declares."""

    name: str
    description: str
    produces: frozenset[NamedNode]
    run: ExtractFn

    def __call__(self, profile: Profile, context: Context) -> Iterator[Triple | str]:
        return self.run(profile, context)


def _lit(value: object, datatype: NamedNode | None = None) -> Literal:
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, int):
        return Literal(str(value), datatype=XSD.integer)
    if datatype is not None:
        return Literal(str(value), datatype=datatype)
    return Literal(str(value))


def paper_iri(paper: Paper, minter: Minter) -> NamedNode:
    return minter.paper(paper.title, paper.date.isoformat())


def extract_profile(profile: Profile, ctx: Context) -> Iterator[Triple | str]:
    t = ctx.triple
    m = ctx.minter
    node = m.profile(profile.source)
    person = m.person(profile.name)
    yield t(node, TYPE, KG.Profile)
    yield t(node, KG.about, person)
    yield t(node, KG.sourceDocument, _lit(profile.source))
    yield t(person, TYPE, KG.Person)
    yield t(person, KG.name, _lit(profile.name))
    figures = {
        KG.hIndex: profile.h_index, KG.declaredPaperCount: profile.paper_count,
        KG.citationCount: profile.citations, KG.noveltyPercent: profile.novelty_percent,
        KG.aiScore: profile.ai_score,
        KG.listedPaperCount: len(profile.papers) if profile.listed_papers is None else profile.listed_papers,
    }
    for predicate, value in figures.items():
        if value is not None:
            yield t(node, predicate, _lit(value))
    if profile.primary_category:
        yield t(node, KG.primaryCategory, _category(profile.primary_category, m))
    for paper in profile.papers:
        yield t(node, KG.lists, paper_iri(paper, m))


def extract_paper(profile: Profile, ctx: Context) -> Iterator[Triple | str]:
    t = ctx.triple
    for paper in profile.papers:
        node = paper_iri(paper, ctx.minter)
        yield t(node, TYPE, KG.Paper)
        yield t(node, KG.title, _lit(paper.title))
        yield t(node, KG.publicationDate, _lit(paper.date.isoformat(), XSD.date))
        yield t(node, KG.hasCodeFlag, _lit(paper.has_code_flag))
        yield t(node, KG.sourceLine, _lit(paper.line))
        if paper.abstract:
            yield t(node, KG.abstract, _lit(paper.abstract))


def extract_authors(profile: Profile, ctx: Context) -> Iterator[Triple | str]:
    t = ctx.triple
    m = ctx.minter
    owner_key = name_key(profile.name)
    owner = m.person(profile.name)
    named: set[str] = set()  # each spelling of a co-author's name said once, not once per paper
    for paper in profile.papers:
        node = paper_iri(paper, m)
        yield t(node, KG.authorListTruncated, _lit(paper.et_al))
        yield t(node, KG.listedAuthorCount, _lit(len(paper.authors)))
        for position, name in enumerate(paper.authors, 1):
            person = m.person(name)
            role = m.authorship(node, position)
            if name not in named:
                named.add(name)
                yield t(person, TYPE, KG.Person)
                yield t(person, KG.name, _lit(name))
            yield t(node, KG.hasAuthor, person)
            yield t(node, KG.authorship, role)
            yield t(role, TYPE, KG.Authorship)
            yield t(role, KG.author, person)
            yield t(role, KG.position, _lit(position))
            yield t(role, KG.nameAsWritten, _lit(name))
        if owner_key not in {name_key(a) for a in paper.authors}:
            role = m.authorship(node, None, profile.name)
            yield t(node, KG.hasAuthor, owner)
            yield t(node, KG.authorship, role)
            yield t(role, TYPE, KG.Authorship)
            yield t(role, KG.author, owner)
            yield t(role, KG.fromProfileListing, _lit(True))
            yield t(role, KG.nameAsWritten, _lit(profile.name))


def extract_org_tags(profile: Profile, ctx: Context) -> Iterator[Triple | str]:
    t = ctx.triple
    said: set[str] = set()  # each tag said once, not once per paper
    for paper in profile.papers:
        node = paper_iri(paper, ctx.minter)
        for tag in paper.org_tags:
            tag_node = ctx.minter.org_tag(tag)
            if tag not in said:
                said.add(tag)
                yield t(tag_node, TYPE, KG.OrganisationTag)
                yield t(tag_node, SKOS.prefLabel, _lit(tag))
            yield t(node, KG.organisationTag, tag_node)


def _category(code: str, m: Minter) -> NamedNode:
    notation = ARXIV_CATEGORIES.get(code, (code, code))[0]
    return m.category(notation)


def extract_category(profile: Profile, ctx: Context) -> Iterator[Triple | str]:
    t = ctx.triple
    m = ctx.minter
    scheme = m.category_scheme()
    codes = {p.category: p.line for p in reversed(profile.papers)}
    if profile.primary_category:
        codes.setdefault(profile.primary_category, None)
    yield t(scheme, TYPE, SKOS.ConceptScheme)
    yield t(scheme, SKOS.prefLabel, _lit("arXiv subject categories"))
    for code, line in sorted(codes.items(), key=lambda item: item[1] or 0):  # as the page reads
        node = _category(code, m)
        known = code in ARXIV_CATEGORIES
        notation, label = ARXIV_CATEGORIES.get(code, (code, code))
        if not known:
            ctx.warnings.append(ReadWarning(
                profile.source, line,
                f"unknown category {code!r} kept as written (known: {', '.join(ARXIV_CATEGORIES)})"))
        yield t(node, TYPE, KG.Category)
        yield t(node, SKOS.inScheme, scheme)
        yield t(node, SKOS.notation, _lit(notation))
        yield t(node, SKOS.prefLabel, _lit(label))
        yield t(node, KG.codeAsWritten, _lit(code))
        yield t(node, KG.inArxivTaxonomy, _lit(known))
    for paper in profile.papers:
        yield t(paper_iri(paper, m), KG.category, _category(paper.category, m))


def extract_links(profile: Profile, ctx: Context) -> Iterator[Triple | str]:
    t = ctx.triple
    for paper in profile.papers:
        node = paper_iri(paper, ctx.minter)
        for url in find_urls(paper.abstract):
            yield t(node, KG.mentionsUrl, NamedNode(safe_iri(url)))
        for repo in code_urls(paper):
            repo_node = NamedNode(safe_iri(repo))
            yield t(repo_node, TYPE, KG.CodeRepository)
            yield t(repo_node, RDFS.label, _lit(repo.removeprefix("https://github.com/")))
            yield t(node, KG.hasCodeRepository, repo_node)


def _artifacts(profile: Profile, ctx: Context) -> Iterator[Triple | str]:
    from .artifacts import artifact_triples  # spaCy loads only when artifacts are mined

    return artifact_triples(profile, ctx)


def _terms(*names: str) -> frozenset[NamedNode]:
    return frozenset(KG[n] if ":" not in n else _EXTERNAL[n] for n in names)


_EXTERNAL = {"rdf:type": TYPE, "skos:prefLabel": SKOS.prefLabel, "skos:notation": SKOS.notation,
             "skos:inScheme": SKOS.inScheme, "skos:ConceptScheme": SKOS.ConceptScheme,
             "rdfs:label": RDFS.label, "skos:altLabel": SKOS.altLabel}

EXTRACTORS: tuple[Extractor, ...] = (
    Extractor("profile", "the profile page's header figures, about its person",
              _terms("rdf:type", "Profile", "about", "sourceDocument", "Person", "name", "hIndex",
                     "declaredPaperCount", "citationCount", "noveltyPercent", "aiScore",
                     "listedPaperCount", "primaryCategory", "lists"),
              extract_profile),
    Extractor("paper", "title, date, abstract, code flag and line of each paper",
              _terms("rdf:type", "Paper", "title", "publicationDate", "hasCodeFlag", "sourceLine",
                     "abstract"),
              extract_paper),
    Extractor("authors", "authors in order, the et-al flag and the profile's owner",
              _terms("rdf:type", "Person", "name", "hasAuthor", "authorship", "Authorship", "author",
                     "position", "nameAsWritten", "fromProfileListing", "authorListTruncated",
                     "listedAuthorCount"),
              extract_authors),
    Extractor("org-tags", "the source site's organisation tags on each paper",
              _terms("rdf:type", "OrganisationTag", "skos:prefLabel", "organisationTag"),
              extract_org_tags),
    Extractor("category", "the paper's category as a SKOS concept in the arXiv taxonomy",
              _terms("rdf:type", "Category", "skos:ConceptScheme", "skos:prefLabel", "skos:inScheme",
                     "skos:notation", "codeAsWritten", "inArxivTaxonomy", "category"),
              extract_category),
    Extractor("links", "URLs in the abstract; GitHub ones as code repositories",
              _terms("rdf:type", "mentionsUrl", "CodeRepository", "rdfs:label", "hasCodeRepository"),
              extract_links),
    Extractor("artifacts", "datasets, models, methods, benchmarks and software released or used",
              _terms("rdf:type", "Artifact", "Dataset", "Benchmark", "Model", "Method", "Software",
                     "rdfs:label", "skos:altLabel", "introduces", "uses", "releasesArtifact",
                     "ArtifactMention", "mentionOf", "inPaper", "role", "evidenceText",
                     "evidenceField", "startOffset", "endOffset", "rule", "confidence",
                     "extractedBy", "Extractor", "matchedText"),
              _artifacts),
)


def get_extractor(name: str) -> Extractor:
    for extractor in EXTRACTORS:
        if extractor.name == name:
            return extractor
    raise KeyError(f"no extractor {name!r}; available: {', '.join(e.name for e in EXTRACTORS)}")


def paper_records(profile: Profile) -> list[dict[str, object]]:
    """Each paper as the plain record ``kg extract`` prints (the contract for other tools)."""
    from .artifacts import find_in_papers

    findings = find_in_papers([(p.title, p.abstract) for p in profile.papers])
    return [{
        "source": paper.source,
        "line": paper.line,
        "title": paper.title,
        "date": paper.date.isoformat(),
        "category": paper.category,
        "has_code_flag": paper.has_code_flag,
        "authors": list(paper.authors),
        "et_al": paper.et_al,
        "org_tags": list(paper.org_tags),
        "code_urls": code_urls(paper),
        "artifacts": [f.as_json() for f in sorted(found, key=lambda f: (f.field != "title", f.start))],
    } for paper, found in zip(profile.papers, findings)]
