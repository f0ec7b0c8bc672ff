//! The C firmware (firmware/c) runs on an emulated Cortex-M4F (QEMU mps2-an386) with the no_std static
//! library and prints checksums; they must equal the host's bit for bit. Skips with a message when the ARM
//! toolchain, QEMU or the thumbv7em target is absent (`.ci/run` installs them).

use std::path::Path;
use std::process::Command;

use weightinit_core::init::{FanMode, Init, Layout, Nonlinearity};
use weightinit_core::kernels::{Epilogue, GemmPath, MatMut, MatRef, gemm_with, relu};
use weightinit_core::{Stream, TruncBounds};

fn fnv<T: Copy>(v: &[T]) -> u64 {
    // SAFETY: reading the bytes of plain f32/f64 values.
    let bytes = unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) };
    let mut h = 0xcbf29ce484222325u64;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The lines the firmware prints, computed on the host.
pub fn expected() -> String {
    let mut s = String::new();
    let mut w = vec![0.0f32; 100 * 784];
    let he = Init::KaimingNormal { mode: FanMode::FanIn, nonlinearity: Nonlinearity::Relu };
    he.fill(&Stream::new(2024, 0), &[100, 784], Layout::Torch, &mut w, &mut []).unwrap();
    s += &format!("he_normal_100x784 {:016x}\n", fnv(&w));
    let x: Vec<f32> = (0..784).map(|i| (i % 10) as f32 * 0.1 - 0.45).collect();
    let mut y = vec![0.0f32; 100];
    let xv = MatRef::row_major(&x, 1, 784, 784).unwrap();
    let wv = MatRef::row_major(&w, 100, 784, 784).unwrap().t();
    gemm_with(GemmPath::Auto, 1.0, xv, wv, 0.0, MatMut::row_major(&mut y, 1, 100, 100).unwrap(), Epilogue::None)
        .unwrap();
    let mut h = vec![0.0f32; 100];
    relu(&y, &mut h).unwrap();
    s += &format!("matmul_relu_1x100 {:016x}\n", fnv(&h));
    let a: Vec<f32> = (0..240).map(|i| (i % 13) as f32 * 0.125 - 0.75).collect();
    let b: Vec<f32> = (0..180).map(|i| (i % 7) as f32 * 0.25 - 0.5).collect();
    let mut c = vec![0.0f32; 108];
    gemm_with(
        GemmPath::Auto,
        1.0,
        MatRef::row_major(&a, 12, 20, 20).unwrap(),
        MatRef::row_major(&b, 20, 9, 9).unwrap(),
        0.0,
        MatMut::row_major(&mut c, 12, 9, 9).unwrap(),
        Epilogue::None,
    )
    .unwrap();
    s += &format!("gemm_12x20x9 {:016x}\n", fnv(&c));
    let mut n32 = vec![0.0f32; 4096];
    let mut n64 = vec![0.0f64; 512];
    Stream::new(7, 3).fill_normal(1_000_000, &mut n32, 0.0, 1.0).unwrap();
    s += &format!("normal_f32 {:016x}\n", fnv(&n32));
    Stream::new(7, 3).fill_normal(5, &mut n64, 0.0, 1.0).unwrap();
    s += &format!("normal_f64 {:016x}\n", fnv(&n64));
    Stream::new(7, 4)
        .fill_truncated_normal(0, &mut n32, 0.0, 1.0, TruncBounds::StdUnits { low: -2.0, high: 2.0 })
        .unwrap();
    s += &format!("truncated_f32 {:016x}\ndone\n", fnv(&n32));
    s
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok_and(|o| o.status.success())
}

fn tools_present() -> bool {
    let target_ok = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("thumbv7em-none-eabihf"));
    have("arm-none-eabi-gcc", "--version") && have("qemu-system-arm", "--version") && target_ok
}

/// Runs an ELF on QEMU mps2-an386 and returns what it printed over semihosting.
fn run_qemu(elf: &Path, log: &Path) -> String {
    let _ = std::fs::remove_file(log);
    let run = Command::new("timeout")
        .args(["120", "qemu-system-arm", "-machine", "mps2-an386", "-cpu", "cortex-m4"])
        .args(["-display", "none", "-monitor", "none", "-serial", "none"])
        .args(["-semihosting-config", "enable=on,target=native,chardev=sh0", "-chardev"])
        .arg(format!("file,id=sh0,path={}", log.display()))
        .arg("-kernel")
        .arg(elf)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    // SYS_WRITE0 goes to the semihosting chardev, SYS_WRITE on ":tt" (cortex-m-semihosting) to stdio.
    let got = std::fs::read_to_string(log).unwrap_or_default()
        + &String::from_utf8_lossy(&run.stdout)
        + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{} exited with {:?}:\n{got}", elf.display(), run.status);
    got
}

#[test]
fn rust_firmware_on_cortex_m4_matches_the_host_bit_for_bit() {
    if !tools_present() {
        skip("needs arm-none-eabi-gcc, qemu-system-arm and the thumbv7em-none-eabihf target");
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../firmware/rust");
    let build = Command::new(env!("CARGO")).args(["build", "--release", "-q"]).current_dir(&dir).output().unwrap();
    assert!(build.status.success(), "firmware build failed:\n{}", String::from_utf8_lossy(&build.stderr));
    let elf = dir.join("target/thumbv7em-none-eabihf/release/weightinit-firmware");
    let log = std::env::temp_dir().join(format!("weightinit-rust-fw-{}.txt", std::process::id()));
    let got = run_qemu(&elf, &log);
    assert_eq!(got, expected(), "Cortex-M4 (pure Rust) output differs from the host");
}

#[test]
fn c_firmware_on_cortex_m4_matches_the_host_bit_for_bit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if !tools_present() {
        skip("needs arm-none-eabi-gcc, qemu-system-arm and the thumbv7em-none-eabihf target");
        return;
    }
    let out_dir = std::env::temp_dir().join(format!("weightinit-fw-{}", std::process::id()));
    let build = Command::new("bash").arg(root.join("firmware/c/build.sh")).arg(&out_dir).output().unwrap();
    assert!(build.status.success(), "firmware build failed:\n{}", String::from_utf8_lossy(&build.stderr));
    let got = run_qemu(&out_dir.join("weightinit-firmware.elf"), &out_dir.join("semihosting.txt"));
    assert_eq!(got, expected(), "Cortex-M4 output differs from the host");
    eprintln!("cortex-m4 firmware output equals the host's:\n{got}");
}

/// Skips a test whose tool or data is missing, with a message; fails instead where everything is required
/// (`WEIGHTINIT_REQUIRE_ALL=1`, set by `.ci/run`, which installs every tool).
fn skip(why: &str) {
    assert!(std::env::var_os("WEIGHTINIT_REQUIRE_ALL").is_none(), "required under .ci/run, but {why}");
    eprintln!("skipped: {why}");
}
