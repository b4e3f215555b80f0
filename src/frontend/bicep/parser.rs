//! The Bicep parser: tokens → a concrete syntax tree of the compiler's shapes (Azure/bicep
//! `src/Bicep.Core/Parsing/{BaseParser,Parser,ParamsParser}.cs`, re-implemented).
//!
//! Recursive descent, with the compiler's error recovery: a piece that fails (the compiler
//! throws `ExpectedTokenException`; here an `Err`) becomes a `SkippedTrivia` node holding the
//! tokens from where the piece began up to the next of the piece's terminators (a newline, a
//! closing bracket…), so a damaged declaration still yields its node, and the next
//! declarations parse. Every token is a child of some node: the tree gives back the text.
//!
//! Nesting (expressions, objects, types) deeper than [`MAX_DEPTH`] is one error, never a
//! stack overflow: each link of a chain the parser builds in a loop (`a + b + c`, `a.b.c`,
//! `a[0][0]`, `t[]?`) nests the tree one level deeper and counts as one, so the height of every
//! tree is bounded and so is every recursive walk over it (lowering, the printer). Time is
//! linear in the tokens.
//!
//! Checked against the compiler's own baselines (`main.syntax.bicep`: every node and token with
//! its span), see `tests.rs`. Shapes worth knowing when reading the tree:
//!
//! * Empty `SkippedTrivia` nodes occur in *valid* trees: an `ExtensionDeclaration` always ends
//!   with two children (the `with` clause and the `as` clause, each an empty `SkippedTrivia`
//!   when absent), a `UsingDeclaration` with one (its `with` clause). Errors are in
//!   [`Parsed::errors`], not in the presence of skipped nodes.
//! * A declaration's first children are its decorators (`Decorator`) and the newline tokens
//!   after each; then its keyword (an `Identifier` token), an `Identifier` node (whose child is a
//!   `SkippedTrivia` when the name is missing or damaged), and so on. `existing` is an
//!   `Identifier` token of the `ResourceDeclaration`. A variable's type and a parameter's
//!   default value (`ParameterDefaultValue`: `=` and the value) are absent, not empty, when
//!   not written.
//! * A resource's or module's body is an `Object`, an `IfCondition` (`if`, a
//!   `ParenthesizedExpression`, an `Object`) or a `For` (`[`, newlines, `for`, a
//!   `LocalVariable` or a `VariableBlock` of two, `in`, the expression, `:`, the body, newlines,
//!   `]`). Nested resources are children of the `Object` beside its `ObjectProperty` nodes.
//! * The resource type and module path are `String` nodes (not `StringTypeLiteral`); a string
//!   with a bad escape or left unterminated is `SkippedTrivia` instead. A `String` node's
//!   children are its string tokens with the interpolated expressions between them; read the
//!   values with `lexer::string_values` (exact for every piece).
//! * `.?` is `Dot` then `Question` (a token of the `PropertyAccess`); `[?i]` and `[^i]` put
//!   `Question`/`Hat` tokens in the `ArrayAccess`; `x!` is a `NonNullAssertion`; `a::b` a
//!   `ResourceAccess`; `sys.f()` an `InstanceFunctionCall` on a `VariableAccess`.
//! * An integer literal beyond `u64` is skipped tokens, as in the compiler.
//! * The `Program`'s span is the whole text; a leading byte order mark is skipped by the lexer
//!   (spans stay byte offsets of the text given).

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use super::lexer::{Token, TokenKind as K, lex_within, strings_valid};
use super::syntax::{El, SyntaxKind as S, SyntaxNode, Tree};

/// How deeply expressions, objects and types may nest.
pub(crate) const MAX_DEPTH: u32 = 128;

/// Most tokens one Bicep file may hold (the run's `Limits::max_syntax_tokens`, 4,000,000
/// unless said): a file with more is refused as a whole, with one error naming the limit,
/// before its tree is built. Every node of a tree holds at least one token but for a bounded
/// few per token (empty nodes for missing pieces, single-child wrappers), so this bounds the
/// syntax tree as `json::MAX_VALUES` bounds a JSON document (the largest real Bicep files
/// hold tens of thousands of tokens).
pub(crate) const MAX_TOKENS: usize = 4_000_000;

/// A parsed file.
#[derive(Clone, Debug)]
pub(crate) struct Parsed {
    /// The tree: its root is the `Program` node.
    pub(crate) tree: Tree,
    /// Lexical and syntax errors, lexical first.
    pub(crate) errors: Vec<ParseError>,
    /// The spans of the diagnostics pragmas (`#disable-next-line …`).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) pragmas: Vec<Range<u32>>,
}

impl Parsed {
    /// The `Program` node.
    pub(crate) fn root(&self) -> SyntaxNode<'_> {
        self.tree.root()
    }
}

/// An error and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    /// Where.
    pub(crate) at: Range<u32>,
    /// What is wrong.
    pub(crate) message: String,
}

/// Parses a `.bicep` file (of at most [`MAX_TOKENS`] tokens).
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Parsed {
    parse_within(text, MAX_TOKENS)
}

/// Parses a `.bicepparam` file (of at most [`MAX_TOKENS`] tokens).
#[cfg(test)]
pub(crate) fn parse_params(text: &str) -> Parsed {
    parse_params_within(text, MAX_TOKENS)
}

/// Parses a `.bicep` file of at most `max_tokens` tokens ([`MAX_TOKENS`] unless the run
/// says): a longer one is an empty program and one error naming the limit.
pub(crate) fn parse_within(text: &str, max_tokens: usize) -> Parsed {
    Parser::new(text, false, max_tokens).program()
}

/// [`parse_within`] for a `.bicepparam` file.
pub(crate) fn parse_params_within(text: &str, max_tokens: usize) -> Parsed {
    Parser::new(text, true, max_tokens).program()
}

/// Most bytes of text whose trees [`parse_shared`] keeps on one thread: a flat tree is about
/// 6 bytes per byte of text (its tokens, and room for a node and two children per token), so
/// some 1.5 MB per worker thread at most (on AVM, 1 MB saved 2 % more instructions than this
/// for about 20 MB more peak memory).
const SHARED_TEXT_BYTES: usize = 1 << 18;

/// The trees [`parse_shared`] keeps: by text, with the token limit they were parsed under
/// and when they were last asked for.
#[derive(Default)]
struct SharedTrees {
    /// The trees: the limit, the tree, the last use.
    trees: foldhash::HashMap<String, (usize, Rc<Parsed>, u64)>,
    /// The bytes of text held (the keys).
    bytes: usize,
    /// Uses so far: the clock of the last uses.
    uses: u64,
}

/// [`parse_within`], shared: the tree of a `.bicep` file read as another's module or import,
/// kept on this thread while its text is among the 256 KB of such text used last, and given
/// again to whoever parses the same text under the same limit. A module is lowered in each
/// of its callers' contexts, and each caller reads it again (AVM: 2,331 files parsed for
/// themselves, 5,910 times as a module, 882 as an import). Parsing is a pure function of the
/// text and the limit, so sharing cannot change a result; a text too long for the bound is
/// parsed alone.
pub(crate) fn parse_shared(text: &str, max_tokens: usize) -> Rc<Parsed> {
    thread_local! {
        static SHARED: RefCell<SharedTrees> = RefCell::new(SharedTrees::default());
    }
    if text.len() > SHARED_TEXT_BYTES / 4 {
        return Rc::new(parse_within(text, max_tokens));
    }
    SHARED.with_borrow_mut(|shared| {
        shared.uses += 1;
        let now = shared.uses;
        if let Some((limit, tree, used)) = shared.trees.get_mut(text)
            && *limit == max_tokens
        {
            *used = now;
            return Rc::clone(tree);
        }
        // The least recently used go first (a few dozen trees at most: a scan is enough).
        while shared.bytes + text.len() > SHARED_TEXT_BYTES {
            let Some(oldest) = shared
                .trees
                .iter()
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            shared.trees.remove(&oldest);
            shared.bytes -= oldest.len();
        }
        let tree = Rc::new(parse_within(text, max_tokens));
        let entry = (max_tokens, Rc::clone(&tree), now);
        // The same text under another limit replaces it: its bytes are counted once.
        if shared.trees.insert(text.to_owned(), entry).is_none() {
            shared.bytes += text.len();
        }
        tree
    })
}

/// Keywords that start a declaration: a lambda's body does not go over a newline to one.
const DECLARATION_KEYWORDS: [&str; 14] = [
    "metadata",
    "param",
    "var",
    "resource",
    "output",
    "module",
    "targetScope",
    "import",
    "extension",
    "type",
    "func",
    "test",
    "assert",
    "provider",
];

/// Expression flags: object and array literals allowed.
const COMPLEX: u8 = 1;
/// Expression flags: nested resource declarations allowed (in a resource's body).
const RESOURCES: u8 = 2;

/// Recovery flags: none.
const NONE: u8 = 0;
/// Recovery flags: the terminator is consumed into the skipped tokens.
const CONSUME: u8 = 1;
/// Recovery flags: no error reported (an earlier piece already was).
const SUPPRESS: u8 = 2;

/// The terminators of an operand.
const OPERAND_END: [K; 5] = [
    K::StringRightPiece,
    K::RightBrace,
    K::RightParen,
    K::RightSquare,
    K::NewLine,
];

/// A piece that failed: the compiler's `ExpectedTokenException`.
#[derive(Debug)]
struct Expected {
    /// Where: the unexpected token.
    at: Range<u32>,
    /// What was expected.
    message: &'static str,
}

/// A piece, or the failure that unwinds to the nearest recovery. The failure is boxed: a
/// piece is then two words, given back in registers through every level of the descent
/// (the failure's three words made each a copy through memory), and failures are rare.
type PResult<T> = Result<T, Box<Expected>>;

/// What a parenthesized list holds.
#[derive(Clone, Copy)]
enum ParenItem {
    /// Expressions, with these flags.
    Expr(u8),
    /// Types.
    Type,
    /// Typed local variables (a function's parameters).
    TypedLocal,
}

/// What an array or object literal (or type) holds.
#[derive(Clone, Copy)]
enum Element {
    /// An array's items.
    ArrayItem,
    /// An object's properties, with the expression flags.
    ObjectProperty(u8),
    /// An object type's properties.
    ObjectTypeProperty,
    /// A tuple type's items.
    TupleItem,
    /// An import's symbols.
    ImportedSymbol,
}

/// The parser's state.
struct Parser<'t> {
    /// The text.
    text: &'t str,
    /// The tree so far: the tokens (the last `EndOfFile`), and the nodes complete.
    tree: Tree,
    /// The next token's index (the compiler's reader position).
    pos: usize,
    /// The errors so far (lexical ones first).
    errors: Vec<ParseError>,
    /// Where the lexical errors are, in order.
    lex_errors: Vec<Range<u32>>,
    /// The pragmas' spans.
    pragmas: Vec<Range<u32>>,
    /// How deeply expressions, objects and types nest here.
    depth: u32,
    /// Whether this is a `.bicepparam` file.
    params: bool,
    /// When the text holds more tokens than allowed: where it goes on past them, and the
    /// limit. The file is refused, not parsed.
    refused: Option<(Range<u32>, usize)>,
    /// The children of the array and object literals being read, innermost last: each is
    /// gathered here and moved into a vector of its exact size when complete, rather than
    /// grown in a vector of its own (a copy per doubling, and slack kept in the tree).
    scratch: Vec<El>,
}

impl<'t> Parser<'t> {
    /// Lexes `text` for parsing, into at most `max_tokens` tokens.
    fn new(text: &'t str, params: bool, max_tokens: usize) -> Self {
        let lexed = lex_within(text, max_tokens);
        let refused = lexed.beyond.map(|at| (at, max_tokens));
        // Room for the tree, so that it is not copied as it grows: on the Azure Verified
        // Modules and the quickstarts, 0.78 nodes per token and 1.78 children (every node but
        // the root and every token is one child); a file that needs more grows.
        let (nodes, elements) = if refused.is_some() {
            (0, 0)
        } else {
            (lexed.tokens.len(), 2 * lexed.tokens.len())
        };
        Parser {
            text,
            tree: Tree {
                tokens: lexed.tokens,
                nodes: Vec::with_capacity(nodes),
                elements: Vec::with_capacity(elements),
                root: 0,
            },
            pos: 0,
            errors: lexed
                .errors
                .iter()
                .map(|e| ParseError {
                    at: e.at.clone(),
                    message: e.message.to_owned(),
                })
                .collect(),
            lex_errors: lexed.errors.into_iter().map(|e| e.at).collect(),
            pragmas: lexed.pragmas,
            depth: 0,
            params,
            refused,
            scratch: Vec::with_capacity(64),
        }
    }

    // ----- The token reader.

    /// The next token (the end, once there).
    fn peek(&self) -> &Token {
        &self.tree.tokens[self.pos.min(self.tree.tokens.len() - 1)]
    }

    /// The next token's kind.
    fn peek_kind(&self) -> K {
        self.peek().kind
    }

    /// The token `n` on, if any.
    fn peek_ahead(&self, n: usize) -> Option<&Token> {
        self.tree.tokens.get(self.pos + n)
    }

    /// The next token that is not a newline, from `pos + n`.
    fn peek_ahead_skip_newlines(&self, n: usize) -> Option<&Token> {
        let mut at = self.pos + n;
        while self
            .tree
            .tokens
            .get(at)
            .is_some_and(|t| t.kind == K::NewLine)
        {
            at += 1;
        }
        self.tree.tokens.get(at)
    }

    /// The next token that is not a newline.
    fn peek_skip_newlines(&self) -> &Token {
        self.peek_ahead_skip_newlines(0)
            .unwrap_or_else(|| &self.tree.tokens[self.tree.tokens.len() - 1])
    }

    /// Consumes the next token (never the end): as an element.
    fn read_el(&mut self) -> El {
        let at = self.pos.min(self.tree.tokens.len() - 1);
        if self.pos < self.tree.tokens.len() - 1 {
            self.pos += 1;
        }
        El::Token(at as u32)
    }

    // ----- The tree.

    /// A node of `kind` over `children` (its span from the first's start to the last's end).
    /// Inlined, as the tree's `push_node`: each caller's children are a few, of a count
    /// known where it is written, copied in place.
    #[inline]
    fn el(&mut self, kind: S, children: &[El]) -> El {
        El::Node(self.tree.push_node(kind, children))
    }

    /// A node of `kind` over the scratch stack's elements from `mark` (taken off it).
    fn el_from_scratch(&mut self, kind: S, mark: usize) -> El {
        let node = self.tree.push_node(kind, &self.scratch[mark..]);
        self.scratch.truncate(mark);
        El::Node(node)
    }

    /// An element's bytes.
    fn span_of(&self, element: El) -> Range<u32> {
        self.tree.span_of(element)
    }

    /// Whether an element is skipped tokens.
    fn is_skipped(&self, element: El) -> bool {
        matches!(element, El::Node(n) if self.tree.kind_of(n) == S::SkippedTrivia)
    }

    /// The compiler's `GetSuppressionFlag`: after an empty skipped piece (or identifier), the
    /// next piece's error is not reported.
    fn suppression(&self, element: El) -> u8 {
        let El::Node(n) = element else {
            return NONE;
        };
        let node = &self.tree.nodes[n as usize];
        let empty_skipped = match node.kind {
            S::SkippedTrivia => true,
            S::Identifier => self
                .tree
                .children_of_node(n)
                .iter()
                .any(|&c| matches!(c, El::Node(c) if self.tree.kind_of(c) == S::SkippedTrivia)),
            _ => false,
        };
        if empty_skipped && node.span.is_empty() {
            SUPPRESS
        } else {
            NONE
        }
    }

    /// Whether a subtree has skipped tokens (recursive: as deep as the tree, which
    /// [`MAX_DEPTH`] bounds).
    fn has_skipped(&self, node: u32) -> bool {
        self.tree.kind_of(node) == S::SkippedTrivia
            || self
                .tree
                .children_of_node(node)
                .iter()
                .any(|&c| matches!(c, El::Node(c) if self.has_skipped(c)))
    }

    /// Whether only the end is left. The lexer ends the tokens with the one `EndOfFile` and
    /// `pos` never goes past it (`read_el` and `skip_to` stop there), so the next token
    /// being the end says it: one comparison, asked before nearly every token.
    fn at_end(&self) -> bool {
        self.peek_kind() == K::EndOfFile
    }

    /// A token's text.
    fn text_of(&self, token: &Token) -> &'t str {
        let text: &'t str = self.text;
        &text[token.span.start as usize..token.span.end as usize]
    }

    /// Whether the next token is of `kind` (never at the end).
    fn check(&self, kind: K) -> bool {
        // The next token is of `kind` and so not the end, unless `kind` is the end.
        kind != K::EndOfFile && self.peek_kind() == kind
    }

    /// Whether the next token is of one of `kinds` (never at the end).
    fn check_any(&self, kinds: &[K]) -> bool {
        !self.at_end() && kinds.contains(&self.peek_kind())
    }

    /// Whether `token` is the identifier `keyword`.
    fn is_keyword(&self, token: Option<&Token>, keyword: &str) -> bool {
        token.is_some_and(|t| t.kind == K::Identifier && self.text_of(t) == keyword)
    }

    /// Whether the next token is the identifier `keyword`.
    fn check_keyword(&self, keyword: &str) -> bool {
        !self.at_end() && self.is_keyword(Some(self.peek()), keyword)
    }

    /// Fails at the next token. Cold and out of line: the callers (`expect` above all, a
    /// third of a million calls on AVM) then keep no registers for the failure's allocation.
    #[cold]
    #[inline(never)]
    fn fail<T>(&self, message: &'static str) -> PResult<T> {
        Err(Box::new(Expected {
            at: self.peek().span.clone(),
            message,
        }))
    }

    /// Consumes a token of `kind`, or fails.
    fn expect(&mut self, kind: K, message: &'static str) -> PResult<El> {
        if self.check(kind) {
            Ok(self.read_el())
        } else {
            self.fail(message)
        }
    }

    /// Consumes the identifier `keyword`, or fails.
    fn expect_keyword(&mut self, keyword: &str, message: &'static str) -> PResult<El> {
        if self.check_keyword(keyword) {
            Ok(self.read_el())
        } else {
            self.fail(message)
        }
    }

    /// Consumes the identifier `keyword` if it is next.
    fn optional_keyword(&mut self, keyword: &str) -> Option<El> {
        self.check_keyword(keyword).then(|| self.read_el())
    }

    /// Consumes a newline, or fails.
    fn newline(&mut self) -> PResult<El> {
        self.expect(K::NewLine, "expected a new line")
    }

    /// Consumes the newlines next.
    fn newlines(&mut self) -> Vec<El> {
        let mut out = Vec::new();
        self.newlines_into(&mut out);
        out
    }

    /// Consumes the newlines next onto `out` (no vector of their own: one per list element
    /// would be allocated and freed).
    fn newlines_into(&mut self, out: &mut Vec<El>) {
        while self.check(K::NewLine) {
            out.push(self.read_el());
        }
    }

    /// Consumes `=`, or fails.
    fn assignment(&mut self) -> PResult<El> {
        self.expect(K::Assignment, "expected `=`")
    }

    /// One level deeper, or fails past [`MAX_DEPTH`].
    fn enter(&mut self) -> PResult<()> {
        if self.depth >= MAX_DEPTH {
            return self.fail("nesting deeper than 128 levels");
        }
        self.depth += 1;
        Ok(())
    }

    /// Runs `f`, which builds a chain in a loop (each link wrapping the previous one, one
    /// level deeper: it calls [`Parser::enter`] per link), and gives the levels back however
    /// it ends.
    fn chain(&mut self, f: impl FnOnce(&mut Self) -> PResult<El>) -> PResult<El> {
        let depth = self.depth;
        let result = f(self);
        self.depth = depth;
        result
    }

    // ----- Recovery.

    /// Records an error (cold: most files have none).
    #[cold]
    fn report(&mut self, at: Range<u32>, message: &str) {
        self.errors.push(ParseError {
            at,
            message: message.to_owned(),
        });
    }

    /// Runs `f`; when it fails, the tokens from where it began up to a terminator are skipped.
    fn recover(
        &mut self,
        flags: u8,
        terminators: &[K],
        f: impl FnOnce(&mut Self) -> PResult<El>,
    ) -> El {
        let start = self.pos;
        let errors = self.errors.len();
        let depth = self.depth;
        let built = self.built();
        match f(self) {
            Ok(element) => element,
            Err(e) => {
                self.errors.truncate(errors);
                self.depth = depth;
                self.drop_built(built);
                self.skip_to(start, flags, *e, terminators)
            }
        }
    }

    /// [`Parser::recover`] for a piece that may be absent.
    fn recover_optional(
        &mut self,
        flags: u8,
        terminators: &[K],
        f: impl FnOnce(&mut Self) -> PResult<Option<El>>,
    ) -> Option<El> {
        let start = self.pos;
        let errors = self.errors.len();
        let depth = self.depth;
        let built = self.built();
        match f(self) {
            Ok(element) => element,
            Err(e) => {
                self.errors.truncate(errors);
                self.depth = depth;
                self.drop_built(built);
                Some(self.skip_to(start, flags, *e, terminators))
            }
        }
    }

    /// How much of the tree and of the scratch stack is built: what [`Parser::drop_built`]
    /// goes back to.
    fn built(&self) -> (usize, usize, usize) {
        (
            self.tree.nodes.len(),
            self.tree.elements.len(),
            self.scratch.len(),
        )
    }

    /// Takes off the nodes built since `built` and what was pushed onto the scratch stack (by
    /// a piece that failed: nothing refers to them, as nothing did to the vectors of children
    /// they were before the tree was flat).
    fn drop_built(&mut self, built: (usize, usize, usize)) {
        self.tree.nodes.truncate(built.0);
        self.tree.elements.truncate(built.1);
        self.scratch.truncate(built.2);
    }

    /// The compiler's `SynchronizeAndReturnTrivia`.
    fn skip_to(&mut self, start: usize, flags: u8, error: Expected, terminators: &[K]) -> El {
        let at = self.tree.tokens[start.min(self.tree.tokens.len() - 1)]
            .span
            .start;
        while !self.at_end() && !self.check_any(terminators) {
            self.pos += 1;
        }
        if flags & CONSUME != 0 && !self.at_end() {
            self.pos += 1;
        }
        if flags & SUPPRESS == 0 {
            self.report(error.at, error.message);
        }
        let end = self.pos.max(start);
        let span = if end > start {
            self.tree.tokens[start].span.start..self.tree.tokens[end - 1].span.end
        } else {
            at..at
        };
        let first = self.tree.elements.len() as u32;
        self.tree
            .elements
            .extend((start as u32..end as u32).map(El::Token));
        let children = first as usize..self.tree.elements.len();
        El::Node(self.tree.push_node_moved(S::SkippedTrivia, span, children))
    }

    /// An empty `SkippedTrivia` at the next token, with an error unless `message` is `None`.
    fn skip_empty(&mut self, message: Option<&str>) -> El {
        let at = self.peek().span.start;
        self.skip_empty_at(at, message)
    }

    /// An empty `SkippedTrivia` at `at`, with an error unless `message` is `None`.
    fn skip_empty_at(&mut self, at: u32, message: Option<&str>) -> El {
        if let Some(message) = message {
            self.report(at..at, message);
        }
        El::Node(self.tree.push_node_spanning(S::SkippedTrivia, at..at, &[]))
    }

    /// Elements wrapped in a `SkippedTrivia`, with an error unless `message` is `None`.
    fn skip(&mut self, children: &[El], message: Option<&str>) -> El {
        let skipped = self.el(S::SkippedTrivia, children);
        if let Some(message) = message {
            self.report(self.span_of(skipped), message);
        }
        skipped
    }

    /// Runs `f`, failing (at where it began) if it gave skipped tokens.
    fn throw_if_skipped(
        &mut self,
        message: &'static str,
        f: impl FnOnce(&mut Self) -> PResult<El>,
    ) -> PResult<El> {
        let at = self.peek().span.clone();
        let element = f(self)?;
        if self.is_skipped(element) {
            return Err(Box::new(Expected { at, message }));
        }
        Ok(element)
    }

    /// Whether an element holds skipped tokens or a lexical error (the compiler's `HasSyntaxError`).
    fn has_syntax_error(&self, element: El) -> bool {
        let span = self.span_of(element);
        // The lexical errors are in order of their starts (and end where the next may start):
        // the first one ending at or after the span's start decides.
        let first = self.lex_errors.partition_point(|e| e.end < span.start);
        let lexical = self.lex_errors[first..]
            .first()
            .is_some_and(|e| e.start < span.end);
        lexical || matches!(element, El::Node(n) if self.has_skipped(n))
    }

    // ----- Program and declarations.

    /// The `Program`: declarations, each followed by a newline, and the end.
    fn program(mut self) -> Parsed {
        if let Some((at, limit)) = self.refused.take() {
            let end = self.tree.tokens[self.tree.tokens.len() - 1].clone();
            let mut tree = Tree {
                tokens: vec![end],
                ..Tree::default()
            };
            let whole = 0..self.text.len() as u32;
            tree.root = tree.push_node_spanning(S::Program, whole, &[El::Token(0)]);
            return Parsed {
                tree,
                errors: vec![ParseError {
                    at,
                    message: format!("more than {limit} tokens in one file: too large to analyse"),
                }],
                pragmas: Vec::new(),
            };
        }
        let mut children = Vec::new();
        while !self.at_end() {
            let declaration = if self.params {
                self.params_declaration()
            } else {
                self.declaration(&[])
            };
            let is_statement = matches!(declaration, El::Node(n)
                if !matches!(self.tree.kind_of(n), S::SkippedTrivia | S::MissingDeclaration));
            children.push(declaration);
            if is_statement {
                let newline = self.recover_optional(CONSUME, &[K::NewLine], |p| {
                    if p.peek_kind() == K::EndOfFile {
                        Ok(None)
                    } else {
                        p.newline().map(Some)
                    }
                });
                children.extend(newline);
            }
        }
        let end = self.tree.tokens.len() - 1;
        // Anything before the end the loop left (it never does) stays in the tree.
        let rest: Vec<El> = (self.pos..end).map(|t| El::Token(t as u32)).collect();
        if !rest.is_empty() {
            children.push(self.el(S::SkippedTrivia, &rest));
        }
        children.push(El::Token(end as u32));
        let whole = 0..self.text.len() as u32;
        self.tree.root = self.tree.push_node_spanning(S::Program, whole, &children);
        Parsed {
            tree: self.tree,
            errors: self.errors,
            pragmas: self.pragmas,
        }
    }

    /// Decorators and the newlines after each.
    fn leading_nodes(&mut self) -> Vec<El> {
        if !self.check(K::At) {
            return Vec::new();
        }
        // A decorator or two and their newlines: room for them at once.
        let mut out = Vec::with_capacity(8);
        while self.check(K::At) {
            out.push(self.decorator());
            out.push(self.recover(CONSUME, &[K::NewLine], Self::newline));
            self.newlines_into(&mut out);
        }
        out
    }

    /// A declaration of a `.bicep` file (of one of `expected` keywords when given), a newline, or skipped tokens.
    fn declaration(&mut self, expected: &[&str]) -> El {
        self.recover(NONE, &[K::NewLine], |p| {
            let leading = p.leading_nodes();
            let current = p.peek().clone();
            match current.kind {
                K::Identifier => {
                    let keyword = p.text_of(&current);
                    let keyword = if expected.is_empty() || expected.contains(&keyword) {
                        keyword
                    } else {
                        ""
                    };
                    match keyword {
                        "targetScope" => p.target_scope(leading),
                        "metadata" => p.metadata(leading),
                        "type" => p.type_declaration(leading),
                        "param" => p.parameter(leading),
                        "var" => p.variable(leading),
                        "func" => p.function(leading),
                        "resource" => p.resource(leading),
                        "output" => p.output(leading),
                        "module" => p.module(leading),
                        "test" => p.test(leading),
                        "import" => p.import(leading),
                        "extension" => {
                            let keyword = p.read_el();
                            p.extension(keyword, leading)
                        }
                        "assert" => p.assert(leading),
                        _ if !leading.is_empty() => Ok(p.el(S::MissingDeclaration, &leading)),
                        _ => p.fail("expected a declaration"),
                    }
                }
                K::NewLine => p.newline(),
                _ if !leading.is_empty() => Ok(p.el(S::MissingDeclaration, &leading)),
                _ => p.fail("expected a declaration"),
            }
        })
    }

    /// A declaration of a `.bicepparam` file, a newline, or skipped tokens.
    fn params_declaration(&mut self) -> El {
        self.recover(NONE, &[K::NewLine], |p| {
            let leading = p.leading_nodes();
            let current = p.peek().clone();
            match current.kind {
                K::Identifier => match p.text_of(&current) {
                    "using" => p.using(leading),
                    "extends" => p.extends(leading),
                    "param" => p.parameter_assignment(leading),
                    "var" => p.variable(leading),
                    "import" => {
                        let keyword = p.read_el();
                        p.compile_time_import(keyword, leading)
                    }
                    "extensionConfig" => p.extension_config(leading),
                    "extension" => {
                        let keyword = p.read_el();
                        p.extension(keyword, leading)
                    }
                    "type" => p.type_declaration(leading),
                    _ => p.fail("expected a parameters file declaration"),
                },
                K::NewLine => p.newline(),
                _ => p.fail("expected a parameters file declaration"),
            }
        })
    }

    /// A declaration node: its leading decorators and newlines, then the rest.
    fn declaration_node(&mut self, kind: S, leading: Vec<El>, rest: &[El]) -> PResult<El> {
        let Some(&first) = leading.first() else {
            return Ok(self.el(kind, rest));
        };
        let last = rest.last().or(leading.last()).copied().unwrap_or(first);
        // Both parts moved into the tree in turn: no vector of the two.
        let span = self.span_of(first).start..self.span_of(last).end;
        let start = self.tree.elements.len();
        self.tree.elements.extend_from_slice(&leading);
        self.tree.elements.extend_from_slice(rest);
        let children = start..self.tree.elements.len();
        Ok(El::Node(self.tree.push_node_moved(kind, span, children)))
    }

    /// `targetScope = …`.
    fn target_scope(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("targetScope", "expected `targetScope`")?;
        let assignment = self.recover(NONE, &[K::NewLine], Self::assignment);
        let value = self.recover(NONE, &[K::NewLine], |p| p.expression(COMPLEX));
        self.declaration_node(S::TargetScope, leading, &[keyword, assignment, value])
    }

    /// `keyword name = value` (metadata, assert, parameter assignment).
    fn named_value(
        &mut self,
        kind: S,
        keyword: &str,
        leading: Vec<El>,
        name_end: K,
    ) -> PResult<El> {
        let keyword = self.expect_keyword(keyword, "expected a keyword")?;
        let name = self.identifier_recover("expected an identifier", NONE, &[name_end, K::NewLine]);
        let assignment = self.recover(self.suppression(name), &[K::NewLine], Self::assignment);
        let value = self.recover(self.suppression(assignment), &[K::NewLine], |p| {
            p.expression(COMPLEX)
        });
        self.declaration_node(kind, leading, &[keyword, name, assignment, value])
    }

    /// `metadata name = …`.
    fn metadata(&mut self, leading: Vec<El>) -> PResult<El> {
        self.named_value(S::MetadataDeclaration, "metadata", leading, K::Assignment)
    }

    /// `assert name = …`.
    fn assert(&mut self, leading: Vec<El>) -> PResult<El> {
        self.named_value(S::AssertDeclaration, "assert", leading, K::Assignment)
    }

    /// `param name = …` of a `.bicepparam` file.
    fn parameter_assignment(&mut self, leading: Vec<El>) -> PResult<El> {
        self.named_value(S::ParameterAssignment, "param", leading, K::Identifier)
    }

    /// `param name type (= default)`.
    fn parameter(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("param", "expected `param`")?;
        let name = self.identifier_recover(
            "expected a parameter identifier",
            NONE,
            &[K::Identifier, K::NewLine],
        );
        let ty = self.recover(
            self.suppression(name),
            &[K::Assignment, K::LeftBrace, K::NewLine],
            |p| p.type_(false),
        );
        let modifier = self.recover_optional(self.suppression(ty), &[K::NewLine], |p| {
            match p.peek_kind() {
                K::NewLine | K::EndOfFile => Ok(None),
                K::Assignment => {
                    let assignment = p.read_el();
                    let value = p.recover(NONE, &[K::NewLine], |p| p.expression(COMPLEX));
                    Ok(Some(p.el(S::ParameterDefaultValue, &[assignment, value])))
                }
                _ => p.fail("expected `=` or a new line"),
            }
        });
        match modifier {
            Some(modifier) => self.declaration_node(
                S::ParameterDeclaration,
                leading,
                &[keyword, name, ty, modifier],
            ),
            None => self.declaration_node(S::ParameterDeclaration, leading, &[keyword, name, ty]),
        }
    }

    /// `var name (type) = …`.
    fn variable(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("var", "expected `var`")?;
        let name = self.identifier_recover(
            "expected a variable identifier",
            NONE,
            &[K::Identifier, K::NewLine],
        );
        let ty =
            self.recover_optional(
                self.suppression(name),
                &[K::Assignment, K::NewLine],
                |p| match p.peek_kind() {
                    K::EndOfFile | K::NewLine | K::Assignment => Ok(None),
                    _ => p.type_(false).map(Some),
                },
            );
        let assignment = self.recover(
            self.suppression(ty.unwrap_or(name)),
            &[K::NewLine],
            Self::assignment,
        );
        let value = self.recover(self.suppression(assignment), &[K::NewLine], |p| {
            p.expression(COMPLEX)
        });
        let kind = S::VariableDeclaration;
        match ty {
            Some(ty) => {
                self.declaration_node(kind, leading, &[keyword, name, ty, assignment, value])
            }
            None => self.declaration_node(kind, leading, &[keyword, name, assignment, value]),
        }
    }

    /// `type name = …`.
    fn type_declaration(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("type", "expected `type`")?;
        let name = self.identifier_recover(
            "expected a type identifier",
            NONE,
            &[K::Assignment, K::NewLine],
        );
        let assignment = self.recover(self.suppression(name), &[K::NewLine], Self::assignment);
        let value = self.recover(
            self.suppression(name),
            &[K::Assignment, K::LeftBrace, K::NewLine],
            |p| p.type_(false),
        );
        self.declaration_node(
            S::TypeDeclaration,
            leading,
            &[keyword, name, assignment, value],
        )
    }

    /// `output name type = …`.
    fn output(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("output", "expected `output`")?;
        let name = self.identifier_recover(
            "expected an output identifier",
            NONE,
            &[K::Identifier, K::NewLine],
        );
        let ty = self.recover(self.suppression(name), &[K::Assignment, K::NewLine], |p| {
            p.type_(true)
        });
        let assignment = self.recover(self.suppression(ty), &[K::NewLine], Self::assignment);
        let value = self.recover(self.suppression(assignment), &[K::NewLine], |p| {
            p.expression(COMPLEX)
        });
        self.declaration_node(
            S::OutputDeclaration,
            leading,
            &[keyword, name, ty, assignment, value],
        )
    }

    /// `resource`, `module` and `test`: keyword, name, string, (existing), `=`, body.
    fn resource_like(&mut self, kind: S, leading: Vec<El>) -> PResult<El> {
        let keyword_text = match kind {
            S::ResourceDeclaration => "resource",
            S::ModuleDeclaration => "module",
            _ => "test",
        };
        let keyword = self.expect_keyword(keyword_text, "expected a keyword")?;
        let name = self.identifier_recover(
            "expected an identifier",
            NONE,
            &[K::StringComplete, K::StringLeftPiece, K::NewLine],
        );
        let path = self.recover(self.suppression(name), &[K::Assignment, K::NewLine], |p| {
            p.throw_if_skipped("expected a string", |p| Ok(p.interpolable_string()))
        });
        let existing = if kind == S::ResourceDeclaration {
            self.optional_keyword("existing")
        } else {
            None
        };
        let assignment = self.recover(
            self.suppression(path),
            &[K::LeftBrace, K::NewLine],
            Self::assignment,
        );
        let newlines = if kind != S::TestDeclaration
            && (kind == S::ModuleDeclaration || !self.is_skipped(assignment))
            && self.is_keyword(Some(self.peek_skip_newlines()), "if")
        {
            self.newlines()
        } else {
            Vec::new()
        };
        let flags = if kind == S::ResourceDeclaration {
            RESOURCES | COMPLEX
        } else {
            COMPLEX
        };
        let value = self.recover(self.suppression(assignment), &[K::NewLine], |p| {
            let current = p.peek().clone();
            match current.kind {
                K::Identifier if kind != S::TestDeclaration && p.text_of(&current) == "if" => {
                    p.if_condition(flags, false)
                }
                K::LeftBrace => p.object(flags),
                K::LeftSquare if kind != S::TestDeclaration => p.for_expression(flags, true),
                _ => p.fail("expected `{`, `if` or `[`"),
            }
        });
        let mut rest = Vec::with_capacity(6 + newlines.len());
        rest.extend([keyword, name, path]);
        rest.extend(existing);
        rest.push(assignment);
        rest.extend(newlines);
        rest.push(value);
        self.declaration_node(kind, leading, &rest)
    }

    /// `resource name 'type' (existing) = body`.
    fn resource(&mut self, leading: Vec<El>) -> PResult<El> {
        self.resource_like(S::ResourceDeclaration, leading)
    }

    /// `module name 'path' = body`.
    fn module(&mut self, leading: Vec<El>) -> PResult<El> {
        self.resource_like(S::ModuleDeclaration, leading)
    }

    /// `test name 'path' = {…}`.
    fn test(&mut self, leading: Vec<El>) -> PResult<El> {
        self.resource_like(S::TestDeclaration, leading)
    }

    /// `func name(params) type => body`.
    fn function(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("func", "expected `func`")?;
        let name = self.identifier_recover(
            "expected a function identifier",
            NONE,
            &[K::Assignment, K::NewLine],
        );
        let lambda = self.recover(self.suppression(name), &[K::NewLine], Self::typed_lambda);
        self.declaration_node(S::FunctionDeclaration, leading, &[keyword, name, lambda])
    }

    /// `import`: a compile-time import, or (before a string) the old form of `extension`.
    fn import(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("import", "expected `import`")?;
        match self.peek_kind() {
            K::StringLeftPiece | K::StringComplete => self.extension(keyword, leading),
            _ => self.compile_time_import(keyword, leading),
        }
    }

    /// `import {…} from 'path'` or `import * as ns from 'path'`, after the keyword.
    fn compile_time_import(&mut self, keyword: El, leading: Vec<El>) -> PResult<El> {
        let what = match self.peek_kind() {
            K::EndOfFile | K::NewLine | K::Identifier => {
                self.skip_empty(Some("expected a symbol list or a wildcard"))
            }
            K::LeftBrace => self.elements(S::ImportedSymbolsList, Element::ImportedSymbol)?,
            K::Asterisk => self.recover(NONE, &[K::NewLine], |p| {
                let star = p.read_el();
                let as_keyword = p.expect_keyword("as", "expected `as`")?;
                let name = p.identifier("expected a namespace identifier")?;
                let alias = p.el(S::AliasAsClause, &[as_keyword, name]);
                Ok(p.el(S::WildcardImport, &[star, alias]))
            }),
            _ => {
                let token = self.read_el();
                self.skip(&[token], Some("expected a symbol list or a wildcard"))
            }
        };
        let from = self.recover(NONE, &[K::NewLine], |p| {
            let keyword = p.expect_keyword("from", "expected `from`")?;
            let path = p.recover(NONE, &[K::NewLine], |p| {
                p.throw_if_skipped("expected a path string", |p| Ok(p.interpolable_string()))
            });
            Ok(p.el(S::CompileTimeImportFromClause, &[keyword, path]))
        });
        self.declaration_node(
            S::CompileTimeImportDeclaration,
            leading,
            &[keyword, what, from],
        )
    }

    /// An item of `import {…}`: a name or string, and `as alias`.
    fn imported_symbol(&mut self) -> PResult<El> {
        let name = match self.peek_kind() {
            K::Identifier => self.identifier("expected a symbol name")?,
            K::StringComplete => self.interpolable_string(),
            K::StringLeftPiece => {
                let string = self.interpolable_string();
                self.skip(&[string], Some("a compile-time constant is required"))
            }
            _ => {
                let token = self.read_el();
                self.skip(&[token], Some("expected a symbol name"))
            }
        };
        let alias = if self.is_keyword(Some(self.peek()), "as") {
            let keyword = self.read_el();
            let name =
                self.identifier_recover("expected an identifier", NONE, &[K::Comma, K::NewLine]);
            Some(self.el(S::AliasAsClause, &[keyword, name]))
        } else {
            None
        };
        if matches!(name, El::Node(n) if self.tree.kind_of(n) == S::String) && alias.is_none() {
            return Ok(self.skip(&[name], Some("an imported string needs `as`")));
        }
        let mut children = vec![name];
        children.extend(alias);
        Ok(self.el(S::ImportedSymbolsListItem, &children))
    }

    /// `extension spec (with {…}) (as alias)`, after the keyword.
    fn extension(&mut self, keyword: El, leading: Vec<El>) -> PResult<El> {
        let specification = if self.peek_kind() == K::Identifier {
            let token = self.read_el();
            self.el(S::Identifier, &[token])
        } else {
            self.recover(NONE, &[K::NewLine], |p| {
                p.throw_if_skipped("expected an extension specification", |p| {
                    Ok(p.interpolable_string())
                })
            })
        };
        let current = self.peek().clone();
        let with = match current.kind {
            K::EndOfFile | K::NewLine => self.skip_empty(None),
            K::Identifier if self.text_of(&current) == "as" => self.skip_empty(None),
            _ => self.recover(self.suppression(specification), &[K::NewLine], |p| {
                p.with_clause(S::ExtensionWithClause)
            }),
        };
        let alias = match self.peek_kind() {
            K::EndOfFile | K::NewLine => self.skip_empty(None),
            _ => self.recover(self.suppression(with), &[K::NewLine], |p| {
                let keyword = p.expect_keyword("as", "expected `with`, `as` or a new line")?;
                let name = p.identifier_recover("expected an alias", NONE, &[K::NewLine]);
                Ok(p.el(S::AliasAsClause, &[keyword, name]))
            }),
        };
        self.declaration_node(
            S::ExtensionDeclaration,
            leading,
            &[keyword, specification, with, alias],
        )
    }

    /// `with {…}`.
    fn with_clause(&mut self, kind: S) -> PResult<El> {
        let keyword = self.expect_keyword("with", "expected `with`")?;
        let config = self.recover(NONE, &[K::NewLine], |p| p.object(COMPLEX));
        Ok(self.el(kind, &[keyword, config]))
    }

    /// `using 'path'` or `using none`, (with {…}).
    fn using(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("using", "expected `using`")?;
        let what = match self.peek_kind() {
            K::Identifier => {
                let none = self.expect_keyword("none", "expected `none` or a path")?;
                self.el(S::NoneLiteral, &[none])
            }
            K::StringComplete => {
                self.throw_if_skipped("expected a path string", |p| Ok(p.interpolable_string()))?
            }
            _ => self.skip_empty(Some("expected a path string")),
        };
        let with = match self.peek_kind() {
            K::EndOfFile | K::NewLine => self.skip_empty(None),
            _ => self.recover(self.suppression(what), &[K::NewLine], |p| {
                p.with_clause(S::UsingWithClause)
            }),
        };
        self.declaration_node(S::UsingDeclaration, leading, &[keyword, what, with])
    }

    /// `extends 'path'`.
    fn extends(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("extends", "expected `extends`")?;
        let path = self.recover(NONE, &[K::NewLine], |p| {
            p.throw_if_skipped("expected a path string", |p| Ok(p.interpolable_string()))
        });
        self.declaration_node(S::ExtendsDeclaration, leading, &[keyword, path])
    }

    /// `extensionConfig alias with {…}`.
    fn extension_config(&mut self, leading: Vec<El>) -> PResult<El> {
        let keyword = self.expect_keyword("extensionConfig", "expected `extensionConfig`")?;
        let alias = self.identifier_recover(
            "expected an extension alias",
            NONE,
            &[K::Identifier, K::NewLine],
        );
        let with = self.recover(self.suppression(alias), &[K::NewLine], |p| {
            p.with_clause(S::ExtensionWithClause)
        });
        self.declaration_node(
            S::ExtensionConfigAssignment,
            leading,
            &[keyword, alias, with],
        )
    }

    // ----- Pieces.

    /// An `Identifier` node, or fails.
    fn identifier(&mut self, message: &'static str) -> PResult<El> {
        let token = self.expect(K::Identifier, message)?;
        Ok(self.el(S::Identifier, &[token]))
    }

    /// An `Identifier` node, of an empty skipped node when none is next.
    fn identifier_or_skip(&mut self, message: &str) -> El {
        if self.check(K::Identifier) {
            let token = self.read_el();
            self.el(S::Identifier, &[token])
        } else {
            let skipped = self.skip_empty(Some(message));
            self.el(S::Identifier, &[skipped])
        }
    }

    /// An `Identifier` node, of skipped tokens when the identifier is damaged.
    fn identifier_recover(&mut self, message: &'static str, flags: u8, terminators: &[K]) -> El {
        let element = self.recover(flags, terminators, |p| p.identifier(message));
        match element {
            El::Node(n) if self.tree.kind_of(n) == S::Identifier => El::Node(n),
            other => self.el(S::Identifier, &[other]),
        }
    }

    /// `@name`, `@name(…)`, `@ns.name(…)`.
    fn decorator(&mut self) -> El {
        let at = self.read_el();
        let expression = self.recover(NONE, &[K::NewLine], |p| p.chain(Self::decorator_expression));
        self.el(S::Decorator, &[at, expression])
    }

    /// A decorator's expression after `@`: a name or call and its `.` accesses, each a level
    /// deeper ([`Parser::chain`]).
    fn decorator_expression(&mut self) -> PResult<El> {
        let name = self.identifier("expected a namespace or decorator name")?;
        let mut current = if self.check(K::LeftParen) {
            let mark = self.call_arguments(COMPLEX, [name])?;
            self.el_from_scratch(S::FunctionCall, mark)
        } else {
            self.el(S::VariableAccess, &[name])
        };
        while self.check(K::Dot) {
            self.enter()?;
            let dot = self.read_el();
            let name = self.identifier_or_skip("expected a function or property name");
            current = if self.check(K::LeftParen) {
                let mark = self.call_arguments(COMPLEX, [current, dot, name])?;
                self.el_from_scratch(S::InstanceFunctionCall, mark)
            } else {
                self.el(S::PropertyAccess, &[current, dot, name])
            };
        }
        Ok(current)
    }

    /// A call's children: `before` (its name, or the object, `.` and name), then `(`, the
    /// arguments and the separators, `)` (or an empty skipped node), pushed onto the scratch
    /// stack from the mark given back (for [`Parser::el_from_scratch`]).
    fn call_arguments<const N: usize>(&mut self, flags: u8, before: [El; N]) -> PResult<usize> {
        if !self.check(K::LeftParen) {
            return self.fail("expected `(`");
        }
        let mark = self.scratch.len();
        self.scratch.extend(before);
        let open = self.read_el();
        self.scratch.push(open);
        self.function_elements(K::RightParen, |p| {
            let expression = p.recover(NONE, &[K::NewLine, K::Comma, K::RightParen], |p| {
                p.expression(flags)
            });
            p.el(S::FunctionArgument, &[expression])
        });
        let close = if self.check(K::RightParen) {
            self.read_el()
        } else {
            self.skip_empty(Some("expected `)`"))
        };
        self.scratch.push(close);
        Ok(mark)
    }

    /// Whether the gap before token `index` holds a comment.
    fn comment_before(&self, index: usize) -> bool {
        if index == 0 || index >= self.tree.tokens.len() {
            return false;
        }
        let gap = &self.text.as_bytes()[self.tree.tokens[index - 1].span.end as usize
            ..self.tree.tokens[index].span.start as usize];
        gap.contains(&b'/')
    }

    /// The compiler's `HandleFunctionElements`: arguments separated by commas, pushed onto
    /// the scratch stack.
    fn function_elements(&mut self, closing: K, mut child: impl FnMut(&mut Self) -> El) {
        if self.check(closing) {
            return;
        }
        self.newlines_onto_scratch();
        let mut expect_element = true;
        while !self.at_end() && self.peek_kind() != closing {
            if !expect_element {
                if self.check(K::NewLine) {
                    let mut ahead = 1;
                    while self.peek_ahead(ahead).is_some_and(|t| t.kind == K::NewLine)
                        && self.comment_before(self.pos + ahead)
                    {
                        ahead += 1;
                    }
                    match self.peek_ahead(ahead) {
                        None => break,
                        Some(t) if t.kind == K::EndOfFile => break,
                        Some(t) if t.kind != closing => {
                            let skipped = self.skip_empty(Some("expected `,`"));
                            self.scratch.push(skipped);
                        }
                        Some(_) => {}
                    }
                    self.newlines_onto_scratch();
                } else if self.check(K::Comma) {
                    let comma = self.read_el();
                    self.scratch.push(comma);
                    if self.check(K::NewLine) {
                        self.newlines_onto_scratch();
                    }
                    if self.check(closing) {
                        let item = child(self);
                        self.scratch.push(item);
                    }
                } else {
                    let skipped = self.skip_empty(Some("expected a new line or `,`"));
                    self.scratch.push(skipped);
                }
                expect_element = true;
                continue;
            }
            let item = child(self);
            self.scratch.push(item);
            expect_element = false;
        }
    }

    /// `{`/`[`, elements separated by newlines or commas, `}`/`]`.
    fn elements(&mut self, kind: S, element: Element) -> PResult<El> {
        let mark = self.scratch.len();
        let result = self.elements_onto_scratch(kind, element);
        if result.is_err() {
            self.scratch.truncate(mark);
        }
        result?;
        Ok(self.el_from_scratch(kind, mark))
    }

    /// [`Parser::elements`]: its children pushed onto the scratch stack (what an inner
    /// literal pushed is taken off before it returns).
    fn elements_onto_scratch(&mut self, kind: S, element: Element) -> PResult<()> {
        let (open_kind, closing) = match kind {
            S::Array | S::TupleType => (K::LeftSquare, K::RightSquare),
            _ => (K::LeftBrace, K::RightBrace),
        };
        let open = self.expect(open_kind, "expected an opening bracket")?;
        self.scratch.push(open);
        if !self.check(closing) {
            self.newlines_onto_scratch();
            let mut expect_element = true;
            while !self.at_end() && self.peek_kind() != closing {
                if !expect_element {
                    if self.check(K::NewLine) {
                        self.newlines_onto_scratch();
                    } else if self.check(K::Comma) {
                        let comma = self.read_el();
                        self.scratch.push(comma);
                        if self.check(K::NewLine) {
                            let skipped = self.skip_empty(Some("unexpected new line after `,`"));
                            self.scratch.push(skipped);
                            let newline = self.newline()?;
                            self.scratch.push(newline);
                        }
                    } else {
                        let skipped = self.skip_empty(Some("expected a new line or `,`"));
                        self.scratch.push(skipped);
                    }
                    expect_element = true;
                    continue;
                }
                let item = self.element(element)?;
                self.scratch.push(item);
                expect_element = false;
            }
        }
        let close = self.expect(closing, "expected a closing bracket")?;
        self.scratch.push(close);
        Ok(())
    }

    /// Consumes the newlines next onto the scratch stack.
    fn newlines_onto_scratch(&mut self) {
        while self.check(K::NewLine) {
            let newline = self.read_el();
            self.scratch.push(newline);
        }
    }

    /// One element of an array, object or type literal, or of an import list.
    fn element(&mut self, element: Element) -> PResult<El> {
        Ok(match element {
            Element::ArrayItem => self.recover(NONE, &[K::NewLine, K::RightSquare], |p| {
                if p.peek_kind() == K::Ellipsis {
                    return Ok(p.spread(&[K::Comma, K::NewLine, K::RightSquare]));
                }
                let value = p.expression(COMPLEX)?;
                Ok(p.el(S::ArrayItem, &[value]))
            }),
            Element::ObjectProperty(flags) => self.object_property(flags),
            Element::ObjectTypeProperty => self.object_type_property(),
            Element::TupleItem => self.recover(NONE, &[K::NewLine, K::RightSquare], |p| {
                let mut children = p.leading_nodes();
                children.push(p.type_expression()?);
                Ok(p.el(S::TupleTypeItem, &children))
            }),
            Element::ImportedSymbol => self.imported_symbol()?,
        })
    }

    /// `...expression`.
    fn spread(&mut self, terminators: &[K]) -> El {
        let ellipsis = self.read_el();
        let value = self.recover(NONE, terminators, |p| p.expression(COMPLEX));
        self.el(S::SpreadExpression, &[ellipsis, value])
    }

    /// `{…}`.
    fn object(&mut self, flags: u8) -> PResult<El> {
        self.enter()?;
        let object = self.elements(S::Object, Element::ObjectProperty(flags));
        self.depth -= 1;
        object
    }

    /// A property of an object (or, in a resource's body, a nested resource, or a spread).
    fn object_property(&mut self, flags: u8) -> El {
        self.recover(NONE, &[K::NewLine, K::RightBrace], |p| {
            if flags & RESOURCES != 0
                && (p.check(K::At)
                    || (p.check_keyword("resource")
                        && p.peek_ahead(1).is_some_and(|t| t.kind == K::Identifier)))
            {
                return Ok(p.declaration(&["resource"]));
            }
            let current = p.peek().kind;
            if current == K::Ellipsis {
                return Ok(p.spread(&[K::Comma, K::NewLine, K::RightBrace]));
            }
            let key = p.recover(NONE, &[K::Colon, K::NewLine, K::RightBrace], |p| {
                p.throw_if_skipped("expected a property name", |p| match current {
                    K::Identifier => p.identifier("expected a property name"),
                    K::StringComplete | K::StringLeftPiece => Ok(p.interpolable_string()),
                    _ => p.fail("expected a property name"),
                })
            });
            let colon = p.recover(p.suppression(key), &[K::NewLine, K::RightBrace], |p| {
                p.expect(K::Colon, "expected `:`")
            });
            let value = p.recover(p.suppression(colon), &[K::NewLine, K::RightBrace], |p| {
                p.expression(COMPLEX)
            });
            Ok(p.el(S::ObjectProperty, &[key, colon, value]))
        })
    }

    /// A string, interpolated or not; a damaged one is skipped tokens.
    fn interpolable_string(&mut self) -> El {
        let start = self.peek().span.start;
        // The pieces and holes gather on the scratch stack (a vector per string was most of
        // the parser's allocations).
        let mark = self.scratch.len();
        let mut first = true;
        loop {
            let (end, more) = if first {
                (K::StringComplete, K::StringLeftPiece)
            } else {
                (K::StringRightPiece, K::StringMiddlePiece)
            };
            let current = self.peek_kind();
            let mut errors = false;
            let mut complete = false;
            let pieces = [K::StringMiddlePiece, K::StringRightPiece, K::NewLine];
            if current == end {
                let piece = self.read_el();
                self.scratch.push(piece);
                complete = true;
            } else if current == more {
                let piece = self.read_el();
                self.scratch.push(piece);
                let mut hole = self.recover(NONE, &pieces, |p| p.expression(0));
                if !self.check_any(&pieces) {
                    let at = self.peek().span.clone();
                    let skipped = self.skip_to(
                        self.pos,
                        NONE,
                        Expected {
                            at,
                            message: "unexpected tokens in an interpolation",
                        },
                        &pieces,
                    );
                    hole = self.el(S::SkippedTrivia, &[hole, skipped]);
                }
                self.scratch.push(hole);
                if self.check(K::NewLine) || self.at_end() {
                    errors = true;
                }
            } else {
                let at = self.peek().span.clone();
                let skipped = self.skip_to(
                    self.pos,
                    NONE,
                    Expected {
                        at,
                        message: "unexpected tokens in an interpolation",
                    },
                    &pieces,
                );
                self.scratch.push(skipped);
                if !self.check_any(&pieces[..2]) {
                    errors = true;
                }
            }
            if complete {
                let tokens = self.scratch[mark..].iter().filter_map(|e| match *e {
                    El::Token(t) => Some(&self.tree.tokens[t as usize]),
                    El::Node(_) => None,
                });
                if strings_valid(self.text, tokens) {
                    return self.el_from_scratch(S::String, mark);
                }
                errors = true;
            }
            if errors {
                let end = self.peek().span.start;
                let span = start..end.max(start);
                let skipped =
                    (self.tree).push_node_spanning(S::SkippedTrivia, span, &self.scratch[mark..]);
                self.scratch.truncate(mark);
                return El::Node(skipped);
            }
            first = false;
        }
    }

    // ----- Expressions.

    /// An expression: a ternary or below.
    fn expression(&mut self, flags: u8) -> PResult<El> {
        self.enter()?;
        let result = self.expression_inner(flags);
        self.depth -= 1;
        result
    }

    /// [`Parser::expression`] once the depth is counted.
    fn expression_inner(&mut self, flags: u8) -> PResult<El> {
        let candidate = self.binary(flags, 0)?;
        // Most expressions are no ternary: neither `?` nor a newline (before which a `?`
        // may stand) is next.
        if !matches!(self.peek_kind(), K::Question | K::NewLine) {
            return Ok(candidate);
        }
        let mut newlines_before_question = Vec::new();
        if self.peek_skip_newlines().kind == K::Question {
            newlines_before_question = self.newlines();
        }
        if !self.check(K::Question) {
            return Ok(candidate);
        }
        let question = self.read_el();
        let ends = [
            K::Colon,
            K::StringRightPiece,
            K::RightBrace,
            K::RightParen,
            K::RightSquare,
            K::NewLine,
        ];
        let when_true = self.recover(NONE, &ends, |p| p.expression(flags));
        let newlines_before_colon =
            if !self.is_skipped(when_true) && self.peek_skip_newlines().kind == K::Colon {
                self.newlines()
            } else {
                Vec::new()
            };
        let colon = self.recover(self.suppression(when_true), &OPERAND_END, |p| {
            p.expect(K::Colon, "expected `:`")
        });
        let when_false = self.recover(self.suppression(colon), &OPERAND_END, |p| {
            p.expression(flags)
        });
        let mut children = vec![candidate];
        children.extend(newlines_before_question);
        children.extend([question, when_true]);
        children.extend(newlines_before_colon);
        children.extend([colon, when_false]);
        Ok(self.el(S::TernaryOperation, &children))
    }

    /// Binary operations binding tighter than `precedence`; each operation of a run of them
    /// (`a + b + c`) is a level deeper ([`Parser::chain`]).
    fn binary(&mut self, flags: u8, precedence: u32) -> PResult<El> {
        self.chain(|p| p.binary_chain(flags, precedence))
    }

    /// [`Parser::binary`] with the levels given back by the caller.
    fn binary_chain(&mut self, flags: u8, precedence: u32) -> PResult<El> {
        let mut current = self.unary(flags)?;
        loop {
            let operator_precedence = match self.peek_kind() {
                K::Modulo | K::Asterisk | K::Slash => 100,
                K::Plus | K::Minus => 90,
                K::RightChevron | K::GreaterThanOrEqual | K::LeftChevron | K::LessThanOrEqual => 80,
                K::Equals | K::NotEquals | K::EqualsInsensitive | K::NotEqualsInsensitive => 70,
                K::LogicalAnd => 50,
                K::LogicalOr => 40,
                K::DoubleQuestion => 30,
                _ => 0,
            };
            if operator_precedence <= precedence {
                return Ok(current);
            }
            self.enter()?;
            let operator = self.read_el();
            let right = self.recover(NONE, &OPERAND_END, |p| p.binary(flags, operator_precedence));
            current = self.el(S::BinaryOperation, &[current, operator, right]);
        }
    }

    /// `!x`, `-x`, or a member expression.
    fn unary(&mut self, flags: u8) -> PResult<El> {
        if matches!(self.peek_kind(), K::Exclamation | K::Minus) {
            let operator = self.read_el();
            let operand = self.recover(NONE, &OPERAND_END, |p| p.member(flags));
            return Ok(self.el(S::UnaryOperation, &[operator, operand]));
        }
        self.member(flags)
    }

    /// A primary expression and its accesses: `[i]`, `.p`, `.f()`, `::child`, `!`; each
    /// access a level deeper ([`Parser::chain`]).
    fn member(&mut self, flags: u8) -> PResult<El> {
        self.chain(|p| p.member_chain(flags))
    }

    /// [`Parser::member`] with the levels given back by the caller.
    fn member_chain(&mut self, flags: u8) -> PResult<El> {
        let mut current = self.primary(flags)?;
        loop {
            let next = self.peek_kind();
            if !matches!(
                next,
                K::LeftSquare | K::Dot | K::DoubleColon | K::Exclamation
            ) {
                return Ok(current);
            }
            self.enter()?;
            if next == K::LeftSquare {
                // At most six children: the target, `[`, `?`, `^`, the index and `]`.
                let mut children = [current; 6];
                children[1] = self.read_el();
                let mut count = 2;
                if self.check(K::Question) {
                    children[count] = self.read_el();
                    count += 1;
                }
                if self.check(K::Hat) {
                    children[count] = self.read_el();
                    count += 1;
                }
                children[count] = if self.check(K::RightSquare) {
                    self.skip_empty(Some("an empty indexer is not allowed"))
                } else {
                    self.expression(flags)?
                };
                children[count + 1] = self.expect(K::RightSquare, "expected `]`")?;
                current = self.el(S::ArrayAccess, &children[..count + 2]);
            } else if next == K::Dot {
                let dot = self.read_el();
                let safe = self.check(K::Question).then(|| self.read_el());
                let name = self.identifier_or_skip("expected a function or property name");
                if self.check(K::LeftParen) {
                    let mark = self.call_arguments(flags, [current, dot, name])?;
                    if let Some(safe) = safe {
                        // Skipped after the arguments are read, so that their errors come
                        // first, as the compiler reports them.
                        let skipped = self.skip(
                            &[safe, name],
                            Some("`.?` is not allowed on a function call"),
                        );
                        self.scratch[mark + 2] = self.el(S::Identifier, &[skipped]);
                    }
                    current = self.el_from_scratch(S::InstanceFunctionCall, mark);
                } else {
                    current = match safe {
                        Some(safe) => self.el(S::PropertyAccess, &[current, dot, safe, name]),
                        None => self.el(S::PropertyAccess, &[current, dot, name]),
                    };
                }
            } else if next == K::DoubleColon {
                let colons = self.read_el();
                let name = self.identifier_or_skip("expected a resource name");
                current = self.el(S::ResourceAccess, &[current, colons, name]);
            } else {
                let bang = self.read_el();
                current = self.el(S::NonNullAssertion, &[current, bang]);
            }
        }
    }

    /// A literal, string, object, array, `for`, parenthesized expression, lambda, call or variable.
    fn primary(&mut self, flags: u8) -> PResult<El> {
        match self.peek_kind() {
            K::Integer | K::NullKeyword | K::TrueKeyword | K::FalseKeyword => self.literal(false),
            K::StringComplete | K::StringLeftPiece => Ok(self.interpolable_string()),
            K::LeftBrace if flags & COMPLEX != 0 => self.object(flags),
            K::LeftSquare if flags & COMPLEX != 0 => {
                if self.is_keyword(self.peek_ahead_skip_newlines(1), "for") {
                    self.for_expression(flags, false)
                } else {
                    self.elements(S::Array, Element::ArrayItem)
                }
            }
            K::LeftBrace | K::LeftSquare => {
                self.fail("object and array literals are not allowed here")
            }
            K::LeftParen => self.parenthesized_or_lambda(flags),
            K::Identifier => self.call_or_variable(flags),
            _ => self.fail("expected an expression"),
        }
    }

    /// A literal (`type`: as a type).
    fn literal(&mut self, ty: bool) -> PResult<El> {
        let token = self.peek().clone();
        let element = self.read_el();
        let kind = match (token.kind, ty) {
            (K::TrueKeyword | K::FalseKeyword, false) => S::BooleanLiteral,
            (K::TrueKeyword | K::FalseKeyword, true) => S::BooleanTypeLiteral,
            (K::NullKeyword, false) => S::NullLiteral,
            (K::NullKeyword, true) => S::NullTypeLiteral,
            (_, false) => S::IntegerLiteral,
            (_, true) => S::IntegerTypeLiteral,
        };
        if token.kind == K::Integer && self.text_of(&token).parse::<u64>().is_err() {
            return Err(Box::new(Expected {
                at: token.span,
                message: "integer out of range",
            }));
        }
        Ok(self.el(kind, &[element]))
    }

    /// `f(…)`, `x => …` or `x`.
    fn call_or_variable(&mut self, flags: u8) -> PResult<El> {
        let name = self.identifier("expected a variable or function name")?;
        if self.check(K::LeftParen) {
            let mark = self.call_arguments(flags, [name])?;
            return Ok(self.el_from_scratch(S::FunctionCall, mark));
        }
        if self.check(K::Arrow) {
            let variable = self.el(S::LocalVariable, &[name]);
            return Ok(self.lambda_rest(S::Lambda, vec![variable]));
        }
        Ok(self.el(S::VariableAccess, &[name]))
    }

    /// `=>`, newlines, the body: the rest of a lambda after its parameters.
    fn lambda_rest(&mut self, kind: S, mut children: Vec<El>) -> El {
        children.push(self.read_el());
        let next = self.peek_skip_newlines().clone();
        if !DECLARATION_KEYWORDS.contains(&self.text_of(&next)) {
            self.newlines_into(&mut children);
        }
        children.push(self.recover(NONE, &[K::NewLine, K::RightParen], |p| {
            p.expression(COMPLEX)
        }));
        self.el(kind, &children)
    }

    /// `(`, items and commas (and newlines when `newlines`), `)`.
    fn paren_list(&mut self, item: ParenItem, newlines: bool) -> PResult<(El, Vec<El>, El)> {
        let open = self.expect(K::LeftParen, "expected `(`")?;
        let mut items = Vec::new();
        if newlines {
            self.newlines_into(&mut items);
        }
        let ends = [
            K::StringRightPiece,
            K::RightBrace,
            K::RightParen,
            K::RightSquare,
            K::NewLine,
            K::Comma,
        ];
        while !self.check(K::RightParen) {
            let expression = self.recover(NONE, &ends, |p| match item {
                ParenItem::Expr(flags) => p.expression(flags),
                ParenItem::Type => p.type_expression(),
                ParenItem::TypedLocal => {
                    let name = p.identifier_or_skip("expected a variable identifier");
                    let ty = p.recover(NONE, &[K::NewLine, K::Comma, K::RightParen], |p| {
                        p.type_(false)
                    });
                    Ok(p.el(S::TypedLocalVariable, &[name, ty]))
                }
            });
            items.push(expression);
            if newlines {
                self.newlines_into(&mut items);
            }
            if self.check(K::Comma) {
                items.push(self.read_el());
                if newlines {
                    self.newlines_into(&mut items);
                }
            } else {
                break;
            }
        }
        let flags = items.last().map_or(NONE, |&last| self.suppression(last));
        let close = self.recover(
            flags,
            &[
                K::StringRightPiece,
                K::RightBrace,
                K::RightSquare,
                K::NewLine,
            ],
            |p| p.expect(K::RightParen, "expected `)`"),
        );
        Ok((open, items, close))
    }

    /// The single item of `( … )`, or the items skipped.
    fn paren_inner(&mut self, open: &El, mut items: Vec<El>) -> El {
        match items.len() {
            0 => self.skip_empty_at(
                self.span_of(*open).end,
                Some("expected one item in parentheses"),
            ),
            1 if matches!(items[0], El::Token(_)) => self.skip(&items, None),
            1 => items.pop().unwrap_or_else(|| unreachable!()),
            _ => self.skip(&items, Some("expected one item in parentheses")),
        }
    }

    /// A lambda's `(a, b)`: variable accesses become local variables, anything else skipped.
    fn variable_block(&mut self, open: El, items: Vec<El>, close: El) -> El {
        let mut children = vec![open];
        for item in items {
            children.push(match item {
                El::Node(n) if self.tree.kind_of(n) == S::VariableAccess => {
                    self.tree.nodes[n as usize].kind = S::LocalVariable;
                    El::Node(n)
                }
                El::Token(t)
                    if matches!(self.tree.tokens[t as usize].kind, K::Comma | K::NewLine) =>
                {
                    El::Token(t)
                }
                El::Node(n) if self.tree.kind_of(n) == S::SkippedTrivia => El::Node(n),
                other => self.el(S::SkippedTrivia, &[other]),
            });
        }
        children.push(close);
        self.el(S::VariableBlock, &children)
    }

    /// `(expression)` or `(a, b) => …`.
    fn parenthesized_or_lambda(&mut self, flags: u8) -> PResult<El> {
        let (open, items, close) = self.paren_list(ParenItem::Expr(flags), true)?;
        if self.check(K::Arrow) {
            let block = self.variable_block(open, items, close);
            return Ok(self.lambda_rest(S::Lambda, vec![block]));
        }
        let inner = self.paren_inner(&open, items);
        Ok(self.el(S::ParenthesizedExpression, &[open, inner, close]))
    }

    /// A function's `(a int, b string) type => body`.
    fn typed_lambda(&mut self) -> PResult<El> {
        let (open, mut items, close) = self.paren_list(ParenItem::TypedLocal, true)?;
        items.insert(0, open);
        items.push(close);
        let block = self.el(S::TypedVariableBlock, &items);
        let ends = [K::NewLine, K::RightParen];
        let return_type = self.recover(NONE, &ends, |p| p.type_(false));
        let arrow = self.recover(NONE, &ends, |p| p.expect(K::Arrow, "expected `=>`"));
        let mut children = vec![block, return_type, arrow];
        let next = self.peek_skip_newlines().clone();
        if !self.is_skipped(children[2]) && !DECLARATION_KEYWORDS.contains(&self.text_of(&next)) {
            self.newlines_into(&mut children);
        }
        children.push(self.recover(NONE, &ends, |p| p.expression(COMPLEX)));
        Ok(self.el(S::TypedLambda, &children))
    }

    /// `if (condition) {…}`.
    fn if_condition(&mut self, flags: u8, inside_for: bool) -> PResult<El> {
        let keyword = self.expect_keyword("if", "expected `if`")?;
        let condition_ends: &[K] = if inside_for {
            &[K::RightSquare, K::LeftBrace, K::NewLine]
        } else {
            &[K::LeftBrace, K::NewLine]
        };
        let condition = self.recover(NONE, condition_ends, |p| {
            let (open, items, close) = p.paren_list(ParenItem::Expr(flags & !RESOURCES), true)?;
            let inner = p.paren_inner(&open, items);
            Ok(p.el(S::ParenthesizedExpression, &[open, inner, close]))
        });
        let complete = matches!(condition, El::Node(n)
            if self.tree.kind_of(n) == S::ParenthesizedExpression
                && !self.tree.children_of_node(n).last().is_some_and(|&c| self.is_skipped(c)));
        let flags_body = if self.suppression(condition) == SUPPRESS || !complete {
            SUPPRESS
        } else {
            NONE
        };
        let body_ends: &[K] = if inside_for {
            &[K::RightSquare, K::NewLine]
        } else {
            &[K::NewLine]
        };
        let body = self.recover(flags_body, body_ends, |p| p.object(flags));
        Ok(self.el(S::IfCondition, &[keyword, condition, body]))
    }

    /// `[for x in xs: body]`, `[for (x, i) in xs: body]`.
    fn for_expression(&mut self, flags: u8, resource_context: bool) -> PResult<El> {
        let mut children = vec![self.expect(K::LeftSquare, "expected `[`")?];
        self.newlines_into(&mut children);
        children.push(self.expect_keyword("for", "expected `for`")?);
        let variables = match self.peek_kind() {
            K::Identifier => {
                let name = self.identifier("expected a loop variable")?;
                self.el(S::LocalVariable, &[name])
            }
            K::LeftParen => {
                let (open, items, close) = self.paren_list(ParenItem::Expr(0), false)?;
                let block = self.variable_block(open, items, close);
                let count = match block {
                    El::Node(n) => (self.tree.children_of_node(n).iter())
                        .filter(|&&c| matches!(c, El::Node(c) if self.tree.kind_of(c) == S::LocalVariable))
                        .count(),
                    El::Token(_) => 0,
                };
                if count != 2 && !self.has_syntax_error(block) {
                    self.skip(&[block], Some("expected two loop variables"))
                } else {
                    block
                }
            }
            _ => self.skip_empty(Some("expected a loop variable or `(`")),
        };
        let in_flags = if self.has_syntax_error(variables) {
            SUPPRESS
        } else {
            NONE
        };
        let in_keyword = self.recover(in_flags, &[K::RightSquare, K::NewLine], |p| {
            p.expect_keyword("in", "expected `in`")
        });
        let expression = self.recover(
            self.suppression(in_keyword),
            &[K::Colon, K::RightSquare, K::NewLine],
            |p| p.expression(COMPLEX),
        );
        let colon = self.recover(
            self.suppression(expression),
            &[K::RightSquare, K::NewLine],
            |p| p.expect(K::Colon, "expected `:`"),
        );
        let body = self.recover(
            self.suppression(colon),
            &[K::RightSquare, K::NewLine],
            |p| {
                if !resource_context {
                    return p.expression(flags | COMPLEX);
                }
                let current = p.peek().clone();
                match current.kind {
                    K::LeftBrace => p.object(flags),
                    K::Identifier if p.text_of(&current) == "if" => p.if_condition(flags, true),
                    _ => p.fail("expected `{` or `if`"),
                }
            },
        );
        let body_skipped = self.is_skipped(body);
        let body_flags = self.suppression(body);
        children.extend([variables, in_keyword, expression, colon, body]);
        if !body_skipped {
            self.newlines_into(&mut children);
        }
        children.push(
            self.recover(body_flags, &[K::RightSquare, K::NewLine], |p| {
                p.expect(K::RightSquare, "expected `]`")
            }),
        );
        Ok(self.el(S::For, &children))
    }

    // ----- Types.

    /// A type; `resource 'type'` too (the string optional when `optional_resource_type`).
    fn type_(&mut self, optional_resource_type: bool) -> PResult<El> {
        if self.check_keyword("resource")
            && self.peek_ahead(1).is_none_or(|t| t.kind != K::LeftChevron)
        {
            let keyword = self.read_el();
            let ty = self.recover_optional(NONE, &[K::Assignment, K::NewLine], |p| {
                if optional_resource_type
                    && !matches!(p.peek_kind(), K::StringComplete | K::StringLeftPiece)
                {
                    return Ok(None);
                }
                p.throw_if_skipped("expected a resource type string", |p| {
                    Ok(p.interpolable_string())
                })
                .map(Some)
            });
            let mut children = vec![keyword];
            children.extend(ty);
            return Ok(self.el(S::ResourceType, &children));
        }
        self.type_expression()
    }

    /// Whether a `|` (perhaps after one newline) is next.
    fn union_separator(&self) -> bool {
        self.check(K::Pipe)
            || (self.check(K::NewLine) && self.peek_ahead(1).is_some_and(|t| t.kind == K::Pipe))
    }

    /// A type expression: a union or below.
    fn type_expression(&mut self) -> PResult<El> {
        self.enter()?;
        let result = self.type_expression_inner();
        self.depth -= 1;
        result
    }

    /// [`Parser::type_expression`] once the depth is counted.
    fn type_expression_inner(&mut self) -> PResult<El> {
        let mut members = if self.union_separator() {
            let mut leading = self.newlines();
            leading.push(self.read_el());
            Some(leading)
        } else {
            None
        };
        let candidate = self.unary_type()?;
        if members.is_none() && !self.union_separator() {
            return Ok(candidate);
        }
        let members_ref = members.get_or_insert_with(Vec::new);
        members_ref.push(self.el(S::UnionTypeMember, &[candidate]));
        while self.union_separator() {
            let newlines = self.newlines();
            let members_ref = members.get_or_insert_with(Vec::new);
            members_ref.extend(newlines);
            let pipe = self.read_el();
            members_ref.push(pipe);
            let member = if self.check(K::NewLine) {
                self.skip_empty(Some("expected a type"))
            } else {
                self.recover(NONE, &[], |p| {
                    let ty = p.unary_type()?;
                    Ok(p.el(S::UnionTypeMember, &[ty]))
                })
            };
            members.get_or_insert_with(Vec::new).push(member);
        }
        let members = members.unwrap_or_default();
        Ok(self.el(S::UnionType, &members))
    }

    /// A type with its `?`/`!` suffixes (and `!`/`-` prefix); each suffix a level deeper
    /// ([`Parser::chain`]).
    fn unary_type(&mut self) -> PResult<El> {
        self.chain(Self::unary_type_chain)
    }

    /// [`Parser::unary_type`] with the levels given back by the caller.
    fn unary_type_chain(&mut self) -> PResult<El> {
        let mut candidate = if matches!(self.peek_kind(), K::Exclamation | K::Minus) {
            let operator = self.read_el();
            let operand = self.recover(NONE, &OPERAND_END, Self::member_type);
            self.el(S::UnaryTypeOperation, &[operator, operand])
        } else {
            self.member_type()?
        };
        loop {
            if self.check_any(&[K::Question, K::Exclamation]) {
                self.enter()?;
            }
            if self.check(K::Question) {
                let mark = self.read_el();
                candidate = self.el(S::NullableType, &[candidate, mark]);
            } else if self.check(K::Exclamation) {
                let mark = self.read_el();
                candidate = self.el(S::NonNullableType, &[candidate, mark]);
            } else {
                return Ok(candidate);
            }
        }
    }

    /// A primary type and its accesses: `[]`, `[*]`, `[i]`, `.*`, `.p`, `.f<…>`; each access
    /// a level deeper ([`Parser::chain`]).
    fn member_type(&mut self) -> PResult<El> {
        self.chain(Self::member_type_chain)
    }

    /// [`Parser::member_type`] with the levels given back by the caller.
    fn member_type_chain(&mut self) -> PResult<El> {
        let mut current = self.primary_type()?;
        loop {
            if self.check_any(&[K::LeftSquare, K::Dot]) {
                self.enter()?;
            }
            if self.check(K::LeftSquare) {
                let open = self.read_el();
                if self.check(K::RightSquare) {
                    let close = self.read_el();
                    let member = self.el(S::ArrayTypeMember, &[current]);
                    current = self.el(S::ArrayType, &[member, open, close]);
                } else if self.check(K::Asterisk) {
                    let star = self.read_el();
                    let close = self.expect(K::RightSquare, "expected `]`")?;
                    current = self.el(S::TypeItemsAccess, &[current, open, star, close]);
                } else {
                    let index = self.expression(0)?;
                    let close = self.expect(K::RightSquare, "expected `]`")?;
                    current = self.el(S::TypeArrayAccess, &[current, open, index, close]);
                }
            } else if self.check(K::Dot) {
                let dot = self.read_el();
                if self.check(K::Asterisk) {
                    let star = self.read_el();
                    current = self.el(S::TypeAdditionalPropertiesAccess, &[current, dot, star]);
                    continue;
                }
                let name = self.identifier_or_skip("expected a property name");
                if self.check(K::LeftChevron) {
                    let (open, args, close) = self.type_arguments()?;
                    let mut children = vec![current, dot, name, open];
                    children.extend(args);
                    children.push(close);
                    current = self.el(S::InstanceParameterizedTypeInstantiation, &children);
                } else {
                    current = self.el(S::TypePropertyAccess, &[current, dot, name]);
                }
            } else {
                return Ok(current);
            }
        }
    }

    /// A literal, string, object, tuple, parenthesized or named type.
    fn primary_type(&mut self) -> PResult<El> {
        match self.peek_kind() {
            K::Integer | K::NullKeyword | K::TrueKeyword | K::FalseKeyword => self.literal(true),
            K::StringComplete | K::StringLeftPiece => Ok(match self.interpolable_string() {
                El::Node(n) if self.tree.kind_of(n) == S::String => {
                    self.tree.nodes[n as usize].kind = S::StringTypeLiteral;
                    El::Node(n)
                }
                other => other,
            }),
            K::LeftBrace => self.elements(S::ObjectType, Element::ObjectTypeProperty),
            K::LeftSquare => self.elements(S::TupleType, Element::TupleItem),
            K::LeftParen => {
                let (open, items, close) = self.paren_list(ParenItem::Type, false)?;
                let inner = self.paren_inner(&open, items);
                Ok(self.el(S::ParenthesizedType, &[open, inner, close]))
            }
            K::Identifier => {
                let name = self.identifier("expected a type name")?;
                if self.check(K::LeftChevron) {
                    let (open, args, close) = self.type_arguments()?;
                    let mut children = vec![name, open];
                    children.extend(args);
                    children.push(close);
                    Ok(self.el(S::ParameterizedTypeInstantiation, &children))
                } else {
                    Ok(self.el(S::TypeVariableAccess, &[name]))
                }
            }
            _ => self.fail("expected a type"),
        }
    }

    /// `<`, type arguments and separators, `>` (or an empty skipped node).
    fn type_arguments(&mut self) -> PResult<(El, Vec<El>, El)> {
        let open = self.expect(K::LeftChevron, "expected `<`")?;
        let mark = self.scratch.len();
        self.function_elements(K::RightChevron, |p| {
            let ty = p.recover(
                NONE,
                &[K::NewLine, K::Comma, K::RightChevron],
                Self::type_expression,
            );
            p.el(S::ParameterizedTypeArgument, &[ty])
        });
        let items = self.scratch.drain(mark..).collect();
        let close = if self.check(K::RightChevron) {
            self.read_el()
        } else {
            self.skip_empty(Some("expected `>`"))
        };
        Ok((open, items, close))
    }

    /// A property of an object type (`name: type`, `*: type`), with its decorators.
    fn object_type_property(&mut self) -> El {
        let mut children = self.leading_nodes();
        let current = self.peek_kind();
        let key = self.recover(NONE, &[K::Colon, K::NewLine, K::RightBrace], |p| {
            p.throw_if_skipped("expected a property name", |p| match current {
                K::Identifier => p.identifier("expected a property name"),
                K::StringComplete | K::StringLeftPiece => Ok(p.interpolable_string()),
                K::Asterisk => Ok(p.read_el()),
                _ => p.fail("expected a property name or `*`"),
            })
        });
        let colon = self.recover(self.suppression(key), &[K::NewLine, K::RightBrace], |p| {
            p.expect(K::Colon, "expected `:`")
        });
        let value = self.recover(
            self.suppression(colon),
            &[K::NewLine, K::RightBrace],
            Self::type_expression,
        );
        let kind = if matches!(key, El::Token(t) if self.tree.tokens[t as usize].kind == K::Asterisk)
        {
            S::ObjectTypeAdditionalProperties
        } else {
            S::ObjectTypeProperty
        };
        children.extend([key, colon, value]);
        self.el(kind, &children)
    }
}
