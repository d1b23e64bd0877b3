//! Online meeting rooms over their WebSocket, as the chair's and a remote
//! deputy's pages speak to them: the session's floor opens and closes the
//! deputy's microphone, a started meeting cannot be called off, and an
//! ended meeting's room is released and tells late comers so. In LiveKit
//! mode the admission carries the LiveKit token and the page may reach that
//! server.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use nghitruong_domain::meeting::{InviteRole, MeetingKind};
use nghitruong_meet::livekit::LiveKitConfig;
use nghitruong_store::{
    AuditContext, CouncilFilter, Invitee, MeetingStore, NewMeeting, NotificationStore, Store,
};
use nghitruong_testkit::T0;
use nghitruong_web::meet::{MeetEngine, MeetService};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::helpers::{Client, PASSWORD, TestApp, spawn_app_full, spawn_app_with, user};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The app, with a handle on its rooms.
async fn app() -> (TestApp, Arc<MeetService>) {
    let mut meet = None;
    let app = spawn_app_with(|state, _| meet = Some(state.meet.clone())).await;
    (app, meet.unwrap())
}

/// A meeting of `kind` for the demo session (or none), with `daibieu`
/// invited to take part. Returns (meeting, session).
async fn meeting(app: &TestApp, kind: MeetingKind, linked: bool) -> (i64, i64) {
    let (found, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let council = found[0].council.id;
    let session = app.store.council_sessions(council).await.unwrap()[0].id;
    let ctx = AuditContext::system(T0);
    let m = app
        .store
        .create_meeting(
            &NewMeeting {
                council_id: council,
                title: "Điểm cầu trực tuyến".into(),
                kind,
                session_id: linked.then_some(session),
                starts_at: T0,
            },
            &ctx,
        )
        .await
        .unwrap();
    let deputy = user(&app.store, "daibieu").await;
    app.store
        .invite(
            m.id,
            &Invitee::Person(deputy.person_id.unwrap()),
            InviteRole::Participant,
            &ctx,
        )
        .await
        .unwrap();
    (m.id, session)
}

/// A signed-in HTTP client and the cookie its WebSocket sends.
async fn signed(app: &TestApp, username: &str) -> (Client, String) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut c = Client {
        http,
        base: app.base.clone(),
        csrf: String::new(),
    };
    assert_eq!(c.sign_in(username, PASSWORD).await.status, 303);
    c.get("/tai-khoan").await;
    let url = app.base.parse().unwrap();
    let cookie = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url).unwrap();
    (c, cookie.to_str().unwrap().to_owned())
}

async fn connect(app: &TestApp, cookie: &str, meeting: i64) -> Socket {
    let url = format!("{}/hop/{meeting}/ws", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// The next message of `kind`, skipping others; `None` if the socket
/// closes or nothing comes within five seconds.
async fn next(ws: &mut Socket, kind: &str) -> Option<Value> {
    next_where(ws, kind, |_| true).await
}

/// The next message of `kind` that `wanted` accepts.
async fn next_where(ws: &mut Socket, kind: &str, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
    let wait = async {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Text(text) = message {
                let v: Value = serde_json::from_str(text.as_str()).unwrap();
                if v["type"] == kind && wanted(&v) {
                    return Some(v);
                }
            }
        }
        None
    };
    tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .ok()
        .flatten()
}

async fn say(ws: &mut Socket, message: Value) {
    ws.send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The chair in the room, then `daibieu` let in from the lobby. Returns
/// both sockets and the deputy's connection id.
async fn chair_and_deputy(app: &TestApp, id: i64) -> (Socket, Socket, u64) {
    let (_, chair_cookie) = signed(app, "chutich").await;
    let mut chair = connect(app, &chair_cookie, id).await;
    assert!(
        next(&mut chair, "admitted").await.is_some(),
        "no lobby for the chair"
    );
    let floor = next(&mut chair, "floor").await.unwrap();
    assert_eq!(floor["silenced"], false, "a moderator is never muted");
    let (_, deputy_cookie) = signed(app, "daibieu").await;
    let mut deputy = connect(app, &deputy_cookie, id).await;
    let hello = next(&mut deputy, "hello").await.unwrap();
    let peer = hello["peer"].as_u64().unwrap();
    say(&mut chair, json!({"type": "admit", "peer": peer})).await;
    assert!(next(&mut deputy, "admitted").await.is_some());
    (chair, deputy, peer)
}

fn me(list: &Value, peer: u64) -> Value {
    list["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["peer"] == peer)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_sessions_floor_opens_a_remote_deputys_microphone_and_its_end_mutes_it_again() {
    let (app, _) = app().await;
    let (id, session) = meeting(&app, MeetingKind::SessionRemote, true).await;
    let page = format!("/ky-hop/{session}");
    let (mut office_chair, _) = signed(&app, "chutich").await;
    office_chair.get(&page).await;
    office_chair
        .post(&format!("{page}/dieu-hanh"), &[("event", "khai_mac")])
        .await;

    let (mut chair, mut deputy, peer) = chair_and_deputy(&app, id).await;
    let entry = next(&mut deputy, "floor").await.unwrap();
    assert_eq!(
        (entry["speaking"].clone(), entry["silenced"].clone()),
        (json!(false), json!(true)),
        "a session's room is moderated: the deputy enters muted"
    );

    // The deputy asks to speak from the room; the chair gives the floor.
    let (mut remote, _) = signed(&app, "daibieu").await;
    remote.get(&page).await;
    let asked = remote
        .post(
            &format!("{page}/phat-bieu"),
            &[("kind", "phat_bieu"), ("topic", "Phát biểu từ điểm cầu")],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let request = app.store.speak_requests(session).await.unwrap()[0].id;
    office_chair.get(&page).await;
    let call = format!("{page}/phat-bieu/{request}/dieu-hanh");
    assert_eq!(
        office_chair.post(&call, &[("event", "moi")]).await.status,
        303
    );
    let given = next(&mut deputy, "floor").await.unwrap();
    assert_eq!(
        (given["speaking"].clone(), given["silenced"].clone()),
        (json!(true), json!(false)),
        "the floor opens the audio"
    );
    // The chair's list shows the speaker (earlier lists are skipped).
    let list = next_where(&mut chair, "participants", |l| {
        me(l, peer)["speaking"] == true
    })
    .await
    .expect("the chair sees the speaker");
    assert_eq!(me(&list, peer)["silenced"], false, "{list}");

    // The room's own floor buttons are not for a session's meeting.
    say(
        &mut chair,
        json!({"type": "floor", "peer": peer, "give": false}),
    )
    .await;
    let refused = next(&mut chair, "error").await.unwrap();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("danh sách đăng ký phát biểu"),
        "{refused}"
    );

    // The speech ends: muted again.
    office_chair.get(&page).await;
    assert_eq!(
        office_chair
            .post(&call, &[("event", "ket_thuc")])
            .await
            .status,
        303
    );
    let ended = next(&mut deputy, "floor").await.unwrap();
    assert_eq!(
        (ended["speaking"].clone(), ended["silenced"].clone()),
        (json!(false), json!(true))
    );
}

#[tokio::test]
async fn in_an_unlinked_meeting_the_chair_gives_the_floor_to_a_raised_hand() {
    let (app, _) = app().await;
    let (id, _) = meeting(&app, MeetingKind::VoterContact, false).await;
    let (mut chair, mut deputy, peer) = chair_and_deputy(&app, id).await;
    assert_eq!(next(&mut deputy, "floor").await.unwrap()["silenced"], true);
    say(&mut deputy, json!({"type": "hand", "up": true})).await;
    say(
        &mut chair,
        json!({"type": "floor", "peer": peer, "give": true}),
    )
    .await;
    let given = next(&mut deputy, "floor").await.unwrap();
    assert_eq!(
        (given["speaking"].clone(), given["silenced"].clone()),
        (json!(true), json!(false))
    );
    say(
        &mut chair,
        json!({"type": "floor", "peer": peer, "give": false}),
    )
    .await;
    let taken = next(&mut deputy, "floor").await.unwrap();
    assert_eq!(
        (taken["speaking"].clone(), taken["silenced"].clone()),
        (json!(false), json!(true))
    );
    // Only a moderator gives the floor.
    say(
        &mut deputy,
        json!({"type": "floor", "peer": peer, "give": true}),
    )
    .await;
    let refused = next(&mut deputy, "error").await.unwrap();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("Chỉ người điều hành")
    );
}

#[tokio::test]
async fn a_started_meeting_cannot_be_called_off() {
    let (app, _) = app().await;
    let (id, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    let (mut office, _) = signed(&app, "vanphong").await;
    let page = format!("/hop/{id}");
    assert!(
        office.get(&page).await.body.contains("Hủy cuộc họp"),
        "offered while scheduled"
    );

    let (_, chair_cookie) = signed(&app, "chutich").await;
    let mut chair = connect(&app, &chair_cookie, id).await;
    assert!(next(&mut chair, "admitted").await.is_some());
    let live = office.get(&page).await.body;
    assert!(live.contains("Đang họp"), "the chair opened it");
    assert!(!live.contains("Hủy cuộc họp"), "not offered once started");
    let refused = office.post(&format!("{page}/huy"), &[]).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains("Không thể hủy cuộc họp khi cuộc họp đang ở trạng thái “Đang họp”"),
        "{}",
        refused.body
    );
    assert_eq!(
        app.store.meeting(id).await.unwrap().status.as_str(),
        "dang_hop"
    );

    say(&mut chair, json!({"type": "end"})).await;
    assert!(next(&mut chair, "ended").await.is_some());
    assert!(
        !office.get(&page).await.body.contains("Hủy cuộc họp"),
        "nor once ended"
    );
    assert_eq!(office.post(&format!("{page}/huy"), &[]).await.status, 400);
    assert_eq!(
        app.store.meeting(id).await.unwrap().status.as_str(),
        "da_ket_thuc"
    );
}

#[tokio::test]
async fn an_ended_meeting_releases_its_room_and_tells_late_comers() {
    let (app, meet) = app().await;
    let (id, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    let (other, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    let (mut chair, mut deputy, _) = chair_and_deputy(&app, id).await;
    let (_, cookie) = signed(&app, "chutich").await;
    let mut elsewhere = connect(&app, &cookie, other).await;
    assert!(next(&mut elsewhere, "admitted").await.is_some());
    assert_eq!(meet.room_count(), 2);

    say(&mut chair, json!({"type": "end"})).await;
    assert!(next(&mut deputy, "ended").await.is_some());
    assert!(next(&mut chair, "ended").await.is_some());
    assert_eq!(meet.room_count(), 1, "the ended room is released");
    assert!(meet.participants(id).is_empty());
    if let Some(Ok(sfu)) = meet.sfu() {
        let stats = sfu.stats().unwrap();
        assert_eq!(stats.peers, 0, "{stats:?}");
        assert_eq!(stats.silenced, 0, "{stats:?}");
    }

    // A page left open reconnects: it is told, and gets no room.
    let (_, deputy_cookie) = signed(&app, "daibieu").await;
    let mut late = connect(&app, &deputy_cookie, id).await;
    assert!(next(&mut late, "ended").await.is_some(), "a clear message");
    assert!(
        next(&mut late, "hello").await.is_none(),
        "then the socket closes"
    );
    assert_eq!(meet.room_count(), 1);

    // A meeting called off tells its lobby the same way.
    let (lobby_meeting, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    let mut waiting = connect(&app, &deputy_cookie, lobby_meeting).await;
    assert!(next(&mut waiting, "hello").await.is_some());
    let (mut office, _) = signed(&app, "vanphong").await;
    office.get(&format!("/hop/{lobby_meeting}")).await;
    let cancelled = office.post(&format!("/hop/{lobby_meeting}/huy"), &[]).await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    assert!(next(&mut waiting, "cancelled").await.is_some());
    let mut after = connect(&app, &deputy_cookie, lobby_meeting).await;
    assert!(next(&mut after, "cancelled").await.is_some());
    assert_eq!(meet.room_count(), 1);
}

/// The app in LiveKit mode, with the LiveKit server at `url` and join
/// tokens lasting `ttl_seconds`.
async fn livekit_app(url: String, ttl_seconds: i64) -> TestApp {
    spawn_app_full(
        move |config| {
            config.meet = MeetEngine::LiveKit(LiveKitConfig {
                url,
                api_key: "APIkhoa".into(),
                api_secret: "bi-mat-du-dai-cho-hmac-sha256-0123456789".into(),
                ttl_seconds,
            });
        },
        |_, _| {},
    )
    .await
}

#[tokio::test]
async fn in_livekit_mode_admission_brings_a_token_and_the_page_may_reach_livekit() {
    // The embedded mode: no LiveKit client, no other origin to connect to.
    let (embedded, _) = app().await;
    let (id, _) = meeting(&embedded, MeetingKind::StandingCommittee, false).await;
    let (chair, _) = signed(&embedded, "chutich").await;
    let page = chair
        .http
        .get(format!("{}/hop/{id}", embedded.base))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!csp.contains("connect-src"), "{csp}");
    let body = page.text().await.unwrap();
    assert!(body.contains(r#"data-engine="embedded""#));
    assert!(!body.contains("data-livekit-js"));

    let app = livekit_app("ws://127.0.0.1:7880".into(), 3600).await;
    let (id, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    let (chair, cookie) = signed(&app, "chutich").await;
    let page = chair
        .http
        .get(format!("{}/hop/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        csp.ends_with("; connect-src 'self' ws://127.0.0.1:7880 http://127.0.0.1:7880"),
        "{csp}"
    );
    let body = page.text().await.unwrap();
    assert!(body.contains(r#"data-engine="livekit""#));
    let script = body
        .split(r#"data-livekit-js=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page names the LiveKit client");
    assert!(
        script.starts_with("/static/") && script.ends_with("/livekit-client.umd.js"),
        "{script}"
    );
    let served = chair
        .http
        .get(format!("{}{script}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert!(served.text().await.unwrap().contains("LivekitClient"));

    // The chair is let in at once: the admission carries the LiveKit join,
    // and the list names the account LiveKit knows them by.
    let mut socket = connect(&app, &cookie, id).await;
    let admitted = next(&mut socket, "admitted").await.unwrap();
    let join = &admitted["livekit"];
    assert_eq!(join["url"], "ws://127.0.0.1:7880");
    assert_eq!(join["room"], format!("hop-{id}"));
    assert_eq!(
        join["token"].as_str().unwrap().split('.').count(),
        3,
        "a JWT"
    );
    let account = user(&app.store, "chutich").await.id;
    let list = next(&mut socket, "participants").await.unwrap();
    assert_eq!(list["list"][0]["user"], account);
    say(&mut socket, json!({"type": "end"})).await;
    assert!(next(&mut socket, "ended").await.is_some());
}

/// What a stand-in LiveKit server saw: (method, body), in arrival order.
type LiveKitCalls = Arc<std::sync::Mutex<Vec<(String, Value)>>>;

/// A loopback stand-in for LiveKit's RoomService: answers every call with
/// an empty room and records the calls that carry a bearer token.
async fn fake_livekit() -> (String, LiveKitCalls) {
    use axum::extract::{Path, State};
    use axum::http::HeaderMap;
    let calls: LiveKitCalls = Arc::default();
    let app = axum::Router::new()
        .route(
            "/twirp/livekit.RoomService/{method}",
            axum::routing::post(
                |State(calls): State<LiveKitCalls>,
                 Path(method): Path<String>,
                 headers: HeaderMap,
                 body: String| async move {
                    let bearer = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("Bearer ") && v.split('.').count() == 3);
                    if bearer {
                        let body = serde_json::from_str(&body).unwrap_or(Value::Null);
                        calls.lock().unwrap().push((method, body));
                    }
                    r#"{"participants":[]}"#
                },
            ),
        )
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("ws://127.0.0.1:{port}"), calls)
}

/// Waits until the stand-in LiveKit has seen `n` calls.
async fn livekit_calls(calls: &LiveKitCalls, n: usize) -> Vec<(String, Value)> {
    for _ in 0..250 {
        let seen = calls.lock().unwrap().clone();
        if seen.len() >= n {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("LiveKit saw only {:?}", calls.lock().unwrap());
}

#[tokio::test]
async fn in_livekit_mode_the_chairs_mute_removal_and_end_reach_the_livekit_server() {
    let (url, calls) = fake_livekit().await;
    let app = livekit_app(url, 3600).await;
    let (id, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    let room = format!("hop-{id}");
    let deputy_account = user(&app.store, "daibieu").await.id.to_string();
    let (mut chair, mut deputy, peer) = chair_and_deputy(&app, id).await;
    // An open meeting mutes no one on entry; the deputy's permission on
    // LiveKit is set to the room's rule: microphone allowed.
    let seen = livekit_calls(&calls, 1).await;
    assert_eq!(seen[0].0, "UpdateParticipant");
    assert_eq!(seen[0].1["identity"], deputy_account.as_str());
    assert!(microphone_allowed(&seen[0].1), "{seen:?}");

    // The chair mutes the deputy: our server looks up the deputy's tracks
    // on LiveKit (this stand-in lists none, so there is nothing to mute)
    // and takes the microphone permission away.
    say(
        &mut chair,
        json!({"type": "silence", "peer": peer, "silenced": true}),
    )
    .await;
    assert!(next(&mut deputy, "silenced").await.is_some());
    let seen = livekit_calls(&calls, 3).await;
    assert_eq!(of(&seen, "ListParticipants"), [json!({ "room": room })]);
    let updates = of(&seen, "UpdateParticipant");
    assert_eq!(updates.len(), 2);
    assert!(!microphone_allowed(&updates[1]), "{updates:?}");
    // The deputy's page gets a token without the microphone at once.
    let token = next(&mut deputy, "livekit_token")
        .await
        .expect("a fresh token");
    assert!(
        !token_claims(&token)["video"]["canPublishSources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "microphone")
    );

    // The chair sends the deputy out: LiveKit removes the account.
    say(&mut chair, json!({"type": "remove", "peer": peer})).await;
    assert!(next(&mut deputy, "removed").await.is_some());
    let seen = livekit_calls(&calls, 4).await;
    assert_eq!(
        of(&seen, "RemoveParticipant"),
        [json!({ "room": room, "identity": deputy_account })]
    );

    // The chair ends the meeting: the LiveKit room is deleted.
    say(&mut chair, json!({"type": "end"})).await;
    assert!(next(&mut chair, "ended").await.is_some());
    let seen = livekit_calls(&calls, 5).await;
    assert_eq!(of(&seen, "DeleteRoom"), [json!({ "room": room })]);
}

/// The bodies of the calls of `method`.
fn of(seen: &[(String, Value)], method: &str) -> Vec<Value> {
    seen.iter()
        .filter(|(m, _)| m == method)
        .map(|(_, body)| body.clone())
        .collect()
}

/// Whether an `UpdateParticipant` body allows a microphone.
fn microphone_allowed(body: &Value) -> bool {
    body["permission"]["can_publish_sources"]
        .as_array()
        .is_some_and(|s| s.iter().any(|x| x == "MICROPHONE"))
}

/// The claims of the token in a `livekit_token` message or a join (read
/// without checking the signature: the unit tests do).
fn token_claims(message: &Value) -> Value {
    use base64::Engine as _;
    let token = message["token"].as_str().expect("a token");
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[tokio::test]
async fn in_livekit_mode_a_silenced_deputy_has_no_microphone_until_the_floor_and_tokens_are_renewed_for_those_let_in_only()
 {
    let (url, calls) = fake_livekit().await;
    // A fresh token every second.
    let app = livekit_app(url, 2).await;
    // A voter-contact meeting moderates the microphones.
    let (id, _) = meeting(&app, MeetingKind::VoterContact, false).await;
    let (_, chair_cookie) = signed(&app, "chutich").await;
    let mut chair = connect(&app, &chair_cookie, id).await;
    let admitted = next(&mut chair, "admitted").await.unwrap();
    let chair_token = token_claims(&admitted["livekit"]);
    assert_eq!(chair_token["video"]["roomAdmin"], true);
    assert_eq!(
        chair_token["exp"].as_i64().unwrap() - chair_token["nbf"].as_i64().unwrap(),
        2
    );
    let (_, deputy_cookie) = signed(&app, "daibieu").await;
    let mut deputy = connect(&app, &deputy_cookie, id).await;
    let peer = next(&mut deputy, "hello").await.unwrap()["peer"]
        .as_u64()
        .unwrap();
    // No token in the lobby, even after a refresh period.
    assert!(
        tokio::time::timeout(
            Duration::from_millis(1500),
            next(&mut deputy, "livekit_token")
        )
        .await
        .ok()
        .flatten()
        .is_none()
    );
    say(&mut chair, json!({"type": "admit", "peer": peer})).await;
    let admitted = next(&mut deputy, "admitted").await.unwrap();
    let claims = token_claims(&admitted["livekit"]);
    assert_eq!(
        claims["video"]["canPublishSources"],
        json!(["camera", "screen_share"]),
        "entered silenced: no microphone"
    );
    assert_eq!(next(&mut deputy, "floor").await.unwrap()["silenced"], true);
    // Fresh tokens keep coming while let in, each newer than the last.
    let first = token_claims(&next(&mut deputy, "livekit_token").await.unwrap());
    let later = token_claims(&next(&mut deputy, "livekit_token").await.unwrap());
    assert!(later["exp"].as_i64() >= first["exp"].as_i64());
    assert_eq!(
        later["video"]["canPublishSources"],
        json!(["camera", "screen_share"])
    );

    // The chair gives the floor: LiveKit is told to allow the microphone,
    // and the deputy's next token allows it too.
    let before = calls.lock().unwrap().len();
    say(
        &mut chair,
        json!({"type": "floor", "peer": peer, "give": true}),
    )
    .await;
    let floor = next(&mut deputy, "floor").await.unwrap();
    assert_eq!(
        (floor["speaking"].as_bool(), floor["silenced"].as_bool()),
        (Some(true), Some(false))
    );
    let token = next(&mut deputy, "livekit_token").await.unwrap();
    assert!(
        token_claims(&token)["video"]["canPublishSources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "microphone")
    );
    let seen = livekit_calls(&calls, before + 1).await;
    let updates = of(&seen[before..], "UpdateParticipant");
    assert!(microphone_allowed(updates.last().unwrap()), "{updates:?}");

    // The speech ends: muted and the permission taken away again.
    say(
        &mut chair,
        json!({"type": "floor", "peer": peer, "give": false}),
    )
    .await;
    let floor = next(&mut deputy, "floor").await.unwrap();
    assert_eq!(floor["silenced"], true);
    let seen = livekit_calls(&calls, before + 3).await;
    let updates = of(&seen[before..], "UpdateParticipant");
    assert!(!microphone_allowed(updates.last().unwrap()), "{updates:?}");

    // Removed: back in the lobby on a new connection, and no token comes.
    say(&mut chair, json!({"type": "remove", "peer": peer})).await;
    assert!(next(&mut deputy, "removed").await.is_some());
    let mut again = connect(&app, &deputy_cookie, id).await;
    assert!(next(&mut again, "hello").await.is_some());
    assert!(
        tokio::time::timeout(
            Duration::from_millis(2500),
            next(&mut again, "livekit_token")
        )
        .await
        .ok()
        .flatten()
        .is_none(),
        "a removed person gets no fresh token"
    );
    say(&mut chair, json!({"type": "end"})).await;
    assert!(next(&mut chair, "ended").await.is_some());
}

#[tokio::test]
async fn a_meeting_cannot_be_scheduled_in_the_past() {
    let (app, _) = app().await;
    let (mut office, _) = signed(&app, "vanphong").await;
    let before = office.get("/hop").await.body;
    let refused = office
        .post(
            "/hop",
            &[
                ("title", "Họp nhầm ngày"),
                ("kind", "thuong_truc"),
                ("session_id", ""),
                ("day", "2020-01-01"),
                ("time", "08:00"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("Thời điểm họp đã qua"),
        "{}",
        refused.body
    );
    assert!(!office.get("/hop").await.body.contains("Họp nhầm ngày"));
    assert_eq!(
        before.matches("<tr").count(),
        office.get("/hop").await.body.matches("<tr").count()
    );
}

#[tokio::test]
async fn an_invited_deputy_is_told_under_notifications() {
    let (app, _) = app().await;
    let (id, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    let deputy = user(&app.store, "daibieu2").await;
    let (mut office, _) = signed(&app, "vanphong").await;
    office.get(&format!("/hop/{id}")).await;
    let invited = office
        .post(
            &format!("/hop/{id}/moi"),
            &[
                ("person_id", &deputy.person_id.unwrap().to_string()),
                ("hall", ""),
                ("role", "theo_doi"),
            ],
        )
        .await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let told = app.store.notifications(deputy.id, 50).await.unwrap();
    let invitation = told
        .iter()
        .find(|n| n.subject.contains("Điểm cầu trực tuyến"))
        .expect("the invitation is among the deputy's notifications");
    assert!(
        invitation.body.contains("Bạn được mời theo dõi cuộc họp"),
        "{}",
        invitation.body
    );
    assert_eq!(
        invitation.link.as_deref(),
        Some(format!("/hop/{id}").as_str())
    );
    // A hall (điểm cầu) has no account to tell, and inviting it still works.
    let hall = office
        .post(
            &format!("/hop/{id}/moi"),
            &[
                ("person_id", ""),
                ("hall", "UBND xã Anh Sơn"),
                ("role", "tham_du"),
            ],
        )
        .await;
    assert_eq!(hall.status, 303);
}

/// Posts `fields` as htmx does (with HX-Request).
async fn htmx_post(c: &mut Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = c.post_htmx(path, fields).await;
    (r.status, r.body)
}

#[tokio::test]
async fn the_invite_form_answers_in_place_and_the_attendance_record_can_be_fetched_alone() {
    let (app, _) = app().await;
    let (id, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    let (mut office, _) = signed(&app, "vanphong").await;
    office.get(&format!("/hop/{id}")).await;
    let path = format!("/hop/{id}/moi");

    // Invited: the section comes back with the hall in the list.
    let (status, body) = htmx_post(
        &mut office,
        &path,
        &[
            ("person_id", ""),
            ("hall", "UBND xã Anh Sơn"),
            ("role", "tham_du"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("<section") && body.contains("id=\"meet-invitations\""));
    assert!(!body.contains("<html"), "a fragment, not a page");
    assert!(body.contains("Đã mời UBND xã Anh Sơn (tham dự)."), "{body}");
    assert!(body.contains("Điểm cầu: UBND xã Anh Sơn"));

    // Refused: a Vietnamese reason, what was typed kept, nothing added.
    for (fields, reason) in [
        (
            [("person_id", ""), ("hall", ""), ("role", "tham_du")],
            "Chọn một đại biểu hoặc nhập tên một điểm cầu.",
        ),
        (
            [
                ("person_id", ""),
                ("hall", "UBND xã Anh Sơn"),
                ("role", "tham_du"),
            ],
            "Đã mời điểm cầu hoặc người này.",
        ),
        (
            [
                ("person_id", ""),
                ("hall", "Hội trường mới"),
                ("role", "khong_co"),
            ],
            "Vai trò mời không hợp lệ.",
        ),
    ] {
        let (status, body) = htmx_post(&mut office, &path, &fields).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains(reason), "{reason}: {body}");
        assert!(body.contains("data-testid=\"invite-error\""));
        if !fields[1].1.is_empty() {
            assert!(
                body.contains(&format!("value=\"{}\"", fields[1].1)),
                "{body}"
            );
        }
    }
    assert_eq!(app.store.invitations(id).await.unwrap().len(), 2);

    // Without htmx the form still works as a plain post.
    let plain = office
        .post(
            &path,
            &[
                ("person_id", ""),
                ("hall", "UBND xã Tân Phú"),
                ("role", "theo_doi"),
            ],
        )
        .await;
    assert_eq!(plain.status, 303);

    // The attendance record alone, as meet.js fetches it.
    let record = office.get(&format!("/hop/{id}/tham-du")).await;
    assert_eq!(record.status, 200);
    assert!(record.body.contains("Ghi nhận tham dự"));
    assert!(record.body.contains("Chưa có ai vào phòng."));
    assert!(!record.body.contains("<html"));
}

/// A cancelled meeting (Đã hủy) takes no new invitation: a Vietnamese
/// refusal in place, no invitation stored, no notification sent.
#[tokio::test]
async fn a_cancelled_meeting_takes_no_new_invitation() {
    let (app, _) = app().await;
    let (id, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    let deputy = user(&app.store, "daibieu2").await;
    let (mut office, _) = signed(&app, "vanphong").await;
    office.get(&format!("/hop/{id}")).await;
    let cancelled = office.post(&format!("/hop/{id}/huy"), &[]).await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    office.get(&format!("/hop/{id}")).await;
    let (status, body) = htmx_post(
        &mut office,
        &format!("/hop/{id}/moi"),
        &[
            ("person_id", &deputy.person_id.unwrap().to_string()),
            ("hall", ""),
            ("role", "tham_du"),
        ],
    )
    .await;
    let told = app.store.notifications(deputy.id, 50).await.unwrap();
    let invitations = app.store.invitations(id).await.unwrap();
    assert_eq!(
        status, 400,
        "a cancelled meeting accepted an invitation: {body}"
    );
    assert!(body.contains("data-testid=\"invite-error\""), "{body}");
    assert_eq!(invitations.len(), 1, "only daibieu, invited before");
    assert!(
        !told
            .iter()
            .any(|n| n.subject.contains("Điểm cầu trực tuyến")),
        "the deputy was invited to a cancelled meeting"
    );
}

#[tokio::test]
async fn only_the_councils_deputies_can_be_invited_by_name() {
    let (app, _) = app().await;
    let (id, _) = meeting(&app, MeetingKind::StandingCommittee, false).await;
    // An agency officer is not on the form's list; a crafted request names them.
    let officer = user(&app.store, "coquan").await;
    let person = officer.person_id.expect("the demo officer is a person");
    let (mut office, _) = signed(&app, "vanphong").await;
    office.get(&format!("/hop/{id}")).await;
    let (status, body) = htmx_post(
        &mut office,
        &format!("/hop/{id}/moi"),
        &[
            ("person_id", &person.to_string()),
            ("hall", ""),
            ("role", "tham_du"),
        ],
    )
    .await;
    assert_eq!(status, 400, "an agency officer was invited: {body}");
    assert!(
        body.contains("Chỉ mời được đại biểu của Hội đồng"),
        "{body}"
    );
    let invitations = app.store.invitations(id).await.unwrap();
    assert_eq!(invitations.len(), 1, "only daibieu, invited before");
    let told = app.store.notifications(officer.id, 50).await.unwrap();
    assert!(
        told.is_empty(),
        "the officer was told of the meeting: {told:?}"
    );
}
