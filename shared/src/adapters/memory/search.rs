//! [`SearchIndex`] in memory: postings by (term, message id), with the table's order.

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::ports::{SearchIndex, StoreError, TermEntry, TermQuery};

#[async_trait]
impl SearchIndex for InMemoryChannelStore {
    async fn index_terms(&self, entries: &[TermEntry]) -> Result<(), StoreError> {
        let mut desk = self.desk();
        for entry in entries {
            desk.terms.insert(
                (entry.term.clone(), entry.message_id.clone()),
                entry.clone(),
            );
        }
        Ok(())
    }

    async fn search_term(
        &self,
        query: &TermQuery,
        limit: usize,
    ) -> Result<Vec<TermEntry>, StoreError> {
        let desk = self.desk();
        let mut found: Vec<TermEntry> = desk
            .terms
            .values()
            .filter(|e| e.term == query.term)
            .filter(|e| query.customer.as_ref().is_none_or(|c| *c == e.customer))
            .filter(|e| query.from.is_none_or(|from| e.created_at >= from))
            .filter(|e| query.to.is_none_or(|to| e.created_at <= to))
            .filter(|e| query.before.as_ref().is_none_or(|b| e.position() < *b))
            .cloned()
            .collect();
        found.sort_by_key(|e| std::cmp::Reverse(e.position()));
        found.truncate(limit);
        Ok(found)
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
}
