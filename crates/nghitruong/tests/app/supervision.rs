//! Supervision over HTTP and through the scheduler: the register, the
//! delegation's file, the agency's side, the chair's dashboard and reports,
//! who may do what; and, with the clock moved a day at a time, reminders
//! and escalations that fire on their days, once each, in the product and
//! by e-mail through a local SMTP sink started here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use nghitruong::demo_supervision::seed_supervision;
use nghitruong_domain::calendar::{HolidayRules, WorkingCalendar, local_date};
use nghitruong_domain::clock::Clock as _;
use nghitruong_domain::org::CouncilLevel;
use nghitruong_domain::supervision::{
    EscalationPolicy, NewTask, TaskSource, TaskStatus, escalation_schedule, reminder_schedule,
};
use nghitruong_store::{
    AuditContext, CouncilFilter, NotificationStore as _, SqlStore, Store, SupervisionStore as _,
    TaskFilter,
};
use nghitruong_testkit::T0;
use nghitruong_web::AppState;
use nghitruong_web::notify::{Mailer, SmtpConfig};
use time::Date;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::{Client, Reply, TestApp, spawn_app, spawn_app_with, user};

// --- A local SMTP sink ----------------------------------------------------------

/// One message the sink accepted.
#[derive(Clone, Debug)]
struct Mail {
    to: Vec<String>,
    data: String,
}

/// A tiny SMTP server on loopback: enough of the protocol for a client to
/// hand over messages (220, EHLO/HELO 250, MAIL/RCPT 250, DATA 354, "." 250,
/// QUIT 221). While `refuse` is above zero, it answers 421 and hangs up.
#[derive(Clone, Default)]
struct Sink {
    mails: Arc<Mutex<Vec<Mail>>>,
    refuse: Arc<Mutex<usize>>,
}

impl Sink {
    async fn start(&self) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = self.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let sink = sink.clone();
                tokio::spawn(async move {
                    let _ = sink.serve(stream).await;
                });
            }
        });
        port
    }

    async fn serve(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        let refused = {
            let mut refuse = self.refuse.lock().unwrap();
            let refused = *refuse > 0;
            *refuse = refuse.saturating_sub(1);
            refused
        };
        if refused {
            write.write_all(b"421 sink busy, try later\r\n").await?;
            return Ok(());
        }
        write.write_all(b"220 sink.test ESMTP\r\n").await?;
        let mut to = Vec::new();
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                write.write_all(b"250 sink.test\r\n").await?;
            } else if upper.starts_with("MAIL FROM") {
                to.clear();
                write.write_all(b"250 ok\r\n").await?;
            } else if upper.starts_with("RCPT TO") {
                let addr = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
                to.push(addr);
                write.write_all(b"250 ok\r\n").await?;
            } else if upper.starts_with("DATA") {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if lines.read_line(&mut l).await? == 0 {
                        return Ok(());
                    }
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    data.push_str(&l);
                }
                self.mails.lock().unwrap().push(Mail {
                    to: to.clone(),
                    data,
                });
                write.write_all(b"250 queued\r\n").await?;
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                write.write_all(b"250 ok\r\n").await?;
            }
        }
    }

    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

/// The app with e-mail through a fresh sink, and its state to tick.
async fn app_with_mail() -> (TestApp, AppState, Sink) {
    let sink = Sink::default();
    let port = sink.start().await;
    let mailer = Mailer::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "Nghị trường <nghitruong@localhost>".into(),
        user: None,
        password: None,
        starttls: false,
    })
    .unwrap();
    let mut captured = None;
    let app = spawn_app_with(|state, _| {
        state.parts_mut().mailer = Some(Arc::new(mailer));
        captured = Some(state.clone());
    })
    .await;
    (app, captured.unwrap(), sink)
}

async fn province(store: &SqlStore) -> nghitruong_domain::org::Council {
    let (found, _) = store
        .councils(&CouncilFilter {
            level: Some(CouncilLevel::Province),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    found[0].council.clone()
}

/// Every notification subject of a user, oldest first.
async fn subjects(store: &SqlStore, user_id: i64) -> Vec<String> {
    let mut n = store.notifications(user_id, 10_000).await.unwrap();
    n.reverse();
    n.into_iter().map(|n| n.subject).collect()
}

// --- The scheduler, day by day ------------------------------------------------------

#[tokio::test]
async fn reminders_and_escalations_fire_on_their_days_once_each() {
    let (app, state, sink) = app_with_mail().await;
    let council = province(&app.store).await;
    let officer = user(&app.store, "coquan").await;
    let office = user(&app.store, "vanphong").await;
    let agency = officer.agency_body_id.unwrap();
    let ctx = AuditContext::system(T0);
    app.store
        .set_user_email(officer.id, Some("coquan@soxaydung.example"), &ctx)
        .await
        .unwrap();
    // Wednesday 20 January 2027, before Tết.
    let due = time::macros::date!(2027 - 01 - 20);
    let task = app
        .store
        .create_task(
            council.id,
            &NewTask {
                id: 0,
                source: TaskSource::StandingConclusion,
                source_doc: None,
                delegation_id: None,
                recommendation_id: None,
                content:
                    "Hoàn thành hỗ trợ nhà ở cho các hộ đồng bào dân tộc thiểu số còn tồn đọng"
                        .into(),
                lead_body_id: agency,
                co_body_ids: Vec::new(),
                responsible: None,
                expected_evidence: "Báo cáo kết quả kèm biên bản nghiệm thu".into(),
                due,
                complex: false,
            },
            &ctx,
        )
        .await
        .unwrap()
        .value;

    // What should happen, and when: the reminders by hand (15 days before
    // is Tuesday 5 January, 7 before is Wednesday 13 January, 3 before is
    // Sunday 17 January, so Friday 15 January), the ladder as the domain
    // schedules it, checked by hand for its first two rungs.
    let calendar = WorkingCalendar::new(HolidayRules::default()).unwrap();
    let policy = EscalationPolicy::from_deadlines(&council.rules.deadlines);
    let reminders: Vec<Date> = reminder_schedule(&task, &calendar, &policy)
        .into_iter()
        .map(|(_, on)| on)
        .collect();
    assert_eq!(
        reminders,
        vec![
            time::macros::date!(2027 - 01 - 05),
            time::macros::date!(2027 - 01 - 13),
            time::macros::date!(2027 - 01 - 15),
        ]
    );
    let ladder = escalation_schedule(&task, &calendar, &policy);
    assert_eq!(ladder[0].1, time::macros::date!(2027 - 01 - 21), "urge");
    assert_eq!(
        ladder[1].1,
        time::macros::date!(2027 - 01 - 28),
        "urge again"
    );
    let mut expected: BTreeMap<Date, Vec<String>> = BTreeMap::new();
    for (days, on) in reminder_schedule(&task, &calendar, &policy) {
        expected.entry(on).or_default().push(format!(
            "Nhắc hạn: nhiệm vụ số {} còn {days} ngày",
            task.id()
        ));
    }
    expected
        .entry(time::macros::date!(2027 - 01 - 21))
        .or_default()
        .push(format!("Quá hạn: nhiệm vụ số {}", task.id()));
    for (step, on, _) in &ladder {
        expected.entry(*on).or_default().push(format!(
            "{}: nhiệm vụ số {}",
            step.label(),
            task.id()
        ));
    }
    let last = *expected.keys().last().unwrap();

    // Move the clock a day at a time, ticking twice some days.
    let mut seen: BTreeMap<Date, Vec<String>> = BTreeMap::new();
    let mut before = 0;
    let mut day = local_date(app.clock.now());
    while day <= last + time::Duration::days(10) {
        let outcomes = nghitruong_web::scheduler::tick(&state).await;
        assert!(
            outcomes.iter().all(|o| o.result.is_ok()),
            "{day}: {outcomes:?}"
        );
        if day.day().is_multiple_of(3) {
            nghitruong_web::scheduler::tick(&state).await;
        }
        let now = subjects(&app.store, officer.id).await;
        if now.len() > before {
            seen.insert(day, now[before..].to_vec());
            before = now.len();
        }
        app.clock.advance(time::Duration::days(1));
        day = local_date(app.clock.now());
    }
    for list in expected.values_mut() {
        list.sort();
    }
    for list in seen.values_mut() {
        list.sort();
    }
    assert_eq!(seen, expected, "each action on its day, once");
    assert_eq!(
        app.store.task(task.id()).await.unwrap().value.status(),
        TaskStatus::Overdue
    );
    // The office hears of the overdue mark and of every escalation step.
    let office_heard = subjects(&app.store, office.id).await;
    assert_eq!(office_heard.len(), 1 + ladder.len(), "{office_heard:?}");

    // Every notification to the officer went out by e-mail, once.
    nghitruong_web::notify::send_due(&state, app.clock.now())
        .await
        .unwrap();
    let mails = sink.mails();
    let total: usize = expected.values().map(Vec::len).sum();
    assert_eq!(mails.len(), total, "one e-mail per notification");
    assert!(
        mails
            .iter()
            .all(|m| m.to == vec!["coquan@soxaydung.example".to_owned()])
    );
    assert!(mails.iter().all(|m| m.data.contains("Subject:")));
}

#[tokio::test]
async fn a_refused_email_is_sent_later_and_never_blocks() {
    let (app, state, sink) = app_with_mail().await;
    let office = user(&app.store, "vanphong").await;
    app.store
        .set_user_email(
            office.id,
            Some("vanphong@hdnd.example"),
            &AuditContext::system(T0),
        )
        .await
        .unwrap();
    *sink.refuse.lock().unwrap() = 2;
    let made = nghitruong_web::notify::notify(
        &state,
        &[office.id],
        "Kiểm tra gửi thư",
        "Nội dung thử.",
        Some("/thong-bao"),
    )
    .await
    .unwrap();
    assert_eq!(made, 1);
    // The notification is there at once, whatever the mail server does.
    assert_eq!(app.store.unread_notifications(office.id).await.unwrap(), 1);
    // The first attempt (in the background) and a tick at the same time
    // are refused; nothing has gone out.
    nghitruong_web::scheduler::tick(&state).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    nghitruong_web::scheduler::tick(&state).await;
    assert!(sink.mails().is_empty());
    // Later, past the back-off, it goes out once.
    for _ in 0..3 {
        app.clock.advance(time::Duration::minutes(10));
        nghitruong_web::scheduler::tick(&state).await;
    }
    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, vec!["vanphong@hdnd.example".to_owned()]);
}

// --- Pages and permissions -----------------------------------------------------------

/// A multipart body, written out as a browser would send it.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----nghitruong-supervision-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    c: &Client,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Reply {
    let (content_type, body) = multipart(fields, file);
    let r = c
        .http
        .post(format!("{}{path}", c.base))
        .header("content-type", content_type)
        .header("x-csrf-token", c.csrf.clone())
        .body(body)
        .send()
        .await
        .unwrap();
    Reply {
        status: r.status().as_u16(),
        location: r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: r.text().await.unwrap_or_default(),
    }
}

/// The version field of the first form on a page.
fn version_in(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

#[tokio::test]
async fn the_demo_register_and_dashboard_show_what_the_data_says() {
    let app = spawn_app().await;
    let counts = seed_supervision(app.store.as_ref(), T0).await.unwrap();
    assert_eq!(
        (counts.resolutions, counts.relations, counts.tasks),
        (15, 6, 10)
    );
    let mut office = app.signed_in("vanphong").await;
    let register = office.get("/nghi-quyet").await;
    assert_eq!(register.status, 200);
    assert!(register.body.contains("05/2021/NQ-HĐND"));
    assert!(register.body.contains("Bị thay thế bởi 18/2025/NQ-HĐND"));
    assert!(register.body.contains("Hết hiệu lực toàn bộ"));
    let ended = office
        .get("/nghi-quyet?hieu_luc=het_hieu_luc_toan_bo")
        .await;
    // 05/2021 (replaced), 09/2021 (replaced), 11/2020 (repealed), 21/2023 (expired).
    assert!(
        ended.body.contains("data-testid=\"resolution-count\">4<"),
        "{}",
        ended.body
    );
    let found = office.get("/nghi-quyet?q=giay+phep+xay+dung").await;
    assert!(found.body.contains("data-testid=\"resolution-count\">2<"));

    let mut chair = app.signed_in("chutich").await;
    let dash = chair.get("/giam-sat/tong-quan").await;
    assert_eq!(dash.status, 200);
    assert!(
        dash.body.contains("data-testid=\"total\">10<"),
        "{}",
        dash.body
    );
    // Tasks 2, 7 and 9 are past due.
    assert!(dash.body.contains("data-testid=\"overdue-count\">3<"));
    assert!(dash.body.contains("2/2 (100%)"), "two done, both on time");
    let xlsx = chair.get("/giam-sat/nhiem-vu.xlsx").await;
    assert_eq!(xlsx.status, 200);
    let docx = chair.get("/giam-sat/kien-nghi.docx").await;
    assert_eq!(docx.status, 200);
    let delegations = app
        .store
        .delegations(province(&app.store).await.id)
        .await
        .unwrap();
    let report = chair
        .get(&format!(
            "/giam-sat/doan/{}/bao-cao.docx",
            delegations[0].value.id()
        ))
        .await;
    assert_eq!(report.status, 200);
}

#[tokio::test]
async fn an_agency_sees_and_reports_on_its_own_tasks_only() {
    let app = spawn_app().await;
    seed_supervision(app.store.as_ref(), T0).await.unwrap();
    let council = province(&app.store).await;
    let officer = user(&app.store, "coquan").await;
    let agency = officer.agency_body_id.unwrap();
    let tasks = app
        .store
        .tasks(&TaskFilter {
            council_id: Some(council.id),
            ..Default::default()
        })
        .await
        .unwrap();
    let mine: Vec<_> = tasks
        .iter()
        .filter(|t| t.value.lead_body_id() == agency)
        .collect();
    let co: Vec<_> = tasks
        .iter()
        .filter(|t| t.value.co_body_ids().contains(&agency))
        .collect();
    let other = tasks
        .iter()
        .find(|t| t.value.lead_body_id() != agency && !t.value.co_body_ids().contains(&agency))
        .unwrap();
    assert!(!mine.is_empty() && !co.is_empty());

    let mut c = app.signed_in("coquan").await;
    assert_eq!(
        c.get("/giam-sat").await.location.as_deref(),
        Some("/giam-sat/nhiem-vu")
    );
    let list = c.get("/giam-sat/nhiem-vu").await;
    assert_eq!(list.status, 200);
    let rows = list
        .body
        .matches("<tr><td><a href=\"/giam-sat/nhiem-vu/")
        .count();
    assert_eq!(rows, mine.len() + co.len(), "{}", list.body);
    assert_eq!(
        c.get(&format!("/giam-sat/nhiem-vu/{}", other.value.id()))
            .await
            .status,
        404
    );
    // A co-operating body reports progress but not completion.
    let co_id = co[0].value.id();
    let page = c.get(&format!("/giam-sat/nhiem-vu/{co_id}")).await;
    let version = version_in(&page.body);
    let refused = upload(
        &c,
        &format!("/giam-sat/nhiem-vu/{co_id}/bao-cao"),
        &[
            ("version", &version),
            ("kind", "hoan-thanh"),
            ("text", "Đã xong"),
            ("number", "9/BC-SXD"),
            ("date", "2026-12-01"),
        ],
        None,
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Chỉ cơ quan chủ trì"));

    // The lead reports progress with a PDF, then asks for more time.
    let open = mine
        .iter()
        .find(|t| t.value.status() == TaskStatus::NotDone && t.value.pending_request().is_none())
        .unwrap();
    let id = open.value.id();
    let page = c.get(&format!("/giam-sat/nhiem-vu/{id}")).await;
    assert!(page.body.contains("data-testid=\"report-form\""));
    let version = version_in(&page.body);
    let pdf = nghitruong_docs::make::pdf(&["Bao cao tien do thuc hien kien nghi"]);
    let sent = upload(
        &c,
        &format!("/giam-sat/nhiem-vu/{id}/bao-cao"),
        &[
            ("version", &version),
            ("kind", "tien-do"),
            ("text", "Đã kiểm tra 400/540 căn nhà."),
            ("number", "201/BC-SXD"),
            ("date", "2026-12-03"),
        ],
        Some(("bao-cao.pdf", &pdf)),
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let page = c.get(&format!("/giam-sat/nhiem-vu/{id}")).await;
    assert!(page.body.contains("Đã kiểm tra 400/540 căn nhà."));
    let href = format!("/giam-sat/nhiem-vu/{id}/tep/");
    let start = page.body.find(&href).unwrap();
    let end = page.body[start..].find('"').unwrap() + start;
    let file = c.get(&page.body[start..end]).await;
    assert_eq!(file.status, 200);
    // A stale version is refused with a clear message, nothing lost.
    let stale = upload(
        &c,
        &format!("/giam-sat/nhiem-vu/{id}/bao-cao"),
        &[
            ("version", &version),
            ("kind", "tien-do"),
            ("text", "Lần hai"),
        ],
        None,
    )
    .await;
    assert_eq!(stale.status, 400);
    assert!(stale.body.contains("vừa được người khác cập nhật"));
    let version = version_in(&c.get(&format!("/giam-sat/nhiem-vu/{id}")).await.body);
    let due = open.value.due() + time::Duration::days(30);
    let asked = c
        .post(
            &format!("/giam-sat/nhiem-vu/{id}/gia-han"),
            &[
                ("version", &version),
                ("due", &due.to_string()),
                ("reason", "Chờ bố trí vốn"),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    // The agency may not decide.
    let decide = c
        .post(
            &format!("/giam-sat/nhiem-vu/{id}/xu-ly"),
            &[("version", &version), ("action", "gia-han")],
        )
        .await;
    assert_eq!(decide.status, 403);
    // The office was told, and grants it.
    let office = user(&app.store, "vanphong").await;
    let heard = subjects(&app.store, office.id).await;
    assert!(
        heard
            .iter()
            .any(|s| s == &format!("Đề nghị gia hạn: nhiệm vụ số {id}"))
    );
    let mut chair = app.signed_in("chutich").await;
    let page = chair.get(&format!("/giam-sat/nhiem-vu/{id}")).await;
    assert!(page.body.contains("data-testid=\"extension-request\""));
    let version = version_in(&page.body);
    let granted = chair
        .post(
            &format!("/giam-sat/nhiem-vu/{id}/xu-ly"),
            &[
                ("version", &version),
                ("action", "gia-han"),
                ("note", "Đồng ý"),
            ],
        )
        .await;
    assert_eq!(granted.status, 303, "{}", granted.body);
    assert_eq!(app.store.task(id).await.unwrap().value.due(), due);
    let told = subjects(&app.store, officer.id).await;
    assert!(
        told.iter()
            .any(|s| s.starts_with(&format!("Nhiệm vụ số {id}: chấp thuận gia hạn")))
    );
    // The bell shows unread notifications; marking all read clears it.
    let home = c.get("/thong-bao").await;
    assert!(home.body.contains("data-testid=\"unread-count\""));
    c.post("/thong-bao/da-doc", &[]).await;
    assert_eq!(app.store.unread_notifications(officer.id).await.unwrap(), 0);
}

#[tokio::test]
async fn a_delegation_goes_from_decision_to_tasks() {
    let app = spawn_app().await;
    let council = province(&app.store).await;
    let deputy = user(&app.store, "daibieu").await;
    let officer = user(&app.store, "coquan").await;
    let agency = officer.agency_body_id.unwrap();
    let mut office = app.signed_in("vanphong").await;
    let created = office
        .post(
            "/giam-sat/doan",
            &[
                ("topic", "Việc quản lý, sử dụng nhà ở công vụ"),
                ("scope", "Toàn tỉnh, 2021–2025"),
                ("conductor", "thuong_truc"),
                ("stream", "gs05"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let path = created.location.unwrap();
    let page = office.get(&path).await;
    let version = version_in(&page.body);
    let person = deputy.person_id.unwrap().to_string();
    let agency_s = agency.to_string();
    let est = office
        .post(
            &format!("{path}/thanh-lap"),
            &[
                ("version", &version),
                ("number", "40/QĐ-HĐND"),
                ("date", "2026-12-04"),
                ("person", &person),
                ("role", "truong_doan"),
                ("subject", &agency_s),
            ],
        )
        .await;
    assert_eq!(est.status, 303, "{}", est.body);

    // The head of the delegation carries the file on.
    let mut head = app.signed_in("daibieu").await;
    let page = head.get(&path).await;
    assert!(page.body.contains("data-testid=\"plan-form\""));
    let version = version_in(&page.body);
    let plan = head
        .post(
            &format!("{path}/ke-hoach"),
            &[
                ("version", &version),
                ("plan_number", "15/KH-ĐGS"),
                ("plan_date", "2026-12-04"),
                ("reports_due", "2026-12-20"),
                ("from", "2026-12-21"),
                ("to", "2027-01-15"),
            ],
        )
        .await;
    assert_eq!(plan.status, 303, "{}", plan.body);
    let version = version_in(&head.get(&path).await.body);
    head.post(&format!("{path}/du-thao"), &[("version", &version)])
        .await;
    let version = version_in(&head.get(&path).await.body);
    let concluded = head
        .post(
            &format!("{path}/ket-luan"),
            &[
                ("version", &version),
                ("number", "50/KL-HĐND"),
                ("date", "2026-12-04"),
                ("rec_body_1", &agency_s),
                (
                    "rec_content_1",
                    "Rà soát, thu hồi nhà công vụ sử dụng sai mục đích",
                ),
            ],
        )
        .await;
    assert_eq!(concluded.status, 303, "{}", concluded.body);
    // A deputy who is not a member may read but not work on it.
    let mut other = app.signed_in("daibieu2").await;
    let version = version_in(&head.get(&path).await.body);
    let refused = other
        .post(&format!("{path}/dong"), &[("version", &version)])
        .await;
    assert_eq!(refused.status, 400);
    // Handing out the tasks is the office's.
    let page = office.get(&path).await;
    assert!(page.body.contains("data-testid=\"follow-up-form\""));
    let version = version_in(&page.body);
    let handed = office
        .post(
            &format!("{path}/giao-nhiem-vu"),
            &[
                ("version", &version),
                ("due_1", "2027-03-31"),
                ("evidence_1", "Báo cáo kết quả rà soát, quyết định thu hồi"),
            ],
        )
        .await;
    assert_eq!(handed.status, 303, "{}", handed.body);
    let tasks = app
        .store
        .tasks(&TaskFilter {
            council_id: Some(council.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].value.lead_body_id(), agency);
    // The agency was told of its new task.
    let told = subjects(&app.store, officer.id).await;
    assert_eq!(told.len(), 1, "{told:?}");
    let closing = office.get(&path).await;
    let version = version_in(&closing.body);
    let refused = office
        .post(&format!("{path}/dong"), &[("version", &version)])
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("còn 1 nhiệm vụ chưa hoàn thành"));
}
