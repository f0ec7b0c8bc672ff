//! Statistics used to check samplers against their definitions: the normal CDF, the Kolmogorov-Smirnov
//! test, moments. Public so users can check their own tensors the same way.

/// Standard normal CDF, `Phi(x) = erfc(-x / sqrt 2) / 2` (libm; accurate in both tails).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / core::f64::consts::SQRT_2)
}

/// Upper tail `1 - Phi(x) = erfc(x / sqrt 2) / 2`, accurate for large x.
pub fn normal_sf(x: f64) -> f64 {
    0.5 * libm::erfc(x / core::f64::consts::SQRT_2)
}

/// CDF of N(0,1) truncated to `[alpha, beta]` at `x`, computed on the side of zero that keeps precision.
pub fn truncated_normal_cdf(x: f64, alpha: f64, beta: f64) -> f64 {
    if x <= alpha {
        return 0.0;
    }
    if x >= beta {
        return 1.0;
    }
    if alpha >= 0.0 {
        // Upper tail: (Q(alpha) - Q(x)) / (Q(alpha) - Q(beta)).
        (normal_sf(alpha) - normal_sf(x)) / (normal_sf(alpha) - normal_sf(beta))
    } else {
        (normal_cdf(x) - normal_cdf(alpha)) / (normal_cdf(beta) - normal_cdf(alpha))
    }
}

/// Result of a one-sample Kolmogorov-Smirnov test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsResult {
    /// `D = sup |F_n(x) - F(x)|`.
    pub d: f64,
    /// Asymptotic p-value `P(K > D sqrt n)` from the Kolmogorov distribution (with Stephens' 1970
    /// small-sample correction `sqrt n + 0.12 + 0.11 / sqrt n`).
    pub p: f64,
    /// Sample size.
    pub n: usize,
}

/// One-sample KS test of `samples` against the continuous CDF `cdf`. Sorts `samples` in place. NaNs sort
/// last and count as a total mismatch (p = 0).
pub fn ks_test(samples: &mut [f64], cdf: impl Fn(f64) -> f64) -> KsResult {
    let n = samples.len();
    if n == 0 {
        return KsResult { d: 0.0, p: 1.0, n };
    }
    samples.sort_unstable_by(|a, b| a.total_cmp(b));
    if samples.iter().any(|x| x.is_nan()) {
        return KsResult { d: 1.0, p: 0.0, n };
    }
    let nf = n as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in samples.iter().enumerate() {
        let f = cdf(x);
        let lo = i as f64 / nf;
        let hi = (i + 1) as f64 / nf;
        d = d.max(f - lo).max(hi - f);
    }
    let sn = libm::sqrt(nf);
    KsResult { d, p: kolmogorov_sf((sn + 0.12 + 0.11 / sn) * d), n }
}

/// Survival function of the Kolmogorov distribution, `P(K > t) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 t^2)`.
pub fn kolmogorov_sf(t: f64) -> f64 {
    if t < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let kf = k as f64;
        let term = libm::exp(-2.0 * kf * kf * t * t);
        sum += if k % 2 == 1 { term } else { -term };
        if term < 1e-18 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// Mean, variance (unbiased), skewness and excess kurtosis of a sample, by a two-pass method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Sample mean.
    pub mean: f64,
    /// Unbiased sample variance.
    pub var: f64,
    /// Skewness `m3 / m2^1.5`.
    pub skew: f64,
    /// Excess kurtosis `m4 / m2^2 - 3`.
    pub excess_kurtosis: f64,
}

/// Moments of `xs` (at least 2 values; fewer give NaNs).
pub fn moments(xs: impl Iterator<Item = f64> + Clone) -> Moments {
    let (mut n, mut sum) = (0usize, 0.0);
    for x in xs.clone() {
        n += 1;
        sum += x;
    }
    let nf = n as f64;
    let mean = sum / nf;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for x in xs {
        let d = x - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let var = m2 / (nf - 1.0);
    let (m2, m3, m4) = (m2 / nf, m3 / nf, m4 / nf);
    Moments { mean, var, skew: m3 / libm::pow(m2, 1.5), excess_kurtosis: m4 / (m2 * m2) - 3.0 }
}
