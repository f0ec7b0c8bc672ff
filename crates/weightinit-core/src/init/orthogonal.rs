//! (Semi-)orthogonal matrices as PyTorch's `orthogonal_` (Saxe et al. 2013): a Gaussian matrix, its QR
//! decomposition by Householder reflections, the sign fix `Q *= sign(diag R)`, times `gain`.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::init::fan::numel;
use crate::stream::Stream;

/// `(rows, cols)` of the flattened matrix: `rows = shape[0]`, `cols = numel / rows` (PyTorch).
pub fn flat_dims(shape: &[usize]) -> Result<(usize, usize)> {
    if shape.len() < 2 {
        return Err(Error::RankTooSmall { rank: shape.len(), min: 2 });
    }
    let n = numel(shape)?;
    Ok((shape[0], n / shape[0]))
}

/// `f64` workspace elements [`fill_orthogonal`] needs for `shape`: `rows * cols + min(rows, cols)`. No
/// `m x m` temporary is formed for a tall `m x n` matrix: Q is built in place from its reflectors.
pub fn workspace_len(shape: &[usize]) -> Result<usize> {
    let (r, c) = flat_dims(shape)?;
    r.checked_mul(c).and_then(|rc| rc.checked_add(r.min(c))).ok_or(Error::SizeOverflow)
}

/// Fills `out` (row-major `shape`) with a semi-orthogonal matrix times `gain`: rows orthonormal when
/// `rows <= cols` (`W W^T = gain^2 I`), columns orthonormal otherwise (`W^T W = gain^2 I`).
///
/// The Gaussian matrix is `stream`'s normal fill of `out` (element `r * cols + c` at stream index
/// `r * cols + c`, in `T`); the QR runs in `f64` in `workspace` (at least [`workspace_len`] elements).
pub fn fill_orthogonal<T: Float>(
    stream: &Stream,
    shape: &[usize],
    gain: f64,
    out: &mut [T],
    workspace: &mut [f64],
) -> Result<()> {
    if !gain.is_finite() {
        return Err(Error::InvalidParameter { name: "gain", reason: "must be finite" });
    }
    let (rows, cols) = flat_dims(shape)?;
    let n_el = rows * cols;
    if out.len() != n_el {
        return Err(Error::LengthMismatch { expected: n_el, actual: out.len() });
    }
    let need = workspace_len(shape)?;
    if workspace.len() < need {
        return Err(Error::BufferTooSmall { needed: need, actual: workspace.len() });
    }
    stream.fill_normal(0, out, T::ZERO, T::ONE)?;
    orthogonalize(rows, cols, workspace, out, |x| x.to_f64(), |o, q| *o = T::from_f64(gain * q));
    Ok(())
}

/// [`fill_orthogonal`] for `T`, with the result in `f64` (`gain * q` before its rounding to `T`), in
/// `whole` (row-major, `rows * cols`): the Gaussian is `T`'s normal fill, widened, so
/// `T::from_f64(whole[i])` is exactly element `i` of `fill_orthogonal::<T>`. For shards, which copy a box.
pub(crate) fn fill_orthogonal_f64<T: Float>(
    stream: &Stream,
    shape: &[usize],
    gain: f64,
    whole: &mut [f64],
    workspace: &mut [f64],
) -> Result<()> {
    if !gain.is_finite() {
        return Err(Error::InvalidParameter { name: "gain", reason: "must be finite" });
    }
    let (rows, cols) = flat_dims(shape)?;
    let need = workspace_len(shape)?;
    if whole.len() != rows * cols || workspace.len() < need {
        return Err(Error::BufferTooSmall { needed: need, actual: workspace.len() });
    }
    let mut tmp = [T::ZERO; 256];
    for (i, chunk) in whole.chunks_mut(256).enumerate() {
        let t = &mut tmp[..chunk.len()];
        stream.fill_normal((i * 256) as u64, t, T::ZERO, T::ONE)?;
        for (w, x) in chunk.iter_mut().zip(t.iter()) {
            *w = x.to_f64();
        }
    }
    orthogonalize(rows, cols, workspace, whole, |&x| x, |o, q| *o = gain * q);
    Ok(())
}

/// `(n_rows, n_cols)` of [`Init::OrthogonalColumns`](crate::init::Init::OrthogonalColumns) on `shape`:
/// `n_cols = shape[axis]`, `n_rows = numel / n_cols`, with `axis` normalized (negative counts from the end).
pub fn column_dims(shape: &[usize], column_axis: isize) -> Result<(usize, usize, usize)> {
    if shape.len() < 2 {
        return Err(Error::RankTooSmall { rank: shape.len(), min: 2 });
    }
    let r = shape.len() as isize;
    let axis = if column_axis < 0 { column_axis + r } else { column_axis };
    if !(0..r).contains(&axis) {
        return Err(Error::InvalidShape { reason: "column_axis is outside the shape's axes" });
    }
    let n = numel(shape)?;
    let cols = shape[axis as usize];
    Ok((n / cols, cols, axis as usize))
}

/// `f64` workspace elements of [`Init::OrthogonalColumns`](crate::init::Init::OrthogonalColumns): the
/// `[n_cols, n_rows]` matrix, then its QR workspace.
pub fn columns_workspace_len(shape: &[usize], column_axis: isize) -> Result<usize> {
    let (rows, cols, _) = column_dims(shape, column_axis)?;
    workspace_len(&[cols, rows])?.checked_add(rows * cols).ok_or(Error::SizeOverflow)
}

/// The checks of [`Init::DeltaOrthogonal`](crate::init::Init::DeltaOrthogonal)'s shape (rank 3-5,
/// `shape[-2] <= shape[-1]`); returns `(in, out)`.
pub fn delta_dims(shape: &[usize]) -> Result<(usize, usize)> {
    if !(3..=5).contains(&shape.len()) {
        return Err(Error::InvalidShape { reason: "delta-orthogonal needs a rank 3, 4 or 5 shape [*k, in, out]" });
    }
    numel(shape)?;
    let r = shape.len();
    if shape[r - 2] > shape[r - 1] {
        return Err(Error::InvalidShape {
            reason: "delta-orthogonal needs shape[-2] <= shape[-1] (fan_in <= fan_out)",
        });
    }
    Ok((shape[r - 2], shape[r - 1]))
}

/// `f64` workspace elements of [`Init::DeltaOrthogonal`](crate::init::Init::DeltaOrthogonal): those of
/// [`columns_workspace_len`] for its `[in, out]` centre matrix.
pub fn delta_workspace_len(shape: &[usize], column_axis: isize) -> Result<usize> {
    let (din, dout) = delta_dims(shape)?;
    columns_workspace_len(&[din, dout], column_axis)
}

/// The flat index of the spatial centre `((k1 - 1) / 2, ...)` of a `[*k, in, out]` kernel, in units of
/// `in * out` matrices (as JAX's `delta_orthogonal`).
pub(crate) fn delta_centre(shape: &[usize]) -> usize {
    shape[..shape.len() - 2].iter().fold(0, |acc, &k| acc * k + (k - 1) / 2)
}

/// The orthogonal factor of [`Init::OrthogonalColumns`](crate::init::Init::OrthogonalColumns) on `shape`:
/// the `[n_cols, n_rows]` matrix `M` of [`fill_orthogonal_f64`] (its Gaussian is `T`'s normal fill of the
/// stream from index 0, the values `gain * q` before rounding to `T`) in `ws[..numel]` (the rest is the QR's
/// workspace, [`columns_workspace_len`] in all). Returns where element `i` of the row-major tensor reads `M`:
/// with `c` its index along the column axis and `r` its row-major index over the other axes, `M[c][r]`
/// (element `(r, c)` of `M^T`: JAX's reshape and `moveaxis`).
pub(crate) fn columns_matrix<T: Float>(
    stream: &Stream,
    shape: &[usize],
    gain: f64,
    column_axis: isize,
    ws: &mut [f64],
) -> Result<impl Fn(usize) -> usize + use<T>> {
    let (rows, cols, axis) = column_dims(shape, column_axis)?;
    let need = columns_workspace_len(shape, column_axis)?;
    if ws.len() < need {
        return Err(Error::BufferTooSmall { needed: need, actual: ws.len() });
    }
    let (m, qr) = ws.split_at_mut(rows * cols);
    fill_orthogonal_f64::<T>(stream, &[cols, rows], gain, m, qr)?;
    let inner: usize = shape[axis + 1..].iter().product();
    Ok(move |i: usize| {
        let c = (i / inner) % cols;
        let r = (i / (inner * cols)) * inner + i % inner;
        c * rows + r
    })
}

/// Replaces the row-major `rows x cols` Gaussian `F` in `buf` (read through `get`) by its orthogonal factor
/// (written through `put`, before the gain). The QR runs on the transposed matrix when `rows < cols`
/// (`A = F^T`, m >= n), column-major in `workspace`.
fn orthogonalize<B>(
    rows: usize,
    cols: usize,
    workspace: &mut [f64],
    buf: &mut [B],
    get: impl Fn(&B) -> f64,
    put: impl Fn(&mut B, f64),
) {
    // A is m x n with m >= n, stored column-major in the workspace: A(i, j) at j * m + i.
    let wide = rows < cols;
    let (m, n) = if wide { (cols, rows) } else { (rows, cols) };
    let (a, rest) = workspace.split_at_mut(m * n);
    let diag = &mut rest[..n];
    if wide {
        // A = F^T: A(i = c, j = r) = F[r][c] sits at r * cols + c, exactly F's row-major position.
        for (w, x) in a.iter_mut().zip(buf.iter()) {
            *w = get(x);
        }
    } else {
        for r in 0..rows {
            for c in 0..cols {
                a[c * m + r] = get(&buf[r * cols + c]);
            }
        }
    }
    householder_qr(a, m, n, diag);
    form_q(a, m, n, diag);
    // Row-major W from column-major Q (m x n): wide W = Q^T, W[r][c] = Q(c, r) at r * m + c = r * cols + c;
    // tall W = Q, W[r][c] = Q(r, c) at c * m + r.
    if wide {
        for (o, &q) in buf.iter_mut().zip(a.iter()) {
            put(o, q);
        }
    } else {
        for r in 0..rows {
            for c in 0..cols {
                put(&mut buf[r * cols + c], a[c * m + r]);
            }
        }
    }
}

/// Householder QR of the column-major `m x n` matrix `a` (m >= n), in place: on return the strict lower
/// part of column k holds reflector k's tail `v[1..]` (with `v[0] = 1`), the diagonal holds R's diagonal,
/// and `tau[k]` holds `tau_k` (`H_k = I - tau_k v v^T`) with the sign of `R_kk`, for `form_q`.
fn householder_qr(a: &mut [f64], m: usize, n: usize, tau: &mut [f64]) {
    for k in 0..n {
        let (left, right) = a.split_at_mut((k + 1) * m);
        let col = &mut left[k * m + k..];
        let alpha = col[0];
        let sigma: f64 = col[1..].iter().map(|x| x * x).sum();
        if sigma == 0.0 {
            // Already upper triangular in this column: H = I (tau 0), R_kk = alpha.
            tau[k] = if alpha < 0.0 { -0.0 } else { 0.0 };
            continue;
        }
        let norm = libm::sqrt(alpha * alpha + sigma);
        let beta = if alpha >= 0.0 { -norm } else { norm };
        let scale = 1.0 / (alpha - beta);
        for x in col[1..].iter_mut() {
            *x *= scale;
        }
        // R_kk = beta; tau = (beta - alpha) / beta in (1, 2]. Store tau with R_kk's sign so form_q can apply
        // the sign fix without another array (tau > 0 always, so its sign is free).
        let t = (beta - alpha) / beta;
        col[0] = beta;
        tau[k] = if beta < 0.0 { -t } else { t };
        apply_reflector(&col[1..], t, right, m, k, n - k - 1);
    }
}

/// Applies `H = I - t v v^T` (with `v = [1, tail]`) to rows `k..m` of the first `cols` columns of the
/// column-major `right` (column stride `m`).
fn apply_reflector(tail: &[f64], t: f64, right: &mut [f64], m: usize, k: usize, cols: usize) {
    for j in 0..cols {
        let cj = &mut right[j * m + k..(j + 1) * m];
        let w = cj[0] + tail.iter().zip(&cj[1..]).map(|(a, b)| a * b).sum::<f64>();
        let tw = t * w;
        cj[0] -= tw;
        for (c, vi) in cj[1..].iter_mut().zip(tail) {
            *c -= tw * vi;
        }
    }
}

/// Overwrites the reflectors in `a` with the thin Q (m x n) = H_0 ... H_{n-1} I[:, :n] (LAPACK dorg2r's
/// backward accumulation), then multiplies column k by sign(R_kk) (carried in `tau`'s sign).
fn form_q(a: &mut [f64], m: usize, n: usize, tau: &mut [f64]) {
    for k in (0..n).rev() {
        let t = libm::fabs(tau[k]);
        let (left, right) = a.split_at_mut((k + 1) * m);
        let col = &mut left[k * m..];
        // Apply H_k to columns k+1.. of Q (rows k.., where the reflector acts).
        if t != 0.0 {
            apply_reflector(&col[k + 1..], t, right, m, k, n - k - 1);
        }
        // Column k of Q: H_k e_k = e_k - t v.
        for x in col[..k].iter_mut() {
            *x = 0.0;
        }
        col[k] = 1.0 - t;
        for x in col[k + 1..].iter_mut() {
            *x *= -t;
        }
    }
    // Sign fix: Q[:, k] *= sign(R_kk) (PyTorch: q *= d.sign(), so R has a positive diagonal).
    for k in 0..n {
        if tau[k].is_sign_negative() {
            for x in a[k * m..(k + 1) * m].iter_mut() {
                *x = -*x;
            }
        }
    }
}
