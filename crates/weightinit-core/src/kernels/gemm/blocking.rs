//! The blocked loop nest (Goto/BLIS): column panels of B, depth slices, row blocks of A, then micro-panels
//! of B and A computed by a microkernel, and the write-back of each tile into C (beta, accumulation, the
//! epilogue). Compiled once per ISA through [`crate::simd::WithSimd`], so packing and write-back use the
//! ISA's vector width.

use super::Epilogue;
use super::microkernel::{Kernel, NARROW, NARROW_MIN_K};
use super::pack::{pack_a, pack_b};
use crate::float::Float;
use crate::kernels::mat::{MatMut, MatRef};
use crate::simd::{Wide, WithSimd};

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

/// Runs the loop nest on `kern`'s ISA with pack buffers: reused per thread under `std` (64-byte aligned),
/// on the stack otherwise.
#[allow(clippy::too_many_arguments)]
pub(super) fn blocked<T: Float>(
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
    with_pack_buffer(a_len + b_len + ALIGN_PAD, |buf: &mut [T]| {
        let skip = buf.as_ptr().align_offset(64).min(ALIGN_PAD);
        let (apack, bpack) = buf[skip..].split_at_mut(a_len);
        kern.isa.run(Blocked { kern, alpha, a, b, beta, c, ep, apack, bpack })
    });
    #[cfg(not(feature = "std"))]
    {
        let mut apack = [T::ZERO; MC * KC];
        let mut bpack = [T::ZERO; KC * NC];
        kern.isa.run(Blocked { kern, alpha, a, b, beta, c, ep, apack: &mut apack[..a_len], bpack: &mut bpack });
    }
}

/// The loop nest's arguments, as a [`WithSimd`] op.
struct Blocked<'a, T> {
    kern: Kernel<T>,
    alpha: T,
    a: MatRef<'a, T>,
    b: MatRef<'a, T>,
    beta: T,
    c: MatMut<'a, T>,
    ep: Epilogue<'a, T>,
    apack: &'a mut [T],
    bpack: &'a mut [T],
}

impl<T: Float> WithSimd for Blocked<'_, T> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Wide>(self, _: S) {
        let Blocked { kern, alpha, a, b, beta, c, ep, apack, bpack } = self;
        blocked_in(kern, alpha, a, b, beta, c, ep, apack, bpack)
    }
}

/// Runs `f` on a scratch buffer of at least `len` elements of `T`, reused per thread (contents
/// unspecified); a fresh one if this thread is already inside (not done by this crate).
#[cfg(feature = "std")]
fn with_pack_buffer<T: Float, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    use core::any::Any;
    use core::cell::RefCell;
    use std::vec::Vec;
    std::thread_local! {
        static F32: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
        static F64: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    }
    fn with<U: Float, T: Float, R>(cell: &RefCell<Vec<U>>, len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
        let Ok(mut buf) = cell.try_borrow_mut() else { return f(&mut std::vec![T::ZERO; len]) };
        if buf.len() < len {
            buf.resize(len, U::ZERO);
        }
        match (&mut *buf as &mut dyn Any).downcast_mut::<Vec<T>>() {
            Some(v) => f(&mut v[..len]),
            None => f(&mut std::vec![T::ZERO; len]),
        }
    }
    match T::PRECISION {
        crate::float::Precision::F32 => F32.with(|c| with(c, len, f)),
        crate::float::Precision::F64 => F64.with(|c| with(c, len, f)),
    }
}

/// Elements of B's pack for a product of depth `k` and width `n` (at least one depth slice of one
/// column block).
fn pack_b_len<T>(kern: Kernel<T>, k: usize, n: usize) -> usize {
    KC.min(k.max(1)) * NC.min(n).div_ceil(kern.nr) * kern.nr
}

/// What every level of the loop nest reads: the kernel, the operands and the write-back's scalars.
#[derive(Clone, Copy)]
struct Nest<'a, T> {
    kern: Kernel<T>,
    alpha: T,
    beta: T,
    ep: Epilogue<'a, T>,
    a: MatRef<'a, T>,
    b: MatRef<'a, T>,
}

/// One depth slice of one column panel and row block: `A[ic..ic + mc, pc..pc + kc]` against
/// `B[pc..pc + kc, jc..jc + nc]`, with `full_rows` rows of A read in place (the rest packed in `apack`).
#[derive(Clone, Copy)]
struct Slice {
    jc: usize,
    nc: usize,
    pc: usize,
    kc: usize,
    ic: usize,
    mc: usize,
    full_rows: usize,
    first: bool,
    last: bool,
    direct_b: bool,
}

/// The loop nest; `#[inline(always)]` so the per-ISA functions of [`crate::simd::Isa::run`] compile
/// packing and write-back with that ISA's vector width. `bpack` holds B's pack ([`pack_b_len`]); what
/// follows it, if at least `NARROW * k` elements, holds the columns of a narrow last panel over the whole
/// depth. Loops 5 to 3 (column panels, depth slices, row blocks) are here; loop 2 is [`panels_of_b`],
/// loop 1 [`panels_of_a`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn blocked_in<T: Float>(
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
    let (bpack, narrow_buf) = bpack.split_at_mut(pack_b_len(kern, k, n).min(bpack.len()));
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
    let nest = Nest { kern, alpha, beta, ep, a, b };
    // Depth slices of equal size (a short last slice would pay a full write-back for little work).
    let kc_step = k.div_ceil(k.div_ceil(KC));
    // Loop 5: panels of B's columns.
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        // Loop 4: depth slices.
        for pc in (0..k).step_by(kc_step) {
            let kc = kc_step.min(k - pc);
            // B is read in place when the kernel can, B's rows are contiguous and few A panels reuse it;
            // else packed.
            let direct_b = kern.run_a.is_some() && b.cs == 1 && m <= DIRECT_B_MAX_M;
            if !direct_b {
                pack_b(b, pc, kc, jc, nc, kern.nr, kern.edge_nr, kern.pack_bt, bpack);
            }
            // Loop 3: blocks of A's rows.
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                // Full panels of A are read in place when the kernel can and A's rows or columns are
                // contiguous; a last partial panel (or all of A otherwise) is packed, zero-padded.
                let direct_a = kern.run_a.is_some() && (a.cs == 1 || a.rs == 1);
                let full_rows = if direct_a { mc / kern.mr * kern.mr } else { 0 };
                if full_rows < mc {
                    pack_a(a, ic + full_rows, mc - full_rows, pc, kc, kern.mr, apack);
                }
                let first = pc == 0;
                let sl = Slice { jc, nc, pc, kc, ic, mc, full_rows, first, last: pc + kc == k, direct_b };
                panels_of_b(nest, sl, c.rb(), apack, bpack, narrow_buf);
            }
        }
    }
}

/// Loop 2: the micro-panels of B of one slice. A last panel of at most [`NARROW`] columns goes to the
/// narrow kernel on every full panel of A read in place ([`narrow_panel`]); the rest to [`panels_of_a`].
#[inline(always)]
fn panels_of_b<T: Float>(
    nest: Nest<'_, T>,
    sl: Slice,
    mut c: MatMut<'_, T>,
    apack: &[T],
    bpack: &[T],
    narrow_buf: &mut [T],
) {
    let (kern, b) = (nest.kern, nest.b);
    let nr = kern.nr;
    let k = nest.a.cols;
    // The narrow kernel takes the whole depth at once when there is room (one horizontal sum per
    // element instead of one per depth slice, and no masked last chunk per slice).
    let narrow_full_k = narrow_buf.len() >= NARROW * k;
    for jr in (0..sl.nc).step_by(nr) {
        let nv = nr.min(sl.nc - jr);
        let mut first_ir = 0;
        let depth = if narrow_full_k { k } else { sl.kc };
        if let (Some(narrow), true) =
            (kern.narrow, nv <= NARROW && nr > NARROW && sl.full_rows > 0 && depth >= NARROW_MIN_K)
        {
            // Over the whole depth: computed with the first slice, skipped by the others.
            if !narrow_full_k || sl.first {
                narrow_panel(nest, sl, c.rb(), jr, nv, narrow, narrow_full_k, narrow_buf);
            }
            first_ir = sl.full_rows;
        }
        // The last panel gets the narrower tile when it is narrow enough (`pack_b` packed it that wide).
        let knr = if kern.edge_nr > 0 && nv <= kern.edge_nr { kern.edge_nr } else { nr };
        // In place: row stride `b.rs`, `nv` valid columns; packed: `knr` wide, zero-padded.
        let (pb, ldb, ncols) = if sl.direct_b {
            (&b.data[sl.pc * b.rs + sl.jc + jr..], b.rs, nv)
        } else {
            (&bpack[jr * sl.kc..(jr + knr) * sl.kc], knr, knr)
        };
        panels_of_a(nest, sl, c.rb(), apack, (pb, ldb, ncols), jr, nv, knr, first_ir);
    }
}

/// The narrow kernel on columns `jr .. jr + nv` (at most [`NARROW`]) of the slice's panel, for every full
/// panel of A read in place (all lanes busy, where a 16-wide tile would use a quarter of them); over the
/// whole depth when `full_k`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn narrow_panel<T: Float>(
    nest: Nest<'_, T>,
    sl: Slice,
    c: MatMut<'_, T>,
    jr: usize,
    nv: usize,
    narrow: super::microkernel::RunNarrow<T>,
    full_k: bool,
    narrow_buf: &mut [T],
) {
    let (a, b) = (nest.a, nest.b);
    let k = a.cols;
    let (depth, p0) = if full_k { (k, 0) } else { (sl.kc, sl.pc) };
    let mut bt_stack = [T::ZERO; NARROW * KC];
    let bt = if full_k { &mut narrow_buf[..nv * k] } else { &mut bt_stack[..nv * sl.kc] };
    for (j, col) in bt.chunks_exact_mut(depth).enumerate() {
        for (p, x) in col.iter_mut().enumerate() {
            *x = *b.at(p0 + p, sl.jc + jr + j);
        }
    }
    let mut nt = [T::ZERO; NARROW * MC];
    let av = &a.data[sl.ic * a.rs + p0 * a.cs..];
    narrow(nv, sl.full_rows, depth, av, a.rs, a.cs, bt, &mut nt[..sl.full_rows * nv]);
    let (first, last) = if full_k { (true, true) } else { (sl.first, sl.last) };
    let wb = WriteBack { alpha: nest.alpha, beta: nest.beta, first, last, ep: nest.ep };
    wb.tile(&nt[..sl.full_rows * nv], nv, c, sl.ic, sl.full_rows, sl.jc + jr, nv);
}

/// Loop 1: the micro-panels of A from row `first_ir` of the block, against one panel of B
/// (`(pb, ldb, ncols)`: in place or packed, see [`panels_of_b`]) of `nv` valid columns and tile width
/// `knr`. With in-place kernels, a narrow (edge) panel of B takes two panels of A at once when both are
/// read in place: twice the independent accumulators, so the edge kernel is not bound by the FMA latency.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn panels_of_a<T: Float>(
    nest: Nest<'_, T>,
    sl: Slice,
    mut c: MatMut<'_, T>,
    apack: &[T],
    (pb, ldb, ncols): (&[T], usize, usize),
    jr: usize,
    nv: usize,
    knr: usize,
    first_ir: usize,
) {
    let (kern, a) = (nest.kern, nest.a);
    let (mr, nr, kc, full_rows) = (kern.mr, kern.nr, sl.kc, sl.full_rows);
    let (alpha, beta) = (nest.alpha, nest.beta);
    let wb = WriteBack { alpha, beta, first: sl.first, last: sl.last, ep: nest.ep };
    let mut tile = [T::ZERO; MAX_TILE];
    let mut ir = first_ir;
    while ir < sl.mc {
        let rows = if kern.run_a.is_some() && 2 * knr <= nr && ir + 2 * mr <= full_rows { 2 * mr } else { mr };
        let mv = rows.min(sl.mc - ir);
        // A tile of full rows of a row-major C is updated in place by the kernel (its `nv` valid columns
        // only: masked loads and stores in a last panel); other tiles go through the tile buffer and
        // `WriteBack`.
        let in_place = c.cs == 1 && mv == rows;
        // In place, the kernel takes every following full tile of A read in place in one call (a product
        // of depth 128 spent ~8% of its time in per-tile set-up).
        let tiles = if in_place && ir + rows <= full_rows { (full_rows - ir) / rows } else { 1 };
        let start = (sl.ic + ir) * c.rs + (sl.jc + jr) * c.cs;
        let end = start + (tiles * rows - 1) * c.rs + nv;
        let t = &mut tile[..rows * knr];
        if let Some(run_a) = kern.run_a {
            let (av, rs, cs) = if ir < full_rows {
                (&a.data[(sl.ic + ir) * a.rs + sl.pc * a.cs..], a.rs, a.cs)
            } else {
                (&apack[(ir - full_rows) * kc..(ir - full_rows + mr) * kc], 1, mr)
            };
            if in_place {
                let cd = &mut c.data[start..end];
                // A packed panel's columns past `nv` are zeros: masking them out changes nothing but C's
                // stores.
                run_a(tiles, rows, knr, nv, kc, av, rs, cs, pb, ldb, cd, c.rs, alpha, beta, sl.first);
                wb.epilogue_rows(c.rb(), start, tiles * rows, nv, sl.jc + jr);
            } else {
                run_a(1, rows, knr, ncols, kc, av, rs, cs, pb, ldb, t, knr, T::ONE, T::ZERO, true);
                wb.tile(t, knr, c.rb(), sl.ic + ir, mv, sl.jc + jr, nv);
            }
        } else {
            // Packed panels into the tile buffer (kernels without an in-place variant).
            (kern.run)(kc, &apack[ir * kc..(ir + mr) * kc], pb, t);
            wb.tile(t, knr, c.rb(), sl.ic + ir, mv, sl.jc + jr, nv);
        }
        ir += tiles * rows;
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
