"""moto server as `make run` runs it: `python -m moto.server`, except that each DynamoDB request is applied whole
before the next one starts.

moto reads an item, evaluates the ConditionExpression and then writes, holding nothing in between, so two
concurrent conditional writes to one item can both succeed. DynamoDB applies a conditional write atomically, and
listkeeper relies on that: the version-conditioned contact write and the event-id claim are its only locks. Other
services are left as moto serves them (the outbox viewer's data dump must not hold up the table)."""

import argparse
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OneDynamoRequestAtATime:
    """WSGI middleware: DynamoDB requests (JSON protocol, `X-Amz-Target: DynamoDB_<version>.<Operation>`) run one at
    a time, response included."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self._app(environ, start_response)
        with self._lock:
            return list(self._app(environ, start_response))


class Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, with the service of each host remembered: moto lists its package directory from disk to
    answer that, on every request (about 5% of the emulator's time in a burst of one-clicks)."""

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one dispatcher per process, living as long as the process
    def get_backend_for_host(self, host: str | None) -> Any:
        return super().get_backend_for_host(host)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto server with atomic DynamoDB requests")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto.server does: moto builds some URLs from it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    # an access-log line per request was another ~5% of the emulator's time; the app logs every request itself
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = Dispatcher(create_backend_app)
    app.debug = True  # type: ignore[attr-defined]  # as moto.server sets it
    run_simple(args.host, args.port, OneDynamoRequestAtATime(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
