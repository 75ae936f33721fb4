"""Whether the server can reach an outside host: the base map's tiles need the network.

Pure Python (no Streamlit). At a live demo without a network, the browser's requests
for Carto's tiles all fail, and the map library logs an error for each; the maps then
use a style without them (the outline alone). The server and the browser share the
network at a demo (one laptop) and on Community Cloud (both online), so the server's
answer stands for the browser's.
"""

from __future__ import annotations

import socket

CARTO_HOST = "basemaps.cartocdn.com"
HTTPS_PORT = 443
PROBE_TIMEOUT_S = 1.5


def host_reachable(host: str, port: int) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``PROBE_TIMEOUT_S`` seconds.

    Parameters
    ----------
    host : str
        Host name (resolved by the system) or address.
    port : int
        TCP port, in [1, 65535].

    Returns
    -------
    bool
        True when the connection opened (it is closed at once); False on any network
        error (no route, no name server, refused, timed out).
    """
    if not 1 <= port <= 65535:
        raise ValueError(f"port={port} is out of range; expected an integer in [1, 65535].")
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False
