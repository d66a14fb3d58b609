//! What a conversation's wrap-up shows: its outcome, linked records and CSAT.

use serde::Serialize;

use super::rfc3339;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeView {
    pub disposition: String,
    pub label: String,
    pub summary: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordView {
    pub system: String,
    pub id: String,
    pub url: Option<String>,
    pub linked_by: String,
    pub linked_at: String,
}

impl From<crate::ports::RecordLink> for RecordView {
    fn from(r: crate::ports::RecordLink) -> Self {
        Self {
            system: r.system,
            id: r.id,
            url: r.url,
            linked_by: r.linked_by,
            linked_at: rfc3339(r.linked_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CsatView {
    pub score: u8,
    pub at: String,
}
