//! The coded values of edXML: business document type, status code and
//! priority.
//!
//! Each keeps an `Other` variant holding the raw value, so a package with a
//! code we do not know still reads, round-trips unchanged and is reported by
//! the validator instead of being refused.

use std::fmt;

/// BussinessDocType — what a document package does (văn bản mới, thu hồi,
/// cập nhật, thay thế).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BusinessDocType {
    /// `0` Văn bản mới — a new document.
    New,
    /// `1` Thu hồi — revokes a document sent earlier, named in `ResponseFor`.
    Revoke,
    /// `2` Cập nhật — updates a document sent earlier, named in
    /// `Bussiness/DocumentId`, with `BussinessDocumentInfo`.
    Update,
    /// `3` Thay thế — replaces documents listed in `ReplacementInfoList`.
    Replace,
    /// A code outside 0–3, kept as found.
    Other(u32),
}

impl BusinessDocType {
    /// The type for a numeric code.
    pub fn from_code(code: u32) -> Self {
        match code {
            0 => Self::New,
            1 => Self::Revoke,
            2 => Self::Update,
            3 => Self::Replace,
            other => Self::Other(other),
        }
    }

    /// The numeric code written in the package.
    pub fn code(self) -> u32 {
        match self {
            Self::New => 0,
            Self::Revoke => 1,
            Self::Update => 2,
            Self::Replace => 3,
            Self::Other(code) => code,
        }
    }

    /// Whether the code is one of the four defined ones.
    pub fn is_known(self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// The Vietnamese name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "Văn bản mới",
            Self::Revoke => "Thu hồi văn bản",
            Self::Update => "Cập nhật văn bản",
            Self::Replace => "Thay thế văn bản",
            Self::Other(_) => "Loại nghiệp vụ không xác định",
        }
    }
}

/// StatusCode — the processing status a status package reports.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// `01` Đã đến — the receiving software got the package.
    Arrived,
    /// `02` Từ chối tiếp nhận — refused; the reason goes in `Description`.
    Rejected,
    /// `03` Đã tiếp nhận — registered in the incoming book (văn bản đến).
    Accepted,
    /// `04` Phân công — assigned for handling.
    Assigned,
    /// `05` Đang xử lý — being handled.
    Processing,
    /// `06` Hoàn thành — handling finished.
    Finished,
    /// `13` Lấy lại — the original sender asks to take the document back.
    Cancelled,
    /// `15` Đồng ý cập nhật/lấy lại — the receiver agrees to an update or
    /// revocation.
    ChangeAccepted,
    /// `16` Từ chối cập nhật/lấy lại — the receiver refuses an update or
    /// revocation.
    ChangeRejected,
    /// A code we do not know (e.g. the legacy `14`), kept as written.
    Other(String),
}

impl StatusCode {
    /// Every known status, in code order.
    pub const KNOWN: [StatusCode; 9] = [
        Self::Arrived,
        Self::Rejected,
        Self::Accepted,
        Self::Assigned,
        Self::Processing,
        Self::Finished,
        Self::Cancelled,
        Self::ChangeAccepted,
        Self::ChangeRejected,
    ];

    /// Reads a status code. `1` and `01` are the same code; text that is
    /// not a known number is kept as [`StatusCode::Other`].
    pub fn parse(text: &str) -> Self {
        let number =
            if !text.is_empty() && text.len() <= 3 && text.bytes().all(|b| b.is_ascii_digit()) {
                text.parse::<u32>().ok()
            } else {
                None
            };
        match number {
            Some(1) => Self::Arrived,
            Some(2) => Self::Rejected,
            Some(3) => Self::Accepted,
            Some(4) => Self::Assigned,
            Some(5) => Self::Processing,
            Some(6) => Self::Finished,
            Some(13) => Self::Cancelled,
            Some(15) => Self::ChangeAccepted,
            Some(16) => Self::ChangeRejected,
            _ => Self::Other(text.to_owned()),
        }
    }

    /// The two-digit code written in the package.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Arrived => "01",
            Self::Rejected => "02",
            Self::Accepted => "03",
            Self::Assigned => "04",
            Self::Processing => "05",
            Self::Finished => "06",
            Self::Cancelled => "13",
            Self::ChangeAccepted => "15",
            Self::ChangeRejected => "16",
            Self::Other(raw) => raw,
        }
    }

    /// Whether the code is one of the nine defined ones.
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// The Vietnamese name shown to people.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Arrived => "Đã đến",
            Self::Rejected => "Từ chối tiếp nhận",
            Self::Accepted => "Đã tiếp nhận",
            Self::Assigned => "Phân công",
            Self::Processing => "Đang xử lý",
            Self::Finished => "Hoàn thành",
            Self::Cancelled => "Lấy lại (thu hồi)",
            Self::ChangeAccepted => "Đồng ý cập nhật/lấy lại",
            Self::ChangeRejected => "Từ chối cập nhật/lấy lại",
            Self::Other(_) => "Trạng thái không xác định",
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.as_str(), self.label())
    }
}

/// Priority — độ khẩn of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Priority {
    /// `0` Thường — ordinary.
    Normal,
    /// `1` Khẩn — urgent.
    Urgent,
    /// `2` Thượng khẩn — very urgent.
    VeryUrgent,
    /// `3` Hỏa tốc — flash.
    Flash,
    /// `4` Hỏa tốc hẹn giờ — flash, delivered at a set time.
    ScheduledFlash,
    /// A code outside 0–4, kept as found.
    Other(u32),
}

impl Priority {
    /// The priority for a numeric code.
    pub fn from_code(code: u32) -> Self {
        match code {
            0 => Self::Normal,
            1 => Self::Urgent,
            2 => Self::VeryUrgent,
            3 => Self::Flash,
            4 => Self::ScheduledFlash,
            other => Self::Other(other),
        }
    }

    /// The numeric code written in the package.
    pub fn code(self) -> u32 {
        match self {
            Self::Normal => 0,
            Self::Urgent => 1,
            Self::VeryUrgent => 2,
            Self::Flash => 3,
            Self::ScheduledFlash => 4,
            Self::Other(code) => code,
        }
    }

    /// Whether the code is one of 0–4.
    pub fn is_known(self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// The Vietnamese name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "Thường",
            Self::Urgent => "Khẩn",
            Self::VeryUrgent => "Thượng khẩn",
            Self::Flash => "Hỏa tốc",
            Self::ScheduledFlash => "Hỏa tốc hẹn giờ",
            Self::Other(_) => "Độ khẩn không xác định",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_status_code_reads_back_from_its_text() {
        for code in StatusCode::KNOWN {
            assert_eq!(StatusCode::parse(code.as_str()), code);
            assert!(code.is_known());
        }
    }

    #[test]
    fn a_status_code_without_its_leading_zero_is_the_same_code() {
        assert_eq!(StatusCode::parse("1"), StatusCode::Arrived);
        assert_eq!(StatusCode::parse("001"), StatusCode::Arrived);
    }

    #[test]
    fn unknown_status_codes_are_kept_as_written() {
        for raw in ["14", "07", "", "xx", "0001"] {
            let code = StatusCode::parse(raw);
            assert_eq!(code, StatusCode::Other(raw.to_owned()));
            assert_eq!(code.as_str(), raw);
            assert!(!code.is_known());
        }
    }

    #[test]
    fn business_types_and_priorities_round_trip_through_their_codes() {
        for code in 0..10 {
            assert_eq!(BusinessDocType::from_code(code).code(), code);
            assert_eq!(Priority::from_code(code).code(), code);
        }
        assert!(BusinessDocType::from_code(3).is_known());
        assert!(!BusinessDocType::from_code(4).is_known());
        assert!(Priority::from_code(4).is_known());
        assert!(!Priority::from_code(5).is_known());
    }
}
