//! Golden vectors: stream format version 7 pinned bit for bit. A failure here means the
//! values a user gets for a (seed, key, index) changed: that is a new stream format version, never a
//! silent change. Regenerate with `cargo run -p weightinit-core --example golden` only after bumping
//! `STREAM_FORMAT_VERSION`.

use weightinit_core::{NormalMethod, STREAM_FORMAT_VERSION, Stream, TruncBounds};

#[test]
fn format_version() {
    assert_eq!(STREAM_FORMAT_VERSION, 7);
}

#[test]
fn golden_start() {
    let (s, offset) = (Stream::new(42, 7), 0u64);
    let mut f = [0.0f32; 6];
    let mut d = [0.0f64; 4];
    s.fill_uniform(offset, &mut f, -1.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xbd5d6400, 0xbf0cb69e, 0x3f2e1de4, 0xbec1df04, 0x3f770182, 0xbf450efe]);
    s.fill_normal(offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3f6b481d, 0xbf63287b, 0x3f020468, 0x3fb0790f, 0xbe17c74b, 0xbfdfd47a]);
    s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xbf9a1a79, 0xbfa08ca8, 0xbfc6e807, 0xbfb4987a, 0x3fcfdb63, 0xbfa8b017]);
    s.fill_truncated_normal(offset, &mut f, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3f6b481d, 0xbf63287b, 0x3f020468, 0x3fb0790f, 0xbe17c74b, 0xbfdfd47a]);
    s.fill_normal_with(NormalMethod::Ziggurat, offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3df81d0d, 0xbe835dbc, 0x3d8b9c1f, 0xbf868a19, 0x3e9a133a, 0x3f017acb]);
    s.fill_truncated_normal(offset, &mut f, 0.0, 1.0, TruncBounds::StdUnits { low: 3.0, high: 4.0 }).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x405d4954, 0x406a6078, 0x4056d300, 0x406b8392, 0x4066f476, 0x405eafe2]);
    s.fill_uniform(offset, &mut d, -1.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0xbfe196d388a1bac8, 0xbfd83be01b947888, 0xbfe8a1dfa3011fd0, 0x3faa647e4c512500]);
    s.fill_normal(offset, &mut d, 0.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0xbfb7107d0af2f1ec, 0xbfc81536d8628c2a, 0x3fb04e223e26f37f, 0x3fec50924251cc43]);
    s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut d, 0.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0x3ff560aa8cf9fa61, 0x3ff1cc9631a5cd18, 0xbffc088706866f92, 0xbff2455460d9a9f3]);
    s.fill_truncated_normal(offset, &mut d, 0.0, 1.0, TruncBounds::StdUnits { low: 5.0, high: 6.0 }).unwrap();
    assert_eq!(d.map(f64::to_bits), [0x40152a0b948ae656, 0x4015af43d1822e4d, 0x4014e847a21849eb, 0x4015bad651a0dc70]);
}

/// Skipped under Miri (a few minutes interpreted): these values come from the same code as `golden_start`,
/// which Miri runs; the native run pins them.
#[test]
#[cfg_attr(miri, ignore)]
fn golden_at_1e9() {
    let (s, offset) = (Stream::new(42, 7), 1000000000u64);
    let mut f = [0.0f32; 6];
    let mut d = [0.0f64; 4];
    s.fill_uniform(offset, &mut f, -1.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3f11ddd0, 0x3f73072e, 0xbf18656c, 0xbf29b032, 0xbf5c1342, 0xbf7d5296]);
    s.fill_normal(offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3e2b06e5, 0x3e48f5da, 0xbf88530a, 0x3fb773cf, 0xbfa05bd6, 0xbfe5c64e]);
    s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3fc91b31, 0xbe5f80b2, 0x3f5f6648, 0xbe9a03da, 0x3f562860, 0xbeacd4d9]);
    s.fill_truncated_normal(offset, &mut f, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3faa471c, 0x3f96e8ef, 0xbdcb2ed2, 0xbff3a691, 0x3c5df551, 0x3f036e6d]);
    s.fill_normal_with(NormalMethod::Ziggurat, offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xbfd7e6dc, 0x3ec5b81a, 0xbfd4c0d4, 0xbefc3ef1, 0x3e04b06b, 0xbf112bc3]);
    s.fill_truncated_normal(offset, &mut f, 0.0, 1.0, TruncBounds::StdUnits { low: 3.0, high: 4.0 }).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x40476324, 0x40512204, 0x40607d20, 0x40683738, 0x4072294c, 0x407ddf53]);
    s.fill_uniform(offset, &mut d, -1.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0xbfda34802efde23c, 0xbfe755844d3a6764, 0xbfdd16dc8e92b48c, 0x3fe18c80a938929a]);
    s.fill_normal(offset, &mut d, 0.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0x3ff98c5b1e4a3cf6, 0x3ff4b1a2425dc21b, 0x3ffae33ca68538e3, 0xbfcc0b66d31bf4f8]);
    s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut d, 0.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0xbfe5ef1f3e4d6fca, 0xbff4152928ea3dcc, 0x4002a031d609c738, 0xbfd043bab6093fa0]);
    s.fill_truncated_normal(offset, &mut d, 0.0, 1.0, TruncBounds::StdUnits { low: 5.0, high: 6.0 }).unwrap();
    assert_eq!(d.map(f64::to_bits), [0x4014c35e7bb7e85b, 0x40141bd5ac74b377, 0x4014a8317234b358, 0x4015e98ed41a855a]);
}

#[test]
fn golden_extreme_seeds() {
    let mut f = [0.0f32; 4];
    Stream::new(0, 0).fill_normal(0, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3f2d8d77, 0xbf30a986, 0xbe862762, 0x3e269777]);
    Stream::new(u64::MAX, u64::MAX).fill_normal(u64::MAX - 4, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xc006f181, 0xc02f6eec, 0xbf731948, 0xbf4b16e4]);
    // The raw generator of block 1 of stream (42, 7).
    let mut rng = Stream::new(42, 7).block_rng(1);
    let raw: Vec<u64> = (0..3).map(|_| rand_core::Rng::next_u64(&mut rng)).collect();
    assert_eq!(raw, [0x5608db24cbe40f8a, 0x0855be7ad2d3eda9, 0x005ed49632a0ab20]);
    // The first step of the 8 lane generators of block 1 of stream (42, 7).
    let mut lanes = weightinit_core::stream::LaneRng::new(&Stream::new(42, 7), 1);
    assert_eq!(
        lanes.step(),
        [
            0xe47bfb287bc83e3e,
            0x8ac2b853757b069d,
            0xa8a9749acd3d6619,
            0x292b48e847fa9ec4,
            0x9fce5ae2fb57ba80,
            0x16237ca2fd0b3675,
            0x982786debb895d6a,
            0xf1e47b127a172b39,
            0xb3f9466d2d0ed6e2,
            0x31847b45bb59cbe7,
            0xa1e4acac8939cf4b,
            0xe4b6987501f4d3c6,
            0xf58f38dff232e804,
            0xd4848dd3536a4218,
            0xdfe2eb5455f7fc57,
            0x7669b04db4645a2b
        ]
    );
}

#[test]
#[cfg_attr(miri, ignore = "large Householder products; the small case runs in tests/kernels.rs")]
fn golden_orthogonal() {
    let at = [0usize, 1, 2, 3, 17, 34];
    let shape = [5, 7];
    let (f, d) = orthogonal_pair(&shape);
    let n = f.len();
    assert_eq!(
        at.map(|i| f[i * (n - 1) / 34].to_bits()),
        [0x3ea34ef0, 0xbe9dab79, 0x3e347d3a, 0x3ef4fa8a, 0xbf070fd9, 0x3e290430]
    );
    assert_eq!(
        at.map(|i| d[i * (n - 1) / 34].to_bits()),
        [
            0xbfa5e77c42290e40,
            0xbfb6df18aa22ee15,
            0x3f9ef856dfba768a,
            0x3fdae3f59030a659,
            0xbfc119ad0fbaf6fa,
            0x3fdfadd3e0bc4dff
        ]
    );
    let shape = [300, 200];
    let (f, d) = orthogonal_pair(&shape);
    let n = f.len();
    assert_eq!(
        at.map(|i| f[i * (n - 1) / 34].to_bits()),
        [0x3d504ca0, 0xbe10c92c, 0xbccfce88, 0xbbe0e870, 0x3c694237, 0xbdbabf7a]
    );
    assert_eq!(
        at.map(|i| d[i * (n - 1) / 34].to_bits()),
        [
            0xbf750d2e87d52800,
            0x3fa9aa6522a3bcea,
            0xbf861a2e868e13dc,
            0x3fa027729c5f11b8,
            0x3fab1fb6419ef9b8,
            0x3f924d60c2073fca
        ]
    );
    let shape = [520, 600];
    let (f, d) = orthogonal_pair(&shape);
    let n = f.len();
    assert_eq!(
        at.map(|i| f[i * (n - 1) / 34].to_bits()),
        [0x3d105920, 0xbc8ae9df, 0x3c4efe3a, 0xbb22f166, 0xbc200a97, 0x3d9a39e3]
    );
    assert_eq!(
        at.map(|i| d[i * (n - 1) / 34].to_bits()),
        [
            0xbf6f569c77d80e00,
            0xbf855bfeb00609c8,
            0x3f9075b47cb010d0,
            0x3f960c4d115503ac,
            0x3f55708028b83c12,
            0xbfa12d5b624152c0
        ]
    );
}

/// `Init::Orthogonal { gain: 1 }` of `shape` from stream (42, 7), in f32 and f64.
fn orthogonal_pair(shape: &[usize]) -> (Vec<f32>, Vec<f64>) {
    use weightinit_core::init::{Init, Layout};
    let init = Init::Orthogonal { gain: 1.0 };
    let mut ws = vec![0.0f64; init.workspace_len(shape).unwrap()];
    let n: usize = shape.iter().product();
    let (mut f, mut d) = (vec![0.0f32; n], vec![0.0f64; n]);
    init.fill(&Stream::new(42, 7), shape, Layout::Torch, &mut f, &mut ws).unwrap();
    init.fill(&Stream::new(42, 7), shape, Layout::Torch, &mut d, &mut ws).unwrap();
    (f, d)
}
