//! MPI (issue 21): `crates/weightinit-mpi` built and run under `mpirun` on 1, 2, 3 and 4 ranks: every rank
//! writes its boxes with no communication, the files equal `weightinit init-model --world N --rank R`'s byte
//! for byte, and `--verify` (rank 0 receives every box through derived datatypes) finds the single-process
//! tensors; and the C example (`mpicc` against `weightinit.h` and the static library) gathers column blocks
//! with `MPI_Type_vector`; `weightinit-mpi train` on 1 to 4 ranks saves the same weights, byte for byte, and
//! reports the same losses as `weightinit train` with the same flags. Skipped with a message where `mpirun` or `mpicc` is missing (`.ci/run` installs
//! OpenMPI, so there it runs).

use std::path::{Path, PathBuf};
use std::process::Command;

fn skip(why: &str) {
    assert!(std::env::var_os("WEIGHTINIT_REQUIRE_ALL").is_none(), "required under .ci/run, but {why}");
    eprintln!("skipped: {why}");
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mpirun(n: usize) -> Command {
    let mut c = Command::new("mpirun");
    // As root OpenMPI needs --allow-run-as-root; more ranks than cores need --oversubscribe.
    c.args(["--allow-run-as-root", "--oversubscribe", "-np", &n.to_string()]);
    c
}

const SPEC: &str = r#"{"seed": 3, "tensors": [
  {"name": "embed", "shape": [41, 24], "scheme": "torch:normal_", "params": {"std": 0.02}, "shard": "row"},
  {"name": "qkv", "shape": [24, 72], "scheme": "keras:he_normal", "shard": "col"},
  {"name": "ortho", "shape": [10, 30], "scheme": "torch:orthogonal_", "shard": "col"},
  {"name": "conv", "shape": [3, 3, 8, 16], "scheme": "jax:delta_orthogonal", "shard": "col"},
  {"name": "proj", "shape": [72, 24], "scheme": "he-normal", "layout": "in-out", "shard": "row"},
  {"name": "norm", "shape": [24], "scheme": "torch:ones_"}
]}"#;

/// Builds crates/weightinit-mpi (debug) and returns its binary, or None (skipped, with a message) without
/// MPI.
fn mpi_binary() -> Option<PathBuf> {
    if !have("mpirun") || !have("mpicc") {
        skip("mpirun or mpicc is missing (Debian: openmpi-bin libopenmpi-dev libclang-dev)");
        return None;
    }
    let manifest = root().join("crates/weightinit-mpi/Cargo.toml");
    let st = Command::new(env!("CARGO")).args(["build", "-q", "--manifest-path"]).arg(&manifest).status().unwrap();
    assert!(st.success(), "building crates/weightinit-mpi");
    Some(root().join("crates/weightinit-mpi/target/debug/weightinit-mpi"))
}

#[test]
fn train_on_mpi_ranks_saves_the_one_process_bytes() {
    let Some(bin) = mpi_binary() else { return };
    let dir = std::env::temp_dir().join(format!("weightinit-mpi-train-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let json = |p: &Path| -> serde_json::Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    // (ranks, threads per rank, optimizer); the reference runs on 2 threads in one process.
    for (n, threads, opt) in
        [(1, 1, "sgd"), (2, 1, "sgd"), (3, 2, "sgd"), (4, 1, "sgd"), (2, 2, "adam"), (3, 1, "adam")]
    {
        let flags = ["--quiet", "--epochs", "1", "--layers", "784,32,16,10", "--optimizer", opt, "--lr", "0.05"];
        let (one, many) = (dir.join(format!("one-{opt}")), dir.join(format!("mpi-{n}-{threads}-{opt}")));
        let save = |p: &Path| ["--save".to_string(), p.with_extension("safetensors").display().to_string()];
        let js = |p: &Path| ["--json".to_string(), p.with_extension("json").display().to_string()];
        if !one.with_extension("json").exists() {
            let o = Command::new(env!("CARGO_BIN_EXE_weightinit"))
                .arg("train")
                .args(flags)
                .args(["--threads", "2"])
                .args(save(&one))
                .args(js(&one))
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let o = mpirun(n)
            .arg(&bin)
            .arg("train")
            .args(flags)
            .args(["--threads", &threads.to_string()])
            .args(save(&many))
            .args(js(&many))
            .output()
            .unwrap();
        assert!(o.status.success(), "{n} ranks: {}", String::from_utf8_lossy(&o.stderr));
        let (a, b) = (json(&one.with_extension("json")), json(&many.with_extension("json")));
        for key in ["batch_losses", "epochs", "val_accuracy_at_init", "gradient_std_at_init"] {
            assert_eq!(a[key], b[key], "{n} ranks x {threads} threads, {opt}: {key}");
        }
        assert!(a["batch_losses"].as_array().is_some_and(|l| l.len() > 10), "{a}");
        assert_eq!(b["ranks"], n);
        let bytes = b["bytes_communicated_per_step"].as_f64().unwrap();
        assert!(if n == 1 { bytes == 0.0 } else { bytes > 0.0 }, "{n} ranks: {bytes} bytes per step");
        let read = |p: &Path| std::fs::read(p.with_extension("safetensors")).unwrap();
        assert!(read(&one) == read(&many), "{n} ranks x {threads} threads, {opt}: the saved weights differ");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_model_on_mpi_ranks_equals_the_command_and_a_single_process() {
    let Some(bin) = mpi_binary() else { return };
    let dir = std::env::temp_dir().join(format!("weightinit-mpi-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("spec.json");
    std::fs::write(&spec, SPEC).unwrap();
    for n in 1..=4usize {
        let out = dir.join(format!("mpi-{n}"));
        let o = mpirun(n)
            .arg(&bin)
            .args(["init-model", "--spec"])
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .arg("--verify")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{n} ranks: {}{text}", String::from_utf8_lossy(&o.stderr));
        assert!(text.contains(&format!("gathered from {n} ranks equal a single-process fill")), "{text}");
        let cli = dir.join(format!("cli-{n}"));
        for r in 0..n {
            let o = Command::new(env!("CARGO_BIN_EXE_weightinit"))
                .args(["init-model", "--quiet", "--spec", spec.to_str().unwrap(), "--out", cli.to_str().unwrap()])
                .args(["--world", &n.to_string(), "--rank", &r.to_string()])
                .output()
                .unwrap();
            assert!(o.status.success());
            let f = format!("rank-{r}.safetensors");
            assert_eq!(std::fs::read(out.join(&f)).unwrap(), std::fs::read(cli.join(&f)).unwrap(), "{n} ranks: {f}");
        }
        assert_eq!(std::fs::read(out.join("index.json")).unwrap(), std::fs::read(cli.join("index.json")).unwrap());
    }
    // The C example against the static library (built as c_abi.rs does).
    let target = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().to_path_buf();
    let mut b = Command::new(env!("CARGO"));
    b.args(["build", "-q", "-p", "weightinit-ffi", "--lib"]);
    if target.file_name().is_some_and(|p| p == "release") {
        b.arg("--release");
    }
    assert!(b.status().unwrap().success(), "building the static library");
    let exe = dir.join("shard_gather");
    let st = Command::new("mpicc")
        .args(["-std=c99", "-O1", "-Wall", "-Werror"])
        .arg(root().join("crates/weightinit-mpi/examples/shard_gather.c"))
        .arg("-I")
        .arg(root().join("crates/weightinit-ffi/include"))
        .arg(target.join("libweightinit_ffi.a"))
        .args(["-lm", "-lpthread", "-ldl", "-o"])
        .arg(&exe)
        .status()
        .unwrap();
    assert!(st.success(), "mpicc shard_gather.c");
    for n in 1..=4usize {
        let o = mpirun(n).arg(&exe).output().unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && text.contains("equal wi_init_f32"),
            "{n} ranks: {text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
