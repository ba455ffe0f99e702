//! A customer's context: their other conversations, by address and by
//! company domain, for the customer panel (`C`).

use super::Store;
use super::conversations::{SUMMARY_COLUMNS, summary};
use crate::domain::ConversationSummary;
use anyhow::Result;

/// How many conversations each part of the panel lists.
const LIMIT: usize = 20;

pub struct CustomerContext {
    pub conversation: ConversationSummary,
    /// Their other conversations, newest first.
    pub by_address: Vec<ConversationSummary>,
    /// Other people's at the same company domain (none for free-mail
    /// domains, where a domain says nothing), newest first.
    pub by_domain: Vec<ConversationSummary>,
    /// The company domain searched (None for free mail).
    pub domain: Option<String>,
}

impl Store {
    /// The context of conversation `id`'s customer (None: no such conversation).
    pub fn customer_context(&self, id: &str) -> Result<Option<CustomerContext>> {
        let Some(conversation) = self.summaries(&[id.to_string()])?.pop() else {
            return Ok(None);
        };
        let email = conversation.from.email.clone();
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM conversations c
             WHERE c.customer_email = ?1 COLLATE NOCASE AND c.id != ?2 AND c.message_count > 0
             ORDER BY c.last_date DESC, c.id LIMIT ?3"
        ))?;
        let by_address = st
            .query_map(rusqlite::params![email, id, LIMIT as i64], summary)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let domain = email
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .filter(|d| !d.is_empty() && !crate::domain::recipients::free_mail(d));
        let by_domain = match &domain {
            None => Vec::new(),
            Some(d) => {
                let mut st = self.conn.prepare_cached(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM conversations c
                     WHERE lower(c.customer_email) LIKE '%@' || ?1 ESCAPE '\\'
                       AND c.customer_email != ?2 COLLATE NOCASE AND c.message_count > 0
                     ORDER BY c.last_date DESC, c.id LIMIT ?3"
                ))?;
                let like = d
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                st.query_map(rusqlite::params![like, email, LIMIT as i64], summary)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        Ok(Some(CustomerContext {
            conversation,
            by_address,
            by_domain,
            domain,
        }))
    }
}
