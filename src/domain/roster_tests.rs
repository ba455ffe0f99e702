use super::*;
use crate::domain::Status;
use crate::domain::events::{Event, EventKind};

fn ev(agent: &str, kind: EventKind) -> Event {
    Event {
        id: format!("{agent}-{}", kind.name()),
        conversation: "c1".into(),
        agent: agent.into(),
        at: 0,
        kind,
    }
}

fn signed(key: &str) -> Proof {
    Proof {
        team_key: true,
        signed_by: Some(key.into()),
    }
}

const ANY: &dyn Fn(&str) -> bool = &|_| true;

fn init(agent: &str, key: &str) -> Event {
    ev(
        agent,
        EventKind::Roster {
            change: Change::Init {
                name: "Ana".into(),
                handle: "ana".into(),
                key: key.into(),
            },
        },
    )
}

fn member(email: &str, role: Role, invite: Option<&str>, key: Option<&str>) -> EventKind {
    EventKind::Roster {
        change: Change::Member {
            email: email.into(),
            name: email.into(),
            handle: email.split('@').next().unwrap().into(),
            role,
            invite: invite.map(code_hash),
            key: key.map(str::to_string),
        },
    }
}

/// Ana is the first admin (key "ka"); Lee an agent with key "kl".
fn team() -> Trust {
    let mut t = Trust::default();
    t.admit(&init("ana@x", "ka"), &signed("ka"), ANY).unwrap();
    t.admit(
        &ev("ana@x", member("lee@x", Role::Agent, None, Some("kl"))),
        &signed("ka"),
        ANY,
    )
    .unwrap();
    t
}

/// One event of every kind an agent writes about a conversation (the
/// roster and policy kinds have tests of their own below).
fn every_conversation_kind() -> Vec<EventKind> {
    vec![
        EventKind::Assign {
            to: Some("lee@x".into()),
            reassign: false,
        },
        EventKind::Status {
            status: Status::Closed,
            until: None,
        },
        EventKind::Label {
            add: vec!["billing".into()],
            remove: vec![],
        },
        EventKind::Note {
            text: "n".into(),
            mentions: vec![],
        },
        EventKind::Follow { on: true },
        EventKind::Replying { on: true, until: 9 },
        EventKind::DraftSubmitted {
            copy: crate::domain::review::DraftCopy {
                draft: "d".into(),
                revision: 1,
                author: "lee@x".into(),
                reviewer: None,
                to: vec!["c@y".into()],
                cc: vec![],
                subject: "s".into(),
                body: "b".into(),
                message_id: "m@x".into(),
                in_reply_to: None,
                references: vec![],
                hash: "h".into(),
            },
        },
        EventKind::Review {
            draft: "d".into(),
            revision: 1,
            approved: true,
            comment: String::new(),
        },
        EventKind::Template {
            name: "t".into(),
            body: None,
        },
        EventKind::Filed {
            folder: "Archive".into(),
            role: "archive".into(),
        },
        EventKind::Merge { into: "c2".into() },
        EventKind::Split {
            message_id: "m@x".into(),
        },
        EventKind::Sent {
            draft: None,
            message_id: "m@x".into(),
            subject: "s".into(),
        },
        EventKind::Job {
            job: "j".into(),
            spec: crate::domain::jobs::JobSpec::Update {
                due: 1,
                subject: "s".into(),
                body: "b".into(),
            },
        },
        EventKind::JobClaim {
            job: "j".into(),
            runner: "r".into(),
            what: crate::domain::jobs::What::Update,
            to: None,
        },
        EventKind::JobDone {
            job: "j".into(),
            runner: "r".into(),
            outcome: crate::domain::jobs::JobOutcome::Skipped { reason: "x".into() },
        },
        EventKind::JobCancel {
            job: "j".into(),
            reason: "x".into(),
        },
        EventKind::Automation { acknowledge: true },
    ]
}

/// A new event kind does not compile until it is placed here: among the
/// conversation kinds above, or with the roster and policy kinds.
#[test]
fn every_kind_is_covered() {
    for k in every_conversation_kind() {
        match k {
            EventKind::Assign { .. }
            | EventKind::Status { .. }
            | EventKind::Label { .. }
            | EventKind::Note { .. }
            | EventKind::Follow { .. }
            | EventKind::Replying { .. }
            | EventKind::DraftSubmitted { .. }
            | EventKind::Review { .. }
            | EventKind::Template { .. }
            | EventKind::Filed { .. }
            | EventKind::Merge { .. }
            | EventKind::Split { .. }
            | EventKind::Sent { .. }
            | EventKind::Job { .. }
            | EventKind::JobClaim { .. }
            | EventKind::JobDone { .. }
            | EventKind::JobCancel { .. }
            | EventKind::Automation { .. } => {}
            EventKind::Roster { .. } | EventKind::Policy { .. } => {
                panic!("tested on their own")
            }
        }
    }
    assert_eq!(every_conversation_kind().len(), 18);
}

#[test]
fn before_the_roster_the_team_key_decides() {
    let mut t = Trust::default();
    for kind in every_conversation_kind() {
        let e = ev("lee@x", kind);
        assert!(
            t.admit(
                &e,
                &Proof {
                    team_key: true,
                    signed_by: None
                },
                ANY
            )
            .is_ok()
        );
        assert!(t.admit(&e, &Proof::default(), ANY).is_err());
    }
    let e = ev(
        "ana@x",
        EventKind::Policy {
            toml: String::new(),
        },
    );
    assert!(t.admit(&e, &signed("ka"), ANY).is_err(), "no admin yet");
}

#[test]
fn every_kind_needs_its_authors_key_once_the_roster_exists() {
    for kind in every_conversation_kind() {
        let mut t = team();
        let e = ev("lee@x", kind.clone());
        assert!(t.admit(&e, &signed("kl"), ANY).is_ok(), "{kind:?}");
        // Signed by Ana's key in Lee's name: forged.
        let err = t.admit(&e, &signed("ka"), ANY).unwrap_err();
        assert!(err.contains("another key"), "{err}");
        // The shared team key alone no longer counts.
        let err = t
            .admit(
                &e,
                &Proof {
                    team_key: true,
                    signed_by: None,
                },
                ANY,
            )
            .unwrap_err();
        assert!(err.contains("no signature"), "{err}");
        // Someone not on the roster.
        assert!(t.admit(&ev("eve@x", kind), &signed("ke"), ANY).is_err());
    }
}

#[test]
fn the_first_init_wins_and_needs_the_team_key() {
    let mut t = Trust::default();
    let forged = Proof {
        team_key: false,
        signed_by: Some("ke".into()),
    };
    assert!(t.admit(&init("eve@x", "ke"), &forged, ANY).is_err());
    // Signed by another key than the one it names.
    assert!(t.admit(&init("eve@x", "ke"), &signed("kx"), ANY).is_err());
    t.admit(&init("ana@x", "ka"), &signed("ka"), ANY).unwrap();
    let err = t
        .admit(&init("lee@x", "kl"), &signed("kl"), ANY)
        .unwrap_err();
    assert!(err.contains("not on the team"), "{err}");
    assert_eq!(t.roster.unwrap().get("ANA@x").unwrap().role, Role::Admin);
}

#[test]
fn invite_then_join_with_the_code() {
    let mut t = team();
    t.admit(
        &ev(
            "ana@x",
            member("sam@x", Role::Reviewer, Some("code-1"), None),
        ),
        &signed("ka"),
        ANY,
    )
    .unwrap();
    let join = |code: &str| {
        ev(
            "sam@x",
            EventKind::Roster {
                change: Change::Join {
                    key: "ks".into(),
                    code: code.into(),
                },
            },
        )
    };
    assert!(t.admit(&join("guess"), &signed("ks"), ANY).is_err());
    assert!(t.admit(&join("code-1"), &signed("kx"), ANY).is_err());
    // Sam cannot act before joining.
    let note = ev("sam@x", EventKind::Follow { on: true });
    assert!(t.admit(&note, &signed("ks"), ANY).is_err());
    t.admit(&join("code-1"), &signed("ks"), ANY).unwrap();
    assert!(t.admit(&note, &signed("ks"), ANY).is_ok());
    // The code is spent.
    assert!(t.admit(&join("code-1"), &signed("ks"), ANY).is_err());
}

#[test]
fn removal_rejects_later_events_only() {
    let mut t = team();
    let note = ev("lee@x", EventKind::Follow { on: true });
    assert!(t.admit(&note, &signed("kl"), ANY).is_ok());
    let remove = ev(
        "ana@x",
        EventKind::Roster {
            change: Change::Remove {
                email: "lee@x".into(),
            },
        },
    );
    t.admit(&remove, &signed("ka"), ANY).unwrap();
    let err = t.admit(&note, &signed("kl"), ANY).unwrap_err();
    assert!(err.contains("removed"), "{err}");
    // Lee's name stays on the roster, inactive, for the history.
    assert!(!t.roster.as_ref().unwrap().get("lee@x").unwrap().active);
}

#[test]
fn only_admins_change_the_roster_and_the_policy() {
    let mut t = team();
    let promote = ev("lee@x", member("lee@x", Role::Admin, None, None));
    assert!(
        t.admit(&promote, &signed("kl"), ANY)
            .unwrap_err()
            .contains("not an admin")
    );
    let policy = |agent: &str| ev(agent, EventKind::Policy { toml: "x".into() });
    assert!(t.admit(&policy("lee@x"), &signed("kl"), ANY).is_err());
    assert_eq!(t.policy, None);
    // An admin's policy that does not validate is not followed.
    assert!(
        t.admit(&policy("ana@x"), &signed("ka"), &|_| false)
            .is_err()
    );
    t.admit(&policy("ana@x"), &signed("ka"), ANY).unwrap();
    assert_eq!(t.policy.as_ref().unwrap().0, "x");
}

#[test]
fn the_last_admin_stays() {
    let mut t = team();
    let remove = ev(
        "ana@x",
        EventKind::Roster {
            change: Change::Remove {
                email: "ana@x".into(),
            },
        },
    );
    assert!(t.admit(&remove, &signed("ka"), ANY).is_err());
    let demote = ev("ana@x", member("ana@x", Role::Agent, None, None));
    assert!(t.admit(&demote, &signed("ka"), ANY).is_err());
    // With a second admin, the first may step down.
    t.admit(
        &ev("ana@x", member("lee@x", Role::Admin, None, None)),
        &signed("ka"),
        ANY,
    )
    .unwrap();
    assert!(t.admit(&demote, &signed("ka"), ANY).is_ok());
    assert_eq!(
        t.roster.unwrap().get("lee@x").unwrap().key.as_deref(),
        Some("kl")
    );
}

mod interleavings {
    use super::*;
    use proptest::prelude::*;

    /// A log entry: (author index, signing key index, what).
    fn entry() -> impl Strategy<Value = (usize, usize, u8)> {
        (0usize..3, 0usize..4, 0u8..6)
    }

    const AGENTS: [&str; 3] = ["ana@x", "lee@x", "sam@x"];
    const KEYS: [&str; 4] = ["ka", "kl", "ks", "kx"];

    fn event(i: usize, (a, k, what): (usize, usize, u8)) -> (Event, Proof) {
        let agent = AGENTS[a];
        let kind = match what {
            0 => member(
                AGENTS[(a + 1) % 3],
                Role::Agent,
                None,
                Some(KEYS[(a + 1) % 3]),
            ),
            1 => EventKind::Roster {
                change: Change::Remove {
                    email: AGENTS[(a + 2) % 3].into(),
                },
            },
            2 => member(AGENTS[(a + 1) % 3], Role::Admin, None, None),
            3 => EventKind::Policy {
                toml: format!("p{i}"),
            },
            _ => EventKind::Follow { on: true },
        };
        let mut e = ev(agent, kind);
        e.id = format!("e{i}");
        (e, signed(KEYS[k]))
    }

    fn fold(log: &[(Event, Proof)]) -> (Vec<String>, Trust) {
        let mut t = Trust::default();
        let accepted = log
            .iter()
            .filter(|(e, p)| t.admit(e, p, ANY).is_ok())
            .map(|(e, _)| e.id.clone())
            .collect();
        (accepted, t)
    }

    proptest! {
        /// Every client folds the log in UID order: any interleaving of
        /// roster changes and events, folded twice (two clients, or a
        /// client and a rebuilt cache) or resumed from the state saved
        /// half-way (an incremental sync), admits the same events.
        #[test]
        fn every_client_admits_the_same_events(
            entries in proptest::collection::vec(entry(), 0..40),
            cut in 0usize..40,
        ) {
            let mut log = vec![(init("ana@x", "ka"), signed("ka"))];
            log.extend(entries.into_iter().enumerate().map(|(i, x)| event(i, x)));
            let (a, ta) = fold(&log);
            let (b, tb) = fold(&log);
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(&ta, &tb);
            // Resumed: the trust saved after `cut` entries (as JSON, as the
            // cache keeps it), then the rest.
            let cut = cut.min(log.len());
            let (mut first, t) = fold(&log[..cut]);
            let mut t: Trust = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
            first.extend(
                log[cut..]
                    .iter()
                    .filter(|(e, p)| t.admit(e, p, ANY).is_ok())
                    .map(|(e, _)| e.id.clone()),
            );
            prop_assert_eq!(&a, &first);
            prop_assert_eq!(&ta, &t);
            // The team always keeps an admin.
            prop_assert!(ta.roster.unwrap().active_admins() >= 1);
        }

        /// A checkpoint's writer keeps no proofs: replaying the admitted
        /// events alone gives the trust `admit` gave, at every place.
        #[test]
        fn replaying_admitted_events_gives_the_same_trust(
            entries in proptest::collection::vec(entry(), 0..40),
        ) {
            let mut log = vec![(init("ana@x", "ka"), signed("ka"))];
            log.extend(entries.into_iter().enumerate().map(|(i, x)| event(i, x)));
            let (mut admitted, mut replayed) = (Trust::default(), Trust::default());
            for (e, p) in &log {
                if admitted.admit(e, p, ANY).is_ok() {
                    replayed.replay(e);
                }
                prop_assert_eq!(&replayed, &admitted);
            }
        }
    }
}
