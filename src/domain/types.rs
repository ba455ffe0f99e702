//! The shapes the rest of replypad passes around: addresses, statuses,
//! conversation summaries for the list and messages for the reader.

use serde::Serialize;
use std::fmt;

/// A mailbox address as it appeared in a header. `email` is the real address;
/// `name` is the display name, which the sender chose and may lie about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

impl Address {
    pub fn new(name: Option<&str>, email: &str) -> Self {
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        Address {
            name,
            email: email.trim().to_string(),
        }
    }

    /// The domain of the real address, lowercased (`""` when there is none).
    /// "Name <email>", or the bare address.
    pub fn display(&self) -> String {
        match &self.name {
            Some(n) if !n.is_empty() => format!("{n} <{}>", self.email),
            _ => self.email.clone(),
        }
    }

    pub fn domain(&self) -> String {
        self.email
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// True when the display name contains something that looks like an
    /// address other than the real one: a classic phishing shape
    /// (`"support@bank.com" <evil@example.net>`).
    pub fn name_spoofs_address(&self) -> bool {
        let Some(name) = &self.name else { return false };
        name.split(|c: char| {
            c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')' | ',')
        })
        .filter(|w| w.contains('@') && w.contains('.'))
        .any(|w| !w.eq_ignore_ascii_case(&self.email))
    }
}

impl Address {
    /// The sender deserves a warning: a display name naming another
    /// address, or an address with an encoded word in it
    /// (`=?utf-8?q?admin?=@example.com`, which some clients show as
    /// "admin").
    pub fn looks_forged(&self) -> bool {
        self.name_spoofs_address() || self.email.contains("=?") || self.email.starts_with('@')
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{n} <{}>", self.email),
            None => write!(f, "{}", self.email),
        }
    }
}

/// Where a conversation stands in the team's workflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Open,
    Pending,
    Snoozed,
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Pending,
        Status::Snoozed,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Snoozed => "snoozed",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the thread list: what the list pane and `threads --json` show.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConversationSummary {
    pub id: String,
    pub subject: String,
    pub from: Address,
    /// Seconds since the Unix epoch, UTC.
    pub last_date: i64,
    pub messages: u32,
    pub unread: u32,
    pub status: Status,
    pub assignee: Option<String>,
    pub labels: Vec<String>,
    pub snippet: String,
    pub has_attachment: bool,
    /// Another agent drafting a reply right now ("replying" presence, unexpired).
    pub replying: Option<String>,
    /// The customer wrote last and has waited since then for the team
    /// (their first unanswered message; None when the team wrote last, or
    /// the conversation is closed).
    pub waiting_since: Option<i64>,
}

/// An attachment as listed in the reader (the bytes stay in the cache).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub size: u64,
}

/// Whether the body of a cached message can be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyState {
    /// Only headers are cached so far.
    Headers,
    /// Text, HTML and attachment list are cached.
    Full,
    /// The parser failed (or panicked) on this message; headers may be partial.
    Unparseable,
}

impl BodyState {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyState::Headers => "headers",
            BodyState::Full => "full",
            BodyState::Unparseable => "unparseable",
        }
    }

    pub fn parse(s: &str) -> BodyState {
        match s {
            "full" => BodyState::Full,
            "unparseable" => BodyState::Unparseable,
            _ => BodyState::Headers,
        }
    }
}

/// One message of a conversation, as the reader and `show --json` see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageView {
    pub message_id: String,
    pub from: Address,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub date: i64,
    pub subject: String,
    /// Plain text: the text part, or the HTML part rendered to text.
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub unread: bool,
    pub from_team: bool,
    pub body_state: BodyState,
}

/// A whole conversation for the reader.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConversationView {
    pub id: String,
    pub subject: String,
    pub status: Status,
    pub assignee: Option<String>,
    pub labels: Vec<String>,
    /// As [`ConversationSummary::waiting_since`].
    pub waiting_since: Option<i64>,
    pub messages: Vec<MessageView>,
    /// Internal notes, oldest first: (time, agent, text, pushed).
    pub notes: Vec<Note>,
}

/// An internal note on a conversation: never sent to the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub at: i64,
    pub agent: String,
    pub text: String,
    /// False while it waits in the local queue.
    pub pushed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoofed_display_names() {
        let a = Address::new(Some("support@bank.com"), "evil@example.net");
        assert!(a.name_spoofs_address());
        let b = Address::new(Some("Ana <ana@shop.test>"), "ana@shop.test");
        assert!(!b.name_spoofs_address());
        let c = Address::new(Some("Ana Lima"), "ana@shop.test");
        assert!(!c.name_spoofs_address());
        assert_eq!(c.domain(), "shop.test");
    }

    #[test]
    fn status_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse(" Closed "), Some(Status::Closed));
        assert_eq!(Status::parse("done"), None);
    }
}
