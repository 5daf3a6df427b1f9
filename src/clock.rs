//! The one source of "now".
//!
//! Every part of attune asks this clock for the time, never the system directly, so that
//! `ATTUNE_NOW` can replay a day and tests can move time by hand.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};

#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
enum Inner {
    /// Wall time, possibly shifted: starts at `start` and runs on at the real pace.
    Running { start: Timestamp, started: Instant },
    /// Stands still until a test moves it.
    Manual(Mutex<Timestamp>),
}

impl Clock {
    /// The system clock, unless `ATTUNE_NOW` (RFC 3339) says where to start.
    pub fn from_env() -> Result<Clock, String> {
        match std::env::var("ATTUNE_NOW") {
            Ok(value) if !value.trim().is_empty() => {
                let start = parse_rfc3339(value.trim())
                    .map_err(|e| format!("ATTUNE_NOW: {e} (expected RFC 3339, like 2026-11-26T09:30:00Z)"))?;
                Ok(Clock::starting_at(start))
            }
            _ => Ok(Clock::system()),
        }
    }

    pub fn system() -> Clock {
        Clock::starting_at(Timestamp::now())
    }

    pub fn starting_at(start: Timestamp) -> Clock {
        Clock { inner: Arc::new(Inner::Running { start, started: Instant::now() }) }
    }

    /// A clock that only moves when told to (tests).
    pub fn manual(at: Timestamp) -> Clock {
        Clock { inner: Arc::new(Inner::Manual(Mutex::new(at))) }
    }

    pub fn now(&self) -> Timestamp {
        match &*self.inner {
            Inner::Running { start, started } => {
                let elapsed = SignedDuration::try_from(started.elapsed()).unwrap_or(SignedDuration::ZERO);
                start.saturating_add(elapsed).unwrap_or(*start)
            }
            Inner::Manual(at) => *at.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    pub fn now_secs(&self) -> i64 {
        self.now().as_second()
    }

    /// Moves a manual clock forward; a running clock ignores this.
    pub fn advance(&self, by: SignedDuration) {
        if let Inner::Manual(at) = &*self.inner {
            let mut at = at.lock().unwrap_or_else(|p| p.into_inner());
            *at = at.saturating_add(by).unwrap_or(*at);
        }
    }

    pub fn set(&self, to: Timestamp) {
        if let Inner::Manual(at) = &*self.inner {
            *at.lock().unwrap_or_else(|p| p.into_inner()) = to;
        }
    }
}

/// Unix seconds as a timestamp (saturating at jiff's range).
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(if secs < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

/// RFC 3339 with an offset or `Z` (jiff's Timestamp parser accepts exactly that).
pub fn parse_rfc3339(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>().map_err(|e| e.to_string())
}

/// Unix seconds to RFC 3339 in UTC, the form every `--json` output uses.
pub fn rfc3339(secs: i64) -> String {
    Timestamp::from_second(secs).map(|t| t.to_string()).unwrap_or_else(|_| secs.to_string())
}

/// The day and month a moment falls on at a UTC offset (the customer's, else UTC).
pub fn day_month(at: Timestamp, utc_offset_secs: Option<i32>) -> Option<(u32, u32)> {
    let offset = jiff::tz::Offset::from_seconds(utc_offset_secs.unwrap_or(0)).ok()?;
    let dt = offset.to_datetime(at);
    Some((u32::try_from(dt.day()).ok()?, u32::try_from(dt.month()).ok()?))
}

/// The last `day`.`month` at or before `at` (noon at the customer's offset), in unix
/// seconds, if it lies within `window_secs` before `at`.
pub fn day_before(at: Timestamp, day: u32, month: u32, utc_offset_secs: Option<i32>, window_secs: i64) -> Option<i64> {
    let offset = jiff::tz::Offset::from_seconds(utc_offset_secs.unwrap_or(0)).ok()?;
    let local = offset.to_datetime(at);
    let (d, m) = (i8::try_from(day).ok()?, i8::try_from(month).ok()?);
    for year in [local.year(), local.year() - 1] {
        let Ok(date) = jiff::civil::Date::new(year, m, d) else {
            continue;
        };
        let Ok(ts) = offset.to_timestamp(date.at(12, 0, 0, 0)) else {
            continue;
        };
        let secs = ts.as_second();
        if secs <= at.as_second() {
            return (at.as_second() - secs <= window_secs).then_some(secs);
        }
    }
    None
}

/// "2026-11-24": a date an agent reads in evidence.
pub fn date_string(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_a_customer_names_is_found_before_now() {
        let now: Timestamp = "2026-12-03T10:00:00Z".parse().unwrap();
        let window = 30 * 86_400;
        assert_eq!(day_before(now, 24, 11, None, window).map(rfc3339).as_deref(), Some("2026-11-24T12:00:00Z"));
        assert_eq!(day_before(now, 24, 12, None, window), None, "a day after now is last year, out of the window");
        assert_eq!(day_before(now, 31, 2, None, window), None);
        let new_year: Timestamp = "2027-01-05T10:00:00Z".parse().unwrap();
        assert_eq!(day_before(new_year, 28, 12, None, window).map(rfc3339).as_deref(), Some("2026-12-28T12:00:00Z"));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let t: Timestamp = "2026-11-26T09:00:00Z".parse().unwrap();
        let clock = Clock::manual(t);
        assert_eq!(clock.now(), t);
        clock.advance(SignedDuration::from_hours(2));
        assert_eq!(clock.now().to_string(), "2026-11-26T11:00:00Z");
    }

    #[test]
    fn running_clock_starts_where_told() {
        let t: Timestamp = "2020-01-01T00:00:00Z".parse().unwrap();
        let clock = Clock::starting_at(t);
        let now = clock.now();
        assert!(now >= t && now.as_second() - t.as_second() < 5);
    }

    #[test]
    fn rfc3339_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert!(parse_rfc3339("yesterday").is_err());
    }
}
