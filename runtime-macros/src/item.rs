//! A lightweight parser for the function an entry-point attribute is applied
//! to.
//!
//! Only the attributes, visibility and signature are parsed into syntax
//! trees. The body is kept as raw token trees, split into statements at
//! top-level `;` tokens. Not parsing the body has two benefits:
//!
//! * a syntax error inside the body is reported once, by rustc, instead of
//!   making the attribute fail (and IDEs keep completing inside half-written
//!   code);
//! * the expansion is cheaper for large bodies.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{braced, token, AttrStyle, Attribute, Signature, Token, Visibility};

/// A function item: `#[attrs] vis sig { #![inner_attrs] stmts }`.
pub(crate) struct ItemFn {
    pub(crate) outer_attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) brace_token: token::Brace,
    pub(crate) inner_attrs: Vec<Attribute>,
    /// The statements of the body, each with its terminating `;` (the last
    /// one may lack it: it is then the tail expression).
    pub(crate) stmts: Vec<TokenStream>,
}

impl ItemFn {
    /// All attributes of the function, outer ones first.
    pub(crate) fn attrs(&self) -> impl Iterator<Item = &Attribute> {
        self.outer_attrs.iter().chain(&self.inner_attrs)
    }

    /// The spans of the first and the last token of the body's last
    /// statement, or the call site when the body is empty.
    ///
    /// Generated code that rustc may blame for a type mismatch between the
    /// body and the return type is located there, so that the error points
    /// into the user's code rather than at the attribute.
    pub(crate) fn last_stmt_spans(&self) -> (Span, Span) {
        let mut tokens = self.stmts.last().cloned().unwrap_or_default().into_iter();
        let start = tokens.next().map_or_else(Span::call_site, |t| t.span());
        let end = tokens.last().map_or(start, |t| t.span());
        (start, end)
    }

    /// The body as a block, `{ stmts }`, with the original brace spans.
    ///
    /// Inner attributes are not part of it: they cannot be applied to
    /// blocks, see [`ItemFn::attrs_to_tokens`].
    pub(crate) fn body_block(&self) -> TokenStream {
        let mut tokens = TokenStream::new();
        self.brace_token.surround(&mut tokens, |tokens| {
            tokens.extend(self.stmts.iter().cloned());
        });
        tokens
    }

    /// Writes the attributes of the function for the expanded item: the
    /// outer ones as they are, then the inner ones (`#![...]`, written at the
    /// top of the body) turned into outer ones, since the body is moved into
    /// a block where they are not allowed. This matches what `syn` does.
    pub(crate) fn attrs_to_tokens(&self, tokens: &mut TokenStream) {
        for attr in &self.outer_attrs {
            attr.to_tokens(tokens);
        }
        for attr in &self.inner_attrs {
            let mut attr = attr.clone();
            attr.style = AttrStyle::Outer;
            attr.to_tokens(tokens);
        }
    }
}

impl Parse for ItemFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let outer_attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;

        let content;
        let brace_token = braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;

        let mut stmts = Vec::new();
        let mut stmt = TokenStream::new();
        while !content.is_empty() {
            if let Some(semi) = content.parse::<Option<Token![;]>>()? {
                semi.to_tokens(&mut stmt);
                stmts.push(std::mem::take(&mut stmt));
            } else {
                // One token tree at a time: groups are not looked into.
                stmt.extend([content.parse::<TokenTree>()?]);
            }
        }
        if !stmt.is_empty() {
            stmts.push(stmt);
        }

        Ok(ItemFn {
            outer_attrs,
            vis,
            sig,
            brace_token,
            inner_attrs,
            stmts,
        })
    }
}
