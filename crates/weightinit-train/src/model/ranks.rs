//! A data-parallel training step over the ranks of a job, bit-identical to [`Mlp::train_step`].
//!
//! The batch's gradient chunks (of [`super::GRAD_CHUNK_ROWS`] examples) are dealt to the ranks in contiguous runs (rank `r` of
//! `n` takes chunks `r c / n .. (r + 1) c / n` of `c`). Each rank runs forward and backward on its chunks'
//! rows only and computes each of its chunks' gradients separately. Then:
//! 1. the per-example losses are gathered (every rank sums all of them in batch order, the mean loss of
//!    one process);
//! 2. the parameters are cut into `n` ranges; rank `j` receives every chunk's gradient over range `j`
//!    (an all-to-all, in chunk order) and adds them in chunk order: `G = ((G_0 + G_1) + G_2) + ...`, the
//!    same roundings as the one-process step, whose gemm adds each chunk's product into the gradient;
//! 3. the summed ranges are gathered on every rank (an all-gather), and every rank applies the same
//!    element-wise update to its copy of the parameters.
//!
//! The reduction is the two halves of a ring all-reduce (reduce-scatter, then all-gather), except that
//! the reduce-scatter sends every chunk's gradient instead of a rank's partial sum: floating-point
//! addition is not associative, and only the fixed chunk order makes the result independent of `n`.
//!
//! Networks with normalization (batch statistics couple the batch's rows) run the whole one-process step
//! on every rank: the same bits, no communication, no speed-up.

use weightinit_core::kernels::all_within;

use super::chunks::{GRAD_CHUNK_ROWS, Rows, bias_grad_chunk, chunk_spans, weight_grad_chunk};
use super::step::{GRAD_LIMIT, PieceUpdate, Step, StepWork};
use super::{Mlp, Norm, offsets};
use crate::par::{first_layer_halves, pieces, spread};

/// The collective operations a data-parallel step needs, among the `size()` ranks of a job. Every rank
/// calls each operation in the same order with the same counts. Implemented over MPI by `weightinit-mpi`;
/// [`SingleProcess`] is the job of one rank.
pub trait Collective: Sync {
    /// This rank, `0 .. size()`.
    fn rank(&self) -> usize;
    /// Ranks in the job.
    fn size(&self) -> usize;
    /// Every rank's `mine` (`counts[r]` values from rank `r`) into `all`, in rank order.
    fn all_gather_f64(&self, mine: &[f64], counts: &[usize], all: &mut [f64]);
    /// Every rank's `mine` (`counts[r]` values from rank `r`) into `all`, in rank order.
    fn all_gather_f32(&self, mine: &[f32], counts: &[usize], all: &mut [f32]);
    /// `send` holds `send_counts[j]` values for each rank `j` in rank order; `recv` receives
    /// `recv_counts[i]` values from each rank `i` in rank order.
    fn all_to_all_f32(&self, send: &[f32], send_counts: &[usize], recv: &mut [f32], recv_counts: &[usize]);
}

/// The job of one rank: every collective is a copy.
#[derive(Debug, Clone, Copy, Default)]
pub struct SingleProcess;

impl Collective for SingleProcess {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_gather_f64(&self, mine: &[f64], _: &[usize], all: &mut [f64]) {
        all.copy_from_slice(mine);
    }
    fn all_gather_f32(&self, mine: &[f32], _: &[usize], all: &mut [f32]) {
        all.copy_from_slice(mine);
    }
    fn all_to_all_f32(&self, send: &[f32], _: &[usize], recv: &mut [f32], _: &[usize]) {
        recv.copy_from_slice(send);
    }
}

/// The chunks (`first .. end`) rank `r` of `n` owns among `chunks`.
pub fn rank_chunks(chunks: usize, n: usize, r: usize) -> (usize, usize) {
    (r * chunks / n, (r + 1) * chunks / n)
}

/// The parameters (`first .. end`) whose sum rank `j` of `n` computes among `np`.
fn rank_params(np: usize, n: usize, j: usize) -> (usize, usize) {
    (j * np / n, (j + 1) * np / n)
}

/// Payload bytes all ranks together send to other ranks in one step of `rows` examples on a network of
/// `np` parameters over `n` ranks (the losses, the chunks' gradient ranges, the summed ranges); 0 for one
/// rank and for networks with normalization.
pub fn bytes_per_step(rows: usize, np: usize, n: usize, norm: Norm) -> u64 {
    if n <= 1 || norm != Norm::None {
        return 0;
    }
    let chunks = rows.div_ceil(GRAD_CHUNK_ROWS);
    let losses = rows * 8 * (n - 1);
    let scatter: usize = (0..n)
        .map(|r| {
            let (c0, c1) = rank_chunks(chunks, n, r);
            let (p0, p1) = rank_params(np, n, r);
            (c1 - c0) * (np - (p1 - p0)) * 4
        })
        .sum();
    let gather = np * 4 * (n - 1);
    (losses + scatter + gather) as u64
}

/// Buffers of [`Mlp::train_step_ranks`] beyond the one-process step's.
#[derive(Debug, Default)]
pub struct RankWork {
    losses: Vec<f64>,
    chunks: Vec<f32>,
    send: Vec<f32>,
    recv: Vec<f32>,
    sum: Vec<f32>,
}

/// A piece of one chunk's gradient.
enum ChunkTask<'a> {
    Weight { chunk: usize, l: usize, i0: usize, out: &'a mut [f32] },
    Bias { chunk: usize, l: usize, out: &'a mut [f32] },
}

impl Mlp {
    /// One training step of a data-parallel job: the same arguments, checks, result and bits as
    /// [`Mlp::train_step`] on every rank, for any number of ranks and threads (see the module's
    /// documentation). Every rank must call it with the same batch and parameters.
    #[allow(clippy::too_many_arguments)]
    pub fn train_step_ranks(
        &mut self,
        comm: &dyn Collective,
        images: &[f32],
        labels: &[u8],
        idx: &[usize],
        work: &mut StepWork,
        rw: &mut RankWork,
        grad: &mut [f32],
        state: [&mut [f32]; 2],
        max_loss: f64,
        update: &PieceUpdate<'_>,
    ) -> Result<Step, String> {
        self.check_batch(images, labels, idx, grad.len(), &state)?;
        if self.norm != Norm::None {
            return self.train_step(images, labels, idx, work, grad, state, max_loss, update);
        }
        let (n, me, rows, np) = (comm.size(), comm.rank(), idx.len(), self.params.len());
        let chunks = rows.div_ceil(GRAD_CHUNK_ROWS);
        let row_of = |c: usize| (c * GRAD_CHUNK_ROWS).min(rows);
        let (c0, c1) = rank_chunks(chunks, n, me);
        let (r0, r1) = (row_of(c0), row_of(c1));
        if r1 > r0 {
            self.forward_backward(images, labels, &idx[r0..r1], work, (1.0 / rows as f64) as f32);
        }

        // The mean loss, summed in batch order.
        let counts: Vec<usize> = (0..n)
            .map(|r| {
                let (a, b) = rank_chunks(chunks, n, r);
                row_of(b) - row_of(a)
            })
            .collect();
        rw.losses.resize(rows, 0.0);
        comm.all_gather_f64(&work.losses[..r1 - r0], &counts, &mut rw.losses);
        let sum = rw.losses.iter().fold(0.0f64, |s, &l| s + l);
        let loss = ((sum * (1.0 / rows as f64)) as f32) as f64;
        if !loss.is_finite() || loss > max_loss {
            return Ok(Step::Diverged { loss });
        }

        // Each of this rank's chunks' gradients, whole.
        rw.chunks.resize((c1 - c0) * np, 0.0);
        self.chunk_gradients(work, (r0, r1), &mut rw.chunks);

        // Reduce-scatter in chunk order, then all-gather.
        let (p0, p1) = rank_params(np, n, me);
        let send_counts: Vec<usize> =
            (0..n).map(|j| (c1 - c0) * (rank_params(np, n, j).1 - rank_params(np, n, j).0)).collect();
        let recv_counts: Vec<usize> = (0..n)
            .map(|i| {
                let (a, b) = rank_chunks(chunks, n, i);
                (b - a) * (p1 - p0)
            })
            .collect();
        rw.send.clear();
        for j in 0..n {
            let (q0, q1) = rank_params(np, n, j);
            for g in rw.chunks.chunks_exact(np.max(1)) {
                rw.send.extend_from_slice(&g[q0..q1]);
            }
        }
        rw.recv.resize(chunks * (p1 - p0), 0.0);
        comm.all_to_all_f32(&rw.send, &send_counts, &mut rw.recv, &recv_counts);
        rw.sum.clear();
        rw.sum.resize(p1 - p0, 0.0);
        for (c, g) in rw.recv.chunks_exact((p1 - p0).max(1)).enumerate() {
            if c == 0 {
                rw.sum.copy_from_slice(g);
            } else {
                rw.sum.iter_mut().zip(g).for_each(|(s, &x)| *s += x);
            }
        }
        let lens: Vec<usize> = (0..n).map(|j| rank_params(np, n, j).1 - rank_params(np, n, j).0).collect();
        comm.all_gather_f32(&rw.sum, &lens, grad);

        if !all_within(grad, GRAD_LIMIT) {
            return Ok(Step::Diverged { loss });
        }
        let [s1, s2] = state;
        update(&mut self.params, grad, s1, s2);
        Ok(Step::Done { loss })
    }

    /// Each chunk's gradient over the rows `r0 .. r1` of the batch (this rank's chunks, whose rows the
    /// step buffers hold from their first row), whole, one after the other in `out`.
    fn chunk_gradients(&self, work: &StepWork, (r0, r1): (usize, usize), out: &mut [f32]) {
        let np = self.params.len();
        let threads = rayon::current_num_threads().max(1);
        let halves = first_layer_halves(self.widths[0]);
        let offs = offsets(&self.widths);
        let mut tasks = Vec::new();
        for (chunk, g) in out.chunks_exact_mut(np.max(1)).enumerate() {
            let mut rest = g;
            let mut at = 0;
            for (l, &(wo, bo)) in offs.iter().enumerate() {
                let (din, dout) = (self.widths[l], self.widths[l + 1]);
                let (_, tail) = rest.split_at_mut(wo - at);
                let (mut gw, tail) = tail.split_at_mut(bo - wo);
                let (gb, tail) = tail.split_at_mut(dout);
                rest = tail;
                at = bo + dout;
                let ranges: Vec<(usize, usize)> = if l == 0 {
                    halves
                        .iter()
                        .filter(|h| h.1 > 0)
                        .map(|&(o, w)| (o, w, w.div_ceil(threads)))
                        .flat_map(pieces)
                        .collect()
                } else {
                    pieces((0, din, din.div_ceil(threads)))
                };
                for (i0, i1) in ranges {
                    let (head, t) = gw.split_at_mut((i1 - i0) * dout);
                    tasks.push(ChunkTask::Weight { chunk, l, i0, out: head });
                    gw = t;
                }
                tasks.push(ChunkTask::Bias { chunk, l, out: gb });
            }
        }
        let (xh, acts, dz, widths) = (&work.xh, &work.acts, &work.dz, &self.widths);
        let local = r1 - r0;
        spread(tasks, |t| match t {
            ChunkTask::Weight { chunk, l, i0, out } => {
                let dout = widths[l + 1];
                let i1 = i0 + out.len() / dout;
                let (input, width, from): (&[f32], usize, usize) = if l == 0 {
                    let h = usize::from(i0 >= halves[1].0 && halves[1].1 > 0);
                    (&xh[h], halves[h].1, halves[h].0)
                } else {
                    (&acts[l - 1], widths[l], 0)
                };
                let span = chunk_spans(local).nth(chunk).expect("a chunk of this rank");
                weight_grad_chunk(Rows { input, width, from, span }, (i0, i1), &dz[l], dout, out, false);
            }
            ChunkTask::Bias { chunk, l, out } => {
                let span = chunk_spans(local).nth(chunk).expect("a chunk of this rank");
                bias_grad_chunk(&dz[l], widths[l + 1], span, out, &mut Vec::new(), false);
            }
        });
    }
}
