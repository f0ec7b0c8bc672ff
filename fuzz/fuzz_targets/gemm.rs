//! gemm with arbitrary shapes, strides, transposes, alpha/beta and paths against the naive reference.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weightinit_core::kernels::{Epilogue, GemmPath, Isa, MatMut, MatRef, gemm_with};

fuzz_target!(|data: &[u8]| {
    if data.len() < 12 {
        return;
    }
    let m = data[0] as usize % 40 + 1;
    let n = data[1] as usize % 40 + 1;
    let k = data[2] as usize % 40;
    let (ta, tb) = (data[3] & 1 == 1, data[3] & 2 == 2);
    let pad = data[4] as usize % 5;
    let alpha = (data[5] as f32 - 128.0) / 32.0;
    let beta = if data[6] & 1 == 0 { 0.0 } else { (data[6] as f32 - 128.0) / 64.0 };
    let path = [
        GemmPath::Auto,
        GemmPath::Blocked,
        GemmPath::BlockedIsa(Isa::Portable),
        GemmPath::BlockedIsa(Isa::Avx2),
        GemmPath::BlockedIsa(Isa::Avx512),
        GemmPath::MatrixMultiply,
        GemmPath::Gemv,
    ][data[7] as usize % 7];
    let val = |i: usize| ((data[8 + i % (data.len() - 8)] as f32) - 128.0) / 16.0;
    let (ar, ac) = if ta { (k, m) } else { (m, k) };
    let (br, bc) = if tb { (n, k) } else { (k, n) };
    let a: Vec<f32> = (0..ar * (ac + pad)).map(val).collect();
    let b: Vec<f32> = (0..br * (bc + pad)).map(|i| val(i + 7)).collect();
    let c0: Vec<f32> = (0..m * (n + pad)).map(|i| val(i + 3)).collect();
    let mut c = c0.clone();
    let av = MatRef::row_major(&a, ar, ac, ac + pad).unwrap();
    let bv = MatRef::row_major(&b, br, bc, bc + pad).unwrap();
    let av = if ta { av.t() } else { av };
    let bv = if tb { bv.t() } else { bv };
    let r = gemm_with(path, alpha, av, bv, beta, MatMut::row_major(&mut c, m, n, n + pad).unwrap(), Epilogue::None);
    if r.is_err() {
        // Only refusals by design: gemv on non-vector shapes, an ISA this CPU lacks.
        return;
    }
    for i in 0..m {
        for j in 0..n {
            let (mut s, mut sabs) = (0.0f64, 0.0f64);
            for p in 0..k {
                let x = *av.at(i, p) as f64 * *bv.at(p, j) as f64;
                s += x;
                sabs += x.abs();
            }
            let old = c0[i * (n + pad) + j] as f64;
            let want = alpha as f64 * s + if beta == 0.0 { 0.0 } else { beta as f64 * old };
            let got = c[i * (n + pad) + j] as f64;
            let tol = 1e-5 * (alpha.abs() as f64 * sabs + (beta.abs() as f64) * old.abs() + 1.0);
            assert!((got - want).abs() <= tol, "{path:?} m{m} n{n} k{k}: {got} vs {want}");
        }
    }
});
