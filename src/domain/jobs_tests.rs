use super::*;

fn ev(agent: &str, at: i64, kind: EventKind) -> Event {
    Event {
        id: format!("{agent}-{at}-{}", kind.name()),
        conversation: "c1".into(),
        agent: agent.into(),
        at,
        kind,
    }
}

fn claim(job: &str, runner: &str, what: What, to: &str) -> EventKind {
    EventKind::JobClaim {
        job: job.into(),
        runner: runner.into(),
        what,
        to: Some(to.into()),
    }
}

fn done(job: &str, runner: &str, outcome: JobOutcome) -> EventKind {
    EventKind::JobDone {
        job: job.into(),
        runner: runner.into(),
        outcome,
    }
}

fn sent() -> JobOutcome {
    JobOutcome::Sent {
        message_id: "m@x".into(),
    }
}

fn fold_all(events: &[Event]) -> BTreeMap<String, Job> {
    fold(events.iter().map(|e| (true, e)), &Rules::default())
}

#[test]
fn the_first_counted_claim_owns_the_job_and_only_its_owner_finishes_it() {
    let log = vec![
        ev(
            "ana@x",
            10,
            claim("ack-c1", "ana/a", What::Acknowledge, "kim@c"),
        ),
        ev(
            "lee@x",
            9,
            claim("ack-c1", "lee/b", What::Acknowledge, "kim@c"),
        ),
        ev("lee@x", 11, done("ack-c1", "lee/b", sent())),
    ];
    let j = &fold_all(&log)["ack-c1"];
    assert_eq!(j.owner.as_ref().unwrap().runner, "ana/a");
    assert_eq!(j.claims.len(), 2);
    // Lee's result is not his to give.
    assert_eq!(j.state(), State::Running);
    assert!(j.owned_by("ana/a") && !j.owned_by("lee/b"));
    assert!(!j.claimable_by("ana/a"));
    let mut log = log;
    log.push(ev("ana@x", 12, done("ack-c1", "ana/a", sent())));
    assert_eq!(fold_all(&log)["ack-c1"].state(), State::Done);
}

#[test]
fn a_claim_not_yet_in_the_log_owns_nothing() {
    let e = ev(
        "ana@x",
        10,
        claim("ack-c1", "ana/a", What::Acknowledge, "kim@c"),
    );
    let jobs = fold([(false, &e)], &Rules::default());
    let j = &jobs["ack-c1"];
    assert_eq!(j.owner, None);
    assert_eq!(j.state(), State::Pending);
    // But the runner does not claim it twice.
    assert!(!j.claimable_by("ana/a"));
    assert!(j.claimable_by("lee/b"));
}

fn update(due: i64) -> EventKind {
    EventKind::Job {
        job: "j1".into(),
        spec: JobSpec::Update {
            due,
            subject: "Re: x".into(),
            body: "still on it".into(),
        },
    }
}

#[test]
fn rescheduling_counts_until_owned_and_a_cancel_stops_it() {
    let log = vec![ev("ana@x", 1, update(100)), ev("ana@x", 2, update(200))];
    assert_eq!(fold_all(&log)["j1"].due, Some(200));
    let mut log = log;
    log.push(ev(
        "lee@x",
        3,
        EventKind::JobCancel {
            job: "j1".into(),
            reason: "customer called".into(),
        },
    ));
    let j = &fold_all(&log)["j1"];
    assert_eq!(j.state(), State::Cancelled);
    assert!(!j.claimable_by("x"));
    // A claim after the cancel owns nothing.
    log.push(ev("ana@x", 4, claim("j1", "ana/a", What::Update, "kim@c")));
    assert_eq!(fold_all(&log)["j1"].owner, None);
}

#[test]
fn one_acknowledgement_per_sender_within_the_window() {
    let day = 86_400;
    let log = vec![
        ev(
            "ana@x",
            0,
            claim("ack-c1", "ana/a", What::Acknowledge, "kim@c"),
        ),
        ev(
            "lee@x",
            3 * day,
            claim("ack-c2", "lee/b", What::Acknowledge, "KIM@c"),
        ),
        ev(
            "lee@x",
            8 * day,
            claim("ack-c3", "lee/b", What::Acknowledge, "kim@c"),
        ),
    ];
    let jobs = fold_all(&log);
    assert!(jobs["ack-c1"].owner.is_some());
    assert_eq!(jobs["ack-c2"].owner, None);
    assert_eq!(jobs["ack-c2"].state(), State::Skipped);
    assert!(
        jobs["ack-c2"]
            .held_back
            .as_ref()
            .unwrap()
            .contains("acknowledged")
    );
    assert!(jobs["ack-c3"].owner.is_some());
}

#[test]
fn an_acknowledgement_that_sent_nothing_does_not_count() {
    let log = vec![
        ev(
            "ana@x",
            0,
            claim("ack-c1", "ana/a", What::Acknowledge, "kim@c"),
        ),
        ev(
            "ana@x",
            1,
            done(
                "ack-c1",
                "ana/a",
                JobOutcome::Skipped {
                    reason: "an agent answered".into(),
                },
            ),
        ),
        ev(
            "lee@x",
            5,
            claim("ack-c2", "lee/b", What::Acknowledge, "kim@c"),
        ),
    ];
    assert!(fold_all(&log)["ack-c2"].owner.is_some());
}

#[test]
fn the_daily_cap_holds_back_and_alerts() {
    let rules = Rules {
        ack_once_per: 0,
        daily_cap: 2,
    };
    let log: Vec<Event> = (0..4)
        .map(|i| {
            ev(
                "ana@x",
                i * 60,
                claim(&format!("j{i}"), "ana/a", What::Update, "kim@c"),
            )
        })
        .collect();
    let jobs = fold(log.iter().map(|e| (true, e)), &rules);
    assert!(jobs["j0"].owner.is_some() && jobs["j1"].owner.is_some());
    assert!(jobs["j2"].alert && jobs["j2"].owner.is_none());
    assert!(jobs["j3"].alert);
    // Replies agents scheduled are not automatic: no cap.
    let sends: Vec<Event> = (0..4)
        .map(|i| {
            ev(
                "ana@x",
                i,
                claim(&format!("s{i}"), "ana/a", What::Send, "kim@c"),
            )
        })
        .collect();
    let jobs = fold(sends.iter().map(|e| (true, e)), &rules);
    assert!(jobs.values().all(|j| j.owner.is_some()));
}

proptest::proptest! {
    /// Whatever the order of claims by several runners, each job has at
    /// most one owner, the first counted claim that was not held back, and
    /// every client folding the same log agrees.
    #[test]
    fn one_owner_per_job(order in proptest::collection::vec((0usize..5, 0usize..3, proptest::bool::ANY), 1..60)) {
        let runners = ["r0", "r1", "r2"];
        let log: Vec<(bool, Event)> = order.iter().enumerate().map(|(i, (job, r, counted))| {
            (*counted, ev("ana@x", i as i64, claim(&format!("j{job}"), runners[*r], What::Send, "kim@c")))
        }).collect();
        let a = fold(log.iter().map(|(c, e)| (*c, e)), &Rules::default());
        let b = fold(log.iter().map(|(c, e)| (*c, e)), &Rules::default());
        proptest::prop_assert_eq!(&a, &b);
        for (id, j) in &a {
            let first = log.iter().find(|(c, e)| *c && e.kind.job() == Some(id.as_str()));
            match first {
                Some((_, e)) => {
                    let EventKind::JobClaim { runner, .. } = &e.kind else { unreachable!() };
                    proptest::prop_assert_eq!(&j.owner.as_ref().unwrap().runner, runner);
                }
                None => proptest::prop_assert!(j.owner.is_none()),
            }
        }
    }
}
