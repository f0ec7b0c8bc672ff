//! (Semi-)orthogonal matrices with the law of PyTorch's `orthogonal_` (Saxe et al. 2013): Haar-distributed,
//! from a Gaussian matrix's Householder reflectors (blocked, [`householder_q`](crate::kernels::householder_q)),
//! times `gain`.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::init::fan::numel;
use crate::kernels::householder::{householder_q_with, householder_q_workspace};
use crate::simd;
use crate::stream::Stream;

/// `(rows, cols)` of the flattened matrix: `rows = shape[0]`, `cols = numel / rows` (PyTorch).
pub fn flat_dims(shape: &[usize]) -> Result<(usize, usize)> {
    if shape.len() < 2 {
        return Err(Error::RankTooSmall { rank: shape.len(), min: 2 });
    }
    let n = numel(shape)?;
    Ok((shape[0], n / shape[0]))
}

/// `f64` workspace elements [`fill_orthogonal`] needs for `shape`: the `rows x cols` matrix and the
/// blocked Householder product's workspace ([`householder_q_workspace`]); an `f32` fill uses half of it.
pub fn workspace_len(shape: &[usize]) -> Result<usize> {
    let (r, c) = flat_dims(shape)?;
    let (m, n) = (r.max(c), r.min(c));
    r.checked_mul(c)
        .zip(householder_q_workspace(m, n).ok())
        .and_then(|(rc, w)| rc.checked_add(w))
        .ok_or(Error::SizeOverflow)
}

/// Fills `out` (row-major `shape`) with a semi-orthogonal matrix times `gain`: rows orthonormal when
/// `rows <= cols` (`W W^T = gain^2 I`), columns orthonormal otherwise (`W^T W = gain^2 I`).
///
/// The Gaussian matrix `F` is `stream`'s normal fill of `out` in `T` (element `r * cols + c` at stream
/// index `r * cols + c`). With `A = F` when `rows >= cols` and `A = F^T` otherwise (`m x n`, `m >= n`),
/// `Q = H_0 ... H_{n-1} I[:, :n] D` is the product of the Householder reflectors of `A`'s columns
/// ([`householder_q`](crate::kernels::householder_q): `H_k` from `A[k.., k]`, `D` the signs that make R's diagonal positive), computed in
/// `T` in `workspace` (at least [`workspace_len`] elements); the output is `W = gain Q` or `gain Q^T`
/// (each `gain * q` in f64, rounded to `T`). `Q` is Haar-distributed, the law of PyTorch's `orthogonal_`
/// (the Q of a QR of a Gaussian matrix), with half its flops (Stewart 1980; see [`householder_q`](crate::kernels::householder_q)).
/// `threads` (feature `std`) share the work; the bits do not depend on it.
pub fn fill_orthogonal<T: Float>(
    stream: &Stream,
    shape: &[usize],
    gain: f64,
    out: &mut [T],
    workspace: &mut [f64],
    threads: usize,
) -> Result<()> {
    let (rows, cols) = flat_dims(shape)?;
    if out.len() != rows * cols {
        return Err(Error::LengthMismatch { expected: rows * cols, actual: out.len() });
    }
    let a = orthonormal_factor::<T>(stream, rows, cols, gain, workspace, threads)?;
    write_w(rows, cols, a, out, |o, q| *o = T::from_f64(gain * q.to_f64()));
    Ok(())
}

/// [`fill_orthogonal`] for `T`, with the result in `f64` (`gain * q` before its rounding to `T`), in
/// `whole` (row-major, `rows * cols`): `T::from_f64(whole[i])` is exactly element `i` of
/// `fill_orthogonal::<T>`. For shards, which copy a box, and the column-axis schemes.
pub(crate) fn fill_orthogonal_f64<T: Float>(
    stream: &Stream,
    shape: &[usize],
    gain: f64,
    whole: &mut [f64],
    workspace: &mut [f64],
    threads: usize,
) -> Result<()> {
    let (rows, cols) = flat_dims(shape)?;
    if whole.len() != rows * cols {
        return Err(Error::LengthMismatch { expected: rows * cols, actual: whole.len() });
    }
    let a = orthonormal_factor::<T>(stream, rows, cols, gain, workspace, threads)?;
    write_w(rows, cols, a, whole, |o, q| *o = gain * q.to_f64());
    Ok(())
}

/// The row-major `m x n` factor `Q` of [`fill_orthogonal`] (before the gain), in `T`, at the start of
/// `workspace`.
fn orthonormal_factor<'w, T: Float>(
    stream: &Stream,
    rows: usize,
    cols: usize,
    gain: f64,
    workspace: &'w mut [f64],
    threads: usize,
) -> Result<&'w [T]> {
    if !gain.is_finite() {
        return Err(Error::InvalidParameter { name: "gain", reason: "must be finite" });
    }
    let need = workspace_len(&[rows, cols])?;
    if workspace.len() < need {
        return Err(Error::BufferTooSmall { needed: need, actual: workspace.len() });
    }
    let ws = workspace_as::<T>(workspace);
    let (a, work) = ws.split_at_mut(rows * cols);
    let (m, n) = (rows.max(cols), rows.min(cols));
    if rows >= cols {
        // A = F, row-major: the stream's order.
        stream.fill_normal(0, a, T::ZERO, T::ONE)?;
    } else {
        // A = F^T: A(c, r) = F[r][c] at c * rows + r. Tiles of 16 rows x 64 columns of F.
        let mut tmp = [[T::ZERO; 64]; 16];
        for r0 in (0..rows).step_by(16) {
            let rh = (rows - r0).min(16);
            for c0 in (0..cols).step_by(64) {
                let cw = (cols - c0).min(64);
                for (i, t) in tmp[..rh].iter_mut().enumerate() {
                    stream.fill_normal(((r0 + i) * cols + c0) as u64, &mut t[..cw], T::ZERO, T::ONE)?;
                }
                for c in 0..cw {
                    for (i, t) in tmp[..rh].iter().enumerate() {
                        a[(c0 + c) * rows + r0 + i] = t[c];
                    }
                }
            }
        }
    }
    householder_q_with(simd::best(), threads, a, m, n, work)?;
    Ok(a)
}

/// Writes the row-major `W` from the row-major `Q` (`m x n`) through `put`: `W = Q` when `rows >= cols`
/// (`Q`'s own order), `W = Q^T` otherwise (`W[r][c] = Q(c, r)` at `c * rows + r`), in 16 x 16 tiles.
fn write_w<T: Float, O>(rows: usize, cols: usize, q: &[T], out: &mut [O], put: impl Fn(&mut O, T)) {
    if rows >= cols {
        for (o, &x) in out.iter_mut().zip(q) {
            put(o, x);
        }
    } else {
        for r0 in (0..rows).step_by(16) {
            for c0 in (0..cols).step_by(16) {
                for r in r0..(r0 + 16).min(rows) {
                    for c in c0..(c0 + 16).min(cols) {
                        put(&mut out[r * cols + c], q[c * rows + r]);
                    }
                }
            }
        }
    }
}

/// `ws` as `T`s: itself for `f64`, twice as many `f32`s.
#[allow(unsafe_code)]
fn workspace_as<T: Float>(ws: &mut [f64]) -> &mut [T] {
    const { assert!(core::mem::size_of::<T>() <= 8 && 8 % core::mem::align_of::<T>() == 0) };
    let len = ws.len() * (8 / core::mem::size_of::<T>());
    // SAFETY: `T` is `f32` or `f64` (`Float` is sealed): every bit pattern is a valid value, its alignment
    // divides f64's, and `len` of them span exactly the bytes of `ws`, whose unique borrow moves into the
    // result for the same lifetime.
    unsafe { core::slice::from_raw_parts_mut(ws.as_mut_ptr().cast::<T>(), len) }
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
/// `[n_cols, n_rows]` matrix, then its Householder product's workspace.
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
/// stream from index 0, the values `gain * q` before rounding to `T`) in `ws[..numel]` (the rest is the product's
/// workspace, [`columns_workspace_len`] in all). Returns where element `i` of the row-major tensor reads `M`:
/// with `c` its index along the column axis and `r` its row-major index over the other axes, `M[c][r]`
/// (element `(r, c)` of `M^T`: JAX's reshape and `moveaxis`).
pub(crate) fn columns_matrix<T: Float>(
    stream: &Stream,
    shape: &[usize],
    gain: f64,
    column_axis: isize,
    ws: &mut [f64],
    threads: usize,
) -> Result<impl Fn(usize) -> usize + use<T>> {
    let (rows, cols, axis) = column_dims(shape, column_axis)?;
    let need = columns_workspace_len(shape, column_axis)?;
    if ws.len() < need {
        return Err(Error::BufferTooSmall { needed: need, actual: ws.len() });
    }
    let (m, qr) = ws.split_at_mut(rows * cols);
    fill_orthogonal_f64::<T>(stream, &[cols, rows], gain, m, qr, threads)?;
    let inner: usize = shape[axis + 1..].iter().product();
    Ok(move |i: usize| {
        let c = (i / inner) % cols;
        let r = (i / (inner * cols)) * inner + i % inner;
        c * rows + r
    })
}
