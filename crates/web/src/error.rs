//! Errors as people see them: a Vietnamese page (or fragment) with the
//! request ID to quote, while the internal cause goes only to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nghitruong_store::StoreError;

/// An error a handler returns.
#[derive(Debug)]
pub enum AppError {
    /// Not signed in (the page redirects to sign-in for GET requests).
    Unauthenticated,
    /// Signed in but the role does not allow it.
    Forbidden,
    /// Nothing there.
    NotFound,
    /// The input was wrong; the message is shown as is.
    BadRequest(String),
    /// The request body was too large; the message says what the limit is
    /// when it is known ([`AppError::too_large`] otherwise).
    TooLarge(String),
    /// The form's CSRF token did not match.
    Csrf,
    /// Too many attempts.
    TooManyRequests(String),
    /// Something failed inside. Details stay in the log so that database
    /// and file system internals never reach a browser.
    Internal(anyhow::Error),
}

/// What the error middleware needs to render the page; travels in the
/// response's extensions.
#[derive(Clone, Debug)]
pub(crate) struct ErrorInfo {
    pub(crate) heading: Option<&'static str>,
    pub(crate) message: String,
    pub(crate) internal: Option<String>,
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Csrf => StatusCode::FORBIDDEN,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "Bạn cần đăng nhập để tiếp tục.".into(),
            Self::Forbidden => "Không có quyền truy cập trang này với vai trò hiện tại.".into(),
            Self::NotFound => "Không tìm thấy trang hoặc dữ liệu được yêu cầu.".into(),
            Self::BadRequest(m) | Self::TooLarge(m) | Self::TooManyRequests(m) => m.clone(),
            Self::Csrf => {
                "Phiên biểu mẫu đã hết hạn hoặc yêu cầu không hợp lệ. Vui lòng tải lại trang rồi thử lại."
                    .into()
            }
            Self::Internal(_) => {
                "Hệ thống gặp sự cố khi xử lý yêu cầu. Vui lòng thử lại hoặc báo cho quản trị viên mã yêu cầu dưới đây."
                    .into()
            }
        }
    }
}

/// What a body over its limit is told when the limit has no name.
pub(crate) const TOO_LARGE: &str = "Dữ liệu gửi lên quá lớn. Vui lòng rút gọn nội dung và thử lại.";

impl AppError {
    /// A body over its limit, told in general words.
    pub(crate) fn too_large() -> Self {
        Self::TooLarge(TOO_LARGE.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let info = ErrorInfo {
            heading: matches!(self, Self::Csrf).then_some("Yêu cầu không hợp lệ"),
            message: self.message(),
            internal: match &self {
                Self::Internal(e) => Some(format!("{e:#}")),
                _ => None,
            },
        };
        let mut response = self.status().into_response();
        response.extensions_mut().insert(info);
        response
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(m) => Self::Internal(anyhow::anyhow!("unexpected conflict: {m}")),
            StoreError::Other(e) => Self::Internal(e),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

/// Results of handlers.
pub type AppResult<T> = Result<T, AppError>;
