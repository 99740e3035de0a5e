//! benchtop: a native workbench for DataDecide scaling curves, FT-vs-PT comparisons, LatentScore
//! vibes and their audio, and burn jobs. The domains live here, each testable without a window;
//! `app` draws them; `cli` runs the same domain functions from the command line.

pub mod analysis;
pub mod app;
pub mod audio;
pub mod cli;
pub mod datadecide;
pub mod doctor;
pub mod download;
pub mod export;
pub mod ft;
pub mod hub;
pub mod jobs;
pub mod jsonl;
pub mod memory;
pub mod ml;
pub mod notify;
pub mod paths;
pub mod synth;
pub mod vibes;

/// The application id: window class, storage folder name, settings key.
pub const APP_ID: &str = "benchtop";

/// What was built: versions of benchtop, the compiler and every locked dependency.
pub mod build_info {
    include!(concat!(env!("OUT_DIR"), "/built.rs"));
}

/// The layering rule, checked on the source: domains never use the app.
#[cfg(test)]
mod layering {
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The code of a line: comments and the contents of string literals left out.
    fn code(line: &str) -> String {
        let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (in_string, c) {
                (false, '/') if chars.peek() == Some(&'/') => break,
                (false, '"') => in_string = true,
                (false, _) => out.push(c),
                (true, '\\') if !escaped => {
                    escaped = true;
                    continue;
                }
                (true, '"') if !escaped => in_string = false,
                (true, _) => {}
            }
            escaped = false;
        }
        out
    }

    /// No module outside `src/app/` names egui, eframe, egui_plot or the app (`src/cli.rs` opens
    /// the window through `app::window::run`, and `src/main.rs` only hands over to the CLI).
    #[test]
    fn domains_never_use_the_app() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut found = Vec::new();
        for file in files.iter().filter(|f| !f.starts_with(src.join("app"))) {
            let allowed_app = file.ends_with("cli.rs");
            let text = std::fs::read_to_string(file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = code(line);
                let egui = ["egui::", "eframe::", "egui_plot", "egui_extras", "use egui", "use eframe"];
                if egui.iter().any(|w| code.contains(w)) || (!allowed_app && code.contains("crate::app")) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(found.is_empty(), "domain modules using the app:\n{}", found.join("\n"));
        assert!(files.len() > 50, "the walk found the sources");
    }
}
