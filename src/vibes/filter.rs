//! Choosing and ordering rows for the Vibes table: a filter per column, full-text search, sort.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::{VibeRow, VibeSet};

/// Which rows to keep by their candidates' validity flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Validity {
    #[default]
    Any,
    /// Every candidate passed all three flags.
    AllValid,
    /// At least one candidate failed a flag (or is missing).
    SomeInvalid,
    /// No candidate passed all three flags.
    NoneValid,
}

impl Validity {
    pub const ALL: [Validity; 4] = [Self::Any, Self::AllValid, Self::SomeInvalid, Self::NoneValid];

    pub fn label(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::AllValid => "all valid",
            Self::SomeInvalid => "some invalid",
            Self::NoneValid => "none valid",
        }
    }

    fn keeps(self, row: &VibeRow) -> bool {
        let (valid, total) = row.valid_count();
        match self {
            Self::Any => true,
            Self::AllValid => total > 0 && valid == total,
            Self::SomeInvalid => valid < total,
            Self::NoneValid => total > 0 && valid == 0,
        }
    }
}

/// A text column's filter: every value, or one.
pub type Choice = Option<String>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    pub split: Choice,
    pub dataset: Choice,
    pub scope: Choice,
    pub level: Choice,
    pub validity: Validity,
    /// Words that must all appear (any case) in the vibe texts, tags, character or titles.
    pub search: String,
}

/// The table's columns, as sort keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Column {
    /// File order.
    #[default]
    Line,
    Split,
    Dataset,
    Scope,
    Level,
    Vibe,
    Tags,
    Validity,
    BestScore,
}

impl Column {
    pub const ALL: [Column; 9] = [
        Self::Line,
        Self::Split,
        Self::Dataset,
        Self::Scope,
        Self::Level,
        Self::Vibe,
        Self::Tags,
        Self::Validity,
        Self::BestScore,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Line => "line",
            Self::Split => "split",
            Self::Dataset => "dataset",
            Self::Scope => "scope",
            Self::Level => "level",
            Self::Vibe => "vibe",
            Self::Tags => "tags",
            Self::Validity => "valid",
            Self::BestScore => "best score",
        }
    }
}

/// The pipeline's vibe levels, longest first: sorting by level follows this, not the alphabet.
pub const LEVELS: [&str; 5] = ["xl", "lg", "m", "sm", "xs"];

fn level_rank(level: &Option<String>) -> usize {
    level.as_deref().and_then(|l| LEVELS.iter().position(|x| *x == l)).unwrap_or(LEVELS.len())
}

impl Filter {
    /// Whether any choice narrows the rows.
    pub fn is_active(&self) -> bool {
        *self != Filter::default()
    }

    pub fn keeps(&self, row: &VibeRow, words: &[String]) -> bool {
        let chosen = |choice: &Choice, value: &Option<String>| match choice {
            None => true,
            Some(c) => value.as_deref().unwrap_or(NONE) == c,
        };
        chosen(&self.split, &row.split)
            && chosen(&self.dataset, &row.dataset)
            && chosen(&self.scope, &row.vibe_scope)
            && chosen(&self.level, &row.vibe_level)
            && self.validity.keeps(row)
            && (words.is_empty() || {
                let text = row.search_text();
                words.iter().all(|w| text.contains(w.as_str()))
            })
    }

    fn words(&self) -> Vec<String> {
        self.search.split_whitespace().map(str::to_lowercase).collect()
    }
}

/// How an empty value is shown and chosen.
pub const NONE: &str = "(none)";

fn compare(a: &VibeRow, b: &VibeRow, column: Column) -> Ordering {
    let text = |s: &Option<String>| s.as_deref().unwrap_or("").to_lowercase();
    match column {
        Column::Line => (a.file, a.line).cmp(&(b.file, b.line)),
        Column::Split => text(&a.split).cmp(&text(&b.split)),
        Column::Dataset => text(&a.dataset).cmp(&text(&b.dataset)),
        Column::Scope => text(&a.vibe_scope).cmp(&text(&b.vibe_scope)),
        Column::Level => level_rank(&a.vibe_level).cmp(&level_rank(&b.vibe_level)),
        Column::Vibe => a.vibe_text().to_lowercase().cmp(&b.vibe_text().to_lowercase()),
        Column::Tags => a.tags_original.join(", ").cmp(&b.tags_original.join(", ")),
        Column::Validity => {
            let share = |r: &VibeRow| {
                let (v, t) = r.valid_count();
                if t == 0 { -1.0 } else { v as f64 / t as f64 }
            };
            share(a).total_cmp(&share(b))
        }
        // Rows without a score sort below every score.
        Column::BestScore => a
            .best_score()
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&b.best_score().unwrap_or(f64::NEG_INFINITY)),
    }
}

/// The indices of the rows the filter keeps, sorted by `column` (ties in file order).
pub fn select(set: &VibeSet, filter: &Filter, column: Column, descending: bool) -> Vec<usize> {
    let words = filter.words();
    let mut kept: Vec<usize> = (0..set.rows.len()).filter(|&i| filter.keeps(&set.rows[i], &words)).collect();
    kept.sort_by(|&i, &j| {
        let (a, b) = (&set.rows[i], &set.rows[j]);
        let by = compare(a, b, column);
        let by = if descending { by.reverse() } else { by };
        by.then_with(|| (a.file, a.line).cmp(&(b.file, b.line)))
    });
    kept
}

/// The distinct values of a column in the set (with [`NONE`] for rows without one), sorted.
pub fn values(set: &VibeSet, column: Column) -> Vec<String> {
    let pick = |row: &VibeRow| -> Option<String> {
        match column {
            Column::Split => row.split.clone(),
            Column::Dataset => row.dataset.clone(),
            Column::Scope => row.vibe_scope.clone(),
            Column::Level => row.vibe_level.clone(),
            _ => None,
        }
    };
    let mut out: Vec<String> = set.rows.iter().map(|r| pick(r).unwrap_or_else(|| NONE.to_owned())).collect();
    if column == Column::Level {
        out.sort_by_key(|l| (level_rank(&Some(l.clone())), l.clone()));
    } else {
        out.sort();
    }
    out.dedup();
    out
}
