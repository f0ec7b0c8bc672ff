//! Every kernel against a naive reference: gemm on odd shapes, both transposes, strides, alpha/beta and
//! epilogues for every path; element-wise kernels against their definitions; and a finite-difference
//! gradient check of a 2-layer ReLU network built from these kernels.

use weightinit_core::kernels::{
    Epilogue, GemmPath, Isa, MatMut, MatRef, bias_add, blocked_tile_rows, col_sums, gemm, gemm_with, leaky_relu,
    leaky_relu_backward, relu, relu_backward, sgd_momentum, softmax_cross_entropy, softmax_cross_entropy_rows,
};
use weightinit_core::simd;
use weightinit_core::{Error, Float, Stream};

#[cfg(not(miri))]
const DIMS: &[usize] = &[1, 2, 7, 8, 15, 16, 17, 63, 64, 65, 127, 129];
#[cfg(miri)]
const DIMS: &[usize] = &[1, 2, 7, 17];

fn paths() -> Vec<GemmPath> {
    let mut p = vec![GemmPath::Auto, GemmPath::Blocked, GemmPath::BlockedIsa(Isa::Portable), GemmPath::Naive];
    if cfg!(miri) && simd::best() == Isa::Portable {
        // `Blocked` is `BlockedIsa(Portable)` then: interpreting it twice would only cost CI time.
        p.retain(|&q| q != GemmPath::Blocked);
    }
    for isa in [Isa::Avx2, Isa::Avx512] {
        if simd::available(isa) {
            p.push(GemmPath::BlockedIsa(isa));
        }
    }
    if cfg!(all(not(miri), feature = "std")) {
        p.push(GemmPath::MatrixMultiply);
    }
    p
}

fn random<T: Float>(n: usize, key: u64) -> Vec<T> {
    let mut v = vec![T::ZERO; n];
    Stream::new(99, key).fill_uniform(0, &mut v, T::from_f64(-1.0), T::ONE).unwrap();
    v
}

/// A stored matrix: `rows x cols` with strides, possibly transposed storage.
struct Stored<T> {
    data: Vec<T>,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

/// A `rows x cols` operand stored row-major with padding (`ld = cols + pad`), column-major (`trans`), or with
/// a column stride of 2.
fn operand<T: Float>(rows: usize, cols: usize, layout: usize, key: u64) -> Stored<T> {
    let (rs, cs, len) = match layout % 3 {
        0 => (cols + 3, 1, (rows - 1) * (cols + 3) + cols),
        1 => (1, rows + 1, (cols - 1) * (rows + 1) + rows),
        _ => (2 * cols + 1, 2, (rows - 1) * (2 * cols + 1) + 2 * (cols - 1) + 1),
    };
    Stored { data: random(len, key), rows, cols, rs, cs }
}

impl<T: Float> Stored<T> {
    fn view(&self) -> MatRef<'_, T> {
        MatRef::new(&self.data, self.rows, self.cols, self.rs, self.cs).unwrap()
    }
    fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.rs + j * self.cs].to_f64()
    }
}

fn check_gemm<T: Float>(path: GemmPath, m: usize, n: usize, k: usize, case: usize, eps: f64) {
    let a = operand::<T>(m, k, case, 1);
    let b = operand::<T>(k, n, case / 3 + 1, 2);
    let (alpha, beta) = [(1.0, 0.0), (0.5, 1.0), (-2.0, 0.25), (1.0, -1.0)][case % 4];
    let bias: Vec<T> = random(n, 3);
    let ep_kind = case % 3;
    // C row-major with ld = n + 1, or column-major.
    let c_col_major = case % 2 == 1;
    let (crs, ccs) = if c_col_major { (1, m + 2) } else { (n + 1, 1) };
    let clen = (m - 1) * crs + (n - 1) * ccs + 1;
    let c0: Vec<T> = random(clen, 4);
    let mut c = c0.clone();
    let ep = match ep_kind {
        0 => Epilogue::None,
        1 => Epilogue::Bias(&bias),
        _ => Epilogue::BiasRelu(&bias),
    };
    let r = gemm_with(
        path,
        T::from_f64(alpha),
        a.view(),
        b.view(),
        T::from_f64(beta),
        MatMut::new(&mut c, m, n, crs, ccs).unwrap(),
        ep,
    );
    if path == GemmPath::Gemv && m != 1 && n != 1 {
        assert!(matches!(r, Err(Error::Unsupported { .. })));
        return;
    }
    r.unwrap();
    for i in 0..m {
        for j in 0..n {
            let (mut s, mut sabs) = (0.0f64, 0.0f64);
            for p in 0..k {
                s += a.at(i, p) * b.at(p, j);
                sabs += (a.at(i, p) * b.at(p, j)).abs();
            }
            let old = c0[i * crs + j * ccs].to_f64();
            let mut want = alpha * s + if beta == 0.0 { 0.0 } else { beta * old };
            if ep_kind >= 1 {
                want += bias[j].to_f64();
            }
            if ep_kind == 2 {
                want = want.max(0.0);
            }
            let got = c[i * crs + j * ccs].to_f64();
            let tol = eps * ((k as f64).sqrt() + 2.0) * (alpha.abs() * sabs + beta.abs() * old.abs() + 1.0);
            assert!(
                (got - want).abs() <= tol,
                "{path:?} {} m {m} n {n} k {k} case {case}: c[{i}][{j}] = {got}, want {want}",
                T::NAME
            );
        }
    }
    // Elements of C's buffer outside the view are untouched.
    for (idx, (x, y)) in c.iter().zip(&c0).enumerate() {
        let (i, j) = if c_col_major { (idx % (m + 2), idx / (m + 2)) } else { (idx / (n + 1), idx % (n + 1)) };
        if i >= m || j >= n {
            assert_eq!(x.to_f64(), y.to_f64(), "{path:?} wrote outside the view at {idx}");
        }
    }
}

#[test]
fn gemm_matches_naive_on_odd_shapes_for_every_path() {
    let mut case = 0;
    for path in paths() {
        for &m in DIMS {
            for &n in DIMS {
                let ks: &[usize] = if cfg!(miri) { &[1, 7] } else { &[1, 17, 129] };
                for &k in ks {
                    if cfg!(miri) && m * n * k > 300 {
                        continue;
                    }
                    check_gemm::<f32>(path, m, n, k, case, 2e-7);
                    case += 1;
                }
            }
        }
        for &k in DIMS {
            if cfg!(miri) {
                check_gemm::<f32>(path, 5, 9, k, case, 2e-7);
                case += 1;
                continue;
            }
            check_gemm::<f32>(path, 17, 65, k, case, 2e-7);
            check_gemm::<f64>(path, 7, 16, k, case, 1e-15);
            case += 1;
        }
    }
}

/// Products deeper than one depth slice (256 on hosted targets) whose last column panel is narrow
/// (1-4 columns past a multiple of 32, or 16): the narrow kernel then covers the whole depth in one pass
/// while the other panels are summed slice by slice; every layout, alpha/beta and epilogue case.
#[test]
#[cfg_attr(miri, ignore = "large shapes; the portable path is covered by the odd-shape test")]
fn deep_products_with_a_narrow_last_panel() {
    let mut case = 0;
    for path in paths() {
        for (m, n, k) in [(128, 100, 784), (67, 36, 300), (16, 33, 513), (9, 4, 1000), (24, 20, 257)] {
            for _ in 0..6 {
                check_gemm::<f32>(path, m, n, k, case, 2e-7);
                case += 1;
            }
        }
        check_gemm::<f64>(path, 40, 67, 600, case, 1e-15);
    }
}

#[test]
fn gemv_path_on_vector_shapes() {
    let mut case = 0;
    for &k in DIMS {
        for &n in DIMS {
            check_gemm::<f32>(GemmPath::Gemv, 1, n, k, case, 2e-7);
            check_gemm::<f32>(GemmPath::Gemv, n, 1, k, case + 1, 2e-7);
            check_gemm::<f64>(GemmPath::Gemv, 1, n, k, case + 2, 1e-15);
            case += 3;
        }
    }
    check_gemm::<f32>(GemmPath::Gemv, 5, 5, 5, 0, 2e-7);
}

#[test]
fn gemm_beta_zero_ignores_nan_in_c() {
    let a = [1.0f32; 6];
    let b = [1.0f32; 6];
    for path in paths() {
        let mut c = [f32::NAN; 4];
        gemm_with(
            path,
            1.0,
            MatRef::row_major(&a, 2, 3, 3).unwrap(),
            MatRef::row_major(&b, 3, 2, 2).unwrap(),
            0.0,
            MatMut::row_major(&mut c, 2, 2, 2).unwrap(),
            Epilogue::None,
        )
        .unwrap();
        assert_eq!(c, [3.0; 4], "{path:?}");
    }
}

#[test]
fn gemm_rejects_bad_shapes() {
    let a = [0.0f32; 6];
    let mut c = [0.0f32; 4];
    let av = MatRef::row_major(&a, 2, 3, 3).unwrap();
    let r = gemm(1.0, av, av, 0.0, MatMut::row_major(&mut c, 2, 2, 2).unwrap());
    assert!(matches!(r, Err(Error::InvalidShape { .. })));
    let r = gemm(1.0, av, av.t(), 0.0, MatMut::row_major(&mut c, 2, 1, 1).unwrap());
    assert!(matches!(r, Err(Error::InvalidShape { .. })));
    assert!(matches!(MatRef::row_major(&a, 2, 4, 4), Err(Error::BufferTooSmall { needed: 8, actual: 6 })));
    assert!(matches!(MatRef::row_major(&a, 2, 3, 2), Err(Error::InvalidShape { .. })));
    assert!(matches!(MatRef::new(&a, usize::MAX, 2, usize::MAX, 1), Err(Error::SizeOverflow)));
    assert!(matches!(MatMut::new(&mut c, 2, 2, 1, 1), Err(Error::InvalidShape { .. })), "aliasing strides");
    assert!(matches!(MatMut::new(&mut c, 2, 1, 0, 1), Err(Error::InvalidShape { .. })), "zero stride");
    let bias = [0.0f32; 3];
    let r = gemm_with(
        GemmPath::Auto,
        1.0,
        av,
        av.t(),
        0.0,
        MatMut::row_major(&mut c, 2, 2, 2).unwrap(),
        Epilogue::Bias(&bias),
    );
    assert!(matches!(r, Err(Error::LengthMismatch { expected: 2, actual: 3 })));
}

#[test]
fn elementwise_kernels_match_definitions() {
    let x: Vec<f32> = random(1000, 5);
    let g: Vec<f32> = random(1000, 6);
    let mut y = vec![0.0f32; 1000];
    relu(&x, &mut y).unwrap();
    assert!(x.iter().zip(&y).all(|(a, b)| *b == a.max(0.0)));
    relu_backward(&x, &g, &mut y).unwrap();
    assert!(x.iter().zip(&g).zip(&y).all(|((a, d), r)| *r == if *a > 0.0 { *d } else { 0.0 }));
    leaky_relu(&x, &mut y, 0.1).unwrap();
    assert!(x.iter().zip(&y).all(|(a, b)| *b == if *a > 0.0 { *a } else { 0.1 * a }));
    leaky_relu_backward(&x, &g, &mut y, 0.1).unwrap();
    assert!(x.iter().zip(&g).zip(&y).all(|((a, d), r)| *r == if *a > 0.0 { *d } else { 0.1 * d }));
    let mut m = x.clone();
    let bias: Vec<f32> = random(40, 7);
    bias_add(&mut m, 25, 40, &bias).unwrap();
    assert!((0..1000).all(|i| m[i] == x[i] + bias[i % 40]));
    let mut sums = vec![0.0f32; 40];
    col_sums(&x, 25, 40, &mut sums).unwrap();
    for (j, &s) in sums.iter().enumerate() {
        let want: f32 = (0..25).map(|i| x[i * 40 + j]).sum();
        assert!((s - want).abs() < 1e-5);
    }
    let (mut w, mut v) = (x.clone(), vec![0.5f32; 1000]);
    sgd_momentum(&mut w, &g, &mut v, 0.1, 0.9).unwrap();
    assert!((0..1000).all(|i| v[i] == 0.9 * 0.5 + g[i] && w[i] == x[i] - 0.1 * v[i]));
    // Length errors, never a panic.
    assert!(matches!(relu(&x, &mut y[..999]), Err(Error::LengthMismatch { .. })));
    assert!(matches!(relu_backward(&x, &g[..3], &mut y), Err(Error::LengthMismatch { .. })));
    assert!(matches!(bias_add(&mut m, 25, 40, &bias[..39]), Err(Error::LengthMismatch { .. })));
    assert!(matches!(col_sums(&x, usize::MAX, 40, &mut sums), Err(Error::SizeOverflow)));
}

#[test]
fn softmax_cross_entropy_is_stable_and_correct() {
    let (rows, classes) = (7, 10);
    let logits: Vec<f64> = random::<f64>(rows * classes, 8).iter().map(|x| 5.0 * x).collect();
    let labels: Vec<u8> = (0..rows as u8).map(|i| (i * 3) % 10).collect();
    let mut grad = vec![0.0f64; rows * classes];
    let loss = softmax_cross_entropy(&logits, rows, classes, &labels, &mut grad).unwrap();
    let mut want = 0.0;
    for i in 0..rows {
        let z = &logits[i * classes..(i + 1) * classes];
        let sum: f64 = z.iter().map(|v| v.exp()).sum();
        want -= (z[labels[i] as usize].exp() / sum).ln();
        for j in 0..classes {
            let p = z[j].exp() / sum;
            let g = (p - if j == labels[i] as usize { 1.0 } else { 0.0 }) / rows as f64;
            assert!((grad[i * classes + j] - g).abs() < 1e-15);
        }
    }
    assert!((loss - want / rows as f64).abs() < 1e-12);
    // Huge logits do not overflow.
    let big = [1000.0f32, -1000.0, 999.0];
    let mut g = [0.0f32; 3];
    let l = softmax_cross_entropy(&big, 1, 3, &[0], &mut g).unwrap();
    assert!(l.is_finite() && (l - (1.0f32 + (-1.0f32).exp()).ln()).abs() < 1e-6, "{l}");
    assert!(g.iter().all(|v| v.is_finite()));
    assert!(matches!(softmax_cross_entropy(&big, 1, 3, &[3], &mut g), Err(Error::InvalidParameter { .. })));
}

#[test]
fn softmax_cross_entropy_rows_splits_a_batch_bit_for_bit() {
    let (rows, classes) = (37, 10);
    let logits: Vec<f32> = random::<f32>(rows * classes, 9).iter().map(|x| 8.0 * x - 4.0).collect();
    let labels: Vec<u8> = (0..rows).map(|i| (i * 7 % classes) as u8).collect();
    let mut whole = vec![0.0f32; rows * classes];
    let mean = softmax_cross_entropy(&logits, rows, classes, &labels, &mut whole).unwrap();
    let scale = (1.0 / rows as f64) as f32;
    for block in [1usize, 5, 16, 37] {
        let mut grad = vec![f32::NAN; rows * classes];
        let mut losses = vec![f64::NAN; rows];
        for r0 in (0..rows).step_by(block) {
            let r1 = (r0 + block).min(rows);
            let s = r0 * classes..r1 * classes;
            softmax_cross_entropy_rows(
                &logits[s.clone()],
                r1 - r0,
                classes,
                &labels[r0..r1],
                scale,
                &mut grad[s],
                &mut losses[r0..r1],
            )
            .unwrap();
        }
        assert_eq!(
            grad.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
            whole.iter().map(|g| g.to_bits()).collect::<Vec<_>>()
        );
        let sum = losses.iter().fold(0.0f64, |s, &l| s + l);
        assert_eq!(((sum * (1.0 / rows as f64)) as f32).to_bits(), mean.to_bits(), "block {block}");
        // Each row's loss is -log softmax at the label.
        for (i, &l) in losses.iter().enumerate() {
            let z = &logits[i * classes..(i + 1) * classes];
            let lse = z.iter().map(|&v| (v as f64).exp()).sum::<f64>().ln();
            assert!((l - (lse - z[labels[i] as usize] as f64)).abs() < 1e-5, "row {i}: {l}");
        }
    }
    let mut g = vec![0.0f32; rows * classes];
    let mut short = vec![0.0f64; rows - 1];
    assert!(matches!(
        softmax_cross_entropy_rows(&logits, rows, classes, &labels, scale, &mut g, &mut short),
        Err(Error::LengthMismatch { .. })
    ));
    let mut losses = vec![0.0f64; rows];
    let mut bad = labels.clone();
    bad[3] = 10;
    assert!(matches!(
        softmax_cross_entropy_rows(&logits, rows, classes, &bad, scale, &mut g, &mut losses),
        Err(Error::InvalidParameter { .. })
    ));
}

/// Loss of a 2-layer ReLU network `softmax(relu(x W1 + b1) W2 + b2)` built from the kernels; fills the
/// gradients of all parameters by backprop.
#[allow(clippy::too_many_arguments)]
fn two_layer(
    x: &[f64],
    labels: &[u8],
    (batch, din, hid, dout): (usize, usize, usize, usize),
    p: &[f64],
    grad: &mut [f64],
) -> f64 {
    let (w1, rest) = p.split_at(din * hid);
    let (b1, rest) = rest.split_at(hid);
    let (w2, b2) = rest.split_at(hid * dout);
    let mut z1 = vec![0.0; batch * hid];
    let xv = MatRef::row_major(x, batch, din, din).unwrap();
    gemm_with(
        GemmPath::Auto,
        1.0,
        xv,
        MatRef::row_major(w1, din, hid, hid).unwrap(),
        0.0,
        MatMut::row_major(&mut z1, batch, hid, hid).unwrap(),
        Epilogue::Bias(b1),
    )
    .unwrap();
    let mut h = vec![0.0; batch * hid];
    relu(&z1, &mut h).unwrap();
    let mut z2 = vec![0.0; batch * dout];
    let hv = MatRef::row_major(&h, batch, hid, hid).unwrap();
    gemm_with(
        GemmPath::Auto,
        1.0,
        hv,
        MatRef::row_major(w2, hid, dout, dout).unwrap(),
        0.0,
        MatMut::row_major(&mut z2, batch, dout, dout).unwrap(),
        Epilogue::Bias(b2),
    )
    .unwrap();
    let mut dz2 = vec![0.0; batch * dout];
    let loss = softmax_cross_entropy(&z2, batch, dout, labels, &mut dz2).unwrap();
    let (gw1, grest) = grad.split_at_mut(din * hid);
    let (gb1, grest) = grest.split_at_mut(hid);
    let (gw2, gb2) = grest.split_at_mut(hid * dout);
    let dz2v = MatRef::row_major(&dz2, batch, dout, dout).unwrap();
    gemm(1.0, hv.t(), dz2v, 0.0, MatMut::row_major(gw2, hid, dout, dout).unwrap()).unwrap();
    col_sums(&dz2, batch, dout, gb2).unwrap();
    let mut dh = vec![0.0; batch * hid];
    gemm(
        1.0,
        dz2v,
        MatRef::row_major(w2, hid, dout, dout).unwrap().t(),
        0.0,
        MatMut::row_major(&mut dh, batch, hid, hid).unwrap(),
    )
    .unwrap();
    let mut dz1 = vec![0.0; batch * hid];
    relu_backward(&z1, &dh, &mut dz1).unwrap();
    let dz1v = MatRef::row_major(&dz1, batch, hid, hid).unwrap();
    gemm(1.0, xv.t(), dz1v, 0.0, MatMut::row_major(gw1, din, hid, hid).unwrap()).unwrap();
    col_sums(&dz1, batch, hid, gb1).unwrap();
    loss
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn finite_difference_gradient_check_of_a_two_layer_relu_network() {
    let dims = (9usize, 13usize, 17usize, 5usize);
    let (batch, din, hid, dout) = dims;
    let x: Vec<f64> = random(batch * din, 10);
    let labels: Vec<u8> = (0..batch as u8).map(|i| i % dout as u8).collect();
    let np = din * hid + hid + hid * dout + dout;
    let p: Vec<f64> = random::<f64>(np, 11).iter().map(|v| 0.5 * v).collect();
    let mut grad = vec![0.0; np];
    two_layer(&x, &labels, dims, &p, &mut grad);
    let h = 1e-6;
    let mut scratch = vec![0.0; np];
    let mut worst: f64 = 0.0;
    for i in 0..np {
        let mut q = p.clone();
        q[i] = p[i] + h;
        let lp = two_layer(&x, &labels, dims, &q, &mut scratch);
        q[i] = p[i] - h;
        let lm = two_layer(&x, &labels, dims, &q, &mut scratch);
        let fd = (lp - lm) / (2.0 * h);
        let err = (fd - grad[i]).abs() / (fd.abs() + grad[i].abs() + 1e-8);
        if (fd - grad[i]).abs() > 1e-7 {
            worst = worst.max(err);
        }
    }
    assert!(worst < 1e-5, "worst relative error between backprop and finite differences: {worst}");
}

#[test]
fn blocked_gemm_split_at_tile_rows_gives_identical_bits() {
    // The trainer splits C's rows across threads at multiples of `blocked_tile_rows`: every element must
    // come out bit for bit as in the whole product, with A plain or transposed and the fused epilogue. Every
    // kernel (tile rows 4, 6, 8) is checked with chunks of multiples of 48, and the best with its own.
    let mr = blocked_tile_rows::<f32>();
    let mut cases = vec![(GemmPath::Blocked, mr), (GemmPath::Blocked, 3 * mr)];
    for isa in [Isa::Portable, Isa::Avx2, Isa::Avx512] {
        if simd::available(isa) {
            cases.push((GemmPath::BlockedIsa(isa), 48));
        }
    }
    let (m, k, n) = if cfg!(miri) { (2 * 48 + 3, 9, 7) } else { (7 * 48 + 5, 300, 37) };
    let bias: Vec<f32> = random(n, 3);
    let b: Vec<f32> = random(k * n, 2);
    let bv = MatRef::row_major(&b, k, n, n).unwrap();
    for transposed in [false, true] {
        let a: Vec<f32> = random(m * k, 1);
        let av = if transposed {
            MatRef::row_major(&a, k, m, m).unwrap().t()
        } else {
            MatRef::row_major(&a, m, k, k).unwrap()
        };
        let ep = Epilogue::BiasRelu(&bias);
        for &(path, chunk) in &cases {
            let mut whole = vec![0.0f32; m * n];
            gemm_with(path, 0.5, av, bv, 0.0, MatMut::row_major(&mut whole, m, n, n).unwrap(), ep).unwrap();
            let mut parts = vec![0.0f32; m * n];
            for (i, c) in parts.chunks_mut(chunk * n).enumerate() {
                let (r0, r1) = (i * chunk, (i * chunk + chunk).min(m));
                let cv = MatMut::row_major(c, r1 - r0, n, n).unwrap();
                gemm_with(path, 0.5, av.rows_range(r0, r1).unwrap(), bv, 0.0, cv, ep).unwrap();
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&parts), bits(&whole), "{path:?}, chunks of {chunk} rows, transposed A: {transposed}");
        }
    }
    assert!(matches!(bv.rows_range(3, 2), Err(Error::InvalidShape { .. })));
    assert!(matches!(bv.rows_range(0, k + 1), Err(Error::InvalidShape { .. })));
    assert_eq!(bv.rows_range(k, k).unwrap().rows(), 0);
}

#[test]
fn all_within_matches_the_scalar_test_on_every_isa() {
    use weightinit_core::kernels::all_within;
    let lim = 1.8e19f32;
    let below = f32::from_bits(lim.to_bits() - 1);
    let above = f32::from_bits(lim.to_bits() + 1);
    let specials =
        [0.0, -0.0, 1.0, -1e10, lim, -lim, below, above, -above, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, -f32::NAN];
    // 255-257 straddle the 256-value chunks of the vectorized test; 1000 (several chunks) natively only.
    let lens: &[usize] = if cfg!(miri) { &[1, 7, 255, 256, 257] } else { &[1, 7, 255, 256, 257, 1000] };
    for &len in lens {
        for &v in &specials {
            for at in [0, len / 2, len - 1] {
                let mut g = vec![0.5f32; len];
                g[at] = v;
                assert_eq!(all_within(&g, lim), v.abs() <= lim, "len {len} at {at} value {v}");
                let g64: Vec<f64> = g.iter().map(|&x| x as f64).collect();
                assert_eq!(all_within(&g64, lim as f64), v.abs() <= lim, "f64 len {len} at {at} value {v}");
            }
        }
    }
    assert!(all_within::<f32>(&[], 1.0));
    assert!(!all_within(&[0.0f32], f32::NAN));
}

#[test]
fn empty_depth_gives_beta_c_on_every_path() {
    // k == 0: C = beta * C, whatever path (an empty B must not be indexed).
    for path in paths().into_iter().chain([GemmPath::Gemv]) {
        for (m, n) in [(1usize, 100usize), (100, 1), (3, 70)] {
            if path == GemmPath::Gemv && m != 1 && n != 1 {
                continue; // not a vector product: a typed error, tested elsewhere
            }
            let (a, b) = (vec![0.0f32; 0], vec![0.0f32; 0]);
            let mut c = vec![2.0f32; m * n];
            let av = MatRef::row_major(&a, m, 0, 0).unwrap();
            let bv = MatRef::row_major(&b, 0, n, n).unwrap();
            gemm_with(path, 1.0, av, bv, 0.5, MatMut::row_major(&mut c, m, n, n).unwrap(), Epilogue::None).unwrap();
            assert!(c.iter().all(|&x| x == 1.0), "{path:?} {m}x0x{n}");
            let (a, b) = (vec![0.0f64; 0], vec![0.0f64; 0]);
            let mut c = vec![2.0f64; m * n];
            let av = MatRef::row_major(&a, m, 0, 0).unwrap();
            let bv = MatRef::row_major(&b, 0, n, n).unwrap();
            gemm_with(path, 1.0, av, bv, 0.5, MatMut::row_major(&mut c, m, n, n).unwrap(), Epilogue::None).unwrap();
            assert!(c.iter().all(|&x| x == 1.0), "f64 {path:?} {m}x0x{n}");
        }
    }
}

/// The unblocked reference of `householder_q` in f64: each reflector from its column as LAPACK's `xLARFG`,
/// then `Q = H_0 ... H_{n-1} I[:, :n]` applied backward column by column, then the signs.
fn householder_q_naive(a: &[f64], m: usize, n: usize) -> Vec<f64> {
    let mut vs = Vec::new();
    for k in 0..n {
        let x: Vec<f64> = (k..m).map(|r| a[r * n + k]).collect();
        let sigma: f64 = x[1..].iter().map(|v| v * v).sum();
        if sigma == 0.0 {
            vs.push((vec![1.0], 0.0, x[0] < 0.0));
            continue;
        }
        let norm = (x[0] * x[0] + sigma).sqrt();
        let beta = if x[0] >= 0.0 { -norm } else { norm };
        let mut v = vec![1.0];
        v.extend(x[1..].iter().map(|t| t / (x[0] - beta)));
        vs.push((v, (beta - x[0]) / beta, beta < 0.0));
    }
    let mut q = vec![0.0; m * n];
    for j in 0..n {
        q[j * n + j] = 1.0;
    }
    for (k, (v, tau, _)) in vs.iter().enumerate().rev() {
        for j in 0..n {
            let w: f64 = (0..v.len()).map(|i| v[i] * q[(k + i) * n + j]).sum();
            for i in 0..v.len() {
                q[(k + i) * n + j] -= tau * w * v[i];
            }
        }
    }
    for r in 0..m {
        for (k, (_, _, neg)) in vs.iter().enumerate() {
            if *neg {
                q[r * n + k] = -q[r * n + k];
            }
        }
    }
    q
}

fn isas() -> Vec<Isa> {
    [Isa::Portable, Isa::Avx2, Isa::Avx512].into_iter().filter(|&i| simd::available(i)).collect()
}

/// The blocked product equals the unblocked reference (f64 within 1e-12, f32 within 3e-6 of it), and is
/// orthonormal; over shapes with partial blocks, partial tiles, one row, square and block widths 8..64.
#[test]
fn householder_q_matches_the_unblocked_reference() {
    let shapes: &[(usize, usize)] = if cfg!(miri) {
        &[(5, 3), (4, 4)]
    } else {
        &[(1, 1), (5, 3), (4, 4), (17, 17), (50, 33), (100, 100), (130, 97), (700, 520)]
    };
    for &(m, n) in shapes {
        let a: Vec<f64> = random::<f64>(m * n, (m * 1000 + n) as u64);
        let want = householder_q_naive(&a, m, n);
        let mut work = vec![0.0; weightinit_core::kernels::householder_q_workspace(m, n).unwrap()];
        let mut got = a.clone();
        weightinit_core::kernels::householder_q(&mut got, m, n, &mut work).unwrap();
        let err = got.iter().zip(&want).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        assert!(err < 1e-12, "{m} x {n} f64: max diff {err:e}");
        let a32: Vec<f32> = a.iter().map(|&x| x as f32).collect();
        let mut got32 = a32.clone();
        let mut work32 = vec![0.0f32; work.len()];
        weightinit_core::kernels::householder_q(&mut got32, m, n, &mut work32).unwrap();
        // Against the reference on the same (rounded) input.
        let want32 = householder_q_naive(&a32.iter().map(|&x| x as f64).collect::<Vec<_>>(), m, n);
        let err = got32.iter().zip(&want32).map(|(&x, y)| (x as f64 - y).abs()).fold(0.0, f64::max);
        assert!(err < 3e-6, "{m} x {n} f32: max diff {err:e}");
        for i in 0..n.min(8) {
            for j in 0..n.min(8) {
                let d: f64 = (0..m).map(|r| got[r * n + i] * got[r * n + j]).sum();
                assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-13, "{m} x {n}: Q^T Q [{i}][{j}] = {d}");
            }
        }
    }
}

/// Every ISA and thread count gives the same bits, in f32 and f64 (the portable path on a smaller shape:
/// its f32 fused multiply-adds are calls on x86-64).
#[test]
#[cfg_attr(miri, ignore = "large products; the reference test runs a small one under Miri")]
fn householder_q_has_the_same_bits_on_every_isa_and_thread_count() {
    use weightinit_core::kernels::{householder_q_with, householder_q_workspace};
    fn run<T: Float>(isa: Isa, threads: usize, a: &[T], m: usize, n: usize) -> Vec<u64> {
        let mut q = a.to_vec();
        let mut work = vec![T::ZERO; householder_q_workspace(m, n).unwrap()];
        householder_q_with(isa, threads, &mut q, m, n, &mut work).unwrap();
        q.iter().map(|x| x.to_bits_u64()).collect()
    }
    for (m, n) in [(97usize, 61usize), (1100, 600)] {
        let a64 = random::<f64>(m * n, 7);
        let a32 = random::<f32>(m * n, 7);
        let r64 = run(simd::best(), 1, &a64, m, n);
        let r32 = run(simd::best(), 1, &a32, m, n);
        for isa in isas() {
            if isa == Isa::Portable && m > 100 {
                continue;
            }
            for threads in [1, 2, 3] {
                assert!(run(isa, threads, &a64, m, n) == r64, "{m} x {n} f64 on {isa:?}, {threads} threads");
                assert!(run(isa, threads, &a32, m, n) == r32, "{m} x {n} f32 on {isa:?}, {threads} threads");
            }
        }
    }
}

#[test]
fn householder_q_rejects_bad_shapes_and_short_buffers() {
    use weightinit_core::kernels::{householder_q, householder_q_workspace};
    let mut a = [0.0f64; 12];
    let need = householder_q_workspace(4, 3).unwrap();
    let mut work = vec![0.0f64; need];
    assert!(matches!(householder_q(&mut a, 3, 4, &mut work), Err(Error::InvalidShape { .. })));
    assert!(matches!(householder_q(&mut a[..11], 4, 3, &mut work), Err(Error::BufferTooSmall { needed: 12, .. })));
    assert!(matches!(
        householder_q(&mut a, 4, 3, &mut work[..need - 1]),
        Err(Error::BufferTooSmall { needed, .. }) if needed == need
    ));
    assert!(matches!(householder_q_workspace(usize::MAX, 2), Err(Error::SizeOverflow)));
    // A zero column gives H = I (tau 0), not a division by zero.
    let mut z = [0.0f64; 12];
    householder_q(&mut z, 4, 3, &mut work).unwrap();
    assert!(z.iter().all(|x| x.is_finite()));
}
