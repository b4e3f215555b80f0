//! The hashes and encodings behind `uniqueString`, `guid` and `base64`, written out so that no
//! dependency is needed: Azure's 64-bit MurmurHash variant, SHA-1, name-based UUIDs and
//! base64.

/// Azure's 64-bit MurmurHash variant (two interleaved 32-bit lanes), as used by
/// `uniqueString()`.
pub fn murmur64(data: &[u8], seed: u32) -> u64 {
    const C1: u32 = 0x239b_961b;
    const C2: u32 = 0xab0e_9789;
    let word = |b: &[u8]| -> u32 {
        b.iter()
            .enumerate()
            .fold(0u32, |acc, (i, &x)| acc | (u32::from(x) << (8 * i)))
    };
    let mut h1 = seed;
    let mut h2 = seed;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut k1 = word(&c[..4]);
        let mut k2 = word(&c[4..]);
        k1 = k1.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h1 ^= k1;
        h1 = h1
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x561c_cd1b);
        k2 = k2.wrapping_mul(C2).rotate_left(17).wrapping_mul(C1);
        h2 ^= k2;
        h2 = h2
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x0bca_a747);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let k1 = word(&tail[..tail.len().min(4)]);
        h1 ^= k1.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        if tail.len() > 4 {
            let k2 = word(&tail[4..]);
            h2 ^= k2.wrapping_mul(C2).rotate_left(17).wrapping_mul(C1);
        }
    }
    let len = data.len() as u32;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (u64::from(h2) << 32) | u64::from(h1)
}

fn fmix(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// `uniqueString(args...)`: the arguments joined by `-`, hashed with [`murmur64`], rendered as
/// 13 base32 characters (most significant bits first).
pub fn unique_string(args: &[&str]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut h = murmur64(args.join("-").as_bytes(), 0);
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(ALPHABET[(h >> 59) as usize] as char);
        h <<= 5;
    }
    out
}

/// SHA-1 of `data`.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, c) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// The namespace ARM's `guid()` hashes under.
pub const GUID_NAMESPACE: [u8; 16] = [
    0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30,
];

/// A name-based (version 5, SHA-1) UUID of `name` under `namespace`, lower-case hyphenated.
pub fn uuid_v5(namespace: &[u8; 16], name: &[u8]) -> String {
    let mut input = namespace.to_vec();
    input.extend_from_slice(name);
    let hash = sha1(&input);
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `guid(args...)`: a version 5 UUID of the UTF-8 of the arguments joined by `-`, under
/// [`GUID_NAMESPACE`].
pub fn arm_guid(args: &[&str]) -> String {
    uuid_v5(&GUID_NAMESPACE, args.join("-").as_bytes())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(c.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(c.get(2).copied().unwrap_or(0));
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Decodes standard base64 (padding optional, whitespace ignored); `None` if malformed.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    let mut pad = 0;
    for ch in s.bytes() {
        let v = match ch {
            b'A'..=b'Z' => ch - b'A',
            b'a'..=b'z' => ch - b'a' + 26,
            b'0'..=b'9' => ch - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if pad > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if pad > 2 || bits >= 6 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_string_matches_azure() {
        // Outputs observed from real Azure deployments (documented in the Kingsland ArmLinter
        // sources): uniqueString('aaa') etc.
        assert_eq!(unique_string(&["aaa"]), "zavj67f3en4hc");
        assert_eq!(unique_string(&["bbb"]), "w5eragfxe33cy");
        assert_eq!(unique_string(&["zzz"]), "cryksdzzzawae");
        assert_eq!(unique_string(&["xxx", "yyy", "zzz"]), "lghi7k5js7itq");
        assert_eq!(unique_string(&["a"]).len(), 13);
    }

    #[test]
    fn sha1_known_vectors() {
        let hex = |b: [u8; 20]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(hex(sha1(long)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    }

    #[test]
    fn uuid_v5_known_vector() {
        // RFC 4122 DNS namespace, name "python.org" (Python's documented example).
        let dns = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        assert_eq!(
            uuid_v5(&dns, b"python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
        // Same construction as the widely used `uuidv5("11fb06fb-…", join("-", …))` equivalent.
        assert_eq!(
            arm_guid(&["a", "b", "c"]),
            "a98fa280-e03f-5afa-8d8e-92d0a9c201e8"
        );
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_encode(b"one, two, three"), "b25lLCB0d28sIHRocmVl");
        assert_eq!(base64_encode(b"ab"), "YWI=");
        assert_eq!(
            base64_decode("b25lLCB0d28sIHRocmVl").as_deref(),
            Some(&b"one, two, three"[..])
        );
        assert_eq!(base64_decode("YWI=").as_deref(), Some(&b"ab"[..]));
        assert_eq!(base64_decode("Y"), None);
        assert_eq!(base64_decode("a$"), None);
    }
}
