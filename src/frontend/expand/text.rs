//! Small helpers for template text: what is an expression.

/// Whether a JSON string is an ARM template expression (`[...]`, not the `[[` escape).
pub fn is_expression(s: &str) -> bool {
    let t = s.trim_end();
    t.starts_with('[') && !t.starts_with("[[") && t.ends_with(']')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_and_escapes() {
        assert!(is_expression("[parameters('x')]"));
        assert!(is_expression("[parameters('x')]  "));
        assert!(!is_expression("[[not an expression]"));
        assert!(!is_expression(" [x] "));
    }
}
