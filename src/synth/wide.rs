//! The synth's hot loops compiled twice: for the baseline x86-64 the build targets (SSE2, four
//! f32 or two f64 lanes per instruction) and for AVX2 (eight or four), the one to run picked by
//! what the processor has. The arithmetic and its order are the same either way (Rust neither fuses nor reorders
//! float operations), so the output is the same bit for bit; only the instructions differ.

use std::sync::atomic::{AtomicBool, Ordering};

static BASELINE_ONLY: AtomicBool = AtomicBool::new(false);

/// Whether the AVX2 copies run: the processor has AVX2 and [`set_baseline_only`] is off.
#[inline]
pub fn avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && !BASELINE_ONLY.load(Ordering::Relaxed)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs only the baseline copies from now on (`true`), as a processor without AVX2 would, or
/// the AVX2 copies where there is AVX2 (`false`), for every thread. For checking that both
/// render the same.
pub fn set_baseline_only(on: bool) {
    BASELINE_ONLY.store(on, Ordering::Relaxed);
}

/// Defines a function whose body is compiled for the baseline and for AVX2, and which runs the
/// AVX2 copy where the processor has it. Plain parameters only (`name: Type`); rebind inside
/// what must be `mut`.
macro_rules! wide_fn {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            if $crate::synth::wide::avx2() {
                #[target_feature(enable = "avx2")]
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
