//! Small, exact statistics: shares with Wilson intervals, order-statistic quantiles and the
//! distribution-free interval of a median.

use serde::Serialize;

/// z of the two-sided 95 % normal interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A share `k / n` with its Wilson score 95 % interval. `value` is `None` when `n = 0`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    /// Cases with the property.
    pub k: u64,
    /// Cases considered.
    pub n: u64,
    /// `k / n`.
    pub value: Option<f64>,
    /// Lower end of the 95 % interval.
    pub lo: Option<f64>,
    /// Upper end of the 95 % interval.
    pub hi: Option<f64>,
}

impl Share {
    /// `k` of `n` (`k` is clamped to `n`).
    pub fn new(k: u64, n: u64) -> Share {
        let k = k.min(n);
        match wilson(k, n) {
            Some((lo, hi)) => Share { k, n, value: Some(k as f64 / n as f64), lo: Some(lo), hi: Some(hi) },
            None => Share { k, n, value: None, lo: None, hi: None },
        }
    }

    /// `1 − share`, with the interval mirrored.
    pub fn complement(self) -> Share {
        Share { k: self.n - self.k, n: self.n, value: self.value.map(|v| 1.0 - v), lo: self.hi.map(|h| 1.0 - h), hi: self.lo.map(|l| 1.0 - l) }
    }
}

/// Wilson score interval (95 %) of `k` successes in `n` trials; `None` when `n = 0`.
pub fn wilson(k: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// 1-based nearest rank of the `q`-quantile among `n` values.
pub fn nearest_rank(n: usize, q: f64) -> usize {
    ((q * n as f64).ceil() as usize).clamp(1, n)
}

/// Distribution-free 95 % interval of the median: the order statistics `(l, u)` (1-based
/// ranks) such that `P(l ≤ rank of the median < u) ≥ 0.95` under Binomial(n, ½). Exact
/// for n ≤ 20,000 (summed in log space), the normal approximation above. `None` when
/// `n < 6`, where no such pair exists at 95 %.
pub fn median_ci_ranks(n: usize) -> Option<(usize, usize)> {
    if n < 6 {
        return None;
    }
    if n > 20_000 {
        let half = Z95 * (n as f64).sqrt() / 2.0;
        let l = ((n as f64) / 2.0 - half).floor().max(1.0) as usize;
        let u = ((n as f64) / 2.0 + half).ceil().min(n as f64) as usize + 1;
        return Some((l, u.min(n)));
    }
    // The largest l with P(B ≤ l − 1) ≤ 0.025, B ~ Binomial(n, ½); u = n − l + 1.
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_c = 0.0f64; // ln C(n, j)
    let mut cumulative = 0.0;
    let mut l = 0;
    for j in 0..n {
        if j > 0 {
            ln_c += ((n - j + 1) as f64).ln() - (j as f64).ln();
        }
        cumulative += (ln_c + ln_half_n).exp();
        if cumulative > 0.025 {
            break;
        }
        l = j + 1;
    }
    (l >= 1).then_some((l, n - l + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() <= eps
    }

    #[test]
    fn wilson_matches_hand_computed_cases() {
        // k = 8, n = 10: p = 0.8, z² = 3.8415; centre = (0.8 + 0.19207)/1.38415 = 0.71674;
        // half = 1.96·√(0.016 + 0.0096037)/1.38415 = 0.22657 → [0.4902, 0.9433].
        let (lo, hi) = wilson(8, 10).unwrap();
        assert!(close(lo, 0.4902, 1e-4) && close(hi, 0.9433, 1e-4), "{lo} {hi}");
        // k = 0 keeps a non-zero upper end: n = 10 → [0, 0.2775].
        let (lo, hi) = wilson(0, 10).unwrap();
        assert!(close(lo, 0.0, 1e-12) && close(hi, 0.2775, 1e-4), "{lo} {hi}");
        assert_eq!(wilson(0, 0), None);
        assert_eq!(Share::new(0, 0).value, None);
        let s = Share::new(3, 4).complement();
        assert_eq!((s.k, s.n), (1, 4));
        assert!(close(s.value.unwrap(), 0.25, 1e-12));
    }

    #[test]
    fn median_interval_ranks_match_binomial_tables() {
        // From the binomial distribution with p = ½ (the usual sign-test table):
        // n = 6 → (1, 6) with coverage 0.969; n = 10 → (2, 9) 0.979; n = 20 → (6, 15) 0.959.
        assert_eq!(median_ci_ranks(5), None);
        assert_eq!(median_ci_ranks(6), Some((1, 6)));
        assert_eq!(median_ci_ranks(10), Some((2, 9)));
        assert_eq!(median_ci_ranks(20), Some((6, 15)));
        assert_eq!(median_ci_ranks(100), Some((40, 61)));
        let (l, u) = median_ci_ranks(1_000_000).unwrap();
        assert!(l < 500_000 && u > 500_000 && u - l < 2_100, "{l} {u}");
    }
}
