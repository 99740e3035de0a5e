#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`benchtop vibes summary F | head`)
    // would panic; with the default action the process ends quietly, as command-line tools do.
    #[cfg(unix)]
    // SAFETY: at start, before any thread: SIGPIPE goes back to its default action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // After a large load, give the freed working memory back to the system at once.
    // SAFETY: mi_collect only returns the allocator's free pages; any thread may call it.
    benchtop::memory::set_release(|| unsafe { libmimalloc_sys::mi_collect(true) });
    benchtop::cli::main()
}
