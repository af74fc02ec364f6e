"""`make run`: the whole system on one machine, on loopback, with no AWS account.

moto server (a separate process, see aws_emulation.py) plays AWS; the Chalice app is served in this process through
the deployed API function's own entry point (each request handed over as CloudFront and the function URL hand it,
chalicelib/front.py), with /dev/outbox and the emulated Shopify Admin API (/dev/shopify) added in front.
Ctrl-C (or SIGTERM) stops everything this started."""

import argparse
import base64
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .bootstrap import LOCAL_SHOPIFY_SHOP, LOCAL_SHOPIFY_TOKEN, provision, stage_environment
from .outbox import outbox_page, sent_mail
from .ses_emulation import SendEventPump, Ticker
from .shopify import ShopifyAdminEmulation, shopify_page
from .smtp import start_smtp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up within {timeout:.0f} s") from None
            time.sleep(0.1)


def ensure_port_free(port: int) -> None:
    """Fails only when something listens there. The servers bind with SO_REUSEADDR, so the probe does too:
    without it, connections of a busy run still in TIME_WAIT made the port look taken for up to a minute."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen(1)
        except OSError:
            raise SystemExit(f"port {port} on 127.0.0.1 is in use: stop what holds it or pick another") from None


def start_aws_emulation(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.aws_emulation", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/moto-api/")
    except RuntimeError:
        process.terminate()
        raise
    return process


def make_http_server(host: str, port: int, aws_endpoint: str, shopify: ShopifyAdminEmulation) -> Any:
    from chalice.cli.factory import CLIFactory
    from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer

    from chalicelib.front import ORIGIN_HEADER, ORIGIN_SECRET_VARIABLE, FunctionUrlFront

    class DevRequestHandler(ChaliceRequestHandler):
        """Serves /dev/* (local stage only, outside the deployed app), and everything else as AWS does: the request
        becomes the event CloudFront and the function URL hand the deployed API function, answered by the same
        entry point (chalicelib/front.py)."""

        # The headers and the body leave in two writes; with Nagle's algorithm on, the body waits for the client's
        # delayed ACK of the headers (40 ms on Linux) on every keep-alive request.
        disable_nagle_algorithm = True

        def _generic_handle(self) -> None:
            path = self.path.split("?", 1)[0]
            if path.startswith("/dev/shopify/") and self.command == "POST":
                token = self.headers.get("X-Shopify-Access-Token")
                answer = shopify.handle_path(path, token, self._body())
                status, body = answer or (404, b'{"errors": "Not Found"}')
                self._reply(status, "application/json", body)
            elif path == "/dev/shopify.json":
                self._reply(200, "application/json", json.dumps(shopify.records()).encode())
            elif path == "/dev/shopify":
                self._reply(200, "text/html; charset=utf-8", shopify_page(shopify.records()).encode())
            elif path == "/webhooks/shopify" and self.command == "POST":
                # the emulated shop knows the customers its webhooks describe; listkeeper reads the same bytes
                raw, kept = self._body(), self.rfile
                shopify.learn(self.headers.get("X-Shopify-Shop-Domain"), self.headers.get("X-Shopify-Topic"), raw)
                self.rfile = io.BytesIO(raw)  # type: ignore[assignment]
                try:
                    self._through_function_url()
                finally:
                    self.rfile = kept
            elif path == "/dev/outbox.json":
                self._reply(200, "application/json", json.dumps(sent_mail(aws_endpoint)).encode())
            elif path == "/dev/openapi.json":
                self._reply(200, "application/json", (Path(ROOT) / "docs" / "openapi.json").read_bytes())
            elif path == "/dev/outbox":
                self._reply(200, "text/html; charset=utf-8", outbox_page(sent_mail(aws_endpoint)).encode())
            else:
                self._through_function_url()

        def _through_function_url(self) -> None:
            raw_path, _, query = self.path.partition("?")
            body = self._body()
            headers: dict[str, str] = {}
            cookies: list[str] = []
            for name, value in self.headers.items():
                if name.lower() == "cookie":  # a function URL hands cookies apart from the headers
                    cookies += [c.strip() for c in value.split(";") if c.strip()]
                else:
                    headers[name.lower()] = f"{headers[name.lower()]},{value}" if name.lower() in headers else value
            headers["cloudfront-viewer-address"] = f"{self.client_address[0]}:{self.client_address[1]}"
            headers[ORIGIN_HEADER] = origin_secret
            try:
                text, binary = body.decode(), False
            except UnicodeDecodeError:
                text, binary = base64.b64encode(body).decode(), True
            event = {
                "version": "2.0",
                "rawPath": raw_path,
                "rawQueryString": query,
                "headers": headers,
                "requestContext": {
                    "requestId": uuid.uuid4().hex,
                    "http": {"method": self.command, "path": raw_path, "sourceIp": self.client_address[0]},
                },
                "body": text or None,
                "isBase64Encoded": binary,
            }
            if cookies:
                event["cookies"] = cookies
            answer = front(event, None)
            payload = base64.b64decode(answer["body"]) if answer["isBase64Encoded"] else answer["body"].encode()
            self.send_response(answer["statusCode"])
            for name, value in answer["headers"].items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            for cookie in answer.get("cookies", []):
                self.send_header("Set-Cookie", cookie)
            # As a function URL does: a HEAD answer has the GET's headers and no body.
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _reply(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
            pass  # the app logs one structured line per request already

    config = CLIFactory(ROOT, environ=os.environ).create_config_obj(chalice_stage_name="local")
    app_obj = config.chalice_app
    # What chalice.local.create_local_server does, so that current_request is per thread.
    CustomLocalChalice.__bases__ = (LocalChalice, app_obj.__class__)
    app_obj.__class__ = CustomLocalChalice
    front = FunctionUrlFront(app_obj.routes, app_obj)
    # CloudFront's header that only the front may send: a fresh value each run, so none is kept anywhere
    origin_secret = secrets.token_urlsafe(32)
    os.environ[ORIGIN_SECRET_VARIABLE] = origin_secret
    return LocalDevServer(app_obj, config, host, port, handler_cls=DevRequestHandler)


def scheduled_event() -> dict[str, Any]:
    """The EventBridge scheduled event a `Rate(5 minutes)` Lambda receives."""
    return {
        "version": "0",
        "id": "local-sweep",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/listkeeper-local-sweep"],
        "detail": {},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run listkeeper locally against an emulated AWS.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LISTKEEPER_PORT", "8000")))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("LISTKEEPER_AWS_PORT", "5000")))
    parser.add_argument("--smtp-port", type=int, default=int(os.environ.get("LISTKEEPER_SMTP_PORT", "2525")))
    parser.add_argument(
        "--sweep-seconds",
        type=float,
        default=float(os.environ.get("LISTKEEPER_SWEEP_SECONDS", "30")),
        help="how often the sweep runs (every 5 minutes in AWS; more often here so removals finish quickly)",
    )
    parser.add_argument(
        "--metrics", action="store_true", help="print the sweep's CloudWatch metric lines (EMF) among the console's"
    )
    args = parser.parse_args(argv)

    aws_endpoint = f"http://127.0.0.1:{args.aws_port}"
    ensure_port_free(args.port)
    ensure_port_free(args.aws_port)
    ensure_port_free(args.smtp_port)
    overrides = {
        "LISTKEEPER_PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}",
        "LISTKEEPER_SHOPIFY_ADMIN_URL": f"http://127.0.0.1:{args.port}/dev/shopify/{{shop}}/admin/api/{{version}}/graphql.json",
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        # a metrics JSON line every sweep would bury the console; in AWS they go to CloudWatch
        "POWERTOOLS_METRICS_DISABLED": "false" if args.metrics else "true",
    }
    os.environ.update(stage_environment("local"))
    os.environ.update(overrides)
    os.environ.pop("AWS_PROFILE", None)

    stoppers: list[Callable[[], None]] = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        moto = start_aws_emulation(args.aws_port)
        stoppers.append(lambda: (moto.terminate(), moto.wait(10)))
        os.environ.update(provision(os.environ.copy()))
        shopify = ShopifyAdminEmulation({LOCAL_SHOPIFY_SHOP: LOCAL_SHOPIFY_TOKEN})
        server = make_http_server("127.0.0.1", args.port, aws_endpoint, shopify)
        os.environ.update(overrides)  # loading the app re-applied the stage's config.json values
        from chalicelib.adapters.aws import client
        from chalicelib.blueprints import events

        pump = SendEventPump(client("ses"), events.ses_events)  # watching sends before the first request
        thread = threading.Thread(target=server.server.serve_forever, name="http", daemon=True)
        thread.start()
        stoppers.append(server.shutdown)
        sweeper = Ticker("sweep", lambda: events.sweep(scheduled_event(), None), args.sweep_seconds)
        for worker in (pump, sweeper):
            worker.start()
            stoppers.append(worker.stop)
        smtp = start_smtp(args.smtp_port, os.environ["LISTKEEPER_BUCKET"], events.inbound_email)
        stoppers.append(smtp.stop)
        print(
            "listkeeper is running (local stage):\n"
            f"  API             http://127.0.0.1:{args.port}   (API key: dev-api-key)\n"
            f"  webhooks        http://127.0.0.1:{args.port}/webhooks/storefront (secret: dev-webhook-secret)\n"
            f"  Shopify         http://127.0.0.1:{args.port}/webhooks/shopify (shop: dev-shop.myshopify.com;"
            " secret: dev-shopify-secret)\n"
            f"  WooCommerce     http://127.0.0.1:{args.port}/webhooks/woocommerce (secret: dev-woocommerce-secret)\n"
            f"  outbox          http://127.0.0.1:{args.port}/dev/outbox  and  /dev/outbox.json (oldest first)\n"
            f"  Shopify Admin   http://127.0.0.1:{args.port}/dev/shopify  and  /dev/shopify.json: consent written"
            " back (token: dev-shopify-token)\n"
            f"  OpenAPI         http://127.0.0.1:{args.port}/dev/openapi.json\n"
            f"  console         http://127.0.0.1:{args.port}/console   (customer service: review queue, deadlines)\n"
            "                  agent@shop.example / Dev-agent-password-1 (agent), "
            "admin@shop.example / Dev-admin-password-1 (admin)\n"
            f"  SMTP (inbound)  127.0.0.1:{args.smtp_port}  plays SES receiving -> inbound_email\n"
            f"  emulated AWS    {aws_endpoint}   (moto server)\n"
            f"  sweep           every {args.sweep_seconds:g} s; SES Send events fed to ses_events\n"
            f"  metrics         {'printed (EMF lines)' if args.metrics else 'off (--metrics to print them)'}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        stop.wait()
    finally:
        for stopper in reversed(stoppers):
            try:
                stopper()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                print(f"while stopping: {exc}", file=sys.stderr)
        print("listkeeper stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
