//! Every row of the CLI table in `docs/bad-input.md` (the table is this test's data): the exit code, one
//! line on standard error with the text given (none for a closed pipe), no "panicked", no file written.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One row: arguments, how standard output is connected, exit code, text standard error contains.
struct Row {
    args: String,
    stdout: String,
    exit: i32,
    stderr: String,
}

fn rows() -> Vec<Row> {
    let doc = include_str!("../../../docs/bad-input.md");
    let table = doc.split("## CLI (`weightinit`)").nth(1).expect("the CLI section of docs/bad-input.md");
    let mut rows = Vec::new();
    for line in table.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() != 4 || cells[0] == "arguments" || cells[0].starts_with("---") {
            continue;
        }
        let exit = cells[2].parse().unwrap_or_else(|_| panic!("exit code of row {line}"));
        rows.push(Row {
            args: cells[0].into(),
            stdout: cells[1].into(),
            exit,
            stderr: cells[3].trim_matches('`').into(),
        });
    }
    rows
}

/// A folder with valid MNIST images (3 of them) and a labels file of 2: the labels are wrong.
fn bad_labels(dir: &Path) -> PathBuf {
    let d = dir.join("bad-labels");
    std::fs::create_dir_all(&d).unwrap();
    let mut img = vec![0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28];
    img.extend(std::iter::repeat_n(7u8, 3 * 28 * 28));
    std::fs::write(d.join("train-images-idx3-ubyte"), img).unwrap();
    std::fs::write(d.join("train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 2, 1, 2]).unwrap();
    d
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

#[test]
fn every_row_of_the_bad_input_table() {
    let rows = rows();
    assert!(rows.len() >= 30, "only {} rows parsed from docs/bad-input.md", rows.len());
    for (i, row) in rows.iter().enumerate() {
        let dir = std::env::temp_dir().join(format!("weightinit-bad-input-{}-{i}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("out");
        let needs_labels = row.args.contains("BAD_LABELS");
        let labels = if needs_labels { Some(bad_labels(&dir)) } else { None };
        let before = files_in(&dir);
        let args: Vec<String> = row
            .args
            .split_whitespace()
            .map(|a| match a {
                "OUT" => out.display().to_string(),
                "TMP" => dir.display().to_string(),
                "BAD_LABELS" => labels.as_ref().unwrap().display().to_string(),
                a if a.starts_with("OUT.") => format!("{}{}", out.display(), &a[3..]),
                a => a.to_string(),
            })
            .collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_weightinit"));
        cmd.args(&args).current_dir(&dir).stdin(Stdio::null()).stderr(Stdio::piped());
        match row.stdout.as_str() {
            "closed" => {
                // A pipe whose reader is gone before the command starts: every write fails with EPIPE.
                let (reader, writer) = std::io::pipe().unwrap();
                drop(reader);
                cmd.stdout(Stdio::from(writer));
            }
            "full" => {
                cmd.stdout(Stdio::from(std::fs::File::options().write(true).open("/dev/full").unwrap()));
            }
            _ => {
                cmd.stdout(Stdio::piped());
            }
        }
        let o = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let what = format!("row `{}`: exit {:?}, stderr {err:?}", row.args, o.status.code());
        assert_eq!(o.status.code(), Some(row.exit), "{what}");
        assert!(!err.contains("panicked"), "{what}");
        let lines = err.trim_end().lines().count();
        if row.exit == 141 {
            assert_eq!(lines, 0, "{what}");
        } else {
            assert_eq!(lines, 1, "{what}");
            assert!(err.contains(&row.stderr), "{what}: missing {:?}", row.stderr);
        }
        assert_eq!(files_in(&dir), before, "{what}: a file was left behind");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
