//! A CSV reader (RFC 4180: `,` separated, `"` quoted, `""` inside quotes, newlines inside
//! quoted fields, CRLF or LF) that keeps where each field is written, so that a value read
//! from a field (or from JSON inside one) is located in the file.

/// One field: its unescaped text and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The text, with the quotes removed and `""` read as `"`.
    pub(crate) text: String,
    /// The byte offset of the field in the file (its opening quote, when quoted).
    pub(crate) start: u32,
    /// One past its last byte (past the closing quote).
    pub(crate) end: u32,
    /// Whether the field is quoted.
    pub(crate) quoted: bool,
    /// The offsets in [`Field::text`] of the quotes written `""`, ascending.
    pub(crate) escapes: Vec<u32>,
}

impl Field {
    /// The byte offset in the file of byte `offset` of [`Field::text`]: past the opening
    /// quote, and one more for each `""` before it (a binary search: no rescan of the field).
    pub(crate) fn file_offset(&self, offset: u32) -> u32 {
        if !self.quoted {
            return self.start + offset;
        }
        let before = self.escapes.partition_point(|&e| e < offset) as u32;
        (self.start + 1 + offset + before).min(self.end)
    }
}

/// One record: its fields and the bytes it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// The fields, in order.
    pub(crate) fields: Vec<Field>,
    /// The offset of its first byte.
    pub(crate) start: u32,
    /// One past its last byte (before the line break).
    pub(crate) end: u32,
}

/// Why a text is not CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvError {
    /// Where.
    pub(crate) offset: u32,
    /// What is wrong.
    pub(crate) message: String,
}

/// Reads every record of `text` (an empty line is no record). Linear in the text; a quote
/// that is never closed is an error at the quote.
pub(crate) fn records(text: &str) -> Result<Vec<Record>, CsvError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        // An empty line (or the break after the last record) holds no record.
        if bytes[i] == b'\n' || bytes[i] == b'\r' {
            i += 1;
            continue;
        }
        let start = i;
        let mut fields = Vec::new();
        loop {
            let (field, next) = field(text, i)?;
            fields.push(field);
            i = next;
            match bytes.get(i) {
                Some(b',') => i += 1,
                _ => break,
            }
        }
        out.push(Record {
            fields,
            start: start as u32,
            end: i as u32,
        });
        match bytes.get(i) {
            None | Some(b'\n') | Some(b'\r') => {}
            Some(_) => {
                return Err(CsvError {
                    offset: i as u32,
                    message: "expected `,` or a line break after a quoted field".into(),
                });
            }
        }
    }
    Ok(out)
}

/// The field at `i` and the offset just past it.
fn field(text: &str, i: usize) -> Result<(Field, usize), CsvError> {
    let bytes = text.as_bytes();
    if bytes.get(i) != Some(&b'"') {
        let end = bytes[i..]
            .iter()
            .position(|&b| matches!(b, b',' | b'\n' | b'\r'))
            .map_or(bytes.len(), |n| i + n);
        let field = Field {
            text: text[i..end].to_string(),
            start: i as u32,
            end: end as u32,
            quoted: false,
            escapes: Vec::new(),
        };
        return Ok((field, end));
    }
    let mut out = String::new();
    let mut escapes = Vec::new();
    let mut j = i + 1;
    loop {
        let Some(n) = bytes[j..].iter().position(|&b| b == b'"') else {
            return Err(CsvError {
                offset: i as u32,
                message: "a quoted field is never closed".into(),
            });
        };
        out.push_str(&text[j..j + n]);
        j += n + 1;
        if bytes.get(j) == Some(&b'"') {
            escapes.push(out.len() as u32);
            out.push('"');
            j += 1;
        } else {
            break;
        }
    }
    let field = Field {
        text: out,
        start: i as u32,
        end: j as u32,
        quoted: true,
        escapes,
    };
    Ok((field, j))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_and_newlines_inside_fields() {
        let text = "id,properties\r\n\"/s/1\",\"{\"\"a\"\": \"\"x,\ny\"\"}\"\r\n\r\nplain,2\n";
        let r = records(text).expect("csv");
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].fields[0].text, "/s/1");
        assert_eq!(r[1].fields[1].text, "{\"a\": \"x,\ny\"}");
        assert_eq!(r[2].fields[0].text, "plain");
        assert_eq!(&text[r[2].start as usize..r[2].end as usize], "plain,2");
        // `x` is at offset 7 of the unescaped text; in the file, after two `""`.
        let f = &r[1].fields[1];
        let at = f.file_offset(7) as usize;
        assert_eq!(&text[at..at + 1], "x");
        assert_eq!(f.file_offset(0), f.start + 1);
    }

    #[test]
    fn an_unclosed_quote_is_an_error_at_the_quote() {
        let e = records("a,b\n1,\"never").unwrap_err();
        assert_eq!(e.offset, 6);
        let e = records("a\n\"x\"y\n").unwrap_err();
        assert_eq!(e.offset, 5);
    }

    #[test]
    fn empty_fields_and_a_trailing_comma() {
        let r = records("a,,b,\n").expect("csv");
        let texts: Vec<&str> = r[0].fields.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, ["a", "", "b", ""]);
    }
}
