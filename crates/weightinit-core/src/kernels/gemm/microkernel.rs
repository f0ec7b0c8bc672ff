//! The microkernels and the table that picks them per type and ISA: the portable 4 x 8 kernel here, the
//! x86-64 ones (AVX-512 8 x 32 with in-place, narrow and transposed-pack variants; AVX2 6 x 16) from
//! [`crate::simd`]'s intrinsics; and the `matrixmultiply` path.

#![allow(unsafe_code)]

use core::any::Any;

use crate::float::Float;
#[cfg(feature = "std")]
use crate::kernels::mat::{MatMut, MatRef};
#[cfg(target_arch = "x86_64")]
use crate::simd;
use crate::simd::Isa;

/// A microkernel: `tile[i * nr + j] = sum_p pa[p * mr + i] * pb[p * nr + j]` for `p < k`.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Kernel<T> {
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(crate) isa: Isa,
    pub(crate) mr: usize,
    pub(crate) nr: usize,
    pub(crate) run: fn(usize, &[T], &[T], &mut [T]),
    /// Width (0: none) of a narrower tile the in-place kernel [`Kernel::run_a`] takes for a last panel of
    /// at most this many columns, so a product whose width is not a multiple of `nr` wastes less than a
    /// whole tile.
    pub(crate) edge_nr: usize,
    /// Optional kernel for a last panel of at most [`NARROW`] columns (see [`RunNarrow`]).
    pub(crate) narrow: Option<RunNarrow<T>>,
    /// Optional variant reading A and B in place (see [`RunA`]); when present it computes every tile, and
    /// only operands without contiguous rows (or columns, for A) are packed.
    pub(crate) run_a: Option<RunA<T>>,
    /// Optional packer for a B stored transposed (see [`PackBt`]); element by element otherwise.
    pub(crate) pack_bt: Option<PackBt<T>>,
}

/// Packs B stored transposed: `(src, ld, kc, cols, dst, nr)` writes `dst[p * nr + j] = src[j * ld + p]` for
/// `p < kc`, `j < cols <= nr`.
pub(crate) type PackBt<T> = fn(&[T], usize, usize, usize, &mut [T], usize);

/// A microkernel reading A and B in place, unpacked:
/// `(tiles, rows, nr, ncols, k, a, rs, cs, b, ldb, c, ldc, alpha, beta, first)` on `tiles` tiles of `rows`
/// (`mr`, or `2 mr` when `2 nr` fits the main kernel's width) rows each, one under the other, of A and C
/// (`tiles * rows` rows in all), with `A[i][p] = a[i * rs + p * cs]`
/// (`rs == 1` or `cs == 1`; a packed panel is `rs = 1, cs = mr`), `B[p][j] = b[p * ldb + j]` for the
/// `ncols <= nr` valid columns (zero beyond), `nr` the tile width; C updated in place:
/// `C = alpha * acc + (first ? beta * C : C)`, not read when `first && beta == 0`.
pub(crate) type RunA<T> =
    fn(usize, usize, usize, usize, usize, &[T], usize, usize, &[T], usize, &mut [T], usize, T, T, bool);

/// Widest last panel the narrow kernel takes.
pub(super) const NARROW: usize = 4;
/// Shallowest depth slice the narrow kernel takes: its dot products along k end in a horizontal sum per
/// element, which a short depth does not pay for (dZ3 W3^T, depth 10: 6.4-7.6 us with it, 5.8-7.1 without, in
/// alternating runs of examples/gemm_step.rs).
pub(super) const NARROW_MIN_K: usize = 32;

/// A narrow-panel kernel: `(w, rows, k, a, rs, cs, bt, out)` writes `out[i * w + j] = sum_p A[i][p] *
/// bt[j * k + p]` for `i < rows`, `j < w <= NARROW`, with `A[i][p] = a[i * rs + p * cs]` (`rs == 1` or
/// `cs == 1`).
pub(crate) type RunNarrow<T> = fn(usize, usize, usize, &[T], usize, usize, &[T], &mut [T]);

/// The portable microkernel, 4 x 8, written so the compiler keeps the tile in vector registers.
pub(crate) fn portable_kernel<T: Float>(k: usize, pa: &[T], pb: &[T], tile: &mut [T]) {
    const MR: usize = 4;
    const NR: usize = 8;
    let mut acc = [[T::ZERO; NR]; MR];
    for (a, b) in pa[..k * MR].chunks_exact(MR).zip(pb[..k * NR].chunks_exact(NR)) {
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] += a[i] * b[j];
            }
        }
    }
    for i in 0..MR {
        tile[i * NR..(i + 1) * NR].copy_from_slice(&acc[i]);
    }
}

/// The portable kernel's table entry: no in-place, narrow or transposed-pack variants.
fn portable<T: Float>() -> Kernel<T> {
    Kernel {
        isa: Isa::Portable,
        mr: 4,
        nr: 8,
        run: portable_kernel::<T>,
        edge_nr: 0,
        run_a: None,
        narrow: None,
        pack_bt: None,
    }
}

/// The f32 kernel of `isa` (the portable one where `isa` has none).
fn kernel_f32(isa: Isa) -> Kernel<f32> {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => Kernel {
            isa,
            mr: 8,
            nr: 32,
            run: simd::x86::gemm::sgemm_8x32,
            edge_nr: 16,
            run_a: Some(simd::x86::gemm::sgemm_8xv_direct),
            narrow: Some(simd::x86::gemm::sgemm_narrow),
            pack_bt: Some(simd::x86::gemm::pack_bt_f32),
        },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => Kernel {
            isa,
            mr: 6,
            nr: 16,
            run: simd::x86::gemm::sgemm_6x16,
            edge_nr: 0,
            run_a: None,
            narrow: None,
            pack_bt: None,
        },
        _ => portable::<f32>(),
    }
}

/// The microkernel for `T` on `isa` (which the caller checked is available): the f32 table, the portable
/// kernel for f64.
pub(crate) fn kernel<T: Float>(isa: Isa) -> Kernel<T> {
    let k32 = kernel_f32(isa);
    match (&k32 as &dyn Any).downcast_ref::<Kernel<T>>() {
        Some(k) => *k,
        None => portable::<T>(),
    }
}

/// `matrixmultiply`'s gemm over checked views (`sgemm` for f32, `dgemm` for f64).
#[cfg(feature = "std")]
pub(crate) fn matrixmultiply<T: Float>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: MatMut<'_, T>) {
    assert!(a.cols == b.rows && c.rows == a.rows && c.cols == b.cols);
    if let (Some(ad), Some(bd), Some(cd)) = (T::f32s(a.data), T::f32s(b.data), T::f32s_mut(c.data)) {
        let (alpha, beta) = (alpha.to_f64() as f32, beta.to_f64() as f32);
        // SAFETY: the views were bounds-checked at construction (every index they address lies inside
        // their slices), C's strides do not alias (`MatMut::new`), the shapes agree (asserted above), and
        // a slice index fits in isize (slices hold at most isize::MAX bytes).
        unsafe {
            matrixmultiply::sgemm(
                a.rows,
                a.cols,
                b.cols,
                alpha,
                ad.as_ptr(),
                a.rs as isize,
                a.cs as isize,
                bd.as_ptr(),
                b.rs as isize,
                b.cs as isize,
                beta,
                cd.as_mut_ptr(),
                c.rs as isize,
                c.cs as isize,
            )
        }
    } else if let (Some(ad), Some(bd), Some(cd)) = (T::f64s(a.data), T::f64s(b.data), T::f64s_mut(c.data)) {
        // SAFETY: as above.
        unsafe {
            matrixmultiply::dgemm(
                a.rows,
                a.cols,
                b.cols,
                alpha.to_f64(),
                ad.as_ptr(),
                a.rs as isize,
                a.cs as isize,
                bd.as_ptr(),
                b.rs as isize,
                b.cs as isize,
                beta.to_f64(),
                cd.as_mut_ptr(),
                c.rs as isize,
                c.cs as isize,
            )
        }
    }
}
