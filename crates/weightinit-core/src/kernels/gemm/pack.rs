//! Packing A and B into contiguous micro-panels for the microkernels.

use super::microkernel::PackBt;
use crate::float::Float;
use crate::kernels::mat::MatRef;

/// Packs `A[ic..ic+mc, pc..pc+kc]` into `mr`-row micro-panels: panel `r` holds, for each `p`, the `mr`
/// values `A[ic + r*mr + i, pc + p]` (zero past the last row).
#[inline(always)]
pub(super) fn pack_a<T: Float>(a: MatRef<'_, T>, ic: usize, mc: usize, pc: usize, kc: usize, mr: usize, out: &mut [T]) {
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
pub(super) fn pack_b<T: Float>(
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
