#!/usr/bin/env python3
"""Side latency probe, like `redis-cli --latency`: PING every 10 ms on its own
connection until SIGTERM, then print `p50_ms p99_ms max_ms samples`.

    python3 scripts/bench/latency-probe.py PORT > out &  ...  kill $!
"""
import signal
import socket
import sys
import time

samples = []


def report(*_):
    s = sorted(samples) or [0.0]

    def q(p):
        return s[min(len(s) - 1, max(0, int(p * len(s) + 0.999999) - 1))]

    print("%.3f %.3f %.3f %d" % (q(0.5), q(0.99), s[-1], len(samples)), flush=True)
    sys.exit(0)


def main():
    signal.signal(signal.SIGTERM, report)
    sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        t = time.perf_counter()
        sock.sendall(b"PING\r\n")
        got = b""
        while not got.endswith(b"\r\n"):
            got += sock.recv(64)
        samples.append((time.perf_counter() - t) * 1000.0)
        time.sleep(0.01)


if __name__ == "__main__":
    main()
