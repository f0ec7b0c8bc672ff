//! General matrix multiply `C = alpha * A * B + beta * C` (transposes and strides through [`MatRef`] views),
//! with an optional fused epilogue (bias, bias + ReLU) on the write-back.
//!
//! Paths ([`GemmPath`]):
//! * **Blocked** (portable, every target): the Goto/BLIS loop nest — `jc` over `NC`-column panels of B,
//!   `pc` over `KC`-deep slices, `ic` over `MC`-row blocks of A, packing both operands into contiguous
//!   micro-panels, then `jr`/`ir` over `MR x NR` register tiles computed by a microkernel. The microkernel
//!   is chosen once: AVX-512F (8 x 32 f32, with an 8 x 16 kernel for a last panel of at most 16 columns,
//!   reading A in place instead of packing it when A's rows or columns are contiguous) or AVX2+FMA
//!   (6 x 16 f32) on x86-64 (runtime detection under
//!   `std`, `cfg(target_feature)` otherwise), or the portable 4 x 8 kernel the compiler vectorizes.
//! * **Gemv**: a `1 x n` or `m x 1` product streams the other operand once with no packing (the batch-1
//!   inference case).
//! * **MatrixMultiply**: the `matrixmultiply` crate (feature `std`).
//! * **Naive**: the triple loop, as a reference.
//!
//! [`GemmPath::Auto`] takes Gemv for vector shapes; under `std`, matrixmultiply for tiny products, when
//! fewer than 8 rows or columns would leave our tiles mostly empty, or when the CPU has no SIMD
//! microkernel; Blocked otherwise (and always on `no_std` targets).

use crate::error::{Error, Result};
use crate::float::Float;
use crate::kernels::mat::{MatMut, MatRef};
use crate::kernels::vector::{dot, gemv_rows};
use crate::simd;

mod blocking;
mod microkernel;
mod pack;

use blocking::blocked;
use microkernel::kernel;

/// Which implementation [`gemm_with`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GemmPath {
    /// The dispatch rule (see the module docs).
    #[default]
    Auto,
    /// The blocked kernel with the best microkernel this CPU has.
    Blocked,
    /// The blocked kernel with the microkernel of this ISA ([`simd::Isa::Portable`] is what embedded targets run).
    /// Errors with [`Error::Unsupported`] when the CPU lacks it.
    BlockedIsa(simd::Isa),
    /// Vector-shaped products without packing (requires `m == 1` or `n == 1`).
    Gemv,
    /// The `matrixmultiply` crate (feature `std`).
    MatrixMultiply,
    /// The naive triple loop.
    Naive,
}

/// Applied to each element of `C` after `alpha * A B + beta * C`, in the same pass.
#[derive(Debug, Clone, Copy)]
pub enum Epilogue<'a, T> {
    /// Nothing.
    None,
    /// `c[i][j] += bias[j]` (one bias per column; `bias.len() == n`).
    Bias(&'a [T]),
    /// `c[i][j] = max(c[i][j] + bias[j], 0)`.
    BiasRelu(&'a [T]),
    /// `c[i][j] = max(c[i][j], 0)`.
    Relu,
}

impl<T: Float> Epilogue<'_, T> {
    #[inline(always)]
    pub(crate) fn apply(&self, j: usize, x: T) -> T {
        match *self {
            Epilogue::None => x,
            Epilogue::Bias(b) => x + b[j],
            Epilogue::BiasRelu(b) => {
                let y = x + b[j];
                if y > T::ZERO { y } else { T::ZERO }
            }
            Epilogue::Relu => {
                if x > T::ZERO {
                    x
                } else {
                    T::ZERO
                }
            }
        }
    }
}

/// `C = alpha * A * B + beta * C` by the [`GemmPath::Auto`] rule. When `beta == 0`, `C` is not read (NaNs
/// in it do not propagate), as in BLAS.
///
/// ```
/// use weightinit_core::kernels::{gemm, MatMut, MatRef};
/// let a = [1.0f32, 2.0, 3.0, 4.0]; // [[1, 2], [3, 4]]
/// let b = [5.0f32, 6.0, 7.0, 8.0];
/// let mut c = [0.0f32; 4];
/// gemm(1.0, MatRef::row_major(&a, 2, 2, 2).unwrap(), MatRef::row_major(&b, 2, 2, 2).unwrap().t(),
///      0.0, MatMut::row_major(&mut c, 2, 2, 2).unwrap()).unwrap();
/// assert_eq!(c, [17.0, 23.0, 39.0, 53.0]); // A * B^T
/// ```
pub fn gemm<T: Float>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: MatMut<'_, T>) -> Result<()> {
    gemm_with(GemmPath::Auto, alpha, a, b, beta, c, Epilogue::None)
}

/// [`gemm`] with an explicit path and a fused epilogue. Errors: `A.cols != B.rows`, `C` not
/// `A.rows x B.cols`, a bias whose length is not `n`, or a path that is not available here.
pub fn gemm_with<T: Float>(
    path: GemmPath,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
    epilogue: Epilogue<'_, T>,
) -> Result<()> {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if b.rows != k {
        return Err(Error::InvalidShape { reason: "gemm: A's columns differ from B's rows" });
    }
    if c.rows != m || c.cols != n {
        return Err(Error::InvalidShape { reason: "gemm: C must be A's rows x B's columns" });
    }
    if let Epilogue::Bias(bias) | Epilogue::BiasRelu(bias) = epilogue
        && bias.len() != n
    {
        return Err(Error::LengthMismatch { expected: n, actual: bias.len() });
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    let path = match path {
        GemmPath::Auto => auto_path::<T>(m, k, n),
        p => p,
    };
    match path {
        GemmPath::Naive => naive(alpha, a, b, beta, c.rb(), epilogue),
        GemmPath::Gemv => {
            if m != 1 && n != 1 {
                return Err(Error::Unsupported { what: "the gemv path needs m == 1 or n == 1" });
            }
            gemv(alpha, a, b, beta, c.rb(), epilogue)
        }
        GemmPath::Blocked => blocked(kernel::<T>(simd::best()), alpha, a, b, beta, c.rb(), epilogue),
        GemmPath::BlockedIsa(isa) => {
            if !simd::available(isa) {
                return Err(Error::Unsupported { what: "this CPU lacks the requested instruction set" });
            }
            blocked(kernel::<T>(isa), alpha, a, b, beta, c.rb(), epilogue)
        }
        GemmPath::MatrixMultiply => {
            #[cfg(feature = "std")]
            {
                microkernel::matrixmultiply(alpha, a, b, beta, c.rb());
                finish_epilogue(c.rb(), epilogue);
            }
            #[cfg(not(feature = "std"))]
            return Err(Error::Unsupported { what: "the matrixmultiply path needs the `std` feature" });
        }
        GemmPath::Auto => unreachable!(),
    }
    Ok(())
}

/// Rows of the microkernel tile [`GemmPath::Blocked`] uses for `T` on this CPU (8 with AVX-512, 6 with
/// AVX2, 4 portable). A blocked gemm on rows `r0..r1` of A and C, with `r0` a multiple of this, computes
/// each element of C with exactly the operations the whole product would: splitting C's rows at such
/// boundaries (for threads) does not change a bit.
pub fn blocked_tile_rows<T: Float>() -> usize {
    kernel::<T>(simd::best()).mr
}

/// The path [`GemmPath::Auto`] takes for an `m x k` by `k x n` product of `T`.
pub fn auto_path<T: Float>(m: usize, k: usize, n: usize) -> GemmPath {
    if m == 1 || n == 1 {
        return GemmPath::Gemv;
    }
    #[cfg(feature = "std")]
    {
        // Measured (examples/gemm_shapes.rs): with SIMD microkernels the blocked path wins from 16^3 on
        // (a trainer's 128 x 100 x 10 products: ~2x), matrixmultiply on tiny products and when fewer than 8
        // rows or columns would leave most of our tile empty; without a SIMD microkernel matrixmultiply
        // wins everywhere but on tiny products.
        let simd = kernel::<T>(simd::best()).isa != simd::Isa::Portable;
        let mnk = m.saturating_mul(n).saturating_mul(k);
        if (simd && (m.min(n) < 8 || mnk < 16 * 16 * 16)) || (!simd && mnk >= 16 * 16 * 16) {
            return GemmPath::MatrixMultiply;
        }
    }
    let _ = k;
    GemmPath::Blocked
}

/// The naive reference: `c = alpha * sum_p a[i][p] b[p][j] + beta * c`, summed in order of `p`.
fn naive<T: Float>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, mut c: MatMut<'_, T>, ep: Epilogue<'_, T>) {
    for i in 0..a.rows {
        for j in 0..b.cols {
            let mut s = T::ZERO;
            for p in 0..a.cols {
                s += *a.at(i, p) * *b.at(p, j);
            }
            let old = if beta == T::ZERO { T::ZERO } else { beta * *c.at_mut(i, j) };
            *c.at_mut(i, j) = ep.apply(j, alpha * s + old);
        }
    }
}

#[cfg(feature = "std")]
fn finish_epilogue<T: Float>(mut c: MatMut<'_, T>, ep: Epilogue<'_, T>) {
    if let Epilogue::None = ep {
        return;
    }
    for i in 0..c.rows {
        for j in 0..c.cols {
            let x = *c.at_mut(i, j);
            *c.at_mut(i, j) = ep.apply(j, x);
        }
    }
}

/// `m == 1` or `n == 1`: stream the matrix operand once, no packing.
fn gemv<T: Float>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, mut c: MatMut<'_, T>, ep: Epilogue<'_, T>) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 1 {
        // c[0][j] = alpha * sum_p a[0][p] b[p][j]
        if b.cs == 1 && c.cs == 1 {
            // Rows of B are contiguous: the row of C is accumulated in registers, B streamed once.
            for j in 0..n {
                let old = if beta == T::ZERO { T::ZERO } else { beta * *c.at_mut(0, j) };
                *c.at_mut(0, j) = old;
            }
            let row = &mut c.data[..n];
            gemv_rows(alpha, a.data, a.cs, k, b.data, b.rs, row);
            for (j, x) in row.iter_mut().enumerate() {
                *x = ep.apply(j, *x);
            }
        } else if b.rs == 1 && a.cs == 1 {
            // Columns of B are contiguous: dot products.
            let av = &a.data[..k];
            for j in 0..n {
                let s = dot(av, &b.data[j * b.cs..j * b.cs + k]);
                let old = if beta == T::ZERO { T::ZERO } else { beta * *c.at_mut(0, j) };
                *c.at_mut(0, j) = ep.apply(j, alpha * s + old);
            }
        } else {
            naive(alpha, a, b, beta, c, ep);
        }
    } else {
        // n == 1: c[i][0] = alpha * sum_p a[i][p] b[p][0]; the transpose of the m == 1 case.
        let bt = b.t();
        let at = a.t();
        let ct = MatMut { data: c.data, rows: 1, cols: m, rs: c.cs, cs: c.rs };
        match ep {
            Epilogue::None | Epilogue::Relu => gemv(alpha, bt, at, beta, ct, ep),
            Epilogue::Bias(bias) | Epilogue::BiasRelu(bias) => {
                // The bias is per column of C (one value): apply it after.
                let mut ct = ct;
                gemv(alpha, bt, at, beta, ct.rb(), Epilogue::None);
                let relu = matches!(ep, Epilogue::BiasRelu(_));
                for j in 0..m {
                    let x = *ct.at_mut(0, j) + bias[0];
                    *ct.at_mut(0, j) = if relu && x <= T::ZERO { T::ZERO } else { x };
                }
            }
        }
    }
}
