//! Saved models without any framework installed: PyTorch's names and shapes, the metadata, exact round
//! trips of both layouts and every normalization, `eval` giving `train`'s accuracy, `--init-from`, and
//! one-line errors for bad files.

use std::path::{Path, PathBuf};
use std::process::Command;

use weightinit_core::init::Init;
use weightinit_train::data::embedded;
use weightinit_train::io::{Tensor, Values, read_safetensors, safetensors_bytes};
use weightinit_train::model::saved::{self, Fallback, Provenance, SaveLayout};
use weightinit_train::model::{Activation, Mlp, Norm};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("weightinit-saved-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A network with every parameter and running estimate distinct, so a transposed or misplaced tensor shows.
fn model(norm: Norm) -> Mlp {
    let (m, _) =
        Mlp::new(&[6, 5, 4, 3], Activation::Tanh, Init::XAVIER_NORMAL, Init::Constant { value: 0.1 }, 2).unwrap();
    let mut m = m.with_norm(norm);
    let n = m.params.len();
    m.params.iter_mut().enumerate().for_each(|(i, p)| *p += i as f32 / n as f32);
    m.running.iter_mut().enumerate().for_each(|(i, r)| *r += 0.5 + i as f32);
    if norm == Norm::Batch {
        m.batches_tracked = 77;
    }
    m
}

#[test]
fn the_torch_layout_is_the_state_dict_of_the_sequential() {
    let m = model(Norm::Batch);
    let t = m.to_tensors(SaveLayout::Torch);
    let got: Vec<(&str, &[usize])> = t.iter().map(|t| (t.name.as_str(), &t.shape[..])).collect();
    let want: Vec<(&str, &[usize])> = vec![
        ("0.weight", &[5, 6]),
        ("0.bias", &[5]),
        ("1.weight", &[5]),
        ("1.bias", &[5]),
        ("1.running_mean", &[5]),
        ("1.running_var", &[5]),
        ("1.num_batches_tracked", &[]),
        ("3.weight", &[4, 5]),
        ("3.bias", &[4]),
        ("4.weight", &[4]),
        ("4.bias", &[4]),
        ("4.running_mean", &[4]),
        ("4.running_var", &[4]),
        ("4.num_batches_tracked", &[]),
        ("6.weight", &[3, 4]),
        ("6.bias", &[3]),
    ];
    assert_eq!(got, want);
    assert_eq!(t[6].values, Values::I64(vec![77]));
    // `0.weight[o][i]` is the network's weight from input i to output o.
    let Values::F32(w) = &t[0].values else { panic!() };
    let (ours, _) = m.layer(0);
    for o in 0..5 {
        for i in 0..6 {
            assert_eq!(w[o * 6 + i], ours[i * 5 + o]);
        }
    }
    assert_eq!(
        m.architecture(),
        "Sequential(Linear(6, 5), BatchNorm1d(5, eps=1e-05, momentum=0.1), Tanh(), Linear(5, 4), \
         BatchNorm1d(4, eps=1e-05, momentum=0.1), Tanh(), Linear(4, 3))"
    );
    let names: Vec<String> = model(Norm::None).to_tensors(SaveLayout::Torch).into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]);
    let names: Vec<String> = model(Norm::Layer).to_tensors(SaveLayout::InOut).into_iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "dense/kernel",
            "dense/bias",
            "layer_normalization/gamma",
            "layer_normalization/beta",
            "dense_1/kernel",
            "dense_1/bias",
            "layer_normalization_1/gamma",
            "layer_normalization_1/beta",
            "dense_2/kernel",
            "dense_2/bias"
        ]
    );
}

#[test]
fn every_layout_and_norm_round_trips_exactly_through_both_formats() {
    let dir = tmp("roundtrip");
    let prov = Provenance { init: "xavier-normal".into(), seed: 2 };
    for norm in [Norm::None, Norm::Batch, Norm::Layer] {
        for layout in [SaveLayout::Torch, SaveLayout::InOut] {
            for ext in ["safetensors", "npz"] {
                let m = model(norm);
                let p = dir.join(format!("m-{}-{}.{ext}", norm.name(), layout.name()));
                saved::save(&p, &m, layout, &prov).unwrap();
                let l = saved::load(&p, &Fallback { widths: None, act: Activation::Relu }).unwrap();
                let mut want = m.clone();
                if layout == SaveLayout::InOut {
                    want.batches_tracked = 0; // Keras keeps no step count
                }
                assert_eq!(l.mlp, want, "{norm:?} {layout:?} {ext}");
                assert_eq!(l.layout, layout);
                let md = &l.metadata;
                assert_eq!(md["format"], "weightinit-mlp");
                assert_eq!(md["layers"], "6,5,4,3");
                assert_eq!(md["activation"], "tanh");
                assert_eq!(md["norm"], norm.name());
                assert_eq!(md["layout"], layout.name());
                assert_eq!(md["init"], "xavier-normal");
                assert_eq!(md["seed"], "2");
                assert_eq!(md["stream_format"], weightinit_core::STREAM_FORMAT_VERSION.to_string());
                assert!(md["input_scaling"].contains("pixel / 255"));
                assert!(md.contains_key("weightinit_version") && md.contains_key("architecture"));
            }
        }
    }
    // A bare state_dict (no metadata): read with the widths given, its normalization from its names.
    let m = model(Norm::Batch);
    let bytes = safetensors_bytes(&m.to_tensors(SaveLayout::Torch), &Default::default()).unwrap();
    let p = dir.join("bare.safetensors");
    std::fs::write(&p, bytes).unwrap();
    let fb = Fallback { widths: Some(vec![6, 5, 4, 3]), act: Activation::Tanh };
    assert_eq!(saved::load(&p, &fb).unwrap().mlp, m);
    let e = saved::load(&p, &Fallback { widths: None, act: Activation::Tanh }).unwrap_err();
    assert!(e.contains("--layers"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The metadata of a safetensors file.
type Meta = std::collections::BTreeMap<String, String>;

fn rewrite(path: &Path, f: impl FnOnce(&mut Vec<Tensor>, &mut Meta)) {
    let (mut t, mut md) = read_safetensors(&std::fs::read(path).unwrap()).unwrap();
    f(&mut t, &mut md);
    std::fs::write(path, safetensors_bytes(&t, &md).unwrap()).unwrap();
}

#[test]
fn bad_model_files_are_one_line_errors_naming_the_file_and_tensor() {
    let dir = tmp("bad");
    let good = dir.join("good.safetensors");
    saved::save(&good, &model(Norm::Batch), SaveLayout::Torch, &Provenance::default()).unwrap();
    let fb = Fallback { widths: None, act: Activation::Relu };
    let case = |name: &str, edit: &dyn Fn(&mut Vec<Tensor>, &mut Meta)| {
        let p = dir.join(format!("{name}.safetensors"));
        std::fs::copy(&good, &p).unwrap();
        rewrite(&p, |t, m| edit(t, m));
        let e = saved::load(&p, &fb).unwrap_err();
        assert!(e.contains(&p.display().to_string()) && !e.contains('\n'), "{e}");
        e
    };
    let e = case("missing", &|t, _| t.retain(|t| t.name != "3.weight"));
    assert!(e.contains("tensor '3.weight' is missing"), "{e}");
    let e = case("shape", &|t, _| t[0].shape = vec![6, 5]);
    assert!(e.contains("tensor '0.weight' has shape [6, 5]"), "{e}");
    let e = case("dtype", &|t, _| t[0].values = Values::I64(vec![0; 30]));
    assert!(e.contains("'0.weight'") && e.contains("I64"), "{e}");
    let e = case("newer", &|_, m| _ = m.insert("format_version".into(), "99".into()));
    assert!(e.contains("newer weightinit"), "{e}");
    let e = case("extra", &|t, _| {
        t.push(Tensor { name: "9.weight".into(), shape: vec![1], values: Values::F32(vec![0.0]) })
    });
    assert!(e.contains("'9.weight' is not part"), "{e}");
    for (name, bytes) in [
        ("text", b"hello, this is not a model".to_vec()),
        ("empty", Vec::new()),
        ("huge-header", [u64::MAX.to_le_bytes().to_vec(), vec![b'{'; 8]].concat()),
        ("zip", b"PK\x03\x04 truncated".to_vec()),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = saved::load(&p, &fb).unwrap_err();
        assert!(e.contains("not a safetensors") || e.contains("not an .npz"), "{name}: {e}");
    }
    // A float type other than f32 in a file (F16): refused by name.
    let p = dir.join("f16.safetensors");
    let header = br#"{"0.weight":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#;
    std::fs::write(&p, [&(header.len() as u64).to_le_bytes()[..], header, &[0, 0]].concat()).unwrap();
    assert!(saved::load(&p, &fb).unwrap_err().contains("dtype F16 is not supported"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes the embedded validation digits as IDX files (the bytes they were read from: pixel = x * 255).
fn idx_test_dir(dir: &Path) {
    let (_, v) = embedded::split();
    let n = v.len() as u32;
    let mut img = vec![0, 0, 8, 3];
    for d in [n, 28, 28] {
        img.extend_from_slice(&d.to_be_bytes());
    }
    img.extend(v.images.iter().map(|&x| (x * 255.0).round() as u8));
    let mut lab = vec![0, 0, 8, 1];
    lab.extend_from_slice(&n.to_be_bytes());
    lab.extend_from_slice(&v.labels);
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), img).unwrap();
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), lab).unwrap();
}

fn weightinit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_weightinit")).args(args).output().unwrap()
}

fn stdout_ok(args: &[&str]) -> String {
    let o = weightinit(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into()
}

fn accuracy_line(s: &str) -> String {
    let l = s.lines().find(|l| l.contains("test accuracy")).unwrap();
    l[l.find("test accuracy").unwrap()..].split('%').next().unwrap().to_string()
}

#[test]
fn eval_gives_trains_accuracy_and_init_from_starts_there() {
    let dir = tmp("eval");
    idx_test_dir(&dir);
    let d = dir.to_str().unwrap();
    for (norm, layout, ext) in [("none", "torch", "safetensors"), ("batch", "in-out", "npz"), ("layer", "torch", "npz")]
    {
        let m = dir.join(format!("m-{norm}.{ext}"));
        let ms = m.to_str().unwrap();
        let j1 = dir.join("train.json");
        let trained = stdout_ok(&[
            "train",
            "--quiet",
            "--epochs",
            "1",
            "--norm",
            norm,
            "--test-data",
            d,
            "--save",
            ms,
            "--save-layout",
            layout,
            "--json",
            j1.to_str().unwrap(),
        ]);
        let j2 = dir.join("eval.json");
        let evaluated = stdout_ok(&["eval", "--model", ms, "--test-data", d, "--json", j2.to_str().unwrap()]);
        assert_eq!(accuracy_line(&trained), accuracy_line(&evaluated), "--norm {norm} --save-layout {layout}");
        let t: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j1).unwrap()).unwrap();
        let e: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j2).unwrap()).unwrap();
        assert_eq!(t["test_accuracy"], e["accuracy"], "the same bits");
        assert!(e["loss"].as_f64().unwrap() > 0.0 && e["layout"] == layout);
        // --init-from: the run starts where the saved one ended.
        let j3 = dir.join("again.json");
        stdout_ok(&[
            "train",
            "--quiet",
            "--epochs",
            "1",
            "--norm",
            norm,
            "--init-from",
            ms,
            "--json",
            j3.to_str().unwrap(),
        ]);
        let a: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j3).unwrap()).unwrap();
        assert_eq!(a["val_accuracy_at_init"], t["epochs"][0]["val_accuracy"]);
        assert!(a["init"].as_str().unwrap().starts_with("from "));
        // A network that does not match: one line, exit 2.
        let o = weightinit(&[
            "train",
            "--quiet",
            "--epochs",
            "1",
            "--layers",
            "784,50,10",
            "--norm",
            norm,
            "--init-from",
            ms,
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--layers is 784,50,10") && err.lines().count() == 1, "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_and_depth_save_each_run_that_did_not_diverge() {
    let dir = tmp("save-dir");
    let (out, models) = (dir.join("plots"), dir.join("models"));
    let (o, m) = (out.to_str().unwrap(), models.to_str().unwrap());
    stdout_ok(&[
        "compare",
        "--quiet",
        "--epochs",
        "1",
        "--schemes",
        "he-normal,normal:1.0",
        "--out",
        o,
        "--save-dir",
        m,
    ]);
    let fb = Fallback { widths: None, act: Activation::Relu };
    assert!(saved::load(&models.join("he-normal.safetensors"), &fb).is_ok());
    assert!(!models.join("normal_1.0.safetensors").exists(), "the diverged run is not saved");
    stdout_ok(&[
        "depth",
        "--quiet",
        "--epochs",
        "1",
        "--depths",
        "2",
        "--schemes",
        "lsuv",
        "--out",
        o,
        "--save-dir",
        m,
        "--save-layout",
        "in-out",
    ]);
    let l = saved::load(&models.join("depth-2-lsuv.safetensors"), &fb).unwrap();
    assert_eq!((l.mlp.widths.len(), l.layout), (4, SaveLayout::InOut));
    let _ = std::fs::remove_dir_all(&dir);
}
