//! The batch's fixed gradient chunks: every weight and bias gradient is the sum, in chunk order, of the
//! gradients of consecutive chunks of [`GRAD_CHUNK_ROWS`] examples, `G = ((G_0 + G_1) + G_2) + ...`.
//!
//! The chunks depend on the batch size only. One process computes the sum as it goes (each chunk's product
//! added into the gradient by the gemm, `beta = 1`: `G <- G + acc_c`, one rounding, the same as adding
//! the chunk's stored gradient); a data-parallel job computes each chunk's gradient on the rank that owns
//! it and adds the chunks in the same order ([`super::ranks`]), so both give the same bits for any number
//! of ranks and threads.

use weightinit_core::kernels::{Epilogue, GemmPath, MatMut, MatRef, col_sums, gemm_with};

/// Examples per gradient chunk (the last chunk of a batch may be shorter). 32 keeps four chunks in the
/// default batch of 128 (one per rank for up to four ranks) and costs the one-process trainer little
/// (docs/performance.md, "train epoch": the gradient is read and written once per chunk).
pub const GRAD_CHUNK_ROWS: usize = 32;

/// The chunks of a batch of `rows` examples, as half-open row ranges in batch order.
pub fn chunk_spans(rows: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..rows).step_by(GRAD_CHUNK_ROWS).map(move |r0| (r0, (r0 + GRAD_CHUNK_ROWS).min(rows)))
}

/// A layer's input as the weight gradient reads it: row-major rows of `width` values holding columns
/// `from .. from + width` of the layer's input (the first layer's halves), and the chunk's rows `span`.
pub(super) struct Rows<'a> {
    pub input: &'a [f32],
    pub width: usize,
    pub from: usize,
    pub span: (usize, usize),
}

/// Rows `i0 .. i1` of the weight gradient `H^T dZ` over the chunk's rows: written into `out` (`i1 - i0` rows
/// of `dout`), or added to it when `accumulate` (`out + acc`, one rounding per element).
pub(super) fn weight_grad_chunk(
    h: Rows<'_>,
    (i0, i1): (usize, usize),
    dz: &[f32],
    dout: usize,
    out: &mut [f32],
    accumulate: bool,
) {
    let Rows { input, width, from, span: (r0, r1) } = h;
    let a = MatRef::row_major(&input[r0 * width..r1 * width], r1 - r0, width, width).expect("input shape").t();
    let a = a.rows_range(i0 - from, i1 - from).expect("gradient rows");
    let b = MatRef::row_major(&dz[r0 * dout..r1 * dout], r1 - r0, dout, dout).expect("dz shape");
    let c = MatMut::row_major(out, i1 - i0, dout, dout).expect("gradient shape");
    let beta = if accumulate { 1.0 } else { 0.0 };
    gemm_with(GemmPath::Blocked, 1.0, a, b, beta, c, Epilogue::None).expect("consistent shapes");
}

/// The bias gradient (column sums of `dZ`) over the chunk's rows `span`: written into `out`, or computed
/// in `tmp` and added to `out` when `accumulate`.
pub(super) fn bias_grad_chunk(
    dz: &[f32],
    dout: usize,
    (r0, r1): (usize, usize),
    out: &mut [f32],
    tmp: &mut Vec<f32>,
    accumulate: bool,
) {
    let x = &dz[r0 * dout..r1 * dout];
    if !accumulate {
        col_sums(x, r1 - r0, dout, out).expect("bias shape");
        return;
    }
    tmp.resize(dout, 0.0);
    col_sums(x, r1 - r0, dout, tmp).expect("bias shape");
    for (o, &t) in out.iter_mut().zip(tmp.iter()) {
        *o += t;
    }
}
