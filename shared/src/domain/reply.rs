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
        /// What the customer reads, when the approved template is known: its name and its text
        /// with the variables filled in. Kept on the message for the transcript; never sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shown: Option<TemplateText>,
    },
}

/// An approved template as the transcript shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateText {
    pub name: String,
    pub text: String,
}

impl TemplateText {
    /// `body` with each `{{n}}` replaced by variable `n` (its sample when not given).
    pub fn fill(
        name: &str,
        body: &str,
        variables: &BTreeMap<String, String>,
        samples: &BTreeMap<String, String>,
    ) -> Self {
        let mut text = String::with_capacity(body.len());
        let mut rest = body;
        while let Some(start) = rest.find("{{") {
            text.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find("}}") {
                Some(end) => {
                    let key = after[..end].trim();
                    match variables.get(key).or_else(|| samples.get(key)) {
                        Some(value) => text.push_str(value),
                        None => text.push_str(&rest[start..start + 2 + end + 2]),
                    }
                    rest = &after[end + 2..];
                }
                None => {
                    text.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        text.push_str(rest);
        Self {
            name: name.to_owned(),
            text,
        }
    }
}

impl ReplyContent {
    /// Free-form content is only allowed inside the 24-hour window; templates at any time.
    pub fn is_free_form(&self) -> bool {
        !matches!(self, Self::Template { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_templates_text_fills_its_variables_then_samples_and_keeps_unknown_placeholders() {
        let variables = BTreeMap::from([("1".to_owned(), "Rosa".to_owned())]);
        let samples = BTreeMap::from([("2".to_owned(), "A-1042".to_owned())]);
        let shown = TemplateText::fill(
            "order_update",
            "Hi {{1}}, order {{ 2 }} and {{3}} {{",
            &variables,
            &samples,
        );
        assert_eq!(shown.text, "Hi Rosa, order A-1042 and {{3}} {{");
    }
}
