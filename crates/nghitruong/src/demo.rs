//! The demo province: Nghệ An (mã 40) with its provincial council (HĐND tỉnh
//! khóa XIX), the Đoàn ĐBQH, their shared office, the agencies that answer to
//! the council, and the councils of its 130 xã and phường, each with invented
//! people, plus one account for each typical role.
//!
//! Everything is built from the national list of units and fixed lists of
//! Vietnamese names through a small deterministic generator, so the output is
//! identical on every run. No real person is named; organ codes are
//! illustrative, not the official assignments.

use std::collections::HashSet;

use anyhow::{Context, bail};
use nghitruong_domain::access::Role;
use nghitruong_domain::org::{
    self, AdminUnit, BodyKind, CommitteeKind, CouncilLevel, PersonStatus, PositionRole, Term,
    UnitKind,
};
use nghitruong_domain::rules::CouncilRules;
use nghitruong_domain::text;
use nghitruong_store::{BodySeed, CouncilSeed, OrgSeed, PersonSeed, PositionSeed, UserSeed};
use serde::Deserialize;
use time::Date;
use time::macros::date;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "NghiTruong@2026";

/// Mã tỉnh Nghệ An in the national list.
const PROVINCE_CODE: &str = "40";
/// Xã and phường of Nghệ An after 1 July 2025.
const COMMUNE_COUNT: usize = 130;
/// Statutory seats of HĐND tỉnh Nghệ An (the maximum of Điều 30).
const PROVINCE_SEATS: u16 = 85;
/// HĐND tỉnh Nghệ An 2026–2031 is khóa XIX.
const PROVINCE_TERM: u16 = 19;
/// A merged commune with a new name starts again at khóa I (Điều 49.1).
const COMMUNE_TERM: u16 = 1;
/// First day of the 2026–2031 term.
const TERM_STARTS: Date = date!(2026 - 03 - 22);
/// Last day of the 2026–2031 term.
const TERM_ENDS: Date = date!(2031 - 03 - 21);
/// The day the demo's resigned provincial deputy left.
const RESIGNED_ON: Date = date!(2026 - 09 - 30);
/// Among the provincial deputies without another post, the one who resigned
/// (thôi làm nhiệm vụ).
const RESIGNED_INDEX: usize = 10;
/// Among the provincial deputies without another post, the one suspended
/// (tạm đình chỉ).
const SUSPENDED_INDEX: usize = 20;
/// Members of the Đoàn ĐBQH elected in the province.
const NA_DEPUTIES: usize = 9;
/// The commune whose council gets demo accounts, when the list has it.
const FEATURED_COMMUNE: &str = "Xã Anh Sơn";
/// The Sở whose Giám đốc gets the agency account.
const CONSTRUCTION: &str = "xay_dung";
/// Display name of the administrator account.
const ADMIN_DISPLAY_NAME: &str = "Quản trị hệ thống";
/// What the administrator's council column shows.
const EVERY_COUNCIL: &str = "Tất cả các HĐND";

/// Sở, ban, ngành of the province after the 2025 reorganisation:
/// (key part, name before "tỉnh Nghệ An", abbreviation).
const DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("noi_vu", "Sở Nội vụ", "SNV"),
    ("tai_chinh", "Sở Tài chính", "STC"),
    ("tu_phap", "Sở Tư pháp", "STP"),
    ("cong_thuong", "Sở Công Thương", "SCT"),
    (CONSTRUCTION, "Sở Xây dựng", "SXD"),
    (
        "nong_nghiep_moi_truong",
        "Sở Nông nghiệp và Môi trường",
        "SNNMT",
    ),
    ("khoa_hoc_cong_nghe", "Sở Khoa học và Công nghệ", "SKHCN"),
    ("giao_duc_dao_tao", "Sở Giáo dục và Đào tạo", "SGDĐT"),
    ("y_te", "Sở Y tế", "SYT"),
    (
        "van_hoa_the_thao_du_lich",
        "Sở Văn hóa, Thể thao và Du lịch",
        "SVHTTDL",
    ),
    ("dan_toc_ton_giao", "Sở Dân tộc và Tôn giáo", "SDTTG"),
    ("thanh_tra", "Thanh tra", "TTT"),
    ("van_phong_ubnd", "Văn phòng UBND", "VPUBND"),
    ("cong_an", "Công an", "CAT"),
];

/// Bộ, ngành trung ương that answer the Đoàn ĐBQH: (key part, name, abbreviation).
const MINISTRIES: &[(&str, &str, &str)] = &[
    ("xay_dung", "Bộ Xây dựng", "BXD"),
    ("tai_chinh", "Bộ Tài chính", "BTC"),
    (
        "nong_nghiep_moi_truong",
        "Bộ Nông nghiệp và Môi trường",
        "BNNMT",
    ),
    ("y_te", "Bộ Y tế", "BYT"),
    ("giao_duc_dao_tao", "Bộ Giáo dục và Đào tạo", "BGDĐT"),
    ("noi_vu", "Bộ Nội vụ", "BNV"),
];

/// Họ, repeated roughly in proportion to how common they are; Lô, Vi,
/// Lương, Lang are common among the Thái of western Nghệ An.
const FAMILY_NAMES: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Phan",
    "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Lô", "Vi", "Lương", "Lang", "Cao",
    "Thái", "Đinh", "Chu", "Hà",
];
/// Tên đệm for men.
const MALE_MIDDLE_NAMES: &[&str] = &[
    "Văn", "Văn", "Đức", "Hữu", "Minh", "Thanh", "Quang", "Xuân", "Đình", "Công", "Trọng", "Ngọc",
    "Bá", "Anh",
];
/// Tên đệm for women.
const FEMALE_MIDDLE_NAMES: &[&str] = &[
    "Thị", "Thị", "Thị", "Thanh", "Minh", "Ngọc", "Thu", "Hồng", "Kim", "Thùy",
];
/// Tên for men.
const MALE_GIVEN_NAMES: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Lâm", "Long",
    "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Toàn", "Trung",
    "Tuấn", "Tùng", "Việt", "Vinh", "Hưng", "Lộc", "Kiên", "Định", "Hoàng",
];
/// Tên for women.
const FEMALE_GIVEN_NAMES: &[&str] = &[
    "An", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa", "Hương", "Huyền", "Lan",
    "Liên", "Linh", "Loan", "Mai", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Thảo",
    "Thủy", "Trang", "Vân", "Yến", "Tâm",
];

/// A demo account as the sign-in page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    /// Tên đăng nhập.
    pub username: String,
    /// The role, in Vietnamese ("Chủ tịch HĐND").
    pub role_label: String,
    /// The council the role is held in ("HĐND tỉnh Nghệ An").
    pub council_name: String,
}

/// Builds Nghệ An (province 40) from the national list of units
/// (`seed/admin-units-2025-07.csv`): the province and its 130 xã and phường,
/// HĐND tỉnh khóa XIX with its Ban, the Đoàn ĐBQH, the shared office and the
/// agencies, a council for every commune, a few ministries, and demo accounts
/// that all use [`DEMO_PASSWORD`], hashed once by `hash_password`.
///
/// # Errors
///
/// Fails when the list cannot be read, lacks the province, names an unknown
/// kind of unit, or does not hold exactly 130 units under the province.
pub fn demo_seed(
    units_csv: &str,
    hash_password: &dyn Fn(&str) -> String,
) -> anyhow::Result<(OrgSeed, Vec<DemoAccount>)> {
    let (province, communes) = province_units(units_csv)?;
    let (province_council, province_keys) = province_council(&province)?;
    let (commune_councils, commune_keys): (Vec<_>, Vec<_>) =
        communes.iter().map(commune_council).unzip();

    let featured = communes
        .iter()
        .position(|u| u.name == FEATURED_COMMUNE)
        .unwrap_or(0);
    let commune = communes
        .get(featured)
        .context("the province has no commune")?;
    let commune_keys = commune_keys
        .get(featured)
        .context("the commune has no council")?;
    let accounts = demo_accounts(&province, &province_keys, commune, commune_keys);

    let hash = hash_password(DEMO_PASSWORD);
    let users = accounts.iter().map(|a| a.user_seed(&hash)).collect();
    let listed = accounts.iter().map(Account::listing).collect();

    let mut councils = vec![province_council];
    councils.extend(commune_councils);
    let mut units = vec![province];
    units.extend(communes);
    let seed = OrgSeed {
        units,
        councils,
        central_bodies: ministries(),
        users,
    };
    Ok((seed, listed))
}

// ---------------------------------------------------------------------------
// Units

/// A row of the national list.
#[derive(Deserialize)]
struct UnitRow {
    code: String,
    name: String,
    kind: String,
    parent_code: Option<String>,
}

/// Reads province 40 and the units under it, in list order.
fn province_units(units_csv: &str) -> anyhow::Result<(AdminUnit, Vec<AdminUnit>)> {
    let mut reader = csv::Reader::from_reader(units_csv.as_bytes());
    let mut province = None;
    let mut communes = Vec::new();
    for (index, row) in reader.deserialize::<UnitRow>().enumerate() {
        let row = row.with_context(|| format!("reading record {} of the unit list", index + 1))?;
        let parent = row.parent_code.clone().filter(|p| !p.is_empty());
        if row.code == PROVINCE_CODE {
            province = Some(admin_unit(row, None)?);
        } else if parent.as_deref() == Some(PROVINCE_CODE) {
            communes.push(admin_unit(row, parent)?);
        }
    }
    let province = province
        .with_context(|| format!("the unit list has no province with code {PROVINCE_CODE}"))?;
    if province.kind != UnitKind::Province {
        bail!("unit {PROVINCE_CODE} ({}) is not a tỉnh", province.name);
    }
    if communes.len() != COMMUNE_COUNT {
        bail!(
            "the unit list should hold {COMMUNE_COUNT} xã and phường under {} ({PROVINCE_CODE}), \
             found {}",
            province.name,
            communes.len()
        );
    }
    if let Some(odd) = communes
        .iter()
        .find(|u| u.kind.council_level() != CouncilLevel::Commune)
    {
        bail!(
            "unit {} ({}) under {PROVINCE_CODE} is not a commune-level unit",
            odd.code,
            odd.name
        );
    }
    Ok((province, communes))
}

/// Turns a row into a unit, reading its kind as the list writes it.
fn admin_unit(row: UnitRow, parent_code: Option<String>) -> anyhow::Result<AdminUnit> {
    let kind = UnitKind::from_list_label(&row.kind).with_context(|| {
        format!(
            "unit {} ({}) has an unknown kind {:?}",
            row.code, row.name, row.kind
        )
    })?;
    Ok(AdminUnit {
        code: row.code,
        name: row.name,
        kind,
        parent_code,
    })
}

/// The unit as it follows a body's name: "tỉnh Nghệ An", "phường Vinh Phú".
fn place(unit: &AdminUnit) -> String {
    let kind = match unit.kind {
        UnitKind::Province => "tỉnh",
        UnitKind::CentralCity => "thành phố",
        UnitKind::Commune => "xã",
        UnitKind::Ward => "phường",
        UnitKind::SpecialZone => "đặc khu",
    };
    format!("{kind} {}", org::strip_kind_prefix(&unit.name))
}

// ---------------------------------------------------------------------------
// Bodies

/// The seed key of a body of the council of `code`: `40:thuong_truc`.
fn body_key(code: &str, part: &str) -> String {
    format!("{code}:{part}")
}

/// The seed key of a Ban: `40:ban:phap_che`.
fn committee_key(code: &str, kind: CommitteeKind) -> String {
    format!("{code}:ban:{}", kind.as_str())
}

/// The seed key of a provincial Sở: `40:so:xay_dung`.
fn department_key(code: &str, part: &str) -> String {
    format!("{code}:so:{part}")
}

/// A body with no Ban and no organ code.
fn body(key: String, kind: BodyKind, name: String, abbreviation: &str) -> BodySeed {
    BodySeed {
        key,
        kind,
        committee: None,
        name,
        abbreviation: abbreviation.to_owned(),
        organ_code: None,
    }
}

/// The abbreviation of a Ban, as its reports write it ("BC-KTNS").
fn committee_abbreviation(kind: CommitteeKind) -> &'static str {
    match kind {
        CommitteeKind::Legal => "PC",
        CommitteeKind::EconomyBudget => "KTNS",
        CommitteeKind::CultureSociety => "VHXH",
        CommitteeKind::Ethnic => "DT",
        CommitteeKind::Urban => "ĐT",
    }
}

/// The bodies every council has: itself, its Thường trực and its Ban.
fn council_bodies(unit: &AdminUnit, committees: &[CommitteeKind]) -> Vec<BodySeed> {
    let place = place(unit);
    let code = &unit.code;
    let mut bodies = vec![
        body(
            body_key(code, "hdnd"),
            BodyKind::Council,
            format!("Hội đồng nhân dân {place}"),
            "HĐND",
        ),
        body(
            body_key(code, "thuong_truc"),
            BodyKind::StandingCommittee,
            format!("Thường trực HĐND {place}"),
            "TTHĐND",
        ),
    ];
    bodies.extend(committees.iter().map(|&kind| BodySeed {
        committee: Some(kind),
        ..body(
            committee_key(code, kind),
            BodyKind::Committee,
            format!("{} HĐND {place}", kind.label()),
            committee_abbreviation(kind),
        )
    }));
    bodies
}

/// The Đoàn ĐBQH and the office it shares with the council.
fn delegation_and_office(unit: &AdminUnit) -> Vec<BodySeed> {
    let place = place(unit);
    vec![
        body(
            body_key(&unit.code, "doan_dbqh"),
            BodyKind::NaDelegation,
            format!("Đoàn đại biểu Quốc hội {place}"),
            "ĐĐBQH",
        ),
        body(
            body_key(&unit.code, "van_phong"),
            BodyKind::Office,
            format!("Văn phòng Đoàn ĐBQH và HĐND {place}"),
            "VP",
        ),
    ]
}

/// UBND tỉnh, the Sở, the court, the procuracy and the Fatherland Front.
fn province_agencies(unit: &AdminUnit) -> Vec<BodySeed> {
    let place = place(unit);
    let code = &unit.code;
    let mut agencies = vec![BodySeed {
        organ_code: Some(format!("000.00.00.H{code}")),
        ..body(
            body_key(code, "ubnd"),
            BodyKind::PeoplesCommittee,
            format!("UBND {place}"),
            "UBND",
        )
    }];
    agencies.extend(
        DEPARTMENTS
            .iter()
            .zip(1..)
            .map(|(&(part, name, abbr), n)| BodySeed {
                organ_code: Some(format!("000.00.{n:02}.H{code}")),
                ..body(
                    department_key(code, part),
                    BodyKind::Department,
                    format!("{name} {place}"),
                    abbr,
                )
            }),
    );
    agencies.extend([
        body(
            body_key(code, "tand"),
            BodyKind::Court,
            format!("Tòa án nhân dân {place}"),
            "TAND",
        ),
        body(
            body_key(code, "vksnd"),
            BodyKind::Procuracy,
            format!("Viện kiểm sát nhân dân {place}"),
            "VKSND",
        ),
        body(
            body_key(code, "ubmttq"),
            BodyKind::FatherlandFront,
            format!("Ủy ban Mặt trận Tổ quốc Việt Nam {place}"),
            "MTTQ",
        ),
    ]);
    agencies
}

/// The office and the UBND of a xã or phường.
fn commune_office_and_agency(unit: &AdminUnit) -> Vec<BodySeed> {
    let place = place(unit);
    vec![
        body(
            body_key(&unit.code, "van_phong"),
            BodyKind::Office,
            format!("Văn phòng HĐND và UBND {place}"),
            "VP",
        ),
        body(
            body_key(&unit.code, "ubnd"),
            BodyKind::PeoplesCommittee,
            format!("UBND {place}"),
            "UBND",
        ),
    ]
}

/// The ministries outside any council.
fn ministries() -> Vec<BodySeed> {
    MINISTRIES
        .iter()
        .map(|&(part, name, abbr)| {
            body(
                format!("tw:bo:{part}"),
                BodyKind::Ministry,
                name.to_owned(),
                abbr,
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Names

/// Invents Vietnamese names from a linear congruential sequence seeded by a
/// unit code, never giving the same name twice within one council.
struct NameGen {
    state: u64,
    used: HashSet<String>,
}

impl NameGen {
    /// A generator whose sequence depends only on `code` (FNV-1a).
    fn for_unit(code: &str) -> Self {
        let state = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        Self {
            state,
            used: HashSet::new(),
        }
    }

    /// The next number below `bound` (which is not zero).
    fn below(&mut self, bound: usize) -> usize {
        self.state = self
            .state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let high = self.state >> 33;
        usize::try_from(high % bound.max(1) as u64).unwrap_or(0)
    }

    /// The entry at the next index of `list`.
    fn pick(&mut self, list: &'static [&'static str]) -> (usize, &'static str) {
        let index = self.below(list.len());
        (index, list.get(index).copied().unwrap_or_default())
    }

    /// A name not given before in this council, if one turns up soon enough.
    fn full_name(&mut self) -> String {
        let mut name = self.candidate();
        for _ in 0..64 {
            if !self.used.contains(&name) {
                break;
            }
            name = self.candidate();
        }
        self.used.insert(name.clone());
        name
    }

    /// Họ, tên đệm and tên; about three in ten are women. A tên that reads
    /// like the tên đệm ("Thùy Thủy") is swapped for the next one.
    fn candidate(&mut self) -> String {
        let (_, family) = self.pick(FAMILY_NAMES);
        let (middles, givens) = if self.below(10) < 3 {
            (FEMALE_MIDDLE_NAMES, FEMALE_GIVEN_NAMES)
        } else {
            (MALE_MIDDLE_NAMES, MALE_GIVEN_NAMES)
        };
        let (_, middle) = self.pick(middles);
        let (index, mut given) = self.pick(givens);
        if text::fold(given) == text::fold(middle) {
            given = givens
                .get((index + 1) % givens.len())
                .copied()
                .unwrap_or(given);
        }
        format!("{family} {middle} {given}")
    }
}

// ---------------------------------------------------------------------------
// People

/// A person placed in the seed: the key accounts point at, and the name.
#[derive(Clone, Debug)]
struct Named {
    key: String,
    name: String,
}

/// A position from the first day of the term.
fn post(body_key: &str, role: PositionRole, full_time: bool) -> PositionSeed {
    PositionSeed {
        body_key: body_key.to_owned(),
        role,
        full_time,
        starts_on: TERM_STARTS,
        ends_on: None,
    }
}

/// The people of one council as they are added, named by a generator of
/// their own so that one council's names do not depend on another's.
struct Roster {
    code: String,
    council_key: String,
    names: NameGen,
    people: Vec<PersonSeed>,
    deputies: usize,
}

impl Roster {
    /// An empty roster for the council of `unit`.
    fn new(unit: &AdminUnit) -> Self {
        Self {
            code: unit.code.clone(),
            council_key: body_key(&unit.code, "hdnd"),
            names: NameGen::for_unit(&unit.code),
            people: Vec::new(),
            deputies: 0,
        }
    }

    /// Adds an active person under `key` holding `positions`.
    fn add(&mut self, key: String, positions: Vec<PositionSeed>) -> Named {
        let name = self.names.full_name();
        self.people.push(PersonSeed {
            key: Some(key.clone()),
            full_name: name.clone(),
            status: PersonStatus::Active,
            positions,
        });
        Named { key, name }
    }

    /// Adds a staff member who is not a deputy, holding one full-time post.
    fn staff(&mut self, key_part: &str, body_key: &str, role: PositionRole) -> Named {
        let key = format!("{}:{key_part}", self.code);
        self.add(key, vec![post(body_key, role, true)])
    }

    /// Adds a đại biểu HĐND: a seat in the council and `roles` in its other
    /// bodies, all full-time (chuyên trách) or all part-time.
    fn deputy(&mut self, full_time: bool, roles: &[(&str, PositionRole)]) -> Named {
        self.deputies += 1;
        let key = format!("{}:dai_bieu:{:02}", self.code, self.deputies);
        let mut positions = vec![post(&self.council_key, PositionRole::Deputy, full_time)];
        positions.extend(
            roles
                .iter()
                .map(|&(body, role)| post(body, role, full_time)),
        );
        self.add(key, positions)
    }

    /// Fills the remaining seats with deputies who hold no other post.
    fn fill_seats(&mut self, seats: u16) -> Vec<Named> {
        (self.deputies..usize::from(seats))
            .map(|_| self.deputy(false, &[]))
            .collect()
    }

    /// Changes a person's status; one who left also has every post end on `ends_on`.
    fn set_status(&mut self, key: &str, status: PersonStatus, ends_on: Option<Date>) {
        let person = self
            .people
            .iter_mut()
            .find(|p| p.key.as_deref() == Some(key));
        if let Some(person) = person {
            person.status = status;
            for position in &mut person.positions {
                position.ends_on = ends_on;
            }
        }
    }
}

/// The provincial people that demo accounts belong to.
struct ProvinceKeys {
    chair: Named,
    deputy: Named,
    more_deputies: Vec<Named>,
    office_specialist: Named,
    director: Named,
    delegation_head: Named,
}

/// The commune people that demo accounts belong to.
struct CommuneKeys {
    chair: Named,
    secretary: Named,
}

/// A provincial Ban: its Trưởng Ban (also Ủy viên Thường trực), one or two
/// Phó Trưởng Ban (the first full-time) and four to six Ủy viên.
fn staff_province_committee(roster: &mut Roster, standing: &str, ban: &str, index: usize) {
    roster.deputy(
        true,
        &[
            (ban, PositionRole::Head),
            (standing, PositionRole::StandingMember),
        ],
    );
    let vice_heads = if index < 2 { 2 } else { 1 };
    for n in 0..vice_heads {
        roster.deputy(n == 0, &[(ban, PositionRole::DeputyHead)]);
    }
    for _ in 0..(6 - index % 3) {
        roster.deputy(false, &[(ban, PositionRole::Member)]);
    }
}

/// The nine ĐBQH elected in the province: Trưởng đoàn, a full-time Phó
/// Trưởng đoàn, two more full-time deputies and five part-time ones.
fn staff_delegation(roster: &mut Roster) -> Named {
    let doan = body_key(&roster.code, "doan_dbqh");
    let key = |n: usize| format!("{}:dbqh:{n:02}", roster.code);
    let (head_key, vice_key) = (key(1), key(2));
    let rest: Vec<String> = (3..=NA_DEPUTIES).map(key).collect();
    let head = roster.add(
        head_key,
        vec![
            post(&doan, PositionRole::Deputy, false),
            post(&doan, PositionRole::Head, false),
        ],
    );
    roster.add(
        vice_key,
        vec![
            post(&doan, PositionRole::Deputy, true),
            post(&doan, PositionRole::DeputyHead, true),
        ],
    );
    for (n, key) in rest.into_iter().enumerate() {
        roster.add(key, vec![post(&doan, PositionRole::Deputy, n < 2)]);
    }
    head
}

/// The people of HĐND tỉnh: 85 deputies (one resigned, one suspended), the
/// Đoàn ĐBQH, the office and the Giám đốc Sở Xây dựng.
fn province_people(unit: &AdminUnit) -> anyhow::Result<(Vec<PersonSeed>, ProvinceKeys)> {
    let mut roster = Roster::new(unit);
    let code = unit.code.clone();
    let standing = body_key(&code, "thuong_truc");
    let chair = roster.deputy(true, &[(&standing, PositionRole::Chair)]);
    for _ in 0..3 {
        roster.deputy(true, &[(&standing, PositionRole::ViceChair)]);
    }
    for (index, &kind) in CouncilLevel::Province
        .committees(true, false)
        .iter()
        .enumerate()
    {
        staff_province_committee(&mut roster, &standing, &committee_key(&code, kind), index);
    }
    let ordinary = roster.fill_seats(PROVINCE_SEATS);
    let deputy = ordinary
        .first()
        .cloned()
        .context("HĐND tỉnh has no ordinary deputy")?;
    if let Some(left) = ordinary.get(RESIGNED_INDEX) {
        roster.set_status(&left.key, PersonStatus::Resigned, Some(RESIGNED_ON));
    }
    if let Some(suspended) = ordinary.get(SUSPENDED_INDEX) {
        roster.set_status(&suspended.key, PersonStatus::Suspended, None);
    }
    let delegation_head = staff_delegation(&mut roster);
    let office = body_key(&code, "van_phong");
    roster.staff("van_phong:chanh", &office, PositionRole::OfficeChief);
    let office_specialist =
        roster.staff("van_phong:chuyen_vien:1", &office, PositionRole::Specialist);
    roster.staff("van_phong:chuyen_vien:2", &office, PositionRole::Specialist);
    roster.staff("van_phong:chuyen_vien:3", &office, PositionRole::Specialist);
    let construction = department_key(&code, CONSTRUCTION);
    let director = roster.staff(
        "so:xay_dung:giam_doc",
        &construction,
        PositionRole::Director,
    );
    let more_deputies = ordinary.iter().skip(1).take(2).cloned().collect();
    let keys = ProvinceKeys {
        chair,
        deputy,
        more_deputies,
        office_specialist,
        director,
        delegation_head,
    };
    Ok((roster.people, keys))
}

/// The people of a commune council: a part-time Chủ tịch (usually the Bí thư
/// Đảng ủy), a full-time Phó Chủ tịch, for each Ban a Trưởng Ban, a full-time
/// Phó Trưởng Ban and two Ủy viên, other deputies up to the seats, and one
/// office specialist who keeps the council's records (thư ký).
fn commune_people(unit: &AdminUnit, seats: u16) -> (Vec<PersonSeed>, CommuneKeys) {
    let mut roster = Roster::new(unit);
    let code = unit.code.clone();
    let standing = body_key(&code, "thuong_truc");
    let chair = roster.deputy(false, &[(&standing, PositionRole::Chair)]);
    roster.deputy(true, &[(&standing, PositionRole::ViceChair)]);
    for kind in CouncilLevel::Commune.committees(false, false) {
        let ban = committee_key(&code, kind);
        roster.deputy(
            false,
            &[
                (&ban, PositionRole::Head),
                (&standing, PositionRole::StandingMember),
            ],
        );
        roster.deputy(true, &[(&ban, PositionRole::DeputyHead)]);
        for _ in 0..2 {
            roster.deputy(false, &[(&ban, PositionRole::Member)]);
        }
    }
    roster.fill_seats(seats);
    let office = body_key(&code, "van_phong");
    let secretary = roster.staff("van_phong:chuyen_vien", &office, PositionRole::Specialist);
    (roster.people, CommuneKeys { chair, secretary })
}

// ---------------------------------------------------------------------------
// Councils

/// A council of the 2026–2031 term with the law's default rules.
fn council_seed(
    unit: &AdminUnit,
    term_number: u16,
    seats_statutory: u16,
    bodies: Vec<BodySeed>,
    people: Vec<PersonSeed>,
) -> CouncilSeed {
    CouncilSeed {
        unit_code: unit.code.clone(),
        level: unit.kind.council_level(),
        name: org::council_name(unit),
        term: Term {
            number: term_number,
            starts_on: TERM_STARTS,
            ends_on: TERM_ENDS,
        },
        seats_statutory,
        rules: CouncilRules::default(),
        bodies,
        people,
    }
}

/// HĐND tỉnh Nghệ An khóa XIX, with Ban Dân tộc, the Đoàn ĐBQH, the office
/// and the agencies.
fn province_council(unit: &AdminUnit) -> anyhow::Result<(CouncilSeed, ProvinceKeys)> {
    let mut bodies = council_bodies(unit, &CouncilLevel::Province.committees(true, false));
    bodies.extend(delegation_and_office(unit));
    bodies.extend(province_agencies(unit));
    let (people, keys) = province_people(unit)?;
    Ok((
        council_seed(unit, PROVINCE_TERM, PROVINCE_SEATS, bodies, people),
        keys,
    ))
}

/// The council of a xã or phường, khóa I.
fn commune_council(unit: &AdminUnit) -> (CouncilSeed, CommuneKeys) {
    let seats = org::plausible_commune_seats(unit.kind, &unit.code);
    let mut bodies = council_bodies(unit, &CouncilLevel::Commune.committees(false, false));
    bodies.extend(commune_office_and_agency(unit));
    let (people, keys) = commune_people(unit, seats);
    (
        council_seed(unit, COMMUNE_TERM, seats, bodies, people),
        keys,
    )
}

// ---------------------------------------------------------------------------
// Accounts

/// A demo account before its password is hashed.
struct Account<'a> {
    username: String,
    person: Option<&'a Named>,
    agency_key: Option<String>,
    council: Option<&'a AdminUnit>,
    role: Role,
}

impl<'a> Account<'a> {
    /// An account for `person` with `role` in the council of `council`.
    fn held(username: String, person: &'a Named, council: &'a AdminUnit, role: Role) -> Self {
        Self {
            username,
            person: Some(person),
            agency_key: None,
            council: Some(council),
            role,
        }
    }

    /// The account to seed, with the shared password hash.
    fn user_seed(&self, password_hash: &str) -> UserSeed {
        UserSeed {
            username: self.username.clone(),
            display_name: self
                .person
                .map_or_else(|| ADMIN_DISPLAY_NAME.to_owned(), |p| p.name.clone()),
            password_hash: password_hash.to_owned(),
            person_key: self.person.map(|p| p.key.clone()),
            agency_key: self.agency_key.clone(),
            roles: vec![(self.council.map(|u| u.code.clone()), self.role)],
        }
    }

    /// How the sign-in page lists it.
    fn listing(&self) -> DemoAccount {
        DemoAccount {
            username: self.username.clone(),
            role_label: self.role.label().to_owned(),
            council_name: self
                .council
                .map_or_else(|| EVERY_COUNCIL.to_owned(), org::council_name),
        }
    }
}

/// One account per typical role: the administrator, the provincial Chủ
/// tịch, a deputy, an office specialist, the Sở Xây dựng officer, the
/// Trưởng đoàn ĐBQH, and the thư ký and Chủ tịch of one commune.
fn demo_accounts<'a>(
    province: &'a AdminUnit,
    keys: &'a ProvinceKeys,
    commune: &'a AdminUnit,
    commune_keys: &'a CommuneKeys,
) -> Vec<Account<'a>> {
    let admin = Account {
        username: "quantri".to_owned(),
        person: None,
        agency_key: None,
        council: None,
        role: Role::Admin,
    };
    let agency = Account {
        agency_key: Some(department_key(&province.code, CONSTRUCTION)),
        ..Account::held(
            "coquan".to_owned(),
            &keys.director,
            province,
            Role::AgencyOfficer,
        )
    };
    let code = &commune.code;
    let mut accounts = vec![
        admin,
        Account::held("chutich".to_owned(), &keys.chair, province, Role::Chair),
        Account::held("daibieu".to_owned(), &keys.deputy, province, Role::Deputy),
        Account::held(
            "vanphong".to_owned(),
            &keys.office_specialist,
            province,
            Role::OfficeStaff,
        ),
        agency,
        Account::held(
            "doandbqh".to_owned(),
            &keys.delegation_head,
            province,
            Role::DelegationLead,
        ),
        Account::held(
            format!("thuky.{code}"),
            &commune_keys.secretary,
            commune,
            Role::Secretary,
        ),
        Account::held(
            format!("chutich.{code}"),
            &commune_keys.chair,
            commune,
            Role::Chair,
        ),
    ];
    // Two more provincial deputies, so a vote can be tried with several tablets.
    for (n, named) in keys.more_deputies.iter().enumerate() {
        let username = format!("daibieu{}", n + 2);
        accounts.push(Account::held(username, named, province, Role::Deputy));
    }
    accounts
}

/// The demo province's year-end regular session: convened, with the
/// agenda such a session has, ready for the chair to open.
pub async fn seed_session(
    store: &dyn nghitruong_store::Store,
    ctx: &nghitruong_store::AuditContext,
) -> anyhow::Result<()> {
    use nghitruong_domain::resolution::ResolutionKind;
    use nghitruong_domain::session::{AgendaKind as K, SessionEvent, SessionKind};
    use nghitruong_store::{CouncilFilter, NewAgendaItem, NewCouncilSession};

    let filter = CouncilFilter {
        level: Some(CouncilLevel::Province),
        limit: 1,
        ..Default::default()
    };
    let (found, _) = store.councils(&filter).await?;
    let council = &found
        .first()
        .context("the demo province has no council")?
        .council;
    let new = NewCouncilSession {
        council_id: council.id,
        term_number: council.term.number,
        kind: SessionKind::Regular,
        is_public: true,
        starts_on: time::macros::date!(2026 - 12 - 08),
        ends_on: time::macros::date!(2026 - 12 - 10),
        place: "Hội trường Trung tâm Hội nghị tỉnh Nghệ An".into(),
    };
    // The term's first session was held in March; this is its year-end one.
    let first = store
        .create_council_session(
            &NewCouncilSession {
                starts_on: time::macros::date!(2026 - 03 - 24),
                ends_on: time::macros::date!(2026 - 03 - 25),
                ..new.clone()
            },
            ctx,
        )
        .await?;
    store
        .session_event(first.id, SessionEvent::Convene, ctx)
        .await?;
    store
        .session_event(first.id, SessionEvent::Open, ctx)
        .await?;
    store
        .session_event(first.id, SessionEvent::Close, ctx)
        .await?;
    let session = store.create_council_session(&new, ctx).await?;
    let agenda: [(K, &str, &str, u32); 10] = [
        (K::Opening, "Khai mạc kỳ họp", "Chủ tịch HĐND tỉnh", 30),
        (
            K::Report,
            "Báo cáo tình hình kinh tế - xã hội năm 2026, kế hoạch phát triển năm 2027",
            "UBND tỉnh",
            45,
        ),
        (
            K::VerificationReport,
            "Báo cáo thẩm tra của Ban Kinh tế - Ngân sách về dự toán ngân sách năm 2027",
            "Ban Kinh tế - Ngân sách",
            30,
        ),
        (
            K::Report,
            "Báo cáo kết quả giải quyết ý kiến, kiến nghị của cử tri trước và sau kỳ họp",
            "UBND tỉnh",
            20,
        ),
        (
            K::GroupDiscussion,
            "Thảo luận tổ về các báo cáo và dự thảo nghị quyết",
            "Các Tổ đại biểu",
            180,
        ),
        (
            K::HallDiscussion,
            "Thảo luận tại hội trường",
            "Đại biểu HĐND tỉnh",
            120,
        ),
        (
            K::Questioning,
            "Chất vấn và trả lời chất vấn về quản lý đất đai, giải phóng mặt bằng",
            "Giám đốc Sở Nông nghiệp và Môi trường",
            90,
        ),
        (
            K::Vote,
            "Biểu quyết thông qua Nghị quyết về dự toán ngân sách địa phương năm 2027",
            "Chủ tọa kỳ họp",
            15,
        ),
        (
            K::Vote,
            "Biểu quyết thông qua Nghị quyết quy định bảng giá đất giai đoạn 2027–2031",
            "Chủ tọa kỳ họp",
            15,
        ),
        (K::Closing, "Bế mạc kỳ họp", "Chủ tịch HĐND tỉnh", 20),
    ];
    for (kind, title, presenter, minutes) in agenda {
        let item = NewAgendaItem {
            session_id: session.id,
            kind,
            title: title.into(),
            presenter: presenter.into(),
            planned_minutes: minutes,
            // Only the land price table is a normative resolution.
            resolution_kind: (kind == K::Vote).then(|| {
                if title.contains("quy định") {
                    ResolutionKind::Normative
                } else {
                    ResolutionKind::Individual
                }
            }),
        };
        store.add_agenda_item(&item, ctx).await?;
    }
    store
        .session_event(session.id, SessionEvent::Convene, ctx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::{HashMap, HashSet};

    use super::*;

    const UNITS: &str = include_str!("../../../seed/admin-units-2025-07.csv");

    fn fake_hash(password: &str) -> String {
        format!("hash:{password}")
    }

    fn seed() -> (OrgSeed, Vec<DemoAccount>) {
        demo_seed(UNITS, &fake_hash).expect("the real list builds")
    }

    fn deputies(council: &CouncilSeed) -> Vec<&PersonSeed> {
        let hdnd = body_key(&council.unit_code, "hdnd");
        council
            .people
            .iter()
            .filter(|p| {
                p.positions
                    .iter()
                    .any(|s| s.body_key == hdnd && s.role == PositionRole::Deputy)
            })
            .collect()
    }

    fn committees(council: &CouncilSeed) -> Vec<CommitteeKind> {
        council.bodies.iter().filter_map(|b| b.committee).collect()
    }

    #[test]
    fn the_real_list_gives_the_province_and_its_130_communes() {
        let (seed, _) = seed();
        assert_eq!(seed.units.len(), 131);
        assert_eq!(seed.councils.len(), 131);
        let province = &seed.units[0];
        assert_eq!(
            (province.code.as_str(), province.kind),
            ("40", UnitKind::Province)
        );
        assert!(
            seed.units[1..]
                .iter()
                .all(|u| u.parent_code.as_deref() == Some("40"))
        );
        assert_eq!(seed.central_bodies.len(), MINISTRIES.len());
        assert!(
            seed.central_bodies
                .iter()
                .all(|b| b.kind == BodyKind::Ministry)
        );
    }

    #[test]
    fn the_provincial_council_has_four_ban_and_85_deputies() {
        let (seed, _) = seed();
        let council = &seed.councils[0];
        assert_eq!(council.name, "HĐND tỉnh Nghệ An");
        assert_eq!(council.level, CouncilLevel::Province);
        assert_eq!(council.term.roman(), "XIX");
        assert_eq!(council.seats_statutory, 85);
        assert_eq!(
            committees(council),
            CouncilLevel::Province.committees(true, false)
        );
        assert!(committees(council).contains(&CommitteeKind::Ethnic));
        let deputies = deputies(council);
        assert_eq!(deputies.len(), 85);
        let in_office = deputies.iter().filter(|p| p.status.holds_office()).count();
        assert_eq!(in_office, 84, "one deputy resigned");
        assert!(deputies.iter().any(|p| p.status == PersonStatus::Suspended));
        let resigned: Vec<_> = deputies
            .iter()
            .filter(|p| p.status == PersonStatus::Resigned)
            .collect();
        assert_eq!(resigned.len(), 1);
        assert!(
            resigned[0]
                .positions
                .iter()
                .all(|s| s.ends_on == Some(RESIGNED_ON))
        );
    }

    #[test]
    fn the_provincial_leadership_is_complete() {
        let (seed, _) = seed();
        let council = &seed.councils[0];
        let holders = |body: &str, role: PositionRole| {
            council
                .people
                .iter()
                .filter(|p| {
                    p.positions
                        .iter()
                        .any(|s| s.body_key == body && s.role == role)
                })
                .count()
        };
        assert_eq!(holders("40:thuong_truc", PositionRole::Chair), 1);
        assert_eq!(holders("40:thuong_truc", PositionRole::ViceChair), 3);
        assert_eq!(holders("40:thuong_truc", PositionRole::StandingMember), 4);
        for kind in committees(council) {
            let ban = committee_key("40", kind);
            assert_eq!(holders(&ban, PositionRole::Head), 1, "{ban}");
            assert!(
                (1..=2).contains(&holders(&ban, PositionRole::DeputyHead)),
                "{ban}"
            );
            assert!(
                (4..=6).contains(&holders(&ban, PositionRole::Member)),
                "{ban}"
            );
        }
        assert_eq!(holders("40:doan_dbqh", PositionRole::Deputy), 9);
        assert_eq!(holders("40:doan_dbqh", PositionRole::Head), 1);
        assert_eq!(holders("40:doan_dbqh", PositionRole::DeputyHead), 1);
        assert_eq!(holders("40:van_phong", PositionRole::OfficeChief), 1);
        assert_eq!(holders("40:van_phong", PositionRole::Specialist), 3);
        assert_eq!(holders("40:so:xay_dung", PositionRole::Director), 1);
    }

    #[test]
    fn every_commune_council_has_two_ban_and_lawful_seats() {
        let (seed, _) = seed();
        for council in &seed.councils[1..] {
            assert_eq!(council.level, CouncilLevel::Commune);
            assert_eq!(council.term.number, 1);
            assert_eq!(
                committees(council),
                CouncilLevel::Commune.committees(false, false)
            );
            assert!(
                (15..=30).contains(&council.seats_statutory),
                "{}",
                council.name
            );
            assert_eq!(
                deputies(council).len(),
                usize::from(council.seats_statutory)
            );
            assert!(
                council
                    .bodies
                    .iter()
                    .any(|b| b.kind == BodyKind::PeoplesCommittee)
            );
            assert!(council.bodies.iter().any(|b| b.kind == BodyKind::Office));
        }
    }

    #[test]
    fn keys_are_unique_and_every_reference_resolves() {
        let (seed, _) = seed();
        let all_bodies: Vec<&BodySeed> = seed
            .councils
            .iter()
            .flat_map(|c| &c.bodies)
            .chain(&seed.central_bodies)
            .collect();
        let body_keys: HashSet<&str> = all_bodies.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(body_keys.len(), all_bodies.len(), "body keys are unique");

        let people: Vec<&PersonSeed> = seed.councils.iter().flat_map(|c| &c.people).collect();
        let person_keys: HashSet<&str> = people.iter().filter_map(|p| p.key.as_deref()).collect();
        assert_eq!(
            person_keys.len(),
            people.len(),
            "every person has a unique key"
        );

        for council in &seed.councils {
            let own: HashSet<&str> = council.bodies.iter().map(|b| b.key.as_str()).collect();
            for position in council.people.iter().flat_map(|p| &p.positions) {
                assert!(
                    own.contains(position.body_key.as_str()),
                    "{}",
                    position.body_key
                );
                assert_eq!(position.starts_on, TERM_STARTS);
            }
        }

        let agencies: HashMap<&str, BodyKind> = all_bodies
            .iter()
            .map(|b| (b.key.as_str(), b.kind))
            .collect();
        let unit_codes: HashSet<&str> = seed.units.iter().map(|u| u.code.as_str()).collect();
        for user in &seed.users {
            if let Some(key) = &user.person_key {
                assert!(person_keys.contains(key.as_str()), "{key}");
            }
            if let Some(key) = &user.agency_key {
                assert!(
                    agencies.get(key.as_str()).is_some_and(|k| k.is_agency()),
                    "{key}"
                );
            }
            for (code, _) in &user.roles {
                assert!(code.as_deref().is_none_or(|c| unit_codes.contains(c)));
            }
        }
    }

    #[test]
    fn names_are_clean_vietnamese() {
        let (seed, _) = seed();
        let people: Vec<&PersonSeed> = seed.councils.iter().flat_map(|c| &c.people).collect();
        for person in &people {
            assert_eq!(
                text::person_name(&person.full_name).as_deref(),
                Ok(&*person.full_name)
            );
            assert_eq!(
                person.full_name.split(' ').count(),
                3,
                "{}",
                person.full_name
            );
        }
        let accented = people.iter().filter(|p| !p.full_name.is_ascii()).count();
        assert!(
            accented * 10 > people.len() * 8,
            "{accented} of {}",
            people.len()
        );
        for council in &seed.councils {
            let names: HashSet<&str> = council
                .people
                .iter()
                .map(|p| p.full_name.as_str())
                .collect();
            assert_eq!(names.len(), council.people.len(), "{}", council.name);
            assert!(council.bodies.iter().all(|b| !b.name.is_ascii()));
        }
        let anh_son = seed
            .councils
            .iter()
            .find(|c| c.unit_code == "17329")
            .expect("Anh Sơn");
        assert_eq!(anh_son.name, "HĐND xã Anh Sơn");
        let office = anh_son
            .bodies
            .iter()
            .find(|b| b.kind == BodyKind::Office)
            .expect("office");
        assert_eq!(office.name, "Văn phòng HĐND và UBND xã Anh Sơn");
    }

    #[test]
    fn the_output_is_the_same_every_run() {
        let first = format!("{:?}", seed());
        let second = format!("{:?}", seed());
        assert_eq!(first, second);
    }

    #[test]
    fn accounts_cover_each_role_with_one_hash() {
        let calls = Cell::new(0);
        let hash = |password: &str| {
            calls.set(calls.get() + 1);
            fake_hash(password)
        };
        let (seed, accounts) = demo_seed(UNITS, &hash).expect("builds");
        assert_eq!(calls.get(), 1, "the password is hashed once");
        let names: Vec<&str> = accounts.iter().map(|a| a.username.as_str()).collect();
        assert_eq!(
            names,
            [
                "quantri",
                "chutich",
                "daibieu",
                "vanphong",
                "coquan",
                "doandbqh",
                "thuky.17329",
                "chutich.17329",
                "daibieu2",
                "daibieu3"
            ]
        );
        assert_eq!(seed.users.len(), accounts.len());
        for (user, account) in seed.users.iter().zip(&accounts) {
            assert_eq!(user.username, account.username);
            assert_eq!(
                text::username(&user.username).as_deref(),
                Ok(&*user.username)
            );
            assert_eq!(user.password_hash, fake_hash(DEMO_PASSWORD));
        }
        assert_eq!(seed.users[0].display_name, "Quản trị hệ thống");
        assert_eq!(seed.users[0].roles, vec![(None, Role::Admin)]);
        assert_eq!(accounts[1].role_label, "Chủ tịch HĐND");
        assert_eq!(accounts[1].council_name, "HĐND tỉnh Nghệ An");
        assert_eq!(accounts[6].council_name, "HĐND xã Anh Sơn");
        assert_eq!(seed.users[4].agency_key.as_deref(), Some("40:so:xay_dung"));
        assert_eq!(
            seed.users[6].roles,
            vec![(Some("17329".to_owned()), Role::Secretary)]
        );
    }

    #[test]
    fn without_anh_son_the_first_commune_gets_the_accounts() {
        let renamed = UNITS.replace("17329,Xã Anh Sơn,xã,40", "17329,Xã Anh Sơn Mới,xã,40");
        let (seed, accounts) = demo_seed(&renamed, &fake_hash).expect("builds");
        let first = &seed.units[1].code;
        assert_eq!(accounts[6].username, format!("thuky.{first}"));
    }

    #[test]
    fn a_list_with_129_communes_fails() {
        let shorter = UNITS.replace("17329,Xã Anh Sơn,xã,40\n", "");
        assert_eq!(
            shorter.len() + "17329,Xã Anh Sơn,xã,40\n".len(),
            UNITS.len()
        );
        let error = demo_seed(&shorter, &fake_hash).expect_err("129 communes");
        assert!(error.to_string().contains("found 129"), "{error}");
    }

    #[test]
    fn unknown_kinds_and_a_missing_province_fail() {
        let odd = UNITS.replace("17329,Xã Anh Sơn,xã,40", "17329,Xã Anh Sơn,huyện,40");
        assert!(demo_seed(&odd, &fake_hash).is_err());
        let headless = UNITS.replace("40,Nghệ An,tỉnh,\n", "");
        assert!(demo_seed(&headless, &fake_hash).is_err());
    }
}
