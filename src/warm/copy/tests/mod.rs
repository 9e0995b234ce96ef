//! The copy against real servers: Redis 7.0 to Redis 7.0 (RESTORE), Valkey 9.1 to Redis
//! 7.0 (RESTORE refused, typed fallback). Every type is compared by value on both sides,
//! TTLs within a second, and neither server ever ran a deleting command.

mod server;

use redis::Value;

use super::{BatchResult, Copier, Fetched, WriteOptions, Written};
use crate::source::conn::NodeConn;
use server::Server;

const KEEP: WriteOptions = WriteOptions {
    overwrite: false,
    min_ttl_ms: 1000,
    jitter_pct: 0.0,
};

async fn run(c: &mut NodeConn, args: &[&[u8]]) -> Value {
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).unwrap());
    for a in &args[1..] {
        cmd.arg(*a);
    }
    c.query(&cmd).await.expect("a test command")
}

/// One key of every type (two with TTLs, one binary), big enough that the scripts chunk.
async fn fill(c: &mut NodeConn) -> Vec<Vec<u8>> {
    run(c, &[b"SET", b"s:\xff bin", b"v\x00\xfe", b"PX", b"60000"]).await;
    run(c, &[b"SET", b"s:plain", b"hello"]).await;
    let mut hset: Vec<Vec<u8>> = vec![b"HSET".to_vec(), b"h".to_vec()];
    let mut rpush: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"l".to_vec()];
    let mut sadd: Vec<Vec<u8>> = vec![b"SADD".to_vec(), b"set".to_vec()];
    let mut zadd: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"z".to_vec()];
    for i in 0..1500 {
        hset.extend([format!("f{i}").into_bytes(), format!("v{i}").into_bytes()]);
        rpush.push(format!("e{}", i % 7).into_bytes());
        sadd.push(format!("m{i}").into_bytes());
        zadd.extend([
            format!("{}.25", i % 10).into_bytes(),
            format!("z{i}").into_bytes(),
        ]);
    }
    zadd.extend([
        b"0.1".to_vec(),
        b"tenth".to_vec(),
        b"-inf".to_vec(),
        b"low".to_vec(),
    ]);
    for cmd in [hset, rpush, sadd, zadd] {
        let args: Vec<&[u8]> = cmd.iter().map(Vec::as_slice).collect();
        run(c, &args).await;
    }
    run(c, &[b"PEXPIRE", b"h", b"120000"]).await;
    run(c, &[b"XADD", b"x", b"1-1", b"f", b"v", b"g", b"w"]).await;
    run(c, &[b"XADD", b"x", b"5-0", b"only", b""]).await;
    run(c, &[b"XADD", b"x", b"*", b"k", b"\xff"]).await;
    [
        &b"s:\xff bin"[..],
        b"s:plain",
        b"h",
        b"l",
        b"set",
        b"z",
        b"x",
    ]
    .iter()
    .map(|k| k.to_vec())
    .collect()
}

/// A key as comparable data: its type, its value in a canonical form (hashes and sets
/// sorted, scores as numbers) and its PTTL.
async fn look(c: &mut NodeConn, key: &[u8]) -> (String, String, i64) {
    let kind: String = c.query(redis::cmd("TYPE").arg(key)).await.unwrap();
    let value = match kind.as_str() {
        "string" => format!("{:?}", run(c, &[b"GET", key]).await),
        "hash" => {
            let mut p: Vec<(Vec<u8>, Vec<u8>)> =
                c.query(redis::cmd("HGETALL").arg(key)).await.unwrap();
            p.sort();
            format!("{p:?}")
        }
        "list" => format!("{:?}", run(c, &[b"LRANGE", key, b"0", b"-1"]).await),
        "set" => {
            let mut m: Vec<Vec<u8>> = c.query(redis::cmd("SMEMBERS").arg(key)).await.unwrap();
            m.sort();
            format!("{m:?}")
        }
        "zset" => {
            let z: Vec<(Vec<u8>, f64)> = c
                .query(
                    redis::cmd("ZRANGE")
                        .arg(key)
                        .arg(0)
                        .arg(-1)
                        .arg("WITHSCORES"),
                )
                .await
                .unwrap();
            format!("{z:?}")
        }
        "stream" => format!("{:?}", run(c, &[b"XRANGE", key, b"-", b"+"]).await),
        "none" => String::new(),
        other => panic!("type {other}"),
    };
    let pttl: i64 = c.query(redis::cmd("PTTL").arg(key)).await.unwrap();
    (kind, value, pttl)
}

/// Every key is the same on both sides, TTLs within a second.
async fn assert_same(src: &mut NodeConn, dst: &mut NodeConn, keys: &[Vec<u8>]) {
    for k in keys {
        let (a, b) = (look(src, k).await, look(dst, k).await);
        let name = String::from_utf8_lossy(k);
        assert_eq!((&a.0, &a.1), (&b.0, &b.1), "key {name}");
        assert_ne!(a.0, "none", "key {name}");
        assert_eq!(a.2 < 0, b.2 < 0, "key {name}: PTTL {} vs {}", a.2, b.2);
        assert!(
            (a.2 - b.2).abs() < 1000,
            "key {name}: PTTL {} vs {}",
            a.2,
            b.2
        );
    }
}

/// Neither DEL, UNLINK nor any FLUSH ever ran on the server (INFO commandstats).
async fn assert_nothing_deleted(c: &mut NodeConn) {
    let info: String = c
        .query(redis::cmd("INFO").arg("commandstats"))
        .await
        .unwrap();
    for bad in [
        "cmdstat_del:",
        "cmdstat_unlink:",
        "cmdstat_flush",
        "cmdstat_getdel:",
        "cmdstat_keys:",
    ] {
        assert!(!info.contains(bad), "{bad} in\n{info}");
    }
}

/// A copier from `src` to `dst`.
async fn copier(src: &Server, dst: &Server, opts: WriteOptions) -> Copier {
    Copier {
        source: src.conn().await,
        target: dst.conn().await,
        opts,
    }
}

#[tokio::test]
async fn every_type_copies_exactly_with_its_ttl() {
    let (src, dst) = (Server::redis(), Server::redis());
    let mut c = copier(&src, &dst, KEEP).await;
    let keys = fill(&mut c.source).await;
    let r = c.copy_batch(&keys).await.unwrap();
    assert_eq!(
        r,
        BatchResult {
            written: 7,
            bytes: r.bytes,
            ..BatchResult::default()
        }
    );
    assert!(r.bytes > 10_000, "{r:?}");
    assert_same(&mut c.source, &mut c.target, &keys).await;
    assert_nothing_deleted(&mut c.source).await;
    assert_nothing_deleted(&mut c.target).await;
}

#[tokio::test]
async fn missing_keys_and_short_ttls_are_not_written() {
    let (src, dst) = (Server::redis(), Server::redis());
    let mut c = copier(&src, &dst, KEEP).await;
    run(&mut c.source, &[b"SET", b"brief", b"x", b"PX", b"500"]).await;
    run(&mut c.source, &[b"SET", b"long", b"x", b"PX", b"5000"]).await;
    let keys = [b"brief".to_vec(), b"nope".to_vec(), b"long".to_vec()];
    let (items, written) = c.copy_keys(&keys).await.unwrap();
    assert_eq!(items[1].1, Fetched::Missing);
    assert_eq!(
        written,
        [
            Written::ShortTtl,
            Written::Missing,
            // DUMP of "x": type, length, "x", RDB version (2), CRC64 (8).
            Written::Restored { bytes: 13 }
        ]
    );
    assert_eq!(look(&mut c.target, b"brief").await.0, "none");
    assert_eq!(look(&mut c.target, b"nope").await.0, "none");
    assert_nothing_deleted(&mut c.target).await;
}

/// An existing key keeps its value without overwrite and gets the source's with it.
async fn existing_keys(src: &Server, dst: &Server, path: fn(&BatchResult) -> u64) {
    let mut c = copier(src, dst, KEEP).await;
    let keys = fill(&mut c.source).await;
    run(&mut c.target, &[b"SET", b"s:plain", b"fresher"]).await;
    run(&mut c.target, &[b"HSET", b"h", b"mine", b"1"]).await;
    run(&mut c.target, &[b"SET", b"z", b"a string where a zset was"]).await;
    let before = [
        look(&mut c.target, b"s:plain").await,
        look(&mut c.target, b"h").await,
        look(&mut c.target, b"z").await,
    ];
    let r = c.copy_batch(&keys).await.unwrap();
    assert_eq!((r.exists, r.written, path(&r)), (3, 4, 4), "{r:?}");
    let after = [
        look(&mut c.target, b"s:plain").await,
        look(&mut c.target, b"h").await,
        look(&mut c.target, b"z").await,
    ];
    assert_eq!(before, after);
    c.opts.overwrite = true;
    let r = c.copy_batch(&keys).await.unwrap();
    assert_eq!((r.exists, r.written, path(&r)), (0, 7, 7), "{r:?}");
    assert_same(&mut c.source, &mut c.target, &keys).await;
    assert_nothing_deleted(&mut c.source).await;
    assert_nothing_deleted(&mut c.target).await;
}

#[tokio::test]
async fn existing_keys_change_only_with_overwrite() {
    existing_keys(&Server::redis(), &Server::redis(), |r| {
        r.written - r.fallback
    })
    .await;
}

#[tokio::test]
async fn a_newer_engine_is_copied_typed_and_exactly() {
    let (src, dst) = (Server::valkey91(), Server::redis());
    let mut c = copier(&src, &dst, KEEP).await;
    let keys = fill(&mut c.source).await;
    // RESTORE really refuses Valkey 9.1's payloads on Redis 7.0, for every type.
    for k in &keys {
        let payload: Vec<u8> = c.source.query(redis::cmd("DUMP").arg(k)).await.unwrap();
        let e = c
            .target
            .query::<Value>(redis::cmd("RESTORE").arg(k).arg(0).arg(payload))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("ERR DUMP payload version or checksum are wrong"),
            "{e}"
        );
    }
    let r = c.copy_batch(&keys).await.unwrap();
    assert_eq!((r.written, r.fallback, r.failed), (7, 7, 0), "{r:?}");
    assert_same(&mut c.source, &mut c.target, &keys).await;
    let short = [b"brief".to_vec(), b"nope".to_vec()];
    run(&mut c.source, &[b"SET", b"brief", b"x", b"PX", b"500"]).await;
    let (_, w) = c.copy_keys(&short).await.unwrap();
    assert_eq!(w, [Written::ShortTtl, Written::Missing]);
    assert_nothing_deleted(&mut c.source).await;
    assert_nothing_deleted(&mut c.target).await;
}

#[tokio::test]
async fn a_newer_engine_never_clobbers_and_overwrites_on_request() {
    existing_keys(&Server::valkey91(), &Server::redis(), |r| r.fallback).await;
}

/// The scripts' own check, for a key that appears on the target after RESTORE refused it
/// (RESTORE's BUSYKEY comes first otherwise): every type is left alone.
#[tokio::test]
async fn the_typed_scripts_leave_an_existing_key_alone() {
    let (src, dst) = (Server::valkey91(), Server::redis());
    let mut c = copier(&src, &dst, KEEP).await;
    let keys = fill(&mut c.source).await;
    for k in &keys {
        run(&mut c.target, &[b"SET", k, b"there first"]).await;
    }
    let w = super::typed::copy(&mut c.source, &mut c.target, &keys, KEEP)
        .await
        .unwrap();
    assert!(w.iter().all(|w| *w == Written::Exists), "{w:?}");
    for k in &keys {
        let v: Vec<u8> = c.target.query(redis::cmd("GET").arg(k)).await.unwrap();
        assert_eq!(v, b"there first");
    }
    assert_nothing_deleted(&mut c.target).await;
}
