"""`make run` starts again at once after a busy run: connections left in TIME_WAIT do not make its port look taken,
while a port something listens on still does."""

import socket

import pytest

from devstack.run import ensure_port_free


def test_a_port_with_only_closed_connections_in_time_wait_is_free() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end stays in TIME_WAIT on this port
    client.close()
    server.close()
    ensure_port_free(port)


def test_a_port_something_listens_on_is_reported() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with pytest.raises(SystemExit, match="in use"):
            ensure_port_free(listener.getsockname()[1])
