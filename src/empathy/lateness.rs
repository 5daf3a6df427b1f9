//! How long a customer has waited, in business time, and whether that broke the SLA.
//!
//! Without `[business_hours]` the clock runs around the clock. With it, only the working
//! hours of working days that are not holidays count, in the configured time zone.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::config::{BusinessHoursConfig, DurationSpec, DurationUnit};

#[derive(Clone, Debug)]
pub struct BusinessCalendar {
    tz: TimeZone,
    days: [bool; 7], // indexed by Weekday::to_monday_zero_offset
    start: Time,
    end: Time,
    holidays: Vec<Date>, // sorted
}

#[derive(Clone, Debug)]
pub enum Calendar {
    AroundTheClock,
    Business(BusinessCalendar),
}

impl BusinessCalendar {
    /// Builds the calendar; on error, the key at fault and why.
    pub fn from_config(c: &BusinessHoursConfig) -> Result<BusinessCalendar, (&'static str, String)> {
        let tz = TimeZone::get(&c.timezone)
            .map_err(|_| ("timezone", format!("`{}` is not an IANA time zone (like \"Europe/Berlin\")", c.timezone)))?;
        let mut days = [false; 7];
        for d in &c.days {
            let wd = parse_weekday(d)
                .ok_or(("days", format!("`{d}` is not a day (use mon, tue, wed, thu, fri, sat, sun)")))?;
            days[wd.to_monday_zero_offset() as usize] = true;
        }
        if !days.iter().any(|d| *d) {
            return Err(("days", "at least one working day is needed".into()));
        }
        let start = parse_time(&c.start).ok_or(("start", format!("`{}` is not a time like \"09:00\"", c.start)))?;
        let end = parse_time(&c.end).ok_or(("end", format!("`{}` is not a time like \"17:00\"", c.end)))?;
        if end <= start {
            return Err(("end", format!("`{}` is not after start `{}`", c.end, c.start)));
        }
        let mut holidays = Vec::new();
        for h in &c.holidays {
            let date: Date = h.parse().map_err(|_| ("holidays", format!("`{h}` is not a date like \"2026-12-25\"")))?;
            holidays.push(date);
        }
        holidays.sort();
        holidays.dedup();
        Ok(BusinessCalendar { tz, days, start, end, holidays })
    }

    fn day_secs(&self) -> i64 {
        let secs = |t: Time| i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
        secs(self.end) - secs(self.start)
    }

    fn is_working_day(&self, date: Date) -> bool {
        self.days[date.weekday().to_monday_zero_offset() as usize] && self.holidays.binary_search(&date).is_err()
    }

    /// Working seconds of `date` that fall inside [from, to].
    fn overlap(&self, date: Date, from: Timestamp, to: Timestamp) -> i64 {
        if !self.is_working_day(date) {
            return 0;
        }
        let (Ok(open), Ok(close)) = (
            date.to_datetime(self.start).to_zoned_datetime(self.tz.clone()),
            date.to_datetime(self.end).to_zoned_datetime(self.tz.clone()),
        ) else {
            return 0;
        };
        let a = open.timestamp().max(from);
        let b = close.timestamp().min(to);
        (b.as_second() - a.as_second()).max(0)
    }

    /// Working days in [first, last], both inclusive, by arithmetic (an import of years
    /// of mail must not walk every day).
    fn working_days_between(&self, first: Date, last: Date) -> i64 {
        if last < first {
            return 0;
        }
        let total = (last - first).get_days() as i64 + 1;
        let per_week = self.days.iter().filter(|d| **d).count() as i64;
        let mut count = (total / 7) * per_week;
        let mut d = first.checked_add(((total / 7) * 7).days()).unwrap_or(last);
        while d <= last {
            if self.days[d.weekday().to_monday_zero_offset() as usize] {
                count += 1;
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        let lo = self.holidays.partition_point(|h| *h < first);
        let hi = self.holidays.partition_point(|h| *h <= last);
        count
            - self.holidays[lo..hi].iter().filter(|h| self.days[h.weekday().to_monday_zero_offset() as usize]).count()
                as i64
    }

    pub fn business_secs_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let first = from.to_zoned_datetime(self.tz.clone()).date();
        let last = to.to_zoned_datetime(self.tz.clone()).date();
        if first == last {
            return self.overlap(first, from, to);
        }
        let mut secs = self.overlap(first, from, to) + self.overlap(last, from, to);
        if let (Ok(a), Ok(b)) = (first.tomorrow(), last.yesterday()) {
            secs += self.working_days_between(a, b) * self.day_secs();
        }
        secs
    }

    /// The instant that lies `secs` of business time before `to`.
    pub fn subtract_business(&self, to: Timestamp, secs: i64) -> Timestamp {
        let mut remaining = secs;
        let mut date = to.to_zoned_datetime(self.tz.clone()).date();
        for _ in 0..3660 {
            if self.is_working_day(date)
                && let (Ok(open), Ok(close)) = (
                    date.to_datetime(self.start).to_zoned_datetime(self.tz.clone()),
                    date.to_datetime(self.end).to_zoned_datetime(self.tz.clone()),
                )
            {
                let close = close.timestamp().min(to);
                let open = open.timestamp();
                let available = (close.as_second() - open.as_second()).max(0);
                if available >= remaining {
                    return Timestamp::from_second(close.as_second() - remaining).unwrap_or(to);
                }
                remaining -= available;
            }
            match date.yesterday() {
                Ok(d) => date = d,
                Err(_) => break,
            }
        }
        to
    }
}

impl Calendar {
    pub fn from_config(c: Option<&BusinessHoursConfig>) -> Calendar {
        match c.map(BusinessCalendar::from_config) {
            Some(Ok(cal)) => Calendar::Business(cal),
            // Config validation refuses a bad calendar before it gets here.
            _ => Calendar::AroundTheClock,
        }
    }

    pub fn business_secs_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        match self {
            Calendar::AroundTheClock => (to.as_second() - from.as_second()).max(0),
            Calendar::Business(b) => b.business_secs_between(from, to),
        }
    }

    pub fn subtract_business(&self, to: Timestamp, secs: i64) -> Timestamp {
        match self {
            Calendar::AroundTheClock => Timestamp::from_second(to.as_second() - secs).unwrap_or(to),
            Calendar::Business(b) => b.subtract_business(to, secs),
        }
    }

    /// An SLA in business seconds: "1d" is the working hours of one day.
    pub fn sla_secs(&self, spec: DurationSpec) -> i64 {
        match (self, spec.unit) {
            (Calendar::Business(b), DurationUnit::Days) => spec.amount * b.day_secs(),
            _ => spec.calendar_secs(),
        }
    }

    /// The time zone times are shown in.
    pub fn time_zone(&self) -> TimeZone {
        match self {
            Calendar::AroundTheClock => TimeZone::UTC,
            Calendar::Business(b) => b.tz.clone(),
        }
    }
}

/// The wait a customer sees, judged against the SLA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lateness {
    /// Business seconds from arrival to the moment judged.
    pub waited_secs: i64,
    /// Calendar seconds: what a reply says when it names the wait.
    pub waited_calendar_secs: i64,
    pub sla_secs: i64,
    /// The wait broke the SLA.
    pub late: bool,
    /// The wait is past three times the SLA: the reply names it.
    pub very_late: bool,
}

pub fn judge(calendar: &Calendar, sla: DurationSpec, arrived: Timestamp, at: Timestamp) -> Lateness {
    let waited = calendar.business_secs_between(arrived, at);
    let sla_secs = calendar.sla_secs(sla);
    Lateness {
        waited_secs: waited,
        waited_calendar_secs: (at.as_second() - arrived.as_second()).max(0),
        sla_secs,
        late: waited > sla_secs,
        very_late: waited > 3 * sla_secs,
    }
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s.trim().to_ascii_lowercase().get(..3)? {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

fn parse_time(s: &str) -> Option<Time> {
    let (h, m) = s.trim().split_once(':')?;
    let h: i8 = h.parse().ok()?;
    let m: i8 = m.parse().ok()?;
    if h == 24 && m == 0 {
        return Some(Time::constant(23, 59, 59, 999_999_999));
    }
    Time::new(h, m, 0, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Calendar {
        Calendar::Business(
            BusinessCalendar::from_config(&BusinessHoursConfig {
                timezone: "Europe/Berlin".into(),
                days: vec!["mon".into(), "tue".into(), "wed".into(), "thu".into(), "fri".into()],
                start: "09:00".into(),
                end: "17:00".into(),
                holidays: vec!["2026-12-25".into()],
            })
            .unwrap(),
        )
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn friday_evening_to_monday_morning_is_not_late() {
        let cal = berlin();
        // Fri 2026-11-27 18:00 Berlin (17:00Z) to Mon 2026-11-30 10:00 Berlin (09:00Z).
        let secs = cal.business_secs_between(ts("2026-11-27T17:00:00Z"), ts("2026-11-30T09:00:00Z"));
        assert_eq!(secs, 3600);
        let l = judge(&cal, DurationSpec::parse("4h").unwrap(), ts("2026-11-27T17:00:00Z"), ts("2026-11-30T09:00:00Z"));
        assert!(!l.late);
        assert_eq!(l.waited_calendar_secs, 64 * 3600);
    }

    #[test]
    fn holidays_and_weekends_do_not_count() {
        let cal = berlin();
        // Thu 2026-12-24 16:00 Berlin to Mon 2026-12-28 10:00 Berlin: 1h Thu + 0 Fri (holiday) + 1h Mon.
        let secs = cal.business_secs_between(ts("2026-12-24T15:00:00Z"), ts("2026-12-28T09:00:00Z"));
        assert_eq!(secs, 2 * 3600);
    }

    #[test]
    fn long_spans_count_by_arithmetic_and_agree_with_walking() {
        let cal = berlin();
        let from = ts("2024-01-03T08:00:00Z");
        let to = ts("2026-11-26T12:00:00Z");
        let fast = cal.business_secs_between(from, to);
        // Walk every day to check the arithmetic.
        let Calendar::Business(b) = &cal else { unreachable!() };
        let mut d = from.to_zoned_datetime(b.tz.clone()).date();
        let last = to.to_zoned_datetime(b.tz.clone()).date();
        let mut slow = 0;
        while d <= last {
            slow += b.overlap(d, from, to);
            d = d.tomorrow().unwrap();
        }
        assert_eq!(fast, slow);
    }

    #[test]
    fn one_business_day_is_the_working_hours_of_a_day() {
        assert_eq!(berlin().sla_secs(DurationSpec::parse("1d").unwrap()), 8 * 3600);
        assert_eq!(Calendar::AroundTheClock.sla_secs(DurationSpec::parse("1d").unwrap()), 86_400);
    }

    #[test]
    fn subtracting_business_time_inverts_counting() {
        let cal = berlin();
        let now = ts("2026-11-30T10:30:00Z"); // Monday 11:30 Berlin
        for hours in [1, 3, 6, 20, 45] {
            let then = cal.subtract_business(now, hours * 3600);
            assert_eq!(cal.business_secs_between(then, now), hours * 3600, "{hours}h");
        }
    }

    #[test]
    fn very_late_is_three_times_the_sla() {
        let cal = Calendar::AroundTheClock;
        let sla = DurationSpec::parse("4h").unwrap();
        let now = ts("2026-11-26T12:00:00Z");
        assert!(!judge(&cal, sla, ts("2026-11-26T09:00:00Z"), now).late);
        let l = judge(&cal, sla, ts("2026-11-26T06:00:00Z"), now);
        assert!(l.late && !l.very_late);
        assert!(judge(&cal, sla, ts("2026-11-25T20:00:00Z"), now).very_late);
    }
}
