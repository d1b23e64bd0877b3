//! Who may do what. A user holds roles, each in one council (the
//! administrator's role covers them all); a permission is checked against
//! the role held in the council the user is working in.
//!
//! This is the only place permissions are decided: every web route names
//! one [`Permission`] and asks [`Role::permits`].

use crate::org::{CouncilLevel, coded_enum};

coded_enum! {
    /// Vai trò — a role a user holds in a council.
    Role, "role" {
        /// Quản trị hệ thống — users, catalogues, audit.
        Admin = "quan_tri", "Quản trị hệ thống";
        /// Chủ tịch HĐND — chairs sessions, signs.
        Chair = "chu_tich", "Chủ tịch HĐND";
        /// Phó Chủ tịch HĐND — co-chairs.
        ViceChair = "pho_chu_tich", "Phó Chủ tịch HĐND";
        /// Ủy viên Thường trực, Trưởng Ban.
        StandingMember = "thuong_truc", "Ủy viên Thường trực HĐND";
        /// Đại biểu HĐND.
        Deputy = "dai_bieu", "Đại biểu HĐND";
        /// Trưởng, Phó Trưởng Đoàn ĐBQH.
        DelegationLead = "lanh_dao_doan", "Lãnh đạo Đoàn ĐBQH";
        /// Đại biểu Quốc hội.
        NaDeputy = "dbqh", "Đại biểu Quốc hội";
        /// Chuyên viên Văn phòng — prepares sessions, registers documents.
        OfficeStaff = "van_phong", "Chuyên viên Văn phòng";
        /// Thư ký — attendance, minutes; the commune council's secretary.
        Secretary = "thu_ky", "Thư ký HĐND";
        /// Cán bộ cơ quan giải quyết — answers petitions and recommendations.
        AgencyOfficer = "co_quan", "Cán bộ cơ quan giải quyết";
        /// Khách mời — reads what is shared with guests.
        Guest = "khach_moi", "Khách mời";
    }
}

coded_enum! {
    /// Quyền — an action a route performs.
    Permission, "permission" {
        /// Open the workspace home of a council.
        ViewWorkspace = "xem_trang_chu", "Xem trang làm việc";
        /// See the council's structure: term, committees, deputies.
        ViewOrganisation = "xem_to_chuc", "Xem cơ cấu tổ chức";
        /// See the councils of the province (the province supervising communes).
        ViewProvinceCouncils = "xem_hdnd_cap_xa", "Xem HĐND cấp xã trong tỉnh";
        /// See the council's rules (majorities, labels, deadlines).
        ViewRules = "xem_quy_che", "Xem quy chế";
        /// Change the council's rules.
        EditRules = "sua_quy_che", "Sửa quy chế";
        /// See the agencies that answer to the council.
        ViewAgencies = "xem_co_quan", "Xem cơ quan giải quyết";
        /// Create users, reset passwords, grant roles.
        ManageUsers = "quan_ly_nguoi_dung", "Quản lý người dùng";
        /// Read and verify the audit log.
        ViewAudit = "xem_nhat_ky", "Xem nhật ký hệ thống";
        /// See the council's sessions, agendas and results.
        ViewSessions = "xem_ky_hop", "Xem kỳ họp";
        /// Prepare sessions: create, agenda, convene.
        ManageSessions = "chuan_bi_ky_hop", "Chuẩn bị kỳ họp";
        /// Chair a session: open, close, move the agenda, run votes.
        ChairSession = "dieu_hanh_ky_hop", "Điều hành kỳ họp";
        /// Check in and vote as a deputy.
        CastVote = "bieu_quyet", "Điểm danh, biểu quyết";
        /// Record other deputies' attendance.
        RecordAttendance = "diem_danh_ho", "Điểm danh hộ";
        /// File a question to an official (phiếu chất vấn).
        FileQuestion = "gui_chat_van", "Gửi câu hỏi chất vấn";
        /// Record what happened: answers to questions, manual vote results.
        RecordProceedings = "ghi_dien_bien", "Ghi nhận diễn biến kỳ họp";
        /// Upload, version and publish session documents.
        ManageDocuments = "quan_ly_tai_lieu", "Quản lý tài liệu kỳ họp";
        /// Approve session documents before they are published.
        ApproveDocuments = "duyet_tai_lieu", "Duyệt tài liệu kỳ họp";
        /// See voter petitions (an agency officer sees only what is assigned).
        ViewPetitions = "xem_kien_nghi", "Xem kiến nghị cử tri";
        /// Record voter-contact meetings and the opinions voters raise.
        CapturePetitions = "ghi_kien_nghi", "Ghi nhận ý kiến cử tri";
        /// Aggregate, classify, forward and grade petitions.
        ProcessPetitions = "tong_hop_kien_nghi", "Tổng hợp, chuyển, đánh giá kiến nghị";
        /// Answer petitions assigned to one's agency.
        AnswerPetitions = "tra_loi_kien_nghi", "Trả lời kiến nghị";
        /// Send and receive documents through the national document axis.
        ExchangeDocuments = "lien_thong_van_ban", "Liên thông văn bản";
        /// Read the register of resolutions (sổ nghị quyết), with the
        /// commune councils' resolutions for the province.
        ViewResolutions = "xem_nghi_quyet", "Xem sổ nghị quyết";
        /// Enter resolutions and their relations in the register.
        ManageResolutions = "quan_ly_nghi_quyet", "Cập nhật sổ nghị quyết";
        /// See supervision: programme, delegations, tasks, dashboard (an
        /// agency officer sees only the tasks of their agency).
        ViewSupervision = "xem_giam_sat", "Xem giám sát";
        /// Plan and run supervision, hand out and grade tasks, answer
        /// requests for extension.
        ManageSupervision = "quan_ly_giam_sat", "Quản lý giám sát, đánh giá kiến nghị";
        /// Report progress and results on tasks given to one's agency.
        ReportOnTasks = "bao_cao_nhiem_vu", "Báo cáo thực hiện kiến nghị giám sát";
    }
}

impl Role {
    /// Whether this role, held in a council of `level`, grants `permission`.
    pub fn permits(self, permission: Permission, level: CouncilLevel) -> bool {
        use Permission as P;
        use Role as R;

        match permission {
            P::ViewWorkspace => true,
            P::ViewOrganisation | P::ViewRules => !matches!(self, R::Guest),
            P::ViewAgencies => !matches!(self, R::Guest | R::AgencyOfficer),
            P::ViewProvinceCouncils => {
                level == CouncilLevel::Province
                    && matches!(
                        self,
                        R::Admin | R::Chair | R::ViceChair | R::StandingMember | R::OfficeStaff
                    )
            }
            P::EditRules => matches!(self, R::Admin | R::Chair | R::OfficeStaff | R::Secretary),
            P::ManageUsers | P::ViewAudit => self == R::Admin,
            P::ViewSessions => !matches!(self, R::AgencyOfficer),
            P::ManageSessions => {
                matches!(self, R::Admin | R::Chair | R::OfficeStaff | R::Secretary)
            }
            P::ChairSession => matches!(self, R::Chair | R::ViceChair),
            P::CastVote => matches!(
                self,
                R::Chair | R::ViceChair | R::StandingMember | R::Deputy
            ),
            P::RecordAttendance | P::RecordProceedings => {
                matches!(self, R::Admin | R::OfficeStaff | R::Secretary)
            }
            P::FileQuestion => matches!(
                self,
                R::Chair | R::ViceChair | R::StandingMember | R::Deputy
            ),
            P::ManageDocuments | P::ExchangeDocuments => {
                matches!(self, R::Admin | R::OfficeStaff | R::Secretary)
            }
            P::ApproveDocuments => matches!(self, R::Chair | R::ViceChair | R::StandingMember),
            P::ViewPetitions => !matches!(self, R::Guest),
            P::CapturePetitions => !matches!(self, R::Guest | R::AgencyOfficer),
            P::ProcessPetitions => matches!(
                self,
                R::Admin
                    | R::Chair
                    | R::ViceChair
                    | R::StandingMember
                    | R::OfficeStaff
                    | R::Secretary
                    | R::DelegationLead
            ),
            P::AnswerPetitions | P::ReportOnTasks => self == R::AgencyOfficer,
            P::ViewResolutions | P::ViewSupervision => self != R::Guest,
            P::ManageResolutions => matches!(self, R::Admin | R::OfficeStaff | R::Secretary),
            P::ManageSupervision => matches!(
                self,
                R::Admin
                    | R::Chair
                    | R::ViceChair
                    | R::StandingMember
                    | R::OfficeStaff
                    | R::Secretary
            ),
        }
    }

    /// Whether the role belongs to the council's own staff, who may be asked
    /// for a second factor at sign-in.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Self::Admin | Self::OfficeStaff | Self::Secretary | Self::Chair
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The full matrix, written out so that a change to a permission shows up
    /// here as a deliberate edit. Columns follow `Permission::ALL`; `P` and
    /// `C` give the answer at province and commune level.
    #[test]
    fn every_role_and_permission_pair() {
        // ViewWorkspace, ViewOrganisation, ViewProvinceCouncils, ViewRules,
        // EditRules, ViewAgencies, ManageUsers, ViewAudit |
        // ViewSessions, ManageSessions, ChairSession, CastVote, RecordAttendance,
        // FileQuestion, RecordProceedings |
        // ManageDocuments, ApproveDocuments, ViewPetitions, CapturePetitions,
        // ProcessPetitions, AnswerPetitions, ExchangeDocuments |
        // ViewResolutions, ManageResolutions, ViewSupervision,
        // ManageSupervision, ReportOnTasks
        let table: &[(Role, &str, &str)] = &[
            (
                Role::Admin,
                "11111111|1100101|1011101|11110",
                "11011111|1100101|1011101|11110",
            ),
            (
                Role::Chair,
                "11111100|1111010|0111100|10110",
                "11011100|1111010|0111100|10110",
            ),
            (
                Role::ViceChair,
                "11110100|1011010|0111100|10110",
                "11010100|1011010|0111100|10110",
            ),
            (
                Role::StandingMember,
                "11110100|1001010|0111100|10110",
                "11010100|1001010|0111100|10110",
            ),
            (
                Role::Deputy,
                "11010100|1001010|0011000|10100",
                "11010100|1001010|0011000|10100",
            ),
            (
                Role::DelegationLead,
                "11010100|1000000|0011100|10100",
                "11010100|1000000|0011100|10100",
            ),
            (
                Role::NaDeputy,
                "11010100|1000000|0011000|10100",
                "11010100|1000000|0011000|10100",
            ),
            (
                Role::OfficeStaff,
                "11111100|1100101|1011101|11110",
                "11011100|1100101|1011101|11110",
            ),
            (
                Role::Secretary,
                "11011100|1100101|1011101|11110",
                "11011100|1100101|1011101|11110",
            ),
            (
                Role::AgencyOfficer,
                "11010000|0000000|0010010|10101",
                "11010000|0000000|0010010|10101",
            ),
            (
                Role::Guest,
                "10000000|1000000|0000000|00000",
                "10000000|1000000|0000000|00000",
            ),
        ];
        assert_eq!(table.len(), Role::ALL.len(), "every role has a row");
        for (role, province, commune) in table {
            let province = province.replace('|', "");
            let commune = commune.replace('|', "");
            for (level, row) in [
                (CouncilLevel::Province, &province),
                (CouncilLevel::Commune, &commune),
            ] {
                assert_eq!(row.len(), Permission::ALL.len());
                for (perm, want) in Permission::ALL.iter().zip(row.chars()) {
                    assert_eq!(
                        role.permits(*perm, level),
                        want == '1',
                        "{role:?} {perm:?} at {level:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn staff_roles() {
        assert!(Role::Secretary.is_staff());
        assert!(!Role::Deputy.is_staff());
        assert!(!Role::Guest.is_staff());
    }
}
