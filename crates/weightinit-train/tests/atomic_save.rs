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
    // Every tensor's end (`__metadata__` has none).
    let end = v.as_object().unwrap().values().filter_map(|t| t["data_offsets"][1].as_u64()).max().unwrap() as usize;
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
    let temporaries = || -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "tmp"))
            .collect();
        v.sort();
        v
    };
    let (mut kept_old, mut got_new, mut mid_write) = (0, 0, 0);
    // Kill times over the last 60% of a run, where training ends and the file is written; if no kill landed
    // mid-write (a temporary file left behind), more kills aimed at the last 10%.
    for i in 0..72 {
        if i >= 24 && mid_write > 0 {
            break;
        }
        let frac = if i < 24 { 0.4 + 0.6 * i as f64 / 23.0 } else { 0.9 + 0.15 * ((i - 24) % 12) as f64 / 11.0 };
        std::fs::write(&out, &old).unwrap();
        let mut child = run().spawn().unwrap();
        let at = full.mul_f64(frac);
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
        if !temporaries().is_empty() {
            mid_write += 1;
        }
        // The output's name always holds a whole file.
        assert!(out.exists());
        std::thread::sleep(Duration::from_millis(5));
    }
    eprintln!("kills over {full:?}: {kept_old} left the old file, {got_new} a complete new one, {mid_write} mid-write");
    assert!(kept_old > 0, "no kill landed before the save finished");
    assert!(mid_write > 0, "no kill landed while the file was being written");
    // The next write removes the killed writers' temporary files.
    assert!(run().status().unwrap().success());
    assert!(complete(&std::fs::read(&out).unwrap()));
    assert_eq!(temporaries(), Vec::<std::path::PathBuf>::new(), "temporary files left behind");
    let _ = std::fs::remove_dir_all(&dir);
}
