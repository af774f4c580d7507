"""The one family of errors scholar-kg raises.

Everything a user can cause ends up as a subclass of :class:`KgError`; the CLI
catches that base once, prints one line and exits with the error's ``exit_code``.
Errors from pyoxigraph, spaCy or the file system are re-raised as ours at the
module boundary (``raise ... from exc``)::

    KgError                      exit 1 unless said otherwise
    ├── InputError               bad input: a profile page, a gold file, a parameter
    │   └── ProfileError         a profile page that cannot be read (file, line)
    ├── QueryError               a bad or unknown query (names the query)
    ├── StoreError               exit 2: the store cannot be opened, read or written
    │   └── StoreLockedError     exit 2: another process is writing the store
    └── EnvironmentProblem       exit 2: a missing dependency or pipeline

Exit codes of the ``kg`` command (``kg.cli.main``): 0 ok; 1 the user's input (a bad
page, option, query or parameter; a usage error); 2 the store or the machine (a locked
or missing store, a file that cannot be written, no memory); 3 a bug (``--debug``
shows its traceback); 130 interrupted. Every error prints one line.

>>> str(ProfileError("bad date", path="a.txt", line=12))
'a.txt:12: bad date'
"""

from __future__ import annotations


class KgError(Exception):
    """Base of every error scholar-kg raises on purpose."""

    exit_code = 1


class InputError(KgError):
    """The user's input (a file, an option, a parameter) is wrong."""


class ProfileError(InputError):
    """A profile page that cannot be read; carries the file and the line."""

    def __init__(self, message: str, *, path: str = "<stdin>", line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # whole across processes: a build's workers raise it
        return _profile_error, (self.message, self.path, self.line)


def _profile_error(message: str, path: str, line: int | None) -> ProfileError:
    return ProfileError(message, path=path, line=line)


class QueryError(KgError):
    """A query that does not exist, does not parse, or lacks a parameter."""


class StoreError(KgError):
    """The store cannot be opened, read or written."""

    exit_code = 2


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""


class EnvironmentProblem(KgError):
    """Something the machine lacks: a package, a spaCy pipeline, a browser."""

    exit_code = 2
