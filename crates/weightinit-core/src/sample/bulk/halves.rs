//! A block's 16 lane generators as two halves (stream format v7): lanes 0-7 generate the block's first
//! 2048 values and lanes 8-15 its last 2048, so a run that starts in the second half never steps through
//! the first (the second column block of a row-major `[n, 4096]` matrix is then as cheap as the first).

use crate::simd::{LANES, Wide};
use crate::stream::{BLOCK_LEN, LaneRng, Stream};

/// f32 groups (of `2 * LANES` values, two half steps) per half block.
pub(super) const HALF_GROUPS: usize = BLOCK_LEN as usize / 2 / (2 * LANES);

/// The `H` of [`BlockLanes::words_in`] for a group whose half is decided at run time.
pub(super) const EITHER: usize = 2;

/// A block's lanes in registers and the f32 group they stand at: group `g < HALF_GROUPS` is half steps
/// `2 g` and `2 g + 1` of lanes 0-7, group `HALF_GROUPS + g` the same steps of lanes 8-15. The half not
/// yet used stands at its start; the first half is left behind once the walk enters the second.
#[derive(Clone, Copy)]
pub(super) struct BlockLanes<S: Wide> {
    pub(super) st: [S::W; 4],
    pub(super) group: usize,
}

impl<S: Wide> BlockLanes<S> {
    /// The lanes of `block`, at its first group.
    #[inline(always)]
    pub(super) fn new(s: S, stream: &Stream, block: u64) -> Self {
        BlockLanes { st: s.load_state(LaneRng::new(stream, block).words()), group: 0 }
    }

    /// The lanes of `block` saved at a group (`from`, [`super::store::Saved::resume`]), else [`BlockLanes::new`].
    #[inline(always)]
    pub(super) fn resume(s: S, stream: &Stream, block: u64, from: Option<([S::W; 4], usize)>) -> Self {
        match from {
            Some((st, group)) => BlockLanes { st, group },
            None => BlockLanes::new(s, stream, block),
        }
    }

    /// The words `(a, b)` of the next group: two half steps of its half.
    #[inline(always)]
    pub(super) fn words(&mut self, s: S) -> (S::U, S::U) {
        if self.group < HALF_GROUPS { self.words_in::<0>(s) } else { self.words_in::<1>(s) }
    }

    /// [`BlockLanes::words`] where the caller knows the group's half: `H` is 0 or 1 (the lanes fixed at
    /// compile time, no branch per group), or [`EITHER`] (decided per group).
    #[inline(always)]
    pub(super) fn words_in<const H: usize>(&mut self, s: S) -> (S::U, S::U) {
        if H == EITHER {
            return self.words(s);
        }
        self.group += 1;
        let a = s.step_half::<H>(&mut self.st);
        (a, s.step_half::<H>(&mut self.st))
    }

    /// How `n` pairs of groups from here split: pairs wholly in the first half, pairs across the halves'
    /// boundary (0 or 1), pairs in the second half (a generator's loop runs each part with its half fixed).
    #[inline(always)]
    pub(super) fn pair_phases(&self, n: usize) -> [usize; 3] {
        let first = HALF_GROUPS.saturating_sub(self.group) / 2;
        let a = first.min(n);
        let c = usize::from(n > a && self.group + 2 * a < HALF_GROUPS);
        [a, c, n - a - c]
    }

    /// Advances past `n` groups: only the half the walk ends in is stepped (from its start when the
    /// walk crosses into the second half).
    #[inline(always)]
    pub(super) fn skip(&mut self, s: S, n: usize) {
        let (from, to) = (self.group, self.group + n);
        if to < HALF_GROUPS {
            s.skip_half::<0>(&mut self.st, 2 * n);
        } else {
            s.skip_half::<1>(&mut self.st, 2 * (to - from.max(HALF_GROUPS)));
        }
        self.group = to;
    }
}
