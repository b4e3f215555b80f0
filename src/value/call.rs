//! What makes a call to an ARM function invalid (a call Azure would reject), as data; the
//! wording follows "invalid call to f(): " and is produced here only.

use std::fmt;

use super::value_type::ValueType;

/// What is wrong with a function call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallProblem {
    // ----- arguments -----
    /// The number of arguments is outside `min..=max` (`usize::MAX`: no upper bound).
    Arity {
        /// Fewest arguments.
        min: usize,
        /// Most arguments.
        max: usize,
        /// Arguments given.
        got: usize,
    },
    /// A lambda function (`map`, `reduce`…) given a number of arguments outside `min..=max`.
    LambdaArity {
        /// Fewest arguments.
        min: usize,
        /// Most arguments.
        max: usize,
    },
    /// `parameters`, `variables` or `lambdaVariables` without exactly one argument.
    ExactlyOneArgument,
    /// `if` without three arguments.
    ThreeArguments,
    /// `copyIndex` with more than two arguments.
    AtMostTwoArguments,
    /// `createObject` with an odd number of arguments.
    EvenArguments,
    /// An argument of the wrong type.
    WrongType {
        /// What the function needs.
        wanted: Wanted,
        /// What it got.
        got: ValueType,
    },
    /// A string argument with unknown parts where the whole text is needed.
    PartiallyKnownString,

    // ----- evaluator functions -----
    /// `parameters`, `variables` or `lambdaVariables` with a name that is not a string.
    StringName,
    /// `if` with a condition that is not a boolean.
    ConditionNotBoolean,
    /// `lambda()` used outside a lambda function.
    LambdaOutsideFunction,
    /// `copyIndex(x)` with `x` neither a loop name nor an offset.
    LoopNameOrOffset,
    /// `copyIndex(x, y)` with `x` not a loop name or `y` not an integer.
    LoopNameAndOffset,
    /// `copyIndex` whose offset overflows.
    OffsetOverflows,
    /// A user-defined function with no `output.value`.
    NoOutput,
    /// A lambda function whose lambda argument is not a `lambda(...)`.
    LambdaArgument,
    /// A lambda function whose first argument is not an array.
    FirstArgumentNotArray,
    /// `mapValues` whose first argument is not an object.
    FirstArgumentNotObject,
    /// `filter` or `sort` whose lambda does not return a boolean.
    LambdaNotBoolean,
    /// `toObject` or `groupBy` whose key lambda does not return a string.
    KeyNotString,
    /// A lambda function imagegate does not implement.
    UnsupportedLambdaFunction,

    // ----- encoding -----
    /// Malformed percent-encoding.
    MalformedPercentEncoding,
    /// Not base64.
    NotBase64,
    /// Decoded bytes that are not UTF-8.
    NotUtf8,
    /// Not a JSON document.
    NotJson {
        /// The JSON parser's message.
        error: String,
    },
    /// Not a data URI.
    NotDataUri,
    /// A data URI without `,`.
    DataUriWithoutComma,
    /// A base that is not an absolute URI.
    NotAbsoluteUri {
        /// The base as given.
        uri: String,
    },

    // ----- arrays -----
    /// `range` with a negative count.
    NegativeCount,
    /// `range` with a count over Azure's limit of 10000.
    CountOverLimit {
        /// The count.
        count: i64,
    },
    /// `range` whose end passes 2147483647.
    RangeOverflow,
    /// `min`/`max` with nothing to compare.
    NoValues,
    /// `last`-style indexing from the end outside the array.
    IndexFromEndOutside {
        /// The index from the end.
        index: i64,
        /// The array's length.
        length: usize,
    },

    // ----- format -----
    /// A `}` with no `{`.
    UnmatchedClose,
    /// A `{` with no `}`.
    UnmatchedOpen,
    /// A format item whose index is not a number.
    BadFormatItem {
        /// The item between the braces.
        item: String,
    },
    /// A format item whose alignment is not a number.
    BadAlignment {
        /// The item between the braces.
        item: String,
    },
    /// A format item whose argument is missing.
    MissingFormatArgument {
        /// The item's index.
        index: usize,
        /// Arguments given.
        given: usize,
    },
    /// A format argument too long to render.
    ArgumentTooLong,
    /// A numeric format specifier imagegate does not support.
    UnsupportedSpecifier {
        /// The specifier.
        spec: String,
    },
    /// A precision over 99.
    PrecisionTooLarge {
        /// The specifier.
        spec: String,
    },
    /// A format specifier not supported for a non-integral number.
    UnsupportedNumberSpecifier {
        /// The specifier.
        spec: String,
    },

    // ----- strings -----
    /// `concat` of an object.
    ConcatObject,
    /// A result string too long to build.
    StringTooLong,
    /// `replace` of the empty string.
    EmptyReplace,
    /// `join` of an array holding arrays or objects.
    JoinItems,
    /// `substring` starting outside the string.
    StartOutside {
        /// The start index.
        start: i64,
        /// The string's length (UTF-16 units).
        length: usize,
    },
    /// `substring` running past the end.
    LengthPastEnd {
        /// The length asked for.
        length: i64,
        /// The start index.
        start: usize,
        /// The string's length (UTF-16 units).
        available: usize,
    },
    /// `padLeft` with a padding that is not one character.
    PaddingNotOneCharacter,
    /// `padLeft` with a negative total length.
    NegativeTotalLength,

    // ----- comparisons and conversions -----
    /// A comparison with NaN.
    CompareNaN,
    /// A comparison of values of incomparable types.
    Incomparable {
        /// The left value's type.
        left: ValueType,
        /// The right value's type.
        right: ValueType,
    },
    /// `int()` of a string that is not an integer.
    NotInteger {
        /// The string.
        text: String,
    },
    /// `float()` of a string that is not a number.
    NotNumber {
        /// The string.
        text: String,
    },
    /// `bool()` of a string that is not a boolean.
    NotBoolean {
        /// The string.
        text: String,
    },
    /// Integer arithmetic that overflows or divides by zero.
    Overflow {
        /// The left operand.
        left: i64,
        /// The right operand.
        right: i64,
    },

    // ----- resource IDs -----
    /// Fewer arguments than a type and a name.
    TypeAndName,
    /// No argument is a resource type.
    NoResourceType,
    /// More scope arguments than the function takes.
    ArgumentsBeforeType,
    /// Unknown name segments that cannot match the type.
    SegmentsMismatch,
    /// Known name segments whose number does not match the type.
    SegmentCount {
        /// The resource type.
        resource_type: String,
        /// Segments it needs.
        needed: usize,
        /// Segments given.
        got: usize,
    },
}

/// The type a function argument must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// A boolean.
    Boolean,
    /// An array.
    Array,
    /// An object.
    Object,
    /// An array, as every other argument is.
    AllArrays,
}

impl fmt::Display for CallProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CallProblem as P;
        match self {
            P::Arity { min, max, got } => {
                f.write_str("expects ")?;
                if min == max {
                    write!(f, "{min}")?;
                } else if *max == usize::MAX {
                    write!(f, "at least {min}")?;
                } else {
                    write!(f, "{min} to {max}")?;
                }
                write!(f, " argument(s), got {got}")
            }
            P::LambdaArity { min, max } => write!(f, "expects {min} to {max} arguments"),
            P::ExactlyOneArgument => f.write_str("expects exactly one argument"),
            P::ThreeArguments => f.write_str("expects 3 arguments"),
            P::AtMostTwoArguments => f.write_str("expects at most 2 arguments"),
            P::EvenArguments => {
                f.write_str("expects an even number of arguments (key, value pairs)")
            }
            P::WrongType { wanted, got } => write!(f, "expected {wanted}, got {got}"),
            P::PartiallyKnownString => f.write_str("partially known string"),
            P::StringName => f.write_str("expects a string name"),
            P::ConditionNotBoolean => f.write_str("the condition must be a boolean"),
            P::LambdaOutsideFunction => f.write_str(
                "lambda() can only be an argument of map, filter, reduce, sort, toObject, mapValues or groupBy",
            ),
            P::LoopNameOrOffset => f.write_str("expects a loop name or an offset"),
            P::LoopNameAndOffset => f.write_str("expects a loop name and an integer offset"),
            P::OffsetOverflows => f.write_str("the offset overflows"),
            P::NoOutput => f.write_str("the function has no output value"),
            P::LambdaArgument => f.write_str("expects a lambda(...) argument"),
            P::FirstArgumentNotArray => f.write_str("the first argument must be an array"),
            P::FirstArgumentNotObject => f.write_str("the first argument must be an object"),
            P::LambdaNotBoolean => f.write_str("the lambda must return a boolean"),
            P::KeyNotString => f.write_str("the key lambda must return a string"),
            P::UnsupportedLambdaFunction => f.write_str("unsupported lambda function"),
            P::MalformedPercentEncoding => f.write_str("malformed percent-encoding"),
            P::NotBase64 => f.write_str("the argument is not valid base64"),
            P::NotUtf8 => f.write_str("the decoded bytes are not UTF-8 text"),
            P::NotJson { error } => write!(f, "the argument is not valid JSON: {error}"),
            P::NotDataUri => f.write_str("the argument is not a data URI"),
            P::DataUriWithoutComma => f.write_str("the data URI has no `,`"),
            P::NotAbsoluteUri { uri } => write!(f, "'{uri}' is not an absolute URI"),
            P::NegativeCount => f.write_str("the count must not be negative"),
            P::CountOverLimit { count } => {
                write!(f, "the count {count} exceeds Azure's limit of 10000")
            }
            P::RangeOverflow => f.write_str("startIndex + count exceeds 2147483647"),
            P::NoValues => f.write_str("needs at least one value"),
            P::IndexFromEndOutside { index, length } => write!(
                f,
                "index {index} from the end is outside the array (length {length})"
            ),
            P::UnmatchedClose => f.write_str("format string has an unmatched `}`"),
            P::UnmatchedOpen => f.write_str("format string has an unmatched `{`"),
            P::BadFormatItem { item } => write!(f, "bad format item `{{{item}}}`"),
            P::BadAlignment { item } => write!(f, "bad alignment in `{{{item}}}`"),
            P::MissingFormatArgument { index, given } => write!(
                f,
                "format item {{{index}}} has no argument ({given} given)"
            ),
            P::ArgumentTooLong => f.write_str("argument too long"),
            P::UnsupportedSpecifier { spec } => {
                write!(f, "unsupported format specifier `{spec}`")
            }
            P::PrecisionTooLarge { spec } => write!(f, "precision too large in `{spec}`"),
            P::UnsupportedNumberSpecifier { spec } => {
                write!(f, "unsupported format specifier `{spec}` for a number")
            }
            P::ConcatObject => f.write_str("cannot concatenate an object"),
            P::StringTooLong => f.write_str("string too long"),
            P::EmptyReplace => f.write_str("the string to replace must not be empty"),
            P::JoinItems => f.write_str("the array must hold strings, numbers or booleans"),
            P::StartOutside { start, length } => write!(
                f,
                "the start index {start} is outside the string (length {length})"
            ),
            P::LengthPastEnd {
                length,
                start,
                available,
            } => write!(
                f,
                "the length {length} from index {start} runs past the end of the string (length {available})"
            ),
            P::PaddingNotOneCharacter => f.write_str("the padding must be exactly one character"),
            P::NegativeTotalLength => f.write_str("the total length must not be negative"),
            P::CompareNaN => f.write_str("cannot compare NaN"),
            P::Incomparable { left, right } => write!(f, "cannot compare {left} with {right}"),
            P::NotInteger { text } => write!(f, "'{text}' is not an integer"),
            P::NotNumber { text } => write!(f, "'{text}' is not a number"),
            P::NotBoolean { text } => write!(f, "'{text}' is not a boolean"),
            P::Overflow { left, right } => write!(
                f,
                "overflow or division by zero with {left} and {right}"
            ),
            P::TypeAndName => f.write_str("expects a resource type and at least one name"),
            P::NoResourceType => f.write_str("no argument is a resource type (`Namespace/type`)"),
            P::ArgumentsBeforeType => f.write_str("too many arguments before the resource type"),
            P::SegmentsMismatch => f.write_str("name segments do not match the type"),
            P::SegmentCount {
                resource_type,
                needed,
                got,
            } => write!(
                f,
                "the type '{resource_type}' needs {needed} name segment(s), got {got}"
            ),
        }
    }
}

impl fmt::Display for Wanted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Wanted::String => "a string",
            Wanted::Integer => "an integer",
            Wanted::Boolean => "a boolean",
            Wanted::Array => "an array",
            Wanted::Object => "an object",
            Wanted::AllArrays => "an array (all arguments must be arrays)",
        })
    }
}
