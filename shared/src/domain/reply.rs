use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What an agent sends: free-form text, one media with an optional caption, or an approved
/// template (Twilio Content API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyContent {
    Text {
        body: String,
    },
    Media {
        url: String,
        caption: Option<String>,
    },
    Template {
        content_sid: String,
        variables: BTreeMap<String, String>,
    },
}

impl ReplyContent {
    /// Free-form content is only allowed inside the 24-hour window; templates at any time.
    pub fn is_free_form(&self) -> bool {
        !matches!(self, Self::Template { .. })
    }
}
