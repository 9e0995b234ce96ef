//! Counted keys grouped by inferred pattern, in one pass: the pattern table (ops, keys,
//! reads/writes, dominant command, busiest key) and the penetration candidates grouped
//! by pattern. Pure; the report does not depend on hash order (ties break by name).

use std::cmp::Reverse;
use std::collections::HashMap;

use serde::Serialize;

use super::command_name;
use super::signatures::{Penetration, PenetrationPattern, SignatureConfig};
use crate::analysis::patterns::PatternRules;
use crate::analysis::traffic::{AccessStats, Traffic};
use crate::ratio::pct;
use crate::show;

/// Example keys named per penetration pattern.
const PENETRATION_EXAMPLES: usize = 3;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct PatternRow {
    pub(crate) pattern: String,
    /// Events on the pattern's keys.
    #[serde(rename = "count")]
    pub(crate) ops: u64,
    pub(crate) share_pct: f64,
    #[serde(rename = "keys")]
    pub(crate) distinct_keys: u64,
    pub(crate) reads: u64,
    pub(crate) writes: u64,
    pub(crate) dominant_command: String,
    pub(crate) example_key: String,
}

/// The busiest keys of a group: (score, key), best first.
type Examples = Vec<(u64, Vec<u8>)>;

#[derive(Default)]
struct PatternAgg {
    ops: u64,
    keys: u64,
    reads: u64,
    writes: u64,
    cmds: HashMap<u16, u64>,
    /// The busiest key (ties: the smallest name).
    example: Option<(u64, Vec<u8>)>,
}

impl PatternAgg {
    fn add(&mut self, k: &[u8], s: &AccessStats) {
        self.ops += s.count;
        self.keys += 1;
        self.reads += s.reads;
        self.writes += s.writes;
        if let Some(c) = s.dominant_cmd() {
            *self.cmds.entry(c).or_default() += s.count;
        }
        if self
            .example
            .as_ref()
            .is_none_or(|(c, e)| (s.count, Reverse(k)) > (*c, Reverse(e.as_slice())))
        {
            self.example = Some((s.count, k.to_vec()));
        }
    }
}

/// Keeps the `n` largest (score, key) items, ties by smaller key, in order.
fn keep_top(v: &mut Examples, item: (u64, Vec<u8>), n: usize) {
    let pos = v
        .iter()
        .position(|(s, k)| (item.0, Reverse(&item.1)) > (*s, Reverse(k)))
        .unwrap_or(v.len());
    if pos < n {
        v.insert(pos, item);
        v.truncate(n);
    }
}

/// The `top` patterns by ops (shares of `key_ops`), and the penetration candidates by
/// pattern (none without signatures).
pub(super) fn by_pattern(
    t: &Traffic,
    sig: Option<&SignatureConfig>,
    rules: &PatternRules,
    key_ops: u64,
    top: usize,
) -> (Vec<PatternRow>, Penetration) {
    // One pass over every tracked key: its pattern (computed once) feeds both the pattern
    // table and the penetration groups. Examples are the busiest key of each group, so
    // the report does not depend on hash order.
    let mut pats: HashMap<Vec<u8>, PatternAgg> = HashMap::new();
    let mut pen = Penetration {
        min_reads: sig.map_or(0, |g| g.penetration_min_reads),
        ..Default::default()
    };
    let mut pen_groups: HashMap<Vec<u8>, (PenetrationPattern, Examples)> = HashMap::new();
    for (_, k, s) in t.per_key.stats.iter() {
        let p = rules.pattern(k);
        if sig.is_some_and(|g| g.penetration_candidate(s)) {
            pen.candidate_keys += 1;
            pen.candidate_reads += s.reads;
            let (g, examples) = pen_groups.entry(p.clone()).or_insert_with_key(|p| {
                (
                    PenetrationPattern {
                        pattern: show::key(p),
                        keys: 0,
                        reads: 0,
                        example_keys: Vec::new(),
                    },
                    Vec::new(),
                )
            });
            g.keys += 1;
            g.reads += s.reads;
            keep_top(examples, (s.reads, k.to_vec()), PENETRATION_EXAMPLES);
        }
        pats.entry(p).or_default().add(k, s);
    }
    let mut patterns: Vec<PatternRow> = pats
        .into_iter()
        .map(|(p, agg)| PatternRow {
            pattern: show::key(&p),
            ops: agg.ops,
            share_pct: pct(agg.ops, key_ops),
            distinct_keys: agg.keys,
            reads: agg.reads,
            writes: agg.writes,
            dominant_command: command_name(
                t,
                agg.cmds
                    .into_iter()
                    .max_by_key(|(c, n)| (*n, Reverse(*c)))
                    .map(|(c, _)| c),
            ),
            example_key: agg.example.map(|(_, k)| show::key(&k)).unwrap_or_default(),
        })
        .collect();
    patterns.sort_by(|a, b| b.ops.cmp(&a.ops).then_with(|| a.pattern.cmp(&b.pattern)));
    patterns.truncate(top);
    pen.by_pattern = pen_groups
        .into_values()
        .map(|(mut g, ex)| {
            g.example_keys = ex.into_iter().map(|(_, k)| show::key(&k)).collect();
            g
        })
        .collect();
    pen.by_pattern.sort_by(|a, b| {
        b.reads
            .cmp(&a.reads)
            .then_with(|| a.pattern.cmp(&b.pattern))
    });
    pen.by_pattern.truncate(top);
    (patterns, pen)
}
