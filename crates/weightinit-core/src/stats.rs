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

/// A statistical check that rejected a sample: which check, the statistic, and the bound it broke.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckFailure {
    /// Name of the check, e.g. `"variance"`.
    pub check: &'static str,
    /// The statistic measured (a p-value for KS, a ratio or count otherwise).
    pub statistic: f64,
    /// The bound it had to satisfy.
    pub bound: f64,
}

impl core::fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} check failed: statistic {} vs bound {}", self.check, self.statistic, self.bound)
    }
}

/// The p-value below which a Kolmogorov-Smirnov check rejects (as PyTorch's own init tests use).
pub const KS_MIN_P: f64 = 1e-4;
/// Moment and count checks reject a deviation beyond this many standard errors.
pub const Z_BOUND: f64 = 5.0;

fn fail(check: &'static str, statistic: f64, bound: f64) -> CheckFailure {
    CheckFailure { check, statistic, bound }
}

/// Checks a sample against N(mean, std^2): KS (p > [`KS_MIN_P`]), mean, variance and excess kurtosis within
/// [`Z_BOUND`] standard errors (`std / sqrt n`, `sqrt(2 / (n - 1))` relative, `sqrt(24 / n)`), and the counts
/// beyond 3, 4 and 5 std within `Z_BOUND` binomial standard deviations (+2 for small counts). Sorts
/// `samples` in place. Needs `std > 0`.
///
/// With n = 10^6, an std off by 1% (14 standard errors on the variance), a missing tail beyond 4 std (63
/// expected, 0 seen) or a sign bias of 1% (16 standard errors on the mean) are all rejected.
pub fn check_normal(samples: &mut [f64], mean: f64, std: f64) -> core::result::Result<(), CheckFailure> {
    let n = samples.len() as f64;
    let m = moments(samples.iter().copied());
    let se_mean = std / libm::sqrt(n);
    if libm::fabs(m.mean - mean) > Z_BOUND * se_mean {
        return Err(fail("mean", m.mean, mean));
    }
    let rel_var = m.var / (std * std) - 1.0;
    if libm::fabs(rel_var) > Z_BOUND * libm::sqrt(2.0 / (n - 1.0)) {
        return Err(fail("variance", m.var, std * std));
    }
    if libm::fabs(m.excess_kurtosis) > Z_BOUND * libm::sqrt(24.0 / n) {
        return Err(fail("excess kurtosis", m.excess_kurtosis, 0.0));
    }
    for k in [3.0, 4.0, 5.0] {
        let p = 2.0 * normal_sf(k);
        let expected = n * p;
        let seen = samples.iter().filter(|&&x| libm::fabs(x - mean) > k * std).count() as f64;
        let bound = Z_BOUND * libm::sqrt(n * p * (1.0 - p)) + 2.0;
        if libm::fabs(seen - expected) > bound {
            return Err(fail(
                ["tail beyond 3 std", "tail beyond 4 std", "tail beyond 5 std"][k as usize - 3],
                seen,
                expected,
            ));
        }
    }
    let ks = ks_test(samples, |x| normal_cdf((x - mean) / std));
    if ks.p <= KS_MIN_P {
        return Err(fail("Kolmogorov-Smirnov", ks.p, KS_MIN_P));
    }
    Ok(())
}

/// Checks a sample against U[low, high): every value inside, mean and variance within [`Z_BOUND`] standard
/// errors, KS p > [`KS_MIN_P`]. Sorts `samples` in place.
pub fn check_uniform(samples: &mut [f64], low: f64, high: f64) -> core::result::Result<(), CheckFailure> {
    let n = samples.len() as f64;
    if let Some(&x) = samples.iter().find(|&&x| !(low <= x && x < high)) {
        return Err(fail("bounds", x, if x < low { low } else { high }));
    }
    let w = high - low;
    let m = moments(samples.iter().copied());
    let var = w * w / 12.0;
    if libm::fabs(m.mean - (low + high) / 2.0) > Z_BOUND * libm::sqrt(var / n) {
        return Err(fail("mean", m.mean, (low + high) / 2.0));
    }
    // Var(s^2) = (mu4 - sigma^4 (n - 3) / (n - 1)) / n with mu4 = w^4 / 80 for the uniform.
    let se_var = libm::sqrt((w * w * w * w / 80.0 - var * var) / n);
    if libm::fabs(m.var - var) > Z_BOUND * se_var {
        return Err(fail("variance", m.var, var));
    }
    let ks = ks_test(samples, |x| ((x - low) / w).clamp(0.0, 1.0));
    if ks.p <= KS_MIN_P {
        return Err(fail("Kolmogorov-Smirnov", ks.p, KS_MIN_P));
    }
    Ok(())
}

/// Checks a sample against N(mean, std^2) truncated to `[a, b]`: every value inside `[a, b]`, KS against
/// the truncated CDF p > [`KS_MIN_P`]. Sorts `samples` in place.
pub fn check_truncated_normal(
    samples: &mut [f64],
    mean: f64,
    std: f64,
    a: f64,
    b: f64,
) -> core::result::Result<(), CheckFailure> {
    if let Some(&x) = samples.iter().find(|&&x| !(a <= x && x <= b)) {
        return Err(fail("bounds", x, if x < a { a } else { b }));
    }
    let (alpha, beta) = ((a - mean) / std, (b - mean) / std);
    let ks = ks_test(samples, |x| truncated_normal_cdf((x - mean) / std, alpha, beta));
    if ks.p <= KS_MIN_P {
        return Err(fail("Kolmogorov-Smirnov", ks.p, KS_MIN_P));
    }
    Ok(())
}
