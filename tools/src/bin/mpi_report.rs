//! `cargo run -p weightinit-tools --bin mpi-report [ROUNDS]`: the figures of weightinit beyond one process,
//! measured side by side and written into `docs/performance.md` between `<!-- mpi:begin -->` and
//! `<!-- mpi:end -->` (perf-report keeps the block):
//! - `init-model` of `examples/gpt2-small.json` (124M parameters, 498 MB): `weightinit init-model` in one
//!   process, `weightinit-mpi init-model` on 1 and 2 ranks, against the disk write floor (the same bytes
//!   written from memory the same way: a temporary file, fsync, rename);
//! - training 784-100-100-10 on the embedded subset: `weightinit-mpi train` on 1 and 2 ranks of 1 thread
//!   against `weightinit train --threads 2`, samples/s and bytes communicated per step;
//! - the cost model of a data-parallel step on 8 and 64 hosts for a network 100x wider (784-10000-10000-10),
//!   from this machine's measured FLOP rate and a stated network (latency `alpha`, bandwidth `beta`).
//!
//! Each measurement runs `ROUNDS` times (default 3), the configurations alternating; the median is reported.
//! Needs `mpirun` (OpenMPI) and builds both binaries in release mode first.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap_or_else(|e| fail(&format!("{cmd:?}: {e}")));
    if !o.status.success() {
        fail(&format!("{cmd:?}: {}", String::from_utf8_lossy(&o.stderr)));
    }
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fail(msg: &str) -> ! {
    eprintln!("mpi-report: {msg}");
    std::process::exit(1)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn mpirun(n: usize) -> Command {
    let mut c = Command::new("mpirun");
    c.args(["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", &n.to_string()]);
    c
}

/// Seconds of `f` (wall clock).
fn timed(f: impl FnOnce()) -> f64 {
    let t = std::time::Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// Bytes of every file in `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |d| d.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
}

/// The disk write floor: `bytes` from memory to a file in `dir` as the tools write (temporary file, fsync,
/// rename); seconds.
fn write_floor(dir: &Path, bytes: usize) -> f64 {
    use std::io::Write;
    let buf = vec![0x3cu8; bytes];
    let (tmp, dst) = (dir.join("floor.tmp"), dir.join("floor.bin"));
    let s = timed(|| {
        let mut f = std::fs::File::create(&tmp).unwrap_or_else(|e| fail(&format!("{}: {e}", tmp.display())));
        f.write_all(&buf).and_then(|()| f.sync_all()).unwrap_or_else(|e| fail(&format!("{}: {e}", tmp.display())));
        std::fs::rename(&tmp, &dst).unwrap_or_else(|e| fail(&format!("{}: {e}", dst.display())));
    });
    let _ = std::fs::remove_file(&dst);
    s
}

fn json(p: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| fail(&format!("{}: {e}", p.display())));
    serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{}: {e}", p.display())))
}

/// Parameters of an MLP with `widths`.
fn params(widths: &[f64]) -> f64 {
    widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum()
}

/// Payload bytes one host sends per step with `chunks` gradient chunks of its own, `p` parameters, `n`
/// hosts: its chunks' gradients for the other hosts' parameter ranges (reduce-scatter in chunk order), its
/// summed range to every other host (all-gather), its losses (8 bytes per example, 32 per chunk).
fn host_bytes(chunks: f64, p: f64, n: f64) -> f64 {
    chunks * p * 4.0 * (n - 1.0) / n + p * 4.0 * (n - 1.0) / n + chunks * 32.0 * 8.0 * (n - 1.0)
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    run(Command::new(env!("CARGO")).current_dir(&root).args(["build", "-q", "--release", "-p", "weightinit-train"]));
    let mpi_manifest = root.join("crates/weightinit-mpi/Cargo.toml");
    run(Command::new(env!("CARGO")).args(["build", "-q", "--release", "--manifest-path"]).arg(&mpi_manifest));
    let wi = root.join("target/release/weightinit");
    let wmpi = root.join("crates/weightinit-mpi/target/release/weightinit-mpi");
    let work = root.join("target/mpi-report");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap_or_else(|e| fail(&format!("{}: {e}", work.display())));
    let spec = root.join("examples/gpt2-small.json");

    // init-model: one process, MPI on 1 and 2 ranks, the floor; alternating.
    let configs = ["weightinit init-model (1 process)", "weightinit-mpi, 1 rank", "weightinit-mpi, 2 ranks"];
    let mut secs = vec![Vec::new(); configs.len()];
    let mut floor = Vec::new();
    let mut total = 0u64;
    for _ in 0..rounds {
        for (i, s) in secs.iter_mut().enumerate() {
            let out = work.join(format!("init-{i}"));
            let _ = std::fs::remove_dir_all(&out);
            // Every run starts with no dirty pages of the previous one waiting for the disk.
            run(&mut Command::new("sync"));
            let t = timed(|| {
                match i {
                    0 => run(Command::new(&wi)
                        .args(["init-model", "--quiet", "--spec"])
                        .arg(&spec)
                        .arg("--out")
                        .arg(&out)),
                    _ => run(mpirun(i).arg(&wmpi).args(["init-model", "--spec"]).arg(&spec).arg("--out").arg(&out)),
                };
            });
            total = dir_bytes(&out);
            s.push(t);
            let _ = std::fs::remove_dir_all(&out);
        }
        run(&mut Command::new("sync"));
        floor.push(write_floor(&work, total as usize));
    }
    let floor = median(floor);
    let mut text = String::from("<!-- mpi:begin -->\n## Beyond one process (MPI)\n\n");
    text.push_str(&format!(
        "Generated by `cargo run -p weightinit-tools --bin mpi-report` ({rounds} alternating rounds, medians; \
         OpenMPI, ranks on this machine's cores).\n\n\
         `init-model` of `examples/gpt2-small.json` ({:.0} MB written; wall clock including process start, each run after \
         `sync`; the fill itself takes about 0.3 s of CPU, the rest is the disk):\n\n\
         | run | seconds | GB/s | of the disk write floor |\n| --- | --- | --- | --- |\n",
        total as f64 / 1e6
    ));
    for (name, s) in configs.iter().zip(&secs) {
        let s = median(s.clone());
        text.push_str(&format!("| {name} | {s:.3} | {:.2} | **{:.2}x** |\n", total as f64 / s / 1e9, floor / s));
    }
    text.push_str(&format!(
        "| disk write floor (the same bytes from memory: write, fsync, rename) | {floor:.3} | {:.2} | 1.00x |\n\n",
        total as f64 / floor / 1e9
    ));

    // Training: 2 threads in one process against 1 and 2 ranks of 1 thread.
    let flags = ["train", "--quiet", "--epochs", "3"];
    let runs = [
        "weightinit train --threads 2",
        "weightinit-mpi train, 1 rank x 1 thread",
        "weightinit-mpi train, 2 ranks x 1 thread",
    ];
    let mut sps = vec![Vec::new(); runs.len()];
    let mut bytes = vec![0.0; runs.len()];
    for _ in 0..rounds {
        for (i, v) in sps.iter_mut().enumerate() {
            let j = work.join(format!("train-{i}.json"));
            match i {
                0 => run(Command::new(&wi).args(flags).args(["--threads", "2", "--json"]).arg(&j)),
                _ => run(mpirun(i).arg(&wmpi).args(flags).args(["--threads", "1", "--json"]).arg(&j)),
            };
            let r = json(&j);
            v.push(r["samples_per_second"].as_f64().unwrap_or(0.0));
            bytes[i] = r["bytes_communicated_per_step"].as_f64().unwrap_or(0.0);
        }
    }
    let base = median(sps[0].clone());
    text.push_str(
        "Training 784-100-100-10 on the embedded subset (3 epochs, batch 128 in 4 gradient chunks; bytes: payload \
         all ranks send each other per step):\n\n| run | samples/s | of the 2-thread process | bytes per step |\n\
         | --- | --- | --- | --- |\n",
    );
    for ((name, v), b) in runs.iter().zip(&sps).zip(&bytes) {
        let m = median(v.clone());
        text.push_str(&format!("| {name} | {m:.0} | **{:.2}x** | {b:.0} |\n", m / base));
    }

    // The cost model, from the measured 2-thread FLOP rate.
    let small = params(&[784.0, 100.0, 100.0, 10.0]);
    let flops = base * 6.0 * small;
    let p = params(&[784.0, 10000.0, 10000.0, 10.0]);
    let per_host = 128.0;
    let compute = 6.0 * p * per_host / flops;
    text.push_str(&format!(
        "\nCost model (not measured): a network 100x wider, 784-10000-10000-10 ({:.0}M parameters, a {:.0} MB \
         gradient), each host a machine like this one ({:.0} GFLOP/s measured above: 6 FLOPs per parameter and \
         example) training 128 examples (4 chunks) per step, so one step computes for {:.3} s; a step \
         communicates `4 P (N-1)/N` bytes per chunk of the host plus `4 P (N-1)/N` for the all-gather, in \
         `2 (N-1)` messages: `T = compute + 2 (N-1) alpha + bytes / beta`, no overlap.\n\n\
         | hosts | network | bytes per host and step | step (s) | samples/s | speed-up over 1 host |\n\
         | --- | --- | --- | --- | --- | --- |\n",
        p / 1e6,
        4.0 * p / 1e6,
        flops / 1e9,
        compute
    ));
    for n in [8.0f64, 64.0] {
        for (net, alpha, beta) in
            [("25 GbE (20 us, 3.1 GB/s)", 20e-6, 3.125e9), ("InfiniBand HDR (2 us, 25 GB/s)", 2e-6, 25e9)]
        {
            let b = host_bytes(4.0, p, n);
            let t = compute + 2.0 * (n - 1.0) * alpha + b / beta;
            let rate = n * per_host / t;
            text.push_str(&format!(
                "| {n:.0} | {net} | {:.2} GB | {t:.3} | {rate:.0} | {:.1}x |\n",
                b / 1e9,
                rate / (per_host / compute)
            ));
        }
    }
    text.push_str(
        "\nA ring all-reduce of the summed gradient would send `2 x 4 P (N-1)/N` bytes per host, 2.5x fewer than \
         the 5 x here: fixed-order sums that do not depend on N send every chunk's gradient instead of a \
         partial sum (floating-point addition is not associative).\n<!-- mpi:end -->\n",
    );

    let out = root.join("docs/performance.md");
    let old = std::fs::read_to_string(&out).unwrap_or_default();
    let new = match (old.find("<!-- mpi:begin -->"), old.find("<!-- mpi:end -->")) {
        (Some(a), Some(b)) => format!("{}{}{}", &old[..a], text.trim_end(), &old[b + "<!-- mpi:end -->".len()..]),
        _ => format!("{}\n{}", old.trim_end(), text),
    };
    let tmp = out.with_extension("tmp");
    std::fs::write(&tmp, &new).and_then(|()| std::fs::rename(&tmp, &out)).unwrap_or_else(|e| fail(&format!("{e}")));
    print!("{text}");
    let _ = std::fs::remove_dir_all(&work);
}
