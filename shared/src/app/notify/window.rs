//! `window.closed`: the session item's TTL deletion tells the agent who held it that free-form
//! replies are over; the transcript keeps the last customer message's time.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::customer::{Keyed, contact_of};
use crate::app::views::rfc3339;
use crate::domain::{ConversationId, SessionWindow};
use crate::ports::{ChannelStore, Notification, SessionRecord, StoreError};

pub(super) async fn on_closed(
    store: &dyn ChannelStore,
    key: &str,
    session: &SessionRecord,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let Ok(id) = ConversationId::parse(&session.conversation_id) else {
        return Ok(Vec::new());
    };
    // The transcript keeps the exact last customer message time after the item is gone.
    store
        .settle_conversation(&id, session.last_inbound_at)
        .await?;
    let Some(agent) = session.assigned_agent.clone() else {
        return Ok(Vec::new());
    };
    // An erasure deletes the session: its removal must not announce the customer it erases.
    if store
        .conversation(&id)
        .await?
        .is_none_or(|conversation| conversation.erasing)
    {
        return Ok(Vec::new());
    }
    let authenticated = contact_of(store, &session.customer).await?.is_some();
    Ok(vec![(
        key.to_owned(),
        Notification {
            event_type: "window.closed".into(),
            business_number: session.business.clone(),
            agent_ids: vec![agent],
            supervisors: false,
            authenticated,
            body: json!({
                "event_type": "window.closed",
                "conversation_id": session.conversation_id,
                "business_number": session.business,
                "customer": {"address": session.customer, "profile_name": session.profile_name},
                "last_inbound_at": rfc3339(session.last_inbound_at),
                "window_expired_at": rfc3339(SessionWindow::new(session.last_inbound_at).ends_at()),
                "published_at": rfc3339(now),
            }),
        },
    )])
}
