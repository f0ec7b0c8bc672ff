//! The IDX reader on arbitrary bytes, raw and gzip-wrapped: an error or a consistent array, never a panic,
//! and never more data than the input provides.
#![no_main]

use std::io::Write;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use weightinit_train::data::idx::parse;

fuzz_target!(|data: &[u8]| {
    let is_gzip = data.starts_with(&[0x1f, 0x8b]);
    for nd in 1..=3 {
        if let Ok(a) = parse(data, Path::new("fuzz.idx"), nd) {
            assert_eq!(a.dims.len(), nd);
            assert_eq!(a.data.len(), a.dims.iter().product::<usize>());
            // Raw input: the data is a slice of it. (Gzip input may legitimately expand.)
            assert!(is_gzip || a.data.len() <= data.len());
        }
    }
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    let gz = e.finish().unwrap();
    for nd in 1..=3 {
        if let Ok(a) = parse(&gz, Path::new("fuzz.idx.gz"), nd) {
            assert_eq!(a.data.len(), a.dims.iter().product::<usize>());
            assert!(a.data.len() <= data.len());
        }
    }
});
