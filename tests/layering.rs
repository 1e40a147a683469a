//! The layering rules of `lb-runtime` (docs/architecture.md, "Layers"): every `crate::…`
//! path in `lb-runtime/src` is read, each top-level module may only use the modules *below*
//! it in [`LAYERS`], and the module graph has no cycle. Imports that still break the rules are
//! listed in [`KNOWN`] with the reason; the list may only shrink: a new violation fails, and
//! so does a listed one that is gone (remove it from the list).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules of lb-runtime, bottom first. A module may use the ones before it.
const LAYERS: &[&str] = &[
    "error",      // Error and LoopBack's messages
    "future",     // BoxFuture
    "value",      // JavaScript value semantics, rows (Record, Slot)
    "model",      // ModelDefinition, property types, relations' metadata
    "validation", // declarative and custom rules
    "filter",     // the filter AST, parsing, memory evaluation, typed filters
    "connector",  // the Connector trait, memory, SQL, REST
    "shape",      // LoopBack's toJSON: what an instance looks like in an answer
    "config",     // datasources.json, model-config.json
    "observe",    // operation hooks
    "changes",    // change notifications (in process, PostgreSQL NOTIFY)
    "repository", // the PersistedModel operations over a connector, include
    "remote",     // remote methods: declaration, coercion, hooks
    "acl",        // LoopBack's ACL entries, scoring and resolution
    "auth",       // authentication: the access token a request carries
    "relation",   // relation operations and endpoints
    "typed",      // the typed API behind #[derive(Model)], relation accessors
    "rest",       // the HTTP edge: dispatch, the pipeline, built-in handlers
    "openapi",    // the OpenAPI document from the method tables
    "middleware", // middleware at LoopBack's phases, built-in middleware
    "health",     // /health, /live, /ready and the app's lifecycle state
    "telemetry",  // metrics, traced datasource calls, a tracing subscriber
    "app",        // App / AppBuilder: assembles everything
    "server",     // the HTTP server: connections, timeouts, caps (App::serve)
    "lib",        // the crate root: re-exports
];

/// Imports against the rules that are still there (from → to), each with its reason. Issue
/// 14 removes them; this list may only shrink.
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "value",
        "model",
        "compact rows (Record) and write coercion read the ModelDefinition",
    ),
    (
        "model",
        "validation",
        "ModelDefinition holds its validations; rules read property metadata back",
    ),
    ("typed", "app", "the typed API takes &App"),
    ("remote", "app", "Invocation and HookContext carry the App"),
    ("rest", "app", "dispatch and handlers read App's fields"),
    (
        "openapi",
        "app",
        "the document is built from the App's method tables",
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lb-runtime/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`rest/call.rs` → `rest`, `error.rs` → `error`).
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Source without comments (doc comments name modules in prose) and string literals.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let code = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The first path segments after every `crate::` (`crate::{a, b::c}` gives `a` and `b`).
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let before_ok = i == 0
            || !rest[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        if before_ok {
            if let Some(group) = after.strip_prefix('{') {
                // the first segment of each top-level entry of the group
                let mut depth = 0;
                let mut entry = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            found.push(first_segment(&entry));
                            entry.clear();
                            continue;
                        }
                        _ => {}
                    }
                    entry.push(c);
                }
                found.push(first_segment(&entry));
            } else {
                found.push(first_segment(after));
            }
        }
        rest = after;
    }
    found.retain(|s| !s.is_empty() && s != "self");
    found
}

fn first_segment(s: &str) -> String {
    s.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Items re-exported by the crate root (`crate::App` is `app`'s): from lib.rs's `pub use`.
fn root_items() -> BTreeMap<String, String> {
    let lib = code_only(&std::fs::read_to_string(src().join("lib.rs")).unwrap());
    let mut items = BTreeMap::new();
    for stmt in lib.split(';') {
        let s = stmt.trim();
        let Some(path) = s.strip_prefix("pub use ") else {
            continue;
        };
        let module = first_segment(path);
        let names = match (path.find('{'), path.rfind('}')) {
            (Some(a), Some(b)) => path[a + 1..b].to_string(),
            _ => path.rsplit("::").next().unwrap_or_default().to_string(),
        };
        for n in names.split(',') {
            let n = n.split(" as ").last().unwrap_or_default().trim();
            let n = n.rsplit("::").next().unwrap_or_default();
            if !n.is_empty() {
                items.insert(n.to_string(), module.clone());
            }
        }
    }
    items
}

/// Module → the modules it uses (with one file that does, for the message).
fn graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let roots = root_items();
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for f in &files {
        let from = module_of(f);
        let code = code_only(&std::fs::read_to_string(f).unwrap());
        for seg in crate_paths(&code) {
            let to = if modules.contains(&seg) {
                seg
            } else if let Some(m) = roots.get(&seg) {
                m.clone()
            } else {
                continue; // a crate-root item defined in lib.rs itself
            };
            if to != from {
                let rel = f.strip_prefix(src()).unwrap().display().to_string();
                g.entry(from.clone()).or_default().entry(to).or_insert(rel);
            }
        }
    }
    g
}

fn rank(m: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| *l == m)
        .unwrap_or_else(|| panic!("module `{m}` is not in LAYERS: give it its layer"))
}

#[test]
fn imports_only_point_down() {
    let g = graph();
    let known: BTreeSet<(&str, &str)> = KNOWN.iter().map(|(a, b, _)| (*a, *b)).collect();
    let mut new = Vec::new();
    let mut seen_known = BTreeSet::new();
    for (from, tos) in &g {
        for (to, file) in tos {
            if rank(to) < rank(from) {
                continue;
            }
            if known.contains(&(from.as_str(), to.as_str())) {
                seen_known.insert((from.as_str(), to.as_str()));
            } else {
                new.push(format!(
                    "{from} → {to} ({file}): `{to}` is not below `{from}` in the layers"
                ));
            }
        }
    }
    assert!(
        new.is_empty(),
        "imports against docs/architecture.md's layers:\n{}",
        new.join("\n")
    );
    let gone: Vec<_> = known.difference(&seen_known).collect();
    assert!(
        gone.is_empty(),
        "fixed, remove them from KNOWN in tests/layering.rs: {gone:?}"
    );
}

#[test]
fn the_modules_have_no_cycle_besides_the_known_imports() {
    let g = graph();
    let known: BTreeSet<(&str, &str)> = KNOWN.iter().map(|(a, b, _)| (*a, *b)).collect();
    // with the known upward imports left out, the graph must be acyclic (a topological order
    // exists); every other upward import already fails `imports_only_point_down`
    let mut indegree: BTreeMap<&str, usize> = g.keys().map(|k| (k.as_str(), 0)).collect();
    let mut edges: Vec<(&str, &str)> = Vec::new();
    for (from, tos) in &g {
        for to in tos.keys() {
            if !known.contains(&(from.as_str(), to.as_str())) {
                edges.push((from, to));
                *indegree.entry(to).or_default() += 1;
                indegree.entry(from).or_default();
            }
        }
    }
    let mut ready: Vec<&str> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(m, _)| *m)
        .collect();
    let mut done = 0;
    while let Some(m) = ready.pop() {
        done += 1;
        for (a, b) in &edges {
            if *a == m {
                let d = indegree.get_mut(b).unwrap();
                *d -= 1;
                if *d == 0 {
                    ready.push(b);
                }
            }
        }
    }
    let left: Vec<_> = indegree.iter().filter(|(_, d)| **d > 0).collect();
    assert_eq!(done, indegree.len(), "modules on a cycle: {left:?}");
}

#[test]
fn the_reader_finds_imports() {
    let code = "use crate::{app::App, filter::{Where, Filter}, Error};\nlet x = crate::shape::row(a);\n// crate::rest in a comment\n";
    assert_eq!(
        crate_paths(&code_only(code)),
        vec!["app", "filter", "Error", "shape"]
    );
    assert_eq!(root_items().get("App").map(String::as_str), Some("app"));
    assert_eq!(root_items().get("Error").map(String::as_str), Some("error"));
}

/// The file a module path names (`["rest", "call"]` → `rest/call.rs`), trying the longest
/// prefix first; `None` for the crate root's own items.
fn file_of(segments: &[String]) -> Option<PathBuf> {
    for n in (1..=segments.len()).rev() {
        let base = src().join(segments[..n].join("/"));
        for candidate in [base.with_extension("rs"), base.join("mod.rs")] {
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The module path of a file (`rest/call.rs` → `["rest", "call"]`, `rest/mod.rs` → `["rest"]`).
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap().with_extension("");
    let mut segs: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    if segs.last().is_some_and(|s| s == "mod" || s == "lib") {
        segs.pop();
    }
    segs
}

/// Every `crate::a::b` and `super::a` path of a file's code, as full module paths (a group
/// `{x, y::z}` gives one path per entry). Re-exports (`pub use`, `pub(crate) use`) are a
/// facade, not a dependency, and are left out.
fn file_paths(file: &Path) -> Vec<Vec<String>> {
    let code = code_only(&std::fs::read_to_string(file).unwrap());
    let own = module_path(file);
    let mut out = Vec::new();
    for line in code.lines() {
        let t = line.trim_start();
        if t.starts_with("pub use ") || t.starts_with("pub(crate) use ") {
            continue;
        }
        for (prefix, base) in [
            ("crate::", Vec::new()),
            ("super::", {
                let mut b = own.clone();
                b.pop();
                b
            }),
        ] {
            let mut rest = t;
            while let Some(i) = rest.find(prefix) {
                let before = rest[..i].chars().next_back();
                let after = &rest[i + prefix.len()..];
                rest = after;
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let entries: Vec<String> = match after.strip_prefix('{') {
                    Some(group) => group
                        .split('}')
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .map(str::to_string)
                        .collect(),
                    None => vec![after.to_string()],
                };
                for e in entries {
                    let mut p = base.clone();
                    p.extend(
                        e.trim()
                            .split("::")
                            .map(first_segment)
                            .take_while(|s| !s.is_empty() && s != "self"),
                    );
                    out.push(p);
                }
            }
        }
    }
    out
}

#[test]
fn the_files_have_no_cycle() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for f in &files {
        for p in file_paths(f) {
            if let Some(to) = file_of(&p) {
                if &to != f {
                    edges.entry(f.clone()).or_default().insert(to);
                }
            }
        }
    }
    // a cycle is a path back to where it started: depth-first search with colours
    fn visit(
        f: &Path,
        edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        state: &mut BTreeMap<PathBuf, u8>,
        stack: &mut Vec<PathBuf>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(f.to_path_buf(), 1);
        stack.push(f.to_path_buf());
        for to in edges.get(f).into_iter().flatten() {
            match state.get(to) {
                Some(1) => {
                    let start = stack.iter().position(|s| s == to).unwrap();
                    let names: Vec<String> = stack[start..]
                        .iter()
                        .chain(std::iter::once(to))
                        .map(|p| p.strip_prefix(src()).unwrap().display().to_string())
                        .collect();
                    cycles.push(names.join(" → "));
                }
                Some(_) => {}
                None => visit(to, edges, state, stack, cycles),
            }
        }
        stack.pop();
        state.insert(f.to_path_buf(), 2);
    }
    let mut state = BTreeMap::new();
    let mut cycles = Vec::new();
    for f in &files {
        if !state.contains_key(f) {
            visit(f, &edges, &mut state, &mut Vec::new(), &mut cycles);
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between files:\n{}",
        cycles.join("\n")
    );
}
