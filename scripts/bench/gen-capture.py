#!/usr/bin/env python3
"""Writes a realistic MONITOR capture for benchmarks (never committed).

Usage: gen-capture.py OUT LINES [DISTINCT_KEYS] [SEED]

Zipf-distributed keys (s=1.1) over several patterns (user:<id>:profile,
product:<id>:info, session:<uuid>, cart:{<id>}:items, rl:login:<ipv4>, feed:<id>:page<n>),
200 client addresses, mixed commands (GET 60%, SET EX 15%, HGETALL/HINCRBY 8%, MGET of 3
keys 5%, INCR+EXPIRE 5%, DEL of 2 keys 2%, EVAL with 2 keys 2%, keys with escaped
binary bytes 1%, the rest SETEX), one second of timestamps per 100,000 lines.
Deterministic for a given seed.
"""
import bisect
import random
import sys


def main():
    out, lines = sys.argv[1], int(sys.argv[2])
    distinct = int(sys.argv[3]) if len(sys.argv) > 3 else 500_000
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 42)
    # Zipf over `distinct` ranks via a cumulative table of a capped size.
    ranks = min(distinct, 200_000)
    weights = [1.0 / (r + 1) ** 1.1 for r in range(ranks)]
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)

    def rank():
        # Head from the Zipf table; a uniform tail above it covers the remaining ids.
        if distinct > ranks and rnd.random() < 0.3:
            return rnd.randrange(ranks, distinct)
        return bisect.bisect_left(cum, rnd.random() * acc)

    def key(r):
        kind = r % 6
        if kind == 0:
            return '"user:%d:profile"' % r
        if kind == 1:
            return '"product:%d:info"' % r
        if kind == 2:
            return '"session:%08x-%04x-4abc-9def-%012x"' % (r, r % 65536, r * 7919)
        if kind == 3:
            return '"cart:{%d}:items"' % r
        if kind == 4:
            return '"rl:login:10.%d.%d.%d"' % (r % 256, (r >> 8) % 256, (r >> 16) % 256)
        return '"feed:%d:page%d"' % (r, r % 9)

    clients = ["10.1.%d.%d:%d" % (i % 4, i, 40000 + i * 7) for i in range(200)]
    ts = 1_700_000_000_000_000
    step = 10  # microseconds per line: 100,000 lines per second
    with open(out, "w") as f:
        buf = []
        for n in range(lines):
            ts += step
            c = clients[rnd.randrange(200)]
            p = rnd.random()
            if p < 0.60:
                cmd = '"GET" ' + key(rank())
            elif p < 0.75:
                cmd = '"SET" %s "v%d" "EX" "%d"' % (key(rank()), n % 97, 300 + n % 60)
            elif p < 0.79:
                cmd = '"HGETALL" ' + key(rank())
            elif p < 0.83:
                cmd = '"HINCRBY" %s "sku-%d" "1"' % (key(rank()), n % 30)
            elif p < 0.88:
                cmd = '"MGET" %s %s %s' % (key(rank()), key(rank()), key(rank()))
            elif p < 0.93:
                cmd = '"INCR" ' + key(rank())
            elif p < 0.95:
                cmd = '"DEL" %s %s' % (key(rank()), key(rank()))
            elif p < 0.97:
                cmd = '"EVAL" "return redis.call(\'GET\', KEYS[1])" "2" %s %s' % (key(rank()), key(rank()))
            elif p < 0.98:
                cmd = '"GET" "bin:\\x00\\xff\\x%02x:%d"' % (n % 256, rank())
            else:
                cmd = '"SETEX" %s "60" "x"' % key(rank())
            buf.append("%d.%06d [0 %s] %s\n" % (ts // 1_000_000, ts % 1_000_000, c, cmd))
            if len(buf) >= 100_000:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf))


if __name__ == "__main__":
    main()
