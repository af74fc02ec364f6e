"""What the reliability tests tried and what came of it, gathered into the one report `make reliability` prints.

Each test marked `reliability` records one Outcome per category it exercised, then asserts the bad counts are zero
itself (so `make test` fails on them too). The recording is a no-op unless LISTKEEPER_RELIABILITY_OUT names a file;
`make reliability` sets it, and `python -m tests.support.reliability <file>` turns the lines into the report."""

import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

# The outcomes that must all be zero, in the report's order.
BAD = ("lost_removals", "duplicate_sends", "wrong_state_changes", "http_5xx", "crashes")


@dataclass(frozen=True)
class Outcome:
    category: str  # "<area>: <what>", e.g. "fuzz: address parser", "race: subscribe vs unsubscribe"
    tried: int  # requests or inputs sent
    faults: int = 0  # faults injected (throttles, 5xx, crashes, redeliveries)
    lost_removals: int = 0
    duplicate_sends: int = 0
    wrong_state_changes: int = 0
    http_5xx: int = 0
    crashes: int = 0  # exceptions other than the documented errors

    @property
    def clean(self) -> bool:
        return all(getattr(self, name) == 0 for name in BAD)


def record(outcome: Outcome) -> Outcome:
    """Append the outcome to the report file (when one is being gathered) and hand it back for the test's asserts."""
    target = os.environ.get("LISTKEEPER_RELIABILITY_OUT")
    if target:
        line = json.dumps(asdict(outcome)) + "\n"
        # One short append per write: lines from the pytest-xdist workers never interleave.
        with open(target, "a", encoding="utf-8") as out:
            out.write(line)
    return outcome


def assert_clean(outcome: Outcome) -> None:
    record(outcome)
    bad = {name: getattr(outcome, name) for name in BAD if getattr(outcome, name)}
    assert not bad, f"{outcome.category}: {bad}"


def report(path: Path) -> tuple[str, bool]:
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        totals[row.pop("category")].update(row)
    columns = ("tried", "faults", *BAD)
    width = max([len("category"), *map(len, totals)])
    widths = {c: max(len(c), 9) for c in columns}
    lines = [f"{'category'.ljust(width)}  " + "  ".join(c.rjust(widths[c]) for c in columns)]
    grand = dict.fromkeys(columns, 0)
    for category in sorted(totals):
        bucket = totals[category]
        lines.append(f"{category.ljust(width)}  " + "  ".join(f"{bucket[c]:>{widths[c]},}" for c in columns))
        for c in columns:
            grand[c] += bucket[c]
    lines.append(f"{'all'.ljust(width)}  " + "  ".join(f"{grand[c]:>{widths[c]},}" for c in columns))
    clean = bool(totals) and all(grand[name] == 0 for name in BAD)
    verdict = "every bad outcome is zero" if clean else "NOT clean: a bad outcome is above zero (or nothing ran)"
    summary = f"{len(totals)} categories, {grand['tried']:,} requests and inputs, {grand['faults']:,} faults"
    lines.append(f"\n{summary}: {verdict}")
    return "\n".join(lines), clean


def main(argv: list[str]) -> int:
    text, clean = report(Path(argv[1]))
    print(text)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
