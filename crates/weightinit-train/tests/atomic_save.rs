//! `train --save` killed with SIGKILL at any moment leaves the old file or a complete new one, never a
//! partial file (the write goes to a temporary file, is synced, then renamed).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Writes a small MNIST-shaped IDX pair (`n` examples) to `dir`.
fn tiny_idx(dir: &Path, n: usize) {
    let mut img = vec![0, 0, 8, 3];
    for d in [n as u32, 28, 28] {
        img.extend_from_slice(&d.to_be_bytes());
    }
    img.extend((0..n * 784).map(|i| (i * 31 % 256) as u8));
    let mut lab = vec![0, 0, 8, 1];
    lab.extend_from_slice(&(n as u32).to_be_bytes());
    lab.extend((0..n).map(|i| (i % 10) as u8));
    std::fs::write(dir.join("train-images-idx3-ubyte"), img).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), lab).unwrap();
}

/// A complete safetensors file: header length, JSON header, and exactly the data it declares.
fn complete(bytes: &[u8]) -> bool {
    if bytes.len() < 8 {
        return false;
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let Some(h) = bytes.get(8..8 + n) else { return false };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(h) else { return false };
    let end = v.as_object().unwrap().values().map(|t| t["data_offsets"][1].as_u64().unwrap() as usize).max().unwrap();
    8 + n + end == bytes.len()
}

#[test]
fn sigkill_during_save_never_leaves_a_partial_file() {
    let dir = std::env::temp_dir().join(format!("weightinit-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    tiny_idx(&dir, 64);
    let out = dir.join("model.safetensors");
    let old = b"previous model".to_vec();
    let run = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_weightinit"));
        c.args(["train", "--epochs", "1", "--quiet", "--threads", "1", "--layers", "784,1500,1500,10"])
            .arg("--data")
            .arg(&dir)
            .arg("--save")
            .arg(&out);
        c
    };
    // Time a full run to aim the kills at the save (a ~40 MB write at the end).
    std::fs::write(&out, &old).unwrap();
    let t = Instant::now();
    assert!(run().status().unwrap().success());
    let full = t.elapsed();
    assert!(complete(&std::fs::read(&out).unwrap()));
    let (mut kept_old, mut got_new) = (0, 0);
    for i in 0..24 {
        std::fs::write(&out, &old).unwrap();
        let mut child = run().spawn().unwrap();
        // Kill times spread over the last 60% of a run, where training ends and the file is written.
        let at = full.mul_f64(0.4 + 0.6 * i as f64 / 23.0);
        std::thread::sleep(at);
        let _ = Command::new("kill").args(["-9", &child.id().to_string()]).status();
        let _ = child.wait();
        let bytes = std::fs::read(&out).unwrap_or_default();
        if bytes == old {
            kept_old += 1;
        } else {
            assert!(complete(&bytes), "kill {i} at {at:?} left a partial file of {} bytes", bytes.len());
            got_new += 1;
        }
        // No temporary file is left visible under the output's name.
        assert!(out.exists());
        std::thread::sleep(Duration::from_millis(5));
    }
    eprintln!("24 kills over {full:?}: {kept_old} left the old file, {got_new} a complete new one");
    assert!(kept_old > 0, "no kill landed before the save finished");
}
