//! Lexer, parser and printer for ARM template language expressions.
//!
//! A JSON string is an expression when it starts with `[` and ends with `]` (trailing
//! whitespace ignored) and does not start with `[[`; a string starting with `[[` and ending with
//! `]` is the literal text with the first `[` removed (see [`classify`]). Inside the brackets the
//! grammar is:
//!
//! ```text
//! expr    := primary postfix*
//! primary := 'string' | integer | name '(' args ')' | namespace '.' name '(' args ')'
//! postfix := '.' name | '[' expr ']'
//! ```
//!
//! Spans are byte offsets relative to the start of the JSON string's *unescaped* text; the
//! evaluator maps them to file offsets. Inputs longer than [`MAX_EXPR_LEN`] or nested deeper
//! than [`MAX_EXPR_DEPTH`] are rejected with an [`ExprError`], so no input can exhaust the stack.

use std::fmt;

/// Longest expression text accepted, in bytes.
pub const MAX_EXPR_LEN: usize = 64 * 1024;
/// Deepest nesting of calls, index expressions and member/index chains accepted.
pub const MAX_EXPR_DEPTH: usize = 128;

/// A parsed expression with its byte range (relative to the string's start).
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// First byte of the expression.
    pub start: u32,
    /// One past the last byte of the expression.
    pub end: u32,
}

/// The shape of an [`Expr`].
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A string literal (`'it''s'` is `it's`).
    Str(String),
    /// An integer literal, possibly negative.
    Int(i64),
    /// A function call; `name` compares case-insensitively.
    Call {
        /// The namespace of a user-defined function (`ns` in `ns.fn()`).
        namespace: Option<String>,
        /// The function name as written.
        name: String,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// Member access `target.name`.
    Member {
        /// The object accessed.
        target: Box<Expr>,
        /// The property name as written.
        name: String,
    },
    /// Index access `target[index]`.
    Index {
        /// The array or object indexed.
        target: Box<Expr>,
        /// The index or property name.
        index: Box<Expr>,
    },
    /// A value known not to be knowable offline, and why: never parsed from text, made by a
    /// frontend that lowers its own syntax (a Bicep runtime property, say).
    Unknowable(Box<crate::value::Cause>),
}

/// A syntax error in an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// Byte offset (relative to the string start) of the problem.
    pub offset: u32,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

/// What a JSON string means to ARM.
#[derive(Clone, Debug, PartialEq)]
pub enum Classified<'s> {
    /// Plain text (already unescaped from `[[`).
    Literal(std::borrow::Cow<'s, str>),
    /// An expression; the inner text starts at byte `offset` of the string.
    Expression {
        /// The text between the outer brackets.
        inner: &'s str,
        /// Where `inner` starts in the string.
        offset: usize,
    },
}

/// Decides whether a JSON string is an expression, following ARM's rules.
pub fn classify(s: &str) -> Classified<'_> {
    let trimmed = s.trim_end();
    if trimmed.len() >= 2 && trimmed.starts_with('[') && trimmed.ends_with(']') {
        if trimmed.starts_with("[[") {
            return Classified::Literal(std::borrow::Cow::Owned(s[1..].to_owned()));
        }
        return Classified::Expression {
            inner: &trimmed[1..trimmed.len() - 1],
            offset: 1,
        };
    }
    Classified::Literal(std::borrow::Cow::Borrowed(s))
}

/// Parses expression text `src` (without the outer brackets); spans are shifted by `base`.
pub fn parse(src: &str, base: usize) -> Result<Expr, ExprError> {
    if src.len() > MAX_EXPR_LEN {
        return Err(ExprError {
            offset: base as u32,
            message: format!("expression longer than {MAX_EXPR_LEN} bytes"),
        });
    }
    let tokens = lex(src, base)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        end: (base + src.len()) as u32,
    };
    let e = p.expr(0)?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(ExprError {
            offset: t.start,
            message: format!(
                "unexpected {} after the end of the expression",
                t.kind.describe()
            ),
        }),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Str(String),
    Int(i64),
    Ident(String),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Dot => "`.`".into(),
            Tok::Str(_) => "string literal".into(),
            Tok::Int(_) => "integer".into(),
            Tok::Ident(n) => format!("name `{n}`"),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    kind: Tok,
    start: u32,
    end: u32,
}

fn lex(src: &str, base: usize) -> Result<Vec<Token>, ExprError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |at: usize, message: String| ExprError {
        offset: (base + at) as u32,
        message,
    };
    while i < bytes.len() {
        let start = i;
        let kind = match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b @ (b'(' | b')' | b'[' | b']' | b',' | b'.') => {
                i += 1;
                match b {
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    b'[' => Tok::LBracket,
                    b']' => Tok::RBracket,
                    b',' => Tok::Comma,
                    _ => Tok::Dot,
                }
            }
            b'\'' => {
                i += 1;
                let mut text = String::new();
                loop {
                    let Some(rel) = src[i..].find('\'') else {
                        return Err(err(start, "unterminated string literal".into()));
                    };
                    text.push_str(&src[i..i + rel]);
                    i += rel + 1;
                    if bytes.get(i) == Some(&b'\'') {
                        text.push('\'');
                        i += 1;
                    } else {
                        break;
                    }
                }
                Tok::Str(text)
            }
            b'-' | b'0'..=b'9' => {
                if bytes[i] == b'-' {
                    i += 1;
                }
                let digits = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i == digits {
                    return Err(err(start, "`-` must be followed by digits".into()));
                }
                if i < bytes.len()
                    && bytes[i] == b'.'
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
                {
                    return Err(err(
                        start,
                        "decimal literals are not supported in expressions (use json('1.5'))"
                            .into(),
                    ));
                }
                match src[start..i].parse::<i64>() {
                    Ok(v) => Tok::Int(v),
                    Err(_) => return Err(err(start, "integer literal out of range".into())),
                }
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
                {
                    i += 1;
                }
                Tok::Ident(src[start..i].to_owned())
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(err(
                    i,
                    format!("unexpected character `{}`", ch.escape_debug()),
                ));
            }
        };
        out.push(Token {
            kind,
            start: (base + start) as u32,
            end: (base + i) as u32,
        });
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: u32,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn error_here(&self, message: impl Into<String>) -> ExprError {
        ExprError {
            offset: self.peek().map_or(self.end, |t| t.start),
            message: message.into(),
        }
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<Token, ExprError> {
        match self.peek() {
            Some(t) if t.kind == want => Ok(self.next().unwrap_or_else(|| unreachable!())),
            Some(t) => {
                let found = t.kind.describe();
                Err(self.error_here(format!("expected {what}, found {found}")))
            }
            None => {
                Err(self.error_here(format!("expected {what}, found the end of the expression")))
            }
        }
    }

    fn too_deep(&self) -> ExprError {
        self.error_here(format!(
            "expression nested deeper than {MAX_EXPR_DEPTH} levels"
        ))
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ExprError> {
        if depth >= MAX_EXPR_DEPTH {
            return Err(self.too_deep());
        }
        let mut e = self.primary(depth)?;
        let mut chain = depth;
        loop {
            match self.peek().map(|t| &t.kind) {
                Some(Tok::Dot) => {
                    chain += 1;
                    if chain >= MAX_EXPR_DEPTH {
                        return Err(self.too_deep());
                    }
                    self.next();
                    let name = match self.next() {
                        Some(Token {
                            kind: Tok::Ident(n),
                            end,
                            ..
                        }) => (n, end),
                        _ => {
                            self.pos -= 1;
                            return Err(self.error_here("expected a property name after `.`"));
                        }
                    };
                    let start = e.start;
                    e = Expr {
                        kind: ExprKind::Member {
                            target: Box::new(e),
                            name: name.0,
                        },
                        start,
                        end: name.1,
                    };
                }
                Some(Tok::LBracket) => {
                    chain += 1;
                    if chain >= MAX_EXPR_DEPTH {
                        return Err(self.too_deep());
                    }
                    self.next();
                    let index = self.expr(chain + 1)?;
                    let close = self.expect(Tok::RBracket, "`]`")?;
                    let start = e.start;
                    e = Expr {
                        kind: ExprKind::Index {
                            target: Box::new(e),
                            index: Box::new(index),
                        },
                        start,
                        end: close.end,
                    };
                }
                _ => return Ok(e),
            }
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ExprError> {
        let Some(t) = self.next() else {
            return Err(self.error_here("expected an expression, found the end of the expression"));
        };
        match t.kind {
            Tok::Str(s) => Ok(Expr {
                kind: ExprKind::Str(s),
                start: t.start,
                end: t.end,
            }),
            Tok::Int(i) => Ok(Expr {
                kind: ExprKind::Int(i),
                start: t.start,
                end: t.end,
            }),
            Tok::Ident(first) => {
                let (namespace, name) = if self.peek().map(|t| &t.kind) == Some(&Tok::Dot) {
                    self.next();
                    match self.next() {
                        Some(Token {
                            kind: Tok::Ident(n),
                            ..
                        }) => (Some(first), n),
                        _ => {
                            self.pos -= 1;
                            return Err(self.error_here("expected a function name after `.`"));
                        }
                    }
                } else {
                    (None, first)
                };
                if self.peek().map(|t| &t.kind) != Some(&Tok::LParen) {
                    return Err(self.error_here(format!(
                        "expected `(` after `{name}` (names must be function calls)"
                    )));
                }
                self.next();
                let mut args = Vec::new();
                if self.peek().map(|t| &t.kind) == Some(&Tok::RParen) {
                    let close = self.next().map_or(self.end, |t| t.end);
                    return Ok(Expr {
                        kind: ExprKind::Call {
                            namespace,
                            name,
                            args,
                        },
                        start: t.start,
                        end: close,
                    });
                }
                loop {
                    args.push(self.expr(depth + 1)?);
                    match self.next() {
                        Some(Token {
                            kind: Tok::Comma, ..
                        }) => {}
                        Some(Token {
                            kind: Tok::RParen,
                            end,
                            ..
                        }) => {
                            return Ok(Expr {
                                kind: ExprKind::Call {
                                    namespace,
                                    name,
                                    args,
                                },
                                start: t.start,
                                end,
                            });
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.error_here("expected `,` or `)` in the argument list"));
                        }
                    }
                }
            }
            other => {
                self.pos -= 1;
                Err(self.error_here(format!(
                    "expected an expression, found {}",
                    other.describe()
                )))
            }
        }
    }
}

impl fmt::Display for Expr {
    /// Prints the expression in canonical ARM syntax (without the outer brackets).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Str(s) => write!(f, "'{}'", s.replace('\'', "''")),
            ExprKind::Int(i) => write!(f, "{i}"),
            ExprKind::Call {
                namespace,
                name,
                args,
            } => {
                if let Some(ns) = namespace {
                    write!(f, "{ns}.")?;
                }
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            ExprKind::Member { target, name } => write!(f, "{target}.{name}"),
            ExprKind::Index { target, index } => write!(f, "{target}[{index}]"),
            ExprKind::Unknowable(cause) => write!(f, "<{cause}>"),
        }
    }
}

/// Parses a whole JSON string that [`classify`] found to be an expression (brackets included).
#[cfg(test)]
pub fn parse_template_string(s: &str) -> Result<Expr, ExprError> {
    match classify(s) {
        Classified::Expression { inner, offset } => parse(inner, offset),
        Classified::Literal(_) => Err(ExprError {
            offset: 0,
            message: "not an expression (it does not start with `[` and end with `]`)".into(),
        }),
    }
}

#[cfg(test)]
impl Expr {
    /// Whether two expressions have the same structure, ignoring spans.
    pub fn same_shape(&self, other: &Expr) -> bool {
        match (&self.kind, &other.kind) {
            (ExprKind::Str(a), ExprKind::Str(b)) => a == b,
            (ExprKind::Int(a), ExprKind::Int(b)) => a == b,
            (
                ExprKind::Call {
                    namespace: na,
                    name: a,
                    args: xa,
                },
                ExprKind::Call {
                    namespace: nb,
                    name: b,
                    args: xb,
                },
            ) => {
                na == nb
                    && a == b
                    && xa.len() == xb.len()
                    && xa.iter().zip(xb).all(|(x, y)| x.same_shape(y))
            }
            (
                ExprKind::Member {
                    target: ta,
                    name: a,
                },
                ExprKind::Member {
                    target: tb,
                    name: b,
                },
            ) => a == b && ta.same_shape(tb),
            (
                ExprKind::Index {
                    target: ta,
                    index: ia,
                },
                ExprKind::Index {
                    target: tb,
                    index: ib,
                },
            ) => ta.same_shape(tb) && ia.same_shape(ib),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Expr {
        match parse_template_string(s) {
            Ok(e) => e,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn classifies_like_arm() {
        assert!(matches!(
            classify("[concat('a')]"),
            Classified::Expression { .. }
        ));
        assert!(matches!(
            classify("[concat('a')]  "),
            Classified::Expression { .. }
        ));
        assert_eq!(classify("[[x]"), Classified::Literal("[x]".into()));
        assert_eq!(classify("plain"), Classified::Literal("plain".into()));
        assert_eq!(classify("[x"), Classified::Literal("[x".into()));
        assert_eq!(classify(" [x]"), Classified::Literal(" [x]".into()));
        assert_eq!(classify("["), Classified::Literal("[".into()));
    }

    #[test]
    fn parses_calls_members_and_indexes() {
        let e = p("[variables('images')[parameters('os')].id]");
        assert_eq!(e.to_string(), "variables('images')[parameters('os')].id");
        let ExprKind::Member { target, name } = &e.kind else {
            panic!("member expected")
        };
        assert_eq!(name, "id");
        assert!(matches!(target.kind, ExprKind::Index { .. }));
        assert_eq!((e.start, e.end), (1, 41));
        let e = p("[ns.fn( 'it''s' , -5, 12)]");
        assert_eq!(e.to_string(), "ns.fn('it''s', -5, 12)");
        let ExprKind::Call {
            namespace, args, ..
        } = &e.kind
        else {
            panic!("call expected")
        };
        assert_eq!(namespace.as_deref(), Some("ns"));
        assert_eq!(args[0].kind, ExprKind::Str("it's".into()));
        assert_eq!(args[1].kind, ExprKind::Int(-5));
        assert_eq!((args[0].start, args[0].end), (8, 15));
    }

    #[test]
    fn reports_malformed_expressions() {
        for bad in [
            "[concat('a']",
            "[concat('a)]",
            "[foo]",
            "[]",
            "[1.5]",
            "[a.b]",
            "[f() g()]",
            "[f(,)]",
            "[f().]",
            "[f()[1]",
            "[-]",
            "[99999999999999999999]",
            "[f(#)]",
        ] {
            assert!(parse_template_string(bad).is_err(), "{bad} should fail");
        }
        let e = parse_template_string("[concat('a' 'b')]").unwrap_err();
        assert_eq!(e.offset, 12);
    }

    #[test]
    fn depth_and_length_limits_are_errors() {
        let deep = format!("[{}1{}]", "f(".repeat(10_000), ")".repeat(10_000));
        let e = parse_template_string(&deep).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{}", e.message);
        let chain = format!("[f(){}]", ".a".repeat(5_000));
        assert!(
            parse_template_string(&chain)
                .unwrap_err()
                .message
                .contains("nested deeper")
        );
        let idx = format!("[f(){}]", "[0]".repeat(5_000));
        assert!(parse_template_string(&idx).is_err());
        let long = format!("['{}']", "x".repeat(MAX_EXPR_LEN + 1));
        assert!(
            parse_template_string(&long)
                .unwrap_err()
                .message
                .contains("longer")
        );
        let ok = format!("[{}1{}]", "f(".repeat(100), ")".repeat(100));
        assert!(parse_template_string(&ok).is_ok());
    }

    fn arb_expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            "[a-z' ]{0,6}".prop_map(ExprKind::Str),
            any::<i64>().prop_map(ExprKind::Int),
        ]
        .prop_map(|kind| Expr {
            kind,
            start: 0,
            end: 0,
        });
        leaf.prop_recursive(5, 40, 4, |inner| {
            let name = "[a-zA-Z_][a-zA-Z0-9_]{0,5}";
            prop_oneof![
                (
                    proptest::option::of(name),
                    name,
                    proptest::collection::vec(inner.clone(), 0..4)
                )
                    .prop_map(|(namespace, name, args)| ExprKind::Call {
                        namespace,
                        name,
                        args
                    }),
                (inner.clone(), name).prop_map(|(t, name)| ExprKind::Member {
                    target: Box::new(t),
                    name
                }),
                (inner.clone(), inner).prop_map(|(t, i)| ExprKind::Index {
                    target: Box::new(t),
                    index: Box::new(i)
                }),
            ]
            .prop_map(|kind| Expr {
                kind,
                start: 0,
                end: 0,
            })
        })
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = parse_template_string(&s);
            let _ = parse(&s, 0);
        }

        #[test]
        fn never_panics_on_expression_alphabet(s in "\\[[a-z()\\[\\]',. 0-9-]{0,60}\\]") {
            let _ = parse_template_string(&s);
        }

        #[test]
        fn print_parse_round_trips(e in arb_expr()) {
            // A bare literal or member chain on a literal is still a valid expression.
            let printed = format!("[{e}]");
            let parsed = parse_template_string(&printed);
            prop_assert!(parsed.is_ok(), "{printed}: {:?}", parsed);
            let parsed = parsed.unwrap_or_else(|_| unreachable!());
            prop_assert!(parsed.same_shape(&e), "{printed} → {parsed}");
            prop_assert_eq!(format!("[{parsed}]"), printed);
        }
    }
}
