//! Sensitive values never reach the output: not in messages (they are lowered as
//! an unknown value) and not in the source excerpts that show the plan text around a finding
//! — the text kept for the report has every sensitive value masked, byte for byte and column
//! for column, so that every other location stays exact.

use crate::json::{Json, JsonKind};

/// `text` with every value that the plan marks sensitive masked.
pub fn redact(text: String, root: &Json) -> String {
    let mut spans = Vec::new();
    collect(root, &mut spans);
    if spans.is_empty() {
        return text;
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut next = spans.iter().peekable();
    let mut current: Option<(usize, usize)> = None;
    for (i, c) in text.char_indices() {
        while current.is_none_or(|(_, end)| i >= end) {
            match next.peek() {
                Some(&&(start, end)) if start <= i => {
                    current = Some((start, end));
                    next.next();
                }
                _ => {
                    current = None;
                    break;
                }
            }
        }
        let masked = current.is_some_and(|(start, end)| i >= start && i < end);
        if masked && c != '\n' && c != '\r' {
            // Same UTF-8 length and same UTF-16 length: offsets and columns do not move.
            out.push(match c.len_utf8() {
                1 => '*',
                2 => '\u{00B7}',
                3 => '\u{2022}',
                _ => '\u{1D7CE}',
            });
        } else {
            out.push(c);
        }
    }
    out
}

fn collect(root: &Json, spans: &mut Vec<(usize, usize)>) {
    for rc in root
        .get("resource_changes")
        .and_then(Json::as_array)
        .unwrap_or(&[])
    {
        if let Some(change) = rc.get("change") {
            for (value, mask) in [("after", "after_sensitive"), ("before", "before_sensitive")] {
                if let (Some(v), Some(m)) = (change.get(value), change.get(mask)) {
                    mark(v, m, spans, 0);
                }
            }
        }
    }
    for module in [
        root.get("planned_values"),
        root.get("prior_state").and_then(|s| s.get("values")),
        root.get("values"),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(m) = module.get("root_module") {
            super::lower::each_resource(m, &mut |r| {
                if let (Some(v), Some(mask)) = (r.get("values"), r.get("sensitive_values")) {
                    mark(v, mask, spans, 0);
                }
            });
        }
        for output in module.get("outputs").map(Json::members).unwrap_or_default() {
            let output = &output.value;
            if output.get("sensitive").is_some_and(is_true)
                && let Some(v) = output.get("value")
            {
                spans.push((v.start as usize, v.end as usize));
            }
        }
    }
    let declared = root
        .get("configuration")
        .and_then(|c| c.get("root_module"))
        .and_then(|m| m.get("variables"));
    for variable in root.get("variables").map(Json::members).unwrap_or_default() {
        let sensitive = declared
            .and_then(|d| d.get(&variable.key))
            .and_then(|d| d.get("sensitive"))
            .is_some_and(is_true);
        if let (true, Some(v)) = (sensitive, variable.value.get("value")) {
            spans.push((v.start as usize, v.end as usize));
        }
    }
}

fn is_true(json: &Json) -> bool {
    matches!(json.kind, JsonKind::Bool(true))
}

fn mark(value: &Json, mask: &Json, spans: &mut Vec<(usize, usize)>, depth: usize) {
    if depth > crate::json::MAX_DEPTH {
        return;
    }
    if is_true(mask) {
        spans.push((value.start as usize, value.end as usize));
        return;
    }
    match (&value.kind, &mask.kind) {
        (JsonKind::Object(_), JsonKind::Object(_)) => {
            let masks = mask.lookup();
            for m in value.members() {
                if let Some(sub) = masks.get(&m.key) {
                    mark(&m.value, sub, spans, depth + 1);
                }
            }
        }
        (JsonKind::Array(items), JsonKind::Array(masks)) => {
            for (item, sub) in items.iter().zip(masks) {
                mark(item, sub, spans, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_are_masked_in_place() {
        let text = r#"{"resource_changes":[{"change":{"after":{"p":"hunter2","ok":"x","b":[{"k":"é€"}]},"after_sensitive":{"p":true,"b":[{"k":true}]}}}]}"#;
        let root = crate::json::parse(text).expect("json");
        let out = redact(text.to_string(), &root);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(!out.contains("é€"), "{out}");
        assert!(out.contains(r#""ok":"x""#));
        assert_eq!(out.len(), text.len());
        assert_eq!(out.chars().count(), text.chars().count());
        assert_eq!(out.encode_utf16().count(), text.encode_utf16().count());
    }
}
