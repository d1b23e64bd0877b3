//! Chỉ mục — the index: schema, writing, and the search itself.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analyzer::{self, Syllable};
use crate::record::{Kind, Record, Scope};

/// What went wrong in the index; details are for the log.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Tantivy failed (disk, a corrupt segment, a lock held by another process).
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index directory could not be created.
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
    /// A directory holds an index of another shape.
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
}

/// Results of index calls.
pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// Body text beyond this many bytes is not indexed: a 300-page report's
/// first 200 kB carry its subject, and the cap bounds the work of one write.
const MAX_BODY_BYTES: usize = 200_000;
/// Characters of body text a hit shows around its matches.
const SNIPPET_CHARS: usize = 220;
/// Largest page a caller may ask for.
pub const MAX_PAGE: usize = 100;
/// Values listed per facet.
const FACET_VALUES: usize = 20;

/// Weights of the parts of a query; see [`SearchIndex::search`].
const BOOST_EXACT: f32 = 0.8;
const BOOST_PAIR: f32 = 1.5;
const BOOST_TITLE: f32 = 0.6;

/// How many of the typed syllables a record must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strictness {
    /// All of them.
    All,
    /// Three in four (rounded up).
    Most,
}

/// The folded syllables of a query, each once.
fn distinct_folded(cut: &[Syllable]) -> Vec<&str> {
    let mut folded: Vec<&str> = cut.iter().map(|s| s.folded.as_str()).collect();
    folded.sort_unstable();
    folded.dedup();
    folded
}

/// The facet dimensions, as stored under the facet field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Loại — kind of record.
    Kind,
    /// Hội đồng — council.
    Council,
    /// Lĩnh vực — field.
    Field,
    /// Kỳ — period.
    Period,
    /// Trạng thái — status.
    Status,
}

impl Dimension {
    /// Every dimension, in display order.
    pub const ALL: [Dimension; 5] = [
        Dimension::Kind,
        Dimension::Council,
        Dimension::Field,
        Dimension::Period,
        Dimension::Status,
    ];

    fn root(self) -> &'static str {
        match self {
            Dimension::Kind => "kind",
            Dimension::Council => "council",
            Dimension::Field => "field",
            Dimension::Period => "period",
            Dimension::Status => "status",
        }
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Dimension::Kind => "Loại",
            Dimension::Council => "Hội đồng",
            Dimension::Field => "Lĩnh vực",
            Dimension::Period => "Thời gian",
            Dimension::Status => "Trạng thái",
        }
    }

    fn facet(self, value: &str) -> tantivy::schema::Facet {
        tantivy::schema::Facet::from_path([self.root(), value])
    }
}

/// A search as asked.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// What was typed, with or without diacritics; empty lists everything
    /// in scope.
    pub text: String,
    /// Facet values to keep, by dimension (the `value` of a [`FacetValue`]).
    pub filters: Vec<(Dimension, String)>,
    /// Hits to skip.
    pub offset: usize,
    /// Hits to return (capped at [`MAX_PAGE`]).
    pub limit: usize,
}

/// One hit.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    /// Kind.
    pub kind: Kind,
    /// Identifier within the kind.
    pub id: i64,
    /// Title, HTML-escaped, matches inside `<mark>`.
    pub title_html: String,
    /// Body text around the matches, HTML-escaped, matches inside `<mark>`.
    pub snippet_html: String,
    /// Where it is shown.
    pub url: String,
    /// Where the public portal shows it, if it is public.
    pub public_url: Option<String>,
    /// Its date.
    pub date: Option<String>,
    /// Its council's name.
    pub council: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// Relevance.
    pub score: f32,
}

/// One value of a facet with how many hits have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FacetValue {
    /// What to pass back as a filter.
    pub value: String,
    /// What to show.
    pub label: String,
    /// Hits in scope with this value.
    pub count: u64,
}

/// What a search found.
#[derive(Clone, Debug, Serialize)]
pub struct SearchResults {
    /// Hits in scope matching the query and filters.
    pub total: usize,
    /// The page asked for.
    pub hits: Vec<Hit>,
    /// Counts by dimension, over the same hits as `total`.
    pub facets: Vec<(Dimension, Vec<FacetValue>)>,
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    title: Field,
    body: Field,
    council: Field,
    status: Field,
    date: Field,
    url: Field,
    public_url: Field,
    exact: Field,
    folded: Field,
    pairs: Field,
    title_folded: Field,
    facets: Field,
    access: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed = |tokenizer: &str, fieldnorms: bool| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_fieldnorms(fieldnorms)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        kind: b.add_text_field("kind", STORED),
        id: b.add_i64_field("id", STORED),
        title: b.add_text_field("title", STORED),
        body: b.add_text_field("body", STORED),
        council: b.add_text_field("council", STORED),
        status: b.add_text_field("status", STORED),
        date: b.add_text_field("date", STORED),
        url: b.add_text_field("url", STORED),
        public_url: b.add_text_field("public_url", STORED),
        exact: b.add_text_field("exact", indexed(analyzer::EXACT, true)),
        folded: b.add_text_field("folded", indexed(analyzer::FOLDED, true)),
        pairs: b.add_text_field("pairs", indexed(analyzer::PAIRS, true)),
        title_folded: b.add_text_field("title_folded", indexed(analyzer::FOLDED, true)),
        facets: b.add_facet_field("facets", FacetOptions::default()),
        access: b.add_text_field("access", STRING),
    };
    (b.build(), fields)
}

/// The index: one writer, one reader that sees each commit.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

/// Memory the writer buffers before it writes a segment.
pub(crate) const WRITER_BYTES: usize = 40_000_000;

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and the directory) if needed.
    pub fn open(dir: &Path) -> Result<Self> {
        Self::open_with(dir, 1, WRITER_BYTES)
    }

    /// Opens with a given number of indexing threads and writer memory
    /// (a bulk load uses more of both).
    pub fn open_with(dir: &Path, threads: usize, memory: usize) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(directory, schema)?;
        Self::wrap(index, fields, threads, memory)
    }

    /// An index in memory (tests, the benchmark).
    pub fn in_ram() -> Result<Self> {
        Self::in_ram_with(1, WRITER_BYTES)
    }

    /// An index in memory with given writer threads and memory.
    pub fn in_ram_with(threads: usize, memory: usize) -> Result<Self> {
        let (schema, fields) = schema();
        Self::wrap(Index::create_in_ram(schema), fields, threads, memory)
    }

    fn wrap(index: Index, fields: Fields, threads: usize, memory: usize) -> Result<Self> {
        analyzer::register(&index);
        let writer = index.writer_with_num_threads(threads.max(1), memory)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    fn key(kind: Kind, id: i64) -> String {
        format!("{}:{id}", kind.as_str())
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the lock leaves the writer usable: tantivy
        // keeps uncommitted work in the writer, not in our state.
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a record or replaces the one with the same kind and id; seen by
    /// searches after the next [`commit`](Self::commit).
    pub fn upsert(&self, record: &Record) -> Result<()> {
        let f = self.fields;
        let key = Self::key(record.kind, record.id);
        let title = analyzer::nfc(&record.title);
        let mut body = analyzer::nfc(&record.body);
        if body.len() > MAX_BODY_BYTES {
            let mut cut = MAX_BODY_BYTES;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
        }
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, &key);
        doc.add_text(f.kind, record.kind.as_str());
        doc.add_i64(f.id, record.id);
        doc.add_text(f.url, &record.url);
        if let Some(public_url) = &record.public_url {
            doc.add_text(f.public_url, public_url);
        }
        for view in [f.exact, f.folded, f.pairs] {
            doc.add_text(view, &title);
            doc.add_text(view, &body);
        }
        doc.add_text(f.title_folded, &title);
        doc.add_text(f.title, &title);
        doc.add_text(f.body, &body);
        if let Some(date) = &record.date {
            doc.add_text(f.date, date);
        }
        if let Some(status) = &record.status {
            doc.add_text(f.status, status);
            doc.add_facet(f.facets, Dimension::Status.facet(status));
        }
        doc.add_facet(f.facets, Dimension::Kind.facet(record.kind.as_str()));
        if let Some(c) = record.council_id {
            let name = record.council_name.clone().unwrap_or_else(|| c.to_string());
            doc.add_text(f.council, &name);
            doc.add_facet(f.facets, Dimension::Council.facet(&format!("{c}:{name}")));
        }
        if let Some(field) = &record.field {
            doc.add_facet(f.facets, Dimension::Field.facet(field));
        }
        if let Some(period) = &record.period {
            doc.add_facet(f.facets, Dimension::Period.facet(period));
        }
        for audience in &record.audience {
            for term in audience.record_terms() {
                doc.add_text(f.access, &term);
            }
        }
        let writer = self.writer();
        writer.delete_term(Term::from_field_text(f.key, &key));
        writer.add_document(doc)?;
        Ok(())
    }

    /// Removes a record; gone from searches after the next commit.
    pub fn delete(&self, kind: Kind, id: i64) {
        let term = Term::from_field_text(self.fields.key, &Self::key(kind, id));
        self.writer().delete_term(term);
    }

    /// Removes every record of `kind` (before a rebuild of that kind).
    pub fn delete_kind(&self, kind: Kind) {
        let term = Term::from_facet(self.fields.facets, &Dimension::Kind.facet(kind.as_str()));
        self.writer().delete_term(term);
    }

    /// Removes everything (before a full rebuild).
    pub fn clear(&self) -> Result<()> {
        self.writer().delete_all_documents()?;
        Ok(())
    }

    /// Makes the changes so far durable and visible to searches.
    pub fn commit(&self) -> Result<()> {
        self.writer().commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Commits like [`commit`](Self::commit) and records `mark` with the
    /// commit, atomically: the indexer stores the last audit record it has
    /// applied, so after a crash it resumes where the index really is.
    pub fn commit_marked(&self, mark: &str) -> Result<()> {
        {
            let mut writer = self.writer();
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(mark);
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// The mark of the last commit, if it had one.
    pub fn mark(&self) -> Result<Option<String>> {
        Ok(self.index.load_metas()?.payload)
    }

    /// Records in the index (as of the last commit).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Searches within `scope`.
    ///
    /// Every syllable typed must be found (folded) in the record; when that
    /// finds nothing, three in four of them will do for a query of
    /// three or more syllables. Scores then add, on top of BM25 over the folded
    /// syllables: the syllables found with the very marks typed (so
    /// "dương" ranks "dương" above "đường"), the adjacent pairs found side
    /// by side (so "giao thông" ranks the phrase above "giao" and "thông"
    /// apart), and the syllables found in the title. The scope and the
    /// filters are clauses of the same query, so what lies outside them is
    /// neither returned nor counted nor faceted.
    pub fn search(&self, query: &SearchQuery, scope: &Scope) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let cut = analyzer::syllables(&analyzer::nfc(&query.text));
        let limit = query.limit.clamp(1, MAX_PAGE);
        // Every syllable first: an intersection, the common case and the
        // fast one. A longer query that finds nothing is asked again with
        // three syllables in four, so one extra or mistyped word does not
        // hide what the others find.
        let (mut top, mut total, mut facet_counts) =
            self.run(&searcher, &cut, Strictness::All, query, scope, limit)?;
        if total == 0 && distinct_folded(&cut).len() > 2 {
            (top, total, facet_counts) =
                self.run(&searcher, &cut, Strictness::Most, query, scope, limit)?;
        }

        let folded: Vec<&str> = cut.iter().map(|s| s.folded.as_str()).collect();
        let snippets = self.snippet_generator(&folded);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            hits.push(self.hit(&searcher, address, score, &folded, &snippets)?);
        }

        let facets = Dimension::ALL
            .iter()
            .map(|&d| {
                let root = tantivy::schema::Facet::from_path([d.root()]);
                let values = facet_counts
                    .top_k(root, FACET_VALUES)
                    .into_iter()
                    .filter_map(|(facet, count)| {
                        let value = facet.to_path().get(1)?.to_string();
                        Some(FacetValue {
                            label: facet_label(d, &value),
                            value,
                            count,
                        })
                    })
                    .collect();
                (d, values)
            })
            .collect();
        Ok(SearchResults {
            total,
            hits,
            facets,
        })
    }

    /// Runs one form of the query with its collectors.
    #[allow(clippy::type_complexity)]
    fn run(
        &self,
        searcher: &tantivy::Searcher,
        cut: &[Syllable],
        strictness: Strictness,
        query: &SearchQuery,
        scope: &Scope,
        limit: usize,
    ) -> Result<(
        Vec<(f32, DocAddress)>,
        usize,
        tantivy::collector::FacetCounts,
    )> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match self.text_query(cut, strictness) {
            Some(text_query) => clauses.push((Occur::Must, text_query)),
            None => clauses.push((Occur::Must, Box::new(AllQuery))),
        }
        // The scope: a record must carry one of the asker's access terms. A
        // union of term queries lets the intersection skip through postings
        // instead of reading every record's terms; it adds nothing to scores.
        let access: Vec<(Occur, Box<dyn Query>)> = scope
            .terms
            .iter()
            .map(|t| -> (Occur, Box<dyn Query>) {
                let term = Term::from_field_text(f.access, t);
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                )
            })
            .collect();
        let access: Box<dyn Query> = if access.is_empty() {
            Box::new(EmptyQuery)
        } else {
            Box::new(BooleanQuery::new(access))
        };
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(access, 0.0))));
        for (dimension, value) in &query.filters {
            let term = Term::from_facet(f.facets, &dimension.facet(value));
            let filter = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
        }
        let full = BooleanQuery::new(clauses);

        let mut facets = FacetCollector::for_field("facets");
        for d in Dimension::ALL {
            facets.add_facet(tantivy::schema::Facet::from_path([d.root()]));
        }
        let top = TopDocs::with_limit(limit)
            .and_offset(query.offset)
            .order_by_score();
        Ok(searcher.search(&full, &(top, Count, facets))?)
    }

    /// The text part of a query, or `None` when nothing searchable was typed.
    fn text_query(&self, cut: &[Syllable], strictness: Strictness) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let folded = distinct_folded(cut);
        if folded.is_empty() {
            return None;
        }
        let n = folded.len();
        let required = match strictness {
            Strictness::All => n,
            Strictness::Most => (n * 3).div_ceil(4),
        };
        let term = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            ))
        };
        let boosted = |q: Box<dyn Query>, boost: f32| -> (Occur, Box<dyn Query>) {
            (Occur::Should, Box::new(BoostQuery::new(q, boost)))
        };
        let matching = if required == n {
            BooleanQuery::new(
                folded
                    .iter()
                    .map(|s| (Occur::Must, term(f.folded, s)))
                    .collect(),
            )
        } else {
            BooleanQuery::with_minimum_required_clauses(
                folded
                    .iter()
                    .map(|s| (Occur::Should, term(f.folded, s)))
                    .collect(),
                required,
            )
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(matching))];
        let mut seen_exact = std::collections::HashSet::new();
        for s in cut {
            if s.exact != s.folded && seen_exact.insert(s.exact.as_str()) {
                clauses.push(boosted(term(f.exact, &s.exact), BOOST_EXACT));
            }
        }
        for w in cut.windows(2) {
            if !w[1].after_break {
                let pair = format!("{} {}", w[0].folded, w[1].folded);
                clauses.push(boosted(term(f.pairs, &pair), BOOST_PAIR));
            }
        }
        for s in &folded {
            clauses.push(boosted(term(f.title_folded, s), BOOST_TITLE));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    fn snippet_generator(&self, folded: &[&str]) -> SnippetGenerator {
        let terms: BTreeMap<String, f32> = folded.iter().map(|s| (s.to_string(), 1.0)).collect();
        let analyzer = TextAnalyzer::from(analyzer::VietnameseTokenizer::folded());
        let mut generator = SnippetGenerator::new(terms, analyzer, self.fields.body, SNIPPET_CHARS);
        generator.set_max_num_chars(SNIPPET_CHARS);
        generator
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        score: f32,
        folded: &[&str],
        snippets: &SnippetGenerator,
    ) -> Result<Hit> {
        let f = self.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field: Field| -> Option<String> {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let body = text(f.body).unwrap_or_default();
        let mut snippet = snippets.snippet(&body);
        let snippet_html = if snippet.is_empty() {
            escape(&lead(&body, SNIPPET_CHARS))
        } else {
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            snippet.to_html()
        };
        let kind = text(f.kind)
            .as_deref()
            .and_then(Kind::parse)
            .unwrap_or(Kind::Document);
        Ok(Hit {
            kind,
            id: doc
                .get_first(f.id)
                .and_then(|v| v.as_i64())
                .unwrap_or_default(),
            title_html: highlight(&text(f.title).unwrap_or_default(), folded),
            snippet_html,
            url: text(f.url).unwrap_or_default(),
            public_url: text(f.public_url),
            date: text(f.date),
            council: text(f.council),
            status: text(f.status),
            score,
        })
    }
}

/// The label of a facet value: a council's value is `id:name`.
fn facet_label(dimension: Dimension, value: &str) -> String {
    match dimension {
        Dimension::Kind => {
            Kind::parse(value).map_or_else(|| value.to_string(), |k| k.label().to_string())
        }
        Dimension::Council => value
            .split_once(':')
            .map_or(value, |(_, name)| name)
            .to_string(),
        _ => value.to_string(),
    }
}

/// The start of a text, cut at a space before `max` characters.
fn lead(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => {
            let cut = text[..end].rfind(' ').unwrap_or(end);
            format!("{}…", &text[..cut])
        }
    }
}

/// Escapes text for HTML element content and attribute values. Written here
/// because the search crate has no template engine; five characters.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole of a short text (a title), escaped, with the syllables whose
/// folded form was asked for inside `<mark>`.
pub fn highlight(text: &str, folded: &[&str]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for s in analyzer::syllables(text) {
        if folded.contains(&s.folded.as_str()) {
            out.push_str(&escape(&text[at..s.from]));
            out.push_str("<mark>");
            out.push_str(&escape(&text[s.from..s.to]));
            out.push_str("</mark>");
            at = s.to;
        }
    }
    out.push_str(&escape(&text[at..]));
    out
}
