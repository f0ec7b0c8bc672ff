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
use crate::kernels::simd;

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
    fn apply(&self, j: usize, x: T) -> T {
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
        GemmPath::Blocked => blocked(T::kernel(simd::best()), alpha, a, b, beta, c.rb(), epilogue),
        GemmPath::BlockedIsa(isa) => {
            if !simd::available(isa) {
                return Err(Error::Unsupported { what: "this CPU lacks the requested instruction set" });
            }
            blocked(T::kernel(isa), alpha, a, b, beta, c.rb(), epilogue)
        }
        GemmPath::MatrixMultiply => {
            #[cfg(feature = "std")]
            {
                T::matrixmultiply(alpha, a, b, beta, c.rb());
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
    T::kernel(simd::best()).mr
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
        let simd = T::kernel(simd::best()).isa != simd::Isa::Portable;
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
            T::gemv_rows(alpha, a.data, a.cs, k, b.data, b.rs, row);
            for (j, x) in row.iter_mut().enumerate() {
                *x = ep.apply(j, *x);
            }
        } else if b.rs == 1 && a.cs == 1 {
            // Columns of B are contiguous: dot products.
            let av = &a.data[..k];
            for j in 0..n {
                let s = T::dot(av, &b.data[j * b.cs..j * b.cs + k]);
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

/// A microkernel: `tile[i * nr + j] = sum_p pa[p * mr + i] * pb[p * nr + j]` for `p < k`.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Kernel<T> {
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(crate) isa: simd::Isa,
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
const NARROW: usize = 4;
/// Shallowest depth slice the narrow kernel takes: its dot products along k end in a horizontal sum per
/// element, which a short depth does not pay for (dZ3 W3^T, depth 10: 6.4-7.6 us with it, 5.8-7.1 without, in
/// alternating runs of examples/gemm_step.rs).
const NARROW_MIN_K: usize = 32;

/// A narrow-panel kernel: `(w, rows, k, a, rs, cs, bt, out)` writes `out[i * w + j] = sum_p A[i][p] *
/// bt[j * k + p]` for `i < rows`, `j < w <= NARROW`, with `A[i][p] = a[i * rs + p * cs]` (`rs == 1` or
/// `cs == 1`).
pub(crate) type RunNarrow<T> = fn(usize, usize, usize, &[T], usize, usize, &[T], &mut [T]);

/// Depth of a packed slice (A micro-panels of `MR x KC` and B micro-panels of `KC x NR` stay in L1).
const KC: usize = if cfg!(feature = "std") { 256 } else { 64 };
/// Rows of A packed at once (a multiple of every MR: 4, 6, 8; the `MC x KC` block stays in L2).
const MC: usize = if cfg!(feature = "std") { 192 } else { 48 };
/// Columns of B packed at once (a multiple of every NR: 8, 16, 32). Hosted targets pack up to 2048 columns
/// (heap, reused per thread), so A is packed once for the shapes a trainer sees; embedded targets use
/// small stack buffers.
const NC: usize = if cfg!(feature = "std") { 2048 } else { 64 };
/// Largest `m` for which B is read in place rather than packed (when the kernel can): each packed B
/// panel is reused by `m / MR` A panels, and strided rows cost L1 conflicts (measured on AVX-512 with
/// examples/gemm_shapes.rs: in place wins by 3-8% at m = 64..128, packing by 9% at m = 784 and by 30% at
/// 512^3, whose 2 KiB row stride maps B's rows to the same cache sets).
const DIRECT_B_MAX_M: usize = 128;
/// Elements reserved to move the pack buffers to a 64-byte boundary.
#[cfg(feature = "std")]
const ALIGN_PAD: usize = 16;
/// Largest MR * NR.
const MAX_TILE: usize = 256;

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

#[allow(clippy::too_many_arguments)]
fn blocked<T: Float>(
    kern: Kernel<T>,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    ep: Epilogue<'_, T>,
) {
    let k = a.cols;
    let a_len = MC * KC.min(k.max(1));
    // B's pack, then room for the narrow kernel's columns over the whole depth (see `blocked_in`).
    #[cfg(feature = "std")]
    let b_len = pack_b_len(kern, k, b.cols) + if kern.narrow.is_some() { NARROW * k } else { 0 };
    #[cfg(feature = "std")]
    // Both packs start on a 64-byte boundary (`a_len` keeps B's aligned too: `MC * 4` bytes is a multiple
    // of 64), so the microkernels' row loads never straddle cache lines.
    T::with_pack_buffer(a_len + b_len + ALIGN_PAD, |buf| {
        let skip = buf.as_ptr().align_offset(64).min(ALIGN_PAD);
        let (apack, bpack) = buf[skip..].split_at_mut(a_len);
        simd::blocked_for_isa(kern.isa, kern, alpha, a, b, beta, c, ep, apack, bpack)
    });
    #[cfg(not(feature = "std"))]
    {
        let mut apack = [T::ZERO; MC * KC];
        let mut bpack = [T::ZERO; KC * NC];
        simd::blocked_for_isa(kern.isa, kern, alpha, a, b, beta, c, ep, &mut apack[..a_len], &mut bpack);
    }
}

/// Elements of B's pack for a product of depth `k` and width `n` (at least one depth slice of one
/// column block).
fn pack_b_len<T>(kern: Kernel<T>, k: usize, n: usize) -> usize {
    KC.min(k.max(1)) * NC.min(n).div_ceil(kern.nr) * kern.nr
}

/// The loop nest; `#[inline(always)]` so the per-ISA wrappers in `simd` compile packing and write-back
/// with that ISA's vector width. `bpack` holds B's pack ([`pack_b_len`]); what follows it, if at least
/// `NARROW * k` elements, holds the columns of a narrow last panel over the whole depth.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn blocked_in<T: Float>(
    kern: Kernel<T>,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
    ep: Epilogue<'_, T>,
    apack: &mut [T],
    bpack: &mut [T],
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let (mr, nr) = (kern.mr, kern.nr);
    let (bpack, narrow_buf) = bpack.split_at_mut(pack_b_len(kern, k, n).min(bpack.len()));
    // The narrow kernel takes the whole depth at once when there is room (one horizontal sum per
    // element instead of one per depth slice, and no masked last chunk per slice).
    let narrow_full_k = narrow_buf.len() >= NARROW * k;
    let mut tile = [T::ZERO; MAX_TILE];
    if k == 0 {
        // C = beta * C (+ epilogue).
        for i in 0..m {
            for j in 0..n {
                let old = if beta == T::ZERO { T::ZERO } else { beta * *c.at_mut(i, j) };
                *c.at_mut(i, j) = ep.apply(j, old);
            }
        }
        return;
    }
    // Depth slices of equal size (a short last slice would pay a full write-back for little work).
    let kc_step = k.div_ceil(k.div_ceil(KC));
    // Loop 5: panels of B's columns.
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        // Loop 4: depth slices.
        for pc in (0..k).step_by(kc_step) {
            let kc = kc_step.min(k - pc);
            let first = pc == 0;
            let last = pc + kc == k;
            let edge_nr = kern.edge_nr;
            // B is read in place when the kernel can, B's rows are contiguous and few A panels reuse it;
            // else packed.
            let direct_b = kern.run_a.is_some() && b.cs == 1 && m <= DIRECT_B_MAX_M;
            if !direct_b {
                pack_b(b, pc, kc, jc, nc, nr, edge_nr, kern.pack_bt, bpack);
            }
            // Loop 3: blocks of A's rows.
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                // Full panels of A are read in place when the kernel can and A's rows or columns are
                // contiguous; a last partial panel (or all of A otherwise) is packed, zero-padded.
                let direct_a = kern.run_a.is_some() && (a.cs == 1 || a.rs == 1);
                let full_rows = if direct_a { mc / mr * mr } else { 0 };
                if full_rows < mc {
                    pack_a(a, ic + full_rows, mc - full_rows, pc, kc, mr, apack);
                }
                // Loop 2: micro-panels of B.
                for jr in (0..nc).step_by(nr) {
                    let nv = nr.min(nc - jr);
                    // A last panel of at most NARROW columns goes to the narrow kernel on every full panel
                    // of A read in place (all lanes busy, where a 16-wide tile would use a quarter of them).
                    let mut first_ir = 0;
                    let depth = if narrow_full_k { k } else { kc };
                    if let (Some(narrow), true) =
                        (kern.narrow, nv <= NARROW && nr > NARROW && full_rows > 0 && depth >= NARROW_MIN_K)
                    {
                        // Over the whole depth: computed with the first slice, skipped by the others.
                        if !narrow_full_k || first {
                            let p0 = if narrow_full_k { 0 } else { pc };
                            let mut bt_stack = [T::ZERO; NARROW * KC];
                            let bt = if narrow_full_k { &mut narrow_buf[..nv * k] } else { &mut bt_stack[..nv * kc] };
                            for (j, col) in bt.chunks_exact_mut(depth).enumerate() {
                                for (p, x) in col.iter_mut().enumerate() {
                                    *x = *b.at(p0 + p, jc + jr + j);
                                }
                            }
                            let mut nt = [T::ZERO; NARROW * MC];
                            let av = &a.data[ic * a.rs + p0 * a.cs..];
                            narrow(nv, full_rows, depth, av, a.rs, a.cs, bt, &mut nt[..full_rows * nv]);
                            let (first, last) = if narrow_full_k { (true, true) } else { (first, last) };
                            let wb = WriteBack { alpha, beta, first, last, ep };
                            wb.tile(&nt[..full_rows * nv], nv, c.rb(), ic, full_rows, jc + jr, nv);
                        }
                        first_ir = full_rows;
                    }
                    // The last panel gets the narrower tile when it is narrow enough (`pack_b` packed it
                    // that wide).
                    let knr = if edge_nr > 0 && nv <= edge_nr { edge_nr } else { nr };
                    // In place: row stride `b.rs`, `nv` valid columns; packed: `knr` wide, zero-padded.
                    let (pb, ldb, ncols) = if direct_b {
                        (&b.data[pc * b.rs + jc + jr..], b.rs, nv)
                    } else {
                        (&bpack[jr * kc..(jr + knr) * kc], knr, knr)
                    };
                    // Loop 1: micro-panels of A. With in-place kernels, a narrow (edge) panel of B takes two
                    // panels of A at once when both are read in place: twice the independent accumulators,
                    // so the edge kernel is not bound by the FMA latency.
                    let mut ir = first_ir;
                    while ir < mc {
                        let rows =
                            if kern.run_a.is_some() && 2 * knr <= nr && ir + 2 * mr <= full_rows { 2 * mr } else { mr };
                        let mv = rows.min(mc - ir);
                        // A tile of full rows of a row-major C is updated in place by the kernel (its
                        // `nv` valid columns only: masked loads and stores in a last panel); other tiles
                        // go through the tile buffer and `WriteBack`.
                        let in_place = c.cs == 1 && mv == rows;
                        // In place, the kernel takes every following full tile of A read in place in one
                        // call (a product of depth 128 spent ~8% of its time in per-tile set-up).
                        let tiles = if in_place && ir + rows <= full_rows { (full_rows - ir) / rows } else { 1 };
                        let start = (ic + ir) * c.rs + (jc + jr) * c.cs;
                        let end = start + (tiles * rows - 1) * c.rs + nv;
                        let wb = WriteBack { alpha, beta, first, last, ep };
                        let t = &mut tile[..rows * knr];
                        if let Some(run_a) = kern.run_a {
                            let (av, rs, cs) = if ir < full_rows {
                                (&a.data[(ic + ir) * a.rs + pc * a.cs..], a.rs, a.cs)
                            } else {
                                (&apack[(ir - full_rows) * kc..(ir - full_rows + mr) * kc], 1, mr)
                            };
                            if in_place {
                                let cd = &mut c.data[start..end];
                                // A packed panel's columns past `nv` are zeros: masking them out changes
                                // nothing but C's stores.
                                run_a(tiles, rows, knr, nv, kc, av, rs, cs, pb, ldb, cd, c.rs, alpha, beta, first);
                                wb.epilogue_rows(c.rb(), start, tiles * rows, nv, jc + jr);
                            } else {
                                run_a(1, rows, knr, ncols, kc, av, rs, cs, pb, ldb, t, knr, T::ONE, T::ZERO, true);
                                wb.tile(t, knr, c.rb(), ic + ir, mv, jc + jr, nv);
                            }
                        } else {
                            // Packed panels into the tile buffer (kernels without an in-place variant).
                            (kern.run)(kc, &apack[ir * kc..(ir + mr) * kc], pb, t);
                            wb.tile(t, knr, c.rb(), ic + ir, mv, jc + jr, nv);
                        }
                        ir += tiles * rows;
                    }
                }
            }
        }
    }
}

/// Applies the epilogue to `row`, whose first element is column `j0` of C (one vectorizable loop per
/// variant; the same operations as [`Epilogue::apply`]).
#[inline(always)]
fn apply_row<T: Float>(ep: Epilogue<'_, T>, row: &mut [T], j0: usize) {
    let n = row.len();
    match ep {
        Epilogue::None => {}
        Epilogue::Bias(b) => {
            for (r, &bj) in row.iter_mut().zip(&b[j0..j0 + n]) {
                *r += bj;
            }
        }
        Epilogue::BiasRelu(b) => {
            for (r, &bj) in row.iter_mut().zip(&b[j0..j0 + n]) {
                let y = *r + bj;
                *r = if y > T::ZERO { y } else { T::ZERO };
            }
        }
        Epilogue::Relu => {
            for r in row.iter_mut() {
                *r = if *r > T::ZERO { *r } else { T::ZERO };
            }
        }
    }
}

/// How a computed tile lands in C: the first depth slice applies beta, later ones accumulate, the last
/// applies the epilogue.
struct WriteBack<'e, T> {
    alpha: T,
    beta: T,
    first: bool,
    last: bool,
    ep: Epilogue<'e, T>,
}

impl<T: Float> WriteBack<'_, T> {
    /// After a kernel updated the full `rows x cols` tile of a row-major C starting at `c.data[start]`
    /// (column `j0`): applies the epilogue on the last depth slice.
    #[inline(always)]
    fn epilogue_rows(&self, c: MatMut<'_, T>, start: usize, rows: usize, cols: usize, j0: usize) {
        if !self.last || matches!(self.ep, Epilogue::None) {
            return;
        }
        for i in 0..rows {
            let row = &mut c.data[start + i * c.rs..start + i * c.rs + cols];
            apply_row(self.ep, row, j0);
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn tile(&self, tile: &[T], nr: usize, c: MatMut<'_, T>, i0: usize, mv: usize, j0: usize, nv: usize) {
        let (alpha, beta) = (self.alpha, self.beta);
        if c.cs == 1 {
            // Rows of C are contiguous: vectorizable row updates.
            for i in 0..mv {
                let start = (i0 + i) * c.rs + j0;
                let row = &mut c.data[start..start + nv];
                let t = &tile[i * nr..i * nr + nv];
                if !self.first {
                    for (r, &x) in row.iter_mut().zip(t) {
                        *r += alpha * x;
                    }
                } else if beta == T::ZERO {
                    for (r, &x) in row.iter_mut().zip(t) {
                        *r = alpha * x;
                    }
                } else {
                    for (r, &x) in row.iter_mut().zip(t) {
                        *r = beta * *r + alpha * x;
                    }
                }
                if self.last {
                    apply_row(self.ep, row, j0);
                }
            }
            return;
        }
        let mut c = c;
        for i in 0..mv {
            for j in 0..nv {
                let cij = c.at_mut(i0 + i, j0 + j);
                let prev = if !self.first {
                    *cij
                } else if beta == T::ZERO {
                    T::ZERO
                } else {
                    beta * *cij
                };
                let v = prev + alpha * tile[i * nr + j];
                *cij = if self.last { self.ep.apply(j0 + j, v) } else { v };
            }
        }
    }
}

/// Packs `A[ic..ic+mc, pc..pc+kc]` into `mr`-row micro-panels: panel `r` holds, for each `p`, the `mr`
/// values `A[ic + r*mr + i, pc + p]` (zero past the last row).
#[inline(always)]
fn pack_a<T: Float>(a: MatRef<'_, T>, ic: usize, mc: usize, pc: usize, kc: usize, mr: usize, out: &mut [T]) {
    for (r, panel) in out[..mc.div_ceil(mr) * mr * kc].chunks_exact_mut(mr * kc).enumerate() {
        let i0 = ic + r * mr;
        let rows = mr.min(ic + mc - i0);
        if rows < mr {
            panel.fill(T::ZERO);
        }
        if a.rs == 1 {
            // Columns of A are contiguous: each step p copies a run of rows.
            for p in 0..kc {
                let start = i0 + (pc + p) * a.cs;
                panel[p * mr..p * mr + rows].copy_from_slice(&a.data[start..start + rows]);
            }
        } else if a.cs == 1 && rows == mr && matches!(mr, 4 | 6 | 8) {
            // Rows of A are contiguous: transpose 16-column blocks through a register-sized block.
            let base = i0 * a.rs + pc;
            match mr {
                4 => pack_rows::<T, 4>(a.data, base, a.rs, kc, panel),
                6 => pack_rows::<T, 6>(a.data, base, a.rs, kc, panel),
                _ => pack_rows::<T, 8>(a.data, base, a.rs, kc, panel),
            }
        } else if a.cs == 1 {
            // Rows of A are contiguous: read each row once, scatter into the panel.
            for i in 0..rows {
                let start = (i0 + i) * a.rs + pc;
                let row = &a.data[start..start + kc];
                for (dst, &v) in panel.chunks_exact_mut(mr).zip(row) {
                    dst[i] = v;
                }
            }
        } else {
            for i in 0..rows {
                let row = &a.data[(i0 + i) * a.rs + pc * a.cs..];
                for p in 0..kc {
                    panel[p * mr + i] = row[p * a.cs];
                }
            }
        }
    }
}

/// Packs `MR` full rows of a row-major A (`A[i][p] = data[base + i * rs + p]`, `p < kc`) into a panel
/// (`panel[p * MR + i]`), transposing 16 columns at a time through a register block.
#[inline(always)]
fn pack_rows<T: Float, const MR: usize>(data: &[T], base: usize, rs: usize, kc: usize, panel: &mut [T]) {
    let mut p = 0;
    while p + 16 <= kc {
        let mut blk = [[T::ZERO; 16]; MR];
        for (i, b) in blk.iter_mut().enumerate() {
            let s = base + i * rs + p;
            b.copy_from_slice(&data[s..s + 16]);
        }
        for (j, dst) in panel[p * MR..(p + 16) * MR].chunks_exact_mut(MR).enumerate() {
            for i in 0..MR {
                dst[i] = blk[i][j];
            }
        }
        p += 16;
    }
    for i in 0..MR {
        let s = base + i * rs;
        for q in p..kc {
            panel[q * MR + i] = data[s + q];
        }
    }
}

/// Packs `B[pc..pc+kc, jc..jc+nc]` into `nr`-column micro-panels (zero past the last column); with an
/// edge kernel (`edge_nr > 0`), a last panel of at most `edge_nr` columns is packed `edge_nr` wide.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pack_b<T: Float>(
    b: MatRef<'_, T>,
    pc: usize,
    kc: usize,
    jc: usize,
    nc: usize,
    nr: usize,
    edge_nr: usize,
    pack_bt: Option<PackBt<T>>,
    out: &mut [T],
) {
    let tail = nc % nr;
    let main = if tail != 0 && tail <= edge_nr { nc - tail } else { nc };
    let pack = |w: usize, j0: usize, cols: usize, out: &mut [T]| match w {
        8 => pack_b_nr::<T, 8>(b, pc, kc, j0, cols, pack_bt, out),
        16 => pack_b_nr::<T, 16>(b, pc, kc, j0, cols, pack_bt, out),
        32 => pack_b_nr::<T, 32>(b, pc, kc, j0, cols, pack_bt, out),
        _ => unreachable!("every microkernel has NR 8, 16 or 32"),
    };
    if main > 0 {
        pack(nr, jc, main, out);
    }
    if main < nc {
        pack(edge_nr, jc + main, nc - main, &mut out[main * kc..]);
    }
}

/// [`pack_b`] for a compile-time `NR`, so full rows copy as fixed-size blocks.
#[inline(always)]
fn pack_b_nr<T: Float, const NR: usize>(
    b: MatRef<'_, T>,
    pc: usize,
    kc: usize,
    jc: usize,
    nc: usize,
    pack_bt: Option<PackBt<T>>,
    out: &mut [T],
) {
    for (q, panel) in out[..nc.div_ceil(NR) * NR * kc].chunks_exact_mut(NR * kc).enumerate() {
        let j0 = jc + q * NR;
        let cols = NR.min(jc + nc - j0);
        if b.cs == 1 && cols == NR {
            for (p, dst) in panel.chunks_exact_mut(NR).enumerate() {
                let start = (pc + p) * b.rs + j0;
                let src: &[T; NR] = b.data[start..start + NR].try_into().expect("NR values");
                let dst: &mut [T; NR] = dst.try_into().expect("NR values");
                *dst = *src;
            }
        } else if b.rs == 1 {
            // Columns of B are contiguous (B = W^T): read each column once, scatter into the panel (which
            // stays in L1), zero past the last column.
            if cols < NR {
                panel.fill(T::ZERO);
            }
            if let Some(pack) = pack_bt {
                pack(&b.data[j0 * b.cs + pc..], b.cs, kc, cols, panel, NR);
                continue;
            }
            for j in 0..cols {
                let start = (j0 + j) * b.cs + pc;
                for (dst, &v) in panel.chunks_exact_mut(NR).zip(&b.data[start..start + kc]) {
                    dst[j] = v;
                }
            }
        } else {
            for (p, dst) in panel.chunks_exact_mut(NR).enumerate() {
                for (j, d) in dst.iter_mut().enumerate() {
                    *d = if j < cols { *b.at(pc + p, j0 + j) } else { T::ZERO };
                }
            }
        }
    }
}
