//! The thin orthogonal factor of a product of Householder reflectors, blocked (compact WY: Schreiber & Van
//! Loan 1989; the backward accumulation of LAPACK's `xORGQR`), with the same bits on every ISA.
//!
//! Input: a row-major `m x n` matrix `A` (`m >= n`, `A(r, c)` at `r * n + c`). Column `k`'s entries
//! `x = A[k.., k]` define the reflector `H_k = I - tau_k v_k v_k^T` of LAPACK's `xLARFG`:
//! `beta_k = -sign(x_0) ||x||`, `tau_k = (beta_k - x_0) / beta_k`, `v_k = [1, x_1.. / (x_0 - beta_k)]`
//! (supported on rows `k..m`); `tau_k = 0` (`H_k = I`, `beta_k = x_0`) when `x_1.. = 0`. Entries above the
//! diagonal are not read. Output, in place: `Q = H_0 H_1 ... H_{n-1} I[:, :n] D` with
//! `D = diag(sign(beta_k))`, so `Q^T Q = I`.
//!
//! When `A` is a Gaussian matrix this is a Haar-distributed (uniform on the Stiefel manifold) `Q`, the same
//! law as the `Q` of a Householder QR of a Gaussian matrix with R's diagonal made positive (PyTorch's
//! `orthogonal_`): after `H_0 ... H_{k-1}` are applied, the rest of a Gaussian column is again i.i.d.
//! Gaussian and independent of them (rotation invariance), so QR's trailing updates can be skipped and each
//! reflector drawn from fresh Gaussians (Stewart 1980, "The efficient generation of random orthogonal
//! matrices with an application to condition estimators"). That halves QR-then-form-Q's `8/3 n^3` flops.
//!
//! Blocks of `nb` reflectors ([`block_width`]), last block first: `V` (the block's vectors, with the unit diagonal and zeros
//! above it written out), `T` upper triangular with `H_k0 ... H_k0+nb-1 = I - V T V^T` (`xLARFT`, from
//! `G = V^T V`), then on the columns `k0..n` (the block's own set to the identity first):
//! `W = V^T C`, `W = T W`, `C = C - V W`.
//!
//! Every value is one fixed sequence of IEEE operations, whatever the ISA, tiling or vector width: the
//! norms `||x||^2` sum the squares in `f64` in row order; each element of `W = V^T C`, `T W` and
//! `C - V W` is one chain over its inner index in order, of fused multiply-adds in `f32` (every path has
//! them: FMA instructions on x86-64, [`crate::simd::fmaf`] on the portable path) and of a rounded multiply
//! then add in `f64`. Tiles only decide which chains run side by side, so the result has the same bits on
//! every ISA.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::par;
use crate::simd::{self, Isa, Wide, WithSimd};

/// Reflectors per block for `n` columns: `n` rounded up to a multiple of 8 up to 32, 32 below 512, else
/// 64 (measured: 64 is 25% slower at 256 x 256 and 26% faster at 4096 x 4096). The block width is part of
/// the result's definition (it groups the sums), so it depends on the shape only.
pub fn block_width(n: usize) -> usize {
    if n < 512 { n.next_multiple_of(TILE_R).min(32) } else { 64 }
}

/// Rows of the kernels' tiles.
const TILE_R: usize = 8;
/// Vectors across a tile.
const TILE_V: usize = 3;
/// Rows of `V` and `C` one pass of the `W = V^T C` kernel keeps in L1.
const SEG: usize = 128;
/// Columns of a `W` tile for the widest lanes (f32: 3 x 16).
const TW_MAX: usize = TILE_V * 16;

/// Elements of `T` [`householder_q`] needs as workspace for an `m x n` matrix, with `nb` the
/// [`block_width`]: `V` (`m x nb`), `T` (`nb x nb`), `W` (`nb x max(n, nb)` rounded up to 48 columns)
/// and the `n` factors `tau`.
pub fn householder_q_workspace(m: usize, n: usize) -> Result<usize> {
    let nb = block_width(n);
    let v = m.checked_mul(nb);
    let w = n.max(nb).checked_next_multiple_of(TW_MAX).and_then(|c| c.checked_mul(nb));
    v.zip(w).and_then(|(v, w)| v.checked_add(w)?.checked_add(nb * nb)?.checked_add(n)).ok_or(Error::SizeOverflow)
}

/// Overwrites the row-major `m x n` matrix `a` (`m >= n`, row `r` at `a[r * n..]`) with the thin `Q`
/// of its reflectors (see the module docs), with the best ISA of this CPU, on one thread. `work` needs
/// [`householder_q_workspace`] elements. Errors: `m < n`, a short `a` or `work`.
///
/// ```
/// use weightinit_core::kernels::{householder_q, householder_q_workspace};
/// let mut a = [3.0f64, 1.0, 4.0, 1.0, 5.0, 9.0]; // 3 x 2, row-major
/// let mut work = vec![0.0; householder_q_workspace(3, 2).unwrap()];
/// householder_q(&mut a, 3, 2, &mut work).unwrap();
/// let dot = |i: usize, j: usize| (0..3).map(|r| a[r * 2 + i] * a[r * 2 + j]).sum::<f64>();
/// assert!((dot(0, 0) - 1.0).abs() < 1e-15 && dot(0, 1).abs() < 1e-15 && (dot(1, 1) - 1.0).abs() < 1e-15);
/// // Column 0 is the first column's direction, with R's diagonal positive: [3, 4, 5] / sqrt(50).
/// assert!((a[0] - 3.0 / 50f64.sqrt()).abs() < 1e-15);
/// ```
pub fn householder_q<T: Float>(a: &mut [T], m: usize, n: usize, work: &mut [T]) -> Result<()> {
    householder_q_with(simd::best(), 1, a, m, n, work)
}

/// [`householder_q`] on a given ISA (the portable path where the CPU lacks it) and on up to `threads`
/// threads (feature `std`; one otherwise): the same bits on every ISA and thread count.
pub fn householder_q_with<T: Float>(
    isa: Isa,
    threads: usize,
    a: &mut [T],
    m: usize,
    n: usize,
    work: &mut [T],
) -> Result<()> {
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
    let isa = if simd::available(isa) { isa } else { Isa::Portable };
    let a = &mut a[..need];
    if let (Some(a), Some(w)) = (T::f32s_mut(a), T::f32s_mut(work)) {
        form_q::<f32>(isa, threads, a, m, n, w);
    } else if let (Some(a), Some(w)) = (T::f64s_mut(a), T::f64s_mut(work)) {
        form_q::<f64>(isa, threads, a, m, n, w);
    }
    Ok(())
}

/// Columns of a `W` tile for `E`'s lanes: 48 for f32, 24 for f64.
fn tile_width<E: Float>() -> usize {
    TILE_V * lanes_of::<E>()
}

fn lanes_of<E: Float>() -> usize {
    match E::PRECISION {
        crate::float::Precision::F32 => 16,
        crate::float::Precision::F64 => 8,
    }
}

/// Runs `op` with `E`'s lanes on `isa`.
trait LaneOp<E: Float> {
    fn run<L: Lanes<E = E>>(self, l: L);
}

struct OnIsa<O>(O);

impl<O: LaneOp<f32>> WithSimd for OnIsa<(O, core::marker::PhantomData<f32>)> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Wide>(self, s: S) {
        self.0.0.run(F32x16(s));
    }
}

impl<O: LaneOp<f64>> WithSimd for OnIsa<(O, core::marker::PhantomData<f64>)> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Wide>(self, s: S) {
        self.0.0.run(F64x8(s));
    }
}

/// Dispatches a [`LaneOp`] for either element type.
trait Dispatch: Float {
    fn dispatch<O: LaneOp<Self>>(isa: Isa, op: O);
}

impl Dispatch for f32 {
    fn dispatch<O: LaneOp<f32>>(isa: Isa, op: O) {
        isa.run(OnIsa((op, core::marker::PhantomData::<f32>)))
    }
}

impl Dispatch for f64 {
    fn dispatch<O: LaneOp<f64>>(isa: Isa, op: O) {
        isa.run(OnIsa((op, core::marker::PhantomData::<f64>)))
    }
}

/// The whole computation (see the module docs), driving the ISA's kernels block by block.
fn form_q<E: Dispatch>(isa: Isa, threads: usize, a: &mut [E], m: usize, n: usize, work: &mut [E]) {
    let nb = block_width(n);
    let tw = tile_width::<E>();
    let (vp, rest) = work.split_at_mut(m * nb);
    let (t, rest) = rest.split_at_mut(nb * nb);
    let (tau, w) = rest.split_at_mut(n);
    reflectors(a, m, n, tau);
    for b in (0..n.div_ceil(nb)).rev() {
        let k0 = b * nb;
        let kb = nb.min(n - k0);
        let mv = m - k0;
        let vp = &mut vp[..mv * nb];
        pack_v(a, n, k0, kb, nb, vp);
        // T from G = V^T V (in W's space, tile-major).
        let g = &mut w[..nb * nb.next_multiple_of(tw)];
        E::dispatch(isa, Dots { v: vp, nb, c: vp, ldc: nb, rows: mv, nc: nb, w: g, t: None });
        block_t(tau, k0, kb, nb, g, tw, t);
        // C = rows k0..m, columns k0..n; the block's own columns start as the identity.
        for (r, row) in a.chunks_exact_mut(n).enumerate() {
            for (j, x) in row[k0..k0 + kb].iter_mut().enumerate() {
                *x = if r == k0 + j { E::ONE } else { E::ZERO };
            }
        }
        let nc = n - k0;
        let tiles = nc.div_ceil(tw);
        let w = &mut w[..nb * tw * tiles];
        // A second thread pays from about 2^21 multiply-adds of work on each (measured: 256 x 256 is faster on one).
        let threads = if mv * nc * nb >= (1 << 21) * threads { threads } else { 1 };
        let (vp, t) = (&*vp, &*t);
        // W = T V^T C, by column tiles.
        let c = &a[k0 * n + k0..];
        let per = tiles.div_ceil(threads.min(tiles));
        par::for_chunks(threads, w, per * nb * tw, |i, wpart| {
            let j0 = i * per * tw;
            let t = Some(t);
            E::dispatch(
                isa,
                Dots { v: vp, nb, c: &c[j0..], ldc: n, rows: mv, nc: (nc - j0).min(per * tw), w: wpart, t },
            );
        });
        // C -= V W, by rows.
        let w = &*w;
        let per = mv.div_ceil(threads.min(mv));
        par::for_chunks(threads, &mut a[k0 * n..], per * n, |i, cpart| {
            let rows = cpart.len() / n;
            let v = &vp[i * per * nb..(i * per + rows) * nb];
            E::dispatch(isa, Update { c: &mut cpart[k0..], ldc: n, rows, nc, v, nb, w });
        });
    }
    // Q D: column k times sign(beta_k) (carried in tau's sign).
    for row in a.chunks_exact_mut(n) {
        for (x, t) in row.iter_mut().zip(tau.iter()) {
            if t.to_f64().is_sign_negative() {
                *x = -*x;
            }
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
}

#[derive(Clone, Copy)]
struct F64x8<S>(S);

impl<S: Wide> Lanes for F64x8<S> {
    type E = f64;
    type V = S::D;
    const N: usize = 8;
    #[inline(always)]
    fn zero(self) -> S::D {
        self.0.splat_d(0.0)
    }
    #[inline(always)]
    fn splat(self, x: f64) -> S::D {
        self.0.splat_d(x)
    }
    #[inline(always)]
    fn load(self, s: &[f64]) -> S::D {
        self.0.load_d(s.first_chunk().expect("8 lanes"))
    }
    #[inline(always)]
    fn store(self, v: S::D, s: &mut [f64]) {
        self.0.store_d(v, s.first_chunk_mut().expect("8 lanes"))
    }
    #[inline(always)]
    fn mul_add(self, a: S::D, b: S::D, c: S::D) -> S::D {
        self.0.mul_add_d(a, b, c)
    }
}

/// `s[..w]` as a vector, lanes past `w` zero (`w <= N`).
#[inline(always)]
fn load_part<L: Lanes>(l: L, s: &[L::E], w: usize) -> L::V {
    if w == L::N {
        l.load(s)
    } else {
        let mut t = [L::E::ZERO; 16];
        t[..w].copy_from_slice(&s[..w]);
        l.load(&t)
    }
}

/// Stores the first `w` lanes of `v` into `s[..w]`.
#[inline(always)]
fn store_part<L: Lanes>(l: L, v: L::V, s: &mut [L::E], w: usize) {
    if w == L::N {
        l.store(v, s)
    } else {
        let mut t = [L::E::ZERO; 16];
        l.store(v, &mut t);
        s[..w].copy_from_slice(&t[..w]);
    }
}

/// Every reflector from its own column (`xLARFG`; `||x||^2` in `f64`, summed in row order; `tau_k` and
/// `1 / (x_0 - beta_k)` from `f64`, rounded once): on return `a[k+1.., k]` holds `v_k`'s tail and
/// `tau[k]` holds `tau_k` with the sign of `beta_k` (`+-0` when `H_k = I`). Sixteen columns per pass over
/// the rows.
fn reflectors<E: Float>(a: &mut [E], m: usize, n: usize, tau: &mut [E]) {
    for k0 in (0..n).step_by(16) {
        let kw = 16.min(n - k0);
        let mut sigma = [0.0f64; 16];
        for r in k0 + 1..m {
            let row = &a[r * n + k0..r * n + k0 + kw];
            for (kk, (s, x)) in sigma.iter_mut().zip(row).enumerate() {
                if r > k0 + kk {
                    let x = x.to_f64();
                    *s += x * x;
                }
            }
        }
        let mut scale = [E::ONE; 16];
        for kk in 0..kw {
            let k = k0 + kk;
            let alpha = a[k * n + k].to_f64();
            if sigma[kk] == 0.0 {
                tau[k] = if alpha < 0.0 { -E::ZERO } else { E::ZERO };
                continue;
            }
            let norm = libm::sqrt(alpha * alpha + sigma[kk]);
            let beta = if alpha >= 0.0 { -norm } else { norm };
            scale[kk] = E::from_f64(1.0 / (alpha - beta));
            let t = E::from_f64((beta - alpha) / beta);
            tau[k] = if beta < 0.0 { -t } else { t };
        }
        for r in k0 + 1..m {
            let row = &mut a[r * n + k0..r * n + k0 + kw];
            for (kk, (x, s)) in row.iter_mut().zip(scale).enumerate() {
                if r > k0 + kk {
                    *x *= s;
                }
            }
        }
    }
}

/// `vp` (`mv x nb`, row-major) = the block's `V`: column `i < kb` is zero above row `i`, one at it,
/// `a[k0 + i + 1.., k0 + i]` below; columns `kb..nb` are zero.
fn pack_v<E: Float>(a: &[E], n: usize, k0: usize, kb: usize, nb: usize, vp: &mut [E]) {
    for (r, dst) in vp.chunks_exact_mut(nb).enumerate() {
        let src = &a[(k0 + r) * n + k0..(k0 + r) * n + k0 + kb];
        for (i, d) in dst.iter_mut().enumerate() {
            *d = match i {
                i if i >= kb || i > r => E::ZERO,
                i if i == r => E::ONE,
                i => src[i],
            };
        }
    }
}

/// `T` (`nb x nb`, row-major, upper triangular, zero past `kb`) of the block from `G = V^T V` (tile-major,
/// tiles `tw` wide; `xLARFT`, forward, columnwise): `T[j][j] = tau_j`,
/// `T[0..j, j] = -tau_j T[0..j, 0..j] G[0..j, j]`, each sum in order of the inner index.
fn block_t<E: Float>(tau: &[E], k0: usize, kb: usize, nb: usize, g: &[E], tw: usize, t: &mut [E]) {
    let t = &mut t[..nb * nb];
    t.fill(E::ZERO);
    let at = |p: usize, j: usize| g[(j / tw) * nb * tw + p * tw + j % tw];
    for j in 0..kb {
        let tj = tau[k0 + j].abs();
        for i in 0..j {
            let mut z = E::ZERO;
            for p in i..j {
                z += t[i * nb + p] * at(p, j);
            }
            t[i * nb + j] = -(tj * z);
        }
        t[j * nb + j] = tj;
    }
}

/// `W = V^T C` (then `W = T W` if `t` is given), `W` tile-major: tile `q` holds columns
/// `q * tw..(q + 1) * tw` as an `nb x tw` row-major block (`tw` = [`tile_width`]). Element
/// `W[i][j] = sum_r V[r][i] C[r][j]` over `r < rows` in order, for `i < nb`, `j < nc` (columns `nc..` of the
/// last tile get values of no meaning); `V` is `rows x nb` row-major, `C` row-major with stride `ldc`.
struct Dots<'a, E> {
    v: &'a [E],
    nb: usize,
    c: &'a [E],
    ldc: usize,
    rows: usize,
    nc: usize,
    w: &'a mut [E],
    t: Option<&'a [E]>,
}

impl<E: Float> LaneOp<E> for Dots<'_, E> {
    #[inline(always)]
    fn run<L: Lanes<E = E>>(self, l: L) {
        let Dots { v, nb, c, ldc, rows, nc, w, t } = self;
        let tw = TILE_V * L::N;
        for (q, wt) in w.chunks_exact_mut(nb * tw).enumerate() {
            let j0 = q * tw;
            if j0 >= nc {
                break;
            }
            let width = (nc - j0).min(tw);
            for r0 in (0..rows).step_by(SEG) {
                let r1 = (r0 + SEG).min(rows);
                for i0 in (0..nb).step_by(TILE_R) {
                    match width.div_ceil(L::N) {
                        3 => dots_tile::<L, 3>(l, v, nb, &c[j0..], ldc, r0, r1, i0, width, wt, tw),
                        2 => dots_tile::<L, 2>(l, v, nb, &c[j0..], ldc, r0, r1, i0, width, wt, tw),
                        _ => dots_tile::<L, 1>(l, v, nb, &c[j0..], ldc, r0, r1, i0, width, wt, tw),
                    }
                }
            }
            if let Some(t) = t {
                tri_mul(l, t, nb, wt, tw);
            }
        }
    }
}

/// Rows `i0..i0 + TILE_R` and columns `0..width` (`width <= JV * N`) of one tile of [`Dots`], over rows
/// `r0..r1` of the sum (continuing the chains stored in `w` unless `r0 == 0`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn dots_tile<L: Lanes, const JV: usize>(
    l: L,
    v: &[L::E],
    nb: usize,
    c: &[L::E],
    ldc: usize,
    r0: usize,
    r1: usize,
    i0: usize,
    width: usize,
    w: &mut [L::E],
    tw: usize,
) {
    let last = width - (JV - 1) * L::N;
    let mut acc = [[l.zero(); JV]; TILE_R];
    if r0 > 0 {
        for (i, a) in acc.iter_mut().enumerate() {
            for (jv, x) in a.iter_mut().enumerate() {
                *x = l.load(&w[(i0 + i) * tw + jv * L::N..]);
            }
        }
    }
    for r in r0..r1 {
        let row = &c[r * ldc..];
        let mut cv = [l.zero(); JV];
        for (jv, x) in cv.iter_mut().enumerate() {
            let wd = if jv == JV - 1 { last } else { L::N };
            *x = load_part(l, &row[jv * L::N..], wd);
        }
        let vr = &v[r * nb + i0..r * nb + i0 + TILE_R];
        for i in 0..TILE_R {
            let b = l.splat(vr[i]);
            for jv in 0..JV {
                acc[i][jv] = l.mul_add(b, cv[jv], acc[i][jv]);
            }
        }
    }
    for (i, a) in acc.iter().enumerate() {
        for (jv, x) in a.iter().enumerate() {
            l.store(*x, &mut w[(i0 + i) * tw + jv * L::N..]);
        }
    }
}

/// `W = T W` in place on one `nb x tw` tile (`T` upper triangular): row `i` becomes
/// `sum_{p >= i} T[i][p] W[p]`, accumulated in order of `p` from zero.
#[inline(always)]
fn tri_mul<L: Lanes>(l: L, t: &[L::E], nb: usize, w: &mut [L::E], tw: usize) {
    for i in 0..nb {
        for j in (0..tw).step_by(L::N) {
            let mut acc = l.zero();
            for p in i..nb {
                acc = l.mul_add(l.splat(t[i * nb + p]), l.load(&w[p * tw + j..]), acc);
            }
            l.store(acc, &mut w[i * tw + j..]);
        }
    }
}

/// `C[r][j] -= sum_p V[r][p] W[p][j]` for `r < rows`, `j < nc` (`C` row-major with stride `ldc`, `V`
/// `rows x nb`, `W` tile-major as [`Dots`] writes it), each element one chain over `p = 0..nb` from its old
/// value.
struct Update<'a, E> {
    c: &'a mut [E],
    ldc: usize,
    rows: usize,
    nc: usize,
    v: &'a [E],
    nb: usize,
    w: &'a [E],
}

impl<E: Float> LaneOp<E> for Update<'_, E> {
    #[inline(always)]
    fn run<L: Lanes<E = E>>(self, l: L) {
        let Update { c, ldc, rows, nc, v, nb, w } = self;
        let tw = TILE_V * L::N;
        for (q, wt) in w.chunks_exact(nb * tw).enumerate() {
            let j0 = q * tw;
            if j0 >= nc {
                break;
            }
            let width = (nc - j0).min(tw);
            let mut r0 = 0;
            while r0 < rows {
                let ri = if r0 + TILE_R <= rows { TILE_R } else { 1 };
                let c = &mut c[r0 * ldc + j0..];
                let v = &v[r0 * nb..];
                match (ri, width.div_ceil(L::N)) {
                    (TILE_R, 3) => update_tile::<L, TILE_R, 3>(l, c, ldc, width, v, nb, wt, tw),
                    (TILE_R, 2) => update_tile::<L, TILE_R, 2>(l, c, ldc, width, v, nb, wt, tw),
                    (TILE_R, _) => update_tile::<L, TILE_R, 1>(l, c, ldc, width, v, nb, wt, tw),
                    (_, 3) => update_tile::<L, 1, 3>(l, c, ldc, width, v, nb, wt, tw),
                    (_, 2) => update_tile::<L, 1, 2>(l, c, ldc, width, v, nb, wt, tw),
                    _ => update_tile::<L, 1, 1>(l, c, ldc, width, v, nb, wt, tw),
                }
                r0 += ri;
            }
        }
    }
}

/// Rows `0..RI`, columns `0..width` (`width <= JV * N`) of [`Update`] on a tile `w` of `W`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn update_tile<L: Lanes, const RI: usize, const JV: usize>(
    l: L,
    c: &mut [L::E],
    ldc: usize,
    width: usize,
    v: &[L::E],
    nb: usize,
    w: &[L::E],
    tw: usize,
) {
    let last = width - (JV - 1) * L::N;
    let mut acc = [[l.zero(); JV]; RI];
    for (i, a) in acc.iter_mut().enumerate() {
        let row = &c[i * ldc..];
        for (jv, x) in a.iter_mut().enumerate() {
            let wd = if jv == JV - 1 { last } else { L::N };
            *x = load_part(l, &row[jv * L::N..], wd);
        }
    }
    for p in 0..nb {
        let mut wv = [l.zero(); JV];
        for (jv, x) in wv.iter_mut().enumerate() {
            *x = l.load(&w[p * tw + jv * L::N..]);
        }
        for i in 0..RI {
            let b = l.splat(-v[i * nb + p]);
            for jv in 0..JV {
                acc[i][jv] = l.mul_add(b, wv[jv], acc[i][jv]);
            }
        }
    }
    for (i, a) in acc.iter().enumerate() {
        let row = &mut c[i * ldc..];
        for (jv, x) in a.iter().enumerate() {
            let wd = if jv == JV - 1 { last } else { L::N };
            store_part(l, *x, &mut row[jv * L::N..], wd);
        }
    }
}
