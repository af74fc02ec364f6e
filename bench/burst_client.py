"""The burst's second process: POSTs RFC 8058 one-clicks for every token in a file, from a few threads that each
keep one HTTP/1.1 connection open, and prints one JSON document: per-request latency, status and errors.

Bounded twice: each token is posted once, and no request starts after `--seconds` (the rest are counted as not
sent), so a stuck stack cannot keep the benchmark running.

    python -m bench.burst_client --base-url http://127.0.0.1:8000 --tokens tokens.json --workers 4 --seconds 600
"""

import argparse
import http.client
import json
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

ONE_CLICK_BODY = b"List-Unsubscribe=One-Click"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Connection": "keep-alive"}


def run(base_url: str, tokens: list[str], workers: int, seconds: float, timeout: float = 30.0) -> dict[str, Any]:
    target = urlsplit(base_url)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    deadline = time.monotonic() + seconds
    latencies: list[float | None] = [None] * len(tokens)
    statuses: list[int | None] = [None] * len(tokens)
    errors: list[str] = []
    lock = threading.Lock()
    cursor = iter(range(len(tokens)))

    def worker() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                started = time.perf_counter()
                try:
                    connection.request("POST", f"/u/{tokens[index]}", body=ONE_CLICK_BODY, headers=HEADERS)
                    response = connection.getresponse()
                    response.read()
                    statuses[index] = response.status
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()  # the next request opens a fresh connection
                    statuses[index] = 0
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                latencies[index] = time.perf_counter() - started
        finally:
            connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, name=f"burst-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    sent = [i for i, status in enumerate(statuses) if status is not None]
    return {
        "requested": len(tokens),
        "sent": len(sent),
        "not_sent": len(tokens) - len(sent),
        "elapsed_seconds": elapsed,
        "latencies": [latencies[i] for i in sent],
        "statuses": statuses,  # by token, null where the hard stop came first
        "errors": errors[:20],
        "error_count": sum(1 for i in sent if statuses[i] != 200),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--tokens", required=True, help="a JSON file holding a list of link tokens")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=600.0, help="no request starts after this many seconds")
    args = parser.parse_args(argv)
    with open(args.tokens, encoding="utf-8") as handle:
        tokens = json.load(handle)
    json.dump(run(args.base_url, tokens, args.workers, args.seconds), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
