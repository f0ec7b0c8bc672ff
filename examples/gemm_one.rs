//! Profiling target: one gemm shape in a loop. `cargo run --release --example gemm_one -- M K N [ta]`;
//! `GEMM_PATH=auto|gemv|mm` picks another path than the blocked kernel; `GEMM_TB=1` reads B from a
//! transposed (`n x k` row-major) array.
use weightinit::Stream;
use weightinit::kernels::{Epilogue, GemmPath, MatMut, MatRef, gemm_with};

fn main() {
    let a: Vec<usize> = std::env::args().skip(1).take(3).map(|x| x.parse().unwrap()).collect();
    let ta = std::env::args().nth(4).is_some();
    let tb = std::env::var("GEMM_TB").is_ok_and(|v| v == "1");
    let (m, k, n) = (a[0], a[1], a[2]);
    let path = match std::env::var("GEMM_PATH").as_deref() {
        Ok("auto") => GemmPath::Auto,
        Ok("gemv") => GemmPath::Gemv,
        Ok("mm") => GemmPath::MatrixMultiply,
        _ => GemmPath::Blocked,
    };
    let mut x = vec![0.0f32; m * k];
    let mut w = vec![0.0f32; k * n];
    Stream::new(1, 1).fill_uniform(0, &mut x, -1.0, 1.0).unwrap();
    Stream::new(1, 2).fill_uniform(0, &mut w, -1.0, 1.0).unwrap();
    let mut c = vec![0.0f32; m * n];
    let reps = 2_000_000_000 / (m * n * k);
    let t = std::time::Instant::now();
    for _ in 0..reps {
        let av = if ta { MatRef::row_major(&x, k, m, m).unwrap().t() } else { MatRef::row_major(&x, m, k, k).unwrap() };
        let bv = if tb { MatRef::row_major(&w, n, k, k).unwrap().t() } else { MatRef::row_major(&w, k, n, n).unwrap() };
        gemm_with(path, 1.0, av, bv, 0.0, MatMut::row_major(&mut c, m, n, n).unwrap(), Epilogue::None).unwrap();
    }
    let s = t.elapsed().as_secs_f64();
    println!("{:.1} GFLOP/s", 2.0 * (m * n * k * reps) as f64 / s / 1e9);
}
