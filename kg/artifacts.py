"""Mine the datasets, benchmarks, models, methods and software a paper released or used.

A fast rule-based spaCy pipeline: a blank English tokenizer with a rule-based
sentencizer (no tagger, parser or NER, so thousands of abstracts a second),
then rules over each sentence's words:

- **acronym definitions** ("Neural Basis Model (NBM)") found with the
  Schwartz-Hearst alignment of the acronym's letters to the preceding words,
  so the long form and the acronym become one artifact with an alias;
- **release cues**: "we introduce / propose / present / release X",
  "... titled / called / named / denoted as / dubbed X", "our X model",
  "our models, X, are available", "the resulting model, X", and a name the
  title defines ("Emu: ...", "Long Form (ACR): ...") that the abstract uses again;
- **use cues**: a name from the domain gazetteer (``kg/data/known_artifacts.tsv``:
  hundreds of public datasets, benchmarks, models, methods and software of the
  field), or an unknown name with a type word ("the Terascale method",
  "on the X dataset"), or after "like / such as / fine-tune / adapt";
- **types** from the gazetteer, else from the nearest type word ("X, a
  benchmark", "a recipe", "architecture", the long form's head noun).

Generic families (SGD, GANs, LLMs, Transformer) are kept out by a stop list.
Every finding carries its evidence: the sentence, character offsets, the
rule that fired and a confidence.

The pipeline is ``spacy.blank("en")`` by default; set ``KG_SPACY_PIPELINE`` to
an installed trained pipeline (e.g. ``en_core_web_sm``) to split sentences
with its parser instead; when it is not installed the blank pipeline is used
and a message says so.

>>> [(f.name, f.type, f.role, f.rule) for f in find_artifacts(
...     "We introduce FooBench, a benchmark of 9 tasks, and evaluate on ImageNet.")]
[('FooBench', 'benchmark', 'released', 'release-verb'), ('ImageNet', 'dataset', 'used', 'gazetteer')]
"""

from __future__ import annotations

import csv
import glob
import hashlib
import marshal
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from importlib import resources

from pyoxigraph import Literal, NamedNode, Triple

from .errors import EnvironmentProblem

TYPES = ("dataset", "benchmark", "model", "method", "software")
EXTRACTOR_NAME = "artifacts-rules"
EXTRACTOR_VERSION = "1"

# -- the words the rules read -----------------------------------------------------------------

TYPE_WORDS: dict[str, str] = {}
for _type, _forms in {
    "dataset": "dataset datasets database databases corpus corpora collection",
    "benchmark": "benchmark benchmarks suite leaderboard testbed",
    "model": "model models network networks architecture architectures llm llms "
             "classifier detector encoder backbone foundation",
    "method": "method methods approach approaches framework algorithm algorithms strategy "
              "recipe technique module pipeline procedure objective scheme training "
              "clustering distillation learning regularization optimization search",
    "software": "library toolkit toolbox software package platform system systems engine tool "
                "implementation solver",
}.items():
    for _w in _forms.split():
        TYPE_WORDS[_w] = _type

RELEASE_VERBS = {
    "introduce", "introduces", "introduced", "propose", "proposes", "proposed", "present",
    "presents", "presented", "release", "releases", "released", "develop", "develops",
    "developed", "design", "designs", "designed", "build", "builds", "built", "create",
    "creates", "created", "contribute", "contributes", "open-source", "open-sourced",
    "introducing", "proposing", "presenting", "releasing", "developing", "designing",
}
NAMING_WORDS = {"titled", "called", "named", "dubbed", "termed", "coined", "denoted", "entitled",
                "term", "dub"}  # "we term it X"
USE_VERBS = {
    "use", "uses", "used", "using", "adapt", "adapts", "adapted", "adopt", "adopts", "adopted",
    "employ", "employs", "employed", "leverage", "leverages", "finetune", "finetunes",
    "fine-tune", "fine-tunes", "fine-tuned", "finetuned", "like", "with", "via", "on", "than",
    "against", "from", "including", "include", "includes", "evaluate", "evaluated", "versus",
}
SELF_WORDS = {"we", "our", "this", "paper", "work", "us"}

#: Acronyms and names of generic families, fields, tasks and metrics: never artifacts.
STOP_NAMES = {s.casefold() for s in """
AI ML NLP CV RL IR ASR TTS OCR QA VQA LLM LLMs VLM VLMs MLLM MLLMs LM LMs PLM PLMs SOTA SoTA HITL
NR AR AP mAP AUC ROC FID IS BLEU ROUGE F1 IoU PSNR SSIM CER WER EM GPU GPUs TPU TPUs CPU CPUs
SGD GD GAM GAMs DNN DNNs CNN CNNs ConvNet ConvNets RNN RNNs LSTM LSTMs GRU GAN GANs VAE VAEs MLP
MLPs SVM SVMs KNN kNN PCA ICA EM HMM CRF CRFs NN NNs RLHF RLAIF SFT DPO PPO LDM LDMs
DM DMs NeRF NeRFs MoE API APIs URL URLs HTTP SQL JSON XML CSV PDF RGB RGB-D IID i.i.d. OOD ID
DG DA SSL USL WSOD SNR MSE MAE RMSE KL JS TV US UK EU USA COVID COVID-19 Transformer Transformers
NLU NLG BiLSTM BiLSTMs BiGRU BiGRUs BiRNN CRNN
BERT-style GPT-style
Newton Quasi-Newton Euler Lagrange Lagrangian Nesterov Markov Bayes Bayesian Gaussian Fourier Laplace
Laplacian Hessian Jacobian Gibbs Langevin Hamiltonian Boltzmann Dirichlet Poisson Bernoulli
Wasserstein Hilbert Euclidean Riemannian Kalman Viterbi Dijkstra Lanczos Krylov Cholesky Taylor
Lipschitz Shapley Pareto Nash Turing Kullback-Leibler
Figure Fig Table Section Appendix Eq Equation Theorem Lemma Algorithm Step Stage Phase Part
""".split()}

_STOP_PHRASES = {"large language model", "large language models", "vision-language model",
                 "vision-language models", "convolutional neural network",
                 "convolutional neural networks", "deep neural network", "deep neural networks",
                 "neural network", "neural networks", "generative adversarial network",
                 "generative adversarial networks", "state of the art", "state-of-the-art",
                 "latent diffusion model", "latent diffusion models", "diffusion model",
                 "diffusion models", "language model", "language models", "foundation model",
                 "foundation models", "graph neural network", "graph neural networks",
                 "recurrent neural network", "recurrent neural networks",
                 "mixture of experts", "mixture-of-experts"}

_VERSION = re.compile(r"^(?P<base>.+?)[-\s]?(?:v|V)?(?P<ver>\d+(?:\.\d+)*)$")


@dataclass(frozen=True)
class Finding:
    """One artifact found in one paper: what, which role, and why."""

    name: str
    type: str
    role: str
    evidence: str
    start: int
    end: int
    rule: str
    confidence: float
    field: str = "abstract"
    aliases: tuple[str, ...] = ()
    matched: str = ""

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "type": self.type, "role": self.role, "evidence": self.evidence,
                "start": self.start, "end": self.end, "rule": self.rule,
                "confidence": self.confidence}


# -- the gazetteer ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Known:
    name: str
    type: str
    aliases: tuple[str, ...]


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_]+", "", text).casefold()


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    """Case-folded first words of every gazetteer form: most words start none, and are skipped."""
    exact, _, _ = gazetteer()
    firsts = set()
    for form in exact:
        first = form.split()[0]
        firsts.update((first.casefold(), _norm(first)))
    return frozenset(firsts)


def _may_start_known(word: str) -> bool:
    """Whether ``word`` is a gazetteer form's first word, in any case or hyphenation."""
    firsts = _first_words()
    return word.casefold() in firsts or "-" in word and _norm(word) in firsts


@lru_cache(maxsize=1)
def gazetteer() -> tuple[dict[str, Known], dict[str, Known], int]:
    """Surface form -> entry, exact and case-folded; and the longest form's word count."""
    path = resources.files("kg") / "data" / "known_artifacts.tsv"
    exact: dict[str, Known] = {}
    folded: dict[str, Known] = {}
    longest = 1
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            aliases = tuple(a.strip() for a in (row["aliases"] or "").split("|") if a.strip())
            entry = Known(row["name"].strip(), row["type"].strip(), aliases)
            for form in (entry.name, *aliases):
                exact.setdefault(form, entry)
                folded.setdefault(_norm(form), entry)
                longest = max(longest, len(form.split()))
    return exact, folded, longest


# -- the spaCy pipeline ---------------------------------------------------------------------

_PIPELINE = None


def pipeline():
    """The spaCy pipeline, loaded once per process (see the module's docstring)."""
    global _PIPELINE
    if _PIPELINE is not None:
        return _PIPELINE
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a dependency
        raise EnvironmentProblem("spaCy is not installed: pip install spacy") from exc
    name = os.environ.get("KG_SPACY_PIPELINE", "").strip()
    nlp = None
    if name and name not in ("blank", "blank:en"):
        try:
            nlp = spacy.load(name, exclude=["ner", "lemmatizer", "textcat"])
        except (OSError, ImportError) as exc:
            print(f"kg: spaCy pipeline {name!r} is not installed ({exc.__class__.__name__}); "
                  "using the blank English pipeline with rule-based sentences", file=sys.stderr)
    if nlp is None:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
    _PIPELINE = nlp
    return nlp


# -- words ------------------------------------------------------------------------------------

# A word: a run of characters between spaces and separators; commas, semicolons, colons,
# parentheses and double quotes are words of their own (the rules read them), the others
# ([]{}/!? and curly single quotes) are not.
_WORD = re.compile(r"[,;:()\"“”]|[^\s,;:()\[\]{}\"“”‘’/!?]+")


def _words(sent, text: str) -> list[str]:
    """A sentence's words: "Critic-RM", "ResNet-50" and "SDXLv1.0" are one word each; the
    dots and straight quotes that end a word, and the quotes that start it, are left out
    ("it." is "it", "'FooNet'" and "'FooNet.'" are "FooNet"). ``text``: the document's text
    (``sent.text`` is the same cut, made a token at a time). Made for every sentence of every
    abstract: where each word is in ``text`` is worked out only for the words a finding
    names, by :func:`_spans`, which must cut them alike (a test compares the two)."""
    words = []
    for word in _WORD.findall(text, sent.start_char, sent.end_char):
        if word[-1] in ".'" or word[0] == "'":
            word = word.rstrip(".'").lstrip("'")
            if not word:
                continue
        words.append(word)
    return words


def _spans(sent, text: str) -> list[tuple[int, int]]:
    """Where each of :func:`_words` is in ``text``: start and end offsets, in the same order."""
    spans = []
    for m in _WORD.finditer(text, sent.start_char, sent.end_char):
        word, start = m.group(0), m.start()
        if word[-1] in ".'" or word[0] == "'":
            bare = word.rstrip(".'").lstrip("'")
            if not bare:
                continue
            start += len(word) - len(word.lstrip("'"))  # 'FooNet' starts after the quote
            word = bare
        spans.append((start, start + len(word)))
    return spans


@lru_cache(maxsize=65536)
def _namey(text: str) -> bool:
    """Looks like a coined name: an inner capital (PACO, DiHT, ClusterFit) or a capital and a digit."""
    if len(text) < 2 or not text[0].isalnum() or text.casefold() in STOP_NAMES:
        return False
    if text.startswith(("http", "www.")):
        return False
    parts = text.split("-")
    if len(parts) > 1 and all(p.isalpha() and (p.islower() or _titlecase(p)) for p in parts):
        return False  # "Cross-Modal", "Self-Supervised", "Text-to-Sticker": ordinary compounds
    inner_capital = any(c.isupper() for c in text[1:])
    letters = sum(c.isalpha() for c in text)
    return letters >= 2 and (inner_capital or (text[0].isupper() and any(c.isdigit() for c in text)))


@lru_cache(maxsize=65536)
def _titlecase(text: str) -> bool:
    return len(text) >= 2 and text[0].isupper() and text[1:].replace("-", "").isalpha() \
        and not text.isupper()


def _is_version(text: str) -> bool:
    """"3", "V4", "v1.0", "2b", "III": a version closing a name ("7B", "13M" are sizes, not versions)."""
    if re.fullmatch(r"\d+(?:\.\d+)?[BMKTbmkt]", text) and not re.fullmatch(r"\d[a-z]", text):
        return False
    return bool(re.fullmatch(r"(?:[vV]\d+(?:\.\d+)*|\d+(?:\.\d+)*[A-Za-z]?|[IVX]+)", text))


#: Capitalised words that start sentences and phrases but never start a name.
NOT_NAME_STARTS = {"our", "the", "this", "these", "those", "we", "a", "an", "in", "on", "for",
                   "to", "with", "its", "their", "each", "all", "both", "table", "figure", "fig"}


# -- acronyms ---------------------------------------------------------------------------------

def _long_form(words: list[str], acronym: str) -> int | None:
    """Schwartz-Hearst: how many of ``words`` (ending right before the parenthesis) spell ``acronym``."""
    letters = [c.casefold() for c in acronym if c.isalnum()]
    if len(letters) < 2 or not letters[0].isalpha():
        return None
    if letters[0] == "x" and not any(w.casefold().startswith("x") for w in words[-len(letters) - 5:]):
        letters[0] = "c"  # "XDC" <- "Cross-Modal Deep Clustering": X stands for cross
    limit = min(len(words), len(letters) + 5, len(letters) * 2)
    text_words = words[-limit:] if limit else []
    joined = " ".join(text_words)
    s = len(joined) - 1
    a = len(letters) - 1
    while a >= 0:
        c = letters[a]
        if not c.isalnum():
            a -= 1
            continue
        while s >= 0 and (joined[s].casefold() != c or (a == 0 and s > 0 and joined[s - 1].isalnum())):
            s -= 1
        if s < 0:
            return None
        s -= 1
        a -= 1
    used = joined[s + 1:]
    count = len(used.split())
    if count == 0 or count > len(letters) + 3 and count > 2 * len(letters):
        return None
    return count


# -- the rules --------------------------------------------------------------------------------

@dataclass
class _Candidate:
    name: str
    start: int  # word index
    end: int  # word index (exclusive)
    aliases: list[str] = field(default_factory=list)
    known: Known | None = None
    long_start: int | None = None


def _gazetteer_at(words: list[str], i: int) -> tuple[int, Known] | None:
    exact, folded, longest = gazetteer()
    first = words[i]
    if not _may_start_known(first):
        m = _VERSION.match(first) if _namey(first) else None
        if m:
            base = m.group("base")
            entry = exact.get(base) or folded.get(_norm(base))
            if entry is not None and entry.name.casefold() not in STOP_NAMES:
                return 1, entry
        return None
    for n in range(min(longest, len(words) - i), 0, -1):
        chunk = words[i:i + n]
        if any(w in ",;:()\"“”" for w in chunk):
            continue
        form = " ".join(chunk)
        entry = exact.get(form)
        if entry is None and (_namey(form) or n > 1 and form[0].isupper()):
            entry = folded.get(_norm(form))
        if entry is None and n == 1:
            m = _VERSION.match(form)
            if m and _namey(form):
                base = m.group("base")
                entry = exact.get(base) or folded.get(_norm(base))
        if entry is not None and not (n == 1 and len(form) < 2) \
                and entry.name.casefold() not in STOP_NAMES:
            return n, entry
    return None


def _candidates(words: list[str]) -> list[_Candidate]:
    """Names in a sentence: gazetteer entries, acronym definitions and coined names."""
    found: list[_Candidate] = []
    i = 0
    n = len(words)
    while i < n:
        text = words[i]
        if text != "(" and _inert(text):
            i += 1
            continue
        hit = _gazetteer_at(words, i)
        # An acronym definition "(ACR)" right after the words it abbreviates.
        if text == "(" and i + 2 < n and words[i + 2] == ")" and _namey(words[i + 1]):
            acronym = words[i + 1]
            before = [w for w in words[:i] if w not in ",;:\"“”"]
            count = _long_form(before, acronym)
            if count:
                long_words = before[-count:]
                long_form = " ".join(long_words)
                if long_form.casefold() not in _STOP_PHRASES and acronym.casefold() not in STOP_NAMES:
                    # Find where the long form starts among the sentence's words.
                    j, k = i - 1, count
                    while j >= 0 and k > 0:
                        if words[j] not in ",;:\"“”":
                            k -= 1
                        j -= 1
                    start = j + 1
                    # Drop candidates inside the long form: it is now one artifact.
                    found = [c for c in found if c.end <= start]
                    known = _gazetteer_at(words, i + 1)
                    found.append(_Candidate(acronym, start, i + 3, [long_form],
                                            known[1] if known else None, long_start=start))
                    i += 3
                    continue
        if hit:
            length, entry = hit
            found.append(_Candidate(entry.name, i, i + length,
                                    [" ".join(words[i:i + length])], entry))
            i += length
            continue
        run = _titled_run(words, i)
        if run and " ".join(words[i:run]).casefold() in _STOP_PHRASES:
            i = run
            continue
        if run:
            found.append(_Candidate(" ".join(words[i:run]), i, run))
            i = run
            continue
        if text.casefold() in NOT_NAME_STARTS:
            i += 1
            continue
        if _namey(text) or (_titlecase(text) and i + 1 < n and _is_version(words[i + 1])):
            j = i + 1
            # "Llama Guard 3", "Open Images V4": title-case words closed by a version.
            while j < n and (_namey(words[j]) or _is_version(words[j])
                             or (_titlecase(words[j]) and j + 1 < n
                                 and _is_version(words[j + 1]))):
                j += 1
            name = " ".join(words[i:j])
            if not all(_is_version(w) for w in words[i:j]):
                found.append(_Candidate(name, i, j))
            i = j
            continue
        i += 1
    return found


@lru_cache(maxsize=65536)
def _inert(text: str) -> bool:
    """A word no rule of :func:`_candidates` starts a name at, whatever its neighbours: not a
    gazetteer form's first word, not coined-looking, not title-case (most words of a text)."""
    return not (_may_start_known(text) or _namey(text) or _titlecase(text))


CUE_BEFORE_NAME = NAMING_WORDS | RELEASE_VERBS | {"like", "finetune", "fine-tune", "fine-tuned",
                                                 "finetuned", "our", "as", "the"}


def _titled_run(words: list[str], i: int) -> int | None:
    """Title-case names the context marks as names; returns the end of the run or None.

    "Llama Guard 3" (title-case words closed by a version), "titled Concept
    Distillation", "we introduce Style Tailoring,", "our Open User Input
    benchmark", "like Emu", "the Terascale method". A sentence's first word never
    starts one, so ordinary capitalised words are left alone.
    """
    n = len(words)
    if words[i].casefold() in NOT_NAME_STARTS:
        return None
    j = i
    while j < n and j - i < 5 and (_titlecase(words[j]) or _namey(words[j])) \
            and words[j].casefold() not in STOP_NAMES:
        j += 1
    if j == i:
        return None
    if j < n and _is_version(words[j]) and j - i <= 3:
        return j + 1
    if i == 0:
        return None
    before = words[i - 1].casefold()
    after = words[j].casefold() if j < n else ""
    if before in ("the", "as") and after not in TYPE_WORDS:
        return None
    if before in CUE_BEFORE_NAME and (j - i >= 2 or after in TYPE_WORDS or after in (",", "(")
                                      or before in NAMING_WORDS or before in ("like", "finetune",
                                                                              "fine-tune")):
        if all(_titlecase(w) for w in words[i:j]) and j - i == 1 and after not in TYPE_WORDS \
                and before in RELEASE_VERBS and not _apposition_type(words, j):
            return None
        return j
    if after in TYPE_WORDS and j - i == 1 and before not in ".:;":
        return j if before in ("the", "base", "standard", "our") else None
    return None


def _apposition_type(words: list[str], j: int) -> bool:
    """", a benchmark", ", an open dataset", ", a novel method": a type word in an apposition at ``j``."""
    if j + 1 >= len(words) or words[j] != "," or words[j + 1].casefold() not in ("a", "an"):
        return False
    return any(w.casefold() in TYPE_WORDS for w in words[j + 2:j + 6])


def _type_near(words: list[str], cand: _Candidate, window: int = 8) -> tuple[str | None, int]:
    """The nearest type word around a candidate in its sentence, and how far it is."""
    if cand.aliases and cand.long_start is not None:
        head = cand.aliases[0].split()[-1].casefold().rstrip("s")
        for key in (head, head + "s"):
            if key in TYPE_WORDS:
                return TYPE_WORDS[key], 0
    best: tuple[str | None, int] = (None, 99)
    for j in range(max(0, cand.start - window), min(len(words), cand.end + window)):
        if cand.start <= j < cand.end:
            continue
        kind = TYPE_WORDS.get(words[j].casefold())
        if kind:
            distance = cand.start - j if j < cand.start else j - cand.end + 1
            if j >= cand.end:
                distance -= 1  # "X, a benchmark": the word after wins a tie
            if distance < best[1]:
                best = (kind, distance)
    return best


def _release_rule(words: list[str], cand: _Candidate) -> str | None:
    """The release cue that introduces this candidate, if any."""
    before = [w.casefold() for w in words[max(0, cand.start - 12):cand.start]]
    lower = [w.casefold() for w in words]
    if before and before[-1] in NAMING_WORDS or before[-2:] in (["denoted", "as"], ["known", "as"]) \
            or (len(before) >= 3 and before[-3] in NAMING_WORDS and before[-1] == "the") \
            or (len(before) >= 2 and before[-2] in NAMING_WORDS and before[-1] in ("as", "the")):
        return "naming-word"
    if "our" in before[-3:] and cand.end < len(words) and lower[cand.end] in TYPE_WORDS:
        return "our-name-type"
    if len(before) >= 3 and before[-1] == "," and before[-3] == "our" and before[-2] in TYPE_WORDS:
        return "our-type-name"
    if len(before) >= 3 and before[-1] == "," and before[-3] in ("resulting", "new", "proposed") \
            and before[-2] in TYPE_WORDS:
        return "resulting-type-name"
    # "we introduce / propose / present X": the verb, then only function words or one noun phrase.
    for k in range(len(before) - 1, -1, -1):
        word = before[k]
        if word in RELEASE_VERBS:
            subject = before[max(0, k - 4):k]
            gap = before[k + 1:]
            if (any(s in SELF_WORDS for s in subject) or k == 0 or "this" in subject) \
                    and len(gap) <= 10 and not any(g in (".", ";", "which", "that", "and", "where")
                                                   for g in gap[:-1]):
                return "release-verb"
            break
        if word in (".", ";") or word in USE_VERBS - {"with", "on", "from", "including"}:
            break
    return None


DIRECT_RELEASE = {"introduce", "introduces", "introducing", "release", "releases", "releasing",
                  "propose", "proposes", "proposing", "present", "presents", "presenting",
                  "open-source", "open-sources"}


def _direct_object_of_release(words: list[str], cand: _Candidate) -> bool:
    """"we release LAION-5B": a known name right after a strong release verb is the paper's own."""
    before = [w.casefold() for w in words[max(0, cand.start - 3):cand.start]]
    return bool(before) and (before[-1] in DIRECT_RELEASE
                             or (before[-1] in ("publicly", "the") and len(before) > 1
                                 and before[-2] in DIRECT_RELEASE))


def _use_rule(words: list[str], cand: _Candidate) -> str | None:
    if cand.known is not None:
        return "gazetteer"
    lower = [w.casefold() for w in words]
    after = lower[cand.end] if cand.end < len(lower) else ""
    before = lower[max(0, cand.start - 3):cand.start]
    if after in TYPE_WORDS and TYPE_WORDS[after] != "method" or after in ("method", "methods"):
        if before[-1:] in (["the"], ["on"], ["a"], ["of"]) or _namey(cand.name):
            return "name-with-type-word"
    if before and before[-1] in USE_VERBS and before[-1] not in ("with", "on", "from", "than") \
            and (_namey(cand.name) or before[-1] in CUE_BEFORE_NAME):
        return "use-verb"
    if before[-2:] == ["such", "as"] and _namey(cand.name):
        return "use-verb"
    if cand.long_start is not None:
        lead = lower[max(0, cand.long_start - 2):cand.long_start]
        if any(w in USE_VERBS for w in lead):
            return "use-verb-acronym"
    return None


CONFIDENCE = {"title-definition": 0.9, "naming-word": 0.95, "release-verb": 0.85,
              "our-name-type": 0.85, "our-type-name": 0.9, "resulting-type-name": 0.85,
              "gazetteer": 0.8, "name-with-type-word": 0.7, "use-verb": 0.6,
              "use-verb-acronym": 0.7, "same-paper-release": 0.8}


def _title_names(title: str, abstract: str) -> list[tuple[str, list[str], int, int]]:
    """Names the title defines: "Name: ..." or "Long Form (ACR): ...", used again in the abstract."""
    head, sep, _ = title.partition(":")
    if not sep:
        return []
    head = head.strip()
    m = re.fullmatch(r"(?P<long>.+?)\s*\((?P<acr>[^()]+)\)", head)
    if m and _namey(m["acr"]):
        start = title.index("(") + 1
        return [(m["acr"], [m["long"]], start, start + len(m["acr"]))]
    words = head.split()
    if len(words) <= 3 and all(_titlecase(w) or _namey(w) for w in words) \
            and re.search(r"(?<!\w)" + re.escape(head) + r"(?!\w)", abstract) \
            and head.casefold() not in STOP_NAMES:
        return [(head, [], 0, len(head))]
    return []


def _parse(doc, text: str) -> list[tuple[object, list[str], list[_Candidate]]]:
    """Each sentence with its words and candidate names, worked out once per paper
    (``doc`` made of ``text``)."""
    out = []
    for sent in doc.sents:
        words = _words(sent, text)
        out.append((sent, words, _candidates(words)))
    return out


def _find(parsed, text: str, field_name: str, released_here: set[str]) -> list[Finding]:
    """Findings from the parsed sentences; names in ``released_here`` the paper releases."""
    findings: list[Finding] = []
    for sent, words, candidates in parsed:
        spans = None
        for cand in candidates:
            rule = _release_rule(words, cand)
            role = "released" if rule else None
            if rule is None and released_here and _norm(cand.name) in released_here:
                rule, role = "same-paper-release", "released"
            if rule is None:
                rule = _use_rule(words, cand)
                role = "used" if rule else None
            if rule is None:
                continue
            if cand.known is not None and role == "released" and rule != "naming-word" \
                    and not _direct_object_of_release(words, cand):
                # A well-known artifact further on from "we present ..." is used, not released.
                rule, role = "gazetteer", "used"
            kind = cand.known.type if cand.known is not None else None
            if kind is None:
                kind, _ = _type_near(words, cand)
            if kind is None and role == "released":
                kind = _neighbourhood_type(sent)
            if kind is None:
                continue
            if spans is None:
                spans = _spans(sent, text)
            start, end = spans[cand.start][0], spans[cand.end - 1][1]
            findings.append(Finding(
                name=cand.name, type=kind, role=role, evidence=sent.text.strip(),
                start=start, end=end, rule=rule, confidence=CONFIDENCE[rule],
                field=field_name, aliases=tuple(a for a in cand.aliases if a != cand.name),
                matched=text[start:end]))
    return findings


def _merge(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per artifact and paper: released beats used, then the most confident."""
    best: dict[str, Finding] = {}
    aliases: dict[str, set[str]] = {}
    for f in findings:
        key = _norm(f.name)
        aliases.setdefault(key, set()).update(f.aliases)
        current = best.get(key)
        # Released beats used; an abstract sentence is better evidence for a person than the title.
        rank = (f.role == "released", f.field == "abstract", f.confidence)
        if current is None or rank > (current.role == "released", current.field == "abstract",
                                      current.confidence):
            best[key] = f
    return [replace(f, aliases=tuple(sorted(aliases[k] - {f.name}))) for k, f in best.items()]


def find_artifacts(abstract: str, title: str = "") -> list[Finding]:
    """Artifacts in one paper's title and abstract (see :func:`find_in_papers` for batches)."""
    return find_in_papers([(title, abstract)])[0]


def find_in_papers(papers: Sequence[tuple[str, str]], batch_size: int = 256) -> list[list[Finding]]:
    """Artifacts for many ``(title, abstract)`` pairs, through ``nlp.pipe`` in batches."""
    keys = [_key(title, abstract) for title, abstract in papers]
    found = {k: _FOUND[k] for k in keys if k in _FOUND}
    if _SHARED is not None:
        found.update(_SHARED.get([k for k in keys if k not in found]))
    todo = {k: paper for k, paper in zip(keys, papers) if k not in found}
    mined = list(zip(todo, _find_in_papers(list(todo.values()), batch_size)))
    for k, findings in mined:
        found[k] = findings
        if _SHARED is None:
            while len(_FOUND) >= CACHE_SIZE:
                del _FOUND[next(iter(_FOUND))]  # the oldest
            _FOUND[k] = findings
    if _SHARED is not None and mined:
        _SHARED.put(mined)
    return [list(found[k]) for k in keys]


#: Papers whose findings a process remembers (about 5 KB each) when no build shares them
#: (see :func:`shared_findings`): the same paper is listed on every co-author's page, and its
#: title and abstract read the same on each, so it is mined once while it is remembered.
CACHE_SIZE = 20_000
_FOUND: dict[bytes, tuple[Finding, ...]] = {}


def _key(title: str, abstract: str) -> bytes:
    return hashlib.blake2b(f"{title}\0{abstract}".encode(), digest_size=16).digest()


class _SharedFindings:
    """Papers' findings in a SQLite file every process of one build reads and adds to."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked process opens its own
            # A few seconds' wait for the other writer at most: past it, the file is skipped.
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA synchronous=OFF")
            self._pid = os.getpid()
        assert self._db is not None
        return self._db

    def create(self) -> None:
        db = self._connection()
        db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
        db.execute("CREATE TABLE found (key BLOB PRIMARY KEY, findings BLOB) WITHOUT ROWID")
        self.close()  # no connection is carried into the processes forked from this one

    def get(self, keys: Sequence[bytes]) -> dict[bytes, tuple[Finding, ...]]:
        out: dict[bytes, tuple[Finding, ...]] = {}
        try:
            db = self._connection()
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                rows = db.execute(f"SELECT key, findings FROM found WHERE key IN "
                                  f"({','.join('?' * len(chunk))})", chunk)
                out.update((key, tuple(Finding(*f) for f in marshal.loads(data))) for key, data in rows)
        except sqlite3.Error:  # the file is only a help: what it cannot answer is mined here
            pass
        return out

    def put(self, items: Sequence[tuple[bytes, tuple[Finding, ...]]]) -> None:
        try:
            rows = [(k, marshal.dumps([tuple(getattr(f, n) for n in _FIELDS) for f in findings]))
                    for k, findings in items]
            db = self._connection()
            db.execute("BEGIN IMMEDIATE")
            with db:  # committed, or rolled back on an error
                db.executemany("INSERT OR IGNORE INTO found VALUES (?, ?)", rows)
        except (sqlite3.Error, ValueError):  # a full disk, say: a paper not kept is mined again
            pass

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db, self._pid = None, 0


_SHARED: _SharedFindings | None = None
_FIELDS = tuple(f.name for f in fields(Finding))  # in the order Finding takes them
_FOLDER_PREFIX = "kg-findings-"


@contextmanager
def shared_findings() -> Iterator[str | None]:
    """While a build runs, every process of it remembers each paper's findings in one
    temporary file (removed at the end), so a paper is mined once however many pages list it
    and whichever process reads them (twice if two processes reach it at the same moment).
    Yields the file's path, for processes that do not inherit this one's memory (see
    :func:`use_shared_findings`), or None where no temporary file can be made (then each
    process remembers its own, as outside a build)."""
    global _SHARED
    _sweep()
    folder, shared, lock = None, None, None
    try:
        folder = tempfile.mkdtemp(prefix=f"{_FOLDER_PREFIX}{os.getpid()}-")
        lock = _hold(folder)  # while this build runs: how the next one knows it is alive
        shared = _SharedFindings(os.path.join(folder, "findings.sqlite"))
        shared.create()
    except (OSError, sqlite3.Error):
        shared = None
    previous = _SHARED
    try:
        _SHARED = shared
        yield shared.path if shared is not None else None
    finally:
        _SHARED = previous
        if shared is not None:
            shared.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def _hold(folder: str) -> int | None:
    """A lock on ``folder`` for as long as this process (and the workers it forks) runs, or
    None where folders cannot be locked. Raises OSError if another process holds it (a
    build sweeping the folder away in the moment before it was locked)."""
    if os.name != "posix":
        return None
    from .store import lock_folder

    lock = lock_folder(folder)
    if lock is None:
        raise OSError(f"{folder} is locked by another process")
    return lock


def _sweep() -> None:
    """Remove the findings folders that builds killed before their end left behind: those
    no process holds the lock of (a build holds its folder's while it runs; the kernel lets
    go when the build ends, however it ends). Not the process id in the folder's name, which
    another process can have, in another container sharing the temporary folder."""
    if os.name != "posix":
        return
    from .store import remove_unless_locked

    for folder in glob.glob(os.path.join(tempfile.gettempdir(), _FOLDER_PREFIX + "*-*")):
        if os.path.basename(folder)[len(_FOLDER_PREFIX):].split("-")[0].isdigit():  # a build's
            remove_unless_locked(folder)


def use_shared_findings(path: str | None) -> None:
    """In a build's extraction process: remember findings in the build's file at ``path``."""
    global _SHARED
    if path is not None and (_SHARED is None or _SHARED.path != path):
        _SHARED = _SharedFindings(path)


def _find_in_papers(papers: Sequence[tuple[str, str]], batch_size: int) -> list[tuple[Finding, ...]]:
    nlp = pipeline()
    results: list[tuple[Finding, ...]] = []
    abstracts = nlp.pipe((a for _, a in papers), batch_size=batch_size)
    for (title, abstract), doc in zip(papers, abstracts):
        found: list[Finding] = []
        released: set[str] = set()
        for name, aliases, start, end in _title_names(title, abstract):
            released.add(_norm(name))
            released.update(_norm(a) for a in aliases)
        parsed = _parse(doc, abstract)
        first = _find(parsed, abstract, "abstract", released)
        new = {_norm(n) for f in first if f.role == "released" for n in (f.name, *f.aliases)}
        if new - released:  # a name released later in the abstract: earlier mentions count too
            released |= new
            first = _find(parsed, abstract, "abstract", released)
        found.extend(first)
        for name, aliases, start, end in _title_names(title, abstract):
            key = _norm(name)
            typed = [f for f in found if _norm(f.name) == key or key in map(_norm, f.aliases)]
            kind = typed[0].type if typed else _title_type(doc, name)
            found.append(Finding(name, kind, "released", title, start, end, "title-definition",
                                 CONFIDENCE["title-definition"], "title", tuple(aliases), name))
        results.append(tuple(_merge(_unify(found))))
    return results


def _neighbourhood_type(sent) -> str:
    """The commonest type word in a sentence and the ones either side of it; else method."""
    doc = sent.doc
    start = doc[sent.start - 1].sent.start if sent.start > 0 else sent.start
    end = doc[sent.end].sent.end if sent.end < len(doc) else sent.end
    counts: dict[str, int] = {}
    for token in doc[start:end]:
        kind = TYPE_WORDS.get(token.lower_)
        if kind:
            counts[kind] = counts.get(kind, 0) + (2 if sent.start <= token.i < sent.end else 1)
    return max(counts, key=lambda k: counts[k]) if counts else "method"


def _title_type(doc, name: str) -> str:
    """The type of a title-defined name: the type words of the abstract's sentences that use it."""
    counts: dict[str, int] = {}
    for sent in doc.sents:
        if name.casefold() in sent.text.casefold():
            for token in sent:
                kind = TYPE_WORDS.get(token.lower_)
                if kind:
                    counts[kind] = counts.get(kind, 0) + 1
    if not counts:
        for token in doc:
            kind = TYPE_WORDS.get(token.lower_)
            if kind:
                counts[kind] = counts.get(kind, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "method"


def _unify(findings: list[Finding]) -> list[Finding]:
    """Name an artifact by its acronym wherever its long form was written out alone."""
    by_alias = {}
    for f in findings:
        for a in f.aliases:
            by_alias[_norm(a)] = f.name
    out = []
    for f in findings:
        key = _norm(f.name)
        stem = key[:-1] if key.endswith("s") else key
        target = by_alias.get(key) or by_alias.get(stem)
        if target is None:
            for other in {x.name for x in findings}:
                if _norm(other) + "s" == key:
                    target = other
        if target and target != f.name:
            f = replace(f, name=target, aliases=tuple({*f.aliases, f.name}))
        out.append(f)
    return out


# -- into the graph ---------------------------------------------------------------------------

def _decimal(value: float) -> str:
    """The canonical form Oxigraph stores an xsd:decimal in ("0.9", "1"), so what the extractor
    yields is exactly what the store gives back."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def artifact_triples(profile, ctx) -> Iterator[Triple | str]:
    """The artifacts extractor of the registry: findings as artifact and mention nodes."""
    from .extract import code_urls, paper_iri
    from .vocab import KG, RDFS, SKOS, TYPE, XSD

    minter = ctx.minter
    t = ctx.triple
    extractor = minter.extractor(EXTRACTOR_NAME)
    yield t(extractor, TYPE, KG.Extractor)
    yield t(extractor, RDFS.label, Literal(f"scholar-kg rule-based artifact miner v{EXTRACTOR_VERSION}"))
    classes = {"dataset": KG.Dataset, "benchmark": KG.Benchmark, "model": KG.Model,
               "method": KG.Method, "software": KG.Software}
    all_findings = find_in_papers([(p.title, p.abstract) for p in profile.papers])
    # An artifact found in several papers is said once; with another type or other aliases,
    # again (those are other triples).
    said: set[tuple[str, str, tuple[str, ...]]] = set()
    for paper, findings in zip(profile.papers, all_findings):
        node = paper_iri(paper, minter)
        repos = [NamedNode(u) for u in code_urls(paper)]
        for index, f in enumerate(sorted(findings, key=lambda f: (f.field != "title", f.start)), 1):
            artifact = minter.artifact(f.name)
            if (f.name, f.type, f.aliases) not in said:
                said.add((f.name, f.type, f.aliases))
                yield t(artifact, TYPE, KG.Artifact)
                yield t(artifact, TYPE, classes[f.type])
                yield t(artifact, RDFS.label, Literal(f.name))
                for alias in f.aliases:
                    yield t(artifact, SKOS.altLabel, Literal(alias))
            yield t(node, KG.introduces if f.role == "released" else KG.uses, artifact)
            mention = minter.mention(node, index)
            yield t(mention, TYPE, KG.ArtifactMention)
            yield t(mention, KG.mentionOf, artifact)
            yield t(mention, KG.inPaper, node)
            yield t(mention, KG.role, Literal(f.role))
            yield t(mention, KG.evidenceText, Literal(f.evidence))
            yield t(mention, KG.evidenceField, Literal(f.field))
            yield t(mention, KG.startOffset, Literal(str(f.start), datatype=XSD.integer))
            yield t(mention, KG.endOffset, Literal(str(f.end), datatype=XSD.integer))
            yield t(mention, KG.matchedText, Literal(f.matched or f.name))
            yield t(mention, KG.rule, Literal(f.rule))
            yield t(mention, KG.confidence, Literal(_decimal(f.confidence), datatype=XSD.decimal))
            yield t(mention, KG.extractedBy, extractor)
            if f.role == "released":
                for repo in repos:
                    yield t(repo, KG.releasesArtifact, artifact)
