# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: two_layer_forward
# Find the worker's socket and write forged protocol messages into it: a fake "result" claiming
# success, garbage, and an absurd length prefix. The grader trusts no message beyond "this is the
# value the function returned", so the forgery can only break this call.
_os = np.lib._datasource.os
_sys = _os.sys


def two_layer_forward(X, params, hidden_activation="relu"):
    gc = _sys.modules["importlib"].import_module("gc")
    socket = _sys.modules["socket"]
    codec = _sys.modules.get("grader.codec")
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() >= 0:
            try:
                if codec is not None:
                    for call_id in range(0, 400):
                        codec.send(obj, codec.encode({"op": "result", "id": call_id, "ok": True,
                                                      "value": (np.zeros((5, 3)), None), "mutated": []}))
                obj.sendall(b"\xff" * 64)
                obj.sendall((2 ** 62).to_bytes(8, "little"))
            except Exception:
                pass
    return np.zeros((len(X), 3)), None
