//! Stream fills at arbitrary (seed, key, offset, len, parameters): never a panic, errors only for bad
//! parameters, a fill split at an arbitrary point equals the whole fill bit for bit, and the SIMD path
//! equals the portable path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weightinit_core::kernels::Isa;
use weightinit_core::{NormalMethod, Stream, TruncBounds};

fn take<const N: usize>(data: &mut &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = data.len().min(N);
    out[..n].copy_from_slice(&data[..n]);
    *data = &data[n..];
    out
}

fuzz_target!(|data: &[u8]| {
    let mut d = data;
    let seed = u64::from_le_bytes(take(&mut d));
    let key = u64::from_le_bytes(take(&mut d));
    let raw_offset = u64::from_le_bytes(take(&mut d));
    // Mostly offsets near interesting places (0, block edges, u64::MAX), sometimes anywhere.
    let offset = match raw_offset % 4 {
        0 => raw_offset % 4096,
        1 => u64::MAX - (raw_offset >> 2) % 4096,
        _ => raw_offset,
    };
    let [kind, len_lo, len_hi, split_lo, split_hi] = take(&mut d);
    let len = (u16::from_le_bytes([len_lo, len_hi]) % 5000) as usize;
    let split = if len == 0 { 0 } else { u16::from_le_bytes([split_lo, split_hi]) as usize % (len + 1) };
    let p1 = f32::from_le_bytes(take(&mut d));
    let p2 = f32::from_le_bytes(take(&mut d));
    let fill_on = |isa: Isa, off: u64, buf: &mut [f32]| {
        let s = Stream::new(seed, key).with_isa(isa);
        match kind % 5 {
            0 => s.fill_uniform(off, buf, p1, p2),
            1 => s.fill_normal(off, buf, p1, p2),
            2 => s.fill_normal_with(NormalMethod::BoxMuller, off, buf, p1, p2),
            3 => s.fill_truncated_normal(off, buf, 0.0, 1.0, TruncBounds::Absolute { a: p1, b: p2 }),
            _ => s.fill_truncated_normal(off, buf, p1, p2.abs(), TruncBounds::two_sigma()),
        }
    };
    let best = weightinit_core::simd::best();
    let fill = |off: u64, buf: &mut [f32]| fill_on(best, off, buf);
    let mut whole = vec![0.0f32; len];
    let r = fill(offset, &mut whole);
    let mut parts = vec![0.0f32; len];
    let (a, b) = parts.split_at_mut(split);
    let ra = fill(offset, a);
    let rb = fill(offset.wrapping_add(split as u64), b);
    if r.is_ok() {
        assert!(ra.is_ok() && rb.is_ok());
        let wb: Vec<u32> = whole.iter().map(|x| x.to_bits()).collect();
        let pb: Vec<u32> = parts.iter().map(|x| x.to_bits()).collect();
        assert_eq!(wb, pb);
        assert!(whole.iter().all(|x| x.is_finite()));
        let mut portable = vec![0.0f32; len];
        fill_on(Isa::Portable, offset, &mut portable).expect("same parameters");
        let pp: Vec<u32> = portable.iter().map(|x| x.to_bits()).collect();
        assert_eq!(wb, pp, "{best:?} differs from the portable path");
    }
});
