"""Shared fixtures: the bundled sample, and a real on-disk Oxigraph store built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build import build
from kg.demo import sample_path
from kg.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold" / "dhruv-mahajan.jsonl"


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
