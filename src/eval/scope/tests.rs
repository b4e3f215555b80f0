//! The in-place reading of a parameter's or variable's stored value ([`Place`]) against what
//! it replaced: copying the whole value at the reference (the reference's hop in front of its
//! origin hops and of every unknown's chain) and taking members and elements of the copy
//! ([`member`], [`index_value`]). Every value, every chain of members and indices, gives the
//! same value, origin, hops and reasons both ways.

use std::sync::Arc;

use proptest::prelude::*;

use super::{Place, Stored, index_value, measured, member, union};
use crate::eval::functions::{self, Ctx};
use crate::eval::ops::prepend_hops;
use crate::eval::ops::{weight_and_depth, weight_and_depth_through};
use crate::eval::{Allowance, DeploymentScope, Limits};
use crate::source::{FileId, Span};
use crate::value::{Cause, Hop, Kind, Origin, Part, Subject, Value, Why};

/// A span of its own for each number.
fn span(n: u32) -> Span {
    Span::new(FileId(3), n as usize, n as usize + 1)
}

/// Hop `n`.
fn hop(n: u32) -> Hop {
    Hop {
        span: span(n),
        via: Subject::Variable(format!("v{n}")),
    }
}

fn hops() -> impl Strategy<Value = Vec<Hop>> {
    proptest::collection::vec((0u32..50).prop_map(hop), 0..3)
}

fn why() -> impl Strategy<Value = Why> {
    (0u32..50, any::<bool>(), hops()).prop_map(|(n, located, chain)| Why {
        cause: Arc::new(Cause::UnsetParameter {
            name: format!("p{n}"),
        }),
        span: located.then(|| span(n)),
        chain,
    })
}

fn origin() -> impl Strategy<Value = Origin> {
    (proptest::option::of(0u32..50), hops()).prop_map(|(literal, hops)| Origin {
        literal: literal.map(span),
        site: literal.map(|n| span(n + 100)),
        hops,
        pieces: None,
    })
}

/// Keys and names that collide ASCII-case-insensitively, so that the last of equal keys is
/// the one taken.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![Just("a"), Just("A"), Just("b"), Just("offer")].prop_map(str::to_owned)
}

fn leaf() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Null),
        any::<bool>().prop_map(Kind::Bool),
        (-2i64..5).prop_map(Kind::Int),
        Just(Kind::Float(0.5)),
        key().prop_map(Kind::Str),
        why().prop_map(|w| Kind::Partial(vec![Part::Text("x".into()), Part::Hole(w)])),
        Just(Kind::Partial(vec![Part::Text("x".into())])),
        why().prop_map(Kind::Unknown),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = (leaf(), origin()).prop_map(|(kind, origin)| Value { kind, origin });
    leaf.prop_recursive(4, 48, 4, |inner| {
        prop_oneof![
            (proptest::collection::vec(inner.clone(), 0..4), origin()).prop_map(
                |(items, origin)| Value {
                    kind: Kind::Array(items),
                    origin,
                }
            ),
            (proptest::collection::vec((key(), inner), 0..4), origin()).prop_map(
                |(members, origin)| Value {
                    kind: Kind::Object(members),
                    origin,
                }
            ),
        ]
    })
}

/// What a step of the chain takes: a member by name, or an element or member by an index
/// already evaluated.
#[derive(Clone, Debug)]
enum Take {
    Member(String),
    Index(Value),
}

/// An index or key, evaluated: integers in range and not, keys, unknowns, partial strings,
/// wrong types.
fn key_value() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        (-1i64..4).prop_map(Kind::Int),
        Just(Kind::Int(i64::MAX)),
        key().prop_map(Kind::Str),
        why().prop_map(Kind::Unknown),
        why().prop_map(|w| Kind::Partial(vec![Part::Hole(w), Part::Text("y".into())])),
        Just(Kind::Partial(vec![Part::Text("y".into())])),
        Just(Kind::Bool(true)),
        Just(Kind::Null),
    ];
    (kind, origin()).prop_map(|(kind, origin)| Value { kind, origin })
}

fn take() -> impl Strategy<Value = Take> {
    let index = prop_oneof![
        (-1i64..4).prop_map(Kind::Int),
        Just(Kind::Int(i64::MAX)),
        key().prop_map(Kind::Str),
        why().prop_map(Kind::Unknown),
        why().prop_map(|w| Kind::Partial(vec![Part::Hole(w), Part::Text("y".into())])),
        Just(Kind::Partial(vec![Part::Text("y".into())])),
        Just(Kind::Bool(true)),
        Just(Kind::Null),
    ];
    prop_oneof![
        prop_oneof![key(), Just("c".to_owned())].prop_map(Take::Member),
        (index, origin()).prop_map(|(kind, origin)| Take::Index(Value { kind, origin })),
    ]
}

/// The value the old code gave: the whole stored value copied at the reference, the
/// reference's hop put in front (unless the value is the root of its unknowns), then each
/// member or element taken of the copy.
fn copied_then_taken(stored: &Value, reference: Option<&Hop>, chain: &[Take]) -> Value {
    let mut v = stored.clone();
    if let Some(hop) = reference {
        prepend_hops(&mut v, std::slice::from_ref(hop));
    }
    for (i, step) in chain.iter().enumerate() {
        let at = span(200 + i as u32);
        v = match step {
            Take::Member(name) => member(v, name, at),
            Take::Index(k) => index_value(v, k.clone(), at),
        };
    }
    v
}

/// The place a reference and `chain` reach, read in place.
fn place(stored: &Value, reference: Option<&Hop>, chain: &[Take]) -> Place {
    let mut place = Place::Stored(Stored {
        value: std::rc::Rc::new(stored.clone()),
        path: Vec::new(),
        hops: reference.into_iter().cloned().collect(),
        hop: reference.cloned(),
    });
    for (i, step) in chain.iter().enumerate() {
        let at = span(200 + i as u32);
        place = match step {
            Take::Member(name) => place.member(name, at),
            Take::Index(k) => place.index(k.clone(), at),
        };
    }
    place
}

/// Runs `f` with what a library function knows of a call to `tryGet`.
fn with_ctx<T>(f: impl FnOnce(&Ctx<'_>) -> T) -> T {
    let limits = Limits::default();
    let allowance = Allowance::new(&limits);
    let deployment = DeploymentScope::default();
    f(&Ctx {
        name: "tryGet",
        span: span(300),
        limits: &limits,
        allowance: &allowance,
        deployment: &deployment,
    })
}

/// Calls the library's `tryGet` with `args`.
fn library_try_get(args: Vec<Value>) -> Value {
    with_ctx(|ctx| functions::call(ctx, "tryget", args)).expect("tryGet is a library function")
}

/// `tryGet` of the place with `keys`, as `Scope::try_get` does it: in place when the place is
/// a part of the stored value, else the library's.
fn try_get_in_place(place: Place, keys: &[Value]) -> Value {
    match place {
        Place::Stored(stored) => {
            with_ctx(|ctx| stored.try_get(ctx, keys)).unwrap_or_else(Value::unknown)
        }
        Place::Owned(v) => {
            let mut args = vec![v];
            args.extend(keys.iter().cloned());
            library_try_get(args)
        }
    }
}

/// The value read in place.
fn read_in_place(stored: &Value, reference: Option<&Hop>, chain: &[Take]) -> Value {
    place(stored, reference, chain).into_value()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// The union of the names an evaluation read is the sorted set of both, whether the
    /// names added are few (put in their places) or many (sorted in).
    #[test]
    fn names_read_are_kept_as_a_sorted_set(
        before in proptest::collection::btree_set("[a-e]{1,2}", 0..12),
        more in proptest::collection::vec("[a-e]{1,2}", 0..14),
    ) {
        let mut into: Vec<std::rc::Rc<str>> = before.iter().map(|n| n.as_str().into()).collect();
        let more: Vec<std::rc::Rc<str>> = more.iter().map(|n| n.as_str().into()).collect();
        union(&mut into, &more);
        let mut expected: Vec<&str> = before.iter().map(String::as_str).collect();
        expected.extend(more.iter().map(|n| &**n));
        expected.sort_unstable();
        expected.dedup();
        let got: Vec<&str> = into.iter().map(|n| &**n).collect();
        prop_assert_eq!(got, expected);
    }

    /// Whatever the stored value and whatever is taken of it, reading in place gives what
    /// copying and taking gave, byte for byte.
    #[test]
    fn reading_in_place_gives_what_copying_then_taking_gave(
        stored in value(),
        rooted in any::<bool>(),
        chain in proptest::collection::vec(take(), 0..5),
    ) {
        let reference = (!rooted).then(|| hop(99));
        let expected = copied_then_taken(&stored, reference.as_ref(), &chain);
        let got = read_in_place(&stored, reference.as_ref(), &chain);
        prop_assert_eq!(got, expected);
    }

    /// A part read in place weighs (for the budgets) what its copy weighs, wherever the
    /// count stops.
    #[test]
    fn a_part_read_in_place_weighs_what_its_copy_weighs(
        stored in value(),
        rooted in any::<bool>(),
        chain in proptest::collection::vec(take(), 0..3),
        limit in prop_oneof![0u64..40, Just(u64::MAX)],
        max_depth in prop_oneof![0usize..4, Just(usize::MAX)],
    ) {
        let reference = (!rooted).then(|| hop(99));
        let copy = read_in_place(&stored, reference.as_ref(), &chain);
        if let Place::Stored(part) = place(&stored, reference.as_ref(), &chain) {
            let hops = part.hop.is_some() as u64;
            prop_assert_eq!(
                weight_and_depth_through(part.part(), hops, limit, max_depth),
                weight_and_depth(&copy, limit, max_depth)
            );
        }
    }

    /// `length` and `empty` of a part read in place give what the library gives of the
    /// copy, where they decide.
    #[test]
    fn length_and_empty_in_place_give_what_they_gave_of_the_copy(
        stored in value(),
        rooted in any::<bool>(),
        chain in proptest::collection::vec(take(), 0..3),
    ) {
        let reference = (!rooted).then(|| hop(99));
        let copy = read_in_place(&stored, reference.as_ref(), &chain);
        if let Place::Stored(part) = place(&stored, reference.as_ref(), &chain) {
            for (name, length) in [("length", true), ("empty", false)] {
                if let Some(kind) = measured(part.part(), length) {
                    let library = with_ctx(|ctx| functions::call(ctx, name, vec![copy.clone()]));
                    prop_assert_eq!(Some(Value::composed(kind)), library);
                }
            }
        }
    }

    /// `tryGet` of a reference (or of a part of one) followed in place gives what the
    /// library's `tryGet` gave of the copy.
    #[test]
    fn try_get_in_place_gives_what_it_gave_of_the_copy(
        stored in value(),
        rooted in any::<bool>(),
        chain in proptest::collection::vec(take(), 0..3),
        keys in proptest::collection::vec(key_value(), 1..4),
    ) {
        let reference = (!rooted).then(|| hop(99));
        let mut args = vec![copied_then_taken(&stored, reference.as_ref(), &chain)];
        args.extend(keys.iter().cloned());
        let expected = library_try_get(args);
        let got = try_get_in_place(place(&stored, reference.as_ref(), &chain), &keys);
        prop_assert_eq!(got, expected);
    }
}

/// Chains that reach into the value (not only past it): the proptest above draws them too,
/// but this one is sure to follow a member, an element, a string index into an object and a
/// case-insensitive last match, and to keep every origin hop on the way.
#[test]
fn a_chain_into_the_value_keeps_every_hop() {
    let leaf = Value {
        kind: Kind::Str("UbuntuServer".into()),
        origin: Origin {
            literal: Some(span(1)),
            site: Some(span(1)),
            hops: vec![hop(2)],
            pieces: None,
        },
    };
    let unknown = Value::unknown(Why::at(
        Cause::UnsetParameter { name: "sku".into() },
        span(3),
    ));
    let inner = Value {
        kind: Kind::Object(vec![
            ("offer".into(), Value::composed(Kind::Null)),
            ("Offer".into(), leaf),
            ("sku".into(), unknown),
        ]),
        origin: Origin {
            hops: vec![hop(4)],
            ..Origin::default()
        },
    };
    let stored = Value {
        kind: Kind::Object(vec![(
            "images".into(),
            Value {
                kind: Kind::Array(vec![Value::composed(Kind::Null), inner]),
                origin: Origin {
                    hops: vec![hop(5)],
                    ..Origin::default()
                },
            },
        )]),
        origin: Origin {
            hops: vec![hop(6)],
            ..Origin::default()
        },
    };
    let reference = hop(99);
    for chain in [
        vec![
            Take::Member("images".into()),
            Take::Index(Value::composed(Kind::Int(1))),
            Take::Member("OFFER".into()),
        ],
        vec![
            Take::Member("images".into()),
            Take::Index(Value::composed(Kind::Int(1))),
            Take::Index(Value::composed(Kind::Str("sku".into()))),
        ],
        vec![Take::Member("images".into())],
        vec![],
    ] {
        let expected = copied_then_taken(&stored, Some(&reference), &chain);
        assert_eq!(read_in_place(&stored, Some(&reference), &chain), expected);
    }
    let offer = read_in_place(
        &stored,
        Some(&reference),
        &[
            Take::Member("images".into()),
            Take::Index(Value::composed(Kind::Int(1))),
            Take::Member("offer".into()),
        ],
    );
    assert_eq!(offer.kind, Kind::Str("UbuntuServer".into()));
    let hops: Vec<u32> = offer.origin.hops.iter().map(|h| h.span.start).collect();
    assert_eq!(hops, [99, 6, 5, 4, 2]);
}
