//! The audit chain: every state change is a record whose hash covers the
//! record and the hash before it, so changing, removing or reordering any
//! record breaks every link after it.
//!
//! The hash is SHA-256 over the record's fields, each written as its length
//! and its bytes, so no choice of field contents can make two different
//! records hash alike. Anyone with a copy of the table can re-check it.

use sha2::{Digest, Sha256};

/// The hash the first record links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain, from 1 with no gaps.
    pub seq: i64,
    /// When, in milliseconds since the epoch.
    pub at_ms: i64,
    /// The user who acted, if any.
    pub actor_id: Option<i64>,
    /// Their display name at the time, or `hệ thống` for the system.
    pub actor_name: String,
    /// What happened, as a dotted code: `user.create`, `council.rules.update`.
    pub action: String,
    /// The kind of thing changed: `user`, `council`.
    pub entity: String,
    /// Its identifier.
    pub entity_id: Option<String>,
    /// Its state before, as JSON text.
    pub before: Option<String>,
    /// Its state after, as JSON text.
    pub after: Option<String>,
    /// The request that made the change, to find it in the logs.
    pub request_id: Option<String>,
    /// The hash of the previous record.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

impl AuditRecord {
    /// The hash this record should carry, given its fields and `prev_hash`.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let seq = self.seq.to_string();
        let at = self.at_ms.to_string();
        let actor = self.actor_id.map(|id| id.to_string());
        let fields: [Option<&str>; 11] = [
            Some(&self.prev_hash),
            Some(&seq),
            Some(&at),
            actor.as_deref(),
            Some(&self.actor_name),
            Some(&self.action),
            Some(&self.entity),
            self.entity_id.as_deref(),
            self.before.as_deref(),
            self.after.as_deref(),
            self.request_id.as_deref(),
        ];
        for field in fields {
            match field {
                // A missing field and an empty one must hash differently.
                None => h.update(b"-"),
                Some(s) => {
                    h.update((s.len() as u64).to_be_bytes());
                    h.update(s.as_bytes());
                }
            }
        }
        hex::encode(h.finalize())
    }

    /// Fills in `seq`, `prev_hash` and `hash` so the record follows `prev`.
    pub fn link_after(&mut self, prev: Option<(i64, &str)>) {
        let (seq, prev_hash) = prev.unwrap_or((0, GENESIS));
        self.seq = seq + 1;
        self.prev_hash = prev_hash.to_owned();
        self.hash = self.compute_hash();
    }
}

/// The first place the chain is broken, and how.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// A record's hash does not match its contents: it was edited.
    #[error("record {seq}: hash does not match its contents (edited)")]
    Tampered {
        /// The record.
        seq: i64,
    },
    /// A record does not link to the hash of the one before: one was
    /// edited, removed or inserted.
    #[error("record {seq}: does not link to the record before it")]
    Unlinked {
        /// The record.
        seq: i64,
    },
    /// Sequence numbers skip or repeat: a record was removed or inserted.
    #[error("record {seq}: expected sequence number {expected}")]
    Gap {
        /// The record found.
        seq: i64,
        /// The number it should have had.
        expected: i64,
    },
    /// The chain verifies on its own but does not reach a head recorded
    /// earlier outside the database: its end was cut off or rewritten.
    #[error("record {seq}: the chain does not match the recorded head (truncated or rewritten)")]
    HeadMismatch {
        /// The recorded head's sequence number.
        seq: i64,
    },
}

/// A point of the chain written down outside the database (`seq:hash`),
/// which a later verification must still find.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// Sequence number.
    pub seq: i64,
    /// The record's hash.
    pub hash: String,
}

impl std::str::FromStr for Anchor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (seq, hash) = s.split_once(':').ok_or("expected SEQ:HASH")?;
        let seq = seq
            .trim()
            .parse::<i64>()
            .map_err(|_| "SEQ must be a number")?;
        let hash = hash.trim().to_ascii_lowercase();
        if seq < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("expected SEQ:HASH with a 64-digit hex hash".into());
        }
        Ok(Self { seq, hash })
    }
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl ChainBreak {
    /// The break described in Vietnamese, for operators.
    pub fn vi(&self) -> String {
        match self {
            Self::Tampered { seq } => {
                format!("bản ghi số {seq} đã bị sửa (mã băm không khớp nội dung).")
            }
            Self::Unlinked { seq } => format!("bản ghi số {seq} không nối với bản ghi trước nó."),
            Self::Gap { seq, expected } => {
                format!("thiếu hoặc thừa bản ghi: gặp số {seq}, lẽ ra là số {expected}.")
            }
            Self::HeadMismatch { seq } => format!(
                "bản ghi cuối không khớp mốc đã lưu (số {seq}): nhật ký đã bị cắt bớt hoặc viết lại."
            ),
        }
    }
}

/// Walks records in sequence order and counts them, stopping at the first
/// break. Feed it in pages; it keeps the state between them.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }
}

impl ChainVerifier {
    /// Checks the next record.
    pub fn check(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        if record.seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                seq: record.seq,
                expected: self.expected_seq,
            });
        }
        if record.compute_hash() != record.hash {
            return Err(ChainBreak::Tampered { seq: record.seq });
        }
        if record.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq: record.seq });
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&record.hash);
        Ok(())
    }

    /// How many records have checked out.
    pub fn verified(&self) -> i64 {
        self.expected_seq - 1
    }

    /// The last record checked, as an anchor to write down.
    pub fn head(&self) -> Option<Anchor> {
        (self.expected_seq > 1).then(|| Anchor {
            seq: self.expected_seq - 1,
            hash: self.prev_hash.clone(),
        })
    }

    /// Checks, once every record has been seen, that the chain still holds
    /// the anchor: a record with that number and hash was seen, i.e. the
    /// chain reaches at least that far and was not rewritten up to it.
    pub fn finish(&self, anchor: Option<&Anchor>, seen: Option<&str>) -> Result<(), ChainBreak> {
        match anchor {
            Some(a) if seen != Some(a.hash.as_str()) => {
                Err(ChainBreak::HeadMismatch { seq: a.seq })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(action: &str) -> AuditRecord {
        AuditRecord {
            seq: 0,
            at_ms: 1_780_000_000_000,
            actor_id: Some(7),
            actor_name: "Nguyễn Văn An".into(),
            action: action.into(),
            entity: "user".into(),
            entity_id: Some("12".into()),
            before: None,
            after: Some(r#"{"username":"chutich"}"#.into()),
            request_id: Some("req-1".into()),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain(n: usize) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let mut r = record(&format!("user.create.{i}"));
            let prev = out.last().map(|p| (p.seq, p.hash.as_str()));
            r.link_after(prev);
            out.push(r);
        }
        out
    }

    fn verify(records: &[AuditRecord]) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for r in records {
            v.check(r)?;
        }
        Ok(v.verified())
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(chain(1)[0].prev_hash, GENESIS);
    }

    #[test]
    fn editing_a_record_is_found_at_that_record() {
        let mut c = chain(5);
        c[2].after = Some(r#"{"username":"ke_gian"}"#.into());
        assert_eq!(verify(&c), Err(ChainBreak::Tampered { seq: 3 }));
    }

    #[test]
    fn rehashing_an_edited_record_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].actor_name = "Người khác".into();
        c[2].hash = c[2].compute_hash();
        assert_eq!(verify(&c), Err(ChainBreak::Unlinked { seq: 4 }));
    }

    #[test]
    fn removing_a_record_leaves_a_gap() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify(&c),
            Err(ChainBreak::Gap {
                seq: 3,
                expected: 2
            })
        );
    }

    #[test]
    fn an_anchor_catches_truncation_and_rewriting() {
        let c = chain(5);
        let mut v = ChainVerifier::default();
        for r in &c {
            v.check(r).unwrap();
        }
        let head = v.head().unwrap();
        assert_eq!(head.seq, 5);
        let anchor: Anchor = head.to_string().parse().unwrap();
        assert_eq!(v.finish(Some(&anchor), Some(c[4].hash.as_str())), Ok(()));

        // Cut the last two records: what remains verifies, the anchor does not.
        let mut cut = ChainVerifier::default();
        for r in &c[..3] {
            cut.check(r).unwrap();
        }
        assert_eq!(
            cut.finish(Some(&anchor), None),
            Err(ChainBreak::HeadMismatch { seq: 5 })
        );
        assert!("5:xyz".parse::<Anchor>().is_err());
        assert!("x".parse::<Anchor>().is_err());
    }

    #[test]
    fn records_numbered_below_one_are_a_gap() {
        let mut forged = record("user.role.grant");
        forged.link_after(Some((-1, GENESIS)));
        assert_eq!(forged.seq, 0);
        assert_eq!(
            verify(&[forged]),
            Err(ChainBreak::Gap {
                seq: 0,
                expected: 1
            })
        );
    }

    #[test]
    fn missing_and_empty_fields_hash_differently() {
        let mut a = record("x");
        a.entity_id = None;
        let mut b = record("x");
        b.entity_id = Some(String::new());
        assert_ne!(a.compute_hash(), b.compute_hash());
    }

    #[test]
    fn moving_text_between_fields_changes_the_hash() {
        let mut a = record("ab");
        a.entity = "c".into();
        let mut b = record("a");
        b.entity = "bc".into();
        assert_ne!(a.compute_hash(), b.compute_hash());
    }
}
