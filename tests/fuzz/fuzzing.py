"""What the parser fuzz suites share: one deterministic hypothesis profile, and a tally of what each run really tried.

Every suite feeds one parser of untrusted input. An exception the parser does not document is a crash (the webhook
or link would answer 500, the inbound Lambda would fail and be retried); an oracle that does not hold is a misread
(the wrong person's state, or nobody's, would change), reported as a wrong state change. Both fail the test, after
hypothesis has shrunk the input, and both are counted into the `make reliability` report."""

import functools
import signal
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption

from tests.support.reliability import Outcome, assert_clean, record

# The same examples on every run and every machine; nothing written into the tree (no example database); no
# per-example deadline, since the shared CI cores make timings noisy (parse budgets are checked where they matter).
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def fuzz(max_examples: int) -> settings:
    return settings(FUZZ, max_examples=max_examples)


class OverBudget(Exception):
    """A parse ran longer than its budget: in production the Lambda would be killed and the message retried."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block when it spends more than `seconds` of CPU time, so a pathological parse fails fast. CPU
    time, not wall time: other work on shared CI cores must not make a parse look slow.

    The interruption repeats until the block gives up, and the block fails however it ended: parsers catch broad
    exceptions on purpose, and must not turn a timeout into an ordinary refusal."""
    expired: list[float] = []

    def interrupt(_signum: int, _frame: Any) -> None:
        expired.append(seconds)
        raise OverBudget(f"still parsing after {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, interrupt)
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.1)
    try:
        yield
    except Exception:
        if expired:
            raise OverBudget(f"still parsing after {seconds} s of CPU time") from None
        raise
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
    if expired:
        raise OverBudget(f"still parsing after {seconds} s of CPU time")


@dataclass
class Tally:
    category: str  # "fuzz: <parser>"
    documented: tuple[type[Exception], ...]  # the errors the parser promises; any other exception is a crash
    tried: int = 0
    crashes: int = 0
    misreads: int = 0

    def counted(self, check: Callable[..., None]) -> Callable[..., None]:
        """Wrap one example's body: count it, and sort what escapes it into crashes and misreads."""

        @functools.wraps(check)
        def run(*args: Any, **kwargs: Any) -> None:
            self.tried += 1
            try:
                check(*args, **kwargs)
            except UnsatisfiedAssumption:
                raise
            except AssertionError:
                self.misreads += 1
                raise
            except self.documented:
                self.misreads += 1  # a documented refusal where the oracle expected acceptance
                raise
            except Exception:
                self.crashes += 1
                raise

        return run

    def outcome(self) -> Outcome:
        return Outcome(
            category=self.category, tried=self.tried, wrong_state_changes=self.misreads, crashes=self.crashes
        )

    @contextmanager
    def recorded(self, at_least: int = 1) -> Iterator["Tally"]:
        """Run the hypothesis test inside; its outcome is recorded whether it passes or fails."""
        try:
            yield self
        except BaseException:
            record(self.outcome())
            raise
        assert self.tried >= at_least, f"{self.category}: only {self.tried} examples ran"
        assert_clean(self.outcome())


def any_text(max_size: int) -> st.SearchStrategy[str]:
    """Any code point at all, lone surrogates included: JSON strings and decoded headers can carry them."""
    return st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=max_size)


def one_in(odds: int) -> st.SearchStrategy[bool]:
    # sampled_from, not integers(), whose ends hypothesis draws far more often; and False first, as the simplest
    # choice (which hypothesis also favours) should be the usual one
    return st.sampled_from([False] * (odds - 1) + [True])


def mostly(right: st.SearchStrategy[Any], wrong: st.SearchStrategy[Any], odds: int = 8) -> st.SearchStrategy[Any]:
    """Wrong once in `odds`, so that most bodies get past the first checks and reach the deeper ones."""
    return one_in(odds).flatmap(lambda is_wrong: wrong if is_wrong else right)


plain_address = st.builds(
    "{}@{}.{}".format,
    st.text(st.sampled_from(string.ascii_lowercase + string.digits + ".+_-é"), min_size=1, max_size=16).filter(
        lambda local: not local.startswith(".") and not local.endswith(".") and ".." not in local
    ),
    st.text(st.sampled_from(string.ascii_lowercase + string.digits), min_size=1, max_size=12),
    st.sampled_from(["com", "org", "example", "de", "co.uk"]),
)
