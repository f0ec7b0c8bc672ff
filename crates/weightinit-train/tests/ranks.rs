//! The data-parallel step ([`Mlp::train_step_ranks`]) on 1 to 4 ranks simulated by threads of this process
//! (a [`Collective`] over shared memory): the same losses, gradients and parameters, bit for bit, as the
//! one-process step ([`Mlp::train_step`]) for any rank and thread count, batch sizes with a short last
//! chunk and with fewer chunks than ranks, SGD and Adam, and networks with normalization. The MPI
//! implementation is checked the same way end to end in tests/mpi.rs.

use std::sync::{Barrier, Mutex};

use weightinit_core::Stream;
use weightinit_core::init::Init;
use weightinit_train::model::ranks::{Collective, RankWork, SingleProcess, bytes_per_step, rank_chunks};
use weightinit_train::model::{Activation, GRAD_CHUNK_ROWS, Mlp, Norm, Step, StepWork};
use weightinit_train::optim::Optimizer;

/// `n` ranks as threads: each collective deposits every rank's data, waits for all, reads its part, and
/// waits again before the slots are reused.
struct Threads {
    n: usize,
    barrier: Barrier,
    slots: Mutex<Vec<(Vec<f64>, Vec<usize>)>>,
}

/// One rank's view of [`Threads`].
struct Rank<'a> {
    shared: &'a Threads,
    me: usize,
}

impl Rank<'_> {
    /// Deposits `data` with `counts`, then returns every rank's deposit.
    fn exchange(&self, data: Vec<f64>, counts: &[usize]) -> Vec<(Vec<f64>, Vec<usize>)> {
        self.shared.slots.lock().unwrap()[self.me] = (data, counts.to_vec());
        self.shared.barrier.wait();
        let all = self.shared.slots.lock().unwrap().clone();
        self.shared.barrier.wait();
        all
    }
}

impl Collective for Rank<'_> {
    fn rank(&self) -> usize {
        self.me
    }
    fn size(&self) -> usize {
        self.shared.n
    }
    fn all_gather_f64(&self, mine: &[f64], counts: &[usize], all: &mut [f64]) {
        assert_eq!(mine.len(), counts[self.me]);
        let got: Vec<f64> = self.exchange(mine.to_vec(), counts).into_iter().flat_map(|(d, _)| d).collect();
        all.copy_from_slice(&got);
    }
    fn all_gather_f32(&self, mine: &[f32], counts: &[usize], all: &mut [f32]) {
        assert_eq!(mine.len(), counts[self.me]);
        let data = mine.iter().map(|&x| f64::from(x)).collect();
        let got: Vec<f32> = self.exchange(data, counts).into_iter().flat_map(|(d, _)| d).map(|x| x as f32).collect();
        all.copy_from_slice(&got);
    }
    fn all_to_all_f32(&self, send: &[f32], send_counts: &[usize], recv: &mut [f32], recv_counts: &[usize]) {
        assert_eq!(send.len(), send_counts.iter().sum::<usize>());
        let all = self.exchange(send.iter().map(|&x| f64::from(x)).collect(), send_counts);
        let mut at = 0;
        for (i, (data, counts)) in all.iter().enumerate() {
            let from: usize = counts[..self.me].iter().sum();
            let len = counts[self.me];
            assert_eq!(len, recv_counts[i], "rank {i} sends what rank {} expects", self.me);
            for (r, &x) in recv[at..at + len].iter_mut().zip(&data[from..from + len]) {
                *r = x as f32;
            }
            at += len;
        }
    }
}

fn data(rows: usize, f: usize, classes: u8) -> (Vec<f32>, Vec<u8>) {
    let mut x = vec![0.0f32; rows * f];
    Stream::new(5, 1).fill_uniform(0, &mut x, 0.0, 0.2).unwrap();
    let labels = (0..rows).map(|i| (i * 7 % classes as usize) as u8).collect();
    (x, labels)
}

/// Losses and final parameters of `steps` steps of `batch` examples on `ranks` ranks of `threads` threads
/// each (`ranks == 0`: the one-process step on `threads` threads).
fn run(mlp: &Mlp, opt: Optimizer, batch: usize, steps: usize, ranks: usize, threads: usize) -> (Vec<u64>, Vec<u32>) {
    let (x, y) = data(300, mlp.widths[0], *mlp.widths.last().unwrap() as u8);
    let one = |comm: Option<&dyn Collective>| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let mut m = mlp.clone();
            let np = m.params.len();
            let (mut work, mut rw, mut grad) = (StepWork::default(), RankWork::default(), vec![0.0f32; np]);
            let [mut s1, mut s2] = opt.state(np);
            let mut losses = Vec::new();
            for s in 0..steps {
                let idx: Vec<usize> = (0..batch).map(|i| (s * batch + i * 13) % 300).collect();
                let update = opt.piece_update(0.01, s as u32 + 1);
                let state = [&mut s1[..], &mut s2[..]];
                let r = match comm {
                    None => m.train_step(&x, &y, &idx, &mut work, &mut grad, state, 100.0, &update),
                    Some(c) => {
                        m.train_step_ranks(c, &x, &y, &idx, &mut work, &mut rw, &mut grad, state, 100.0, &update)
                    }
                };
                match r.unwrap() {
                    Step::Done { loss } => losses.push(loss.to_bits()),
                    Step::Diverged { loss } => panic!("diverged at step {s}: {loss}"),
                }
            }
            (losses, m.params.iter().map(|p| p.to_bits()).collect::<Vec<u32>>())
        })
    };
    if ranks == 0 {
        return one(None);
    }
    let shared = Threads { n: ranks, barrier: Barrier::new(ranks), slots: Mutex::new(vec![Default::default(); ranks]) };
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..ranks)
            .map(|me| {
                let (shared, one) = (&shared, &one);
                s.spawn(move || one(Some(&Rank { shared, me })))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &results[1..] {
        assert_eq!(r, &results[0], "every rank holds the same parameters");
    }
    results.into_iter().next().unwrap()
}

#[test]
fn every_rank_and_thread_count_gives_the_one_process_bits() {
    let nets = [
        (vec![784, 100, 100, 10], Activation::Relu, Norm::None),
        (vec![40, 24, 7], Activation::Tanh, Norm::None),
        (vec![40, 24, 7], Activation::Relu, Norm::Batch),
    ];
    for (widths, act, norm) in nets {
        let (mlp, _) = Mlp::new(&widths, act, Init::HE_NORMAL, Init::Zeros, 3).unwrap();
        let mlp = mlp.with_norm(norm);
        for opt in [Optimizer::Sgd { momentum: 0.9 }, Optimizer::Adam] {
            // A whole number of chunks, a short last chunk, fewer chunks than ranks.
            for batch in [128, 100, 20] {
                let want = run(&mlp, opt, batch, 6, 0, 1);
                for (ranks, threads) in [(1, 1), (2, 1), (3, 2), (4, 1), (4, 3)] {
                    let got = run(&mlp, opt, batch, 6, ranks, threads);
                    assert_eq!(
                        got.0, want.0,
                        "{widths:?} {norm:?} {opt:?} batch {batch}: losses on {ranks} ranks x {threads}"
                    );
                    assert!(
                        got.1 == want.1,
                        "{widths:?} {norm:?} {opt:?} batch {batch}: parameters on {ranks} ranks x {threads}"
                    );
                }
                assert_eq!(run(&mlp, opt, batch, 6, 0, 2), want, "one process, 2 threads");
            }
        }
    }
}

#[test]
fn one_rank_is_the_one_process_step_and_sends_nothing() {
    let (mlp, _) = Mlp::new(&[20, 16, 4], Activation::Relu, Init::HE_NORMAL, Init::Zeros, 9).unwrap();
    let (x, y) = data(64, 20, 4);
    let idx: Vec<usize> = (0..64).collect();
    let np = mlp.params.len();
    let opt = Optimizer::Sgd { momentum: 0.0 };
    let update = opt.piece_update(0.1, 1);
    let (mut a, mut b) = (mlp.clone(), mlp.clone());
    let (mut ga, mut gb) = (vec![0.0f32; np], vec![0.0f32; np]);
    let [mut s1, mut s2] = opt.state(np);
    a.train_step(&x, &y, &idx, &mut StepWork::default(), &mut ga, [&mut s1, &mut s2], 100.0, &update).unwrap();
    let [mut s1, mut s2] = opt.state(np);
    let (mut w, mut rw) = (StepWork::default(), RankWork::default());
    b.train_step_ranks(&SingleProcess, &x, &y, &idx, &mut w, &mut rw, &mut gb, [&mut s1, &mut s2], 100.0, &update)
        .unwrap();
    assert_eq!(ga, gb, "the gradient");
    assert_eq!(a.params, b.params);
    assert_eq!(bytes_per_step(64, np, 1, Norm::None), 0);
}

#[test]
fn chunks_are_dealt_in_contiguous_runs_and_bytes_add_up() {
    for chunks in 0..10 {
        for n in 1..=5 {
            let spans: Vec<_> = (0..n).map(|r| rank_chunks(chunks, n, r)).collect();
            assert_eq!(spans[0].0, 0);
            assert_eq!(spans[n - 1].1, chunks);
            assert!(spans.windows(2).all(|w| w[0].1 == w[1].0), "{spans:?}");
        }
    }
    // Two ranks, four chunks of 32, 1000 parameters: 128 losses to one other rank, each rank sends its two
    // chunks' halves for the other (2 x 500 values), each rank's summed half to the other.
    assert_eq!(GRAD_CHUNK_ROWS, 32);
    assert_eq!(bytes_per_step(128, 1000, 2, Norm::None), (128 * 8 + 2 * 2 * 500 * 4 + 1000 * 4) as u64);
    assert_eq!(bytes_per_step(128, 1000, 2, Norm::Batch), 0, "normalized nets run replicated");
}
