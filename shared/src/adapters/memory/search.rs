//! [`SearchIndex`] in memory: postings by (term, message id), with the table's order and its
//! pages (a page ends after `limit` postings; `next` only while older ones remain).

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::ports::{
    ConversationRecord, FoundMessage, SearchIndex, StoreError, TermEntry, TermPage, TermQuery,
};

#[async_trait]
impl SearchIndex for InMemoryChannelStore {
    async fn index_terms(&self, entries: &[TermEntry]) -> Result<(), StoreError> {
        // As on the table: only for a conversation that stands and is not being erased.
        let standing: std::collections::HashSet<String> = {
            let tables = self.tables();
            entries
                .iter()
                .map(|e| &e.conversation_id)
                .filter(|id| tables.stands(id))
                .cloned()
                .collect()
        };
        let mut desk = self.desk();
        for entry in entries
            .iter()
            .filter(|e| standing.contains(&e.conversation_id))
        {
            desk.terms.insert(
                (entry.term.clone(), entry.message_id.clone()),
                entry.clone(),
            );
        }
        Ok(())
    }

    async fn search_term(&self, query: &TermQuery, limit: usize) -> Result<TermPage, StoreError> {
        let desk = self.desk();
        let mut entries: Vec<TermEntry> = desk
            .terms
            .values()
            .filter(|e| e.term == query.term)
            .filter(|e| query.customer.as_ref().is_none_or(|c| *c == e.customer))
            .filter(|e| query.from.is_none_or(|from| e.created_at >= from))
            .filter(|e| query.to.is_none_or(|to| e.created_at <= to))
            .filter(|e| query.before.as_ref().is_none_or(|b| e.position() < *b))
            .cloned()
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.position()));
        let next = if entries.len() > limit {
            entries.truncate(limit);
            entries.last().map(TermEntry::position)
        } else {
            None
        };
        Ok(TermPage { entries, next })
    }

    async fn has_terms(
        &self,
        wanted: &[(String, TermEntry)],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let desk = self.desk();
        Ok(wanted
            .iter()
            .filter(|(term, entry)| {
                desk.terms
                    .contains_key(&(term.clone(), entry.message_id.clone()))
            })
            .map(|(term, entry)| (term.clone(), entry.message_id.clone()))
            .collect())
    }

    async fn result_messages(&self, ids: &[String]) -> Result<Vec<FoundMessage>, StoreError> {
        let tables = self.tables();
        Ok(ids
            .iter()
            .filter_map(|id| tables.messages.get(id))
            .map(|m| FoundMessage {
                id: m.id.clone(),
                direction: m.direction,
                body: m.body.clone(),
            })
            .collect())
    }

    async fn result_conversations(
        &self,
        ids: &[String],
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let tables = self.tables();
        Ok(ids
            .iter()
            .filter_map(|id| tables.conversations.get(id).cloned())
            .collect())
    }
}
