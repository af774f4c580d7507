"""Reading SPARQL text without parsing it: where its code is, apart from strings, IRIs and
comments.

>>> mask('SELECT ?s WHERE { ?s <http://e/#x> "a } # b" } # GRAPH ?g')
'SELECT ?s WHERE { ?s                         }           '
"""

from __future__ import annotations

import re

_IRI = re.compile(r"<[^\s<>\"{}|^`\\]*>")


def mask(text: str) -> str:
    """``text`` with every string, IRI and comment blanked out (same length, so positions
    found in the mask hold in the text)."""
    out = list(text)
    i, n = 0, len(text)

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif c == "<" and (m := _IRI.match(text, i)):
            blank(i, m.end())
            i = m.end()
        elif c in "\"'":
            quote3 = text[i:i + 3]
            if quote3 in ('"""', "'''"):
                j = i + 3
                while j < n and text[j:j + 3] != quote3:
                    j += 2 if text[j] == "\\" else 1
                end = min(j + 3, n)
            else:
                j = i + 1
                while j < n and text[j] != c and text[j] != "\n":
                    j += 2 if text[j] == "\\" else 1
                end = min(j + 1, n)
            blank(i, end)
            i = end
        else:
            i += 1
    return "".join(out)
