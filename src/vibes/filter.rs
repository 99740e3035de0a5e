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

/// A level's place in [`LEVELS`] (unknown or missing levels last).
pub fn level_rank(level: Option<&str>) -> usize {
    level.and_then(|l| LEVELS.iter().position(|x| *x == l)).unwrap_or(LEVELS.len())
}

impl Filter {
    /// Whether any choice narrows the rows.
    pub fn is_active(&self) -> bool {
        *self != Filter::default()
    }

    fn keeps(&self, row: &VibeRow, words: &[String]) -> bool {
        let chosen = |choice: &Choice, value: &Option<String>| match choice {
            None => true,
            Some(c) => value.as_deref().unwrap_or(NONE) == c,
        };
        chosen(&self.split, &row.split)
            && chosen(&self.dataset, &row.dataset)
            && chosen(&self.scope, &row.vibe_scope)
            && chosen(&self.level, &row.vibe_level)
            && self.validity.keeps(row)
            && words.iter().all(|w| row.search.contains(w.as_str()))
    }

    fn words(&self) -> Vec<String> {
        self.search.split_whitespace().map(str::to_lowercase).collect()
    }
}

/// How an empty value is shown and chosen.
pub const NONE: &str = "(none)";

/// The sort key of the text columns, made once per row (lower-cased); `None` for the others.
fn text_key(row: &VibeRow, column: Column) -> Option<String> {
    let text = |s: &Option<String>| s.as_deref().unwrap_or("").to_lowercase();
    Some(match column {
        Column::Split => text(&row.split),
        Column::Dataset => text(&row.dataset),
        Column::Scope => text(&row.vibe_scope),
        Column::Vibe => row.vibe_text().to_lowercase(),
        Column::Tags => row.tags_original.join(", "),
        _ => return None,
    })
}

/// The order of the other columns.
fn compare(a: &VibeRow, b: &VibeRow, column: Column) -> Ordering {
    let share = |r: &VibeRow| {
        let (v, t) = r.valid_count();
        if t == 0 { -1.0 } else { v as f64 / t as f64 }
    };
    // Rows without a score sort below every score.
    let best = |r: &VibeRow| r.best_score().unwrap_or(f64::NEG_INFINITY);
    match column {
        Column::Level => level_rank(a.vibe_level.as_deref()).cmp(&level_rank(b.vibe_level.as_deref())),
        Column::Validity => share(a).total_cmp(&share(b)),
        Column::BestScore => best(a).total_cmp(&best(b)),
        _ => (a.file, a.line).cmp(&(b.file, b.line)),
    }
}

/// The indices of the rows the filter keeps, sorted by `column` (ties in file order).
pub fn select(set: &VibeSet, filter: &Filter, column: Column, descending: bool) -> Vec<usize> {
    let words = filter.words();
    let kept = (0..set.rows.len()).filter(|&i| filter.keeps(&set.rows[i], &words));
    let order = |by: Ordering| if descending { by.reverse() } else { by };
    let in_file = |i: usize| (set.rows[i].file, set.rows[i].line);
    if let Some(mut keyed) =
        kept.clone().map(|i| text_key(&set.rows[i], column).map(|k| (k, i))).collect::<Option<Vec<_>>>()
    {
        keyed.sort_by(|(ka, a), (kb, b)| order(ka.cmp(kb)).then_with(|| in_file(*a).cmp(&in_file(*b))));
        return keyed.into_iter().map(|(_, i)| i).collect();
    }
    let mut kept: Vec<usize> = kept.collect();
    kept.sort_by(|&i, &j| {
        order(compare(&set.rows[i], &set.rows[j], column)).then_with(|| in_file(i).cmp(&in_file(j)))
    });
    kept
}

/// The distinct values of a column in the set (with [`NONE`] for rows without one), sorted
/// (levels in [`LEVELS`] order).
pub fn values(set: &VibeSet, column: Column) -> Vec<String> {
    fn pick(row: &VibeRow, column: Column) -> Option<&str> {
        match column {
            Column::Split => row.split.as_deref(),
            Column::Dataset => row.dataset.as_deref(),
            Column::Scope => row.vibe_scope.as_deref(),
            Column::Level => row.vibe_level.as_deref(),
            _ => None,
        }
    }
    let distinct: std::collections::BTreeSet<&str> =
        set.rows.iter().map(|r| pick(r, column).unwrap_or(NONE)).collect();
    let mut out: Vec<String> = distinct.into_iter().map(str::to_owned).collect();
    if column == Column::Level {
        out.sort_by_key(|l| level_rank(Some(l)));
    }
    out
}
