//! Business hours: whether the team is at work at a moment, "N business
//! days" from now, and the hours in words for a customer. In the team's
//! time zone, with its daylight-saving rules. Without configured hours,
//! Monday to Friday all day counts as working time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessHours {
    pub tz: Tz,
    /// Working days, Monday first.
    pub days: [bool; 7],
    /// Minutes after midnight.
    pub open: u32,
    pub close: u32,
    /// Days off on working days (public holidays), in the team's zone.
    pub holidays: std::collections::BTreeSet<NaiveDate>,
}

const NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl BusinessHours {
    fn works(&self, d: Weekday) -> bool {
        self.days[d.num_days_from_monday() as usize]
    }

    /// Whether `day` is a working day (its weekday, and not a holiday).
    pub fn works_on(&self, day: NaiveDate) -> bool {
        self.works(day.weekday()) && !self.holidays.contains(&day)
    }

    /// Whether the team is at work at `t` (seconds since the epoch).
    pub fn is_open(&self, t: i64) -> bool {
        let Some(local) = DateTime::from_timestamp(t, 0).map(|u| u.with_timezone(&self.tz)) else {
            return false;
        };
        let m = local.hour() * 60 + local.minute();
        self.works_on(local.date_naive()) && m >= self.open && m < self.close
    }

    /// The working window of `day` as instants (opening, closing), on a
    /// working day. A time the clock skips (a DST gap) moves to the first
    /// instant after it, so a day is never lost.
    fn window(&self, day: NaiveDate) -> Option<(i64, i64)> {
        if !self.works_on(day) {
            return None;
        }
        let at = |m: u32| -> Option<i64> {
            let naive = day.and_hms_opt(m / 60, m % 60, 0)?;
            match self.tz.from_local_datetime(&naive) {
                chrono::LocalResult::Single(t) => Some(t.timestamp()),
                chrono::LocalResult::Ambiguous(a, _) => Some(a.timestamp()),
                // In a gap: the hour after is there.
                chrono::LocalResult::None => self
                    .tz
                    .from_local_datetime(&(naive + Duration::hours(1)))
                    .earliest()
                    .map(|t| t.timestamp()),
            }
        };
        Some((at(self.open)?, at(self.close)?))
    }

    /// Working seconds between `from` and `to` (0 when `to` ≤ `from`):
    /// what "4 business hours" measures. Spans longer than [`MAX_DAYS`]
    /// days are cut there, so no input loops for long.
    pub fn seconds_between(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        let Some(start) = DateTime::from_timestamp(from, 0) else {
            return 0;
        };
        let mut day = start.with_timezone(&self.tz).date_naive();
        let mut total = 0;
        for _ in 0..=MAX_DAYS * 2 {
            if let Some((open, close)) = self.window(day) {
                if open >= to {
                    break;
                }
                total += (close.min(to) - open.max(from)).max(0);
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
            // Past `to` in every zone: local midnight is within a day of UTC's.
            if day
                .and_hms_opt(0, 0, 0)
                .is_some_and(|m| m.and_utc().timestamp() > to + 86_400)
            {
                break;
            }
        }
        total
    }

    /// The instant `secs` working seconds after `from` (a due time).
    /// Without a working day in [`MAX_DAYS`] days, `from + secs`.
    pub fn add_seconds(&self, from: i64, secs: i64) -> i64 {
        let Some(start) = DateTime::from_timestamp(from, 0) else {
            return from.saturating_add(secs);
        };
        let mut day = start.with_timezone(&self.tz).date_naive();
        let mut left = secs.max(0);
        for _ in 0..=MAX_DAYS * 2 {
            if let Some((open, close)) = self.window(day) {
                let begin = open.max(from);
                let have = (close - begin).max(0);
                if have >= left && begin < close {
                    return begin + left;
                }
                left -= have;
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        from.saturating_add(secs)
    }

    /// "Monday to Friday, 09:00–17:30 (Europe/Berlin)".
    pub fn describe(&self) -> String {
        let on: Vec<usize> = (0..7).filter(|&i| self.days[i]).collect();
        let days = match on.as_slice() {
            [] => "no day".to_string(),
            [one] => NAMES[*one].to_string(),
            [first, .., last] if on.len() == last - first + 1 => {
                format!("{} to {}", NAMES[*first], NAMES[*last])
            }
            _ => on
                .iter()
                .map(|&i| &NAMES[i][..3])
                .collect::<Vec<_>>()
                .join(", "),
        };
        format!(
            "{days}, {:02}:{:02}–{:02}:{:02} ({})",
            self.open / 60,
            self.open % 60,
            self.close / 60,
            self.close % 60,
            self.tz.name()
        )
    }
}

/// The most business days counted ahead.
pub const MAX_DAYS: i64 = 400;

/// `n` working days after `from`, at the same wall-clock time (working
/// days: `hours`' days, else Monday to Friday). `n` is clamped to
/// 0..=[`MAX_DAYS`], so no input loops for long.
pub fn add_business_days<Tz2: TimeZone>(
    from: DateTime<Tz2>,
    n: i64,
    hours: Option<&BusinessHours>,
) -> DateTime<Tz2> {
    let works = |d: Weekday| match hours {
        Some(h) if h.days.iter().any(|&x| x) => h.works(d),
        _ => !matches!(d, Weekday::Sat | Weekday::Sun),
    };
    let mut d = from;
    let mut left = n.clamp(0, MAX_DAYS);
    while left > 0 {
        match d.clone().checked_add_signed(Duration::days(1)) {
            Some(next) => d = next,
            None => break,
        }
        if works(d.weekday()) {
            left -= 1;
        }
    }
    d
}

/// A due time typed by an agent: "in 2 business days", "3 business days",
/// or anything [`super::when::parse_when`] reads ("tomorrow 9:00", "4h",
/// "2026-12-01 08:00", also after "in ").
pub fn parse_due<Tz2: TimeZone>(
    input: &str,
    now: DateTime<Tz2>,
    hours: Option<&BusinessHours>,
) -> Result<DateTime<Tz2>, String> {
    let s = input.trim().to_ascii_lowercase();
    let s = s.strip_prefix("in ").unwrap_or(&s).trim();
    let business = [
        "business days",
        "business day",
        "working days",
        "working day",
    ]
    .iter()
    .find_map(|unit| s.strip_suffix(unit));
    if let Some(n) = business {
        let n: i64 = n
            .trim()
            .parse()
            .map_err(|_| format!("cannot read {input:?}: say \"in 2 business days\""))?;
        if !(1..=MAX_DAYS).contains(&n) {
            return Err(format!("{input:?}: between 1 and {MAX_DAYS} business days"));
        }
        return Ok(add_business_days(now, n, hours));
    }
    super::when::parse_when(s, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> BusinessHours {
        BusinessHours {
            tz: chrono_tz::Europe::Berlin,
            days: [true, true, true, true, true, false, false],
            open: 9 * 60,
            close: 17 * 60 + 30,
            holidays: Default::default(),
        }
    }

    fn t(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn open_in_the_teams_time_zone_across_daylight_saving() {
        let h = berlin();
        // Friday 2026-10-23 08:30 UTC is 10:30 in Berlin (summer time).
        assert!(h.is_open(t("2026-10-23T08:30:00Z")));
        // 16:00 UTC is 18:00 there: closed.
        assert!(!h.is_open(t("2026-10-23T16:00:00Z")));
        // Saturday: closed.
        assert!(!h.is_open(t("2026-10-24T10:00:00Z")));
        // Monday 2026-10-26 (winter time): 08:30 UTC is 09:30 there.
        assert!(h.is_open(t("2026-10-26T08:30:00Z")));
        assert!(!h.is_open(t("2026-10-26T07:30:00Z")));
        assert_eq!(
            h.describe(),
            "Monday to Friday, 09:00–17:30 (Europe/Berlin)"
        );
    }

    #[test]
    fn business_days_skip_the_weekend() {
        let fri = DateTime::parse_from_rfc3339("2026-12-04T15:00:00+01:00").unwrap();
        let p = |s| parse_due(s, fri, Some(&berlin())).unwrap().to_rfc3339();
        assert_eq!(p("in 2 business days"), "2026-12-08T15:00:00+01:00");
        assert_eq!(p("1 business day"), "2026-12-07T15:00:00+01:00");
        assert_eq!(p("in 4h"), "2026-12-04T19:00:00+01:00");
        assert_eq!(p("tomorrow 9:00"), "2026-12-05T09:00:00+01:00");
        assert!(parse_due("in x business days", fri, None).is_err());
        assert!(parse_due("0 business days", fri, None).is_err());
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(s in "\\PC{0,40}", n in -5i64..1000) {
            let now = DateTime::parse_from_rfc3339("2026-12-04T15:00:00+01:00").unwrap();
            let _ = parse_due(&s, now, Some(&berlin()));
            let _ = parse_due(&format!("in {n} business days"), now, None);
            let _ = berlin().is_open(n * 1_000_000_000);
        }
    }
}
