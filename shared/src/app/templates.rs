//! The template picker's list: the account's approved WhatsApp templates, read from Twilio's
//! Content API at most once per [`CACHE_FOR`] in each execution environment, and the rule that an
//! agent sends only those (administrators may send any Content SID).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::domain::TemplateText;
use crate::ports::{CatalogError, ReplyContent, Template, TemplateCatalog};

/// How long a read of the Content API is reused.
pub const CACHE_FOR: Duration = Duration::from_secs(5 * 60);

/// The approved templates, cached. Build it once per cold start.
pub struct Templates {
    catalog: Arc<dyn TemplateCatalog>,
    cache_for: Duration,
    /// One refresh at a time: callers during a refresh wait for its result.
    cached: tokio::sync::Mutex<Option<(Instant, Arc<Vec<Template>>)>>,
}

/// An agent's template that is not among the approved ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the template {0} is not among the account's approved WhatsApp templates")]
pub struct NotApproved(pub String);

impl Templates {
    pub fn new(catalog: Arc<dyn TemplateCatalog>) -> Self {
        Self::cached_for(catalog, CACHE_FOR)
    }

    /// [`Self::new`] with another cache time (tests).
    pub fn cached_for(catalog: Arc<dyn TemplateCatalog>, cache_for: Duration) -> Self {
        Self {
            catalog,
            cache_for,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// The approved templates, by friendly name; from the cache while it is fresh. A failed
    /// read is not cached.
    pub async fn approved(&self) -> Result<Arc<Vec<Template>>, CatalogError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, templates)) = cached.as_ref()
            && at.elapsed() < self.cache_for
        {
            return Ok(templates.clone());
        }
        let mut templates = self.catalog.approved().await?;
        templates.sort_by(|a, b| {
            (a.friendly_name.to_lowercase(), &a.language)
                .cmp(&(b.friendly_name.to_lowercase(), &b.language))
        });
        let templates = Arc::new(templates);
        *cached = Some((Instant::now(), templates.clone()));
        Ok(templates)
    }

    /// Whether `content` may be sent by an agent: anything but a template, or a template among
    /// the approved ones. Administrators may send any template ("Other template"). When the
    /// Content API cannot be read, the send goes ahead and Twilio decides: an outage of the
    /// picker's source must not stop every template. A known template gets its name and
    /// filled-in text (`shown`), for the transcript.
    pub async fn check(&self, content: &mut ReplyContent, admin: bool) -> Result<(), NotApproved> {
        let ReplyContent::Template {
            content_sid,
            variables,
            shown,
        } = content
        else {
            return Ok(());
        };
        match self.approved().await {
            Ok(templates) => match templates.iter().find(|t| &t.content_sid == content_sid) {
                Some(t) => {
                    *shown = Some(TemplateText::fill(
                        &t.friendly_name,
                        &t.body,
                        variables,
                        &t.variables,
                    ));
                    Ok(())
                }
                None if admin => Ok(()),
                None => Err(NotApproved(content_sid.clone())),
            },
            Err(error) => {
                tracing::warn!(error = %error, "the approved templates could not be read; the template goes to Twilio unchecked");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;

    use super::*;

    struct Counting {
        reads: AtomicUsize,
        fail: bool,
    }

    #[async_trait]
    impl TemplateCatalog for Counting {
        async fn approved(&self) -> Result<Vec<Template>, CatalogError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            if self.fail {
                return Err(CatalogError::Unreachable("down".into()));
            }
            Ok(vec![Template {
                content_sid: "HXa1b2c3d4e5f60718293a4b5c6d7e8f90".into(),
                friendly_name: "order_update".into(),
                language: "en".into(),
                category: "UTILITY".into(),
                body: "Hi {{1}}".into(),
                variables: Default::default(),
                types: vec!["twilio/text".into()],
            }])
        }
    }

    fn template(sid: &str) -> ReplyContent {
        ReplyContent::Template {
            content_sid: sid.into(),
            variables: Default::default(),
            shown: None,
        }
    }

    #[tokio::test]
    async fn the_list_is_read_once_while_the_cache_is_fresh_and_again_after() {
        let catalog = Arc::new(Counting {
            reads: AtomicUsize::new(0),
            fail: false,
        });
        let fresh = Templates::new(catalog.clone());
        fresh.approved().await.unwrap();
        fresh.approved().await.unwrap();
        assert_eq!(catalog.reads.load(Ordering::SeqCst), 1);
        let stale = Templates::cached_for(catalog.clone(), Duration::ZERO);
        stale.approved().await.unwrap();
        stale.approved().await.unwrap();
        assert_eq!(catalog.reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn an_agent_may_send_an_approved_template_and_not_another_but_an_administrator_may() {
        let templates = Templates::new(Arc::new(Counting {
            reads: AtomicUsize::new(0),
            fail: false,
        }));
        let mut approved = template("HXa1b2c3d4e5f60718293a4b5c6d7e8f90");
        let mut other = template("HXffffffffffffffffffffffffffffffff");
        assert!(templates.check(&mut approved, false).await.is_ok());
        assert!(
            matches!(&approved, ReplyContent::Template { shown: Some(s), .. } if s.name == "order_update" && s.text == "Hi {{1}}"),
            "{approved:?}"
        );
        assert_eq!(
            templates.check(&mut other, false).await,
            Err(NotApproved("HXffffffffffffffffffffffffffffffff".into()))
        );
        assert!(templates.check(&mut other, true).await.is_ok());
        let mut text = ReplyContent::Text { body: "hi".into() };
        assert!(templates.check(&mut text, false).await.is_ok());
    }

    #[tokio::test]
    async fn when_the_content_api_is_down_the_template_goes_to_twilio_unchecked_and_is_not_cached()
    {
        let catalog = Arc::new(Counting {
            reads: AtomicUsize::new(0),
            fail: true,
        });
        let templates = Templates::new(catalog.clone());
        let mut other = template("HXffffffffffffffffffffffffffffffff");
        assert!(templates.check(&mut other, false).await.is_ok());
        assert!(templates.approved().await.is_err());
        assert_eq!(catalog.reads.load(Ordering::SeqCst), 2);
    }
}
