//! The Bicep syntax tree: the compiler's own shapes (Azure/bicep `src/Bicep.Core/Syntax/`), so
//! that a tree can be compared node for node with the compiler's `main.syntax.bicep` baselines.
//!
//! A tree is concrete: every token the parser consumed is a child of some node, in order, so
//! the tree's tokens and the trivia between them (whitespace, comments, pragmas) give the text
//! back byte for byte. Nodes are generic ([`SyntaxNode`]: a [`SyntaxKind`] and its children);
//! what a kind's children are is the compiler's layout, e.g. a `ResourceDeclaration` is
//! decorators and newlines, `resource`, an identifier, a type string, `existing`?, `=`, and a
//! body (an object, an `IfCondition` or a `For`).

use std::ops::Range;

use super::lexer::{Token, TokenKind};

/// What a syntax node is: the compiler's syntax class names without the `Syntax` suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SyntaxKind {
    AliasAsClause,
    ArrayAccess,
    ArrayItem,
    Array,
    ArrayTypeMember,
    ArrayType,
    AssertDeclaration,
    BinaryOperation,
    BooleanLiteral,
    BooleanTypeLiteral,
    CompileTimeImportDeclaration,
    CompileTimeImportFromClause,
    Decorator,
    ExtendsDeclaration,
    ExtensionConfigAssignment,
    ExtensionDeclaration,
    ExtensionWithClause,
    For,
    FunctionArgument,
    FunctionCall,
    FunctionDeclaration,
    Identifier,
    IfCondition,
    ImportedSymbolsListItem,
    ImportedSymbolsList,
    InstanceFunctionCall,
    InstanceParameterizedTypeInstantiation,
    IntegerLiteral,
    IntegerTypeLiteral,
    Lambda,
    LocalVariable,
    MetadataDeclaration,
    MissingDeclaration,
    ModuleDeclaration,
    NonNullAssertion,
    NonNullableType,
    NoneLiteral,
    NullLiteral,
    NullTypeLiteral,
    NullableType,
    ObjectProperty,
    Object,
    ObjectTypeAdditionalProperties,
    ObjectTypeProperty,
    ObjectType,
    OutputDeclaration,
    ParameterAssignment,
    ParameterDeclaration,
    ParameterDefaultValue,
    ParameterizedTypeArgument,
    ParameterizedTypeInstantiation,
    ParenthesizedExpression,
    ParenthesizedType,
    Program,
    PropertyAccess,
    ResourceAccess,
    ResourceDeclaration,
    ResourceType,
    SkippedTrivia,
    SpreadExpression,
    String,
    StringTypeLiteral,
    TargetScope,
    TernaryOperation,
    TestDeclaration,
    TupleTypeItem,
    TupleType,
    TypeAdditionalPropertiesAccess,
    TypeArrayAccess,
    TypeDeclaration,
    TypeItemsAccess,
    TypePropertyAccess,
    TypeVariableAccess,
    TypedLambda,
    TypedLocalVariable,
    TypedVariableBlock,
    UnaryOperation,
    UnaryTypeOperation,
    UnionTypeMember,
    UnionType,
    UsingDeclaration,
    UsingWithClause,
    VariableAccess,
    VariableBlock,
    VariableDeclaration,
    WildcardImport,
}

/// A node of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxNode {
    /// What it is.
    pub(crate) kind: SyntaxKind,
    /// Its bytes: from its first token's start to its last token's end (empty, at the
    /// position, for a node the parser made up for a missing piece).
    pub(crate) span: Range<u32>,
    /// Its children, in source order.
    pub(crate) children: Vec<SyntaxElement>,
}

/// A child of a node: a node or a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SyntaxElement {
    /// A node.
    Node(SyntaxNode),
    /// A token.
    Token(Token),
}

impl SyntaxNode {
    /// The child nodes.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = &SyntaxNode> {
        self.children.iter().filter_map(|c| match c {
            SyntaxElement::Node(n) => Some(n),
            SyntaxElement::Token(_) => None,
        })
    }

    /// The child tokens (not those of child nodes).
    pub(crate) fn tokens(&self) -> impl Iterator<Item = &Token> {
        self.children.iter().filter_map(|c| match c {
            SyntaxElement::Token(t) => Some(t),
            SyntaxElement::Node(_) => None,
        })
    }

    /// The first child node of `kind`.
    pub(crate) fn child(&self, kind: SyntaxKind) -> Option<&SyntaxNode> {
        self.nodes().find(|n| n.kind == kind)
    }

    /// Whether a child token is of `kind`.
    pub(crate) fn has_token(&self, kind: TokenKind) -> bool {
        self.tokens().any(|t| t.kind == kind)
    }
}
