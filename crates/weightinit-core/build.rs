//! Sets `cfg(wi_m_profile_fpu)` on Arm M-profile targets with a hardware FPU (`thumbv7em-*-eabihf`,
//! `thumbv8m.main-*-eabihf`, `thumbv8.1m.main-*-eabihf`): every such FPU (FPv4-SP, FPv5) has the fused
//! multiply-add VFMA, which `simd::fmaf` then uses. Stable Rust does not expose these targets' FPU
//! features to `cfg(target_feature)`, hence the target name.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(wi_m_profile_fpu)");
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let m_profile = ["thumbv7em-", "thumbv8m.main-", "thumbv8.1m.main-"].iter().any(|p| target.starts_with(p));
    if m_profile && target.ends_with("eabihf") {
        println!("cargo:rustc-cfg=wi_m_profile_fpu");
    }
}
