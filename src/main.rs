#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // After a large load, give the freed working memory back to the system at once.
    benchtop::memory::set_release(|| unsafe { libmimalloc_sys::mi_collect(true) });
    benchtop::cli::main()
}
