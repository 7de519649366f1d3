//! The HTTP side: a few worker threads on a `tiny_http` server; every route is read-only (GET/HEAD).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use prometheus_client::registry::Registry;
use tiny_http::{Header, Method, Request, Response, Server};

use super::api::document;
use super::guard::authorized;
use super::metrics::{CONTENT_TYPE, render};
use super::model::{MAX_WINDOW_S, Model};

/// The page.
const INDEX_HTML: &str = include_str!("page/index.html");
/// Its script.
const APP_JS: &str = include_str!("page/app.js");
/// Worker threads answering requests.
const WORKERS: usize = 4;
/// The window when none is asked for, seconds.
pub const DEFAULT_WINDOW_S: i64 = 60;

/// What the workers share.
pub struct Site {
    /// The model.
    pub model: Arc<Mutex<Model>>,
    /// `/metrics`.
    pub registry: Registry,
    /// The token every request needs, if any.
    pub token: Option<String>,
}

/// Serves `server` until it fails.
pub fn serve(server: Server, site: Site) {
    let server = Arc::new(server);
    let site = Arc::new(site);
    let workers: Vec<_> = (0..WORKERS)
        .map(|index| {
            let (server, site) = (server.clone(), site.clone());
            std::thread::Builder::new()
                .name(format!("cdflow-live-http-{index}"))
                .spawn(move || {
                    for request in server.incoming_requests() {
                        answer(request, &site);
                    }
                })
        })
        .collect();
    for worker in workers.into_iter().flatten() {
        let _ = worker.join();
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap_or_else(|()| {
        Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("a valid header")
    })
}

fn respond(request: Request, status: u16, content_type: &str, body: String) {
    let response = Response::from_string(body)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Referrer-Policy", "no-referrer"))
        .with_header(header(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
        ));
    // the client may have gone away: nothing to do about it
    let _ = request.respond(response);
}

fn query_params(query: Option<&str>) -> HashMap<&str, &str> {
    query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter_map(|pair| pair.split_once('='))
        .collect()
}

fn answer(request: Request, site: &Site) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        return respond(
            request,
            405,
            "text/plain; charset=utf-8",
            "read-only: GET only\n".to_owned(),
        );
    }
    let url = request.url().to_owned();
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (url.as_str(), None),
    };
    if let Some(token) = &site.token {
        let authorization = request
            .headers()
            .iter()
            .find(|header| header.field.equiv("Authorization"))
            .map(|header| header.value.as_str().to_owned());
        if !authorized(token, authorization.as_deref(), query) {
            return respond(
                request,
                401,
                "text/plain; charset=utf-8",
                "a token is needed: Authorization: Bearer <token>, or ?token=<token>\n".to_owned(),
            );
        }
    }
    match path {
        "/" | "/index.html" => respond(
            request,
            200,
            "text/html; charset=utf-8",
            INDEX_HTML.to_owned(),
        ),
        "/app.js" => respond(
            request,
            200,
            "text/javascript; charset=utf-8",
            APP_JS.to_owned(),
        ),
        "/metrics" => match render(&site.registry) {
            Ok(text) => respond(request, 200, CONTENT_TYPE, text),
            Err(_) => respond(
                request,
                500,
                "text/plain; charset=utf-8",
                "cannot encode the metrics\n".to_owned(),
            ),
        },
        _ => match path.strip_prefix("/api/") {
            Some(name) => api(request, name, query, site),
            None => respond(
                request,
                404,
                "text/plain; charset=utf-8",
                format!("no such page: {path}\n"),
            ),
        },
    }
}

fn api(request: Request, name: &str, query: Option<&str>, site: &Site) {
    let params = query_params(query);
    let window_s = match params.get("window") {
        None => DEFAULT_WINDOW_S,
        Some(text) => match text.trim_end_matches('s').parse::<i64>() {
            Ok(seconds) if (1..=MAX_WINDOW_S).contains(&seconds) => seconds,
            _ => {
                return respond(
                    request,
                    400,
                    "text/plain; charset=utf-8",
                    format!("window={text}: give seconds from 1 to {MAX_WINDOW_S}\n"),
                );
            }
        },
    };
    let now_us = cdflow_core::civil_time::now_unix_micros();
    let body = {
        let model = match site.model.lock() {
            Ok(model) => model,
            Err(poisoned) => poisoned.into_inner(),
        };
        document(&model, name, now_us, window_s).map(|value| value.to_string())
    };
    match body {
        Some(body) => respond(request, 200, "application/json", body),
        None => respond(
            request,
            404,
            "text/plain; charset=utf-8",
            format!(
                "no such document: /api/{name}; there are /api/{}\n",
                super::api::ENDPOINTS.join(", /api/")
            ),
        ),
    }
}
