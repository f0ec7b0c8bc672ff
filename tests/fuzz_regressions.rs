//! Inputs that fuzzing found, kept so the bugs they showed stay fixed.

use weightinit::{Error, Stream};

/// fuzz/stream_fill: `fill_normal` with mean = std = 3.39e38 produced infinities; it is now refused.
#[test]
fn normal_with_overflowing_std_is_refused() {
    let input = include_bytes!("regressions/stream_fill-normal-overflow.bin");
    let p = f32::from_le_bytes(input[29..33].try_into().unwrap());
    assert_eq!(p, f32::from_bits(0x7f7f_7f7f));
    let mut buf = vec![0.0f32; 100];
    let r = Stream::new(1, 2).fill_normal(0, &mut buf, p, p);
    assert!(matches!(r, Err(Error::InvalidParameter { name: "std", .. })), "{r:?}");
    // The largest std that is accepted gives finite values only.
    let std = f32::MAX / 16.0;
    Stream::new(1, 2).fill_normal(0, &mut buf, 0.0, std).unwrap();
    assert!(buf.iter().all(|x| x.is_finite()));
}

/// fuzz/stream_fill: Box-Muller with mean 1.06e37, std 3.27e38 produced -inf; it is now refused.
#[test]
fn box_muller_with_overflowing_std_is_refused() {
    let input = include_bytes!("regressions/stream_fill-boxmuller-overflow.bin");
    let mean = f32::from_le_bytes(input[29..33].try_into().unwrap());
    let std = f32::from_le_bytes(input[33..37].try_into().unwrap());
    let mut buf = vec![0.0f32; 100];
    let r = Stream::new(1, 2).fill_normal_with(weightinit::NormalMethod::BoxMuller, 0, &mut buf, mean, std);
    assert!(matches!(r, Err(Error::InvalidParameter { name: "std", .. })), "{r:?}");
}
