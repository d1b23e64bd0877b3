//! Điểm danh — who is in the hall, online, or excused, and whether enough
//! deputies are present by the council's rules.

use crate::org::coded_enum;
use crate::rules::Ratio;

coded_enum! {
    /// Tình trạng điểm danh của một đại biểu tại kỳ họp.
    AttendanceStatus, "attendance status" {
        /// Chưa điểm danh.
        NotCheckedIn = "chua_diem_danh", "Chưa điểm danh";
        /// Có mặt tại hội trường.
        Present = "co_mat", "Có mặt";
        /// Tham dự trực tuyến.
        Online = "truc_tuyen", "Trực tuyến";
        /// Vắng có lý do.
        Excused = "vang_co_ly_do", "Vắng có lý do";
        /// Vắng không lý do.
        Absent = "vang", "Vắng không lý do";
    }
}

impl AttendanceStatus {
    /// Whether the deputy counts as present (and may vote).
    pub fn is_present(self) -> bool {
        matches!(self, Self::Present | Self::Online)
    }
}

coded_enum! {
    /// Cách điểm danh.
    CheckInMethod, "check-in method" {
        /// Tự điểm danh trên thiết bị của mình.
        SelfService = "tu_diem_danh", "Tự điểm danh";
        /// Quét mã QR tại chỗ ngồi.
        Qr = "ma_qr", "Quét mã QR";
        /// Thư ký điểm danh hộ.
        Secretary = "thu_ky", "Thư ký điểm danh";
    }
}

/// Why a change of attendance was refused; shown as is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttendanceError {
    /// An excused absence needs its reason.
    #[error("Vắng có lý do cần ghi rõ lý do.")]
    ReasonRequired,
    /// The session is not open for check-in.
    #[error("Kỳ họp chưa khai mạc hoặc đã bế mạc nên chưa thể điểm danh.")]
    SessionNotLive,
}

/// Checks a change of attendance before it is stored.
pub fn check_change(
    session_live: bool,
    to: AttendanceStatus,
    reason: Option<&str>,
) -> Result<(), AttendanceError> {
    if to == AttendanceStatus::Excused && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(AttendanceError::ReasonRequired);
    }
    // Excuses may be sent before the session opens; presence only while it runs.
    if to.is_present() && !session_live {
        return Err(AttendanceError::SessionNotLive);
    }
    Ok(())
}

/// Live counts for the hall screen and the chair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Headcount {
    /// In the hall.
    pub present: u32,
    /// Online.
    pub online: u32,
    /// Excused.
    pub excused: u32,
    /// Absent without reason, or not checked in yet.
    pub missing: u32,
}

impl Headcount {
    /// Counts statuses.
    pub fn of(statuses: impl IntoIterator<Item = AttendanceStatus>) -> Self {
        let mut h = Self::default();
        for s in statuses {
            match s {
                AttendanceStatus::Present => h.present += 1,
                AttendanceStatus::Online => h.online += 1,
                AttendanceStatus::Excused => h.excused += 1,
                AttendanceStatus::Absent | AttendanceStatus::NotCheckedIn => h.missing += 1,
            }
        }
        h
    }

    /// Present in the hall or online.
    pub fn attending(&self) -> u32 {
        self.present + self.online
    }

    /// Whether attendance is below the council's warning ratio of `in_office`.
    pub fn below(&self, warning: Ratio, in_office: u32) -> bool {
        warning.is_below(self.attending(), in_office)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_liveness_for_a_change() {
        use AttendanceStatus as A;
        for status in A::ALL {
            for live in [false, true] {
                let with_reason = check_change(live, *status, Some("Đi công tác"));
                let without = check_change(live, *status, None);
                match status {
                    A::Excused => {
                        assert_eq!(with_reason, Ok(()));
                        assert_eq!(without, Err(AttendanceError::ReasonRequired));
                    }
                    A::Present | A::Online if !live => {
                        assert_eq!(without, Err(AttendanceError::SessionNotLive));
                    }
                    _ => assert_eq!(without, Ok(()), "{status:?} live={live}"),
                }
            }
        }
        assert_eq!(
            check_change(true, A::Excused, Some("  ")),
            Err(AttendanceError::ReasonRequired)
        );
    }

    #[test]
    fn headcount_and_the_two_thirds_warning() {
        use AttendanceStatus as A;
        let mut statuses = vec![A::Present; 50];
        statuses.extend(vec![A::Online; 5]);
        statuses.extend(vec![A::Excused; 4]);
        statuses.extend(vec![A::NotCheckedIn; 25]);
        let h = Headcount::of(statuses);
        assert_eq!(
            (h.present, h.online, h.excused, h.missing, h.attending()),
            (50, 5, 4, 25, 55)
        );
        let two_thirds = Ratio { num: 2, den: 3 };
        assert!(h.below(two_thirds, 84), "55 of 84 is under two thirds");
        let h = Headcount {
            present: 56,
            ..Default::default()
        };
        assert!(!h.below(two_thirds, 84), "56 of 84 is exactly two thirds");
    }
}
