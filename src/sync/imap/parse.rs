//! Reading raw IMAP responses (from the crate's `run`) with imap-proto, for
//! the commands the crate does not type: QRESYNC SELECT, CHANGEDSINCE,
//! VANISHED, MODSEQ.

use imap_proto::types::{
    AttributeValue, MailboxDatum, MessageSection, Response, ResponseCode, SectionPath, Status,
};
use std::ops::RangeInclusive;

/// Flags of one message as the server reported them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlagState {
    pub uid: u32,
    pub seen: bool,
    pub answered: bool,
    pub flagged: bool,
    pub deleted: bool,
    /// Custom keywords (`$label`), lowercased.
    pub keywords: Vec<String>,
    pub modseq: Option<u64>,
}

/// One FETCH response, with whichever items were asked for.
#[derive(Clone, Debug, Default)]
pub struct Fetched {
    pub flags: FlagState,
    pub has_flags: bool,
    pub internal_date: i64,
    pub size: u32,
    /// `BODY[HEADER.FIELDS ...]` or `BODY[]`, whichever was fetched.
    pub data: Option<Vec<u8>>,
    /// `BODY[TEXT]` (the body without the message header), when fetched.
    pub text: Option<Vec<u8>>,
    /// Parts by section (`BODY[1.2]`, `BODY[1.2.MIME]`), keyed "1.2" and
    /// "1.2.MIME".
    pub sections: Vec<(String, Vec<u8>)>,
    /// From BODYSTRUCTURE: how to fetch the message without its
    /// attachments, if that is worth it (see [`super::structure`]).
    pub plan: Option<super::structure::Plan>,
    /// The response has a body section, RFC822 or BODYSTRUCTURE item (NIL
    /// or not). A FETCH without one, amid a bulk fetch of such items, is
    /// the server telling of a flag change (another client's): no answer.
    pub content: bool,
}

impl Fetched {
    /// The bytes of section `key` ("1.2", "1.2.MIME"), if fetched.
    pub fn section(&self, key: &str) -> Option<&[u8]> {
        self.sections
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}

/// One LIST answer: attributes, hierarchy delimiter, name.
pub type ListEntry = (Vec<String>, Option<String>, String);

/// What a SELECT (with CONDSTORE or QRESYNC) told us.
#[derive(Clone, Debug, Default)]
pub struct SelectInfo {
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub exists: u32,
    pub highestmodseq: Option<u64>,
    /// The server accepts custom keywords (`\*` in PERMANENTFLAGS).
    pub keywords_allowed: bool,
    /// UIDs expunged since the known modseq (QRESYNC only).
    pub vanished: Vec<RangeInclusive<u32>>,
    /// Messages whose flags changed since the known modseq (QRESYNC only).
    pub changed: Vec<FlagState>,
}

/// Everything a raw command returned, sorted by kind.
#[derive(Debug, Default)]
pub struct Parsed {
    pub fetches: Vec<Fetched>,
    pub select: SelectInfo,
    pub search: Vec<u32>,
    pub list: Vec<ListEntry>,
    /// The UID an APPEND got (UIDPLUS: `[APPENDUID validity uid]`).
    pub appended: Option<u32>,
}

pub fn flag_state(uid: u32, flags: &[std::borrow::Cow<'_, str>], modseq: Option<u64>) -> FlagState {
    let mut s = FlagState {
        uid,
        modseq,
        ..Default::default()
    };
    for f in flags {
        match f.to_ascii_lowercase().as_str() {
            "\\seen" => s.seen = true,
            "\\answered" => s.answered = true,
            "\\flagged" => s.flagged = true,
            "\\deleted" => s.deleted = true,
            k if !k.starts_with('\\') => s.keywords.push(k.to_string()),
            _ => {}
        }
    }
    s
}

pub(super) fn internal_date(s: &str) -> i64 {
    chrono::DateTime::parse_from_str(s.trim(), "%d-%b-%Y %H:%M:%S %z")
        .map(|d| d.timestamp())
        .unwrap_or(0)
}

pub fn fetch_response(attrs: Vec<AttributeValue<'_>>) -> Option<Fetched> {
    let mut f = Fetched::default();
    let mut uid = None;
    let mut flags = None;
    let mut modseq = None;
    for a in attrs {
        if matches!(
            a,
            AttributeValue::BodySection { .. }
                | AttributeValue::Rfc822(_)
                | AttributeValue::BodyStructure(_)
        ) {
            f.content = true;
        }
        match a {
            AttributeValue::Uid(u) => uid = Some(u),
            AttributeValue::Flags(fl) => flags = Some(fl),
            AttributeValue::ModSeq(m) => modseq = Some(m),
            AttributeValue::InternalDate(d) => f.internal_date = internal_date(&d),
            AttributeValue::Rfc822Size(n) => f.size = n,
            AttributeValue::BodySection {
                section: Some(SectionPath::Full(MessageSection::Text)),
                data: Some(d),
                ..
            } => f.text = Some(d.into_owned()),
            AttributeValue::BodySection {
                section: Some(SectionPath::Part(path, sub)),
                data: Some(d),
                ..
            } => {
                let mut key = path
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(".");
                match sub {
                    None => {}
                    Some(MessageSection::Mime) => key.push_str(".MIME"),
                    Some(_) => continue,
                }
                f.sections.push((key, d.into_owned()));
            }
            AttributeValue::BodyStructure(bs) => f.plan = super::structure::Plan::new(&bs),
            AttributeValue::BodySection { data: Some(d), .. } | AttributeValue::Rfc822(Some(d)) => {
                f.data = Some(d.into_owned())
            }
            _ => {}
        }
    }
    f.has_flags = flags.is_some();
    f.flags = flag_state(uid?, flags.as_deref().unwrap_or(&[]), modseq);
    Some(f)
}

/// Parses the output of `Session::run`: every untagged response, then the
/// tagged completion, which must be OK. `what` names the command in errors.
pub fn parse(buf: &[u8], what: &str) -> Result<Parsed, String> {
    let mut out = Parsed::default();
    let mut rest = buf;
    while !rest.is_empty() {
        let (next, resp) = match imap_proto::parser::parse_response(rest) {
            Ok(x) => x,
            Err(_) => {
                let line = rest.split(|b| *b == b'\n').next().unwrap_or(rest);
                let shown: String =
                    String::from_utf8_lossy(&line[..line.len().min(120)]).into_owned();
                return Err(format!(
                    "cannot read the server's reply to {what}: {shown:?}"
                ));
            }
        };
        rest = next;
        match resp {
            Response::Fetch(_, attrs) => out.fetches.extend(fetch_response(attrs)),
            Response::Vanished { uids, .. } => out.select.vanished.extend(uids),
            Response::MailboxData(MailboxDatum::Exists(n)) => out.select.exists = n,
            Response::MailboxData(MailboxDatum::Search(uids)) => out.search.extend(uids),
            Response::MailboxData(MailboxDatum::List {
                name_attributes,
                delimiter,
                name,
            }) => out.list.push((
                name_attributes.iter().map(|a| format!("{a:?}")).collect(),
                delimiter.map(|d| d.into_owned()),
                name.into_owned(),
            )),
            Response::Data {
                code: Some(code), ..
            } => match code {
                ResponseCode::UidValidity(v) => out.select.uidvalidity = v,
                ResponseCode::UidNext(n) => out.select.uidnext = n,
                ResponseCode::HighestModSeq(m) => out.select.highestmodseq = Some(m),
                ResponseCode::PermanentFlags(f) => {
                    out.select.keywords_allowed = f.iter().any(|x| x == "\\*")
                }
                _ => {}
            },
            Response::Done {
                status,
                information,
                code,
                ..
            } => {
                if status != Status::Ok {
                    let info = information.map(|i| i.into_owned()).unwrap_or_default();
                    return Err(format!("{what} failed: {status:?} {info}"));
                }
                match code {
                    Some(ResponseCode::HighestModSeq(m)) => out.select.highestmodseq = Some(m),
                    Some(ResponseCode::AppendUid(_, uids)) => {
                        out.appended = uids.first().map(|m| match m {
                            imap_proto::types::UidSetMember::Uid(u) => *u,
                            imap_proto::types::UidSetMember::UidRange(r) => *r.start(),
                        })
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    // Flag changes reported during a QRESYNC SELECT.
    out.select.changed = out
        .fetches
        .iter()
        .filter(|f| f.has_flags)
        .map(|f| f.flags.clone())
        .collect();
    Ok(out)
}

/// Compresses sorted UIDs into an IMAP sequence set: `1:5,7,9:12`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qresync_select_is_read() {
        let raw =
            b"* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 120] ok\r\n* OK [HIGHESTMODSEQ 900] ok\r\n\
* OK [PERMANENTFLAGS (\\Seen \\*)] ok\r\n* 100 EXISTS\r\n* VANISHED (EARLIER) 41,43:45\r\n\
* 5 FETCH (UID 9 FLAGS (\\Seen $billing) MODSEQ (880))\r\na3 OK [READ-WRITE] done\r\n";
        let p = parse(raw, "SELECT").unwrap();
        let s = p.select;
        assert_eq!(
            (s.uidvalidity, s.uidnext, s.exists, s.highestmodseq),
            (7, 120, 100, Some(900))
        );
        assert!(s.keywords_allowed);
        assert_eq!(s.vanished, vec![41..=41, 43..=45]);
        assert_eq!(s.changed.len(), 1);
        assert_eq!(s.changed[0].uid, 9);
        assert!(s.changed[0].seen);
        assert_eq!(s.changed[0].keywords, vec!["$billing"]);
    }

    #[test]
    fn failures_are_errors() {
        assert!(
            parse(b"a1 NO [CANNOT] nope\r\n", "SELECT x")
                .unwrap_err()
                .contains("SELECT x failed")
        );
    }

    #[test]
    fn uid_sets() {
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[]), "");
    }
}
