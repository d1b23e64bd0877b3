//! Demo voter petitions: the development set's real (paraphrased) petitions
//! placed in Nghệ An communes, in a round marked as sample data, carried to
//! different points of their life cycle so every screen has something to
//! show. Second write-ups stay captured, for the aggregation screen to find.
//!
//! The demo's meetings are held in Nghệ An communes, so only the records
//! that Nghệ An voters could have raised there are used: those raised in
//! Nghệ An or nationwide, whose text (and answer) names no other province,
//! and that were typed with diacritics (a record typed without them would
//! read as if the office published it that way). The records are used as
//! published: none is rewritten.

use std::collections::BTreeMap;

use anyhow::Context;
use nghitruong_domain::calendar::local_date;
use nghitruong_domain::org::{BodyKind, CommitteeKind, CouncilLevel};
use nghitruong_domain::petition::{
    AssemblySession, Classification, Competence, DocumentRef, MeetingKind, ResultClass, Track,
    answer_due_date,
};
use nghitruong_store::{
    AuditContext, CouncilFilter, ForwardRequest, NewOpinion, NewPetitionRound, NewVoterMeeting,
    PetitionChange, Store,
};
use serde::Deserialize;

/// The development set, vendored with the repository.
const DEV_SET: &str = include_str!("../../../testdata/petitions/petitions-dev.jsonl");

#[derive(Deserialize)]
struct DevRecord {
    text: String,
    field: String,
    topic: String,
    competence: String,
    answer: Option<String>,
    result: Option<String>,
    #[serde(default)]
    synthetic_variant: bool,
    /// Where the voters raised it (tỉnh), as the set records it.
    #[serde(default)]
    province: String,
}

/// The province the demo places its petitions in.
const DEMO_PROVINCE: &str = "Nghệ An";

/// Provinces and centrally-run cities (tỉnh, thành phố trực thuộc trung
/// ương), before and after the 2025 merger, other than the demo's own.
/// Hồ Chí Minh and Huế are named with their prefix: the bare words are
/// also a road's and a person's name.
const OTHER_PROVINCES: &[&str] = &[
    "An Giang",
    "Bà Rịa",
    "Vũng Tàu",
    "Bạc Liêu",
    "Bắc Giang",
    "Bắc Kạn",
    "Bắc Ninh",
    "Bến Tre",
    "Bình Dương",
    "Bình Định",
    "Bình Phước",
    "Bình Thuận",
    "Cà Mau",
    "Cao Bằng",
    "Cần Thơ",
    "Đà Nẵng",
    "Đắk Lắk",
    "Đắk Nông",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Giang",
    "Hà Nam",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Dương",
    "Hải Phòng",
    "Hậu Giang",
    "Hòa Bình",
    "Hưng Yên",
    "Khánh Hòa",
    "Kiên Giang",
    "Kon Tum",
    "Lai Châu",
    "Lâm Đồng",
    "Lạng Sơn",
    "Lào Cai",
    "Long An",
    "Nam Định",
    "Ninh Bình",
    "Ninh Thuận",
    "Phú Thọ",
    "Phú Yên",
    "Quảng Bình",
    "Quảng Nam",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sóc Trăng",
    "Sơn La",
    "Tây Ninh",
    "Thái Bình",
    "Thái Nguyên",
    "Thanh Hóa",
    "Thừa Thiên Huế",
    "TP Huế",
    "thành phố Huế",
    "Tiền Giang",
    "Trà Vinh",
    "Tuyên Quang",
    "Vĩnh Long",
    "Vĩnh Phúc",
    "Yên Bái",
    "TP Hồ Chí Minh",
    "TP. Hồ Chí Minh",
    "Thành phố Hồ Chí Minh",
    "TP HCM",
    "TP.HCM",
];

/// Words before a name that make it a commune's or a village's, not a
/// province's ("các xã Lạng Sơn, Vĩnh Sơn" are communes of Anh Sơn).
const LOCAL_PREFIXES: &[&str] = &[
    "xã ",
    "phường ",
    "thị trấn ",
    "xóm ",
    "bản ",
    "thôn ",
    "khối ",
];

/// The other province `text` names, if any.
pub fn other_province_named(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    OTHER_PROVINCES.iter().copied().find(|name| {
        let needle = name.to_lowercase();
        lower.match_indices(&needle).any(|(at, _)| {
            let before = &lower[..at];
            let after = &lower[at + needle.len()..];
            let starts_word = before
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            let ends_word = after.chars().next().is_none_or(|c| !c.is_alphanumeric());
            starts_word && ends_word && !LOCAL_PREFIXES.iter().any(|p| before.ends_with(p))
        })
    })
}

/// Whether `text` was typed with Vietnamese diacritics: at least a fifth
/// of its words carry one (proper Vietnamese has far more; text typed
/// without them has none).
pub fn typed_with_diacritics(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let marked = words.iter().filter(|w| !w.is_ascii()).count();
    !words.is_empty() && marked * 5 >= words.len()
}

impl DevRecord {
    /// Whether the demo may show this record as raised by voters at a
    /// meeting in one of its Nghệ An communes.
    fn fits_demo(&self) -> bool {
        let mut texts = std::iter::once(self.text.as_str()).chain(self.answer.as_deref());
        (self.province == DEMO_PROVINCE || self.province == "(toàn quốc)")
            && texts.all(|t| other_province_named(t).is_none() && typed_with_diacritics(t))
    }
}

/// The department that answers petitions on `topic` in the demo province.
fn department_for(topic: &str) -> &'static str {
    match topic {
        "giao_thong"
        | "giao_thong_nong_thon"
        | "quy_hoach"
        | "nha_chung_cu"
        | "trat_tu_do_thi"
        | "thoat_nuoc" => "Sở Xây dựng",
        "dat_dai"
        | "boi_thuong_gpmb"
        | "tai_dinh_cu"
        | "moi_truong"
        | "rac_thai"
        | "khoang_san"
        | "nong_nghiep"
        | "thuy_loi"
        | "nuoc_sach"
        | "phong_chong_thien_tai" => "Sở Nông nghiệp và Môi trường",
        "y_te" | "an_toan_thuc_pham" | "bao_hiem_y_te" => "Sở Y tế",
        "giao_duc" | "co_so_vat_chat_truong_hoc" => "Sở Giáo dục và Đào tạo",
        "chinh_sach_can_bo"
        | "cai_cach_hanh_chinh"
        | "nguoi_co_cong"
        | "an_sinh_xa_hoi"
        | "bao_hiem_xa_hoi" => "Sở Nội vụ",
        "dien" | "cum_cong_nghiep" | "khu_cong_nghiep" | "cho_ha_tang_thuong_mai" => {
            "Sở Công Thương"
        }
        "thue_phi" => "Sở Tài chính",
        "an_ninh_trat_tu" | "cu_tru_giay_to" => "Công an tỉnh",
        _ => "UBND",
    }
}

/// Seeds the demo round of petitions into the province's council.
/// Returns how many petitions it created.
pub async fn seed_petitions(store: &dyn Store, ctx: &AuditContext) -> anyhow::Result<usize> {
    let records: Vec<DevRecord> = DEV_SET
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<Vec<DevRecord>, _>>()
        .context("the vendored petitions set does not parse")?
        .into_iter()
        .filter(DevRecord::fits_demo)
        .collect();
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
    let communes = store.units(Some(&council.unit_code)).await?;
    anyhow::ensure!(!communes.is_empty(), "the demo province has no communes");
    let bodies = store.bodies(council.id).await?;
    let agency = |name: &str| {
        bodies
            .iter()
            .find(|b| {
                matches!(b.kind, BodyKind::Department | BodyKind::PeoplesCommittee)
                    && b.name.starts_with(name)
            })
            .map(|b| b.id)
    };

    let round = store
        .create_petition_round(
            &NewPetitionRound {
                council_id: council.id,
                name: "Tiếp xúc cử tri trước Kỳ họp thứ 2 (dữ liệu mẫu)".into(),
                track: Track::Council,
                session_id: None,
                opened_on: time::macros::date!(2026 - 11 - 02),
                assembly: None,
            },
            ctx,
        )
        .await?;
    // Six meetings in six communes; petitions are shared out among them.
    let mut meetings = Vec::new();
    for (i, unit) in communes
        .iter()
        .step_by(communes.len() / 6 + 1)
        .take(6)
        .enumerate()
    {
        let day = u8::try_from(3 + i * 2).unwrap_or(3);
        let held_on = time::Date::from_calendar_date(2026, time::Month::November, day)?;
        let meeting = store
            .create_voter_meeting(
                &NewVoterMeeting {
                    round_id: round.id,
                    kind: if i == 5 {
                        MeetingKind::Online
                    } else {
                        MeetingKind::BeforeSession
                    },
                    held_on,
                    place_code: Some(unit.code.clone()),
                    place: format!("Hội trường UBND {}", unit.name.to_lowercase()),
                    deputies: "Tổ đại biểu HĐND tỉnh (dữ liệu mẫu)".into(),
                    voter_count: u32::try_from(80 + i * 25).unwrap_or(80),
                    minutes: String::new(),
                },
                ctx,
            )
            .await?;
        meetings.push(meeting);
    }
    let mut ids = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let meeting = &meetings[i % meetings.len()];
        let opinion = NewOpinion {
            text: r.text.clone(),
            voter_count: u32::try_from(1 + i % 4).unwrap_or(1),
            place_code: meeting.place_code.clone(),
            voter_name: None,
            voter_address: None,
        };
        let id = store
            .capture_opinions(round.id, Some(meeting.id), &[opinion], ctx)
            .await?;
        ids.push(id[0]);
    }

    // Carry the originals along; second write-ups wait for aggregation.
    let mut by_agency: BTreeMap<i64, Vec<(usize, i64)>> = BTreeMap::new();
    for (i, (r, id)) in records.iter().zip(&ids).enumerate() {
        if r.synthetic_variant || i % 6 == 0 {
            continue;
        }
        let p = store
            .change_petition(*id, 1, &PetitionChange::Aggregate, ctx)
            .await?;
        if i % 6 == 1 {
            continue;
        }
        let competence = match r.competence.as_str() {
            "trung_uong" => Competence::Central,
            "xa" => Competence::Commune,
            _ => Competence::Province,
        };
        let field = r.field.parse().unwrap_or(CommitteeKind::EconomyBudget);
        let agency_id = agency(department_for(&r.topic)).or_else(|| agency("UBND"));
        store
            .change_petition(
                *id,
                p.version,
                &PetitionChange::Classify(Classification {
                    field,
                    topic: r.topic.clone(),
                    competence,
                    agency_id,
                }),
                ctx,
            )
            .await?;
        if i % 6 == 2 {
            continue;
        }
        if let Some(a) = agency_id {
            by_agency.entry(a).or_default().push((i, *id));
        }
    }

    let calendar = council.rules.calendar()?;
    let today = local_date(ctx.at);
    for (n, (agency_id, items)) in by_agency.iter().enumerate() {
        let due_on = answer_due_date(
            &calendar,
            &council.rules.deadlines,
            Competence::Province,
            today,
        );
        let number = format!("{}/HĐND-VP", 301 + n);
        store
            .forward_petitions(
                &ForwardRequest {
                    council_id: council.id,
                    round_id: round.id,
                    agency_id: *agency_id,
                    number: number.clone(),
                    issued_on: today,
                    due_on,
                    petition_ids: items.iter().map(|(_, id)| *id).collect(),
                },
                ctx,
            )
            .await?;
        for (k, (i, id)) in items.iter().enumerate() {
            let r = &records[*i];
            // The last petition sent to each agency waits for its answer,
            // so that every agency has one to answer.
            let Some(answer) = r.answer.as_deref().filter(|_| k + 1 < items.len()) else {
                continue;
            };
            let p = store.petition(*id).await?;
            let p = store
                .change_petition(
                    *id,
                    p.version,
                    &PetitionChange::RecordAnswer {
                        document: DocumentRef {
                            number: format!("{}/TL-DEMO", 1000 + i),
                            date: today,
                        },
                        summary: answer.to_owned(),
                        file: None,
                    },
                    ctx,
                )
                .await?;
            if let Some(result) = r
                .result
                .as_deref()
                .and_then(|c| c.parse::<ResultClass>().ok())
            {
                let note = if result.carries_over() {
                    "Tiếp tục theo dõi, đôn đốc ở kỳ sau (dữ liệu mẫu)."
                } else {
                    ""
                };
                store
                    .change_petition(
                        *id,
                        p.version,
                        &PetitionChange::Evaluate {
                            result,
                            note: note.into(),
                        },
                        ctx,
                    )
                    .await?;
            }
        }
    }
    seed_delegation_round(store, &council, &records, communes.first(), ctx).await?;
    Ok(ids.len())
}

/// A round of the Delegation's track after a National Assembly session
/// that closed five days ago: four petitions of central competence are
/// classified and wait to be sent, ten days before the 15-day window ends.
/// Returns how many it created.
async fn seed_delegation_round(
    store: &dyn Store,
    council: &nghitruong_domain::org::Council,
    records: &[DevRecord],
    place: Option<&nghitruong_domain::org::AdminUnit>,
    ctx: &AuditContext,
) -> anyhow::Result<usize> {
    let today = local_date(ctx.at);
    let closing = today - time::Duration::days(5);
    let assembly = AssemblySession::new(closing - time::Duration::days(30), closing)?;
    let round = store
        .create_petition_round(
            &NewPetitionRound {
                council_id: council.id,
                name: "Tiếp xúc cử tri sau kỳ họp Quốc hội của Đoàn ĐBQH tỉnh (dữ liệu mẫu)".into(),
                track: Track::Delegation,
                session_id: None,
                opened_on: closing,
                assembly: Some(assembly),
            },
            ctx,
        )
        .await?;
    let meeting = store
        .create_voter_meeting(
            &NewVoterMeeting {
                round_id: round.id,
                kind: MeetingKind::AfterSession,
                held_on: today - time::Duration::days(2),
                place_code: place.map(|u| u.code.clone()),
                place: place.map_or_else(
                    || "Hội trường UBND tỉnh".to_owned(),
                    |u| format!("Hội trường UBND {}", u.name.to_lowercase()),
                ),
                deputies: "Đoàn đại biểu Quốc hội tỉnh (dữ liệu mẫu)".into(),
                voter_count: 120,
                minutes: String::new(),
            },
            ctx,
        )
        .await?;
    let central: Vec<&DevRecord> = records
        .iter()
        .filter(|r| r.competence == "trung_uong" && !r.synthetic_variant)
        .take(4)
        .collect();
    for (i, r) in central.iter().enumerate() {
        let opinion = NewOpinion {
            text: r.text.clone(),
            voter_count: u32::try_from(2 + i).unwrap_or(2),
            place_code: meeting.place_code.clone(),
            voter_name: None,
            voter_address: None,
        };
        let id = store
            .capture_opinions(round.id, Some(meeting.id), &[opinion], ctx)
            .await?[0];
        let p = store
            .change_petition(id, 1, &PetitionChange::Aggregate, ctx)
            .await?;
        store
            .change_petition(
                id,
                p.version,
                &PetitionChange::Classify(Classification {
                    field: r.field.parse().unwrap_or(CommitteeKind::EconomyBudget),
                    topic: r.topic.clone(),
                    competence: Competence::Central,
                    agency_id: None,
                }),
                ctx,
            )
            .await?;
    }
    Ok(central.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_province_is_found_but_a_commune_of_the_same_name_is_not() {
        assert_eq!(
            other_province_named("Cử tri xã Đăk Mar, tỉnh Kon Tum đề nghị"),
            Some("Kon Tum")
        );
        assert_eq!(
            other_province_named("Cử tri TP Hồ Chí Minh kiến nghị"),
            Some("TP Hồ Chí Minh")
        );
        assert_eq!(
            other_province_named("Cử tri các xã Lạng Sơn, Vĩnh Sơn (huyện Anh Sơn)"),
            None
        );
        assert_eq!(other_province_named("nâng cấp đường Hồ Chí Minh"), None);
        assert_eq!(
            other_province_named("Cử tri Hà Namh"),
            None,
            "whole words only"
        );
        assert_eq!(other_province_named("Cử tri tỉnh Nghệ An"), None);
    }

    #[test]
    fn text_typed_without_diacritics_is_told_apart() {
        assert!(typed_with_diacritics("Cử tri đề nghị nâng cấp Quốc lộ 7."));
        assert!(!typed_with_diacritics(
            "Cu tri khu Ha Xa, xa Lien Minh phan anh dien sinh hoat yeu."
        ));
        assert!(!typed_with_diacritics("QL7 2026"));
    }
}
