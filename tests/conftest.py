"""Shared fixtures: the bundled sample, and a real on-disk Oxigraph store built from it."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from kg.build import build
from kg.demo import sample_path
from kg.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold" / "dhruv-mahajan.jsonl"


@pytest.fixture
def hears_ctrl_c():
    """Ctrl-C (SIGINT) raises KeyboardInterrupt in this process during the test, as it does at
    a terminal, whatever the test runner set (run in the background, it is ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="session")
def sample() -> Path:
    """The sample profile page shipped in the package."""
    return sample_path()


@pytest.fixture(scope="session")
def built_store_dir(tmp_path_factory: pytest.TempPathFactory, sample: Path) -> Path:
    """A store folder holding the sample, built once per test session (read it, don't write)."""
    location = tmp_path_factory.mktemp("sample-store") / "store"
    with GraphStore.open(location) as store:
        build([sample], store)
    return location


@pytest.fixture()
def sample_store(built_store_dir: Path):
    """The sample's store, opened read-only."""
    with GraphStore.open(built_store_dir, read_only=True) as store:
        yield store


@pytest.fixture()
def fresh_store(tmp_path: Path):
    """An empty on-disk store, writable."""
    with GraphStore.open(tmp_path / "store") as store:
        yield store


# -- a real browser, for the pages people look at (kg viz, kg report) -------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


class WatchedPage:
    """A playwright page with every request, console error, page error and dialog recorded."""

    def __init__(self, page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture(scope="module")
def chromium():
    """Headless Debian Chromium driven by the playwright package, one per test module (two
    playwright drivers cannot run at once)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def watched_page(chromium):
    """A factory: ``watched_page(path, width=1400, height=900)`` opens a local file, watched."""
    opened: list[WatchedPage] = []

    def open_page(path: Path, width: int = 1400, height: int = 900) -> WatchedPage:
        watched = WatchedPage(chromium.new_page(viewport={"width": width, "height": height}))
        opened.append(watched)
        watched.page.goto(Path(path).as_uri())
        return watched

    yield open_page
    for watched in opened:
        watched.page.close()
