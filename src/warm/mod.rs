//! `cachestorm warm`: the warm writer's home. For now its key sources ([`keys`]): which
//! keys to refill, hottest first. Value sources and the executor come next, in their own
//! modules. Must not: parse flags (settings arrive resolved).

pub(crate) mod keys;
