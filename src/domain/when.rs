//! Human snooze times: "3d", "4h", "tomorrow", "tomorrow 9:00", "mon",
//! "friday 14:30", "2026-12-01", "2026-12-01 08:00". Local time of the
//! offset given; 9:00 when no time is said. One rule for every shape: the
//! time must be in the future and at most [`MAX_AHEAD_DAYS`] ahead; no
//! input panics (arithmetic is checked).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Weekday};

/// How far ahead a time may be.
pub const MAX_AHEAD_DAYS: i64 = 366;

/// The moment `input` names, after `now`, or an error saying what is accepted.
pub fn parse_when(
    input: &str,
    now: DateTime<FixedOffset>,
) -> Result<DateTime<FixedOffset>, String> {
    let s = input.trim().to_ascii_lowercase();
    let help = || {
        format!(
            "cannot read {input:?} as a time; use 3d, 4h, 30m, tomorrow, tomorrow 9:00, mon, fri 14:30 or 2026-12-01 08:00"
        )
    };
    let relative = [('d', 86_400i64), ('h', 3_600), ('m', 60)]
        .into_iter()
        .find_map(|(unit, secs)| {
            let n = s.strip_suffix(unit)?.trim().parse::<i64>().ok()?;
            Some(n.checked_mul(secs))
        });
    if let Some(secs) = relative {
        let at = secs
            .filter(|s| s.abs() <= (MAX_AHEAD_DAYS + 1) * 86_400)
            .and_then(|s| now.checked_add_signed(Duration::seconds(s)));
        return within(input, at, now);
    }
    let mut parts = s.split_whitespace();
    let day = parts.next().ok_or_else(help)?;
    let time = match parts.next() {
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| help())?,
        None => NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
    };
    if parts.next().is_some() {
        return Err(help());
    }
    let today = now.date_naive();
    let date: Option<NaiveDate> = if day == "today" {
        Some(today)
    } else if day == "tomorrow" {
        today.checked_add_signed(Duration::days(1))
    } else if let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Some(d)
    } else if let Ok(w) = day.parse::<Weekday>() {
        let ahead = (w.num_days_from_monday() as i64
            - today.weekday().num_days_from_monday() as i64)
            .rem_euclid(7);
        today.checked_add_signed(Duration::days(if ahead == 0 { 7 } else { ahead }))
    } else {
        return Err(help());
    };
    let at = date.and_then(|d| now.offset().from_local_datetime(&d.and_time(time)).single());
    within(input, at, now)
}

/// The one rule for every shape: in the future, and at most a year ahead.
fn within(
    input: &str,
    at: Option<DateTime<FixedOffset>>,
    now: DateTime<FixedOffset>,
) -> Result<DateTime<FixedOffset>, String> {
    let too_far = || format!("{input:?} is too far ahead: at most {MAX_AHEAD_DAYS} days");
    let at = at.ok_or_else(too_far)?;
    if at <= now {
        return Err(format!("{input:?} is not in the future"));
    }
    if at - now > Duration::days(MAX_AHEAD_DAYS) {
        return Err(too_far());
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<FixedOffset> {
        // Thursday 2026-11-26 10:00 UTC+1
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00+01:00").unwrap()
    }

    #[test]
    fn shapes() {
        let p = |s| parse_when(s, now()).unwrap().to_rfc3339();
        assert_eq!(p("3d"), "2026-11-29T10:00:00+01:00");
        assert_eq!(p("4h"), "2026-11-26T14:00:00+01:00");
        assert_eq!(p("tomorrow"), "2026-11-27T09:00:00+01:00");
        assert_eq!(p("tomorrow 9:30"), "2026-11-27T09:30:00+01:00");
        assert_eq!(p("mon"), "2026-11-30T09:00:00+01:00");
        assert_eq!(p("thu"), "2026-12-03T09:00:00+01:00");
        assert_eq!(p("2026-12-01 08:00"), "2026-12-01T08:00:00+01:00");
        assert!(
            parse_when("someday", now())
                .unwrap_err()
                .contains("cannot read")
        );
        assert!(
            parse_when("2020-01-01", now())
                .unwrap_err()
                .contains("not in the future")
        );
    }

    #[test]
    fn one_rule_for_relative_and_absolute_times() {
        let e = |s| parse_when(s, now()).unwrap_err();
        for past in ["-3d", "0h", "0m", "-1m", "2026-11-26 09:00"] {
            assert!(e(past).contains("not in the future"), "{past}: {}", e(past));
        }
        for far in [
            "99999d",
            "100000000d",
            "9223372036854775807d",
            "400d",
            "2031-01-01",
        ] {
            assert!(e(far).contains("too far ahead"), "{far}: {}", e(far));
        }
        assert!(parse_when("366d", now()).is_ok());
        assert!(parse_when("2027-11-01", now()).is_ok());
    }

    proptest::proptest! {
        /// No input panics, and whatever is accepted is in the future
        /// and within the bound.
        #[test]
        fn no_input_panics(s in ".{0,40}", n in proptest::num::i64::ANY, unit in "[dhm ]") {
            let ok = |r: Result<DateTime<FixedOffset>, String>| {
                if let Ok(at) = r {
                    proptest::prop_assert!(at > now());
                    proptest::prop_assert!(at - now() <= Duration::days(MAX_AHEAD_DAYS));
                }
                Ok(())
            };
            ok(parse_when(&s, now()))?;
            ok(parse_when(&format!("{n}{unit}"), now()))?;
            ok(parse_when(&format!("{n}-01-01 {s}"), now()))?;
        }
    }
}
