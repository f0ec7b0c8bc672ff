//! The C ABI called from Rust with arbitrary arguments and buffer sizes: every call returns a status (never
//! WI_PANIC), a successful fill equals the Rust API's, and a successful shard equals its box of the whole
//! fill.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weightinit_ffi::*;

fn f32_at(d: &[u8], i: usize) -> f32 {
    let mut b = [0u8; 4];
    for (j, x) in b.iter_mut().enumerate() {
        *x = *d.get(i + j).unwrap_or(&0);
    }
    f32::from_le_bytes(b)
}

fuzz_target!(|d: &[u8]| {
    if d.len() < 40 {
        return;
    }
    let seed = u64::from_le_bytes(d[0..8].try_into().unwrap());
    let offset = u64::from_le_bytes(d[8..16].try_into().unwrap());
    let len = d[16] as usize * 17 % 3000;
    let (p1, p2, p3, p4) = (f32_at(d, 17), f32_at(d, 21), f32_at(d, 25), f32_at(d, 29));
    let mut out = vec![0.0f32; len];
    let null_out = d[33] & 1 == 1;
    let ptr = if null_out { std::ptr::null_mut() } else { out.as_mut_ptr() };
    // SAFETY: `ptr` is NULL or points to `len` floats.
    let st = unsafe {
        match d[34] % 4 {
            0 => wi_fill_uniform_f32(seed, 1, offset, p1, p2, ptr, len),
            1 => wi_fill_normal_f32(seed, 1, offset, p1, p2, ptr, len),
            2 => wi_fill_truncated_normal_f32(seed, 1, offset, p1, p2, p3, p4, WiBoundsArg(d[35] as u32 % 3), ptr, len),
            _ => wi_relu_f32(ptr, ptr, len),
        }
    };
    assert_ne!(st, wi_status::WI_PANIC);
    if st == wi_status::WI_OK && d[34] % 4 == 1 && len > 0 {
        let mut want = vec![0.0f32; len];
        weightinit_core::Stream::new(seed, 1).fill_normal(offset, &mut want, p1, p2).unwrap();
        assert!(out.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
    // Shapes and initializers with arbitrary dimensions and buffer lengths.
    let ndim = d[36] as usize % 5;
    let shape: Vec<usize> = (0..ndim).map(|i| d[37 + i % 3] as usize % 9).collect();
    let spec = wi_init_spec {
        scheme: WiSchemeArg(d[39] as u32 % 20),
        mode: WiFanModeArg(d[37] as u32 % 5),
        nonlinearity: WiNonlinearityArg(d[38] as u32 % 13),
        param: p1 as f64,
        gain: p2 as f64,
        mean: p3 as f64,
        std: p4 as f64,
        a: -1.0,
        b: 1.0,
        bounds: WiBoundsArg(0),
        sparsity: (p3 as f64).abs().fract(),
        scale: 1.0,
        distribution: WiDistributionArg(d[38] as u32 % 4),
        groups: d[37] as usize % 3,
    };
    let mut ws_len = 0usize;
    // SAFETY: valid pointers to a spec, `ndim` dims and one usize.
    let _ = unsafe { wi_init_workspace_len(&spec, shape.as_ptr(), ndim, &mut ws_len) };
    let ws_len = ws_len.min(4096);
    let mut ws = vec![0.0f64; ws_len];
    let out_len = len.min(2000);
    let mut w = vec![0.0f32; out_len];
    let mut report = std::mem::MaybeUninit::<wi_init_report>::uninit();
    // SAFETY: every pointer addresses at least the length passed with it.
    let st = unsafe {
        wi_init_f32(
            &spec,
            shape.as_ptr(),
            ndim,
            WiLayoutArg(d[35] as u32 % 7),
            seed,
            2,
            w.as_mut_ptr(),
            out_len,
            ws.as_mut_ptr(),
            ws_len,
            report.as_mut_ptr(),
        )
    };
    assert_ne!(st, wi_status::WI_PANIC);
    // A shard of the same tensor: an arbitrary box; when it and the whole fill succeed, it equals the
    // box cut from the whole fill.
    let whole_ok = st == wi_status::WI_OK;
    let start: Vec<usize> = (0..ndim).map(|i| d[(i * 7 + 3) % d.len()] as usize % 10).collect();
    let blen: Vec<usize> = (0..ndim).map(|i| d[(i * 11 + 5) % d.len()] as usize % 10).collect();
    let mut shard_ws = 0usize;
    // SAFETY: valid pointers to a spec, `ndim` dims (three arrays) and one usize.
    let st = unsafe {
        wi_init_shard_workspace_len(
            &spec,
            shape.as_ptr(),
            ndim,
            WiLayoutArg(d[35] as u32 % 7),
            start.as_ptr(),
            blen.as_ptr(),
            &mut shard_ws,
        )
    };
    assert_ne!(st, wi_status::WI_PANIC);
    let mut sws = vec![0.0f64; shard_ws.min(8192)];
    let part_len = blen.iter().product::<usize>().min(out_len);
    let mut part = vec![0.0f32; part_len];
    // SAFETY: every pointer addresses at least the length passed with it.
    let st = unsafe {
        wi_init_shard_f32(
            &spec,
            shape.as_ptr(),
            ndim,
            WiLayoutArg(d[35] as u32 % 7),
            seed,
            2,
            start.as_ptr(),
            blen.as_ptr(),
            part.as_mut_ptr(),
            part_len,
            sws.as_mut_ptr(),
            sws.len(),
            std::ptr::null_mut(),
        )
    };
    assert_ne!(st, wi_status::WI_PANIC);
    if st == wi_status::WI_OK && whole_ok && out_len == shape.iter().product::<usize>() {
        let mut at = 0;
        let mut idx = vec![0usize; ndim];
        loop {
            let g = (0..ndim).fold(0, |g, k| g * shape[k] + start[k] + idx[k]);
            assert_eq!(part[at].to_bits(), w[g].to_bits(), "shard element {at} (global {g})");
            at += 1;
            let mut k = ndim;
            loop {
                if k == 0 {
                    break;
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < blen[k] {
                    break;
                }
                idx[k] = 0;
            }
            if at == part_len {
                break;
            }
        }
    }
    let (mut fi, mut fo) = (0usize, 0usize);
    // SAFETY: valid pointers.
    let st = unsafe { wi_fans(shape.as_ptr(), ndim, WiLayoutArg(d[35] as u32 % 7), &mut fi, &mut fo) };
    assert_ne!(st, wi_status::WI_PANIC);
});
