//! Writes `tests/golden.rs`, the golden vectors of the stream format, to stdout. Run it only after a
//! deliberate format change (and a bump of `STREAM_FORMAT_VERSION`):
//! `cargo run -p weightinit-core --example golden > crates/weightinit-core/tests/golden.rs`.

use weightinit_core::{NormalMethod, STREAM_FORMAT_VERSION, Stream, TruncBounds};

fn hex32(xs: &[f32]) -> String {
    let v: Vec<String> = xs.iter().map(|x| format!("{:#010x}", x.to_bits())).collect();
    format!("[{}]", v.join(", "))
}

fn hex64(xs: &[f64]) -> String {
    let v: Vec<String> = xs.iter().map(|x| format!("{:#018x}", x.to_bits())).collect();
    format!("[{}]", v.join(", "))
}

fn main() {
    println!(
        "//! Golden vectors: stream format version {STREAM_FORMAT_VERSION} pinned bit for bit. A failure here means the"
    );
    println!("//! values a user gets for a (seed, key, index) changed: that is a new stream format version, never a");
    println!("//! silent change. Regenerate with `cargo run -p weightinit-core --example golden` only after bumping");
    println!("//! `STREAM_FORMAT_VERSION`.\n");
    println!("use weightinit_core::{{NormalMethod, STREAM_FORMAT_VERSION, Stream, TruncBounds}};\n");
    println!("#[test]\nfn format_version() {{\n    assert_eq!(STREAM_FORMAT_VERSION, {STREAM_FORMAT_VERSION});\n}}");
    for (name, offset) in [("start", 0u64), ("at_1e9", 1_000_000_000)] {
        let s = Stream::new(42, 7);
        let mut f = [0.0f32; 6];
        let mut d = [0.0f64; 4];
        println!("\n#[test]\nfn golden_{name}() {{");
        println!("    let (s, offset) = (Stream::new(42, 7), {offset}u64);");
        println!("    let mut f = [0.0f32; 6];\n    let mut d = [0.0f64; 4];");
        let emit32 = |call: &str, f: &[f32]| {
            println!("    s.{call}.unwrap();\n    assert_eq!(f.map(f32::to_bits), {});", hex32(f))
        };
        s.fill_uniform(offset, &mut f, -1.0, 1.0).unwrap();
        emit32("fill_uniform(offset, &mut f, -1.0, 1.0)", &f);
        s.fill_normal(offset, &mut f, 0.0, 1.0).unwrap();
        emit32("fill_normal(offset, &mut f, 0.0, 1.0)", &f);
        s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut f, 0.0, 1.0).unwrap();
        emit32("fill_normal_with(NormalMethod::BoxMuller, offset, &mut f, 0.0, 1.0)", &f);
        s.fill_truncated_normal(offset, &mut f, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
        emit32("fill_truncated_normal(offset, &mut f, 0.0, 1.0, TruncBounds::two_sigma())", &f);
        s.fill_normal_with(NormalMethod::Ziggurat, offset, &mut f, 0.0, 1.0).unwrap();
        emit32("fill_normal_with(NormalMethod::Ziggurat, offset, &mut f, 0.0, 1.0)", &f);
        let t = TruncBounds::StdUnits { low: 3.0, high: 4.0 };
        s.fill_truncated_normal(offset, &mut f, 0.0, 1.0, t).unwrap();
        emit32("fill_truncated_normal(offset, &mut f, 0.0, 1.0, TruncBounds::StdUnits { low: 3.0, high: 4.0 })", &f);
        let emit64 = |call: &str, d: &[f64]| {
            println!("    s.{call}.unwrap();\n    assert_eq!(d.map(f64::to_bits), {});", hex64(d))
        };
        s.fill_uniform(offset, &mut d, -1.0, 1.0).unwrap();
        emit64("fill_uniform(offset, &mut d, -1.0, 1.0)", &d);
        s.fill_normal(offset, &mut d, 0.0, 1.0).unwrap();
        emit64("fill_normal(offset, &mut d, 0.0, 1.0)", &d);
        s.fill_normal_with(NormalMethod::BoxMuller, offset, &mut d, 0.0, 1.0).unwrap();
        emit64("fill_normal_with(NormalMethod::BoxMuller, offset, &mut d, 0.0, 1.0)", &d);
        let t = "TruncBounds::StdUnits { low: 5.0, high: 6.0 }";
        s.fill_truncated_normal(offset, &mut d, 0.0, 1.0, TruncBounds::StdUnits { low: 5.0, high: 6.0 }).unwrap();
        emit64(&format!("fill_truncated_normal(offset, &mut d, 0.0, 1.0, {t})"), &d);
        println!("}}");
    }
    let mut f = [0.0f32; 4];
    println!("\n#[test]\nfn golden_extreme_seeds() {{\n    let mut f = [0.0f32; 4];");
    Stream::new(0, 0).fill_normal(0, &mut f, 0.0, 1.0).unwrap();
    println!("    Stream::new(0, 0).fill_normal(0, &mut f, 0.0, 1.0).unwrap();");
    println!("    assert_eq!(f.map(f32::to_bits), {});", hex32(&f));
    Stream::new(u64::MAX, u64::MAX).fill_normal(u64::MAX - 4, &mut f, 0.0, 1.0).unwrap();
    println!("    Stream::new(u64::MAX, u64::MAX).fill_normal(u64::MAX - 4, &mut f, 0.0, 1.0).unwrap();");
    println!("    assert_eq!(f.map(f32::to_bits), {});", hex32(&f));
    let mut rng = Stream::new(42, 7).block_rng(1);
    let raw: Vec<String> = (0..3).map(|_| format!("{:#018x}", rand_core::Rng::next_u64(&mut rng))).collect();
    println!("    // The raw generator of block 1 of stream (42, 7).");
    println!("    let mut rng = Stream::new(42, 7).block_rng(1);");
    println!("    let raw: Vec<u64> = (0..3).map(|_| rand_core::Rng::next_u64(&mut rng)).collect();");
    println!("    assert_eq!(raw, [{}]);", raw.join(", "));
    let mut lanes = weightinit_core::stream::LaneRng::new(&Stream::new(42, 7), 1);
    let raw: Vec<String> = lanes.step().iter().map(|w| format!("{w:#018x}")).collect();
    println!("    // The first step of the 8 lane generators of block 1 of stream (42, 7).");
    println!("    let mut lanes = weightinit_core::stream::LaneRng::new(&Stream::new(42, 7), 1);");
    println!("    assert_eq!(lanes.step(), [{}]);", raw.join(", "));
    println!("}}");
}
