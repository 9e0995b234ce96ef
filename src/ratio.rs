//! Shares and quantiles, computed one way everywhere: a share is `part / whole` in
//! percent (0 when there is no whole), and the q-quantile of n values is the value of
//! rank ⌈q·n⌉ (the nearest-rank method: always a value that was seen). Pure.

/// `part` as a percentage of `whole`; 0 when `whole` is 0.
pub(crate) fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// `part` as a percentage of `whole`; None when `whole` is 0 (no share to speak of).
pub(crate) fn pct_opt(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| pct(part, whole))
}

/// The 1-based rank of the q-quantile among `n` values (nearest rank, within 1..=n);
/// 0 when there are none.
pub(crate) fn rank(q: f64, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    ((q * n as f64).ceil() as u64).clamp(1, n)
}

/// The q-quantile of values sorted in ascending order.
pub(crate) fn of_sorted<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    let r = rank(q, sorted.len() as u64);
    (r > 0).then(|| sorted[(r - 1) as usize])
}

/// The q-quantile of `(value, how many)` runs in ascending order of value.
pub(crate) fn of_runs<T: Copy>(
    runs: impl IntoIterator<Item = (T, u64)> + Clone,
    q: f64,
) -> Option<T> {
    let n: u64 = runs.clone().into_iter().map(|r| r.1).sum();
    let r = rank(q, n);
    let mut seen = 0;
    runs.into_iter().find_map(|(v, c)| {
        seen += c;
        (r > 0 && seen >= r).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares() {
        assert_eq!(pct(1, 4), 25.0);
        assert_eq!(pct(3, 0), 0.0);
        assert_eq!(pct_opt(3, 0), None);
    }

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(of_sorted(&v, 0.5), Some(50));
        assert_eq!(of_sorted(&v, 0.99), Some(99));
        assert_eq!(of_sorted(&v, 1.0), Some(100));
        assert_eq!(of_sorted(&v, 0.0), Some(1));
        assert_eq!(of_sorted::<u64>(&[], 0.5), None);
        let runs = [(10u32, 1u64), (20, 8), (30, 1)];
        assert_eq!(of_runs(runs, 0.1), Some(10));
        assert_eq!(of_runs(runs, 0.5), Some(20));
        assert_eq!(of_runs(runs, 0.95), Some(30));
        assert_eq!(of_runs(Vec::<(u32, u64)>::new(), 0.5), None);
    }
}
