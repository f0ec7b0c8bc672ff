//! Work split over threads (feature `std`; in order on the caller's thread otherwise). Callers cut the
//! work so the values do not depend on how many threads run it.

/// Runs `f(i, chunk_i)` for every chunk of `data` (`chunk` elements each, the last possibly shorter) on up
/// to `threads` threads: the caller's and scoped helpers, which claim chunks in order from a shared
/// counter (a thread the OS refuses to start is not needed). A panic in `f` is re-raised here.
pub(crate) fn for_chunks<E: Send, F: Fn(usize, &mut [E]) + Sync>(threads: usize, data: &mut [E], chunk: usize, f: F) {
    let chunk = chunk.max(1);
    #[cfg(feature = "std")]
    if threads > 1 && data.len() > chunk {
        use core::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Mutex;
        let parts: std::vec::Vec<_> = data.chunks_mut(chunk).map(|p| Mutex::new(Some(p))).collect();
        let next = AtomicUsize::new(0);
        let work = || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = parts.get(i) else { break };
                // A poisoned lock means another thread panicked; that panic is re-raised below.
                if let Some(p) = slot.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    f(i, p);
                }
            }
        };
        std::thread::scope(|s| {
            let helpers: std::vec::Vec<_> = (1..threads.min(parts.len()))
                .map_while(|_| std::thread::Builder::new().spawn_scoped(s, work).ok())
                .collect();
            work();
            for h in helpers {
                if let Err(p) = h.join() {
                    std::panic::resume_unwind(p);
                }
            }
        });
        return;
    }
    let _ = threads;
    for (i, p) in data.chunks_mut(chunk).enumerate() {
        f(i, p);
    }
}
