//! Reads the HTTP dates a `Retry-After` header may carry: the IMF-fixdate form
//! (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms RFC 9110 asks recipients
//! to accept, RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
//! (`Sun Nov  6 08:49:37 1994`). Sans-IO, and small: the httpdate crate cost about 3 KB
//! more gzipped wasm for these three shapes.

const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
const LONG_DAYS: [&[u8]; 7] =
    [b"Monday", b"Tuesday", b"Wednesday", b"Thursday", b"Friday", b"Saturday", b"Sunday"];

/// A date as written, before it is checked.
struct Date {
    /// 0 for Monday to 6 for Sunday.
    weekday: usize,
    year: u32,
    /// 1 to 12.
    month: u32,
    day: u32,
    /// Hours, minutes and seconds.
    time: [u32; 3],
}

/// The seconds since the Unix epoch of an HTTP date in any of the three forms, or `None`
/// when `text` is not one, names a day its month does not have, gives the wrong weekday
/// for its date, or lies outside the years 1970 to 9999.
pub fn parse_http_date(text: &str) -> Option<u64> {
    if !text.is_ascii() {
        return None;
    }
    let text = text.trim().as_bytes();
    let date = imf_fixdate(text).or_else(|| rfc850(text)).or_else(|| asctime(text))?;
    date.seconds()
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn imf_fixdate(s: &[u8]) -> Option<Date> {
    if s.len() != 29 || &s[3..5] != b", " || s[7] != b' ' || s[11] != b' ' || &s[25..] != b" GMT" {
        return None;
    }
    Some(Date {
        weekday: position(&DAYS, &s[..3])?,
        day: number(&s[5..7])?,
        month: month(&s[8..11])?,
        year: number(&s[12..16])?,
        time: time(&s[16..25])?,
    })
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`; years 70 to 99 are 19xx, the others 20xx.
fn rfc850(s: &[u8]) -> Option<Date> {
    let comma = s.iter().position(|&b| b == b',')?;
    let weekday = position(&LONG_DAYS, &s[..comma])?;
    let s = s[comma..].strip_prefix(b", ")?;
    if s.len() != 22 || s[2] != b'-' || s[6] != b'-' || &s[18..] != b" GMT" {
        return None;
    }
    let short_year = number(&s[7..9])?;
    let century = if short_year < 70 { 2000 } else { 1900 };
    Some(Date {
        weekday,
        day: number(&s[..2])?,
        month: month(&s[3..6])?,
        year: century + short_year,
        time: time(&s[9..18])?,
    })
}

/// `Sun Nov  6 08:49:37 1994`: the day may be padded with a space instead of a zero.
fn asctime(s: &[u8]) -> Option<Date> {
    if s.len() != 24 || s[3] != b' ' || s[7] != b' ' || s[19] != b' ' {
        return None;
    }
    let day = match s[8] {
        b' ' => number(&s[9..10])?,
        _ => number(&s[8..10])?,
    };
    Some(Date {
        weekday: position(&DAYS, &s[..3])?,
        day,
        month: month(&s[4..7])?,
        year: number(&s[20..24])?,
        time: time(&s[10..19])?,
    })
}

/// ` 08:49:37`, with its leading space.
fn time(s: &[u8]) -> Option<[u32; 3]> {
    if s[0] != b' ' || s[3] != b':' || s[6] != b':' {
        return None;
    }
    Some([number(&s[1..3])?, number(&s[4..6])?, number(&s[7..9])?])
}

fn position(names: &[&[u8]], name: &[u8]) -> Option<usize> {
    names.iter().position(|&known| known == name)
}

fn month(name: &[u8]) -> Option<u32> {
    position(&MONTHS, name).map(|index| index as u32 + 1)
}

/// Digits only: no sign, no space.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0, |value, &byte| {
        byte.is_ascii_digit().then(|| value * 10 + u32::from(byte - b'0'))
    })
}

impl Date {
    fn seconds(&self) -> Option<u64> {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        let month_days = match self.month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let valid = (1970..=9999).contains(&self.year)
            && (1..=12).contains(&self.month)
            && (1..=month_days).contains(&self.day)
            && self.time[0] < 24
            && self.time[1] < 60
            && self.time[2] < 60;
        if !valid {
            return None;
        }
        let days = days_since_epoch(self.year, self.month, self.day);
        // 1970-01-01 was a Thursday, weekday 3.
        if (days + 3) % 7 != self.weekday as u64 {
            return None;
        }
        let [hour, minute, second] = self.time;
        let time = u64::from(hour * 3600 + minute * 60 + second);
        Some(days * 86_400 + time)
    }
}

/// Days from 1970-01-01 to a date in 1970 or later, in the proleptic Gregorian calendar.
fn days_since_epoch(year: u32, month: u32, day: u32) -> u64 {
    // Count from 1 March so that the leap day ends the year.
    let (year, month) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let year = u64::from(year);
    let day_of_year = u64::from((153 * month + 2) / 5 + day - 1);
    let days = year * 365 + year / 4 - year / 100 + year / 400 + day_of_year;
    // The same count for 1970-01-01.
    days - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn the_three_forms_read_alike() {
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "  Sun Nov 06 08:49:37 1994 ",
        ] {
            assert_eq!(parse_http_date(text), Some(784_111_777), "{text}");
        }
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Wednesday, 29-Feb-40 23:59:59 GMT"), Some(2_214_172_799));
    }

    #[test]
    fn odd_dates_are_refused() {
        for text in [
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Thu, 29 Feb 2001 00:00:00 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMTx",
            "Sun, 06 Nov +994 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",
            "Sonntag, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Növ 1994 08:49:37 GMT",
            "",
        ] {
            assert_eq!(parse_http_date(text), None, "{text}");
        }
    }

    /// Every day from 1970 to 2200 in each form reads as the httpdate crate reads it.
    #[test]
    fn agrees_with_the_httpdate_crate() {
        for day in (0..84_000u64).step_by(7) {
            let seconds = day * 86_400 + (day * 7_919) % 86_400;
            let time = UNIX_EPOCH + Duration::from_secs(seconds);
            let imf = httpdate::fmt_http_date(time);
            assert_eq!(parse_http_date(&imf), Some(seconds), "{imf}");
            let (weekday, rest) = imf.split_once(", ").unwrap();
            let fields: Vec<&str> = rest.split(' ').collect();
            let index = DAYS.iter().position(|d| *d == weekday.as_bytes()).unwrap();
            let long = std::str::from_utf8(LONG_DAYS[index]).unwrap();
            let (day_text, month, year, clock) = (fields[0], fields[1], fields[2], fields[3]);
            let rfc850 = format!("{long}, {day_text}-{month}-{} {clock} GMT", &year[2..]);
            let day_number: u32 = day_text.parse().unwrap();
            let asctime = format!("{weekday} {month} {day_number:>2} {clock} {year}");
            for text in [rfc850, asctime] {
                let expected = httpdate::parse_http_date(&text)
                    .ok()
                    .map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs());
                assert_eq!(parse_http_date(&text), expected, "{text}");
            }
        }
    }
}
