//! The storm classes `detect` tells apart, their names on the wire, and the order in which
//! a tie between two equally strong classes is broken (root causes before symptoms). Pure.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Class {
    /// A node restarted (or came up) empty: keys near zero and refilling, hit % collapsed.
    ColdStart,
    /// Keys deleted in bulk (DEL/UNLINK/FLUSHDB/FLUSHALL) faster than expiry and eviction explain.
    MassInvalidation,
    /// Avalanche: many keys expiring together; or, as a forecast, synchronised TTLs running out.
    MassExpiration,
    /// One key (or one node of a cluster) taking far more traffic than the rest.
    HotKey,
    /// Evictions sustained, memory at its limit, hit % falling with evictions.
    MemoryPressure,
    /// Replica link down, master unreachable, full resyncs, failover, lag.
    Replication,
    /// Misses for keys the database does not have either: misses up, SETs not following.
    Penetration,
    /// Stampede: a hot key expiring and rebuilt by many clients at once, periodically.
    Breakdown,
    /// Connections rejected, clients at maxclients, a connection-rate spike.
    ConnectionStorm,
    /// Slow log growing, slow command families, latency.
    SlowCommands,
}

impl Class {
    pub(crate) const ALL: [Class; 10] = [
        Class::Replication,
        Class::ColdStart,
        Class::MassInvalidation,
        Class::MassExpiration,
        Class::MemoryPressure,
        Class::ConnectionStorm,
        Class::Breakdown,
        Class::Penetration,
        Class::HotKey,
        Class::SlowCommands,
    ];

    /// As JSON spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Class::ColdStart => "cold_start",
            Class::MassInvalidation => "mass_invalidation",
            Class::MassExpiration => "mass_expiration",
            Class::HotKey => "hot_key",
            Class::MemoryPressure => "memory_pressure",
            Class::Replication => "replication",
            Class::Penetration => "penetration",
            Class::Breakdown => "breakdown",
            Class::ConnectionStorm => "connection_storm",
            Class::SlowCommands => "slow_commands",
        }
    }

    /// Tie-break rank: lower wins. Causes come before what they cause (a restart explains
    /// misses; evictions explain a key drop), so an equal score names the cause.
    pub(crate) fn rank(self) -> usize {
        Class::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or(usize::MAX)
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
