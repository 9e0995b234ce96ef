//! One key's access counters: count (with its Space-Saving error), reads and writes, the
//! busiest second, the dominant command (a Misra-Gries summary of three), and distinct
//! clients (exact up to four, then a linear-counting estimate). Pure: fixed-size, no
//! allocation per key, no I/O.

use crate::parse::keyspec::Access;

/// Per-key counters. Seconds count whole wall-clock seconds from the first event's.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccessStats {
    pub(crate) count: u64,
    /// Space-Saving error bound: the true count is in `count - error ..= count`.
    pub(crate) error: u64,
    pub(crate) reads: u64,
    pub(crate) writes: u64,
    cur_sec: u32,
    cur_n: u32,
    pub(crate) peak_sec: u32,
    pub(crate) peak_n: u32,
    /// Misra-Gries summary of the commands used on this key: ids and weights.
    cmd_ids: [u16; 3],
    cmd_w: [u32; 3],
    /// The first distinct clients, exactly (`nfew` > 4: more than four).
    few: [u32; 4],
    nfew: u8,
    pub(crate) node: u16,
    /// Linear-counting bitmap of the clients that touched the key.
    clients: [u64; 4],
}

impl AccessStats {
    /// A key that takes an evicted key's place (Space-Saving): it inherits the evicted
    /// key's count, which is also its error bound.
    pub(super) fn inheriting(count: u64) -> Self {
        AccessStats {
            count,
            error: count,
            ..AccessStats::default()
        }
    }

    /// Counts one access at relative second `sec`.
    pub(super) fn hit(&mut self, sec: u32, access: Access, cmd: u16, client: u32, node: u16) {
        self.count += 1;
        match access {
            Access::Read => self.reads += 1,
            Access::Write | Access::Overwrite | Access::Delete => self.writes += 1,
        }
        // Events arrive in time order per node; a late one counts in the current second.
        if sec > self.cur_sec || self.cur_n == 0 {
            self.cur_sec = sec;
            self.cur_n = 0;
        }
        self.cur_n += 1;
        if self.cur_n > self.peak_n {
            self.peak_n = self.cur_n;
            self.peak_sec = self.cur_sec;
        }
        self.note_cmd(cmd);
        if self.nfew <= 4 && !self.few[..usize::from(self.nfew.min(4))].contains(&client) {
            if self.nfew < 4 {
                self.few[usize::from(self.nfew)] = client;
            }
            self.nfew += 1;
        }
        let bit = mix(client) >> 56;
        self.clients[(bit >> 6) as usize] |= 1 << (bit & 63);
        self.node = node;
    }

    fn note_cmd(&mut self, cmd: u16) {
        if let Some(i) = (0..3).find(|&i| self.cmd_ids[i] == cmd && self.cmd_w[i] > 0) {
            self.cmd_w[i] += 1;
        } else if let Some(i) = (0..3).find(|&i| self.cmd_w[i] == 0) {
            self.cmd_ids[i] = cmd;
            self.cmd_w[i] = 1;
        } else {
            for w in &mut self.cmd_w {
                *w -= 1;
            }
        }
    }

    /// The command used most on this key.
    pub(crate) fn dominant_cmd(&self) -> Option<u16> {
        (0..3)
            .filter(|&i| self.cmd_w[i] > 0)
            .max_by_key(|&i| self.cmd_w[i])
            .map(|i| self.cmd_ids[i])
    }

    /// Distinct clients: exact up to 4, else a 256-bit linear-counting estimate (which
    /// saturates at [`CLIENTS_SATURATED`]); and whether the number is exact. An estimate
    /// never exceeds the key's count: no key has more clients than accesses.
    pub(crate) fn distinct_clients(&self) -> (u64, bool) {
        if self.nfew <= 4 {
            return (u64::from(self.nfew), true);
        }
        let zeros: u32 = self.clients.iter().map(|w| w.count_zeros()).sum();
        let estimate = if zeros == 0 {
            CLIENTS_SATURATED
        } else {
            let m = 256.0_f64;
            (-m * (f64::from(zeros) / m).ln()).round().max(5.0) as u64
        };
        (estimate.min(self.count), false)
    }
}

/// What the distinct-client estimate says once every bit is set: "this many or more"
/// (the estimate for one bit left, 256 ln 256).
pub(crate) const CLIENTS_SATURATED: u64 = 1420;

/// A well-mixed 64-bit hash of a client id (splitmix64's finaliser): sequential ids must
/// land on independent bits for linear counting to hold.
fn mix(id: u32) -> u64 {
    // splitmix64: the state steps by the golden ratio, then the finaliser mixes it.
    let mut z = (u64::from(id) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_client_estimates_stay_close() {
        for n in [3u32, 10, 50, 200, 500, 1000] {
            let mut k = AccessStats::default();
            for c in 0..n {
                k.hit(0, Access::Read, 0, c, 0);
            }
            let (est, exact) = k.distinct_clients();
            assert_eq!(exact, n <= 4);
            let err = (est as f64 - f64::from(n)).abs() / f64::from(n);
            assert!(err <= 0.15, "{n} clients estimated as {est}");
        }
    }

    #[test]
    fn never_more_clients_than_accesses() {
        // One access per client: the estimate may be off, but never above the count.
        for n in 5..=600u32 {
            let mut k = AccessStats::default();
            for c in 0..n {
                k.hit(0, Access::Read, 0, c, 0);
            }
            let (est, _) = k.distinct_clients();
            assert!(est <= u64::from(n), "{n} accesses, {est} clients");
        }
    }
}
