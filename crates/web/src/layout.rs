//! The frame around every page: who is signed in, the council switcher,
//! the navigation this role may use.

use nghitruong_domain::access::Permission;
use nghitruong_store::CouncilFilter;

use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::statics;

/// One navigation entry.
pub(crate) struct NavItem {
    pub(crate) label: &'static str,
    pub(crate) href: &'static str,
    pub(crate) current: bool,
    /// Shown in the phone's navigation row; the others are under "Thêm".
    pub(crate) primary: bool,
}

/// Entries a phone's navigation row shows before "Thêm" (more): two, so
/// that on a 390 px screen even the longest label shows whole beside
/// "Trang chủ" and "Thêm (n)" (with three, labels were cut short).
const PHONE_ROW: usize = 2;

/// Marks the entries of the phone's row: the first [`PHONE_ROW`], or, when
/// the current page is further down, the first ones but one and the
/// current page, so that where the person is always shows.
fn mark_phone_row(items: &mut [NavItem]) {
    let current = items.iter().position(|i| i.current);
    let first = match current {
        Some(c) if c >= PHONE_ROW => PHONE_ROW - 1,
        _ => PHONE_ROW,
    };
    for (n, item) in items.iter_mut().enumerate() {
        item.primary = n < first || item.current;
    }
}

/// The navigation, each entry with the permission it needs (`None`: any
/// signed-in account). Entries the viewer may not use are not shown.
const NAV: &[(&str, &str, Option<Permission>)] = &[
    ("Trang chủ", "/", Some(Permission::ViewWorkspace)),
    ("Kỳ họp", "/ky-hop", Some(Permission::ViewSessions)),
    ("Xin ý kiến", "/xin-y-kien", Some(Permission::ViewSessions)),
    ("Họp trực tuyến", "/hop", Some(Permission::ViewSessions)),
    ("Tra cứu", "/tra-cuu", None),
    (
        "Kiến nghị cử tri",
        "/kien-nghi",
        Some(Permission::ViewPetitions),
    ),
    ("Giám sát", "/giam-sat", Some(Permission::ViewSupervision)),
    (
        "Sổ nghị quyết",
        "/nghi-quyet",
        Some(Permission::ViewResolutions),
    ),
    (
        "Cơ cấu tổ chức",
        "/to-chuc",
        Some(Permission::ViewOrganisation),
    ),
    (
        "HĐND cấp xã",
        "/hoi-dong",
        Some(Permission::ViewProvinceCouncils),
    ),
    (
        "Cơ quan giải quyết",
        "/co-quan",
        Some(Permission::ViewAgencies),
    ),
    ("Quy chế", "/quy-che", Some(Permission::ViewRules)),
    (
        "Văn bản đi",
        "/van-ban-di",
        Some(Permission::ExchangeDocuments),
    ),
    (
        "Văn bản đến",
        "/van-ban-den",
        Some(Permission::ExchangeDocuments),
    ),
    (
        "Người dùng",
        "/quan-tri/nguoi-dung",
        Some(Permission::ManageUsers),
    ),
    (
        "Nhật ký hệ thống",
        "/quan-tri/nhat-ky",
        Some(Permission::ViewAudit),
    ),
    ("Tài khoản", "/tai-khoan", None),
];

/// The signed-in bar.
pub(crate) struct ViewerBar {
    pub(crate) name: String,
    pub(crate) role_label: &'static str,
    pub(crate) council_name: String,
    pub(crate) councils: Vec<SwitchOption>,
    /// Unread notifications, shown on the bell.
    pub(crate) unread: i64,
}

/// A council in the switcher.
pub(crate) struct SwitchOption {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) selected: bool,
}

/// What the base template needs.
pub(crate) struct Layout {
    pub(crate) title: String,
    pub(crate) csrf: String,
    pub(crate) viewer: Option<ViewerBar>,
    pub(crate) nav: Vec<NavItem>,
    pub(crate) css: String,
    pub(crate) htmx: String,
    pub(crate) js: String,
    pub(crate) icon: String,
}

impl Layout {
    /// The entries under the phone's "Thêm" (more) menu.
    pub(crate) fn nav_rest(&self) -> Vec<&NavItem> {
        self.nav.iter().filter(|i| !i.primary).collect()
    }

    /// A page frame for someone not signed in.
    pub(crate) fn public(title: &str, csrf: &str) -> Self {
        Self {
            title: title.to_owned(),
            csrf: csrf.to_owned(),
            viewer: None,
            nav: Vec::new(),
            css: statics::url("app.css"),
            htmx: statics::url("htmx.min.js"),
            js: statics::url("app.js"),
            icon: statics::url("favicon.svg"),
        }
    }

    /// A page frame for the signed-in viewer, at `path`.
    pub(crate) async fn signed(
        state: &AppState,
        viewer: &Viewer,
        csrf: &str,
        title: &str,
        path: &str,
    ) -> AppResult<Self> {
        let mut layout = Self::public(title, csrf);
        let unread = state.store.unread_notifications(viewer.user.id).await?;
        layout.nav = NAV
            .iter()
            .filter(|(_, _, p)| p.is_none_or(|p| viewer.can(p)))
            .map(|(label, href, _)| NavItem {
                label,
                href,
                current: *href == path || (*href != "/" && path.starts_with(href)),
                primary: true,
            })
            .collect();
        mark_phone_row(&mut layout.nav);
        if let Some(council) = &viewer.council {
            layout.viewer = Some(ViewerBar {
                name: viewer.user.display_name.clone(),
                role_label: viewer.role_label(),
                council_name: council.name.clone(),
                councils: switchable(state, viewer, council.id).await?,
                unread,
            });
        } else {
            layout.viewer = Some(ViewerBar {
                name: viewer.user.display_name.clone(),
                role_label: viewer.role_label(),
                council_name: "Chưa được phân vai trò".into(),
                councils: Vec::new(),
                unread,
            });
        }
        Ok(layout)
    }
}

/// The councils the viewer may switch to, province first.
async fn switchable(
    state: &AppState,
    viewer: &Viewer,
    current: i64,
) -> AppResult<Vec<SwitchOption>> {
    let ids = if viewer.is_admin() {
        None
    } else {
        Some(viewer.grants.iter().filter_map(|g| g.council_id).collect())
    };
    let filter = CouncilFilter {
        ids,
        limit: 500,
        ..Default::default()
    };
    let (found, _) = state.store.councils(&filter).await?;
    Ok(found
        .into_iter()
        .map(|s| SwitchOption {
            id: s.council.id,
            selected: s.council.id == current,
            name: s.council.name,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize, current: Option<usize>) -> Vec<NavItem> {
        (0..n)
            .map(|i| NavItem {
                label: "",
                href: "",
                current: current == Some(i),
                primary: true,
            })
            .collect()
    }

    fn row(items: &[NavItem]) -> Vec<usize> {
        (0..items.len()).filter(|&i| items[i].primary).collect()
    }

    #[test]
    fn the_phone_row_keeps_the_first_entries_and_the_current_page() {
        for (n, current, want) in [
            (13, None, vec![0, 1]),
            (13, Some(0), vec![0, 1]),
            (13, Some(1), vec![0, 1]),
            (13, Some(2), vec![0, 2]),
            (13, Some(12), vec![0, 12]),
            (2, Some(1), vec![0, 1]),
            (1, Some(0), vec![0]),
            (0, None, vec![]),
        ] {
            let mut nav = items(n, current);
            mark_phone_row(&mut nav);
            assert_eq!(row(&nav), want, "{n} entries, current {current:?}");
        }
    }
}
