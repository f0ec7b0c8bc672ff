//! Where the bulk fills' vectors go: plain stores group by group, or, for large fills, streaming stores
//! straight from the registers (rotated into whole 64-byte lines) or through an L1-resident staging block.

use super::halves::BlockLanes;
use super::walk::{Cursor, Groups, walk};
use crate::simd::{LANES, Wide};
use crate::stream::{BLOCK_LEN, block_spans};

/// Stores consecutive 16-value vectors to `out` in order.
#[inline(always)]
pub(super) fn store_all<S: Wide, const K: usize>(s: S, v: [S::F; K], out: &mut [f32]) {
    for (q, v) in out.chunks_exact_mut(LANES).zip(v) {
        s.store(v, q.try_into().expect("16"));
    }
}

/// A block's f32 values as 16-value vectors, group by group (what streaming stores straight from the
/// registers need; a trait so `#[inline(always)]` carries the code into each `#[target_feature]` wrapper).
pub(super) trait Vectors<S: Wide> {
    /// The next group (`2 * LANES` values).
    fn pair(&mut self) -> [S::F; 2];
    /// The lanes now.
    fn lanes(&self) -> BlockLanes<S>;
    /// The next two groups.
    #[inline(always)]
    fn quad(&mut self) -> [S::F; 4] {
        let [a, b] = self.pair();
        let [c, d] = self.pair();
        [a, b, c, d]
    }
    /// The next `2 n` groups, two at a time, into `sink` (a generator may override it to overlap one
    /// quad's latency with the next).
    #[inline(always)]
    fn quads<K: Sink<S>>(&mut self, n: usize, sink: &mut K) {
        for _ in 0..n {
            sink.put4(self.quad());
        }
    }
}

/// Where [`Vectors::quads`] puts its vectors.
pub(super) trait Sink<S: Wide> {
    /// Four consecutive 16-value vectors.
    fn put4(&mut self, v: [S::F; 4]);
}

/// Plain stores to consecutive 64-value chunks.
pub(super) struct Chunks<'a, S: Wide>(pub(super) S, pub(super) core::slice::ChunksExactMut<'a, f32>);

impl<S: Wide> Sink<S> for Chunks<'_, S> {
    #[inline(always)]
    fn put4(&mut self, v: [S::F; 4]) {
        if let Some(ch) = self.1.next() {
            store_all(self.0, v, ch);
        }
    }
}

impl<S: Wide> Sink<S> for NtSink<'_, S> {
    #[inline(always)]
    fn put4(&mut self, v: [S::F; 4]) {
        for v in v {
            self.put(v);
        }
    }
}

/// Streaming stores of consecutive 16-value vectors to `out` (length a multiple of 16), every one to a
/// whole 64-byte line: when `out` does not start on a line, each line is assembled from two consecutive
/// vectors ([`Wide::rotate`]) and the partial lines at both ends are stored plainly.
pub(super) struct NtSink<'a, S: Wide> {
    s: S,
    /// `out[..h]`: the values before the first 64-byte boundary (`h < 16`), from the first vector.
    head: &'a mut [f32],
    /// The whole lines of `out[h..]`, then (`rest`) the last `16 - h` values when `h > 0`.
    lines: core::slice::ChunksExactMut<'a, f32>,
    idx: S::U,
    /// The previous vector, once one was put.
    carry: Option<S::F>,
}

impl<'a, S: Wide> NtSink<'a, S> {
    #[inline(always)]
    fn new(s: S, out: &'a mut [f32], h: usize) -> Self {
        let (head, body) = out.split_at_mut(h.min(out.len()));
        NtSink { s, head, lines: body.chunks_exact_mut(LANES), idx: s.rotate_index(h), carry: None }
    }

    #[inline(always)]
    fn put(&mut self, v: S::F) {
        let s = self.s;
        if self.head.is_empty() {
            if let Some(line) = self.lines.next() {
                s.stream(v, line.try_into().expect("16"));
            }
            return;
        }
        match self.carry {
            None => {
                let mut tmp = [0.0f32; LANES];
                s.store(v, &mut tmp);
                let h = self.head.len();
                self.head.copy_from_slice(&tmp[..h]);
            }
            Some(c) => {
                if let Some(line) = self.lines.next() {
                    s.stream(s.rotate(c, v, self.idx), line.try_into().expect("16"));
                }
            }
        }
        self.carry = Some(v);
    }

    /// Stores the rest of the last vector (after the last whole line).
    #[inline(always)]
    fn finish(self) {
        if let Some(c) = self.carry {
            let mut tmp = [0.0f32; LANES];
            self.s.store(c, &mut tmp);
            let rest = self.lines.into_remainder();
            let n = rest.len();
            rest.copy_from_slice(&tmp[LANES - n..]);
        }
    }
}

/// One block's values `skip .. skip + out.len()` (a trait, not a closure, so `#[inline(always)]` carries the
/// code into each `#[target_feature]` wrapper).
pub(super) trait BlockGen {
    /// The lane word type of the state [`BlockGen::block`] saves (unused by generators that do not resume).
    type W: Copy;
    /// Writes the values with plain stores, or with `stage` with streaming stores (through the stage where
    /// needed). Resumes from `saved` when it holds this block's lanes at or before the run's first group
    /// (several short runs of one block, the rows of a column block narrower than a block, then step
    /// their lanes from run to run instead of from the block's start) and leaves in `saved` the lanes
    /// after the run (`None` from a generator that does not resume).
    fn block<S: Wide>(
        &self,
        s: S,
        block: u64,
        skip: usize,
        out: &mut [f32],
        stage: Option<&mut Stage>,
        saved: &mut Option<Saved<Self::W>>,
    );
}

/// A generator that writes a block with plain stores only and never resumes (the truncated normal, the
/// constant); as a [`BlockGen`] its streamed blocks are generated into the stage, then copied.
pub(super) trait PlainBlock {
    /// The lane word type of [`BlockGen::W`].
    type W: Copy;
    /// Values `skip .. skip + out.len()` of `block`, plain stores.
    fn plain(&self, block: u64, skip: usize, out: &mut [f32]);
}

impl<P: PlainBlock> BlockGen for P {
    type W = P::W;
    #[inline(always)]
    fn block<S: Wide>(
        &self,
        s: S,
        block: u64,
        skip: usize,
        out: &mut [f32],
        stage: Option<&mut Stage>,
        saved: &mut Option<Saved<P::W>>,
    ) {
        *saved = None;
        match stage {
            Some(stage) => {
                let n = out.len();
                let buf = stage.buf();
                self.plain(block, skip, &mut buf[..n]);
                stream_copy(s, &buf[..n], out);
            }
            None => self.plain(block, skip, out),
        }
    }
}

/// A block's lanes after a run, kept for the next run of the same block ([`BlockGen::block`]).
pub(crate) struct Saved<W> {
    block: u64,
    /// The group (two half steps) the lanes stand at.
    group: usize,
    st: [W; 4],
}

impl<W: Copy> Saved<W> {
    /// The lanes `saved` holds for a run from value `skip` of `block` (groups of `g` values) and the group
    /// they stand at, if they are this block's and not past the run's first group.
    #[inline(always)]
    pub(super) fn resume(saved: &mut Option<Saved<W>>, block: u64, skip: usize, g: usize) -> Option<([W; 4], usize)> {
        match saved.take() {
            Some(v) if v.block == block && v.group <= skip / g => Some((v.st, v.group)),
            _ => None,
        }
    }
}

/// Writes values `skip .. skip + out.len()` of `block` from its groups `q`, whose lanes stand at a group
/// at or before the one holding `skip`: plain stores ([`walk`]) or, with `stage`, streaming stores
/// ([`stream_vectors`]). Returns the lanes after the run for [`Saved`].
#[inline(always)]
pub(super) fn write_run<S: Wide, Q: Groups<f32, { 2 * LANES }> + Vectors<S>>(
    s: S,
    q: &mut Q,
    (block, skip): (u64, usize),
    out: &mut [f32],
    stage: Option<&mut Stage>,
) -> Option<Saved<S::W>> {
    let at = q.lanes().group * 2 * LANES;
    match stage {
        Some(stage) => stream_vectors(s, q, skip - at, out, stage),
        None => walk(q, skip - at, out),
    }
    // A partly written last group was generated whole.
    let BlockLanes { st, group } = q.lanes();
    debug_assert_eq!(group, (skip + out.len()).div_ceil(2 * LANES));
    Some(Saved { block, group, st })
}

/// Values per piece of a streamed block: each piece is generated into the L1-resident stage and copied out
/// at once, so the streaming stores drain while the next piece is computed (a multiple of every group
/// size).
pub(super) const PIECE: usize = 512;

/// Writes the next `out.len()` values of a block's groups, piece by piece through the stage with streaming
/// stores; pieces after the first start on a 64-byte boundary of `out`.
#[inline(always)]
pub(super) fn stream_staged<S: Wide, const G: usize, Q: Groups<f32, G>>(
    s: S,
    mut c: Cursor<'_, f32, G, Q>,
    out: &mut [f32],
    stage: &mut Stage,
) {
    let first = (out.as_ptr().align_offset(64) + PIECE).min(out.len());
    let (head, mut rest) = out.split_at_mut(first);
    let buf = stage.buf();
    c.write(&mut buf[..first]);
    stream_copy(s, &buf[..first], head);
    while !rest.is_empty() {
        let n = rest.len().min(PIECE);
        let (piece, tail) = rest.split_at_mut(n);
        c.write(&mut buf[..n]);
        stream_copy(s, &buf[..n], piece);
        rest = tail;
    }
}

/// Writes values `skip .. skip + out.len()` of a block given as vectors with streaming stores straight from
/// the registers (through the stage only where the destination is not 64-byte aligned and
/// [`Wide::ROTATE`] is false).
#[inline(always)]
pub(super) fn stream_vectors<S: Wide, Q: Groups<f32, { 2 * LANES }> + Vectors<S>>(
    s: S,
    q: &mut Q,
    skip: usize,
    out: &mut [f32],
    stage: &mut Stage,
) {
    let mut c = Cursor::new(q, skip);
    let n0 = c.pending.min(out.len());
    c.write(&mut out[..n0]);
    let out = &mut out[n0..];
    let h = out.as_ptr().align_offset(64).min(LANES) % LANES;
    if h != 0 && !S::ROTATE {
        return stream_staged(s, c, out, stage);
    }
    let whole = out.len() / (2 * LANES) * (2 * LANES);
    let (body, rest) = out.split_at_mut(whole);
    let mut sink = NtSink::new(s, body, h);
    let groups = whole / (2 * LANES);
    c.q.quads(groups / 2, &mut sink);
    if groups % 2 == 1 {
        for v in c.q.pair() {
            sink.put(v);
        }
    }
    sink.finish();
    c.write(rest);
}

/// Fills of at least this many values use streaming stores (they do not read the destination's cache
/// lines first; about twice the write bandwidth of plain stores on the benchmark machine): the normal and
/// uniform fills straight from the registers, the truncated fill (whose compressed stores need slack) and
/// misaligned AVX2 fills through an L1-resident staging block. Smaller fills use plain stores and stay in
/// cache.
pub const STREAMING_MIN_LEN: usize = 1 << 20;

/// f32 values per 4 KiB page.
pub(super) const PAGE_F32: usize = 1024;

/// A 64-byte-aligned staging block, zeroed on first use only (a fill of a short run, one row of a shard,
/// usually never touches it: zeroing 16 KiB per call cost more than the run's stores).
pub(super) struct Stage(Option<StageBuf>);

#[repr(C, align(64))]
pub(super) struct StageBuf([f32; BLOCK_LEN as usize]);

impl Stage {
    /// A stage not yet zeroed.
    pub(super) const fn new() -> Stage {
        Stage(None)
    }

    /// The block, zeroed the first time.
    #[inline(always)]
    #[allow(clippy::unnecessary_lazy_evaluations)] // eager, the 16 KiB of zeros are written on every call
    pub(super) fn buf(&mut self) -> &mut [f32; BLOCK_LEN as usize] {
        &mut self.0.get_or_insert_with(|| StageBuf([0.0; BLOCK_LEN as usize])).0
    }
}

/// Copies `src` to `dst` (same length), with streaming stores for the 64-byte-aligned part of `dst`.
#[inline(always)]
pub(super) fn stream_copy<S: Wide>(s: S, src: &[f32], dst: &mut [f32]) {
    let head = dst.as_ptr().align_offset(64).min(dst.len());
    dst[..head].copy_from_slice(&src[..head]);
    let (src, dst) = (&src[head..], &mut dst[head..]);
    let mut d = dst.chunks_exact_mut(LANES);
    let mut c = src.chunks_exact(LANES);
    for (d, c) in (&mut d).zip(&mut c) {
        s.stream(s.load(c.try_into().expect("16")), d.try_into().expect("16"));
    }
    d.into_remainder().copy_from_slice(c.remainder());
}

/// Runs `g` over every block of a fill, with streaming stores when `streaming` says so, or (`None`) when
/// the fill is large.
#[inline(always)]
pub(super) fn fill_blocks<S: Wide, B: BlockGen>(s: S, offset: u64, out: &mut [f32], g: &B, streaming: Option<bool>) {
    if fill_blocks_resume(s, offset, out, g, streaming, &mut None) {
        s.fence();
    }
}

/// [`fill_blocks`] without the store fence after streaming stores (the caller fences once after several
/// fills; true if it streamed), starting from the lanes an earlier fill left in `saved` where they serve
/// ([`BlockGen::block`]), and leaving there the lanes after this fill's last block.
#[inline(always)]
pub(super) fn fill_blocks_resume<S: Wide, B: BlockGen>(
    s: S,
    offset: u64,
    out: &mut [f32],
    g: &B,
    streaming: Option<bool>,
    saved: &mut Option<Saved<B::W>>,
) -> bool {
    let mut rest = out;
    let streaming = S::STREAMING && streaming.unwrap_or(rest.len() >= STREAMING_MIN_LEN);
    let mut stage = Stage::new();
    // One call site of `g.block` (an unoptimized build inlines the generator once per site, and its frame
    // must fit a spawned thread's 2 MiB stack).
    for (block, skip, n) in block_spans(offset, rest.len()) {
        if streaming {
            // One prefetch per 4 KiB page of the next block: its page walks (costly in a VM) run while
            // this block is computed, instead of stalling its first streaming stores (about 2% on 16 Mi
            // values).
            for page in rest[n..].chunks(PAGE_F32).take(BLOCK_LEN as usize / PAGE_F32) {
                s.prefetch(page);
            }
        }
        let (o, tail) = rest.split_at_mut(n);
        rest = tail;
        g.block(s, block, skip, o, if streaming { Some(&mut stage) } else { None }, saved);
    }
    streaming
}
