fn main() -> std::process::ExitCode {
    benchtop::cli::main()
}
