//! A strict reader for the one FETCH response shape a header sync gets
//! tens of thousands of times:
//!
//! ```text
//! * 12 FETCH (UID 34 FLAGS (\Seen $label) INTERNALDATE "01-Jul-2025 10:00:00 +0000"
//!   RFC822.SIZE 5120 MODSEQ (77) BODY[HEADER.FIELDS (FROM TO ...)] {312}
//! <312 bytes>)
//! ```
//!
//! Its items may come in any order and any may be missing. Anything
//! outside this grammar (another item, a quoted or NIL body, odd spacing,
//! a bare LF) gets `None`, and the caller hands the response to imap-proto
//! as before: this reader only ever agrees with it, faster (imap-proto's
//! general parser was a fifth of the fetching thread's time).

use super::parse::{Fetched, flag_state};
use std::borrow::Cow;

/// The FETCH response `resp` (complete, literals and all, ending in CRLF),
/// read if it has the common shape; `None` to leave it to imap-proto.
pub fn fetch(resp: &[u8]) -> Option<Fetched> {
    let mut r = Reader { s: resp, at: 0 };
    r.tag(b"* ")?;
    r.number()?;
    r.tag(b" FETCH (")?;
    let mut f = Fetched::default();
    let (mut uid, mut flags, mut modseq) = (None, None::<Vec<&str>>, None);
    loop {
        match r.name()? {
            b"UID" => uid = Some(u32::try_from(r.space_number()?).ok()?),
            b"RFC822.SIZE" => f.size = u32::try_from(r.space_number()?).ok()?,
            b"MODSEQ" => {
                r.tag(b" (")?;
                modseq = Some(r.number()?);
                r.tag(b")")?;
            }
            b"FLAGS" => flags = Some(r.flags()?),
            b"INTERNALDATE" => {
                r.tag(b" \"")?;
                let d = r.until(b'"')?;
                if !date_time(d) {
                    return None;
                }
                f.internal_date = super::parse::internal_date(std::str::from_utf8(d).ok()?);
            }
            b"BODY" => {
                r.tag(b"[HEADER.FIELDS (")?;
                r.field_names()?;
                r.tag(b")] {")?;
                let n = usize::try_from(r.number()?).ok()?;
                r.tag(b"}\r\n")?;
                f.data = Some(r.take(n)?.to_vec());
                f.content = true;
            }
            _ => return None,
        }
        match r.byte()? {
            b' ' => continue,
            b')' => break,
            _ => return None,
        }
    }
    r.tag(b"\r\n")?;
    if r.at != resp.len() {
        return None;
    }
    f.has_flags = flags.is_some();
    let flags: Vec<Cow<'_, str>> = flags
        .unwrap_or_default()
        .into_iter()
        .map(Cow::Borrowed)
        .collect();
    f.flags = flag_state(uid?, &flags, modseq);
    Some(f)
}

struct Reader<'a> {
    s: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.s.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn tag(&mut self, t: &[u8]) -> Option<()> {
        self.s[self.at..].starts_with(t).then(|| self.at += t.len())
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.s.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(out)
    }

    /// Bytes up to (not including) `end`, which is consumed.
    fn until(&mut self, end: u8) -> Option<&'a [u8]> {
        let n = memchr::memchr(end, &self.s[self.at..])?;
        let out = &self.s[self.at..self.at + n];
        self.at += n + 1;
        Some(out)
    }

    /// The bytes from here on that `keep` accepts, if one at least.
    fn span(&mut self, keep: impl Fn(u8) -> bool) -> Option<&'a [u8]> {
        let n = self.s[self.at..].iter().take_while(|b| keep(**b)).count();
        (n > 0).then(|| {
            self.at += n;
            &self.s[self.at - n..self.at]
        })
    }

    /// A decimal number of 1 to 19 digits (no sign, no leading zero but "0").
    fn number(&mut self) -> Option<u64> {
        let d = self.span(|b| b.is_ascii_digit())?;
        if d.len() > 19 || (d.len() > 1 && d[0] == b'0') {
            return None;
        }
        Some(d.iter().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')))
    }

    fn space_number(&mut self) -> Option<u64> {
        self.tag(b" ")?;
        self.number()
    }

    /// An item name: upper-case letters, digits and dots.
    fn name(&mut self) -> Option<&'a [u8]> {
        self.span(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'.')
    }

    /// ` (flag flag ...)`: system flags (`\Seen`) and keywords, atoms only.
    fn flags(&mut self) -> Option<Vec<&'a str>> {
        self.tag(b" (")?;
        let mut out = Vec::new();
        if self.tag(b")").is_some() {
            return Some(out);
        }
        loop {
            let start = self.at;
            self.tag(b"\\");
            self.span(atom_char)?;
            // Atom characters are ASCII.
            out.push(std::str::from_utf8(&self.s[start..self.at]).ok()?);
            match self.byte()? {
                b' ' => continue,
                b')' => return Some(out),
                _ => return None,
            }
        }
    }

    /// The header field names a `HEADER.FIELDS` section echoes: atoms.
    fn field_names(&mut self) -> Option<()> {
        loop {
            self.span(atom_char)?;
            if self.tag(b" ").is_none() {
                return Some(());
            }
        }
    }
}

/// RFC 3501 `date-time` (inside the quotes): `dd-Mon-yyyy hh:mm:ss +zzzz`,
/// the day two digits or a space and a digit.
fn date_time(d: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let digits = |r: std::ops::Range<usize>| d[r].iter().all(u8::is_ascii_digit);
    d.len() == 26
        && (d[0] == b' ' || d[0].is_ascii_digit())
        && digits(1..2)
        && d[2] == b'-'
        && MONTHS.contains(&&d[3..6])
        && d[6] == b'-'
        && digits(7..11)
        && d[11] == b' '
        && digits(12..14)
        && d[14] == b':'
        && digits(15..17)
        && d[17] == b':'
        && digits(18..20)
        && d[20] == b' '
        && matches!(d[21], b'+' | b'-')
        && digits(22..26)
}

/// RFC 3501 ATOM-CHAR, less `]` (resp-specials): a conservative subset.
fn atom_char(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
