# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: predict
# Reach the test's TCP listener on 127.0.0.1, send UDP, and try unix sockets (abstract and the
# docker socket); NET-OK if anything connects.
_os = np.lib._datasource.os
_socket = _os.sys.modules["socket"]


def predict(X, params, hidden_activation="relu"):
    found = []
    attempts = [(_socket.AF_INET, _socket.SOCK_STREAM, ("127.0.0.1", int("__PORT__"))),
                (_socket.AF_INET6, _socket.SOCK_STREAM, ("::1", int("__PORT__"))),
                (_socket.AF_UNIX, _socket.SOCK_STREAM, "\0grader-abstract"),
                (_socket.AF_UNIX, _socket.SOCK_STREAM, "/var/run/docker.sock")]
    for family, kind, address in attempts:
        try:
            s = _socket.socket(family, kind)
            s.settimeout(1.0)
            s.connect(address)
            s.sendall(b"NET-OK from the worker\n")
            found.append(f"NET-OK {address}")
        except Exception:
            pass
    try:
        u = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
        u.sendto(b"NET-OK udp", ("127.0.0.1", int("__PORT__")))
        found.append("NET-OK udp sent")
    except Exception:
        pass
    if found:
        raise RuntimeError("LEAKED " + " | ".join(found))
    return np.zeros(len(X), dtype=int)
