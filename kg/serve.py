"""Serve the local store over HTTP with the real Oxigraph server (``kg serve``).

:func:`start` runs ``oxigraph serve --location STORE --bind HOST:PORT`` (or
``serve-read-only``) from the ``oxigraph`` package on PyPI, waits until it answers and
returns a :class:`Server`; :meth:`Server.stop` ends it. :func:`serve_until_stopped` is
``kg serve``: start, announce, wait for Ctrl-C, stop. The server speaks the SPARQL
1.1 Protocol at ``/query`` and ``/update``, the Graph Store Protocol at ``/store``, and
shows a query page at ``/``. The store keeps the union of its sources, each triple once,
in its default graph, which a query sees unless it says otherwise; ``GRAPH ?g`` sees each
source. (A store written by an earlier version keeps it in the named graph
:data:`kg.store.UNION`: ask with ``FROM <urn:x-scholar-kg:union>``, or with ``kg query
--endpoint``, which does it for you.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .errors import EnvironmentProblem, StoreError

DEFAULT_PORT = 7878


def oxigraph_binary() -> str:
    """The ``oxigraph`` command: ``KG_OXIGRAPH`` if set, else the one installed beside this
    Python (``pip install oxigraph``), else the first on ``PATH``."""
    configured = os.environ.get("KG_OXIGRAPH")
    if configured:
        if shutil.which(configured) is None:
            raise EnvironmentProblem(f"KG_OXIGRAPH={configured} is not an executable file")
        return configured
    beside = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise EnvironmentProblem("the Oxigraph server is not installed: pip install oxigraph "
                                 "(or set KG_OXIGRAPH to its binary)")
    return found


@dataclass
class Server:
    """A running Oxigraph server over a store."""

    process: subprocess.Popen[bytes]
    location: str
    host: str
    port: int
    read_only: bool
    log: IO[bytes] = field(repr=False)

    @property
    def url(self) -> str:
        """The server's base URL (its query page); ``kg query --endpoint`` takes it."""
        return _base_url(self.host, self.port)

    @property
    def query_url(self) -> str:
        return f"{self.url}/query"

    def wait(self) -> int:
        """Wait until the server ends; returns its exit code."""
        return self.process.wait()

    def stop(self, timeout: float = 10.0) -> None:
        """End the server (it keeps nothing in memory: the store is on disk)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def log_text(self) -> str:
        """What the server has written to its output so far."""
        self.log.flush()
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace")
        self.log.seek(0, os.SEEK_END)
        return text

    def message(self) -> str:
        """The server's error line, without its backtrace (why it stopped, when it did)."""
        lines = [ln.strip() for ln in self.log_text().splitlines() if ln.strip()]
        errors = [ln.removeprefix("Error:").strip() for ln in lines if ln.startswith("Error:")]
        return errors[-1] if errors else (lines[0] if lines else "")

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(location: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          read_only: bool = False, ready_timeout: float = 30.0) -> Server:
    """Start the Oxigraph server over the store at ``location`` and wait until it answers."""
    path = Path(location)
    if not path.is_dir():
        raise StoreError(f"no store at {path}: run 'kg build' first (or pass --store)")
    command = [oxigraph_binary(), "serve-read-only" if read_only else "serve",
               "--location", str(path), "--bind", f"{host}:{port}"]
    log = tempfile.TemporaryFile()
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    except OSError as exc:
        log.close()
        raise EnvironmentProblem(f"cannot run {command[0]}: {exc}") from exc
    server = Server(process, str(path), host, port, read_only, log)
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    try:
        _wait_until_ready(server, _base_url(probe_host, port) + "/", ready_timeout)
    except BaseException:  # Ctrl-C while it starts, too: never leave a server behind
        server.stop()
        raise
    return server


def serve_until_stopped(location: str | os.PathLike[str], *, host: str = "127.0.0.1",
                        port: int = DEFAULT_PORT, read_only: bool = False,
                        announce: Callable[[Server], None] | None = None) -> None:
    """Start the server, call ``announce(server)`` once it answers, and return once Ctrl-C
    (SIGINT) or SIGTERM stops it; the server never outlives this call. A server that stops
    by itself is a :class:`~kg.errors.StoreError`."""
    import signal

    stopping = (-signal.SIGINT, -signal.SIGTERM, 130)  # Ctrl-C reaches it in a terminal too
    main = threading.current_thread() is threading.main_thread()  # only it may set handlers
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if main else None
    server: Server | None = None
    try:
        server = start(location, host=host, port=port, read_only=read_only)
        if announce is not None:
            announce(server)
        code = server.wait()
        if code not in stopping:
            raise StoreError(f"the Oxigraph server stopped by itself (exit code {code}): "
                             f"{server.message() or 'no message'}")
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.stop()
        if main:
            signal.signal(signal.SIGTERM, previous)


def _wait_until_ready(server: Server, probe: str, ready_timeout: float) -> None:
    import httpx

    process, host, port, path = server.process, server.host, server.port, server.location
    deadline = time.monotonic() + ready_timeout
    answered_since: float | None = None
    with httpx.Client(trust_env=False, timeout=1.0) as client:  # a local probe: no proxy
        while True:
            if process.poll() is not None:
                reason = server.message() or f"exit code {process.returncode}"
                if "lock" in reason.lower():
                    raise StoreError(f"cannot serve {path}: another process is writing it ({reason})")
                if "in use" in reason.lower():
                    raise StoreError(f"cannot listen on {host}:{port}: the port is in use "
                                     "(pass another --port)")
                raise StoreError(f"the Oxigraph server did not start on {host}:{port}: {reason}")
            try:
                client.get(probe)
                answered_since = answered_since or time.monotonic()
            except httpx.HTTPError:
                answered_since = None
            # Ours once it says it listens (another program could hold the port and answer).
            if answered_since is not None and ("listening" in server.log_text().lower()
                                               or time.monotonic() - answered_since > 1.0):
                return
            if time.monotonic() > deadline:
                raise StoreError(f"the Oxigraph server did not answer on {host}:{port} "
                                 f"within {ready_timeout:g} s")
            time.sleep(0.1)


def _base_url(host: str, port: int) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"
