//! Work split over threads (feature `std`; in order on the caller's thread otherwise). Callers cut the
//! work so the values do not depend on how many threads run it.

/// Runs `f(i, part_i)` for every part on up to `threads` threads: the caller's and scoped helpers, which
/// claim parts in order from a shared counter, so a thread on a slower core takes fewer (a thread the OS
/// refuses to start is not needed). A panic in `f` is re-raised here.
#[cfg(feature = "std")]
pub(crate) fn for_each_part<P: Send, F: Fn(usize, P) + Sync>(threads: usize, parts: std::vec::Vec<P>, f: F) {
    use core::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    if threads <= 1 || parts.len() <= 1 {
        parts.into_iter().enumerate().for_each(|(i, p)| f(i, p));
        return;
    }
    let slots: std::vec::Vec<_> = parts.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = slots.get(i) else { break };
            // A poisoned lock means another thread panicked; that panic is re-raised below.
            if let Some(p) = slot.lock().unwrap_or_else(|e| e.into_inner()).take() {
                f(i, p);
            }
        }
    };
    std::thread::scope(|s| {
        let helpers: std::vec::Vec<_> = (1..threads.min(slots.len()))
            .map_while(|_| std::thread::Builder::new().spawn_scoped(s, work).ok())
            .collect();
        work();
        for h in helpers {
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
    });
}

/// [`for_each_part`] over the chunks of `data` (`chunk` elements each, the last possibly shorter); in order
/// on the caller's thread without `std`.
pub(crate) fn for_chunks<E: Send, F: Fn(usize, &mut [E]) + Sync>(threads: usize, data: &mut [E], chunk: usize, f: F) {
    let chunk = chunk.max(1);
    #[cfg(feature = "std")]
    if threads > 1 && data.len() > chunk {
        for_each_part(threads, data.chunks_mut(chunk).collect(), f);
        return;
    }
    let _ = threads;
    for (i, p) in data.chunks_mut(chunk).enumerate() {
        f(i, p);
    }
}
