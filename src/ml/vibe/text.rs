//! The vibe-to-config model's text encoder input: a vibe becomes a bag of hashed features (words,
//! word pairs, and character trigrams of each word, so a typo still shares most of its features
//! with the clean word). Hashing is FNV-1a (64-bit), so ids are the same on every machine and run.

/// FNV-1a, 64-bit.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// At most this many features per vibe (the rest of a very long text is ignored).
pub const MAX_FEATURES: usize = 512;

/// The feature strings of a text, in order: for each lower-cased word (a run of letters or
/// digits) `w:word`, `b:previous word` (from the second word on) and `c:` each trigram of
/// `<word>` (the angle brackets mark the word's ends).
pub fn feature_strings(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let mut out = Vec::new();
    for (i, word) in words.iter().enumerate() {
        out.push(format!("w:{word}"));
        if i > 0 {
            out.push(format!("b:{} {word}", words[i - 1]));
        }
        let marked: Vec<char> =
            std::iter::once('<').chain(word.chars()).chain(std::iter::once('>')).collect();
        for gram in marked.windows(3) {
            out.push(format!("c:{}", gram.iter().collect::<String>()));
        }
    }
    out
}

/// The hashed ids of a text's features, each in `1..buckets` (0 is kept for padding).
pub fn feature_ids(text: &str, buckets: usize) -> Vec<u32> {
    debug_assert!(buckets > 1);
    feature_strings(text)
        .iter()
        .take(MAX_FEATURES)
        .map(|f| 1 + (fnv1a(f.as_bytes()) % (buckets as u64 - 1)) as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv): "" and "a".
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn features_are_words_pairs_and_marked_trigrams() {
        // "Slow, dim" by hand: words slow, dim; one pair; <slow> has 4 trigrams, <dim> 3.
        let f = feature_strings("Slow, dim");
        assert_eq!(
            f,
            ["w:slow", "c:<sl", "c:slo", "c:low", "c:ow>", "w:dim", "b:slow dim", "c:<di", "c:dim", "c:im>"]
        );
        let ids = feature_ids("Slow, dim", 1000);
        assert_eq!(ids.len(), 10);
        assert!(ids.iter().all(|&i| (1..1000).contains(&i)));
        assert_eq!(ids[0], 1 + (fnv1a(b"w:slow") % 999) as u32);
    }

    #[test]
    fn a_typo_keeps_most_trigrams() {
        let clean: std::collections::HashSet<String> = feature_strings("melancholy").into_iter().collect();
        let typo: std::collections::HashSet<String> = feature_strings("melnacholy").into_iter().collect();
        // <melancholy> has 10 trigrams; swapping "an" touches 4 of them (ela, lan, anc, nch).
        assert_eq!(clean.intersection(&typo).count(), 6);
    }
}
