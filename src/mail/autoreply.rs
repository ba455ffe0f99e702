//! Which mail an automatic reply must never answer (RFC 3834 section 2,
//! and what helpdesks learnt from mail loops): other robots, lists, bulk
//! mail, bounces, senders nobody reads. Decided once per message when it
//! is parsed ([`refusal`], kept in the cache); the rules that need the
//! team's own addresses are applied when a job is considered
//! ([`refusal_for_team`]).

/// The prefix of a kept reason that only counts when the `X-Loop` it
/// quotes names the team (checked by [`refusal_for_team`]).
const X_LOOP: &str = "X-Loop: ";

/// Why a message must not get an automatic reply, from its header fields
/// (`field`: the first value of a field, by case-insensitive name;
/// `has_list`: whether any `List-*` field is present) and its sender.
/// None: an automatic reply may answer it (as far as the message says).
pub fn refusal(
    field: &dyn Fn(&str) -> Option<String>,
    has_list: bool,
    from: &str,
) -> Option<String> {
    let clean = |s: String| crate::mail::sanitize::line(s.trim()).into_owned();
    if let Some(v) = field("Auto-Submitted") {
        let kind = v
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if kind != "no" {
            return Some(format!("Auto-Submitted: {} (sent by a program)", clean(v)));
        }
    }
    if let Some(v) = field("Precedence") {
        let p = v.trim().to_ascii_lowercase();
        if matches!(p.as_str(), "bulk" | "list" | "junk") {
            return Some(format!("Precedence: {p} (bulk or list mail)"));
        }
    }
    if has_list {
        return Some("List-* header fields (mail from a mailing list)".into());
    }
    if let Some(v) = field("X-Auto-Response-Suppress") {
        let suppressed = v.split(',').any(|t| {
            matches!(
                t.trim().to_ascii_lowercase().as_str(),
                "all" | "autoreply" | "oof"
            )
        });
        if suppressed {
            return Some(format!(
                "X-Auto-Response-Suppress: {} (the sender asks for no automatic reply)",
                clean(v)
            ));
        }
    }
    if let Some(v) = field("Return-Path") {
        let inner = v
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        if inner.is_empty() {
            return Some("an empty Return-Path (a bounce or notification)".into());
        }
    }
    if let Some(why) = sender_refusal(from) {
        return Some(why);
    }
    field("X-Loop").map(|v| format!("{X_LOOP}{}", clean(v)))
}

/// Senders nobody reads, or that are robots by convention.
fn sender_refusal(from: &str) -> Option<String> {
    let email = from.trim().to_ascii_lowercase();
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Some("no sender address".into());
    };
    if local.is_empty() || domain.is_empty() {
        return Some("no sender address".into());
    }
    if crate::domain::recipients::unattended(&email)
        || local.starts_with("owner-")
        || local.ends_with("-request")
        || local.ends_with("-owner")
    {
        return Some(format!(
            "the sender {} is not read by a person (robot or list address)",
            crate::mail::sanitize::line(&email)
        ));
    }
    None
}

/// The rules that need the team: a kept reason (from [`refusal`]) that
/// still holds, or mail from the team's own addresses, or mail carrying
/// the team's own Message-ID domain (our own mail come back).
pub fn refusal_for_team(
    kept: Option<&str>,
    from: &str,
    message_id: &str,
    team_addresses: &[String],
) -> Option<String> {
    if let Some(r) = kept {
        match r.strip_prefix(X_LOOP) {
            None => return Some(r.to_string()),
            Some(v) => {
                let v = v.to_ascii_lowercase();
                if team_addresses
                    .iter()
                    .any(|a| !a.is_empty() && v.contains(&a.to_ascii_lowercase()))
                {
                    return Some(format!("{r} (our own loop marker)"));
                }
            }
        }
    }
    let from = from.trim().to_ascii_lowercase();
    if team_addresses.iter().any(|a| a.eq_ignore_ascii_case(&from)) {
        return Some("sent from the team's own address".into());
    }
    let id_domain = message_id
        .trim_matches(|c| c == '<' || c == '>')
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase());
    let ours = team_addresses
        .iter()
        .filter_map(|a| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()));
    if let Some(d) = id_domain {
        for o in ours {
            if d == o {
                return Some(format!("its Message-ID is at our own domain ({d})"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(headers: &[(&str, &str)], from: &str) -> Option<String> {
        let field = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.to_string())
        };
        let list = headers
            .iter()
            .any(|(n, _)| n.to_ascii_lowercase().starts_with("list-"));
        refusal(&field, list, from)
    }

    const CUSTOMER: &str = "kim@customer.test";
    const TEAM: &[&str] = &["support@example.com"];

    fn team() -> Vec<String> {
        TEAM.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_customer_mail_may_be_answered() {
        assert_eq!(check(&[("Subject", "help")], CUSTOMER), None);
        assert_eq!(check(&[("Auto-Submitted", "no")], CUSTOMER), None);
        assert_eq!(check(&[("Precedence", "first-class")], CUSTOMER), None);
        assert_eq!(
            check(&[("Return-Path", "<kim@customer.test>")], CUSTOMER),
            None
        );
        assert_eq!(
            check(&[("X-Auto-Response-Suppress", "DR, RN")], CUSTOMER),
            None
        );
    }

    #[test]
    fn auto_submitted_other_than_no() {
        for v in [
            "auto-replied",
            "auto-generated",
            "auto-notified; owner-email=x@y",
            "AUTO-REPLIED",
        ] {
            assert!(check(&[("Auto-Submitted", v)], CUSTOMER).is_some(), "{v}");
        }
    }

    #[test]
    fn precedence_bulk_list_junk() {
        for v in ["bulk", "list", "junk", " Bulk "] {
            assert!(check(&[("Precedence", v)], CUSTOMER).is_some(), "{v}");
        }
    }

    #[test]
    fn any_list_header() {
        for n in ["List-Id", "List-Unsubscribe", "List-Post", "list-help"] {
            assert!(check(&[(n, "<x.lists.test>")], CUSTOMER).is_some(), "{n}");
        }
    }

    #[test]
    fn x_loop_naming_us() {
        let kept = check(&[("X-Loop", "support@example.com")], CUSTOMER);
        assert!(refusal_for_team(kept.as_deref(), CUSTOMER, "a@customer.test", &team()).is_some());
        // Another system's loop marker alone is not ours.
        let kept = check(&[("X-Loop", "helpdesk@other.test")], CUSTOMER);
        assert_eq!(
            refusal_for_team(kept.as_deref(), CUSTOMER, "a@customer.test", &team()),
            None
        );
    }

    #[test]
    fn x_auto_response_suppress() {
        for v in ["All", "AutoReply", "OOF", "DR, OOF", "autoreply"] {
            assert!(
                check(&[("X-Auto-Response-Suppress", v)], CUSTOMER).is_some(),
                "{v}"
            );
        }
    }

    #[test]
    fn empty_return_path() {
        assert!(check(&[("Return-Path", "<>")], CUSTOMER).is_some());
        assert!(check(&[("Return-Path", " < > ")], CUSTOMER).is_some());
    }

    #[test]
    fn robot_senders() {
        for f in [
            "MAILER-DAEMON@mx.customer.test",
            "postmaster@customer.test",
            "noreply@customer.test",
            "no-reply@customer.test",
            "do-not-reply@customer.test",
            "owner-users@lists.test",
            "users-request@lists.test",
            "",
            "not-an-address",
        ] {
            assert!(check(&[], f).is_some(), "{f:?}");
        }
    }

    #[test]
    fn the_teams_own_addresses_and_message_ids() {
        assert!(refusal_for_team(None, "Support@Example.com", "a@x.test", &team()).is_some());
        assert!(refusal_for_team(None, CUSTOMER, "<abc@example.com>", &team()).is_some());
        assert_eq!(
            refusal_for_team(None, CUSTOMER, "abc@customer.test", &team()),
            None
        );
    }

    proptest::proptest! {
        #[test]
        fn no_header_value_panics(name in "[A-Za-z-]{0,30}", value in "\\PC{0,80}", from in "\\PC{0,40}", mid in "\\PC{0,40}") {
            let kept = check(&[(name.as_str(), value.as_str())], &from);
            let _ = refusal_for_team(kept.as_deref(), &from, &mid, &team());
        }
    }
}
