//! Demo supervision: the register of the demo province's resolutions with
//! their relations, the year's supervision programme, and a thematic
//! supervision by the Standing Committee of HĐND tỉnh Nghệ An on housing
//! land and housing for ethnic-minority households, carried from its
//! founding decision to ten recommendations tracked as tasks in several
//! states — some done, some overdue, one waiting for an extension.
//!
//! Dates are counted back from the day the demo is seeded, so the tasks
//! are due, overdue and reminded as the text says whenever it is run.

use anyhow::Context;
use nghitruong_domain::org::{BodyKind, CommitteeKind, CouncilLevel};
use nghitruong_domain::petition::DocumentRef;
use nghitruong_domain::resolution::{
    Relation, RelationKind, ReportTiming, ReportingDuty, Resolution, ResolutionNumber,
};
use nghitruong_domain::supervision::{
    Conclusion, Conductor, Member, MemberRole, Plan, Programme, ProgrammeTopic, Recommendation,
    Stream, SubjectReport, TaskPlan, Visit,
};
use nghitruong_store::{AuditContext, CouncilFilter, NewDelegation, Store};
use time::{Date, Duration, OffsetDateTime};

/// What was seeded, for the console.
#[derive(Debug, Default)]
pub struct SupervisionCounts {
    /// Resolutions in the register.
    pub resolutions: usize,
    /// Relations between them.
    pub relations: usize,
    /// Tasks handed out.
    pub tasks: usize,
}

fn doc(number: &str, date: Date) -> DocumentRef {
    DocumentRef {
        number: number.into(),
        date,
    }
}

/// 09:00 in Việt Nam on `day`.
fn at(day: Date) -> OffsetDateTime {
    day.with_hms(2, 0, 0)
        .map(|d| d.assume_utc())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn ctx_on(day: Date) -> AuditContext {
    AuditContext::system(at(day))
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// One resolution of the demo register: symbol, title, adopted, effective,
/// last day, field.
type Entry = (
    &'static str,
    &'static str,
    Date,
    Option<Date>,
    Option<Date>,
    Option<CommitteeKind>,
);

fn register_entries() -> Vec<Entry> {
    use CommitteeKind::{CultureSociety, EconomyBudget, Ethnic, Legal, Urban};
    use time::macros::date;
    vec![
        (
            "05/2021/NQ-HĐND",
            "Quy định chính sách hỗ trợ đất ở, nhà ở, đất sản xuất cho hộ đồng bào dân tộc thiểu số nghèo trên địa bàn tỉnh giai đoạn 2021–2025",
            date!(2021 - 07 - 15),
            Some(date!(2021 - 08 - 01)),
            Some(date!(2025 - 12 - 31)),
            Some(Ethnic),
        ),
        (
            "12/2022/NQ-HĐND",
            "Sửa đổi, bổ sung một số điều của Nghị quyết số 05/2021/NQ-HĐND về chính sách hỗ trợ đất ở, nhà ở cho đồng bào dân tộc thiểu số",
            date!(2022 - 07 - 12),
            Some(date!(2022 - 08 - 01)),
            None,
            Some(Ethnic),
        ),
        (
            "18/2025/NQ-HĐND",
            "Quy định chính sách hỗ trợ nhà ở cho hộ nghèo, hộ cận nghèo đồng bào dân tộc thiểu số giai đoạn 2026–2030",
            date!(2025 - 12 - 10),
            Some(date!(2026 - 01 - 01)),
            None,
            Some(Ethnic),
        ),
        (
            "09/2021/NQ-HĐND",
            "Quy định mức thu, chế độ thu, nộp, quản lý lệ phí cấp giấy phép xây dựng trên địa bàn tỉnh",
            date!(2021 - 12 - 09),
            Some(date!(2022 - 01 - 01)),
            None,
            Some(Urban),
        ),
        (
            "03/2024/NQ-HĐND",
            "Quy định mức thu lệ phí cấp giấy phép xây dựng trên địa bàn tỉnh",
            date!(2024 - 04 - 18),
            Some(date!(2024 - 05 - 01)),
            None,
            Some(Urban),
        ),
        (
            "21/2023/NQ-HĐND",
            "Quy định phân cấp nhiệm vụ chi ngân sách về xây dựng nông thôn mới giai đoạn 2023–2025",
            date!(2023 - 12 - 08),
            Some(date!(2024 - 01 - 01)),
            Some(date!(2025 - 12 - 31)),
            Some(EconomyBudget),
        ),
        (
            "14/2024/NQ-HĐND",
            "Quy định mức hỗ trợ học sinh và trường phổ thông ở xã, thôn đặc biệt khó khăn",
            date!(2024 - 07 - 16),
            Some(date!(2024 - 08 - 01)),
            None,
            Some(CultureSociety),
        ),
        (
            "02/2025/NQ-HĐND",
            "Bãi bỏ một số nghị quyết quy phạm pháp luật của HĐND tỉnh không còn phù hợp sau sắp xếp đơn vị hành chính",
            date!(2025 - 06 - 25),
            Some(date!(2025 - 07 - 01)),
            None,
            Some(Legal),
        ),
        (
            "11/2020/NQ-HĐND",
            "Quy định chế độ hỗ trợ cán bộ, công chức cấp huyện làm công tác tiếp công dân",
            date!(2020 - 12 - 13),
            Some(date!(2021 - 01 - 01)),
            None,
            Some(Legal),
        ),
        (
            "07/2026/NQ-HĐND",
            "Quy định chi tiết chính sách hỗ trợ nhà ở cho hộ nghèo đồng bào dân tộc thiểu số tại Nghị quyết số 18/2025/NQ-HĐND",
            date!(2026 - 04 - 20),
            Some(date!(2026 - 05 - 01)),
            None,
            Some(Ethnic),
        ),
        (
            "45/NQ-HĐND",
            "Về kết quả giám sát chuyên đề việc giải quyết kiến nghị của cử tri năm 2025",
            date!(2025 - 12 - 10),
            None,
            None,
            Some(Legal),
        ),
        (
            "52/NQ-HĐND",
            "Về chương trình giám sát của HĐND tỉnh năm 2026",
            date!(2025 - 12 - 10),
            None,
            None,
            Some(Legal),
        ),
        (
            "23/NQ-HĐND",
            "Về việc chất vấn và trả lời chất vấn tại kỳ họp thứ 4, HĐND tỉnh khóa XIX",
            date!(2026 - 07 - 10),
            None,
            None,
            Some(Legal),
        ),
        (
            "30/NQ-HĐND",
            "Phê duyệt chủ trương đầu tư dự án đường giao thông nối các xã vùng đồng bào dân tộc thiểu số huyện Kỳ Sơn cũ",
            date!(2026 - 07 - 10),
            None,
            None,
            Some(EconomyBudget),
        ),
        (
            "41/NQ-HĐND",
            "Điều chỉnh chủ trương đầu tư dự án đường giao thông nối các xã vùng đồng bào dân tộc thiểu số",
            date!(2026 - 10 - 28),
            None,
            None,
            Some(EconomyBudget),
        ),
    ]
}

/// Relations: (actor, kind, target, provisions).
const RELATIONS: &[(&str, RelationKind, &str, &str)] = &[
    (
        "12/2022/NQ-HĐND",
        RelationKind::Amends,
        "05/2021/NQ-HĐND",
        "khoản 2 Điều 3, Điều 5",
    ),
    (
        "18/2025/NQ-HĐND",
        RelationKind::Replaces,
        "05/2021/NQ-HĐND",
        "",
    ),
    (
        "03/2024/NQ-HĐND",
        RelationKind::Replaces,
        "09/2021/NQ-HĐND",
        "",
    ),
    (
        "02/2025/NQ-HĐND",
        RelationKind::Repeals,
        "11/2020/NQ-HĐND",
        "",
    ),
    (
        "07/2026/NQ-HĐND",
        RelationKind::Guides,
        "18/2025/NQ-HĐND",
        "",
    ),
    (
        "41/NQ-HĐND",
        RelationKind::Amends,
        "30/NQ-HĐND",
        "khoản 5, khoản 7 Điều 1",
    ),
];

/// Seeds the register and the demo supervision into the province's
/// council, as of `now`.
pub async fn seed_supervision(
    store: &dyn Store,
    now: OffsetDateTime,
) -> anyhow::Result<SupervisionCounts> {
    let today = nghitruong_domain::calendar::local_date(now);
    let (found, _) = store
        .councils(&CouncilFilter {
            level: Some(CouncilLevel::Province),
            limit: 1,
            ..Default::default()
        })
        .await?;
    let council = found
        .first()
        .context("the demo province has no council")?
        .council
        .clone();
    let bodies = store.bodies(council.id).await?;
    let body = |prefix: &str| -> anyhow::Result<i64> {
        bodies
            .iter()
            .find(|b| {
                matches!(b.kind, BodyKind::Department | BodyKind::PeoplesCommittee)
                    && b.name.starts_with(prefix)
            })
            .map(|b| b.id)
            .with_context(|| format!("the demo province has no {prefix}"))
    };
    let construction = body("Sở Xây dựng")?;
    let ethnic = body("Sở Dân tộc và Tôn giáo")?;
    let agriculture = body("Sở Nông nghiệp và Môi trường")?;
    let finance = body("Sở Tài chính")?;
    let home_affairs = body("Sở Nội vụ")?;
    let peoples_committee = body("Ủy ban nhân dân")
        .or_else(|_| body("UBND"))
        .context("the demo province has no People's Committee")?;
    let mut counts = SupervisionCounts::default();

    // The register.
    let mut ids = std::collections::HashMap::new();
    for (symbol, title, adopted, effective, until, field) in register_entries() {
        let number: ResolutionNumber = symbol
            .parse()
            .map_err(|e| anyhow::anyhow!("demo symbol {symbol}: {e}"))?;
        let implementing = match field {
            Some(CommitteeKind::Ethnic) => vec![peoples_committee, ethnic, construction],
            Some(CommitteeKind::Urban) => vec![construction],
            Some(CommitteeKind::EconomyBudget) => vec![peoples_committee, finance],
            _ => vec![peoples_committee],
        };
        let reporting = if field == Some(CommitteeKind::Ethnic) {
            vec![ReportingDuty {
                body_id: peoples_committee,
                content: "Báo cáo kết quả thực hiện chính sách".into(),
                timing: ReportTiming::YearEndSession,
                by: None,
            }]
        } else {
            Vec::new()
        };
        let r = Resolution {
            id: 0,
            council_id: council.id,
            number,
            title: title.into(),
            adopted_on: adopted,
            effective_from: effective,
            in_force_until: until,
            field,
            implementing_bodies: implementing,
            reporting,
        };
        let kind = r.kind();
        let id = store.add_resolution(&r, kind, &ctx_on(adopted)).await?;
        ids.insert(symbol, (id, effective.unwrap_or(adopted)));
        counts.resolutions += 1;
    }
    for (actor, kind, target, provisions) in RELATIONS {
        let (a, on) = ids[actor];
        let (t, _) = ids[target];
        store
            .add_relation(
                &Relation {
                    actor: a,
                    kind: *kind,
                    target: t,
                    effective_on: None,
                    provisions: (*provisions).into(),
                },
                &ctx_on(on),
            )
            .await?;
        counts.relations += 1;
    }

    // The year's programme.
    let year = today.year();
    let programme_day = Date::from_calendar_date(year - 1, time::Month::December, 10)?;
    let topic = "Việc thực hiện chính sách hỗ trợ đất ở, nhà ở cho đồng bào dân tộc thiểu số giai đoạn 2021–2025";
    let programme = Programme {
        id: 0,
        council_id: council.id,
        year,
        adopted_by: Some(doc("52/NQ-HĐND", programme_day)),
        topics: vec![
            ProgrammeTopic {
                title: topic.into(),
                stream: Stream::Thematic,
                conductor: Conductor::StandingCommittee,
                body_id: None,
                quarter: Some(2),
            },
            ProgrammeTopic {
                title: "Việc giải quyết kiến nghị của cử tri gửi đến kỳ họp thứ 3".into(),
                stream: Stream::VoterPetitions,
                conductor: Conductor::StandingCommittee,
                body_id: None,
                quarter: Some(3),
            },
            ProgrammeTopic {
                title: "Việc thực hiện các nghị quyết quy phạm pháp luật về phí, lệ phí".into(),
                stream: Stream::NormativeDocuments,
                conductor: Conductor::Committee,
                body_id: None,
                quarter: Some(3),
            },
            ProgrammeTopic {
                title: "Chất vấn về công tác bồi thường, giải phóng mặt bằng các dự án giao thông"
                    .into(),
                stream: Stream::Questioning,
                conductor: Conductor::Council,
                body_id: None,
                quarter: Some(4),
            },
        ],
    };
    let programme_id = store
        .save_programme(&programme, &ctx_on(programme_day))
        .await?;

    // The delegation, from its founding to its conclusion.
    let start = today - days(200);
    let d = store
        .create_delegation(
            &NewDelegation {
                council_id: council.id,
                programme_id: Some(programme_id),
                conductor: Conductor::StandingCommittee,
                stream: Stream::Thematic,
                topic: topic.into(),
                scope: "Các xã vùng đồng bào dân tộc thiểu số miền núi phía Tây của tỉnh; thời kỳ từ 01/01/2021 đến 31/12/2025".into(),
            },
            &ctx_on(start),
        )
        .await?;
    let deputy = store
        .user_credentials("daibieu")
        .await?
        .and_then(|c| c.user.person_id)
        .context("the demo deputy has no person")?;
    let mut others: Vec<i64> = store
        .seated_deputies(council.id, today)
        .await?
        .into_iter()
        .map(|m| m.person.id)
        .filter(|p| *p != deputy)
        .collect();
    others.dedup();
    let mut members = vec![Member {
        person_id: deputy,
        role: MemberRole::Head,
    }];
    for (i, p) in others.into_iter().take(4).enumerate() {
        members.push(Member {
            person_id: p,
            role: if i == 0 {
                MemberRole::DeputyHead
            } else {
                MemberRole::Member
            },
        });
    }
    let subjects = [peoples_committee, ethnic, construction, agriculture];
    let mut version = d.version;
    let mut delegation = d.value;
    let step = |day: Date| at(day);
    let t = delegation.establish(
        doc("35/QĐ-HĐND", start),
        members,
        subjects.into_iter().collect(),
        step(start),
    )?;
    version = store
        .save_delegation(&delegation, version, Some(&t), &ctx_on(start))
        .await?;
    let plan_day = start + days(7);
    let t = delegation.send_plan(
        Plan {
            plan: doc("12/KH-ĐGS", plan_day),
            outline: Some(doc("13/ĐC-ĐGS", plan_day)),
            reports_due: plan_day + days(30),
            from: plan_day + days(35),
            to: plan_day + days(70),
        },
        step(plan_day),
    )?;
    version = store
        .save_delegation(&delegation, version, Some(&t), &ctx_on(plan_day))
        .await?;
    for (i, (b, n)) in [
        (peoples_committee, "215/BC-UBND"),
        (ethnic, "88/BC-SDTTG"),
        (construction, "140/BC-SXD"),
    ]
    .into_iter()
    .enumerate()
    {
        let on = plan_day + days(25 + i64::try_from(i).unwrap_or(0) * 3);
        delegation.receive_report(SubjectReport {
            body_id: b,
            document: doc(n, on),
            received_on: on,
        })?;
        version = store
            .save_delegation(&delegation, version, None, &ctx_on(on))
            .await?;
    }
    for (offset, place, b) in [
        (40, "Xã Mường Xén (huyện Kỳ Sơn cũ)", Some(ethnic)),
        (
            48,
            "Xã Tam Quang (huyện Tương Dương cũ)",
            Some(construction),
        ),
    ] {
        let on = plan_day + days(offset);
        delegation.record_visit(Visit {
            on,
            place: place.into(),
            body_id: b,
            minutes: Some(doc(&format!("0{}/BB-ĐGS", offset / 8), on)),
        })?;
        version = store
            .save_delegation(&delegation, version, None, &ctx_on(on))
            .await?;
    }
    let draft_day = plan_day + days(72);
    let t = delegation.draft_report(step(draft_day))?;
    version = store
        .save_delegation(&delegation, version, Some(&t), &ctx_on(draft_day))
        .await?;
    let conclusion_day = draft_day + days(14);
    let recs: [(i64, &str); 10] = [
        (
            peoples_committee,
            "Chỉ đạo rà soát, cập nhật danh sách hộ đồng bào dân tộc thiểu số còn thiếu đất ở, nhà ở sau sắp xếp đơn vị hành chính cấp xã",
        ),
        (
            construction,
            "Hoàn thành hỗ trợ xây dựng nhà ở cho 1.250 hộ đồng bào dân tộc thiểu số nghèo còn tồn đọng của giai đoạn 2021–2025",
        ),
        (
            agriculture,
            "Bố trí quỹ đất ở tập trung và hoàn thiện hồ sơ giao đất ở cho các hộ chưa có đất tại 12 xã biên giới",
        ),
        (
            finance,
            "Tham mưu bố trí đủ vốn đối ứng ngân sách tỉnh cho chính sách hỗ trợ nhà ở năm 2026",
        ),
        (
            construction,
            "Ban hành thiết kế mẫu nhà ở phù hợp phong tục, tập quán của đồng bào các dân tộc Thái, Mông, Khơ Mú",
        ),
        (
            ethnic,
            "Tổng kết, đánh giá việc thực hiện Nghị quyết số 05/2021/NQ-HĐND và đề xuất chính sách giai đoạn mới",
        ),
        (
            construction,
            "Kiểm tra chất lượng nhà ở đã hỗ trợ, xử lý dứt điểm các công trình xuống cấp, bỏ hoang",
        ),
        (
            home_affairs,
            "Làm rõ trách nhiệm tập thể, cá nhân để chậm giải ngân vốn hỗ trợ nhà ở năm 2024, 2025",
        ),
        (
            agriculture,
            "Cấp giấy chứng nhận quyền sử dụng đất cho các hộ đã được giao đất ở theo chính sách",
        ),
        (
            peoples_committee,
            "Công khai danh sách hộ được hỗ trợ và mức hỗ trợ tại trụ sở UBND xã, nhà văn hóa thôn, bản",
        ),
    ];
    let t = delegation.conclude(
        Conclusion {
            document: doc("45/KL-HĐND", conclusion_day),
            report: Some(doc("210/BC-ĐGS", conclusion_day - days(3))),
            recommendations: recs
                .iter()
                .enumerate()
                .map(|(i, (b, c))| Recommendation {
                    id: i64::try_from(i + 1).unwrap_or(0),
                    addressee_id: *b,
                    content: (*c).into(),
                })
                .collect(),
        },
        step(conclusion_day),
    )?;
    version = store
        .save_delegation(&delegation, version, Some(&t), &ctx_on(conclusion_day))
        .await?;

    // Follow-up: due dates chosen so each task lands in its state today.
    let follow_day = conclusion_day + days(5);
    let due_in = |n: i64| today + days(n);
    let evidence = [
        "Danh sách hộ đã rà soát, được UBND tỉnh phê duyệt",
        "Báo cáo kết quả hỗ trợ kèm biên bản nghiệm thu nhà ở",
        "Quyết định giao đất ở cho các hộ",
        "Quyết định phân bổ vốn đối ứng",
        "Quyết định ban hành thiết kế mẫu",
        "Báo cáo tổng kết và dự thảo chính sách",
        "Báo cáo kết quả kiểm tra, xử lý",
        "Báo cáo kiểm điểm trách nhiệm",
        "Danh sách hộ được cấp giấy chứng nhận",
        "Báo cáo kết quả công khai kèm hình ảnh niêm yết",
    ];
    let dues = [
        due_in(-40), // 1 done on time
        due_in(-25), // 2 overdue
        due_in(12),  // 3 reminder 15 days sent
        due_in(-10), // 4 done on time
        due_in(6),   // 5 extension asked
        due_in(-50), // 6 overdue, escalated
        due_in(45),  // 7 progress reported
        due_in(20),  // 8 result reported, waiting
        due_in(-5),  // 9 not meeting the requirement
        due_in(30),  // 10 partly done
    ];
    let plans: Vec<TaskPlan> = (0..10)
        .map(|i| TaskPlan {
            recommendation_id: i64::try_from(i + 1).unwrap_or(0),
            co_body_ids: match i {
                1 => vec![ethnic],
                2 => vec![construction],
                5 => vec![peoples_committee],
                _ => Vec::new(),
            },
            responsible: None,
            expected_evidence: evidence[i].into(),
            due: dues[i],
            complex: i == 5,
        })
        .collect();
    let tasks = store
        .follow_up(delegation.id(), version, &plans, &ctx_on(follow_day))
        .await?;
    counts.tasks = tasks.len();

    // Each task to its state.
    for (i, stored) in tasks.into_iter().enumerate() {
        let mut task = stored.value;
        let mut v = stored.version;
        let id = task.id();
        let mut save = async |task: &nghitruong_domain::supervision::Task,
                              t: nghitruong_domain::supervision::TaskTransition,
                              on: Date|
               -> anyhow::Result<()> {
            v = store.save_task(task, v, &t, &ctx_on(on)).await?;
            Ok(())
        };
        let due = task.due();
        let report = |n: &str, on: Date| vec![doc(n, on)];
        match i {
            0 | 3 => {
                let on = due - days(5);
                let t = task.submit_result(
                    "Đã hoàn thành, kèm văn bản chứng minh.",
                    report(&format!("{}/BC-UBND", 300 + id), on),
                    at(on),
                )?;
                save(&task, t, on).await?;
                let t = task.accept("Kết quả đáp ứng yêu cầu kiến nghị.", at(on + days(3)))?;
                save(&task, t, on + days(3)).await?;
            }
            1 | 5 => {
                let on = due - days(20);
                let t = task.report_progress(
                    "Đang triển khai; khó khăn về nguồn vốn và quỹ đất.",
                    report(&format!("{}/BC", 150 + id), on),
                    at(on),
                )?;
                save(&task, t, on).await?;
                let t = task.mark_overdue(at(due + days(1)))?;
                save(&task, t, due + days(1)).await?;
            }
            4 => {
                let on = today - days(2);
                let t = task.request_extension(
                    due + days(60),
                    "Chờ bố trí vốn đối ứng và thống nhất thiết kế mẫu với các xã.",
                    at(on),
                )?;
                save(&task, t, on).await?;
            }
            6 => {
                let on = today - days(10);
                let t = task.report_progress(
                    "Đã kiểm tra 320/540 căn nhà; 27 căn xuống cấp đang được sửa chữa.",
                    report("188/BC-SXD", on),
                    at(on),
                )?;
                save(&task, t, on).await?;
            }
            7 => {
                let on = today - days(4);
                let t = task.submit_result(
                    "Đã cấp giấy chứng nhận cho 1.108/1.150 hộ; còn lại đang hoàn thiện hồ sơ.",
                    report("77/BC-SNNMT", on),
                    at(on),
                )?;
                save(&task, t, on).await?;
            }
            8 => {
                let on = due - days(3);
                let t =
                    task.submit_result("Đã tổ chức kiểm điểm.", report("51/BC-SNV", on), at(on))?;
                save(&task, t, on).await?;
                let t = task.reject(
                    "Báo cáo chưa làm rõ trách nhiệm cá nhân; đề nghị bổ sung.",
                    at(due - days(1)),
                )?;
                save(&task, t, due - days(1)).await?;
            }
            9 => {
                let on = today - days(15);
                let t = task.submit_result(
                    "Đã niêm yết công khai tại 180/196 xã.",
                    report("402/BC-UBND", on),
                    at(on),
                )?;
                save(&task, t, on).await?;
                let t = task.accept_partly(
                    "Còn 16 xã chưa niêm yết; hoàn thành trong thời hạn còn lại.",
                    at(on + days(5)),
                )?;
                save(&task, t, on + days(5)).await?;
            }
            _ => {}
        }
    }
    Ok(counts)
}
