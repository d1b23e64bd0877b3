//! Ranking and access tests over a small index in memory.

use crate::*;

fn record(kind: Kind, id: i64, title: &str, body: &str, audience: Vec<Audience>) -> Record {
    Record {
        kind,
        id,
        council_id: Some(1),
        council_name: Some("HĐND tỉnh Nghệ An".into()),
        field: Some("Giao thông".into()),
        period: Some("2026".into()),
        status: Some("Đang xử lý".into()),
        title: title.into(),
        body: body.into(),
        date: Some("2026-12-04".into()),
        url: format!("/x/{id}"),
        public_url: None,
        audience,
    }
}

fn index(records: &[Record]) -> SearchIndex {
    let index = SearchIndex::in_ram().unwrap();
    for r in records {
        index.upsert(r).unwrap();
    }
    index.commit().unwrap();
    index
}

fn ids(index: &SearchIndex, text: &str, scope: &Scope) -> Vec<i64> {
    let query = SearchQuery {
        text: text.into(),
        limit: 10,
        ..SearchQuery::default()
    };
    index
        .search(&query, scope)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id)
        .collect()
}

fn public() -> Vec<Audience> {
    vec![Audience::Public]
}

#[test]
fn unaccented_and_decomposed_queries_find_accented_text() {
    let idx = index(&[
        record(
            Kind::Petition,
            1,
            "Sửa đường giao thông",
            "Cử tri xã Anh Sơn kiến nghị sửa đường.",
            public(),
        ),
        record(
            Kind::Petition,
            2,
            "Nước sạch",
            "Cử tri đề nghị cấp nước sạch.",
            public(),
        ),
    ]);
    assert_eq!(ids(&idx, "duong giao thong", &Scope::public()), [1]);
    assert_eq!(ids(&idx, "ĐƯỜNG GIAO THÔNG", &Scope::public()), [1]);
    let nfd: String =
        unicode_normalization::UnicodeNormalization::nfd("đường giao thông").collect();
    assert_eq!(ids(&idx, &nfd, &Scope::public()), [1]);
    assert_eq!(ids(&idx, "nuoc sach", &Scope::public()), [2]);
    assert!(ids(&idx, "thủy lợi", &Scope::public()).is_empty());
}

#[test]
fn exact_diacritics_rank_above_folded_matches() {
    let idx = index(&[
        record(
            Kind::Document,
            1,
            "Báo cáo",
            "Đường tỉnh qua khu dân cư.",
            public(),
        ),
        record(
            Kind::Document,
            2,
            "Báo cáo",
            "Dương liễu trồng ven khu dân cư.",
            public(),
        ),
    ]);
    // Same folded syllables; the marks typed decide.
    assert_eq!(ids(&idx, "dương", &Scope::public()), [2, 1]);
    assert_eq!(ids(&idx, "đường", &Scope::public()), [1, 2]);
    // Without marks both match.
    let mut both = ids(&idx, "duong", &Scope::public());
    both.sort_unstable();
    assert_eq!(both, [1, 2]);
}

#[test]
fn a_phrase_ranks_above_scattered_syllables() {
    let idx = index(&[
        record(
            Kind::Document,
            1,
            "Tờ trình",
            "Thông tin về giao nhận hồ sơ đất đai.",
            public(),
        ),
        record(
            Kind::Document,
            2,
            "Tờ trình",
            "Hạ tầng giao thông nông thôn của xã.",
            public(),
        ),
    ]);
    assert_eq!(ids(&idx, "giao thong", &Scope::public()), [2, 1]);
    assert_eq!(ids(&idx, "giao thông", &Scope::public()), [2, 1]);
}

#[test]
fn records_outside_the_scope_are_never_returned_counted_or_faceted() {
    let mut secret = record(
        Kind::Document,
        2,
        "Tài liệu mật về đường giao thông",
        "Đường giao thông.",
        vec![Audience::Person(34), Audience::CouncilRole(1, "chu_tich")],
    );
    secret.field = Some("Quốc phòng".into());
    let idx = index(&[
        record(
            Kind::Document,
            1,
            "Đường giao thông",
            "Đường giao thông.",
            public(),
        ),
        secret,
        record(
            Kind::Petition,
            3,
            "Đường giao thông",
            "Đường giao thông.",
            vec![Audience::Council(1)],
        ),
        record(
            Kind::Answer,
            4,
            "Đường giao thông",
            "Đường giao thông.",
            vec![Audience::Agency(7)],
        ),
    ]);
    let query = SearchQuery {
        text: "duong giao thong".into(),
        limit: 10,
        ..SearchQuery::default()
    };
    let look = |scope: &Scope| {
        let r = idx.search(&query, scope).unwrap();
        let mut ids: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
        ids.sort_unstable();
        let fields: Vec<String> = r
            .facets
            .iter()
            .find(|(d, _)| *d == Dimension::Field)
            .map(|(_, v)| v.iter().map(|f| f.value.clone()).collect())
            .unwrap_or_default();
        (ids, r.total, fields)
    };

    let (found, total, fields) = look(&Scope::public());
    assert_eq!((found, total), (vec![1], 1));
    assert_eq!(fields, ["Giao thông"]);

    // A deputy of council 1 who is not on the list.
    let deputy = Scope::person(Some(99)).with_role(Some(1), "dai_bieu");
    let (found, total, fields) = look(&deputy);
    assert_eq!((found, total), (vec![1, 3], 2));
    assert!(!fields.contains(&"Quốc phòng".to_string()));

    // The same role in another council sees only what is public.
    let elsewhere = Scope::person(Some(99)).with_role(Some(2), "chu_tich");
    assert_eq!(look(&elsewhere).0, [1]);

    // On the list by person, by role, or as the agency.
    assert_eq!(look(&Scope::person(Some(34))).0, [1, 2]);
    assert_eq!(
        look(&Scope::person(None).with_role(Some(1), "chu_tich")).0,
        [1, 2, 3]
    );
    assert_eq!(look(&Scope::public().with_agency(7)).0, [1, 4]);
    // A grant valid in every council matches council-wide and role audiences.
    assert_eq!(
        look(&Scope::person(None).with_role(None, "chu_tich")).0,
        [1, 2, 3]
    );

    // Nothing at all for an empty scope, even with no text.
    let everything = SearchQuery {
        limit: 10,
        ..SearchQuery::default()
    };
    assert_eq!(idx.search(&everything, &Scope::default()).unwrap().total, 0);
    assert_eq!(idx.search(&everything, &Scope::public()).unwrap().total, 1);
}

#[test]
fn facets_filter_and_count() {
    let mut other = record(
        Kind::Petition,
        2,
        "Đường giao thông",
        "Đường liên xã.",
        public(),
    );
    other.field = Some("Đất đai".into());
    let idx = index(&[
        record(
            Kind::Document,
            1,
            "Đường giao thông",
            "Đường liên xã.",
            public(),
        ),
        other,
        record(
            Kind::Petition,
            3,
            "Đường giao thông",
            "Đường liên thôn.",
            public(),
        ),
    ]);
    let mut query = SearchQuery {
        text: "duong".into(),
        limit: 10,
        ..SearchQuery::default()
    };
    let all = idx.search(&query, &Scope::public()).unwrap();
    assert_eq!(all.total, 3);
    let kinds = &all
        .facets
        .iter()
        .find(|(d, _)| *d == Dimension::Kind)
        .unwrap()
        .1;
    assert!(kinds.contains(&FacetValue {
        value: "kien_nghi".into(),
        label: "Kiến nghị cử tri".into(),
        count: 2
    }));
    let councils = &all
        .facets
        .iter()
        .find(|(d, _)| *d == Dimension::Council)
        .unwrap()
        .1;
    assert_eq!(councils[0].label, "HĐND tỉnh Nghệ An");
    assert_eq!(councils[0].count, 3);

    query.filters = vec![
        (Dimension::Kind, "kien_nghi".into()),
        (Dimension::Field, "Giao thông".into()),
    ];
    let narrowed = idx.search(&query, &Scope::public()).unwrap();
    assert_eq!(narrowed.hits.iter().map(|h| h.id).collect::<Vec<_>>(), [3]);
    query.filters = vec![(Dimension::Council, councils[0].value.clone())];
    assert_eq!(idx.search(&query, &Scope::public()).unwrap().total, 3);
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let idx = index(&[record(
        Kind::Question,
        5,
        "Chất vấn về thủy lợi",
        "Kênh mương.",
        public(),
    )]);
    idx.upsert(&record(
        Kind::Question,
        5,
        "Chất vấn về trường học",
        "Phòng học.",
        public(),
    ))
    .unwrap();
    idx.commit().unwrap();
    assert!(ids(&idx, "thuy loi", &Scope::public()).is_empty());
    assert_eq!(ids(&idx, "truong hoc", &Scope::public()), [5]);
    assert_eq!(idx.len(), 1);
    idx.delete(Kind::Question, 5);
    idx.commit().unwrap();
    assert!(idx.is_empty());
}

#[test]
fn matches_are_marked_and_markup_is_escaped() {
    let idx = index(&[record(
        Kind::Petition,
        1,
        "Đường <b>giao</b> thông",
        "Cử tri phản ánh: đường giao thông <script>alert(1)</script> xuống cấp & ngập.",
        public(),
    )]);
    let query = SearchQuery {
        text: "duong giao".into(),
        limit: 10,
        ..SearchQuery::default()
    };
    let hit = &idx.search(&query, &Scope::public()).unwrap().hits[0];
    assert_eq!(
        hit.title_html,
        "<mark>Đường</mark> &lt;b&gt;<mark>giao</mark>&lt;/b&gt; thông"
    );
    assert!(
        hit.snippet_html
            .contains("<mark>đường</mark> <mark>giao</mark>"),
        "{}",
        hit.snippet_html
    );
    assert!(hit.snippet_html.contains("&lt;script&gt;"));
    assert!(!hit.snippet_html.contains("<script>"));
}

#[test]
fn the_index_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let idx = SearchIndex::open(dir.path()).unwrap();
        idx.upsert(&record(
            Kind::Session,
            9,
            "Kỳ họp thứ hai",
            "Hội trường tỉnh.",
            public(),
        ))
        .unwrap();
        assert_eq!(idx.mark().unwrap(), None);
        idx.commit_marked("42").unwrap();
    }
    let idx = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(ids(&idx, "ky hop", &Scope::public()), [9]);
    assert_eq!(idx.mark().unwrap().as_deref(), Some("42"));
}
