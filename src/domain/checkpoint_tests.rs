use super::*;
use crate::domain::roster::{Member, Role, Roster};

fn roster(members: &[(&str, &str, bool)]) -> Trust {
    let mut r = Roster::default();
    for (email, key, active) in members {
        r.members.insert(
            email.to_string(),
            Member {
                email: email.to_string(),
                name: email.to_string(),
                handle: email.to_string(),
                role: Role::Admin,
                active: *active,
                key: Some(key.to_string()),
                invite: None,
            },
        );
    }
    Trust {
        roster: Some(r),
        policy: None,
    }
}

fn manifest(agent: &str, from: u32, to: u32, trust: Trust) -> Manifest {
    Manifest {
        agent: agent.into(),
        at: 0,
        log_uidvalidity: 7,
        from,
        to,
        entries: to - from,
        archive_sha256: String::new(),
        trust,
        snapshot_sha256: None,
    }
}

fn signed(key: &str) -> Proof {
    Proof {
        team_key: true,
        signed_by: Some(key.into()),
    }
}

fn team_key() -> Proof {
    Proof {
        team_key: true,
        signed_by: None,
    }
}

#[test]
fn links_follow_each_other_and_the_first_for_a_place_wins() {
    let t = roster(&[("ana", "ka", true)]);
    let found: Vec<Found> = vec![
        (3, Ok((manifest("ana", 100, 200, t.clone()), signed("ka")))),
        (1, Ok((manifest("ana", 0, 100, t.clone()), signed("ka")))),
        // Written at the same time for the same place: the first wins.
        (4, Ok((manifest("ana", 100, 150, t.clone()), signed("ka")))),
        (2, Err("no manifest".into())),
        // Out of order: a range already covered, and a gap.
        (5, Ok((manifest("ana", 0, 250, t.clone()), signed("ka")))),
        (6, Ok((manifest("ana", 210, 300, t.clone()), signed("ka")))),
        (7, Ok((manifest("ana", 200, 300, t.clone()), signed("ka")))),
    ];
    let c = chain(&found, 7);
    let uids: Vec<u32> = c.links.iter().map(|(u, _)| *u).collect();
    assert_eq!(uids, [1, 3, 7]);
    assert_eq!(c.end(), 300);
    let ignored: Vec<u32> = c.ignored.iter().map(|(u, _)| *u).collect();
    assert_eq!(ignored, [2, 4, 5, 6]);
    assert!(c.ignored[1].1.contains("out of order"), "{:?}", c.ignored);
    assert_eq!(c.from(100).len(), 2);
    assert_eq!(c.from(0).len(), 3);
    assert!(c.from(150).is_empty(), "no link begins there");
}

#[test]
fn a_forged_or_foreign_checkpoint_is_ignored() {
    let t = roster(&[("ana", "ka", true), ("eve", "ke", false)]);
    let cases: Vec<(Proof, &str, u32, &str)> = vec![
        // Signed by a key that is not the writer's.
        (signed("kx"), "ana", 7, "not signed"),
        // A removed member's own key.
        (signed("ke"), "eve", 7, "removed"),
        // Someone not on the roster.
        (signed("ko"), "otto", 7, "roster"),
        // For a log whose UIDVALIDITY changed since.
        (signed("ka"), "ana", 8, "another log"),
    ];
    for (proof, agent, validity, why) in cases {
        let first = (1, Ok((manifest("ana", 0, 10, t.clone()), signed("ka"))));
        let mut m = manifest(agent, 10, 20, t.clone());
        m.log_uidvalidity = validity;
        let c = chain(&[first, (2, Ok((m, proof)))], 7);
        assert_eq!(c.links.len(), 1, "{why}");
        assert!(c.ignored[0].1.contains(why), "{why}: {:?}", c.ignored);
    }
    // Before the roster the team key vouches; without it nothing does.
    let c = chain(
        &[(
            1,
            Ok((manifest("ana", 0, 10, Trust::default()), team_key())),
        )],
        7,
    );
    assert_eq!(c.links.len(), 1);
    let bare = Proof::default();
    let c = chain(
        &[(1, Ok((manifest("ana", 0, 10, Trust::default()), bare)))],
        7,
    );
    assert!(c.links.is_empty());
    // A writer on the roster at `from` but removed within the range.
    let removed = roster(&[("ana", "ka", false)]);
    let c = chain(
        &[
            (1, Ok((manifest("ana", 0, 10, t.clone()), signed("ka")))),
            (2, Ok((manifest("ana", 10, 20, removed), signed("ka")))),
        ],
        7,
    );
    assert_eq!(c.links.len(), 1);
}

#[test]
fn replaying_admitted_roster_events_gives_the_trust_admit_gave() {
    use crate::domain::events::EventKind;
    use crate::domain::roster::Change;
    let ev = |agent: &str, change: Change| Event {
        id: format!("{agent}{change:?}"),
        conversation: crate::domain::events::TEAM.into(),
        agent: agent.into(),
        at: 0,
        kind: EventKind::Roster { change },
    };
    let init = ev(
        "ana@x",
        Change::Init {
            name: "Ana".into(),
            handle: "ana".into(),
            key: "ka".into(),
        },
    );
    let add = ev(
        "ana@x",
        Change::Member {
            email: "bo@x".into(),
            name: "Bo".into(),
            handle: "bo".into(),
            role: Role::Agent,
            invite: None,
            key: Some("kb".into()),
        },
    );
    let remove = ev(
        "ana@x",
        Change::Remove {
            email: "bo@x".into(),
        },
    );
    let mut admitted = Trust::default();
    admitted
        .admit(&init, &signed("ka"), &|_| true)
        .expect("init");
    admitted.admit(&add, &signed("ka"), &|_| true).expect("add");
    admitted
        .admit(&remove, &signed("ka"), &|_| true)
        .expect("remove");
    let mut replayed = Trust::default();
    for e in [&init, &add, &remove] {
        replayed.replay(e);
    }
    assert_eq!(replayed, admitted);
    assert!(replayed.vouches("bo@x", &signed("kb")).is_err());
    assert!(replayed.vouches("ana@x", &signed("ka")).is_ok());
}
