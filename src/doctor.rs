//! `benchtop doctor`: what this machine offers benchtop (versions, compute, audio, display,
//! folders), each with the reason when something is missing. Never fails for a missing device.

use crate::audio::device::{AudioProbe, probe_audio};
use crate::build_info;
use crate::hub::HubCache;
use crate::ml::backend::{ComputeChoice, ComputeProbe, probe_compute};
use crate::paths::Folders;

/// The crates whose versions the report names (all pinned in Cargo.toml).
const KEY_CRATES: &[&str] =
    &["eframe", "egui", "egui_plot", "wgpu", "burn", "polars", "cpal", "hound", "reqwest", "tokio", "rfd"];

/// Where a window can be opened: `Ok(description)` or `Err(reason)`.
pub fn display_status() -> Result<String, String> {
    if !cfg!(target_os = "linux") {
        return Ok("native windowing".to_owned());
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("WAYLAND_DISPLAY"), var("DISPLAY")) {
        (Some(w), _) => Ok(format!("Wayland {w}")),
        (None, Some(x)) => Ok(format!("X11 {x}")),
        (None, None) => Err("neither DISPLAY nor WAYLAND_DISPLAY is set: no display to open a window on \
             (run inside a desktop session, or under Xvfb: xvfb-run benchtop)"
            .to_owned()),
    }
}

/// Versions of benchtop, the compiler and the key crates, one per line.
pub fn versions() -> Vec<String> {
    let mut lines = vec![
        format!("benchtop {} ({})", build_info::PKG_VERSION, build_info::PROFILE),
        build_info::RUSTC_VERSION.to_owned(),
    ];
    let crates: Vec<String> = KEY_CRATES
        .iter()
        .filter_map(|name| {
            build_info::DIRECT_DEPENDENCIES.iter().find(|(n, _)| n == name).map(|(n, v)| format!("{n} {v}"))
        })
        .collect();
    lines.push(crates.join(", "));
    lines
}

/// The whole report as text.
pub fn report(
    compute: &ComputeProbe,
    audio: &AudioProbe,
    folders: Result<&Folders, &str>,
    hub: &HubCache,
) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line("versions".into());
    for v in versions() {
        line(format!("  {v}"));
    }

    line("compute (burn)".into());
    if compute.adapters.is_empty() {
        line("  wgpu adapters: none".into());
    }
    for a in &compute.adapters {
        line(format!("  wgpu adapter: {a}"));
    }
    match &compute.choice {
        ComputeChoice::Wgpu(a) => line(format!("  burn will use: wgpu on {}", a.name)),
        ComputeChoice::Cpu { why } => {
            line(format!("  burn will use: CPU (burn's flex backend) because {why}"))
        }
    }

    line("audio (cpal)".into());
    line(format!("  host: {}", audio.host));
    line(format!(
        "  output devices: {}",
        if audio.outputs.is_empty() { "none listed".to_owned() } else { audio.outputs.join(", ") }
    ));
    match &audio.output {
        Ok(c) => line(format!("  default output: {c}")),
        Err(why) => line(format!("  no audio output: {why} (rendering and WAV export still work)")),
    }

    line("display".into());
    match display_status() {
        Ok(d) => line(format!("  {d}")),
        Err(why) => line(format!("  none: {why}")),
    }

    line("folders".into());
    match folders {
        Ok(f) => {
            line(format!("  cache: {}", f.cache.display()));
            line(format!("  config: {}", f.config.display()));
            line(format!("  ui state: {}", f.state.display()));
        }
        Err(why) => line(format!("  unknown: {why}")),
    }
    line(format!("  hugging face cache: {}", hub.root.display()));
    out
}

/// Probes this machine and returns the report.
pub fn run() -> String {
    let compute = probe_compute();
    let audio = probe_audio();
    let folders = Folders::discover().map_err(|e| format!("{e:#}"));
    report(&compute, &audio, folders.as_ref().map_err(String::as_str), &HubCache::discover())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::backend::AdapterSummary;

    #[test]
    fn versions_come_from_the_lock_file() {
        let lines = versions();
        assert!(lines[0].starts_with("benchtop "));
        assert!(lines[1].starts_with("rustc "), "{}", lines[1]);
        // Cargo.toml pins these exactly.
        for pinned in ["eframe 0.37.0", "egui_plot 0.38.0", "burn 0.22.1", "wgpu 30.0.1", "cpal 0.18.2"] {
            assert!(lines[2].contains(pinned), "{pinned} missing from {}", lines[2]);
        }
    }

    #[test]
    fn the_report_gives_reasons_for_what_is_missing() {
        let soft = AdapterSummary {
            name: "llvmpipe (LLVM 15.0.6, 256 bits)".into(),
            backend: "Vulkan".into(),
            device_type: "Cpu".into(),
            driver: "llvmpipe".into(),
            software: true,
        };
        let compute = ComputeProbe::from_adapters(vec![soft], None);
        let audio = AudioProbe {
            host: "ALSA".into(),
            outputs: vec!["default".into()],
            output: Err("the default output device \"default\" cannot play: not available".into()),
        };
        let text = report(&compute, &audio, Err("no home folder"), &HubCache::at("/hf/hub"));
        assert!(text.contains(
            "wgpu adapter: llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan, Cpu, software, driver llvmpipe)"
        ));
        assert!(
            text.contains(
                "burn will use: CPU (burn's flex backend) because only a software adapter was found"
            )
        );
        assert!(
            text.contains(
                "no audio output: the default output device \"default\" cannot play: not available"
            )
        );
        assert!(text.contains("folders\n  unknown: no home folder\n  hugging face cache: /hf/hub\n"));
    }
}
