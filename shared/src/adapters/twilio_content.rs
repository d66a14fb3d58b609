//! [`TemplateCatalog`] on Twilio's Content API: `GET {base}/v1/ContentAndApprovals`, every page
//! (`meta.next_page_url`), HTTP Basic with the account's credentials, keeping the templates whose
//! WhatsApp approval status is `approved`.
//!
//! The base is `TWILIO_CONTENT_API_BASE_URL` (`https://content.twilio.com`), checked as the
//! Messages API's base is: the credentials go only to a Twilio host over https (or loopback). A
//! next page on another origin is refused, never followed with the credentials.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;

use super::twilio_rest::{
    TwilioConfig, TwilioConfigError, TwilioError, status_line, twilio_client,
};
use crate::ports::{CatalogError, Template, TemplateCatalog};

/// Templates per page (Twilio's largest page is 1,000; WhatsApp allows 6,000 approved).
const PAGE_SIZE: u32 = 500;
/// Pages read at most: 6,000 templates and room for rejected ones.
const MAX_PAGES: usize = 30;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);

/// Reads the account's approved templates. Build it once per cold start.
pub struct TwilioContentCatalog {
    first_page: Url,
    account_sid: String,
    auth_token: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for TwilioContentCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioContentCatalog")
            .field("first_page", &self.first_page.as_str())
            .field("account_sid", &self.account_sid)
            .finish_non_exhaustive()
    }
}

impl TwilioContentCatalog {
    /// `config.api_base_url` is the Content API's base (`https://content.twilio.com`).
    pub fn new(config: &TwilioConfig) -> Result<Self, TwilioConfigError> {
        let (mut first_page, client) = twilio_client(
            config,
            &["v1", "ContentAndApprovals"],
            CONNECT_TIMEOUT,
            REQUEST_TIMEOUT,
        )?;
        first_page
            .query_pairs_mut()
            .append_pair("PageSize", &PAGE_SIZE.to_string());
        Ok(Self {
            first_page,
            account_sid: config.account_sid.clone(),
            auth_token: config.auth_token.clone(),
            client,
        })
    }

    fn redact(&self, text: String) -> String {
        text.replace(&self.auth_token, "[redacted]")
    }

    /// The next page's address, when Twilio gives one on the first page's origin.
    fn next_page(&self, next: Option<&str>) -> Result<Option<Url>, CatalogError> {
        let Some(next) = next.filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let url = Url::parse(next)
            .map_err(|_| CatalogError::Unreachable("Twilio gave an unreadable next page".into()))?;
        if url.origin() != self.first_page.origin() {
            return Err(CatalogError::Unreachable(
                "Twilio's next page is on another host: not followed with the credentials".into(),
            ));
        }
        Ok(Some(url))
    }
}

#[async_trait]
impl TemplateCatalog for TwilioContentCatalog {
    async fn approved(&self) -> Result<Vec<Template>, CatalogError> {
        let mut out = Vec::new();
        let mut url = Some(self.first_page.clone());
        for _ in 0..MAX_PAGES {
            let Some(page_url) = url.take() else { break };
            let response = self
                .client
                .get(page_url)
                .basic_auth(&self.account_sid, Some(&self.auth_token))
                .send()
                .await
                .map_err(|e| CatalogError::Unreachable(self.redact(e.to_string())))?;
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|e| CatalogError::Unreachable(self.redact(e.to_string())))?;
            if !status.is_success() {
                let error = TwilioError::parse(&body);
                return Err(CatalogError::Rejected {
                    http_status: status.as_u16(),
                    code: error.code,
                    message: self.redact(error.message.unwrap_or_else(|| status_line(status))),
                });
            }
            let page: Page = serde_json::from_slice(&body).map_err(|e| {
                CatalogError::Unreachable(format!("Twilio's answer is not a content page: {e}"))
            })?;
            out.extend(page.contents.into_iter().filter_map(Content::approved));
            url = self.next_page(page.meta.next_page_url.as_deref())?;
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    contents: Vec<Content>,
    #[serde(default)]
    meta: Meta,
}

#[derive(Default, Deserialize)]
struct Meta {
    #[serde(default)]
    next_page_url: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    sid: String,
    #[serde(default)]
    friendly_name: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    variables: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    types: serde_json::Map<String, Value>,
    #[serde(default)]
    approval_requests: Option<Approval>,
}

/// The WhatsApp approval: `{"status", "category", …}`, or the same under `whatsapp` (the
/// Approval Fetch resource's shape).
#[derive(Deserialize)]
struct Approval {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    whatsapp: Option<Box<Approval>>,
}

impl Approval {
    fn whatsapp(&self) -> &Approval {
        self.whatsapp.as_deref().unwrap_or(self)
    }
}

impl Content {
    /// The template, when WhatsApp approved it.
    fn approved(self) -> Option<Template> {
        let approval = self.approval_requests.as_ref()?.whatsapp();
        if !approval
            .status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("approved"))
        {
            return None;
        }
        let category = approval.category.clone().unwrap_or_default();
        Some(Template {
            body: body_of(&self.types),
            types: self.types.keys().cloned().collect(),
            variables: self
                .variables
                .unwrap_or_default()
                .into_iter()
                .map(|(name, sample)| {
                    let sample = match sample {
                        Value::String(text) => text,
                        other => other.to_string(),
                    };
                    (name, sample)
                })
                .collect::<BTreeMap<_, _>>(),
            friendly_name: self.friendly_name.unwrap_or_else(|| self.sid.clone()),
            language: self.language.unwrap_or_default(),
            category,
            content_sid: self.sid,
        })
    }
}

/// The text a customer reads: `twilio/text`'s body, else the first type with a `body`, else a
/// card's `title`.
fn body_of(types: &serde_json::Map<String, Value>) -> String {
    let text = |key: &str, kind: &Value| kind.get(key).and_then(Value::as_str).map(str::to_owned);
    types
        .get("twilio/text")
        .and_then(|t| text("body", t))
        .or_else(|| types.values().find_map(|t| text("body", t)))
        .or_else(|| types.values().find_map(|t| text("title", t)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(json: Value) -> Option<Template> {
        serde_json::from_value::<Content>(json).ok()?.approved()
    }

    #[test]
    fn an_approved_template_keeps_its_body_samples_and_types() {
        let template = content(serde_json::json!({
            "sid": "HXa1b2c3d4e5f60718293a4b5c6d7e8f90",
            "friendly_name": "order_update",
            "language": "en",
            "variables": {"1": "Ana", "2": 42},
            "types": {"twilio/text": {"body": "Hi {{1}}, order {{2}}"}},
            "approval_requests": {"status": "approved", "category": "UTILITY"}
        }))
        .unwrap();
        assert_eq!(template.body, "Hi {{1}}, order {{2}}");
        assert_eq!(template.category, "UTILITY");
        assert_eq!(template.variables["1"], "Ana");
        assert_eq!(template.variables["2"], "42");
        assert_eq!(template.types, vec!["twilio/text".to_owned()]);
    }

    #[test]
    fn pending_rejected_and_unrequested_templates_are_left_out() {
        for approval in [
            serde_json::json!({"status": "pending"}),
            serde_json::json!({"status": "rejected"}),
            Value::Null,
        ] {
            assert!(
                content(serde_json::json!({
                    "sid": "HX00000000000000000000000000000000",
                    "types": {"twilio/text": {"body": "x"}},
                    "approval_requests": approval
                }))
                .is_none()
            );
        }
    }

    #[test]
    fn the_approval_fetch_shape_under_whatsapp_is_read_too() {
        let template = content(serde_json::json!({
            "sid": "HX00000000000000000000000000000000",
            "types": {"twilio/quick-reply": {"body": "Confirm?", "actions": []}},
            "approval_requests": {"whatsapp": {"status": "approved", "category": "MARKETING"}}
        }))
        .unwrap();
        assert_eq!(template.body, "Confirm?");
        assert_eq!(template.category, "MARKETING");
    }
}
