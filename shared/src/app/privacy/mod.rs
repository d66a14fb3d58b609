//! Privacy: the audit log (who did what; a customer only by a keyed pseudonym), a customer's
//! legal hold, and everything stored about a customer as one export.

pub mod audit;
pub mod customer_export;
pub mod erasure;
pub mod retention;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::WhatsAppAddress;
use crate::ports::{ChannelStore, LegalHold, StoreError};

/// A hold as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalHoldView {
    pub address: String,
    pub hold: bool,
    pub set_by: String,
    pub set_at: String,
}

impl LegalHoldView {
    pub fn of(hold: &LegalHold) -> Self {
        Self {
            address: hold.address.clone(),
            hold: true,
            set_by: hold.set_by.clone(),
            set_at: crate::app::views::rfc3339(hold.set_at),
        }
    }
}

/// `PUT /customers/{address}/hold` `{"hold": bool}`: places or releases the hold; what stands
/// afterwards (a release answers who released it, and when).
pub async fn set_hold(
    store: &dyn ChannelStore,
    address: &WhatsAppAddress,
    hold: bool,
    by: &str,
    now: DateTime<Utc>,
) -> Result<LegalHoldView, StoreError> {
    let record = LegalHold {
        address: address.as_str().to_owned(),
        set_by: by.to_owned(),
        set_at: now,
    };
    store
        .set_legal_hold(address.as_str(), hold.then_some(&record))
        .await?;
    Ok(LegalHoldView {
        hold,
        ..LegalHoldView::of(&record)
    })
}
