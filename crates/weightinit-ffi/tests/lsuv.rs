//! `wi_lsuv` through its C signature: callbacks over a toy network whose output variance is known, and
//! every status.

use core::ffi::c_void;

use weightinit_ffi::*;

/// Layer `l`'s output variance is `base[l]` times the square of the product of the scales of layers
/// `0..=l` (a linear network on unit inputs).
struct Toy {
    scale: Vec<f64>,
    base: Vec<f64>,
}

unsafe extern "C" fn variance(user: *mut c_void, layer: usize) -> f64 {
    // SAFETY: the tests pass a live `Toy` as `user`.
    let t = unsafe { &*(user as *const Toy) };
    let s: f64 = t.scale[..=layer].iter().product();
    s * s * t.base[layer]
}

unsafe extern "C" fn scale(user: *mut c_void, layer: usize, factor: f64) {
    // SAFETY: as `variance`, and no other reference to the `Toy` is live during the call.
    let t = unsafe { &mut *(user as *mut Toy) };
    t.scale[layer] *= factor;
}

#[test]
fn calibrates_a_network_of_any_length_through_callbacks() {
    for layers in [1usize, 3, 64, 65, 130] {
        let mut toy = Toy { scale: vec![1.0; layers], base: (0..layers).map(|l| 0.1 + (l % 7) as f64).collect() };
        let mut rep = vec![wi_lsuv_layer::default(); layers];
        let user = &mut toy as *mut Toy as *mut c_void;
        // SAFETY: valid callbacks, user pointer and report buffer.
        let st = unsafe { wi_lsuv(layers, 0.01, 10, Some(variance), Some(scale), user, rep.as_mut_ptr(), layers) };
        assert_eq!(st, wi_status::WI_OK, "{layers} layers");
        for (l, r) in rep.iter().enumerate() {
            // SAFETY: as above.
            let v = unsafe { variance(user, l) };
            assert!((v - 1.0).abs() < 0.01, "layer {l}: {v}");
            assert_eq!(r.converged, 1);
            assert!((r.scale - toy.scale[l]).abs() < 1e-12);
        }
    }
}

#[test]
fn every_bad_argument_has_its_status() {
    let mut toy = Toy { scale: vec![1.0; 2], base: vec![4.0, 0.0] };
    let user = &mut toy as *mut Toy as *mut c_void;
    let mut rep = [wi_lsuv_layer::default(); 2];
    let p = rep.as_mut_ptr();
    // SAFETY: every call passes valid pointers or NULL where the test checks NULL.
    unsafe {
        assert_eq!(wi_lsuv(2, 0.1, 10, None, Some(scale), user, p, 2), wi_status::WI_NULL_POINTER);
        assert_eq!(wi_lsuv(2, 0.1, 10, Some(variance), None, user, p, 2), wi_status::WI_NULL_POINTER);
        assert_eq!(
            wi_lsuv(2, 0.1, 10, Some(variance), Some(scale), user, core::ptr::null_mut(), 2),
            wi_status::WI_NULL_POINTER
        );
        assert_eq!(wi_lsuv(2, 0.1, 10, Some(variance), Some(scale), user, p, 1), wi_status::WI_BUFFER_TOO_SMALL);
        assert_eq!(wi_lsuv(2, 1.5, 10, Some(variance), Some(scale), user, p, 2), wi_status::WI_INVALID_PARAMETER);
        assert_eq!(wi_lsuv(2, 0.1, 0, Some(variance), Some(scale), user, p, 2), wi_status::WI_INVALID_PARAMETER);
        assert_eq!(wi_lsuv(0, 0.1, 10, Some(variance), Some(scale), user, p, 0), wi_status::WI_OK);
        // Layer 1 is dead (variance 0): layer 0 is calibrated and reported, then the status.
        assert_eq!(wi_lsuv(2, 0.1, 10, Some(variance), Some(scale), user, p, 2), wi_status::WI_INVALID_PARAMETER);
    }
    assert_eq!(rep[0].converged, 1);
    assert!((rep[0].scale - 0.5).abs() < 1e-12);
    assert_eq!(rep[1].iterations, 1);
}
