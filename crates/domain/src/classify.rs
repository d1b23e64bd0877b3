//! Gợi ý phân loại kiến nghị — suggests, for a new petition, the field (the
//! committee, lĩnh vực), the topic (chủ đề), the level of competence (thẩm
//! quyền) and the agency (cơ quan giải quyết), learned from the petitions
//! the council has already classified.
//!
//! # How
//!
//! Each petition becomes the matching terms of [`crate::vntext`] (folded
//! syllables and adjacent pairs, stops left out, abbreviations expanded, so
//! a text typed without diacritics reads like its accented twin), plus the
//! syllables of the place where it was raised, marked as place terms.
//!
//! Two models are trained on the same terms and their distributions are
//! averaged, because on a history of a few hundred petitions neither is
//! reliable alone:
//!
//! - **Multinomial naive Bayes** with add-α smoothing (each term counted
//!   once per petition). It generalises from words ("phụ cấp" points to
//!   the legal committee wherever it appears) and gives the words that
//!   weighed most: the terms with the largest log-likelihood ratio between
//!   the suggested label and the runner-up.
//! - **Nearest earlier petitions**: cosine similarity of TF-IDF vectors,
//!   the labels of the closest few voting with their similarity. It
//!   catches a concern raised again in other words and gives the clerk the
//!   earlier petitions to look at.
//!
//! The confidence shown is the averaged probability of the suggested
//! label. Everything is deterministic: labels are kept sorted and ties go
//! to the label that sorts first.
//!
//! [`leave_one_out`] measures the suggestions on labelled history: each
//! petition is suggested by a model trained on all the others.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::vntext;

/// A petition whose classification is known, as training input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledPetition {
    /// Nội dung kiến nghị.
    pub text: String,
    /// Where it was raised, as written.
    pub locality: Option<String>,
    /// Lĩnh vực (the committee's field code).
    pub field: String,
    /// Chủ đề.
    pub topic: String,
    /// Thẩm quyền giải quyết (`xa`, `huyen`, `tinh`, `trung_uong`).
    pub competence: String,
    /// Cơ quan giải quyết.
    pub agency: String,
}

/// What is suggested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Target {
    /// Lĩnh vực.
    Field,
    /// Chủ đề.
    Topic,
    /// Thẩm quyền.
    Competence,
    /// Cơ quan giải quyết.
    Agency,
}

impl Target {
    /// Every target, in a fixed order.
    pub const ALL: [Target; 4] = [
        Target::Field,
        Target::Topic,
        Target::Competence,
        Target::Agency,
    ];

    fn of(self, p: &LabelledPetition) -> &str {
        match self {
            Target::Field => &p.field,
            Target::Topic => &p.topic,
            Target::Competence => &p.competence,
            Target::Agency => &p.agency,
        }
    }

    /// Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Target::Field => "Lĩnh vực",
            Target::Topic => "Chủ đề",
            Target::Competence => "Thẩm quyền",
            Target::Agency => "Cơ quan giải quyết",
        }
    }
}

/// An earlier petition close to the one being classified.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Neighbour {
    /// Index of the petition in the training input.
    pub index: usize,
    /// Cosine similarity, 0 to 1.
    pub similarity: f64,
    /// Its label for the target.
    pub label: String,
}

/// One suggestion with why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The suggested label.
    pub label: String,
    /// Probability of the suggested label, 0 to 1.
    pub confidence: f64,
    /// The other labels worth showing, most likely first, with their
    /// probability (at most three).
    pub alternatives: Vec<(String, f64)>,
    /// Words of the petition that pointed most to this label rather than
    /// the runner-up, as written in it.
    pub key_terms: Vec<String>,
    /// The nearest earlier petitions, closest first.
    pub nearest: Vec<Neighbour>,
}

/// Suggestions for all four targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestions {
    /// Lĩnh vực.
    pub field: Suggestion,
    /// Chủ đề.
    pub topic: Suggestion,
    /// Thẩm quyền.
    pub competence: Suggestion,
    /// Cơ quan giải quyết.
    pub agency: Suggestion,
}

// The three constants were chosen by leave-one-out on the development
// set; within 3…8 neighbours, α 0.1…0.3 and a Bayes share 0.3…0.7 the
// accuracies move by at most three points.
/// How many neighbours vote.
const NEIGHBOURS: usize = 5;
/// Add-α smoothing of naive Bayes.
const ALPHA: f64 = 0.1;
/// Share of the naive Bayes distribution in the blend.
const BAYES_SHARE: f64 = 0.5;

/// The terms of one petition: text terms, each once, and place terms.
#[derive(Clone, Debug, Default)]
struct Features {
    /// Distinct terms, sorted.
    terms: Vec<String>,
    /// Surface (accented) form of each text term, for explanations.
    surfaces: HashMap<String, String>,
}

fn features(text: &str, locality: Option<&str>) -> Features {
    let tokens = vntext::tokens(text);
    let mut surfaces = HashMap::new();
    let mut prev: Option<&vntext::Token> = None;
    for t in &tokens {
        if t.stop || t.gap.is_some() {
            prev = None;
        }
        if t.stop {
            continue;
        }
        surfaces
            .entry(t.folded.clone())
            .or_insert_with(|| t.surface.clone());
        if let Some(p) = prev {
            surfaces
                .entry(format!("{} {}", p.folded, t.folded))
                .or_insert_with(|| format!("{} {}", p.surface, t.surface));
        }
        prev = Some(t);
    }
    let mut terms: BTreeSet<String> = vntext::terms_of(&tokens).into_iter().collect();
    if let Some(place) = locality {
        for t in vntext::tokens(place) {
            if !t.stop {
                terms.insert(format!("@{}", t.folded));
            }
        }
    }
    Features {
        terms: terms.into_iter().collect(),
        surfaces,
    }
}

/// Naive Bayes counts for one target.
#[derive(Clone, Debug, Default)]
struct Bayes {
    /// Labels, sorted.
    labels: Vec<String>,
    /// Petitions per label.
    docs: Vec<u32>,
    /// Per label: term → petitions holding it.
    counts: Vec<HashMap<u32, u32>>,
    /// Per label: sum of `counts`.
    totals: Vec<u64>,
}

/// A trained classifier; see the module documentation.
#[derive(Clone, Debug)]
pub struct Classifier {
    vocabulary: HashMap<String, u32>,
    /// Accented spelling of folded terms seen in training, so that the
    /// words shown for a text typed without diacritics read well.
    spellings: HashMap<String, String>,
    /// Petitions holding each term.
    df: Vec<u32>,
    /// Per training petition: unit TF-IDF vector sorted by term id.
    vectors: Vec<Vec<(u32, f64)>>,
    /// Per training petition and target: its label.
    labels: Vec<[String; 4]>,
    models: [Bayes; 4],
}

impl Classifier {
    /// Learns from labelled petitions. Records with an empty label for a
    /// target do not teach that target.
    pub fn train(records: &[LabelledPetition]) -> Self {
        let feats: Vec<Features> = records
            .iter()
            .map(|r| features(&r.text, r.locality.as_deref()))
            .collect();
        let rows: Vec<usize> = (0..records.len()).collect();
        Self::from_features(records, &feats, &rows)
    }

    /// Trains on the rows `use_rows` of already extracted features.
    fn from_features(records: &[LabelledPetition], feats: &[Features], use_rows: &[usize]) -> Self {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut ids: Vec<Vec<u32>> = Vec::with_capacity(use_rows.len());
        for &r in use_rows {
            let mut row = Vec::with_capacity(feats[r].terms.len());
            for term in &feats[r].terms {
                let next = u32::try_from(vocabulary.len()).unwrap_or(u32::MAX);
                let id = *vocabulary.entry(term.clone()).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                df[id as usize] += 1;
                row.push(id);
            }
            ids.push(row);
        }
        let mut spellings = HashMap::new();
        for &r in use_rows {
            for (folded, surface) in &feats[r].surfaces {
                if folded != surface {
                    spellings
                        .entry(folded.clone())
                        .or_insert_with(|| surface.clone());
                }
            }
        }
        let n = use_rows.len() as f64;
        let vectors = ids
            .iter()
            .map(|row| unit_vector(row.iter().map(|&id| (id, idf(n, df[id as usize])))))
            .collect();
        let labels: Vec<[String; 4]> = use_rows
            .iter()
            .map(|&r| Target::ALL.map(|t| t.of(&records[r]).to_owned()))
            .collect();
        let models = Target::ALL.map(|target| {
            let k = target as usize;
            let set: BTreeSet<&str> = labels
                .iter()
                .map(|l| l[k].as_str())
                .filter(|l| !l.is_empty())
                .collect();
            let names: Vec<String> = set.into_iter().map(str::to_owned).collect();
            let mut bayes = Bayes {
                docs: vec![0; names.len()],
                counts: vec![HashMap::new(); names.len()],
                totals: vec![0; names.len()],
                labels: names,
            };
            for (row, l) in ids.iter().zip(&labels) {
                let Ok(c) = bayes.labels.binary_search(&l[k]) else {
                    continue;
                };
                bayes.docs[c] += 1;
                for &id in row {
                    *bayes.counts[c].entry(id).or_insert(0) += 1;
                    bayes.totals[c] += 1;
                }
            }
            bayes
        });
        Self {
            vocabulary,
            spellings,
            df,
            vectors,
            labels,
            models,
        }
    }

    /// How many petitions it learned from.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// Whether it learned from none.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// Suggests the four labels for a petition's text and the place where
    /// it was raised.
    pub fn suggest(&self, text: &str, locality: Option<&str>) -> Suggestions {
        let f = features(text, locality);
        let [field, topic, competence, agency] = Target::ALL.map(|t| self.suggest_for(&f, t));
        Suggestions {
            field,
            topic,
            competence,
            agency,
        }
    }

    /// Suggests one label.
    pub fn suggest_one(&self, text: &str, locality: Option<&str>, target: Target) -> Suggestion {
        self.suggest_for(&features(text, locality), target)
    }

    fn suggest_for(&self, f: &Features, target: Target) -> Suggestion {
        let k = target as usize;
        let model = &self.models[k];
        let known: Vec<u32> = f
            .terms
            .iter()
            .filter_map(|t| self.vocabulary.get(t).copied())
            .collect();
        if model.labels.is_empty() {
            return Suggestion {
                label: String::new(),
                confidence: 0.0,
                alternatives: Vec::new(),
                key_terms: Vec::new(),
                nearest: Vec::new(),
            };
        }
        let vocab = self.vocabulary.len() as f64;
        let log_likelihood = |c: usize, id: u32| {
            let count = f64::from(model.counts[c].get(&id).copied().unwrap_or(0));
            ((count + ALPHA) / (model.totals[c] as f64 + ALPHA * vocab)).ln()
        };
        let total_docs: u32 = model.docs.iter().sum();
        let log_post: Vec<f64> = (0..model.labels.len())
            .map(|c| {
                let prior = (f64::from(model.docs[c]) / f64::from(total_docs.max(1))).ln();
                prior + known.iter().map(|&id| log_likelihood(c, id)).sum::<f64>()
            })
            .collect();
        let bayes = softmax(&log_post);

        // Nearest earlier petitions.
        let n = self.vectors.len() as f64;
        let query = unit_vector(known.iter().map(|&id| (id, idf(n, self.df[id as usize]))));
        let mut sims: Vec<(usize, f64)> = self
            .vectors
            .iter()
            .enumerate()
            .map(|(i, v)| (i, dot(&query, v)))
            .filter(|(i, s)| *s > 0.0 && !self.labels[*i][k].is_empty())
            .collect();
        sims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        sims.truncate(NEIGHBOURS);
        let mut votes = vec![0.0; model.labels.len()];
        for &(i, s) in &sims {
            if let Ok(c) = model.labels.binary_search(&self.labels[i][k]) {
                votes[c] += s;
            }
        }
        let vote_sum: f64 = votes.iter().sum();
        let blended: Vec<f64> = if vote_sum > 0.0 {
            bayes
                .iter()
                .zip(&votes)
                .map(|(b, v)| BAYES_SHARE * b + (1.0 - BAYES_SHARE) * v / vote_sum)
                .collect()
        } else {
            bayes
        };

        let mut order: Vec<usize> = (0..blended.len()).collect();
        order.sort_by(|&a, &b| blended[b].total_cmp(&blended[a]).then(a.cmp(&b)));
        let best = order[0];
        let key_terms = match order.get(1) {
            Some(&second) => {
                let mut weighed: Vec<(f64, &String)> = f
                    .terms
                    .iter()
                    .filter(|t| !t.starts_with('@'))
                    .filter_map(|t| {
                        let id = *self.vocabulary.get(t)?;
                        let lr = log_likelihood(best, id) - log_likelihood(second, id);
                        (lr > 0.0).then_some((lr, t))
                    })
                    .collect();
                weighed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
                weighed
                    .iter()
                    .take(5)
                    .map(|(_, t)| self.spelling(f, t))
                    .collect()
            }
            None => Vec::new(),
        };
        Suggestion {
            label: model.labels[best].clone(),
            confidence: blended[best],
            alternatives: order[1..]
                .iter()
                .take(3)
                .map(|&c| (model.labels[c].clone(), blended[c]))
                .filter(|(_, p)| *p >= 0.01)
                .collect(),
            key_terms,
            nearest: sims
                .iter()
                .take(3)
                .map(|&(i, s)| Neighbour {
                    index: i,
                    similarity: s,
                    label: self.labels[i][k].clone(),
                })
                .collect(),
        }
    }
}

impl Classifier {
    /// How to show a term: as the petition wrote it if with diacritics,
    /// else as training petitions wrote it, else folded.
    fn spelling(&self, f: &Features, term: &str) -> String {
        match f.surfaces.get(term) {
            Some(s) if s != term => s.clone(),
            _ => self
                .spellings
                .get(term)
                .cloned()
                .unwrap_or_else(|| term.to_owned()),
        }
    }
}

fn idf(n: f64, df: u32) -> f64 {
    ((n + 1.0) / (f64::from(df) + 0.5)).ln().max(0.0)
}

fn unit_vector(items: impl Iterator<Item = (u32, f64)>) -> Vec<(u32, f64)> {
    let mut v: Vec<(u32, f64)> = items.collect();
    v.sort_unstable_by_key(|(id, _)| *id);
    let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
    if norm > 0.0 {
        for (_, w) in &mut v {
            *w /= norm;
        }
    }
    v
}

fn dot(a: &[(u32, f64)], b: &[(u32, f64)]) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

fn softmax(logs: &[f64]) -> Vec<f64> {
    let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = logs.iter().map(|l| (l - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

/// Accuracy of suggestions measured by cross-validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LooReport {
    /// Petitions measured.
    pub records: usize,
    /// Into how many parts they were split (as many as petitions for
    /// leave-one-out).
    pub folds: usize,
    /// Per target: share of petitions whose suggestion equals the label
    /// (petitions with an empty label are not counted).
    pub accuracy: BTreeMap<Target, f64>,
    /// Per target: how many were counted.
    pub counted: BTreeMap<Target, usize>,
}

impl LooReport {
    /// The accuracy for one target (0 when nothing was counted).
    pub fn of(&self, target: Target) -> f64 {
        self.accuracy.get(&target).copied().unwrap_or(0.0)
    }
}

/// Suggests each petition with a model trained on all the others and
/// counts how often the suggestion is the label.
pub fn leave_one_out(records: &[LabelledPetition]) -> LooReport {
    cross_validate(records, records.len())
}

/// Splits the petitions into `folds` parts (petition `i` in part
/// `i % folds`), suggests each part with a model trained on the others and
/// counts how often the suggestion is the label. `folds` equal to the
/// number of petitions is leave-one-out.
pub fn cross_validate(records: &[LabelledPetition], folds: usize) -> LooReport {
    let folds = folds.clamp(1, records.len().max(1));
    let feats: Vec<Features> = records
        .iter()
        .map(|r| features(&r.text, r.locality.as_deref()))
        .collect();
    let mut right: BTreeMap<Target, usize> = BTreeMap::new();
    let mut counted: BTreeMap<Target, usize> = BTreeMap::new();
    for fold in 0..folds {
        let rows: Vec<usize> = (0..records.len()).filter(|&r| r % folds != fold).collect();
        let model = Classifier::from_features(records, &feats, &rows);
        for held in (fold..records.len()).step_by(folds) {
            for target in Target::ALL {
                let want = target.of(&records[held]);
                if want.is_empty() {
                    continue;
                }
                *counted.entry(target).or_insert(0) += 1;
                if model.suggest_for(&feats[held], target).label == want {
                    *right.entry(target).or_insert(0) += 1;
                }
            }
        }
    }
    let accuracy = Target::ALL
        .iter()
        .map(|t| {
            let c = counted.get(t).copied().unwrap_or(0);
            let r = right.get(t).copied().unwrap_or(0);
            (*t, if c == 0 { 0.0 } else { r as f64 / c as f64 })
        })
        .collect();
    LooReport {
        records: records.len(),
        folds,
        accuracy,
        counted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        text: &str,
        field: &str,
        topic: &str,
        competence: &str,
        agency: &str,
    ) -> LabelledPetition {
        LabelledPetition {
            text: text.into(),
            locality: None,
            field: field.into(),
            topic: topic.into(),
            competence: competence.into(),
            agency: agency.into(),
        }
    }

    fn history() -> Vec<LabelledPetition> {
        vec![
            record(
                "Cử tri đề nghị nâng cấp Quốc lộ 7 đoạn qua xã đang xuống cấp nghiêm trọng.",
                "kinh_te_ngan_sach",
                "giao_thong",
                "trung_uong",
                "Bộ Giao thông vận tải",
            ),
            record(
                "Cử tri đề nghị sửa chữa đường tỉnh 269D bị hư hỏng, mặt đường nhiều ổ gà.",
                "kinh_te_ngan_sach",
                "giao_thong",
                "tinh",
                "Sở Giao thông vận tải",
            ),
            record(
                "Cử tri đề nghị tăng phụ cấp cho người hoạt động không chuyên trách ở thôn.",
                "phap_che",
                "chinh_sach_can_bo",
                "trung_uong",
                "Bộ Nội vụ",
            ),
            record(
                "Cử tri đề nghị nâng mức phụ cấp cho trưởng thôn và bí thư chi bộ vì quá thấp.",
                "phap_che",
                "chinh_sach_can_bo",
                "trung_uong",
                "Bộ Nội vụ",
            ),
            record(
                "Trạm y tế xã đã xuống cấp, cử tri đề nghị đầu tư xây mới để khám chữa bệnh.",
                "van_hoa_xa_hoi",
                "y_te",
                "tinh",
                "Sở Y tế",
            ),
            record(
                "Cử tri phản ánh bệnh viện thiếu thuốc trong danh mục bảo hiểm y tế.",
                "van_hoa_xa_hoi",
                "y_te",
                "trung_uong",
                "Bộ Y tế",
            ),
        ]
    }

    #[test]
    fn a_new_petition_gets_the_labels_of_its_kind_with_reasons() {
        let model = Classifier::train(&history());
        assert_eq!(model.len(), 6);
        let s = model.suggest(
            "Cu tri de nghi tang phu cap cho to truong to dan pho vi muc hien nay thap.",
            Some("xã Đăk Mar"),
        );
        assert_eq!(s.field.label, "phap_che");
        assert_eq!(s.topic.label, "chinh_sach_can_bo");
        assert_eq!(s.agency.label, "Bộ Nội vụ");
        assert!(
            s.field.confidence > 0.5 && s.field.confidence <= 1.0,
            "{s:?}"
        );
        assert!(
            s.field.key_terms.iter().any(|t| t.contains("phụ cấp")),
            "{:?}",
            s.field.key_terms
        );
        let nearest: Vec<usize> = s.field.nearest.iter().map(|n| n.index).collect();
        assert!(nearest[0] == 2 || nearest[0] == 3, "{nearest:?}");
        assert!(
            s.field
                .nearest
                .windows(2)
                .all(|w| w[0].similarity >= w[1].similarity)
        );
    }

    #[test]
    fn accented_and_unaccented_texts_get_the_same_suggestion() {
        let model = Classifier::train(&history());
        let a = model.suggest("Đề nghị sửa chữa Quốc lộ 7 hư hỏng nặng.", None);
        let b = model.suggest("De nghi sua chua QL7 hu hong nang.", None);
        assert_eq!(a, b);
        assert_eq!(a.topic.label, "giao_thong");
        assert!(
            a.topic
                .key_terms
                .iter()
                .any(|t| t.contains("quốc lộ") || t == "lộ"),
            "{:?}",
            a.topic.key_terms
        );
    }

    #[test]
    fn confidences_are_probabilities_and_alternatives_are_ordered() {
        let model = Classifier::train(&history());
        let s = model.suggest_one("Cử tri đề nghị xây trạm y tế mới.", None, Target::Topic);
        let total: f64 = s.confidence + s.alternatives.iter().map(|(_, p)| p).sum::<f64>();
        assert!(total <= 1.0 + 1e-9, "{s:?}");
        assert!(s.alternatives.iter().all(|(_, p)| *p <= s.confidence));
        assert!(s.alternatives.windows(2).all(|w| w[0].1 >= w[1].1));
        assert_eq!(s.label, "y_te");
    }

    #[test]
    fn training_is_deterministic() {
        let a = Classifier::train(&history()).suggest("đường giao thông hư hỏng", None);
        let b = Classifier::train(&history()).suggest("đường giao thông hư hỏng", None);
        assert_eq!(a, b);
    }

    #[test]
    fn an_untrained_classifier_suggests_nothing() {
        let model = Classifier::train(&[]);
        assert!(model.is_empty());
        let s = model.suggest("Cử tri đề nghị sửa đường.", None);
        assert_eq!(s.field.label, "");
        assert_eq!(s.field.confidence, 0.0);
    }

    #[test]
    fn records_without_a_label_teach_only_the_targets_they_have() {
        let mut h = history();
        h.push(record(
            "Cử tri đề nghị nạo vét kênh mương.",
            "kinh_te_ngan_sach",
            "",
            "",
            "",
        ));
        let model = Classifier::train(&h);
        let s = model.suggest("nạo vét kênh mương", None);
        assert_eq!(s.field.label, "kinh_te_ngan_sach");
        assert_ne!(s.topic.label, "");
        let loo = leave_one_out(&h);
        assert_eq!(loo.counted[&Target::Field], 7);
        assert_eq!(loo.counted[&Target::Topic], 6);
    }

    fn dev_set() -> Vec<LabelledPetition> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/petitions/petitions-dev.jsonl"
        );
        let body = std::fs::read_to_string(path).expect("the dev set is in testdata/petitions");
        body.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                LabelledPetition {
                    text: s("text"),
                    locality: Some(s("locality")),
                    field: s("field"),
                    topic: s("topic"),
                    competence: s("competence"),
                    agency: s("agency"),
                }
            })
            .collect()
    }

    /// Share of the most frequent label: what always guessing it scores.
    fn majority(records: &[LabelledPetition], target: Target) -> f64 {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for r in records {
            *counts.entry(target.of(r)).or_insert(0) += 1;
        }
        counts.values().copied().max().unwrap_or(0) as f64 / records.len() as f64
    }

    #[test]
    fn leave_one_out_on_the_dev_set_beats_the_majority_label() {
        let records = dev_set();
        let loo = leave_one_out(&records);
        for t in Target::ALL {
            println!(
                "{:?}: accuracy {:.3} (majority label {:.3})",
                t,
                loo.of(t),
                majority(&records, t)
            );
        }
        assert_eq!((loo.records, loo.folds), (records.len(), records.len()));
        let tenfold = cross_validate(&records, 10);
        assert_eq!(tenfold.folds, 10);
        assert_eq!(tenfold.counted[&Target::Field], records.len());
        assert!(tenfold.of(Target::Field) > majority(&records, Target::Field));
        assert!(loo.of(Target::Field) > majority(&records, Target::Field) + 0.1);
        assert!(loo.of(Target::Topic) > majority(&records, Target::Topic) + 0.2);
        assert!(loo.of(Target::Competence) > majority(&records, Target::Competence));
    }
}
