//! The IDX reader rejects every malformed file with a clear error naming the file, never panics, and never
//! allocates more than the file can fill (checked with a counting allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use weightinit_train::data::idx::parse;

struct Counting;
static PEAK: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
    let mut v = magic.to_be_bytes().to_vec();
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v
}

fn err(bytes: &[u8], ndim: usize) -> String {
    parse(bytes, Path::new("bad.idx"), ndim).unwrap_err().to_string()
}

#[test]
fn valid_files_parse_raw_and_gzip() {
    let mut f = header(0x803, &[2, 2, 3]);
    f.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for bytes in [f.clone(), gz(&f)] {
        let a = parse(&bytes, Path::new("ok"), 3).unwrap();
        assert_eq!(a.dims, [2, 2, 3]);
        assert_eq!(a.data, (1..=12).collect::<Vec<u8>>());
    }
}

#[test]
fn malformed_files_get_clear_errors() {
    let cases: Vec<(Vec<u8>, usize, &str)> = vec![
        (vec![], 3, "truncated: 0 bytes"),
        (vec![0, 0], 3, "truncated: 2 bytes"),
        (header(0x1234_0803, &[1, 1, 1]), 3, "bad magic"),
        (header(0x0d03, &[1, 1, 1]), 3, "data type 0x0d is not unsigned bytes"),
        (header(0x801, &[5]), 3, "1 dimensions, expected 3"),
        (header(0x803, &[1, 2]), 3, "the header needs 16"),
        (
            [header(0x803, &[2, 2, 2]), vec![0; 7]].concat(),
            3,
            "truncated data: the header claims 8 bytes, the file holds 7",
        ),
        ([header(0x803, &[1, 1, 1]), vec![0; 3]].concat(), 3, "2 bytes of trailing data"),
    ];
    for (bytes, nd, want) in cases {
        let e = err(&bytes, nd);
        assert!(e.contains(want) && e.starts_with("bad.idx: "), "{e:?} should contain {want:?}");
        if bytes.len() >= 4 {
            let e = err(&gz(&bytes), nd);
            assert!(e.starts_with("bad.idx: "), "gzip: {e}");
        }
    }
    // A gzip stream cut short.
    let mut g = gz(&[header(0x803, &[10, 28, 28]), vec![7; 7840]].concat());
    g.truncate(g.len() / 2);
    assert!(err(&g, 3).starts_with("bad.idx: "));
}

#[test]
fn hostile_header_is_rejected_without_a_large_allocation() {
    // 2^32 - 1 images of 2^16 x 2^16 pixels claimed in a 100-byte file.
    let mut f = header(0x803, &[u32::MAX, 1 << 16, 1 << 16]);
    f.resize(100, 0);
    let hostile_gz = gz(&f);
    // 2^20 x 28 x 28 claimed (under the 4 GiB guard), 100 bytes present.
    let mut g = header(0x803, &[1 << 20, 28, 28]);
    g.resize(100, 0);
    let big_claim_gz = gz(&g);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    for bytes in [&f, &hostile_gz, &g, &big_claim_gz] {
        let e = err(bytes, 3);
        assert!(e.contains("limit") || e.contains("truncated"), "{e}");
    }
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(peak < 1 << 20, "parsing hostile headers allocated {peak} bytes at peak");
}

#[test]
fn official_test_set_parses_when_present() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mnist-t10k");
    if !dir.is_dir() {
        skip(&format!("{} is absent", dir.display()));
        return;
    }
    let d = weightinit_train::data::load_dir(&dir, &["t10k"]).unwrap();
    assert_eq!(d.len(), 10_000);
    assert_eq!(d.features, 784);
    assert!(d.images.iter().all(|&p| (0.0..=1.0).contains(&p)));
}

/// Skips a test whose tool or data is missing, with a message; fails instead where everything is required
/// (`WEIGHTINIT_REQUIRE_ALL=1`, set by `.ci/run`, which installs every tool).
fn skip(why: &str) {
    assert!(std::env::var_os("WEIGHTINIT_REQUIRE_ALL").is_none(), "required under .ci/run, but {why}");
    eprintln!("skipped: {why}");
}
