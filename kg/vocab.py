"""The RDF terms the data uses, named once.

Our own terms live under :data:`KG`; each is declared with a label and a
comment in ``ontology/scholar-kg.ttl`` and aligned there to schema.org,
FaBiO, DCTerms, FOAF, PROV-O and SKOS. A test checks that every term the
extractors produce is declared.

>>> KG.Paper.value
'https://w3id.org/scholar-kg/ontology#Paper'
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from .iris import ONTOLOGY


class Namespace:
    """Attribute access to the IRIs of one namespace: ``SKOS.prefLabel``."""

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        node = NamedNode(self.iri + name)
        setattr(self, name, node)  # made once: the extractors ask for the same terms all the time
        return node

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.iri + name)


KG = Namespace(ONTOLOGY)
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SCHEMA = Namespace("https://schema.org/")
FABIO = Namespace("http://purl.org/spar/fabio/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
SH = Namespace("http://www.w3.org/ns/shacl#")

TYPE = RDF.type

PREFIXES = {
    "kg": ONTOLOGY,
    "rdf": RDF.iri,
    "rdfs": RDFS.iri,
    "xsd": XSD.iri,
    "skos": SKOS.iri,
    "prov": PROV.iri,
    "dcterms": DCTERMS.iri,
    "foaf": FOAF.iri,
    "schema": SCHEMA.iri,
    "fabio": FABIO.iri,
    "dcat": DCAT.iri,
    "owl": OWL.iri,
}
