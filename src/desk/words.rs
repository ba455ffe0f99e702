//! The words for the desk's typed outcomes, shared by every front end (a
//! front end adds its own advice, such as the CLI's command to run next).

use crate::sync::engine::Progress;
use crate::sync::outbox::{Problem, Recovered};
use std::fmt;

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Deferred {
                id,
                retry_in,
                reason,
            } => write!(
                f,
                "#{id} waits in the outbox (retry in {retry_in}s): {reason}"
            ),
            Problem::Failed { id, reason } => write!(f, "#{id} not sent: {reason}"),
        }
    }
}

impl fmt::Display for Recovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recovered::WentOut { id } => write!(
                f,
                "#{id} was interrupted while sending; it is in Sent, so it went out"
            ),
            Recovered::Unknown { id } => write!(
                f,
                "#{id} delivery unknown: replypad stopped while sending it, and the server may \
                 or may not have accepted it; check with the recipient or the server log before \
                 sending it again"
            ),
        }
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Progress::Headers {
                mailbox,
                done,
                total,
                rate,
            } => write!(
                f,
                "syncing {}: {done}/{total} headers ({rate:.0}/s)",
                crate::mail::sanitize::line(mailbox)
            ),
            Progress::Bodies { done, total } => write!(f, "bodies: {done}/{total}"),
            Progress::History {
                mailbox,
                done,
                total,
            } => write!(
                // A share, not "7000/30000": it fits the status bar at 80
                // columns with the folder's name.
                f,
                "older mail {}% ({})",
                (done * 100).checked_div(*total).unwrap_or(100).min(100),
                crate::mail::sanitize::line(mailbox)
            ),
            Progress::TeamLog { done, total } => write!(
                f,
                "team log {}%",
                (u64::from(*done) * 100)
                    .checked_div(u64::from(*total))
                    .unwrap_or(100)
                    .min(100)
            ),
        }
    }
}
