//! A conversation's summary columns kept in memory while a sync files its
//! messages: the same values [`Store::refresh_conversations`] computes in
//! SQL, built one message at a time.
//!
//! [`Store::refresh_conversations`]: super::Store::refresh_conversations

use super::messages::{NewMessage, snippet};
use anyhow::Result;
use rusqlite::{Transaction, params};

#[derive(Default)]
pub struct Summary {
    count: i64,
    unread: i64,
    first: Option<i64>,
    last: Option<i64>,
    attachment: bool,
    /// The message that names the conversation: first by (from_team, date, id).
    head: Option<(bool, i64, i64)>,
    subject: String,
    name: Option<String>,
    email: String,
    /// The newest message by (date, id), and its snippet.
    latest: Option<(i64, i64)>,
    snippet: String,
    /// The team's newest message date, and the customer's message dates
    /// after it (for `waiting_since`).
    team_last: Option<i64>,
    customer: Vec<i64>,
}

impl Summary {
    /// Counts message `m`, cached as row `rowid`.
    pub fn add(&mut self, m: &NewMessage<'_>, rowid: i64) {
        let p = m.parsed;
        self.count += 1;
        self.unread += i64::from(!m.seen && !m.from_team);
        self.first = Some(self.first.map_or(p.date, |d| d.min(p.date)));
        self.last = Some(self.last.map_or(p.date, |d| d.max(p.date)));
        self.attachment |= !p.attachments.is_empty();
        self.note_sender(m.from_team, p.date);
        let head = (m.from_team, p.date, rowid);
        if self.head.is_none_or(|h| head < h) {
            self.head = Some(head);
            self.subject.clone_from(&p.subject);
            self.name.clone_from(&p.from.name);
            self.email.clone_from(&p.from.email);
        }
        let latest = (p.date, rowid);
        if self.latest.is_none_or(|l| latest > l) {
            self.latest = Some(latest);
            self.snippet = snippet(&p.text);
        }
    }

    fn note_sender(&mut self, from_team: bool, date: i64) {
        if from_team {
            if self.team_last.is_none_or(|t| date > t) {
                self.team_last = Some(date);
                self.customer.retain(|&d| d > date);
            }
        } else if self.team_last.is_none_or(|t| date > t) {
            self.customer.push(date);
        }
    }

    /// Since when the customer has waited: their first message after the
    /// team's last one (None when the team wrote last).
    pub fn waiting_since(&self) -> Option<i64> {
        self.customer.iter().copied().min()
    }

    /// Takes in the summary of a conversation merged into this one.
    pub fn absorb(&mut self, o: Summary) {
        if let Some(t) = o.team_last {
            self.note_sender(true, t);
        }
        for d in o.customer {
            self.note_sender(false, d);
        }
        self.count += o.count;
        self.unread += o.unread;
        self.first = self.first.min(o.first).or(self.first).or(o.first);
        self.last = self.last.max(o.last);
        self.attachment |= o.attachment;
        if o.head.is_some() && (self.head.is_none() || o.head < self.head) {
            self.head = o.head;
            self.subject = o.subject;
            self.name = o.name;
            self.email = o.email;
        }
        if o.latest > self.latest {
            self.latest = o.latest;
            self.snippet = o.snippet;
        }
    }

    /// Writes the summary columns of conversation `id`.
    pub fn write(&self, tx: &Transaction<'_>, id: &str) -> Result<()> {
        tx.prepare_cached(
            "UPDATE conversations SET message_count = ?2, unread_count = ?3,
                first_date = coalesce(?4, first_date), last_date = coalesce(?5, last_date),
                has_attachment = ?6, subject = ?7, customer_name = ?8, customer_email = ?9,
                snippet = ?10, waiting_since = ?11
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            self.count,
            self.unread,
            self.first,
            self.last,
            self.attachment,
            self.subject,
            self.name,
            self.email,
            self.snippet,
            self.waiting_since()
        ])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_since_is_the_customers_first_message_after_the_teams_last() {
        let mut s = Summary::default();
        s.note_sender(false, 10);
        assert_eq!(s.waiting_since(), Some(10));
        s.note_sender(true, 20);
        assert_eq!(s.waiting_since(), None, "the team answered");
        s.note_sender(false, 40);
        s.note_sender(false, 30);
        s.note_sender(false, 15); // before the answer: answered already
        assert_eq!(s.waiting_since(), Some(30));
        let mut other = Summary::default();
        other.note_sender(true, 35);
        s.absorb(other);
        assert_eq!(s.waiting_since(), Some(40), "a merged answer counts");
    }

    #[test]
    fn absorb_keeps_the_earliest_first_date() {
        let mut a = Summary {
            first: Some(5),
            last: Some(9),
            ..Summary::default()
        };
        a.absorb(Summary {
            first: Some(3),
            last: Some(4),
            ..Summary::default()
        });
        assert_eq!((a.first, a.last), (Some(3), Some(9)));
        let mut b = Summary::default();
        b.absorb(Summary {
            first: Some(7),
            ..Summary::default()
        });
        assert_eq!(b.first, Some(7));
    }
}
