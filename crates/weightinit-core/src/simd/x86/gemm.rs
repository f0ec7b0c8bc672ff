//! x86-64 intrinsics of the gemm microkernels and the f32 row-product (AVX-512F, AVX2 + FMA). Each
//! `unsafe fn` carries `#[target_feature]` and is called only from a kernel table entry built after
//! [`crate::simd::available`] or [`crate::simd::best`] said the CPU has the feature; the safe entry points
//! check every length the intrinsics rely on.

#![allow(unsafe_code)]

use core::arch::x86_64::*;

/// AVX-512 f32 microkernel, 8 x 32, on packed panels: 16 zmm accumulators, two B row loads and 8
/// broadcasts per step (each broadcast feeds two FMAs, so A streams at half the rate of a 16 x 16
/// kernel: measured here with A coming from L2, a 16 x 16 kernel ran at ~82% of the FMA peak and this
/// one at ~100%). The kernel table's packed entry; the blocked driver calls [`sgemm_8xv_direct`], which
/// also reads unpacked operands, whenever a kernel has one.
pub(crate) fn sgemm_8x32(k: usize, pa: &[f32], pb: &[f32], tile: &mut [f32]) {
    sgemm_8xv_direct(1, 8, 32, 32, k, pa, 1, 8, pb, 32, tile, 32, 1.0, 0.0, true)
}

/// The 8 x `nr` AVX-512 kernel (`nr` 32 or 16; or 16 x 16 for an edge panel) on operands in place:
/// `A[i][p] = a[i * rs + p * cs]` with `cs == 1` (rows of A contiguous) or `rs == 1` (columns
/// contiguous, e.g. `X^T`, or a packed panel with `cs = 8`), `B[p][j] = b[p * ldb + j]` for
/// `j < ncols <= nr` (masked loads: columns past `ncols` count as 0 and are never read), and rows
/// `c[i * ldc .. i * ldc + ncols]`, `i < tiles * rows` (masked loads and stores past `ncols`), updated as
/// `C = alpha * acc + (first ? beta * C : C)`,
/// skipping the read of C when `first && beta == 0` (with `alpha = 1, beta = 0, first`: `C = acc`).
/// Packing pays when each value is reused many times; on a trainer's products (A used by 100 columns
/// of B) the copies cost 10-25% of the product, so the driver reads operands in place when it can.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sgemm_8xv_direct(
    tiles: usize,
    rows: usize,
    nr: usize,
    ncols: usize,
    k: usize,
    a: &[f32],
    rs: usize,
    cs: usize,
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
    first: bool,
) {
    // 8 rows, or 16 rows of a 16-wide panel (16 accumulators either way); `tiles` such tiles one under
    // the other (one call for a column of tiles: the checks and the dispatch are paid once).
    assert!((rows == 8 && (nr == 16 || nr == 32)) || (rows == 16 && nr == 16));
    assert!(tiles > 0);
    let all_rows = tiles.checked_mul(rows).expect("rows of A and C fit in memory");
    // Only the `ncols` valid columns of C are read and written (masked when fewer than `nr`).
    let last_c = (all_rows - 1).checked_mul(ldc).and_then(|x| x.checked_add(ncols));
    assert!(ncols <= nr && ncols > 0 && ldc >= ncols && last_c.is_some_and(|l| l <= c.len()));
    assert!(rs == 1 || cs == 1, "A needs contiguous rows or columns");
    if k > 0 {
        let last_a = (all_rows - 1).checked_mul(rs).zip((k - 1).checked_mul(cs)).and_then(|(x, y)| x.checked_add(y));
        let last_b = (k - 1).checked_mul(ldb).and_then(|x| x.checked_add(ncols - 1));
        assert!(last_a.is_some_and(|l| l < a.len()) && last_b.is_some_and(|l| l < b.len()));
    }
    let row_major = cs == 1;
    // The valid lanes of each of the (up to) two vectors of a B row.
    let lanes = |v: usize| ncols.saturating_sub(16 * v).min(16);
    let m0 = if lanes(0) == 16 { u16::MAX } else { (1u16 << lanes(0)) - 1 };
    let m1 = if lanes(1) == 16 { u16::MAX } else { (1u16 << lanes(1)) - 1 };
    let masked = ncols < nr;
    let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    // SAFETY: only selected when AVX-512F is available (`simd::best` / `available`). The asserts above
    // bound every access: tile t covers rows `t rows .. (t + 1) rows` of A and C, so A's last index
    // `(tiles rows - 1) rs + (k - 1) cs` is inside `a`; B's unmasked lanes reach at most
    // `(k - 1) ldb + ncols - 1` inside `b` (masked-out lanes are not accessed: AVX-512 masked loads
    // suppress them), and row i < tiles rows of C is `c[i * ldc .. i * ldc + nr]`, inside `c`.
    unsafe {
        macro_rules! go {
            ($mr:literal, $nv:literal, $rows:literal, $masked:literal) => {
                for t in 0..tiles {
                    sgemm_8xv_avx512::<$mr, $nv, $rows, $masked>(
                        k,
                        ap.add(t * rows * rs),
                        rs,
                        cs,
                        bp,
                        ldb,
                        [m0, m1],
                        cp.add(t * rows * ldc),
                        ldc,
                        alpha,
                        beta,
                        first,
                    )
                }
            };
        }
        match (rows, nr, row_major, masked) {
            (8, 32, true, false) => go!(8, 2, true, false),
            (8, 32, false, false) => go!(8, 2, false, false),
            (8, 32, true, true) => go!(8, 2, true, true),
            (8, 32, false, true) => go!(8, 2, false, true),
            (8, _, true, false) => go!(8, 1, true, false),
            (8, _, false, false) => go!(8, 1, false, false),
            (8, _, true, true) => go!(8, 1, true, true),
            (8, _, false, true) => go!(8, 1, false, true),
            (_, _, true, false) => go!(16, 1, true, false),
            (_, _, false, false) => go!(16, 1, false, false),
            (_, _, true, true) => go!(16, 1, true, true),
            (_, _, false, true) => go!(16, 1, false, true),
        }
    }
}

#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f")]
unsafe fn sgemm_8xv_avx512<const MR: usize, const NV: usize, const ROWS: bool, const MASKED: bool>(
    k: usize,
    a: *const f32,
    rs: usize,
    cs: usize,
    b: *const f32,
    ldb: usize,
    masks: [u16; 2],
    c: *mut f32,
    ldc: usize,
    alpha: f32,
    beta: f32,
    first: bool,
) {
    let mut acc = [[_mm512_setzero_ps(); NV]; MR];
    // One depth step: two B row loads (or one), MR broadcasts of A, MR * NV FMAs. `arow[i]` is row i of
    // A at depth 0 (rows of A contiguous) or A itself (columns contiguous), so each broadcast is one
    // load from a register plus an offset: without them the compiler recomputed the MR row addresses
    // every step in a chain of adds that made the loop front-end bound (36 instructions per 16 FMAs).
    let arow: [*const f32; MR] = core::array::from_fn(|i| if ROWS { a.wrapping_add(i * rs) } else { a });
    let step = |acc: &mut [[__m512; NV]; MR], p: usize| {
        // SAFETY: p < k; the caller checked every A index `i rs + p cs` (i < MR) and every unmasked B
        // index `p ldb + j` (j < ncols).
        unsafe {
            let row = b.add(p * ldb);
            let bv: [__m512; NV] = core::array::from_fn(|v| {
                if MASKED { _mm512_maskz_loadu_ps(masks[v], row.add(v * 16)) } else { _mm512_loadu_ps(row.add(v * 16)) }
            });
            for (i, ci) in acc.iter_mut().enumerate() {
                let ai = if ROWS { *arow[i].add(p) } else { *arow[i].add(p * cs + i) };
                let ai = _mm512_set1_ps(ai);
                for (cv, bj) in ci.iter_mut().zip(&bv) {
                    *cv = _mm512_fmadd_ps(ai, *bj, *cv);
                }
            }
        }
    };
    // Four steps per iteration (same order of FMAs as one at a time: the bits do not change).
    let mut p = 0;
    while p + 4 <= k {
        step(&mut acc, p);
        step(&mut acc, p + 1);
        step(&mut acc, p + 2);
        step(&mut acc, p + 3);
        p += 4;
    }
    while p < k {
        step(&mut acc, p);
        p += 1;
    }
    let (va, vb) = (_mm512_set1_ps(alpha), _mm512_set1_ps(beta));
    for (i, ci) in acc.iter().enumerate() {
        for (v, cv) in ci.iter().enumerate() {
            // SAFETY: row i < MR of the tile: its lanes below `ncols` (all 16 NV when not MASKED, else
            // the ones `masks` selects) lie in c[i * ldc .. i * ldc + ncols], checked by the caller;
            // masked-out lanes are neither read nor written.
            unsafe {
                let dst = c.add(i * ldc + v * 16);
                let load = |d: *const f32| if MASKED { _mm512_maskz_loadu_ps(masks[v], d) } else { _mm512_loadu_ps(d) };
                let out = if first {
                    if beta == 0.0 {
                        _mm512_mul_ps(va, *cv)
                    } else {
                        _mm512_fmadd_ps(va, *cv, _mm512_mul_ps(vb, load(dst)))
                    }
                } else {
                    _mm512_fmadd_ps(va, *cv, load(dst))
                };
                if MASKED {
                    _mm512_mask_storeu_ps(dst, masks[v], out);
                } else {
                    _mm512_storeu_ps(dst, out);
                }
            }
        }
    }
}

/// `c[j] += sum_p (alpha x[p xs]) b[p ldb + j]` (the kernels' row product) with up to 128 columns in 8
/// zmm registers, the last vector masked, fused multiply-adds; only called when AVX-512F is available.
pub(crate) fn sgemv_rows(alpha: f32, x: &[f32], xs: usize, k: usize, b: &[f32], ldb: usize, c: &mut [f32]) {
    let n = c.len();
    if k == 0 || n == 0 {
        return;
    }
    let last_x = (k - 1).checked_mul(xs);
    let last_b = (k - 1).checked_mul(ldb).and_then(|v| v.checked_add(n - 1));
    assert!(last_x.is_some_and(|l| l < x.len()) && last_b.is_some_and(|l| l < b.len()));
    for j0 in (0..n).step_by(128) {
        let w = (n - j0).min(128);
        let nv = w.div_ceil(16);
        let tail = w - 16 * (nv - 1);
        let mask = if tail == 16 { u16::MAX } else { (1u16 << tail) - 1 };
        let (xp, bp, cp) = (x.as_ptr(), b[j0..].as_ptr(), c[j0..].as_mut_ptr());
        // SAFETY: AVX-512F is available (the caller checked `best()`). Row p of B's chunk is read at
        // `bp + p ldb + 16 v` for lanes below `w` only (the last vector masked to `tail` lanes): the
        // largest index is `j0 + (k - 1) ldb + w - 1 <= (k - 1) ldb + n - 1`, inside `b` (asserted);
        // x is read at `p xs <= (k - 1) xs`, inside `x`; c at `j0 .. j0 + w`, inside `c`.
        unsafe {
            macro_rules! go {
                ($nv:literal) => {
                    sgemv_rows_avx512::<$nv>(alpha, xp, xs, k, bp, ldb, cp, mask)
                };
            }
            match nv {
                1 => go!(1),
                2 => go!(2),
                3 => go!(3),
                4 => go!(4),
                5 => go!(5),
                6 => go!(6),
                7 => go!(7),
                _ => go!(8),
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f")]
unsafe fn sgemv_rows_avx512<const NV: usize>(
    alpha: f32,
    x: *const f32,
    xs: usize,
    k: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    mask: u16,
) {
    let lanes = |v: usize| if v + 1 == NV { mask } else { u16::MAX };
    // The caller's contract: c holds the chunk's lanes, B's rows are readable on the chunk's lanes for
    // p < k, x at p xs for p < k.
    let mut acc: [__m512; NV] = core::array::from_fn(|v| {
        // SAFETY: vector v of the chunk of c, its lanes past the chunk masked off (caller's contract).
        unsafe { _mm512_maskz_loadu_ps(lanes(v), c.add(16 * v)) }
    });
    for p in 0..k {
        // SAFETY: as above.
        unsafe {
            let s = _mm512_set1_ps(alpha * *x.add(p * xs));
            let row = b.add(p * ldb);
            for (v, a) in acc.iter_mut().enumerate() {
                *a = _mm512_fmadd_ps(s, _mm512_maskz_loadu_ps(lanes(v), row.add(16 * v)), *a);
            }
        }
    }
    for (v, a) in acc.iter().enumerate() {
        // SAFETY: as above.
        unsafe { _mm512_mask_storeu_ps(c.add(16 * v), lanes(v), *a) };
    }
}

/// Packs a B stored transposed (`B[p][j] = src[j * ld + p]`, columns contiguous: `W^T`) into a panel
/// `dst[p * nr + j]` for `p < kc`, `j < cols <= nr`, by 16 x 16 blocks transposed in registers (64
/// shuffles per 256 values, where the element-wise copy made a strided store per value); the edges
/// element by element. Columns `cols .. nr` of `dst` are left as they are.
pub(crate) fn pack_bt_f32(src: &[f32], ld: usize, kc: usize, cols: usize, dst: &mut [f32], nr: usize) {
    if kc == 0 || cols == 0 {
        return;
    }
    assert!(cols <= nr && dst.len() >= kc * nr);
    let last = (cols - 1).checked_mul(ld).and_then(|x| x.checked_add(kc));
    assert!(last.is_some_and(|l| l <= src.len()));
    let (jb, pb) = (cols / 16 * 16, kc / 16 * 16);
    for j0 in (0..jb).step_by(16) {
        for p0 in (0..pb).step_by(16) {
            // SAFETY: AVX-512F is available (this runs from the AVX-512 kernel table only). Rows
            // j0 .. j0 + 16 <= cols of `src` are read at p0 .. p0 + 16 <= kc: the last index is
            // (cols - 1) ld + kc - 1 < src.len() (asserted); `dst` rows p0 .. p0 + 16 <= kc are written at
            // columns j0 .. j0 + 16 <= nr: below kc nr <= dst.len().
            unsafe { transpose16_avx512(src.as_ptr().add(j0 * ld + p0), ld, dst.as_mut_ptr().add(p0 * nr + j0), nr) };
        }
    }
    for j in 0..cols {
        let from = if j < jb { pb } else { 0 };
        for p in from..kc {
            dst[p * nr + j] = src[j * ld + p];
        }
    }
}

/// `dst[p * ldd + j] = src[j * ld + p]` for `j, p < 16`.
#[target_feature(enable = "avx512f")]
unsafe fn transpose16_avx512(src: *const f32, ld: usize, dst: *mut f32, ldd: usize) {
    // SAFETY: the caller guarantees 16 rows of 16 values at `src` (stride `ld`) and 16 rows of 16 at
    // `dst` (stride `ldd`).
    let r: [__m512; 16] = core::array::from_fn(|i| unsafe { _mm512_loadu_ps(src.add(i * ld)) });
    // Pairs of rows interleaved within 128-bit lanes, then quadruples: u[4q + c] holds column
    // 4 l + c of rows 4q .. 4q + 4 in lane l.
    let t: [__m512; 16] = core::array::from_fn(|i| {
        let (a, b) = (r[i & !1], r[i | 1]);
        if i % 2 == 0 { _mm512_unpacklo_ps(a, b) } else { _mm512_unpackhi_ps(a, b) }
    });
    let u: [__m512; 16] = core::array::from_fn(|i| {
        let (q, c) = (i / 4, i % 4);
        let (a, b) = (t[4 * q + c / 2], t[4 * q + 2 + c / 2]);
        if c % 2 == 0 { _mm512_shuffle_ps::<0x44>(a, b) } else { _mm512_shuffle_ps::<0xee>(a, b) }
    });
    // Lanes regrouped: v[c + 4 h + 8 g] holds columns c + 4 h (lanes 0, 2) and c + 4 h + 8 (lanes 1, 3)
    // of rows 8 g .. 8 g + 8; then w[col] = column col of all 16 rows.
    let v: [__m512; 16] = core::array::from_fn(|i| {
        let (c, h, g) = (i % 4, (i / 4) % 2, i / 8);
        let (a, b) = (u[8 * g + c], u[8 * g + 4 + c]);
        if h == 0 { _mm512_shuffle_f32x4::<0x88>(a, b) } else { _mm512_shuffle_f32x4::<0xdd>(a, b) }
    });
    for col in 0..16 {
        let (c, h, hi) = (col % 4, (col / 4) % 2, col / 8);
        let (a, b) = (v[c + 4 * h], v[c + 4 * h + 8]);
        let w = if hi == 0 { _mm512_shuffle_f32x4::<0x88>(a, b) } else { _mm512_shuffle_f32x4::<0xdd>(a, b) };
        // SAFETY: row `col` < 16 of `dst` (see above).
        unsafe { _mm512_storeu_ps(dst.add(col * ldd), w) };
    }
}

/// The narrow-panel kernel: `out[i * w + j] = sum_p A[i][p] * bt[j * k + p]` for `i < rows`, `j < w`,
/// `w <= 4` (the last few columns of a product whose width is not a multiple of the main kernel's),
/// with `A[i][p] = a[i * rs + p * cs]`. A 16-lane kernel along the columns would leave 12 of 16 lanes
/// idle there; this one puts every lane to work: with A's rows contiguous (`cs == 1`) as dot products
/// along `p` (16 partial sums per element, added in a fixed tree), with A's columns contiguous
/// (`rs == 1`) as 64-row column updates (one lane per row, summed in order of `p`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn sgemm_narrow(
    w: usize,
    rows: usize,
    k: usize,
    a: &[f32],
    rs: usize,
    cs: usize,
    bt: &[f32],
    out: &mut [f32],
) {
    assert!((1..=4).contains(&w) && bt.len() >= w * k && out.len() >= rows * w && (rs == 1 || cs == 1));
    if rows == 0 || k == 0 {
        out[..rows * w].fill(0.0);
        return;
    }
    let last_a = (rows - 1).checked_mul(rs).zip((k - 1).checked_mul(cs)).and_then(|(x, y)| x.checked_add(y));
    assert!(last_a.is_some_and(|l| l < a.len()));
    let (ap, bp, op) = (a.as_ptr(), bt.as_ptr(), out.as_mut_ptr());
    // SAFETY: only selected when AVX-512F is available (`simd::best` / `available`); the asserts above
    // bound every access: rows `i < rows` and depths `p < k` of A lie inside `a` (its last index is
    // `(rows - 1) rs + (k - 1) cs`; masked-out lanes are not accessed), `bt` holds `w * k` values and
    // `out` `rows * w`.
    unsafe {
        match (cs == 1, w) {
            (true, 1) => narrow_dot_avx512::<1>(rows, k, ap, rs, bp, op),
            (true, 2) => narrow_dot_avx512::<2>(rows, k, ap, rs, bp, op),
            (true, 3) => narrow_dot_avx512::<3>(rows, k, ap, rs, bp, op),
            (true, _) => narrow_dot_avx512::<4>(rows, k, ap, rs, bp, op),
            (false, 1) => narrow_axpy_avx512::<1>(rows, k, ap, cs, bp, op),
            (false, 2) => narrow_axpy_avx512::<2>(rows, k, ap, cs, bp, op),
            (false, 3) => narrow_axpy_avx512::<3>(rows, k, ap, cs, bp, op),
            (false, _) => narrow_axpy_avx512::<4>(rows, k, ap, cs, bp, op),
        }
    }
}

/// Sum of the 16 lanes in a fixed order (halves, then quarters, then pairs), so the result does not
/// depend on how the compiler lowers a reduction.
#[inline]
#[target_feature(enable = "avx512f")]
fn sum16(x: __m512) -> f32 {
    let x = _mm512_add_ps(x, _mm512_shuffle_f32x4::<0b01_00_11_10>(x, x));
    let x = _mm512_add_ps(x, _mm512_shuffle_f32x4::<0b10_11_00_01>(x, x));
    let x = _mm512_add_ps(x, _mm512_permute_ps::<0b01_00_11_10>(x));
    let x = _mm512_add_ps(x, _mm512_permute_ps::<0b10_11_00_01>(x));
    _mm512_cvtss_f32(x)
}

/// Rows of A contiguous: four rows at a time, `W` dot products each, 16 depths per step (masked tail).
#[target_feature(enable = "avx512f")]
unsafe fn narrow_dot_avx512<const W: usize>(
    rows: usize,
    k: usize,
    a: *const f32,
    lda: usize,
    bt: *const f32,
    out: *mut f32,
) {
    for i0 in (0..rows).step_by(4) {
        let r = 4.min(rows - i0);
        // Rows past the last are the last row again (computed, not stored).
        let row: [*const f32; 4] = core::array::from_fn(|q| {
            // SAFETY: i0 + min(q, r - 1) < rows: a row of A the caller bounded.
            unsafe { a.add((i0 + q.min(r - 1)) * lda) }
        });
        let mut acc = [[_mm512_setzero_ps(); W]; 4];
        for p0 in (0..k).step_by(16) {
            let len = 16.min(k - p0);
            let m: u16 = if len == 16 { u16::MAX } else { (1u16 << len) - 1 };
            // SAFETY: lanes p0 .. p0 + len < k of rows < rows of A and of the W rows of bt (k values
            // each); masked-out lanes are not accessed.
            unsafe {
                let bv: [__m512; W] = core::array::from_fn(|j| _mm512_maskz_loadu_ps(m, bt.add(j * k + p0)));
                for (q, aq) in acc.iter_mut().enumerate() {
                    let av = _mm512_maskz_loadu_ps(m, row[q].add(p0));
                    for (c, b) in aq.iter_mut().zip(&bv) {
                        *c = _mm512_fmadd_ps(av, *b, *c);
                    }
                }
            }
        }
        for (q, aq) in acc.iter().enumerate().take(r) {
            for (j, c) in aq.iter().enumerate() {
                // SAFETY: row i0 + q < rows, column j < W: inside `out` (rows * W values).
                unsafe { *out.add((i0 + q) * W + j) = sum16(*c) };
            }
        }
    }
}

/// Columns of A contiguous: 64 rows at a time (four vectors, masked past the last row), `W` columns.
#[target_feature(enable = "avx512f")]
unsafe fn narrow_axpy_avx512<const W: usize>(
    rows: usize,
    k: usize,
    a: *const f32,
    cs: usize,
    bt: *const f32,
    out: *mut f32,
) {
    for i0 in (0..rows).step_by(64) {
        let r = 64.min(rows - i0);
        let masks: [u16; 4] = core::array::from_fn(|v| {
            let n = r.saturating_sub(16 * v).min(16);
            if n == 16 { u16::MAX } else { (1u16 << n) - 1 }
        });
        let mut acc = [[_mm512_setzero_ps(); W]; 4];
        for p in 0..k {
            // SAFETY: rows i0 + 16 v + lane < rows (masked) at depth p < k of A, and bt[j * k + p] for
            // j < W: all bounded by the caller.
            unsafe {
                let col = a.add(i0 + p * cs);
                let av: [__m512; 4] = core::array::from_fn(|v| _mm512_maskz_loadu_ps(masks[v], col.add(16 * v)));
                let bv: [__m512; W] = core::array::from_fn(|j| _mm512_set1_ps(*bt.add(j * k + p)));
                for (x, accv) in av.iter().zip(acc.iter_mut()) {
                    for (c, b) in accv.iter_mut().zip(&bv) {
                        *c = _mm512_fmadd_ps(*x, *b, *c);
                    }
                }
            }
        }
        let mut t = [[0.0f32; 64]; W];
        for (v, accv) in acc.iter().enumerate() {
            for (tj, c) in t.iter_mut().zip(accv) {
                // SAFETY: 16 values at tj[16 v ..], inside the 64-value array.
                unsafe { _mm512_storeu_ps(tj.as_mut_ptr().add(16 * v), *c) };
            }
        }
        for i in 0..r {
            for (j, tj) in t.iter().enumerate() {
                // SAFETY: row i0 + i < rows, column j < W: inside `out`.
                unsafe { *out.add((i0 + i) * W + j) = tj[i] };
            }
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
