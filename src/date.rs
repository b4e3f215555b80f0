//! Calendar dates (UTC days) for what expires: exemptions' `expires`, images' end of life.
//!
//! A run compares dates with one "today" ([`today`]): the system clock's UTC date, or the
//! `IMAGEGATE_TODAY` environment variable (`YYYY-MM-DD`), so a report can be reproduced and
//! tests do not depend on the day they run.

use serde::Deserialize;

/// A calendar date (proleptic Gregorian), ordered by day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2027.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31 (valid for the month).
    pub day: u8,
}

/// The environment variable that sets "today" for a run (`YYYY-MM-DD`).
pub const TODAY_VARIABLE: &str = "IMAGEGATE_TODAY";

impl Date {
    /// Parses `YYYY-MM-DD` (a TOML local date, or the date part of an RFC 3339 timestamp such
    /// as Azure's `2027-03-31T00:00:00+00:00`); `None` if it is not a valid date.
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let head = text.get(..10)?;
        let rest = &text[10..];
        if !(rest.is_empty() || rest.starts_with(['T', 't', ' '])) {
            return None;
        }
        let b = head.as_bytes();
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let number = |s: &str| -> Option<u32> {
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let year = number(&head[..4])?;
        let month = number(&head[5..7])?;
        let day = number(&head[8..10])?;
        let date = Date {
            year: year as i32,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
        };
        let valid = (1..=12).contains(&date.month)
            && date.day >= 1
            && date.day <= days_in_month(date.year, date.month);
        valid.then_some(date)
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Why "today" cannot be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadToday(pub String);

impl std::fmt::Display for BadToday {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{TODAY_VARIABLE} is set to `{}`, which is not a date (YYYY-MM-DD)",
            self.0
        )
    }
}

impl std::error::Error for BadToday {}

/// Today's date for a run, given the value of `IMAGEGATE_TODAY` (`None`: not set, so the
/// system clock's UTC date); a value that is not a date is an error: a run must not judge
/// expiry against a date nobody meant. The caller reads the variable (the commands, from
/// their environment): the library reads none.
pub fn today_from(value: Option<&std::ffi::OsStr>) -> Result<Date, BadToday> {
    if let Some(value) = value {
        let text = value.to_string_lossy();
        return Date::parse(&text).ok_or_else(|| BadToday(text.into_owned()));
    }
    Ok(clock())
}

/// The system clock's UTC date.
pub fn clock() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date::from_days((seconds / 86_400) as i64)
}

impl<'de> Deserialize<'de> for Date {
    /// A TOML date (`expires = 2027-03-31`) or a string (`"2027-03-31"`).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        use serde::de::Error;
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Toml(toml::value::Datetime),
            Text(String),
        }
        let text = match Written::deserialize(deserializer)? {
            Written::Toml(datetime) => match (datetime.date, datetime.time) {
                (Some(date), None) => date.to_string(),
                _ => return Err(D::Error::custom("expected a date (YYYY-MM-DD), not a time")),
            },
            Written::Text(text) => text,
        };
        Date::parse(&text)
            .ok_or_else(|| D::Error::custom(format!("`{text}` is not a date (YYYY-MM-DD)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_count_days_both_ways() {
        let d = Date::parse("2027-03-31").unwrap();
        assert_eq!(d.to_string(), "2027-03-31");
        assert_eq!(Date::parse("2027-03-31T00:00:00+00:00"), Some(d));
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        for days in [-800_000, -1, 0, 59, 60, 11_016, 20_000, 2_932_896] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::parse("2024-02-29").map(|d| d.day), Some(29));
        for bad in [
            "2023-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-1-01",
            "27-01-01",
            "2027-01-01x",
            "",
            "２０２７-01-01",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::parse("2027-01-02") > Date::parse("2026-12-31"));
    }

    #[test]
    fn toml_dates_and_strings_are_dates() {
        #[derive(Deserialize)]
        struct T {
            a: Date,
            b: Date,
        }
        let t: T = toml::from_str("a = 2027-03-31\nb = \"2026-01-05\"").unwrap();
        assert_eq!(
            (t.a.to_string(), t.b.to_string()),
            ("2027-03-31".into(), "2026-01-05".into())
        );
        assert!(toml::from_str::<T>("a = 2027-03-31T10:00:00Z\nb = \"x\"").is_err());
        assert!(toml::from_str::<T>("a = \"2027-02-30\"\nb = 2026-01-05").is_err());
    }
}
