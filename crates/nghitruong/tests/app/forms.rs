//! Form errors: a main form sent by htmx (hx-boost) gets its refusal as a
//! fragment for the form's own error region, so nothing typed is lost, and
//! its success as a redirect the browser follows.

use crate::helpers::{Client, spawn_app};

/// Posts `fields` the way a boosted htmx form does; returns the status,
/// the htmx headers and the body.
async fn boosted(
    c: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, Option<String>, Option<String>, String) {
    let mut form: Vec<(&str, &str)> = vec![("_csrf", c.csrf.as_str())];
    form.extend_from_slice(fields);
    let r = c
        .http
        .post(format!("{}{path}", c.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("hx-request", "true")
        .header("hx-boosted", "true")
        .header("x-csrf-token", c.csrf.clone())
        .body(serde_urlencoded::to_string(&form).unwrap())
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (retarget, redirect) = (header("hx-retarget"), header("hx-redirect"));
    if retarget.is_some() {
        // The page keeps its address.
        assert_eq!(header("hx-push-url").as_deref(), Some("false"));
    }
    (
        r.status().as_u16(),
        retarget,
        redirect,
        r.text().await.unwrap(),
    )
}

#[tokio::test]
async fn a_boosted_form_gets_its_refusal_as_a_fragment_and_its_success_as_a_redirect() {
    let app = spawn_app().await;
    let mut office = app.signed_in("vanphong").await;
    office.get("/ky-hop").await;
    let (status, retarget, redirect, body) = boosted(
        &office,
        "/ky-hop",
        &[
            ("kind", "thuong_le"),
            ("starts_on", "2027-07-10"),
            ("ends_on", "2027-07-08"),
            ("place", "Hội trường tỉnh"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // A fragment, not a page: the browser's script puts it in the form.
    assert_eq!(retarget.as_deref(), Some("#thong-bao"));
    assert_eq!(redirect, None);
    assert!(!body.contains("<html"), "{body}");
    assert!(body.contains(r#"role="alert""#), "{body}");
    assert!(body.contains("Ngày bế mạc"), "{body}");

    let (status, _, redirect, body) = boosted(
        &office,
        "/ky-hop",
        &[
            ("kind", "thuong_le"),
            ("starts_on", "2027-07-08"),
            ("ends_on", "2027-07-10"),
            ("place", "Hội trường tỉnh"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let to = redirect.expect("the browser is sent to the new session");
    assert!(to.starts_with("/ky-hop/"), "{to}");
    assert_eq!(office.get(&to).await.status, 200);

    // The same post without htmx is an ordinary redirect.
    let plain = office
        .post(
            "/ky-hop",
            &[
                ("kind", "thuong_le"),
                ("starts_on", "2027-12-08"),
                ("ends_on", "2027-12-10"),
                ("place", "Hội trường tỉnh"),
            ],
        )
        .await;
    assert_eq!(plain.status, 303);
}

#[tokio::test]
async fn the_main_forms_are_sent_by_htmx() {
    let app = spawn_app().await;
    let mut office = app.signed_in("vanphong").await;
    for (page, action) in [
        ("/ky-hop", r#"action="/ky-hop""#),
        ("/hop", r#"action="/hop""#),
        ("/xin-y-kien", r#"action="/xin-y-kien""#),
        ("/kien-nghi", r#"action="/kien-nghi/dot""#),
        ("/giam-sat", r#"action="/giam-sat/doan""#),
        ("/giam-sat/nhiem-vu", r#"action="/giam-sat/nhiem-vu""#),
    ] {
        let body = office.get(page).await.body;
        let form = body
            .split("<form")
            .find(|f| f.contains(action) && f.contains(r#"method="post""#))
            .unwrap_or_else(|| panic!("{page} has the form {action}"));
        let tag = &form[..form.find('>').unwrap()];
        assert!(tag.contains(r#"hx-boost="true""#), "{page}: <form{tag}>");
    }
}
