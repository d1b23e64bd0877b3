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

/// The cards: the permission that shows each, a permission that hides it
/// (an agency officer gets their own petitions card), title, text, link.
const CARDS: &[(Permission, Option<Permission>, &str, &str, &str)] = &[
    (
        Permission::ViewSessions,
        None,
        "Kỳ họp",
        "Chương trình, điểm danh, biểu quyết và kết quả các kỳ họp.",
        "/ky-hop",
    ),
    (
        Permission::ViewPetitions,
        Some(Permission::AnswerPetitions),
        "Kiến nghị cử tri",
        "Tiếp xúc cử tri, tổng hợp, phân loại, chuyển cơ quan giải quyết và theo dõi trả lời.",
        "/kien-nghi",
    ),
    (
        Permission::AnswerPetitions,
        None,
        "Kiến nghị được giao",
        "Kiến nghị cử tri Hội đồng chuyển đến cơ quan, hạn trả lời và văn bản trả lời.",
        "/kien-nghi/duoc-giao",
    ),
    (
        Permission::ViewSupervision,
        None,
        "Giám sát",
        "Chương trình, đoàn giám sát, kết luận và việc thực hiện kiến nghị sau giám sát.",
        "/giam-sat",
    ),
    (
        Permission::ViewOrganisation,
        None,
        "Cơ cấu tổ chức",
        "Thường trực, các Ban, đại biểu đang hoạt động của Hội đồng.",
        "/to-chuc",
    ),
    (
        Permission::ViewProvinceCouncils,
        None,
        "HĐND cấp xã",
        "Các HĐND xã, phường trong tỉnh: khóa, số đại biểu, cơ cấu.",
        "/hoi-dong",
    ),
    (
        Permission::ViewAgencies,
        None,
        "Cơ quan giải quyết",
        "UBND, các sở, ngành trả lời kiến nghị và thực hiện kiến nghị giám sát.",
        "/co-quan",
    ),
    (
        Permission::ViewRules,
        None,
        "Quy chế biểu quyết và thời hạn",
        "Điều kiện thông qua, nhãn biểu quyết, thời hạn trả lời.",
        "/quy-che",
    ),
    (
        Permission::ManageUsers,
        None,
        "Người dùng",
        "Tạo tài khoản, cấp lại mật khẩu, phân vai trò.",
        "/quan-tri/nguoi-dung",
    ),
    (
        Permission::ViewAudit,
        None,
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
        .filter(|(p, unless, ..)| viewer.can(*p) && !unless.is_some_and(|u| viewer.can(u)))
        .map(|(_, _, title, text, href)| Card { title, text, href })
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
