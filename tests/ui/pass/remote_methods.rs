//! Every supported `#[remote_method]` shape compiles and registers as declared.

use lb::{App, ArgType, GeoPoint, HttpContext, Model, Source};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
pub struct Gadget {
    pub name: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Range {
    pub from: u32,
    pub to: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    Red,
    Blue,
}

#[lb::remote_methods]
impl Gadget {
    /// An enum declared as a string (even from the path), a raw identifier, a two-argument
    /// `Result`.
    #[remote_method(verb = "get", path = "/paint/{color}",
        accepts(color(type = "string"), r#type(description = "kind")))]
    async fn paint(color: Color, r#type: Option<String>) -> Result<Color, lb::Error> {
        let _ = r#type;
        Ok(color)
    }

    /// Static, GET, path parameter, query args of every scalar type, a root result.
    #[remote_method(verb = "get", path = "/by-name/{name}",
        accepts(
            limit(source = "query", default = 10, description = "page size"),
            flag(source = "query"),
            when(source = "query"),
            here(source = "query"),
        ),
        returns(arg = "gadgets", root, description = "matches"))]
    async fn by_name(
        app: &App,
        name: String,
        limit: Option<u32>,
        flag: Option<bool>,
        when: Option<lb::DateTime>,
        here: Option<GeoPoint>,
    ) -> lb::Result<Vec<Gadget>> {
        let _ = (app, limit, flag, when, here);
        Ok(vec![Gadget { name: Some(name) }])
    }

    /// Body root, a renamed form field, a header, the request context, two results.
    #[remote_method(verb = "post", path = "/import", status = 201, error_status = 400,
        accepts(
            range(source = "body"),
            dry_run(arg = "dryRun", source = "form"),
            agent(arg = "user-agent", source = "header"),
            ctx(source = "req"),
        ),
        returns(arg = "count"), returns(arg = "skipped"))]
    async fn import(
        range: Range,
        dry_run: Option<bool>,
        agent: Option<String>,
        ctx: &HttpContext,
    ) -> lb::Result<(u32, Vec<String>)> {
        let _ = (dry_run, agent, ctx);
        Ok((range.to - range.from, Vec::new()))
    }

    /// Instance method, no result (204), `del` verb, arrays and `any`.
    #[remote_method(verb = "del", path = "/tags", accepts(tags(type = "[string]"), extra))]
    async fn drop_tags(&self, tags: Vec<String>, extra: Option<serde_json::Value>) -> lb::Result<()> {
        let _ = (&self.name, tags, extra);
        Ok(())
    }

    /// A plain (non-`Result`) return, default verb and path.
    #[remote_method]
    async fn ping() -> String {
        "pong".into()
    }

    /// Not a remote method: left alone.
    fn helper(&self) -> usize {
        self.name.as_ref().map_or(0, String::len)
    }
}

fn main() {
    let methods = <Gadget as lb::RemoteMethods>::remote_methods();
    let names: Vec<String> = methods.iter().map(|m| m.string_name().into_owned()).collect();
    assert_eq!(names, ["paint", "byName", "import", "prototype.dropTags", "ping"]);
    let paint = &methods[0];
    assert_eq!(paint.accepts[0].ty, ArgType::String);
    assert_eq!(paint.accepts[0].source, Source::Path);
    assert_eq!(paint.accepts[1].arg, "type", "raw identifiers lose their r#");
    assert!(paint.returns[0].root);
    let methods = &methods[1..];
    let by_name = &methods[0];
    assert_eq!(by_name.verb, lb::Method::GET);
    assert_eq!(by_name.path, "/by-name/{name}");
    assert_eq!(by_name.accepts[0].arg, "name");
    assert_eq!(by_name.accepts[0].source, Source::Path);
    assert!(by_name.accepts[0].required, "a non-Option argument is required");
    assert_eq!(by_name.accepts[1].ty, ArgType::Integer);
    assert_eq!(by_name.accepts[1].default, Some(serde_json::json!(10)));
    assert_eq!(by_name.accepts[3].ty, ArgType::Date);
    assert_eq!(by_name.accepts[4].ty, ArgType::GeoPoint);
    assert_eq!(
        by_name.description.as_deref(),
        Some("Static, GET, path parameter, query args of every scalar type, a root result.")
    );
    assert!(by_name.returns[0].root);
    let import = &methods[1];
    assert_eq!(import.status.map(|s| s.as_u16()), Some(201));
    assert_eq!(import.error_status.map(|s| s.as_u16()), Some(400));
    assert_eq!(import.accepts.len(), 3, "the request context is not read from the request");
    assert_eq!(import.accepts[1].arg, "dryRun");
    assert_eq!(import.accepts[2].arg, "user-agent");
    assert_eq!(import.returns.len(), 2);
    let drop_tags = &methods[2];
    assert!(!drop_tags.is_static);
    assert_eq!(drop_tags.verb, lb::Method::DELETE);
    assert!(drop_tags.returns.is_empty());
    assert_eq!(drop_tags.accepts[0].ty, ArgType::array_of(ArgType::String));
    let ping = &methods[3];
    assert_eq!((ping.verb.as_str(), ping.path.as_ref()), ("POST", "/ping"));
    assert_eq!(Gadget { name: None }.helper(), 0);
    // the derive picks the methods up
    assert_eq!(<Gadget as Model>::remote_methods().len(), 5);
}
