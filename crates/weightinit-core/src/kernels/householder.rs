//! The thin orthogonal factor of a product of Householder reflectors, blocked (compact WY: Schreiber & Van
//! Loan 1989; the backward accumulation of LAPACK's `xORGQR`), with the same bits on every ISA.
//!
//! Input: a column-major `m x n` matrix `A` (`m >= n`). Column `k`'s entries `x = A[k.., k]` define the
//! reflector `H_k = I - tau_k v_k v_k^T` of LAPACK's `xLARFG`: `beta_k = -sign(x_0) ||x||`,
//! `tau_k = (beta_k - x_0) / beta_k`, `v_k = [1, x_1.. / (x_0 - beta_k)]` (supported on rows `k..m`);
//! `tau_k = 0` (`H_k = I`, `beta_k = x_0`) when `x_1.. = 0`. Entries above the diagonal are not read.
//! Output, in place: `Q = H_0 H_1 ... H_{n-1} I[:, :n] D` with `D = diag(sign(beta_k))`, so `Q^T Q = I`.
//!
//! When `A` is a Gaussian matrix this is a Haar-distributed (uniform on the Stiefel manifold) `Q`, the same
//! law as the `Q` of a Householder QR of a Gaussian matrix with R's diagonal made positive (PyTorch's
//! `orthogonal_`): after `H_0 ... H_{k-1}` are applied, the rest of a Gaussian column is again i.i.d.
//! Gaussian and independent of them (rotation invariance), so QR's trailing updates can be skipped and each
//! reflector drawn from fresh Gaussians (Stewart 1980, "The efficient generation of random orthogonal
//! matrices with an application to condition estimators"). That halves QR-then-form-Q's `8/3 n^3` flops.
//!
//! Blocks of [`NB`] reflectors, last block first: `V` (the block's vectors, with the unit diagonal and zeros
//! above it written out), `T` upper triangular with `H_k0 ... H_k0+nb-1 = I - V T V^T` (`xLARFT`, from
//! `G = V^T V`), then on the columns `k0..n` (the block's own set to the identity first):
//! `W = V^T C`, `W = T W`, `C = C - V W`. Every value is computed by one fixed sequence of IEEE
//! operations: dot products as 16 (f32) or 8 (f64) interleaved partial sums reduced by a fixed tree, the
//! rest element by element in a fixed order; f32 uses fused multiply-adds (every path has them: FMA
//! instructions on x86-64, [`crate::simd::fmaf`] on the portable path), f64 a rounded multiply then add.
//! Tiling and vector width change which values are computed together, never how one is computed, so the
//! result does not depend on the ISA.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::simd::{self, Isa, Wide, WithSimd};

/// Reflectors per block.
pub const NB: usize = 32;

/// Rows of a padded column of the block's `V` (a multiple of every lane count).
const PAD: usize = 16;

fn round_up(x: usize, to: usize) -> Option<usize> {
    x.checked_next_multiple_of(to)
}

/// Elements of `T` [`householder_q`] needs as workspace for an `m x n` matrix: `V` (`(m + 16) x NB`),
/// `T` (`NB x NB`), `W` (`NB x (n + 16)`) and the `n` factors `tau`.
pub fn householder_q_workspace(m: usize, n: usize) -> Result<usize> {
    let v = round_up(m, PAD).and_then(|r| r.checked_mul(NB));
    let w = round_up(n.max(NB), PAD).and_then(|c| c.checked_mul(NB));
    v.zip(w)
        .and_then(|(v, w)| v.checked_add(w)?.checked_add(NB * NB)?.checked_add(n))
        .ok_or(Error::SizeOverflow)
}

/// Overwrites the column-major `m x n` matrix `a` (`m >= n`, column `j` at `a[j * m..]`) with the thin `Q`
/// of its reflectors (see the module docs), with the best ISA of this CPU. `work` needs
/// [`householder_q_workspace`] elements. Errors: `m < n`, a short `a` or `work`.
pub fn householder_q<T: Float>(a: &mut [T], m: usize, n: usize, work: &mut [T]) -> Result<()> {
    householder_q_with(simd::best(), a, m, n, work)
}

/// [`householder_q`] on a given ISA (the portable path where the CPU lacks it): the same bits on every one.
pub fn householder_q_with<T: Float>(isa: Isa, a: &mut [T], m: usize, n: usize, work: &mut [T]) -> Result<()> {
    if m < n {
        return Err(Error::InvalidShape { reason: "householder_q needs m >= n" });
    }
    let need = m.checked_mul(n).ok_or(Error::SizeOverflow)?;
    if a.len() < need {
        return Err(Error::BufferTooSmall { needed: need, actual: a.len() });
    }
    let wneed = householder_q_workspace(m, n)?;
    if work.len() < wneed {
        return Err(Error::BufferTooSmall { needed: wneed, actual: work.len() });
    }
    if n == 0 {
        return Ok(());
    }
    isa.run(FormQ { a: &mut a[..need], m, n, work });
    Ok(())
}

struct FormQ<'a, T> {
    a: &'a mut [T],
    m: usize,
    n: usize,
    work: &'a mut [T],
}

impl<T: Float> WithSimd for FormQ<'_, T> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Wide>(self, s: S) {
        let FormQ { a, m, n, work } = self;
        if let (Some(a), Some(w)) = (T::f32s_mut(a), T::f32s_mut(work)) {
            form_q(F32x16(s), a, m, n, w);
        } else if let (Some(a), Some(w)) = (T::f64s_mut(a), T::f64s_mut(work)) {
            form_q(F64x8, a, m, n, w);
        }
    }
}

/// The vector operations of this module: `N` lanes of `E`.
trait Lanes: Copy {
    type E: Float;
    type V: Copy;
    const N: usize;
    fn zero(self) -> Self::V;
    fn splat(self, x: Self::E) -> Self::V;
    /// `s[..N]`.
    fn load(self, s: &[Self::E]) -> Self::V;
    /// Into `s[..N]`.
    fn store(self, v: Self::V, s: &mut [Self::E]);
    /// `a * b + c`: fused for f32, rounded twice for f64 (the same on every path either way).
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// The lanes' sum by a fixed tree (halves added lane-wise until one is left).
    fn sum(self, v: Self::V) -> Self::E;
}

#[derive(Clone, Copy)]
struct F32x16<S>(S);

impl<S: Wide> Lanes for F32x16<S> {
    type E = f32;
    type V = S::F;
    const N: usize = 16;
    #[inline(always)]
    fn zero(self) -> S::F {
        self.0.splat(0.0)
    }
    #[inline(always)]
    fn splat(self, x: f32) -> S::F {
        self.0.splat(x)
    }
    #[inline(always)]
    fn load(self, s: &[f32]) -> S::F {
        self.0.load(s.first_chunk().expect("16 lanes"))
    }
    #[inline(always)]
    fn store(self, v: S::F, s: &mut [f32]) {
        self.0.store(v, s.first_chunk_mut().expect("16 lanes"))
    }
    #[inline(always)]
    fn mul_add(self, a: S::F, b: S::F, c: S::F) -> S::F {
        self.0.fma(a, b, c)
    }
    #[inline(always)]
    fn sum(self, v: S::F) -> f32 {
        let mut x = [0.0f32; 16];
        self.0.store(v, &mut x);
        tree_sum(&mut x)
    }
}

#[derive(Clone, Copy)]
struct F64x8;

impl Lanes for F64x8 {
    type E = f64;
    type V = [f64; 8];
    const N: usize = 8;
    #[inline(always)]
    fn zero(self) -> [f64; 8] {
        [0.0; 8]
    }
    #[inline(always)]
    fn splat(self, x: f64) -> [f64; 8] {
        [x; 8]
    }
    #[inline(always)]
    fn load(self, s: &[f64]) -> [f64; 8] {
        *s.first_chunk().expect("8 lanes")
    }
    #[inline(always)]
    fn store(self, v: [f64; 8], s: &mut [f64]) {
        *s.first_chunk_mut().expect("8 lanes") = v;
    }
    #[inline(always)]
    fn mul_add(self, a: [f64; 8], b: [f64; 8], c: [f64; 8]) -> [f64; 8] {
        let mut r = c;
        for i in 0..8 {
            r[i] = a[i] * b[i] + c[i];
        }
        r
    }
    #[inline(always)]
    fn sum(self, mut v: [f64; 8]) -> f64 {
        tree_sum(&mut v)
    }
}

/// `x`'s sum: the upper half added onto the lower half until one element is left (`x.len()` a power of 2).
#[inline(always)]
fn tree_sum<E: Float>(x: &mut [E]) -> E {
    let mut len = x.len();
    while len > 1 {
        len /= 2;
        for i in 0..len {
            x[i] = x[i] + x[i + len];
        }
    }
    x[0]
}

/// `sum_r x[r] * y[r]` as [`Lanes::N`] interleaved partial sums (lane `l` takes rows `l, l + N, ...`,
/// rows past the end count as zeros), reduced by [`Lanes::sum`].
#[inline(always)]
fn dot<L: Lanes>(l: L, x: &[L::E], y: &[L::E]) -> L::E {
    let n = x.len().min(y.len());
    let full = n - n % L::N;
    let mut acc = l.zero();
    let mut r = 0;
    while r < full {
        acc = l.mul_add(l.load(&x[r..]), l.load(&y[r..]), acc);
        r += L::N;
    }
    if r < n {
        let (mut tx, mut ty) = ([L::E::ZERO; 16], [L::E::ZERO; 16]);
        tx[..n - r].copy_from_slice(&x[r..n]);
        ty[..n - r].copy_from_slice(&y[r..n]);
        acc = l.mul_add(l.load(&tx), l.load(&ty), acc);
    }
    l.sum(acc)
}

/// The whole computation (see the module docs) on lanes `l`.
#[inline(always)]
fn form_q<L: Lanes>(l: L, a: &mut [L::E], m: usize, n: usize, work: &mut [L::E]) {
    let ldv = m.next_multiple_of(PAD);
    let (vp, rest) = work.split_at_mut(ldv * NB);
    let (t, rest) = rest.split_at_mut(NB * NB);
    let (tau, w) = rest.split_at_mut(n);
    reflectors(l, a, m, n, tau);
    for b in (0..n.div_ceil(NB)).rev() {
        let k0 = b * NB;
        let kb = NB.min(n - k0);
        let mv = m - k0;
        let ldv = mv.next_multiple_of(PAD);
        let vp = &mut vp[..ldv * NB];
        pack_v(a, m, k0, kb, vp, ldv);
        // T from G = V^T V (in W's space).
        let g = &mut w[..NB * NB];
        dots(l, vp, ldv, vp, ldv, ldv, NB, g, NB);
        block_t(tau, k0, kb, g, t);
        // C = columns k0..n, rows k0..m; the block's own columns start as the identity.
        for j in k0..k0 + kb {
            let col = &mut a[j * m..(j + 1) * m];
            col.fill(L::E::ZERO);
            col[j] = L::E::ONE;
        }
        let nc = n - k0;
        let ldw = nc.next_multiple_of(PAD);
        let w = &mut w[..NB * ldw];
        let c = &mut a[k0 * m + k0..];
        dots(l, vp, ldv, c, m, mv, nc, w, ldw);
        tri_mul(l, t, w, ldw);
        update(l, c, m, mv, nc, vp, ldv, w, ldw);
    }
    // Q D: column k times sign(beta_k) (carried in tau's sign).
    for k in 0..n {
        if tau[k].to_f64().is_sign_negative() {
            for x in a[k * m..(k + 1) * m].iter_mut() {
                *x = -*x;
            }
        }
    }
}

/// Every reflector from its own column (`xLARFG`): on return `a[k+1.., k]` holds `v_k`'s tail and
/// `tau[k]` holds `tau_k` with the sign of `beta_k` (`+-0` when `H_k = I`).
#[inline(always)]
fn reflectors<L: Lanes>(l: L, a: &mut [L::E], m: usize, n: usize, tau: &mut [L::E]) {
    for k in 0..n {
        let col = &mut a[k * m + k..(k + 1) * m];
        let alpha = col[0];
        let sigma = dot(l, &col[1..], &col[1..]);
        if sigma == L::E::ZERO {
            tau[k] = if alpha < L::E::ZERO { -L::E::ZERO } else { L::E::ZERO };
            continue;
        }
        let norm = (alpha * alpha + sigma).sqrt();
        let beta = if alpha >= L::E::ZERO { -norm } else { norm };
        let scale = L::E::ONE / (alpha - beta);
        for x in col[1..].iter_mut() {
            *x *= scale;
        }
        let t = (beta - alpha) / beta;
        tau[k] = if beta < L::E::ZERO { -t } else { t };
    }
}

/// `vp` (`ldv x NB`, column-major) = the block's `V`: column `i < kb` is zero above row `i`, one at it,
/// `a[k0 + i + 1.., k0 + i]` below, zero past `m - k0`; columns `kb..NB` are zero.
fn pack_v<E: Float>(a: &[E], m: usize, k0: usize, kb: usize, vp: &mut [E], ldv: usize) {
    let mv = m - k0;
    for (i, col) in vp.chunks_exact_mut(ldv).enumerate() {
        col.fill(E::ZERO);
        if i < kb {
            col[i] = E::ONE;
            let src = &a[(k0 + i) * m + k0 + i + 1..(k0 + i + 1) * m];
            col[i + 1..mv].copy_from_slice(src);
        }
    }
}

/// `T` (`NB x NB`, row-major, upper triangular, zero past `kb`) of the block from `G = V^T V` (`xLARFT`,
/// forward, columnwise): `T[j][j] = tau_j`, `T[0..j, j] = -tau_j T[0..j, 0..j] G[0..j, j]`, each sum in
/// order of the inner index.
#[inline(always)]
fn block_t<E: Float>(tau: &[E], k0: usize, kb: usize, g: &[E], t: &mut [E]) {
    t.fill(E::ZERO);
    for j in 0..kb {
        let tj = tau[k0 + j].abs();
        for i in 0..j {
            let mut z = E::ZERO;
            for p in i..j {
                z = z + t[i * NB + p] * g[p * NB + j];
            }
            t[i * NB + j] = -(tj * z);
        }
        t[j * NB + j] = tj;
    }
}

/// `w[i * ldw + j] = dot(v[i * ldv..][..rows], c[j * ldc..][..rows])` for `i < ni` (a multiple of 4),
/// `j < nj`, as [`dot`] computes each (the tiles only share loads).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn dots<L: Lanes>(
    l: L,
    v: &[L::E],
    ldv: usize,
    c: &[L::E],
    ldc: usize,
    rows: usize,
    nj: usize,
    w: &mut [L::E],
    ldw: usize,
) {
    let ni = NB;
    let mut j = 0;
    while j < nj {
        let sj = (nj - j).min(3);
        for i in (0..ni).step_by(4) {
            match sj {
                3 => dots_tile::<L, 3>(l, v, ldv, c, ldc, rows, i, j, w, ldw),
                2 => dots_tile::<L, 2>(l, v, ldv, c, ldc, rows, i, j, w, ldw),
                _ => dots_tile::<L, 1>(l, v, ldv, c, ldc, rows, i, j, w, ldw),
            }
        }
        j += sj;
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn dots_tile<L: Lanes, const SJ: usize>(
    l: L,
    v: &[L::E],
    ldv: usize,
    c: &[L::E],
    ldc: usize,
    rows: usize,
    i0: usize,
    j0: usize,
    w: &mut [L::E],
    ldw: usize,
) {
    let mut acc = [[l.zero(); SJ]; 4];
    let full = rows - rows % L::N;
    let vcols: [&[L::E]; 4] = core::array::from_fn(|i| &v[(i0 + i) * ldv..(i0 + i) * ldv + ldv]);
    let ccols: [&[L::E]; SJ] = core::array::from_fn(|j| &c[(j0 + j) * ldc..(j0 + j) * ldc + rows]);
    let mut r = 0;
    while r < full {
        let mut vv = [l.zero(); 4];
        for i in 0..4 {
            vv[i] = l.load(&vcols[i][r..]);
        }
        for j in 0..SJ {
            let cv = l.load(&ccols[j][r..]);
            for i in 0..4 {
                acc[i][j] = l.mul_add(vv[i], cv, acc[i][j]);
            }
        }
        r += L::N;
    }
    if r < rows {
        // The last partial chunk: C's rows past `rows` count as zeros (V is padded with zeros).
        let mut vv = [l.zero(); 4];
        for i in 0..4 {
            vv[i] = l.load(&vcols[i][r..]);
        }
        for j in 0..SJ {
            let mut tc = [L::E::ZERO; 16];
            tc[..rows - r].copy_from_slice(&ccols[j][r..rows]);
            let cv = l.load(&tc);
            for i in 0..4 {
                acc[i][j] = l.mul_add(vv[i], cv, acc[i][j]);
            }
        }
    }
    for i in 0..4 {
        for j in 0..SJ {
            w[(i0 + i) * ldw + j0 + j] = l.sum(acc[i][j]);
        }
    }
}

/// `W = T W` in place (`T` upper triangular, `W` `NB x ldw` row-major): row `i` becomes
/// `sum_{p >= i} T[i][p] W[p]`, accumulated in order of `p` from zero.
#[inline(always)]
fn tri_mul<L: Lanes>(l: L, t: &[L::E], w: &mut [L::E], ldw: usize) {
    for i in 0..NB {
        for j in (0..ldw).step_by(L::N) {
            let mut acc = l.zero();
            for p in i..NB {
                acc = l.mul_add(l.splat(t[i * NB + p]), l.load(&w[p * ldw + j..]), acc);
            }
            l.store(acc, &mut w[i * ldw + j..]);
        }
    }
}

/// `C[r][j] -= sum_p V[r][p] W[p][j]` for `r < rows`, `j < nc` (`C` column-major with stride `ldc`), each
/// element by one fused (f32) chain over `p = 0..NB` starting from its old value.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn update<L: Lanes>(
    l: L,
    c: &mut [L::E],
    ldc: usize,
    rows: usize,
    nc: usize,
    v: &[L::E],
    ldv: usize,
    w: &[L::E],
    ldw: usize,
) {
    const RI: usize = 4;
    let full = rows - rows % L::N;
    let mut r = 0;
    while r < rows {
        let chunks = if r + RI * L::N <= full { RI } else { 1 };
        let mut j = 0;
        while j < nc {
            let sj = (nc - j).min(3);
            if chunks == RI {
                match sj {
                    3 => update_tile::<L, RI, 3>(l, c, ldc, rows, r, j, v, ldv, w, ldw),
                    2 => update_tile::<L, RI, 2>(l, c, ldc, rows, r, j, v, ldv, w, ldw),
                    _ => update_tile::<L, RI, 1>(l, c, ldc, rows, r, j, v, ldv, w, ldw),
                }
            } else {
                match sj {
                    3 => update_tile::<L, 1, 3>(l, c, ldc, rows, r, j, v, ldv, w, ldw),
                    2 => update_tile::<L, 1, 2>(l, c, ldc, rows, r, j, v, ldv, w, ldw),
                    _ => update_tile::<L, 1, 1>(l, c, ldc, rows, r, j, v, ldv, w, ldw),
                }
            }
            j += sj;
        }
        r += chunks * L::N;
    }
}

/// One `(RI * N) x SJ` tile of [`update`] at row `r0`, column `j0`; rows past `rows` are computed on a
/// copy and not written back.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn update_tile<L: Lanes, const RI: usize, const SJ: usize>(
    l: L,
    c: &mut [L::E],
    ldc: usize,
    rows: usize,
    r0: usize,
    j0: usize,
    v: &[L::E],
    ldv: usize,
    w: &[L::E],
    ldw: usize,
) {
    let partial = r0 + RI * L::N > rows;
    let mut acc = [[l.zero(); SJ]; RI];
    for j in 0..SJ {
        let col = &c[(j0 + j) * ldc..];
        for i in 0..RI {
            let at = r0 + i * L::N;
            acc[i][j] = if partial {
                let mut tc = [L::E::ZERO; 16];
                tc[..rows - at].copy_from_slice(&col[at..rows]);
                l.load(&tc)
            } else {
                l.load(&col[at..])
            };
        }
    }
    for p in 0..NB {
        let mut vv = [l.zero(); RI];
        for i in 0..RI {
            vv[i] = l.load(&v[p * ldv + r0 + i * L::N..]);
        }
        for j in 0..SJ {
            let wj = l.splat(-w[p * ldw + j0 + j]);
            for i in 0..RI {
                acc[i][j] = l.mul_add(vv[i], wj, acc[i][j]);
            }
        }
    }
    for j in 0..SJ {
        let col = &mut c[(j0 + j) * ldc..];
        for i in 0..RI {
            let at = r0 + i * L::N;
            if partial {
                let mut tc = [L::E::ZERO; 16];
                l.store(acc[i][j], &mut tc);
                col[at..rows].copy_from_slice(&tc[..rows - at]);
            } else {
                l.store(acc[i][j], &mut col[at..]);
            }
        }
    }
}
