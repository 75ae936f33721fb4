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
        assert host_reachable("127.0.0.1", port)
    # The port is closed now: the connection is refused at once.
    assert not host_reachable("127.0.0.1", port)


def test_an_unknown_host_is_not_reachable() -> None:
    # ".invalid" never resolves (RFC 2606).
    assert not host_reachable("geocluster.invalid", 443)


def test_a_bad_port_is_named_with_the_range() -> None:
    with pytest.raises(ValueError, match=r"port=0 is out of range"):
        host_reachable("127.0.0.1", 0)
