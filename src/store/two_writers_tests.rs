//! Two connections to one cache, as the UI and the sync worker have: a
//! transaction that reads before it writes must wait for the other writer,
//! not fail with "database is locked".

use super::Store;

#[test]
fn a_read_then_write_transaction_waits_for_the_other_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let mut worker = Store::open(&path).unwrap();
    worker
        .transaction(|tx| {
            tx.execute_batch("CREATE TABLE probe(n INTEGER)")?;
            Ok(())
        })
        .unwrap();
    let ui_path = path.clone();
    let ui = std::thread::spawn(move || {
        let mut ui = Store::open(&ui_path).unwrap();
        for _ in 0..300 {
            // Like a draft save: a short write of its own.
            ui.transaction(|tx| {
                tx.execute("INSERT INTO probe VALUES (1)", [])?;
                Ok(())
            })
            .unwrap();
        }
    });
    let mut failures = Vec::new();
    for _ in 0..300 {
        // Like a sync batch: read what is there, then write from it.
        let r = worker.transaction(|tx| {
            let n: i64 = tx.query_row("SELECT count(*) FROM probe", [], |r| r.get(0))?;
            std::thread::yield_now();
            tx.execute("INSERT INTO probe VALUES (?1)", [n])?;
            Ok(())
        });
        if let Err(e) = r {
            failures.push(format!("{e:#}"));
        }
    }
    ui.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        failures.first()
    );
}
