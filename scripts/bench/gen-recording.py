#!/usr/bin/env python3
"""Generates a `cachestorm detect --record` style recording (NDJSON, one line per node per
second: {"t", "node", "info", "rtt_ms"}) from a real `INFO everything` text, advancing its
counters the way a busy cache's would, with a mass-expiration storm in the middle.

    gen-recording.py INFO_TEMPLATE OUT [NODES=3] [SECONDS=3600] [SEED=1]

INFO_TEMPLATE is the raw output of `redis-cli INFO everything` from a live redis-server
(CRLF line ends kept). Every node starts from that text (its own port, run_id and
process_id) and, every second, advances:
  uptime_in_seconds/days, server_time_usec, lru_clock; connected_clients (gauge),
  total_connections_received; total_commands_processed, instantaneous_ops_per_sec,
  total_net_input/output_bytes, instantaneous_input/output_kbps, total_reads/writes_processed;
  keyspace_hits/misses; expired_keys; used_memory (with the keys); used_cpu_*;
  every cmdstat_* line (calls, usec, usec_per_call, in proportion to the template's mix);
  db0:keys/expires/avg_ttl.
Calm traffic: ~5,000 ops/s per node (each node its own level), ~96% hit ratio, a few
expirations a second
(about one miss and one SET per expired key). The storm (at SECONDS/2, on every node): about half the keys expire
within 5 s (expired_keys burst, keys drop), then for ~2 minutes the hit ratio falls to ~35%
and reads double (clients retry), SETs refill the cache, and it recovers.
"""
import json
import math
import random
import re
import sys

READS = {"get", "mget", "hget", "hgetall", "hmget", "exists", "ttl", "strlen", "getrange",
         "lrange", "smembers", "sismember", "zrange", "zscore", "type"}
WRITES = {"set", "setex", "psetex", "mset", "hset", "hmset", "incr", "incrby", "decr", "del",
          "unlink", "expire", "pexpire", "lpush", "rpush", "sadd", "zadd", "getset", "setnx"}
ADMIN = {"info", "debug", "config", "ping", "command", "client", "slowlog", "latency",
         "cluster", "echo", "select", "hello", "auth", "dbsize", "flushall", "flushdb", "scan"}


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    template, out = args[0], args[1]
    nodes = int(args[2]) if len(args) > 2 else 3
    seconds = int(args[3]) if len(args) > 3 else 3600
    rng = random.Random(int(args[4]) if len(args) > 4 else 1)
    text = open(template, newline="").read()
    eol = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(eol)
    if lines and lines[-1] == "":
        lines.pop()

    # The command mix of the template (admin commands left out; GET/SET if it had none).
    mix = {}
    for l in lines:
        m = re.match(r"cmdstat_([^:]+):calls=(\d+),usec=(\d+)", l)
        if m and m.group(1).split("|")[0] not in ADMIN and int(m.group(2)) > 0:
            mix[m.group(1)] = (int(m.group(2)), int(m.group(3)) / int(m.group(2)))
    if not mix:
        mix = {"get": (9, 1.1), "set": (1, 1.8)}
    reads = {c: v for c, v in mix.items() if c.split("|")[0] in READS}
    writes = {c: v for c, v in mix.items() if c not in reads}
    if not reads:
        reads = {"get": (1, 1.1)}
    if not writes:
        writes = {"set": (1, 1.8)}
    rsum = sum(v[0] for v in reads.values())
    wsum = sum(v[0] for v in writes.values())

    def pick(name, default=0):
        for l in lines:
            if l.startswith(name + ":"):
                v = l.split(":", 1)[1]
                try:
                    return float(v) if "." in v else int(v)
                except ValueError:
                    return default
        return default

    start = 1700000000.0
    storm_at = seconds // 2
    keyspace_re = re.compile(r"^db0:")

    class Node:
        pass

    ns = []
    for i in range(nodes):
        n = Node()
        n.name = "127.0.0.1:%d" % (7001 + i)
        n.port = 7001 + i
        n.level = 5000.0 * (0.8 + 0.4 * i / max(1, nodes - 1))  # ops/s, each node its own
        n.uptime = 86400 * 3 + rng.randrange(3600)
        n.conns_total = 5000 + rng.randrange(1000)
        n.clients = 50 + rng.randrange(10)
        # lifetime counters consistent with the calm traffic over the uptime, so that
        # "what the server remembers" looks like the calm seconds that follow
        life = n.uptime * n.level
        n.cmds = int(life)
        n.hits = int(life * 0.9 * 0.96)
        n.misses = int(life * 0.9 * 0.04)
        n.net_in = n.cmds * 45
        n.net_out = int(life * 0.9 * 180)
        n.reads_p = n.cmds + 1000
        n.writes_p = n.cmds
        n.keys = 200000 + rng.randrange(20000)
        n.target_keys = n.keys
        n.expired = int(life * 0.9 * 0.04)
        n.cpu_sys = 0.08 * n.uptime
        n.cpu_user = 0.15 * n.uptime
        n.cmd = {c: [int(life * 0.9 * share / rsum), us] for c, (share, us) in reads.items()}
        n.cmd.update({c: [int(life * 0.1 * share / wsum), us] for c, (share, us) in writes.items()})
        n.run_id = "%040x" % rng.getrandbits(160)
        n.pid = 1000 + rng.randrange(60000)
        n.clock = rng.random() * 0.05  # the sampler's offset within the second
        ns.append(n)

    with open(out, "w") as f:
        for s in range(seconds):
            for n in ns:
                dt = s - storm_at
                expire_burst = 0
                if 0 <= dt < 5:  # about half the keys expire within 5 s
                    expire_burst = int(n.target_keys * 0.5 / 5)
                # storm intensity: 1 at onset, fading over ~2 minutes
                k = math.exp(-dt / 40.0) if 0 <= dt < 240 else 0.0
                ops = n.level * (1 + 0.05 * math.sin(s / 300.0) + rng.gauss(0, 0.02))
                nread = int(ops * 0.9 * (1 + k))
                hit_ratio = 0.96 - 0.61 * k + rng.gauss(0, 0.003)
                hit_ratio = min(0.999, max(0.01, hit_ratio))
                h = int(nread * hit_ratio)
                miss = nread - h
                nwrite = int(ops * 0.1) + int(miss * 0.8)  # misses refill the cache
                # calm churn: each key that expires is missed about once and SET again
                natural_exp = int(nread / (1 + k) * 0.04 * rng.uniform(0.85, 1.15))
                expired = natural_exp + expire_burst
                n.keys = max(0, n.keys + int(miss * 0.8) - expired)
                n.keys = min(n.keys, n.target_keys + rng.randrange(50))
                n.hits += h
                n.misses += miss
                n.expired += expired
                total = nread + nwrite + 1  # + this INFO
                n.cmds += total
                n.reads_p += total + 2
                n.writes_p += total + 1
                n.net_in += total * 45
                n.net_out += nread * 180 + nwrite * 5
                n.uptime += 1
                n.cpu_sys += 0.08 * ops / 5000
                n.cpu_user += 0.15 * ops / 5000
                n.clients = max(1, n.clients + rng.choice((-1, 0, 0, 1)))
                n.conns_total += rng.randrange(3)
                for c, (share, _) in reads.items():
                    n.cmd[c][0] += int(nread * share / rsum)
                for c, (share, _) in writes.items():
                    n.cmd[c][0] += int(nwrite * share / wsum)
                t = start + s + n.clock + rng.random() * 0.002
                upd = {
                    "uptime_in_seconds": n.uptime,
                    "uptime_in_days": n.uptime // 86400,
                    "server_time_usec": int(t * 1e6),
                    "lru_clock": int(t) % (1 << 24),
                    "process_id": n.pid,
                    "run_id": n.run_id,
                    "tcp_port": n.port,
                    "connected_clients": n.clients,
                    "total_connections_received": n.conns_total,
                    "total_commands_processed": n.cmds,
                    "instantaneous_ops_per_sec": total,
                    "total_net_input_bytes": n.net_in,
                    "total_net_output_bytes": n.net_out,
                    "instantaneous_input_kbps": "%.2f" % (total * 45 / 1024),
                    "instantaneous_output_kbps": "%.2f" % ((nread * 180) / 1024),
                    "total_reads_processed": n.reads_p,
                    "total_writes_processed": n.writes_p,
                    "keyspace_hits": n.hits,
                    "keyspace_misses": n.misses,
                    "expired_keys": n.expired,
                    "used_memory": 900000 + n.keys * 120,
                    "used_cpu_sys": "%.6f" % n.cpu_sys,
                    "used_cpu_user": "%.6f" % n.cpu_user,
                    "used_cpu_sys_main_thread": "%.6f" % (n.cpu_sys * 0.9),
                    "used_cpu_user_main_thread": "%.6f" % (n.cpu_user * 0.9),
                }
                body = []
                for l in lines:
                    key, sep, _ = l.partition(":")
                    if not sep:
                        body.append(l)
                    elif key in upd:
                        body.append("%s:%s" % (key, upd[key]))
                    elif key.startswith("cmdstat_") and key[8:] in n.cmd:
                        calls, us = n.cmd[key[8:]]
                        body.append("%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=0,"
                                    "failed_calls=0" % (key, calls, int(calls * us), us))
                    elif keyspace_re.match(l):
                        body.append("db0:keys=%d,expires=%d,avg_ttl=%d"
                                    % (n.keys, int(n.keys * 0.3), 600000 + rng.randrange(60000)))
                    else:
                        body.append(l)
                if not any(keyspace_re.match(l) for l in lines):
                    body.append("db0:keys=%d,expires=%d,avg_ttl=600000" % (n.keys, int(n.keys * 0.3)))
                rec = {"t": round(t, 6), "node": n.name, "info": eol.join(body) + eol,
                       "rtt_ms": round(0.25 + rng.random() * 0.3, 3)}
                f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
