//! Bulk fills (stream format v5): each block's values come from [`LANES`] independent Xoshiro256++
//! generators ("lanes") stepped in lockstep, so one block is one SIMD problem; the per-value math is the
//! polynomials of [`vmath`](super::vmath), written once over its `Math` trait. One set of bodies (the
//! `Wide` trait: lane generators, stores, in-order compaction) serves every path: the portable one on
//! 16-lane arrays ([`Lanes16`], vectorized by the compiler where the target allows, scalar on a Cortex-M)
//! and the x86-64 ones with the AVX2 / AVX-512 tokens of `simd` (16 lanes per instruction, two lane steps
//! interleaved, streaming stores for large fills). Identical bits on every path: only IEEE add,
//! subtract, multiply, fused multiply-add, square root, conversions and integer operations.
//!
//! Layout of a block (see the crate docs, "Stream format"): step `g` of the 16 lanes yields one 64-bit word
//! per lane, `x[l]`, read as two sets of 16 u32 words ([`step_words`]): `a[l]` is the low (`l` even) or high
//! (`l` odd) half of `x[l / 2]`, `b[l]` the same half of `x[8 + l / 2]` (so a 512-bit register of 8 lanes
//! is 16 words as it stands). The f32 values `32 g + l` and `32 g + 16 + l` are, for the uniform, from
//! `a[l]` and `b[l]`; for the normal, the two branches of Box-Muller on `(a[l], b[l])`. An f64 uniform
//! takes the 16 values `16 g + l` from `x[l]`. The truncated normal keeps the block's normals that fall
//! inside its bounds, in order.

use crate::kernels::simd::Isa;
use crate::kernels::vmath::{Lanes16, Mask16, Math, Scalar, Two, normal_pair, place, radius};
use crate::stream::{BLOCK_LEN, Stream, mix64};

/// Generators per block.
pub const LANES: usize = 16;

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
/// Odd constant separating the lanes' seeds.
const LANE_KEY: u64 = 0xd1b5_4a32_d192_ed03;

/// The [`LANES`] Xoshiro256++ generators of one block, state word-major for vectorization.
#[derive(Debug, Clone)]
pub struct LaneRng {
    s: [[u64; LANES]; 4],
}

impl LaneRng {
    /// The lanes of `block` of `stream`: lane `l`'s state words are `mix64(hl + (w + 1) G)` with
    /// `hl = mix64(h ^ (l + 1) K)`, `h` the block hash of [`Stream::block_hash`], `K = 0xd1b54a32d192ed03`.
    #[inline(always)]
    pub fn new(stream: &Stream, block: u64) -> LaneRng {
        let h = stream.block_hash(block);
        let mut hl = [0u64; LANES];
        for (l, v) in hl.iter_mut().enumerate() {
            *v = mix64(h ^ LANE_KEY.wrapping_mul(l as u64 + 1));
        }
        let mut s = [[0u64; LANES]; 4];
        for (w, row) in s.iter_mut().enumerate() {
            for (x, &b) in row.iter_mut().zip(&hl) {
                *x = mix64(b.wrapping_add(GAMMA.wrapping_mul(w as u64 + 1)));
            }
        }
        LaneRng { s }
    }

    /// The state, word-major: `words()[w][l]` is word `w` of lane `l`.
    pub(crate) fn words(&self) -> &[[u64; LANES]; 4] {
        &self.s
    }

    /// Lane `l`'s Xoshiro256++ state words (for tests against `rand_xoshiro`).
    pub fn lane_state(&self, l: usize) -> [u64; 4] {
        [self.s[0][l], self.s[1][l], self.s[2][l], self.s[3][l]]
    }

    /// One Xoshiro256++ step of every lane (Blackman & Vigna 2018): the outputs.
    #[inline(always)]
    pub fn step(&mut self) -> [u64; LANES] {
        xoshiro_step(&mut self.s)
    }
}

/// One Xoshiro256++ step of 16 word-major lane states.
#[inline(always)]
fn xoshiro_step(st: &mut [[u64; LANES]; 4]) -> [u64; LANES] {
    let [s0, s1, s2, s3] = st;
    let mut out = [0u64; LANES];
    for l in 0..LANES {
        out[l] = s0[l].wrapping_add(s3[l]).rotate_left(23).wrapping_add(s0[l]);
        let t = s1[l] << 17;
        s2[l] ^= s0[l];
        s3[l] ^= s1[l];
        s1[l] ^= s2[l];
        s0[l] ^= s3[l];
        s2[l] ^= t;
        s3[l] = s3[l].rotate_left(45);
    }
    out
}

/// Parameters of a uniform `[low, high)` fill: `low + scale * u`, results `>= high` become `below_high`.
#[derive(Debug, Clone, Copy)]
pub struct UniformParams<T> {
    /// Lower bound.
    pub low: T,
    /// `high - low`.
    pub scale: T,
    /// Upper bound.
    pub high: T,
    /// The largest value below `high`.
    pub below_high: T,
}

/// The 16 f64 uniforms of one lane step.
#[inline(always)]
fn uniform_group_f64(w: &[u64; LANES], p: &UniformParams<f64>, out: &mut [f64; LANES]) {
    for l in 0..LANES {
        let a = p.low + p.scale * ((w[l] >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0));
        out[l] = if a < p.high { a } else { p.below_high };
    }
}

/// The two standard normals of the bulk path from the words `(a, b)`: `(value 32 g + l, value 32 g + 16 + l)`
/// of a step whose lane words are `a[l]`, `b[l]` ([`step_words`]).
#[inline(always)]
pub fn poly_normal(a: u32, b: u32) -> (f32, f32) {
    normal_pair(Scalar, a, b)
}

/// Two standard normals of one 64-bit word (`a` its high half, `b` its low half), second branch first: the
/// sequential [`NormalMethod::BoxMullerPoly`](crate::sample::NormalMethod) sampler.
#[inline(always)]
pub fn poly_normal_pair(w: u64) -> (f32, f32) {
    let (u, v) = normal_pair(Scalar, (w >> 32) as u32, w as u32);
    (v, u)
}

/// The 32-bit words `(a, b)` of one lane step's outputs `x`: `a[l]` is the low (`l` even) or high (`l` odd)
/// half of `x[l / 2]`, `b[l]` the same half of `x[8 + l / 2]`.
#[inline(always)]
pub fn step_words(x: &[u64; LANES]) -> ([u32; LANES], [u32; LANES]) {
    let half = |w: u64, l: usize| (w >> (32 * (l & 1))) as u32;
    (core::array::from_fn(|l| half(x[l / 2], l)), core::array::from_fn(|l| half(x[8 + l / 2], l)))
}

/// Produces the `G` values of one lane step (a trait, not a closure, so `#[inline(always)]` carries the
/// code into each `#[target_feature]` wrapper).
trait Group<T, const G: usize> {
    fn fill(&self, w: &[u64; LANES], out: &mut [T; G]);
}

struct UniformF64<'a>(&'a UniformParams<f64>);
impl Group<f64, LANES> for UniformF64<'_> {
    #[inline(always)]
    fn fill(&self, w: &[u64; LANES], out: &mut [f64; LANES]) {
        uniform_group_f64(w, self.0, out)
    }
}

/// A block's values as consecutive groups of `G` (a trait, not a closure, so `#[inline(always)]` carries
/// the code into each `#[target_feature]` wrapper).
trait Groups<T, const G: usize> {
    /// Advances past one group whose values are not needed.
    fn skip(&mut self);
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
fn walk<T: Copy + Default, const G: usize, Q: Groups<T, G>>(q: &mut Q, skip: usize, out: &mut [T]) {
    Cursor::new(q, skip).write(out);
}

/// A position inside a block's groups that can stop and resume anywhere: the rest of a partly used group
/// waits in `buf`.
struct Cursor<'a, T, const G: usize, Q> {
    q: &'a mut Q,
    buf: [T; G],
    /// Values of `buf` not yet written: `buf[G - pending..]`.
    pending: usize,
}

impl<'a, T: Copy + Default, const G: usize, Q: Groups<T, G>> Cursor<'a, T, G, Q> {
    /// At value `skip` of the block (whole groups before it are skipped, not computed).
    #[inline(always)]
    fn new(q: &'a mut Q, skip: usize) -> Self {
        for _ in 0..skip / G {
            q.skip();
        }
        let mut c = Cursor { q, buf: [T::default(); G], pending: 0 };
        if !skip.is_multiple_of(G) {
            c.q.next(&mut c.buf);
            c.pending = G - skip % G;
        }
        c
    }

    /// Writes the next `out.len()` values.
    #[inline(always)]
    fn write(&mut self, out: &mut [T]) {
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

/// A [`Group`] over a block's lane generator.
struct LaneGroups<'a, Q> {
    rng: LaneRng,
    q: &'a Q,
}

impl<T, const G: usize, Q: Group<T, G>> Groups<T, G> for LaneGroups<'_, Q> {
    #[inline(always)]
    fn skip(&mut self) {
        self.rng.step();
    }
    #[inline(always)]
    fn next(&mut self, out: &mut [T; G]) {
        self.q.fill(&self.rng.step(), out)
    }
}

/// The blocks a fill from `offset` touches, as `(block, skip within it, length)` (the caller checked that
/// `offset + len` fits `u64`).
#[inline(always)]
fn blocks(offset: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize)> {
    let mut pos = offset;
    let mut left = len;
    core::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let block = pos / BLOCK_LEN;
        let within = (pos % BLOCK_LEN) as usize;
        let n = left.min(BLOCK_LEN as usize - within);
        pos += n as u64;
        left -= n;
        Some((block, within, n))
    })
}

/// Runs `q` over every block of a fill.
#[inline(always)]
fn fill_all<T: Copy + Default, const G: usize, Q: Group<T, G>>(stream: &Stream, offset: u64, out: &mut [T], q: &Q) {
    let mut rest = out;
    for (block, skip, n) in blocks(offset, rest.len()) {
        let (head, tail) = rest.split_at_mut(n);
        walk(&mut LaneGroups { rng: LaneRng::new(stream, block), q }, skip, head);
        rest = tail;
    }
}

/// The shared bodies, compiled once per ISA by the wrappers in `simd`.
pub(crate) mod body {
    use super::*;

    #[inline(always)]
    pub(crate) fn uniform_f32(stream: &Stream, offset: u64, out: &mut [f32], p: &UniformParams<f32>) {
        wide_uniform_f32(Lanes16, stream, offset, out, p)
    }

    #[inline(always)]
    pub(crate) fn uniform_f64(stream: &Stream, offset: u64, out: &mut [f64], p: &UniformParams<f64>) {
        fill_all(stream, offset, out, &UniformF64(p));
    }

    /// The normal f32 bulk fill on plain arrays ([`Lanes16`]): the compiler vectorizes what the target
    /// allows; same bits as the explicit SIMD bodies.
    #[inline(always)]
    pub(crate) fn normal_f32(stream: &Stream, offset: u64, out: &mut [f32], mean: f32, std: f32) {
        wide_normal_f32(Lanes16, stream, offset, out, mean, std)
    }

    /// Truncated normal by rejection, in stream order: a block's candidates are the standard normals of
    /// the block in the order the normal fill gives them (step `g`: the 16 first-branch values, then the
    /// 16 second-branch values); a candidate `z` is accepted when `alpha <= z <= beta`, and position `p` of
    /// the block holds the `p`-th accepted one, as `fma(std, z, mean)` clamped to `[lo, hi]`.
    #[inline(always)]
    pub(crate) fn truncated_f32(stream: &Stream, offset: u64, out: &mut [f32], t: &TruncParams) {
        wide_truncated_f32(Lanes16, stream, offset, out, t)
    }
}

/// What the explicit SIMD bulk bodies need beyond [`Math`]: the 16 lane generators in registers, stores
/// and a masked scatter. Implemented by the x86-64 tokens in `simd`; the portable path keeps [`LaneRng`].
pub(crate) trait Wide: Math {
    /// 16 u64 lanes.
    type W: Copy;
    /// Whether large fills use streaming stores (never on the portable path, whose targets may not have
    /// 16 KiB of stack to spare for the staging block).
    const STREAMING: bool;
    /// The lanes' state words.
    fn load_state(self, rng: &LaneRng) -> [Self::W; 4];
    /// One Xoshiro256++ step of every lane: the outputs as the words `(a, b)` of [`step_words`].
    fn step(self, st: &mut [Self::W; 4]) -> (Self::U, Self::U);
    /// Stores the 16 lanes.
    fn store(self, v: Self::F, out: &mut [f32; LANES]);
    /// Loads 16 lanes.
    fn load(self, src: &[f32; LANES]) -> Self::F;
    /// Stores the 16 lanes with a streaming (non-temporal) store if `out` is 64-byte aligned, else plainly.
    fn stream(self, v: Self::F, out: &mut [f32; LANES]);
    /// Orders earlier streaming stores before later stores (`sfence`).
    fn fence(self);
    /// A hint that `at` will be written soon: a software prefetch of its first line, which also starts the
    /// page walk of its address early (no effect on the values; none on the portable path).
    #[inline(always)]
    fn prefetch(self, at: &[f32]) {
        let _ = at;
    }
    /// Whether [`Wide::rotate`] is one instruction: large fills then stream straight from registers to
    /// any destination; otherwise only to 64-byte-aligned ones (others go through the staging block).
    const ROTATE: bool;
    /// The index vector of [`Wide::rotate`] for a shift of `h < 16` lanes: lane `t` holds `h + t`.
    fn rotate_index(self, h: usize) -> Self::U;
    /// Lanes `h..16` of `a` followed by lanes `0..h` of `b` (`idx` from [`Wide::rotate_index`]).
    fn rotate(self, a: Self::F, b: Self::F, idx: Self::U) -> Self::F;
    /// Writes the lanes of `v` selected by `m`, in lane order, to `out[at..]`, and returns how many. May
    /// write all 16 slots `out[at..at + 16]` (the ones past the count with unspecified values); requires
    /// `at + 16 <= out.len()`, else writes nothing and returns `None`.
    fn compress_store(self, v: Self::F, m: Self::M, out: &mut [f32], at: usize) -> Option<usize>;
}

/// The 32 values `fma(std, z, mean)` of one lane step, SIMD: values `0..16` and `16..32` of the group.
#[inline(always)]
fn wide_normal_group<S: Wide, const UNIT: bool>(s: S, st: &mut [S::W; 4], mean: f32, std: f32) -> [S::F; 2] {
    let (hi, lo) = s.step(st);
    let (c, sn) = normal_pair(s, hi, lo);
    if UNIT {
        // fma(1, z, ±0) = z: the polynomial normal is never ±0.
        return [c, sn];
    }
    [s.fma(s.splat(std), c, s.splat(mean)), s.fma(s.splat(std), sn, s.splat(mean))]
}

impl Wide for Lanes16 {
    type W = [u64; LANES];
    const STREAMING: bool = false;
    #[inline(always)]
    fn load_state(self, rng: &LaneRng) -> [[u64; LANES]; 4] {
        *rng.words()
    }
    #[inline(always)]
    fn step(self, st: &mut [[u64; LANES]; 4]) -> ([u32; LANES], [u32; LANES]) {
        step_words(&xoshiro_step(st))
    }
    #[inline(always)]
    fn store(self, v: [f32; LANES], out: &mut [f32; LANES]) {
        *out = v;
    }
    #[inline(always)]
    fn load(self, src: &[f32; LANES]) -> [f32; LANES] {
        *src
    }
    #[inline(always)]
    fn stream(self, v: [f32; LANES], out: &mut [f32; LANES]) {
        *out = v;
    }
    #[inline(always)]
    fn fence(self) {}
    const ROTATE: bool = false;
    #[inline(always)]
    fn rotate_index(self, h: usize) -> [u32; LANES] {
        core::array::from_fn(|t| (h + t) as u32)
    }
    #[inline(always)]
    fn rotate(self, a: [f32; LANES], b: [f32; LANES], idx: [u32; LANES]) -> [f32; LANES] {
        idx.map(|i| if (i as usize) < LANES { a[i as usize] } else { b[i as usize - LANES] })
    }
    #[inline(always)]
    fn compress_store(self, v: [f32; LANES], m: Mask16, out: &mut [f32], at: usize) -> Option<usize> {
        let dst = out.get_mut(at..at.checked_add(LANES)?)?;
        let mut k = 0;
        for l in 0..LANES {
            // Branch-free: write every lane at the cursor (k <= l < 16), advance past the selected ones.
            dst[k] = v[l];
            k += (m[l] != 0) as usize;
        }
        Some(k)
    }
}

/// The four vectors of two lane steps (their math interleaved, [`Two`]) from their radii `r` ([`radius`]) and angle words `b`:
/// `fma(std, z, mean)` of [`place`]'s normals (the normals themselves when `UNIT`).
#[inline(always)]
fn finish2<S: Wide, const UNIT: bool>(t: Two<S>, r: (S::F, S::F), b: (S::U, S::U), mean: f32, std: f32) -> [S::F; 4] {
    let (c, sn) = place(t, r, b);
    if UNIT {
        return [c.0, sn.0, c.1, sn.1];
    }
    let (m, d) = (t.splat(mean), t.splat(std));
    let (c, sn) = (t.fma(d, c, m), t.fma(d, sn, m));
    [c.0, sn.0, c.1, sn.1]
}

/// Stores consecutive 16-value vectors to `out` in order.
#[inline(always)]
fn store_all<S: Wide, const K: usize>(s: S, v: [S::F; K], out: &mut [f32]) {
    for (q, v) in out.chunks_exact_mut(LANES).zip(v) {
        s.store(v, q.try_into().expect("16"));
    }
}

/// A block's f32 values as 16-value vectors, group by group (what streaming stores straight from the
/// registers need; a trait so `#[inline(always)]` carries the code into each `#[target_feature]` wrapper).
trait Vectors<S: Wide> {
    /// The next group (`2 * LANES` values).
    fn pair(&mut self) -> [S::F; 2];
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
trait Sink<S: Wide> {
    /// Four consecutive 16-value vectors.
    fn put4(&mut self, v: [S::F; 4]);
}

/// Plain stores to consecutive 64-value chunks.
struct Chunks<'a, S: Wide>(S, core::slice::ChunksExactMut<'a, f32>);

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
struct NtSink<'a, S: Wide> {
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
trait BlockGen {
    fn block(&self, block: u64, skip: usize, out: &mut [f32]);
    /// The same values, written to `out` with streaming stores through `stage`. By default the whole
    /// block is generated into the stage, then copied.
    #[inline(always)]
    fn block_streamed<S: Wide>(&self, s: S, block: u64, skip: usize, out: &mut [f32], stage: &mut Stage) {
        let n = out.len();
        self.block(block, skip, &mut stage.0[..n]);
        stream_copy(s, &stage.0[..n], out);
    }
}

/// Values per piece of a streamed block: each piece is generated into the L1-resident stage and copied out
/// at once, so the streaming stores drain while the next piece is computed (a multiple of every group
/// size).
const PIECE: usize = 512;

/// Writes the next `out.len()` values of a block's groups, piece by piece through the stage with streaming
/// stores; pieces after the first start on a 64-byte boundary of `out`.
#[inline(always)]
fn stream_staged<S: Wide, const G: usize, Q: Groups<f32, G>>(
    s: S,
    mut c: Cursor<'_, f32, G, Q>,
    out: &mut [f32],
    stage: &mut Stage,
) {
    let first = (out.as_ptr().align_offset(64) + PIECE).min(out.len());
    let (head, mut rest) = out.split_at_mut(first);
    c.write(&mut stage.0[..first]);
    stream_copy(s, &stage.0[..first], head);
    while !rest.is_empty() {
        let n = rest.len().min(PIECE);
        let (piece, tail) = rest.split_at_mut(n);
        c.write(&mut stage.0[..n]);
        stream_copy(s, &stage.0[..n], piece);
        rest = tail;
    }
}

/// Writes values `skip .. skip + out.len()` of a block given as vectors with streaming stores straight from
/// the registers (through the stage only where the destination is not 64-byte aligned and
/// [`Wide::ROTATE`] is false).
#[inline(always)]
fn stream_vectors<S: Wide, Q: Groups<f32, { 2 * LANES }> + Vectors<S>>(
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
const PAGE_F32: usize = 1024;

/// A 64-byte-aligned staging block.
#[repr(C, align(64))]
struct Stage([f32; BLOCK_LEN as usize]);

/// Copies `src` to `dst` (same length), with streaming stores for the 64-byte-aligned part of `dst`.
#[inline(always)]
fn stream_copy<S: Wide>(s: S, src: &[f32], dst: &mut [f32]) {
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

/// Runs `g` over every block of a fill, with streaming stores when the fill is large.
#[inline(always)]
fn fill_blocks<S: Wide, B: BlockGen>(s: S, offset: u64, out: &mut [f32], g: &B) {
    let mut rest = out;
    if !S::STREAMING || rest.len() < STREAMING_MIN_LEN {
        for (block, skip, n) in blocks(offset, rest.len()) {
            let (o, tail) = rest.split_at_mut(n);
            rest = tail;
            g.block(block, skip, o);
        }
        return;
    }
    let mut stage = Stage([0.0; BLOCK_LEN as usize]);
    for (block, skip, n) in blocks(offset, rest.len()) {
        // One prefetch per 4 KiB page of the next block: its page walks (costly in a VM) run while this
        // block is computed, instead of stalling its first streaming stores (about 2% on 16 Mi values).
        for page in rest[n..].chunks(PAGE_F32).take(BLOCK_LEN as usize / PAGE_F32) {
            s.prefetch(page);
        }
        let (o, tail) = rest.split_at_mut(n);
        rest = tail;
        g.block_streamed(s, block, skip, o, &mut stage);
    }
    s.fence();
}

struct NormalWide<S: Wide> {
    s: S,
    stream: Stream,
    mean: f32,
    std: f32,
}

impl<S: Wide> BlockGen for NormalWide<S> {
    #[inline(always)]
    fn block(&self, block: u64, skip: usize, o: &mut [f32]) {
        let st = self.s.load_state(&LaneRng::new(&self.stream, block));
        let (s, mean, std) = (self.s, self.mean, self.std);
        if self.unit() {
            walk(&mut NormalGroups::<S, true> { s, st, mean, std }, skip, o);
        } else {
            walk(&mut NormalGroups::<S, false> { s, st, mean, std }, skip, o);
        }
    }
    #[inline(always)]
    fn block_streamed<T: Wide>(&self, _: T, block: u64, skip: usize, o: &mut [f32], stage: &mut Stage) {
        let st = self.s.load_state(&LaneRng::new(&self.stream, block));
        let (s, mean, std) = (self.s, self.mean, self.std);
        if self.unit() {
            stream_vectors(s, &mut NormalGroups::<S, true> { s, st, mean, std }, skip, o, stage);
        } else {
            stream_vectors(s, &mut NormalGroups::<S, false> { s, st, mean, std }, skip, o, stage);
        }
    }
}

impl<S: Wide> NormalWide<S> {
    /// Standard normal: the map `fma(std, z, mean)` is the identity (`z` is never ±0), so it is skipped.
    #[inline(always)]
    fn unit(&self) -> bool {
        self.mean == 0.0 && self.std == 1.0
    }
}

/// A block's normals, 32 per lane step (`UNIT`: mean 0, std 1).
struct NormalGroups<S: Wide, const UNIT: bool> {
    s: S,
    st: [S::W; 4],
    mean: f32,
    std: f32,
}

impl<S: Wide, const UNIT: bool> Groups<f32, { 2 * LANES }> for NormalGroups<S, UNIT> {
    #[inline(always)]
    fn skip(&mut self) {
        self.s.step(&mut self.st);
    }
    #[inline(always)]
    fn next(&mut self, out: &mut [f32; 2 * LANES]) {
        store_all(self.s, self.pair(), out)
    }
    /// Two lane steps at a time, their math interleaved ([`Vectors::quads`]).
    #[inline(always)]
    fn run(&mut self, out: &mut [f32]) -> usize {
        let n = out.len() / (4 * LANES);
        self.quads(n, &mut Chunks(self.s, out.chunks_exact_mut(4 * LANES)));
        n * 4 * LANES
    }
}

impl<S: Wide, const UNIT: bool> Vectors<S> for NormalGroups<S, UNIT> {
    #[inline(always)]
    fn pair(&mut self) -> [S::F; 2] {
        wide_normal_group::<S, UNIT>(self.s, &mut self.st, self.mean, self.std)
    }
    /// Software-pipelined: each iteration computes the radii (logarithm and square root, the long
    /// dependency chain) of the next two lane steps before it finishes the current two, so the
    /// out-of-order core always has independent work queued behind that chain (same values; 0-10%,
    /// typically about 3%, faster than the same interleaved steps unpipelined, measured in-process on
    /// AVX-512).
    #[inline(always)]
    fn quads<K: Sink<S>>(&mut self, n: usize, sink: &mut K) {
        if n == 0 {
            return;
        }
        let (s, t, mean, std) = (self.s, Two(self.s), self.mean, self.std);
        let (h1, l1) = s.step(&mut self.st);
        let (h2, l2) = s.step(&mut self.st);
        let (mut r, mut b) = (radius(t, (h1, h2)), (l1, l2));
        for _ in 1..n {
            let (h1, l1) = s.step(&mut self.st);
            let (h2, l2) = s.step(&mut self.st);
            let next = radius(t, (h1, h2));
            sink.put4(finish2::<S, UNIT>(t, r, b, mean, std));
            (r, b) = (next, (l1, l2));
        }
        sink.put4(finish2::<S, UNIT>(t, r, b, mean, std));
    }
}

/// The explicit-SIMD twin of `body::normal_f32` (same bits).
#[inline(always)]
pub(crate) fn wide_normal_f32<S: Wide>(s: S, stream: &Stream, offset: u64, out: &mut [f32], mean: f32, std: f32) {
    fill_blocks(s, offset, out, &NormalWide { s, stream: *stream, mean, std });
}

struct TruncWide<S: Wide> {
    s: S,
    stream: Stream,
    t: TruncParams,
}

impl<S: Wide> BlockGen for TruncWide<S> {
    #[inline(always)]
    fn block(&self, block: u64, skip: usize, o: &mut [f32]) {
        // Both shortcuts give the same bits as the general loop (clamp, two compares).
        match (self.t.clamp_needed(), self.t.alpha == -self.t.beta) {
            (true, true) => self.block_with::<true, true>(block, skip, o),
            (true, false) => self.block_with::<true, false>(block, skip, o),
            (false, true) => self.block_with::<false, true>(block, skip, o),
            (false, false) => self.block_with::<false, false>(block, skip, o),
        }
    }
}

impl<S: Wide> TruncWide<S> {
    /// One block; `CLAMP`: clamp the mapped values to `[lo, hi]`; `SYMMETRIC`: `alpha = -beta`.
    #[inline(always)]
    fn block_with<const CLAMP: bool, const SYMMETRIC: bool>(&self, block: u64, skip: usize, o: &mut [f32]) {
        let (s, t) = (self.s, &self.t);
        let (alpha, beta) = (s.splat(t.alpha), s.splat(t.beta));
        let (mean, std, lo, hi) = (s.splat(t.mean), s.splat(t.std), s.splat(t.lo), s.splat(t.hi));
        let end = skip + o.len();
        let mut st = s.load_state(&LaneRng::new(&self.stream, block));
        let mut cur = 0usize;
        while cur < end {
            // Two steps at a time (their math interleaved); a step past the block's need is discarded.
            let (h1, l1) = s.step(&mut st);
            let (h2, l2) = s.step(&mut st);
            let (zc, zs) = normal_pair(Two(s), (h1, h2), (l1, l2));
            // The accepted candidates of `z`, mapped to `fma(std, z, mean)` and clamped: `v < lo ? lo :
            // (hi < v ? hi : v)` (lo <= hi) as two instructions instead of two compares and two blends.
            macro_rules! accepted {
                ($z:expr) => {{
                    let z = $z;
                    let v = s.fma(std, z, mean);
                    let v = if CLAMP { s.max(lo, s.min(hi, v)) } else { v };
                    let acc = if SYMMETRIC {
                        // |z| <= beta (z is never NaN).
                        s.le(s.bits_to_f(s.and_u(s.to_bits(z), s.splat_u(0x7fff_ffff))), beta)
                    } else {
                        s.and_m(s.le(alpha, z), s.le(z, beta))
                    };
                    (v, acc)
                }};
            }
            if cur >= skip && cur + 4 * LANES <= end {
                // All four compressed stores fit in `o` (written out, not a loop: the compiler kept the
                // four vectors on the stack and looped over them).
                for z in [zc.0, zs.0, zc.1, zs.1] {
                    let (v, acc) = accepted!(z);
                    cur += s.compress_store(v, acc, o, cur - skip).unwrap_or(0);
                }
                continue;
            }
            for z in [zc.0, zs.0, zc.1, zs.1] {
                let (v, acc) = accepted!(z);
                let mut tmp = [0.0f32; LANES];
                let k = s.compress_store(v, acc, &mut tmp, 0).unwrap_or(0);
                for (j, &x) in tmp[..k].iter().enumerate() {
                    if cur + j >= skip && cur + j < end {
                        o[cur + j - skip] = x;
                    }
                }
                cur += k;
            }
        }
    }
}

/// The explicit-SIMD twin of `body::truncated_f32` (same bits): accepted lanes compressed in order.
#[inline(always)]
pub(crate) fn wide_truncated_f32<S: Wide>(s: S, stream: &Stream, offset: u64, out: &mut [f32], t: &TruncParams) {
    fill_blocks(s, offset, out, &TruncWide { s, stream: *stream, t: *t });
}

struct UniformWide<S: Wide> {
    s: S,
    stream: Stream,
    p: UniformParams<f32>,
}

impl<S: Wide> UniformWide<S> {
    /// The 16 uniforms of one half of a lane step: `low + scale * ((x >> 8) 2^-24)`, `below_high` for a
    /// result `>= high`.
    #[inline(always)]
    fn half(&self, x: S::U) -> S::F {
        let s = self.s;
        let u = s.mul(s.i32_to_f32(s.shr_u::<8>(x)), s.splat(1.0 / 16_777_216.0));
        let a = s.add(s.splat(self.p.low), s.mul(s.splat(self.p.scale), u));
        s.select(s.lt(a, s.splat(self.p.high)), a, s.splat(self.p.below_high))
    }
}

/// A block's uniforms, 32 per lane step.
struct UniformGroups<'a, S: Wide> {
    g: &'a UniformWide<S>,
    st: [S::W; 4],
}

impl<S: Wide> Groups<f32, { 2 * LANES }> for UniformGroups<'_, S> {
    #[inline(always)]
    fn skip(&mut self) {
        self.g.s.step(&mut self.st);
    }
    #[inline(always)]
    fn next(&mut self, out: &mut [f32; 2 * LANES]) {
        store_all(self.g.s, self.pair(), out)
    }
}

impl<S: Wide> Vectors<S> for UniformGroups<'_, S> {
    #[inline(always)]
    fn pair(&mut self) -> [S::F; 2] {
        let (h, l) = self.g.s.step(&mut self.st);
        [self.g.half(h), self.g.half(l)]
    }
}

impl<S: Wide> BlockGen for UniformWide<S> {
    #[inline(always)]
    fn block(&self, block: u64, skip: usize, o: &mut [f32]) {
        let st = self.s.load_state(&LaneRng::new(&self.stream, block));
        walk(&mut UniformGroups { g: self, st }, skip, o);
    }
    #[inline(always)]
    fn block_streamed<T: Wide>(&self, _: T, block: u64, skip: usize, o: &mut [f32], stage: &mut Stage) {
        let st = self.s.load_state(&LaneRng::new(&self.stream, block));
        stream_vectors(self.s, &mut UniformGroups { g: self, st }, skip, o, stage);
    }
}

/// The uniform f32 body with streaming stores for large fills (same bits as `body::uniform_f32`).
#[inline(always)]
pub(crate) fn wide_uniform_f32<S: Wide>(s: S, stream: &Stream, offset: u64, out: &mut [f32], p: &UniformParams<f32>) {
    fill_blocks(s, offset, out, &UniformWide { s, stream: *stream, p: *p });
}

struct ConstWide(f32);

impl BlockGen for ConstWide {
    #[inline(always)]
    fn block(&self, _: u64, _: usize, o: &mut [f32]) {
        o.fill(self.0);
    }
}

/// A constant fill with streaming stores when large (the streaming memory-write floor of the benches).
#[inline(always)]
pub(crate) fn wide_constant_f32<S: Wide>(s: S, out: &mut [f32], value: f32) {
    fill_blocks(s, 0, out, &ConstWide(value));
}

/// Parameters of the bulk truncated normal: standardized bounds, the affine map, the clamp.
#[derive(Debug, Clone, Copy)]
pub struct TruncParams {
    /// Lower standardized bound.
    pub alpha: f32,
    /// Upper standardized bound.
    pub beta: f32,
    /// Mean.
    pub mean: f32,
    /// Std.
    pub std: f32,
    /// Lowest output: values below are clamped to it (`lo <= hi`).
    pub lo: f32,
    /// Highest output: values above are clamped to it.
    pub hi: f32,
}

impl TruncParams {
    /// Whether the clamp to `[lo, hi]` can change an accepted value: not when the images of the bounds
    /// themselves are inside, since `fma(std, z, mean)` is monotone in `z` for `std > 0` (rounding to
    /// nearest is monotone), so every `z` in `[alpha, beta]` maps inside too.
    pub fn clamp_needed(&self) -> bool {
        let fma = crate::kernels::simd::fmaf;
        !(self.std > 0.0
            && fma(self.std, self.beta, self.mean) <= self.hi
            && fma(self.std, self.alpha, self.mean) >= self.lo)
    }
}

/// Uniform f32 bulk fill on the path `isa` (which must be available).
pub fn uniform_f32(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], p: &UniformParams<f32>) {
    crate::kernels::simd::dispatch_uniform_f32(isa, stream, offset, out, p)
}

/// Sets every element of `out` to `value`; on x86-64 fills of at least [`STREAMING_MIN_LEN`] values use
/// streaming stores, as the random bulk fills do (so this is their memory-write floor).
///
/// ```
/// let mut v = vec![1.0f32; 1000];
/// weightinit_core::kernels::bulk::fill_constant_f32(&mut v, 0.5);
/// assert!(v.iter().all(|&x| x == 0.5));
/// ```
pub fn fill_constant_f32(out: &mut [f32], value: f32) {
    crate::kernels::simd::dispatch_constant_f32(crate::kernels::simd::best(), out, value)
}

/// Uniform f64 bulk fill on the path `isa`.
pub fn uniform_f64(isa: Isa, stream: &Stream, offset: u64, out: &mut [f64], p: &UniformParams<f64>) {
    crate::kernels::simd::dispatch_uniform_f64(isa, stream, offset, out, p)
}

/// Normal f32 bulk fill on the path `isa`.
pub fn normal_f32(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], mean: f32, std: f32) {
    crate::kernels::simd::dispatch_normal_f32(isa, stream, offset, out, mean, std)
}

/// Truncated-normal f32 bulk fill on the path `isa`.
pub fn truncated_f32(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], t: &TruncParams) {
    crate::kernels::simd::dispatch_truncated_f32(isa, stream, offset, out, t)
}
