//! The command line: no subcommand opens the window; each subcommand calls the same domain
//! functions the panels use.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "benchtop",
    version,
    about = "A workbench for DataDecide scaling curves, FT-vs-PT comparisons, LatentScore vibes and burn jobs",
    long_about = "A workbench for DataDecide scaling curves, FT-vs-PT comparisons, LatentScore vibes \
                  and their audio, and burn jobs.\n\nWith no subcommand, benchtop opens its window."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the workbench window (the same as no subcommand)
    Gui,
    /// Show versions, the compute adapter, the audio device, the display and the folders benchtop uses
    Doctor,
}

/// Parses the arguments, runs the command, and turns errors into a message and exit code 1.
pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Gui) {
        Command::Gui => run_gui(),
        Command::Doctor => {
            print!("{}", crate::doctor::run());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("benchtop: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BENCHTOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,benchtop=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn run_gui() -> anyhow::Result<()> {
    crate::doctor::display_status().map_err(anyhow::Error::msg).context("cannot open the benchtop window")?;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("benchtop")
        .with_app_id(crate::APP_ID)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([720.0, 480.0]);
    match eframe::icon_data::from_png_bytes(include_bytes!("../assets/icon.png")) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(err) => tracing::warn!("the window icon could not be decoded: {err}"),
    }
    let options = eframe::NativeOptions { viewport, ..Default::default() };
    eframe::run_native(
        crate::APP_ID,
        options,
        Box::new(|cc| Ok(Box::new(crate::app::BenchtopApp::new(cc, crate::app::AppConfig::default())))),
    )
    .map_err(|err| {
        let text = err.to_string();
        if text.contains("WGPU") || text.contains("wgpu") {
            anyhow::anyhow!(
                "{text} (the window draws with wgpu and needs a Vulkan, Metal, DirectX 12 or OpenGL \
                 driver; on Debian, mesa-vulkan-drivers provides a software one)"
            )
        } else {
            anyhow::anyhow!("{text}")
        }
    })
    .context("cannot open the benchtop window")
}
