//! Vector kernels that gemm's vector shapes and the trainer share: the dot product, the row product
//! `c += alpha x B` (gemv with B's rows contiguous) and a bounds check, each one `#[inline(always)]` body
//! compiled for the best ISA through [`WithSimd`].

use crate::float::Float;
use crate::simd::{self, Wide, WithSimd};

/// Defines `pub(crate) fn $name`: the shared `#[inline(always)]` body `$body` as a [`WithSimd`] op, run on
/// [`simd::best`] (so it is compiled for AVX-512F, AVX2 + FMA or the portable target). Rust never fuses a
/// separate multiply and add, so every path does the same IEEE operations.
macro_rules! best_isa_fn {
    ($(#[$doc:meta])* $name:ident = $body:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        $(#[$doc])*
        #[allow(clippy::unused_unit)]
        pub(crate) fn $name<'a, T: Float>($($arg: $ty),*) -> $ret {
            struct Op<'a, T> {
                $($arg: $ty),*
            }
            impl<'a, T: Float> WithSimd for Op<'a, T> {
                type Output = $ret;
                #[inline(always)]
                fn with_simd<S: Wide>(self, _: S) -> $ret {
                    let Op { $($arg),* } = self;
                    $body($($arg),*)
                }
            }
            simd::best().run(Op { $($arg),* })
        }
    };
}
pub(crate) use best_isa_fn;

/// `c[j] += sum_p (alpha x[p xs]) b[p ldb + j]` for `j < c.len()`, `p < k` (the shared body;
/// `#[target_feature]` wrappers below widen its vectors): 64 columns of `c` at a time (f32; 32 for f64)
/// stay in registers, then 32, 8, 4, 1, while B's rows stream past once, each element summed in order of
/// `p` as `c += (alpha x_p) b_pj` (a multiply, then an add).
#[inline(always)]
fn gemv_rows_body<T: Float>(alpha: T, x: &[T], xs: usize, k: usize, b: &[T], ldb: usize, c: &mut [T]) {
    #[inline(always)]
    fn chunk<T: Float, const W: usize>(alpha: T, x: &[T], xs: usize, k: usize, b: &[T], ldb: usize, c: &mut [T; W]) {
        let mut acc = *c;
        for p in 0..k {
            let s = alpha * x[p * xs];
            let row: &[T; W] = b[p * ldb..p * ldb + W].try_into().expect("W values");
            for j in 0..W {
                acc[j] += s * row[j];
            }
        }
        *c = acc;
    }
    if k == 0 {
        return; // nothing to add (and B may be empty)
    }
    // Eight 256-bit vectors of f32 (64 columns) hide the add latency on AVX2; f64 takes 32 columns.
    let wide = core::mem::size_of::<T>() == 4;
    let n = c.len();
    let mut j0 = 0;
    while j0 < n {
        let rest = &mut c[j0..];
        j0 += match () {
            _ if wide && rest.len() >= 64 => {
                chunk::<T, 64>(alpha, x, xs, k, &b[j0..], ldb, rest.first_chunk_mut().expect("64"));
                64
            }
            _ if rest.len() >= 32 => {
                chunk::<T, 32>(alpha, x, xs, k, &b[j0..], ldb, rest.first_chunk_mut().expect("32"));
                32
            }
            _ if rest.len() >= 8 => {
                chunk::<T, 8>(alpha, x, xs, k, &b[j0..], ldb, rest.first_chunk_mut().expect("8"));
                8
            }
            _ if rest.len() >= 4 => {
                chunk::<T, 4>(alpha, x, xs, k, &b[j0..], ldb, rest.first_chunk_mut().expect("4"));
                4
            }
            _ => {
                chunk::<T, 1>(alpha, x, xs, k, &b[j0..], ldb, rest.first_chunk_mut().expect("1"));
                1
            }
        };
    }
}

/// `sum x[i] y[i]` with 16 independent partial sums, so the compiler can vectorize it.
#[inline(always)]
fn dot_body<T: Float>(x: &[T], y: &[T]) -> T {
    let mut acc = [T::ZERO; 16];
    let mut xc = x.chunks_exact(16);
    let mut yc = y.chunks_exact(16);
    for (a, b) in (&mut xc).zip(&mut yc) {
        for l in 0..16 {
            acc[l] += a[l] * b[l];
        }
    }
    let mut s = T::ZERO;
    for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
        s += *a * *b;
    }
    for a in acc {
        s += a;
    }
    s
}

/// Whether `-limit <= x[i] <= limit` for every `i` (false if any is NaN): no early exit inside a chunk
/// of 256, so the compares vectorize.
#[inline(always)]
fn all_within_body<T: Float>(x: &[T], limit: T) -> bool {
    let neg = T::ZERO - limit;
    x.chunks(256).all(|c| c.iter().fold(true, |ok, &v| ok & (v <= limit) & (neg <= v)))
}

best_isa_fn!(
    /// [`all_within_body`], vectorized for the best ISA.
    all_within = all_within_body(x: &'a [T], limit: T) -> bool
);
best_isa_fn!(
    /// `sum x[i] y[i]`, vectorized for the best ISA (16 partial sums, then their sum in order).
    dot = dot_body(x: &'a [T], y: &'a [T]) -> T
);
best_isa_fn!(
    /// [`gemv_rows_body`] vectorized for the best ISA.
    gemv_rows_any = gemv_rows_body(alpha: T, x: &'a [T], xs: usize, k: usize, b: &'a [T], ldb: usize, c: &'a mut [T]) -> ()
);

/// `c[j] += sum_p (alpha x[p xs]) b[p ldb + j]` for `j < c.len()`, `p < k` (the `m == 1` product with
/// B's rows contiguous), with the columns of `c` kept in registers while B's rows stream past once (an
/// `axpy` per row of B read and wrote `c` again for every `p`, which bound the batch-1 forward). f32 on
/// AVX-512 takes an explicit kernel (up to 128 columns in 8 zmm registers, the last vector masked, fused
/// multiply-adds); everything else [`gemv_rows_body`]. Panics if `x` or `b` is too short for `k`, `xs`,
/// `ldb` and `c.len()` (callers pass checked views).
pub(crate) fn gemv_rows<T: Float>(alpha: T, x: &[T], xs: usize, k: usize, b: &[T], ldb: usize, c: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    if simd::best() == simd::Isa::Avx512
        && let (Some(x), Some(b)) = (T::f32s(x), T::f32s(b))
        && let Some(c) = T::f32s_mut(c)
    {
        return simd::x86::gemm::sgemv_rows(alpha.to_f64() as f32, x, xs, k, b, ldb, c);
    }
    gemv_rows_any(alpha, x, xs, k, b, ldb, c)
}
