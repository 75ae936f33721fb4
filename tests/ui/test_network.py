"""The network check that picks the base map style (with or without Carto's tiles)."""

from __future__ import annotations

import socket

import pytest

from components.ui.network import host_reachable


def test_a_listening_port_is_reachable_and_a_closed_one_is_not() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert host_reachable("127.0.0.1", port, timeout_s=2)
    # The port is closed now: the connection is refused at once.
    assert not host_reachable("127.0.0.1", port, timeout_s=2)


def test_an_unknown_host_is_not_reachable() -> None:
    # ".invalid" never resolves (RFC 2606).
    assert not host_reachable("geocluster.invalid", 443, timeout_s=2)


@pytest.mark.parametrize(
    ("port", "timeout_s", "message"),
    [(0, 1.0, r"port=0 is out of range"), (443, 0.0, r"timeout_s=0.0 is out of range")],
)
def test_bad_arguments_name_the_value_and_the_range(
    port: int, timeout_s: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        host_reachable("127.0.0.1", port, timeout_s=timeout_s)
