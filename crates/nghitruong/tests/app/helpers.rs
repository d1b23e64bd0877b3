//! Spawning the app and talking to it.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use nghitruong::demo::{DEMO_PASSWORD, demo_seed};
use nghitruong_domain::clock::FixedClock;
use nghitruong_store::{AuditContext, OrgSeed, SqlStore, Store, StoreOptions};
use nghitruong_testkit::{T0, fixed_clock, temp_dir};
use nghitruong_web::{AppState, WebConfig};
use reqwest::redirect::Policy;

pub const PASSWORD: &str = DEMO_PASSWORD;

/// The demo seed, built once: hashing the password is the slow part.
fn seed() -> &'static OrgSeed {
    static SEED: OnceLock<OrgSeed> = OnceLock::new();
    SEED.get_or_init(|| {
        let csv = include_str!("../../../../seed/admin-units-2025-07.csv");
        let hash = nghitruong_web::auth::password::hash(PASSWORD).unwrap();
        demo_seed(csv, &|_| hash.clone()).unwrap().0
    })
}

pub struct TestApp {
    pub base: String,
    pub store: Arc<SqlStore>,
    pub clock: Arc<FixedClock>,
    pub data_dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_full(|_| {}, |_, _| {}).await
}

/// Spawns the app after `configure` has adjusted its state (e.g. to plug
/// in the document exchange).
pub async fn spawn_app_with(configure: impl FnOnce(&mut AppState, &Arc<SqlStore>)) -> TestApp {
    spawn_app_full(|_| {}, configure).await
}

/// The app with its settings changed by `configure` (the document folder
/// is always the test's own).
pub async fn spawn_app_with_config(configure: impl FnOnce(&mut WebConfig)) -> TestApp {
    spawn_app_full(configure, |_, _| {}).await
}

/// The app with its settings and then its state adjusted.
pub async fn spawn_app_full(
    settings: impl FnOnce(&mut WebConfig),
    configure: impl FnOnce(&mut AppState, &Arc<SqlStore>),
) -> TestApp {
    let data_dir = temp_dir();
    let url = nghitruong_store::sqlite_url(&data_dir.path().join("nghitruong.db"));
    let store = SqlStore::open(&StoreOptions {
        url,
        schema: None,
        max_connections: 4,
        read_only: false,
    })
    .await
    .unwrap();
    store.migrate().await.unwrap();
    store
        .seed_organisation(seed(), &AuditContext::system(T0))
        .await
        .unwrap();
    nghitruong::demo::seed_session(&store, &AuditContext::system(T0))
        .await
        .unwrap();
    let store = Arc::new(store);
    let clock = fixed_clock();
    let mut config = WebConfig {
        documents_dir: Some(data_dir.path().join("documents")),
        // Uploads are checked in a child process, as the server does.
        inspector: Some(env!("CARGO_BIN_EXE_nghitruong").into()),
        ..WebConfig::default()
    };
    settings(&mut config);
    let mut state = AppState::new(store.clone(), clock.clone(), config);
    configure(&mut state, &store);
    let app = nghitruong_web::app(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        base: format!("http://{addr}"),
        store,
        clock,
        data_dir,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl TestApp {
    pub fn client(&self) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap();
        Client {
            http,
            base: self.base.clone(),
            csrf: String::new(),
        }
    }

    /// A client signed in as `username`.
    pub async fn signed_in(&self, username: &str) -> Client {
        let mut c = self.client();
        let reply = c.sign_in(username, PASSWORD).await;
        assert_eq!(
            reply.status, 303,
            "sign-in of {username} failed: {}",
            reply.body
        );
        c.get("/tai-khoan").await; // picks up the session's CSRF token
        c
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

impl Client {
    async fn reply(&mut self, response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        if let Some(token) = csrf_in(&body) {
            self.csrf = token;
        }
        Reply {
            status,
            location,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        self.reply(r).await
    }

    /// Posts a form with the current CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut form: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&form).unwrap();
        self.post_raw(path, body).await
    }

    pub async fn post_raw(&mut self, path: &str, body: String) -> Reply {
        self.post_form(path, body, false).await
    }

    /// Posts a form as htmx sends it (`hx-request`), the CSRF token added.
    pub async fn post_htmx(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut form: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&form).unwrap();
        self.post_form(path, body, true).await
    }

    async fn post_form(&mut self, path: &str, body: String, htmx: bool) -> Reply {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded");
        if htmx {
            request = request.header("hx-request", "true");
        }
        let r = request.body(body).send().await.unwrap();
        self.reply(r).await
    }

    /// Posts a multipart form as a browser does: `fields`, then at most one
    /// file in the field `file`; `htmx` adds the header htmx sends.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
        htmx: bool,
    ) -> Reply {
        self.send_multipart(path, fields, file, htmx, true).await
    }

    /// [`Client::post_multipart`] as a browser's plain form sends it: the
    /// CSRF token as the form's first field, no header.
    pub async fn post_form_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Reply {
        let token = self.csrf.clone();
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.send_multipart(path, &all, file, false, false).await
    }

    async fn send_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
        htmx: bool,
        token_header: bool,
    ) -> Reply {
        let boundary = "----nghitruong-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = self.http.post(format!("{}{path}", self.base)).header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        );
        if token_header {
            request = request.header("x-csrf-token", self.csrf.clone());
        }
        if htmx {
            request = request.header("hx-request", "true");
        }
        let r = request.body(body).send().await.unwrap();
        self.reply(r).await
    }

    pub async fn sign_in(&mut self, username: &str, password: &str) -> Reply {
        self.get("/dang-nhap").await;
        self.post(
            "/dang-nhap",
            &[("username", username), ("password", password)],
        )
        .await
    }
}

/// The account `name`, as the store keeps it.
pub async fn user(store: &SqlStore, name: &str) -> nghitruong_store::User {
    store.user_credentials(name).await.unwrap().unwrap().user
}

/// A connection straight to the app's database, as another node or
/// someone at the database would have.
pub async fn database(app: &TestApp) -> sqlx::AnyConnection {
    use sqlx::Connection as _;
    let url = nghitruong_store::sqlite_url(&app.data_dir.path().join("nghitruong.db"));
    sqlx::AnyConnection::connect(&url).await.unwrap()
}

/// Starts the real server binary on a free port with `args` after
/// `serve` and `envs` set; returns it with its address. Its stdout is
/// drained so it never blocks on a full pipe.
pub fn start_binary(
    data_dir: &std::path::Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> (std::process::Child, String) {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_nghitruong"))
        .arg("serve")
        .args(args)
        .args(["--port", "0", "--data-dir"])
        .arg(data_dir)
        .env("NGHITRUONG__LOG__FILTER", "warn")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

/// A client of the server at `base`, signed in as `username`.
pub async fn signed_in_at(base: &str, username: &str) -> Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();
    let mut c = Client {
        http,
        base: base.to_owned(),
        csrf: String::new(),
    };
    let reply = c.sign_in(username, PASSWORD).await;
    assert_eq!(reply.status, 303, "{username} signs in");
    c.get("/tai-khoan").await;
    c
}

/// The event stream of the session at `page`, opened by `c`.
pub async fn event_stream(c: &Client, page: &str) -> reqwest::Response {
    let stream = c
        .http
        .get(format!("{}{page}/su-kien", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    stream
}

/// What `stream` sends within 3 s, or until `enough` holds of it.
pub async fn stream_text(stream: &mut reqwest::Response, enough: impl Fn(&str) -> bool) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    while !enough(&seen) {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }
    seen
}

/// Finds the demo province's first session in the chair's list and opens
/// it (khai mạc); its page.
pub async fn opened_demo_session(chair: &mut Client) -> String {
    let list = chair.get("/ky-hop").await;
    let marker = "href=\"/ky-hop/";
    let at = list.body.find(marker).unwrap() + marker.len();
    let id: i64 = list.body[at..].split('"').next().unwrap().parse().unwrap();
    let page = format!("/ky-hop/{id}");
    chair.get(&page).await;
    chair
        .post(&format!("{page}/dieu-hanh"), &[("event", "khai_mac")])
        .await;
    page
}
