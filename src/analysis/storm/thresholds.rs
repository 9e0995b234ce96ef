//! Every threshold the storm rules use, in one documented table: its name (as
//! `--threshold NAME=VALUE` spells it), default, unit and meaning. `detect --thresholds`
//! prints it and the man page carries it. Defaults come from the seed documents' levels
//! (hit % warning < 75, critical < 70; memory warning > 85 %, critical > 90 %; p95
//! latency warning > 2 ms, critical > 5 ms; share of nodes affected >= 30 % major, >= 70 %
//! critical) and from what each storm does to a server. Pure.

use serde::Serialize;

/// One row of the table.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub(crate) struct Threshold {
    pub(crate) name: &'static str,
    pub(crate) value: f64,
    pub(crate) default: f64,
    pub(crate) unit: &'static str,
    pub(crate) meaning: &'static str,
}

macro_rules! thresholds {
    ($( $field:ident = $default:expr, $unit:expr, $meaning:expr; )*) => {
        /// The thresholds in force (defaults, or as overridden).
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub(crate) struct Thresholds { $( pub(crate) $field: f64, )* }

        impl Default for Thresholds {
            fn default() -> Self { Thresholds { $( $field: $default, )* } }
        }

        impl Thresholds {
            /// The table: every threshold with its value in force and its default.
            pub(crate) fn table(&self) -> Vec<Threshold> {
                vec![$( Threshold {
                    name: stringify!($field),
                    value: self.$field,
                    default: $default,
                    unit: $unit,
                    meaning: $meaning,
                }, )*]
            }

            fn slot(&mut self, name: &str) -> Option<&mut f64> {
                match name { $( stringify!($field) => Some(&mut self.$field), )* _ => None }
            }
        }
    };
}

thresholds! {
    hit_pct_warning = 75.0, "%", "hit % below this is a warning (seed level)";
    hit_pct_critical = 70.0, "%", "hit % below this is critical (seed level)";
    hit_drop_points = 15.0, "points", "a fall of hit % this far below the reference counts as collapsed";
    min_reads_per_sec = 20.0, "reads/s", "hit % and miss rules need at least this many GETs (hits + misses) per second";
    memory_pct_warning = 85.0, "%", "used / maxmemory above this is a warning (seed level)";
    memory_pct_critical = 90.0, "%", "used / maxmemory above this is critical (seed level)";
    latency_ms_warning = 2.0, "ms", "p95 of the INFO round trip above this is a warning (seed level)";
    latency_ms_critical = 5.0, "ms", "p95 of the INFO round trip above this is critical (seed level)";
    nodes_pct_major = 30.0, "%", "share of nodes affected from which a storm is major (seed level)";
    nodes_pct_critical = 70.0, "%", "share of nodes affected from which a storm is critical (seed level)";
    score_fire = 0.5, "score", "a class whose score reaches this has fired (degraded at least)";
    score_storm = 0.7, "score", "a fired class whose score reaches this makes the verdict a storm";
    spike_ratio = 5.0, "x", "a rate this many times its reference is a spike";
    calm_min_intervals = 3.0, "intervals", "calm intervals needed before the window to use them as the reference";
    restart_uptime_secs = 600.0, "s", "an uptime below this counts as a recent restart";
    cold_keys_pct = 20.0, "%", "keys below this share of the reference (or of what they grow to in the window) count as emptied";
    refill_sets_per_miss = 0.5, "ratio", "SETs per miss from which misses are being refilled";
    key_drop_pct = 10.0, "%", "a fall of keys by this share within the window counts as a drop";
    bulk_delete_calls = 10.0, "calls", "DEL/UNLINK calls in a server's life that make a refill after a fall look like an invalidation";
    refill_growth_pct = 50.0, "%", "keys growing by this share of their end value within the window count as refilling from near empty";
    unexplained_drop_pct = 50.0, "%", "share of a key drop that expiry and eviction leave unexplained for an invalidation";
    expired_share_pct = 5.0, "%", "keys expired within the window, as a share of keys, for an avalanche";
    expire_stale_pct = 25.0, "%", "expired_stale_perc above this: the active expire cycle cannot keep up";
    avg_ttl_forecast_secs = 120.0, "s", "db avg_ttl below this, falling with the clock, forecasts an avalanche";
    ttl_cliff_pct = 20.0, "%", "share of a TTL sample's keys expiring in one 10-second bucket that forecasts an avalanche";
    ttl_horizon_secs = 3600.0, "s", "how far ahead a TTL sample's cliff counts as a forecast";
    expires_share_pct = 30.0, "%", "share of keys with a TTL needed for an avalanche forecast";
    hot_node_ratio = 3.0, "x", "a master's ops/s or output bytes this many times the median of its peers";
    hot_node_min_ops = 500.0, "ops/s", "ops/s a hot node must reach before the peer comparison counts";
    hot_key_share_pct = 20.0, "%", "one key's share of a MONITOR sample's commands that makes it hot";
    eviction_intervals_pct = 50.0, "%", "share of intervals with evictions that counts as sustained";
    fragmentation_ratio = 1.5, "ratio", "mem_fragmentation_ratio above this (with 64 MiB or more to gain) is evidence";
    lag_secs = 10.0, "s", "seconds since a replica last heard from its master that count as lag";
    penetration_sets_per_miss = 0.2, "ratio", "SETs per miss below this: misses are not being refilled";
    key_course_pct = 5.0, "%", "keys within this share of their start are on course";
    burst_ratio = 3.0, "x", "a miss share this many times the window's median is a burst";
    stampede_share_pct = 20.0, "%", "share of a window's misses beyond what expired (the same keys rebuilt) that makes a stampede";
    burst_min_misses = 10.0, "misses", "misses in one interval a stampede burst needs";
    clients_pct = 90.0, "%", "connected clients / maxclients above this is near the limit";
    conn_rate_min = 50.0, "conns/s", "new connections per second a connection spike needs";
    slowlog_min_entries = 3.0, "entries", "new slow-log entries within the window that count as slow commands";
    slow_call_ms = 10.0, "ms", "a command family's mean time per call within the window above this is slow";
    slow_busy_pct = 5.0, "%", "share of the window the server spent in slow command families that makes them a storm";
}

impl Thresholds {
    /// Applies `NAME=VALUE` overrides; an unknown name or a bad number is a usage error
    /// naming the known thresholds.
    pub(crate) fn with_overrides(mut self, overrides: &[String]) -> Result<Self, String> {
        for o in overrides {
            let (name, value) = o
                .split_once('=')
                .ok_or_else(|| format!("--threshold {o:?}: expected NAME=VALUE"))?;
            let v: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    format!("--threshold {name}: {value:?} is not a non-negative number")
                })?;
            let slot = self.slot(name.trim()).ok_or_else(|| {
                format!(
                    "--threshold: no threshold named {name:?} (cachestorm detect --thresholds lists them)"
                )
            })?;
            *slot = v;
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_by_name() {
        let t = Thresholds::default()
            .with_overrides(&["hit_pct_critical=60".into()])
            .unwrap();
        assert_eq!(t.hit_pct_critical, 60.0);
        let row = t.table().into_iter().find(|r| r.name == "hit_pct_critical");
        assert_eq!(row.map(|r| (r.value, r.default)), Some((60.0, 70.0)));
        assert!(Thresholds::default()
            .with_overrides(&["nope=1".into()])
            .unwrap_err()
            .contains("no threshold named"));
        assert!(Thresholds::default()
            .with_overrides(&["hit_pct_critical=x".into()])
            .is_err());
        assert!(Thresholds::default()
            .with_overrides(&["hit_pct_critical".into()])
            .is_err());
    }

    #[test]
    fn names_are_unique() {
        let t = Thresholds::default().table();
        let mut names: Vec<_> = t.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), t.len());
    }
}
