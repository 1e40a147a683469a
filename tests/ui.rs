//! Compile-time checks of `#[derive(Model)]` and `#[remote_methods]`: each file under
//! `tests/ui/model`, `tests/ui/relation`, `tests/ui/remote` and `tests/ui/rest` is one mistake with the spanned error it must
//! produce; `tests/ui/pass` must compile and run.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/model/*.rs");
    t.compile_fail("tests/ui/relation/*.rs");
    t.compile_fail("tests/ui/remote/*.rs");
    t.compile_fail("tests/ui/rest/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
