//! `--from-report`: the keys of a cachestorm JSON document. A `cachestorm.hotkeys/v1`
//! document (`cachestorm hotkeys -o json`) gives its `keys[].key` (shown form) weighted by
//! `count`; a `cachestorm.detect/v1` document gives the keys its MONITOR evidence names
//! (`key_share_pct`: the hottest key, weighted by its commands; `stampede_writes`: the
//! rebuilt key, by its writes), read back from the evidence's `says` sentence. Any other
//! document is refused, naming its schema. The document is read whole: a report is
//! already bounded by its own `--top`.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::keys_file::unshow;
use super::{Sink, SourceStats};
use crate::error::{Error, Result};
use crate::source::capture;

const HOTKEYS: &str = "cachestorm.hotkeys/v1";
const DETECT: &str = "cachestorm.detect/v1";

/// Counts the keys of the report at `path`; every entry (hotkeys) or key evidence
/// (detect) is one "line" of the stats.
pub(super) fn read(path: &str, sink: &mut Sink<'_>, stats: &mut SourceStats) -> Result<()> {
    let doc: Value = serde_json::from_reader(BufReader::new(capture::open(path)?))
        .map_err(|e| Error::Input(format!("{path} is not a JSON document: {e}")))?;
    match doc.get("schema").and_then(Value::as_str) {
        Some(HOTKEYS) => hotkeys(path, &doc, sink, stats),
        Some(DETECT) => {
            detect(&doc, sink, stats);
            Ok(())
        }
        Some(other) => Err(Error::Input(format!(
            "{path} is a {other} document; --from-report reads {HOTKEYS} or {DETECT}"
        ))),
        None => Err(Error::Input(format!(
            "{path} has no \"schema\" field: not a cachestorm report (--from-report reads {HOTKEYS} or {DETECT})"
        ))),
    }
}

fn hotkeys(path: &str, doc: &Value, sink: &mut Sink<'_>, stats: &mut SourceStats) -> Result<()> {
    let keys = doc.get("keys").and_then(Value::as_array).ok_or_else(|| {
        Error::Input(format!("{path}: a {HOTKEYS} document without a keys array"))
    })?;
    for (i, entry) in keys.iter().enumerate() {
        stats.lines += 1;
        let key = entry.get("key").and_then(Value::as_str);
        let count = entry.get("count").and_then(Value::as_u64);
        let (Some(key), Some(count)) = (key, count) else {
            stats.bad(|| format!("keys[{i}]: no string \"key\" and integer \"count\""));
            continue;
        };
        match unshow(key.as_bytes()) {
            Ok(k) => {
                stats.matched += 1;
                sink.add(&k, count, stats);
            }
            Err(why) => stats.bad(|| format!("keys[{i}]: {why}")),
        }
    }
    Ok(())
}

/// The key named by a `says` sentence, and its weight.
fn named_key(metric: &str, says: &str) -> Option<(String, u64)> {
    static HOT: OnceLock<Regex> = OnceLock::new();
    static STAMPEDE: OnceLock<Regex> = OnceLock::new();
    let (re, weight) = match metric {
        // "{key} took {share}% of the {events} commands MONITOR saw in {span}s ({n})"
        "key_share_pct" => (
            HOT.get_or_init(|| {
                Regex::new(r"^(.*) took [0-9.]+% of the [0-9]+ commands MONITOR saw in [0-9.]+s \(([0-9]+)\)$")
                    .expect("a valid regex")
            }),
            2,
        ),
        // "{key} rebuilt {writes} times by {writers} clients within one second (MONITOR)"
        "stampede_writes" => (
            STAMPEDE.get_or_init(|| {
                Regex::new(r"^(.*) rebuilt ([0-9]+) times by [0-9]+ clients within one second \(MONITOR\)$")
                    .expect("a valid regex")
            }),
            2,
        ),
        _ => return None,
    };
    let c = re.captures(says)?;
    Some((c[1].to_string(), c[weight].parse().ok()?))
}

/// Every key evidence anywhere in the document (the same evidence may be repeated, in a
/// class and in the timeline: each key is counted once, with its largest weight).
fn detect(doc: &Value, sink: &mut Sink<'_>, stats: &mut SourceStats) {
    let mut found: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a.iter().rev()),
            Value::Object(o) => {
                let metric = o.get("metric").and_then(Value::as_str);
                let says = o.get("says").and_then(Value::as_str);
                if let (Some(m @ ("key_share_pct" | "stampede_writes")), Some(s)) = (metric, says) {
                    stats.lines += 1;
                    match named_key(m, s).map(|(k, w)| (unshow(k.as_bytes()), w)) {
                        Some((Ok(k), w)) => {
                            stats.matched += 1;
                            let e = found.entry(k).or_default();
                            *e = (*e).max(w);
                        }
                        Some((Err(why), _)) => stats.bad(|| format!("{m} evidence: {why}")),
                        None => stats.bad(|| format!("{m} evidence names no key: {s:?}")),
                    }
                }
                stack.extend(o.values());
            }
            _ => {}
        }
    }
    for (k, w) in found {
        sink.add(&k, w, stats);
    }
}
