//! The workspace home: who you are, where you work, what you may do here.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use nghitruong_domain::access::Permission;
use nghitruong_domain::org::{BodyKind, Council};

use super::{local_date, local_day};
use crate::AppState;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::AppResult;
use crate::layout::Layout;

/// An action card on the home page.
pub(crate) struct Card {
    pub(crate) title: &'static str,
    pub(crate) text: &'static str,
    pub(crate) href: &'static str,
}

const CARDS: &[(Permission, &str, &str, &str)] = &[
    (
        Permission::ViewSessions,
        "Kỳ họp",
        "Chương trình, điểm danh, biểu quyết và kết quả các kỳ họp.",
        "/ky-hop",
    ),
    (
        Permission::ViewOrganisation,
        "Cơ cấu tổ chức",
        "Thường trực, các Ban, đại biểu đang hoạt động của Hội đồng.",
        "/to-chuc",
    ),
    (
        Permission::ViewProvinceCouncils,
        "HĐND cấp xã",
        "Các HĐND xã, phường trong tỉnh: khóa, số đại biểu, cơ cấu.",
        "/hoi-dong",
    ),
    (
        Permission::ViewAgencies,
        "Cơ quan giải quyết",
        "UBND, các sở, ngành trả lời kiến nghị và thực hiện kiến nghị giám sát.",
        "/co-quan",
    ),
    (
        Permission::ViewRules,
        "Quy chế biểu quyết và thời hạn",
        "Điều kiện thông qua, nhãn biểu quyết, thời hạn trả lời.",
        "/quy-che",
    ),
    (
        Permission::ManageUsers,
        "Người dùng",
        "Tạo tài khoản, cấp lại mật khẩu, phân vai trò.",
        "/quan-tri/nguoi-dung",
    ),
    (
        Permission::ViewAudit,
        "Nhật ký hệ thống",
        "Mọi thay đổi, ai làm, khi nào; kiểm tra chuỗi toàn vẹn.",
        "/quan-tri/nhat-ky",
    ),
];

/// Figures about the current council.
pub(crate) struct CouncilFacts {
    pub(crate) title: String,
    pub(crate) level: &'static str,
    pub(crate) term: String,
    pub(crate) seats: u16,
    pub(crate) in_office: i64,
    pub(crate) committees: Vec<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    greeting: String,
    facts: Option<CouncilFacts>,
    cards: Vec<Card>,
    agency: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Html<String>> {
    let layout = Layout::signed(&state, &viewer, &csrf, "Trang làm việc", "/").await?;
    let facts = match &viewer.council {
        Some(c) => Some(facts(&state, c).await?),
        None => None,
    };
    let agency = match viewer.user.agency_body_id {
        Some(id) => Some(state.store.body(id).await?.name),
        None => None,
    };
    let page = HomePage {
        layout,
        greeting: format!("Xin chào, {}", viewer.user.display_name),
        facts,
        cards: cards(&viewer),
        agency,
    };
    Ok(Html(page.render()?))
}

fn cards(viewer: &Viewer) -> Vec<Card> {
    CARDS
        .iter()
        .filter(|(p, ..)| viewer.can(*p))
        .map(|(_, title, text, href)| Card { title, text, href })
        .collect()
}

pub(crate) async fn facts(state: &AppState, council: &Council) -> AppResult<CouncilFacts> {
    let today = local_day(state.clock.now());
    let filter = nghitruong_store::CouncilFilter {
        ids: Some(vec![council.id]),
        limit: 1,
        today: Some(today),
        ..Default::default()
    };
    let (found, _) = state.store.councils(&filter).await?;
    let in_office = found.first().map_or(0, |s| s.deputies_in_office);
    let committees = state
        .store
        .bodies(council.id)
        .await?
        .into_iter()
        .filter(|b| b.kind == BodyKind::Committee)
        .map(|b| b.name)
        .collect();
    Ok(CouncilFacts {
        title: council.title_with_term(),
        level: council.level.label(),
        term: format!(
            "Khóa {} ({} – {})",
            council.term.roman(),
            local_date(council.term.starts_on),
            local_date(council.term.ends_on)
        ),
        seats: council.seats_statutory,
        in_office,
        committees,
    })
}
