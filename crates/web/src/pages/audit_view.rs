//! How an audit record (bản ghi nhật ký) reads for an administrator who is
//! not a programmer: the action and the entity in Vietnamese, and the
//! change as a short list "field: before → after". Keys that could hold a
//! secret are hidden everywhere, the raw JSON included.

use serde_json::{Map, Value};

/// What an action code means (tên hành động), in Vietnamese; `None` for a
/// code this table does not know.
pub(crate) fn action_label(code: &str) -> Option<&'static str> {
    Some(match code {
        // Tổ chức, quy chế
        "organisation.seed" => "Nạp dữ liệu tổ chức",
        "council.rules.update" => "Sửa quy chế Hội đồng",
        // Tài khoản, đăng nhập
        "user.create" => "Tạo tài khoản",
        "user.password.set" => "Đặt mật khẩu",
        "user.totp.enable" => "Bật xác thực hai lớp",
        "user.totp.disable" => "Tắt xác thực hai lớp",
        "user.role.grant" => "Phân vai trò",
        "user.email" => "Đổi địa chỉ thư điện tử",
        "user.lock" => "Khóa tài khoản",
        "user.unlock" => "Mở khóa tài khoản",
        "auth.session.create" => "Đăng nhập",
        "auth.session.second_factor" => "Xác thực lớp hai",
        "auth.session.revoke" => "Kết thúc phiên đăng nhập",
        "auth.login.failed" => "Đăng nhập sai",
        "auth.login.locked" => "Đăng nhập bị tạm khóa",
        "auth.password_check.failed" => "Nhập sai mật khẩu hiện tại",
        "audit.verify" => "Kiểm tra chuỗi nhật ký",
        // Kỳ họp
        "session.create" => "Tạo kỳ họp",
        "session.status" => "Đổi trạng thái kỳ họp",
        "agenda.add" => "Thêm nội dung chương trình",
        "agenda.move" => "Đổi thứ tự chương trình",
        "attendance.set" => "Ghi điểm danh",
        "speaking.request" => "Đăng ký phát biểu",
        "speaking.event" => "Điều hành phát biểu",
        "question.file" => "Đăng ký chất vấn",
        "question.event" => "Xử lý chất vấn",
        "vote.open" => "Mở biểu quyết",
        "vote.close" => "Kết thúc biểu quyết",
        "vote.ballot" => "Bỏ phiếu biểu quyết",
        "vote.manual" => "Ghi kết quả biểu quyết giơ tay",
        "resolution.add" => "Thêm nghị quyết",
        "resolution.relate" => "Liên kết nghị quyết",
        // Tài liệu
        "document.create" => "Tạo tài liệu",
        "document.version" => "Thêm phiên bản tài liệu",
        "document.status" => "Đổi trạng thái tài liệu",
        "document.audience" => "Đổi người được xem tài liệu",
        "document.deliver" => "Gửi tài liệu",
        "document.read" => "Đọc tài liệu",
        "document.note" => "Ghi chú trên tài liệu",
        "document.ticket" => "Cấp quyền tải tài liệu",
        // Liên thông văn bản
        "exchange.agencies" => "Cập nhật danh bạ cơ quan liên thông",
        "exchange.enqueue" => "Đưa văn bản vào hàng đợi gửi",
        "exchange.send" => "Gửi văn bản liên thông",
        "exchange.sent" => "Văn bản đã gửi lên trục",
        "exchange.failed" => "Gửi văn bản không thành công",
        "exchange.register" => "Vào sổ văn bản đến",
        "exchange.incoming_state" => "Đổi trạng thái văn bản đến",
        "exchange.status_received" => "Nhận trạng thái xử lý văn bản",
        // Họp trực tuyến
        "meeting.create" => "Tạo cuộc họp trực tuyến",
        "meeting.event" => "Đổi trạng thái cuộc họp",
        "meeting.invite" => "Mời dự họp",
        "meeting.uninvite" => "Hủy lời mời dự họp",
        "meeting.join" => "Vào phòng họp",
        "meeting.leave" => "Rời phòng họp",
        // Kiến nghị cử tri
        "petition_round.create" => "Mở đợt tiếp xúc cử tri",
        "voter_meeting.create" => "Ghi buổi tiếp xúc cử tri",
        "petition.capture" => "Ghi nhận kiến nghị",
        "petition.transition" => "Xử lý kiến nghị",
        "petition.merge" => "Gộp kiến nghị trùng",
        "petition.answer_document" => "Đính kèm văn bản trả lời kiến nghị",
        "petition_import.stage" => "Nhập kiến nghị từ tệp",
        // Xin ý kiến
        "consultation.create" => "Tạo phiếu xin ý kiến",
        "consultation.event" => "Đổi trạng thái xin ý kiến",
        "consultation.answer" => "Trả lời phiếu xin ý kiến",
        // Giám sát
        "supervision.programme" => "Lập chương trình giám sát",
        "delegation.plan" => "Lập kế hoạch đoàn giám sát",
        "delegation.update" => "Cập nhật đoàn giám sát",
        "delegation.follow_up" => "Theo dõi kiến nghị sau giám sát",
        "task.assign" => "Giao việc theo dõi",
        "task.event" => "Cập nhật việc theo dõi",
        "task.file" => "Đính kèm tệp vào việc theo dõi",
        "task.action" => "Nhắc hạn, xử lý quá hạn",
        _ => return None,
    })
}

/// What an entity kind means (loại đối tượng), in Vietnamese; the code
/// itself when unknown.
pub(crate) fn entity_label(code: &str) -> &str {
    match code {
        "user" => "Người dùng",
        "account" => "Tài khoản",
        "session" => "Kỳ họp",
        "council" => "Hội đồng",
        "organisation" => "Tổ chức",
        "audit_log" => "Nhật ký",
        "agenda_item" => "Nội dung chương trình",
        "consultation" => "Phiếu xin ý kiến",
        "delegation" => "Đoàn giám sát",
        "document" => "Tài liệu",
        "exchange_agencies" => "Danh bạ cơ quan liên thông",
        "exchange_incoming" => "Văn bản đến",
        "exchange_outbox" => "Hàng đợi văn bản đi",
        "exchange_outgoing" => "Văn bản đi",
        "meeting" => "Cuộc họp trực tuyến",
        "meeting_invitation" => "Lời mời dự họp",
        "meeting_presence" => "Tham dự cuộc họp",
        "petition" => "Kiến nghị",
        "petition_import" => "Tệp kiến nghị nhập",
        "petition_round" => "Đợt tiếp xúc cử tri",
        "question" => "Chất vấn",
        "resolution" => "Nghị quyết",
        "speak_request" => "Đăng ký phát biểu",
        "supervision_programme" => "Chương trình giám sát",
        "supervision_task" => "Việc theo dõi",
        "vote_round" => "Lượt biểu quyết",
        "voter_meeting" => "Buổi tiếp xúc cử tri",
        other => other,
    }
}

/// The Vietnamese name of a key in a record's JSON (tên trường), if known.
fn field_label(key: &str) -> Option<&'static str> {
    Some(match key {
        "status" => "Trạng thái",
        "event" => "Thao tác",
        "version" => "Phiên bản",
        "user_id" => "Người dùng (mã)",
        "person_id" => "Người (mã)",
        "council_id" => "Hội đồng (mã)",
        "session_id" => "Kỳ họp (mã)",
        "meeting_id" => "Cuộc họp (mã)",
        "round_id" => "Đợt tiếp xúc (mã)",
        "document_id" => "Tài liệu (mã)",
        "agenda_item_id" => "Nội dung chương trình (mã)",
        "incoming_id" => "Văn bản đến (mã)",
        "lead_body_id" => "Cơ quan chủ trì (mã)",
        "agency_body_id" => "Cơ quan (mã)",
        "original_id" => "Kiến nghị gốc (mã)",
        "petition_ids" => "Kiến nghị (mã)",
        "axis_doc_id" => "Mã văn bản trên trục",
        "kind" => "Loại",
        "type" => "Loại",
        "topic" => "Chủ đề",
        "title" => "Tiêu đề",
        "number" => "Số",
        "name" => "Tên",
        "username" => "Tên đăng nhập",
        "display_name" => "Họ và tên",
        "needs_totp" => "Chờ mã xác thực hai lớp",
        "totp" => "Xác thực hai lớp",
        "sessions_revoked" => "Đã kết thúc các phiên đăng nhập",
        "from" => "Nơi gửi",
        "file" => "Tệp",
        "files" => "Số tệp",
        "voter_count" => "Số cử tri",
        "role" => "Vai trò",
        "roles" => "Vai trò",
        "choice" => "Lựa chọn",
        "result" => "Kết quả",
        "key" => "Khóa",
        "email" => "Thư điện tử",
        "due" => "Hạn",
        "deadline" => "Hạn chót",
        "content" => "Nội dung",
        "code" => "Mã",
        "business" => "Nghiệp vụ",
        "active" => "Đang hoạt động",
        "year" => "Năm",
        "track" => "Kênh",
        "text" => "Nội dung",
        "tasks" => "Việc theo dõi",
        "target" => "Đối tượng liên quan",
        "summary" => "Tóm tắt",
        "subject" => "Trích yếu",
        "stream" => "Mảng giám sát",
        "state" => "Tình trạng",
        "sources" => "Nguồn",
        "source" => "Nguồn",
        "size" => "Dung lượng (byte)",
        "seconds" => "Số giây",
        "rows" => "Số dòng",
        "round_number" => "Lượt",
        "recipients" => "Nơi nhận",
        "reason" => "Lý do",
        "question" => "Câu hỏi",
        "purpose" => "Mục đích",
        "provisions" => "Điều khoản",
        "place" => "Địa điểm",
        "opinion" => "Ý kiến",
        "opening" => "Mở đầu",
        "opened_on" => "Ngày mở",
        "on" => "Ngày",
        "official" => "Chính thức",
        "na_session" => "Kỳ họp Quốc hội",
        "mode" => "Hình thức",
        "method" => "Cách thức",
        "letter" => "Công văn",
        "last_status" => "Trạng thái trước",
        "hall" => "Điểm cầu",
        "held_on" => "Ngày tổ chức",
        "error" => "Lỗi",
        "effective_on" => "Ngày hiệu lực",
        "documents" => "Tài liệu",
        "detail" => "Chi tiết",
        "description" => "Mô tả",
        "date" => "Ngày",
        "count" => "Số lượng",
        "conductor" => "Chủ thể giám sát",
        "closing" => "Kết thúc",
        "chars" => "Số ký tự",
        "bytes" => "Số byte",
        "answer" => "Trả lời",
        "adopted_on" => "Ngày thông qua",
        "adopted_by" => "Văn bản thông qua",
        "address" => "Địa chỉ truy cập",
        "actor" => "Người thực hiện",
        "starts_on" => "Ngày bắt đầu",
        "ends_on" => "Ngày kết thúc",
        "is_public" => "Công khai",
        "position" => "Vị trí",
        "presenter" => "Người trình bày",
        "planned_minutes" => "Thời lượng dự kiến (phút)",
        "resolution_kind" => "Loại nghị quyết",
        "classification" => "Độ mật",
        "audience" => "Người được xem",
        "topics" => "Chủ đề",
        "bodies" => "Số cơ quan",
        "councils" => "Số Hội đồng",
        "people" => "Số người",
        "units" => "Số đơn vị hành chính",
        "users" => "Số tài khoản",
        "id" => "Mã",
        _ => return None,
    })
}

/// A key's name where the action gives it another sense than usual.
fn field_label_in(action: &str, key: &str) -> Option<&'static str> {
    match (action.split('.').next(), key) {
        (Some("auth"), "session_id") => Some("Phiên đăng nhập (mã)"),
        _ => field_label(key),
    }
}

/// Shown instead of anything that could be a secret.
pub(crate) const HIDDEN: &str = "(đã ẩn)";

/// Whether a JSON key could hold a secret: password hashes, second-factor
/// secrets, session or download tokens, CSRF tokens.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password", "secret", "token", "csrf", "mat_khau", "otp_code",
    ]
    .iter()
    .any(|s| k.contains(s))
        || k.ends_with("_hash")
        || k == "hash"
}

/// `value` with every secret-looking key's value replaced by [`HIDDEN`],
/// at any depth.
fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_key(k) {
                    *v = Value::String(HIDDEN.to_owned());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The stored JSON, parsed and redacted; text that is not JSON is kept as
/// a string.
fn parsed(raw: Option<&str>) -> Option<Value> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return None;
    }
    let mut v = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
    redact(&mut v);
    Some(v)
}

/// The redacted JSON of a record, pretty-printed for "Dữ liệu gốc".
pub(crate) fn raw_json(raw: Option<&str>) -> String {
    match parsed(raw) {
        Some(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        None => String::new(),
    }
}

/// Whether the values of `key` are codes of the domain (trạng thái, loại,
/// vai trò…), read as their labels; free text under other keys is never
/// taken for a code.
fn holds_codes(key: &str) -> bool {
    matches!(
        key,
        "status"
            | "last_status"
            | "state"
            | "event"
            | "kind"
            | "type"
            | "role"
            | "roles"
            | "choice"
            | "mode"
            | "purpose"
            | "method"
            | "classification"
            | "track"
            | "opinion"
            | "stream"
            | "conductor"
            | "competence"
            | "result"
            | "level"
            | "timing"
            | "relation"
            | "step"
            | "source"
            | "permission"
            | "permissions"
    ) || key.ends_with("_status")
        || key.ends_with("_kind")
        || key.ends_with("_role")
}

/// The value of `key` in a record of `action` as a short text, codes read
/// as their labels.
fn show_in(action: &str, key: &str, v: &Value) -> String {
    if !holds_codes(key) {
        return show(v);
    }
    // Codes several sets share with different labels (thu_ky, dai_bieu)
    // are read in the set the action names.
    let in_set = |code: &str| -> Option<&'static str> {
        use nghitruong_domain::{access::Role, attendance::CheckInMethod};
        match (action, key) {
            (a, "role") if a.starts_with("user.") => code.parse::<Role>().ok().map(Role::label),
            ("attendance.set", "method") => {
                code.parse::<CheckInMethod>().ok().map(CheckInMethod::label)
            }
            _ => nghitruong_domain::codes::label(code),
        }
    };
    let read = |v: &Value| match v {
        Value::String(code) => in_set(code).map(str::to_owned),
        _ => None,
    };
    match v {
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => items
            .iter()
            .map(|i| read(i).unwrap_or_else(|| show(i)))
            .collect::<Vec<_>>()
            .join(", "),
        // A step written as {"Escalate": "don_doc_tiep"} reads as its step.
        Value::Object(map) if map.len() == 1 => map
            .values()
            .next()
            .and_then(read)
            .unwrap_or_else(|| show(v)),
        other => read(other).unwrap_or_else(|| show(other)),
    }
}

/// A value as a short text.
fn show(v: &Value) -> String {
    const MAX: usize = 160;
    let text = match v {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => "có".to_owned(),
        Value::Bool(false) => "không".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => "(trống)".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "(trống)".to_owned(),
        Value::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    };
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// One line of a change: "field: before → after".
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FieldChange {
    /// The field's Vietnamese name, or its key when unknown.
    pub(crate) field: String,
    /// The value before, when the record has one.
    pub(crate) before: Option<String>,
    /// The value after; `None` when the field was removed.
    pub(crate) after: Option<String>,
}

fn object(v: Option<Value>) -> (Map<String, Value>, bool) {
    match v {
        Some(Value::Object(m)) => (m, true),
        Some(other) => {
            let mut m = Map::new();
            m.insert("giá trị".to_owned(), other);
            (m, true)
        }
        None => (Map::new(), false),
    }
}

/// The change a record describes, field by field; a field with the same
/// value before and after is left out.
pub(crate) fn changes(action: &str, before: Option<&str>, after: Option<&str>) -> Vec<FieldChange> {
    let (before, had_before) = object(parsed(before));
    let (after, _) = object(parsed(after));
    let mut keys: Vec<&String> = after.keys().collect();
    keys.extend(before.keys().filter(|k| !after.contains_key(*k)));
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| FieldChange {
            field: field_label_in(action, k).map_or_else(|| k.clone(), str::to_owned),
            before: if had_before {
                Some(
                    before
                        .get(k)
                        .map_or_else(|| "—".to_owned(), |v| show_in(action, k, v)),
                )
            } else {
                None
            },
            after: after.get(k).map(|v| show_in(action, k, v)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Every `.rs` file under `dir`.
    fn sources(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    fn looks_like_code(s: &str) -> bool {
        s.contains('.')
            && s.split('.').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
    }

    /// The string literals in `text` that look like action codes.
    fn codes_in(text: &str, out: &mut BTreeSet<String>) {
        for (i, piece) in text.split('"').enumerate() {
            if i % 2 == 1 && looks_like_code(piece) {
                out.insert(piece.to_owned());
            }
        }
    }

    /// Every action code the store can write: the literals given as
    /// `action:` in a change, up to the change's `entity:` (which also
    /// catches `action: if … { "a" } else { "b" }`).
    fn store_actions() -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        let mut found = BTreeSet::new();
        for file in &files {
            for (at, _) in file.match_indices("action:") {
                let rest = &file[at + "action:".len()..];
                let end = rest.find("entity:").unwrap_or(0).min(400);
                codes_in(&rest[..end], &mut found);
            }
        }
        found
    }

    /// The codes this crate writes through `record_event`.
    fn web_actions() -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        let mut found = BTreeSet::new();
        for file in &files {
            for pattern in ["action: \"", "event(\""] {
                for (at, _) in file.match_indices(pattern) {
                    let rest = &file[at + pattern.len()..];
                    let code = &rest[..rest.find('"').unwrap()];
                    if looks_like_code(code) {
                        found.insert(code.to_owned());
                    }
                }
            }
        }
        found
    }

    #[test]
    fn every_action_the_code_writes_has_a_vietnamese_label() {
        let store = store_actions();
        assert!(
            store.len() > 60,
            "the scan found the store's actions: {store:?}"
        );
        assert!(store.contains("user.totp.enable") && store.contains("user.lock"));
        let web = web_actions();
        assert!(web.contains("auth.login.failed") && web.contains("audit.verify"));
        let missing: Vec<_> = store
            .iter()
            .chain(&web)
            .filter(|a| action_label(a).is_none())
            .collect();
        assert!(missing.is_empty(), "no label for {missing:?}");
        assert_eq!(action_label("khong.ton.tai"), None);
    }

    #[test]
    fn every_entity_the_store_writes_has_a_vietnamese_label() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        let mut entities = BTreeSet::new();
        for file in &files {
            for (at, _) in file.match_indices("entity: \"") {
                let rest = &file[at + "entity: \"".len()..];
                entities.insert(rest[..rest.find('"').unwrap()].to_owned());
            }
        }
        assert!(entities.len() > 20, "{entities:?}");
        let missing: Vec<_> = entities
            .iter()
            .filter(|e| entity_label(e) == e.as_str())
            .collect();
        assert!(missing.is_empty(), "no label for {missing:?}");
    }

    #[test]
    fn a_change_reads_as_fields_before_and_after() {
        let lines = changes(
            "document.status",
            Some(r#"{"status":"nhap","version":1}"#),
            Some(
                r#"{"event":"trinh_duyet","status":"cho_duyet","version":1,"xyz":true,"title":"nhap"}"#,
            ),
        );
        assert_eq!(
            lines,
            vec![
                FieldChange {
                    field: "Thao tác".into(),
                    before: Some("—".into()),
                    after: Some("trình duyệt".into()),
                },
                FieldChange {
                    field: "Trạng thái".into(),
                    before: Some("Nháp".into()),
                    after: Some("Chờ duyệt".into()),
                },
                // Free text that happens to be a code stays as it is.
                FieldChange {
                    field: "Tiêu đề".into(),
                    before: Some("—".into()),
                    after: Some("nhap".into()),
                },
                FieldChange {
                    field: "xyz".into(),
                    before: Some("—".into()),
                    after: Some("có".into()),
                },
            ]
        );
        let granted = changes(
            "user.role.grant",
            None,
            Some(r#"{"role":"dai_bieu","choice":"tan_thanh"}"#),
        );
        let role = granted.iter().find(|c| c.field == "Vai trò").unwrap();
        assert_eq!(role.after.as_deref(), Some("Đại biểu HĐND"));
        // Elsewhere a code two sets read differently stays a code; lists
        // are read item by item.
        let listed = changes(
            "x.y",
            None,
            Some(r#"{"roles":["dai_bieu","co_mat","khong_co_ma_nay"]}"#),
        );
        assert_eq!(
            listed[0].after.as_deref(),
            Some("dai_bieu, Có mặt, khong_co_ma_nay")
        );
        let step = changes(
            "task.action",
            None,
            Some(r#"{"kind":{"Escalate":"don_doc_tiep"}}"#),
        );
        assert_eq!(step[0].after.as_deref(), Some("Đôn đốc tiếp"));
        let checked = changes(
            "attendance.set",
            None,
            Some(r#"{"method":"thu_ky","status":"co_mat"}"#),
        );
        assert_eq!(checked[0].after.as_deref(), Some("Thư ký điểm danh"));
        let choice = granted.iter().find(|c| c.field == "Lựa chọn").unwrap();
        assert_eq!(choice.after.as_deref(), Some("Tán thành"));
        let created = changes(
            "petition.capture",
            None,
            Some(r#"{"petition_ids":[1,2],"note":null}"#),
        );
        let ids = created
            .iter()
            .find(|c| c.field == "Kiến nghị (mã)")
            .unwrap();
        assert_eq!(ids.before, None);
        assert_eq!(ids.after.as_deref(), Some("1, 2"));
        let note = created.iter().find(|c| c.field == "note").unwrap();
        assert_eq!(note.after.as_deref(), Some("—"));
        assert!(changes("x.y", None, None).is_empty());
        let login = changes("auth.session.create", None, Some(r#"{"session_id":3}"#));
        assert_eq!(login[0].field, "Phiên đăng nhập (mã)");
        let text = changes("x.y", None, Some("not json"));
        assert_eq!(text[0].after.as_deref(), Some("not json"));
    }

    #[test]
    fn secrets_are_hidden_in_the_list_and_in_the_raw_json() {
        let after = r#"{"password_hash":"$argon2id$v=19$abc","totp_secret":"JBSWY3DP","nested":{"token":"t0k3n"},"csrf_token":"c5rf","username":"an"}"#;
        let shown = changes("user.create", None, Some(after));
        let all: String = shown
            .iter()
            .map(|c| format!("{} {:?}", c.field, c.after))
            .collect();
        let raw = raw_json(Some(after));
        for secret in ["argon2id", "JBSWY3DP", "t0k3n", "c5rf"] {
            assert!(!all.contains(secret), "{secret} in {all}");
            assert!(!raw.contains(secret), "{secret} in {raw}");
        }
        assert!(raw.contains(HIDDEN) && raw.contains("\"an\""));
        assert!(!is_secret_key("sha256") && !is_secret_key("totp"));
    }
}
