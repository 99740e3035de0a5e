//! The facts DataDecide is built on: model sizes, recipes and their families, seeds, tasks, metric
//! names, perplexity domains, and the Hub's files. Sources: the DataDecide paper and dataset cards
//! (AllenAI), as summarised in the project's reference notes, and the naming used by `datadec`.

/// One model size of the DataDecide suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelSize {
    /// The label used in the data ("150M").
    pub label: &'static str,
    /// Sequences per batch; each sequence is 2,048 tokens.
    pub batch: u64,
    /// Non-embedding parameter count.
    pub params: u64,
    /// Training steps of a full (5xC, 100 tokens per parameter) run.
    pub full_steps: u64,
}

pub const SEQUENCE_LENGTH: u64 = 2048;

pub const SIZES: [ModelSize; 14] = [
    ModelSize { label: "4M", batch: 32, params: 3_744_832, full_steps: 5_725 },
    ModelSize { label: "6M", batch: 32, params: 6_010_464, full_steps: 9_182 },
    ModelSize { label: "8M", batch: 32, params: 8_538_240, full_steps: 13_039 },
    ModelSize { label: "10M", batch: 32, params: 9_900_432, full_steps: 15_117 },
    ModelSize { label: "14M", batch: 32, params: 14_380_224, full_steps: 21_953 },
    ModelSize { label: "16M", batch: 32, params: 16_004_560, full_steps: 24_432 },
    ModelSize { label: "20M", batch: 64, params: 19_101_888, full_steps: 14_584 },
    ModelSize { label: "60M", batch: 96, params: 57_078_144, full_steps: 29_042 },
    ModelSize { label: "90M", batch: 160, params: 97_946_640, full_steps: 29_901 },
    ModelSize { label: "150M", batch: 192, params: 151_898_880, full_steps: 38_157 },
    ModelSize { label: "300M", batch: 320, params: 319_980_544, full_steps: 45_787 },
    ModelSize { label: "530M", batch: 448, params: 530_074_944, full_steps: 57_786 },
    ModelSize { label: "750M", batch: 576, params: 681_297_408, full_steps: 63_589 },
    ModelSize { label: "1B", batch: 704, params: 1_176_832_000, full_steps: 69_369 },
];

impl ModelSize {
    /// Tokens seen after `step` steps: step × batch × 2048.
    pub fn tokens(&self, step: f64) -> f64 {
        step * (self.batch * SEQUENCE_LENGTH) as f64
    }

    /// Training FLOPs after `step` steps: 6 × N × tokens.
    pub fn compute(&self, step: f64) -> f64 {
        6.0 * self.params as f64 * self.tokens(step)
    }
}

/// The size with this label.
pub fn size(label: &str) -> Option<&'static ModelSize> {
    SIZES.iter().find(|s| s.label == label)
}

/// The position of a size label in ascending order (for sorting), if it is a DataDecide size.
pub fn size_rank(label: &str) -> Option<usize> {
    SIZES.iter().position(|s| s.label == label)
}

/// The 25 data recipes, grouped in their families (family name, members).
pub const RECIPE_FAMILIES: [(&str, &[&str]); 8] = [
    (
        "Dolma 1.7",
        &[
            "Dolma1.7",
            "Dolma1.7 (no code)",
            "Dolma1.7 (no math, code)",
            "Dolma1.7 (no Reddit)",
            "Dolma1.7 (no Flan)",
        ],
    ),
    ("Dolma 1.6++", &["Dolma1.6++"]),
    ("C4", &["C4"]),
    ("FineWeb", &["FineWeb-Pro", "FineWeb-Edu"]),
    ("Falcon", &["Falcon"]),
    (
        "Falcon+CC",
        &[
            "Falcon+CC",
            "Falcon+CC (QC 10%)",
            "Falcon+CC (QC 20%)",
            "Falcon+CC (QC Orig 10%)",
            "Falcon+CC (QC Tulu 10%)",
        ],
    ),
    (
        "DCLM",
        &[
            "DCLM-Baseline",
            "DCLM-Baseline (QC 10%)",
            "DCLM-Baseline (QC 20%)",
            "DCLM-Baseline (QC 7%, FW3)",
            "DCLM-Baseline (QC 7%, FW2)",
            "DCLM-Baseline (QC FW 3%)",
            "DCLM-Baseline (QC FW 10%)",
        ],
    ),
    (
        "DCLM / Dolma mixes",
        &["DCLM-Baseline 25% / Dolma 75%", "DCLM-Baseline 50% / Dolma 50%", "DCLM-Baseline 75% / Dolma 25%"],
    ),
];

/// Every recipe, family by family.
pub fn recipes() -> impl Iterator<Item = &'static str> {
    RECIPE_FAMILIES.iter().flat_map(|(_, members)| members.iter().copied())
}

/// The family a recipe belongs to.
pub fn recipe_family(recipe: &str) -> Option<&'static str> {
    RECIPE_FAMILIES.iter().find(|(_, members)| members.contains(&recipe)).map(|(family, _)| *family)
}

/// Seed names as the data spells them.
pub const SEEDS: [&str; 5] = ["default", "small aux 2", "small aux 3", "large aux 2", "large aux 3"];

/// The tasks reported in the long table (OLMES): the MMLU average and nine others.
pub const OLMES_TASKS: [&str; 10] = [
    "mmlu_average",
    "arc_challenge",
    "arc_easy",
    "boolq",
    "csqa",
    "hellaswag",
    "openbookqa",
    "piqa",
    "socialiqa",
    "winogrande",
];

/// The 57 MMLU subjects (each appears in the data as `mmlu_<subject>`).
pub const MMLU_SUBJECTS: [&str; 57] = [
    "abstract_algebra",
    "anatomy",
    "astronomy",
    "business_ethics",
    "clinical_knowledge",
    "college_biology",
    "college_chemistry",
    "college_computer_science",
    "college_mathematics",
    "college_medicine",
    "college_physics",
    "computer_security",
    "conceptual_physics",
    "econometrics",
    "electrical_engineering",
    "elementary_mathematics",
    "formal_logic",
    "global_facts",
    "high_school_biology",
    "high_school_chemistry",
    "high_school_computer_science",
    "high_school_european_history",
    "high_school_geography",
    "high_school_government_and_politics",
    "high_school_macroeconomics",
    "high_school_mathematics",
    "high_school_microeconomics",
    "high_school_physics",
    "high_school_psychology",
    "high_school_statistics",
    "high_school_us_history",
    "high_school_world_history",
    "human_aging",
    "human_sexuality",
    "international_law",
    "jurisprudence",
    "logical_fallacies",
    "machine_learning",
    "management",
    "marketing",
    "medical_genetics",
    "miscellaneous",
    "moral_disputes",
    "moral_scenarios",
    "nutrition",
    "philosophy",
    "prehistory",
    "professional_accounting",
    "professional_law",
    "professional_medicine",
    "professional_psychology",
    "public_relations",
    "security_studies",
    "sociology",
    "us_foreign_policy",
    "virology",
    "world_religions",
];

/// A task name from the data (`mmlu_anatomy`) is an MMLU subject.
pub fn is_mmlu_subject(task: &str) -> bool {
    task.strip_prefix("mmlu_").is_some_and(|s| MMLU_SUBJECTS.contains(&s))
}

/// The 28 metrics kept from each `metrics` dict, in this order.
pub const METRICS: [&str; 28] = [
    "correct_choice",
    "acc_raw",
    "acc_per_token",
    "acc_per_char",
    "acc_per_byte",
    "acc_uncond",
    "no_answer",
    "sum_logits_corr",
    "logits_per_token_corr",
    "logits_per_char_corr",
    "bits_per_byte_corr",
    "correct_prob",
    "correct_prob_per_token",
    "correct_prob_per_char",
    "margin",
    "margin_per_token",
    "margin_per_char",
    "total_prob",
    "total_prob_per_token",
    "total_prob_per_char",
    "uncond_correct_prob",
    "uncond_correct_prob_per_token",
    "uncond_correct_prob_per_char",
    "uncond_total_prob",
    "norm_correct_prob",
    "norm_correct_prob_per_token",
    "norm_correct_prob_per_char",
    "primary_metric",
];

/// Keys of the `metrics` dict that are dropped.
pub const DROPPED_METRICS: [&str; 6] = [
    "predicted_index_raw",
    "predicted_index_per_token",
    "predicted_index_per_char",
    "predicted_index_per_byte",
    "predicted_index_uncond",
    "logits_per_byte_corr",
];

/// Perplexity domains: `eval/<domain>-validation/Perplexity` in the Hub file, `<domain>-valppl` here.
pub const PPL_DOMAINS: [&str; 11] = [
    "wikitext_103",
    "pile",
    "c4_en",
    "m2d2_s2orc",
    "ice",
    "dolma_wiki",
    "dolma_stack",
    "dolma_reddit",
    "dolma_pes2o",
    "dolma_common-crawl",
    "dolma_books",
];

pub fn ppl_source_column(domain: &str) -> String {
    format!("eval/{domain}-validation/Perplexity")
}

pub fn ppl_metric(domain: &str) -> String {
    format!("{domain}-valppl")
}

/// The metric columns of the long table, in order: 11 perplexities, then each of the 28 metrics
/// for the 10 OLMES tasks (291 names).
pub fn long_table_metrics() -> Vec<String> {
    let mut names: Vec<String> = PPL_DOMAINS.iter().map(|d| ppl_metric(d)).collect();
    let mut tasks = OLMES_TASKS.to_vec();
    tasks.sort_unstable();
    for metric in METRICS {
        for task in &tasks {
            names.push(format!("{task}_{metric}"));
        }
    }
    names
}

/// Whether smaller values of this metric are better (perplexity, bits per byte, unanswered share).
/// Everything else that is a score (accuracies, probabilities of the right answer, margins,
/// log-likelihoods) is higher-is-better.
pub fn lower_is_better(metric: &str) -> bool {
    metric.ends_with("-valppl") || metric.ends_with("bits_per_byte_corr") || metric.ends_with("_no_answer")
}

/// The default metric reported for a task (OLMES primary metric).
pub fn primary_metric(task: &str) -> &'static str {
    match task {
        "arc_challenge" | "csqa" | "openbookqa" => "acc_uncond",
        "arc_easy" | "hellaswag" | "piqa" | "socialiqa" => "acc_per_char",
        _ => "acc_raw",
    }
}

/// Column names the long table (mean_eval_melted) has, in order.
pub const LONG_COLUMNS: [&str; 7] = ["params", "data", "step", "tokens", "compute", "metric", "value"];

/// The DataDecide files on the Hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HubFile {
    /// The `--only` name of its group: ppl, eval, macro, scaling-fit.
    pub group: &'static str,
    pub repo: &'static str,
    pub path: &'static str,
}

pub const PPL_REPO: &str = "allenai/DataDecide-ppl-results";
pub const EVAL_REPO: &str = "allenai/DataDecide-eval-results";
/// Pinned revisions (commits) of the two repositories.
pub const PPL_REVISION: &str = "c4a9fa360a0c8351e71f3ede04dd165995fab68c";
pub const EVAL_REVISION: &str = "9919b5a0e61e57a85021263918fa82d6ceaee038";

pub const HUB_FILES: [HubFile; 7] = [
    HubFile { group: "ppl", repo: PPL_REPO, path: "data/train-00000-of-00001.parquet" },
    HubFile { group: "eval", repo: EVAL_REPO, path: "data/train-00000-of-00004.parquet" },
    HubFile { group: "eval", repo: EVAL_REPO, path: "data/train-00001-of-00004.parquet" },
    HubFile { group: "eval", repo: EVAL_REPO, path: "data/train-00002-of-00004.parquet" },
    HubFile { group: "eval", repo: EVAL_REPO, path: "data/train-00003-of-00004.parquet" },
    HubFile { group: "macro", repo: EVAL_REPO, path: "data/macro_avg-00000-of-00001.parquet" },
    HubFile { group: "scaling-fit", repo: EVAL_REPO, path: "data/scaling_law_fit-00000-of-00001.parquet" },
];

impl HubFile {
    /// The pinned revision of the file's repository.
    pub fn default_revision(&self) -> &'static str {
        if self.repo == PPL_REPO { PPL_REVISION } else { EVAL_REVISION }
    }
}

pub const ATTRIBUTION: &str = "DataDecide results © Allen Institute for AI (AllenAI), \
     from the DataDecide paper (arXiv 2504.11393) and its Hugging Face datasets";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suite_has_25_recipes_in_8_families_and_14_sizes() {
        assert_eq!(recipes().count(), 25);
        let unique: std::collections::HashSet<_> = recipes().collect();
        assert_eq!(unique.len(), 25);
        assert_eq!(recipe_family("DCLM-Baseline (QC 7%, FW2)"), Some("DCLM"));
        assert_eq!(recipe_family("nope"), None);
        assert_eq!(SIZES.len(), 14);
    }

    #[test]
    fn tokens_and_compute_follow_the_size_table() {
        // Reference: 150M sees 393,216 tokens per step (192 × 2048).
        let s150 = size("150M").unwrap();
        assert_eq!(s150.tokens(1.0), 393_216.0);
        // 1B at step 1,000: 704 × 2048 × 1000 tokens, × 6 × 1,176,832,000 FLOPs.
        let b1 = size("1B").unwrap();
        assert_eq!(b1.tokens(1000.0), 1_441_792_000.0);
        assert_eq!(b1.compute(1000.0), 6.0 * 1_176_832_000.0 * 1_441_792_000.0);
        // A full run is 100 tokens per (nominal) parameter, 5xC, to within a fifth of a percent.
        for s in SIZES {
            let nominal = match s.label.strip_suffix('B') {
                Some(b) => b.parse::<f64>().unwrap() * 1e9,
                None => s.label.trim_end_matches('M').parse::<f64>().unwrap() * 1e6,
            };
            let nominal = if s.params < 150_000_000 { s.params as f64 } else { nominal };
            let ratio = s.tokens(s.full_steps as f64) / nominal;
            assert!((ratio - 100.0).abs() < 0.2, "{}: {ratio}", s.label);
        }
    }

    #[test]
    fn long_table_has_291_metrics() {
        let names = long_table_metrics();
        assert_eq!(names.len(), 11 + 10 * 28);
        assert_eq!(names[0], "wikitext_103-valppl");
        assert_eq!(names[11], "arc_challenge_correct_choice");
        assert!(names.contains(&"mmlu_average_acc_raw".to_owned()));
        assert!(lower_is_better("pile-valppl") && lower_is_better("hellaswag_bits_per_byte_corr"));
        assert!(!lower_is_better("hellaswag_acc_raw"));
        assert!(is_mmlu_subject("mmlu_anatomy") && !is_mmlu_subject("mmlu_average"));
    }
}
