"""The Mailman comparison's own machinery (bench/mailman.py, bench/mailman_driver.py), without Mailman installed:
its virtualenv is made once and reused, the driver cannot import the bench module in place of the mailman package,
mail work is told apart from membership work, and the figures are combined the way the table reads them."""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import mailman as bench
from bench.mailman_driver import StatementCounter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """What mailman_python() runs, with a venv under tmp_path and no real installs."""
    ran: list[list[str]] = []
    venv = tmp_path / "mailman-venv"

    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        ran.append(command)
        if command[1:3] == ["-m", "venv"]:
            (venv / "bin").mkdir(parents=True)
            (venv / "bin" / "python").touch()
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(bench, "VENV", venv)
    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    return ran


def test_the_mailman_venv_is_made_and_installed_once_then_reused(commands: list[list[str]]) -> None:
    python = bench.mailman_python()
    assert [c[1:3] for c in commands] == [["-m", "venv"], ["-m", "pip"]]
    assert commands[0] == ["/usr/bin/python3.11", "-m", "venv", str(bench.VENV)] and Path(commands[1][0]) == python
    assert "mailman==3.3.10" in commands[1]
    commands.clear()
    assert bench.mailman_python() == python
    assert commands == []


def test_a_change_of_pins_reinstalls_into_the_same_venv(
    commands: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    bench.mailman_python()
    commands.clear()
    monkeypatch.setattr(bench, "PINS", (*bench.PINS, "SQLAlchemy==2.1.8"))
    bench.mailman_python()
    assert len(commands) == 1 and commands[0][1:3] == ["-m", "pip"] and "SQLAlchemy==2.1.8" in commands[0]


def test_an_interrupted_install_is_completed_on_the_next_run(
    commands: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(command: list[str], **_: Any) -> None:
        raise subprocess.CalledProcessError(1, command)

    bench.mailman_python()
    (bench.VENV / ".installed").unlink()  # as a pip run that died before finishing leaves it
    commands.clear()
    bench.mailman_python()
    assert [c[1:3] for c in commands] == [["-m", "pip"]]
    monkeypatch.setattr(subprocess, "run", failing)
    (bench.VENV / ".installed").unlink()
    with pytest.raises(subprocess.CalledProcessError):
        bench.mailman_python()
    assert not (bench.VENV / ".installed").exists()


def test_the_driver_looks_for_the_mailman_package_not_the_bench_module_beside_it() -> None:
    # Run as a script, its folder is first on the path; there bench/mailman.py would be taken for Mailman. This
    # interpreter has no Mailman, so the driver must fail looking for the package itself.
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "mailman_driver.py")],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode != 0
    assert "ModuleNotFoundError: No module named 'mailman'" in done.stderr, done.stderr[-2000:]


def test_statements_made_while_a_notification_is_built_are_counted_as_mail() -> None:
    counter = StatementCounter()

    def welcome() -> None:
        counter(None, None, "SELECT template.id FROM template")
        counter(None, None, "  select domain.id FROM domain")

    def failing_goodbye() -> None:
        counter(None, None, "SELECT template.id FROM template")
        raise RuntimeError("no template")

    counter(None, None, "INSERT INTO member (role) VALUES (?)")
    counter.marking_mail(welcome)()
    with pytest.raises(RuntimeError):
        counter.marking_mail(failing_goodbye)()
    counter(None, None, "DELETE FROM member WHERE member.id = ?")
    verbs, in_mail = counter.take()
    assert verbs == {"INSERT": 1, "SELECT": 3, "DELETE": 1}
    assert in_mail == 3  # the DELETE after a failed send is membership work again
    assert counter.take() == ({}, 0)


def record(counts: list[int], in_mail: list[int], seconds: list[float], kinds: dict[str, int]) -> dict[str, Any]:
    return {"count": counts, "in_mail": in_mail, "seconds": seconds, "cpu_seconds": seconds, "kinds": kinds}


def test_batches_add_up_to_one_phase_and_the_ratio_reads_listkeeper_over_mailman() -> None:
    mailman = {
        "subscribe": bench.aggregate(
            [record([40, 40], [9, 9], [0.2, 0.2], {"SELECT": 60, "INSERT": 20}), record([41], [9], [0.2], {})],
            "sql_statements",
        ),
        "model_api": {"subscribe": bench.summary([24, 24, 26])},
    }
    listkeeper = {
        "subscribe": bench.aggregate(
            [record([5, 5], [2, 2], [0.1, 0.1], {"PutItem": 8}), record([5], [2], [0.1], {"BatchGetItem": 3})],
            "dynamodb_requests",
        )
    }
    assert mailman["subscribe"]["sql_statements"] == {"mean": 40.33, "min": 40, "max": 41, "total": 121}
    assert listkeeper["subscribe"]["by_kind_per_op"] == {"BatchGetItem": 1.0, "PutItem": 2.67}
    row = bench.comparison_row("subscribe", mailman, listkeeper)
    assert row["mailman_sql_statements_without_mail"] == 31.33
    assert row["listkeeper_dynamodb_requests_without_mail"] == 3.0
    assert row["mailman_sql_statements_model_api"] == 24.67
    assert row["time_ratio_listkeeper_over_mailman"] == 0.5  # listkeeper took half Mailman's time
    assert row["cpu_time_ratio_listkeeper_over_mailman"] == 0.5
