//! RFC 3339 UTC timestamps with whole seconds (`2026-01-02T03:04:05Z`), formatted and parsed
//! without a date library and without reading a clock.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::AgentIdentityError;

const SECONDS_PER_DAY: u64 = 86_400;
/// 10000-01-01T00:00:00Z: the first instant RFC 3339's four-digit year cannot express.
const MAX_UNIX_SECONDS: u64 = 253_402_300_800;

/// An RFC 3339 UTC timestamp with whole seconds and a `Z` suffix, as signed in assertions.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use codex_api_core::agent_identity::Rfc3339Timestamp;
///
/// let at = UNIX_EPOCH + Duration::from_secs(1_767_323_045);
/// let timestamp = Rfc3339Timestamp::from_system_time(at)?;
/// assert_eq!(timestamp.as_str(), "2026-01-02T03:04:05Z");
/// assert_eq!(Rfc3339Timestamp::parse("2026-01-02T03:04:05Z")?.to_system_time(), at);
/// # Ok::<(), codex_api_core::agent_identity::AgentIdentityError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rfc3339Timestamp {
    text: String,
    unix_seconds: u64,
}

impl Rfc3339Timestamp {
    /// Formats `time` (sub-second part truncated). Times before 1970 or from year 10000 on are
    /// an error.
    pub fn from_system_time(time: SystemTime) -> Result<Self, AgentIdentityError> {
        let seconds = time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| AgentIdentityError::TimestampOutOfRange)?
            .as_secs();
        Self::from_unix_seconds(seconds)
    }

    /// Formats seconds since the Unix epoch.
    pub fn from_unix_seconds(unix_seconds: u64) -> Result<Self, AgentIdentityError> {
        if unix_seconds >= MAX_UNIX_SECONDS {
            return Err(AgentIdentityError::TimestampOutOfRange);
        }
        let days = unix_seconds / SECONDS_PER_DAY;
        let second_of_day = unix_seconds % SECONDS_PER_DAY;
        let (year, month, day) = civil_from_days(days);
        let text = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        );
        Ok(Rfc3339Timestamp { text, unix_seconds })
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ` (the form this module produces).
    pub fn parse(text: &str) -> Result<Self, AgentIdentityError> {
        let invalid = || AgentIdentityError::InvalidTimestamp;
        let bytes = text.as_bytes();
        if bytes.len() != 20
            || bytes.get(4) != Some(&b'-')
            || bytes.get(7) != Some(&b'-')
            || bytes.get(10) != Some(&b'T')
            || bytes.get(13) != Some(&b':')
            || bytes.get(16) != Some(&b':')
            || bytes.get(19) != Some(&b'Z')
        {
            return Err(invalid());
        }
        let number = |range: std::ops::Range<usize>| -> Result<u64, AgentIdentityError> {
            let digits = bytes.get(range).ok_or_else(invalid)?;
            digits.iter().try_fold(0u64, |acc, digit| {
                if digit.is_ascii_digit() {
                    Ok(acc * 10 + u64::from(digit - b'0'))
                } else {
                    Err(invalid())
                }
            })
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        if year < 1970
            || !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(invalid());
        }
        let days = days_from_civil(year, month, day);
        let unix_seconds = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
        Ok(Rfc3339Timestamp {
            text: text.to_owned(),
            unix_seconds,
        })
    }

    /// The formatted text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> u64 {
        self.unix_seconds
    }

    /// The instant this timestamp names.
    pub fn to_system_time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix_seconds)
    }
}

impl fmt::Display for Rfc3339Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn is_leap_year(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 to (year, month, day), for dates from 1970 on (Hinnant's algorithm
/// with eras starting on March 1st; all arithmetic stays non-negative).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) from 1970 on to days since 1970-01-01.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year % 400;
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates_format_and_parse_back() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_251_199, "2024-02-29T23:59:59Z"),
            (1_767_323_045, "2026-01-02T03:04:05Z"),
            (4_102_444_800, "2100-01-01T00:00:00Z"),
            (MAX_UNIX_SECONDS - 1, "9999-12-31T23:59:59Z"),
        ];
        for (seconds, text) in cases {
            let formatted = Rfc3339Timestamp::from_unix_seconds(seconds).unwrap();
            assert_eq!(formatted.as_str(), text);
            assert_eq!(
                Rfc3339Timestamp::parse(text).unwrap().unix_seconds(),
                seconds
            );
        }
    }

    #[test]
    fn every_day_for_three_centuries_round_trips() {
        for day in 0..(365 * 300) {
            let seconds = day * SECONDS_PER_DAY + 45_296;
            let formatted = Rfc3339Timestamp::from_unix_seconds(seconds).unwrap();
            let parsed = Rfc3339Timestamp::parse(formatted.as_str()).unwrap();
            assert_eq!(parsed.unix_seconds(), seconds, "{formatted}");
        }
    }

    #[test]
    fn out_of_range_and_malformed_are_errors() {
        assert_eq!(
            Rfc3339Timestamp::from_unix_seconds(MAX_UNIX_SECONDS),
            Err(AgentIdentityError::TimestampOutOfRange)
        );
        assert_eq!(
            Rfc3339Timestamp::from_system_time(UNIX_EPOCH - Duration::from_secs(1)),
            Err(AgentIdentityError::TimestampOutOfRange)
        );
        for bad in [
            "",
            "2026-01-02T03:04:05",
            "2026-01-02 03:04:05Z",
            "2026-01-02T03:04:05.000Z",
            "2026-02-30T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-02T24:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-01-0xT03:04:05Z",
            "2026-01-02T03:04:05+00:00",
        ] {
            assert_eq!(
                Rfc3339Timestamp::parse(bad),
                Err(AgentIdentityError::InvalidTimestamp),
                "{bad}"
            );
        }
    }
}
