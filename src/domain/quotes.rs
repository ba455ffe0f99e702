//! Where a reply's quoted original begins, written once for the reader's
//! folding, the snippet, the tone check and a draft's own text: `>` lines,
//! the attribution line before them in the languages support mail comes in
//! ("On … wrote:", "Am … schrieb …:", "Le … a écrit :", Gmail's Japanese
//! "2025年11月3日(月) 9:12 …:"), and Outlook's header block ("From: / Sent: /
//! To: / Subject:", localized), after which everything is the original
//! (Outlook does not prefix it with `>`).

/// A `>`-quoted line.
pub fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// How an attribution line closes.
enum Close {
    /// It ends with one of these.
    Ends(&'static [&'static str]),
    /// The verb comes before the name: "… schrieb Name <a@b>:".
    VerbThenName(&'static str),
}

/// (leading word, how it closes) of attribution lines by language.
const ATTRIBUTIONS: &[(&str, Close)] = &[
    ("On ", Close::Ends(&["wrote:"])),
    ("Am ", Close::VerbThenName("schrieb")),
    ("Le ", Close::Ends(&["a écrit :", "a écrit:"])),
    ("El ", Close::Ends(&["escribió:"])),
    ("Em ", Close::Ends(&["escreveu:"])),
    ("Il ", Close::Ends(&["ha scritto:"])),
    ("Op ", Close::VerbThenName("schreef")),
];

/// Whether `line` is a reply's attribution ("On Mon, … Jordan <j@x> wrote:").
pub fn is_attribution(line: &str) -> bool {
    let t = line.trim();
    if t.len() > 400 {
        return false;
    }
    for (lead, close) in ATTRIBUTIONS {
        if !t.starts_with(lead) {
            continue;
        }
        let hit = match close {
            Close::VerbThenName(verb) => t.contains(&format!(" {verb} ")) && t.ends_with(':'),
            Close::Ends(words) => words.iter().any(|w| t.ends_with(w)),
        };
        if hit {
            return true;
        }
    }
    // Gmail in Japanese: "2025年11月3日(月) 9:12 Jordan Blake <j@x>:".
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits == 4
        && t[4..].starts_with('年')
        && t.contains('月')
        && t.contains('日')
        && (t.ends_with(':') || t.ends_with('：'))
}

/// Outlook's "From:" line (the block's first), by language.
const FROM: &[&str] = &[
    "From:",
    "Von:",
    "De :",
    "De:",
    "Da:",
    "Van:",
    "差出人:",
    "Fra:",
];
/// The "Sent:" line that follows it within a few lines.
const SENT: &[&str] = &[
    "Sent:",
    "Date:",
    "Gesendet:",
    "Envoyé :",
    "Envoyé:",
    "Enviado:",
    "Enviada em:",
    "Inviato:",
    "Verzonden:",
    "送信日時:",
    "Sendt:",
];
/// Separators Outlook and others put above the block.
fn is_separator(t: &str) -> bool {
    (t.len() >= 10 && t.chars().all(|c| c == '_'))
        || (t.starts_with("-----") && t.ends_with("-----") && t.len() > 12)
}

/// Where the original begins when a reply has it below an Outlook-style
/// header block (From:, Sent:, To:, Subject:) rather than `>` quotes: the
/// separator line above the block if there is one, else its From: line.
pub fn header_block_start(lines: &[&str]) -> Option<usize> {
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if !FROM.iter().any(|f| t.starts_with(f)) {
            continue;
        }
        let sent = lines[i + 1..]
            .iter()
            .take(3)
            .any(|n| SENT.iter().any(|s| n.trim().starts_with(s)));
        if !sent {
            continue;
        }
        let above = i.checked_sub(1).map(|p| lines[p].trim());
        return Some(match above {
            Some(a) if is_separator(a) => i - 1,
            _ => i,
        });
    }
    // "-----Original Message-----" alone (older Outlook) also starts it.
    lines.iter().position(|l| {
        let t = l.trim().to_ascii_lowercase();
        is_separator(l.trim()) && (t.contains("original") || t.contains("ursprüngliche"))
    })
}

/// An attribution at line `i` (possibly wrapped onto two lines, as Gmail
/// wraps long ones): the line it starts on.
pub fn attribution_start(lines: &[&str], i: usize) -> Option<usize> {
    if is_attribution(lines.get(i)?) {
        return Some(i);
    }
    let prev = i.checked_sub(1)?;
    let joined = format!("{} {}", lines[prev].trim(), lines[i].trim());
    is_attribution(&joined).then_some(prev)
}

/// Where the quoted history at the end of a message begins (its
/// attribution, the `>` lines and blank lines to the end, or an Outlook
/// header block and all below it): `lines.len()` when there is none. Quotes
/// answered between (interleaved replies) are the message's own text.
pub fn history_start(lines: &[&str]) -> usize {
    let tail = header_block_start(lines).unwrap_or(lines.len());
    let mut j = tail;
    while j > 0 && (is_quoted(lines[j - 1]) || lines[j - 1].trim().is_empty()) {
        j -= 1;
    }
    let quoted = lines[j..tail].iter().any(|l| is_quoted(l));
    if !quoted && tail == lines.len() {
        return lines.len();
    }
    if quoted && let Some(s) = j.checked_sub(1).and_then(|p| attribution_start(lines, p)) {
        j = s;
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_at_the_end_is_found_and_answers_between_quotes_are_kept() {
        let reply = "Hi,\n\nDone.\n\nLee\n\nOn Mon, 3 Nov 2025, Jo <j@x> wrote:\n> help\n>\n> Jo\n";
        let lines: Vec<&str> = reply.lines().collect();
        assert_eq!(history_start(&lines), 6);
        // Interleaved: the answer after the last quote is the message's own.
        let inline = ["> does it sync?", "Yes, hourly.", "> and export?", "Also."];
        assert_eq!(history_start(&inline), 4);
        let outlook = [
            "Thanks!",
            "",
            "From: Jo",
            "Sent: Monday",
            "Subject: x",
            "help",
        ];
        assert_eq!(history_start(&outlook), 1);
        assert_eq!(history_start(&["no quotes", ""]), 2);
        assert_eq!(history_start(&[]), 0);
        assert_eq!(history_start(&["> all quoted"]), 0);
    }

    /// Reply headers as the clients write them.
    const ATTRIBUTIONS_SEEN: &[&str] = &[
        "On Mon, Nov 3, 2025 at 9:12 AM Jordan Blake <jordan@blakeandco.io> wrote:",
        "On 3 Nov 2025, at 09:12, Jordan Blake <jordan@blakeandco.io> wrote:",
        "On 03/11/2025 09:12, Jordan Blake wrote:",
        "Am Mo., 3. Nov. 2025 um 09:12 Uhr schrieb Jordan Blake <jordan@blakeandco.io>:",
        "Le lun. 3 nov. 2025 à 09:12, Jordan Blake <jordan@blakeandco.io> a écrit :",
        "El lun, 3 nov 2025 a las 9:12, Jordan Blake (<jordan@blakeandco.io>) escribió:",
        "Em seg., 3 de nov. de 2025 às 09:12, Jordan Blake <jordan@blakeandco.io> escreveu:",
        "Il giorno lun 3 nov 2025 alle ore 09:12 Jordan Blake <jordan@blakeandco.io> ha scritto:",
        "Op ma 3 nov 2025 om 09:12 schreef Jordan Blake <jordan@blakeandco.io>:",
        "2025年11月3日(月) 9:12 Jordan Blake <jordan@blakeandco.io>:",
    ];

    #[test]
    fn attributions_of_each_client_and_language() {
        for a in ATTRIBUTIONS_SEEN {
            assert!(is_attribution(a), "{a}");
        }
        for not in [
            "On Monday we ship the fix.",
            "Here is what I wrote:",
            "Am Montag geht es weiter.",
            "Le client a écrit hier.",
            "2025 was a good year:",
            "",
        ] {
            assert!(!is_attribution(not), "{not}");
        }
        // Gmail wraps a long one.
        let lines = [
            "On Mon, Nov 3, 2025 at 9:12 AM Jordan Blake <",
            "jordan@blakeandco.io> wrote:",
            "> text",
        ];
        assert_eq!(attribution_start(&lines, 1), Some(0));
    }

    #[test]
    fn outlook_header_blocks_by_language() {
        let en = "Thanks, that works.\n\n________________________________\nFrom: Jordan Blake <jordan@blakeandco.io>\nSent: Monday, November 3, 2025 9:12 AM\nTo: Example Support <support@example.com>\nSubject: Sync delays\n\nHi,\nthe boards are slow.";
        let de = "Danke!\n\nVon: Jordan Blake <jordan@blakeandco.io>\nGesendet: Montag, 3. November 2025 09:12\nAn: Example Support <support@example.com>\nBetreff: Sync\n\nHallo";
        let fr = "Merci.\n\nDe : Jordan Blake <jordan@blakeandco.io>\nEnvoyé : lundi 3 novembre 2025 09:12\nÀ : Example Support <support@example.com>\nObjet : Sync\n\nBonjour";
        let es = "Gracias.\n\nDe: Jordan Blake <jordan@blakeandco.io>\nEnviado: lunes, 3 de noviembre de 2025 9:12\nPara: Example Support <support@example.com>\nAsunto: Sync\n\nHola";
        let old = "Fine.\n\n-----Original Message-----\nFrom: Jordan Blake [mailto:jordan@blakeandco.io]\nSent: Monday, November 03, 2025 9:12 AM\nTo: Support\nSubject: Sync\n\nHi";
        for (text, start) in [(en, 2), (de, 2), (fr, 2), (es, 2), (old, 2)] {
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(header_block_start(&lines), Some(start), "{text}");
        }
        let plain: Vec<&str> = "From: the docs, I see it.\nSent it yesterday.\n"
            .lines()
            .collect();
        assert_eq!(
            header_block_start(&plain),
            None,
            "a From: without a Sent: block"
        );
    }

    proptest::proptest! {
        #[test]
        fn no_text_panics(text in "(\\PC|\n|>|年|月|日|:|_|-){0,300}") {
            let lines: Vec<&str> = text.lines().collect();
            let _ = header_block_start(&lines);
            proptest::prop_assert!(history_start(&lines) <= lines.len());
            for i in 0..lines.len() + 2 {
                if let Some(l) = lines.get(i) {
                    let _ = is_attribution(l);
                }
                let _ = attribution_start(&lines, i);
            }
        }
    }
}
