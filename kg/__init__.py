"""scholar-kg: researcher-profile pages in, a knowledge graph out.

The pipeline, one module a stage::

    reader   profile text -> Profile / Paper records (with line numbers)
    extract  records -> RDF triples, by the extractors in one registry
    iris     stable IRIs for people, papers, tags, categories, artifacts
    store    one named graph per source in an on-disk Oxigraph store
    query | export | viz | analyze | report   what people use

``import kg`` stays quick: spaCy and pyvis load only when they are used.
"""

from .errors import KgError

__version__ = "0.1.0"
__all__ = ["KgError", "__version__"]
