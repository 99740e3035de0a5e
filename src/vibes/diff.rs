//! Which characters differ between a vibe's original text and its noisy copy (the pipeline injects
//! character noise: swaps, drops, doubled letters, neighbouring keys). A longest common
//! subsequence over characters: whatever is not in it is marked changed, on either side.

/// Per character (not byte) of each text: whether it is outside the longest common subsequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharDiff {
    pub original: Vec<bool>,
    pub noisy: Vec<bool>,
}

impl CharDiff {
    pub fn changed_original(&self) -> usize {
        self.original.iter().filter(|c| **c).count()
    }

    pub fn changed_noisy(&self) -> usize {
        self.noisy.iter().filter(|c| **c).count()
    }
}

/// Above this many cells (middle part of a × middle part of b) the table is not built and the
/// whole differing middle is marked changed instead.
const MAX_CELLS: usize = 4_000_000;

/// Compares two texts character by character.
pub fn char_diff(a: &str, b: &str) -> CharDiff {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut out = CharDiff { original: vec![false; a.len()], noisy: vec![false; b.len()] };
    // The common prefix and suffix are unchanged; only the middle needs the table.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let (n, m) = (ma.len(), mb.len());
    if n == 0 || m == 0 || n * m > MAX_CELLS {
        out.original[prefix..prefix + n].fill(true);
        out.noisy[prefix..prefix + m].fill(true);
        return out;
    }
    // lcs[i][j]: the LCS length of ma[i..] and mb[j..].
    let width = m + 1;
    let mut lcs = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if ma[i] == mb[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if ma[i] == mb[j] {
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
            out.original[prefix + i] = true;
            i += 1;
        } else {
            out.noisy[prefix + j] = true;
            j += 1;
        }
    }
    out.original[prefix + i..prefix + n].fill(true);
    out.noisy[prefix + j..prefix + m].fill(true);
    out
}

/// Splits a text into runs of changed and unchanged characters, for drawing.
pub fn runs(text: &str, changed: &[bool]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for (c, &flag) in text.chars().zip(changed.iter().chain(std::iter::repeat(&false))) {
        match out.last_mut() {
            Some((run, f)) if *f == flag => run.push(c),
            _ => out.push((c.to_string(), flag)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(flags: &[bool]) -> String {
        flags.iter().map(|f| if *f { '^' } else { '.' }).collect()
    }

    #[test]
    fn equal_texts_have_no_changes() {
        let d = char_diff("quiet harbour", "quiet harbour");
        assert_eq!(d.changed_original() + d.changed_noisy(), 0);
    }

    #[test]
    fn a_swap_a_drop_and_a_doubled_letter_are_marked_where_they_are() {
        // By hand: "rainy" -> "rianyy": LCS "rany" (length 4): the original's 'i' at 1 is dropped
        // (or the 'a': either LCS is 4 long), the noisy copy gains one letter of the swap and the
        // doubled y.
        let d = char_diff("rainy", "rianyy");
        assert_eq!(d.changed_original(), 5 - 4);
        assert_eq!(d.changed_noisy(), 6 - 4);
        // A dropped letter: only the original marks it.
        let d = char_diff("slow dusk", "slow dsk");
        assert_eq!(marks(&d.original), "......^..");
        assert_eq!(marks(&d.noisy), "........");
        // A neighbouring key: one mark on each side, at the same place.
        let d = char_diff("warm night", "warm nighy");
        assert_eq!(marks(&d.original), ".........^");
        assert_eq!(marks(&d.noisy), ".........^");
    }

    #[test]
    fn characters_not_bytes() {
        let d = char_diff("café noir", "cafe noir");
        assert_eq!(marks(&d.original), "...^.....");
        assert_eq!(marks(&d.noisy), "...^.....");
        let r = runs("café noir", &d.original);
        assert_eq!(r, vec![("caf".to_owned(), false), ("é".to_owned(), true), (" noir".to_owned(), false)]);
    }

    #[test]
    fn one_side_empty() {
        let d = char_diff("", "abc");
        assert_eq!(marks(&d.noisy), "^^^");
        assert!(d.original.is_empty());
    }
}
