//! `wi_init_named_*`: framework names across the C ABI give the Rust API's bits, and every bad argument its
//! status.

use core::ffi::c_char;

use weightinit_core::Stream;
use weightinit_core::init::framework::{FrameworkParams, framework_init};
use weightinit_ffi::*;

fn defaults() -> wi_framework_args {
    let mut a = core::mem::MaybeUninit::<wi_framework_args>::uninit();
    // SAFETY: a writable struct.
    assert_eq!(unsafe { wi_framework_args_default(a.as_mut_ptr()) }, wi_status::WI_OK);
    // SAFETY: initialized by the call.
    unsafe { a.assume_init() }
}

fn named(name: &[u8], args: Option<&wi_framework_args>, shape: &[usize], out: &mut [f32], ws: &mut [f64]) -> wi_status {
    let a = args.map_or(core::ptr::null(), |a| a as *const _);
    // SAFETY: valid buffers of the lengths given; `name` NUL-terminated.
    unsafe {
        wi_init_named_f32(
            name.as_ptr() as *const c_char,
            a,
            shape.as_ptr(),
            shape.len(),
            9,
            4,
            out.as_mut_ptr(),
            out.len(),
            ws.as_mut_ptr(),
            ws.len(),
            core::ptr::null_mut(),
        )
    }
}

/// A name (NUL-terminated), its C arguments, a shape, and the same arguments for the Rust API.
type Case<'a> = (&'a [u8], Option<&'a wi_framework_args>, Vec<usize>, FrameworkParams<'a>);

#[test]
fn names_give_the_rust_apis_bits() {
    let mut args = defaults();
    args.scale = 2.0;
    args.mode = c"fan_avg".as_ptr();
    args.distribution = c"normal".as_ptr();
    args.in_axis = 0;
    let cases: [Case<'_>; 4] = [
        (b"keras:he_normal\0", None, vec![3, 3, 8, 16], FrameworkParams::default()),
        (b"keras:HeNormal\0", None, vec![3, 3, 8, 16], FrameworkParams::default()),
        (
            b"jax:variance_scaling\0",
            Some(&args),
            vec![4, 6, 5],
            FrameworkParams {
                scale: Some(2.0),
                mode: Some("fan_avg"),
                distribution: Some("normal"),
                in_axis: Some(0),
                ..Default::default()
            },
        ),
        (b"jax:orthogonal\0", None, vec![6, 10], FrameworkParams::default()),
    ];
    for (name, a, shape, p) in cases {
        let n: usize = shape.iter().product();
        let text = core::str::from_utf8(&name[..name.len() - 1]).unwrap();
        let r = framework_init(text).unwrap().resolve(&p).unwrap();
        let (want, _) = r.init.fill_vec::<f32>(&Stream::new(9, 4), &shape, r.layout).unwrap();
        let mut len = 0usize;
        let ap = a.map_or(core::ptr::null(), |a| a as *const _);
        // SAFETY: valid pointers.
        let st = unsafe {
            wi_init_named_workspace_len(name.as_ptr() as *const c_char, ap, shape.as_ptr(), shape.len(), &mut len)
        };
        assert_eq!(st, wi_status::WI_OK);
        let mut ws = vec![0.0f64; len];
        let mut out = vec![0.0f32; n];
        assert_eq!(named(name, a, &shape, &mut out, &mut ws), wi_status::WI_OK, "{text}");
        assert_eq!(out, want, "{text}");
    }
}

#[test]
fn bad_names_and_arguments_have_their_statuses() {
    let mut out = vec![0.0f32; 16];
    let shape = [4usize, 4];
    assert_eq!(named(b"keras:he-normal\0", None, &shape, &mut out, &mut []), wi_status::WI_UNKNOWN_NAME);
    assert_eq!(named(b"\xff\xfe\0", None, &shape, &mut out, &mut []), wi_status::WI_UNKNOWN_NAME);
    let mut a = defaults();
    a.gain = 2.0;
    assert_eq!(named(b"keras:he_normal\0", Some(&a), &shape, &mut out, &mut []), wi_status::WI_INVALID_PARAMETER);
    let mut a = defaults();
    a.mode = c"fan_geo_avg".as_ptr();
    assert_eq!(named(b"keras:VarianceScaling\0", Some(&a), &shape, &mut out, &mut []), wi_status::WI_INVALID_PARAMETER);
    assert_eq!(named(b"jax:variance_scaling\0", None, &shape, &mut out, &mut []), wi_status::WI_INVALID_PARAMETER);
    assert_eq!(named(b"jax:orthogonal\0", None, &shape, &mut out, &mut []), wi_status::WI_BUFFER_TOO_SMALL);
    assert_eq!(named(b"keras:he_normal\0", None, &shape, &mut out[..3], &mut []), wi_status::WI_LENGTH_MISMATCH);
    // SAFETY: a NULL name is checked.
    let st = unsafe {
        wi_init_named_f32(
            core::ptr::null(),
            core::ptr::null(),
            shape.as_ptr(),
            2,
            0,
            0,
            out.as_mut_ptr(),
            16,
            core::ptr::null_mut(),
            0,
            core::ptr::null_mut(),
        )
    };
    assert_eq!(st, wi_status::WI_NULL_POINTER);
    // SAFETY: NULL is checked.
    assert_eq!(unsafe { wi_framework_args_default(core::ptr::null_mut()) }, wi_status::WI_NULL_POINTER);
}
