//! # weightinit-core
//!
//! The `#![no_std]`, allocation-free core of weightinit: seeded, position-addressed random streams, exact
//! samplers (uniform, Box-Muller and ziggurat normals, truncated normal) in native `f32` and `f64`, every
//! common initializer with its fans and gains ([`init`]), the kernels a trainer needs ([`kernels`]), and the
//! statistics to check them ([`stats`]).
//!
//! ```
//! use weightinit_core::Stream;
//! // He/Kaiming normal for a 784 -> 100 layer: std = sqrt(2 / fan_in).
//! let mut w = [0.0f32; 784 * 100];
//! Stream::new(2024, 0).fill_normal(0, &mut w, 0.0, (2.0f32 / 784.0).sqrt()).unwrap();
//! let var = w.iter().map(|x| x * x).sum::<f32>() / w.len() as f32;
//! assert!((var - 2.0 / 784.0).abs() < 1e-4);
//! ```
//!
//! ## Stream format, version 6
//!
//! A stream is named by a `u64` seed and a `u64` key (one key per tensor). Element `i` of a fill is a pure
//! function of (seed, key, i, sampler, sampler parameters, float type):
//!
//! 1. **Blocks.** Elements are grouped in blocks of [`BLOCK_LEN`] = 4096; element `i` is value
//!    `i % 4096` of block `i / 4096`. Block `b` hashes to `h = mix64(id ^ (b + 3G))` with
//!    `id = mix64(mix64(seed + G) ^ (key + 2G))`, `G = 0x9e3779b97f4a7c15`, `mix64` the SplitMix64
//!    finalizer ([`stream::mix64`]), all arithmetic wrapping.
//! 2. **Sequential generator** (ziggurat, libm Box-Muller, the exact truncated samplers, `f64` truncated):
//!    one Xoshiro256++ (Blackman & Vigna 2018, from `rand_xoshiro`) with state words `mix64(h + (w + 1) G)`,
//!    `w = 0..4`, loaded little-endian through `SeedableRng::from_seed`. A 64-bit draw is one output; a
//!    32-bit draw returns the high half of a fresh output, then its low half ([`BlockRng`]). The block's
//!    values are produced in order from its start.
//! 3. **Lane generators** (uniform, the `f32` polynomial normal, the `f32` truncated bulk path): 16
//!    Xoshiro256++ lanes, lane `l` with state words `mix64(hl + (w + 1) G)`, `hl = mix64(h ^ (l + 1) K)`,
//!    `K = 0xd1b54a32d192ed03` ([`stream::LaneRng`]), in two halves: lanes 0-7 generate the block's
//!    values `0..2048`, lanes 8-15 its values `2048..4096` (so a run starting in the second half never
//!    steps through the first). A half step `k` of half `h` gives one word `x[j]` per lane `8 h + j`, read
//!    as 16 u32 words ([`simd::wide::half_words`]): word `j` is the low (`j` even) or high (`j` odd) half
//!    of `x[j / 2]`. f32 group `g` of half `h` (values `2048 h + 32 g ..`) takes `a` from half step `2 g` and
//!    `b` from half step `2 g + 1`; its values `32 g + l` and `32 g + 16 + l` (within the half) come from
//!    `(a[l], b[l])`. f64 values `2048 h + 8 k + j` come from `x[j]` of half step `k`.
//! 4. **Values.**
//!    * uniform `[low, high)`: f32 `low + (high - low) * (w >> 8) 2^-24` with `w = a[l]` for value
//!      `32 g + l` and `w = b[l]` for `32 g + 16 + l`; f64 the same with `(x64 >> 11) 2^-53`; a result
//!      equal to `high` becomes the float below it;
//!    * normal, f32 default ([`NormalMethod::BoxMullerPoly`]): Box-Muller on `(a[l], b[l])` with the
//!      polynomials of [`simd::math`] (identical on every CPU; fused multiply-adds): radius
//!      `sqrt(-2 ln(x 2^-31))`, `x = min((a >> 1) | 1, 0x7fffff80)` as f32, the logarithm table-driven
//!      ([`simd::math::neg2_ln_unit`]: 16 entries, a cubic) and the square root correctly rounded;
//!      angle `t + q pi/2` with `t = (2j + 1) (pi/4) 2^-24`, `j = b >> 8` as a signed integer (bits 2-7
//!      of `b` unused), and the quadrant from bits 0 (negates the cosine) and 1 (swaps cosine and sine) of `b`
//!      ([`sample::bulk::normal_pair`]); value `32 g + l` is the first branch, `32 g + 16 + l` the
//!      second; then `fma(std, z, mean)`;
//!    * normal, ziggurat (f64 default, or chosen): [`sample::ziggurat`] on the sequential generator;
//!    * normal, libm Box-Muller: values `2k, 2k + 1` are the cosine and sine of pair `k`
//!      ([`sample::box_muller`]);
//!    * truncated normal, f32 when the interval keeps >= 25% of the mass within ±6 std: the block's standard
//!      normals above, in order (the second half's lanes going on past the block's end), filtered by
//!      `alpha <= z <= beta`; position `p` of the block holds the `p`-th accepted one as
//!      `fma(std, z, mean)`, clamped; otherwise the exact samplers of
//!      [`sample::truncated`] on the sequential generator; always rounded and clamped.
//! 5. **Orthogonal** ([`init::orthogonal::fill_orthogonal`]): the `rows x cols` matrix `F` is the stream's
//!    normal fill in the output's type; `Q` is the blocked product of the Householder reflectors of the
//!    columns of `A = F` (or `F^T` when `rows < cols`), [`kernels::householder_q`], computed in that type with
//!    a fixed operation order (block width from the shape; fused multiply-adds in f32), then `gain * q` in
//!    f64, rounded.
//!
//! Golden vectors in the test suite pin values of several streams, including at offset 10^9; any change
//! of the values is a new format version. Version 1 (blocks of 1024, one generator per block, ziggurat
//! default) was replaced by version 2 when the vectorized bulk path arrived; version 3 changed the f32
//! polynomial normal (31-bit radius argument, correctly rounded square root instead of Newton steps) and
//! the truncated bulk order (in-order filter instead of per-lane queues) for the explicit SIMD kernels;
//! version 4 made the f32 bulk path cheaper per value: fused multiply-adds in the polynomials and the
//! affine map, lane words as a register holds them (no shuffle), and an eighth-turn angle with two
//! quadrant bits; version 5 computes the radius's logarithm from a 16-entry table and a cubic
//! instead of Cephes' degree-8 polynomial (the f32 polynomial normal, its truncated bulk path and the
//! sequential `BoxMullerPoly` sampler changed; f64 values and the other samplers are unchanged); version 6
//! changed orthogonal only: a blocked product of the Gaussian columns' own reflectors in the output's type
//! (Stewart 1980; half the flops of QR-then-Q, same Haar law) instead of an unblocked f64 QR; version 7
//! (this one) splits each block's lanes into two halves, one per half block (the lane-generated fills
//! changed; the sequential generator's samplers are unchanged), so that the second column block of a
//! row-major matrix with rows of 4096 values fills without stepping through the first.
//!
//! ## Layout
//!
//! Data flows one way: [`simd`] (ISA detection, `fmaf`, lane math and intrinsics) -> [`stream`]
//! (`(seed, key, index) -> bits`) -> [`sample`] (every sampler, scalar and bulk, and the `Stream::fill_*`
//! methods) -> [`init`] (fans, gains, schemes); and [`simd`] -> [`kernels`] (gemm, vector, element-wise,
//! optimizers). [`float`] (the two float types as numbers) and [`error`] sit under all of them. The test
//! `tests/layers.rs` checks the direction from the `use` lines.
//!
//! ## Features
//! * `alloc`: conveniences that allocate.
//! * `std`: hosted targets (runtime CPU detection, the `matrixmultiply` gemm path). Implies `alloc`.

#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod error;
pub mod float;
pub mod init;
pub mod kernels;
mod par;
pub mod sample;
pub mod simd;
pub mod stats;
pub mod stream;

pub use error::{Error, Result};
pub use float::{Float, Precision};
pub use sample::{Distribution, NormalMethod, TruncBounds};
pub use stream::{BLOCK_LEN, BlockRng, STREAM_FORMAT_VERSION, Stream};
