//! A ballot is acknowledged only once it is durable: kill the server with
//! SIGKILL while ballots are in flight, start it again, and every
//! acknowledged ballot is there and none is counted twice.

use std::time::Duration;

use nghitruong_store::{CouncilFilter, SqlStore, Store, StoreOptions};

use crate::helpers::{csrf_in, opened_demo_session, signed_in_at, start_binary};

#[tokio::test]
async fn acknowledged_ballots_survive_a_sigkill_and_none_is_counted_twice() {
    let dir = nghitruong_testkit::temp_dir();
    let (mut server, base) = start_binary(dir.path(), &["--demo"], &[]);
    #[cfg(target_os = "linux")]
    {
        // The server turned transparent huge pages off for itself (main.rs).
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.id())).unwrap();
        assert!(
            status
                .lines()
                .any(|l| l.split_whitespace().eq(["THP_enabled:", "0"])),
            "{status}"
        );
    }

    let mut chair = signed_in_at(&base, "chutich").await;
    let page = opened_demo_session(&mut chair).await;
    let mut voters = Vec::new();
    for name in ["daibieu", "daibieu2", "daibieu3", "chutich"] {
        let mut c = signed_in_at(&base, name).await;
        c.get(&page).await;
        assert_eq!(c.post(&format!("{page}/diem-danh"), &[]).await.status, 303);
        c.get(&page).await;
        voters.push(c);
    }
    let body = chair.get(&page).await.body;
    let start_marker = "/chuong-trinh/";
    let vote_item: i64 = body
        .match_indices(start_marker)
        .filter_map(|(i, _)| {
            body[i + start_marker.len()..]
                .split('/')
                .next()?
                .parse()
                .ok()
        })
        .nth(7)
        .unwrap();
    chair
        .post(&format!("{page}/chuong-trinh/{vote_item}/bat-dau"), &[])
        .await;
    let opened = chair
        .post(
            &format!("{page}/chuong-trinh/{vote_item}/bieu-quyet"),
            &[("mode", "bo_phieu_kin"), ("seconds", "")],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let round_page = chair.get(&page).await.body;
    let round: i64 = {
        let m = "/bieu-quyet/";
        let i = round_page.find(m).unwrap() + m.len();
        round_page[i..].split('/').next().unwrap().parse().unwrap()
    };

    // Every deputy sends a ballot at once; the server dies while they are in flight.
    let mut flights = Vec::new();
    for c in voters {
        let path = format!("{page}/bieu-quyet/{round}/phieu");
        flights.push(tokio::spawn(async move {
            let form =
                serde_urlencoded::to_string([("_csrf", c.csrf.as_str()), ("choice", "tan_thanh")])
                    .unwrap();
            let sent = c
                .http
                .post(format!("{}{path}", c.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            matches!(sent, Ok(r) if r.status() == 303)
        }));
    }
    tokio::time::sleep(Duration::from_millis(15)).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let mut acknowledged = 0;
    for f in flights {
        acknowledged += u32::from(f.await.unwrap());
    }

    // Start again on the same data and read what was kept.
    let (mut server, base) = start_binary(dir.path(), &["--demo"], &[]);
    let url = nghitruong_store::sqlite_url(&dir.path().join("nghitruong.db"));
    let store = SqlStore::open(&StoreOptions {
        url,
        schema: None,
        max_connections: 1,
        read_only: true,
    })
    .await
    .unwrap();
    let kept = store.round(round).await.unwrap();
    let voters_kept = u32::try_from(store.round_voters(round).await.unwrap().len()).unwrap();
    assert!(
        voters_kept >= acknowledged,
        "{acknowledged} acknowledged, {voters_kept} kept"
    );
    assert_eq!(
        kept.counts.total(),
        voters_kept,
        "every counted ballot has one voter and no more"
    );
    assert!(voters_kept <= 4);
    let (_, total) = store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 131, "the restart did not seed the demo again");
    let mut chair = signed_in_at(&base, "chutich").await;
    assert_eq!(chair.get(&page).await.status, 200);
    assert!(csrf_in(&chair.get(&page).await.body).is_some());
    server.kill().unwrap();
    server.wait().unwrap();
}
