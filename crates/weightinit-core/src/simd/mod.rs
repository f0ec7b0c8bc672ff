//! The floor of the core: instruction-set detection, [`fmaf`], the lane-wise vector math of the bulk
//! samplers ([`math`]: the portable [`Lanes16`] and [`Scalar`], and the x86-64
//! AVX-512 / AVX2 tokens), the [`Wide`] lane operations (generators in registers, streaming
//! and compressed stores) and the gemm microkernels' intrinsics. It knows no streams, samplers,
//! initializers or kernels.
//!
//! SIMD is entered through one trait with a generic method, [`WithSimd`] (pulp's pattern): a caller
//! describes its work as a value whose `with_simd` body is `#[inline(always)]`, and [`Isa::run`] calls it
//! from a thin `#[target_feature]` function with a token for that ISA, so the whole body is compiled for
//! the ISA (a closure would not inherit the feature). The ISA is chosen at run time under `std`
//! (`is_x86_feature_detected!`), at compile time (`cfg(target_feature)`) otherwise; the environment
//! variable `WEIGHTINIT_ISA=portable|avx2|avx512` (std only) caps [`best`], so tests run every path.

mod fma;
mod ftz;
#[rustfmt::skip]
pub(crate) mod ln_table;
pub mod math;
pub mod wide;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

pub use fma::fmaf;
pub use ftz::{flushing_subnormals, set_flush_subnormals};
pub use math::{Lanes16, Math, Scalar, Two};
pub use wide::{HALF_LANES, LANES, Wide};

/// An instruction set a kernel can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// Plain Rust the compiler vectorizes for the target (every target; what embedded targets run).
    Portable,
    /// x86-64 AVX2 + FMA.
    Avx2,
    /// x86-64 AVX-512F.
    Avx512,
}

impl Isa {
    /// Name (`"portable"`, `"avx2"`, `"avx512"`).
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }
}

/// Whether this CPU can run `isa`.
pub fn available(isa: Isa) -> bool {
    match isa {
        Isa::Portable => true,
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        Isa::Avx2 => {
            std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("fma")
                && std::is_x86_feature_detected!("popcnt")
        }
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        Isa::Avx512 => std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("popcnt"),
        #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
        Isa::Avx2 => cfg!(all(target_feature = "avx2", target_feature = "fma", target_feature = "popcnt")),
        #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
        Isa::Avx512 => cfg!(all(target_feature = "avx512f", target_feature = "popcnt")),
        #[cfg(not(target_arch = "x86_64"))]
        _ => false,
    }
}

/// The best ISA available (and allowed by `WEIGHTINIT_ISA` under `std`), detected once.
pub fn best() -> Isa {
    #[cfg(feature = "std")]
    {
        use core::sync::atomic::{AtomicU8, Ordering};
        static CACHE: AtomicU8 = AtomicU8::new(0);
        let code = match CACHE.load(Ordering::Relaxed) {
            0 => {
                let isa = detect();
                let c = match isa {
                    Isa::Portable => 1,
                    Isa::Avx2 => 2,
                    Isa::Avx512 => 3,
                };
                CACHE.store(c, Ordering::Relaxed);
                c
            }
            c => c,
        };
        match code {
            3 => Isa::Avx512,
            2 => Isa::Avx2,
            _ => Isa::Portable,
        }
    }
    #[cfg(not(feature = "std"))]
    detect()
}

fn detect() -> Isa {
    #[cfg(feature = "std")]
    let cap = match std::env::var("WEIGHTINIT_ISA").as_deref() {
        Ok("portable") => Isa::Portable,
        Ok("avx2") => Isa::Avx2,
        _ => Isa::Avx512,
    };
    #[cfg(not(feature = "std"))]
    let cap = Isa::Avx512;
    if cap == Isa::Avx512 && available(Isa::Avx512) {
        Isa::Avx512
    } else if cap != Isa::Portable && available(Isa::Avx2) {
        Isa::Avx2
    } else {
        Isa::Portable
    }
}

/// Work that runs on any ISA: `with_simd` receives a token `S` proving the ISA's instructions can run and
/// is compiled once per ISA (mark it `#[inline(always)]` so its body lands in the `#[target_feature]`
/// function of [`Isa::run`]). Plain Rust in the body is vectorized for the ISA too.
pub trait WithSimd {
    /// The result.
    type Output;
    /// Runs the work with the token `s`.
    fn with_simd<S: Wide>(self, s: S) -> Self::Output;
}

impl Isa {
    /// Runs `op` compiled for this ISA, or for the portable path when the CPU lacks it.
    #[inline]
    #[allow(unsafe_code)]
    pub fn run<O: WithSimd>(self, op: O) -> O::Output {
        #[cfg(target_arch = "x86_64")]
        match self {
            // SAFETY: `available` checked the features `run_avx512` is compiled for.
            Isa::Avx512 if available(Isa::Avx512) => return unsafe { x86::run_avx512(op) },
            // SAFETY: as above, for `run_avx2`.
            Isa::Avx2 if available(Isa::Avx2) => return unsafe { x86::run_avx2(op) },
            _ => {}
        }
        run_portable(op)
    }
}

/// `op` on the portable path. Out of line on x86-64, where it is the fallback: inlined into [`Isa::run`],
/// its frame (1.3 MB in an unoptimized build, which keeps every inlined local in its own slot) was taken
/// on every call, whichever path ran, from a spawned thread's 2 MiB stack.
#[cfg_attr(target_arch = "x86_64", inline(never))]
fn run_portable<O: WithSimd>(op: O) -> O::Output {
    op.with_simd(Lanes16)
}
