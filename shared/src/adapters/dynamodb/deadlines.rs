//! [`DeadlineStore`] on the table: each window warning in the partition of the minute it is
//! due (`DUE#{minute}`), so a run reads one small partition per minute; the cursor is one item.

use async_trait::async_trait;

use super::conditions::conditional;
use super::items::{EXPIRES_AT, TYPE, from_item, key, n, s, tag, to_item};
use super::{DynamoChannelStore, unavailable};
use crate::domain::minute_of;
use crate::ports::deadlines::DEADLINE_RETENTION;
use crate::ports::{Deadline, DeadlineStore, StoreError};

pub fn minute_pk(minute: i64) -> String {
    format!("DUE#{minute}")
}

pub const CURSOR_PK: &str = "DUE#CURSOR";

#[async_trait]
impl DeadlineStore for DynamoChannelStore {
    async fn arm(&self, deadlines: &[Deadline]) -> Result<(), StoreError> {
        let mut puts = Vec::new();
        for deadline in deadlines {
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
            puts.push(
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .send(),
            );
        }
        for result in futures_util::future::join_all(puts).await {
            result.map_err(unavailable)?;
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
