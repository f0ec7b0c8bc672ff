//! The `weightinit` command end to end: outputs readable by NumPy-compatible parsers, the JSON contract,
//! one-line errors with exit code 2.

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
    // Every scheme name works (f64 too).
    for (scheme, shape, extra) in [
        ("zeros", "3,4", vec![]),
        ("ones", "3,4", vec![]),
        ("constant", "3,4", vec!["--param", "0.5"]),
        ("uniform", "3,4", vec!["--a", "-1", "--b", "1"]),
        ("normal", "3,4", vec!["--std", "0.1"]),
        ("truncated-normal", "3,4", vec!["--std", "0.1", "--a", "-0.2", "--b", "0.2"]),
        ("xavier-uniform", "3,4", vec!["--gain", "2"]),
        ("xavier-normal", "3,4", vec![]),
        ("he-uniform", "3,4", vec!["--mode", "fan-out"]),
        ("lecun-uniform", "3,4", vec![]),
        ("lecun-normal", "3,4", vec!["--layout", "keras"]),
        ("variance-scaling", "3,4", vec!["--scale", "2", "--mode", "fan-avg", "--distribution", "uniform"]),
        ("orthogonal", "3,4", vec!["--gain", "1.5"]),
        ("eye", "3,4", vec![]),
        ("dirac", "4,2,3", vec!["--groups", "2"]),
        ("sparse", "10,4", vec!["--sparsity", "0.5"]),
        ("torch-linear", "3,4", vec![]),
    ] {
        let st = bin()
            .args(["init", "--scheme", scheme, "--shape", shape, "--dtype", "f64"])
            .args(&extra)
            .arg("--out")
            .arg(&out)
            .status()
            .unwrap();
        assert!(st.success(), "{scheme}");
        let (descr, _, _) = read_npy(&out);
        assert_eq!(descr, "<f8");
    }
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
    let w1 = &h["layer1.weight"];
    assert_eq!(w1["dtype"], "F32");
    assert_eq!(w1["shape"], serde_json::json!([784, 100]));
    let total: usize =
        h.as_object().unwrap().values().map(|t| t["data_offsets"][1].as_u64().unwrap() as usize).max().unwrap();
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
fn wrong_arguments_are_one_line_errors_with_exit_code_2() {
    let cases: &[&[&str]] = &[
        &["train", "--layers", "784,abc,10"],
        &["train", "--init", "glorot"],
        &["train", "--lr", "-1"],
        &["train", "--threads", "0"],
        &["train", "--layers", "784,100,7"],
        &["train", "--save", "model.pt"],
        &["compare", "--schemes", "he-normal,bogus"],
        &["init", "--scheme", "nope", "--shape", "3,4", "--out", "x.npy"],
        &["init", "--scheme", "normal", "--shape", "3,0", "--out", "x.npy"],
        &["init", "--scheme", "normal", "--shape", "3,4", "--std", "-1", "--out", "x.npy"],
        &["init", "--scheme", "normal", "--shape", "3,4", "--layout", "caffe", "--out", "x.npy"],
        &["init", "--scheme", "sparse", "--shape", "3,4", "--out", "x.npy"],
        &["init", "--scheme", "orthogonal", "--shape", "12", "--out", "x.npy"],
        &["explain", "--scheme", "he-normal", "--shape", "3,4", "--nonlinearity", "swish"],
        &["explain", "--scheme", "he-normal"],
        &["frobnicate"],
    ];
    for args in cases {
        let o = bin().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: not one line: {err}");
        assert!(err.starts_with("weightinit: error: "), "{args:?}: {err}");
    }
}
