#!/usr/bin/env python3
"""Writes RESP commands that load a mixed keyspace, for `redis-cli --pipe`.

    python3 scripts/bench/gen-keyspace.py N NOW_SECS > load.resp

N keys (seeded, deterministic for a given NOW_SECS): ~70% strings of several sizes,
hashes, lists, sets, sorted sets and a few streams; one big key of each type; ~30% with a
TTL spread over 24 hours, and one deliberate expiry cliff: 8% of all keys expire within
the same minute, two hours after NOW_SECS.
"""
import random
import sys


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def main():
    n = int(sys.argv[1])
    now = int(sys.argv[2])
    rnd = random.Random(42)
    w = sys.stdout.buffer
    cliff = (now // 60 + 120) * 60 + 30
    buf = []
    for i in range(n):
        r = rnd.random()
        if r < 0.40:
            key = "page:%d:html" % i
            buf.append(resp("SET", key, b"p" * rnd.choice((20, 60, 200, 800, 2000))))
        elif r < 0.70:
            key = "user:%d:profile" % i
            buf.append(resp("SET", key, b"u" * rnd.randint(10, 120)))
        elif r < 0.80:
            key = "session:{%d}:data" % i
            fields = []
            for f in range(rnd.randint(3, 12)):
                fields += ["f%d" % f, "v" * rnd.randint(1, 30)]
            buf.append(resp("HSET", key, *fields))
        elif r < 0.88:
            key = "queue:%d" % i
            buf.append(resp("RPUSH", key, *["job%d" % j for j in range(rnd.randint(2, 10))]))
        elif r < 0.94:
            key = "tags:%d" % i
            buf.append(resp("SADD", key, *["t%d" % j for j in range(rnd.randint(2, 10))]))
        elif r < 0.999:
            key = "rank:%d" % i
            members = []
            for j in range(rnd.randint(2, 10)):
                members += [j, "m%d" % j]
            buf.append(resp("ZADD", key, *members))
        else:
            key = "events:%d" % i
            buf.append(resp("XADD", key, "*", "k", "v"))
        t = rnd.random()
        if t < 0.08:
            buf.append(resp("EXPIREAT", key, cliff))
        elif t < 0.30:
            buf.append(resp("EXPIREAT", key, now + 300 + rnd.randint(0, 86_000)))
        if len(buf) >= 10_000:
            w.write(b"".join(buf))
            buf = []
    # One big key of each type.
    buf.append(resp("SET", "big:string", b"s" * 500_000))
    for start in range(0, 20_000, 1000):
        fields = []
        for f in range(start, start + 1000):
            fields += ["field%d" % f, "value%d" % f]
        buf.append(resp("HSET", "big:hash", *fields))
    for start in range(0, 10_000, 1000):
        buf.append(resp("SADD", "big:set", *["member%d" % m for m in range(start, start + 1000)]))
        buf.append(resp("RPUSH", "big:list", *["item%d" % m for m in range(start, start + 1000)]))
        members = []
        for m in range(start, start + 1000):
            members += [m, "player%d" % m]
        buf.append(resp("ZADD", "big:zset", *members))
    for _ in range(2000):
        buf.append(resp("XADD", "big:stream", "*", "event", "payload" * 4))
    w.write(b"".join(buf))


if __name__ == "__main__":
    main()
