//! Compiles the C and C++ programs in tests/c against include/weightinit.h and the static library, plain and
//! under AddressSanitizer + UBSan, and runs them. Their golden values are written here from the Rust API, so
//! a pass means the C ABI gives the Rust bits.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use weightinit_core::init::{FanMode, Init, Layout, Nonlinearity, gain};
use weightinit_core::kernels::{Epilogue, GemmPath, MatMut, MatRef, gemm_with, softmax_cross_entropy};
use weightinit_core::{Stream, TruncBounds};

fn fnv1a(x: &[f32]) -> u64 {
    let mut h = 0xcbf29ce484222325u64;
    for v in x {
        for b in v.to_bits().to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

fn arr32(name: &str, v: &[f32]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("0x{:08x}u", x.to_bits())).collect();
    format!("static const uint32_t {name}[{}] = {{{}}};\n", v.len(), items.join(", "))
}

fn arr64(name: &str, v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("0x{:016x}ull", x.to_bits())).collect();
    format!("static const uint64_t {name}[{}] = {{{}}};\n", v.len(), items.join(", "))
}

/// golden.h: the Rust API's answers for the calls the C programs make.
pub fn golden_header() -> String {
    let mut h = String::from("/* Written by tests/c_abi.rs from the Rust API. */\n#pragma once\n#include <stdint.h>\n");
    let _ = writeln!(h, "#define GOLDEN_VERSION \"{}\"", env!("CARGO_PKG_VERSION"));
    let s = Stream::new(42, 7);
    let mut f = [0.0f32; 16];
    let mut d = [0.0f64; 8];
    s.fill_uniform(1000, &mut f, -1.0, 1.0).unwrap();
    h += &arr32("GOLDEN_UNIFORM_F32", &f);
    s.fill_uniform(1000, &mut d, -1.0, 1.0).unwrap();
    h += &arr64("GOLDEN_UNIFORM_F64", &d);
    s.fill_normal(123_456_789, &mut f, 0.5, 2.0).unwrap();
    h += &arr32("GOLDEN_NORMAL_F32", &f);
    s.fill_normal(123_456_789, &mut d, 0.5, 2.0).unwrap();
    h += &arr64("GOLDEN_NORMAL_F64", &d);
    let t = Stream::new(1, 2);
    t.fill_truncated_normal(0, &mut f, 0.0, 0.02, TruncBounds::Absolute { a: -0.04, b: 0.04 }).unwrap();
    h += &arr32("GOLDEN_TRUNC_F32", &f);
    t.fill_truncated_normal(0, &mut d, 0.0, 1.0, TruncBounds::StdUnits { low: 5.0, high: 6.0 }).unwrap();
    h += &arr64("GOLDEN_TRUNC_TAIL_F64", &d);
    let _ = writeln!(
        h,
        "#define GOLDEN_GAIN_LEAKY_02 0x{:08x}u",
        (gain(Nonlinearity::LeakyRelu(0.2f32 as f64)).unwrap() as f32).to_bits()
    );
    let mut he = vec![0.0f32; 100 * 784];
    let init = Init::KaimingNormal { mode: FanMode::FanIn, nonlinearity: Nonlinearity::Relu };
    init.fill(&Stream::new(2024, 0), &[100, 784], Layout::Torch, &mut he, &mut []).unwrap();
    let _ = writeln!(h, "#define GOLDEN_HE_FNV 0x{:016x}ull", fnv1a(&he));
    let mut w = [0.0f32; 96];
    let mut ws = [0.0f64; 648];
    Init::Orthogonal { gain: 1.0 }.fill(&Stream::new(5, 1), &[8, 12], Layout::Torch, &mut w, &mut ws).unwrap();
    let _ = writeln!(h, "#define GOLDEN_ORTHO_FNV 0x{:016x}ull", fnv1a(&w));
    let a: Vec<f32> = (0..35).map(|i| (i % 7) as f32 * 0.25 - 0.5).collect();
    let b: Vec<f32> = (0..21).map(|i| (i % 5) as f32 * 0.5 - 1.0).collect();
    let mut c = vec![1.0f32; 15];
    gemm_with(
        GemmPath::Auto,
        2.0,
        MatRef::row_major(&a, 5, 7, 7).unwrap(),
        MatRef::row_major(&b, 3, 7, 7).unwrap().t(),
        -1.0,
        MatMut::row_major(&mut c, 5, 3, 3).unwrap(),
        Epilogue::None,
    )
    .unwrap();
    h += &arr32("GOLDEN_GEMM_F32", &c);
    let mut g = vec![0.0f32; 15];
    let loss = softmax_cross_entropy(&c, 5, 3, &[0, 1, 2, 0, 1], &mut g).unwrap();
    let _ = writeln!(h, "#define GOLDEN_XENT_LOSS 0x{:08x}u", loss.to_bits());
    h
}

fn target_dir() -> PathBuf {
    // tests run from target/<profile>/deps/<test-binary>
    std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().to_path_buf()
}

fn staticlib() -> PathBuf {
    // `cargo test` builds the rlib but does not refresh the staticlib: build it (a no-op when up to date).
    let profile = target_dir().file_name().unwrap().to_string_lossy().to_string();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "-q", "-p", "weightinit-ffi", "--lib"]);
    if profile == "release" {
        cmd.arg("--release");
    }
    assert!(cmd.status().unwrap().success(), "building the static library");
    target_dir().join("libweightinit_ffi.a")
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn compile_and_run(compiler: &str, std: &str, src: &str, sanitize: bool, expect: &str) {
    compile_and_run_with(compiler, std, src, sanitize, expect, &staticlib());
}

fn compile_and_run_with(compiler: &str, std: &str, src: &str, sanitize: bool, expect: &str, lib: &Path) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = std::env::temp_dir().join(format!("weightinit-c-{}-{}", std::process::id(), src.replace('.', "_")));
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("golden.h"), golden_header()).unwrap();
    let exe = work.join(format!("test-{}-{}", sanitize, lib.to_string_lossy().len()));
    let mut cmd = Command::new(compiler);
    cmd.args([std, "-Wall", "-Wextra", "-Werror", "-pedantic", "-g", "-O1"])
        .arg("-I")
        .arg(dir.join("include"))
        .arg("-I")
        .arg(&work)
        .arg(dir.join("tests/c").join(src));
    if sanitize {
        cmd.args(["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]);
    }
    cmd.arg(lib).args(["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"]).arg("-o").arg(&exe);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{compiler} {src} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && stdout.contains(expect),
        "{src} (sanitize {sanitize}):\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    eprintln!("{src} sanitize={sanitize}: {}", stdout.trim());
}

#[test]
fn c_program_gets_the_rust_bits_and_every_error_status() {
    if !have("cc") {
        skip("no C compiler (cc)");
        return;
    }
    compile_and_run("cc", "-std=c99", "api_test.c", false, "0 failed");
    compile_and_run("cc", "-std=c99", "api_test.c", true, "0 failed");
}

#[test]
fn cpp_program_compiles_against_the_header() {
    if !have("c++") {
        skip("no C++ compiler (c++)");
        return;
    }
    compile_and_run("c++", "-std=c++17", "api_test.cpp", false, "0 failed");
    compile_and_run("c++", "-std=c++17", "api_test.cpp", true, "0 failed");
}

/// With `WEIGHTINIT_ASAN_STATICLIB` pointing at a static library built with `-Zsanitizer=address` (nightly;
/// `.ci/run` does this), the C test runs against Rust code that is itself instrumented, so an out-of-bounds
/// access inside the library is caught too.
#[test]
fn c_program_against_an_asan_instrumented_library() {
    let Some(lib) = std::env::var_os("WEIGHTINIT_ASAN_STATICLIB") else {
        skip("WEIGHTINIT_ASAN_STATICLIB is not set");
        return;
    };
    compile_and_run_with("cc", "-std=c99", "api_test.c", true, "0 failed", Path::new(&lib));
}

/// Skips a test whose tool or data is missing, with a message; fails instead where everything is required
/// (`WEIGHTINIT_REQUIRE_ALL=1`, set by `.ci/run`, which installs every tool).
fn skip(why: &str) {
    assert!(std::env::var_os("WEIGHTINIT_REQUIRE_ALL").is_none(), "required under .ci/run, but {why}");
    eprintln!("skipped: {why}");
}
