//! The fixed, shape-only split of a training step over threads: which rows, features and gradient pieces
//! each thread takes ([`first_layer_halves`], [`pieces`]), the product split by rows ([`par_gemm`]) and the
//! task runner that keeps each task on the same core from step to step ([`spread`]). Every split depends on
//! the shapes only, never on the thread count's effect on arithmetic: results are bit-identical for any
//! `--threads`.

use rayon::prelude::*;
use weightinit_core::kernels::{Epilogue, GemmPath, MatMut, MatRef, auto_path, blocked_tile_rows, gemm_with};

/// Smallest product (`m * n * k` multiply-adds) split across threads.
const PAR_MIN_MNK: usize = 4 << 20;

/// `C = A B` then the epilogue, `C` row-major `m x n` in `c`. Blocked-path products are split by rows of C
/// across the current rayon pool, at multiples of the microkernel's tile rows
/// ([`blocked_tile_rows`]): each element of C is computed by exactly the same operations for any thread
/// count, so results are bit-identical for 1 or 64 threads. The path is chosen from the full shape (other
/// paths run unsplit).
pub fn par_gemm(a: MatRef<'_, f32>, b: MatRef<'_, f32>, c: &mut [f32], ep: Epilogue<'_, f32>) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    let path = auto_path::<f32>(m, k, n);
    let align = blocked_tile_rows::<f32>();
    let threads = rayon::current_num_threads();
    let c = &mut c[..m * n];
    // Products below PAR_MIN_MNK multiply-adds cost less than waking a second thread.
    if path != GemmPath::Blocked || threads == 1 || m < 2 * align || m * n * k < PAR_MIN_MNK {
        let cv = MatMut::row_major(c, m, n, n).expect("output shape");
        gemm_with(path, 1.0, a, b, 0.0, cv, ep).expect("consistent shapes");
        return;
    }
    let chunk = m.div_ceil(threads).next_multiple_of(align);
    c.par_chunks_mut(chunk * n).enumerate().for_each(|(i, cc)| {
        let (r0, r1) = (i * chunk, (i * chunk + chunk).min(m));
        let av = a.rows_range(r0, r1).expect("row range");
        let cv = MatMut::row_major(cc, r1 - r0, n, n).expect("output shape");
        gemm_with(GemmPath::Blocked, 1.0, av, b, 0.0, cv, ep).expect("consistent shapes");
    });
}

/// Runs `f` on every task of `tasks` on the threads of the current rayon pool and returns when all are
/// done. Thread `t` of `n` first runs tasks `t, t + n, ...` (the same tasks as at the previous call with
/// as many tasks: the rows and weights they touch are still in that core's cache), then takes the others'
/// not yet started, from the back of the list (a thread woken late loses its share instead of holding
/// the step up).
///
/// Every thread of the pool takes part (one [`rayon::broadcast`]) and, once no task is left, spins until
/// every other thread is done too, instead of going back to rayon's idle loop: an idle rayon thread sleeps
/// after a few microseconds, and waking it for the next phase took 9 to 107 us on this 2-core VM (a
/// training step is ~400 us). The spin turns to `yield_now` after `SPIN_FOR` (200 us), so an oversubscribed pool
/// (more threads than cores) still makes progress.
///
/// Measured against one rayon fork-join per phase (same shares, interleaved in one process, 2 threads,
/// 12 runs each): median 292,000 vs 259,000 samples/s and 255,000 vs 231,000. Smaller tasks claimed
/// dynamically (4 per thread) were slower (198,000 vs 221,000): a task that changes cores drags its rows,
/// weights and optimizer state across.
pub fn spread<T: Send, F: Fn(T) + Sync>(tasks: Vec<T>, f: F) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = rayon::current_num_threads().max(1);
    if threads == 1 || tasks.len() <= 1 {
        tasks.into_iter().for_each(f);
        return;
    }
    let slots: Vec<std::sync::Mutex<Option<T>>> = tasks.into_iter().map(|t| std::sync::Mutex::new(Some(t))).collect();
    let done = AtomicUsize::new(0);
    let n = slots.len();
    // Counts a thread as done when dropped, also while unwinding from a panicking task (rayon re-raises
    // the panic after the broadcast; the other threads must not spin forever waiting for it).
    struct Done<'a>(&'a AtomicUsize);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::AcqRel);
        }
    }
    rayon::broadcast(|ctx| {
        let guard = Done(&done);
        let run = |i: usize| {
            // A poisoned lock only means another task panicked; rayon re-raises that panic after the
            // broadcast.
            let task = slots[i].lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(t) = task {
                f(t);
            }
        };
        let (me, nt) = (ctx.index(), ctx.num_threads());
        (me..n).step_by(nt).for_each(&run);
        (0..n).rev().filter(|i| i % nt != me).for_each(&run);
        drop(guard);
        let start = std::time::Instant::now();
        let mut spins = 0u32;
        while done.load(Ordering::Acquire) < ctx.num_threads() {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) && start.elapsed() > SPIN_FOR {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    });
}

/// How long a thread of [`spread`] busy-waits for the others before yielding its core.
const SPIN_FOR: std::time::Duration = std::time::Duration::from_micros(200);

/// The first layer's inputs split in two by feature, `[0, h) [h, f)` with `h` a multiple of 8 (or `h = f`
/// for fewer than 16 features), as `(offset, width)` pairs. A training step computes the first layer's
/// product as `X_0 W1_0 + X_1 W1_1`: the thread that gathers half `h` of the batch's inputs also reads and
/// updates the rows of `W1` that multiply it, so on two threads the largest operands never change cores
/// (each thread sends the other its 128 x 100 partial product instead of half of `W1` and of the batch).
/// The split depends on the shape only, never on the thread count.
pub fn first_layer_halves(f: usize) -> [(usize, usize); 2] {
    let h = if f >= 16 { (f / 2).next_multiple_of(8).min(f) } else { f };
    [(0, h), (h, f - h)]
}

/// `(start, len, piece)` cut into ranges of at most `piece` rows (a multiple of the gemm's tile rows, so the
/// pieces' products have the bits of the whole one), as `(i0, i1)`.
pub fn pieces((start, len, piece): (usize, usize, usize)) -> Vec<(usize, usize)> {
    let piece = piece.next_multiple_of(blocked_tile_rows::<f32>()).max(1);
    (start..start + len).step_by(piece).map(|i0| (i0, (i0 + piece).min(start + len))).collect()
}

#[cfg(test)]
mod tests {
    use super::spread;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool")
    }

    #[test]
    fn spread_runs_every_task_once_on_any_pool() {
        for threads in [1, 2, 3, 7] {
            for n in [0, 1, 2, 5, 40] {
                let runs: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
                pool(threads)
                    .install(|| spread((0..n).collect(), |i: usize| _ = runs[i].fetch_add(1, Ordering::Relaxed)));
                assert!(runs.iter().all(|r| r.load(Ordering::Relaxed) == 1), "threads {threads}, tasks {n}");
            }
        }
    }

    #[test]
    fn spread_passes_a_task_panic_on_instead_of_hanging() {
        let ran = AtomicUsize::new(0);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool(2).install(|| {
                spread((0..8).collect(), |i: usize| {
                    ran.fetch_add(1, Ordering::Relaxed);
                    assert!(i != 3, "task 3 fails");
                })
            })
        }));
        assert!(r.is_err(), "the panic reaches the caller");
        assert_eq!(ran.load(Ordering::Relaxed), 8, "the other tasks still ran");
    }
}
