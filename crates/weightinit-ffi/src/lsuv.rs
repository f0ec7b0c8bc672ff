//! LSUV across the C ABI: the core's allocation-free procedure ([`weightinit_core::init::lsuv()`]) driven by
//! two C callbacks over the caller's network.

use core::ffi::c_void;

use weightinit_core::init::{LsuvLayer, LsuvNet, LsuvOptions, lsuv};

use crate::plumbing::{guard, slice_mut, wi_status};

/// What LSUV did to one layer.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wi_lsuv_layer {
    /// The product of the factors applied to the layer's weight.
    pub scale: f64,
    /// The last variance measured.
    pub variance: f64,
    /// Variance measurements made.
    pub iterations: u32,
    /// 1 if `|variance - 1| < tolerance` was reached, else 0.
    pub converged: u32,
}

/// Returns the variance of layer `layer`'s output (before its nonlinearity) on the caller's calibration
/// batch with the current weights. Must not unwind.
#[allow(non_camel_case_types)]
pub type wi_lsuv_variance_fn = Option<unsafe extern "C" fn(user: *mut c_void, layer: usize) -> f64>;

/// Multiplies every weight of layer `layer` by `factor`. Must not unwind.
#[allow(non_camel_case_types)]
pub type wi_lsuv_scale_fn = Option<unsafe extern "C" fn(user: *mut c_void, layer: usize, factor: f64)>;

struct CNet {
    layers: usize,
    variance: unsafe extern "C" fn(*mut c_void, usize) -> f64,
    scale: unsafe extern "C" fn(*mut c_void, usize, f64),
    user: *mut c_void,
}

impl LsuvNet for CNet {
    fn layers(&self) -> usize {
        self.layers
    }

    fn output_variance(&mut self, layer: usize) -> f64 {
        // SAFETY: the caller of `wi_lsuv` passed a function valid to call with its `user` pointer.
        unsafe { (self.variance)(self.user, layer) }
    }

    fn scale_weight(&mut self, layer: usize, factor: f64) {
        // SAFETY: as `output_variance`.
        unsafe { (self.scale)(self.user, layer, factor) }
    }
}

/// LSUV (Mishkin & Matas 2016) over a caller's network of `layers` layers: for each layer in order,
/// `variance(user, l)` is measured and the layer's weight scaled by `1 / sqrt(variance)` through
/// `scale(user, l, factor)`, until `|variance - 1| < tolerance` or `max_iterations` measurements. Writes
/// what it did to each layer into `report[0 .. layers]`. Nothing is allocated.
///
/// Statuses: `WI_NULL_POINTER` (a NULL callback, or a NULL `report` with `layers > 0`),
/// `WI_BUFFER_TOO_SMALL` (`report_len < layers`), `WI_INVALID_PARAMETER` (`tolerance` not in (0, 1),
/// `max_iterations` 0, or a layer whose variance is zero, NaN or infinite: the layers before it are
/// calibrated and reported).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_lsuv(
    layers: usize,
    tolerance: f64,
    max_iterations: u32,
    variance: wi_lsuv_variance_fn,
    scale: wi_lsuv_scale_fn,
    user: *mut c_void,
    report: *mut wi_lsuv_layer,
    report_len: usize,
) -> wi_status {
    guard(|| {
        let (Some(variance), Some(scale)) = (variance, scale) else { return Err(wi_status::WI_NULL_POINTER) };
        if report_len < layers {
            return Err(wi_status::WI_BUFFER_TOO_SMALL);
        }
        // SAFETY: the caller passes `report_len` writable values at `report`.
        let out = unsafe { slice_mut(report, report_len) }?;
        let mut net = CNet { layers, variance, scale, user };
        let o = LsuvOptions { tolerance, max_iterations };
        // The core's reports are Rust values: computed CHUNK layers at a time on the stack, then copied out.
        const CHUNK: usize = 64;
        let mut first = 0usize;
        loop {
            let n = (layers - first).min(CHUNK);
            let mut part = [LsuvLayer::default(); CHUNK];
            let r = lsuv(&mut SubNet { net: &mut net, first, n }, o, &mut part[..n]);
            for (d, s) in out[first..first + n].iter_mut().zip(&part[..n]) {
                let converged = u32::from(s.converged);
                *d = wi_lsuv_layer { scale: s.scale, variance: s.variance, iterations: s.iterations, converged };
            }
            r?;
            first += n;
            if first >= layers {
                return Ok(());
            }
        }
    })
}

/// Layers `first .. first + n` of a network, as a network of `n` layers.
struct SubNet<'a> {
    net: &'a mut CNet,
    first: usize,
    n: usize,
}

impl LsuvNet for SubNet<'_> {
    fn layers(&self) -> usize {
        self.n
    }

    fn output_variance(&mut self, layer: usize) -> f64 {
        self.net.output_variance(self.first + layer)
    }

    fn scale_weight(&mut self, layer: usize, factor: f64) {
        self.net.scale_weight(self.first + layer, factor)
    }
}
