//! The organisation of a province: administrative units, councils with their
//! terms and seats, the bodies inside and around them, people and positions.
//!
//! Legal basis: Luật Tổ chức chính quyền địa phương số 72/2025/QH15, Điều 28–30
//! (structure, committees, seats) and Điều 49 (term numbering after mergers).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::rules::CouncilRules;

/// A value read from text that names no known variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind}: {value:?}")]
pub struct UnknownVariant {
    /// What was being parsed.
    pub kind: &'static str,
    /// The text that matched nothing.
    pub value: String,
}

/// Declares a closed set of values stored as stable text codes, each with a
/// Vietnamese label for the interface.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $code)] $variant,)+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code stored in databases and URLs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The Vietnamese label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::org::UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::org::UnknownVariant { kind: $what, value: s.to_owned() }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum! {
    /// Loại đơn vị hành chính — the kind of an administrative unit after 1 July 2025.
    UnitKind, "unit kind" {
        /// Tỉnh.
        Province = "tinh", "Tỉnh";
        /// Thành phố trực thuộc trung ương.
        CentralCity = "thanh_pho", "Thành phố trực thuộc trung ương";
        /// Xã.
        Commune = "xa", "Xã";
        /// Phường.
        Ward = "phuong", "Phường";
        /// Đặc khu.
        SpecialZone = "dac_khu", "Đặc khu";
    }
}

impl UnitKind {
    /// Reads the kind as the national list writes it (`tỉnh`, `xã`, …).
    pub fn from_list_label(s: &str) -> Option<Self> {
        match s.trim() {
            "tỉnh" => Some(Self::Province),
            "thành phố trung ương" | "thành phố" => Some(Self::CentralCity),
            "xã" => Some(Self::Commune),
            "phường" => Some(Self::Ward),
            "đặc khu" => Some(Self::SpecialZone),
            _ => None,
        }
    }

    /// The level of the council such a unit has.
    pub fn council_level(self) -> CouncilLevel {
        match self {
            Self::Province | Self::CentralCity => CouncilLevel::Province,
            Self::Commune | Self::Ward | Self::SpecialZone => CouncilLevel::Commune,
        }
    }
}

/// Đơn vị hành chính — an administrative unit with its code from the national list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUnit {
    /// Mã đơn vị: two digits for a province, five for a commune.
    pub code: String,
    /// The official name, with its kind: "Xã Anh Sơn", "Phường Vinh Phú".
    pub name: String,
    /// What kind of unit it is.
    pub kind: UnitKind,
    /// The province a commune belongs to.
    pub parent_code: Option<String>,
}

coded_enum! {
    /// Cấp HĐND — the level of a council under two-level local government.
    CouncilLevel, "council level" {
        /// HĐND tỉnh or thành phố.
        Province = "tinh", "HĐND cấp tỉnh";
        /// HĐND xã, phường or đặc khu.
        Commune = "xa", "HĐND cấp xã";
    }
}

impl CouncilLevel {
    /// The smallest and largest number of deputies the law allows (Điều 30).
    ///
    /// Hà Nội and Thành phố Hồ Chí Minh have 125; callers that seed them pass
    /// that number directly.
    pub fn seat_range(self) -> (u16, u16) {
        match self {
            Self::Province => (50, 85),
            Self::Commune => (15, 30),
        }
    }

    /// The committees (Ban) the law sets up at this level (Điều 29.3).
    ///
    /// `ethnic` adds Ban Dân tộc where the council has set it up; `urban`
    /// adds Ban Đô thị for a centrally governed city.
    pub fn committees(self, ethnic: bool, urban: bool) -> Vec<CommitteeKind> {
        match self {
            Self::Province => {
                let mut all = vec![
                    CommitteeKind::Legal,
                    CommitteeKind::EconomyBudget,
                    CommitteeKind::CultureSociety,
                ];
                if ethnic {
                    all.push(CommitteeKind::Ethnic);
                }
                if urban {
                    all.push(CommitteeKind::Urban);
                }
                all
            }
            Self::Commune => vec![CommitteeKind::EconomyBudget, CommitteeKind::CultureSociety],
        }
    }
}

coded_enum! {
    /// Ban của HĐND — a standing committee of a council; also the field a
    /// petition or a document belongs to.
    CommitteeKind, "committee" {
        /// Ban Pháp chế.
        Legal = "phap_che", "Ban Pháp chế";
        /// Ban Kinh tế - Ngân sách.
        EconomyBudget = "kinh_te_ngan_sach", "Ban Kinh tế - Ngân sách";
        /// Ban Văn hóa - Xã hội.
        CultureSociety = "van_hoa_xa_hoi", "Ban Văn hóa - Xã hội";
        /// Ban Dân tộc.
        Ethnic = "dan_toc", "Ban Dân tộc";
        /// Ban Đô thị.
        Urban = "do_thi", "Ban Đô thị";
    }
}

/// Khóa — a council's term, numbered per council (Điều 49.1: a merged unit
/// with a new name starts again at khóa I).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// The term number, shown as a Roman numeral.
    pub number: u16,
    /// First day of the term.
    pub starts_on: Date,
    /// Last day of the term.
    pub ends_on: Date,
}

impl Term {
    /// The number in Roman numerals, as council documents write it ("khóa XIX").
    pub fn roman(&self) -> String {
        roman(self.number)
    }

    /// Whether `day` falls inside the term.
    pub fn contains(&self, day: Date) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
}

/// Writes `n` in Roman numerals; 0 gives an empty string.
pub fn roman(mut n: u16) -> String {
    const TABLE: [(u16, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, letters) in TABLE {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

/// Hội đồng nhân dân — a council, the tenant everything else belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Council {
    /// Store identifier.
    pub id: i64,
    /// The administrative unit it is the council of.
    pub unit_code: String,
    /// Provincial or commune level.
    pub level: CouncilLevel,
    /// Display name: "HĐND tỉnh Nghệ An", "HĐND xã Anh Sơn".
    pub name: String,
    /// The current term.
    pub term: Term,
    /// Số đại biểu theo luật định — statutory seats.
    pub seats_statutory: u16,
    /// Rules that the council has set, with the law's values by default.
    pub rules: CouncilRules,
}

impl Council {
    /// "HĐND tỉnh Nghệ An khóa XIX".
    pub fn title_with_term(&self) -> String {
        format!("{} khóa {}", self.name, self.term.roman())
    }
}

/// The council's display name for a unit: "HĐND tỉnh Nghệ An", "HĐND phường Vinh Phú".
pub fn council_name(unit: &AdminUnit) -> String {
    let prefix = match unit.kind {
        UnitKind::Province => "tỉnh ",
        UnitKind::CentralCity => "thành phố ",
        UnitKind::Commune => "xã ",
        UnitKind::Ward => "phường ",
        UnitKind::SpecialZone => "đặc khu ",
    };
    let bare = strip_kind_prefix(&unit.name);
    format!("HĐND {prefix}{bare}")
}

/// The unit's name without its kind: "Xã Anh Sơn" gives "Anh Sơn".
pub fn strip_kind_prefix(name: &str) -> &str {
    for prefix in ["Thành phố ", "Tỉnh ", "Xã ", "Phường ", "Đặc khu "] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest;
        }
    }
    name
}

coded_enum! {
    /// Loại cơ quan — the kind of a body people hold positions in or that
    /// receives documents.
    BodyKind, "body kind" {
        /// The council as a whole (HĐND); deputies hold their seat here.
        Council = "hdnd", "Hội đồng nhân dân";
        /// Thường trực HĐND.
        StandingCommittee = "thuong_truc", "Thường trực HĐND";
        /// A Ban of the council.
        Committee = "ban", "Ban của HĐND";
        /// Tổ đại biểu.
        DeputyGroup = "to_dai_bieu", "Tổ đại biểu";
        /// Đoàn đại biểu Quốc hội của tỉnh.
        NaDelegation = "doan_dbqh", "Đoàn đại biểu Quốc hội";
        /// Văn phòng Đoàn ĐBQH và HĐND (or the commune office).
        Office = "van_phong", "Văn phòng";
        /// Ủy ban nhân dân.
        PeoplesCommittee = "ubnd", "Ủy ban nhân dân";
        /// Sở, ban, ngành of the province.
        Department = "so", "Sở, ban, ngành";
        /// Bộ, ngành trung ương.
        Ministry = "bo", "Bộ, ngành trung ương";
        /// Ủy ban Mặt trận Tổ quốc.
        FatherlandFront = "ubmttq", "Ủy ban MTTQ Việt Nam";
        /// Tòa án nhân dân.
        Court = "tand", "Tòa án nhân dân";
        /// Viện kiểm sát nhân dân.
        Procuracy = "vksnd", "Viện kiểm sát nhân dân";
        /// Any other body.
        Other = "khac", "Cơ quan khác";
    }
}

impl BodyKind {
    /// Whether bodies of this kind answer petitions and carry out
    /// recommendations (cơ quan giải quyết).
    pub fn is_agency(self) -> bool {
        matches!(
            self,
            Self::PeoplesCommittee
                | Self::Department
                | Self::Ministry
                | Self::FatherlandFront
                | Self::Court
                | Self::Procuracy
                | Self::Other
        )
    }
}

/// A body: part of a council, the Delegation, the office or an agency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// Store identifier.
    pub id: i64,
    /// The council it belongs to or serves; none for central bodies.
    pub council_id: Option<i64>,
    /// What it is.
    pub kind: BodyKind,
    /// For a Ban, which one.
    pub committee: Option<CommitteeKind>,
    /// Full name.
    pub name: String,
    /// Short form used in document symbols ("HĐND", "UBND", "SXD").
    pub abbreviation: String,
    /// Mã định danh on the national document axis, where known.
    pub organ_code: Option<String>,
}

coded_enum! {
    /// Chức vụ — the role a person holds in a body.
    PositionRole, "position" {
        /// Chủ tịch.
        Chair = "chu_tich", "Chủ tịch";
        /// Phó Chủ tịch.
        ViceChair = "pho_chu_tich", "Phó Chủ tịch";
        /// Ủy viên Thường trực.
        StandingMember = "uy_vien_thuong_truc", "Ủy viên Thường trực";
        /// Trưởng Ban / Trưởng đoàn / Tổ trưởng.
        Head = "truong", "Trưởng";
        /// Phó Trưởng Ban / Phó Trưởng đoàn / Tổ phó.
        DeputyHead = "pho_truong", "Phó Trưởng";
        /// Ủy viên (of a Ban).
        Member = "uy_vien", "Ủy viên";
        /// Đại biểu (a seat in the council or the National Assembly).
        Deputy = "dai_bieu", "Đại biểu";
        /// Chánh Văn phòng.
        OfficeChief = "chanh_van_phong", "Chánh Văn phòng";
        /// Chuyên viên.
        Specialist = "chuyen_vien", "Chuyên viên";
        /// Giám đốc (of a Sở) or head of an agency.
        Director = "giam_doc", "Giám đốc";
    }
}

coded_enum! {
    /// Tình trạng đại biểu — whether a person still holds their mandate
    /// (Điều 38 on suspension, dismissal and loss of mandate).
    PersonStatus, "person status" {
        /// Đang hoạt động.
        Active = "dang_hoat_dong", "Đang hoạt động";
        /// Tạm đình chỉ.
        Suspended = "tam_dinh_chi", "Tạm đình chỉ";
        /// Thôi làm nhiệm vụ.
        Resigned = "thoi_nhiem_vu", "Thôi làm nhiệm vụ";
        /// Bị bãi nhiệm.
        Dismissed = "bai_nhiem", "Bị bãi nhiệm";
        /// Mất quyền đại biểu.
        LostMandate = "mat_quyen", "Mất quyền đại biểu";
    }
}

impl PersonStatus {
    /// Whether a deputy with this status counts as holding office (hiện có).
    pub fn holds_office(self) -> bool {
        matches!(self, Self::Active | Self::Suspended)
    }
}

/// A person: a deputy, an official, an office specialist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Store identifier.
    pub id: i64,
    /// Họ và tên.
    pub full_name: String,
    /// Whether they still hold their mandate.
    pub status: PersonStatus,
}

/// A position held in a body over a span of dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Who holds it.
    pub person_id: i64,
    /// Where.
    pub body_id: i64,
    /// What role.
    pub role: PositionRole,
    /// Chuyên trách — full time.
    pub full_time: bool,
    /// From this day.
    pub starts_on: Date,
    /// Until this day, if it has ended.
    pub ends_on: Option<Date>,
}

impl Position {
    /// Whether the position is held on `day`.
    pub fn is_held_on(&self, day: Date) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }
}

/// A plausible number of deputies for a commune council, within the legal
/// range, for demo and test data. Wards get a few more seats than communes.
pub fn plausible_commune_seats(kind: UnitKind, code: &str) -> u16 {
    let spread: u16 = code.bytes().map(u16::from).sum::<u16>() % 6;
    match kind {
        UnitKind::Ward => 25 + spread,
        _ => 20 + spread,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_coded_enum_round_trips_through_its_code() {
        for k in UnitKind::ALL {
            assert_eq!(k.as_str().parse::<UnitKind>(), Ok(*k));
        }
        for k in CouncilLevel::ALL {
            assert_eq!(k.as_str().parse::<CouncilLevel>(), Ok(*k));
        }
        for k in CommitteeKind::ALL {
            assert_eq!(k.as_str().parse::<CommitteeKind>(), Ok(*k));
        }
        for k in BodyKind::ALL {
            assert_eq!(k.as_str().parse::<BodyKind>(), Ok(*k));
        }
        for k in PositionRole::ALL {
            assert_eq!(k.as_str().parse::<PositionRole>(), Ok(*k));
        }
        for k in PersonStatus::ALL {
            assert_eq!(k.as_str().parse::<PersonStatus>(), Ok(*k));
        }
        assert!("khong_co".parse::<BodyKind>().is_err());
    }

    #[test]
    fn committees_follow_the_law_per_level() {
        use CommitteeKind::*;
        assert_eq!(
            CouncilLevel::Province.committees(true, false),
            vec![Legal, EconomyBudget, CultureSociety, Ethnic]
        );
        assert_eq!(
            CouncilLevel::Province.committees(false, true),
            vec![Legal, EconomyBudget, CultureSociety, Urban]
        );
        // Luật 72/2025 gives a commune council no Ban Pháp chế.
        assert_eq!(
            CouncilLevel::Commune.committees(true, true),
            vec![EconomyBudget, CultureSociety]
        );
    }

    #[test]
    fn unit_kinds_read_from_the_national_list() {
        assert_eq!(UnitKind::from_list_label("tỉnh"), Some(UnitKind::Province));
        assert_eq!(
            UnitKind::from_list_label("thành phố trung ương"),
            Some(UnitKind::CentralCity)
        );
        assert_eq!(UnitKind::from_list_label("phường"), Some(UnitKind::Ward));
        assert_eq!(
            UnitKind::from_list_label("đặc khu"),
            Some(UnitKind::SpecialZone)
        );
        assert_eq!(UnitKind::from_list_label("huyện"), None);
        assert_eq!(UnitKind::Ward.council_level(), CouncilLevel::Commune);
    }

    #[test]
    fn council_names_use_the_lower_case_kind() {
        let unit = AdminUnit {
            code: "16681".into(),
            name: "Xã Anh Sơn".into(),
            kind: UnitKind::Commune,
            parent_code: Some("40".into()),
        };
        assert_eq!(council_name(&unit), "HĐND xã Anh Sơn");
        let province = AdminUnit {
            code: "40".into(),
            name: "Nghệ An".into(),
            kind: UnitKind::Province,
            parent_code: None,
        };
        assert_eq!(council_name(&province), "HĐND tỉnh Nghệ An");
    }

    #[test]
    fn roman_numerals() {
        assert_eq!(roman(19), "XIX");
        assert_eq!(roman(4), "IV");
        assert_eq!(roman(1), "I");
        assert_eq!(roman(2024), "MMXXIV");
        assert_eq!(roman(0), "");
    }

    #[test]
    fn positions_are_held_between_their_dates() {
        let p = Position {
            person_id: 1,
            body_id: 1,
            role: PositionRole::Deputy,
            full_time: false,
            starts_on: date!(2026 - 03 - 15),
            ends_on: Some(date!(2031 - 03 - 14)),
        };
        assert!(!p.is_held_on(date!(2026 - 03 - 14)));
        assert!(p.is_held_on(date!(2026 - 03 - 15)));
        assert!(p.is_held_on(date!(2031 - 03 - 14)));
        assert!(!p.is_held_on(date!(2031 - 03 - 15)));
    }

    #[test]
    fn plausible_seats_stay_within_the_law() {
        let (lo, hi) = CouncilLevel::Commune.seat_range();
        for code in ["16681", "16000", "99999", "00001"] {
            for kind in [UnitKind::Commune, UnitKind::Ward] {
                let seats = plausible_commune_seats(kind, code);
                assert!((lo..=hi).contains(&seats), "{seats} for {code}");
            }
        }
    }

    #[test]
    fn only_active_or_suspended_deputies_hold_office() {
        let holding: Vec<_> = PersonStatus::ALL
            .iter()
            .filter(|s| s.holds_office())
            .collect();
        assert_eq!(
            holding,
            vec![&PersonStatus::Active, &PersonStatus::Suspended]
        );
    }
}
