//! Two nodes serving one province (scaled out): a change made through one
//! reaches the screens connected to the other, relayed over NATS.

use crate::helpers::{event_stream, opened_demo_session, signed_in_at, start_binary, stream_text};

/// The NATS server the nodes relay through: the machine's own, on
/// loopback, unless `NGHITRUONG_TEST_NATS_URL` names another.
fn nats_url() -> String {
    std::env::var("NGHITRUONG_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

#[tokio::test]
async fn a_check_in_on_one_node_reaches_a_tablet_on_the_other() {
    let (dir_a, dir_b) = (
        nghitruong_testkit::temp_dir(),
        nghitruong_testkit::temp_dir(),
    );
    let url = nats_url();
    // Subjects of this run only.
    let prefix = format!("test.{}", nghitruong_testkit::unique_name("nodes"));
    let database = nghitruong_store::sqlite_url(&dir_a.path().join("nghitruong.db"));
    let relay = [
        ("NGHITRUONG__LIVE__NATS_URL", url.as_str()),
        ("NGHITRUONG__LIVE__NATS_PREFIX", prefix.as_str()),
    ];
    let (mut node_a, a) = start_binary(dir_a.path(), &["--demo"], &relay);
    // The second node shares the first's database, as nodes share one
    // PostgreSQL when scaled out, and has its own folder for the rest.
    let mut envs = relay.to_vec();
    envs.push(("NGHITRUONG__DATABASE__URL", database.as_str()));
    let (mut node_b, b) = start_binary(dir_b.path(), &[], &envs);

    let mut chair = signed_in_at(&a, "chutich").await;
    let page = opened_demo_session(&mut chair).await;

    // A deputy's tablet on node B holds the session's event stream.
    let mut tablet = signed_in_at(&b, "daibieu").await;
    assert_eq!(
        tablet.get(&page).await.status,
        200,
        "node b serves the session"
    );
    let mut stream = event_stream(&tablet, &page).await;
    let seen = stream_text(&mut stream, |seen| seen.contains("ket-noi")).await;
    assert!(seen.contains("ket-noi"), "the stream opened: {seen}");

    // Another deputy checks in through node A.
    let mut deputy = signed_in_at(&a, "daibieu2").await;
    deputy.get(&page).await;
    let checked = deputy.post(&format!("{page}/diem-danh"), &[]).await;
    assert_eq!(checked.status, 303, "{}", checked.body);

    let seen = stream_text(&mut stream, |seen| seen.contains("data: diem-danh")).await;
    assert!(
        seen.contains("event: update\ndata: diem-danh"),
        "the tablet on node b was told of the check-in on node a:\n{seen}"
    );
    // And what it then fetches from node B shows it.
    let fragment = tablet.get(&format!("{page}/truc-tiep")).await;
    assert_eq!(fragment.status, 200);

    let _ = node_a.kill();
    let _ = node_b.kill();
    let _ = node_a.wait();
    let _ = node_b.wait();
}
