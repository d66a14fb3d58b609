//! Snippets: a short excerpt of a body around its first word matching a query.

use super::terms::{Pattern, patterns};
use crate::domain::search::{MIN_TERM_CHARS, fold};

/// Where the first word of `text` matching one of `wanted` begins, in characters.
fn first_match(text: &[char], wanted: &[Pattern]) -> Option<usize> {
    let mut i = 0;
    while i < text.len() {
        let start = i;
        while i < text.len() && text[i].is_alphanumeric() {
            i += 1;
        }
        let word: String = text[start..i].iter().collect();
        if i > start
            && fold(&word)
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| wanted.iter().any(|p| p.matches(w)))
        {
            return Some(start);
        }
        i += 1;
    }
    None
}

/// Up to `max_chars` characters (`…` included) of the body, spaces collapsed, from a little
/// before its first word matching the query (a content word rather than a stop word when both
/// occur), else from its start; cut between words with `…` where cut.
pub fn snippet(body: &str, query: &str, max_chars: usize) -> String {
    let text: Vec<char> = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    if text.len() <= max_chars || max_chars < 3 {
        // Too narrow for an ellipsis and a word: the first characters.
        return text.into_iter().take(max_chars).collect();
    }
    let anchor = first_match(&text, &patterns(query, MIN_TERM_CHARS, true))
        .or_else(|| first_match(&text, &patterns(query, MIN_TERM_CHARS, false)))
        .unwrap_or(0);
    // A third of the room before the match, less near the end so that the room is used.
    let mut from = anchor
        .saturating_sub(max_chars / 3)
        .min(text.len() + 1 - max_chars);
    while from > 0 && from < anchor && text[from - 1] != ' ' {
        from += 1;
    }
    // Room for the text between the ellipses, which the text is longer than.
    let room = max_chars.saturating_sub(usize::from(from > 0));
    let mut out = String::new();
    let to = if from + room >= text.len() {
        text.len()
    } else {
        let end = from + room.saturating_sub(1);
        (from + 1..=end)
            .rev()
            .find(|&p| text[p] == ' ')
            .unwrap_or(end)
    };
    if from > 0 {
        out.push('…');
    }
    out.extend(&text[from..to]);
    if to < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_body_is_its_own_snippet_with_spaces_collapsed() {
        assert_eq!(
            snippet("  We refund\n\nwithin 14 days. ", "refund", 200),
            "We refund within 14 days."
        );
        assert_eq!(snippet("abc", "x", 0), "");
    }

    #[test]
    fn a_snippet_surrounds_the_first_match_and_cuts_between_words() {
        let body = format!(
            "{}Our rémboursement policy: {}",
            "filler ".repeat(60),
            "after ".repeat(60)
        );
        let s = snippet(&body, "REMBOURSEMENT", 60);
        assert!(s.contains("rémboursement policy"), "{s}");
        assert!(s.starts_with("…filler ") && s.ends_with(" after…"), "{s}");
        assert!(s.chars().count() <= 60, "{s}");
        let inner = s.trim_matches('…');
        assert!(
            body.contains(inner) && !inner.starts_with(' ') && !inner.ends_with(' '),
            "{s}"
        );
    }

    #[test]
    fn a_snippet_without_a_match_is_the_start_of_the_body() {
        let s = snippet(&"día ".repeat(100), "refund", 30);
        assert!(
            s.starts_with("día día") && s.ends_with("día…") && s.chars().count() <= 30,
            "{s}"
        );
    }

    #[test]
    fn a_snippet_prefers_a_content_word_to_a_stop_word() {
        let body = format!(
            "How it works. {} To reset, open Settings.",
            "x ".repeat(100)
        );
        assert!(snippet(&body, "how to reset", 40).contains("reset"));
        assert!(snippet(&body, "how", 40).starts_with("How it works."));
    }

    #[test]
    fn a_snippet_never_splits_a_character_even_in_an_unbroken_run() {
        let body = format!(
            "{}返金ポリシー{}",
            "日本語".repeat(50),
            "テキスト".repeat(50)
        );
        let s = snippet(&body, "x", 25);
        assert_eq!(s.chars().count(), 25);
        assert!(
            s.ends_with('…') && body.starts_with(s.trim_end_matches('…')),
            "{s}"
        );
        let near_end = format!("{} refund 🙂 ok", "émoji ".repeat(30));
        let s = snippet(&near_end, "refund", 20);
        assert!(
            s.starts_with('…') && s.ends_with("refund 🙂 ok") && s.chars().count() <= 20,
            "{s}"
        );
    }
}
