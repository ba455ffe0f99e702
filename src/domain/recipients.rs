//! Who a reply goes to. Pure.
//!
//! A reply goes to the message's `Reply-To` when it has one (all of its
//! addresses: web forms, shops and ticket forwarders send
//! `From: noreply@…` with `Reply-To: customer@…`), else to `From`. A reply
//! to all adds the message's To and Cc (and a sender that Reply-To passed
//! over, unless nobody reads it), never the team's own addresses, never
//! anyone twice.

use super::Address;

/// A reply's recipients: (To, Cc).
pub fn reply(
    from: &Address,
    reply_to: &[Address],
    to: &[Address],
    cc: &[Address],
    us: &[String],
    all: bool,
) -> (Vec<Address>, Vec<Address>) {
    let ours = |a: &Address| us.iter().any(|u| u.eq_ignore_ascii_case(&a.email));
    let mut seen: Vec<String> = Vec::new();
    let mut take = |list: &mut Vec<Address>, a: &Address| {
        let key = a.email.to_ascii_lowercase();
        if a.email.contains('@') && !ours(a) && !seen.contains(&key) {
            seen.push(key);
            list.push(a.clone());
        }
    };
    let mut out_to = Vec::new();
    let answer: Vec<&Address> = if reply_to.is_empty() {
        vec![from]
    } else {
        reply_to.iter().collect()
    };
    for a in &answer {
        take(&mut out_to, a);
    }
    let mut out_cc = Vec::new();
    if all {
        let passed_over = (!reply_to.is_empty() && !unattended(&from.email)).then_some(from);
        for a in passed_over.into_iter().chain(to).chain(cc) {
            take(&mut out_cc, a);
        }
    }
    // Replying to a message the team sent itself: the answer goes back to
    // whom it was written to.
    if out_to.is_empty() {
        out_to = std::mem::take(&mut out_cc);
        if out_to.is_empty() {
            let mut seen_to = Vec::new();
            for a in to {
                if !ours(a) && !seen_to.contains(&a.email.to_ascii_lowercase()) {
                    seen_to.push(a.email.to_ascii_lowercase());
                    out_to.push(a.clone());
                }
            }
        }
    }
    (out_to, out_cc)
}

/// An address nobody reads: noreply, do-not-reply, mailer-daemon,
/// postmaster, bounces.
pub fn unattended(email: &str) -> bool {
    let local = email
        .rsplit_once('@')
        .map_or(email, |(l, _)| l)
        .to_ascii_lowercase()
        .replace(['-', '_', '.'], "");
    [
        "noreply",
        "donotreply",
        "mailerdaemon",
        "postmaster",
        "bounce",
    ]
    .iter()
    .any(|n| local.starts_with(n))
}

/// A free-mail domain (gmail.com, outlook.com…): everyone can have an
/// address there, so it says nothing about the customer's company.
pub fn free_mail(domain: &str) -> bool {
    const FREE: &[&str] = &[
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "t-online.de",
        "mail.com",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "fastmail.com",
        "zoho.com",
        "hey.com",
        "tutanota.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
    ];
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    FREE.contains(&d.as_str()) || d.starts_with("yahoo.") || d.starts_with("hotmail.")
}

/// The recipients in `lines` (as typed: `Name <a@b>` or `a@b`) that nobody
/// reads, to warn before sending.
pub fn unattended_in<'a>(lines: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    lines
        .into_iter()
        .map(|l| {
            let l = l.trim();
            match (l.rfind('<'), l.rfind('>')) {
                (Some(a), Some(b)) if a < b => l[a + 1..b].trim().to_string(),
                _ => l.to_string(),
            }
        })
        .filter(|e| unattended(e))
        .collect()
}

/// An address as a recipient line: the display name quoted when it holds
/// a character that would split or confuse the list (`"Lima, Ana" <…>`).
pub fn mailbox(a: &Address) -> String {
    match a.name.as_deref() {
        Some(n) if !n.is_empty() => {
            if n.chars().any(|c| ",;:<>@\"()[]\\".contains(c)) {
                let escaped = n.replace('\\', "\\\\").replace('"', "\\\"");
                format!("\"{escaped}\" <{}>", a.email)
            } else {
                format!("{n} <{}>", a.email)
            }
        }
        _ => a.email.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(name: &str, email: &str) -> Address {
        Address::new((!name.is_empty()).then_some(name), email)
    }

    fn emails(v: &[Address]) -> Vec<&str> {
        v.iter().map(|a| a.email.as_str()).collect()
    }

    const US: &[&str] = &[
        "support@example.com",
        "help@example.com",
        "dana@example.com",
    ];

    fn us() -> Vec<String> {
        US.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_form_message_is_answered_at_its_reply_to() {
        let from = a("Shop", "noreply@shop.test");
        let rt = [
            a("Kim", "kim@customer.test"),
            a("", "kim.work@customer.test"),
        ];
        let to = [a("", "support@example.com")];
        let (t, c) = reply(&from, &rt, &to, &[], &us(), false);
        assert_eq!(emails(&t), ["kim@customer.test", "kim.work@customer.test"]);
        assert!(c.is_empty());
        // Reply all: the no-reply sender is not added, the team never is.
        let (t, c) = reply(&from, &rt, &to, &[], &us(), true);
        assert_eq!(t.len(), 2);
        assert!(c.is_empty(), "{c:?}");
    }

    #[test]
    fn a_list_message_and_the_team_in_cc() {
        let from = a("Ann", "ann@partner.test");
        let rt = [a("Dev list", "dev@lists.partner.test")];
        let to = [a("", "help@example.com"), a("Bo", "bo@partner.test")];
        let cc = [a("", "SUPPORT@example.com"), a("Ann", "ann@partner.test")];
        let (t, c) = reply(&from, &rt, &to, &cc, &us(), true);
        assert_eq!(emails(&t), ["dev@lists.partner.test"]);
        assert_eq!(emails(&c), ["ann@partner.test", "bo@partner.test"]);
        // Without Reply-To: From, and the others in Cc, once each.
        let (t, c) = reply(&from, &[], &to, &cc, &us(), true);
        assert_eq!(emails(&t), ["ann@partner.test"]);
        assert_eq!(emails(&c), ["bo@partner.test"]);
    }

    #[test]
    fn a_message_the_team_sent_goes_back_to_its_recipients() {
        let from = a("Support", "support@example.com");
        let to = [a("Kim", "kim@customer.test")];
        let (t, _) = reply(&from, &[], &to, &[], &us(), false);
        assert_eq!(emails(&t), ["kim@customer.test"]);
    }

    #[test]
    fn unattended_addresses() {
        for e in [
            "noreply@x.test",
            "no-reply@x.test",
            "No_Reply@x.test",
            "do-not-reply@x.test",
            "donotreply@x.test",
            "MAILER-DAEMON@x.test",
            "postmaster@x.test",
            "bounces+123@x.test",
            "noreply-billing@x.test",
        ] {
            assert!(unattended(e), "{e}");
        }
        for e in [
            "kim@x.test",
            "reply@x.test",
            "norma@x.test",
            "support@x.test",
        ] {
            assert!(!unattended(e), "{e}");
        }
    }

    #[test]
    fn unattended_recipients_as_typed() {
        let v = vec![
            "Shop <noreply@shop.test>".to_string(),
            "kim@x.test".to_string(),
            "postmaster@x.test".to_string(),
        ];
        assert_eq!(
            unattended_in(&v),
            ["noreply@shop.test", "postmaster@x.test"]
        );
    }

    #[test]
    fn names_with_commas_are_quoted() {
        assert_eq!(
            mailbox(&a("Lima, Ana", "ana@x.test")),
            "\"Lima, Ana\" <ana@x.test>"
        );
        assert_eq!(
            mailbox(&a("Ana Lima", "ana@x.test")),
            "Ana Lima <ana@x.test>"
        );
        assert_eq!(mailbox(&a("", "ana@x.test")), "ana@x.test");
        assert_eq!(
            super::super::compose::split_addresses(&mailbox(&a("A \"B\", C", "c@x.test"))),
            vec![mailbox(&a("A \"B\", C", "c@x.test"))]
        );
    }
}
