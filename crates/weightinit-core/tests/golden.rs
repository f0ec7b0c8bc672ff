//! Golden vectors: stream format version 1 pinned bit for bit. A failure here means the
//! values a user gets for a (seed, key, index) changed: that is a new stream format version, never a
//! silent change. Regenerate with `cargo run -p weightinit-core --example golden` only after bumping
//! `STREAM_FORMAT_VERSION`.

use weightinit_core::{NormalMethod, STREAM_FORMAT_VERSION, Stream, TruncBounds};

#[test]
fn format_version() {
    assert_eq!(STREAM_FORMAT_VERSION, 1);
}

#[test]
fn golden_start() {
    let (s, offset) = (Stream::new(42, 7), 0u64);
    let mut f = [0.0f32; 6];
    let mut d = [0.0f64; 4];
    s.fill_uniform(offset, &mut f, -1.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xbf0f0c04, 0x3e835694, 0xbf476c2c, 0x3e704908, 0xbf468534, 0x3f487234]);
    s.fill_normal(offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3df81d0d, 0xbe835dbc, 0x3d8b9c1f, 0xbf868a19, 0x3e9a133a, 0x3f017acb]);
    s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xbf9a1a79, 0xbfa08ca8, 0xbfc6e807, 0xbfb4987a, 0x3fcfdb63, 0xbfa8b017]);
    s.fill_truncated_normal(offset, &mut f, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xbdb883e8, 0xbe40a9b7, 0x3d827112, 0x3f628492, 0xbf09aee7, 0xbfe82d05]);
    s.fill_uniform(offset, &mut d, -1.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0xbfe1e1804297ca98, 0xbfe8ed8543987db8, 0xbfe8d0a67b86f1ba, 0x3fc788a958e6f220]);
    s.fill_normal(offset, &mut d, 0.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0xbfb7107d0af2f1ec, 0xbfc81536d8628c2a, 0x3fb04e223e26f37f, 0x3fec50924251cc43]);
    s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut d, 0.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0x3ff560aa8cf9fa61, 0x3ff1cc9631a5cd18, 0xbffc088706866f92, 0xbff2455460d9a9f3]);
    s.fill_truncated_normal(offset, &mut d, 0.0, 1.0, TruncBounds::StdUnits { low: 5.0, high: 6.0 }).unwrap();
    assert_eq!(d.map(f64::to_bits), [0x40152a0b948ae656, 0x4015af43d1822e4d, 0x4014e847a21849eb, 0x4015bad651a0dc70]);
}

#[test]
fn golden_at_1e9() {
    let (s, offset) = (Stream::new(42, 7), 1000000000u64);
    let mut f = [0.0f32; 6];
    let mut d = [0.0f64; 4];
    s.fill_uniform(offset, &mut f, -1.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3f4d1036, 0x3f0ed68c, 0xbf59dfde, 0x3f6bf6c2, 0x3d43d320, 0xbf529d2e]);
    s.fill_normal(offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xbe17acf9, 0xbfaa7637, 0x3de190a6, 0x3c0686fd, 0x3e72b11d, 0x3eaf9389]);
    s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3da9c7e0, 0xbee6845e, 0x400d7bbc, 0xbf0e0677, 0x3f77175f, 0x3f19df75]);
    s.fill_truncated_normal(offset, &mut f, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xbf2b43e4, 0xbf3a6fc0, 0x3e024bb0, 0x3f992ffc, 0x3c860844, 0x3fd673ce]);
    s.fill_uniform(offset, &mut d, -1.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0x3fc49824f25bf660, 0xbfe4655adc8b4126, 0x3fe74625ab3dd476, 0xbfe6fdd875a0b2f6]);
    s.fill_normal(offset, &mut d, 0.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0xbff39e8073df42ed, 0xbfd6ee7bda8330cb, 0xbfe3fa0229584e28, 0xbfb79d9a22ce44b2]);
    s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut d, 0.0, 1.0).unwrap();
    assert_eq!(d.map(f64::to_bits), [0x3fdbec44e2feb9e1, 0x3fee5113a6dca098, 0x3fd5f6092d1979bc, 0x3fdace0620e509e7]);
    s.fill_truncated_normal(offset, &mut d, 0.0, 1.0, TruncBounds::StdUnits { low: 5.0, high: 6.0 }).unwrap();
    assert_eq!(d.map(f64::to_bits), [0x4014bb06c6b6c3d3, 0x40173207e5d3c883, 0x40140f0cd81868d7, 0x4014750002e3eb4d]);
}

#[test]
fn golden_extreme_seeds() {
    let mut f = [0.0f32; 4];
    Stream::new(0, 0).fill_normal(0, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0xbf3e7384, 0x3f05affb, 0x3ea0e59c, 0x3f19be44]);
    Stream::new(u64::MAX, u64::MAX).fill_normal(u64::MAX - 4, &mut f, 0.0, 1.0).unwrap();
    assert_eq!(f.map(f32::to_bits), [0x3eb0e7f1, 0xbdd38b30, 0xbf611bb7, 0x3b3fc879]);
    // The raw generator of block 1 of stream (42, 7).
    let mut rng = Stream::new(42, 7).block_rng(1);
    let raw: Vec<u64> = (0..3).map(|_| rand_core::Rng::next_u64(&mut rng)).collect();
    assert_eq!(raw, [0x5608db24cbe40f8a, 0x0855be7ad2d3eda9, 0x005ed49632a0ab20]);
}
