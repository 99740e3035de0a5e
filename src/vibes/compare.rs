//! A vibe's config candidates compared field by field: what each candidate has in each field (as
//! written, and whether the schema refuses it), and, where they disagree, the most common value.

use crate::synth::config::{Field, Problem};
use crate::synth::payload::Payload;

/// One candidate's value of one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// As shown: the label (or number) the candidate gives, "(missing)", or the invalid value.
    pub text: String,
    /// The schema refuses it (the synth uses the field's fallback).
    pub invalid: bool,
}

/// The candidates side by side.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Per field (in `Field::all()` order), per candidate: its cell, or `None` for a candidate
    /// that failed to generate (null).
    pub cells: Vec<Vec<Option<Cell>>>,
    /// Per field: the most common value, when the candidates disagree (a tie goes to the value
    /// counted last).
    pub majority: Vec<Option<String>>,
}

/// A field's value as a candidate writes it, and whether the schema refuses it.
pub fn cell(payload: &Payload, field: Field) -> Cell {
    let spec = field.spec();
    match payload.config.issues.iter().find(|i| i.field == spec.name).map(|i| &i.problem) {
        Some(Problem::Invalid { found }) => Cell { text: found.trim_matches('"').to_owned(), invalid: true },
        Some(Problem::Missing) => Cell { text: "(missing)".to_owned(), invalid: true },
        _ => Cell { text: spec.display(payload.config.config.get(field)), invalid: false },
    }
}

impl Comparison {
    /// Compares the candidates (`None`: a failed generation).
    pub fn of(payloads: &[Option<Payload>]) -> Comparison {
        let mut comparison = Comparison::default();
        for field in Field::all() {
            let cells: Vec<Option<Cell>> =
                payloads.iter().map(|p| p.as_ref().map(|p| cell(p, field))).collect();
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for c in cells.iter().flatten() {
                match counts.iter_mut().find(|(t, _)| *t == c.text) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((&c.text, 1)),
                }
            }
            let majority = (counts.len() > 1)
                .then(|| counts.iter().max_by_key(|(_, n)| *n).map(|(t, _)| (*t).to_owned()));
            comparison.majority.push(majority.flatten());
            comparison.cells.push(cells);
        }
        comparison
    }

    /// The fields on which the candidates disagree.
    pub fn differing(&self) -> Vec<Field> {
        Field::all().zip(&self.majority).filter(|(_, m)| m.is_some()).map(|(f, _)| f).collect()
    }

    /// Whether a cell of field `f` is not the majority's value (there being a majority).
    pub fn against_majority(&self, f: usize, cell: &Cell) -> bool {
        self.majority.get(f).and_then(Option::as_ref).is_some_and(|m| *m != cell.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::config::MusicConfig;

    /// A candidate payload whose config is the default with some fields set (JSON values).
    fn candidate(fields: &[(&str, serde_json::Value)]) -> Option<Payload> {
        let mut config = MusicConfig::default().to_json();
        for (k, v) in fields {
            config.insert((*k).to_owned(), v.clone());
        }
        let object = serde_json::json!({"title": "t", "config": config});
        Some(Payload::from_json(object.as_object().unwrap()))
    }

    #[test]
    fn majority_cells_and_invalid_values() {
        let payloads = vec![
            candidate(&[("tempo", "slow".into())]),
            candidate(&[("tempo", "slow".into()), ("mode", "lydian".into())]),
            None,
            candidate(&[("tempo", "fast".into())]),
        ];
        let c = Comparison::of(&payloads);
        let tempo = Field::all().position(|f| f.spec().name == "tempo").unwrap();
        let mode = Field::all().position(|f| f.spec().name == "mode").unwrap();
        // Tempo: slow twice, fast once.
        assert_eq!(c.majority[tempo].as_deref(), Some("slow"));
        assert_eq!(c.cells[tempo][2], None, "the failed candidate has no cell");
        let fast = c.cells[tempo][3].clone().unwrap();
        assert!(c.against_majority(tempo, &fast) && !fast.invalid);
        // Mode: the default (minor) twice and an invalid "lydian": the invalid value as written.
        let lydian = c.cells[mode][1].clone().unwrap();
        assert_eq!(lydian, Cell { text: "lydian".into(), invalid: true });
        assert_eq!(c.majority[mode].as_deref(), Some("minor"));
        // Everything else agrees.
        let differing: Vec<&str> = c.differing().iter().map(|f| f.spec().name).collect();
        assert_eq!(differing, ["tempo", "mode"]);
    }

    #[test]
    fn a_missing_field_is_marked_and_agreement_has_no_majority() {
        let mut without = MusicConfig::default().to_json();
        without.remove("root");
        let object = serde_json::json!({"config": without});
        let payloads = vec![Some(Payload::from_json(object.as_object().unwrap())), candidate(&[])];
        let c = Comparison::of(&payloads);
        let root = Field::all().position(|f| f.spec().name == "root").unwrap();
        assert_eq!(c.cells[root][0], Some(Cell { text: "(missing)".into(), invalid: true }));
        let tempo = Field::all().position(|f| f.spec().name == "tempo").unwrap();
        assert_eq!(c.majority[tempo], None);
        // Two values once each: the tie goes to the one counted last.
        assert_eq!(c.majority[root].as_deref(), Some(c.cells[root][1].as_ref().unwrap().text.as_str()));
    }
}
