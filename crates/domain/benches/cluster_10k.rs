//! Clusters 10,050 petitions reworded from the development set and prints
//! the time beside the aim (10 s on the team's two-core machine, release
//! build) and beside `pg_trgm`'s all-pairs comparison, the peer the issue
//! names.
//!
//! ```text
//! cargo bench -p nghitruong-domain --bench cluster_10k
//! ```
//!
//! Each of the 134 petitions is written 75 times, each copy changed in a
//! seeded, repeatable way as another secretary would note it: synonyms
//! swapped, abbreviations used, clauses reordered, diacritics dropped, and
//! for some copies the place where it was raised changed to another
//! record's (such a copy is labelled as a concern of its own).

use std::time::Instant;

use nghitruong_domain::dedup::{
    DedupDoc, DedupParams, PairwiseScores, find_duplicates, trigram_pairs,
};
use unicode_normalization::UnicodeNormalization;

const COPIES: usize = 75;
const AIM_SECONDS: f64 = 10.0;

struct Record {
    text: String,
    locality: String,
    group: String,
}

fn dev_set() -> Vec<Record> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/petitions/petitions-dev.jsonl"
    );
    let body = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            Record {
                text: s("text"),
                locality: s("locality"),
                group: s("dup_group"),
            }
        })
        .collect()
}

/// A small xorshift generator: the bench needs repeatable choices, not
/// statistical quality, so a seeded one-liner beats a dependency.
struct Choices(u64);

impl Choices {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Words secretaries use for one another.
const SYNONYMS: &[(&str, &str)] = &[
    ("đề nghị", "kiến nghị"),
    ("Cử tri", "Nhiều cử tri"),
    ("sửa chữa", "tu sửa"),
    ("nâng cấp", "cải tạo, nâng cấp"),
    ("xuống cấp", "hư hỏng, xuống cấp"),
    ("sớm", "khẩn trương"),
    ("mong", "mong muốn"),
    ("phản ánh", "cho biết"),
    ("hỗ trợ", "quan tâm hỗ trợ"),
    ("tăng", "nâng"),
    ("người dân", "bà con"),
];

/// Spellings secretaries shorten.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("Quốc lộ ", "QL"),
    ("Tỉnh lộ ", "TL"),
    ("Ủy ban nhân dân", "UBND"),
    ("bảo hiểm y tế", "BHYT"),
    ("bảo hiểm xã hội", "BHXH"),
    ("giấy chứng nhận quyền sử dụng đất", "GCNQSDĐ"),
    ("thành phố", "TP"),
    ("thị trấn", "TT"),
    ("trạm y tế", "TYT"),
];

fn strip_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

fn reword(text: &str, rng: &mut Choices) -> String {
    let mut text = text.to_owned();
    for (a, b) in SYNONYMS {
        if rng.chance(40) {
            text = text.replacen(a, b, 1);
        }
    }
    for (long, short) in ABBREVIATIONS {
        if rng.chance(60) {
            text = text.replace(long, short);
        }
    }
    if rng.chance(30) {
        let mut clauses: Vec<&str> = text.split("; ").collect();
        if clauses.len() > 1 {
            clauses.rotate_left(1);
            text = clauses.join("; ");
        }
    }
    if rng.chance(35) {
        text = strip_diacritics(&text);
    }
    text
}

fn main() {
    let records = dev_set();
    let mut rng = Choices(0x9e37_79b9_7f4a_7c15);
    let mut docs = Vec::with_capacity(records.len() * COPIES);
    let mut labels = Vec::with_capacity(records.len() * COPIES);
    for r in &records {
        for _ in 0..COPIES {
            let text = reword(&r.text, &mut rng);
            let (place, label) = if rng.chance(10) {
                let other = &records[rng.below(records.len())];
                (
                    other.locality.clone(),
                    format!("{}@{}", r.group, other.locality),
                )
            } else {
                (r.locality.clone(), r.group.clone())
            };
            docs.push(DedupDoc {
                text,
                place: Some(place),
            });
            labels.push(label);
        }
    }

    let params = DedupParams::default();
    let started = Instant::now();
    let report = find_duplicates(&docs, &params);
    let ours = started.elapsed().as_secs_f64();
    let scores = PairwiseScores::from_groups(&report.groups, &labels);
    let n = docs.len();
    let all_pairs = n * (n - 1) / 2;

    // The peer: pg_trgm compares every pair. Timed on a slice and scaled
    // by the number of pairs, since the full run takes minutes.
    let slice = 1_000;
    let texts: Vec<&str> = docs.iter().take(slice).map(|d| d.text.as_str()).collect();
    let started = Instant::now();
    let _ = trigram_pairs(&texts, 0.25);
    let peer_slice = started.elapsed().as_secs_f64();
    let peer = peer_slice * all_pairs as f64 / (slice * (slice - 1) / 2) as f64;

    println!(
        "{n} petitions reworded from {} in the dev set",
        records.len()
    );
    println!(
        "Nghị trường: {ours:.2} s (aim < {AIM_SECONDS:.0} s), {} candidate pairs scored of {all_pairs} ({:.1} %), {} groups",
        report.candidate_pairs,
        100.0 * report.candidate_pairs as f64 / all_pairs as f64,
        report.groups.len()
    );
    println!(
        "  pairwise precision {:.3}, recall {:.3}, F1 {:.3}",
        scores.precision, scores.recall, scores.f1
    );
    println!(
        "pg_trgm all pairs (similarity ≥ 0.25): {peer:.1} s estimated ({peer_slice:.2} s for {slice} petitions)"
    );
    if ours > AIM_SECONDS {
        println!("slower than the aim of {AIM_SECONDS:.0} s");
    }
}
