//! Error accumulator: every problem in one pass, each spanned at its token.

use std::fmt::Display;

use quote::ToTokens;

#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    pub fn error(&mut self, tokens: impl ToTokens, msg: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, msg));
    }

    pub fn syn_error(&mut self, e: syn::Error) {
        self.errors.push(e);
    }

    /// How many errors so far.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn check(self) -> Result<(), syn::Error> {
        let mut it = self.errors.into_iter();
        let Some(mut first) = it.next() else {
            return Ok(());
        };
        for e in it {
            first.combine(e);
        }
        Err(first)
    }
}
