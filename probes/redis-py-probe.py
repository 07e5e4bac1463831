#!/usr/bin/env python3
"""redis-py as an application uses it, driven by `lifeline lab --client-cmd` (docs/lab.md, "Clients in
other languages"): one JSON object per line on stdin, one per line on stdout.

redis.Redis(host, port) with its defaults (no retries beyond them), each command on its own thread as a
threaded application would send it, pub/sub read by a thread looping on get_message. Errors are reported
as the exception's module-qualified class and str(e), verbatim.
"""

import json
import os
import sys
import threading
import time

try:
    import redis
except ImportError:
    # Debian's python3-redis installs for the system Python; a pyenv or venv python3 on PATH does not see
    # it. Run this same probe with the system Python instead (once: the real path differs).
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system):
        os.execv(system, [system] + sys.argv)
    raise

_out = threading.Lock()


def emit(obj):
    line = json.dumps(obj, separators=(",", ":"))
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def class_of(error):
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def describe(error):
    return {"class": class_of(error), "message": str(error)}


def plain(value):
    """A reply as JSON: bytes decoded (invalid UTF-8 replaced), lists and dicts kept."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class Probe:
    def __init__(self):
        self.client = None

    def connect(self, msg):
        if msg.get("topology"):
            raise ValueError("this probe connects to one host:port; it has no Sentinel or Cluster client")
        self.client = redis.Redis(host=msg["host"], port=msg["port"], **(msg.get("options") or {}))
        self.client.ping()  # the application's first command: connect() resolves when it answers
        return True

    def send(self, msg):
        return plain(self.client.execute_command(*msg["args"]))

    def subscribe(self, msg):
        channel = msg["channel"]
        pubsub = self.client.pubsub()
        pubsub.subscribe(channel)
        # The subscribe confirmation: subscribe() resolves once the server has it.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            reply = pubsub.get_message(timeout=0.1)
            if reply and reply["type"] == "subscribe":
                break
        threading.Thread(target=self.listen, args=(pubsub,), daemon=True).start()
        return True

    def listen(self, pubsub):
        while True:
            try:
                reply = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            except Exception as error:  # what the application's reader loop would catch
                emit({"event": "error", "role": "subscriber", "error": describe(error)})
                time.sleep(0.1)  # the next get_message reconnects and resubscribes
                continue
            if reply and reply["type"] == "message":
                emit(
                    {
                        "event": "message",
                        "channel": plain(reply["channel"]),
                        "message": plain(reply["data"]),
                    }
                )

    def run(self, msg):
        op = msg.get("op")
        try:
            handler = {"connect": self.connect, "send": self.send, "subscribe": self.subscribe}.get(op)
            if handler is None:
                raise ValueError(f"unknown op {op!r}")
            emit({"id": msg.get("id"), "ok": True, "value": handler(msg)})
        except Exception as error:
            emit({"id": msg.get("id"), "ok": False, "error": describe(error)})


def main():
    probe = Probe()
    emit({"event": "ready", "library": f"redis-py {redis.__version__}"})
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg.get("op") == "close":
            break
        if msg.get("op") == "connect":
            probe.run(msg)  # before any command: they need the client
        else:
            threading.Thread(target=probe.run, args=(msg,), daemon=True).start()
    # Commands may still hang on a dead socket: leave without waiting for their threads.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
