//! Walking a block's values group by group: skip whole groups before the first value wanted, resume
//! inside a group, write whole groups, keep the rest of a partly used group for later.

use crate::simd::HALF_LANES;
use crate::stream::{BLOCK_LEN, LaneRng, Stream, block_spans};

/// Produces the `G` values of one half step (a trait, not a closure, so `#[inline(always)]` carries the
/// code into each `#[target_feature]` wrapper).
pub(super) trait Group<T, const G: usize> {
    fn fill(&self, w: &[u64; HALF_LANES], out: &mut [T; G]);
}

/// A block's values as consecutive groups of `G` (a trait, not a closure, so `#[inline(always)]` carries
/// the code into each `#[target_feature]` wrapper).
pub(super) trait Groups<T, const G: usize> {
    /// Advances past `n` groups whose values are not needed.
    fn skip(&mut self, n: usize);
    /// Writes the next group.
    fn next(&mut self, out: &mut [T; G]);
    /// Writes whole groups from the start of `out` and returns how many values it wrote (a multiple of
    /// `G`, at most `out.len()`); a generator may override it to produce several groups at once.
    #[inline(always)]
    fn run(&mut self, out: &mut [T]) -> usize {
        let mut chunks = out.chunks_exact_mut(G);
        for ch in &mut chunks {
            self.next(ch.try_into().expect("G values"));
        }
        out.len() / G * G
    }
}

/// Writes values `skip .. skip + out.len()` of a block: whole groups before `skip` are skipped, then a
/// partial first group, whole groups, and a partial last group.
#[inline(always)]
pub(super) fn walk<T: Copy + Default, const G: usize, Q: Groups<T, G>>(q: &mut Q, skip: usize, out: &mut [T]) {
    Cursor::new(q, skip).write(out);
}

/// A position inside a block's groups that can stop and resume anywhere: the rest of a partly used group
/// waits in `buf`.
pub(super) struct Cursor<'a, T, const G: usize, Q> {
    pub(super) q: &'a mut Q,
    buf: [T; G],
    /// Values of `buf` not yet written: `buf[G - pending..]`.
    pub(super) pending: usize,
}

impl<'a, T: Copy + Default, const G: usize, Q: Groups<T, G>> Cursor<'a, T, G, Q> {
    /// At value `skip` of the block (whole groups before it are skipped, not computed).
    #[inline(always)]
    pub(super) fn new(q: &'a mut Q, skip: usize) -> Self {
        q.skip(skip / G);
        let mut c = Cursor { q, buf: [T::default(); G], pending: 0 };
        if !skip.is_multiple_of(G) {
            c.q.next(&mut c.buf);
            c.pending = G - skip % G;
        }
        c
    }

    /// Writes the next `out.len()` values.
    #[inline(always)]
    pub(super) fn write(&mut self, out: &mut [T]) {
        let n = self.pending.min(out.len());
        out[..n].copy_from_slice(&self.buf[G - self.pending..G - self.pending + n]);
        self.pending -= n;
        let out = &mut out[n..];
        let done = self.q.run(out);
        let mut chunks = out[done..].chunks_exact_mut(G);
        for ch in &mut chunks {
            self.q.next(ch.try_into().expect("G values"));
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            self.q.next(&mut self.buf);
            rest.copy_from_slice(&self.buf[..rest.len()]);
            self.pending = G - rest.len();
        }
    }
}

/// Half steps per half block of the scalar [`LaneGroups`] (one 64-bit word per lane and half step).
const HALF_STEPS: usize = BLOCK_LEN as usize / 2 / HALF_LANES;

/// A [`Group`] over a block's lane generator: half steps of lanes 0-7 for the block's first half, of
/// lanes 8-15 for its second (`done` counts the groups walked).
pub(super) struct LaneGroups<'a, Q> {
    rng: LaneRng,
    q: &'a Q,
    done: usize,
}

impl<T, const G: usize, Q: Group<T, G>> Groups<T, G> for LaneGroups<'_, Q> {
    #[inline(always)]
    fn skip(&mut self, n: usize) {
        let (from, to) = (self.done, self.done + n);
        let (h, steps) = if to < HALF_STEPS { (0, n) } else { (1, to - from.max(HALF_STEPS)) };
        for _ in 0..steps {
            self.rng.step_half(h);
        }
        self.done = to;
    }
    #[inline(always)]
    fn next(&mut self, out: &mut [T; G]) {
        let h = usize::from(self.done >= HALF_STEPS);
        self.done += 1;
        self.q.fill(&self.rng.step_half(h), out)
    }
}

/// Runs `q` over every block of a fill.
#[inline(always)]
pub(super) fn fill_all<T: Copy + Default, const G: usize, Q: Group<T, G>>(
    stream: &Stream,
    offset: u64,
    out: &mut [T],
    q: &Q,
) {
    let mut rest = out;
    for (block, skip, n) in block_spans(offset, rest.len()) {
        let (head, tail) = rest.split_at_mut(n);
        walk(&mut LaneGroups { rng: LaneRng::new(stream, block), q, done: 0 }, skip, head);
        rest = tail;
    }
}
