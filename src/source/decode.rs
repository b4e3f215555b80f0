//! Decoding file bytes to text: UTF-8 (with or without a byte-order mark) and UTF-16 with a
//! byte-order mark (what a PowerShell redirect writes). Spans are byte ranges into the
//! decoded text.

use super::Encoding;

/// Why bytes could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    /// The raw bytes, handed back so the caller can still look at them.
    pub(crate) raw: Vec<u8>,
    /// Byte offset of the first bad byte in the raw file.
    pub(crate) offset: usize,
    /// What is wrong.
    pub(crate) message: String,
    /// The UTF-16 byte order the file's mark declares (little-endian: true), if it has one.
    pub(crate) utf16: Option<bool>,
}

impl DecodeError {
    /// The raw bytes decoded lossily (bad bytes or code units replaced, in the encoding the
    /// file declares), and the offset of the first bad one in that text: enough to show where
    /// the file went wrong, and for a frontend to recognise its language in it.
    pub(crate) fn lossy(&self) -> (String, u32) {
        let end = self.offset.min(self.raw.len());
        match self.utf16 {
            Some(little) => {
                let lossy = |bytes: &[u8]| {
                    char::decode_utf16(units(bytes, little))
                        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                        .collect::<String>()
                };
                let body = &self.raw[2..];
                let before = lossy(&body[..end.saturating_sub(2).min(body.len())]);
                (lossy(body), before.len() as u32)
            }
            None => {
                let text = String::from_utf8_lossy(&self.raw).into_owned();
                let before = &self.raw[..end];
                (text, String::from_utf8_lossy(before).len() as u32)
            }
        }
    }
}

/// The UTF-16 code units of `bytes` (a trailing odd byte is left out).
fn units(bytes: &[u8], little: bool) -> impl Iterator<Item = u16> + '_ {
    bytes.chunks_exact(2).map(move |c| {
        if little {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    })
}

/// Encodes `text` as [`decode`] read it: the same encoding and byte-order mark (what a fix
/// writes back keeps the file's encoding).
pub(crate) fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        Encoding::Utf16Le => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        Encoding::Utf16Be => [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect(),
    }
}

/// Decodes file bytes: UTF-8 (with or without BOM) or UTF-16 LE/BE with a BOM.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<(String, Encoding), DecodeError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.to_owned(), Encoding::Utf8Bom)),
            Err(e) => Err(utf8_error(e, 3, bytes.clone())),
        };
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let little = bytes[0] == 0xFF;
        let body = &bytes[2..];
        let mut text = String::with_capacity(body.len() / 2);
        // Code units read so far: a character outside the basic plane is two.
        let mut read = 0;
        let mut unpaired = false;
        for ch in char::decode_utf16(units(body, little)) {
            match ch {
                Ok(c) => {
                    text.push(c);
                    read += c.len_utf16();
                }
                Err(_) => {
                    unpaired = true;
                    break;
                }
            }
        }
        if unpaired {
            return Err(DecodeError {
                raw: bytes,
                offset: 2 + read * 2,
                message: "invalid UTF-16: unpaired surrogate".into(),
                utf16: Some(little),
            });
        }
        if body.len() % 2 == 1 {
            return Err(DecodeError {
                offset: bytes.len() - 1,
                raw: bytes,
                message: "invalid UTF-16: odd number of bytes".into(),
                utf16: Some(little),
            });
        }
        let encoding = if little {
            Encoding::Utf16Le
        } else {
            Encoding::Utf16Be
        };
        return Ok((text, encoding));
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, Encoding::Utf8)),
        Err(e) => {
            let error = e.utf8_error();
            Err(utf8_error(error, 0, e.into_bytes()))
        }
    }
}

fn utf8_error(e: std::str::Utf8Error, base: usize, raw: Vec<u8>) -> DecodeError {
    DecodeError {
        raw,
        offset: base + e.valid_up_to(),
        message: "file is not valid UTF-8 (Azure reads templates as UTF-8; re-save it as UTF-8)"
            .into(),
        utf16: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms_and_utf16() {
        let (t, e) = decode(b"\xEF\xBB\xBF{}".to_vec()).unwrap();
        assert_eq!((t.as_str(), e), ("{}", Encoding::Utf8Bom));
        let le: Vec<u8> = [0xFF, 0xFE, b'{', 0, b'}', 0].to_vec();
        assert_eq!(decode(le).unwrap(), ("{}".into(), Encoding::Utf16Le));
        let be: Vec<u8> = [0xFE, 0xFF, 0, b'{', 0, b'}'].to_vec();
        assert_eq!(decode(be).unwrap(), ("{}".into(), Encoding::Utf16Be));
        let latin1 = b"{\"a\": \"caf\xe9\"}".to_vec();
        assert_eq!(decode(latin1).unwrap_err().offset, 10);
    }

    #[test]
    fn lossy_text_points_at_the_bad_byte() {
        let err = decode(b"{\"\xff\xfe\x80\": 1}".to_vec()).unwrap_err();
        assert_eq!(err.offset, 2);
        let (text, at) = err.lossy();
        assert_eq!(&text[at as usize..at as usize + 3], "\u{FFFD}");
    }
}
