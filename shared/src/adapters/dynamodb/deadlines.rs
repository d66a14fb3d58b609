//! [`DeadlineStore`] on the table: each window warning in the partition of the minute it is
//! due (`DUE#{minute}`), so a run reads one small partition per minute; the cursor is one item.

use async_trait::async_trait;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};

use super::conditions::{conditional, failed_condition, transaction};
use super::items::{EXPIRES_AT, TYPE, from_item, key, n, s, session_key, tag, to_item};
use super::{DynamoChannelStore, unavailable};
use crate::domain::minute_of;
use crate::ports::deadlines::DEADLINE_RETENTION;
use crate::ports::{Deadline, DeadlineStore, SessionKey, StoreError};

pub fn minute_pk(minute: i64) -> String {
    format!("DUE#{minute}")
}

pub const CURSOR_PK: &str = "DUE#CURSOR";

#[async_trait]
impl DeadlineStore for DynamoChannelStore {
    async fn arm(&self, deadlines: &[Deadline]) -> Result<(), StoreError> {
        // Conditional on the customer's session standing: warnings filed from the stream behind
        // an erasure (which deletes the session first) are refused, and leave nothing.
        let mut by_session: HashMap<SessionKey, Vec<&Deadline>> = HashMap::new();
        for deadline in deadlines {
            // A warning is filed only for a session, whose addresses parse.
            if let Some(session) = SessionKey::parse(&deadline.business, &deadline.customer) {
                by_session.entry(session).or_default().push(deadline);
            }
        }
        for (session, deadlines) in by_session {
            for chunk in deadlines.chunks(99) {
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(session_key(&session)))
                    .condition_expression("attribute_exists(pk)")
                    .build()
                    .map_err(unavailable)?;
                let mut items = vec![TransactWriteItem::builder().condition_check(check).build()];
                for deadline in chunk {
                    let mut item = to_item(deadline)?;
                    item.extend(key(
                        minute_pk(minute_of(deadline.due_at)),
                        &deadline.notification_key(),
                    ));
                    item.insert(TYPE.into(), s(tag::DEADLINE));
                    item.insert(
                        EXPIRES_AT.into(),
                        n((deadline.due_at + DEADLINE_RETENTION).timestamp()),
                    );
                    let put = Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(item))
                        .build()
                        .map_err(unavailable)?;
                    items.push(TransactWriteItem::builder().put(put).build());
                }
                let result = self
                    .client
                    .transact_write_items()
                    .set_transact_items(Some(items))
                    .send()
                    .await;
                if let Err(reasons) = transaction(result)? {
                    if failed_condition(reasons.first()) {
                        break;
                    }
                    return Err(StoreError::Unavailable(
                        format!("the warnings' transaction was cancelled: {reasons:?}").into(),
                    ));
                }
            }
        }
        Ok(())
    }

    async fn due_in(&self, minute: i64) -> Result<Vec<Deadline>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(minute_pk(minute)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                out.push(from_item::<Deadline>(item)?);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(out);
            }
        }
    }

    async fn deadline_cursor(&self) -> Result<Option<i64>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(CURSOR_PK.into(), "DUE")))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .item
            .and_then(|item| item.get("minute")?.as_n().ok()?.parse().ok()))
    }

    async fn advance_deadline_cursor(&self, minute: i64) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(CURSOR_PK.into(), "DUE")))
            .update_expression("SET #minute = :minute, #type = :type")
            .condition_expression("attribute_not_exists(#minute) OR #minute < :minute")
            .expression_attribute_names("#minute", "minute")
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_values(":minute", n(minute))
            .expression_attribute_values(":type", s(tag::DEADLINE_CURSOR))
            .send()
            .await;
        // Already as far or further (a concurrent run): nothing to do.
        conditional(result).map(|_| ())
    }
}
