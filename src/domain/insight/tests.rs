//! Each figure on a hand-built history with known answers.

use super::*;
use crate::domain::insight::sla::{check, next_due};
use chrono::TimeZone;
use chrono_tz::Europe::Berlin;
use proptest::prelude::*;

/// Berlin local time → seconds.
fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    Berlin
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .earliest()
        .unwrap()
        .timestamp()
}

fn berlin_hours() -> BusinessHours {
    BusinessHours {
        tz: Berlin,
        days: [true, true, true, true, true, false, false],
        open: 9 * 60,
        close: 17 * 60,
        // Christmas Eve 2026 is a Thursday.
        holidays: [chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap()].into(),
    }
}

fn business() -> Clock {
    Clock {
        hours: Some(berlin_hours()),
    }
}

fn reply(t: i64, who: &str) -> Reply {
    Reply {
        at: t,
        agent: who.into(),
    }
}

fn case(id: &str, labels: &[&str], customer: Vec<i64>, replies: Vec<Reply>) -> Case {
    Case {
        id: id.into(),
        subject: format!("case {id}"),
        labels: labels.iter().map(|l| l.to_string()).collect(),
        customer,
        replies,
        ..Case::default()
    }
}

#[test]
fn a_weekend_is_not_counted_in_business_hours() {
    // Friday 16:00 → Monday 10:00: an hour on each side of the weekend.
    let c = case(
        "w",
        &[],
        vec![at(2026, 11, 27, 16, 0)],
        vec![reply(at(2026, 11, 30, 10, 0), "ana")],
    );
    let t = c.timing(&business()).unwrap();
    assert_eq!(t.first_response.unwrap().2, 2 * 3600);
    // By the clock it is 66 hours.
    let t = c.timing(&Clock::default()).unwrap();
    assert_eq!(t.first_response.unwrap().2, 66 * 3600);
}

#[test]
fn a_holiday_is_not_counted() {
    // Wednesday 23 Dec 16:30 → Friday 25 Dec 09:30 with the 24th off.
    let c = case(
        "h",
        &[],
        vec![at(2026, 12, 23, 16, 30)],
        vec![reply(at(2026, 12, 25, 9, 30), "ana")],
    );
    assert_eq!(
        c.timing(&business()).unwrap().first_response.unwrap().2,
        3600
    );
}

#[test]
fn a_dst_change_counts_the_hours_that_passed() {
    // Berlin leaves summer time on Sunday 25 Oct 2026. Friday 16:00 CEST →
    // Monday 10:00 CET: two business hours, and 67 real hours (66 on the
    // wall clock).
    let c = case(
        "d",
        &[],
        vec![at(2026, 10, 23, 16, 0)],
        vec![reply(at(2026, 10, 26, 10, 0), "ana")],
    );
    assert_eq!(
        c.timing(&business()).unwrap().first_response.unwrap().2,
        7200
    );
    assert_eq!(
        c.timing(&Clock::default())
            .unwrap()
            .first_response
            .unwrap()
            .2,
        67 * 3600
    );
    // And a business day in spring, when the clock skips an hour, is still 8 hours.
    let h = berlin_hours();
    assert_eq!(
        h.seconds_between(at(2026, 3, 27, 0, 0), at(2026, 3, 31, 0, 0)),
        2 * 8 * 3600
    );
}

#[test]
fn a_reopen_is_counted_and_resolution_runs_to_the_last_close() {
    let t0 = at(2026, 11, 30, 9, 0);
    let mut c = case("r", &[], vec![t0, t0 + 7200], vec![reply(t0 + 600, "ana")]);
    c.statuses = vec![(t0 + 3600, Status::Closed)];
    // Closed at 10:00, the customer wrote at 11:00: open again.
    let t = c.timing(&Clock::default()).unwrap();
    assert!(t.reopened);
    assert_eq!(t.resolved, None);
    assert_eq!(t.spans.last().unwrap().status, Status::Open);
    c.statuses.push((t0 + 4 * 3600, Status::Closed));
    let t = c.timing(&Clock::default()).unwrap();
    assert_eq!(t.resolved, Some((t0 + 4 * 3600, 4 * 3600)));
    assert_eq!(t.spans.len(), 4);
    // Pending then a customer message is not a reopen (it was never closed).
    let mut p = case("p", &[], vec![t0, t0 + 7200], vec![reply(t0 + 600, "ana")]);
    p.statuses = vec![(t0 + 3600, Status::Pending)];
    let t = p.timing(&Clock::default()).unwrap();
    assert!(!t.reopened);
    assert_eq!(t.spans.last().unwrap().status, Status::Open);
    assert_eq!(t.waiting_since, Some(t0 + 7200));
}

#[test]
fn quantiles_are_nearest_rank() {
    let v: Vec<i64> = (1..=10).collect();
    assert_eq!(quantile(&v, 0.5), Some(5));
    assert_eq!(quantile(&v, 0.9), Some(9));
    assert_eq!(quantile(&[7], 0.9), Some(7));
    assert_eq!(quantile(&[], 0.5), None);
    assert_eq!(human(3 * 3600 + 20 * 60), "3h 20m");
    assert_eq!(human(2 * 86_400 + 4 * 3600), "2d 4h");
    assert_eq!(human(-1500), "-25m");
}

/// A week of a small team: the numbers are worked out by hand below.
fn week() -> Vec<Case> {
    let mon = |h, m| at(2026, 11, 30, h, m);
    let tue = |h, m| at(2026, 12, 1, h, m);
    let mut a = case(
        "a",
        &["billing"],
        vec![mon(9, 0)],
        vec![reply(mon(9, 30), "ana")],
    );
    a.statuses = vec![(mon(10, 0), Status::Closed)];
    a.assignee = Some("ana".into());
    let mut b = case(
        "b",
        &["billing", "urgent"],
        vec![mon(11, 0)],
        vec![reply(mon(13, 0), "ana")],
    );
    // Reassigned to lee, who closes it.
    b.assignee = Some("lee".into());
    b.statuses = vec![(tue(11, 0), Status::Closed)];
    let mut c = case(
        "c",
        &["bug"],
        vec![tue(9, 0), tue(15, 0)],
        vec![reply(tue(10, 0), "lee")],
    );
    c.statuses = vec![(tue(12, 0), Status::Closed)];
    let mut d = case("d", &[], vec![tue(14, 0)], vec![]);
    d.statuses = vec![(tue(16, 0), Status::Pending)];
    vec![a, b, c, d]
}

fn week_report(label: Option<&str>, now: i64) -> Report {
    let range = Range {
        since: at(2026, 11, 30, 0, 0),
        until: at(2026, 12, 2, 0, 0),
    };
    let rules = SlaRules {
        default: Targets {
            first_response: Some(3600),
            next_response: None,
            resolution: Some(2 * 86_400),
        },
        label: Default::default(),
    };
    report(
        &week(),
        range,
        Berlin,
        &Clock::default(),
        &rules,
        label,
        now,
    )
}

#[test]
fn the_report_of_a_known_week() {
    let r = week_report(None, at(2026, 12, 2, 0, 0));
    let t = &r.totals;
    assert_eq!((t.new, t.replied, t.resolved, t.reopened), (4, 3, 2, 1));
    // Closed at least once: a, b, c; c was reopened.
    assert_eq!(t.reopen_rate_pct, Some(33));
    // First responses: 30m, 2h, 1h.
    assert_eq!(t.first_response.median, Some(3600));
    assert_eq!(t.first_response.p90, Some(7200));
    // Resolutions: a 1h, b 24h.
    assert_eq!(t.resolution.count, 2);
    assert_eq!(t.resolution.median, Some(3600));
    assert_eq!(t.resolution.p90, Some(86_400));
    // Monday: a and b new; at its end b open. Tuesday: c and d new; at its
    // end c open again (the customer wrote at 15:00), d pending.
    assert_eq!(r.days.len(), 2);
    assert_eq!(
        (r.days[0].new, r.days[0].open, r.days[0].pending),
        (2, 1, 0)
    );
    assert_eq!(
        (r.days[1].new, r.days[1].open, r.days[1].pending),
        (2, 1, 1)
    );
    // By label: billing 2, then bug, urgent, (no label).
    let keys: Vec<_> = r
        .by_label
        .iter()
        .map(|g| (g.key.as_str(), g.conversations))
        .collect();
    assert_eq!(
        keys,
        [("billing", 2), ("(no label)", 1), ("bug", 1), ("urgent", 1)]
    );
    // By agent: ana answered a and b first; lee resolved b (reassigned).
    let ana = r.by_agent.iter().find(|g| g.key == "ana").unwrap();
    assert_eq!(
        (ana.conversations, ana.first_response.median),
        (2, Some(1800))
    );
    assert_eq!(ana.resolution.count, 1);
    let lee = r.by_agent.iter().find(|g| g.key == "lee").unwrap();
    assert_eq!(lee.resolution.median, Some(86_400));
    assert_eq!(r.by_week.len(), 1);
    assert_eq!(r.by_week[0].key, "2026-11-30");
    // Busiest: Monday 9, 11 and Tuesday 9, 14, 15.
    assert_eq!(r.busiest[0][9] + r.busiest[0][11], 2);
    assert_eq!(r.busiest[1][9] + r.busiest[1][14] + r.busiest[1][15], 3);
    // b missed its first response (2h > 1h); d never got one, but it is
    // pending: the clock stops while the team waits for the customer.
    let breached: Vec<_> = r
        .sla
        .iter()
        .filter(|s| s.breached)
        .map(|s| s.id.as_str())
        .collect();
    assert!(
        breached.contains(&"b") && !breached.contains(&"d"),
        "{:?}",
        r.sla
    );
    assert_eq!(t.breached, r.sla.iter().filter(|s| s.breached).count());
    // The label filter keeps only billing's conversations.
    let r = week_report(Some("billing"), at(2026, 12, 2, 0, 0));
    assert_eq!(r.totals.new, 2);
    assert_eq!(r.totals.reopened, 0);
}

#[test]
fn sla_at_risk_then_breached_in_business_hours() {
    let rules = SlaRules {
        default: Targets {
            first_response: Some(4 * 3600),
            ..Targets::default()
        },
        label: [(
            "urgent".to_string(),
            Targets {
                first_response: Some(3600),
                ..Targets::default()
            },
        )]
        .into(),
    };
    let clock = business();
    // Friday 16:00: one business hour that day, three on Monday → due Monday 12:00.
    let c = case("s", &[], vec![at(2026, 11, 27, 16, 0)], vec![]);
    let t = c.timing(&clock).unwrap();
    let (kind, due) = next_due(&c, &t, &rules, &clock).unwrap();
    assert_eq!(
        (kind, due),
        (SlaKind::FirstResponse, at(2026, 11, 30, 12, 0))
    );
    assert!(check(&c, &t, &rules, &clock, at(2026, 11, 30, 10, 0)).is_empty());
    let risk = check(&c, &t, &rules, &clock, at(2026, 11, 30, 11, 0));
    assert_eq!(risk.len(), 1);
    assert!(!risk[0].breached);
    assert_eq!(risk[0].left, 3600);
    let late = check(&c, &t, &rules, &clock, at(2026, 11, 30, 12, 30));
    assert!(late[0].breached);
    assert_eq!(late[0].left, -1800);
    // With the urgent label the shortest target counts: due Friday 17:00.
    let mut u = c.clone();
    u.labels = vec!["urgent".into(), "billing".into()];
    let (_, due) = next_due(&u, &u.timing(&clock).unwrap(), &rules, &clock).unwrap();
    assert_eq!(due, at(2026, 11, 27, 17, 0));
    // Answered in time: nothing to report, ever.
    let ok = case(
        "o",
        &[],
        vec![at(2026, 11, 27, 16, 0)],
        vec![reply(at(2026, 11, 30, 9, 5), "ana")],
    );
    let t = ok.timing(&clock).unwrap();
    assert!(check(&ok, &t, &rules, &clock, at(2026, 12, 30, 0, 0)).is_empty());
}

#[test]
fn a_conversation_without_messages_has_no_figures() {
    assert_eq!(Case::default().timing(&Clock::default()), None);
}

#[test]
fn date_bounds() {
    let now = at(2026, 12, 4, 15, 0);
    assert_eq!(
        parse_bound("2026-11-01", Berlin, now, false),
        Ok(at(2026, 11, 1, 0, 0))
    );
    assert_eq!(
        parse_bound("2026-11-01", Berlin, now, true),
        Ok(at(2026, 11, 2, 0, 0))
    );
    assert_eq!(
        parse_bound("7d", Berlin, now, false),
        Ok(at(2026, 11, 27, 0, 0))
    );
    assert_eq!(
        parse_bound("1w", Berlin, now, false),
        Ok(at(2026, 11, 27, 0, 0))
    );
    assert_eq!(
        parse_bound("today", Berlin, now, true),
        Ok(at(2026, 12, 5, 0, 0))
    );
    for bad in [
        "",
        "yesterday-ish",
        "-3d",
        "99999999d",
        "2026-13-01",
        "d",
        "ß",
    ] {
        assert!(parse_bound(bad, Berlin, now, false).is_err(), "{bad}");
    }
}

proptest! {
    #[test]
    fn any_date_bound_input_is_an_answer_or_an_error(s in "\\PC{0,12}", end: bool) {
        let _ = parse_bound(&s, Berlin, 1_800_000_000, end);
    }

    #[test]
    fn business_time_is_consistent(from in 1_700_000_000i64..1_900_000_000, len in 0i64..40 * 86_400, add in 0i64..20 * 8 * 3600) {
        let h = berlin_hours();
        let s = h.seconds_between(from, from + len);
        prop_assert!(s >= 0 && s <= len);
        let due = h.add_seconds(from, add);
        prop_assert!(due >= from);
        prop_assert_eq!(h.seconds_between(from, due), add);
    }

    #[test]
    fn any_history_folds(customer in proptest::collection::vec(0i64..1_000_000, 0..8),
                         replies in proptest::collection::vec(0i64..1_000_000, 0..8),
                         statuses in proptest::collection::vec((0i64..1_000_000, 0usize..4), 0..8)) {
        let mut customer = customer;
        customer.sort();
        let mut replies: Vec<Reply> = replies.into_iter().map(|t| reply(t, "a")).collect();
        replies.sort_by_key(|r| r.at);
        let c = Case {
            customer,
            replies,
            statuses: statuses.into_iter().map(|(t, s)| (t, Status::ALL[s])).collect(),
            ..Case::default()
        };
        if let Some(t) = c.timing(&business()) {
            for w in t.spans.windows(2) {
                prop_assert!(w[0].from <= w[1].from);
                prop_assert_ne!(w[0].status, w[1].status);
            }
        }
        let r = report(&[c], Range { since: 0, until: 1_000_000 }, Berlin, &Clock::default(), &SlaRules::default(), None, 1_000_000);
        prop_assert!(r.totals.new <= 1);
    }
}
