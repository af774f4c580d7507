"""The artifact commands of the CLI, run as a user runs them: ``python -m kg extract | eval | explain``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kg.evaluate import evaluate_paths
from kg.explain import explain
from kg.store import GraphStore

# The same file as conftest's GOLD (conftest is not importable under --import-mode=importlib).
GOLD = Path(__file__).resolve().parent / "gold" / "dhruv-mahajan.jsonl"

RECORD_KEYS = {"source", "line", "title", "date", "category", "has_code_flag", "authors", "et_al",
               "org_tags", "code_urls", "artifacts"}
ARTIFACT_KEYS = {"name", "type", "role", "evidence", "start", "end", "rule", "confidence"}


def kg(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    environment = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    environment.update({"PYTHONUTF8": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=environment, timeout=120)


def test_cli_extract_prints_one_record_per_paper_and_writes_no_store(sample, tmp_path):
    env_store = tmp_path / "env-store"
    work = tmp_path / "work"
    work.mkdir()
    done = kg("extract", str(sample), cwd=work, env={"KG_STORE": str(env_store)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 37
    records = [json.loads(line) for line in lines]
    for record in records:
        assert set(record) == RECORD_KEYS, record["line"]
        assert isinstance(record["authors"], list) and isinstance(record["artifacts"], list)
        for artifact in record["artifacts"]:
            assert set(artifact) == ARTIFACT_KEYS, artifact
            assert artifact["role"] in ("released", "used")
            assert 0 < artifact["confidence"] <= 1
            assert artifact["start"] < artifact["end"]
    # The records are the reader's papers in order, and the artifacts are really there.
    assert [r["line"] for r in records] == sorted(r["line"] for r in records)
    assert records[0]["title"] == "PACO: Parts and Attributes of Common Objects"
    assert {a["name"] for a in records[0]["artifacts"]} >= {"PACO", "LVIS", "Ego4D"}
    assert sum(len(r["artifacts"]) for r in records) >= 40
    # No store anywhere: not in the working folder, not where KG_STORE points.
    assert list(work.iterdir()) == []
    assert not env_store.exists()


def test_cli_eval_reports_the_scores_as_json(sample):
    done = kg("eval", str(GOLD), str(sample), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= {"scores", "type_accuracy", "misses", "false_hits", "wrong_types"}
    expected = evaluate_paths(GOLD, [sample])
    for role in ("released", "used"):
        score = report["scores"][f"{role}/all"]
        assert score["f1"] == round(expected.score(role).f1, 4)
        assert (score["tp"], score["fp"], score["fn"]) == (
            expected.score(role).tp, expected.score(role).fp, expected.score(role).fn)
    assert report["type_accuracy"] == round(expected.type_accuracy, 4)
    assert report["scores"]["released/all"]["f1"] >= 0.90
    assert report["scores"]["used/all"]["f1"] >= 0.85


def test_cli_eval_without_a_matching_paper_fails_in_one_line(tmp_path, sample):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"line": 99999, "title": "x", "released": [], "used": []}) + "\n",
                    encoding="utf-8")
    done = kg("eval", str(gold), str(sample), "--json")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "error" in done.stderr and "gold" in done.stderr


def test_cli_explain_shows_artifact_and_evidence_sentence(built_store_dir):
    done = kg("explain", "PACO", "--store", str(built_store_dir))
    assert done.returncode == 0, done.stderr
    assert "PACO: Parts and Attributes of Common Objects" in done.stdout
    assert "introduces PACO (dataset)" in done.stdout
    with GraphStore.open(built_store_dir, read_only=True) as store:
        findings = explain(store, "PACO")
    assert {f.artifact for f in findings} >= {"PACO", "LVIS", "Ego4D"}
    for f in findings:
        assert f.sentence in done.stdout  # each evidence sentence, whole, match included
    assert ("It spans 75 object categories, 456 object-part categories and 55 attributes across "
            "image (LVIS) and video (Ego4D) datasets.") in done.stdout
