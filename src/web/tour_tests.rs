//! The tour's panel: what the page is sent of a step (the tour's own words, the command as it
//! is pasted), that it follows the tour through the guide, and that `/tour` is guarded like
//! every other path and exists only for `minik tour --web`.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use super::*;
use crate::tour::check::Outcome;
use crate::web::{router, Page, Token};

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn step(n: usize, id: &str) -> Presented {
    Presented {
        number: n,
        total: 3,
        id: id.into(),
        title: format!("Title <b>{id}</b>"),
        text: "Text with {braces} & <tags>".into(),
        command: Some(
            "kubectl apply -n minik-tour -f - <<'EOF'\nkind: Pod\nmetadata: {name: x}\nEOF".into(),
        ),
        more: vec!["kubectl get pods -o wide".into()],
    }
}

/// The terminal's guide, as far as the test needs: what it was shown.
#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

#[async_trait::async_trait]
impl Guide for Seen {
    fn present(&self, step: &Presented) {
        self.0.lock().unwrap().push(format!("present {}", step.id));
    }
    async fn choose(&self, _: &Presented, _: Option<&[Outcome]>) -> Choice {
        Choice::Run
    }
    fn command_output(&self, command: &str, _: &str) {
        self.0.lock().unwrap().push(format!("ran {command}"));
    }
    fn report(&self, r: &StepReport) {
        self.0.lock().unwrap().push(format!("report {}", r.id));
    }
    fn note(&self, text: &str) {
        self.0.lock().unwrap().push(format!("note {text}"));
    }
}

fn report(id: &str, status: Status) -> StepReport {
    StepReport {
        id: id.into(),
        title: String::new(),
        status,
        seconds: 0.0,
        command: None,
        checks: Vec::new(),
        shown: Vec::new(),
        note: None,
    }
}

fn now(rx: &watch::Receiver<Arc<str>>) -> Value {
    serde_json::from_str(&rx.borrow()).unwrap()
}

#[test]
fn the_panel_is_the_step_as_the_terminal_shows_it_in_the_learners_language() {
    let p = step(2, "scale");
    let v: Value = serde_json::from_str(&panel_json("Basics", Lang::Ko, Some((&p, None)))).unwrap();
    assert_eq!(v["lang"], "ko");
    assert_eq!(v["lab"], "Basics");
    assert_eq!(v["step"]["number"], 2);
    assert_eq!(v["step"]["total"], 3);
    // Strings as they are: the page draws them as text (escaping is the page's textContent).
    assert_eq!(v["step"]["title"], "Title <b>scale</b>");
    assert_eq!(v["step"]["command"], p.command.clone().unwrap());
    assert_eq!(v["step"]["more"][0], "kubectl get pods -o wide");
    assert_eq!(v["step"]["status"], Value::Null);
    assert_eq!(v["words"]["try_this"], "직접 해 보기");
    assert_eq!(v["words"]["copy"], "복사");
    let done = panel_json("Basics", Lang::En, Some((&p, Some(Status::NotApplicable))));
    let done: Value = serde_json::from_str(&done).unwrap();
    assert_eq!(done["step"]["status"], "not-applicable");
    assert_eq!(done["step"]["status_text"], "Not on this cluster");
    assert_eq!(done["words"]["step"], "Step");
    let none: Value = serde_json::from_str(&panel_json("Basics", Lang::En, None)).unwrap();
    assert_eq!(none["step"], Value::Null);
    assert_eq!(
        none["words"]["waiting"],
        "The tour has not shown a step yet."
    );
}

#[tokio::test]
async fn the_guide_tells_the_page_each_step_the_terminal_shows_and_how_it_ended() {
    let seen = Seen::default();
    let (tx, rx) = channel();
    assert_eq!(&*rx.borrow().clone(), "null");
    let guide = WebGuide::new(&seen, "Basics", Lang::En, tx);
    assert_eq!(now(&rx)["step"], Value::Null);
    guide.present(&step(1, "nodes"));
    assert_eq!(now(&rx)["step"]["id"], "nodes");
    assert_eq!(guide.choose(&step(1, "nodes"), None).await, Choice::Run);
    guide.command_output("kubectl get nodes", "out");
    guide.report(&report("nodes", Status::Passed));
    let v = now(&rx);
    assert_eq!(
        (&v["step"]["id"], &v["step"]["status"]),
        (&"nodes".into(), &"passed".into())
    );
    // A report of another step (a replay) leaves the panel alone.
    guide.report(&report("other", Status::Skipped));
    assert_eq!(now(&rx)["step"]["status"], "passed");
    guide.present(&step(2, "scale"));
    let v = now(&rx);
    assert_eq!(
        (&v["step"]["id"], &v["step"]["status"]),
        (&"scale".into(), &Value::Null)
    );
    guide.note("resuming");
    // The terminal saw everything, in order.
    assert_eq!(
        *seen.0.lock().unwrap(),
        [
            "present nodes",
            "ran kubectl get nodes",
            "report nodes",
            "report other",
            "present scale",
            "note resuming"
        ]
    );
}

fn page(tour: Option<watch::Receiver<Arc<str>>>) -> Page {
    let (_tx, rx) = watch::channel::<Arc<str>>(Arc::from("{}"));
    Page {
        token: Token::from_text(TOKEN),
        lang: Lang::En,
        cluster: "lab".into(),
        snapshots: rx,
        pods: Arc::new(crate::web::detail_tests::Fixed::default()),
        tour,
    }
}

async fn get(page: Page, uri: &str) -> (StatusCode, String) {
    let req = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let r = router(page).oneshot(req).await.unwrap();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status(), kind)
}

#[tokio::test]
async fn tour_is_guarded_and_only_there_for_a_tour() {
    let (_tx, rx) = channel();
    for path in [
        "/tour",
        "/tour?token=x",
        "/static/tour.js",
        "/static/moves.js",
    ] {
        assert_eq!(
            get(page(Some(rx.clone())), path).await.0,
            StatusCode::FORBIDDEN
        );
    }
    let q = format!("?token={TOKEN}");
    let (code, kind) = get(page(Some(rx.clone())), &format!("/tour{q}")).await;
    assert_eq!((code, kind.as_str()), (StatusCode::OK, "text/event-stream"));
    assert_eq!(
        get(page(None), &format!("/tour{q}")).await.0,
        StatusCode::NOT_FOUND
    );
    for script in ["/static/tour.js", "/static/moves.js"] {
        let (code, kind) = get(page(None), &format!("{script}{q}")).await;
        assert_eq!(code, StatusCode::OK);
        assert!(kind.starts_with("text/javascript"), "{kind}");
    }
    // The page says whether it has a tour to show.
    assert!(crate::web::index(&page(Some(rx))).contains("data-tour=\"on\""));
    assert!(crate::web::index(&page(None)).contains("data-tour=\"\""));
}
