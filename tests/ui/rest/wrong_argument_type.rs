lb::rest_client! {
    pub struct Pager = r#"{"operations": [{
        "template": {"url": "http://api/items", "query": {"limit": "{!limit:integer}"}},
        "functions": {"items": ["limit"]}
    }]}"#;
}

async fn call(p: &Pager) {
    // `limit` is an integer variable: an i64, not text
    let _ = p.items("ten").await;
}

fn main() {}
