"""A second reading of a person's words by a small trained model, used only to doubt the rules (ARCHITECTURE "inbox").

The rules (`reading.py`) decide; this model can only send their verdict to a person: an *act* whose lists,
request or erasure it finds unlikely, or that leaves out a list it finds likely, and a *nothing* in which it finds a
request. It never acts and never drops anything, so it cannot add a wrong removal or lose a request — only cost a
review.

The model: one logistic regression per question (leave email? leave postal? stop partner sharing? a request a
confident reader acts on? erasure?) over character 2–5-grams, words and word pairs of the folded text, each present
feature weighing 1/√(number of features). Trained by `bench/train_second_reading.py` on the `dev` messages of
tests/fixtures/requests only (never `test`); the weights ship beside this file, quantised to one byte each."""

import json
import math
import struct
import zlib
from array import array
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from .reading import EMAIL, POSTAL, SHARING, Outcome, Reading, fold

MODEL = Path(__file__).with_name("second_reading.bin")
MAGIC = b"LKSR1"
QUESTIONS = (EMAIL, POSTAL, SHARING, "actable", "erase")
MAX_TEXT = 4000  # characters read: the request is near the top; past this only the cost grows

# Chosen on writers h–k read by the rules as they stood before being tuned on them (each round's model trained on
# the writers before it), then checked once on writers l and m: see the README's inbox section.
DOUBT_BELOW = 0.3  # an acted list, a plain request or an erasure less likely than this: a person reads it
LIKELY_ABOVE = 0.7  # a list left out of an act more likely than this: a person reads it
# words the rules read as asking nothing, in which a list and a plain request are both more likely than this: a
# person reads them (both: a bounce's "delivery failed" leans to email, but not to a request)
REQUEST_ABOVE = 0.5
# the share of a message's features the model has weights for, below which it has no opinion: on words it never saw
# (another language, a few emoji) its answer is its prior (an empty text reads as a request); every `dev` message
# is above 0.58
MIN_KNOWN = 0.5


def features(text: str, subject: str) -> set[int]:
    """The hashed features of the words the reader reads: character 2–5-grams inside each word (padded with a
    space on each side), the words themselves and each pair of neighbouring words."""
    folded = fold(f"{subject}\n{text}")[:MAX_TEXT]
    words = "".join(c if c.isalnum() or c == "_" else " " for c in folded).split()
    found: set[str] = set()
    for word in words:
        padded = f" {word} "
        for n in (2, 3, 4, 5):
            found.update(padded[i : i + n] for i in range(len(padded) - n + 1))
        found.add(f"w:{word}")
    found.update(f"b:{a} {b}" for a, b in pairwise(words))
    return {zlib.crc32(f.encode()) for f in found}


@dataclass(frozen=True)
class Model:
    index: dict[int, int]  # feature hash → row in `weights`
    weights: bytes  # rows of len(QUESTIONS) signed bytes
    scales: tuple[float, ...]  # per question: weight = byte × scale
    biases: tuple[float, ...]

    def known(self, text: str, subject: str) -> float:
        present = features(text, subject)
        return sum(1 for h in present if h in self.index) / len(present) if present else 0.0

    def probabilities(self, text: str, subject: str) -> dict[str, float]:
        present = features(text, subject)
        norm = 1 / math.sqrt(len(present)) if present else 0.0
        width = len(QUESTIONS)
        sums = [0] * width
        for h in present:
            row = self.index.get(h)
            if row is not None:
                for q, w in enumerate(struct.unpack_from(f"{width}b", self.weights, row * width)):
                    sums[q] += w
        return {
            q: 1 / (1 + math.exp(-(self.biases[i] + sums[i] * self.scales[i] * norm))) for i, q in enumerate(QUESTIONS)
        }


def dump(model: Model, header_extra: dict[str, object]) -> bytes:
    keys = sorted(model.index, key=model.index.__getitem__)
    header = json.dumps(
        {"questions": QUESTIONS, "scales": model.scales, "biases": model.biases, "count": len(keys), **header_extra},
        sort_keys=True,
    ).encode()
    return MAGIC + struct.pack("<I", len(header)) + header + array("I", keys).tobytes() + model.weights


def parse(blob: bytes) -> Model:
    if not blob.startswith(MAGIC):
        raise ValueError("not a second-reading model")
    (size,) = struct.unpack_from("<I", blob, len(MAGIC))
    start = len(MAGIC) + 4
    header = json.loads(blob[start : start + size])
    if tuple(header["questions"]) != QUESTIONS:
        raise ValueError("the model answers other questions")
    count = header["count"]
    keys = array("I")
    keys.frombytes(blob[start + size : start + size + 4 * count])
    weights = blob[start + size + 4 * count :]
    if len(weights) != count * len(QUESTIONS):
        raise ValueError("truncated second-reading model")
    return Model({k: i for i, k in enumerate(keys)}, weights, tuple(header["scales"]), tuple(header["biases"]))


@cache
def model() -> Model:
    return parse(MODEL.read_bytes())


def review(reading: Reading, text: str, subject: str) -> Reading:
    """The rules' reading, or a review when the model doubts it. Reviews are left as they are."""
    if reading.outcome is Outcome.REVIEW or model().known(text, subject) < MIN_KNOWN:
        return reading
    p = model().probabilities(text, subject)
    cue = "second_reading:" + ",".join(f"{q}={p[q]:.2f}" for q in QUESTIONS)
    if reading.erase:
        # an erasure acts on email and postal at once: "Why was my account deleted?" must not
        if p["erase"] < DOUBT_BELOW:
            return Reading(Outcome.REVIEW, reading.scopes, "a second reading doubts the erasure", (*reading.cues, cue))
        return reading
    if reading.outcome is Outcome.NOTHING:
        likely = [s for s in (EMAIL, POSTAL, SHARING) if p[s] > REQUEST_ABOVE]
        if likely and p["actable"] > REQUEST_ABOVE:
            return Reading(Outcome.REVIEW, tuple(likely), "a second reading finds a request", (*reading.cues, cue))
        return reading
    unlikely = [s for s in reading.scopes if p[s] < DOUBT_BELOW]
    if unlikely or p["actable"] < DOUBT_BELOW:
        why = f"a second reading doubts leaving {', '.join(unlikely)}" if unlikely else "a second reading doubts it"
        return Reading(Outcome.REVIEW, reading.scopes, why, (*reading.cues, cue))
    missing = [s for s in (EMAIL, POSTAL, SHARING) if s not in reading.scopes and p[s] > LIKELY_ABOVE]
    if missing:
        scopes = tuple(s for s in (EMAIL, POSTAL, SHARING) if s in reading.scopes or s in missing)
        return Reading(
            Outcome.REVIEW, scopes, f"a second reading finds {', '.join(missing)} asked too", (*reading.cues, cue)
        )
    return reading
