//! Small helpers for template text: what is an expression, and clipping for messages.

/// Whether a JSON string is an ARM template expression (`[...]`, not the `[[` escape).
pub fn is_expression(s: &str) -> bool {
    let t = s.trim_end();
    t.starts_with('[') && !t.starts_with("[[") && t.ends_with(']')
}

/// Shortens long text for messages.
pub fn clip(s: &str) -> String {
    const MAX: usize = 120;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
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
        assert_eq!(clip(&"a".repeat(200)).chars().count(), 121);
    }
}
