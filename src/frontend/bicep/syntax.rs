//! The Bicep syntax tree: the compiler's own shapes (Azure/bicep `src/Bicep.Core/Syntax/`), so
//! that a tree can be compared node for node with the compiler's `main.syntax.bicep` baselines.
//!
//! A tree is concrete: every token the parser consumed is a child of some node, in order, so
//! the tree's tokens and the trivia between them (whitespace, comments, pragmas) give the text
//! back byte for byte. Nodes are generic ([`SyntaxNode`]: a [`SyntaxKind`] and its children);
//! what a kind's children are is the compiler's layout, e.g. a `ResourceDeclaration` is
//! decorators and newlines, `resource`, an identifier, a type string, `existing`?, `=`, and a
//! body (an object, an `IfCondition` or a `For`).
//!
//! The tree is flat ([`Tree`], issue #28): the nodes of a file in one vector, each with its
//! children as a range of a second vector of node and token indices, over the lexer's token
//! vector; a [`SyntaxNode`] is a cursor into it. Three allocations per file, whatever its
//! size, where a node per syntax class owning a vector of children made about 180 per KB.

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

/// A child of a node as the tree stores it: a node's index in [`Tree::nodes`] or a token's in
/// [`Tree::tokens`]. Four bytes of kind and eight of payload would do as four; the enum keeps
/// the parser's matches plain, and the tree holds one per child, not one per node and child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum El {
    /// A node, by index.
    Node(u32),
    /// A token, by index.
    Token(u32),
}

/// What the tree stores of a node: its kind, its bytes, and where its children are in
/// [`Tree::elements`] (a node's children are contiguous there: the parser moves them in
/// when the node is complete).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NodeData {
    /// What it is.
    pub(crate) kind: SyntaxKind,
    /// Its bytes: from its first token's start to its last token's end (empty, at the
    /// position, for a node the parser made up for a missing piece).
    pub(crate) span: Range<u32>,
    /// Where its children start in [`Tree::elements`].
    first: u32,
    /// How many children it has.
    count: u32,
}

/// A syntax tree, flat: every node of a file in one vector and every child reference in
/// another, over the file's tokens. A tree of one node per syntax class, each owning a vector
/// of children (most of one element), made some 180 allocations per KB of Bicep, each freed
/// again (#28); this one makes three vectors, whatever the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tree {
    /// The tokens, in order (the lexer's, the last `EndOfFile`).
    pub(crate) tokens: Vec<Token>,
    /// The nodes, each after its children (nodes the parser built and then dropped while
    /// recovering from an error are taken off again, so every node but the root has a parent).
    pub(crate) nodes: Vec<NodeData>,
    /// The children of every node, node by node.
    pub(crate) elements: Vec<El>,
    /// The `Program` node's index.
    pub(crate) root: u32,
}

impl Tree {
    /// The root: the `Program` node.
    pub(crate) fn root(&self) -> SyntaxNode<'_> {
        self.node(self.root)
    }

    /// Node `id`, as a cursor.
    fn node(&self, id: u32) -> SyntaxNode<'_> {
        SyntaxNode {
            tree: self,
            data: &self.nodes[id as usize],
        }
    }

    /// An element's bytes.
    pub(crate) fn span_of(&self, element: El) -> Range<u32> {
        match element {
            El::Node(n) => self.nodes[n as usize].span.clone(),
            El::Token(t) => self.tokens[t as usize].span.clone(),
        }
    }

    /// A node's kind.
    pub(crate) fn kind_of(&self, node: u32) -> SyntaxKind {
        self.nodes[node as usize].kind
    }

    /// A node of `kind` over `children` (copied into [`Tree::elements`]), its span from its
    /// first child's start to its last child's end (`0..0` when it has none): its index.
    /// Inlined (with [`Tree::push_node_spanning`]): a call per node, its registers saved and
    /// restored, was a quarter of what building the tree cost.
    #[inline]
    pub(crate) fn push_node(&mut self, kind: SyntaxKind, children: &[El]) -> u32 {
        let span = match (children.first(), children.last()) {
            (Some(&first), Some(&last)) => self.span_of(first).start..self.span_of(last).end,
            _ => 0..0,
        };
        self.push_node_spanning(kind, span, children)
    }

    /// [`Tree::push_node`] with the span given.
    #[inline]
    pub(crate) fn push_node_spanning(
        &mut self,
        kind: SyntaxKind,
        span: Range<u32>,
        children: &[El],
    ) -> u32 {
        let first = self.elements.len() as u32;
        // Most nodes have one to three children: copied as that many elements, not by a
        // call to `memcpy` per node (a tenth of the parse went there).
        match *children {
            [] => {}
            [a] => self.elements.push(a),
            [a, b] => self.elements.extend_from_slice(&[a, b]),
            [a, b, c] => self.elements.extend_from_slice(&[a, b, c]),
            _ => self.elements.extend_from_slice(children),
        }
        self.nodes.push(NodeData {
            kind,
            span,
            first,
            count: children.len() as u32,
        });
        (self.nodes.len() - 1) as u32
    }

    /// A node of `kind` and `span` whose children are already in [`Tree::elements`], at
    /// `children` (pushed there by the caller, with no vector of their own).
    pub(crate) fn push_node_moved(
        &mut self,
        kind: SyntaxKind,
        span: Range<u32>,
        children: Range<usize>,
    ) -> u32 {
        self.nodes.push(NodeData {
            kind,
            span,
            first: children.start as u32,
            count: children.len() as u32,
        });
        (self.nodes.len() - 1) as u32
    }

    /// The children of node `node`, as stored.
    pub(crate) fn children_of_node(&self, node: u32) -> &[El] {
        self.children_of(&self.nodes[node as usize])
    }

    /// The children of the node stored as `data`, as stored.
    fn children_of(&self, data: &NodeData) -> &[El] {
        let first = data.first as usize;
        self.elements
            .get(first..first + data.count as usize)
            .unwrap_or(&[])
    }
}

/// A node of a tree: a cursor (the tree, and what it stores of the node: two words, passed
/// in registers), copied freely. Its kind and span read as fields (`node.kind`, `node.span`,
/// through `Deref` to its [`NodeData`]); its children through [`SyntaxNode::children`] and
/// the helpers below.
#[derive(Clone, Copy)]
pub(crate) struct SyntaxNode<'t> {
    /// The tree.
    tree: &'t Tree,
    /// What the tree stores of the node (in [`Tree::nodes`]).
    data: &'t NodeData,
}

impl std::ops::Deref for SyntaxNode<'_> {
    type Target = NodeData;

    fn deref(&self) -> &NodeData {
        self.data
    }
}

impl PartialEq for SyntaxNode<'_> {
    /// The same node of the same tree.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.data, other.data)
    }
}

impl Eq for SyntaxNode<'_> {}

impl std::fmt::Debug for SyntaxNode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyntaxNode")
            .field("kind", &self.kind)
            .field("span", &self.span)
            .field("children", &self.children().collect::<Vec<_>>())
            .finish()
    }
}

/// A child of a node: a node or a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SyntaxElement<'t> {
    /// A node.
    Node(SyntaxNode<'t>),
    /// A token.
    Token(&'t Token),
}

/// The children of a node, in order.
#[derive(Clone)]
pub(crate) struct Children<'t> {
    /// The tree.
    tree: &'t Tree,
    /// The children left.
    rest: std::slice::Iter<'t, El>,
}

impl<'t> Children<'t> {
    /// A stored child as an element.
    fn element(&self, child: El) -> SyntaxElement<'t> {
        match child {
            El::Node(id) => SyntaxElement::Node(self.tree.node(id)),
            El::Token(t) => SyntaxElement::Token(&self.tree.tokens[t as usize]),
        }
    }
}

impl<'t> Iterator for Children<'t> {
    type Item = SyntaxElement<'t>;

    fn next(&mut self) -> Option<SyntaxElement<'t>> {
        let child = *self.rest.next()?;
        Some(self.element(child))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rest.size_hint()
    }
}

impl DoubleEndedIterator for Children<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let child = *self.rest.next_back()?;
        Some(self.element(child))
    }
}

impl ExactSizeIterator for Children<'_> {}

impl<'t> SyntaxNode<'t> {
    /// Its children, in source order.
    pub(crate) fn children(self) -> Children<'t> {
        Children {
            tree: self.tree,
            rest: self.tree.children_of(self.data).iter(),
        }
    }

    /// A number naming it among the nodes alive (its data's address), for maps by node.
    pub(crate) fn key(self) -> usize {
        self.data as *const NodeData as usize
    }

    /// What is stored of it, for as long as the tree lives.
    pub(crate) fn data(self) -> &'t NodeData {
        self.data
    }

    /// The child nodes.
    pub(crate) fn nodes(self) -> impl DoubleEndedIterator<Item = SyntaxNode<'t>> + Clone {
        let tree = self.tree;
        tree.children_of(self.data)
            .iter()
            .filter_map(move |c| match *c {
                El::Node(id) => Some(tree.node(id)),
                El::Token(_) => None,
            })
    }

    /// The child tokens (not those of child nodes).
    pub(crate) fn tokens(self) -> impl DoubleEndedIterator<Item = &'t Token> + Clone {
        let tree = self.tree;
        tree.children_of(self.data)
            .iter()
            .filter_map(move |c| match *c {
                El::Token(t) => Some(&tree.tokens[t as usize]),
                El::Node(_) => None,
            })
    }

    /// The first child node of `kind`.
    pub(crate) fn child(self, kind: SyntaxKind) -> Option<SyntaxNode<'t>> {
        self.nodes().find(|n| n.kind == kind)
    }

    /// Whether a child token is of `kind`.
    pub(crate) fn has_token(self, kind: TokenKind) -> bool {
        self.tokens().any(|t| t.kind == kind)
    }
}
