//! A customer's sentiment, the pure part: a message's label and score (whoever scored it), and
//! the conversation's rolling score over the last three customer messages, with its trend.

use serde::{Deserialize, Serialize};

/// How a message, or a conversation so far, reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    Positive,
    Neutral,
    Negative,
    Mixed,
}

impl SentimentLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Positive => "positive",
            Self::Neutral => "neutral",
            Self::Negative => "negative",
            Self::Mixed => "mixed",
        }
    }
}

/// A label with its score, -1.0 (negative) to 1.0 (positive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub label: SentimentLabel,
    pub score: f64,
    /// The language it was read in, when the scorer tells (`en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Why it is `neutral` without being read: `language_unsupported`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

// Scores are clamped finite numbers (never NaN), so equality is an equivalence.
impl Eq for Sentiment {}

/// Who reads customers' texts (`SENTIMENT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentimentMode {
    /// Amazon Comprehend (the template's default).
    Comprehend,
    /// The embedded VADER lexicon (local-api's default): English, no account, no cost.
    Lexicon,
    Off,
}

impl SentimentMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "comprehend" => Some(Self::Comprehend),
            "lexicon" => Some(Self::Lexicon),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

/// Why a message was not read: the scorer does not know its language.
pub const LANGUAGE_UNSUPPORTED: &str = "language_unsupported";

impl Sentiment {
    /// A scorer's reading, the score clamped to -1.0..=1.0 (a NaN reads as 0).
    pub fn new(label: SentimentLabel, score: f64) -> Self {
        let score = if score.is_nan() {
            0.0
        } else {
            score.clamp(-1.0, 1.0)
        };
        Self {
            label,
            score: round(score),
            language: None,
            reason: None,
        }
    }

    /// `neutral`, unread, with the reason.
    pub fn unread(reason: &str) -> Self {
        Self {
            reason: Some(reason.to_owned()),
            ..Self::new(SentimentLabel::Neutral, 0.0)
        }
    }

    pub fn in_language(mut self, language: Option<String>) -> Self {
        self.language = language;
        self
    }

    /// Just the label and score, as the conversation carries it.
    pub fn bare(&self) -> Self {
        Self::new(self.label, self.score)
    }
}

/// Three decimals are all a reader or a threshold needs.
fn round(score: f64) -> f64 {
    (score * 1000.0).round() / 1000.0
}

/// Where the conversation is heading, comparing its rolling score with the one before the
/// latest message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentTrend {
    Improving,
    Steady,
    Worsening,
}

impl SentimentTrend {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Improving => "improving",
            Self::Steady => "steady",
            Self::Worsening => "worsening",
        }
    }
}

/// The customer messages the rolling score reads, and their weights, newest first.
pub const ROLLING_WEIGHTS: [f64; 3] = [0.5, 0.3, 0.2];
/// Messages read for the score and its trend: the rolling window and the one before it.
pub const MESSAGES_READ: usize = ROLLING_WEIGHTS.len() + 1;
/// A rolling score at least this far from zero is positive or negative.
pub const ROLLING_THRESHOLD: f64 = 0.2;
/// A change of the rolling score at least this large is a trend.
pub const TREND_THRESHOLD: f64 = 0.15;

/// The conversation's rolling sentiment over its latest customer messages (newest first; only
/// the first three count, weighted 0.5/0.3/0.2, renormalised when fewer). `None` with none.
/// Its label: positive or negative beyond ±0.2; in between, `mixed` when those messages were
/// both positive and negative, else `neutral`.
pub fn rolling(latest_first: &[Sentiment]) -> Option<Sentiment> {
    let window = &latest_first[..latest_first.len().min(ROLLING_WEIGHTS.len())];
    if window.is_empty() {
        return None;
    }
    let weights = &ROLLING_WEIGHTS[..window.len()];
    let total: f64 = weights.iter().sum();
    let score = window
        .iter()
        .zip(weights)
        .map(|(s, w)| s.score * w)
        .sum::<f64>()
        / total;
    let both = window.iter().any(|s| s.label == SentimentLabel::Positive)
        && window.iter().any(|s| s.label == SentimentLabel::Negative);
    let label = if score >= ROLLING_THRESHOLD {
        SentimentLabel::Positive
    } else if score <= -ROLLING_THRESHOLD {
        SentimentLabel::Negative
    } else if both || window.iter().any(|s| s.label == SentimentLabel::Mixed) {
        SentimentLabel::Mixed
    } else {
        SentimentLabel::Neutral
    };
    Some(Sentiment::new(label, score))
}

/// The trend: the rolling score now against the one before the latest message. `steady` with
/// a single message.
pub fn trend(latest_first: &[Sentiment]) -> SentimentTrend {
    let (Some(now), Some(before)) = (
        rolling(latest_first),
        latest_first.get(1..).and_then(rolling),
    ) else {
        return SentimentTrend::Steady;
    };
    let change = now.score - before.score;
    if change >= TREND_THRESHOLD {
        SentimentTrend::Improving
    } else if change <= -TREND_THRESHOLD {
        SentimentTrend::Worsening
    } else {
        SentimentTrend::Steady
    }
}

/// Whether the conversation's label just turned negative (and so raises
/// `conversation.sentiment_negative`, once per turn).
pub fn turned_negative(before: Option<&Sentiment>, now: Option<&Sentiment>) -> bool {
    now.is_some_and(|n| n.label == SentimentLabel::Negative)
        && before.is_none_or(|b| b.label != SentimentLabel::Negative)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(label: SentimentLabel, score: f64) -> Sentiment {
        Sentiment::new(label, score)
    }
    use SentimentLabel::*;

    #[test]
    fn one_message_is_the_conversations_sentiment() {
        let r = rolling(&[s(Negative, -0.8)]).unwrap();
        assert_eq!((r.label, r.score), (Negative, -0.8));
        assert_eq!(rolling(&[]), None);
    }

    #[test]
    fn the_newest_message_weighs_most_and_a_fourth_does_not_count() {
        let r = rolling(&[
            s(Positive, 0.8),
            s(Negative, -0.9),
            s(Neutral, 0.0),
            s(Negative, -1.0),
        ])
        .unwrap();
        // 0.5 × 0.8 + 0.3 × -0.9 + 0.2 × 0 = 0.13: between the thresholds, both ways: mixed.
        assert_eq!((r.label, r.score), (Mixed, 0.13));
    }

    #[test]
    fn fewer_than_three_messages_are_renormalised() {
        let r = rolling(&[s(Negative, -0.6), s(Negative, -0.2)]).unwrap();
        // (0.5 × -0.6 + 0.3 × -0.2) / 0.8 = -0.45.
        assert_eq!((r.label, r.score), (Negative, -0.45));
    }

    #[test]
    fn a_weak_score_without_both_feelings_is_neutral() {
        let r = rolling(&[s(Neutral, 0.05), s(Positive, 0.1)]).unwrap();
        assert_eq!(r.label, Neutral);
    }

    #[test]
    fn the_trend_compares_with_the_score_before_the_latest_message() {
        let calming = [s(Positive, 0.7), s(Negative, -0.8), s(Negative, -0.6)];
        assert_eq!(trend(&calming), SentimentTrend::Improving);
        let souring = [s(Negative, -0.9), s(Positive, 0.5), s(Positive, 0.6)];
        assert_eq!(trend(&souring), SentimentTrend::Worsening);
        let flat = [s(Neutral, 0.0), s(Neutral, 0.02)];
        assert_eq!(trend(&flat), SentimentTrend::Steady);
        assert_eq!(trend(&[s(Negative, -1.0)]), SentimentTrend::Steady);
    }

    #[test]
    fn a_turn_to_negative_is_seen_once_not_while_it_stays_negative() {
        let neg = s(Negative, -0.5);
        let pos = s(Positive, 0.5);
        assert!(turned_negative(None, Some(&neg)));
        assert!(turned_negative(Some(&pos), Some(&neg)));
        assert!(!turned_negative(Some(&neg), Some(&neg)));
        assert!(!turned_negative(Some(&neg), Some(&pos)));
        assert!(!turned_negative(None, None));
    }

    #[test]
    fn scores_are_clamped_and_never_nan() {
        assert_eq!(Sentiment::new(Positive, 3.0).score, 1.0);
        assert_eq!(Sentiment::new(Neutral, f64::NAN).score, 0.0);
        let unread = Sentiment::unread(LANGUAGE_UNSUPPORTED);
        assert_eq!(unread.label, Neutral);
        assert_eq!(unread.reason.as_deref(), Some("language_unsupported"));
    }
}
