//! Every scheme's shard equals the same box cut from the whole fill, bit for bit, in f32 and f64, for every
//! layout; and the box errors are typed and distinct.

use weightinit_core::init::{FanMode, Init, Layout, Nonlinearity, VsDistribution, shard_len};
use weightinit_core::{Error, Float, Stream, TruncBounds};

fn schemes() -> Vec<Init> {
    vec![
        Init::Zeros,
        Init::Ones,
        Init::Constant { value: 0.25 },
        Init::Uniform { low: -0.5, high: 2.0 },
        Init::Normal { mean: 0.1, std: 0.3 },
        Init::TruncatedNormal { mean: 0.0, std: 1.0, bounds: TruncBounds::Absolute { a: -0.5, b: 1.5 } },
        Init::TruncatedNormal { mean: 0.0, std: 0.02, bounds: TruncBounds::two_sigma() },
        Init::XavierUniform { gain: 1.5 },
        Init::XavierNormal { gain: 1.0 },
        Init::KaimingUniform { mode: FanMode::FanIn, nonlinearity: Nonlinearity::LeakyRelu(0.0) },
        Init::KaimingNormal { mode: FanMode::FanOut, nonlinearity: Nonlinearity::Relu },
        Init::LecunUniform,
        Init::LecunNormal,
        Init::VarianceScaling { scale: 2.0, mode: FanMode::FanAvg, distribution: VsDistribution::TruncatedNormal },
        Init::Orthogonal { gain: 1.3 },
        Init::Eye,
        Init::Dirac { groups: 2 },
        Init::Sparse { sparsity: 0.4, std: 0.01 },
        Init::TorchDefaultWeight,
        Init::TorchDefaultBias { fan_in: 7 },
        Init::Identity { gain: 0.5 },
        Init::OrthogonalColumns { gain: 1.0, column_axis: -1 },
        Init::OrthogonalColumns { gain: 2.0, column_axis: 0 },
        Init::OrthogonalColumns { gain: 1.0, column_axis: 1 },
        Init::DeltaOrthogonal { gain: 1.0, column_axis: -1 },
    ]
}

/// Shapes a scheme accepts (rank 2 for eye and sparse, 3-5 for dirac; 4 and 3 otherwise too).
fn shapes(init: &Init) -> Vec<Vec<usize>> {
    let mut v = match init {
        Init::Eye | Init::Identity { .. } | Init::Sparse { .. } => vec![vec![9, 13], vec![5, 3]],
        Init::Dirac { .. } => vec![vec![6, 3, 3], vec![4, 5, 3, 3]],
        Init::DeltaOrthogonal { .. } => vec![vec![3, 4, 6], vec![3, 3, 2, 5], vec![2, 3, 3, 4, 4]],
        _ => vec![vec![9, 13], vec![6, 4, 3, 5], vec![70, 130]],
    };
    // Miri interprets: the smallest shape of each kind only.
    if cfg!(miri) {
        v.truncate(1);
    }
    v
}

/// The box `start .. start + len` of a row-major tensor of `shape`.
fn cut<T: Copy>(whole: &[T], shape: &[usize], start: &[usize], len: &[usize]) -> Vec<T> {
    let n: usize = len.iter().product();
    (0..n)
        .map(|mut b| {
            let mut g = 0;
            let mut stride = 1;
            for d in (0..shape.len()).rev() {
                let i = b % len[d];
                b /= len[d];
                g += (start[d] + i) * stride;
                stride *= shape[d];
            }
            whole[g]
        })
        .collect()
}

/// A few boxes of `shape` from a simple generator: the whole tensor, single elements, rows, column
/// blocks and random boxes.
fn boxes(shape: &[usize], seed: u64) -> Vec<(Vec<usize>, Vec<usize>)> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    let mut v = vec![(vec![0; shape.len()], shape.to_vec())];
    let last = shape.len() - 1;
    // A column block: every row, a range of the last dimension.
    let mut len = shape.to_vec();
    let mut start = vec![0; shape.len()];
    start[last] = shape[last] / 3;
    len[last] = (shape[last] - start[last]).div_ceil(2);
    v.push((start, len));
    // A column block missing one value at each end of every row: each run starts in the lane group where
    // the previous one ended (a block's lanes are not resumed there, but reseeded).
    if shape[last] > 2 {
        let mut start = vec![0; shape.len()];
        let mut len = shape.to_vec();
        start[last] = 1;
        len[last] = shape[last] - 2;
        v.push((start, len));
    }
    for _ in 0..if cfg!(miri) { 1 } else { 6 } {
        let start: Vec<usize> = shape.iter().map(|&d| next(d)).collect();
        let len: Vec<usize> = shape.iter().zip(&start).map(|(&d, &s)| 1 + next(d - s)).collect();
        v.push((start, len));
    }
    v
}

fn check<T: Float>(init: Init, layout: Layout) {
    let s = Stream::new(11, 3);
    for shape in shapes(&init) {
        let n: usize = shape.iter().product();
        let mut whole = vec![T::ZERO; n];
        let mut ws = vec![0.0; init.workspace_len(&shape).unwrap()];
        if init.fill(&s, &shape, layout, &mut whole, &mut ws).is_err() {
            continue; // a layout whose rank this shape does not have
        }
        for (start, len) in boxes(&shape, n as u64) {
            let mut part = vec![T::ZERO; shard_len(&shape, &start, &len).unwrap()];
            let mut ws = vec![f64::NAN; init.shard_workspace_len(&shape, &start, &len).unwrap()];
            init.fill_shard(&s, &shape, layout, &start, &len, &mut part, &mut ws).unwrap();
            let want = cut(&whole, &shape, &start, &len);
            let bits = |v: &[T]| v.iter().map(|x| x.to_bits_u64()).collect::<Vec<_>>();
            assert_eq!(bits(&part), bits(&want), "{init:?} {} {shape:?} box {start:?} + {len:?}", T::NAME);
        }
    }
}

#[test]
fn every_scheme_shard_equals_the_box_of_the_whole_fill() {
    for init in schemes() {
        let layouts = [Layout::Torch, Layout::Keras, Layout::InOut, Layout::TorchConv { groups: 1 }];
        for &layout in if cfg!(miri) { &layouts[..1] } else { &layouts[..] } {
            check::<f32>(init, layout);
            check::<f64>(init, layout);
        }
    }
}

#[test]
fn box_errors_are_typed_and_distinct() {
    let (s, shape) = (Stream::new(1, 0), [4, 6]);
    let mut out = [7.0f32; 24];
    let run = |start: &[usize], len: &[usize], out: &mut [f32]| {
        Init::HE_NORMAL.fill_shard(&s, &shape, Layout::Torch, start, len, out, &mut [])
    };
    assert_eq!(run(&[0, 6], &[1, 1], &mut out).unwrap_err(), Error::ShardOutOfBounds { axis: 1 });
    assert_eq!(run(&[3, 0], &[2, 1], &mut out).unwrap_err(), Error::ShardOutOfBounds { axis: 0 });
    assert_eq!(run(&[0, usize::MAX], &[1, 2], &mut out).unwrap_err(), Error::ShardOutOfBounds { axis: 1 });
    assert_eq!(run(&[0, 0], &[0, 2], &mut out).unwrap_err(), Error::EmptyShard { axis: 0 });
    assert!(matches!(run(&[0], &[1], &mut out).unwrap_err(), Error::InvalidShape { .. }));
    assert_eq!(run(&[0, 0], &[2, 3], &mut out[..5]).unwrap_err(), Error::BufferTooSmall { needed: 6, actual: 5 });
    assert!(out.iter().all(|&x| x == 7.0), "nothing written on error");
    // A scalar (rank 0) is one element, as in the whole fill.
    let (mut whole, mut part) = ([0.0f32; 1], [1.0f32; 1]);
    Init::Normal { mean: 0.0, std: 1.0 }.fill(&s, &[], Layout::Torch, &mut whole, &mut []).unwrap();
    Init::Normal { mean: 0.0, std: 1.0 }.fill_shard(&s, &[], Layout::Torch, &[], &[], &mut part, &mut []).unwrap();
    assert_eq!(whole, part);
    let orth = Init::Orthogonal { gain: 1.0 };
    let e = orth.fill_shard(&s, &shape, Layout::Torch, &[0, 0], &[2, 3], &mut out, &mut [0.0; 10]).unwrap_err();
    assert!(matches!(e, Error::BufferTooSmall { .. }), "{e}");
}

/// Boxes of at least `STREAMING_MIN_LEN` values are written with streaming stores run by run (one call of
/// the ISA's code for the whole box): the same bits as the whole fill, block-aligned and mid-block, on
/// every ISA path.
#[test]
#[cfg_attr(miri, ignore = "megabytes of values")]
fn large_column_blocks_stream_the_same_bits() {
    use weightinit_core::sample::bulk::STREAMING_MIN_LEN;
    use weightinit_core::simd::Isa;
    let shape = [1200usize, 2000];
    let inits = [
        Init::Uniform { low: -0.5, high: 2.0 },
        Init::HE_NORMAL,
        Init::TruncatedNormal { mean: 0.0, std: 1.0, bounds: TruncBounds::two_sigma() },
    ];
    for isa in [Isa::Portable, Isa::Avx2, Isa::Avx512] {
        let s = Stream::new(5, 9).with_isa(isa);
        for init in inits {
            let mut whole = vec![0.0f32; shape[0] * shape[1]];
            init.fill(&s, &shape, Layout::Torch, &mut whole, &mut []).unwrap();
            // Two rows per block: the second run of a block resumes the first's lanes (gap 1000 values),
            // or reseeds when the gap is inside one lane group (10 values).
            let boxes =
                [([0, 0], [1200, 1000]), ([0, 1000], [1200, 1000]), ([3, 777], [1100, 1001]), ([0, 5], [1200, 1990])];
            for (start, len) in boxes {
                assert!(len[0] * len[1] >= STREAMING_MIN_LEN);
                let mut part = vec![0.0f32; len[0] * len[1]];
                init.fill_shard(&s, &shape, Layout::Torch, &start, &len, &mut part, &mut []).unwrap();
                let want = cut(&whole, &shape, &start, &len);
                assert!(part == want, "{isa:?} {init:?} box {start:?} + {len:?}");
                for policy in [false, true] {
                    let mut p = vec![0.0f32; len[0] * len[1]];
                    let sp = s.with_streaming_stores(policy);
                    init.fill_shard(&sp, &shape, Layout::Torch, &start, &len, &mut p, &mut []).unwrap();
                    assert!(p == want, "{isa:?} {init:?} streaming {policy}");
                }
            }
        }
    }
}
