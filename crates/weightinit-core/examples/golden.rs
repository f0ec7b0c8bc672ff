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
        if offset > 0 {
            println!(
                "\n/// Skipped under Miri (a few minutes interpreted): these values come from the same code as `golden_start`,"
            );
            println!("/// which Miri runs; the native run pins them.");
            println!("#[test]\n#[cfg_attr(miri, ignore)]\nfn golden_{name}() {{");
        } else {
            println!("\n#[test]\nfn golden_{name}() {{");
        }
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
    // Orthogonal (the blocked Householder product, format v6): a small wide matrix, one with a partial block
    // of 32 and one with blocks of 64, each in f32 and f64, at fixed positions.
    println!(
        "\n#[test]\n#[cfg_attr(miri, ignore = \"large Householder products; the small case runs in tests/kernels.rs\")]"
    );
    println!("fn golden_orthogonal() {{");
    println!("    let at = [0usize, 1, 2, 3, 17, 34];");
    for shape in [[5usize, 7], [300, 200], [520, 600]] {
        let n = shape[0] * shape[1];
        let init = weightinit_core::init::Init::Orthogonal { gain: 1.0 };
        let mut ws = vec![0.0f64; init.workspace_len(&shape).unwrap()];
        let (mut f, mut d) = (vec![0.0f32; n], vec![0.0f64; n]);
        let lay = weightinit_core::init::Layout::Torch;
        init.fill(&Stream::new(42, 7), &shape, lay, &mut f, &mut ws).unwrap();
        init.fill(&Stream::new(42, 7), &shape, lay, &mut d, &mut ws).unwrap();
        let at = [0usize, 1, 2, 3, 17, 34];
        let pick32: Vec<f32> = at.iter().map(|&i| f[i * (n - 1) / 34]).collect();
        let pick64: Vec<f64> = at.iter().map(|&i| d[i * (n - 1) / 34]).collect();
        println!("    let shape = {shape:?};");
        println!("    let (f, d) = orthogonal_pair(&shape);");
        println!("    let n = f.len();");
        println!("    assert_eq!(at.map(|i| f[i * (n - 1) / 34].to_bits()), {});", hex32(&pick32));
        println!("    assert_eq!(at.map(|i| d[i * (n - 1) / 34].to_bits()), {});", hex64(&pick64));
    }
    println!("}}");
    println!("\n/// `Init::Orthogonal {{ gain: 1 }}` of `shape` from stream (42, 7), in f32 and f64.");
    println!("fn orthogonal_pair(shape: &[usize]) -> (Vec<f32>, Vec<f64>) {{");
    println!("    use weightinit_core::init::{{Init, Layout}};");
    println!("    let init = Init::Orthogonal {{ gain: 1.0 }};");
    println!("    let mut ws = vec![0.0f64; init.workspace_len(shape).unwrap()];");
    println!("    let n: usize = shape.iter().product();");
    println!("    let (mut f, mut d) = (vec![0.0f32; n], vec![0.0f64; n]);");
    println!("    init.fill(&Stream::new(42, 7), shape, Layout::Torch, &mut f, &mut ws).unwrap();");
    println!("    init.fill(&Stream::new(42, 7), shape, Layout::Torch, &mut d, &mut ws).unwrap();");
    println!("    (f, d)");
    println!("}}");
}
