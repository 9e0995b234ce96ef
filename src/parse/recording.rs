//! The recording format of `detect --record` / `--replay`: one JSON object per line, one
//! line per node per sample. Pure: lines in, [`Record`]s out, and the line text out.
//!
//! # Format
//!
//! Every line has `t` (unix seconds, fractions allowed) and `node` (`host:port`), and one
//! body:
//! - `{"t", "node", "info": "<raw INFO text>", "rtt_ms": 0.4}`: one INFO sample; `rtt_ms`
//!   (the client-side round trip of that INFO) is optional.
//! - `{"t", "node", "error": "<message>"}`: the node did not answer that sample.
//! - `{"t", "node", "slowlog": {"len": N, "entries": [{"id", "time", "duration_us",
//!   "args": [...]}]}}`: SLOWLOG LEN and SLOWLOG GET, taken at the start and end of a run.
//! - `{"t", "node", "latency": [{"event", "time", "latest_ms", "max_ms"}]}`: LATENCY LATEST.
//! - `{"t", "node", "skipped": "slowlog", "why": "<server's answer>"}`: evidence the run
//!   could not take (a renamed command, an ACL).
//! - `{"t", "node", "monitor": "<one MONITOR line>"}`: the MONITOR sample of `--monitor`
//!   or `--deep`, line by line.
//! - `{"t", "node", "ttl_sample": {"keys", "with_ttl", "buckets": [[unix_seconds, keys]]}}`:
//!   the TTL sample of `--ttl-sample` or `--deep` (keys expiring per 10-second bucket).
//!
//! Readers are lenient so that recordings made by other tools (a shell loop around
//! `redis-cli INFO everything`, a Python recorder) replay: fields beyond these are ignored,
//! lines of other kinds are skipped, and lines may come in any order.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The line kinds, in words (the man page prints them).
pub(crate) const FORMAT_LINES: &[&str] = &[
    "One JSON object per line, one line per node per sample; every line has \"t\" (unix seconds, fractions allowed) and \"node\" (host:port).",
    "{\"t\", \"node\", \"info\": \"<raw INFO everything text>\", \"rtt_ms\": 0.4}: one INFO sample; rtt_ms (the round trip of that INFO) is optional.",
    "{\"t\", \"node\", \"error\": \"<message>\"}: the node did not answer that sample.",
    "{\"t\", \"node\", \"slowlog\": {\"len\": N, \"entries\": [{\"id\", \"time\", \"duration_us\", \"args\": [...]}]}}: SLOWLOG LEN and SLOWLOG GET 32, at the start and end of a run.",
    "{\"t\", \"node\", \"latency\": [{\"event\", \"time\", \"latest_ms\", \"max_ms\"}]}: LATENCY LATEST, at the start and end of a run.",
    "{\"t\", \"node\", \"skipped\": \"slowlog\", \"why\": \"<the server's answer>\"}: evidence that could not be taken (a renamed command, an ACL).",
    "{\"t\", \"node\", \"monitor\": \"<one MONITOR line>\"}: the MONITOR sample of --monitor or --deep, line by line.",
    "{\"t\", \"node\", \"ttl_sample\": {\"keys\": N, \"with_ttl\": M, \"buckets\": [[unix_seconds, keys], ...]}}: the TTL sample of --ttl-sample or --deep: how many sampled keys expire in each 10-second bucket.",
    "Replay is lenient: fields beyond these are ignored, lines of other kinds are skipped, lines may come in any order; lines that are not JSON samples are counted and reported.",
];

/// One line of a recording.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    /// Unix seconds.
    pub(crate) t: f64,
    pub(crate) node: String,
    pub(crate) body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    Info {
        text: String,
        rtt_ms: Option<f64>,
    },
    Error(String),
    Slowlog(Slowlog),
    Latency(Vec<LatencyEvent>),
    Skipped {
        what: String,
        why: String,
    },
    /// One MONITOR line as the server sent it.
    Monitor(String),
    /// When the keys of a SCAN sample expire.
    TtlSample(TtlSample),
}

/// A throttled SCAN sample's expiry times: how many keys were looked at, how many carry a
/// TTL, and how many of those expire in each 10-second bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct TtlSample {
    pub(crate) keys: u64,
    pub(crate) with_ttl: u64,
    /// (bucket start, unix seconds, a multiple of 10; keys expiring in it), in time order.
    pub(crate) buckets: Vec<(u64, u64)>,
}

/// SLOWLOG LEN and the newest entries of SLOWLOG GET.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Slowlog {
    pub(crate) len: u64,
    #[serde(default)]
    pub(crate) entries: Vec<SlowEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct SlowEntry {
    pub(crate) id: u64,
    /// Unix seconds when the command ran.
    pub(crate) time: u64,
    pub(crate) duration_us: u64,
    /// The command and its arguments as the server logged them (it cuts long ones).
    #[serde(default)]
    pub(crate) args: Vec<String>,
}

/// One LATENCY LATEST row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct LatencyEvent {
    pub(crate) event: String,
    /// Unix seconds of the latest spike.
    pub(crate) time: u64,
    pub(crate) latest_ms: u64,
    pub(crate) max_ms: u64,
}

/// SLOWLOG GET's reply as entries (entries that do not look like one are left out).
pub(crate) fn slowlog_entries(v: &redis::Value) -> Vec<SlowEntry> {
    use super::resp::{as_array, as_count, as_text};
    as_array(v)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            let f = as_array(e)?;
            Some(SlowEntry {
                id: as_count(f.first()?)?,
                time: as_count(f.get(1)?)?,
                duration_us: as_count(f.get(2)?)?,
                args: as_array(f.get(3)?)?.iter().filter_map(as_text).collect(),
            })
        })
        .collect()
}

/// LATENCY LATEST's reply as events.
pub(crate) fn latency_events(v: &redis::Value) -> Vec<LatencyEvent> {
    use super::resp::{as_array, as_count, as_text};
    as_array(v)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            let f = as_array(e)?;
            Some(LatencyEvent {
                event: as_text(f.first()?)?,
                time: as_count(f.get(1)?)?,
                latest_ms: as_count(f.get(2)?)?,
                max_ms: as_count(f.get(3)?)?,
            })
        })
        .collect()
}

/// Reads one line: `Ok(None)` for blank lines and for lines of kinds this reader does not
/// use; `Err` with a short reason for lines that are not a sample.
pub(crate) fn parse_line(line: &str) -> Result<Option<Record>, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    let t = obj
        .get("t")
        .and_then(Value::as_f64)
        .filter(|t| t.is_finite())
        .ok_or("no number \"t\" (unix seconds)")?;
    let node = obj
        .get("node")
        .and_then(Value::as_str)
        .ok_or("no string \"node\"")?
        .to_string();
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    let body = if let Some(info) = text("info") {
        Body::Info {
            text: info,
            rtt_ms: obj.get("rtt_ms").and_then(Value::as_f64),
        }
    } else if let Some(e) = text("error") {
        Body::Error(e)
    } else if let Some(s) = obj.get("slowlog") {
        Body::Slowlog(
            serde_json::from_value(s.clone()).map_err(|e| format!("bad \"slowlog\" ({e})"))?,
        )
    } else if let Some(l) = obj.get("latency") {
        Body::Latency(
            serde_json::from_value(l.clone()).map_err(|e| format!("bad \"latency\" ({e})"))?,
        )
    } else if let Some(m) = text("monitor") {
        Body::Monitor(m)
    } else if let Some(ts) = obj.get("ttl_sample") {
        Body::TtlSample(
            serde_json::from_value(ts.clone()).map_err(|e| format!("bad \"ttl_sample\" ({e})"))?,
        )
    } else if let Some(what) = text("skipped") {
        Body::Skipped {
            what,
            why: text("why").unwrap_or_default(),
        }
    } else {
        return Ok(None);
    };
    Ok(Some(Record { t, node, body }))
}

/// The line text of `record` (no newline).
pub(crate) fn line(record: &Record) -> String {
    let mut o = serde_json::Map::new();
    o.insert("t".into(), round_t(record.t));
    o.insert("node".into(), Value::from(record.node.as_str()));
    match &record.body {
        Body::Info { text, rtt_ms } => {
            o.insert("info".into(), Value::from(text.as_str()));
            if let Some(r) = rtt_ms {
                o.insert("rtt_ms".into(), Value::from((r * 1000.0).round() / 1000.0));
            }
        }
        Body::Error(e) => {
            o.insert("error".into(), Value::from(e.as_str()));
        }
        Body::Slowlog(s) => {
            o.insert(
                "slowlog".into(),
                serde_json::to_value(s).unwrap_or_default(),
            );
        }
        Body::Latency(l) => {
            o.insert(
                "latency".into(),
                serde_json::to_value(l).unwrap_or_default(),
            );
        }
        Body::Skipped { what, why } => {
            o.insert("skipped".into(), Value::from(what.as_str()));
            o.insert("why".into(), Value::from(why.as_str()));
        }
        Body::Monitor(m) => {
            o.insert("monitor".into(), Value::from(m.as_str()));
        }
        Body::TtlSample(ts) => {
            o.insert(
                "ttl_sample".into(),
                serde_json::to_value(ts).unwrap_or_default(),
            );
        }
    }
    Value::Object(o).to_string()
}

/// Unix seconds kept to the microsecond.
fn round_t(t: f64) -> Value {
    Value::from((t * 1e6).round() / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind() {
        let bodies = [
            Body::Info {
                text: "# Server\r\nrun_id:abc\r\n".into(),
                rtt_ms: Some(0.412),
            },
            Body::Error("connection refused".into()),
            Body::Slowlog(Slowlog {
                len: 3,
                entries: vec![SlowEntry {
                    id: 7,
                    time: 1_764_600_000,
                    duration_us: 52_000,
                    args: vec!["KEYS".into(), "*".into()],
                }],
            }),
            Body::Latency(vec![LatencyEvent {
                event: "command".into(),
                time: 1_764_600_001,
                latest_ms: 52,
                max_ms: 60,
            }]),
            Body::Skipped {
                what: "latency".into(),
                why: "NOPERM".into(),
            },
            Body::Monitor(r#"1764600000.123456 [0 127.0.0.1:5000] "GET" "k""#.into()),
            Body::TtlSample(TtlSample {
                keys: 100,
                with_ttl: 40,
                buckets: vec![(1_764_600_010, 30), (1_764_600_600, 10)],
            }),
        ];
        for body in bodies {
            let r = Record {
                t: 1_764_600_000.25,
                node: "127.0.0.1:6379".into(),
                body,
            };
            assert_eq!(parse_line(&line(&r)).unwrap(), Some(r));
        }
    }

    #[test]
    fn lenient_with_other_writers() {
        let extra = r#"{"t": 5, "node": "a:1", "info": "x:1", "host": "ignored", "seq": 3}"#;
        let r = parse_line(extra).unwrap().unwrap();
        assert_eq!(r.t, 5.0);
        assert!(matches!(r.body, Body::Info { rtt_ms: None, .. }));
        assert_eq!(
            parse_line(r#"{"t":1,"node":"a:1","keyspace_events":{}}"#),
            Ok(None)
        );
        assert_eq!(parse_line("   "), Ok(None));
        assert!(parse_line("not json").is_err());
        assert!(parse_line(r#"{"node":"a:1","info":""}"#).is_err());
        assert!(parse_line(r#"{"t":"x","node":"a:1","info":""}"#).is_err());
        assert!(parse_line(r#"[1,2]"#).is_err());
    }
}
