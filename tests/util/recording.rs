//! Reading a storm recording back (the recorder's NDJSON) to check what a scenario really
//! did to its servers: INFO fields per node over time, counter increases before and after
//! the onset, per-interval hit rates. Independent of `cachestorm detect`: these checks
//! tell a scenario that did not reproduce apart from a detector that missed it. Also the
//! cut of a recording that starts at the onset.

use std::collections::HashMap;
use std::path::Path;

pub struct Sample {
    pub t: f64,
    pub node: String,
    /// INFO fields; a `a=1,b=2` value also gives `field.a`, `field.b`.
    pub info: Option<HashMap<String, String>>,
    pub error: Option<String>,
}

pub struct Recording {
    pub samples: Vec<Sample>,
}

pub fn parse_info(text: &str) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for line in text.lines() {
        let Some((k, v)) = line.trim_end().split_once(':') else {
            continue;
        };
        if v.contains('=') {
            for part in v.split(',') {
                if let Some((a, b)) = part.split_once('=') {
                    m.insert(format!("{k}.{a}"), b.to_string());
                }
            }
        }
        m.insert(k.to_string(), v.to_string());
    }
    m
}

impl Recording {
    pub fn read(path: &Path) -> Self {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let samples = text
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("{}: bad line ({e}): {l}", path.display()));
                Sample {
                    t: v["t"].as_f64().expect("t"),
                    node: v["node"].as_str().expect("node").to_string(),
                    info: v["info"].as_str().map(parse_info),
                    error: v["error"].as_str().map(str::to_string),
                }
            })
            .collect();
        Recording { samples }
    }

    pub fn nodes(&self) -> Vec<String> {
        let mut n: Vec<String> = self.samples.iter().map(|s| s.node.clone()).collect();
        n.sort();
        n.dedup();
        n
    }

    pub fn of<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| s.node == node)
    }

    /// A field's values at the node's samples in [from, to) (None: an error sample or no
    /// such field).
    pub fn text(&self, node: &str, field: &str, from: f64, to: f64) -> Vec<Option<String>> {
        self.of(node)
            .filter(|s| s.t >= from && s.t < to)
            .map(|s| s.info.as_ref().and_then(|i| i.get(field).cloned()))
            .collect()
    }

    /// A numeric field over [from, to); missing values (error samples) left out.
    pub fn num(&self, node: &str, field: &str, from: f64, to: f64) -> Vec<f64> {
        self.text(node, field, from, to)
            .into_iter()
            .filter_map(|v| v?.parse().ok())
            .collect()
    }

    /// How much a counter went up over [from, to): the sum of its increases between
    /// consecutive answered samples (a restart's drop to zero counts from zero).
    pub fn increase(&self, node: &str, field: &str, from: f64, to: f64) -> f64 {
        let v = self.num(node, field, from, to);
        v.windows(2)
            .map(|w| if w[1] >= w[0] { w[1] - w[0] } else { w[1] })
            .sum()
    }

    /// Increase per second over [from, to).
    pub fn rate(&self, node: &str, field: &str, from: f64, to: f64) -> f64 {
        let ts: Vec<f64> = self
            .of(node)
            .filter(|s| s.t >= from && s.t < to && s.info.is_some())
            .map(|s| s.t)
            .collect();
        let span = ts.last().unwrap_or(&0.0) - ts.first().unwrap_or(&0.0);
        if span <= 0.0 {
            0.0
        } else {
            self.increase(node, field, from, to) / span
        }
    }

    /// Hit share of GETs over [from, to) (1.0 without reads).
    pub fn hit_ratio(&self, node: &str, from: f64, to: f64) -> f64 {
        let h = self.increase(node, "keyspace_hits", from, to);
        let m = self.increase(node, "keyspace_misses", from, to);
        if h + m == 0.0 {
            1.0
        } else {
            h / (h + m)
        }
    }

    /// The lowest per-interval hit share over [from, to) (intervals with reads only).
    pub fn worst_hit_ratio(&self, node: &str, from: f64, to: f64) -> f64 {
        let ts: Vec<f64> = self
            .of(node)
            .filter(|s| s.t >= from && s.t < to && s.info.is_some())
            .map(|s| s.t)
            .collect();
        ts.windows(2)
            .map(|w| self.hit_ratio(node, w[0], w[1] + 1e-6))
            .fold(1.0, f64::min)
    }

    /// Error samples of a node over [from, to).
    pub fn errors(&self, node: &str, from: f64, to: f64) -> usize {
        self.of(node)
            .filter(|s| s.t >= from && s.t < to && s.error.is_some())
            .count()
    }

    pub fn first_t(&self) -> f64 {
        self.samples
            .iter()
            .map(|s| s.t)
            .fold(f64::INFINITY, f64::min)
    }

    pub fn last_t(&self) -> f64 {
        self.samples.iter().map(|s| s.t).fold(0.0, f64::max)
    }
}

/// Copies the lines of `src` whose `t` is at or after `onset` into `dst`.
pub fn cut(src: &Path, dst: &Path, onset: f64) {
    let text = std::fs::read_to_string(src).expect("reading the recording");
    let kept: String = text
        .lines()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("an NDJSON line");
            v["t"].as_f64().expect("t") >= onset
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dst, kept).expect("writing the cut");
}
