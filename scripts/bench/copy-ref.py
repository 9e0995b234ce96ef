#!/usr/bin/env python3
"""Reference copies for the warm benchmark, with redis-py (pure Python parser, no hiredis):
how a script without cachestorm would copy keys from a source to a target.

    python copy-ref.py riot  SOURCE_PORT TARGET_PORT KEYS_FILE [BATCH]   # default BATCH 50
    python copy-ref.py naive SOURCE_PORT TARGET_PORT KEYS_FILE SAMPLE    # default SAMPLE 20000
    python copy-ref.py check SOURCE_PORT TARGET_PORT KEYS_FILE SAMPLE
    python copy-ref.py resp  SOURCE_PORT 0 KEYS_FILE OUT                 # RESTOREs as RESP

riot:  RIOT-style: one connection each side, DUMP + PTTL for BATCH keys in one pipeline
       from the source, then their RESTOREs (remaining TTL, no REPLACE) in one pipeline.
naive: the seed scripts' loop, one key at a time: DUMP, PTTL, RESTORE, each a round trip,
       over the first SAMPLE keys of the file.
Both print `keys written seconds keys_per_sec`.
resp:  DUMP + PTTL of every key (pipelines of 1,000) and the RESTOREs that copy them (the
       remaining TTL, no REPLACE) written to OUT as RESP, for `redis-cli --pipe`: the
       target's RESTORE rate with nothing else in the way. Prints `keys bytes`.
check: SAMPLE keys spread over the file: the same value on both sides (the same DUMP
       payload, or, where the payloads differ, as hashtable sets do after a RESTORE re-orders
       them, the same type and the same elements) and the remaining TTLs agree (within 5 s;
       none lost, none added); prints `checked same_value ttl_ok payloads_differing`.
"""
import sys
import time

import redis


def keys_of(path, limit=None):
    out = []
    with open(path, "rb") as f:
        for line in f:
            out.append(line.rstrip(b"\n"))
            if limit is not None and len(out) >= limit:
                break
    return out


def restore_args(pttl):
    # PTTL -1: no expiry (RESTORE ttl 0); -2: gone; >0: the remaining ms.
    return 0 if pttl == -1 else pttl


def riot(src, dst, keys, batch):
    written = 0
    t0 = time.perf_counter()
    for i in range(0, len(keys), batch):
        chunk = keys[i:i + batch]
        p = src.pipeline(transaction=False)
        for k in chunk:
            p.dump(k)
            p.pttl(k)
        r = p.execute(raise_on_error=False)
        w = dst.pipeline(transaction=False)
        n = 0
        for j, k in enumerate(chunk):
            payload, pttl = r[2 * j], r[2 * j + 1]
            if payload is None or pttl == -2 or isinstance(payload, Exception):
                continue
            w.restore(k, restore_args(pttl), payload)
            n += 1
        if n:
            for res in w.execute(raise_on_error=False):
                if res is True or res == b"OK":
                    written += 1
    return written, time.perf_counter() - t0


def naive(src, dst, keys):
    written = 0
    t0 = time.perf_counter()
    for k in keys:
        payload = src.dump(k)
        pttl = src.pttl(k)
        if payload is None or pttl == -2:
            continue
        try:
            dst.restore(k, restore_args(pttl), payload)
            written += 1
        except redis.ResponseError:
            pass
    return written, time.perf_counter() - t0


def value(c, k):
    t = c.type(k)
    if t == b"string":
        return t, c.get(k)
    if t == b"hash":
        return t, sorted(c.hgetall(k).items())
    if t == b"list":
        return t, c.lrange(k, 0, -1)
    if t == b"set":
        return t, sorted(c.smembers(k))
    if t == b"zset":
        return t, c.zrange(k, 0, -1, withscores=True)
    return t, None


def check(src, dst, keys, sample):
    step = max(1, len(keys) // sample)
    picked = keys[::step][:sample]
    same = ttl_ok = differ = 0
    for i in range(0, len(picked), 500):
        chunk = picked[i:i + 500]
        got = []
        for c in (src, dst):
            p = c.pipeline(transaction=False)
            for k in chunk:
                p.dump(k)
                p.pttl(k)
            got.append(p.execute(raise_on_error=False))
        a, b = got
        for j in range(len(chunk)):
            if a[2 * j] is not None and a[2 * j] == b[2 * j]:
                same += 1
            elif a[2 * j] is not None and b[2 * j] is not None:
                differ += 1
                va = value(src, chunk[j])
                if va[1] is not None and va == value(dst, chunk[j]):
                    same += 1
            ta, tb = a[2 * j + 1], b[2 * j + 1]
            if (ta == -1 and tb == -1) or (ta > 0 and tb > 0 and abs(ta - tb) <= 5000):
                ttl_ok += 1
    return len(picked), same, ttl_ok, differ


def resp(src, keys, out):
    n = size = 0
    with open(out, "wb") as f:
        for i in range(0, len(keys), 1000):
            chunk = keys[i:i + 1000]
            p = src.pipeline(transaction=False)
            for k in chunk:
                p.dump(k)
                p.pttl(k)
            r = p.execute(raise_on_error=False)
            buf = []
            for j, k in enumerate(chunk):
                payload, pttl = r[2 * j], r[2 * j + 1]
                if payload is None or pttl == -2:
                    continue
                ttl = str(restore_args(pttl)).encode()
                buf.append(b"*4\r\n$7\r\nRESTORE\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
                    len(k), k, len(ttl), ttl, len(payload), payload))
                n += 1
            b = b"".join(buf)
            size += len(b)
            f.write(b)
    return n, size


def main():
    mode, sport, tport, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    arg = int(sys.argv[5]) if len(sys.argv) > 5 and mode != "resp" else None
    src = redis.Redis(host="127.0.0.1", port=sport)
    dst = redis.Redis(host="127.0.0.1", port=tport)
    if mode == "riot":
        keys = keys_of(path)
        written, secs = riot(src, dst, keys, arg or 50)
    elif mode == "naive":
        keys = keys_of(path, arg or 20000)
        written, secs = naive(src, dst, keys)
    elif mode == "resp":
        print("%d %d" % resp(src, keys_of(path), sys.argv[5]))
        return
    elif mode == "check":
        print("%d %d %d %d" % check(src, dst, keys_of(path), arg or 1000))
        return
    else:
        sys.exit("mode: riot, naive or check")
    print("%d %d %.3f %.1f" % (len(keys), written, secs, len(keys) / secs))


if __name__ == "__main__":
    main()
