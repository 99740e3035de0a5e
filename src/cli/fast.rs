//! The fast model's commands: `embed`, `vibes build-map` and `infer --map`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::json;

use super::ConsoleProgress;
use crate::ml::backend::Backend;
use crate::ml::fast::{self, FastModel};
use crate::ml::minilm::Embedder;

/// The MiniLM folder: `--model DIR`, else the download in the Hugging Face cache.
fn model_folder(model: Option<&Path>) -> anyhow::Result<PathBuf> {
    match model {
        Some(dir) => Ok(dir.to_owned()),
        None => crate::ml::minilm::hub::default_model_dir(),
    }
}

fn load_embedder(model: Option<&Path>, backend: Option<Backend>) -> anyhow::Result<Embedder> {
    let dir = model_folder(model)?;
    let backend = backend.unwrap_or_else(|| Backend::default_for(&crate::ml::backend::probe_compute()));
    Embedder::load(&dir, backend)
}

/// The longest line `embed --input` takes (a sentence embedding reads 256 tokens at most).
const MAX_INPUT_LINE: usize = 1 << 20;

/// The texts of `--input`: one a line (a final newline ends the last line; `\r\n` is one break).
pub fn read_texts(path: &Path) -> anyhow::Result<Vec<String>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let mut texts = Vec::new();
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let (read, whole) = crate::jsonl::read_line_capped(&mut reader, &mut line, MAX_INPUT_LINE + 1)
            .with_context(|| format!("reading {}", path.display()))?;
        if read == 0 {
            break;
        }
        anyhow::ensure!(whole, "{}:{number}: the line is longer than {MAX_INPUT_LINE} bytes", path.display());
        if line.ends_with(b"\n") {
            line.pop();
            if line.ends_with(b"\r") {
                line.pop();
            }
        }
        let text = std::str::from_utf8(&line)
            .map_err(|e| anyhow::anyhow!("{}:{number}: not UTF-8 text ({e})", path.display()))?;
        texts.push(text.to_owned());
    }
    Ok(texts)
}

/// One line of `embed`'s output, its keys in this order.
#[derive(serde::Serialize)]
struct Embedded<'a> {
    text: &'a str,
    embedding: &'a [f32],
}

/// `benchtop embed`: one `{"text", "embedding"}` line a text, in input order.
pub fn embed(
    model: Option<&Path>,
    texts: Vec<String>,
    input: Option<&Path>,
    out: Option<&Path>,
    backend: Option<Backend>,
) -> anyhow::Result<()> {
    let texts = match input {
        Some(path) => read_texts(path)?,
        None => texts,
    };
    anyhow::ensure!(
        !texts.is_empty(),
        "nothing to embed: give --text \"...\" or --input FILE with a text a line"
    );
    let embedder = load_embedder(model, backend)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let progress = ConsoleProgress::new();
    let embeddings = embedder.embed_with(&refs, crate::ml::minilm::DEFAULT_BATCH, &progress);
    progress.finish();
    let embeddings = embeddings?;
    let write = |w: &mut dyn std::io::Write| -> anyhow::Result<()> {
        for (text, embedding) in texts.iter().zip(&embeddings) {
            serde_json::to_writer(&mut *w, &Embedded { text, embedding })?;
            w.write_all(b"\n")?;
        }
        Ok(w.flush()?)
    };
    match out {
        Some(out) => {
            crate::paths::write_atomically(out, |tmp| {
                let mut file = std::io::BufWriter::new(std::fs::File::create(tmp)?);
                write(&mut file)
            })
            .with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "{} embeddings ({} numbers each) written to {}",
                texts.len(),
                embedder.dim(),
                out.display()
            );
        }
        None => write(&mut std::io::stdout().lock())?,
    }
    Ok(())
}

/// `benchtop vibes build-map`.
pub fn build_map(
    input: &Path,
    out: &Path,
    model: Option<&Path>,
    splits: Option<&[String]>,
    backend: Option<Backend>,
) -> anyhow::Result<()> {
    crate::paths::check_outputs(&[("-o", out)], &[input])?;
    let progress = ConsoleProgress::new();
    let set = crate::vibes::VibeSet::open(input, &progress)?;
    let embedder = load_embedder(model, backend)?;
    let report = fast::build_map(&set, &embedder, splits, out, &progress);
    progress.finish();
    let report = report?;
    let tag = if report.synthetic { " (SYNTHETIC rows)" } else { "" };
    println!("{} map rows written to {}{tag}", report.rows, report.out.display());
    if report.other_splits > 0 {
        let which = match splits {
            Some(names) => format!("not in {}", names.join(",")),
            None => format!("of split {} (held out; --splits chooses)", crate::vibes::map::HELD_OUT_SPLIT),
        };
        println!("{} rows {which} were left out", report.other_splits);
    }
    report_skipped("rows without a config were skipped", &report.skipped);
    Ok(())
}

fn report_skipped(what: &str, skipped: &[crate::vibes::BadLine]) {
    if skipped.is_empty() {
        return;
    }
    eprintln!("{} {what}:", skipped.len());
    for bad in skipped.iter().take(20) {
        eprintln!("  {bad}");
    }
    if skipped.len() > 20 {
        eprintln!("  ... and {} more", skipped.len() - 20);
    }
}

/// Loads the map and the encoder, reporting the map rows that were skipped.
pub fn load_fast(map: &Path, model: Option<&Path>, backend: Option<Backend>) -> anyhow::Result<FastModel> {
    let progress = ConsoleProgress::new();
    let opened = fast::open_map(map, crate::vibes::map::MINILM_DIM, &progress);
    progress.finish();
    let opened = opened?;
    let skipped: Vec<_> = opened.skipped.iter().cloned().collect();
    let unkept = opened.skipped.total.saturating_sub(skipped.len());
    report_skipped("map rows were skipped", &skipped);
    if unkept > 0 {
        eprintln!("  (and {unkept} more bad lines not listed)");
    }
    let embedder = load_embedder(model, backend)?;
    FastModel::new(embedder, opened, crate::paths::file_name(map))
}

/// `benchtop infer --map`: one vibe (its neighbours, and the payload to -o), or a file's split.
pub fn infer(
    map: &Path,
    model: Option<&Path>,
    args: &super::InferArgs,
    backend: Option<Backend>,
) -> anyhow::Result<()> {
    let (vibe, data, split, out, k, json_out) = (
        args.vibe.as_deref(),
        args.data.as_deref(),
        args.split.as_deref(),
        args.out.as_deref(),
        args.k,
        args.json,
    );
    let model = load_fast(map, model, backend)?;
    let synthetic = crate::ml::vibe::infer::ConfigModel::synthetic(&model);
    let tag = if synthetic { " (map of SYNTHETIC rows)" } else { "" };
    if let Some(data) = data {
        let out = out.context("--data needs -o FILE for the predictions")?;
        return super::predict_file(&model, data, split, out, tag);
    }
    let vibe = vibe.context("give --vibe \"...\" or --data FILE -o OUT.jsonl")?;
    let got = model.retrieve_one(vibe, k)?;
    let mut payload = got.payload.clone();
    payload.insert("synthetic".into(), synthetic.into());
    let neighbours: Vec<_> = got
        .neighbours
        .iter()
        .enumerate()
        .map(|(rank, n)| {
            let row = &model.map.rows[n.row];
            json!({
                "rank": rank + 1,
                "similarity": n.similarity,
                "vibe": row.vibe,
                "title": row.title,
                "split": row.split,
                "line": row.line,
            })
        })
        .collect();
    if json_out {
        let report = json!({
            "vibe": vibe,
            "model": crate::ml::vibe::infer::ConfigModel::name(&model),
            "synthetic": synthetic,
            "neighbours": neighbours,
            "payload": payload,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("nearest map rows for {vibe:?}{tag}:");
        for n in &neighbours {
            println!(
                "  {:>2}. {:.3}  {} (line {})",
                n["rank"],
                n["similarity"].as_f64().unwrap_or_default(),
                fast::shorten(n["vibe"].as_str().unwrap_or_default(), 90),
                n["line"]
            );
        }
        if let Some(title) = payload.get("title").and_then(|t| t.as_str()) {
            println!("config of the nearest: {title:?}");
        }
    }
    if let Some(out) = out {
        super::write_payload(out, &payload)?;
    }
    Ok(())
}

/// `benchtop bench embed`: the encoder's throughput on the CPU.
pub fn bench_embed(
    model: Option<&Path>,
    input: Option<&Path>,
    batch: usize,
    runs: usize,
) -> anyhow::Result<()> {
    let texts = match input {
        Some(path) => read_texts(path)?,
        None => {
            crate::vibes::VibeSet::training_sample()?.rows.iter().map(|r| r.vibe_text().to_owned()).collect()
        }
    };
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let embedder = load_embedder(model, Some(Backend::Cpu))?;
    let mean_chars = refs.iter().map(|t| t.chars().count()).sum::<usize>() as f64 / refs.len().max(1) as f64;
    println!("{} texts (mean {mean_chars:.0} characters), batch {batch}, CPU", refs.len());
    let mut rates = Vec::new();
    for run in 1..=runs {
        let start = std::time::Instant::now();
        embedder.embed_with(&refs, batch, &crate::jobs::Silent)?;
        let rate = refs.len() as f64 / start.elapsed().as_secs_f64();
        println!("run {run}: {rate:.1} sentences/s");
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!("median: {:.1} sentences/s", rates[rates.len() / 2]);
    Ok(())
}

/// `benchtop bench query`: one vibe embedded and the map searched, as the fast model answers.
pub fn bench_query(model: Option<&Path>, map: &Path, runs: usize) -> anyhow::Result<()> {
    let model = load_fast(map, model, Some(Backend::Cpu))?;
    let vibes =
        ["a languid summer afternoon by the sea", "neon rain on a midnight street, fast and restless"];
    for v in vibes {
        model.retrieve_one(v, 5)?;
    }
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let start = std::time::Instant::now();
        let got = model.retrieve_one(vibes[i % vibes.len()], 5)?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(!got.neighbours.is_empty(), "the search found nothing");
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{} map rows, {runs} queries: median {:.2} ms, p90 {:.2} ms (embed one vibe + exact search, CPU)",
        model.map.len(),
        times[times.len() / 2],
        times[times.len() * 9 / 10]
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_are_read_a_line_each_and_an_overlong_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("texts.txt");
        std::fs::write(&path, "one\r\n\ntwo").unwrap();
        assert_eq!(super::read_texts(&path).unwrap(), ["one", "", "two"]);
        let long = "x".repeat(super::MAX_INPUT_LINE + 1);
        std::fs::write(&path, format!("ok\n{long}\nafter\n")).unwrap();
        let err = super::read_texts(&path).unwrap_err().to_string();
        assert!(err.ends_with(":2: the line is longer than 1048576 bytes"), "{err}");
    }
}
