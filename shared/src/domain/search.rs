//! Transcript search, the pure part: how text becomes index terms (case and accents folded),
//! which shard a message's terms go to, and the snippet shown for a match.

use std::collections::BTreeSet;

/// Shards per term: a common word's postings spread over this many index partitions.
pub const TERM_SHARDS: u32 = 4;
/// Terms indexed per message at most (a long message keeps its first distinct words).
pub const MAX_TERMS_PER_MESSAGE: usize = 64;
/// Shortest and longest term indexed, in characters.
pub const MIN_TERM_CHARS: usize = 2;
pub const MAX_TERM_CHARS: usize = 40;

/// A Latin letter with a diacritic as its base letter(s); anything else as it is.
fn fold_char(c: char) -> &'static str {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        _ => "",
    }
}

/// Lower case with Latin diacritics removed: `Zoë Ärger` → `zoe arger`. Other scripts keep
/// their letters, lower-cased.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for upper in text.chars() {
        for c in upper.to_lowercase() {
            match fold_char(c) {
                "" => out.push(c),
                base => out.push_str(base),
            }
        }
    }
    out
}

/// The distinct terms of a text, folded, in the order they first appear: words of letters and
/// digits, 2–40 characters, at most [`MAX_TERMS_PER_MESSAGE`].
pub fn terms(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for word in folded.split(|c: char| !c.is_alphanumeric()) {
        let chars = word.chars().count();
        if !(MIN_TERM_CHARS..=MAX_TERM_CHARS).contains(&chars) {
            continue;
        }
        if seen.insert(word.to_owned()) {
            out.push(word.to_owned());
            if out.len() == MAX_TERMS_PER_MESSAGE {
                break;
            }
        }
    }
    out
}

/// The shard of a message's postings: the same for all of its terms, so that a message's
/// other terms can be checked with direct reads.
pub fn shard_of(message_id: &str) -> u32 {
    // FNV-1a: stable across builds and platforms, unlike the standard hasher.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in message_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % TERM_SHARDS
}

/// Up to `width` characters of `text` around the first word that folds to `term`.
pub fn snippet(text: &str, term: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    let mut at = None;
    for (i, c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            let word: String = chars[start..i].iter().collect();
            if fold(&word) == term {
                at = Some(start);
                break;
            }
            start = i + 1;
        }
    }
    if at.is_none() {
        let word: String = chars[start.min(chars.len())..].iter().collect();
        if fold(&word) == term {
            at = Some(start);
        }
    }
    let from = at.unwrap_or(0).saturating_sub(width / 3);
    let to = (from + width).min(chars.len());
    let from = to.saturating_sub(width).min(from);
    let mut out: String = chars[from..to].iter().collect();
    if from > 0 {
        out.insert(0, '…');
    }
    if to < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_accents_fold_to_the_same_term() {
        assert_eq!(terms("Zebra42"), vec!["zebra42"]);
        assert_eq!(terms("ZOË, Crème brûlée!"), vec!["zoe", "creme", "brulee"]);
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn single_letters_repeats_and_overlong_words_are_not_terms() {
        assert_eq!(terms("a b order ORDER"), vec!["order"]);
        assert!(terms(&"x".repeat(41)).is_empty());
    }

    #[test]
    fn a_message_keeps_at_most_its_first_64_distinct_terms() {
        let text: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        assert_eq!(terms(&text.join(" ")).len(), MAX_TERMS_PER_MESSAGE);
    }

    #[test]
    fn shards_are_stable_and_in_range() {
        assert_eq!(shard_of("SM1"), shard_of("SM1"));
        assert!((0..200).all(|i| shard_of(&format!("SM{i}")) < TERM_SHARDS));
        let used: BTreeSet<u32> = (0..200).map(|i| shard_of(&format!("SM{i}"))).collect();
        assert_eq!(used.len(), TERM_SHARDS as usize);
    }

    #[test]
    fn the_snippet_surrounds_the_matching_word() {
        let text = format!(
            "{} the parcel Zébra42 arrived {}",
            "x ".repeat(60),
            "y ".repeat(60)
        );
        let s = snippet(&text, "zebra42", 40);
        assert!(s.contains("Zébra42"), "{s}");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert_eq!(snippet("Zebra42", "zebra42", 40), "Zebra42");
    }
}
