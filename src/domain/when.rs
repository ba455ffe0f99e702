//! Human snooze times: "3d", "4h", "90s", "tomorrow", "tomorrow 9:00", "mon",
//! "friday 14:30", "2026-12-01", "2026-12-01 08:00". Local time in the time
//! zone of `now` (the agent's: config `timezone`, else the system's), with
//! its daylight-saving rules: "tomorrow 9:00" across a change is 9:00 on
//! the wall clock; a time a spring change skips is the first one after it.
//! 9:00 when no time is said. One rule for every shape: the
//! time must be in the future and at most [`MAX_AHEAD_DAYS`] ahead; no
//! input panics (arithmetic is checked).

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday,
};

/// How far ahead a time may be.
pub const MAX_AHEAD_DAYS: i64 = 366;

/// Moment `t` on the agent's wall clock (`zone`, else the system's).
pub fn local(t: i64, zone: Option<chrono_tz::Tz>) -> DateTime<chrono::FixedOffset> {
    let at = DateTime::from_timestamp(t, 0).unwrap_or_default();
    match zone {
        Some(z) => at.with_timezone(&z).fixed_offset(),
        None => at.with_timezone(&chrono::Local).fixed_offset(),
    }
}

/// A time near now for people, in the agent's zone (`zone`, else the
/// system's): "Wed 09 Dec 09:00", as times are asked for.
pub fn local_text(t: i64, zone: Option<chrono_tz::Tz>) -> String {
    local(t, zone).format("%a %d %b %H:%M").to_string()
}

/// A time in UTC, for logs and text read by agents in several zones:
/// "2026-12-09 08:00 UTC".
pub fn utc_text(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M UTC")
        .to_string()
}

/// The moment `input` names, after `now`, or an error saying what is accepted.
pub fn parse_when<Tz: TimeZone>(input: &str, now: DateTime<Tz>) -> Result<DateTime<Tz>, String> {
    let s = input.trim().to_ascii_lowercase();
    let help = || {
        format!(
            "cannot read {input:?} as a time; use 3d, 4h, 30m, tomorrow, tomorrow 9:00, mon, fri 14:30, 2026-12-01 08:00 or in 2 business days"
        )
    };
    let relative = [('d', 86_400i64), ('h', 3_600), ('m', 60), ('s', 1)]
        .into_iter()
        .find_map(|(unit, secs)| {
            let n = s.strip_suffix(unit)?.trim().parse::<i64>().ok()?;
            Some(n.checked_mul(secs))
        });
    if let Some(secs) = relative {
        let at = secs
            .filter(|s| s.abs() <= (MAX_AHEAD_DAYS + 1) * 86_400)
            .and_then(|s| now.clone().checked_add_signed(Duration::seconds(s)));
        return within(input, at, now);
    }
    let mut parts = s.split_whitespace();
    let day = parts.next().ok_or_else(help)?;
    // "9:30", "14:30", "9", "9am", "2:30 pm".
    let rest: String = parts.collect();
    let time = if rest.is_empty() {
        NaiveTime::from_hms_opt(9, 0, 0).unwrap()
    } else {
        clock(&rest).ok_or_else(help)?
    };
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
    let at = date.and_then(|d| wall_clock(&now.timezone(), d.and_time(time)));
    within(input, at, now)
}

/// A time of day as agents type it: "14:30", "9", "9am", "2:30pm"
/// (lower case, no spaces).
fn clock(t: &str) -> Option<NaiveTime> {
    let (t, pm) = match (t.strip_suffix("am"), t.strip_suffix("pm")) {
        (Some(t), _) => (t, Some(false)),
        (_, Some(t)) => (t, Some(true)),
        _ => (t, None),
    };
    let (h, m) = t.split_once(':').unwrap_or((t, "00"));
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 1..=2) || !digits(m, 2..=2) {
        return None;
    }
    let (mut h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if let Some(pm) = pm {
        if !(1..=12).contains(&h) {
            return None;
        }
        h = h % 12 + if pm { 12 } else { 0 };
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

/// A wall-clock time in `tz`: the earlier of a time an autumn change shows
/// twice, the first time after a gap a spring change leaves.
fn wall_clock<Tz: TimeZone>(tz: &Tz, t: NaiveDateTime) -> Option<DateTime<Tz>> {
    tz.from_local_datetime(&t).earliest().or_else(|| {
        (1..=4)
            .map(|q| t + Duration::minutes(30 * q))
            .find_map(|later| tz.from_local_datetime(&later).earliest())
    })
}

/// The one rule for every shape: in the future, and at most a year ahead.
fn within<Tz: TimeZone>(
    input: &str,
    at: Option<DateTime<Tz>>,
    now: DateTime<Tz>,
) -> Result<DateTime<Tz>, String> {
    let too_far = || format!("{input:?} is too far ahead: at most {MAX_AHEAD_DAYS} days");
    let at = at.ok_or_else(too_far)?;
    if at <= now {
        return Err(format!("{input:?} is not in the future"));
    }
    if at.clone() - now > Duration::days(MAX_AHEAD_DAYS) {
        return Err(too_far());
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    /// `local` (a wall-clock time) in `tz`, as RFC 3339.
    fn at<Tz: TimeZone>(tz: &Tz, local: &str) -> DateTime<Tz> {
        let t = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
        tz.from_local_datetime(&t).single().unwrap()
    }

    #[test]
    fn tomorrow_9_00_is_9_00_on_the_wall_clock_across_daylight_saving() {
        use chrono_tz::{America::New_York, Europe::Berlin};
        // Europe ends summer time on Sunday 2026-10-25 (03:00 CEST -> 02:00 CET).
        let sat = at(&Berlin, "2026-10-24 18:00");
        let t = parse_when("tomorrow 9:00", sat).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-25T09:00:00+01:00");
        // The US ends it on Sunday 2026-11-01; a Monday snooze from Friday.
        let fri = at(&New_York, "2026-10-30 16:00");
        let t = parse_when("mon", fri).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-02T09:00:00-05:00");
        // Spring: Europe skips 02:00-03:00 on 2027-03-28, the US on 2027-03-14.
        let t = parse_when("2027-03-28 02:30", at(&Berlin, "2027-03-27 12:00")).unwrap();
        assert_eq!(t.to_rfc3339(), "2027-03-28T03:00:00+02:00");
        let t = parse_when("tomorrow 9:00", at(&New_York, "2027-03-13 20:00")).unwrap();
        assert_eq!(t.to_rfc3339(), "2027-03-14T09:00:00-04:00");
        // A relative time is an absolute span: 1d is 24 hours.
        let t = parse_when("1d", sat).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-25T17:00:00+01:00");
    }

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
        // Hours as people type them.
        assert_eq!(p("tomorrow 9"), "2026-11-27T09:00:00+01:00");
        assert_eq!(p("tomorrow 9am"), "2026-11-27T09:00:00+01:00");
        assert_eq!(p("tomorrow 2 pm"), "2026-11-27T14:00:00+01:00");
        assert_eq!(p("fri 2:30PM"), "2026-11-27T14:30:00+01:00");
        assert_eq!(p("tomorrow 12am"), "2026-11-27T00:00:00+01:00");
        assert_eq!(p("tomorrow 12pm"), "2026-11-27T12:00:00+01:00");
        for bad in [
            "tomorrow 13pm",
            "tomorrow 0am",
            "mon 25:00",
            "mon 9:5",
            "mon 9:60",
            "mon 123",
            "mon :30",
            "mon 9 30",
        ] {
            assert!(
                parse_when(bad, now()).unwrap_err().contains("cannot read"),
                "{bad}"
            );
        }
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
