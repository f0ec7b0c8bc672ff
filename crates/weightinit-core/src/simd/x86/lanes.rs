//! x86-64 implementations of [`Math`] and [`Wide`] for the bulk samplers: AVX-512F (one zmm per 16 lanes)
//! and AVX2 (two ymm). A token value proves the CPU runs its instructions; tokens are created only inside
//! `#[target_feature]` functions of the matching feature (see [`super`]). Every method is the IEEE
//! operation [`Math`] documents, so these paths give the same bits as [`crate::simd::Scalar`].

use core::arch::x86_64::*;

use crate::simd::math::Math;
use crate::simd::wide::{LANES, Wide};

/// Runs intrinsics that need the token's CPU feature.
macro_rules! tf {
    ($e:expr) => {
        // SAFETY: a token exists only where its CPU feature is available (created by the `unsafe fn new`
        // of the token inside a `#[target_feature]` function of that feature); the intrinsics here only
        // read and write registers.
        unsafe { $e }
    };
}

/// Proof that AVX-512F is available.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// # Safety
    /// The CPU must support AVX-512F.
    #[inline(always)]
    pub(crate) unsafe fn new() -> Avx512 {
        Avx512(())
    }
}

/// Proof that AVX2 and FMA are available.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[inline(always)]
    pub(crate) unsafe fn new() -> Avx2 {
        Avx2(())
    }
}

impl Math for Avx512 {
    type F = __m512;
    type U = __m512i;
    type M = __mmask16;
    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        tf!(_mm512_set1_ps(x))
    }
    #[inline(always)]
    fn splat_u(self, x: u32) -> __m512i {
        tf!(_mm512_set1_epi32(x as i32))
    }
    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        tf!(_mm512_add_ps(a, b))
    }
    #[inline(always)]
    fn sub(self, a: __m512, b: __m512) -> __m512 {
        tf!(_mm512_sub_ps(a, b))
    }
    #[inline(always)]
    fn mul(self, a: __m512, b: __m512) -> __m512 {
        tf!(_mm512_mul_ps(a, b))
    }
    #[inline(always)]
    fn fma(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        tf!(_mm512_fmadd_ps(a, b, c))
    }
    #[inline(always)]
    fn sqrt(self, a: __m512) -> __m512 {
        tf!(_mm512_sqrt_ps(a))
    }
    #[inline(always)]
    fn lt(self, a: __m512, b: __m512) -> __mmask16 {
        tf!(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b))
    }
    #[inline(always)]
    fn le(self, a: __m512, b: __m512) -> __mmask16 {
        tf!(_mm512_cmp_ps_mask::<_CMP_LE_OQ>(a, b))
    }
    #[inline(always)]
    fn max(self, a: __m512, b: __m512) -> __m512 {
        tf!(_mm512_max_ps(a, b))
    }
    #[inline(always)]
    fn min(self, a: __m512, b: __m512) -> __m512 {
        tf!(_mm512_min_ps(a, b))
    }
    #[inline(always)]
    fn select(self, m: __mmask16, a: __m512, b: __m512) -> __m512 {
        tf!(_mm512_mask_blend_ps(m, b, a))
    }
    #[inline(always)]
    fn select_u(self, m: __mmask16, a: __m512i, b: __m512i) -> __m512i {
        tf!(_mm512_mask_blend_epi32(m, b, a))
    }
    #[inline(always)]
    fn to_bits(self, a: __m512) -> __m512i {
        tf!(_mm512_castps_si512(a))
    }
    #[inline(always)]
    fn bits_to_f(self, a: __m512i) -> __m512 {
        tf!(_mm512_castsi512_ps(a))
    }
    #[inline(always)]
    fn i32_to_f32(self, a: __m512i) -> __m512 {
        tf!(_mm512_cvtepi32_ps(a))
    }
    #[inline(always)]
    fn add_u(self, a: __m512i, b: __m512i) -> __m512i {
        tf!(_mm512_add_epi32(a, b))
    }
    #[inline(always)]
    fn sub_u(self, a: __m512i, b: __m512i) -> __m512i {
        tf!(_mm512_sub_epi32(a, b))
    }
    #[inline(always)]
    fn and_u(self, a: __m512i, b: __m512i) -> __m512i {
        tf!(_mm512_and_si512(a, b))
    }
    #[inline(always)]
    fn or_u(self, a: __m512i, b: __m512i) -> __m512i {
        tf!(_mm512_or_si512(a, b))
    }
    #[inline(always)]
    fn xor_u(self, a: __m512i, b: __m512i) -> __m512i {
        tf!(_mm512_xor_si512(a, b))
    }
    #[inline(always)]
    fn shr_u<const K: u32>(self, a: __m512i) -> __m512i {
        tf!(_mm512_srli_epi32::<K>(a))
    }
    #[inline(always)]
    fn shl_u<const K: u32>(self, a: __m512i) -> __m512i {
        tf!(_mm512_slli_epi32::<K>(a))
    }
    #[inline(always)]
    fn sra_u<const K: u32>(self, a: __m512i) -> __m512i {
        tf!(_mm512_srai_epi32::<K>(a))
    }
    #[inline(always)]
    fn nonzero_u(self, a: __m512i) -> __mmask16 {
        tf!(_mm512_test_epi32_mask(a, a))
    }
    #[inline(always)]
    fn lt_u(self, a: __m512i, b: __m512i) -> __mmask16 {
        tf!(_mm512_cmplt_epu32_mask(a, b))
    }
    #[inline(always)]
    fn min_u(self, a: __m512i, b: __m512i) -> __m512i {
        tf!(_mm512_min_epu32(a, b))
    }
    #[inline(always)]
    fn and_m(self, a: __mmask16, b: __mmask16) -> __mmask16 {
        a & b
    }
    #[inline(always)]
    fn lookup16(self, t: &[f32; 16], i: __m512i) -> __m512 {
        // SAFETY: `t` holds exactly 16 f32 = one zmm; the token proves AVX-512F.
        unsafe { _mm512_permutexvar_ps(i, _mm512_loadu_ps(t.as_ptr())) }
    }
}

impl Wide for Avx512 {
    type W = [__m512i; 2];
    const STREAMING: bool = true;
    type D = __m512d;
    #[inline(always)]
    fn splat_d(self, x: f64) -> __m512d {
        tf!(_mm512_set1_pd(x))
    }
    #[inline(always)]
    fn load_d(self, src: &[f64; 8]) -> __m512d {
        // SAFETY: `src` holds exactly 8 f64 = one zmm; the token proves AVX-512F.
        unsafe { _mm512_loadu_pd(src.as_ptr()) }
    }
    #[inline(always)]
    fn store_d(self, v: __m512d, out: &mut [f64; 8]) {
        // SAFETY: `out` holds exactly 8 f64 = one zmm; the token proves AVX-512F.
        unsafe { _mm512_storeu_pd(out.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn mul_add_d(self, a: __m512d, b: __m512d, c: __m512d) -> __m512d {
        tf!(_mm512_add_pd(_mm512_mul_pd(a, b), c))
    }
    #[inline(always)]
    fn load_state(self, words: &[[u64; LANES]; 4]) -> [[__m512i; 2]; 4] {
        let w = words;
        // SAFETY: each load reads 8 u64 = 64 bytes at offsets 0 and 8 of a [u64; 16] (in bounds); the token
        // proves AVX-512F.
        // (A loop, not `from_fn`: closures do not inherit the target feature.)
        let mut st = [[self.splat_u(0); 2]; 4];
        for (s, w) in st.iter_mut().zip(w) {
            // SAFETY: as above.
            *s = unsafe { [_mm512_loadu_si512(w.as_ptr().cast()), _mm512_loadu_si512(w[8..].as_ptr().cast())] };
        }
        st
    }
    #[inline(always)]
    fn step_half<const H: usize>(self, st: &mut [[__m512i; 2]; 4]) -> __m512i {
        let [s0, s1, s2, s3] = [st[0][H], st[1][H], st[2][H], st[3][H]];
        // The 8 lanes read as 16 u32: the words of the format, no shuffle.
        tf!({
            let out = _mm512_add_epi64(_mm512_rol_epi64::<23>(_mm512_add_epi64(s0, s3)), s0);
            let t = _mm512_slli_epi64::<17>(s1);
            // The update `s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)` with its
            // three-way XORs as one `vpternlogq` each (0x96 = a ^ b ^ c).
            st[0][H] = _mm512_ternarylogic_epi64::<0x96>(s0, s3, s1);
            st[1][H] = _mm512_ternarylogic_epi64::<0x96>(s1, s2, s0);
            st[2][H] = _mm512_ternarylogic_epi64::<0x96>(s2, s0, t);
            st[3][H] = _mm512_rol_epi64::<45>(_mm512_xor_si512(s3, s1));
            out
        })
    }
    /// Two steps at a time in the ten operations of [`xoshiro_skip2`](crate::simd::wide::xoshiro_skip2)
    /// (64 steps of 16 lanes: 100 ns instead of 113 ns).
    #[inline(always)]
    fn skip_half<const H: usize>(self, st: &mut [[__m512i; 2]; 4], n: usize) {
        let mut s = *st;
        for _ in 0..n / 2 {
            let [a, b, c, d] = [s[0][H], s[1][H], s[2][H], s[3][H]];
            tf!({
                let x = _mm512_xor_si512(d, b);
                let y = _mm512_xor_si512(c, a);
                let r = _mm512_rol_epi64::<45>(x);
                s[0][H] = _mm512_ternarylogic_epi64::<0x96>(c, d, r);
                s[1][H] = _mm512_ternarylogic_epi64::<0x96>(a, d, _mm512_slli_epi64::<17>(b));
                s[2][H] = _mm512_ternarylogic_epi64::<0x96>(c, x, _mm512_slli_epi64::<17>(y));
                s[3][H] = _mm512_rol_epi64::<45>(_mm512_ternarylogic_epi64::<0x96>(r, b, y));
            });
        }
        if n % 2 == 1 {
            self.step_half::<H>(&mut s);
        }
        *st = s;
    }
    #[inline(always)]
    fn store(self, v: __m512, out: &mut [f32; LANES]) {
        // SAFETY: `out` holds exactly 16 f32 = one zmm; the token proves AVX-512F.
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load(self, src: &[f32; LANES]) -> __m512 {
        // SAFETY: `src` holds exactly 16 f32 = one zmm; the token proves AVX-512F.
        unsafe { _mm512_loadu_ps(src.as_ptr()) }
    }
    #[inline(always)]
    fn stream(self, v: __m512, out: &mut [f32; LANES]) {
        if (out.as_ptr() as usize).is_multiple_of(64) {
            // SAFETY: `out` holds 16 f32 = 64 bytes at a 64-byte-aligned address (checked), as the
            // streaming store requires; the token proves AVX-512F.
            unsafe { _mm512_stream_ps(out.as_mut_ptr(), v) }
        } else {
            self.store(v, out)
        }
    }
    #[inline(always)]
    fn fence(self) {
        tf!(_mm_sfence())
    }
    #[inline(always)]
    fn prefetch(self, at: &[f32]) {
        // SAFETY: a prefetch never faults and changes no memory; `at` is a live slice (its pointer is
        // valid or dangling-but-aligned when empty, both fine for a hint); SSE is part of x86-64.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(at.as_ptr().cast()) }
    }
    const ROTATE: bool = true;
    #[inline(always)]
    fn rotate_index(self, h: usize) -> __m512i {
        tf!(_mm512_add_epi32(
            _mm512_set1_epi32(h as i32),
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        ))
    }
    #[inline(always)]
    fn rotate(self, a: __m512, b: __m512, idx: __m512i) -> __m512 {
        tf!(_mm512_permutex2var_ps(a, idx, b))
    }
    #[inline(always)]
    fn compress_store(self, v: __m512, m: __mmask16, out: &mut [f32], at: usize) -> Option<usize> {
        let dst = out.get_mut(at..at.checked_add(LANES)?)?;
        // SAFETY: `dst` holds 16 f32 = one zmm (checked by the slice above); the token proves AVX-512F.
        unsafe { _mm512_storeu_ps(dst.as_mut_ptr(), _mm512_maskz_compress_ps(m, v)) };
        Some(m.count_ones() as usize)
    }
}

/// Applies `$f` to both ymm halves.
macro_rules! both {
    ($f:ident($($a:ident),*)) => {
        tf!([$f($($a[0]),*), $f($($a[1]),*)])
    };
}

impl Math for Avx2 {
    type F = [__m256; 2];
    type U = [__m256i; 2];
    type M = [__m256i; 2];
    #[inline(always)]
    fn splat(self, x: f32) -> [__m256; 2] {
        tf!([_mm256_set1_ps(x); 2])
    }
    #[inline(always)]
    fn splat_u(self, x: u32) -> [__m256i; 2] {
        tf!([_mm256_set1_epi32(x as i32); 2])
    }
    #[inline(always)]
    fn add(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
        both!(_mm256_add_ps(a, b))
    }
    #[inline(always)]
    fn sub(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
        both!(_mm256_sub_ps(a, b))
    }
    #[inline(always)]
    fn mul(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
        both!(_mm256_mul_ps(a, b))
    }
    #[inline(always)]
    fn fma(self, a: [__m256; 2], b: [__m256; 2], c: [__m256; 2]) -> [__m256; 2] {
        both!(_mm256_fmadd_ps(a, b, c))
    }
    #[inline(always)]
    fn sqrt(self, a: [__m256; 2]) -> [__m256; 2] {
        both!(_mm256_sqrt_ps(a))
    }
    #[inline(always)]
    fn lt(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256i; 2] {
        tf!([
            _mm256_castps_si256(_mm256_cmp_ps::<_CMP_LT_OQ>(a[0], b[0])),
            _mm256_castps_si256(_mm256_cmp_ps::<_CMP_LT_OQ>(a[1], b[1]))
        ])
    }
    #[inline(always)]
    fn le(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256i; 2] {
        tf!([
            _mm256_castps_si256(_mm256_cmp_ps::<_CMP_LE_OQ>(a[0], b[0])),
            _mm256_castps_si256(_mm256_cmp_ps::<_CMP_LE_OQ>(a[1], b[1]))
        ])
    }
    #[inline(always)]
    fn max(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
        both!(_mm256_max_ps(a, b))
    }
    #[inline(always)]
    fn min(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
        both!(_mm256_min_ps(a, b))
    }
    #[inline(always)]
    fn select(self, m: [__m256i; 2], a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
        tf!([
            _mm256_blendv_ps(b[0], a[0], _mm256_castsi256_ps(m[0])),
            _mm256_blendv_ps(b[1], a[1], _mm256_castsi256_ps(m[1]))
        ])
    }
    #[inline(always)]
    fn select_u(self, m: [__m256i; 2], a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
        tf!([_mm256_blendv_epi8(b[0], a[0], m[0]), _mm256_blendv_epi8(b[1], a[1], m[1])])
    }
    #[inline(always)]
    fn to_bits(self, a: [__m256; 2]) -> [__m256i; 2] {
        both!(_mm256_castps_si256(a))
    }
    #[inline(always)]
    fn bits_to_f(self, a: [__m256i; 2]) -> [__m256; 2] {
        both!(_mm256_castsi256_ps(a))
    }
    #[inline(always)]
    fn i32_to_f32(self, a: [__m256i; 2]) -> [__m256; 2] {
        both!(_mm256_cvtepi32_ps(a))
    }
    #[inline(always)]
    fn add_u(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
        both!(_mm256_add_epi32(a, b))
    }
    #[inline(always)]
    fn sub_u(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
        both!(_mm256_sub_epi32(a, b))
    }
    #[inline(always)]
    fn and_u(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
        both!(_mm256_and_si256(a, b))
    }
    #[inline(always)]
    fn or_u(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
        both!(_mm256_or_si256(a, b))
    }
    #[inline(always)]
    fn xor_u(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
        both!(_mm256_xor_si256(a, b))
    }
    #[inline(always)]
    fn shr_u<const K: u32>(self, a: [__m256i; 2]) -> [__m256i; 2] {
        tf!({
            let k = _mm_cvtsi32_si128(K as i32);
            [_mm256_srl_epi32(a[0], k), _mm256_srl_epi32(a[1], k)]
        })
    }
    #[inline(always)]
    fn shl_u<const K: u32>(self, a: [__m256i; 2]) -> [__m256i; 2] {
        tf!({
            let k = _mm_cvtsi32_si128(K as i32);
            [_mm256_sll_epi32(a[0], k), _mm256_sll_epi32(a[1], k)]
        })
    }
    #[inline(always)]
    fn sra_u<const K: u32>(self, a: [__m256i; 2]) -> [__m256i; 2] {
        tf!({
            let k = _mm_cvtsi32_si128(K as i32);
            [_mm256_sra_epi32(a[0], k), _mm256_sra_epi32(a[1], k)]
        })
    }
    #[inline(always)]
    fn nonzero_u(self, a: [__m256i; 2]) -> [__m256i; 2] {
        tf!({
            let z = _mm256_setzero_si256();
            let ones = _mm256_set1_epi32(-1);
            [_mm256_xor_si256(_mm256_cmpeq_epi32(a[0], z), ones), _mm256_xor_si256(_mm256_cmpeq_epi32(a[1], z), ones)]
        })
    }
    #[inline(always)]
    fn lt_u(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
        tf!({
            let bias = _mm256_set1_epi32(i32::MIN);
            [
                _mm256_cmpgt_epi32(_mm256_xor_si256(b[0], bias), _mm256_xor_si256(a[0], bias)),
                _mm256_cmpgt_epi32(_mm256_xor_si256(b[1], bias), _mm256_xor_si256(a[1], bias)),
            ]
        })
    }
    #[inline(always)]
    fn min_u(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
        both!(_mm256_min_epu32(a, b))
    }
    #[inline(always)]
    fn and_m(self, a: [__m256i; 2], b: [__m256i; 2]) -> [__m256i; 2] {
        both!(_mm256_and_si256(a, b))
    }
    #[inline(always)]
    fn lookup16(self, t: &[f32; 16], i: [__m256i; 2]) -> [__m256; 2] {
        // SAFETY: `t` holds 16 f32 = two ymm; the token proves AVX2.
        let (lo, hi) = unsafe { (_mm256_loadu_ps(t.as_ptr()), _mm256_loadu_ps(t[8..].as_ptr())) };
        // Entries 0-7 and 8-15 by the low 3 bits, then bit 3 (moved to the sign bit) chooses.
        // Written out, not `i.map(..)`: a closure does not inherit the AVX2 target feature, and where it is
        // not inlined its intrinsics become calls (the whole fill ran 6x slower that way).
        macro_rules! pick {
            ($i:expr) => {
                tf!(_mm256_blendv_ps(
                    _mm256_permutevar8x32_ps(lo, $i),
                    _mm256_permutevar8x32_ps(hi, $i),
                    _mm256_castsi256_ps(_mm256_slli_epi32::<28>($i))
                ))
            };
        }
        [pick!(i[0]), pick!(i[1])]
    }
}

/// For each 8-bit mask, the lane indices of its set bits in order (then zeros): AVX2 has no compress.
static COMPRESS8: [[u32; 8]; 256] = {
    let mut t = [[0u32; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let mut k = 0;
        let mut l = 0;
        while l < 8 {
            if m & (1 << l) != 0 {
                t[m][k] = l as u32;
                k += 1;
            }
            l += 1;
        }
        m += 1;
    }
    t
};

/// Rotates the 64-bit lanes of `x` left by `L` (`R = 64 - L`).
macro_rules! rotl64 {
    ($x:expr, $l:literal, $r:literal) => {
        _mm256_or_si256(_mm256_slli_epi64::<$l>($x), _mm256_srli_epi64::<$r>($x))
    };
}

impl Wide for Avx2 {
    type W = [__m256i; 4];
    const STREAMING: bool = true;
    type D = [__m256d; 2];
    #[inline(always)]
    fn splat_d(self, x: f64) -> [__m256d; 2] {
        tf!([_mm256_set1_pd(x); 2])
    }
    #[inline(always)]
    fn load_d(self, src: &[f64; 8]) -> [__m256d; 2] {
        // SAFETY: `src` holds exactly 8 f64 = two ymm; the token proves AVX2.
        unsafe { [_mm256_loadu_pd(src.as_ptr()), _mm256_loadu_pd(src[4..].as_ptr())] }
    }
    #[inline(always)]
    fn store_d(self, v: [__m256d; 2], out: &mut [f64; 8]) {
        // SAFETY: `out` holds exactly 8 f64 = two ymm; the token proves AVX2.
        unsafe {
            _mm256_storeu_pd(out.as_mut_ptr(), v[0]);
            _mm256_storeu_pd(out[4..].as_mut_ptr(), v[1]);
        }
    }
    #[inline(always)]
    fn mul_add_d(self, a: [__m256d; 2], b: [__m256d; 2], c: [__m256d; 2]) -> [__m256d; 2] {
        tf!([_mm256_add_pd(_mm256_mul_pd(a[0], b[0]), c[0]), _mm256_add_pd(_mm256_mul_pd(a[1], b[1]), c[1])])
    }
    #[inline(always)]
    fn load_state(self, words: &[[u64; LANES]; 4]) -> [[__m256i; 4]; 4] {
        let w = words;
        // SAFETY: each load reads 4 u64 = 32 bytes at offsets 0, 4, 8, 12 of a [u64; 16] (in bounds); the
        // token proves AVX2.
        // (A loop, not `from_fn`: closures do not inherit the target feature.)
        let mut st = [[tf!(_mm256_setzero_si256()); 4]; 4];
        for (s, w) in st.iter_mut().zip(w) {
            for (q, s) in s.iter_mut().enumerate() {
                // SAFETY: as above.
                *s = unsafe { _mm256_loadu_si256(w[4 * q..].as_ptr().cast()) };
            }
        }
        st
    }
    #[inline(always)]
    fn step_half<const H: usize>(self, st: &mut [[__m256i; 4]; 4]) -> [__m256i; 2] {
        let mut out = [tf!(_mm256_setzero_si256()); 2];
        for (q, o) in out.iter_mut().enumerate() {
            let h = 2 * H + q;
            let [s0, s1, s2, s3] = [st[0][h], st[1][h], st[2][h], st[3][h]];
            tf!({
                *o = _mm256_add_epi64(rotl64!(_mm256_add_epi64(s0, s3), 23, 41), s0);
                let t = _mm256_slli_epi64::<17>(s1);
                let s2 = _mm256_xor_si256(s2, s0);
                let s3 = _mm256_xor_si256(s3, s1);
                let s1 = _mm256_xor_si256(s1, s2);
                let s0 = _mm256_xor_si256(s0, s3);
                let s2 = _mm256_xor_si256(s2, t);
                let s3 = rotl64!(s3, 45, 19);
                st[0][h] = s0;
                st[1][h] = s1;
                st[2][h] = s2;
                st[3][h] = s3;
            });
        }
        // Lanes 8H..8H+8 read as 16 u32: the words of the format, no shuffle.
        out
    }
    #[inline(always)]
    fn store(self, v: [__m256; 2], out: &mut [f32; LANES]) {
        // SAFETY: `out` holds 16 f32 = two ymm; the token proves AVX2.
        unsafe {
            _mm256_storeu_ps(out.as_mut_ptr(), v[0]);
            _mm256_storeu_ps(out[8..].as_mut_ptr(), v[1]);
        }
    }
    #[inline(always)]
    fn load(self, src: &[f32; LANES]) -> [__m256; 2] {
        // SAFETY: `src` holds 16 f32 = two ymm; the token proves AVX2.
        unsafe { [_mm256_loadu_ps(src.as_ptr()), _mm256_loadu_ps(src[8..].as_ptr())] }
    }
    #[inline(always)]
    fn stream(self, v: [__m256; 2], out: &mut [f32; LANES]) {
        if (out.as_ptr() as usize).is_multiple_of(32) {
            // SAFETY: `out` holds 16 f32 = two ymm at a 32-byte-aligned address (checked), as the streaming
            // store requires; the token proves AVX2.
            unsafe {
                _mm256_stream_ps(out.as_mut_ptr(), v[0]);
                _mm256_stream_ps(out[8..].as_mut_ptr(), v[1]);
            }
        } else {
            self.store(v, out)
        }
    }
    #[inline(always)]
    fn fence(self) {
        tf!(_mm_sfence())
    }
    #[inline(always)]
    fn prefetch(self, at: &[f32]) {
        // SAFETY: as for AVX-512 (a prefetch never faults and changes no memory).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(at.as_ptr().cast()) }
    }
    /// Not one instruction here (lanes cross the two halves): misaligned large fills use the stage.
    const ROTATE: bool = false;
    #[inline(always)]
    fn rotate_index(self, h: usize) -> [__m256i; 2] {
        tf!([_mm256_set1_epi32(h as i32), _mm256_setzero_si256()])
    }
    #[inline(always)]
    fn rotate(self, a: [__m256; 2], b: [__m256; 2], idx: [__m256i; 2]) -> [__m256; 2] {
        let h = (tf!(_mm256_cvtsi256_si32(idx[0])) as usize) % LANES;
        let mut both = [0.0f32; 2 * LANES];
        let (x, y) = both.split_at_mut(LANES);
        self.store(a, x.try_into().expect("16"));
        self.store(b, y.try_into().expect("16"));
        self.load((&both[h..h + LANES]).try_into().expect("16"))
    }
    #[inline(always)]
    fn compress_store(self, v: [__m256; 2], m: [__m256i; 2], out: &mut [f32], at: usize) -> Option<usize> {
        let dst = out.get_mut(at..at.checked_add(LANES)?)?;
        let mut k = 0;
        for h in 0..2 {
            let bits = tf!(_mm256_movemask_ps(_mm256_castsi256_ps(m[h]))) as usize & 0xff;
            // SAFETY: the permutation indices are a 32-byte row of the table; `k <= 8`, so the 8-lane store
            // at `dst[k..k + 8]` lies inside the 16-element `dst`; the token proves AVX2.
            unsafe {
                let idx = _mm256_loadu_si256(COMPRESS8[bits].as_ptr().cast());
                _mm256_storeu_ps(dst[k..k + 8].as_mut_ptr(), _mm256_permutevar8x32_ps(v[h], idx));
            }
            k += bits.count_ones() as usize;
        }
        Some(k)
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::{Avx2, Avx512, LANES};
    use crate::simd::{Lanes16, Wide};

    /// `rotate(a, b, rotate_index(h))` is lanes `h..16` of `a`, then lanes `0..h` of `b`, on every token the
    /// CPU has.
    fn check<S: Wide>(s: S) {
        let a: [f32; LANES] = core::array::from_fn(|l| l as f32);
        let b: [f32; LANES] = core::array::from_fn(|l| (LANES + l) as f32);
        for h in 0..LANES {
            let mut out = [0.0f32; LANES];
            s.store(s.rotate(s.load(&a), s.load(&b), s.rotate_index(h)), &mut out);
            let want: [f32; LANES] = core::array::from_fn(|t| (h + t) as f32);
            assert_eq!(out, want, "shift {h}");
        }
    }

    #[test]
    fn rotate_joins_two_vectors_at_every_shift() {
        check(Lanes16);
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: AVX2 and FMA were detected.
            check(unsafe { Avx2::new() });
        }
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F was detected.
            check(unsafe { Avx512::new() });
        }
    }
}
