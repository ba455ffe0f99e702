//! Six weeks of the demo team's past work, made up the same way each time:
//! archived conversations with their replies and the log's claims, labels,
//! reassignments, closes and reopens, so every report has something to
//! show (`replypad --demo report`, `g R`).

use crate::domain::Status;
use crate::domain::events::{Event, EventKind};

/// One made-up message: its raw text, and whether the team wrote it.
pub struct PastMessage {
    pub raw: Vec<u8>,
    pub from_team: bool,
}

const CUSTOMERS: [(&str, &str); 12] = [
    ("Maria Garcia", "maria@garcia-design.example"),
    ("Tom Becker", "tom@becker-bau.example"),
    ("Aiko Tanaka", "aiko@tanaka.example"),
    ("Sven Olsen", "sven@fjord-labs.example"),
    ("Priya Nair", "priya@nairworks.example"),
    ("Lucas Moreau", "lucas@atelier-moreau.example"),
    ("Grace Kim", "grace@kimstudio.example"),
    ("Omar Haddad", "omar@haddad-trading.example"),
    ("Elena Rossi", "elena@rossi.example"),
    ("Jack Wilson", "jack@wilson-hardware.example"),
    ("Nora Lindqvist", "nora@lindqvist.example"),
    ("Ben Okafor", "ben@okafor.example"),
];

const TOPICS: [(&str, &str); 10] = [
    ("Invoice shows the wrong VAT number", "billing"),
    ("Charged twice this month", "billing"),
    ("Refund for the annual plan", "billing"),
    ("Export to CSV drops the last row", "bug"),
    ("Login loop after password reset", "bug"),
    ("Calendar sync stopped", "bug"),
    ("Can we get dark mode?", "feature"),
    ("API rate limit too low for us", "feature"),
    ("Site down for our whole team", "urgent"),
    ("Cannot reach the dashboard", "urgent"),
];

const AGENTS: &[(&str, &str)] = crate::config::DEMO_TEAM;

/// A small, fixed generator: the demo is the same on every machine.
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn rfc2822(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .to_rfc2822()
}

/// The past conversations before `now`: messages and events (ids
/// `demo-h…`), oldest first. `domain`: the team's mail domain.
pub fn past(now: i64, team_address: &str, domain: &str) -> (Vec<PastMessage>, Vec<Event>) {
    let mut dice = Dice(0x5eed_cafe_f00d_u64);
    let mut messages = Vec::new();
    let mut events = Vec::new();
    let day0 = now - now.rem_euclid(86_400) - 42 * 86_400;
    let mut n = 0;
    for day in 0..38i64 {
        let weekday = (day0 / 86_400 + day + 3).rem_euclid(7); // 0: Monday
        let count = if weekday >= 5 {
            dice.next(2)
        } else {
            2 + dice.next(4)
        };
        for _ in 0..count {
            n += 1;
            // Mostly office hours, busiest late morning; some evenings.
            let hour = match dice.next(10) {
                0 => 18 + dice.next(4),
                1..=4 => 9 + dice.next(3),
                _ => 12 + dice.next(5),
            } as i64;
            let t0 = day0 + day * 86_400 + hour * 3600 + dice.next(3600) as i64;
            let (name, email) = CUSTOMERS[dice.next(CUSTOMERS.len() as u64) as usize];
            let (subject, label) = TOPICS[dice.next(TOPICS.len() as u64) as usize];
            let (agent, agent_name) = AGENTS[dice.next(AGENTS.len() as u64) as usize];
            let agent_addr = format!("{agent}@{domain}");
            let root = format!("past{n}@customers.example");
            let conversation = crate::domain::thread::conversation_id(&root);
            let mut push = |at: i64, who: &str, kind| {
                events.push(Event {
                    id: format!("demo-h{}", events.len()),
                    conversation: conversation.clone(),
                    agent: who.to_string(),
                    at,
                    kind,
                })
            };
            // Urgent mail is answered within the hour; the rest within a day.
            let wait = if label == "urgent" {
                600 + dice.next(3000) as i64
            } else {
                // Most within the four-hour target, one in six well after.
                900 + dice.next(3 * 3600) as i64 + (dice.next(6) == 0) as i64 * 8 * 3600
            };
            let t_claim = t0 + wait / 3;
            let t_reply = t0 + wait;
            push(
                t_claim,
                &agent_addr,
                EventKind::Assign {
                    to: Some(agent_addr.clone()),
                    reassign: false,
                },
            );
            push(
                t_claim + 30,
                &agent_addr,
                EventKind::Label {
                    add: vec![label.into()],
                    remove: vec![],
                },
            );
            messages.push(PastMessage {
                raw: format!(
                    "From: {name} <{email}>\r\nTo: {team_address}\r\nSubject: {subject}\r\n\
                     Message-ID: <{root}>\r\nDate: {}\r\n\r\nHello,\r\n\r\n{subject}. Can you help?\r\n\r\n{name}\r\n",
                    rfc2822(t0)
                )
                .into_bytes(),
                from_team: false,
            });
            let mut owner = (agent_addr.clone(), agent_name);
            // One in eight is handed to a teammate before the reply.
            if dice.next(8) == 0 {
                let (other, other_name) = AGENTS
                    [(AGENTS.iter().position(|a| a.0 == agent).unwrap_or(0) + 1) % AGENTS.len()];
                let other = format!("{other}@{domain}");
                push(
                    t_claim + 60,
                    &agent_addr,
                    EventKind::Assign {
                        to: Some(other.clone()),
                        reassign: true,
                    },
                );
                owner = (other, other_name);
            }
            let reply_id = format!("past{n}-r@{domain}");
            messages.push(PastMessage {
                raw: format!(
                    "From: {} <{team_address}>\r\nTo: {name} <{email}>\r\nSubject: Re: {subject}\r\n\
                     Message-ID: <{reply_id}>\r\nIn-Reply-To: <{root}>\r\nReferences: <{root}>\r\nDate: {}\r\n\r\n\
                     Hi {},\r\n\r\nThanks for writing. This is sorted now; tell me if anything is still off.\r\n\r\nBest,\r\n{}\r\n",
                    owner.1,
                    rfc2822(t_reply),
                    name.split(' ').next().unwrap_or(name),
                    owner.1.split(' ').next().unwrap_or(owner.1),
                )
                .into_bytes(),
                from_team: true,
            });
            push(
                t_reply,
                &owner.0,
                EventKind::Sent {
                    draft: None,
                    message_id: reply_id.clone(),
                    subject: format!("Re: {subject}"),
                },
            );
            let t_close = t_reply + 3600 + dice.next(30 * 3600) as i64;
            push(
                t_close,
                &owner.0,
                EventKind::Status {
                    status: Status::Closed,
                    until: None,
                },
            );
            // One in seven comes back: the customer writes again, it is closed again.
            if dice.next(7) == 0 {
                let t_again = t_close + 3600 + dice.next(24 * 3600) as i64;
                messages.push(PastMessage {
                    raw: format!(
                        "From: {name} <{email}>\r\nTo: {team_address}\r\nSubject: Re: {subject}\r\n\
                         Message-ID: <past{n}-2@customers.example>\r\nIn-Reply-To: <{reply_id}>\r\n\
                         References: <{root}> <{reply_id}>\r\nDate: {}\r\n\r\nIt happened again.\r\n",
                        rfc2822(t_again)
                    )
                    .into_bytes(),
                    from_team: false,
                });
                push(
                    t_again + 7200,
                    &owner.0,
                    EventKind::Status {
                        status: Status::Closed,
                        until: None,
                    },
                );
            }
        }
    }
    events.sort_by_key(|e| e.at);
    (messages, events)
}

/// Who on the demo team wrote a reply, by the From name ("Dana Demo at
/// Example Support"): the demo's own replies were sent before the log.
pub fn author(from_name: Option<&str>, domain: &str) -> Option<String> {
    let first = from_name?.split_whitespace().next()?;
    AGENTS
        .iter()
        .find(|(_, name)| name.split_whitespace().next() == Some(first))
        .map(|(h, _)| format!("{h}@{domain}"))
}
