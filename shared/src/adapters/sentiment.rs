//! [`SentimentScorer`]s: Amazon Comprehend (`SENTIMENT=comprehend`, the template's default) and
//! the embedded VADER lexicon (`SENTIMENT=lexicon`, local-api's default, no account needed).

use std::sync::OnceLock;

use async_trait::async_trait;
use aws_sdk_comprehend::Client;
use aws_sdk_comprehend::error::SdkError;
use aws_sdk_comprehend::operation::detect_sentiment::DetectSentimentError;
use aws_sdk_comprehend::types::{LanguageCode, SentimentType};
use vader_parity::SentimentIntensityAnalyzer;

use crate::domain::sentiment::{LANGUAGE_UNSUPPORTED, Sentiment, SentimentLabel};
use crate::ports::{ScoreError, SentimentScorer};

/// VADER (Hutto & Gilbert, 2014) over its own 7,500-word lexicon and emoji table: English
/// social-media text, negation, boosters, capitals and punctuation. Its compound score is the
/// score; ±0.05 the usual thresholds; a text notably both positive and negative is `mixed`.
#[derive(Default)]
pub struct LexiconScorer;

/// The parsed lexicon, once per process (a few milliseconds, at the first message).
fn analyzer() -> &'static SentimentIntensityAnalyzer {
    static ANALYZER: OnceLock<SentimentIntensityAnalyzer> = OnceLock::new();
    ANALYZER.get_or_init(SentimentIntensityAnalyzer::new)
}

impl LexiconScorer {
    /// Loads the lexicon now (at cold start) rather than at the first message.
    pub fn warmed() -> Self {
        analyzer();
        Self
    }

    pub fn read(text: &str) -> Sentiment {
        let scores = analyzer().polarity_scores(text);
        let label = if scores.pos >= 0.15 && scores.neg >= 0.15 && scores.compound.abs() < 0.5 {
            SentimentLabel::Mixed
        } else if scores.compound >= 0.05 {
            SentimentLabel::Positive
        } else if scores.compound <= -0.05 {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        };
        Sentiment::new(label, scores.compound)
    }
}

#[async_trait]
impl SentimentScorer for LexiconScorer {
    async fn score(&self, text: &str) -> Result<Sentiment, ScoreError> {
        Ok(Self::read(text))
    }
}

/// The languages `DetectSentiment` reads.
const COMPREHEND_LANGUAGES: [&str; 12] = [
    "ar", "de", "en", "es", "fr", "hi", "it", "ja", "ko", "pt", "zh", "zh-TW",
];
/// `DetectDominantLanguage` wants at least this many characters; shorter texts are read in
/// the fallback language.
const DETECT_MIN_CHARS: usize = 20;
/// `DetectSentiment` reads at most 5,000 bytes of UTF-8.
const MAX_TEXT_BYTES: usize = 5_000;

/// Amazon Comprehend: `DetectSentiment`, in `SENTIMENT_LANGUAGE` when set, else the language
/// `DetectDominantLanguage` finds (English for a text too short to tell). A language Comprehend
/// cannot read sentiment in is `neutral` with `reason: language_unsupported`, never an error.
pub struct ComprehendScorer {
    client: Client,
    /// `SENTIMENT_LANGUAGE`: every text in this language, no detection (half the cost).
    language: Option<String>,
}

impl ComprehendScorer {
    pub fn new(client: Client, language: Option<String>) -> Self {
        Self { client, language }
    }

    /// The client from the shared SDK configuration (`AWS_ENDPOINT_URL_COMPREHEND` for an
    /// emulator).
    pub fn client(sdk: &aws_config::SdkConfig) -> Client {
        Client::new(sdk)
    }

    async fn language_of(&self, text: &str) -> Result<String, ScoreError> {
        if let Some(language) = &self.language {
            return Ok(language.clone());
        }
        if text.chars().count() < DETECT_MIN_CHARS {
            return Ok("en".into());
        }
        let out = self
            .client
            .detect_dominant_language()
            .text(text)
            .send()
            .await
            .map_err(|e| ScoreError(Box::new(e)))?;
        Ok(out
            .languages()
            .iter()
            .max_by(|a, b| {
                a.score()
                    .unwrap_or(0.0)
                    .total_cmp(&b.score().unwrap_or(0.0))
            })
            .and_then(|l| l.language_code())
            .unwrap_or("en")
            .to_owned())
    }
}

/// The longest prefix of `text` within `max` bytes, on a character boundary.
fn within(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[async_trait]
impl SentimentScorer for ComprehendScorer {
    async fn score(&self, text: &str) -> Result<Sentiment, ScoreError> {
        let text = within(text, MAX_TEXT_BYTES);
        let language = self.language_of(text).await?;
        if !COMPREHEND_LANGUAGES.contains(&language.as_str()) {
            return Ok(Sentiment::unread(LANGUAGE_UNSUPPORTED).in_language(Some(language)));
        }
        let result = self
            .client
            .detect_sentiment()
            .text(text)
            .language_code(LanguageCode::from(language.as_str()))
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(SdkError::ServiceError(e))
                if matches!(
                    e.err(),
                    DetectSentimentError::UnsupportedLanguageException(_)
                ) =>
            {
                return Ok(Sentiment::unread(LANGUAGE_UNSUPPORTED).in_language(Some(language)));
            }
            Err(e) => return Err(ScoreError(Box::new(e))),
        };
        let label = match out.sentiment() {
            Some(SentimentType::Positive) => SentimentLabel::Positive,
            Some(SentimentType::Negative) => SentimentLabel::Negative,
            Some(SentimentType::Mixed) => SentimentLabel::Mixed,
            _ => SentimentLabel::Neutral,
        };
        let score = out.sentiment_score().map_or(0.0, |s| {
            f64::from(s.positive().unwrap_or(0.0)) - f64::from(s.negative().unwrap_or(0.0))
        });
        Ok(Sentiment::new(label, score).in_language(Some(language)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lexicon_reads_an_angry_customer_as_negative_and_a_grateful_one_as_positive() {
        let angry = LexiconScorer::read("This is terrible, I am furious, worst service ever");
        assert_eq!(angry.label, SentimentLabel::Negative);
        assert!(angry.score < -0.5, "{angry:?}");
        let glad = LexiconScorer::read("Thank you so much, that was really helpful");
        assert_eq!(glad.label, SentimentLabel::Positive);
        assert!(glad.score > 0.5, "{glad:?}");
        let plain = LexiconScorer::read("The parcel is at the depot on Main Street");
        assert_eq!(plain.label, SentimentLabel::Neutral);
    }

    #[test]
    fn the_lexicon_reads_negation_and_emphasis() {
        assert_eq!(
            LexiconScorer::read("The delivery was not good").label,
            SentimentLabel::Negative
        );
        let calm = LexiconScorer::read("bad").score;
        let loud = LexiconScorer::read("BAD!!!").score;
        assert!(loud < calm, "{loud} vs {calm}");
    }

    #[test]
    fn a_long_text_is_cut_on_a_character_boundary() {
        let text = "é".repeat(3_000);
        let cut = within(&text, MAX_TEXT_BYTES);
        assert_eq!(cut.len(), 5_000);
        assert!(within("short", 10) == "short");
        let odd = format!("a{}", "é".repeat(3_000));
        assert_eq!(within(&odd, MAX_TEXT_BYTES).len(), 4_999);
    }
}
