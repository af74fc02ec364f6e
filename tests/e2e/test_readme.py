"""The README's examples, run top to bottom as shown against the local stack, each answer compared with the one the
README prints after `# →`. Addresses, event ids and customer ids are made fresh for the run (the stack is shared),
and the README's 30-second wait for the sweep is the stack's 1-second sweep here."""

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, Stack

pytestmark = pytest.mark.e2e
README = Path(ROOT) / "README.md"
NOT_RUN = "<!-- not run by tests/e2e/test_readme.py"
ANSWER, MORE = "# → ", "#   "


@dataclass
class Step:
    commands: str
    answer: str | None  # what the README says comes out; None when it shows nothing
    line: int


def blocks(readme: str) -> list[tuple[int, str]]:
    """Every ```sh block not marked as not run, with the line it starts on."""
    found, lines = [], readme.splitlines()
    index = 0
    while index < len(lines):
        if lines[index] == "```sh":
            end = lines.index("```", index + 1)
            if not (index > 0 and lines[index - 1].startswith(NOT_RUN)):
                found.append((index + 2, "\n".join(lines[index + 1 : end])))
            index = end
        index += 1
    return found


def steps(readme: str) -> list[Step]:
    """Commands up to each `# →` answer (with its `#   ` continuation lines) make one step."""
    out: list[Step] = []
    for start, block in blocks(readme):
        commands: list[str] = []
        answer: list[str] | None = None
        first = start
        for offset, line in enumerate([*block.splitlines(), ""]):
            if line.startswith(ANSWER):
                answer = [line.removeprefix(ANSWER)]
            elif line.startswith(MORE) and answer is not None:
                answer.append(line.removeprefix(MORE))
            else:
                if answer is not None:
                    out.append(Step("\n".join(commands), "\n".join(answer), first))
                    commands, answer, first = [], None, start + offset
                commands.append(line)
        if any(c.strip() and not c.lstrip().startswith("#") for c in commands):
            out.append(Step("\n".join(commands), None, first))
    return out


def fresh(text: str, stack: Stack, run: str) -> str:
    for name in ("jane", "nobody", "tom", "rose", "ann", "john", "mia"):
        text = text.replace(f"{name}@example.com", f"{name}.{run}@example.com")
    return (
        text.replace("http://127.0.0.1:8000", stack.base_url)
        .replace('("127.0.0.1", 2525)', f'("127.0.0.1", {stack.smtp_port})')
        .replace('"evt_1"', f'"evt_1_{run}"')
        .replace('"customer_id":"c1"', f'"customer_id":"c1-{run}"')
        .replace("sleep 30", "sleep 4")
        .replace("X-WC-Webhook-Delivery-ID: 1'", f"X-WC-Webhook-Delivery-ID: 1-{run}'")
        .replace('"woocommerce:shop.example:1"', f'"woocommerce:shop.example:1-{run}"')
        .replace("X-Shopify-Webhook-Id: 1'", f"X-Shopify-Webhook-Id: 1-{run}'")
        .replace('"shopify:dev-shop.myshopify.com:1"', f'"shopify:dev-shop.myshopify.com:1-{run}"')
    )


def matches(answer: str, output: str) -> bool:
    """The README's answer, `…` standing for anything, compared without regard to spacing and line breaks."""
    squeeze = re.compile(r"\s+")
    pattern = ".*?".join(re.escape(squeeze.sub("", part)) for part in answer.split("…"))
    return re.fullmatch(pattern, squeeze.sub("", output), flags=re.S) is not None


def test_the_step_reader_finds_every_answer() -> None:
    readme = "```sh\na=1\necho $a\n# → 1\n# not an answer\necho 'x\n  y'\n# → x\n#   y\n```\n"
    assert [(s.commands, s.answer) for s in steps(readme)] == [
        ("a=1\necho $a", "1"),
        ("# not an answer\necho 'x\n  y'", "x\ny"),
    ]
    assert matches('{"a":"…","b":[…]}', '{"a": "x",\n "b": [1, 2]}') and not matches("exit 0", "exit 1")


def test_the_readme_runs_top_to_bottom_as_shown(stack: Stack, tmp_path: Path) -> None:
    run = f"r{time.time_ns()}"
    readme = README.read_text(encoding="utf-8")
    walk = steps(readme)
    assert len(walk) >= 15 and sum(s.answer is not None for s in walk) >= 15  # the walk-through was found
    script = ["set -o pipefail"]
    for number, step in enumerate(walk):
        script.append(
            f"{{\n{fresh(step.commands, stack, run)}\n}} > out.{number} 2> err.{number}; echo $? > rc.{number}"
        )
    venv = os.path.dirname(sys.executable)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LISTKEEPER_"))},
        "PATH": f"{venv}:{os.environ['PATH']}",
        "PYTHONPATH": ROOT,
        "LISTKEEPER_URL": stack.base_url,
    }
    subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env, timeout=300, check=False)
    for number, step in enumerate(walk):
        where = f"README.md line {step.line}:\n{step.commands}"
        output = (tmp_path / f"out.{number}").read_text()
        errors = (tmp_path / f"err.{number}").read_text()
        assert (tmp_path / f"rc.{number}").read_text().strip() == "0", f"{where}\nfailed: {errors}"
        if step.answer is not None:
            expected = fresh(step.answer, stack, run)
            assert matches(expected, output), f"{where}\nREADME says:\n{expected}\ngot:\n{output}{errors}"
