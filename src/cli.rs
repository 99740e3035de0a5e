//! The command line: no subcommand opens the window; each subcommand calls the same domain
//! functions the panels use.

use crate::datadecide::query::{Band, XAxis};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

mod fast;

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
    Gui {
        /// Open this mean_eval_melted table instead of the one used last
        #[arg(long, value_name = "FILE")]
        data: Option<PathBuf>,
    },
    /// Show versions, the compute adapter, the audio device, the display and the folders benchtop uses
    Doctor,
    /// AllenAI DataDecide: fetch from the Hub, build mean_eval_melted, generate synthetic data, inspect files
    #[command(subcommand)]
    Datadecide(DataDecideCommand),
    /// Fine-tuning vs pre-training tables: describe one, or write the SYNTHETIC sample
    #[command(subcommand)]
    Ft(FtCommand),
    /// LatentScore pipeline rows (02a vibes, 02b candidates, 02c scores, 10 map)
    #[command(subcommand)]
    Vibes(VibesCommand),
    /// The models benchtop runs: download them into the Hugging Face cache
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Draw DataDecide scaling curves to a PNG or SVG figure, or write their series as CSV
    Plot(PlotArgs),
    /// Print the decision-accuracy table of a task's metric: each size's recipe ranking against the target's
    Decide {
        #[command(flatten)]
        data: DataArgs,
        /// The task (arc_easy, mmlu_average, ...) or a full metric name (arc_easy_acc_raw)
        #[arg(long)]
        task: String,
        /// The metric of the task (acc_raw, bits_per_byte_corr, ...); not needed with a full name
        #[arg(long)]
        metric: Option<String>,
        /// The size whose ranking the others are compared with
        #[arg(long, default_value = "1B")]
        target: String,
        /// Score each recipe by the mean of its last K checkpoints (1: the final one)
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        last: u32,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Fit DataDecide's two-step scaling laws for every task × recipe and predict the target size
    Fit {
        #[command(flatten)]
        data: DataArgs,
        /// The burn backend (default: wgpu where a hardware adapter exists, else the CPU)
        #[arg(long, value_enum)]
        backend: Option<crate::ml::backend::Backend>,
        /// The task loss metric of step 1 (without the task)
        #[arg(long, default_value = "bits_per_byte_corr")]
        loss_metric: String,
        /// The accuracy metric of step 2 (without the task)
        #[arg(long, default_value = "acc_raw")]
        acc_metric: String,
        /// The sizes the laws are fitted on, comma-separated
        #[arg(long, value_delimiter = ',', default_value = "150M,300M,530M,750M")]
        fit_sizes: Vec<String>,
        /// The size predicted and compared with
        #[arg(long, default_value = "1B")]
        target: String,
        /// Adam iterations of each step (default 3000 for step 1, 6000 for step 2)
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        iterations: Option<u32>,
        /// Also write the fitted points as JSON (the input of benches/scaling_fit_scipy.py)
        #[arg(long, value_name = "FILE")]
        points_out: Option<PathBuf>,
        /// Print the whole report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Train the vibe-to-config model (one classification head per config field) on LatentScore rows
    Train {
        /// A LatentScore JSONL file or folder with configs (02b, 02c or the embedding map);
        /// default: the bundled SYNTHETIC training set
        #[arg(long, value_name = "FILE_OR_DIR")]
        data: Option<PathBuf>,
        /// The folder the model, its checkpoints and its report go to
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Passes over SFT-Train (1 to 100,000)
        #[arg(long, default_value_t = crate::ml::vibe::train::TrainOptions::default().epochs,
              value_parser = usize_in(1, 100_000))]
        epochs: usize,
        /// Rows per step (1 to 65,536)
        #[arg(long, default_value_t = crate::ml::vibe::train::TrainOptions::default().batch_size,
              value_parser = usize_in(1, 65_536))]
        batch_size: usize,
        /// The burn backend (default: wgpu where a hardware adapter exists, else the CPU)
        #[arg(long, value_enum)]
        backend: Option<crate::ml::backend::Backend>,
        /// Continue from the checkpoint in --out instead of starting afresh
        #[arg(long)]
        resume: bool,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Predict a config for a vibe, or for every row of a file's split: with the trained
    /// vibe-to-config model (--model DIR from `benchtop train`), or with LatentScore's fast model
    /// (--map MAP.jsonl: all-MiniLM-L6-v2 and the map's nearest row)
    Infer(InferArgs),
    /// Embed texts with all-MiniLM-L6-v2 (mean-pooled, unit length, 384 numbers): one JSON object
    /// a line, {"text": ..., "embedding": [...]}, in input order
    #[command(group(clap::ArgGroup::new("texts").required(true).args(["text", "input"])))]
    Embed {
        /// A folder holding model.safetensors, tokenizer.json and config.json (default: the cached download)
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        /// Texts to embed (repeat --text, or give several after one)
        #[arg(long, num_args = 1.., value_name = "T")]
        text: Vec<String>,
        /// A file with one text a line
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// The JSONL file to write (default: standard output)
        #[arg(short, long, value_name = "OUT.jsonl")]
        out: Option<PathBuf>,
        /// The burn backend (default: wgpu where a hardware adapter exists, else the CPU)
        #[arg(long, value_enum)]
        backend: Option<crate::ml::backend::Backend>,
    },
    /// Measure: render a synth preset several times in one process (see benches/synth_render.sh)
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Render a LatentScore music config (or a candidate payload with a "config" key) to a WAV file
    Render {
        /// The config JSON file ("-": standard input)
        config: PathBuf,
        /// The WAV file to write
        #[arg(short, long, value_name = "FILE")]
        out: PathBuf,
        /// Length in seconds (0.1 to 3600)
        #[arg(long, default_value_t = 30.0, value_parser = seconds_arg)]
        seconds: f64,
        /// Seed of the synth's random generator (the same seed renders the same audio)
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Write 32-bit float samples instead of 16-bit PCM
        #[arg(long)]
        float: bool,
        /// Also draw the render's spectrogram (0-8 kHz) to this PNG file
        #[arg(long, value_name = "PNG")]
        spectrogram: Option<PathBuf>,
    },
}

/// `benchtop infer`'s arguments.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("which").required(true).multiple(true).args(["model", "map"])))]
pub struct InferArgs {
    /// Without --map: the folder `benchtop train` wrote. With --map: a folder holding the
    /// MiniLM model (model.safetensors, tokenizer.json, config.json; default: the cached download)
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Use the fast model over this embedding map (LatentScore's stage 10 format, a file or folder)
    #[arg(long, value_name = "MAP")]
    pub map: Option<PathBuf>,
    /// The vibe to predict a config for
    #[arg(long, conflicts_with = "data")]
    pub vibe: Option<String>,
    /// Predict every row of this LatentScore file or folder instead (writes 02b-format JSONL to -o)
    #[arg(long, value_name = "FILE_OR_DIR", requires = "out")]
    pub data: Option<PathBuf>,
    /// With --data: only rows of this split (SFT-Train, SFT-Val, GRPO, TEST)
    #[arg(long, requires = "data")]
    pub split: Option<String>,
    /// Where to write: the payload JSON (which `benchtop render` reads) for --vibe, JSONL for --data
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// With --map: how many nearest map rows to show (1 to 1,000)
    #[arg(short, long, default_value_t = 5, value_parser = usize_in(1, 1000), requires = "map")]
    pub k: usize,
    /// Print the prediction as JSON
    #[arg(long, conflicts_with = "data")]
    pub json: bool,
    /// The burn backend
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: crate::ml::backend::Backend,
}

#[derive(Debug, Subcommand)]
pub enum VibesCommand {
    /// Rows, bad lines (with line numbers), counts by split, level and scope, validity rates,
    /// mean best score, and best-index changes between 02b and 02c
    Summary {
        /// A JSONL file, or a folder of split files
        path: PathBuf,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Write a SYNTHETIC 02c-format file (vibes with five scored candidates each), or with --map
    /// the embedding-map-style training set (one config per vibe)
    Synth {
        #[arg(short, long, value_name = "FILE")]
        out: PathBuf,
        /// Write the training set (data/latentscore-synthetic-train.jsonl) instead of the 02c sample
        #[arg(long)]
        map: bool,
        /// How many vibes, 1 to 1,000,000 (default: 300 for the 02c sample, 3000 for --map)
        #[arg(long, value_parser = usize_in(1, 1_000_000))]
        vibes: Option<usize>,
        /// The generator's seed (default: the bundled file's)
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Build an embedding map (LatentScore's stage 10 format) from a 02b/02c file or folder:
    /// each row's vibe embedded with all-MiniLM-L6-v2, with its best config
    BuildMap {
        /// A LatentScore JSONL file, or a folder of split files
        input: PathBuf,
        /// The map file to write
        #[arg(short, long, value_name = "MAP.jsonl")]
        out: PathBuf,
        /// A folder holding model.safetensors, tokenizer.json and config.json (default: the cached download)
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        /// The splits that go in, comma-separated (default: all but TEST)
        #[arg(long, value_delimiter = ',', value_name = "S,...")]
        splits: Option<Vec<String>>,
        /// The burn backend (default: wgpu where a hardware adapter exists, else the CPU)
        #[arg(long, value_enum)]
        backend: Option<crate::ml::backend::Backend>,
    },
    /// Download LatentScore's embedding map (stage 10, ~100 MB) from the Hub into the cache
    FetchMap {
        /// A mirror or a local server with the Hub's layout
        #[arg(long, default_value = crate::datadecide::hub::DEFAULT_BASE_URL)]
        base_url: String,
        /// The Hugging Face cache folder (default: the one huggingface_hub uses, see `benchtop doctor`)
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
        /// A commit (or a branch, resolved to its commit) instead of the one the cache pinned
        #[arg(long)]
        revision: Option<String>,
        /// Download even when the Hub's listing gives no size and SHA-256 to check the file against
        #[arg(long)]
        no_verify: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download a model's files (pinned commit, sizes and SHA-256 checked) into the Hugging Face
    /// cache, unless they are there; prints the model's folder
    Fetch {
        #[arg(value_enum)]
        model: ModelName,
        /// A mirror or a local server with the Hub's layout
        #[arg(long, value_name = "URL", default_value = crate::hub::DEFAULT_BASE_URL)]
        base_url: String,
        /// The Hugging Face cache folder (default: the one huggingface_hub uses, see `benchtop doctor`)
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
    },
}

/// The models `benchtop models` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelName {
    /// sentence-transformers/all-MiniLM-L6-v2 (LatentScore's fast encoder, 91 MB)
    Minilm,
}

#[derive(Debug, Subcommand)]
pub enum FtCommand {
    /// Write the SYNTHETIC FT-vs-PT sample (runs and histories, parquet) into a folder
    Synth {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Describe a runs table (parquet, CSV or JSONL): runs, matched metrics, skipped rows
    Info { file: PathBuf },
}

/// Which DataDecide table a command reads.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// A mean_eval_melted parquet or CSV file (its per-seed table is used if one sits beside it)
    #[arg(long, value_name = "FILE", conflicts_with = "synthetic", required_unless_present = "synthetic")]
    pub data: Option<PathBuf>,
    /// The bundled SYNTHETIC demo data
    #[arg(long)]
    pub synthetic: bool,
}

impl DataArgs {
    fn open(&self) -> anyhow::Result<crate::datadecide::dataset::Dataset> {
        match &self.data {
            Some(path) => crate::datadecide::dataset::Dataset::open(path),
            None => crate::datadecide::dataset::Dataset::demo(),
        }
    }
}

/// A whole-number argument that must lie in `lo..=hi` (the message gives the range).
fn usize_in(lo: usize, hi: usize) -> impl Fn(&str) -> Result<usize, String> + Clone {
    move |text| match text.trim().parse::<usize>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        Ok(n) => Err(format!("{n} is not in {lo}..={hi}")),
        Err(_) => Err(format!("{text:?} is not a whole number (allowed: {lo}..={hi})")),
    }
}

/// A length in seconds: 0.1 to 3600.
fn seconds_arg(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if (0.1..=3600.0).contains(&s) => Ok(s),
        Ok(s) => Err(format!("{s} s is not in 0.1..=3600")),
        Err(_) => Err(format!("{text:?} is not a number of seconds (allowed: 0.1..=3600)")),
    }
}

#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The metric (pile-valppl, arc_easy_acc_raw, ...)
    #[arg(long)]
    pub metric: String,
    /// Recipes, comma-separated (default: Dolma1.7, DCLM-Baseline, C4, FineWeb-Edu)
    #[arg(long, value_delimiter = ',')]
    pub recipes: Vec<String>,
    /// Sizes, comma-separated (default: 60M, 150M, 530M, 1B)
    #[arg(long, value_delimiter = ',')]
    pub sizes: Vec<String>,
    /// x axis
    #[arg(long, value_enum, default_value_t = XAxis::Compute)]
    pub x: XAxis,
    #[arg(long)]
    pub log_x: bool,
    #[arg(long)]
    pub log_y: bool,
    /// Debiased EMA weight, 0 to 0.99
    #[arg(long, default_value_t = 0.0)]
    pub smooth: f64,
    /// Seed band
    #[arg(long, value_enum, default_value_t = Band::MinMax)]
    pub band: Band,
    /// Figure size in pixels (each 100 to 8192)
    #[arg(long, default_value_t = 1600, value_parser = clap::value_parser!(u32).range(100..=8192))]
    pub width: u32,
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(100..=8192))]
    pub height: u32,
    /// fig.png, fig.svg or fig.csv
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Load a mean_eval_melted table, then time selection changes to drawable series (median of
    /// --runs) and report the process's memory
    Series {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long, default_value_t = 50, value_parser = usize_in(1, 1_000_000))]
        runs: usize,
    },
    /// Time the synth's kernels (oscillators, filter, envelope, jitter) on one note-sized
    /// signal: nanoseconds a sample, the fastest of --runs
    Kernels {
        #[arg(long, default_value_t = 20_000, value_parser = usize_in(64, 100_000_000))]
        samples: usize,
        #[arg(long, default_value_t = 200, value_parser = usize_in(1, 1_000_000))]
        runs: usize,
    },
    /// Embed texts (one a line of --input; default: the bundled training set's vibes) with
    /// all-MiniLM-L6-v2 in batches on the CPU, --runs times: sentences a second of each run and the median
    Embed {
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        #[arg(long, default_value_t = 32, value_parser = usize_in(1, 4096))]
        batch: usize,
        #[arg(long, default_value_t = 3, value_parser = usize_in(1, 1000))]
        runs: usize,
    },
    /// The fast model's query latency: embed one vibe and search the map exactly, --runs times
    /// (after a warm-up); prints the median and the 90th percentile
    Query {
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        #[arg(long, value_name = "MAP")]
        map: PathBuf,
        #[arg(long, default_value_t = 200, value_parser = usize_in(1, 1_000_000))]
        runs: usize,
    },
    /// Render a preset of assets/synth-presets.json `--runs` times; print each time and the median
    Synth {
        #[arg(long, default_value = "Dense electronic")]
        preset: String,
        #[arg(long, default_value_t = 30.0, value_parser = seconds_arg)]
        seconds: f64,
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        runs: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum DataDecideCommand {
    /// Download the DataDecide files into the cache (resumable; sizes and hashes checked)
    Fetch {
        /// Only these groups: ppl, eval, macro, scaling-fit (repeatable; default: all)
        #[arg(long, value_name = "GROUP")]
        only: Vec<String>,
        /// A revision for both repositories instead of the pinned commits (e.g. main)
        #[arg(long)]
        revision: Option<String>,
        /// Replace https://huggingface.co (a mirror, or a local test server)
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// The Hugging Face cache folder (default: the one huggingface_hub uses, see `benchtop doctor`)
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
        /// Download even when the Hub's listing gives no size and SHA-256 to check a file against
        #[arg(long)]
        no_verify: bool,
        /// Attempts per file before giving up on transient failures (1 to 100)
        #[arg(long, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
        attempts: u32,
    },
    /// Build mean_eval_melted (and the per-seed table) from ppl and eval files, or from the cache
    Build {
        /// ppl-results parquet file
        #[arg(long, value_name = "FILE")]
        ppl: Option<PathBuf>,
        /// eval-results parquet shard (repeatable)
        #[arg(long, value_name = "FILE")]
        eval: Vec<PathBuf>,
        /// macro_avg parquet file (JSON metrics; adds olmes_10_macro_avg_<metric>)
        #[arg(long = "macro", value_name = "FILE")]
        macro_avg: Vec<PathBuf>,
        /// Where to write mean_eval_melted (parquet)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Where to write the per-seed wide table (parquet)
        #[arg(long, value_name = "FILE")]
        per_seed: Option<PathBuf>,
        /// With no files: the cached revision to build from
        #[arg(long)]
        revision: Option<String>,
        /// With no files: the Hugging Face cache folder (default: the one `benchtop doctor` names)
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
    },
    /// Write a SYNTHETIC dataset in the Hub's exact layout and formats
    Synth {
        /// Output folder
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The full size (1,410,750 eval rows, every metric) instead of the small set
        #[arg(long, conflicts_with = "demo")]
        full: bool,
        /// The bundled demo's size (6 checkpoints, 8 MMLU subjects, 7 metrics)
        #[arg(long)]
        demo: bool,
        /// Generator seed
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Describe a table: rows, columns, params, recipes, metrics, step range
    Info {
        /// A mean_eval_melted parquet or CSV file, or any parquet file
        file: PathBuf,
    },
}

/// Set by Ctrl+C (SIGINT) in the long commands: their progress reports cancellation, as the
/// window's Cancel does, and they stop at their next checkpoint.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether Ctrl+C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// The first Ctrl+C asks the command to stop cleanly; a second one ends the process at once.
fn install_interrupt_handler() {
    #[cfg(unix)]
    {
        extern "C" fn on_interrupt(_: libc::c_int) {
            if INTERRUPTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
                // SAFETY: _exit is async-signal-safe.
                unsafe { libc::_exit(130) };
            }
        }
        let handler: extern "C" fn(libc::c_int) = on_interrupt;
        // SAFETY: the handler only touches an atomic and calls _exit, both async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        }
    }
}

/// What a long command leaves when Ctrl+C stops it (`None`: not a long command).
fn on_interrupt(command: &Command) -> Option<String> {
    Some(match command {
        Command::Train { out, .. } => format!(
            "the last checkpoint in {} is kept (saved at the step it stopped); `benchtop train --resume \
             --out {}` continues it",
            out.display(),
            out.display()
        ),
        Command::Datadecide(DataDecideCommand::Fetch { .. })
        | Command::Vibes(VibesCommand::FetchMap { .. })
        | Command::Models(ModelsCommand::Fetch { .. }) => {
            "files already downloaded are kept; the partial one stays as a .part file and the next fetch \
             resumes it"
                .to_owned()
        }
        Command::Datadecide(DataDecideCommand::Build { .. }) | Command::Fit { .. } => {
            "nothing was written (no output and no temporary file is left)".to_owned()
        }
        Command::Datadecide(DataDecideCommand::Synth { .. }) => {
            "the files finished before it stopped are kept; nothing is half-written".to_owned()
        }
        Command::Render { .. }
        | Command::Infer(_)
        | Command::Embed { .. }
        | Command::Vibes(VibesCommand::Summary { .. } | VibesCommand::BuildMap { .. }) => {
            "nothing was written".to_owned()
        }
        _ => return None,
    })
}

/// Parses the arguments, runs the command, and turns errors into a message and exit code 1
/// (130 after Ctrl+C).
pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Gui { data: None });
    let interrupt_note = on_interrupt(&command);
    if interrupt_note.is_some() {
        install_interrupt_handler();
    }
    let result = match command {
        Command::Gui { data } => run_gui(data),
        Command::Doctor => {
            print!("{}", crate::doctor::run());
            Ok(())
        }
        Command::Datadecide(command) => datadecide(command),
        Command::Bench(BenchCommand::Synth { preset, seconds, runs }) => bench_synth(&preset, seconds, runs),
        Command::Bench(BenchCommand::Kernels { samples, runs }) => bench_kernels(samples, runs),
        Command::Bench(BenchCommand::Series { data, runs }) => bench_series(&data, runs),
        Command::Bench(BenchCommand::Embed { model, input, batch, runs }) => {
            fast::bench_embed(model.as_deref(), input.as_deref(), batch, runs)
        }
        Command::Bench(BenchCommand::Query { model, map, runs }) => {
            fast::bench_query(model.as_deref(), &map, runs)
        }
        Command::Plot(args) => plot(&args),
        Command::Ft(command) => ft(command),
        Command::Vibes(VibesCommand::Summary { path, json }) => vibes_summary(&path, json),
        Command::Vibes(VibesCommand::Synth { out, map, vibes, seed }) => vibes_synth(&out, map, vibes, seed),
        Command::Vibes(VibesCommand::FetchMap { base_url, cache, revision, no_verify }) => {
            vibes_fetch_map(&base_url, cache, revision.as_deref(), no_verify)
        }
        Command::Models(ModelsCommand::Fetch { model, base_url, cache }) => {
            models_fetch(model, &base_url, cache)
        }
        Command::Fit {
            data,
            backend,
            loss_metric,
            acc_metric,
            fit_sizes,
            target,
            iterations,
            points_out,
            json,
        } => {
            let opts = crate::ml::fit::FitOptions {
                loss_metric,
                acc_metric,
                fit_params: fit_sizes,
                target,
                ..Default::default()
            };
            let defaults = crate::ml::fit::SolveOptions::default();
            let solve = crate::ml::fit::SolveOptions {
                step1_iterations: iterations.map_or(defaults.step1_iterations, |n| n as usize),
                step2_iterations: iterations.map_or(defaults.step2_iterations, |n| n as usize),
                ..defaults
            };
            fit(&data, backend, &opts, &solve, points_out.as_deref(), json)
        }
        Command::Train { data, out, epochs, batch_size, backend, resume, json } => {
            let opts = crate::ml::vibe::train::TrainOptions { epochs, batch_size, ..Default::default() };
            train(data.as_deref(), &out, &opts, backend, resume, json)
        }
        Command::Infer(args) => infer(&args),
        Command::Embed { model, text, input, out, backend } => {
            fast::embed(model.as_deref(), text, input.as_deref(), out.as_deref(), backend)
        }
        Command::Vibes(VibesCommand::BuildMap { input, out, model, splits, backend }) => {
            fast::build_map(&input, &out, model.as_deref(), splits.as_deref(), backend)
        }
        Command::Decide { data, task, metric, target, last, json } => {
            decide(&data, &task, metric.as_deref(), &target, last as usize, json)
        }
        Command::Render { config, out, seconds, seed, float, spectrogram } => {
            render(&config, &out, seconds, seed, float, spectrogram.as_deref())
        }
    };
    if std::env::var_os("BENCHTOP_REPORT_MEMORY").is_some()
        && let Some((_, peak)) = crate::memory::resident_mb()
    {
        eprintln!("benchtop: peak resident memory {peak:.0} MB");
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) if interrupted() => {
            eprintln!("benchtop: interrupted (Ctrl+C): {}", interrupt_note.unwrap_or_default());
            ExitCode::from(130)
        }
        Err(err) => {
            eprintln!("benchtop: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Progress on stderr: one rewritten line at most ten times a second on a terminal, otherwise a
/// line at every tenth of the way.
struct ConsoleProgress {
    terminal: bool,
    /// When the last line was drawn, and the tenth it was at.
    last: Mutex<(Option<Instant>, i32)>,
}

impl ConsoleProgress {
    fn new() -> Self {
        Self { terminal: std::io::IsTerminal::is_terminal(&std::io::stderr()), last: Mutex::new((None, -1)) }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}

impl crate::jobs::Progress for ConsoleProgress {
    fn cancelled(&self) -> bool {
        interrupted()
    }

    fn report(&self, fraction: f32, message: &str) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let tenth = (fraction * 10.0).floor() as i32;
        let mut err = std::io::stderr().lock();
        if self.terminal {
            if fraction < 1.0 && last.0.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
                return;
            }
            let _ = write!(err, "\r\x1b[2K{:>3.0}% {message}", fraction * 100.0);
            let _ = err.flush();
        } else if tenth > last.1 {
            let _ = writeln!(err, "{:>3.0}% {message}", fraction * 100.0);
        } else {
            return;
        }
        *last = (Some(Instant::now()), tenth);
    }
}

/// Where Hub files go: `--cache DIR` (a Hugging Face cache folder), else the one huggingface_hub
/// uses; and benchtop's own cache folder (built tables, Hub files of older versions).
fn cache_folder(cache: Option<PathBuf>) -> anyhow::Result<crate::hub::Caches> {
    Ok(crate::hub::Caches {
        hub: cache.map_or_else(crate::hub::HubCache::discover, crate::hub::HubCache::at),
        benchtop: crate::paths::Folders::discover().ok().map(|f| f.cache),
    })
}

fn datadecide(command: DataDecideCommand) -> anyhow::Result<()> {
    use crate::datadecide::{hub, pipeline, synth, table};
    let progress = ConsoleProgress::new();
    match command {
        DataDecideCommand::Fetch { only, revision, base_url, cache, no_verify, attempts } => {
            let files = hub::select(&only)?;
            let source = hub::HubSource {
                base_url: base_url.unwrap_or_else(|| hub::DEFAULT_BASE_URL.to_owned()),
                revision,
            };
            let cache = cache_folder(cache)?;
            let policy = crate::download::RetryPolicy { attempts, ..Default::default() };
            let fetched = hub::fetch(&source, &files, &cache, &policy, no_verify, &progress);
            progress.finish();
            for f in fetched? {
                let how = if f.already_present { "already cached" } else { "downloaded" };
                println!("{how}: {} ({})", f.path.display(), crate::download::bytes(f.bytes));
            }
            Ok(())
        }
        DataDecideCommand::Build { ppl, eval, macro_avg, out, per_seed, revision, cache } => {
            let inputs = if eval.is_empty() {
                anyhow::ensure!(
                    ppl.is_none() && macro_avg.is_empty(),
                    "--ppl and --macro need --eval files too (or none of them, to build from the cache)"
                );
                let source = hub::HubSource { revision, ..Default::default() };
                hub::cached_inputs(&source, &cache_folder(cache)?)?
            } else {
                pipeline::Inputs { ppl: ppl.into_iter().collect(), eval, macro_avg }
            };
            let mut outputs = vec![("--out", out.as_path())];
            outputs.extend(per_seed.as_deref().map(|p| ("--per-seed", p)));
            let read: Vec<&Path> = inputs
                .eval
                .iter()
                .chain(&inputs.ppl)
                .chain(&inputs.macro_avg)
                .map(PathBuf::as_path)
                .collect();
            crate::paths::check_outputs(&outputs, &read)?;
            let started = Instant::now();
            let report = pipeline::build_to_files(&inputs, &out, per_seed.as_deref(), &progress);
            progress.finish();
            let report = report?;
            print_build_report(&report, &out, started.elapsed());
            Ok(())
        }
        DataDecideCommand::Synth { out, full, demo, seed } => {
            let spec = if full {
                synth::SynthSpec::full(seed)
            } else if demo {
                synth::SynthSpec::demo(seed)
            } else {
                synth::SynthSpec::small(seed)
            };
            let generated = synth::generate(&spec, &out, &progress);
            progress.finish();
            let generated = generated?;
            println!(
                "SYNTHETIC data (not AllenAI results): {} eval rows in {} shards, {} ppl rows, in {}",
                generated.eval_rows,
                generated.eval.len(),
                generated.ppl_rows,
                out.display()
            );
            Ok(())
        }
        DataDecideCommand::Info { file } => {
            println!("{}", table::info(&file)?);
            Ok(())
        }
    }
}

fn render(
    config: &Path,
    out: &Path,
    seconds: f64,
    seed: u64,
    float: bool,
    spectrogram: Option<&Path>,
) -> anyhow::Result<()> {
    use crate::audio::wav::{WavFormat, write_wav};
    use crate::synth::config::Problem;
    let mut outputs = vec![("--out", out)];
    outputs.extend(spectrogram.map(|p| ("--spectrogram", p)));
    crate::paths::check_outputs(&outputs, &[config])?;
    let payload = crate::synth::payload::load(config)?;
    let synth = payload
        .renderable()
        .map_err(|fields| anyhow::anyhow!("{}: invalid config: {fields}", config.display()))?;
    let missing: Vec<&str> = payload
        .config
        .issues
        .iter()
        .filter(|i| i.problem == Problem::Missing)
        .map(|i| i.field.as_str())
        .collect();
    if !missing.is_empty() {
        eprintln!("note: {} fields missing, defaults used: {}", missing.len(), missing.join(", "));
    }
    let progress = ConsoleProgress::new();
    let started = Instant::now();
    let rendered = crate::synth::render(&synth, seconds, seed, &progress);
    progress.finish();
    let rendered = rendered?;
    let took = started.elapsed();
    let format = if float { WavFormat::Float32 } else { WavFormat::Pcm16 };
    write_wav(out, &rendered.samples, crate::synth::SAMPLE_RATE, format)?;
    println!(
        "{}: {:.2} s, {} Hz mono, {}, seed {seed}, rendered in {:.1} ms",
        out.display(),
        rendered.seconds(),
        crate::synth::SAMPLE_RATE,
        format.label(),
        took.as_secs_f64() * 1000.0
    );
    if let Some(png) = spectrogram {
        crate::audio::spectrum::write_png(png, &rendered.samples, crate::synth::SAMPLE_RATE, 1200, 400)?;
        println!("spectrogram: {}", png.display());
    }
    println!("{:.1} BPM, harmony {}", synth.bpm(), rendered.harmony.style);
    for l in &rendered.layers {
        println!("  {:<8} peak {:.3}  rms {:.4}", l.layer.name(), l.peak, l.rms);
    }
    Ok(())
}

fn vibes_synth(out: &Path, map: bool, vibes: Option<usize>, seed: Option<u64>) -> anyhow::Result<()> {
    use crate::vibes::synthetic as s;
    type Writer = fn(&Path, usize, u64) -> anyhow::Result<()>;
    let (what, write, default_vibes, default_seed): (_, Writer, _, _) = if map {
        ("training set", s::write_map, s::TRAIN_VIBES, s::TRAIN_SEED)
    } else {
        ("vibes sample", s::write, s::SAMPLE_VIBES, s::SAMPLE_SEED)
    };
    let (vibes, seed) = (vibes.unwrap_or(default_vibes), seed.unwrap_or(default_seed));
    write(out, vibes, seed)?;
    println!("SYNTHETIC {what} ({vibes} vibes, seed {seed}) written to {}", out.display());
    Ok(())
}

fn train(
    data: Option<&Path>,
    out: &Path,
    opts: &crate::ml::vibe::train::TrainOptions,
    backend: Option<crate::ml::backend::Backend>,
    resume: bool,
    json: bool,
) -> anyhow::Result<()> {
    use crate::ml::{backend, vibe};
    let progress = ConsoleProgress::new();
    let (set, source) = match data {
        Some(path) => (crate::vibes::VibeSet::open(path, &progress)?, path.display().to_string()),
        None => (crate::vibes::VibeSet::training_sample()?, crate::vibes::synthetic::TRAIN_FILE.to_owned()),
    };
    progress.finish();
    for bad in set.bad.iter().take(3) {
        eprintln!("skipped {bad}");
    }
    let examples = vibe::data::examples(&set);
    let backend = backend.unwrap_or_else(|| backend::Backend::default_for(&backend::probe_compute()));
    let run = vibe::train::TrainRun { source, out: out.to_owned(), options: opts.clone(), resume, backend };
    let report = vibe::train::train(&examples, &run, &progress);
    progress.finish();
    let report = report?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    print!("{}", vibe::train::report_table(&report));
    Ok(())
}

/// `benchtop infer`: the fast model with --map, else the trained one.
fn infer(args: &InferArgs) -> anyhow::Result<()> {
    let (vibe, data, split, out) =
        (args.vibe.as_deref(), args.data.as_deref(), args.split.as_deref(), args.out.as_deref());
    if let Some(map) = &args.map {
        return fast::infer(map, args.model.as_deref(), args, Some(args.backend));
    }
    use crate::ml::vibe::infer;
    let model = args
        .model
        .as_deref()
        .context("give --model DIR (the folder `benchtop train` wrote) or --map MAP.jsonl")?;
    let predictor = infer::Predictor::load(model, args.backend)?;
    let tag = if predictor.synthetic() { " (model trained on SYNTHETIC data)" } else { "" };
    if let Some(data) = data {
        let out = out.context("--data needs -o FILE for the predictions")?;
        return predict_file(&predictor, data, split, out, tag);
    }
    let vibe = vibe.context("give --vibe \"...\" or --data FILE -o OUT.jsonl")?;
    let prediction = predictor.predict_one(vibe);
    let mut payload = infer::payload(vibe, &prediction.config);
    payload.insert("synthetic".into(), predictor.synthetic().into());
    if args.json {
        let confidence: serde_json::Map<String, serde_json::Value> = crate::synth::config::Field::all()
            .enumerate()
            .map(|(f, field)| (field.spec().name.to_owned(), prediction.confidence[f].into()))
            .collect();
        let report = serde_json::json!({
            "vibe": vibe,
            "model": predictor.name(),
            "synthetic": predictor.synthetic(),
            "confidence": confidence,
            "payload": payload,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("config for {vibe:?}{tag}:");
        for (f, field) in crate::synth::config::Field::all().enumerate() {
            let spec = field.spec();
            println!(
                "  {:<22} {:<14} {:>5.1}%",
                spec.name,
                spec.display(prediction.config.get(field)),
                100.0 * prediction.confidence[f]
            );
        }
    }
    if let Some(out) = out {
        write_payload(out, &payload)?;
    }
    Ok(())
}

/// Predicts every row of a file's split with either model and writes them as a 02b file.
fn predict_file(
    model: &dyn crate::ml::vibe::infer::ConfigModel,
    data: &Path,
    split: Option<&str>,
    out: &Path,
    tag: &str,
) -> anyhow::Result<()> {
    crate::paths::check_outputs(&[("-o", out)], &[data])?;
    let progress = ConsoleProgress::new();
    let set = crate::vibes::VibeSet::open(data, &progress)?;
    let report = crate::ml::vibe::infer::predict_set(model, &set, split, out, &progress);
    progress.finish();
    let report = report?;
    println!("{} configs predicted{tag} and written to {} (02b format)", report.rows, report.out.display());
    if report.skipped > 0 {
        println!("{} rows without a vibe were left out", report.skipped);
    }
    Ok(())
}

/// Writes a payload JSON (what `benchtop render` plays), atomically.
fn write_payload(out: &Path, payload: &serde_json::Map<String, serde_json::Value>) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(payload.clone()))?;
    crate::paths::write_atomically(out, |tmp| Ok(std::fs::write(tmp, text)?))
        .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "payload written to {} (render it: benchtop render {} -o out.wav)",
        out.display(),
        out.display()
    );
    Ok(())
}

fn vibes_fetch_map(
    base_url: &str,
    cache: Option<PathBuf>,
    revision: Option<&str>,
    no_verify: bool,
) -> anyhow::Result<()> {
    let cache = cache_folder(cache)?;
    let progress = ConsoleProgress::new();
    let got =
        crate::vibes::hub::fetch_map(base_url, &cache, revision, no_verify, &Default::default(), &progress);
    progress.finish();
    println!("{}", got?.display());
    Ok(())
}

/// Fetches a model into the Hugging Face cache; prints only its folder on stdout.
fn models_fetch(model: ModelName, base_url: &str, cache: Option<PathBuf>) -> anyhow::Result<()> {
    let hub = cache.map_or_else(crate::hub::HubCache::discover, crate::hub::HubCache::at);
    let progress = ConsoleProgress::new();
    let got = match model {
        ModelName::Minilm => crate::ml::minilm::hub::fetch_model(&hub, base_url, &progress),
    };
    progress.finish();
    println!("{}", got?.display());
    Ok(())
}

fn vibes_summary(path: &Path, json: bool) -> anyhow::Result<()> {
    let progress = ConsoleProgress::new();
    let set = crate::vibes::VibeSet::open(path, &progress);
    progress.finish();
    let set = set?;
    let s = set.summary();
    if json {
        let mut value = serde_json::to_value(&s)?;
        value["synthetic"] = set.is_synthetic().into();
        value["bad_lines_not_listed"] = set.bad.not_kept().into();
        value["bad"] = set
            .bad
            .iter()
            .map(|b| serde_json::json!({"file": b.file, "line": b.line, "reason": b.reason}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    println!(
        "{}: {} rows in {} file(s), {} candidates",
        path.display(),
        s.rows,
        set.files.len(),
        s.candidates
    );
    println!("bad lines: {}", s.bad_lines);
    for b in set.bad.iter().take(50) {
        println!("  {b}");
    }
    let counts = |name: &str, map: &std::collections::BTreeMap<String, usize>| {
        let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("by {name}: {}", parts.join(", "));
    };
    counts("split", &s.by_split);
    counts("level", &s.by_level);
    counts("scope", &s.by_scope);
    for (flag, (valid, flagged)) in &s.validity {
        if *flagged > 0 {
            println!(
                "{flag}: {valid} of {flagged} candidates ({:.1}%)",
                100.0 * *valid as f64 / *flagged as f64
            );
        }
    }
    match s.mean_best_score {
        Some(m) => println!("mean best score (clap): {m:.4}"),
        None => println!("mean best score: no scores (02c) in these rows"),
    }
    if s.best_changed + s.best_kept > 0 {
        println!("best index changed by 02c: {} of {} rows", s.best_changed, s.best_changed + s.best_kept);
    }
    Ok(())
}

fn ft(command: FtCommand) -> anyhow::Result<()> {
    match command {
        FtCommand::Synth { out, seed } => {
            crate::ft::synth::write(&out, seed)?;
            println!("SYNTHETIC FT-vs-PT sample written to {}", out.display());
        }
        FtCommand::Info { file } => {
            let runs = crate::ft::Runs::open(&file)?;
            let tag = if runs.synthetic { " (SYNTHETIC)" } else { "" };
            println!("{}: {} runs{tag}", file.display(), runs.runs.len());
            println!("matched metrics (ft_ and pt_): {}", runs.matched_metrics().join(", "));
            for (line, reason) in runs.skipped.iter() {
                println!("skipped row {line}: {reason}");
            }
            if runs.skipped.not_kept() > 0 {
                println!("… and {} more skipped rows", runs.skipped.not_kept());
            }
        }
    }
    Ok(())
}

fn plot(args: &PlotArgs) -> anyhow::Result<()> {
    use crate::datadecide::query::{self, Selection};
    anyhow::ensure!((0.0..1.0).contains(&args.smooth), "--smooth must be in 0..1, not {}", args.smooth);
    let inputs: Vec<&Path> = args.data.data.iter().map(PathBuf::as_path).collect();
    crate::paths::check_outputs(&[("--out", &args.out)], &inputs)?;
    let dataset = args.data.open()?;
    let table = &dataset.table;
    anyhow::ensure!(table.metric_index(&args.metric).is_some(), "the table has no metric {:?}", args.metric);
    let defaults = Selection::default();
    let recipes = if args.recipes.is_empty() { defaults.recipes } else { args.recipes.clone() };
    let sizes = if args.sizes.is_empty() { defaults.params } else { args.sizes.clone() };
    for r in &recipes {
        anyhow::ensure!(table.recipe_index(r).is_some(), "the table has no recipe {r:?}");
    }
    for p in &sizes {
        anyhow::ensure!(table.param_index(p).is_some(), "the table has no {p} models");
    }
    let band = args.band;
    let sel = Selection {
        metric: args.metric.clone(),
        recipes,
        params: sizes,
        x: args.x,
        log_x: args.log_x,
        log_y: args.log_y,
        smoothing: args.smooth,
        band,
        max_points: 4000,
    };
    let bands = match (&dataset.per_seed, band) {
        (Some(per_seed), b) if b != Band::None => per_seed.bands(&sel.metric)?,
        _ => None,
    };
    let series = query::series(table, bands.as_ref(), &sel);
    let fig = crate::export::Figure {
        series: &series,
        selection: &sel,
        recipes: &table.recipes,
        caption: crate::export::caption(dataset.source.synthetic, &dataset.source.label()),
        width: args.width,
        height: args.height,
    };
    crate::export::write(&args.out, &fig)?;
    println!("{}: {} curves of {}", args.out.display(), series.len(), sel.metric);
    if dataset.source.synthetic {
        println!("SYNTHETIC data (benchtop's demo), not AllenAI results");
    }
    Ok(())
}

fn fit(
    data: &DataArgs,
    backend: Option<crate::ml::backend::Backend>,
    opts: &crate::ml::fit::FitOptions,
    solve: &crate::ml::fit::SolveOptions,
    points_out: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    use crate::ml::{backend, fit};
    let dataset = data.open()?;
    let backend = backend.unwrap_or_else(|| backend::Backend::default_for(&backend::probe_compute()));
    let start = Instant::now();
    let problems = fit::data::problems(&dataset.table, opts)?;
    let reading = start.elapsed();
    if let Some(path) = points_out {
        let mut points = fit::points_json(&problems.problems);
        points["synthetic"] = dataset.source.synthetic.into();
        let text = serde_json::to_string(&points)?;
        crate::paths::write_atomically(path, |tmp| Ok(std::fs::write(tmp, text.as_bytes())?))
            .with_context(|| format!("writing the points to {}", path.display()))?;
    }
    let progress = ConsoleProgress::new();
    // The report's time: reading the points and fitting them, not writing the points' file.
    let report = fit::fit_problems(problems, opts, solve, backend, &progress, Instant::now() - reading);
    progress.finish();
    let report = report?;
    if json {
        println!("{}", json_with_synthetic(&report, dataset.source.synthetic)?);
        return Ok(());
    }
    let label = dataset.source.label();
    println!(
        "two-step scaling-law fit of {label}{}: {} ({}) on {}, predicting {}; {} task × recipe fits on {} in {:.2} s",
        if dataset.source.synthetic { " (SYNTHETIC)" } else { "" },
        opts.loss_metric,
        opts.acc_metric,
        opts.fit_params.join(", "),
        opts.target,
        report.rows.len(),
        report.device,
        report.seconds
    );
    println!("{:<28} {:>10} {:>7} {:>14}", "task", "decision", "pairs", "mean |error|");
    for t in &report.tasks {
        let acc = t.accuracy.map_or("–".to_owned(), |a| format!("{:.1}%", 100.0 * a));
        println!("{:<28} {acc:>10} {:>7} {:>14.4}", t.task, t.pairs, t.mean_abs_error);
    }
    let (acc, mae) = report.overall();
    println!(
        "{:<28} {:>10} {:>7} {:>14.4}",
        "mean over tasks",
        acc.map_or("–".to_owned(), |a| format!("{:.1}%", 100.0 * a)),
        "",
        mae
    );
    if !report.skipped.is_empty() {
        println!("{} task × recipe pairs skipped; first: {}", report.skipped.len(), report.skipped[0]);
    }
    Ok(())
}

fn decide(
    data: &DataArgs,
    task: &str,
    metric: Option<&str>,
    target: &str,
    last: usize,
    json: bool,
) -> anyhow::Result<()> {
    use crate::analysis::decision::Aggregate;
    let dataset = data.open()?;
    let name = match metric {
        Some(m) => format!("{task}_{m}"),
        None => task.to_owned(),
    };
    let aggregate = if last <= 1 { Aggregate::Final } else { Aggregate::MeanOfLast(last) };
    let d = crate::datadecide::query::decision(&dataset.table, &name, target, aggregate)?;
    if json {
        println!("{}", json_with_synthetic(&d, dataset.source.synthetic)?);
        return Ok(());
    }
    println!(
        "decision accuracy of {} against {} ({}{}){}",
        d.metric,
        d.target,
        d.aggregate,
        if d.lower_is_better { ", lower is better" } else { "" },
        if dataset.source.synthetic { " -- SYNTHETIC data" } else { "" }
    );
    println!("{:>6}  {:>8}  {:>5}  best recipe", "size", "accuracy", "pairs");
    for row in &d.rows {
        let accuracy = row.accuracy.map_or_else(|| "-".to_owned(), |a| format!("{:.1}%", a * 100.0));
        let best = row.ranking.first().map_or("-", |(r, _)| r.as_str());
        println!("{:>6}  {:>8}  {:>5}  {best}", row.params, accuracy, row.pairs);
    }
    Ok(())
}

fn bench_series(data: &DataArgs, runs: usize) -> anyhow::Result<()> {
    use crate::datadecide::query::{self, Selection};
    let started = Instant::now();
    let dataset = data.open()?;
    let table = &dataset.table;
    println!("loaded {} rows in {:.2} s", table.len(), started.elapsed().as_secs_f64());
    if let Some((rss, peak)) = crate::memory::resident_mb() {
        println!("memory after loading: RSS {rss:.0} MB (peak {peak:.0} MB while loading)");
    }
    let typical = Selection::default();
    let everything = Selection {
        metric: "arc_easy_acc_raw".into(),
        recipes: table.recipes.clone(),
        params: table.params.clone(),
        x: XAxis::Tokens,
        smoothing: 0.6,
        ..Selection::default()
    };
    for (name, base) in
        [("4 recipes x 4 sizes", typical), ("every recipe x every size, smoothed", everything)]
    {
        let mut times = Vec::new();
        let mut curves = 0;
        // Each run changes the metric, as a click in the metric list does.
        for i in 0..runs.max(1) {
            let sel = Selection { metric: table.metrics[i % table.metrics.len()].clone(), ..base.clone() };
            let t = Instant::now();
            curves = query::series(table, None, &sel).len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "selection to series, {name} ({curves} curves): median {:.3} ms, max {:.3} ms",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    Ok(())
}

/// Times the synth's kernels on one signal of `n` samples (a note's length): the fastest of
/// `runs`, in nanoseconds a sample. Kernels that work in place restore the signal first; the
/// copy alone is the first row, to subtract.
fn bench_kernels(n: usize, runs: usize) -> anyhow::Result<()> {
    use crate::synth::primitives as p;
    use rand::SeedableRng;
    let dur = n as f64 / p::SAMPLE_RATE as f64;
    let time = |name: &str, f: &mut dyn FnMut()| {
        let mut best = f64::MAX;
        for _ in 0..runs {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name:>34}: {:.3} ns a sample", best * 1e9 / n as f64);
    };
    let saw = p::sawtooth(440.0, dur, 0.2, 1.0);
    let mut x = saw.clone();
    // An in-place kernel on a fresh copy of the saw each run (the copy is timed with it).
    let mut in_place = |name: &str, f: &dyn Fn(&mut [p::Sample])| {
        time(name, &mut || {
            x.copy_from_slice(&saw);
            f(&mut x);
        })
    };
    let jitter = p::Jitter::draw(0.06, &mut p::SynthRng::seed_from_u64(1));
    println!("{n} samples, fastest of {runs}");
    in_place("copy (restores the signal)", &|_| ());
    time("zeroed buffer", &mut || drop(std::hint::black_box(vec![0.0 as p::Sample; n])));
    time("band-limited saw, 220 Hz", &mut || drop(std::hint::black_box(p::sawtooth(220.0, dur, 0.2, 1.0))));
    time("band-limited saw, 880 Hz", &mut || drop(std::hint::black_box(p::sawtooth(880.0, dur, 0.2, 1.0))));
    time("triangle, 440 Hz", &mut || drop(std::hint::black_box(p::triangle(440.0, dur, 0.2, 1.0))));
    time("sine through a 92 Hz low-pass", &mut || {
        drop(std::hint::black_box(p::filtered_sine(110.0, dur, 0.3, 0.0, 0.0, 92.0)))
    });
    in_place("copy + sine added", &|x| p::sine_add(x, 440.0, dur, 0.1, 0.0));
    in_place("copy + low-pass (biquad), 740 Hz", &|x| p::lowpass(x, 740.0));
    in_place("copy + envelope (ADSR)", &|x| p::adsr(x, 0.03, 0.12, 0.55, 0.16));
    in_place("copy + humanize jitter", &|x| jitter.apply(x));
    Ok(())
}

fn bench_synth(preset: &str, seconds: f64, runs: u64) -> anyhow::Result<()> {
    let found = crate::synth::presets::named(preset).with_context(|| {
        let names: Vec<&str> = crate::synth::presets::all().iter().map(|p| p.name.as_str()).collect();
        format!("no preset named {preset:?} (there are: {})", names.join(", "))
    })?;
    let config = found.config.to_synth();
    let mut times = Vec::new();
    for seed in 0..runs.max(1) {
        let started = Instant::now();
        crate::synth::render(&config, seconds, seed, &crate::jobs::Silent)?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        println!("benchtop run {seed}: {ms:.2} ms");
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    println!("benchtop median: {:.2} ms", times[times.len() / 2]);
    Ok(())
}

fn print_build_report(report: &crate::datadecide::pipeline::Report, out: &Path, took: Duration) {
    println!(
        "{} rows of mean_eval_melted written to {} in {:.1} s{}",
        report.long_rows,
        out.display(),
        took.as_secs_f64(),
        if report.synthetic { " (SYNTHETIC data)" } else { "" }
    );
    println!(
        "read {} eval rows and {} ppl rows; {} per-seed rows, {} seed-averaged rows",
        report.eval_rows, report.ppl_rows, report.per_seed_rows, report.mean_rows
    );
    if report.unknown_task_rows > 0 {
        println!(
            "dropped {} rows of tasks the long table does not report: {}{}",
            report.unknown_task_rows,
            report.unknown_tasks.join(", "),
            if report.unknown_tasks.len() == crate::datadecide::pipeline::Report::KEPT_UNKNOWN_TASKS {
                ", …"
            } else {
                ""
            }
        );
    }
    if report.infinite_values > 0 {
        println!("dropped {} values that were ±inf (treated as missing)", report.infinite_values);
    }
    if report.bad_row_count > 0 {
        println!("skipped {} bad rows:", report.bad_row_count);
        for bad in &report.bad_rows {
            println!("  {bad}");
        }
        if report.bad_row_count > report.bad_rows.len() {
            println!("  … and {} more", report.bad_row_count - report.bad_rows.len());
        }
    }
}

/// A report as pretty JSON with `"synthetic"` added: whether the data it comes from is synthetic
/// (read from the data's own marker).
fn json_with_synthetic(report: &impl serde::Serialize, synthetic: bool) -> anyhow::Result<String> {
    let mut value = serde_json::to_value(report)?;
    let object = value.as_object_mut().context("a report is a JSON object")?;
    object.insert("synthetic".into(), synthetic.into());
    Ok(serde_json::to_string_pretty(&value)?)
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

fn run_gui(data: Option<PathBuf>) -> anyhow::Result<()> {
    crate::app::window::run(data)
}
