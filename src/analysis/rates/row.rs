//! One `stats` row (a node, or the total, over one interval): its rates from the
//! interval's deltas, its gauges from the later snapshot, and the total row across nodes.
//! Pure.

use serde::Serialize;

use super::deltas::Deltas;
use crate::parse::info::InfoSnapshot;

/// One report row: a node (or the total) over one interval.
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
pub(crate) struct StatsRow {
    /// Interval number, from 1.
    pub(crate) seq: u64,
    /// When the sample was taken, RFC 3339 UTC (filled by the caller).
    #[serde(rename = "at")]
    pub(crate) time: String,
    /// `host:port`, or `total`.
    pub(crate) node: String,
    /// `master` or `replica` as the node says; null when it did not answer.
    pub(crate) role: Option<String>,
    pub(crate) status: RowStatus,
    /// Why a `reset` row has no rates, or how many nodes the `total` row misses.
    pub(crate) reason: Option<String>,
    /// Why a `down` node did not answer.
    pub(crate) error: Option<String>,
    /// `loading` (dataset being loaded), `fork` (BGSAVE / AOF rewrite running).
    pub(crate) flags: Vec<&'static str>,
    /// The interval the rates are over (between the midpoints of two INFO round trips).
    #[serde(
        rename = "interval_ms",
        serialize_with = "crate::show::ms::from_opt_secs"
    )]
    #[schemars(with = "Option<f64>")]
    pub(crate) interval_secs: Option<f64>,
    pub(crate) ops_per_sec: Option<f64>,
    pub(crate) hit_pct: Option<f64>,
    pub(crate) hits_per_sec: Option<f64>,
    pub(crate) misses_per_sec: Option<f64>,
    pub(crate) expired_per_sec: Option<f64>,
    pub(crate) evicted_per_sec: Option<f64>,
    pub(crate) net_in_bytes_per_sec: Option<f64>,
    pub(crate) net_out_bytes_per_sec: Option<f64>,
    pub(crate) rejected_conns_per_sec: Option<f64>,
    pub(crate) used_memory_bytes: Option<u64>,
    pub(crate) maxmemory_bytes: Option<u64>,
    /// used / maxmemory; absent without a limit.
    pub(crate) used_memory_pct: Option<f64>,
    pub(crate) fragmentation_ratio: Option<f64>,
    pub(crate) connected_clients: Option<u64>,
    pub(crate) blocked_clients: Option<u64>,
    pub(crate) keys: Option<u64>,
    pub(crate) repl_lag_bytes: Option<u64>,
    /// A replica's lag behind its master (whole seconds as the server counts them).
    #[serde(
        rename = "repl_lag_ms",
        serialize_with = "crate::show::ms::from_opt_whole_secs"
    )]
    #[schemars(with = "Option<u64>")]
    pub(crate) repl_lag_secs: Option<u64>,
    /// Counter deltas behind the rates (for summing and for checking).
    #[serde(skip)]
    pub(super) deltas: Option<Deltas>,
}

/// What a row says about its node over the interval; serialized in lowercase (`ok`, ...).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RowStatus {
    /// Rates for the interval. (The default only serves `..Default::default()`: every
    /// row gets its status set.)
    #[default]
    Ok,
    /// No rates this interval: a restart or a counter reset (the reason says which).
    Reset,
    /// First sample of this node: rates from the next interval.
    New,
    /// The node did not answer.
    Down,
}

impl RowStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RowStatus::Ok => "ok",
            RowStatus::Reset => "reset",
            RowStatus::New => "new",
            RowStatus::Down => "down",
        }
    }
}

impl std::fmt::Display for RowStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the serialized name (`status == "down"`), for tests.
#[cfg(test)]
impl PartialEq<&str> for RowStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl StatsRow {
    pub(super) fn set_rates(&mut self, d: Deltas) {
        if d.secs <= 0.0 {
            return;
        }
        let per = |n: u64| Some(n as f64 / d.secs);
        self.interval_secs = Some(d.secs);
        self.ops_per_sec = per(d.commands);
        self.hits_per_sec = per(d.hits);
        self.misses_per_sec = per(d.misses);
        self.hit_pct = hit_pct(d.hits, d.misses);
        self.expired_per_sec = per(d.expired);
        self.evicted_per_sec = per(d.evicted);
        self.net_in_bytes_per_sec = Some(d.net_in as f64 / d.secs);
        self.net_out_bytes_per_sec = Some(d.net_out as f64 / d.secs);
        self.rejected_conns_per_sec = per(d.rejected);
        self.deltas = Some(d);
    }

    pub(super) fn set_gauges(&mut self, i: &InfoSnapshot) {
        let m = &i.memory;
        self.role = i.role().map(|r| {
            if r == "slave" {
                "replica".into()
            } else {
                r.into()
            }
        });
        self.used_memory_bytes = m.used_memory;
        self.maxmemory_bytes = m.maxmemory.filter(|n| *n > 0);
        self.used_memory_pct = pct_of(m.used_memory, self.maxmemory_bytes);
        self.fragmentation_ratio = m.mem_fragmentation_ratio;
        self.connected_clients = i.clients.connected_clients;
        self.blocked_clients = i.clients.blocked_clients;
        self.keys = Some(i.total_keys());
        if i.loading() {
            self.flags.push("loading");
        }
        if i.fork_in_progress() {
            self.flags.push("fork");
        }
    }
}

fn hit_pct(hits: u64, misses: u64) -> Option<f64> {
    crate::ratio::pct_opt(hits, hits + misses)
}

fn pct_of(used: Option<u64>, max: Option<u64>) -> Option<f64> {
    match (used, max) {
        (Some(u), Some(m)) => crate::ratio::pct_opt(u, m),
        _ => None,
    }
}

/// Sums node rows into the cluster total. Rates sum over nodes with rates this interval;
/// hit % comes from the summed hits and misses; keys count masters only (replicas hold
/// copies); memory and clients sum over every node that answered.
pub(super) fn total_row(seq: u64, rows: &[StatsRow]) -> StatsRow {
    let mut t = StatsRow {
        seq,
        node: "total".into(),
        status: RowStatus::Ok,
        ..Default::default()
    };
    let up: Vec<&StatsRow> = rows
        .iter()
        .filter(|r| r.status != RowStatus::Down)
        .collect();
    let down = rows.len() - up.len();
    if up.is_empty() {
        t.status = RowStatus::Down;
        t.reason = Some("no node answered".into());
        return t;
    }
    if down > 0 {
        t.reason = Some(format!("{down} of {} nodes down", rows.len()));
    }
    let with_rates: Vec<Deltas> = up.iter().filter_map(|r| r.deltas).collect();
    if !with_rates.is_empty() {
        let sum = |f: fn(&Deltas) -> f64| Some(with_rates.iter().map(f).sum::<f64>());
        t.ops_per_sec = sum(|d| d.commands as f64 / d.secs);
        t.hits_per_sec = sum(|d| d.hits as f64 / d.secs);
        t.misses_per_sec = sum(|d| d.misses as f64 / d.secs);
        t.expired_per_sec = sum(|d| d.expired as f64 / d.secs);
        t.evicted_per_sec = sum(|d| d.evicted as f64 / d.secs);
        t.net_in_bytes_per_sec = sum(|d| d.net_in as f64 / d.secs);
        t.net_out_bytes_per_sec = sum(|d| d.net_out as f64 / d.secs);
        t.rejected_conns_per_sec = sum(|d| d.rejected as f64 / d.secs);
        let hits = with_rates.iter().map(|d| d.hits).sum();
        let misses = with_rates.iter().map(|d| d.misses).sum();
        t.hit_pct = hit_pct(hits, misses);
        t.interval_secs =
            Some(with_rates.iter().map(|d| d.secs).sum::<f64>() / with_rates.len() as f64);
    }
    let sum_u =
        |f: fn(&StatsRow) -> Option<u64>| up.iter().filter_map(|r| f(r)).reduce(|a, b| a + b);
    t.used_memory_bytes = sum_u(|r| r.used_memory_bytes);
    t.connected_clients = sum_u(|r| r.connected_clients);
    t.blocked_clients = sum_u(|r| r.blocked_clients);
    t.keys = up
        .iter()
        .filter(|r| r.role.as_deref() != Some("replica"))
        .filter_map(|r| r.keys)
        .reduce(|a, b| a + b);
    if up.iter().all(|r| r.maxmemory_bytes.is_some()) {
        t.maxmemory_bytes = sum_u(|r| r.maxmemory_bytes);
        t.used_memory_pct = pct_of(t.used_memory_bytes, t.maxmemory_bytes);
    }
    t
}
