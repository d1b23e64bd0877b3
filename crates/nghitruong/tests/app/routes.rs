//! Every route with every role: the access each route declares is what
//! each role gets, at province and at commune level.

use axum::http::Method;
use nghitruong_domain::access::Role;
use nghitruong_domain::org::CouncilLevel;
use nghitruong_store::{AuditContext, CouncilFilter, NewUser, Store};
use nghitruong_testkit::T0;
use nghitruong_web::auth::Access;
use nghitruong_web::routes::specs;

use crate::helpers::{Client, PASSWORD, TestApp, spawn_app, user};

/// Identifiers that exist in the demo data, to fill path templates.
struct Ids {
    commune_council: i64,
    other_user: i64,
    session: i64,
    item: i64,
    person: i64,
}

fn concrete(path: &str, ids: &Ids) -> String {
    path.replace("/static/{hash}/{name}", "/static/0/app.css")
        .replace(
            "/hoi-dong/{id}",
            &format!("/hoi-dong/{}", ids.commune_council),
        )
        .replace(
            "/nguoi-dung/{id}",
            &format!("/nguoi-dung/{}", ids.other_user),
        )
        .replace("/phien/{id}", "/phien/999999")
        .replace("/ky-hop/{id}", &format!("/ky-hop/{}", ids.session))
        .replace("{item}", &ids.item.to_string())
        .replace("{round}", "999999")
        .replace("{request}", "999999")
        .replace("{question}", "999999")
        .replace("{person}", &ids.person.to_string())
}

async fn ids(app: &TestApp) -> Ids {
    let level = |level| CouncilFilter {
        level: Some(level),
        limit: 1,
        ..Default::default()
    };
    let (communes, _) = app
        .store
        .councils(&level(CouncilLevel::Commune))
        .await
        .unwrap();
    let (province, _) = app
        .store
        .councils(&level(CouncilLevel::Province))
        .await
        .unwrap();
    let council = province[0].council.id;
    let session = app.store.council_sessions(council).await.unwrap()[0].id;
    let item = app.store.agenda(session).await.unwrap()[0].id;
    let day = time::macros::date!(2026 - 12 - 04);
    let person = app.store.seated_deputies(council, day).await.unwrap()[0]
        .person
        .id;
    Ids {
        commune_council: communes[0].council.id,
        other_user: user(&app.store, "daibieu").await.id,
        session,
        item,
        person,
    }
}

async fn call(client: &mut Client, method: &Method, path: &str) -> crate::helpers::Reply {
    if path.ends_with("/su-kien") {
        // An event stream never ends: check its answer, not its body.
        let r = client
            .http
            .get(format!("{}{path}", client.base))
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = r.status().as_u16();
        let body = if status == 403 {
            r.text().await.unwrap_or_default()
        } else {
            String::new()
        };
        return crate::helpers::Reply {
            status,
            location,
            body,
        };
    }
    if *method == Method::GET {
        client.get(path).await
    } else {
        client.post(path, &[]).await
    }
}

/// Makes one account per role in the council of `unit`.
async fn accounts(
    app: &TestApp,
    unit_code: &str,
    level: CouncilLevel,
) -> Vec<(String, Role, CouncilLevel)> {
    let (all, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    let council = all
        .iter()
        .find(|c| c.council.unit_code == unit_code)
        .unwrap()
        .council
        .id;
    let hash = app
        .store
        .user_credentials("chutich")
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    let mut out = Vec::new();
    for role in Role::ALL {
        let username = format!("{}.{unit_code}", role.as_str().replace('_', "-"));
        let user = NewUser {
            username: username.clone(),
            display_name: format!("Kiểm thử {}", role.label()),
            password_hash: hash.clone(),
            person_id: None,
            agency_body_id: None,
        };
        let ctx = AuditContext::system(T0);
        let id = app.store.create_user(&user, &ctx).await.unwrap();
        let scope = if *role == Role::Admin {
            None
        } else {
            Some(council)
        };
        app.store.grant_role(id, scope, *role, &ctx).await.unwrap();
        // The administrator works in the province by default, wherever created.
        let effective = if *role == Role::Admin {
            CouncilLevel::Province
        } else {
            level
        };
        out.push((username, *role, effective));
    }
    out
}

#[tokio::test]
async fn every_route_answers_every_role_as_its_access_says() {
    let app = spawn_app().await;
    let (communes, _) = app
        .store
        .councils(&CouncilFilter {
            level: Some(CouncilLevel::Commune),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let commune = &communes[0].council;
    let ids = ids(&app).await;
    let mut people = accounts(&app, "40", CouncilLevel::Province).await;
    people.extend(accounts(&app, &commune.unit_code, CouncilLevel::Commune).await);
    let routes: Vec<_> = specs()
        .into_iter()
        .filter(|r| r.path != "/dang-xuat")
        .collect();

    let mut checked = 0;
    for (username, role, level) in &people {
        let mut client = app.client();
        let reply = client.sign_in(username, PASSWORD).await;
        assert_eq!(reply.status, 303, "{username} signs in");
        client.get("/").await;
        for spec in &routes {
            let path = concrete(spec.path, &ids);
            let reply = call(&mut client, &spec.method, &path).await;
            let what = format!(
                "{role:?} at {level:?}: {} {path} gave {}",
                spec.method, reply.status
            );
            assert!(reply.status < 500, "{what}: {}", reply.body);
            assert_ne!(reply.status, 401, "{what}");
            match spec.access {
                Access::Permission(p) if !role.permits(p, *level) => {
                    assert_eq!(reply.status, 403, "{what}");
                    assert!(
                        reply.body.contains("Không có quyền"),
                        "{what}: the 403 page explains"
                    );
                }
                Access::SecondFactor => {}
                _ => {
                    assert_ne!(reply.status, 403, "{what}");
                    let to_login = reply
                        .location
                        .as_deref()
                        .is_some_and(|l| l.starts_with("/dang-nhap"));
                    let ok_redirect =
                        spec.path.starts_with("/dang-nhap") || spec.path == "/tai-khoan/mat-khau";
                    assert!(!to_login || ok_redirect, "{what}: sent to sign in");
                }
            }
            checked += 1;
        }
        let out = client.post("/dang-xuat", &[]).await;
        assert_eq!(out.status, 303, "{username} signs out");
        assert_eq!(
            client.get("/").await.status,
            303,
            "{username} is signed out"
        );
    }
    assert_eq!(checked, people.len() * routes.len());
    assert!(people.len() >= 2 * Role::ALL.len());
}

#[tokio::test]
async fn anonymous_visitors_only_reach_public_routes() {
    let app = spawn_app().await;
    let ids = ids(&app).await;
    for spec in specs() {
        let mut client = app.client();
        client.get("/dang-nhap").await;
        let path = concrete(spec.path, &ids);
        let reply = call(&mut client, &spec.method, &path).await;
        let what = format!("{} {path} gave {}", spec.method, reply.status);
        match spec.access {
            Access::Public => assert!(reply.status < 500 && reply.status != 401, "{what}"),
            _ if spec.method == Method::GET || spec.access == Access::SecondFactor => {
                assert_eq!(reply.status, 303, "{what}");
                assert!(
                    reply.location.unwrap_or_default().starts_with("/dang-nhap"),
                    "{what}"
                );
            }
            _ => assert_eq!(reply.status, 401, "{what}"),
        }
    }
}

#[tokio::test]
async fn a_commune_secretary_sees_only_their_commune() {
    let app = spawn_app().await;
    let mut c = app.signed_in("thuky.17329").await;
    let home = c.get("/").await;
    assert!(home.body.contains("HĐND xã Anh Sơn"));
    assert!(
        !home.body.contains("HĐND tỉnh Nghệ An"),
        "no province in the switcher"
    );
    assert_eq!(c.get("/hoi-dong").await.status, 403);

    // Forcing another council through the switcher is refused.
    let (all, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    let other = all
        .iter()
        .find(|s| s.council.unit_code != "17329")
        .unwrap()
        .council
        .id;
    let reply = c
        .post("/chon-hoi-dong", &[("council_id", &other.to_string())])
        .await;
    assert_eq!(reply.status, 403);
    assert!(c.get("/to-chuc").await.body.contains("HĐND xã Anh Sơn"));
}

#[tokio::test]
async fn the_province_sees_its_communes_but_not_itself_as_one() {
    let app = spawn_app().await;
    let mut c = app.signed_in("chutich").await;
    let list = c.get("/hoi-dong?q=anh%20son").await;
    assert!(
        list.body.contains("HĐND xã Anh Sơn"),
        "a query without diacritics finds the commune"
    );
    let all = c.get("/hoi-dong").await;
    assert!(
        all.body.contains("data-testid=\"council-count\">130<"),
        "130 commune councils"
    );

    let (found, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    let province = found
        .iter()
        .find(|s| s.council.unit_code == "40")
        .unwrap()
        .council
        .id;
    let commune = found
        .iter()
        .find(|s| s.council.unit_code == "17329")
        .unwrap()
        .council
        .id;
    let page = c.get(&format!("/hoi-dong/{commune}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ban Kinh tế - Ngân sách"));
    assert_eq!(c.get(&format!("/hoi-dong/{province}")).await.status, 404);
    assert_eq!(c.get("/hoi-dong/999999").await.status, 404);
}

#[tokio::test]
async fn the_home_page_offers_what_each_role_may_do() {
    let app = crate::helpers::spawn_app().await;
    let cards = |body: &str| -> Vec<String> {
        let section = body.split(r#"<ul class="cards">"#).nth(1).unwrap_or("");
        let section = section.split("</ul>").next().unwrap_or("");
        section
            .split(r#"<a href=""#)
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].to_owned())
            .collect()
    };
    let mut office = app.signed_in("vanphong").await;
    let got = cards(&office.get("/").await.body);
    for href in [
        "/ky-hop",
        "/kien-nghi",
        "/giam-sat",
        "/quy-che",
        "/tai-khoan",
    ] {
        assert!(
            got.iter().any(|h| h == href),
            "the office's home offers {href}: {got:?}"
        );
    }
    assert!(!got.iter().any(|h| h == "/kien-nghi/duoc-giao"), "{got:?}");
    // An agency officer: the petitions assigned to their agency, supervision.
    let mut officer = app.signed_in("coquan").await;
    let got = cards(&officer.get("/").await.body);
    assert!(got.iter().any(|h| h == "/kien-nghi/duoc-giao"), "{got:?}");
    assert!(got.iter().any(|h| h == "/giam-sat"), "{got:?}");
    assert!(
        !got.iter().any(|h| h == "/kien-nghi" || h == "/ky-hop"),
        "{got:?}"
    );
    // Every card leads somewhere the viewer may go.
    for (client, list) in [(&mut office, "vanphong"), (&mut officer, "coquan")] {
        for href in cards(&client.get("/").await.body) {
            let status = client.get(&href).await.status;
            assert!(
                status == 200 || status == 303,
                "{list}: {href} answers {status}"
            );
        }
    }
}
