"""GNU Mailman 3 in-process, for bench/mailman.py: run with the interpreter of build/mailman-venv, never the
project's (Mailman is not a dependency). SQLite in a temporary directory, the fake MTA, one domain and one list,
then subscribes and unsubscribes done as Mailman's REST API does them (one transaction per request), with every SQL
statement counted through a `before_cursor_execute` listener.

It answers JSON lines on stdin, one JSON line each on stdout, so that bench/mailman.py can interleave it with
listkeeper's side in small batches (drift on a shared machine then hits both alike):
    {"op": "subscribe" | "unsubscribe" | "subscribe_model" | "unsubscribe_model", "emails": [...]}
        -> {"count": [statements per op], "in_mail": [...], "seconds": [...], "kinds": {verb: statements},
            "members": members of the list after the batch}
    {"op": "finish"} -> {"checks": {...}}, and it exits
The first line it prints, once set up, describes the site."""

import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from textwrap import dedent
from typing import IO, Any

# bench/mailman.py sits beside this file and would shadow the mailman package if this folder stayed on the path
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

LIST = "news@example.com"
LIST_ID = "news.example.com"


def configuration(var_dir: Path) -> str:
    # The fake MTA writes no alias files; with no runners started, outgoing mail stays queued as files under
    # queue/virgin, which is Mailman's own outbox.
    return dedent(f"""
        [mailman]
        layout: bench
        site_owner: owner@example.com
        [paths.bench]
        var_dir: {var_dir}
        [database]
        url: sqlite:///{var_dir}/mailman.db
        [mta]
        incoming: mailman.testing.mta.FakeMTA
        """)


class StatementCounter:
    """Every statement the engine sends, by verb, and how many of them were made while building a notification
    (welcome or goodbye mail), so the membership work can be told apart from the mail work."""

    def __init__(self) -> None:
        self.by_verb: Counter[str] = Counter()
        self.in_mail = 0
        self._mail_depth = 0

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.by_verb[statement.lstrip().split(None, 1)[0].upper()] += 1
        if self._mail_depth:
            self.in_mail += 1

    def take(self) -> tuple[Counter[str], int]:
        snapshot = (Counter(self.by_verb), self.in_mail)
        self.by_verb.clear()
        self.in_mail = 0
        return snapshot

    def marking_mail(self, send: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self._mail_depth += 1
            try:
                return send(*args, **kwargs)
            finally:
                self._mail_depth -= 1

        return counted


class Site:
    """One Mailman site with one list, as its REST API would drive it."""

    def __init__(self, config: Any) -> None:
        from mailman.app import membership
        from mailman.app.lifecycle import create_list
        from mailman.database.transaction import transaction
        from mailman.interfaces.domain import IDomainManager
        from mailman.interfaces.listmanager import IListManager
        from mailman.interfaces.subscriptions import ISubscriptionManager
        from mailman.interfaces.usermanager import IUserManager
        from sqlalchemy import event
        from zope.component import getUtility

        self.config = config
        self.manager = ISubscriptionManager
        self.counter = StatementCounter()
        event.listen(config.db.engine, "before_cursor_execute", self.counter)
        membership.send_welcome_message = self.counter.marking_mail(membership.send_welcome_message)
        membership.send_goodbye_message = self.counter.marking_mail(membership.send_goodbye_message)
        with transaction():
            getUtility(IDomainManager).add("example.com")
            create_list(LIST)
        self.users = getUtility(IUserManager)
        self.lists = getUtility(IListManager)
        self.queue = Path(config.QUEUE_DIR) / "virgin"
        self.queued = {"subscribe": 0, "unsubscribe": 0}
        self.actions: dict[str, Callable[[str], None]] = {
            "subscribe": self.subscribe,
            "unsubscribe": self.unsubscribe,
            "subscribe_model": self.subscribe_model,
            "unsubscribe_model": self.unsubscribe_model,
        }
        # one subscriber through both steps first, uncounted, so no measured operation pays for first use
        self.subscribe("warmup@example.com")
        self.unsubscribe("warmup@example.com")
        self.counter.take()

    def describe(self) -> dict[str, Any]:
        mlist = self.lists.get_by_list_id(LIST_ID)
        return {
            "mailman": version("mailman"),
            "sqlalchemy": version("sqlalchemy"),
            "python": sys.version.split()[0],
            "database": "SQLite file in a temporary directory, SQLAlchemy ORM, one transaction per request",
            "mta": "mailman.testing.mta.FakeMTA (no runners: mail stays queued in queue/virgin)",
            "list_settings": {
                "subscription_policy": mlist.subscription_policy.name,
                "unsubscription_policy": mlist.unsubscription_policy.name,
                "send_welcome_message": mlist.send_welcome_message,
                "send_goodbye_message": mlist.send_goodbye_message,
                "admin_notify_mchanges": mlist.admin_notify_mchanges,
            },
        }

    def subscribe(self, email: str) -> None:
        # POST /3.0/members with pre_verified, pre_confirmed and pre_approved (rest/members.py)
        mlist = self.lists.get_by_list_id(LIST_ID)
        address = self.users.get_address(email) or self.users.create_address(email, "")
        token, _owner, member = self.manager(mlist).register(
            address, pre_verified=True, pre_confirmed=True, pre_approved=True
        )
        assert token is None and member is not None, "the subscription did not complete at once"
        self.config.db.commit()

    def unsubscribe(self, email: str) -> None:
        # DELETE /3.0/members/<id> with pre_confirmed and pre_approved
        mlist = self.lists.get_by_list_id(LIST_ID)
        token, _owner, member = self.manager(mlist).unregister(
            self.users.get_address(email), pre_confirmed=True, pre_approved=True
        )
        assert token is None and member is None, "the unsubscription did not complete at once"
        self.config.db.commit()

    # The model API under the workflow, for reference: IMailingList.subscribe (still queues the welcome) and
    # IMember.unsubscribe (no goodbye), without the ban, pending-request and user bookkeeping of a request.
    def subscribe_model(self, email: str) -> None:
        self.lists.get_by_list_id(LIST_ID).subscribe(self.users.create_address(email, ""))
        self.config.db.commit()

    def unsubscribe_model(self, email: str) -> None:
        self.lists.get_by_list_id(LIST_ID).members.get_member(email).unsubscribe()
        self.config.db.commit()

    def run(self, op: str, emails: list[str]) -> dict[str, Any]:
        action = self.actions[op]
        queued = self.queued_messages()
        record: dict[str, Any] = {"count": [], "in_mail": [], "seconds": [], "cpu_seconds": [], "kinds": Counter()}
        for email in emails:
            started, cpu_started = time.perf_counter(), time.process_time()
            action(email)
            record["seconds"].append(time.perf_counter() - started)
            record["cpu_seconds"].append(time.process_time() - cpu_started)
            used, in_mail = self.counter.take()
            record["count"].append(sum(used.values()))
            record["in_mail"].append(in_mail)
            record["kinds"] += used
        if op in self.queued:
            self.queued[op] += self.queued_messages() - queued
        record["members"] = self.lists.get_by_list_id(LIST_ID).members.member_count
        self.config.db.abort()
        self.counter.take()
        return record

    def queued_messages(self) -> int:
        return len(list(self.queue.glob("*.pck")))

    def checks(self) -> dict[str, Any]:
        return {
            "welcome_messages_queued": self.queued["subscribe"],
            "goodbye_messages_queued": self.queued["unsubscribe"],
        }


@contextmanager
def mailman_site() -> Iterator[Site]:
    with tempfile.TemporaryDirectory(prefix="mailman-bench-") as tmp:
        var_dir = Path(tmp)
        config_file = var_dir / "mailman.cfg"
        config_file.write_text(configuration(var_dir))
        from mailman.core.initialize import initialize

        initialize(str(config_file), propagate_logs=False)
        from mailman.config import config

        try:
            yield Site(config)
        finally:
            config.db.store.close()
            config.db.engine.dispose()


def serve(requests: IO[str], replies: IO[str]) -> None:
    def reply(payload: dict[str, Any]) -> None:
        replies.write(json.dumps(payload) + "\n")
        replies.flush()

    with mailman_site() as site:
        reply(site.describe())
        for line in requests:
            request = json.loads(line)
            if request["op"] == "finish":
                reply({"checks": site.checks()})
                return
            reply(site.run(request["op"], request["emails"]))


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
