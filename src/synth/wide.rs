//! The synth's hot loops compiled three times: for the baseline x86-64 the build targets (SSE2,
//! four f32 or two f64 lanes per instruction), for AVX2 with FMA (eight or four) and for AVX-512
//! (sixteen or eight), the one to run picked by what the processor has. The arithmetic and its
//! order are the same in every copy (Rust neither fuses nor reorders float operations on its own;
//! the fused multiply-adds the loops ask for with `mul_add` round once in every copy: an FMA
//! instruction in the wide ones, the C library's exact `fmaf`/`fma` in the baseline), so the
//! output is the same bit for bit; only the instructions differ. The baseline copy pays a call
//! per fused multiply-add: it runs only on x86-64 processors without AVX2 and FMA (before 2013),
//! while other architectures' baselines have the instruction (aarch64's `fmla`). A loop the
//! compiler does not vectorize well from its portable body may give the AVX2 and AVX-512 copies a
//! body written with intrinsics instead (`wide_fn!`'s `avx2:` form), the same arithmetic in the
//! same order.

use std::sync::atomic::{AtomicU8, Ordering};

/// The widest instructions the copies may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Width {
    Baseline = 0,
    Avx2 = 1,
    Avx512 = 2,
}

/// The widest copies that run: what the processor has, or narrower where [`set_widest`] asked;
/// [`UNKNOWN`] until first asked (a hot loop asks once a call, so this is one load where the
/// processor's features were several tests).
static RUNS: AtomicU8 = AtomicU8::new(UNKNOWN);
const UNKNOWN: u8 = u8::MAX;

#[inline(always)]
fn runs() -> u8 {
    match RUNS.load(Ordering::Relaxed) {
        UNKNOWN => detect(),
        width => width,
    }
}

/// Records what the processor has, unless a [`set_widest`] got there first (its width stands).
#[cold]
#[inline(never)]
fn detect() -> u8 {
    let width = processor() as u8;
    match RUNS.compare_exchange(UNKNOWN, width, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => width,
        Err(set) => set,
    }
}

/// The widest copies this processor can run: AVX-512 (foundation, byte and word, double and
/// quad word, vector length) with FMA, or AVX2 with FMA, or the baseline.
fn processor() -> Width {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if !(has!("avx2") && has!("fma")) {
            return Width::Baseline;
        }
        if has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl") {
            return Width::Avx512;
        }
        Width::Avx2
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Width::Baseline
    }
}

/// Whether the AVX2 copies may run: the processor has AVX2 and FMA and [`set_widest`] allows
/// them (false on other architectures).
#[inline(always)]
pub fn avx2() -> bool {
    runs() >= Width::Avx2 as u8
}

/// Whether the AVX-512 copies run: the processor has AVX-512 (foundation, byte and word,
/// double and quad word, vector length) and FMA, and [`set_widest`] allows them.
#[inline(always)]
pub fn avx512() -> bool {
    runs() >= Width::Avx512 as u8
}

/// Runs copies no wider than `width` from now on, for every thread, as a processor with no
/// wider instructions would (the widest the processor has where it has less). For checking
/// that every copy renders the same.
pub fn set_widest(width: Width) {
    RUNS.store((processor() as u8).min(width as u8), Ordering::Relaxed);
}

/// Defines a function whose body is compiled for the baseline, for AVX2 and for AVX-512, and
/// which runs the widest copy the processor has. Plain parameters only (`name: Type`); rebind
/// inside what must be `mut`.
///
/// With `avx2: path` after the body, the body is the baseline copy only, and the AVX2 and
/// AVX-512 copies call `path` instead: a function of the same parameters with
/// `#[target_feature(enable = "avx2,fma")]`, written with `core::arch` intrinsics, for a loop the
/// compiler does not vectorize as well from the body. The AVX-512 copy is that function compiled
/// with AVX-512 at hand. It must do the body's arithmetic in the body's order, as the copies of
/// a plain body do.
macro_rules! wide_fn {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
        avx2: $avx2:path
    ) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            if $crate::synth::wide::avx512() {
                #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,fma")]
                fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $avx2($($arg),*)
                }
                // SAFETY: `avx512()` found AVX-512 on this processor.
                return unsafe { avx512($($arg),*) };
            }
            #[cfg(target_arch = "x86_64")]
            if $crate::synth::wide::avx2() {
                // SAFETY: `avx2()` found AVX2 and FMA on this processor.
                return unsafe { $avx2($($arg),*) };
            }
            $body
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            if $crate::synth::wide::avx512() {
                #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,fma")]
                fn avx512($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                // SAFETY: `avx512()` found AVX-512 on this processor.
                return unsafe { avx512($($arg),*) };
            }
            #[cfg(target_arch = "x86_64")]
            if $crate::synth::wide::avx2() {
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                // SAFETY: `avx2()` found AVX2 on this processor.
                return unsafe { avx2($($arg),*) };
            }
            body($($arg),*)
        }
    };
}
