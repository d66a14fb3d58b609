//! WhatsApp templates as Twilio's Content API holds them: what an agent may pick once the
//! 24-hour window has closed (or to start a conversation).

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::Serialize;

/// One approved template, ready for the picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// `HX…`: what a reply's `template.content_sid` names.
    pub content_sid: String,
    pub friendly_name: String,
    /// The template's language tag (`en`, `es`, `pt_BR`…).
    pub language: String,
    /// WhatsApp's category: `UTILITY`, `MARKETING` or `AUTHENTICATION`.
    pub category: String,
    /// The text with its `{{n}}` placeholders, from the content's types.
    pub body: String,
    /// Each variable's sample value, by number.
    pub variables: BTreeMap<String, String>,
    /// The content types the template has (`twilio/text`, `twilio/quick-reply`…).
    pub types: Vec<String>,
}

/// Why the templates could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// Twilio answered with an error.
    #[error("Twilio's Content API refused the request ({http_status}, code {code:?}): {message}")]
    Rejected {
        http_status: u16,
        code: Option<u32>,
        message: String,
    },
    /// No (complete, readable) answer.
    #[error("Twilio's Content API did not answer: {0}")]
    Unreachable(String),
}

/// The account's templates whose WhatsApp approval status is `approved`, every page read.
#[async_trait]
pub trait TemplateCatalog: Send + Sync {
    async fn approved(&self) -> Result<Vec<Template>, CatalogError>;
}
