//! weightinit-core on a Cortex-M4F with no allocator: the same checksums as the C firmware and the host
//! (crates/weightinit-ffi/tests/firmware.rs compares them), printed over semihosting.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprint};
use panic_halt as _;
use weightinit_core::init::{FanMode, Init, Layout, Nonlinearity};
use weightinit_core::kernels::{Epilogue, GemmPath, MatMut, MatRef, gemm_with, relu};
use weightinit_core::{Stream, TruncBounds};

fn fnv32(v: &[f32]) -> u64 {
    let mut h = 0xcbf29ce484222325u64;
    for x in v {
        for b in x.to_bits().to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

fn fnv64(v: &[f64]) -> u64 {
    let mut h = 0xcbf29ce484222325u64;
    for x in v {
        for b in x.to_bits().to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

static mut W: [f32; 100 * 784] = [0.0; 100 * 784];

fn run() -> Result<(), weightinit_core::Error> {
    // SAFETY: the only reference to W, taken once in the single-threaded entry point.
    let w: &mut [f32] = unsafe { &mut *core::ptr::addr_of_mut!(W) };
    let he = Init::KaimingNormal { mode: FanMode::FanIn, nonlinearity: Nonlinearity::Relu };
    he.fill(&Stream::new(2024, 0), &[100, 784], Layout::Torch, w, &mut [])?;
    hprint!("he_normal_100x784 {:016x}\n", fnv32(w));
    let mut x = [0.0f32; 784];
    for (i, v) in x.iter_mut().enumerate() {
        *v = (i % 10) as f32 * 0.1 - 0.45;
    }
    let mut y = [0.0f32; 100];
    let xv = MatRef::row_major(&x, 1, 784, 784)?;
    let wv = MatRef::row_major(w, 100, 784, 784)?.t();
    gemm_with(GemmPath::Auto, 1.0, xv, wv, 0.0, MatMut::row_major(&mut y, 1, 100, 100)?, Epilogue::None)?;
    let mut h = [0.0f32; 100];
    relu(&y, &mut h)?;
    hprint!("matmul_relu_1x100 {:016x}\n", fnv32(&h));
    let mut a = [0.0f32; 240];
    let mut b = [0.0f32; 180];
    for (i, v) in a.iter_mut().enumerate() {
        *v = (i % 13) as f32 * 0.125 - 0.75;
    }
    for (i, v) in b.iter_mut().enumerate() {
        *v = (i % 7) as f32 * 0.25 - 0.5;
    }
    let mut c = [0.0f32; 108];
    let (av, bv) = (MatRef::row_major(&a, 12, 20, 20)?, MatRef::row_major(&b, 20, 9, 9)?);
    gemm_with(GemmPath::Auto, 1.0, av, bv, 0.0, MatMut::row_major(&mut c, 12, 9, 9)?, Epilogue::None)?;
    hprint!("gemm_12x20x9 {:016x}\n", fnv32(&c));
    let mut n32 = [0.0f32; 4096];
    let mut n64 = [0.0f64; 512];
    Stream::new(7, 3).fill_normal(1_000_000, &mut n32, 0.0, 1.0)?;
    hprint!("normal_f32 {:016x}\n", fnv32(&n32));
    Stream::new(7, 3).fill_normal(5, &mut n64, 0.0, 1.0)?;
    hprint!("normal_f64 {:016x}\n", fnv64(&n64));
    let bounds = TruncBounds::StdUnits { low: -2.0, high: 2.0 };
    Stream::new(7, 4).fill_truncated_normal(0, &mut n32, 0.0, 1.0, bounds)?;
    hprint!("truncated_f32 {:016x}\ndone\n", fnv32(&n32));
    Ok(())
}

#[entry]
fn main() -> ! {
    match run() {
        Ok(()) => debug::exit(debug::EXIT_SUCCESS),
        Err(_) => debug::exit(debug::EXIT_FAILURE),
    }
    loop {}
}
