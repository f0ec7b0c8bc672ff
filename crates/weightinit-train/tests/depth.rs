//! The depth experiment's robust claims on a reduced run (30 hidden ReLU layers of width 100, the embedded
//! digits): He keeps the activation scale, tiny weights make it vanish, He trains where Xavier does not, and
//! batch norm rescues tiny weights. Through the `weightinit depth` command and its JSON contract.

use std::process::Command;

fn depth(extra: &[&str], name: &str) -> serde_json::Value {
    let dir = std::env::temp_dir().join(format!("weightinit-depth-{}-{name}", std::process::id()));
    let json = dir.join("depth.json");
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_weightinit"))
        .args(["depth", "--quiet", "--depths", "30", "--epochs", "2", "--threads", "2"])
        .args(extra)
        .arg("--out")
        .arg(&dir)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("depth") && table.contains("scheme"), "{table}");
    for plot in ["activation-std", "gradient-std", "val-accuracy", "accuracy-by-depth", "weight-drift"] {
        let svg = std::fs::read_to_string(dir.join(format!("{plot}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("polyline"), "{plot}");
    }
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    v
}

fn run<'a>(v: &'a serde_json::Value, scheme: &str) -> &'a serde_json::Value {
    v["runs"].as_array().unwrap().iter().find(|r| r["scheme"] == scheme).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn at_depth_30_he_keeps_the_scale_tiny_weights_vanish_and_batch_norm_rescues_them() {
    let v = depth(&["--schemes", "normal:0.01,xavier-normal,he-normal"], "plain");
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for r in runs {
        for key in [
            "depth",
            "scheme",
            "norm",
            "activation",
            "activation_std",
            "gradient_std",
            "val_accuracy",
            "test_accuracy",
            "final_loss",
            "diverged",
            "samples_per_second",
            "weight_drift",
        ] {
            assert!(r.get(key).is_some(), "key {key} in {r}");
        }
        assert_eq!(r["depth"], 30);
        assert_eq!(floats(&r["activation_std"]).len(), 31, "30 hidden layers and the logits");
        assert_eq!(floats(&r["gradient_std"]).len(), 31);
        assert_eq!(r["weight_drift"].as_array().unwrap().len(), 2, "one list per epoch");
        assert_eq!(floats(&r["weight_drift"][0]).len(), 31, "one drift per layer");
    }
    // Activation std of the last hidden layer against the first.
    let ratio = |s: &str| {
        let a = floats(&run(&v, s)["activation_std"]);
        a[29] / a[0]
    };
    assert!((0.25..4.0).contains(&ratio("he-normal")), "he-normal: {}", ratio("he-normal"));
    assert!(ratio("normal:0.01") < 1e-3, "normal:0.01: {}", ratio("normal:0.01"));
    let last_val = |r: &serde_json::Value| *floats(&r["val_accuracy"]).last().unwrap();
    let (he, xavier) = (last_val(run(&v, "he-normal")), last_val(run(&v, "xavier-normal")));
    assert!(he > xavier + 0.2, "he-normal {he} against xavier-normal {xavier}");

    let b = depth(&["--schemes", "normal:0.01", "--norm", "batch"], "batch");
    let r = run(&b, "normal:0.01");
    assert_eq!(r["norm"], "batch");
    let acc = last_val(r);
    assert!(acc > 0.4 && !r["diverged"].as_bool().unwrap(), "normal:0.01 with batch norm trains: {acc}");
}
