"""Sentiment: the social default against the word-list classifier, on labelled social posts.

    benchmarks/run sentiment

The posts (posts_<language>.tsv: language, label, text) are written as
people write on social networks: emoji, slang, negation, sarcasm, capitals,
in English, Spanish, Portuguese and German; each is labelled positive,
neutral or negative. Every classifier scores every post in the same run; a
score above the band is positive, below it negative, in between neutral,
with listening's band (0.05) and routing's (0.2). It prints accuracy,
macro-F1 and each class's F1, overall and per language, and posts per
second. VADER (vaderSentiment, English only) is the peer on the English
posts when installed. It also scores ``ShortTextLanguage`` (py3langid, and
its word-list fallback) on naming each post's language.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from omnicx.routing import LexiconSentiment, ShortTextLanguage, SocialSentiment

HERE = Path(__file__).resolve().parent
CLASSES = ("negative", "neutral", "positive")


def load() -> list[tuple[str, str, str]]:
    """Every labelled post as (language, label, text)."""
    posts = []
    for path in sorted(HERE.glob("posts_*.tsv")):
        for line in path.read_text("utf-8").splitlines():
            language, label, text = line.split("\t")
            assert label in CLASSES, line
            posts.append((language, label, text))
    return posts


def label(score: float, band: float) -> str:
    """The class a score falls in."""
    return "negative" if score < -band else "positive" if score > band else "neutral"


def scores(truth: list[str], guess: list[str]) -> tuple[float, float, dict[str, float]]:
    """Accuracy, macro-F1 and each class's F1."""
    f1 = {}
    for c in CLASSES:
        tp = sum(t == c and g == c for t, g in zip(truth, guess, strict=True))
        fp = sum(t != c and g == c for t, g in zip(truth, guess, strict=True))
        fn = sum(t == c and g != c for t, g in zip(truth, guess, strict=True))
        f1[c] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    accuracy = sum(t == g for t, g in zip(truth, guess, strict=True)) / len(truth)
    return accuracy, sum(f1.values()) / len(f1), f1


def timed(score: Callable[[str], float], texts: list[str]) -> tuple[list[float], float]:
    """The scores and texts per second (CPU time, best of three passes)."""
    best = float("inf")
    result: list[float] = []
    for _ in range(3):
        start = time.process_time()
        result = [score(t) for t in texts]
        best = min(best, time.process_time() - start)
    return result, len(texts) / best if best else float("inf")


def row(name: str, truth: list[str], raw: list[float], band: float, rate: float | None) -> str:
    """One table row."""
    accuracy, macro, f1 = scores(truth, [label(s, band) for s in raw])
    speed = f"{rate:>10,.0f}" if rate is not None else f"{'':>10}"
    return (
        f"  {name:<28} {accuracy:>6.1%} {macro:>7.3f} "
        + " ".join(f"{f1[c]:>7.3f}" for c in CLASSES)
        + speed
    )


def main() -> None:
    posts = load()
    texts = [p[2] for p in posts]
    truth = [p[1] for p in posts]
    languages = sorted({p[0] for p in posts})
    counts = ", ".join(f"{lang} {sum(p[0] == lang for p in posts)}" for lang in languages)
    print(f"{len(posts)} labelled posts ({counts})")
    classifiers: dict[str, Callable[[str], float]] = {
        "SocialSentiment (default)": SocialSentiment().score,
        "LexiconSentiment (word list)": LexiconSentiment().score,
    }
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        vader = None
    else:
        analyzer = SentimentIntensityAnalyzer()

        def vader(text: str) -> float:
            return float(analyzer.polarity_scores(text)["compound"])

    results = {name: timed(score, texts) for name, score in classifiers.items()}
    header = f"  {'classifier':<28} {'acc':>6} {'macroF1':>7} " + " ".join(
        f"{c[:7]:>7}" for c in CLASSES
    )
    for band in (0.05, 0.2):
        print(f"\nband ±{band} — all languages" + f"\n{header}{'posts/s':>10}")
        for name, (raw, rate) in results.items():
            print(row(name, truth, raw, band, rate))
        for lang in languages:
            keep = [i for i, p in enumerate(posts) if p[0] == lang]
            sub = [truth[i] for i in keep]
            print(f"  -- {lang}")
            for name, (raw, _) in results.items():
                print(row(name, sub, [raw[i] for i in keep], band, None))
            if lang == "en" and vader is not None:
                raw_vader, rate = timed(vader, [texts[i] for i in keep])
                print(row("vaderSentiment (peer)", sub, raw_vader, band, rate))
    ratio = results["SocialSentiment (default)"][1] / results["LexiconSentiment (word list)"][1]
    print(f"\nSocialSentiment speed / LexiconSentiment speed: x{ratio:.2f}")
    print("\nlanguage of each post (None counts as wrong)")
    for name, detector in (
        ("ShortTextLanguage (py3langid)", ShortTextLanguage(languages=("de", "en", "es", "pt"))),
        ("ShortTextLanguage (fallback)", ShortTextLanguage(fallback=True)),
    ):
        if name.endswith("(py3langid)") and not detector.uses_langid:
            print(f"  {name:<30} not installed (pip install omnicx[lang])")
            continue
        detector.detect("warm up")  # loads the model outside the timed part
        start = time.process_time()
        found = [detector.detect(t) for t in texts]
        spent = time.process_time() - start
        right = sum(f == p[0] for f, p in zip(found, posts, strict=True))
        unsure = sum(f is None for f in found)
        print(
            f"  {name:<30} {right / len(posts):>6.1%} right, {unsure} unsure, "
            f"{len(posts) / spent:,.0f} posts/s"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
