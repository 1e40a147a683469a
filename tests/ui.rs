//! Compile-time checks of `#[derive(Model)]`: each file under `tests/ui/model` is one mistake
//! with the spanned error it must produce; `tests/ui/pass` must compile and run.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/model/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
