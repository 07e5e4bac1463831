"""An app as people write them: redis-py, Python logging ("2026-12-07 12:02:14,512", local time of its
TZ, no offset). A subscriber thread and a worker thread; on stdin, "connect" opens a fresh connection.
Prints "ready" once both are up.
    /usr/bin/python3 py-app.py <port> <log>
"""
import logging
import sys
import threading
import time

import redis

port, log_path = int(sys.argv[1]), sys.argv[2]
logging.basicConfig(filename=log_path, level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("app")
stopping = threading.Event()
subscribed = threading.Event()


def subscriber():
    while not stopping.is_set():
        try:
            client = redis.Redis(host="127.0.0.1", port=port, client_name="py-subscriber")
            pubsub = client.pubsub()
            pubsub.subscribe("news")
            subscribed.set()
            while not stopping.is_set():
                pubsub.get_message(timeout=0.1)
        except Exception as e:  # noqa: BLE001 - an app logs whatever its client raised
            log.error("redis pubsub failed: %s", e)
            time.sleep(0.2)


def worker():
    client = redis.Redis(host="127.0.0.1", port=port, client_name="py-worker", socket_timeout=2)
    while not stopping.is_set():
        try:
            client.get("k")
        except Exception as e:  # noqa: BLE001
            log.error("redis GET failed: %s", e)
        time.sleep(0.05)


threading.Thread(target=subscriber, daemon=True).start()
threading.Thread(target=worker, daemon=True).start()
subscribed.wait(10)
print("ready", flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "connect":
        for _ in range(5):
            try:
                redis.Redis(host="127.0.0.1", port=port).ping()
            except Exception as e:  # noqa: BLE001
                log.error("redis connect failed: %s", e)
        print("connect done", flush=True)
    elif command == "stop":
        stopping.set()
        break
