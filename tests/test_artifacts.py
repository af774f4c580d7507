"""The artifact miner (kg.artifacts): its scores on the gold standard, its findings' evidence,
its rules on single sentences, and the artifact nodes it puts in the graph."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.artifacts import TYPES, Finding, find_artifacts, find_in_papers
from kg.evaluate import evaluate_paths
from kg.reader import read_paths

# The same file as conftest's GOLD (conftest is not importable under --import-mode=importlib).
GOLD = Path(__file__).resolve().parent / "gold" / "dhruv-mahajan.jsonl"

KG = "PREFIX kg: <https://w3id.org/scholar-kg/ontology#>\n" \
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def _papers(sample: Path):
    return [p for profile in read_paths([sample]) for p in profile.papers]


def _found(sentence: str, title: str = "") -> set[tuple[str, str, str]]:
    return {(f.name, f.type, f.role) for f in find_artifacts(sentence, title)}


def _one(sentence: str, name: str) -> Finding:
    hits = [f for f in find_artifacts(sentence) if f.name == name]
    assert len(hits) == 1, (name, find_artifacts(sentence))
    return hits[0]


# -- against the gold standard -----------------------------------------------------------------

def test_artifacts_meet_the_gold_standard_floors(sample):
    result = evaluate_paths(GOLD, [sample])
    released, used = result.score("released"), result.score("used")
    print(f"\nreleased P={released.precision:.3f} R={released.recall:.3f} F1={released.f1:.3f} "
          f"(tp {released.tp}, fp {released.fp}, fn {released.fn})")
    print(f"used     P={used.precision:.3f} R={used.recall:.3f} F1={used.f1:.3f} "
          f"(tp {used.tp}, fp {used.fp}, fn {used.fn})")
    print(f"type accuracy {result.type_accuracy:.3f} ({result.type_correct}/{result.type_matches})")
    for line in result.misses + result.false_hits + result.wrong_types:
        print("  ", line)
    assert released.tp + released.fn == 21 and used.tp + used.fn == 27  # the gold's counts
    assert released.f1 >= 0.90
    assert used.f1 >= 0.85
    assert result.type_accuracy >= 0.90


# -- every finding carries true evidence -------------------------------------------------------

def test_artifacts_findings_point_at_their_text(sample):
    papers = _papers(sample)
    results = find_in_papers([(p.title, p.abstract) for p in papers])
    assert len(results) == len(papers) == 37
    count = 0
    for paper, findings in zip(papers, results):
        for f in findings:
            count += 1
            where = f"line {paper.line}: {f}"
            assert f.field in ("abstract", "title"), where
            text = paper.abstract if f.field == "abstract" else paper.title
            assert 0 <= f.start < f.end <= len(text), where
            assert text[f.start:f.end] == f.matched, where
            assert f.matched and f.matched in f.evidence, where
            assert f.evidence in text, where
            assert 0 < f.confidence <= 1, where
            assert f.type in TYPES, where
            assert f.role in ("released", "used"), where
            assert f.rule, where
    assert count >= 40  # the gold has 48 required items


def test_artifacts_batches_give_the_same_answer_as_one_at_a_time(sample):
    pairs = [(p.title, p.abstract) for p in _papers(sample)]
    together = find_in_papers(pairs)
    small_batches = find_in_papers(pairs, batch_size=3)
    alone = [find_artifacts(abstract, title) for title, abstract in pairs]
    assert together == small_batches == alone
    reversed_ = find_in_papers(pairs[::-1])
    assert reversed_[::-1] == together


def test_artifacts_words_skipped_before_the_rules_start_no_name(sample, monkeypatch):
    # Most words are skipped before any rule is tried at them (kg.artifacts._inert): the
    # candidate names are exactly those found by trying every rule at every word.
    from kg import artifacts

    nlp = artifacts.pipeline()
    texts = [text for p in _papers(sample) for text in (p.title, p.abstract)] + [
        # Known names that start lower-case, or written with other hyphens.
        "We train word2vec and node-2-vec embeddings, apply mixup, and evaluate on ogbn-arxiv "
        "with sci-kit-learn and fairseq.",
        "We evaluate on the net-hack Learning Environment and the proc-gen Benchmark."]
    sentences = [artifacts._words(sent, text) for text in texts for sent in nlp(text).sents]
    words = [w for sentence in sentences for w in sentence]
    assert sum(map(artifacts._inert, words)) > len(words) / 2
    skipping = [artifacts._candidates(sentence) for sentence in sentences]
    monkeypatch.setattr(artifacts, "_inert", lambda text: False)
    assert [artifacts._candidates(sentence) for sentence in sentences] == skipping
    assert sum(map(len, skipping)) > 50


# -- the rules, one sentence at a time ---------------------------------------------------------

def test_artifacts_acronym_joins_long_form():
    sentence = "We propose the Foo Bar Network (FBN), a model for X."
    findings = find_artifacts(sentence)
    assert len(findings) == 1
    f = findings[0]
    assert (f.name, f.type, f.role) == ("FBN", "model", "released")
    assert "Foo Bar Network" in f.aliases
    assert sentence[f.start:f.end] == f.matched
    assert "FBN" in f.matched


def test_artifacts_words_and_their_offsets_agree(sample):
    # The words are made without their offsets (kg.artifacts._words, for every sentence); the
    # offsets only for a sentence with a finding (_spans): both must cut the text alike.
    import random

    from kg import artifacts

    class Cut:  # what the two read of a spaCy sentence
        def __init__(self, start_char: int, end_char: int) -> None:
            self.start_char, self.end_char = start_char, end_char

    texts = [text for p in _papers(sample) for text in (p.title, p.abstract)]
    rng = random.Random(5)
    texts += ["".join(rng.choice("aB1.'’\",;:()[]/!? -") for _ in range(rng.randint(0, 16)))
              for _ in range(3000)]
    texts += ["We use 'FooNet'. and ''Bar''", "'.' ... 'x' ' .' a.b. it.'."]
    cut = Cut(0, 33)
    assert artifacts._words(cut, "it. 'FooNet' ''x'' '.' a.'. (B), c") == [
        "it", "FooNet", "x", "a", "(", "B", ")", ","]
    compared = 0
    for text in texts:
        for cut in (Cut(0, len(text)), Cut(min(2, len(text)), max(0, len(text) - 1))):
            words = artifacts._words(cut, text)
            assert words == [text[start:end] for start, end in artifacts._spans(cut, text)], text
            assert all(words), text
            compared += len(words)
    assert compared > 10_000


@pytest.mark.parametrize("sentence, name", [
    ("We release 'FooNet', a new model for segmentation.", "FooNet"),
    ("We evaluate on the 'ImageNet' dataset.", "ImageNet"),
    ("As our backbone model we use 'BarNet-7'.", "BarNet-7"),
    ("We use ''BazNet'' as our backbone model.", "BazNet"),
    ("We release a new model called 'QuxNet.'", "QuxNet"),
])
def test_artifacts_quoted_name_offsets_are_the_name(sentence, name):
    # A name in straight quotes is a word without them; its offsets point at the name itself,
    # not one character early (the evidence a user reads: "FooNet", not "'FooNe").
    [f] = [f for f in find_artifacts(sentence) if f.name == name]
    assert f.matched == name
    assert sentence[f.start:f.end] == name


@pytest.mark.parametrize("sentence", [
    "We propose a parallel stochastic gradient descent (SGD) method.",
    "We train large language models (LLMs) with RLHF.",
    "We introduce a novel framework for detection.",
    "We present a new benchmark across 9 datasets.",
    "Our approach builds on convolutional neural networks (CNNs) and GANs.",
])
def test_artifacts_generic_and_unnamed_things_are_not_artifacts(sentence):
    assert find_artifacts(sentence) == []


def test_artifacts_gazetteer_names_are_used_with_their_type():
    sentence = "We evaluate on ImageNet and COCO."
    found = {f.name: f for f in find_artifacts(sentence)}
    assert ("ImageNet", "dataset", "used") in {(f.name, f.type, f.role) for f in found.values()}
    coco = [f for f in found.values() if "COCO" in (f.name, *f.aliases) or f.matched == "COCO"]
    assert len(coco) == 1 and coco[0].type == "dataset" and coco[0].role == "used"
    assert all(f.rule == "gazetteer" for f in found.values())


# New sentences in the style of ML abstracts (not from the sample), one per cue.

def test_artifacts_release_of_a_new_dataset():
    s = ("We release OpenPatents, a dataset of 1.2 million patent claims paired with the "
         "prior art they cite.")
    assert _found(s) == {("OpenPatents", "dataset", "released")}


def test_artifacts_release_of_a_hyphenated_benchmark():
    s = "We present MedVQA-Bench, a benchmark of 12 tasks for medical visual question answering."
    assert _found(s) == {("MedVQA-Bench", "benchmark", "released")}


def test_artifacts_method_called_by_name():
    s = ("Our method, called TokenMerge, reduces the inference cost of vision transformers by "
         "40% without retraining.")
    f = _one(s, "TokenMerge")
    assert (f.type, f.role, f.rule) == ("method", "released", "naming-word")
    assert _found(s) == {("TokenMerge", "method", "released")}


def test_artifacts_fine_tuned_model_and_evaluation_datasets():
    s = "Concretely, we fine-tune BERT on SQuAD 2.0 and on Natural Questions."
    found = {f.name: f for f in find_artifacts(s)}
    assert {(f.type, f.role) for f in found.values()} <= {("model", "used"), ("dataset", "used"),
                                                          ("benchmark", "used")}
    assert found["BERT"].type == "model"
    assert any(name.startswith("SQuAD") for name in found)
    assert "Natural Questions" in found
    assert len(found) == 3


def test_artifacts_compared_with_known_models():
    s = "Our 7B model is competitive when compared with GPT-4 and Llama 2 on GSM8K."
    assert _found(s) == {("GPT-4", "model", "used"), ("Llama 2", "model", "used"),
                         ("GSM8K", "benchmark", "used")}


def test_artifacts_implementation_library_is_used_software():
    s = "The system is implemented in PyTorch and runs on a single GPU."
    assert _found(s) == {("PyTorch", "software", "used")}


def test_artifacts_new_acronym_method_with_known_datasets():
    s = ("We propose Sparse Mixture Routing (SMR), a training method that halves the cost of "
         "inference. Experiments on CIFAR-10 and CIFAR-100 show that SMR improves robustness.")
    found = {f.name: f for f in find_artifacts(s)}
    assert (found["SMR"].type, found["SMR"].role) == ("method", "released")
    assert "Sparse Mixture Routing" in found["SMR"].aliases
    assert (found["CIFAR-10"].type, found["CIFAR-10"].role) == ("dataset", "used")
    assert (found["CIFAR-100"].type, found["CIFAR-100"].role) == ("dataset", "used")
    assert len(found) == 3


def test_artifacts_named_approach_and_adapted_model():
    s = ("We adapt CLIP to video retrieval with a lightweight temporal adapter; our approach, "
         "named GradAlign, improves recall on MSR-VTT by 4 points.")
    assert _found(s) == {("CLIP", "model", "used"), ("GradAlign", "method", "released"),
                         ("MSR-VTT", "dataset", "used")}


# -- in the graph ------------------------------------------------------------------------------

def test_artifacts_every_link_has_a_mention_with_evidence(sample_store):
    links = list(sample_store.query(KG + """
        SELECT (COUNT(*) AS ?n) WHERE { { ?p kg:introduces ?a } UNION { ?p kg:uses ?a } }"""))
    assert int(links[0]["n"].value) >= 40
    counterexample = sample_store.query(KG + """
        ASK {
          { ?p kg:introduces ?a BIND("released" AS ?role) }
          UNION { ?p kg:uses ?a BIND("used" AS ?role) }
          FILTER NOT EXISTS {
            ?m a kg:ArtifactMention ; kg:inPaper ?p ; kg:mentionOf ?a ; kg:role ?role ;
               kg:evidenceText ?evidence ; kg:rule ?rule ; kg:confidence ?confidence .
            FILTER(STRLEN(?evidence) > 0)
          }
        }""")
    assert bool(counterexample) is False


def test_artifacts_every_mention_backs_a_link(sample_store):
    counterexample = sample_store.query(KG + """
        ASK {
          ?m a kg:ArtifactMention ; kg:inPaper ?p ; kg:mentionOf ?a ; kg:role ?role .
          FILTER NOT EXISTS { ?p kg:introduces ?a FILTER(?role = "released") }
          FILTER NOT EXISTS { ?p kg:uses ?a FILTER(?role = "used") }
        }""")
    assert bool(counterexample) is False


def test_artifacts_no_paper_both_introduces_and_uses_one_artifact(sample_store):
    assert bool(sample_store.query(KG + "ASK { ?p kg:introduces ?a ; kg:uses ?a }")) is False


def test_artifacts_imagenet_is_one_node_used_by_several_papers(sample_store):
    rows = list(sample_store.query(KG + """
        SELECT ?a (COUNT(DISTINCT ?p) AS ?papers) WHERE {
          ?a a kg:Artifact ; rdfs:label ?label .
          FILTER(LCASE(STR(?label)) = "imagenet")
          OPTIONAL { ?p kg:uses ?a }
        } GROUP BY ?a"""))
    assert len(rows) == 1
    assert int(rows[0]["papers"].value) >= 4


def test_artifacts_shared_repository_releases_nbm_and_spam(sample_store):
    rows = sample_store.query(KG + """
        SELECT ?label WHERE {
          <https://github.com/facebookresearch/nbm-spam> kg:releasesArtifact ?a .
          ?a rdfs:label ?label }""")
    assert {r["label"].value for r in rows} >= {"NBM", "SPAM"}


def test_artifacts_cache_never_loses_an_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    # A tiny cache that must evict while a batch is answered: each answer is still the one
    # a fresh run gives.
    from kg import artifacts

    papers = [(f"Paper {i}", f"We introduce Thing{i}Net, a new dataset. We use ImageNet.")
              for i in range(5)]
    fresh = [artifacts._find_in_papers([p], 8)[0] for p in papers]
    monkeypatch.setattr(artifacts, "_FOUND", {})
    monkeypatch.setattr(artifacts, "CACHE_SIZE", 2)
    for batch in (papers[:2], [papers[0], papers[2]], papers, papers[::-1]):
        got = artifacts.find_in_papers(batch)
        assert got == [list(fresh[papers.index(p)]) for p in batch]
        assert len(artifacts._FOUND) <= 2


def test_build_processes_share_findings_through_one_file(sample: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # What one extraction process of a build mined, another reads back from the build's file
    # instead of mining it again, and reads exactly what a fresh run finds: aliases, offsets,
    # title definitions, confidences. The file goes with the build.
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from kg import artifacts
    from kg.build import _worker_start

    papers = [(p.title, p.abstract) for p in _papers(sample)]
    fresh = [list(artifacts._find_in_papers([p], 8)[0]) for p in papers]
    assert any(f.aliases for found in fresh for f in found)
    assert any(f.field == "title" for found in fresh for f in found)
    monkeypatch.setattr(artifacts, "_FOUND", {})
    with artifacts.shared_findings() as path:
        # A process that inherits nothing from this one, started as a build starts its workers.
        with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=_worker_start,
                                 initargs=(path,)) as pool:
            assert pool.submit(find_in_papers, papers[:30]).result() == fresh[:30]

        def mined_here(batch, size):
            assert len(batch) == len(papers) - 30, "a paper the other process mined was mined again"
            return real(batch, size)

        real = artifacts._find_in_papers
        monkeypatch.setattr(artifacts, "_find_in_papers", mined_here)
        assert find_in_papers(papers) == fresh
        assert artifacts._FOUND == {}  # what the build shares is not held in memory as well
        assert Path(path).exists()
    assert not Path(path).exists()
    assert artifacts._SHARED is None


def test_shared_findings_file_is_only_a_help(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Where no temporary file can be made, or the file goes away while a build runs, every
    # paper is still answered, as mined here.
    import shutil
    import tempfile

    from kg import artifacts

    papers = [(f"Paper {i}", f"We introduce Thing{i}Net, a new dataset. We use ImageNet.")
              for i in range(4)]
    fresh = [list(artifacts._find_in_papers([p], 8)[0]) for p in papers]
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with artifacts.shared_findings() as path:
        assert path is None and artifacts._SHARED is None
        assert find_in_papers(papers) == fresh
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with artifacts.shared_findings() as path:
        assert find_in_papers(papers[:2]) == fresh[:2]
        shutil.rmtree(Path(path).parent)
        artifacts._SHARED._pid = 0  # as in a new process: it opens the file again, and cannot
        assert find_in_papers(papers) == fresh
    assert list(tmp_path.iterdir()) == []


def test_shared_findings_of_a_killed_build_are_removed_by_the_next(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # A build holds a lock on its findings folder while it runs. The next build removes the
    # folders no one holds (a killed build's), whatever process id their name carries: in
    # another container sharing the temporary folder, that id can be a live process's.
    import subprocess
    import sys
    import tempfile

    from kg import artifacts

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = tmp_path / f"kg-findings-{gone.stdout.strip()}-x1"
    reused = tmp_path / f"kg-findings-{os.getppid()}-x2"  # a live process's id, but not locked
    running = tmp_path / "kg-findings-1-x3"  # locked by a running build: kept
    other = tmp_path / "kg-findings-notes"  # not a build's: kept
    for folder in (dead, reused, running, other):
        folder.mkdir()
        (folder / "findings.sqlite").write_bytes(b"")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from kg.store import lock_folder; "
         "assert lock_folder(sys.argv[1]) is not None; print('held', flush=True); sys.stdin.read()",
         str(running)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        with artifacts.shared_findings() as path:
            mine = Path(path).parent
            assert mine.name.startswith(f"kg-findings-{os.getpid()}-")
            assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, running.name, other.name])
            artifacts._sweep()  # as another build would: this build's folder is locked, kept
            assert mine.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, other.name])
    finally:
        holder.communicate("")
    artifacts._sweep()  # its build has ended: removed now
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name]
