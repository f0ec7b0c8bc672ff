//! Saved models travel: weightinit -> PyTorch (strict `load_state_dict`, logits within 1e-5, the same
//! accuracy), a model trained in PyTorch -> `weightinit eval` (the accuracy PyTorch computes), and the
//! in-out layout into Keras (`set_weights`) and Flax (a params dict). Runs the scripts in `tests/py/` with
//! the Python of `WEIGHTINIT_PYTHON` or the CI's virtualenv `target/py`; skips with a message where it, the
//! packages or the official MNIST test set are missing (`.ci/run` installs them all).

use std::path::{Path, PathBuf};
use std::process::Command;

use weightinit_train::data::load_dir;
use weightinit_train::io::Values;
use weightinit_train::io::parse_npy;
use weightinit_train::model::Activation;
use weightinit_train::model::saved::{self, Fallback};

fn skip(why: &str) {
    assert!(std::env::var_os("WEIGHTINIT_REQUIRE_ALL").is_none(), "required under .ci/run, but {why}");
    eprintln!("skipped: {why}");
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    std::env::var_os("WEIGHTINIT_PYTHON").map(PathBuf::from).unwrap_or_else(|| root().join("target/py/bin/python"))
}

/// Whether `python` imports every module of `modules`.
fn has(modules: &str) -> bool {
    Command::new(python())
        .args(["-c", &format!("import {modules}")])
        .env("KERAS_BACKEND", "jax")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn script(name: &str, args: &[&Path]) -> serde_json::Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py");
    let out = Command::new(python()).arg(dir.join(name)).args(args).env("KERAS_BACKEND", "jax").output().unwrap();
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap_or_else(|e| panic!("{name}: {e}: {stdout}"))
}

fn weightinit(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_weightinit")).args(args).output().unwrap();
    assert!(out.status.success(), "weightinit {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into()
}

/// The test accuracy `weightinit train` or `eval` printed.
fn printed_accuracy(out: &str) -> f64 {
    let line = out.lines().find(|l| l.contains("test accuracy")).unwrap_or_else(|| panic!("{out}"));
    let pct = line.split("test accuracy").nth(1).unwrap().trim().split('%').next().unwrap();
    pct.parse::<f64>().unwrap() / 100.0
}

/// The setting every test here needs, or None (skipped).
fn setup(modules: &str) -> Option<(PathBuf, PathBuf)> {
    let t10k = root().join("../shared/data/mnist-t10k");
    if !t10k.is_dir() {
        skip(&format!("the official MNIST test set ({}) is absent", t10k.display()));
        return None;
    }
    if !has(modules) {
        skip(&format!("{} cannot import {modules}", python().display()));
        return None;
    }
    let dir = std::env::temp_dir().join(format!("weightinit-frameworks-{}-{}", std::process::id(), modules.len()));
    std::fs::create_dir_all(&dir).unwrap();
    Some((t10k, dir))
}

#[test]
fn a_saved_model_loads_strictly_into_pytorch_and_back() {
    // PyTorch's wheel is about 5 GB: where it is not installed this test says so and passes, even under
    // .ci/run (which installs it unless WEIGHTINIT_CI_TORCH=0).
    if std::env::var_os("WEIGHTINIT_REQUIRE_ALL").is_some() && std::env::var_os("WEIGHTINIT_NO_TORCH").is_some() {
        eprintln!("skipped: WEIGHTINIT_NO_TORCH is set");
        return;
    }
    let Some((t10k, dir)) = setup("torch, safetensors, numpy") else { return };
    let model = dir.join("m.safetensors");
    let t = t10k.to_str().unwrap();
    let trained = weightinit(&[
        "train",
        "--quiet",
        "--epochs",
        "1",
        "--norm",
        "batch",
        "--test-data",
        t,
        "--save",
        model.to_str().unwrap(),
    ]);
    let r = script("torch_check.py", &[&model, &t10k, &dir]);
    // The same accuracy in PyTorch as `train` printed (it prints two decimals of a percentage).
    let torch_acc = r["loaded_accuracy"].as_f64().unwrap();
    assert!((torch_acc - printed_accuracy(&trained)).abs() < 5e-5, "{torch_acc} vs {trained}");
    // Logits within 1e-5 on a batch.
    let fallback = Fallback { widths: None, act: Activation::Relu };
    let m = saved::load(&model, &fallback).unwrap().mlp;
    let test = load_dir(&t10k, &["t10k"]).unwrap();
    let mut acts = vec![Vec::new(); m.layers()];
    m.forward(&test.images[..256 * 784], 256, &mut acts);
    let (shape, values) = parse_npy(&std::fs::read(dir.join("torch_logits.npy")).unwrap()).unwrap();
    assert_eq!(shape, vec![256, 10]);
    let Values::F32(torch_logits) = values else { panic!("f32 logits") };
    let worst = torch_logits.iter().zip(&acts[m.layers() - 1]).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    eprintln!("largest logit difference against PyTorch: {worst:e}");
    assert!(worst < 1e-5, "largest logit difference {worst}");
    // A model trained in PyTorch, evaluated by weightinit: the accuracy PyTorch computed.
    let torch_model = dir.join("torch_trained.safetensors");
    let json = dir.join("eval.json");
    weightinit(&[
        "eval",
        "--model",
        torch_model.to_str().unwrap(),
        "--test-data",
        t,
        "--layers",
        "784,64,10",
        "--json",
        json.to_str().unwrap(),
    ]);
    let e: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let (ours, theirs) = (e["accuracy"].as_f64().unwrap(), r["trained_accuracy"].as_f64().unwrap());
    assert!((ours - theirs).abs() <= 2e-4, "weightinit eval {ours} vs PyTorch {theirs} (at most 2 of 10,000 differ)");
    assert_eq!(e["norm"], "batch");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_in_out_layout_loads_into_keras_and_flax() {
    let Some((t10k, dir)) = setup("keras, jax, flax, numpy") else { return };
    let t = t10k.to_str().unwrap();
    for norm in ["none", "batch", "layer"] {
        let model = dir.join(format!("m-{norm}.npz"));
        let trained = weightinit(&[
            "train",
            "--quiet",
            "--epochs",
            "1",
            "--norm",
            norm,
            "--test-data",
            t,
            "--save",
            model.to_str().unwrap(),
            "--save-layout",
            "in-out",
        ]);
        let want = printed_accuracy(&trained);
        for s in ["keras_check.py", "flax_check.py"] {
            let acc = script(s, &[&model, &t10k])["accuracy"].as_f64().unwrap();
            assert!((acc - want).abs() <= 2e-4, "{s} --norm {norm}: {acc} vs train's {want}");
        }
        assert_eq!(
            printed_accuracy(&weightinit(&["eval", "--model", model.to_str().unwrap(), "--test-data", t])),
            want
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
