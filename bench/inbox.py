"""How well the inbox reads people: wrong removals, lost requests, precision and recall of *act*, and the share
sent to review, per language, on the labelled messages of tests/fixtures/requests/.

The messages were written by people who had not read the reader, from a list of phenomena and SPEC §1; they are
split once by a hash of their id into `dev` (tuned on) and `test` (never looked at while tuning). The figures
reported are on `test`. `python -m bench.inbox --split dev --show` lists what dev gets wrong."""

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from unittest import mock

from chalicelib.adapters.mime import parse_inbound
from chalicelib.domain import second_reading
from chalicelib.domain.inbound import Kind, Verdict, classify
from tests.support.mail import build as build_mime

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "requests"
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"
AGENTS = frozenset({"shop.example"})
LANGUAGES = ("en", "es", "fr", "de")
ALL_SCOPES = ("email", "postal", "partner_sharing")
TARGETS = {"wrong_removals": 0, "lost": 0, "recall": 0.95}


# written after the split, to tune on more writers; never part of `test`
DEV_ONLY_WRITERS = ("c", "d", "e", "f", "h", "i", "j", "k", "l", "m")
TEST_ONLY_WRITERS = ("g", "n")  # added to `test` unseen: never tuned on, never listed


def split_of(message_id: str) -> str:
    """Fixed once: the first byte of the id's SHA-256, even → dev, odd → test (writers a and b)."""
    writer = message_id.split("-")[1]
    if writer in DEV_ONLY_WRITERS:
        return "dev"
    if writer in TEST_ONLY_WRITERS:
        return "test"
    return "dev" if hashlib.sha256(message_id.encode()).digest()[0] % 2 == 0 else "test"


def load(split: str | None = None) -> list[dict[str, Any]]:
    messages = []
    for path in sorted(FIXTURES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                message = json.loads(line)
                if split is None or split_of(message["id"]) == split:
                    messages.append(message)
    return messages


def build(message: dict[str, Any]) -> bytes:
    return build_mime(message, to="service@shop.example")


def read(message: dict[str, Any]) -> Verdict:
    return classify(parse_inbound(build(message), ("service@shop.example",)), AGENTS)


@dataclass(frozen=True)
class Scored:
    acted: bool
    correct_act: bool  # acted on the right person, on all and only what was asked (or within an erasure)
    wrong_removal: bool  # acted on someone, or on a list, not asked for
    lost: bool  # something asked neither acted on nor sent to a human
    reviewed: bool
    actable: bool  # a confident reader should act: the sender's own (or an agent's) request, nothing partial
    asked: bool  # the message asks anything of the lists


def score(message: dict[str, Any], verdict: Verdict) -> Scored:
    expect = message["expect"]
    want = {
        s
        for s, key in (("email", "email"), ("postal", "postal"), ("partner_sharing", "sharing"))
        if expect.get(key) is True
    }
    partial = expect.get("email") == "partial"
    erase = bool(expect.get("erase"))
    human = bool(expect.get("needs_human"))
    asked = bool(want or partial or erase or human)
    allowed = set(ALL_SCOPES) if erase else set(want)
    acted = verdict.kind in (Kind.REQUEST, Kind.FORWARDED, Kind.MAILTO)
    reviewed = verdict.kind is Kind.REVIEW or verdict.erase
    target = (expect.get("address") or "").lower()
    wrong = acted and (human or (verdict.address or "") != target or not set(verdict.scopes) <= allowed)
    missing = want - set(verdict.scopes) if acted and not wrong else want
    lost = (bool(missing) or partial or human or (erase and not verdict.erase)) and not reviewed
    lost = lost and asked
    actable = bool(want or erase) and not partial and not human
    correct = acted and not wrong and not missing and (verdict.erase or not erase)
    return Scored(acted, correct, wrong, lost, reviewed, actable, asked)


def figures(messages: list[dict[str, Any]]) -> dict[str, Any]:
    by_language: dict[str, Counter[str]] = {language: Counter() for language in (*LANGUAGES, "all")}
    for message in messages:
        s = score(message, read(message))
        for key in (message["lang"], "all"):
            c = by_language[key]
            c["messages"] += 1
            c["acted"] += s.acted
            c["correct_act"] += s.correct_act
            c["wrong_removals"] += s.wrong_removal
            c["lost"] += s.lost
            c["reviewed"] += s.reviewed
            c["actable"] += s.actable
            c["no_request_reviewed"] += s.reviewed and not s.asked
            c["no_request"] += not s.asked
    result: dict[str, Any] = {}
    for key, c in by_language.items():
        result[key] = {
            "messages": c["messages"],
            "wrong_removals": c["wrong_removals"],
            "lost": c["lost"],
            "precision": round(c["correct_act"] / c["acted"], 3) if c["acted"] else None,
            "recall": round(c["correct_act"] / c["actable"], 3) if c["actable"] else None,
            "review_share": round(c["reviewed"] / c["messages"], 3) if c["messages"] else None,
            "no_request_to_review": f"{c['no_request_reviewed']}/{c['no_request']}",
        }
    return result


def corpus_actions() -> dict[str, int]:
    """The real machine mail through `inbound_email` as the local stage runs it (no feedback loop configured): how
    many change anyone's state (must be 0), and how many wait in review (its ARF reports)."""
    from chalicelib.services.inbound import Received, handle_inbound
    from tests.support.fakes import make_deps

    counts: Counter[str] = Counter()
    for index, path in enumerate(sorted(CORPUS.glob("*/*.eml"))):
        deps, store, mailer, _ = make_deps()
        deps = replace(deps, agent_domains=AGENTS)
        mail = parse_inbound(path.read_bytes(), ("service@shop.example",))
        outcome = handle_inbound(deps, Received(f"corpus-{index}", mail, None, {}, None))
        counts["messages"] += 1
        counts["acted"] += bool(store.contacts) or outcome.applied_to is not None
        counts["mailed"] += bool(mailer.sent)
        counts["reviewed"] += outcome.review_id is not None
    return dict(counts)


@contextmanager
def rules_alone() -> Iterator[None]:
    """Read without the second reading (chalicelib/domain/second_reading.py), to show what it changes."""
    with mock.patch.object(second_reading, "review", lambda reading, *_: reading):
        yield


def run() -> dict[str, Any]:
    test = load("test")
    result = {"split": "test", "targets": TARGETS, "by_language": figures(test), "corpus": corpus_actions()}
    with rules_alone():
        result["rules_alone"] = figures(test)["all"]
    overall = result["by_language"]["all"]
    result["met"] = (
        overall["wrong_removals"] == 0 and overall["lost"] == 0 and (overall["recall"] or 0) >= TARGETS["recall"]
    )
    return result


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """The make bench rows: per language and overall, on the test split."""
    out: list[tuple[str, str, str, bool]] = []
    for key, row in result["by_language"].items():
        label = "all" if key == "all" else key
        out += [
            (
                f"inbox {label}: wrong removals / lost requests (test split)",
                f"{row['wrong_removals']} / {row['lost']}",
                "0 / 0",
                row["wrong_removals"] == 0 and row["lost"] == 0,
            ),
            (
                f"inbox {label}: recall / precision of act",
                f"{row['recall']} / {row['precision']}",
                ">= 0.95",
                (row["recall"] or 0) >= TARGETS["recall"],
            ),
            (
                f"inbox {label}: share sent to review (no-request ones)",
                f"{row['review_share']} ({row['no_request_to_review']})",
                "",
                True,
            ),
        ]
    alone = result.get("rules_alone")
    if alone:
        out.append(
            (
                "inbox all, the rules alone: wrong removals / lost / recall",
                f"{alone['wrong_removals']} / {alone['lost']} / {alone['recall']}",
                "",
                True,
            )
        )
    corpus = result["corpus"]
    out.append(
        (
            "inbox: real machine mail acted on as a person's request",
            f"{corpus['acted']} of {corpus['messages']}",
            "0",
            corpus["acted"] == 0,
        )
    )
    return out


def table(result: dict[str, Any]) -> str:
    lines = ["language  messages  wrong removals  lost  precision  recall  review share  no-request → review"]
    for key, row in result["by_language"].items():
        lines.append(
            f"{key:<9} {row['messages']:>8}  {row['wrong_removals']:>14}  {row['lost']:>4}  "
            f"{row['precision'] if row['precision'] is not None else '-':>9}  "
            f"{row['recall'] if row['recall'] is not None else '-':>6}  {row['review_share']:>12}  "
            f"{row['no_request_to_review']:>19}"
        )
    return "\n".join(lines)


def markdown(result: dict[str, Any]) -> str:
    """The README's table."""
    lines = [
        "| language | messages | wrong removals | lost requests | precision of act | recall of act | sent to review "
        "| no-request messages sent to review |",
        "|---|---|---|---|---|---|---|---|",
    ]
    named = list(result["by_language"].items())
    if result.get("rules_alone"):
        named.append(("all, the rules alone", result["rules_alone"]))
    for key, row in named:
        lines.append(
            f"| {key} | {row['messages']} | {row['wrong_removals']} | {row['lost']} | {row['precision']} | "
            f"{row['recall']} | {row['review_share']} | {row['no_request_to_review']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--show", action="store_true", help="list every message read wrongly (dev only)")
    parser.add_argument("--markdown", action="store_true", help="the test figures as the README's table")
    args = parser.parse_args()
    messages = load(args.split)
    if args.markdown:
        test = load("test")
        with rules_alone():
            alone = figures(test)["all"]
        print(markdown({"by_language": figures(test), "rules_alone": alone}))
        return
    print(table({"by_language": figures(messages)}))
    if args.show:
        if args.split != "dev":
            raise SystemExit("--show lists dev messages only: test stays unseen while tuning")
        for message in messages:
            verdict = read(message)
            s = score(message, verdict)
            if s.wrong_removal or s.lost or (s.actable and not s.correct_act) or (s.reviewed and not s.asked):
                what = "WRONG" if s.wrong_removal else "LOST" if s.lost else "REVIEW" if s.reviewed else "MISS"
                print(
                    f"\n{what} {message['id']} expect={message['expect']} got={verdict.kind.value} "
                    f"{verdict.scopes} erase={verdict.erase} reason={verdict.reason!r} cues={verdict.cues}"
                )
                print(f"  subject: {message.get('subject')!r}")
                print("  " + (message.get("text") or message.get("html") or "")[:600].replace("\n", "\n  "))


if __name__ == "__main__":
    main()
