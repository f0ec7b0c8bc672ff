//! `cargo run -p weightinit-tools --bin perf-report [CRITERION_DIR] [OUT] [README]`: reads criterion's results
//! (`target/criterion/**/new/{benchmark,estimates}.json`) and writes `docs/performance.md`: per group, each
//! benchmark's median time and throughput, and its ratio to the peers measured in the same run (rand_distr,
//! `rand::random`, matrixmultiply, the naive loop, the memory-write floor, the one-thread trainer), with
//! the machine and the date. Figures are generated, never typed; the design notes are
//! `tools/src/perf_notes.md`, appended as they are. README.md's table between `<!-- perf:begin -->` and
//! `<!-- perf:end -->` is rewritten from the same results. The blocks other tools write (`python`, `mpi`) are
//! kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use weightinit_tools::perf::{Bench, peer_of, render, splice, summary};

fn collect(dir: &Path, out: &mut Vec<Bench>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if !p.is_dir() {
            continue;
        }
        if p.file_name().is_some_and(|n| n == "new") {
            if let Some(b) = read_bench(&p) {
                out.push(b);
            }
        } else {
            collect(&p, out);
        }
    }
}

fn read_bench(dir: &Path) -> Option<Bench> {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("benchmark.json")).ok()?).ok()?;
    let est: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("estimates.json")).ok()?).ok()?;
    let (kind, per_iter) = match &meta["throughput"] {
        serde_json::Value::Object(m) => m.iter().next().map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(0.0)))?,
        _ => (String::new(), 0.0),
    };
    let group = meta["group_id"].as_str()?.to_string();
    let function = meta["function_id"].as_str().unwrap_or("").to_string();
    let median_ns = est["median"]["point_estimate"].as_f64()?;
    Some(Bench { group, function, median_ns, per_iter, kind, peer: false }).map(|mut b| {
        b.peer = peer_of(&b.function);
        b
    })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores")
}

fn today() -> String {
    std::process::Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown date".to_string(), |s| s.trim().to_string())
}

/// Writes `text` to `path` through a temporary file and a rename; exits 1 on failure.
fn write_atomic(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    if let Err(e) = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path)) {
        eprintln!("perf-report: {}: {e}", path.display());
        std::process::exit(1);
    }
}

/// The part of `text` from `<!-- NAME:begin -->` to `<!-- NAME:end -->`, markers included.
fn kept_block<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let (begin, end) = (format!("<!-- {name}:begin -->"), format!("<!-- {name}:end -->"));
    let a = text.find(&begin)?;
    let b = a + text[a..].find(&end)? + end.len();
    Some(&text[a..b])
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "target/criterion".to_string()));
    let out = PathBuf::from(args.next().unwrap_or_else(|| "docs/performance.md".to_string()));
    let mut benches = Vec::new();
    collect(&dir, &mut benches);
    if benches.is_empty() {
        eprintln!("perf-report: no criterion results under {} (run `cargo bench` first)", dir.display());
        std::process::exit(2);
    }
    let mut groups: BTreeMap<String, Vec<Bench>> = BTreeMap::new();
    for b in benches {
        groups.entry(b.group.clone()).or_default().push(b);
    }
    let date = today();
    let mut text = render(&groups, &machine(), &date, include_str!("../perf_notes.md"));
    // The side-by-side Python table (`python/bench/vs_frameworks.py`) and the MPI figures (`mpi-report`),
    // written between their markers by their own tools, are kept.
    let previous = std::fs::read_to_string(&out).unwrap_or_default();
    for name in ["python", "mpi"] {
        if let Some(block) = kept_block(&previous, name) {
            text.push('\n');
            text.push_str(block);
            text.push('\n');
        }
    }
    write_atomic(&out, &text);
    println!("wrote {} ({} groups)", out.display(), groups.len());
    let readme = PathBuf::from(args.next().unwrap_or_else(|| "README.md".to_string()));
    if let Some(text) = std::fs::read_to_string(&readme).ok().and_then(|t| splice(&t, &summary(&groups, &date))) {
        write_atomic(&readme, &text);
        println!("updated the performance table of {}", readme.display());
    }
}
