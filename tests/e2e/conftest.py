"""Starts the `make run` stack (python -m devstack.run) on free loopback ports, once for the e2e session."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    base_url: str
    aws_url: str
    process: subprocess.Popen[str]
    smtp_port: int
    # Everything the stack printed. Read as it comes: an unread pipe fills up (64 KiB, a few hundred request log
    # lines) and the stack then blocks on its next log line, answering nothing.
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None


def drain(process: subprocess.Popen[str], into: list[str]) -> threading.Thread:
    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            into.append(line)

    reader = threading.Thread(target=read, name="stack-output", daemon=True)
    reader.start()
    return reader


def start_stack(*extra: str) -> Stack:
    port, aws_port, smtp_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack.run",
            "--port",
            str(port),
            "--aws-port",
            str(aws_port),
            "--smtp-port",
            str(smtp_port),
            "--sweep-seconds",
            "1",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = drain(process, output)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            reader.join(10)
            raise RuntimeError(f"the stack exited early:\n{''.join(output)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return Stack(
                    f"http://127.0.0.1:{port}", f"http://127.0.0.1:{aws_port}", process, smtp_port, output, reader
                )
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the stack did not come up within 60 s")


def stop_stack(stack: Stack) -> str:
    stack.process.send_signal(signal.SIGINT)
    try:
        stack.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        raise
    if stack.reader is not None:
        stack.reader.join(10)
    return "".join(stack.output)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    running = start_stack()
    yield running
    if running.process.poll() is None:
        stop_stack(running)
