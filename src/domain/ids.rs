//! Ids typed by an agent: a draft's, a job's (a prefix of the id will
//! do). One rule for what counts as an answer: nothing (or blanks) is none,
//! since "" is a prefix of every id and a lookup by it would pick the only
//! draft or job there is without being asked.

/// `input` trimmed, or an error naming `what` is wanted and the command
/// that lists them.
pub fn prefix<'a>(input: &'a str, what: &str, listed_by: &str) -> Result<&'a str, String> {
    let p = input.trim();
    if p.is_empty() {
        return Err(format!(
            "which {what}? give its id ({listed_by} lists them)"
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    #[test]
    fn blanks_name_nothing() {
        for blank in ["", " ", "\t\n"] {
            let e = super::prefix(blank, "job", "`replypad jobs`").unwrap_err();
            assert_eq!(e, "which job? give its id (`replypad jobs` lists them)");
        }
        assert_eq!(super::prefix(" 1634 ", "job", "x"), Ok("1634"));
    }
}
