//! The `weightinit` command end to end: outputs readable by NumPy-compatible parsers, the JSON contract,
//! (the bad-input table is run by `tests/bad_input.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use weightinit_core::Stream;
use weightinit_core::init::{Init, Layout};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weightinit"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("weightinit-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// Parses a .npy file (v1.0): returns (descr, shape, data bytes).
fn read_npy(p: &Path) -> (String, Vec<usize>, Vec<u8>) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
    let hl = u16::from_le_bytes([b[8], b[9]]) as usize;
    assert_eq!((10 + hl) % 64, 0, "header padded to 64 bytes");
    let h = std::str::from_utf8(&b[10..10 + hl]).unwrap();
    let descr = h.split("'descr': '").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let shape_s = h.split("'shape': (").nth(1).unwrap().split(')').next().unwrap();
    let shape = shape_s.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse().unwrap()).collect();
    assert!(h.contains("'fortran_order': False"));
    (descr, shape, b[10 + hl..].to_vec())
}

#[test]
fn init_writes_the_same_bits_as_the_library() {
    let out = tmp("w.npy");
    let st = bin()
        .args([
            "init",
            "--scheme",
            "he-normal",
            "--shape",
            "64,32,3,3",
            "--nonlinearity",
            "relu",
            "--seed",
            "7",
            "--key",
            "3",
        ])
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let (descr, shape, data) = read_npy(&out);
    assert_eq!(descr, "<f4");
    assert_eq!(shape, [64, 32, 3, 3]);
    let mut want = vec![0.0f32; 64 * 32 * 9];
    Init::HE_NORMAL.fill(&Stream::new(7, 3), &[64, 32, 3, 3], Layout::Torch, &mut want, &mut []).unwrap();
    let got: Vec<f32> = data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(
        got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    // Every scheme name gives the library's values for the same parameters, bit for bit (f64 too).
    use weightinit_core::TruncBounds;
    use weightinit_core::init::{FanMode, Nonlinearity, VsDistribution};
    let leaky0 = Nonlinearity::LeakyRelu(0.0);
    let cases: Vec<(&str, &str, Vec<&str>, Init, Layout)> = vec![
        ("zeros", "3,4", vec![], Init::Zeros, Layout::Torch),
        ("ones", "3,4", vec![], Init::Ones, Layout::Torch),
        ("constant", "3,4", vec!["--param", "0.5"], Init::Constant { value: 0.5 }, Layout::Torch),
        ("uniform", "3,4", vec!["--a", "-1", "--b", "1"], Init::Uniform { low: -1.0, high: 1.0 }, Layout::Torch),
        ("normal", "3,4", vec!["--std", "0.1"], Init::Normal { mean: 0.0, std: 0.1 }, Layout::Torch),
        (
            "truncated-normal",
            "3,4",
            vec!["--std", "0.1", "--a", "-0.2", "--b", "0.2"],
            Init::TruncatedNormal { mean: 0.0, std: 0.1, bounds: TruncBounds::Absolute { a: -0.2, b: 0.2 } },
            Layout::Torch,
        ),
        ("xavier-uniform", "3,4", vec!["--gain", "2"], Init::XavierUniform { gain: 2.0 }, Layout::Torch),
        ("xavier-normal", "3,4", vec![], Init::XavierNormal { gain: 1.0 }, Layout::Torch),
        (
            "he-uniform",
            "3,4",
            vec!["--mode", "fan-out"],
            Init::KaimingUniform { mode: FanMode::FanOut, nonlinearity: leaky0 },
            Layout::Torch,
        ),
        ("lecun-uniform", "3,4", vec![], Init::LecunUniform, Layout::Torch),
        ("lecun-normal", "3,4", vec!["--layout", "keras"], Init::LecunNormal, Layout::Keras),
        (
            "variance-scaling",
            "3,4",
            vec!["--scale", "2", "--mode", "fan-avg", "--distribution", "uniform"],
            Init::VarianceScaling { scale: 2.0, mode: FanMode::FanAvg, distribution: VsDistribution::Uniform },
            Layout::Torch,
        ),
        ("orthogonal", "3,4", vec!["--gain", "1.5"], Init::Orthogonal { gain: 1.5 }, Layout::Torch),
        ("eye", "3,4", vec![], Init::Eye, Layout::Torch),
        ("dirac", "4,2,3", vec!["--groups", "2"], Init::Dirac { groups: 2 }, Layout::Torch),
        ("sparse", "10,4", vec!["--sparsity", "0.5"], Init::Sparse { sparsity: 0.5, std: 0.01 }, Layout::Torch),
        ("torch-linear", "3,4", vec![], Init::TorchDefaultWeight, Layout::Torch),
        ("torch-bias", "5", vec!["--fan-in", "9"], Init::TorchDefaultBias { fan_in: 9 }, Layout::Torch),
    ];
    for (scheme, shape, extra, init, layout) in cases {
        let st = bin()
            .args(["init", "--scheme", scheme, "--shape", shape, "--dtype", "f64", "--seed", "5"])
            .args(&extra)
            .arg("--out")
            .arg(&out)
            .status()
            .unwrap();
        assert!(st.success(), "{scheme}");
        let (descr, got_shape, data) = read_npy(&out);
        assert_eq!(descr, "<f8");
        let dims: Vec<usize> = shape.split(',').map(|d| d.parse().unwrap()).collect();
        assert_eq!(got_shape, dims, "{scheme}");
        let (want, _) = init.fill_vec::<f64>(&Stream::new(5, 0), &dims, layout).unwrap();
        let got: Vec<u64> = data.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
        assert_eq!(got, want.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), "{scheme}");
    }
}

#[test]
fn a_header_over_64_kib_is_npy_format_2() {
    let out = tmp("many-dims.npy");
    let shape = vec!["1"; 25_000].join(",");
    let o = bin().args(["init", "--scheme", "ones", "--shape", &shape]).arg("--out").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b = std::fs::read(&out).unwrap();
    assert_eq!(&b[..8], b"\x93NUMPY\x02\x00");
    let hl = u32::from_le_bytes(b[8..12].try_into().unwrap()) as usize;
    assert!(hl > 65_535);
    assert_eq!((12 + hl) % 64, 0, "header padded to 64 bytes");
    let h = std::str::from_utf8(&b[12..12 + hl]).unwrap();
    assert!(h.ends_with('\n') && h.contains("'descr': '<f4'"));
    assert_eq!(h.matches("1,").count() + h.matches("1)").count(), 25_000);
    assert_eq!(&b[12 + hl..], 1.0f32.to_le_bytes());
}

#[test]
fn explain_prints_the_report_and_json() {
    let o = bin()
        .args(["explain", "--scheme", "he-normal", "--shape", "100,784", "--nonlinearity", "relu", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["fan_in"], 784);
    assert_eq!(v["fan_out"], 100);
    assert!((v["std"].as_f64().unwrap() - (2.0f64 / 784.0).sqrt()).abs() < 1e-12);
    assert!(v["formula"].as_str().unwrap().contains("kaiming_normal_"));
    let o = bin().args(["explain", "--scheme", "xavier-uniform", "--shape", "64,32,3,3"]).output().unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("fan_in       288") && text.contains("xavier_uniform_"), "{text}");
}

#[test]
fn train_writes_the_json_contract_and_safetensors() {
    let json = tmp("train.json");
    let st_path = tmp("model.safetensors");
    let st = bin()
        .args(["train", "--epochs", "1", "--quiet", "--init", "xavier-normal"])
        .arg("--json")
        .arg(&json)
        .arg("--save")
        .arg(&st_path)
        .status()
        .unwrap();
    assert!(st.success());
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["init"], "xavier-normal");
    assert_eq!(v["diverged"], false);
    assert!(v["test_accuracy"].is_null());
    assert!(v["samples_per_second"].as_f64().unwrap() > 0.0);
    let e = &v["epochs"][0];
    assert_eq!(e["epoch"], 1);
    assert!(e["train_loss"].as_f64().is_some() && e["val_accuracy"].as_f64().unwrap() > 0.5);
    // safetensors: u64 header length, JSON header, data; every tensor's offsets inside the file.
    let b = std::fs::read(&st_path).unwrap();
    let n = u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
    let h: serde_json::Value = serde_json::from_slice(&b[8..8 + n]).unwrap();
    // PyTorch's state_dict of Sequential(Linear(784, 100), ReLU(), Linear(100, 100), ReLU(), Linear(100, 10)).
    let w1 = &h["0.weight"];
    assert_eq!(w1["dtype"], "F32");
    assert_eq!(w1["shape"], serde_json::json!([100, 784]));
    assert_eq!(h["4.bias"]["shape"], serde_json::json!([10]));
    assert_eq!(h["__metadata__"]["layout"], "torch");
    let total = h.as_object().unwrap().values().filter_map(|t| t["data_offsets"][1].as_u64()).max().unwrap() as usize;
    assert_eq!(8 + n + total, b.len());
}

#[test]
fn divergence_exits_non_zero_but_not_in_compare() {
    let o = bin().args(["train", "--epochs", "1", "--quiet", "--init", "normal:1.0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("DIVERGED"));
    let out = tmp("cmp");
    let json = tmp("cmp.json");
    let o = bin()
        .args(["compare", "--epochs", "1", "--quiet", "--schemes", "normal:1.0,he-normal"])
        .arg("--out")
        .arg(&out)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["schemes"][0]["diverged"], true);
    assert_eq!(v["schemes"][1]["diverged"], false);
    assert!(std::fs::read_to_string(out.join("loss.svg")).unwrap().starts_with("<svg"));
    assert!(std::fs::read_to_string(out.join("activation-std.svg")).unwrap().contains("he-normal"));
}

#[test]
fn check_validates_like_run_without_touching_anything() {
    use weightinit_train::cli::{CliError, check};
    let args =
        |s: &str| std::iter::once("weightinit").chain(s.split(' ')).map(std::ffi::OsString::from).collect::<Vec<_>>();
    // init: the .npy run would write, in memory (the --out path is never created).
    let c = check(args("init --scheme ones --shape 2,3 --out /nonexistent-dir/x.npy")).unwrap();
    let npy = c.npy.unwrap();
    assert_eq!(&npy[..8], b"\x93NUMPY\x01\x00");
    assert_eq!(&npy[npy.len() - 4..], 1.0f32.to_le_bytes());
    assert!(!Path::new("/nonexistent-dir").exists());
    // explain: the report.
    let c = check(args("explain --scheme he-normal --shape 100,784 --json")).unwrap();
    assert!(c.report.unwrap().contains("\"fan_in\": 784"));
    // train and compare: validated, not run.
    assert!(check(args("train --epochs 1000000 --layers 784,10")).unwrap().npy.is_none());
    assert!(matches!(check(args("train --lr -1")), Err(CliError::Usage(m)) if m.contains("--lr -1")));
    assert!(matches!(check(args("compare --schemes he-normal,bogus")), Err(CliError::Usage(_))));
}

#[test]
fn a_shard_file_holds_the_box_of_the_whole_tensor() {
    let (whole, part) = (tmp("whole.npy"), tmp("part.npy"));
    for scheme in ["he-normal", "orthogonal", "eye"] {
        let base = ["init", "--scheme", scheme, "--shape", "20,30", "--seed", "3"];
        assert!(bin().args(base).arg("--out").arg(&whole).status().unwrap().success());
        let st = bin().args(base).args(["--shard", "5:9,:"]).arg("--out").arg(&part).status().unwrap();
        assert!(st.success());
        let (_, _, w) = read_npy(&whole);
        let (_, shape, p) = read_npy(&part);
        assert_eq!(shape, [4, 30], "{scheme}");
        assert_eq!(p, w[5 * 30 * 4..9 * 30 * 4], "{scheme}: rows 5..9");
        let st = bin().args(base).args(["--shard", ":,12:"]).arg("--out").arg(&part).status().unwrap();
        assert!(st.success());
        let (_, shape, p) = read_npy(&part);
        assert_eq!(shape, [20, 18], "{scheme}");
        for r in 0..20 {
            assert_eq!(p[r * 18 * 4..(r + 1) * 18 * 4], w[(r * 30 + 12) * 4..(r * 30 + 30) * 4], "{scheme}: row {r}");
        }
    }
}

#[test]
fn a_tensor_written_piece_by_piece_has_the_bits_of_the_whole_fill() {
    // WEIGHTINIT_CHUNK_VALUES makes the pieces small, so every split (ranges of the first dimension, of a
    // middle one with the leading indices fixed, of the last one) is exercised on small tensors.
    for (scheme, shape, shard, dtype) in [
        ("he-normal", "37,53,11", None, "f32"),
        ("keras:he_normal", "37,53,11", Some("3:30,:,2:9"), "f64"),
        ("truncated-normal", "5,1,7,300", None, "f32"),
        ("eye", "40,70", Some("5:35,1:69"), "f32"),
        ("torch:sparse_", "60,30", None, "f32"),
    ] {
        let mut outs = Vec::new();
        for chunk in [None, Some("13"), Some("97"), Some("1000")] {
            let out = tmp(&format!("pieces-{}.npy", chunk.unwrap_or("whole")));
            let mut c = bin();
            c.args(["init", "--scheme", scheme, "--shape", shape, "--seed", "3", "--key", "1", "--dtype", dtype]);
            if scheme == "torch:sparse_" {
                c.args(["--sparsity", "0.3"]);
            }
            if let Some(s) = shard {
                c.args(["--shard", s]);
            }
            if let Some(ch) = chunk {
                c.env("WEIGHTINIT_CHUNK_VALUES", ch);
            }
            let st = c.arg("--out").arg(&out).status().unwrap();
            assert!(st.success(), "{scheme} {shape} {chunk:?}");
            outs.push(std::fs::read(&out).unwrap());
        }
        assert!(outs.iter().all(|o| o == &outs[0]), "{scheme} {shape} {shard:?}: pieces differ from the whole");
    }
}
