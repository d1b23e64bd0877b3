//! Đo tốc độ tra cứu — compares our index with SQLite FTS5 and PostgreSQL
//! full-text search on the same generated records and the same queries.
//!
//! Run from the workspace root, in release mode:
//!
//! ```sh
//! cargo run --release -p nghitruong-search --features bench --bin search-bench
//! ```
//!
//! Options: `--records N` (default 100 000), `--queries N` (200),
//! `--pg URL` (default `postgres://postgres@127.0.0.1:5432/test`; `--pg none`
//! skips PostgreSQL). The PostgreSQL run works in a schema of its own and
//! drops it at the end.
//!
//! Records are built from the vocabulary of the dev sets: clauses of the
//! petitions and answers in `testdata/petitions/petitions-dev.jsonl`, places
//! from `seed/admin-units-2025-07.csv`. The judged answers are known by
//! construction: each query is a key phrase of a clause plus a place name,
//! the records generated for that (phrase, place) target are the relevant
//! ones (one to five of them), and no other record holds both the phrase
//! and the place, checked on folded text while generating. Half the queries
//! are typed without diacritics. No engine's output takes part in judging.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nghitruong_search::analyzer::fold;
use nghitruong_search::{Audience, Kind, Record, Scope, SearchIndex, SearchQuery};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, Executor};

const FIELDS: &[&str] = &[
    "Kinh tế - Ngân sách",
    "Pháp chế",
    "Văn hóa - Xã hội",
    "Dân tộc",
    "Đô thị",
];

struct Options {
    records: usize,
    queries: usize,
    pg: Option<String>,
}

fn options() -> Result<Options> {
    let mut o = Options {
        records: 100_000,
        queries: 200,
        pg: Some("postgres://postgres@127.0.0.1:5432/test".into()),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().context("thiếu giá trị sau tùy chọn");
        match a.as_str() {
            "--records" => o.records = value()?.parse()?,
            "--queries" => o.queries = value()?.parse()?,
            "--pg" => {
                let v = value()?;
                o.pg = (v != "none").then_some(v);
            }
            other => bail!("tùy chọn không rõ: {other}"),
        }
    }
    if !o.queries.is_multiple_of(2) {
        bail!("--queries phải là số chẵn");
    }
    Ok(o)
}

/// A place: its full name ("xã Tiền Châu") and the part people type.
#[derive(Clone)]
struct Place {
    full: String,
    short: String,
    province: String,
}

fn places(root: &Path) -> Result<Vec<Place>> {
    let mut reader = csv::Reader::from_path(root.join("seed/admin-units-2025-07.csv"))?;
    let mut provinces = HashMap::new();
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row?;
        let (code, name, parent) = (&row[0], &row[1], &row[3]);
        if parent.is_empty() {
            provinces.insert(code.to_string(), name.to_string());
        } else {
            rows.push((name.to_string(), parent.to_string()));
        }
    }
    let mut out = Vec::new();
    for (name, parent) in rows {
        let Some((kind, short)) = name.split_once(' ') else {
            continue;
        };
        out.push(Place {
            full: format!("{} {short}", kind.to_lowercase()),
            short: short.to_string(),
            province: provinces.get(&parent).cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Clauses of the dev petitions and answers, long enough to carry a topic.
fn clauses(root: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(root.join("testdata/petitions/petitions-dev.jsonl"))?;
    let mut out = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        for key in ["text", "answer"] {
            let Some(s) = v[key].as_str() else { continue };
            for clause in s.split(['.', ';']) {
                let clause = clause.trim();
                if clause.split_whitespace().count() >= 8 {
                    out.push(clause.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A run of 3 to 5 words inside a clause, without punctuation or digits,
/// written with diacritics.
fn key_phrase(clause: &str, rng: &mut StdRng) -> Option<String> {
    let words: Vec<&str> = clause.split_whitespace().collect();
    for _ in 0..20 {
        let len = rng.gen_range(3..=5);
        if words.len() <= len {
            return None;
        }
        let start = rng.gen_range(0..words.len() - len);
        let run = &words[start..start + len];
        if run.iter().all(|w| w.chars().all(char::is_alphabetic)) {
            let phrase = run.join(" ");
            if fold(&phrase) != phrase.to_lowercase() {
                return Some(phrase);
            }
        }
    }
    None
}

struct Target {
    phrase: String,
    place: usize,
    query: String,
    unaccented: bool,
    relevant: HashSet<i64>,
}

struct Corpus {
    bodies: Vec<String>,
    records: Vec<Record>,
    targets: Vec<Target>,
}

fn body(place: &Place, clause: &str, filler: &str) -> String {
    format!(
        "Cử tri {}, {} phản ánh: {clause}. {filler}.",
        place.full, place.province
    )
}

fn generate(root: &Path, o: &Options) -> Result<Corpus> {
    let places = places(root)?;
    let clauses = clauses(root)?;
    let mut rng = StdRng::seed_from_u64(2026);

    let mut targets = Vec::new();
    let mut pairs = HashSet::new();
    while targets.len() < o.queries {
        let c = rng.gen_range(0..clauses.len());
        let Some(phrase) = key_phrase(&clauses[c], &mut rng) else {
            continue;
        };
        let place = rng.gen_range(0..places.len());
        if !pairs.insert((fold(&phrase), fold(&places[place].short))) {
            continue;
        }
        let typed = format!("{phrase} {}", places[place].short).to_lowercase();
        let unaccented = targets.len() % 2 == 1;
        targets.push((
            c,
            Target {
                query: if unaccented { fold(&typed) } else { typed },
                phrase,
                place,
                unaccented,
                relevant: HashSet::new(),
            },
        ));
    }
    // Folded place name → targets about it, to keep chance matches out.
    let mut by_place: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (_, t)) in targets.iter().enumerate() {
        by_place
            .entry(fold(&places[t.place].short))
            .or_default()
            .push(i);
    }
    let folded_phrases: Vec<String> = targets.iter().map(|(_, t)| fold(&t.phrase)).collect();

    let mut bodies = Vec::with_capacity(o.records);
    for (c, t) in targets.iter_mut() {
        for _ in 0..rng.gen_range(1..=5) {
            let filler = &clauses[rng.gen_range(0..clauses.len())];
            t.relevant.insert(bodies.len() as i64);
            bodies.push(body(&places[t.place], &clauses[*c], filler));
        }
    }
    while bodies.len() < o.records {
        let place = &places[rng.gen_range(0..places.len())];
        let clause = &clauses[rng.gen_range(0..clauses.len())];
        let filler = &clauses[rng.gen_range(0..clauses.len())];
        let text = body(place, clause, filler);
        if let Some(list) = by_place.get(&fold(&place.short)) {
            let folded = fold(&text);
            if list.iter().any(|&t| folded.contains(&folded_phrases[t])) {
                continue;
            }
        }
        bodies.push(text);
    }
    // Shuffle so the relevant records are not the first ids.
    let mut order: Vec<usize> = (0..bodies.len()).collect();
    order.shuffle(&mut rng);
    let mut new_id = vec![0i64; bodies.len()];
    for (new, &old) in order.iter().enumerate() {
        new_id[old] = new as i64;
    }
    let bodies: Vec<String> = order.iter().map(|&old| bodies[old].clone()).collect();
    let mut targets: Vec<Target> = targets.into_iter().map(|(_, t)| t).collect();
    for t in &mut targets {
        t.relevant = t.relevant.iter().map(|&old| new_id[old as usize]).collect();
    }
    let records = bodies
        .iter()
        .enumerate()
        .map(|(id, b)| Record {
            kind: Kind::Petition,
            id: id as i64,
            council_id: Some(1 + (id as i64 % 40)),
            council_name: None,
            field: Some(FIELDS[id % FIELDS.len()].to_string()),
            period: Some(format!("{}", 2020 + id % 7)),
            status: Some("Đã trả lời".into()),
            title: String::new(),
            body: b.clone(),
            date: None,
            url: String::new(),
            public_url: None,
            audience: vec![Audience::Public],
        })
        .collect();
    Ok(Corpus {
        bodies,
        records,
        targets,
    })
}

/// What one engine measured.
struct Measured {
    engine: &'static str,
    indexing: Duration,
    latencies: Vec<Duration>,
    recall_accented: f64,
    recall_unaccented: f64,
}

fn recall(targets: &[Target], results: &[Vec<i64>], unaccented: bool) -> f64 {
    let mut sum = 0.0;
    let mut n = 0.0;
    for (t, found) in targets.iter().zip(results) {
        if t.unaccented != unaccented {
            continue;
        }
        let hit = found
            .iter()
            .take(10)
            .filter(|id| t.relevant.contains(id))
            .count();
        sum += hit as f64 / t.relevant.len() as f64;
        n += 1.0;
    }
    if n == 0.0 { 0.0 } else { sum / n }
}

/// Runs every query once to warm caches, then `ROUNDS` times measured.
const ROUNDS: usize = 3;

fn finish(
    engine: &'static str,
    indexing: Duration,
    latencies: Vec<Duration>,
    targets: &[Target],
    results: &[Vec<i64>],
) -> Measured {
    Measured {
        engine,
        indexing,
        latencies,
        recall_accented: recall(targets, results, false),
        recall_unaccented: recall(targets, results, true),
    }
}

fn ours(corpus: &Corpus) -> Result<Measured> {
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let index = SearchIndex::open_with(dir.path(), 2, 400_000_000)?;
    for r in &corpus.records {
        index.upsert(r)?;
    }
    index.commit()?;
    let indexing = started.elapsed();
    let scope = Scope::public();
    let run = |q: &str| -> Result<Vec<i64>> {
        let query = SearchQuery {
            text: q.to_string(),
            limit: 10,
            ..SearchQuery::default()
        };
        Ok(index
            .search(&query, &scope)?
            .hits
            .iter()
            .map(|h| h.id)
            .collect())
    };
    let mut results = Vec::new();
    for t in &corpus.targets {
        results.push(run(&t.query)?);
    }
    let mut latencies = Vec::new();
    for _ in 0..ROUNDS {
        for t in &corpus.targets {
            let started = Instant::now();
            std::hint::black_box(run(&t.query)?);
            latencies.push(started.elapsed());
        }
    }
    Ok(finish(
        "Nghị trường (tantivy)",
        indexing,
        latencies,
        &corpus.targets,
        &results,
    ))
}

/// An FTS5 query: each word quoted (so nothing in it is syntax), all required.
fn fts5_query(q: &str) -> String {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

async fn sqlite(corpus: &Corpus) -> Result<Measured> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("fts.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url).await?;
    db.execute("PRAGMA journal_mode = WAL").await?;
    db.execute("PRAGMA synchronous = NORMAL").await?;
    let started = Instant::now();
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')",
    )
    .await?;
    let mut tx = db.begin().await?;
    for (id, b) in corpus.bodies.iter().enumerate() {
        sqlx::query("INSERT INTO docs(rowid, body) VALUES (?, ?)")
            .bind(id as i64)
            .bind(b)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        .await?;
    let indexing = started.elapsed();
    let sql = "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10";
    let mut results = Vec::new();
    for t in &corpus.targets {
        let rows: Vec<(i64,)> = sqlx::query_as(sql)
            .bind(fts5_query(&t.query))
            .fetch_all(&mut db)
            .await?;
        results.push(rows.into_iter().map(|r| r.0).collect());
    }
    let mut latencies = Vec::new();
    for _ in 0..ROUNDS {
        for t in &corpus.targets {
            let started = Instant::now();
            let rows: Vec<(i64,)> = sqlx::query_as(sql)
                .bind(fts5_query(&t.query))
                .fetch_all(&mut db)
                .await?;
            std::hint::black_box(rows);
            latencies.push(started.elapsed());
        }
    }
    Ok(finish(
        "SQLite FTS5 (unicode61 remove_diacritics 2)",
        indexing,
        latencies,
        &corpus.targets,
        &results,
    ))
}

async fn postgres(url: &str, corpus: &Corpus) -> Result<Measured> {
    let mut db = sqlx::PgConnection::connect(url).await?;
    let schema = format!("search_bench_{}", std::process::id());
    dynamic(&mut db, format!("CREATE SCHEMA {schema}")).await?;
    let outcome = postgres_in(&mut db, &schema, corpus).await;
    dynamic(&mut db, format!("DROP SCHEMA {schema} CASCADE")).await?;
    outcome
}

async fn postgres_in(
    db: &mut sqlx::PgConnection,
    schema: &str,
    corpus: &Corpus,
) -> Result<Measured> {
    // unaccent is installed in our schema unless the database has it already,
    // so dropping the schema leaves the database as it was.
    let installed: Option<(String,)> = sqlx::query_as(
        "SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
         WHERE e.extname = 'unaccent'",
    )
    .fetch_optional(&mut *db)
    .await?;
    let ext_schema = match installed {
        Some((s,)) => s,
        None => {
            dynamic(
                &mut *db,
                format!("CREATE EXTENSION unaccent SCHEMA {schema}"),
            )
            .await?;
            schema.to_string()
        }
    };
    dynamic(
        &mut *db,
        format!("SET search_path TO {schema}, {ext_schema}"),
    )
    .await?;
    let started = Instant::now();
    db.execute(
        "CREATE TABLE docs (id bigint PRIMARY KEY, body text NOT NULL, tsv tsvector NOT NULL)",
    )
    .await?;
    for (chunk_no, chunk) in corpus.bodies.chunks(5000).enumerate() {
        let ids: Vec<i64> = (0..chunk.len())
            .map(|i| (chunk_no * 5000 + i) as i64)
            .collect();
        sqlx::query(
            "INSERT INTO docs (id, body, tsv) \
             SELECT id, body, to_tsvector('simple', unaccent(body)) \
             FROM UNNEST($1::bigint[], $2::text[]) AS t(id, body)",
        )
        .bind(&ids)
        .bind(chunk)
        .execute(&mut *db)
        .await?;
    }
    db.execute("CREATE INDEX docs_tsv ON docs USING gin (tsv)")
        .await?;
    db.execute("ANALYZE docs").await?;
    let indexing = started.elapsed();
    let sql = "SELECT id FROM docs, plainto_tsquery('simple', unaccent($1)) q \
               WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC LIMIT 10";
    let mut results = Vec::new();
    for t in &corpus.targets {
        let rows: Vec<(i64,)> = sqlx::query_as(sql)
            .bind(&t.query)
            .fetch_all(&mut *db)
            .await?;
        results.push(rows.into_iter().map(|r| r.0).collect());
    }
    let mut latencies = Vec::new();
    for _ in 0..ROUNDS {
        for t in &corpus.targets {
            let started = Instant::now();
            let rows: Vec<(i64,)> = sqlx::query_as(sql)
                .bind(&t.query)
                .fetch_all(&mut *db)
                .await?;
            std::hint::black_box(rows);
            latencies.push(started.elapsed());
        }
    }
    Ok(finish(
        "PostgreSQL FTS (simple + unaccent)",
        indexing,
        latencies,
        &corpus.targets,
        &results,
    ))
}

/// Runs a statement built here from our own names (never from input).
async fn dynamic(db: &mut sqlx::PgConnection, sql: String) -> Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(db).await?;
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let o = options()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let started = Instant::now();
    let corpus = generate(&root, &o)?;
    let relevant: usize = corpus.targets.iter().map(|t| t.relevant.len()).sum();
    println!(
        "{} records, {} queries ({} without diacritics), {} judged relevant records; generated in {:.1} s",
        corpus.records.len(),
        corpus.targets.len(),
        corpus.targets.iter().filter(|t| t.unaccented).count(),
        relevant,
        started.elapsed().as_secs_f64()
    );
    for t in corpus.targets.iter().take(4) {
        println!("  e.g. {:?} → {} relevant", t.query, t.relevant.len());
    }

    let mut all = vec![ours(&corpus)?, sqlite(&corpus).await?];
    match &o.pg {
        Some(url) => all.push(postgres(url, &corpus).await?),
        None => println!("PostgreSQL skipped (--pg none)"),
    }

    println!();
    println!(
        "| Engine | Indexing (s) | p50 (ms) | p99 (ms) | recall@10 accented | recall@10 unaccented |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for m in &mut all {
        m.latencies.sort();
        println!(
            "| {} | {:.2} | {} | {} | {:.3} | {:.3} |",
            m.engine,
            m.indexing.as_secs_f64(),
            ms(percentile(&m.latencies, 0.50)),
            ms(percentile(&m.latencies, 0.99)),
            m.recall_accented,
            m.recall_unaccented,
        );
    }
    println!(
        "\nLatency over {} runs of each query after one warm-up run; one connection or \
         searcher, one query at a time. Ours includes facet counts and snippets.",
        ROUNDS
    );
    Ok(())
}
