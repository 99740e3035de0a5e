//! Records the crate versions from Cargo.lock and the compiler version for `benchtop doctor`.

fn main() {
    built::write_built_file().expect("writing the build information for `benchtop doctor`");
}
