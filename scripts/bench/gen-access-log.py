#!/usr/bin/env python3
"""Streams an nginx-style access log to stdout for benchmarks (never committed).

Usage: gen-access-log.py BYTES DISTINCT [SEED] [TRUTH_FILE] [TRUTH_TOP]

About BYTES bytes (the line count is fixed up front from the mean length of a sample, so
the output lands within a fraction of a percent of it) of "combined" format lines with the
request time appended, 215 bytes on average (5% under 140, 5% over 280):

  203.0.113.7 - - [12/Mar/2024:10:15:32 +0000] "GET /product/48213377?ref=search HTTP/1.1"
  200 5123 "https://shop.example.com/search?q=..." "Mozilla/5.0 (...)" 0.012

4% of the lines name no product (health checks, static assets, cart POSTs, the home page);
the rest are `"GET /product/<id>` with exactly DISTINCT distinct ids: every id is requested
once, in a shuffled order spread over the whole file, and the other product lines draw
their id from a Zipf (s = 1) popularity over the same DISTINCT ids (rank r with weight
1/r: the hottest id gets about 1/ln(DISTINCT) of those lines). Ids are the ranks mapped by
an affine bijection onto 1..99,999,989 (so the hottest ids are not 1, 2, 3). The exact
line, product-line and distinct-key counts (and the distinct keys' total bytes) go to
stderr, as `name value` pairs on one line; with TRUTH_FILE, the TRUTH_TOP
(default 1000) truly hottest keys as `count<TAB>product:<id>:info`, hottest first, ties by
key bytes. Deterministic for a given seed. Pure python3 (no numpy): lines are built a
chunk at a time from pools chosen by random.choices and written in big buffers: about
55 MB/s (260k lines/s) on one core, 5 GB in a minute and a half.
"""
import random
import sys

PRIME = 99_999_989  # ids: (rank * MUL + ADD) % PRIME + 1, a bijection on 0..PRIME-1
MUL = 48_271
ADD = 40_213_557
CHUNK = 200_000  # lines per buffer
UNMATCHED = 0.04
HEAD = 200_000  # ranks whose Zipf draws are counted (the truth); far past any top asked

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "ShopApp/5.12.1 (iOS 17.3; iPhone15,2)",
    "ShopApp/5.12.1 (Android 14; Pixel 8)",
    "okhttp/4.12.0",
    "curl/8.5.0",
]
AGENT_W = [20, 10, 12, 4, 8, 3, 20, 18, 4, 1]
REFERERS = [
    "-",
    "https://shop.example.com/",
    "https://shop.example.com/search?q=wireless+headphones",
    "https://shop.example.com/category/electronics?page=2",
    "https://www.google.com/",
    "https://shop.example.com/cart",
]
REFERER_W = [25, 20, 20, 20, 10, 5]
QUERIES = ["", "", "", "?ref=home", "?ref=search&pos=3", "?utm_source=newsletter&utm_medium=email"]
STATUS = ["200", "200", "200", "200", "200", "200", "304", "404", "500"]
OTHER = [  # lines the product regex does not match, by weight
    ('"GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"', 50),
    ('"GET /static/js/app.4f2c91.js HTTP/2.0" 200 183211 "https://shop.example.com/" "{ua}"', 20),
    ('"GET /static/css/site.9a1e.css HTTP/2.0" 304 0 "https://shop.example.com/" "{ua}"', 10),
    ('"POST /api/cart/items HTTP/1.1" 201 87 "https://shop.example.com/cart" "{ua}"', 10),
    ('"GET / HTTP/1.1" 200 48211 "https://www.google.com/" "{ua}"', 10),
]


def main():
    target = int(sys.argv[1])
    distinct = int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 42
    truth_path = sys.argv[4] if len(sys.argv) > 4 else None
    truth_top = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    if not 0 < distinct < PRIME:
        sys.exit("DISTINCT must be in 1..%d" % (PRIME - 1))
    rnd = random.Random(seed)
    ips = ["%d.%d.%d.%d" % (rnd.choice([10, 66, 93, 172, 185, 203]), rnd.randrange(256),
                            rnd.randrange(256), rnd.randrange(1, 255)) for _ in range(20_000)]
    others = [t.replace("{ua}", a) for t, _ in OTHER for a in AGENTS]
    other_w = [w * aw for _, w in OTHER for aw in AGENT_W]
    tails = ['%s %d "%s" "%s"' % (s, 0, r, a) for s in STATUS for r in REFERERS for a in AGENTS]
    tail_w = [aw * rw for _ in STATUS for rw in REFERER_W for aw in AGENT_W]
    # The tail's size field varies; keep the template with a %d slot.
    tails = [t.replace(" 0 ", " %d ", 1) for t in tails]
    times = ["%03d" % (i % 997) for i in range(997)]  # request times 0.000..0.996 s
    ln_d = float(distinct)

    def chunk(n, ranks, t0, lps):
        """n lines; `ranks` the product ranks for the product lines, in order (None:
        an unmatched line), t0 the first line's number (for its timestamp)."""
        ip = rnd.choices(ips, k=n)
        tl = rnd.choices(tails, weights=tail_w, k=n)
        ot = rnd.choices(others, weights=other_w, k=n)
        qs = rnd.choices(QUERIES, k=n)
        rt = rnd.choices(times, k=n)
        sizes = [rnd.randrange(900, 60_000) for _ in range(8)]
        out = []
        append = out.append
        for i in range(n):
            t = (t0 + i) // lps
            if t != stamp[0]:
                stamp[0] = t
                s = 10 * 3600 + t  # from 12/Mar/2024 10:00:00, one day then the next
                d, s = divmod(s, 86400)
                stamp[1] = "[%02d/%s/2024:%02d:%02d:%02d +0000]" % (
                    12 + d, MONTHS[2], s // 3600, s // 60 % 60, s % 60)
            r = ranks[i]
            if r is None:
                append('%s - - %s %s 0.%s\n' % (ip[i], stamp[1], ot[i], rt[i]))
            else:
                append('%s - - %s "GET /product/%d%s HTTP/1.1" %s 0.%s\n' % (
                    ip[i], stamp[1], (r * MUL + ADD) % PRIME + 1, qs[i],
                    tl[i] % sizes[i & 7], rt[i]))
        return "".join(out)

    stamp = [-1, ""]
    # Mean line length from a sample (its own generator state, then put back).
    state = rnd.getstate()
    sample = chunk(50_000, [None if rnd.random() < UNMATCHED else rnd.randrange(distinct)
                            for _ in range(50_000)], 0, 300)
    rnd.setstate(state)
    stamp = [-1, ""]
    mean = len(sample) / 50_000
    lines = max(int(target / mean), 1)
    product = lines - int(lines * UNMATCHED)
    if product < distinct:
        sys.exit("%d bytes (%d lines of ~%.0f bytes) cannot hold %d distinct ids: raise "
                 "BYTES or lower DISTINCT" % (target, lines, mean, distinct))
    lps = max(lines // 86400, 1)  # one day of traffic
    # The first appearance of every rank, in an order shuffled by a second affine map
    # (a bijection on 0..distinct-1 when MUL2 and distinct are coprime).
    mul2 = 7_919
    while _gcd(mul2, distinct) != 1:
        mul2 += 2
    add2 = rnd.randrange(distinct)
    head = [0] * min(HEAD, distinct)
    written = 0
    done_lines = 0
    done_product = 0
    covered = 0
    zipf_total = product - distinct
    zipf_done = 0
    out = sys.stdout.buffer
    rand = rnd.random
    while done_lines < lines:
        n = min(CHUNK, lines - done_lines)
        np_ = n - int(n * UNMATCHED) if done_lines + n < lines else product - done_product
        np_ = min(np_, n)
        # Of this chunk's product lines, the first appearances due by its end (spread
        # evenly over the file), the rest Zipf draws.
        cov_end = distinct if done_lines + n >= lines else \
            min(distinct, round(distinct * (done_product + np_) / product))
        nc = cov_end - covered
        nz = np_ - nc
        if nz < 0:  # cannot happen with product >= distinct; kept exact regardless
            nc, nz = np_, 0
            cov_end = covered + nc
        ranks = [(c * mul2 + add2) % distinct for c in range(covered, cov_end)]
        # Zipf with s = 1 over 1..distinct: rank = floor(distinct ** u) - 1 (continuous
        # 1/x density, so rank r has weight ~ ln((r+2)/(r+1)) ~ 1/r).
        z = [int(ln_d ** rand()) - 1 for _ in range(nz)]
        for r in z:
            if r < HEAD:
                head[r] += 1
        ranks.extend(z)
        zipf_done += nz
        covered = cov_end
        # Unmatched lines scattered among the product lines.
        ranks.extend([None] * (n - np_))
        rnd.shuffle(ranks)
        buf = chunk(n, ranks, done_lines, lps).encode()
        out.write(buf)
        written += len(buf)
        done_lines += n
        done_product += np_
    out.flush()
    assert covered == distinct and zipf_done == zipf_total, (covered, zipf_done)
    # The distinct keys' bytes (product:<id>:info), for a per-key memory estimate.
    key_bytes = sum(len("%d" % ((r * MUL + ADD) % PRIME + 1)) for r in range(distinct))
    key_bytes += len("product::info") * distinct
    sys.stderr.write(
        "lines %d product_lines %d unmatched_lines %d distinct_keys %d key_bytes %d bytes %d "
        "mean_line %.1f\n" % (done_lines, done_product, done_lines - done_product, covered,
                              key_bytes, written, written / done_lines))
    if truth_path:
        keys = [(head[r] + 1, "product:%d:info" % ((r * MUL + ADD) % PRIME + 1))
                for r in range(len(head))]
        keys.sort(key=lambda kc: (-kc[0], kc[1].encode()))
        with open(truth_path, "w") as f:
            for c, k in keys[:truth_top]:
                f.write("%d\t%s\n" % (c, k))


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


if __name__ == "__main__":
    main()
