"""Train the inbox's second reading (chalicelib/domain/second_reading.py) on the `dev` messages, never `test`.

    python -m bench.train_second_reading            # writes chalicelib/domain/second_reading.bin
    python -m bench.train_second_reading --check    # exits 1 unless the shipped model is what training makes
    python -m bench.train_second_reading --held-out l,m
        # trains without writers l and m, then reads their messages with the rules alone and with the model

Each message is read exactly as `classify` reads it: the words and subject the rules are given are recorded on the
way and labelled from the message's `expect`. Needs scikit-learn (requirements-dev.txt); the Lambda package does
not (the model is read in plain Python)."""

import argparse
import math
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from bench import inbox
from chalicelib.domain import inbound
from chalicelib.domain import second_reading as sr

C = 30.0  # weak regularisation: the features are many and each message is short
KEPT = 20_000  # features kept, by their largest weight: the model stays ~100 KB, its answers within 0.01


def labels(expect: dict[str, Any]) -> list[bool]:
    want = [expect.get("email") is True, expect.get("postal") is True, expect.get("sharing") is True]
    plain = not (expect.get("email") == "partial" or expect.get("needs_human") or expect.get("erase"))
    return [*want, any(want) and plain, bool(expect.get("erase"))]


@contextmanager
def recording() -> Iterator[list[tuple[str, str]]]:
    """The (words, subject) each message's last reading was given, as classify gives them."""
    given: list[tuple[str, str]] = []
    real = inbound.read_words

    def read_words(text: str, subject: str, **kwargs: Any) -> Any:
        given.append((text, subject))
        return real(text, subject, **kwargs)

    # the rules alone: what the model is trained on must not depend on the model
    with mock.patch.object(inbound, "read_words", read_words), mock.patch.object(sr, "review", lambda r, *_: r):
        yield given


def writer(message: dict[str, Any]) -> str:
    return str(message["id"].split("-")[1])


def examples(messages: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[list[bool]]]:
    texts, ys = [], []
    for message in messages:
        with recording() as given:
            inbox.read(message)
        if given:  # machine mail and unreadable senders never reach the words
            texts.append(given[-1])
            ys.append(labels(message["expect"]))
    return texts, ys


def train(texts: list[tuple[str, str]], ys: list[list[bool]]) -> sr.Model:
    columns: dict[int, int] = {}
    rows, cols, values = [], [], []
    for r, (text, subject) in enumerate(texts):
        present = sorted(sr.features(text, subject))
        for h in present:
            rows.append(r)
            cols.append(columns.setdefault(h, len(columns)))
            values.append(1 / math.sqrt(len(present)))
    x = csr_matrix((values, (rows, cols)), shape=(len(texts), len(columns)))
    y = np.array(ys)
    fitted = [
        LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x, y[:, q])
        for q in range(len(sr.QUESTIONS))
    ]
    w = np.array([f.coef_[0] for f in fitted])
    kept = np.sort(np.argsort(-np.abs(w).max(axis=0), kind="stable")[:KEPT])
    w = w[:, kept]
    scales = np.abs(w).max(axis=1) / 127
    quantised = np.round(w / scales[:, None]).astype(np.int8).T  # one row of len(QUESTIONS) bytes per feature
    hashes = {column: h for h, column in columns.items()}
    index = {hashes[int(column)]: row for row, column in enumerate(kept)}
    biases = tuple(float(f.intercept_[0]) for f in fitted)
    return sr.Model(index, quantised.tobytes(), tuple(float(s) for s in scales), biases)


def agree(shipped: sr.Model, fresh: sr.Model, texts: list[tuple[str, str]]) -> float:
    """The largest difference between the two models' answers on the training messages."""
    worst = 0.0
    for text, subject in texts:
        a, b = shipped.probabilities(text, subject), fresh.probabilities(text, subject)
        worst = max(worst, *(abs(a[q] - b[q]) for q in sr.QUESTIONS))
    return worst


def held_out(writers: set[str]) -> None:
    """How the second reading changes the rules' verdicts on writers it was not trained on."""
    dev = inbox.load("dev")
    model = train(*examples([m for m in dev if writer(m) not in writers]))
    unseen = [m for m in dev if writer(m) in writers]
    tally: dict[str, Counter[str]] = {"rules alone": Counter(), "with the second reading": Counter()}
    for message in unseen:
        with mock.patch.object(sr, "review", lambda r, *_: r):
            alone = inbox.score(message, inbox.read(message))
        with mock.patch.object(sr, "model", lambda: model):
            both = inbox.score(message, inbox.read(message))
        for name, s in (("rules alone", alone), ("with the second reading", both)):
            tally[name].update(wrong=s.wrong_removal, lost=s.lost, correct=s.correct_act, actable=s.actable)
    print(f"writers {','.join(sorted(writers))}: {len(unseen)} messages the model never saw")
    for name, c in tally.items():
        print(
            f"  {name:<24} wrong removals {c['wrong']:>3}  lost {c['lost']:>3}  acted rightly {c['correct']} of {c['actable']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped model instead of writing it")
    parser.add_argument("--held-out", help="writers (comma-separated) to leave out of training and measure on")
    args = parser.parse_args()
    if args.held_out:
        held_out(set(args.held_out.split(",")))
        return
    texts, ys = examples(inbox.load("dev"))
    model = train(texts, ys)
    if args.check:
        difference = agree(sr.parse(sr.MODEL.read_bytes()), model, texts)
        print(f"shipped vs retrained, largest difference in probability: {difference:.4f}")
        sys.exit(0 if difference <= 0.02 else 1)
    sr.MODEL.write_bytes(sr.dump(model, {"trained_on": "dev", "messages": len(texts), "C": C, "kept": KEPT}))
    print(f"{sr.MODEL}: {len(texts)} messages, {len(model.index)} features, {sr.MODEL.stat().st_size} bytes")


if __name__ == "__main__":
    main()
