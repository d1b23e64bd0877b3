//! Biên bản kỳ họp — the draft minutes of a session, written as a DOCX in
//! the layout of Nghị định 30/2020/NĐ-CP from what the session recorded:
//! attendance, the agenda, who spoke, questions and answers, every vote
//! with its counts, rule and outcome, and the resolutions adopted with
//! their numbers. The secretary completes and signs it; the number is left
//! blank for the office to give when it registers the signed minutes.

use nghitruong_docgen::{AdminDocument, Block, to_docx};

use super::*;

/// The council's name as the header block writes it: in full.
fn issuer_name(council: &Council) -> String {
    council.name.replacen("HĐND", "Hội đồng nhân dân", 1)
}

/// The place name in "Nghệ An, ngày … tháng … năm …".
fn place_name(council: &Council) -> String {
    ["tỉnh ", "thành phố ", "xã ", "phường ", "đặc khu "]
        .iter()
        .find_map(|p| council.name.split_once(p).map(|(_, rest)| rest))
        .unwrap_or(council.name.as_str())
        .to_owned()
}

/// Everything the minutes say, gathered from the store.
pub(crate) async fn minutes_document(
    state: &AppState,
    viewer: &Viewer,
    s: &CouncilSession,
) -> AppResult<AdminDocument> {
    let council = current(viewer)?;
    let deps = deputies(state, council).await?;
    let agenda = state.store.agenda(s.id).await?;
    let attendance = state.store.attendance(s.id).await?;
    let rounds = state.store.rounds(s.id).await?;
    let adopted = state.store.adopted_resolutions(s.id).await?;
    let speakers = state.store.speak_requests(s.id).await?;
    let questions = state.store.questions(s.id).await?;
    let in_office: Vec<&Member> = deps
        .seated
        .iter()
        .filter(|m| m.person.status.holds_office())
        .collect();
    let record_of = |person: i64| attendance.iter().find(|a| a.person_id == person);
    let status_of =
        |person: i64| record_of(person).map_or(AttendanceStatus::NotCheckedIn, |a| a.status);
    let headcount = Headcount::of(in_office.iter().map(|m| status_of(m.person.id)));

    let mut body = vec![Block::Paragraph(format!(
        "{} của {} khóa {} ({}, {}) họp {} tại {}.",
        session::session_title(s.number),
        issuer_name(council),
        council.term.roman(),
        s.kind.label().to_lowercase(),
        if s.is_public {
            "họp công khai"
        } else {
            "họp kín"
        },
        if s.starts_on == s.ends_on {
            format!("ngày {}", local_date(s.starts_on))
        } else {
            format!(
                "từ ngày {} đến ngày {}",
                local_date(s.starts_on),
                local_date(s.ends_on)
            )
        },
        s.place
    ))];

    body.push(Block::Heading("I. THÀNH PHẦN THAM DỰ".into()));
    body.push(Block::Paragraph(format!(
        "Tổng số đại biểu Hội đồng nhân dân hiện có: {}. Số đại biểu tham dự: {} \
         (có mặt tại hội trường: {}; tham dự trực tuyến: {}). Vắng có lý do: {}. \
         Vắng không có lý do hoặc chưa điểm danh: {}.",
        in_office.len(),
        headcount.attending(),
        headcount.present,
        headcount.online,
        headcount.excused,
        headcount.missing
    )));
    let excused: Vec<Vec<String>> = in_office
        .iter()
        .filter_map(|m| {
            let a = record_of(m.person.id)?;
            (a.status == AttendanceStatus::Excused).then(|| {
                (
                    m.person.full_name.clone(),
                    a.reason.clone().unwrap_or_default(),
                )
            })
        })
        .enumerate()
        .map(|(i, (name, reason))| vec![(i + 1).to_string(), name, reason])
        .collect();
    if !excused.is_empty() {
        body.push(Block::Paragraph("Đại biểu vắng có lý do:".into()));
        body.push(Block::Table {
            header: vec!["STT".into(), "Họ và tên".into(), "Lý do".into()],
            rows: excused,
        });
    }

    body.push(Block::Heading("II. CHƯƠNG TRÌNH KỲ HỌP".into()));
    body.push(Block::Table {
        header: vec![
            "STT".into(),
            "Nội dung".into(),
            "Cơ quan, người trình bày".into(),
            "Tình trạng".into(),
        ],
        rows: agenda
            .iter()
            .map(|i| {
                vec![
                    i.position.to_string(),
                    format!("{} ({})", i.title, i.kind.label()),
                    i.presenter.clone(),
                    i.status.label().to_owned(),
                ]
            })
            .collect(),
    });

    body.push(Block::Heading("III. PHÁT BIỂU, THẢO LUẬN".into()));
    let spoken: Vec<Vec<String>> = speakers
        .iter()
        .filter(|r| r.status == SpeakStatus::Done)
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.person_name.clone(),
                r.kind.label().to_owned(),
                r.topic.clone(),
                match (r.started_at, r.ended_at) {
                    (Some(a), Some(b)) => speaking::clock_text((b - a).whole_seconds()),
                    _ => String::new(),
                },
            ]
        })
        .collect();
    if spoken.is_empty() {
        body.push(Block::Paragraph("Không có đại biểu phát biểu.".into()));
    } else {
        body.push(Block::Table {
            header: vec![
                "STT".into(),
                "Đại biểu".into(),
                "Hình thức".into(),
                "Nội dung".into(),
                "Thời lượng".into(),
            ],
            rows: spoken,
        });
    }

    body.push(Block::Heading("IV. CHẤT VẤN VÀ TRẢ LỜI CHẤT VẤN".into()));
    if questions.is_empty() {
        body.push(Block::Paragraph("Không có câu hỏi chất vấn.".into()));
    } else {
        body.push(Block::Table {
            header: vec![
                "STT".into(),
                "Đại biểu chất vấn".into(),
                "Người trả lời".into(),
                "Vấn đề, câu hỏi".into(),
                "Trả lời".into(),
            ],
            rows: questions
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    vec![
                        (i + 1).to_string(),
                        q.person_name.clone(),
                        q.official.clone(),
                        format!("{}: {}", q.topic, q.content),
                        q.answer
                            .clone()
                            .unwrap_or_else(|| q.status.label().to_owned()),
                    ]
                })
                .collect(),
        });
    }

    body.push(Block::Heading("V. KẾT QUẢ BIỂU QUYẾT".into()));
    let labels = &council.rules.vote_labels;
    let mut any_vote = false;
    for r in &rounds {
        let Some(view) = result_view(r, labels) else {
            continue;
        };
        any_vote = true;
        let counts = view
            .bars
            .iter()
            .map(|b| format!("{}: {} đại biểu ({})", b.label, b.count, b.percent))
            .collect::<Vec<_>>()
            .join("; ");
        body.push(Block::Paragraph(format!(
            "{} (lượt {}, {}): {}; có mặt nhưng không biểu quyết: {}. {}. Kết quả: {}.",
            view.title,
            view.round_number,
            view.mode.to_lowercase(),
            counts,
            view.not_voted,
            view.rule,
            if view.passed {
                "thông qua"
            } else {
                "không thông qua"
            }
        )));
    }
    if !any_vote {
        body.push(Block::Paragraph("Không có nội dung biểu quyết.".into()));
    }

    body.push(Block::Heading("VI. NGHỊ QUYẾT ĐÃ THÔNG QUA".into()));
    if adopted.is_empty() {
        body.push(Block::Paragraph(
            "Chưa có nghị quyết được thông qua.".into(),
        ));
    } else {
        body.push(Block::Table {
            header: vec![
                "STT".into(),
                "Số, ký hiệu".into(),
                "Trích yếu".into(),
                "Ngày thông qua".into(),
            ],
            rows: adopted
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    vec![
                        (i + 1).to_string(),
                        a.resolution.number.to_string(),
                        format!("Nghị quyết {}", lower_first(&a.resolution.title)),
                        local_date(a.resolution.adopted_on),
                    ]
                })
                .collect(),
        });
    }
    body.push(Block::Paragraph(
        "Biên bản này được dự thảo từ dữ liệu ghi nhận trên hệ thống điều hành kỳ họp; \
         thư ký kỳ họp hoàn chỉnh và trình chủ tọa ký."
            .into(),
    ));

    Ok(AdminDocument {
        parent_body: None,
        issuer: issuer_name(council),
        number: "      /BB-HĐND".into(),
        place: place_name(council),
        date: local_day(state.clock.now()),
        kind: Some("BIÊN BẢN".into()),
        title: title_of(s, council).replacen("HĐND", "Hội đồng nhân dân", 1),
        addressees: Vec::new(),
        body,
        recipients: vec![
            "Thường trực HĐND".into(),
            "Các đại biểu HĐND".into(),
            "Lưu: VT, VP".into(),
        ],
        signing_authority: "CHỦ TỌA KỲ HỌP".into(),
        signer_title: String::new(),
        signer_name: String::new(),
    })
}

/// "Về dự toán" → "về dự toán", for "Nghị quyết về dự toán".
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Downloads the draft minutes.
pub(crate) async fn minutes(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    let doc = minutes_document(&state, &viewer, &s).await?;
    let bytes = to_docx(&doc).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bien-ban-ky-hop-{}.docx\"", s.number),
            ),
        ],
        bytes,
    )
        .into_response())
}
