#!/usr/bin/env python3
"""Writes RESP commands that load a source for the warm benchmark, for `redis-cli --pipe`,
and the names of every key it made, one per line.

    python3 scripts/bench/gen-warm.py N KEYS_FILE > load.resp

N keys (seeded, deterministic): 80% strings of 100 bytes (`obj:<i>`), 5% each hashes
(`h:<i>`, 4 fields), lists (`l:<i>`, 5 elements), sets (`s:<i>`, 5 members) and sorted
sets (`z:<i>`, 5 members); 30% with a TTL of 1 h +- 6 min (SET ... PX, else PEXPIRE). The
names are plain ASCII, so cachestorm's printable form of each is the name itself. The key
file is written in a shuffled order, so the copy does not read the source in load order.
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
    rnd = random.Random(7)
    w = sys.stdout.buffer
    names = []
    buf = []
    for i in range(n):
        r = rnd.random()
        ttl = rnd.randint(3600_000 - 360_000, 3600_000 + 360_000) if rnd.random() < 0.30 else None
        if r < 0.80:
            key = "obj:%d" % i
            val = (b"%08d" % i) + bytes(rnd.choice(b"abcdefghij") for _ in range(4)) * 23
            if ttl:
                buf.append(resp("SET", key, val, "PX", ttl))
            else:
                buf.append(resp("SET", key, val))
            ttl = None
        elif r < 0.85:
            key = "h:%d" % i
            buf.append(resp("HSET", key, "name", "n%d" % i, "email", "u%d@example.com" % i,
                            "visits", rnd.randint(1, 999), "plan", rnd.choice("abc")))
        elif r < 0.90:
            key = "l:%d" % i
            buf.append(resp("RPUSH", key, *["item%d" % rnd.randint(0, 99999) for _ in range(5)]))
        elif r < 0.95:
            key = "s:%d" % i
            buf.append(resp("SADD", key, *["m%d" % j for j in rnd.sample(range(1000), 5)]))
        else:
            key = "z:%d" % i
            members = []
            for j in range(5):
                members += [rnd.randint(0, 10000), "p%d" % j]
            buf.append(resp("ZADD", key, *members))
        if ttl:
            buf.append(resp("PEXPIRE", key, ttl))
        names.append(key)
        if len(buf) >= 10000:
            w.write(b"".join(buf))
            buf = []
    w.write(b"".join(buf))
    rnd.shuffle(names)
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(names))
        f.write("\n")


if __name__ == "__main__":
    main()
