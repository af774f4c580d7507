#!/usr/bin/env python3
"""Generate a synthetic corpus of researcher-profile pages for benchmarks.

The pages follow the format of ``shared/samples/dhruv-mahajan.profile.txt`` byte for
byte: a header (name, primary category, h-index, papers, citations, Novelty, AI Score,
"<N> Papers") and then one block per paper (category + date + optional "Code", title,
authors line with " et al." and " · " organisation tags, one-line abstract), blocks
separated by one blank line, no newline at the end of the file.

Usage::

    python benchmarks/make_corpus.py --papers 100000 --seed 1 --out /tmp/corpus

What the corpus looks like:

- A pool of people (``--people``, default about papers / 8) with names from varied
  lists, some with diacritics ("Michał Dereziński") or initials ("S. K. Rao"). People
  sit in small groups (labs) that share a home category and organisation; co-authors are
  mostly drawn from the same group. Productivity is Pareto-distributed (long tail).
  About 40 % of the people have a profile page; the others only appear as co-authors
  (and, like "S Sathiya Keerthi" / "S. Sathiya Keerthi", may be spelled two ways).
- ``--papers`` distinct papers (distinct titles), each with 1-12 authors, at least one of
  whom has a profile. A paper is listed, with identical text, on the page of every
  author who has a profile, whether that author is among the three names shown or
  hidden behind "et al.".
- Titles and abstracts (about 150-250 words) are composed from many templates. They
  mention *released* artifacts (invented names: acronyms with long forms, CamelCase,
  "Name: Title" titles), *used* artifacts (a built-in pool of well-known datasets,
  benchmarks, models and software), and plenty of sentences with no artifact at all.
- About 20 % of papers carry the "Code" flag; most of those, and a few others, have a
  ``https://github.com/<org>/<repo>`` URL in the abstract. Some papers share a repo.

Output is deterministic: the same arguments give byte-identical files. Papers are kept
as a few compact numbers each; their text is regenerated from
``random.Random(f"{seed}:{paper_id}:...")`` whenever a page needs it (with a small
bounded cache), so memory stays bounded and 100,000 papers take well under a minute.
Files already in ``--out`` are overwritten when they have the same name, and are
otherwise left alone.

This script uses the standard library only.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import hashlib
import math
import random
import re
import string
import sys
import time
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

# --------------------------------------------------------------------------------------
# Fixed vocabularies
# --------------------------------------------------------------------------------------

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CATEGORIES = ("CV", "LG", "CL", "AI", "ML")
CATEGORY_WEIGHTS = (0.34, 0.30, 0.16, 0.12, 0.08)
FIRST_YEAR, LAST_YEAR = 2010, 2025
EPOCH = date(FIRST_YEAR, 1, 1)

ORG_TAGS = (
    "meta-ai", "google", "berkeley", "allen-ai", "stanford", "cmu", "mit", "microsoft",
    "deepmind", "openai", "nvidia", "oxford", "mila", "tsinghua", "eth-zurich", "toronto",
)
# GitHub organisations that a tag's papers often publish under.
GITHUB_ORGS = {
    "meta-ai": ("facebookresearch",), "google": ("google-research", "google"),
    "berkeley": ("berkeley-ai", "ucbrise"), "allen-ai": ("allenai",),
    "stanford": ("stanfordnlp", "StanfordVL"), "cmu": ("cmu-lti", "CMU-Perceptual-Lab"),
    "mit": ("mit-han-lab", "csail-ml"), "microsoft": ("microsoft",),
    "deepmind": ("google-deepmind", "deepmind"), "openai": ("openai",),
    "nvidia": ("NVlabs", "NVIDIA"), "oxford": ("oxford-vgg",), "mila": ("mila-iqia",),
    "tsinghua": ("THUDM", "thu-ml"), "eth-zurich": ("eth-sri", "ethz-asl"),
    "toronto": ("uoft-ml",),
}

FIRST_NAMES = (
    "James", "Mary", "Robert", "Emily", "Daniel", "Laura", "Michael", "Sarah", "David",
    "Anna", "Thomas", "Julia", "Peter", "Sophie", "Matthew", "Rachel", "Andrew", "Claire",
    "Kevin", "Megan", "Ross", "Laurens", "Hervé", "François", "Amélie", "Jérôme", "Zoë",
    "Renée", "Søren", "Åsa", "Björn", "Jürgen", "Günter", "Jörg", "Mónica", "José",
    "Ramón", "Iñaki", "Sebastián", "Inês", "João", "Łukasz", "Michał", "Paweł", "Zdeněk",
    "Jiří", "Ondřej", "Dávid", "István", "Gökhan", "Çağlar", "Şükrü", "İlker", "Mihai",
    "Ștefan", "Nikolaos", "Dimitris", "Ivan", "Olga", "Sergey", "Anastasia", "Yaroslav",
    "Vladan", "Ivona", "Goran", "Matías", "Ana", "Luca", "Giulia", "Matteo", "Chiara",
    "Francesco", "Elena", "Wei", "Yue", "Jing", "Xiaoliang", "Chih-Yao", "Zhenqiang",
    "Haoran", "Qing", "Rui", "Yin", "Zeqi", "Xuewei", "Kaiming", "Jian", "Hao", "Lei",
    "Xinyu", "Tianyi", "Yichen", "Shuang", "Mingxing", "Jun-Yan", "Hyun-Woo", "Ji-Hoon",
    "Seung-won", "Minjoon", "Hiroshi", "Yuki", "Takeshi", "Kenji", "Haruka", "Sora",
    "Quoc", "Thanh", "Minh", "Linh", "Dhruv", "Vignesh", "Anmol", "Abhimanyu", "Abhinav",
    "Priya", "Ishan", "Deepti", "Animesh", "Praful", "Nikunj", "Vivek", "Aditi", "Ananya",
    "Rohan", "Kavya", "Sanjeev", "Lakshmi", "Arjun", "Shreya", "Karthik", "Meera",
    "Siddharth", "Ahmed", "Fatima", "Omar", "Layla", "Youssef", "Amira", "Kwame", "Ngozi",
    "Chinedu", "Aisha", "Tariq", "Mehmet", "Yasmin", "Reza", "Parisa", "Arash", "Kofi",
    "Filip", "Mannat", "Humam", "Bruno", "Deniz", "Noa", "Eitan", "Tamar", "Aleksandr",
)
LAST_NAMES = (
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clarke", "Girshick", "Gordo",
    "Feiszli", "Tran", "Misra", "Goyal", "Gupta", "Singh", "Sharma", "Patel", "Iyer",
    "Reddy", "Rao", "Nair", "Mahajan", "Keerthi", "Ramanathan", "Kalia", "Petrovic",
    "Radenovic", "Dubey", "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao",
    "Wu", "Zhou", "Xu", "Sun", "Ma", "Hu", "Guo", "He", "Lin", "Kim", "Lee", "Park",
    "Choi", "Jung", "Kang", "Tanaka", "Suzuki", "Watanabe", "Sato", "Nakamura", "Nguyen",
    "Pham", "Le", "Hoang", "Nguyễn", "Müller", "Schröder", "Köhler", "Wagner", "Becker",
    "Hoffmann", "Schäfer", "Jégou", "Lefèvre", "Dubois", "Rousseau", "Gómez", "García",
    "Rodríguez", "Martínez", "Pérez", "Núñez", "Muñoz", "Dereziński", "Wójcik",
    "Kowalski", "Nowak", "Zieliński", "Łukasiewicz", "Dvořák", "Novák", "Černý",
    "Horváth", "Kovács", "Szabó", "Yılmaz", "Çelik", "Öztürk", "Şahin", "Popescu",
    "Ionescu", "Papadopoulos", "Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Jovanović",
    "Šarić", "Rossi", "Bianchi", "Ricci", "Esposito", "Costa", "Silva", "Santos",
    "Ferreira", "Sousa", "Andersen", "Nielsen", "Lindqvist", "Søndergaard", "Håkansson",
    "Ødegaard", "Okafor", "Mensah", "Hassan", "Haddad", "Khan", "Hosseini", "Rahimi",
    "van der Maaten", "van den Berg", "de Vries", "O'Brien", "McAllister", "Alwassel",
    "Korbar", "Najdenkoska", "Vandenhende", "Yalniz", "Sundararajan", "Agrawal", "Weimer",
    "Cano", "Pentland", "Grauman", "Ghadiyaram", "Adcock", "Gustafson", "Levy", "Cohen",
    "Friedman", "Schmidt", "Fischer", "Weber", "Meyer", "Bauer", "Richter", "Krause",
)
INITIALS = "ABCDEFGHIJKLMNPRSTVWY"

# Well-known public artifacts: (name, type, domains). Types follow tests/gold/README.md.
USED_POOL: tuple[tuple[str, str, str], ...] = (
    ("ImageNet", "dataset", "CV LG ML"), ("ImageNet-21k", "dataset", "CV"),
    ("COCO", "dataset", "CV"), ("LVIS", "dataset", "CV"), ("CIFAR-10", "dataset", "CV LG ML"),
    ("CIFAR-100", "dataset", "CV LG ML"), ("Pascal VOC", "dataset", "CV"),
    ("Cityscapes", "dataset", "CV"), ("ADE20K", "dataset", "CV"),
    ("Kinetics-400", "dataset", "CV"), ("Places365", "dataset", "CV"),
    ("Open Images", "dataset", "CV"), ("CelebA", "dataset", "CV LG"),
    ("MNIST", "dataset", "CV LG ML"), ("Fashion-MNIST", "dataset", "LG ML"),
    ("SVHN", "dataset", "CV LG"), ("KITTI", "dataset", "CV AI"), ("nuScenes", "dataset", "CV AI"),
    ("ScanNet", "dataset", "CV"), ("ShapeNet", "dataset", "CV"),
    ("Visual Genome", "dataset", "CV CL"), ("CLEVR", "dataset", "CV AI"),
    ("LAION-5B", "dataset", "CV LG"), ("Conceptual Captions", "dataset", "CV CL"),
    ("Ego4D", "dataset", "CV"), ("Something-Something v2", "dataset", "CV"),
    ("UCF101", "dataset", "CV"), ("HMDB51", "dataset", "CV"), ("Objects365", "dataset", "CV"),
    ("iNaturalist", "dataset", "CV"), ("Flickr30k", "dataset", "CV CL"),
    ("VQA v2", "dataset", "CV CL AI"), ("SQuAD", "dataset", "CL"), ("GLUE", "benchmark", "CL LG"),
    ("SuperGLUE", "benchmark", "CL"), ("MNLI", "dataset", "CL"), ("SNLI", "dataset", "CL"),
    ("WikiText-103", "dataset", "CL LG"), ("Penn Treebank", "dataset", "CL"),
    ("CoNLL-2003", "dataset", "CL"), ("MMLU", "benchmark", "CL AI"), ("GSM8K", "dataset", "CL AI"),
    ("HumanEval", "benchmark", "CL AI"), ("The Pile", "dataset", "CL LG"),
    ("C4", "dataset", "CL LG"),
    ("Natural Questions", "dataset", "CL"), ("TriviaQA", "dataset", "CL"),
    ("HotpotQA", "dataset", "CL AI"), ("XNLI", "dataset", "CL"), ("WMT14", "dataset", "CL"),
    ("MS MARCO", "dataset", "CL"), ("BIG-bench", "benchmark", "CL AI"),
    ("HellaSwag", "benchmark", "CL AI"), ("TruthfulQA", "benchmark", "CL AI"),
    ("MovieLens", "dataset", "LG ML"), ("Criteo", "dataset", "LG ML"),
    ("OGB", "benchmark", "LG ML"), ("Cora", "dataset", "LG ML"),
    ("Atari 2600", "benchmark", "LG AI"), ("MuJoCo", "software", "LG AI"),
    ("D4RL", "benchmark", "LG AI"), ("OpenAI Gym", "software", "LG AI"),
    ("UCI Adult", "dataset", "LG ML"), ("Higgs", "dataset", "LG ML"),
    ("BERT", "model", "CL LG"), ("RoBERTa", "model", "CL"), ("GPT-2", "model", "CL LG"),
    ("GPT-3", "model", "CL AI"), ("GPT-4", "model", "CL AI"), ("T5", "model", "CL"),
    ("LLaMA", "model", "CL AI LG"), ("Llama 2", "model", "CL AI"), ("Mistral 7B", "model", "CL AI"),
    ("CLIP", "model", "CV CL"), ("ResNet-50", "model", "CV LG"), ("ResNet-101", "model", "CV"),
    ("ViT-B/16", "model", "CV"), ("VGG-16", "model", "CV"), ("Inception-v3", "model", "CV"),
    ("EfficientNet", "model", "CV"), ("Swin Transformer", "model", "CV"), ("DINO", "model", "CV"),
    ("Stable Diffusion", "model", "CV LG"), ("Segment Anything", "model", "CV"),
    ("YOLOv5", "model", "CV"), ("Faster R-CNN", "model", "CV"), ("Mask R-CNN", "model", "CV"),
    ("U-Net", "model", "CV LG"), ("XLNet", "model", "CL"), ("ELECTRA", "model", "CL"),
    ("BART", "model", "CL"), ("Whisper", "model", "CL AI"), ("wav2vec 2.0", "model", "CL"),
    ("word2vec", "model", "CL ML"), ("GloVe", "model", "CL"), ("fastText", "software", "CL"),
    ("PyTorch", "software", "CV LG CL AI ML"), ("TensorFlow", "software", "CV LG CL AI ML"),
    ("JAX", "software", "LG ML AI"), ("Hadoop", "software", "LG ML"),
    ("Apache Spark", "software", "LG ML"), ("scikit-learn", "software", "ML LG"),
    ("XGBoost", "software", "ML LG"), ("LightGBM", "software", "ML LG"),
    ("Hugging Face Transformers", "software", "CL LG"), ("DeepSpeed", "software", "LG CL"),
    ("Megatron-LM", "software", "LG CL"), ("Kubernetes", "software", "LG"),
    ("OpenCV", "software", "CV"), ("spaCy", "software", "CL"), ("NLTK", "software", "CL"),
    ("Detectron2", "software", "CV"), ("MMDetection", "software", "CV"),
    ("Ray", "software", "LG AI"),
    ("Horovod", "software", "LG"), ("Vowpal Wabbit", "software", "ML LG"),
    ("LIBLINEAR", "software", "ML"), ("LIBSVM", "software", "ML"), ("MPI", "software", "LG ML"),
    ("Gurobi", "software", "AI ML"),
)
_USED_CASEFOLD = frozenset(name.casefold() for name, _, _ in USED_POOL)


@dataclass(frozen=True)
class Domain:
    """Vocabulary for one arXiv-style category."""

    tasks: tuple[str, ...]
    data: tuple[str, ...]
    metrics: tuple[str, ...]
    field: str
    datasets: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    software: tuple[str, ...] = ()


_DOMAIN_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]] = {
    "CV": (
        ("object detection", "semantic segmentation", "instance segmentation",
         "image classification", "video recognition", "depth estimation",
         "text-to-image generation", "visual question answering", "3D reconstruction",
         "human pose estimation", "optical flow estimation", "image retrieval",
         "few-shot recognition", "open-vocabulary detection", "action localization",
         "image quality assessment"),
        ("images", "videos", "point clouds", "image-text pairs", "egocentric videos",
         "satellite images"),
        ("mAP", "top-1 accuracy", "mIoU", "FID", "AP50", "recall@1"),
        "computer vision",
    ),
    "CL": (
        ("machine translation", "question answering", "abstractive summarization",
         "named entity recognition", "natural language inference", "dialogue generation",
         "instruction following", "code generation", "sentiment analysis",
         "relation extraction", "reading comprehension", "language modeling",
         "fact verification", "speech recognition"),
        ("documents", "sentences", "dialogues", "instruction-response pairs",
         "parallel corpora", "web text"),
        ("BLEU", "exact match", "F1", "perplexity", "ROUGE-L", "accuracy"),
        "natural language processing",
    ),
    "LG": (
        ("representation learning", "distributed optimization", "federated learning",
         "reinforcement learning", "graph classification", "domain generalization",
         "continual learning", "self-supervised learning", "hyperparameter optimization",
         "model compression", "out-of-distribution detection", "time-series forecasting",
         "semi-supervised learning", "neural architecture search"),
        ("tabular data", "graphs", "time series", "unlabelled examples", "training samples",
         "user interactions"),
        ("accuracy", "AUC", "test error", "regret", "wall-clock time", "calibration error"),
        "machine learning",
    ),
    "ML": (
        ("kernel learning", "Bayesian inference", "matrix completion", "causal inference",
         "active learning", "sparse regression", "online learning", "ranking",
         "clustering", "density estimation", "multi-armed bandits", "recommendation"),
        ("high-dimensional data", "sparse features", "streaming data", "observational data",
         "pairwise preferences", "tabular data"),
        ("AUC", "log-likelihood", "RMSE", "regret", "NDCG", "test error"),
        "statistical learning",
    ),
    "AI": (
        ("multi-step reasoning", "task planning", "multi-agent coordination", "tool use",
         "knowledge graph completion", "theorem proving", "program synthesis",
         "commonsense reasoning", "embodied navigation", "preference learning",
         "autonomous driving", "game playing"),
        ("trajectories", "demonstrations", "knowledge graphs", "human preferences",
         "simulated environments", "natural-language instructions"),
        ("success rate", "win rate", "accuracy", "pass@1", "reward", "Hits@10"),
        "artificial intelligence",
    ),
}


def _build_domains() -> dict[str, Domain]:
    def pick(cat: str, kinds: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(n for n, t, d in USED_POOL if cat in d.split() and t in kinds)

    return {
        cat: Domain(tasks, data, metrics, field_name,
                    datasets=pick(cat, ("dataset", "benchmark")), models=pick(cat, ("model",)),
                    software=pick(cat, ("software",)))
        for cat, (tasks, data, metrics, field_name) in _DOMAIN_WORDS.items()
    }


DOMAINS = _build_domains()

METHODS = (
    "contrastive pre-training", "knowledge distillation", "sparse attention",
    "mixture-of-experts routing", "diffusion models", "low-rank adaptation", "self-training",
    "curriculum learning", "second-order optimization", "graph neural networks",
    "variational inference", "kernel machines", "gradient boosting", "masked autoencoding",
    "prompt tuning", "data augmentation", "quantization-aware training", "meta-learning",
    "retrieval augmentation", "weak supervision", "policy optimization", "model merging",
    "token pruning", "test-time adaptation", "importance sampling", "label smoothing",
)
PROPERTIES = (
    "robustness", "sample efficiency", "scalability", "interpretability", "fairness",
    "calibration", "generalization", "compositionality", "faithfulness", "efficiency",
    "stability", "transferability",
)
SETTINGS = (
    "zero-shot", "few-shot", "low-resource", "large-scale", "distributed", "long-tailed",
    "multilingual", "open-world", "weakly supervised", "on-device", "noisy-label",
)
ADJECTIVES = ("simple", "scalable", "efficient", "unified", "principled", "lightweight",
              "general", "modular", "robust", "practical")

NAME_WORDS = (
    "Adaptive", "Hierarchical", "Sparse", "Contrastive", "Unified", "Multimodal", "Efficient",
    "Robust", "Scalable", "Temporal", "Generative", "Masked", "Latent", "Neural",
    "Probabilistic", "Structured", "Dynamic", "Federated", "Causal", "Visual", "Language",
    "Graph", "Token", "Attention", "Routing", "Alignment", "Distillation", "Retrieval",
    "Augmented", "Diffusion", "Reasoning", "Memory", "Policy", "Embedding", "Kernel",
    "Quantized", "Pruned", "Spectral", "Implicit", "Recurrent", "Modular", "Continual",
    "Semantic", "Geometric", "Grounded", "Interactive", "Compositional", "Progressive",
)
NAME_NOUNS_BY_KIND = {
    "dataset": ("Objects", "Scenes", "Parts", "Attributes", "Dialogues", "Documents",
                "Interactions", "Trajectories", "Captions", "Questions", "Annotations"),
    "benchmark": ("Evaluation", "Benchmark", "Tasks", "Tests", "Challenges", "Suite"),
    "model": ("Transformer", "Network", "Model", "Encoder", "Experts", "Decoder"),
    "method": ("Training", "Learning", "Alignment", "Optimization", "Search", "Tuning",
               "Sampling", "Distillation", "Pruning"),
    "software": ("Engine", "Toolkit", "Runtime", "Library", "Framework", "System"),
}
KIND_NOUN = {  # how the text refers to a released thing of each type
    "dataset": ("dataset", "corpus", "collection"),
    "benchmark": ("benchmark", "evaluation suite", "test suite"),
    "model": ("model", "family of models", "architecture"),
    "method": ("approach", "method", "framework", "training recipe"),
    "software": ("library", "system", "toolkit"),
}
KIND_WEIGHTS = {"model": 0.32, "method": 0.34, "dataset": 0.14, "benchmark": 0.12, "software": 0.08}
CAMEL_SUFFIX = {
    "model": ("Net", "Former", "LM", "GAN", "Diff", "BERT", "Vox", "Seg"),
    "method": ("Mix", "Flow", "Fit", "Clust", "Prune", "Align", "Tune"),
    "dataset": ("-1M", "DB", "Set", "-QA", "Caps"),
    "benchmark": ("Bench", "Eval", "Arena", "Test"),
    "software": ("Lib", "Kit", "Serve", "Run", "Flow"),
}
ONSETS = ("b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
          "br", "cl", "dr", "fl", "gr", "kr", "pl", "st", "tr", "sk", "th", "qu", "x")
VOWELS = ("a", "e", "i", "o", "u", "a", "o", "ae", "io", "y")
CODAS = ("", "", "", "n", "r", "x", "l", "s", "m", "k", "t")
SMALL_WORDS = frozenset((
    "a", "an", "the", "and", "or", "of", "for", "in", "on", "with", "via", "to", "from",
    "by", "at", "as", "is", "are", "do", "does", "vs",
))

# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

_ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                             "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "ı": "i"})


def slugify(name: str) -> str:
    """Turn a person's name into the file-name slug used for their profile page.

    >>> slugify("Dhruv Mahajan")
    'dhruv-mahajan'
    >>> slugify("Michał Dereziński")
    'michal-derezinski'
    >>> slugify("S. K. Rao")
    's-k-rao'
    """
    folded = unicodedata.normalize("NFKD", name.translate(_ASCII_FOLD))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii").lower()
    out, dash = [], False
    for ch in ascii_only:
        if ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


@functools.cache
def title_case(phrase: str) -> str:
    """Title-case a lowercase vocabulary phrase, keeping acronyms and small words.

    >>> title_case("open-vocabulary detection of 3D objects")
    'Open-Vocabulary Detection of 3D Objects'
    """
    words = phrase.split(" ")
    out = []
    for i, word in enumerate(words):
        if (i and word in SMALL_WORDS) or any(c.isupper() or c.isdigit() for c in word):
            out.append(word)
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
    return " ".join(out)


_ARTICLE = re.compile(r"\b([Aa]) (?=[AaEeIiOo]|[Uu](?!ni|s[eu]))")


def fix_articles(text: str) -> str:
    """Turn "a" into "an" before a vowel sound (templates write "a" everywhere).

    >>> fix_articles("a efficient model, a unified one, A Open Question")
    'an efficient model, a unified one, An Open Question'
    """
    return _ARTICLE.sub(lambda m: m.group(1) + "n ", text)


def format_date(day_offset: int) -> str:
    """Render a day offset from 2010-01-01 the way the site does.

    >>> format_date(0), format_date(4751)
    ('Jan 1, 2010', 'Jan 4, 2023')
    """
    d = EPOCH + timedelta(days=day_offset)
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def h_index(citations: Iterable[int]) -> int:
    """Largest h such that h papers have at least h citations each.

    >>> h_index([10, 8, 5, 4, 3]), h_index([0, 0]), h_index([])
    (4, 0, 0)
    """
    h = 0
    for i, c in enumerate(sorted(citations, reverse=True), start=1):
        if c < i:
            break
        h = i
    return h


T = TypeVar("T")


def _weighted(rng: random.Random, items: Sequence[T], cum: Sequence[float]) -> T:
    return items[bisect.bisect_right(cum, rng.random() * cum[-1], 0, len(cum) - 1)]


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


_CAT_CUM = _cumulative(CATEGORY_WEIGHTS)
_AUTHOR_COUNTS = tuple(range(1, 13))
_AUTHOR_CUM = _cumulative((3, 9, 16, 17, 15, 11, 8, 6, 5, 4, 3, 3))
_YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
_YEAR_CUM = _cumulative(1.18 ** (y - FIRST_YEAR) for y in _YEARS)
_KINDS = tuple(KIND_WEIGHTS)
_KIND_CUM = _cumulative(KIND_WEIGHTS.values())
_N_DATASETS_CUM = _cumulative((22, 26, 28, 15, 9))
_N_MODELS_CUM = _cumulative((45, 40, 15))
_N_TAGS_CUM = _cumulative((25, 55, 15, 5))

# --------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------


def _make_name(rng: random.Random, extra_initial: bool) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    r = rng.random()
    if r < 0.08 or extra_initial:
        name = f"{first} {rng.choice(INITIALS)}. {last}"
    elif r < 0.12:
        name = f"{rng.choice(INITIALS)}. {rng.choice(INITIALS)}. {last}"
    elif r < 0.14:
        name = f"{rng.choice(INITIALS)}. {last}"
    elif r < 0.19:
        name = f"{rng.choice(INITIALS)}. {first} {last}"
    elif r < 0.23:
        name = f"{first} {rng.choice(FIRST_NAMES)} {last}"
    elif r < 0.26:
        name = f"{first} {last}-{rng.choice(LAST_NAMES)}"
    else:
        name = f"{first} {last}"
    if extra_initial and rng.random() < 0.5:  # deeper fallback for very large pools
        name = f"{rng.choice(INITIALS)}. {name}"
    return name


def _name_variants(name: str) -> tuple[str, ...]:
    """Other spellings a co-author without a profile can have on some papers."""
    parts = name.split(" ")
    variants = []
    if any(len(p) == 2 and p.endswith(".") for p in parts):
        variants.append(" ".join(p[0] if len(p) == 2 and p.endswith(".") else p for p in parts))
    if len(parts) >= 3 and len(parts[0]) == 2 and parts[0].endswith(".") and len(parts[1]) > 2:
        variants.append(" ".join(parts[1:]))
    return tuple(variants)


@dataclass
class People:
    """The pool of people: names, productivity, labs, and who has a profile page."""

    names: list[str]
    cum_weight: list[float]
    weight: list[float]
    group_of: array[int]
    group_bounds: list[tuple[int, int]]
    group_cat: list[int]
    group_org: list[int]
    profiled: bytearray
    profiled_ids: list[int]
    profiled_cum: list[float]
    variants: dict[int, tuple[str, ...]] = field(default_factory=dict)


def plan_people(n_people: int, seed: int) -> People:
    """Draw the pool of people for a seed (deterministic)."""
    rng = random.Random(f"{seed}:people")
    names: list[str] = []
    seen: set[str] = set()
    for _ in range(n_people):
        for attempt in range(400):
            name = _make_name(rng, extra_initial=attempt > 40)
            slug = slugify(name)
            if slug not in seen:
                break
        else:
            raise ValueError(f"--people {n_people} is too large for the built-in name lists")
        seen.add(slug)
        names.append(name)
    weight = [min(rng.paretovariate(1.2), 60.0) for _ in range(n_people)]
    group_of = array("I", bytes(4 * n_people))
    bounds: list[tuple[int, int]] = []
    lo = 0
    while lo < n_people:
        hi = min(n_people, lo + rng.randint(8, 40))
        for i in range(lo, hi):
            group_of[i] = len(bounds)
        bounds.append((lo, hi))
        lo = hi
    group_cat = [CATEGORIES.index(_weighted(rng, CATEGORIES, _CAT_CUM)) for _ in bounds]
    group_org = [rng.randrange(len(ORG_TAGS)) for _ in bounds]
    profiled = bytearray(1 if rng.random() < 0.4 else 0 for _ in range(n_people))
    if not any(profiled):
        profiled[max(range(n_people), key=weight.__getitem__)] = 1
    profiled_ids = [i for i in range(n_people) if profiled[i]]
    people = People(
        names=names, cum_weight=_cumulative(weight), weight=weight, group_of=group_of,
        group_bounds=bounds, group_cat=group_cat, group_org=group_org, profiled=profiled,
        profiled_ids=profiled_ids, profiled_cum=_cumulative(weight[i] for i in profiled_ids),
    )
    for i, name in enumerate(names):
        if not profiled[i]:
            v = _name_variants(name)
            if v:
                people.variants[i] = v
    return people


def _sample_person(rng: random.Random, people: People, lo: int, hi: int) -> int:
    cum = people.cum_weight
    base = cum[lo - 1] if lo else 0.0
    return bisect.bisect_right(cum, base + rng.random() * (cum[hi - 1] - base), lo, hi - 1)


# --------------------------------------------------------------------------------------
# Released names and the per-paper "core" (everything the title and abstract share)
# --------------------------------------------------------------------------------------


def _syllable(rng: random.Random) -> str:
    return rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)


def _invent_name(rng: random.Random, kind: str) -> tuple[str, str]:
    """Return (name, long form or "") for a released artifact of the given kind."""
    for _ in range(50):
        r = rng.random()
        long_form = ""
        if r < 0.45:  # acronym with its long form: "Neural Basis Model (NBM)"
            nouns = NAME_NOUNS_BY_KIND[kind]
            shape = rng.random()
            if shape < 0.4:
                words = [rng.choice(NAME_WORDS), rng.choice(NAME_WORDS), rng.choice(nouns)]
            elif shape < 0.6:
                words = [rng.choice(NAME_WORDS), rng.choice(nouns)]
            elif shape < 0.8:
                words = [rng.choice(NAME_WORDS), "and", rng.choice(NAME_WORDS), rng.choice(nouns)]
            else:
                words = [rng.choice(NAME_WORDS), rng.choice(nouns), "for",
                         rng.choice(NAME_WORDS), rng.choice(nouns)]
            if len(set(words)) < len(words):
                continue
            content = [w for w in words if w not in SMALL_WORDS]
            mixed = rng.random() < 0.3
            letters = []
            for j, w in enumerate(content):
                letters.append(w[:2] if mixed and j == 0 else w[0])
            name = "".join(letters)
            if len(name) < 2:
                continue
            long_form = " ".join(words)
        elif r < 0.75:  # CamelCase: "KaloNet", "Vemrix"
            stem = _syllable(rng) + (_syllable(rng) if rng.random() < 0.6 else "")
            stem = stem[:1].upper() + stem[1:]
            name = stem + (rng.choice(CAMEL_SUFFIX[kind]) if rng.random() < 0.6 else "")
        elif r < 0.9:  # short pronounceable capitals: "ZAP", "PACO"
            name = (_syllable(rng) + (_syllable(rng) if rng.random() < 0.5 else "")).upper()
            if len(name) < 3:
                continue
        else:  # versioned: "Nerva-2", "Lumo 3"
            stem = _syllable(rng) + _syllable(rng)
            name = stem[:1].upper() + stem[1:] + rng.choice(("-2", " 2", " 3", "-XL", "v2"))
        if name.casefold() not in _USED_CASEFOLD:
            return name, long_form
    return "Zorblax", ""


@dataclass(frozen=True)
class Core:
    """What the title and the abstract of one paper share."""

    category: str
    task: str
    task2: str
    data: str
    method: str
    method2: str
    prop: str
    setting: str
    metric: str
    adj: str
    kind: str  # type of the released artifact, "" when nothing named is released
    name: str
    long_form: str
    kind_noun: str
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    software: tuple[str, ...]


def paper_core(seed: int, pid: int, category: str) -> Core:
    """Regenerate the shared facts of a paper from its seed and id."""
    rng = random.Random(f"{seed}:{pid}:core")
    dom = DOMAINS[category]
    other = DOMAINS[rng.choice(CATEGORIES)] if rng.random() < 0.15 else dom
    task, task2 = rng.sample(dom.tasks, 2)
    method, method2 = rng.sample(METHODS, 2)
    kind = name = long_form = kind_noun = ""
    if rng.random() < 0.6:
        kind = _weighted(rng, _KINDS, _KIND_CUM)
        name, long_form = _invent_name(rng, kind)
        kind_noun = rng.choice(KIND_NOUN[kind])
    n_data = _weighted(rng, (0, 1, 2, 3, 4), _N_DATASETS_CUM)
    n_models = _weighted(rng, (0, 1, 2), _N_MODELS_CUM)
    n_soft = 1 if rng.random() < 0.22 else 0
    pool_d = other.datasets
    return Core(
        category=category, task=task, task2=task2, data=rng.choice(dom.data),
        method=method, method2=method2, prop=rng.choice(PROPERTIES),
        setting=rng.choice(SETTINGS), metric=rng.choice(dom.metrics), adj=rng.choice(ADJECTIVES),
        kind=kind, name=name, long_form=long_form, kind_noun=kind_noun,
        datasets=tuple(rng.sample(pool_d, min(n_data, len(pool_d)))),
        models=tuple(rng.sample(dom.models, min(n_models, len(dom.models)))),
        software=tuple(rng.sample(dom.software, min(n_soft, len(dom.software)))),
    )


# --------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------

TITLE_TEMPLATES = (
    "{Method} for {Task}",
    "Towards Better {Prop} in {Task}",
    "{Method} via {Method2}",
    "On the {Prop} of {Method}",
    "Revisiting {Method} for {Setting} {Task}",
    "Scaling {Method} to Billions of {Data}",
    "Learning {Task} from {Setting} {Data}",
    "{Adj} {Method} with {Method2}",
    "Rethinking {Task}: A {Prop} Perspective",
    "When Does {Method} Help {Task}?",
    "Measuring {Prop} in {Task}",
    "{Method} Is All You Need for {Task}",
    "A Study of {Method} in {Setting} {Task}",
    "{Method} Meets {Method2}",
    "Distributed {Method} for {Setting} {Task}",
    "Improving {Task} with {Method}",
    "{Adj} and {Prop}-Aware {Task}",
    "Making {Method} Work for {Task}",
    "Self-Supervised {Task} through {Method}",
    "Beyond {D1}: {Setting} {Task} in the Wild",
    "How Far Can {Method} Go on {Task}?",
    "{Setting} {Task} with {Method} and {Method2}",
    "Understanding {Prop} in {Method}",
    "Filtering, {Method}, and {Method2} for {Task}",
    "{Method} Boosts {Task} for {Setting} {Data}",
    "Do {Data} Really Need {Method}?",
)
NAMED_TITLE_TEMPLATES = (
    "{N}: {Long}",
    "{N}: {Generic}",
    "{N}: A {Adj} {KindNoun} for {Task}",
    "{N}: {Method} for {Setting} {Task}",
    "The {N} {KindNoun}",
    "{Generic} with {N}",
)


class _Fields(dict[str, str]):
    """A format mapping: fixed fields from the dict, fresh random values for the rest."""

    __slots__ = ("rng",)

    def __init__(self, rng: random.Random, fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        return DYNAMIC[key](self.rng)


def _fields_of(template: str) -> frozenset[str]:
    return frozenset(f for _, f, _, _ in string.Formatter().parse(template) if f)


def _title_fields(core: Core) -> dict[str, str]:
    fixed = {
        "Method": title_case(core.method), "Method2": title_case(core.method2),
        "Task": title_case(core.task), "Prop": title_case(core.prop),
        "Setting": title_case(core.setting), "Data": title_case(core.data),
        "Adj": title_case(core.adj),
    }
    if core.datasets:
        fixed["D1"] = core.datasets[0]
    if core.name:
        fixed["N"] = core.name
        fixed["KindNoun"] = title_case(core.kind_noun)
        if core.long_form:
            fixed["Long"] = core.long_form
    return fixed


_TITLE_REQ = {t: _fields_of(t) for t in TITLE_TEMPLATES + NAMED_TITLE_TEMPLATES}


@functools.lru_cache(maxsize=256)
def _usable_titles(templates: tuple[str, ...], available: frozenset[str]) -> tuple[str, ...]:
    return tuple(t for t in templates if _TITLE_REQ[t] <= available)


def make_title(seed: int, pid: int, variant: int, core: Core) -> str:
    """Compose a paper's title; ``variant`` > 0 redraws it after a title collision."""
    rng = random.Random(f"{seed}:{pid}:title:{variant}")
    fixed = _title_fields(core)
    generic_choices = _usable_titles(TITLE_TEMPLATES, frozenset(fixed))
    generic = rng.choice(generic_choices).format_map(fixed)
    if variant >= 6:  # very crowded title space: add a second clause
        generic = f"{generic}: {rng.choice(generic_choices).format_map(fixed)}"
    if core.name and rng.random() < 0.45:
        fixed["Generic"] = generic
        named = _usable_titles(NAMED_TITLE_TEMPLATES, frozenset(fixed))
        if "Long" in fixed and rng.random() < 0.5:
            return fixed["N"] + ": " + fixed["Long"]
        return fix_articles(rng.choice(named).format_map(fixed))
    return fix_articles(generic)


# --------------------------------------------------------------------------------------
# Abstracts
# --------------------------------------------------------------------------------------

MIN_WORDS, MAX_WORDS = 150, 250

DYNAMIC: dict[str, Callable[[random.Random], str]] = {
    "pct": lambda r: f"{r.uniform(0.4, 14.0):.1f}",
    "pct_hi": lambda r: f"{r.uniform(55.0, 97.0):.1f}",
    "num": lambda r: str(r.randint(3, 60)),
    "small": lambda r: r.choice(("two", "three", "four", "five", "six", "seven", "nine")),
    "big": lambda r: r.choice(("641K", "1.1M", "260K", "12M", "3.5B", "48,000", "1,400",
                                "100 million", "2 billion", "75K", "8,400", "400K")),
    "params": lambda r: r.choice(("125M", "350M", "1.3B", "7B", "13B", "70B", "405B")),
    "speed": lambda r: r.choice(("2.1x", "3x", "an order of magnitude", "40%", "5.7x")),
    "gpus": lambda r: r.choice(("8", "16", "64", "128", "256", "1,024")),
    "adv": lambda r: r.choice(("significantly", "consistently", "substantially", "markedly")),
    "latex_pct": lambda r: f"${r.uniform(50.0, 95.0):.1f}\\%$",
}

# Sections of an abstract, each a list of templates. Fields: see _abstract_fields().
CONTEXT = (
    "{Task} has seen rapid progress thanks to large-scale training on {data}.",
    "Modern {field} systems are increasingly built on {method}.",
    "{Task} is a fundamental problem in {field} with applications ranging from search to robotics.",
    "Recent work has shown that {method} can dramatically improve {task}, but at a substantial "
    "computational cost.",
    "Models trained on {data} are becoming increasingly popular for {setting} {task}.",
    "Despite impressive results on curated benchmarks, {task} remains brittle when deployed on "
    "real-world {data}.",
    "Due to the widespread use of {method} in real-world applications, it is becoming critical to "
    "understand its {prop}.",
    "Learning from {setting} {data} is a long-standing goal of {field}.",
    "The success of {method} has largely been driven by ever larger models and datasets.",
    "Over the past decade, {task} has moved from hand-engineered pipelines to end-to-end learning.",
    "Collecting labelled {data} at scale remains expensive, slow and error-prone.",
    "A growing body of work studies how {method} interacts with the {prop} of the resulting "
    "models.",
    "Practitioners increasingly deploy {task} systems in {setting} conditions that differ from "
    "the training setup.",
    "Most progress in {task} has been measured on a handful of benchmarks that are now close to "
    "saturation.",
)
GAP = (
    "However, existing approaches typically ignore the {prop} of the learned representations.",
    "However, these models are typically difficult to train, require numerous parameters, and are "
    "difficult to scale.",
    "Yet relatively little is known about how {method} behaves when the amount of {data} grows by "
    "orders of magnitude.",
    "Unfortunately, current methods rely on expensive manual annotation, which limits their "
    "applicability.",
    "Existing efforts overlook a crucial aspect of {task}: the ability to generalize beyond the "
    "training distribution.",
    "A key limitation of prior work is that it treats {task} and {task2} as separate problems.",
    "Moreover, the gains reported in the literature are often not reproducible across settings.",
    "As a result, it is unclear whether improvements come from the method itself or from "
    "additional data.",
    "Prior approaches also suffer from poor {prop} when the input distribution shifts.",
)
PROPOSE_PLAIN = (
    "In this work, we propose a {adj} approach to {task} that combines {method} with {method2}.",
    "We present a novel framework for {task} based on two key ideas.",
    "In this paper, we revisit {method} and show that a few {adj} changes make it competitive for "
    "{task}.",
    "We propose an entirely new family of methods that exploit {method2} to improve {prop}.",
    "This paper concerns {setting} {task} with {method}.",
    "We study {task} from the perspective of {prop} and derive a {adj} training objective.",
)
PROPOSE_NAMED = (
    "We introduce {N}, a {adj} {kind_noun} for {task}.",
    "Hence, we introduce {N}: {Long}.",
    "In this paper, we propose an approach titled {Long} ({N}) that improves {prop} without "
    "additional supervision.",
    "To this end, we propose {Long} ({N}), a {adj} yet effective {kind_noun} for {setting} {task}.",
    "This paper presents a new {kind_noun}, called {N}, for {task}.",
    "We present {N}, a {kind_noun} that brings {method} to {setting} {task}.",
    "We propose a {kind_noun} denoted as {Long} ({N}) which relies on {method2}.",
    "We call our {kind_noun} {N} and show that it scales gracefully with the amount of {data}.",
    "Our {kind_noun}, dubbed {N}, unifies {method} and {method2} in a single model.",
    "We construct {N}, a {kind_noun} comprising {big} {data} with {num} categories.",
)
DETAIL = (
    "First, we enforce consistency between views, which yields predictions with better {prop}.",
    "A small number of basis functions are shared across all inputs and are learned jointly for a "
    "given task.",
    "Our key insight is that a small set of carefully selected examples can significantly improve "
    "quality.",
    "The approach requires no manual labels and adds negligible overhead at inference time.",
    "We further introduce a curriculum that gradually increases the difficulty of {setting} "
    "examples.",
    "Unlike prior work, our formulation avoids computing expensive second-order statistics.",
    "We provide a theoretical analysis showing that the method converges at the optimal rate for "
    "strongly convex objectives.",
    "Our design decouples {task} from {task2}, which allows each component to be trained "
    "independently.",
    "To handle {setting} settings, we adopt {method2} and a lightweight adapter on top of a "
    "frozen backbone.",
    "The resulting objective can be optimized with standard stochastic gradient methods.",
    "We also release annotations for {num} fine-grained attributes to support future work.",
    "{N} relies on {method2} to reduce the number of trainable parameters by {pct}%.",
    "Concretely, {N} replaces dense attention with a sparse routing mechanism over {data}.",
    "Second, we use multiple views of each example in a computationally efficient way.",
    "We design evaluation metrics that capture both {metric} and {prop}.",
    "The method has only {small} hyperparameters, all of which are shared across datasets.",
    "Our formulation admits a closed-form update, which makes training {speed} faster than "
    "gradient-based alternatives.",
    "We show that a re-formulation based on {method2} is well suited for this problem, especially "
    "in the {setting} regime.",
    "Each component can be added to existing pipelines with a few lines of code.",
    "We carefully control for model size, data and compute to isolate the effect of {method}.",
    "Specifically, we learn a discriminative embedding of each domain from a few unlabelled "
    "examples.",
    "We collect {big} annotations from {num} expert annotators to serve as reference examples.",
    "The key component is a {adj} module that aggregates evidence across {data}.",
    "We formulate {task} as a sequence prediction problem and train with {method2}.",
    "To reduce memory, we share parameters across layers and recompute activations on the fly.",
)
USE = (
    "We evaluate on {D1} and {D2}.",
    "Experiments on {D1}, {D2}, and {D3} show that our approach outperforms strong baselines.",
    "Starting from a pre-trained {M1} checkpoint, we fine-tune on {D1} with only a few thousand "
    "examples.",
    "Our model is fine-tuned from {M1} and evaluated on {D1}.",
    "We find that our approach delivers comparable quality to leading models such as {M1} on a "
    "plethora of tasks.",
    "Compared with {M1}, our method is {speed} faster while using fewer parameters.",
    "We implement the method on {S1} and demonstrate its value on several large benchmark "
    "datasets.",
    "All models are implemented in {S1} and trained on {gpus} GPUs.",
    "On {D1}, we report the highest {metric} to date, outperforming {M1} by {pct} points.",
    "We pre-train on {D1} and transfer the learned representations to {D2}.",
    "Using {M1} as the backbone, we obtain state-of-the-art {metric} on {D1}.",
    "Our approach outperforms {M1} and {M2} across all settings we consider.",
    "{D1} has become the de facto standard for evaluating such models.",
    "We benchmark against {M1} on {D1}, {D2}, and {D3}.",
    "The pipeline is built on top of {S1}, which makes it easy to scale to hundreds of machines.",
    "Extensive experiments on {D1} demonstrate that {N} matches {M1} while training {speed} "
    "faster.",
    "Following prior work, we initialize our encoder from {M1}.",
    "We train on {D1} and report results on its validation split.",
    "We additionally compare with {M1} and {M2} under the same compute budget.",
    "Unlike earlier collections such as {D1}, our setting contains {setting} {data}.",
    "On the challenging {D2} benchmark, our approach improves {metric} by {pct} points.",
)
RESULTS = (
    "Our approach improves {metric} by {pct}% over the strongest baseline.",
    "On a benchmark of {num} tasks, our method improves on most of them compared to the baseline.",
    "We observe consistent gains across {small} settings, with the largest improvements in the "
    "{setting} regime.",
    "The resulting model achieves a win rate of {latex_pct} compared with its counterpart.",
    "Our experiments demonstrate that {task} benefits {adv} from {method}.",
    "In contrast, our approach achieves a significant improvement at a fraction of the cost.",
    "Our largest model has {params} parameters and a context window of up to {num}K tokens.",
    "{N} outperforms all current approaches and reaches {pct_hi}% {metric}.",
    "Ablations show that each component contributes to the final {metric}.",
    "We show that the existing approaches either do not scale to this setting or underperform a "
    "simple baseline.",
    "Across {num} datasets, the improvements are largest for rare categories.",
    "Human evaluations confirm that the outputs are preferred {latex_pct} of the time.",
    "The method also reduces training cost by {pct}% without loss of {metric}.",
    "Surprisingly, a simple baseline trained with {method2} is competitive with far more complex "
    "systems.",
    "Our analysis reveals that {prop} and {metric} are only weakly correlated.",
    "Scaling the model to {params} parameters yields further gains in {metric}.",
    "With only {num}% of the labels, our method matches a fully supervised baseline.",
    "The gains persist at {params} parameters, suggesting that the approach scales well.",
    "Our best model reaches {pct_hi}% {metric}, {pct} points above the previous state of the art.",
)
CONCLUDE = (
    "We believe that these findings will help the community build more {adj} systems for {task}.",
    "These results highlight the importance of {prop} for future research on {task}.",
    "We hope our analysis provides actionable insights for practitioners.",
    "We conclude that current methods are not yet able to take full advantage of large-scale "
    "{data}.",
    "Our findings provide a scalable and effective recipe for {setting} {task}.",
    "We discuss limitations and directions for future work.",
)
AVAILABLE_URL = (
    "Code is available at {url}.",
    "Source code is available at {url}.",
    "Dataset, models, and code are open-sourced at {url}.",
    "Models are available at {url}.",
    "Code is at: {url}.",
    "Our code and pretrained models are publicly available at {url}",
    "Code: {url}",
    "The implementation is released at {url} to facilitate reproducibility.",
)
AVAILABLE_NAMED = (
    "Our models, {N}, are available to the research community.",
    "We publicly release {N}, including pre-trained weights and evaluation scripts.",
    "{N} will be made publicly available.",
)
AVAILABLE_PLAIN = (
    "Code will be made publicly available.",
    "We will release our code and trained models.",
)

_REQ = {t: _fields_of(t) for section in (CONTEXT, GAP, PROPOSE_PLAIN, PROPOSE_NAMED, DETAIL,
                                          USE, RESULTS, CONCLUDE, AVAILABLE_URL,
                                          AVAILABLE_NAMED, AVAILABLE_PLAIN) for t in section}


def _abstract_fields(core: Core, url: str) -> dict[str, str]:
    fixed = {
        "task": core.task, "task2": core.task2, "Task": core.task[:1].upper() + core.task[1:],
        "data": core.data, "method": core.method, "method2": core.method2, "prop": core.prop,
        "setting": core.setting, "metric": core.metric, "adj": core.adj,
        "field": DOMAINS[core.category].field,
    }
    for key, values in (("D", core.datasets), ("M", core.models), ("S", core.software)):
        for j, value in enumerate(values, start=1):
            fixed[f"{key}{j}"] = value
    if core.name:
        fixed["N"] = core.name
        fixed["kind_noun"] = core.kind_noun
        if core.long_form:
            fixed["Long"] = core.long_form
    if url:
        fixed["url"] = url
    return fixed


@functools.lru_cache(maxsize=4096)
def _usable(section: tuple[str, ...], available: frozenset[str]) -> tuple[str, ...]:
    return tuple(t for t in section if _REQ[t] <= available)


def _pick(rng: random.Random, section: tuple[str, ...], available: frozenset[str],
          used: set[str]) -> str | None:
    choices = [t for t in _usable(section, available) if t not in used]
    if not choices:
        return None
    t = rng.choice(choices)
    used.add(t)
    return t


def make_abstract(rng: random.Random, core: Core, url: str, code_flag: bool) -> str:
    """Compose a one-line abstract of about 150-250 words."""
    fixed = _abstract_fields(core, url)
    fmt = _Fields(rng, fixed)
    available = frozenset(fixed)
    used: set[str] = set()
    target = rng.randint(MIN_WORDS, MAX_WORDS - 10)

    def take(section: tuple[str, ...]) -> list[str]:
        t = _pick(rng, section, available, used)
        return [t.format_map(fmt)] if t else []

    context = take(CONTEXT) + (take(CONTEXT) if rng.random() < 0.4 else [])
    gap = take(GAP) if rng.random() < 0.75 else []
    propose = take(PROPOSE_NAMED if core.name else PROPOSE_PLAIN)
    middle = take(DETAIL)
    n_use = len(core.datasets) + len(core.models) + len(core.software)
    uses: list[str] = []
    for _ in range(min(3, (n_use + 1) // 2)):
        uses += take(USE)
    results = take(RESULTS)
    tail = take(CONCLUDE) if rng.random() < 0.45 else []
    if url:
        tail += take(AVAILABLE_URL)
    elif core.name and rng.random() < 0.3:
        tail += take(AVAILABLE_NAMED)
    elif code_flag:
        tail += take(AVAILABLE_PLAIN)

    # Lengthen towards the target with more sentences, each in its own section.
    sections = ((DETAIL, middle), (RESULTS, results), (DETAIL, middle), (GAP, gap),
                (RESULTS, results), (CONTEXT, context))
    parts = [context, gap, propose, middle, uses, results, tail]
    words = sum(len(t.split()) for part in parts for t in part)
    for k in range(16):
        if words >= target:
            break
        pool, where = sections[k % len(sections)]
        t = _pick(rng, pool, available, used)
        if t is None:
            continue
        sentence = t.format_map(fmt)
        n_words = len(sentence.split())
        if words + n_words <= MAX_WORDS:
            words += n_words
            where.append(sentence)
    return fix_articles(" ".join(t for part in parts for t in part))


# --------------------------------------------------------------------------------------
# The plan: every paper as a handful of numbers
# --------------------------------------------------------------------------------------

FLAG_CODE, FLAG_URL = 1, 2


@dataclass
class Plan:
    """Compact description of the whole corpus; text is regenerated from it on demand."""

    seed: int
    people: People
    author_flat: array[int]
    author_start: array[int]
    day: array[int]
    category: bytearray
    flags: bytearray
    citations: array[int]
    title_variant: dict[int, int]
    papers_of: dict[int, array[int]]


def _title_key(title: str) -> int:
    return int.from_bytes(hashlib.blake2b(title.casefold().encode(), digest_size=8).digest(), "big")


def plan_corpus(n_papers: int, seed: int, n_people: int) -> Plan:
    """Draw authors, dates, categories, flags and citations for every paper."""
    people = plan_people(n_people, seed)
    rng = random.Random(f"{seed}:plan")
    author_flat, author_start = array("I"), array("I", [0])
    day, citations = array("H"), array("I")
    category, flags = bytearray(), bytearray()
    title_variant: dict[int, int] = {}
    papers_of: dict[int, array[int]] = {}
    seen_titles: set[int] = set()
    n_total = n_people
    for pid in range(n_papers):
        anchor = people.profiled_ids[
            bisect.bisect_right(people.profiled_cum, rng.random() * people.profiled_cum[-1],
                                0, len(people.profiled_cum) - 1)]
        k = min(_weighted(rng, _AUTHOR_COUNTS, _AUTHOR_CUM), n_total)
        group = people.group_of[anchor]
        lo, hi = people.group_bounds[group]
        chosen = {anchor}
        others: list[int] = []
        tries = 0
        while len(chosen) < k:
            tries += 1
            if tries > 60 * k:
                rest = [i for i in range(n_total) if i not in chosen]
                extra = rng.sample(rest, k - len(chosen))
                chosen.update(extra)
                others.extend(extra)
                break
            if rng.random() < 0.7:
                cand = _sample_person(rng, people, lo, hi)
            else:
                cand = _sample_person(rng, people, 0, n_total)
            if cand not in chosen:
                chosen.add(cand)
                others.append(cand)
        authors = others
        authors.insert(rng.randint(0, len(authors)), anchor)
        if k > 3 and rng.random() < 0.5:  # the senior (most prolific) author goes last
            senior = max(authors, key=people.weight.__getitem__)
            authors.remove(senior)
            authors.append(senior)
        author_flat.extend(authors)
        author_start.append(len(author_flat))
        for a in authors:
            if people.profiled[a]:
                papers_of.setdefault(a, array("I")).append(pid)

        cat = CATEGORIES.index(_weighted(rng, CATEGORIES, _CAT_CUM))
        if rng.random() < 0.5:
            cat = people.group_cat[group]
        year = _weighted(rng, _YEARS, _YEAR_CUM)
        first = (date(year, 1, 1) - EPOCH).days
        last = (date(year, 12, 31) - EPOCH).days
        d = rng.randint(first, last)
        code = rng.random() < 0.04 + 0.016 * (year - FIRST_YEAR)
        url = rng.random() < (0.88 if code else 0.03)
        age = (LAST_YEAR + 1 - year) + rng.random()
        cites = int(math.exp(rng.gauss(2.6, 1.35)) * (0.3 + age) ** 0.9)
        day.append(d)
        category.append(cat)
        flags.append((FLAG_CODE if code else 0) | (FLAG_URL if url else 0))
        citations.append(min(cites, 200_000))

        core = paper_core(seed, pid, CATEGORIES[cat])
        variant = 0
        while True:
            key = _title_key(make_title(seed, pid, variant, core))
            if key not in seen_titles:
                break
            variant += 1
        seen_titles.add(key)
        if variant:
            title_variant[pid] = variant
    return Plan(seed, people, author_flat, author_start, day, category, flags, citations,
                title_variant, papers_of)


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def _repo_url(rng: random.Random, plan: Plan, pid: int, core: Core, tags: list[str],
              first_author: int) -> str:
    seed = plan.seed
    if rng.random() < 0.1:  # several papers of one first author share a project repo
        proj = random.Random(f"{seed}:project:{first_author}:{rng.randrange(2)}")
        org = slugify(plan.people.names[first_author]).replace("-", "")[:12]
        repo = "-".join(proj.choice(("nbm", "spam", "core", "tools", "bench", "lab", "exp",
                                      "toolkit", "models", "research"))
                        for _ in range(2))
        return f"https://github.com/{org}/{repo}"
    if tags and rng.random() < 0.7:
        org = rng.choice(GITHUB_ORGS[tags[0]])
    else:
        name = slugify(plan.people.names[first_author]).split("-")
        org = name[0][:1] + name[-1] + (str(rng.randint(1, 99)) if rng.random() < 0.3 else "")
    if core.name:
        repo = slugify(core.name)
    else:
        method = [w for w in slugify(core.method).split("-") if w not in SMALL_WORDS]
        task = [w for w in slugify(core.task).split("-") if w not in SMALL_WORDS]
        words = method[: rng.randint(1, 2)] + task[:2]
        if rng.random() < 0.3:
            words.append(rng.choice(("code", "official", "release", "pytorch", "jax")))
        repo = rng.choice(("-", "_")).join(words)
    if rng.random() < 0.1:
        repo = repo.replace("-", "_")
    return f"https://github.com/{org}/{repo}"


def render_entry(plan: Plan, pid: int) -> str:
    """The six lines of one paper, exactly as every profile page lists it."""
    seed = plan.seed
    cat = CATEGORIES[plan.category[pid]]
    flags = plan.flags[pid]
    code = bool(flags & FLAG_CODE)
    header = cat + format_date(plan.day[pid]) + ("Code" if code else "")
    core = paper_core(seed, pid, cat)
    title = make_title(seed, pid, plan.title_variant.get(pid, 0), core)

    rng = random.Random(f"{seed}:{pid}:text")
    authors = plan.author_flat[plan.author_start[pid]:plan.author_start[pid + 1]]
    shown = []
    for a in authors[:3]:
        variants = plan.people.variants.get(a)
        if variants and rng.random() < 0.2:
            shown.append(rng.choice(variants))
        else:
            shown.append(plan.people.names[a])
    line = ", ".join(shown) + (" et al." if len(authors) > 3 else "")
    n_tags = _weighted(rng, (0, 1, 2, 3), _N_TAGS_CUM)
    tags: list[str] = []
    if n_tags:
        home = ORG_TAGS[plan.people.group_org[plan.people.group_of[authors[0]]]]
        tags.append(home if rng.random() < 0.7 else rng.choice(ORG_TAGS))
        while len(tags) < n_tags:
            t = rng.choice(ORG_TAGS)
            if t not in tags:
                tags.append(t)
        line += " · " + ", ".join(tags)
    url = _repo_url(rng, plan, pid, core, tags, authors[0]) if flags & FLAG_URL else ""
    abstract = make_abstract(rng, core, url, code)
    return f"{header}\n{title}\n\n{line}\n\n{abstract}"


def _profile_header(plan: Plan, person: int, pids: Sequence[int]) -> str:
    rng = random.Random(f"{plan.seed}:person:{person}")
    counts = [0] * len(CATEGORIES)
    for pid in pids:
        counts[plan.category[pid]] += 1
    primary = CATEGORIES[max(range(len(CATEGORIES)), key=lambda c: (counts[c], -c))]
    cites = [plan.citations[pid] for pid in pids]
    lines = [
        plan.people.names[person], "", primary, f"h-index{h_index(cites)}",
        f"{len(pids)}papers", f"{sum(cites):,}citations", f"Novelty{rng.randint(25, 85)}%",
        f"AI Score{rng.randint(12, 96)}", "", f"{len(pids)} Papers", "",
    ]
    return "\n".join(lines) + "\n"


def _page_order(plan: Plan, pids: Iterable[int]) -> list[int]:
    """Code papers first, then by a recency + citations score (not strictly by date)."""
    def key(pid: int) -> tuple[int, float, int]:
        score = plan.day[pid] + 120.0 * math.log1p(plan.citations[pid])
        return (0 if plan.flags[pid] & FLAG_CODE else 1, -score, pid)
    return sorted(pids, key=key)


@dataclass(frozen=True)
class CorpusStats:
    """What one run wrote."""

    profiles: int
    papers: int
    entries: int


def generate_corpus(n_papers: int, seed: int, out: Path, n_people: int | None = None,
                    cache_size: int = 4096) -> CorpusStats:
    """Write the profile pages for ``n_papers`` papers into ``out`` and return counts."""
    if n_papers < 1:
        raise ValueError("--papers must be at least 1")
    people_count = n_people if n_people is not None else max(24, n_papers // 8)
    if people_count < 1:
        raise ValueError("--people must be at least 1")
    plan = plan_corpus(n_papers, seed, people_count)
    out.mkdir(parents=True, exist_ok=True)
    render = functools.lru_cache(maxsize=cache_size)(functools.partial(render_entry, plan))
    profiles = entries = 0
    for person in sorted(plan.papers_of):  # lab by lab, so the cache gets hits
        pids = _page_order(plan, plan.papers_of[person])
        path = out / f"{slugify(plan.people.names[person])}.profile.txt"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(_profile_header(plan, person, pids))
            for j, pid in enumerate(pids):
                if j:
                    fh.write("\n\n")
                fh.write(render(pid))
        profiles += 1
        entries += len(pids)
    return CorpusStats(profiles=profiles, papers=n_papers, entries=entries)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="make_corpus.py",
        description="Write a deterministic synthetic corpus of researcher-profile pages "
                    "(DIR/<slug>.profile.txt) in the format of the real sample.",
    )
    parser.add_argument("--papers", type=int, required=True, metavar="N",
                        help="number of distinct papers in the corpus")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="random seed; same arguments give byte-identical files (default 0)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (created if missing)")
    parser.add_argument("--people", type=int, default=None, metavar="P",
                        help="size of the pool of people (default max(24, N // 8)); "
                             "about 40%% of them get a profile page")
    args = parser.parse_args(argv)
    if args.papers < 1:
        parser.error("--papers must be at least 1")
    if args.people is not None and args.people < 1:
        parser.error("--people must be at least 1")
    started = time.perf_counter()
    try:
        stats = generate_corpus(args.papers, args.seed, args.out, args.people)
    except (ValueError, OSError) as exc:
        print(f"make_corpus.py: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {stats.profiles} profiles, {stats.papers} distinct papers, "
          f"{stats.entries} paper entries to {args.out} "
          f"in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
