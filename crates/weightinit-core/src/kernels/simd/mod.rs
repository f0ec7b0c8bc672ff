//! Instruction-set selection and the x86-64 SIMD microkernels. The only module with `unsafe`.
//!
//! Following matrixmultiply: each kernel is one `#[inline(always)]` body (or intrinsic loop) behind a thin
//! `#[target_feature]` wrapper; the ISA is chosen once, at run time under `std`
//! (`is_x86_feature_detected!`), at compile time (`cfg(target_feature)`) otherwise. The environment variable
//! `WEIGHTINIT_ISA=portable|avx2|avx512` (std only) forces a lower path, so tests run every path.

#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod lanes;

/// An instruction set a kernel can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// Plain Rust the compiler vectorizes for the target (every target; what embedded targets run).
    Portable,
    /// x86-64 AVX2 + FMA.
    Avx2,
    /// x86-64 AVX-512F.
    Avx512,
}

impl Isa {
    /// Name (`"portable"`, `"avx2"`, `"avx512"`).
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }
}

/// Whether this CPU can run `isa`.
pub fn available(isa: Isa) -> bool {
    match isa {
        Isa::Portable => true,
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        Isa::Avx2 => std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma"),
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        Isa::Avx512 => std::is_x86_feature_detected!("avx512f"),
        #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
        Isa::Avx2 => cfg!(all(target_feature = "avx2", target_feature = "fma")),
        #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
        Isa::Avx512 => cfg!(target_feature = "avx512f"),
        #[cfg(not(target_arch = "x86_64"))]
        _ => false,
    }
}

/// The best ISA available (and allowed by `WEIGHTINIT_ISA` under `std`), detected once.
pub fn best() -> Isa {
    #[cfg(feature = "std")]
    {
        use core::sync::atomic::{AtomicU8, Ordering};
        static CACHE: AtomicU8 = AtomicU8::new(0);
        let code = match CACHE.load(Ordering::Relaxed) {
            0 => {
                let isa = detect();
                let c = match isa {
                    Isa::Portable => 1,
                    Isa::Avx2 => 2,
                    Isa::Avx512 => 3,
                };
                CACHE.store(c, Ordering::Relaxed);
                c
            }
            c => c,
        };
        match code {
            3 => Isa::Avx512,
            2 => Isa::Avx2,
            _ => Isa::Portable,
        }
    }
    #[cfg(not(feature = "std"))]
    detect()
}

fn detect() -> Isa {
    #[cfg(feature = "std")]
    let cap = match std::env::var("WEIGHTINIT_ISA").as_deref() {
        Ok("portable") => Isa::Portable,
        Ok("avx2") => Isa::Avx2,
        _ => Isa::Avx512,
    };
    #[cfg(not(feature = "std"))]
    let cap = Isa::Avx512;
    if cap == Isa::Avx512 && available(Isa::Avx512) {
        Isa::Avx512
    } else if cap != Isa::Portable && available(Isa::Avx2) {
        Isa::Avx2
    } else {
        Isa::Portable
    }
}

/// `y += s * x` (the shared body; `#[target_feature]` wrappers below widen its vectors).
#[inline(always)]
fn axpy_body<T: crate::Float>(s: T, x: &[T], y: &mut [T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += s * xi;
    }
}

/// `sum x[i] y[i]` with 16 independent partial sums, so the compiler can vectorize it.
#[inline(always)]
fn dot_body<T: crate::Float>(x: &[T], y: &[T]) -> T {
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

/// SGD with momentum, element-wise: `v = momentum * v + g; w -= lr * v` (no fused multiply-add, so every
/// path gives the same bits).
#[inline(always)]
fn sgd_body<T: crate::Float>(w: &mut [T], g: &[T], v: &mut [T], lr: T, momentum: T) {
    for ((wi, &gi), vi) in w.iter_mut().zip(g).zip(v.iter_mut()) {
        *vi = momentum * *vi + gi;
        *wi -= lr * *vi;
    }
}

/// [`sgd_body`], vectorized for the best ISA.
pub(crate) fn sgd<T: crate::Float>(w: &mut [T], g: &[T], v: &mut [T], lr: T, momentum: T) {
    #[cfg(target_arch = "x86_64")]
    match best() {
        // SAFETY: `best()` only returns an ISA the CPU supports.
        Isa::Avx512 => return unsafe { x86::sgd_avx512(w, g, v, lr, momentum) },
        // SAFETY: as above.
        Isa::Avx2 => return unsafe { x86::sgd_avx2(w, g, v, lr, momentum) },
        Isa::Portable => {}
    }
    sgd_body(w, g, v, lr, momentum)
}

/// `dst[j * 16 + i] = src[base + i * rs + j]` for `i, j < 16` (a 16 x 16 block of a row-major matrix,
/// transposed) with AVX-512 shuffles; returns false (doing nothing) without AVX-512 or when the block does
/// not fit `src` or `dst`.
pub(crate) fn transpose16_f32(src: &[f32], base: usize, rs: usize, dst: &mut [f32]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if best() == Isa::Avx512 {
        return x86::transpose16(src, base, rs, dst);
    }
    let _ = (src, base, rs, dst);
    false
}

/// `y += s * x`, vectorized for the best ISA.
pub(crate) fn axpy<T: crate::Float>(s: T, x: &[T], y: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    match best() {
        // SAFETY: `best()` only returns an ISA the CPU supports (detected or compiled in).
        Isa::Avx512 => return unsafe { x86::axpy_avx512(s, x, y) },
        // SAFETY: as above.
        Isa::Avx2 => return unsafe { x86::axpy_avx2(s, x, y) },
        Isa::Portable => {}
    }
    axpy_body(s, x, y)
}

/// `sum x[i] y[i]`, vectorized for the best ISA (16 partial sums, then their sum in order).
pub(crate) fn dot<T: crate::Float>(x: &[T], y: &[T]) -> T {
    #[cfg(target_arch = "x86_64")]
    match best() {
        // SAFETY: `best()` only returns an ISA the CPU supports.
        Isa::Avx512 => return unsafe { x86::dot_avx512(x, y) },
        // SAFETY: as above.
        Isa::Avx2 => return unsafe { x86::dot_avx2(x, y) },
        Isa::Portable => {}
    }
    dot_body(x, y)
}

/// Runs the blocked gemm loop nest compiled for `isa` (so packing and write-back use its vector width).
#[allow(clippy::too_many_arguments)]
pub(crate) fn blocked_for_isa<T: crate::Float>(
    isa: Isa,
    kern: crate::kernels::gemm::Kernel<T>,
    alpha: T,
    a: crate::kernels::MatRef<'_, T>,
    b: crate::kernels::MatRef<'_, T>,
    beta: T,
    c: crate::kernels::MatMut<'_, T>,
    ep: crate::kernels::Epilogue<'_, T>,
    apack: &mut [T],
    bpack: &mut [T],
) {
    use crate::kernels::gemm::blocked_in;
    #[cfg(target_arch = "x86_64")]
    match isa {
        Isa::Avx512 => {
            // SAFETY: a kernel of ISA `isa` is only constructed after `available(isa)` or `best()` said the
            // CPU has it.
            return unsafe { x86::blocked_avx512(kern, alpha, a, b, beta, c, ep, apack, bpack) };
        }
        Isa::Avx2 => {
            // SAFETY: as above.
            return unsafe { x86::blocked_avx2(kern, alpha, a, b, beta, c, ep, apack, bpack) };
        }
        Isa::Portable => {}
    }
    let _ = isa;
    blocked_in(kern, alpha, a, b, beta, c, ep, apack, bpack)
}

macro_rules! bulk_dispatch {
    ($name:ident, $body:ident, $wrap512:ident, $wrap2:ident, ($($arg:ident: $ty:ty),*)) => {
        /// Runs the bulk body on `isa` (falls back to portable when the CPU lacks it).
        pub(crate) fn $name($($arg: $ty),*, isa: Isa) {
            #[cfg(target_arch = "x86_64")]
            match isa {
                Isa::Avx512 if available(Isa::Avx512) => {
                    // SAFETY: AVX-512F availability was checked just now.
                    return unsafe { x86::$wrap512($($arg),*) };
                }
                Isa::Avx2 if available(Isa::Avx2) => {
                    // SAFETY: AVX2 and FMA availability was checked just now.
                    return unsafe { x86::$wrap2($($arg),*) };
                }
                _ => {}
            }
            let _ = isa;
            crate::kernels::bulk::body::$body($($arg),*)
        }
    };
}

bulk_dispatch!(bulk_uniform_f32, uniform_f32, uniform_f32_avx512, uniform_f32_avx2,
    (stream: &crate::Stream, offset: u64, out: &mut [f32], p: &crate::kernels::bulk::UniformParams<f32>));
bulk_dispatch!(bulk_uniform_f64, uniform_f64, uniform_f64_avx512, uniform_f64_avx2,
    (stream: &crate::Stream, offset: u64, out: &mut [f64], p: &crate::kernels::bulk::UniformParams<f64>));
bulk_dispatch!(bulk_normal_f32, normal_f32, normal_f32_avx512, normal_f32_avx2,
    (stream: &crate::Stream, offset: u64, out: &mut [f32], mean: f32, std: f32));
bulk_dispatch!(bulk_truncated_f32, truncated_f32, truncated_f32_avx512, truncated_f32_avx2,
    (stream: &crate::Stream, offset: u64, out: &mut [f32], t: &crate::kernels::bulk::TruncParams));

pub(crate) fn dispatch_constant_f32(isa: Isa, out: &mut [f32], value: f32) {
    #[cfg(target_arch = "x86_64")]
    match isa {
        Isa::Avx512 if available(Isa::Avx512) => {
            // SAFETY: AVX-512F availability was checked just now.
            return unsafe { x86::constant_f32_avx512(out, value) };
        }
        Isa::Avx2 if available(Isa::Avx2) => {
            // SAFETY: AVX2 availability was checked just now.
            return unsafe { x86::constant_f32_avx2(out, value) };
        }
        _ => {}
    }
    let _ = isa;
    crate::kernels::bulk::wide_constant_f32(crate::kernels::vmath::Lanes16, out, value)
}

pub(crate) fn dispatch_uniform_f32(
    isa: Isa,
    stream: &crate::Stream,
    offset: u64,
    out: &mut [f32],
    p: &crate::kernels::bulk::UniformParams<f32>,
) {
    bulk_uniform_f32(stream, offset, out, p, isa)
}

pub(crate) fn dispatch_uniform_f64(
    isa: Isa,
    stream: &crate::Stream,
    offset: u64,
    out: &mut [f64],
    p: &crate::kernels::bulk::UniformParams<f64>,
) {
    bulk_uniform_f64(stream, offset, out, p, isa)
}

pub(crate) fn dispatch_normal_f32(isa: Isa, stream: &crate::Stream, offset: u64, out: &mut [f32], mean: f32, std: f32) {
    bulk_normal_f32(stream, offset, out, mean, std, isa)
}

pub(crate) fn dispatch_truncated_f32(
    isa: Isa,
    stream: &crate::Stream,
    offset: u64,
    out: &mut [f32],
    t: &crate::kernels::bulk::TruncParams,
) {
    bulk_truncated_f32(stream, offset, out, t, isa)
}

macro_rules! matrixmultiply_call {
    ($name:ident, $t:ty, $f:path) => {
        /// `matrixmultiply`'s gemm over checked views.
        #[cfg(feature = "std")]
        pub(crate) fn $name(
            alpha: $t,
            a: crate::kernels::MatRef<'_, $t>,
            b: crate::kernels::MatRef<'_, $t>,
            beta: $t,
            c: crate::kernels::MatMut<'_, $t>,
        ) {
            assert!(a.cols == b.rows && c.rows == a.rows && c.cols == b.cols);
            // SAFETY: the views were bounds-checked at construction (every index they address lies inside
            // their slices), C's strides do not alias (`MatMut::new`), the shapes agree (asserted above),
            // and a slice index fits in isize (slices hold at most isize::MAX bytes).
            unsafe {
                $f(
                    a.rows,
                    a.cols,
                    b.cols,
                    alpha,
                    a.data.as_ptr(),
                    a.rs as isize,
                    a.cs as isize,
                    b.data.as_ptr(),
                    b.rs as isize,
                    b.cs as isize,
                    beta,
                    c.data.as_mut_ptr(),
                    c.rs as isize,
                    c.cs as isize,
                )
            }
        }
    };
}

matrixmultiply_call!(matrixmultiply_f32, f32, matrixmultiply::sgemm);
matrixmultiply_call!(matrixmultiply_f64, f64, matrixmultiply::dgemm);

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86 {
    use core::arch::x86_64::*;

    use super::{axpy_body, dot_body, sgd_body};

    #[target_feature(enable = "avx512f")]
    pub(super) fn sgd_avx512<T: crate::Float>(w: &mut [T], g: &[T], v: &mut [T], lr: T, momentum: T) {
        sgd_body(w, g, v, lr, momentum)
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn sgd_avx2<T: crate::Float>(w: &mut [T], g: &[T], v: &mut [T], lr: T, momentum: T) {
        sgd_body(w, g, v, lr, momentum)
    }

    macro_rules! blocked_wrapper {
        ($name:ident, $features:literal) => {
            #[allow(clippy::too_many_arguments)]
            #[target_feature(enable = $features)]
            pub(super) fn $name<T: crate::Float>(
                kern: crate::kernels::gemm::Kernel<T>,
                alpha: T,
                a: crate::kernels::MatRef<'_, T>,
                b: crate::kernels::MatRef<'_, T>,
                beta: T,
                c: crate::kernels::MatMut<'_, T>,
                ep: crate::kernels::Epilogue<'_, T>,
                apack: &mut [T],
                bpack: &mut [T],
            ) {
                crate::kernels::gemm::blocked_in(kern, alpha, a, b, beta, c, ep, apack, bpack)
            }
        };
    }
    macro_rules! bulk_wrapper {
        ($name:ident, $features:literal, $body:ident, ($($arg:ident: $ty:ty),*)) => {
            #[target_feature(enable = $features)]
            pub(super) fn $name($($arg: $ty),*) {
                crate::kernels::bulk::body::$body($($arg),*)
            }
        };
    }
    bulk_wrapper!(uniform_f64_avx512, "avx512f", uniform_f64,
        (stream: &crate::Stream, offset: u64, out: &mut [f64], p: &crate::kernels::bulk::UniformParams<f64>));
    bulk_wrapper!(uniform_f64_avx2, "avx2", uniform_f64,
        (stream: &crate::Stream, offset: u64, out: &mut [f64], p: &crate::kernels::bulk::UniformParams<f64>));
    /// Explicit-SIMD bulk bodies: the token is created inside the `#[target_feature]` function.
    macro_rules! wide_wrapper {
        ($name:ident, $features:literal, $tok:ident, $body:ident, ($($arg:ident: $ty:ty),*)) => {
            #[target_feature(enable = $features)]
            pub(super) fn $name($($arg: $ty),*) {
                // SAFETY: this function is compiled for `$features` and only called after the dispatcher
                // checked the CPU supports them.
                let s = unsafe { super::lanes::$tok::new() };
                crate::kernels::bulk::$body(s, $($arg),*)
            }
        };
    }
    wide_wrapper!(constant_f32_avx512, "avx512f", Avx512, wide_constant_f32, (out: &mut [f32], value: f32));
    wide_wrapper!(constant_f32_avx2, "avx2", Avx2, wide_constant_f32, (out: &mut [f32], value: f32));
    wide_wrapper!(uniform_f32_avx512, "avx512f", Avx512, wide_uniform_f32,
        (stream: &crate::Stream, offset: u64, out: &mut [f32], p: &crate::kernels::bulk::UniformParams<f32>));
    wide_wrapper!(uniform_f32_avx2, "avx2", Avx2, wide_uniform_f32,
        (stream: &crate::Stream, offset: u64, out: &mut [f32], p: &crate::kernels::bulk::UniformParams<f32>));
    wide_wrapper!(normal_f32_avx512, "avx512f", Avx512, wide_normal_f32,
        (stream: &crate::Stream, offset: u64, out: &mut [f32], mean: f32, std: f32));
    wide_wrapper!(normal_f32_avx2, "avx2", Avx2, wide_normal_f32,
        (stream: &crate::Stream, offset: u64, out: &mut [f32], mean: f32, std: f32));
    wide_wrapper!(truncated_f32_avx512, "avx512f", Avx512, wide_truncated_f32,
        (stream: &crate::Stream, offset: u64, out: &mut [f32], t: &crate::kernels::bulk::TruncParams));
    wide_wrapper!(truncated_f32_avx2, "avx2", Avx2, wide_truncated_f32,
        (stream: &crate::Stream, offset: u64, out: &mut [f32], t: &crate::kernels::bulk::TruncParams));

    blocked_wrapper!(blocked_avx512, "avx512f");
    blocked_wrapper!(blocked_avx2, "avx2,fma");

    #[target_feature(enable = "avx512f")]
    pub(super) fn axpy_avx512<T: crate::Float>(s: T, x: &[T], y: &mut [T]) {
        axpy_body(s, x, y)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn axpy_avx2<T: crate::Float>(s: T, x: &[T], y: &mut [T]) {
        axpy_body(s, x, y)
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn dot_avx512<T: crate::Float>(x: &[T], y: &[T]) -> T {
        dot_body(x, y)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn dot_avx2<T: crate::Float>(x: &[T], y: &[T]) -> T {
        dot_body(x, y)
    }

    /// The checked entry of [`transpose16_avx512`] (AVX-512 availability is the caller's check).
    pub(crate) fn transpose16(src: &[f32], base: usize, rs: usize, dst: &mut [f32]) -> bool {
        let last = rs.checked_mul(15).and_then(|o| o.checked_add(base)).and_then(|o| o.checked_add(16));
        if dst.len() < 256 || last.is_none_or(|l| l > src.len()) {
            return false;
        }
        // SAFETY: the caller saw `best() == Avx512`; rows `base + i * rs .. + 16` for i < 16 lie inside `src`
        // (checked above: the last one ends at `base + 15 rs + 16 <= src.len()`), and `dst` holds 256 values.
        unsafe { transpose16_avx512(src.as_ptr().add(base), rs, dst.as_mut_ptr()) };
        true
    }

    /// 16 x 16 transpose in registers: 32-bit and 64-bit unpacks, then two rounds of 128-bit lane shuffles.
    #[target_feature(enable = "avx512f")]
    unsafe fn transpose16_avx512(src: *const f32, rs: usize, dst: *mut f32) {
        // SAFETY: the caller guarantees 16 rows of 16 values at `src + i * rs`.
        let r: [__m512; 16] = core::array::from_fn(|i| unsafe { _mm512_loadu_ps(src.add(i * rs)) });
        let mut t = [_mm512_setzero_ps(); 16];
        for k in 0..8 {
            t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
            t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
        }
        let mut u = [_mm512_setzero_ps(); 16];
        for k in 0..4 {
            let (a, b, c, d) = (t[4 * k], t[4 * k + 1], t[4 * k + 2], t[4 * k + 3]);
            let pd = |x: __m512| _mm512_castps_pd(x);
            u[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(a), pd(c)));
            u[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(a), pd(c)));
            u[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(b), pd(d)));
            u[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(b), pd(d)));
        }
        // 128-bit blocks: first pair rows 4 apart, then rows 8 apart.
        for h in 0..2 {
            for q in 0..4 {
                let (x, y) = (u[8 * h + q], u[8 * h + q + 4]);
                t[8 * h + q] = _mm512_shuffle_f32x4::<0x88>(x, y);
                t[8 * h + q + 4] = _mm512_shuffle_f32x4::<0xdd>(x, y);
            }
        }
        for q in 0..8 {
            let (x, y) = (t[q], t[q + 8]);
            let lo = _mm512_shuffle_f32x4::<0x88>(x, y);
            let hi = _mm512_shuffle_f32x4::<0xdd>(x, y);
            // SAFETY: the caller guarantees 256 values at `dst`; rows q and q + 8 are < 16.
            unsafe {
                _mm512_storeu_ps(dst.add(q * 16), lo);
                _mm512_storeu_ps(dst.add((q + 8) * 16), hi);
            }
        }
    }

    /// AVX-512 f32 microkernel, 16 x 16: 16 zmm accumulators, one B row load and 16 broadcast-FMAs per step.
    pub(crate) fn sgemm_16x16(k: usize, pa: &[f32], pb: &[f32], tile: &mut [f32]) {
        assert!(pa.len() >= k * 16 && pb.len() >= k * 16 && tile.len() >= 256);
        // SAFETY: this kernel is only selected when AVX-512F is available (`simd::best`), and the lengths
        // were checked above, so every load and store below is in bounds.
        unsafe { sgemm_16x16_avx512(k, pa.as_ptr(), pb.as_ptr(), tile.as_mut_ptr()) }
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn sgemm_16x16_avx512(k: usize, pa: *const f32, pb: *const f32, tile: *mut f32) {
        let mut c = [_mm512_setzero_ps(); 16];
        for p in 0..k {
            // SAFETY: p < k and the caller checked pb holds k * 16 values, pa k * 16.
            unsafe {
                let b = _mm512_loadu_ps(pb.add(p * 16));
                let a = pa.add(p * 16);
                for (i, ci) in c.iter_mut().enumerate() {
                    *ci = _mm512_fmadd_ps(_mm512_set1_ps(*a.add(i)), b, *ci);
                }
            }
        }
        for (i, ci) in c.iter().enumerate() {
            // SAFETY: the caller checked tile holds 256 values.
            unsafe { _mm512_storeu_ps(tile.add(i * 16), *ci) };
        }
    }

    /// AVX-512 16 x 16 microkernel that updates a full tile of a row-major C in place:
    /// `C = alpha * acc + (first ? beta * C : C)`, skipping the read of C when `first && beta == 0`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sgemm_16x16_c(
        k: usize,
        pa: &[f32],
        pb: &[f32],
        c: &mut [f32],
        ldc: usize,
        alpha: f32,
        beta: f32,
        first: bool,
    ) {
        assert!(pa.len() >= k * 16 && pb.len() >= k * 16 && ldc >= 16 && c.len() >= 15 * ldc + 16);
        // SAFETY: only selected when AVX-512F is available; the asserts above bound every access
        // (row i of the tile is c[i * ldc .. i * ldc + 16], i < 16).
        unsafe { sgemm_16x16_c_avx512(k, pa.as_ptr(), pb.as_ptr(), c.as_mut_ptr(), ldc, alpha, beta, first) }
    }

    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx512f")]
    unsafe fn sgemm_16x16_c_avx512(
        k: usize,
        pa: *const f32,
        pb: *const f32,
        c: *mut f32,
        ldc: usize,
        alpha: f32,
        beta: f32,
        first: bool,
    ) {
        let mut acc = [_mm512_setzero_ps(); 16];
        for p in 0..k {
            // SAFETY: p < k; the caller checked pa and pb hold k * 16 values.
            unsafe {
                let b = _mm512_loadu_ps(pb.add(p * 16));
                let a = pa.add(p * 16);
                for (i, ci) in acc.iter_mut().enumerate() {
                    *ci = _mm512_fmadd_ps(_mm512_set1_ps(*a.add(i)), b, *ci);
                }
            }
        }
        let va = _mm512_set1_ps(alpha);
        let vb = _mm512_set1_ps(beta);
        for (i, ci) in acc.iter().enumerate() {
            // SAFETY: row i < 16 of the tile lies in c[i * ldc .. i * ldc + 16], checked by the caller.
            unsafe {
                let row = c.add(i * ldc);
                let v = if first {
                    if beta == 0.0 {
                        _mm512_mul_ps(va, *ci)
                    } else {
                        _mm512_fmadd_ps(va, *ci, _mm512_mul_ps(vb, _mm512_loadu_ps(row)))
                    }
                } else {
                    _mm512_fmadd_ps(va, *ci, _mm512_loadu_ps(row))
                };
                _mm512_storeu_ps(row, v);
            }
        }
    }

    /// AVX2+FMA f32 microkernel, 6 x 16: 12 ymm accumulators.
    pub(crate) fn sgemm_6x16(k: usize, pa: &[f32], pb: &[f32], tile: &mut [f32]) {
        assert!(pa.len() >= k * 6 && pb.len() >= k * 16 && tile.len() >= 96);
        // SAFETY: only selected when AVX2 and FMA are available; lengths checked above.
        unsafe { sgemm_6x16_avx2(k, pa.as_ptr(), pb.as_ptr(), tile.as_mut_ptr()) }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn sgemm_6x16_avx2(k: usize, pa: *const f32, pb: *const f32, tile: *mut f32) {
        let mut c = [[_mm256_setzero_ps(); 2]; 6];
        for p in 0..k {
            // SAFETY: p < k; the caller checked pa holds k * 6 values and pb k * 16.
            unsafe {
                let b0 = _mm256_loadu_ps(pb.add(p * 16));
                let b1 = _mm256_loadu_ps(pb.add(p * 16 + 8));
                let a = pa.add(p * 6);
                for (i, ci) in c.iter_mut().enumerate() {
                    let ai = _mm256_set1_ps(*a.add(i));
                    ci[0] = _mm256_fmadd_ps(ai, b0, ci[0]);
                    ci[1] = _mm256_fmadd_ps(ai, b1, ci[1]);
                }
            }
        }
        for (i, ci) in c.iter().enumerate() {
            // SAFETY: the caller checked tile holds 96 values.
            unsafe {
                _mm256_storeu_ps(tile.add(i * 16), ci[0]);
                _mm256_storeu_ps(tile.add(i * 16 + 8), ci[1]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn transpose16_matches_the_definition() {
        // A 16 x 16 block at offset 5 of a matrix with row stride 21; distinct values everywhere.
        let src: [f32; 5 + 15 * 21 + 16] = core::array::from_fn(|x| x as f32);
        let mut dst = [0.0f32; 256];
        if !super::transpose16_f32(&src, 5, 21, &mut dst) {
            return; // no AVX-512 here (or under Miri): the generic packing runs instead
        }
        for i in 0..16 {
            for j in 0..16 {
                assert_eq!(dst[j * 16 + i], src[5 + i * 21 + j], "row {i} column {j}");
            }
        }
        // Blocks that do not fit are refused, not read out of bounds.
        assert!(!super::transpose16_f32(&src, 6, 21, &mut dst));
        assert!(!super::transpose16_f32(&src, 0, usize::MAX, &mut dst));
        assert!(!super::transpose16_f32(&src, 5, 21, &mut dst[..255]));
    }
}
