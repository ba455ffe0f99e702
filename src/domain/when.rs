//! Human snooze times: "3d", "4h", "tomorrow", "tomorrow 9:00", "mon",
//! "friday 14:30", "2026-12-01", "2026-12-01 08:00". Local time of the
//! offset given; 9:00 when no time is said.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Weekday};

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
    if let Some(n) = s.strip_suffix('d').and_then(|n| n.parse::<i64>().ok()) {
        return Ok(now + Duration::days(n));
    }
    if let Some(n) = s.strip_suffix('h').and_then(|n| n.parse::<i64>().ok()) {
        return Ok(now + Duration::hours(n));
    }
    if let Some(n) = s.strip_suffix('m').and_then(|n| n.parse::<i64>().ok()) {
        return Ok(now + Duration::minutes(n));
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
    let date: NaiveDate = if day == "today" {
        today
    } else if day == "tomorrow" {
        today + Duration::days(1)
    } else if let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        d
    } else if let Ok(w) = day.parse::<Weekday>() {
        let ahead = (w.num_days_from_monday() as i64
            - today.weekday().num_days_from_monday() as i64)
            .rem_euclid(7);
        today + Duration::days(if ahead == 0 { 7 } else { ahead })
    } else {
        return Err(help());
    };
    let at = now
        .offset()
        .from_local_datetime(&date.and_time(time))
        .single()
        .ok_or_else(help)?;
    if at <= now {
        return Err(format!("{input:?} is in the past"));
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
                .contains("past")
        );
    }
}
