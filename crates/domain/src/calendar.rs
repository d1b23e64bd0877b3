//! Lịch ngày làm việc — the working-day calendar that due dates are counted
//! on: weekly rest days, the public holidays of Bộ luật Lao động 2019
//! Điều 112 (solar and lunar), compensatory days off and make-up working
//! days.
//!
//! # What is data and what is computed
//!
//! The law fixes which holidays exist; the Prime Minister fixes each year
//! which five days make up Tết Âm lịch and which day joins 2/9 (Điều 112
//! khoản 3), and the Ministry announces days swapped for longer breaks. So a
//! [`HolidayRules`] value holds, per year, whatever has been announced
//! ([`YearArrangement`]), and everything left out is computed:
//!
//! - Tết Âm lịch: the last day of the lunar year and the first four days of
//!   the new one, the arrangement the Government uses most years;
//! - Quốc khánh: 2/9 and the adjacent weekday that joins a weekend (see
//!   [`default_national_day_adjacent`]);
//! - ngày nghỉ bù: a holiday that falls on a weekly rest day gives a day off
//!   on the next working day (Bộ luật Lao động 2019 Điều 111 khoản 3).
//!
//! # Lunar calendar
//!
//! Tết and Giỗ Tổ Hùng Vương (10/3 âm lịch) need the Vietnamese lunar
//! calendar, which is the Chinese rule computed for the meridian of UTC+7
//! rather than UTC+8. The two disagree in some years (Tết 1985 was 21
//! January in Việt Nam and 20 February in China; Tết 2007 was 17 and 18
//! February). We compute it here with the astronomical algorithm published
//! by Hồ Ngọc Đức (new moons after Jean Meeus, solar longitude for the
//! major solar terms), accurate for 1800–2199. We write it ourselves
//! because the crates that offer it (`amlich`, `amlich-core`, `lich_ta`)
//! are young single-maintainer releases, and the algorithm is short enough
//! to own and test against published dates.
//!
//! # Counting deadlines
//!
//! [`WorkingCalendar::due_date`] follows Bộ luật Dân sự 2015: a deadline in
//! days starts on the day after the event (Điều 147 khoản 2) and ends at the
//! end of its last day; when that day is a weekly rest day or a holiday, it
//! ends at the end of the next working day (Điều 148 khoản 5).

use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, UtcOffset, Weekday};

use crate::org::coded_enum;

/// Hours east of UTC of the meridian the Vietnamese lunar calendar uses.
const VIETNAM_UTC_OFFSET: f64 = 7.0;

/// Giờ Việt Nam — the offset local dates are taken in.
const VIETNAM_TIME: UtcOffset = time::macros::offset!(+7);

/// The date in Việt Nam (UTC+7) at the instant `at`: a deadline day or the
/// day a letter went out is a local date, whatever clock the server keeps.
pub fn local_date(at: OffsetDateTime) -> Date {
    at.checked_to_offset(VIETNAM_TIME)
        .map_or(at.date(), |local| local.date())
}

/// Years whose tables a [`WorkingCalendar`] keeps once computed; other
/// years are computed on every call.
const CACHED_YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// Ngày âm lịch — a date in the Vietnamese lunar calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LunarDate {
    /// Day of the month, 1 to 30.
    pub day: u8,
    /// Month, 1 (tháng Giêng) to 12 (tháng Chạp).
    pub month: u8,
    /// The lunar year, numbered as the solar year in which it mostly falls.
    pub year: i32,
    /// Whether the month is a leap month (tháng nhuận).
    pub leap: bool,
}

/// Converts a solar date to the Vietnamese lunar calendar.
///
/// ```
/// use nghitruong_domain::calendar::{solar_to_lunar, LunarDate};
/// use time::macros::date;
/// assert_eq!(
///     solar_to_lunar(date!(2025 - 10 - 06)),
///     LunarDate { day: 15, month: 8, year: 2025, leap: false } // Tết Trung thu
/// );
/// ```
pub fn solar_to_lunar(date: Date) -> LunarDate {
    solar_to_lunar_at(date, VIETNAM_UTC_OFFSET)
}

/// Converts a lunar date to the solar calendar; `None` when the date does
/// not exist (a leap month that year does not have, day 30 of a short
/// month) or is out of range.
pub fn lunar_to_solar(lunar: LunarDate) -> Option<Date> {
    lunar_to_solar_at(lunar, VIETNAM_UTC_OFFSET)
}

/// Mùng 1 Tết — the first day of the lunar year `year`.
pub fn lunar_new_year(year: i32) -> Option<Date> {
    lunar_to_solar(LunarDate {
        day: 1,
        month: 1,
        year,
        leap: false,
    })
}

/// Giỗ Tổ Hùng Vương — 10 tháng 3 âm lịch of `year`.
pub fn hung_kings_day(year: i32) -> Option<Date> {
    lunar_to_solar(LunarDate {
        day: 10,
        month: 3,
        year,
        leap: false,
    })
}

// --- The astronomical algorithm (Hồ Ngọc Đức), with the time zone as a
// parameter so that tests can show where Việt Nam and China differ. Day
// numbers are Julian day numbers; `time` uses the same numbering.

/// The instant of the `k`-th new moon after 1900-01-01, as a Julian day.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let mut c1 = (0.1734 - 0.000393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    jd1 + c1 - delta_t
}

/// The local day on which the `k`-th new moon falls.
fn new_moon_day(k: i64, tz: f64) -> i64 {
    (new_moon(k) + 0.5 + tz / 24.0).floor() as i64
}

/// The sun's longitude in radians at Julian day `jdn` (fractional).
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2451545.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let mut dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin();
    dl += (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin() + 0.000290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - 2.0 * PI * (l / (2.0 * PI)).floor()
}

/// Which of the twelve 30° sectors the sun is in at the start of local
/// day `day` (0 is the sector starting at the vernal equinox).
fn sun_sector(day: i64, tz: f64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - tz / 24.0) / PI * 6.0).floor() as i64
}

/// Average length of a lunation in days.
const SYNODIC_MONTH: f64 = 29.530588853;
/// Julian day of the new moon the lunation count starts from.
const NEW_MOON_EPOCH: f64 = 2415021.076998695;

/// The first day of lunar month 11 (the month holding the winter solstice)
/// of solar year `year`.
fn lunar_month_11(year: i32, tz: f64) -> Option<i64> {
    let dec31 = Date::from_calendar_date(year, Month::December, 31).ok()?;
    let off = i64::from(dec31.to_julian_day()) - 2415021;
    let k = (off as f64 / SYNODIC_MONTH).floor() as i64;
    let nm = new_moon_day(k, tz);
    if sun_sector(nm, tz) >= 9 {
        Some(new_moon_day(k - 1, tz))
    } else {
        Some(nm)
    }
}

/// In a leap year starting at month 11 on day `a11`, how many months after
/// it the leap month comes (the first month with no major solar term).
fn leap_month_offset(a11: i64, tz: f64) -> i64 {
    let k = ((a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i, tz), tz);
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i, tz), tz);
        if arc == last || i >= 14 {
            return i - 1;
        }
    }
}

fn solar_to_lunar_at(date: Date, tz: f64) -> LunarDate {
    let day_number = i64::from(date.to_julian_day());
    let year = date.year();
    let k = ((day_number as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    // The estimate of `k` can be one lunation high when a new moon falls
    // within minutes of local midnight (2054-05-08 00:00 UTC+7), so step
    // back until the month has started.
    let mut k = k + 1;
    let mut month_start = new_moon_day(k, tz);
    while month_start > day_number {
        k -= 1;
        month_start = new_moon_day(k, tz);
    }
    // Dates near the ends of `time`'s range have no month 11 on one side;
    // fall back to the current month start so the arithmetic stays defined.
    let mut a11 = lunar_month_11(year, tz).unwrap_or(month_start);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = year;
        a11 = lunar_month_11(year - 1, tz).unwrap_or(a11 - 354);
    } else {
        lunar_year = year + 1;
        b11 = lunar_month_11(year + 1, tz).unwrap_or(a11 + 354);
    }
    let lunar_day = day_number - month_start + 1;
    let diff = ((month_start - a11) as f64 / 29.0).floor() as i64;
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11, tz);
        if diff >= leap_diff {
            month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        // Both lie in 1..=30 and 1..=12 by construction.
        day: u8::try_from(lunar_day).unwrap_or(0),
        month: u8::try_from(month).unwrap_or(0),
        year: lunar_year,
        leap,
    }
}

fn lunar_to_solar_at(lunar: LunarDate, tz: f64) -> Option<Date> {
    if !(1..=30).contains(&lunar.day) || !(1..=12).contains(&lunar.month) {
        return None;
    }
    let (a11, b11) = if lunar.month < 11 {
        (
            lunar_month_11(lunar.year - 1, tz)?,
            lunar_month_11(lunar.year, tz)?,
        )
    } else {
        (
            lunar_month_11(lunar.year, tz)?,
            lunar_month_11(lunar.year + 1, tz)?,
        )
    };
    let k = (0.5 + (a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut off = i64::from(lunar.month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11, tz);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if lunar.leap && i64::from(lunar.month) != leap_month {
            return None;
        }
        if lunar.leap || off >= leap_off {
            off += 1;
        }
    } else if lunar.leap {
        return None;
    }
    let month_start = new_moon_day(k + off, tz);
    let next_month_start = new_moon_day(k + off + 1, tz);
    let day = month_start + i64::from(lunar.day) - 1;
    if day >= next_month_start {
        return None;
    }
    Date::from_julian_day(i32::try_from(day).ok()?).ok()
}

coded_enum! {
    /// Ngày nghỉ lễ, tết — a public holiday of Bộ luật Lao động 2019 Điều 112
    /// khoản 1.
    Holiday, "holiday" {
        /// Tết Dương lịch, 1/1 (điểm a).
        NewYear = "tet_duong_lich", "Tết Dương lịch";
        /// Tết Âm lịch, five days (điểm b).
        LunarNewYear = "tet_am_lich", "Tết Âm lịch";
        /// Ngày Chiến thắng, 30/4 (điểm c).
        VictoryDay = "chien_thang", "Ngày Chiến thắng";
        /// Ngày Quốc tế lao động, 1/5 (điểm d).
        LabourDay = "quoc_te_lao_dong", "Ngày Quốc tế lao động";
        /// Quốc khánh, 2/9 and one adjacent day (điểm đ).
        NationalDay = "quoc_khanh", "Quốc khánh";
        /// Giỗ Tổ Hùng Vương, 10/3 âm lịch (điểm e).
        HungKings = "gio_to_hung_vuong", "Giỗ Tổ Hùng Vương";
    }
}

/// What kind of day a date is on the working-day calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DayKind {
    /// Ngày làm việc — an ordinary working day.
    Working,
    /// Ngày làm bù — a weekly rest day worked to make up for a swapped day.
    MakeUpWorking,
    /// Ngày nghỉ hằng tuần — a weekly rest day.
    WeeklyRest,
    /// Ngày nghỉ lễ, tết.
    Holiday(Holiday),
    /// Ngày nghỉ bù — a day off given for a holiday on a weekly rest day,
    /// or swapped for a make-up working day.
    Compensatory,
}

impl DayKind {
    /// Whether work (and the counting of working-day deadlines) happens.
    pub fn is_working(self) -> bool {
        matches!(self, Self::Working | Self::MakeUpWorking)
    }
}

/// What was announced for one year (thông báo nghỉ lễ, tết); anything left
/// out is computed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct YearArrangement {
    /// The solar year.
    pub year: i32,
    /// The five days of Tết Âm lịch; none means the last day of the lunar
    /// year and mùng 1 to mùng 4.
    pub tet_days: Option<Vec<Date>>,
    /// The day joined to 2/9 (1/9 or 3/9); none means
    /// [`default_national_day_adjacent`].
    pub national_day_adjacent: Option<Date>,
    /// Ngày nghỉ bù and swapped days off; none means computed from holidays
    /// that fall on weekly rest days. When given, it replaces the computed
    /// days entirely, as the announcement does.
    pub compensatory_days: Option<Vec<Date>>,
    /// Ngày làm bù — weekly rest days that are worked.
    pub make_up_working_days: Vec<Date>,
    /// Where the arrangement comes from, e.g. the announcement's number.
    pub source: String,
}

/// Quy định ngày nghỉ — the rules a [`WorkingCalendar`] is built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HolidayRules {
    /// Ngày nghỉ hằng tuần; Saturday and Sunday for state bodies.
    pub weekly_rest: Vec<Weekday>,
    /// Whether a holiday on a weekly rest day gives a day off on the next
    /// working day when a year's arrangement does not list the days
    /// (Bộ luật Lao động 2019 Điều 111 khoản 3).
    pub compensate_weekly_rest: bool,
    /// Announced arrangements, at most one per year.
    pub years: Vec<YearArrangement>,
}

impl Default for HolidayRules {
    fn default() -> Self {
        Self {
            weekly_rest: vec![Weekday::Saturday, Weekday::Sunday],
            compensate_weekly_rest: true,
            years: Vec::new(),
        }
    }
}

/// Why holiday rules were refused; the message is shown to office staff.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// No weekday is left to work on, or a rest day repeats.
    #[error("Ngày nghỉ hằng tuần không hợp lệ: không được trùng nhau và phải còn ngày làm việc.")]
    WeeklyRest,
    /// Two arrangements for the same year.
    #[error("Năm {0} được khai báo hai lần.")]
    DuplicateYear(i32),
    /// A year out of the supported range.
    #[error("Năm {0} nằm ngoài khoảng lịch hỗ trợ (1900–2199).")]
    YearOutOfRange(i32),
    /// Tết is not five days around the lunar new year.
    #[error(
        "Tết Âm lịch năm {0} phải gồm đúng 5 ngày khác nhau, trong vòng 10 ngày quanh mùng 1 Tết."
    )]
    TetDays(i32),
    /// The day joined to 2/9 is not 1/9 or 3/9.
    #[error("Ngày nghỉ liền kề Quốc khánh năm {0} phải là 1/9 hoặc 3/9.")]
    NationalDay(i32),
    /// A date listed under a year lies in another year.
    #[error("Ngày {date} không thuộc năm {year}.")]
    WrongYear {
        /// The year of the arrangement.
        year: i32,
        /// The date that does not belong.
        date: Date,
    },
    /// A make-up working day that is not a weekly rest day, or is a holiday.
    #[error("Ngày làm bù {0} phải là ngày nghỉ hằng tuần và không trùng ngày lễ, tết.")]
    MakeUpDay(Date),
}

/// The 2/9 companion day the Government picks when none is announced: the
/// adjacent weekday, and of two weekdays the one next to a weekly rest day,
/// so that the break joins the weekend (as in 2021–2025); 1/9 otherwise.
pub fn default_national_day_adjacent(year: i32, weekly_rest: &[Weekday]) -> Option<Date> {
    let before = Date::from_calendar_date(year, Month::September, 1).ok()?;
    let after = Date::from_calendar_date(year, Month::September, 3).ok()?;
    let rest = |d: Date| weekly_rest.contains(&d.weekday());
    let touches_rest =
        |d: Date, step: i64| d.checked_add(time::Duration::days(step)).is_some_and(&rest);
    Some(match (rest(before), rest(after)) {
        (false, true) => before,
        (true, false) => after,
        _ if touches_rest(after, 1) && !touches_rest(before, -1) => after,
        _ => before,
    })
}

/// The non-ordinary days of one solar year: holidays, compensatory days,
/// make-up working days.
#[derive(Clone, Debug, Default)]
struct YearTable {
    days: BTreeMap<Date, DayKind>,
}

/// Lịch ngày làm việc — answers which days are worked and counts deadlines.
///
/// Tables per year are computed the first time a year is asked about and
/// kept, so the calendar is cheap to share and query many times.
#[derive(Debug)]
pub struct WorkingCalendar {
    rules: HolidayRules,
    cache: Vec<OnceLock<YearTable>>,
}

impl Clone for WorkingCalendar {
    fn clone(&self) -> Self {
        Self {
            rules: self.rules.clone(),
            cache: self.cache.clone(),
        }
    }
}

impl Default for WorkingCalendar {
    fn default() -> Self {
        Self::from_valid(HolidayRules::default())
    }
}

impl WorkingCalendar {
    /// Builds a calendar after checking the rules.
    pub fn new(rules: HolidayRules) -> Result<Self, CalendarError> {
        rules.validate()?;
        Ok(Self::from_valid(rules))
    }

    fn from_valid(rules: HolidayRules) -> Self {
        let years = CACHED_YEARS.count();
        Self {
            rules,
            cache: (0..years).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The rules the calendar was built from.
    pub fn rules(&self) -> &HolidayRules {
        &self.rules
    }

    /// What kind of day `date` is.
    pub fn day_kind(&self, date: Date) -> DayKind {
        let special = self.with_year(date.year(), |t| t.days.get(&date).copied());
        match special {
            Some(kind) => kind,
            None if self.rules.weekly_rest.contains(&date.weekday()) => DayKind::WeeklyRest,
            None => DayKind::Working,
        }
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.day_kind(date).is_working()
    }

    /// The public holidays of solar year `year`, in date order.
    pub fn holidays(&self, year: i32) -> Vec<(Date, Holiday)> {
        self.with_year(year, |t| {
            t.days
                .iter()
                .filter_map(|(d, k)| match k {
                    DayKind::Holiday(h) => Some((*d, *h)),
                    _ => None,
                })
                .collect()
        })
    }

    /// The date `n` calendar days after `date` (saturating at the end of
    /// the representable range).
    pub fn add_calendar_days(&self, date: Date, n: u32) -> Date {
        date.checked_add(time::Duration::days(i64::from(n)))
            .unwrap_or(Date::MAX)
    }

    /// The `n`-th working day after `date`; `date` itself when `n` is 0.
    pub fn add_working_days(&self, date: Date, n: u32) -> Date {
        let mut day = date;
        let mut counted = 0;
        while counted < n {
            let Some(next) = day.next_day() else {
                return day;
            };
            day = next;
            if self.is_working_day(day) {
                counted += 1;
            }
        }
        day
    }

    /// The first working day on or after `date`.
    pub fn next_working_day_from(&self, date: Date) -> Date {
        let mut day = date;
        while !self.is_working_day(day) {
            match day.next_day() {
                Some(next) => day = next,
                None => return day,
            }
        }
        day
    }

    /// Hạn xử lý — the last day of a deadline of `days` days counted from
    /// `start` (the day of receipt).
    ///
    /// Counting begins the day after `start` (Bộ luật Dân sự 2015 Điều 147
    /// khoản 2). Working-day deadlines count only working days, so they end
    /// on one. A calendar-day deadline that ends on a weekly rest day or a
    /// holiday moves to the next working day (Điều 148 khoản 5). A deadline
    /// of 0 days ends on the first working day from `start`.
    ///
    /// ```
    /// use nghitruong_domain::calendar::WorkingCalendar;
    /// use time::macros::date;
    /// let cal = WorkingCalendar::default();
    /// // Received Friday 25 April 2025: 5 calendar days end on Wednesday
    /// // 30 April, a holiday, and 1 May is one too; so Friday 2 May.
    /// assert_eq!(cal.due_date(date!(2025 - 04 - 25), 5, false), date!(2025 - 05 - 02));
    /// ```
    pub fn due_date(&self, start: Date, days: u32, working: bool) -> Date {
        if working {
            if days == 0 {
                return self.next_working_day_from(start);
            }
            self.add_working_days(start, days)
        } else {
            self.next_working_day_from(self.add_calendar_days(start, days))
        }
    }

    /// Working days after `from` up to and including `to`; negative when
    /// `to` comes first. `working_days_between(d, add_working_days(d, n))`
    /// is `n`.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        let (lo, hi, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0;
        let mut day = lo;
        while day < hi {
            let Some(next) = day.next_day() else { break };
            day = next;
            if self.is_working_day(day) {
                count += 1;
            }
        }
        sign * count
    }

    fn with_year<T>(&self, year: i32, f: impl FnOnce(&YearTable) -> T) -> T {
        let slot = usize::try_from(year - CACHED_YEARS.start())
            .ok()
            .and_then(|i| self.cache.get(i));
        match slot {
            Some(cell) => f(cell.get_or_init(|| self.rules.year_table(year))),
            None => f(&self.rules.year_table(year)),
        }
    }
}

impl HolidayRules {
    /// Checks the rules before they are stored or used.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let mut rest = self.weekly_rest.clone();
        rest.sort_by_key(|d| d.number_from_monday());
        rest.dedup();
        if rest.len() != self.weekly_rest.len() || rest.len() >= 7 {
            return Err(CalendarError::WeeklyRest);
        }
        let mut seen = Vec::new();
        for y in &self.years {
            if !CACHED_YEARS.contains(&y.year) {
                return Err(CalendarError::YearOutOfRange(y.year));
            }
            if seen.contains(&y.year) {
                return Err(CalendarError::DuplicateYear(y.year));
            }
            seen.push(y.year);
            self.validate_year(y)?;
        }
        Ok(())
    }

    fn validate_year(&self, y: &YearArrangement) -> Result<(), CalendarError> {
        let in_year = |d: &Date| {
            if d.year() == y.year {
                Ok(())
            } else {
                Err(CalendarError::WrongYear {
                    year: y.year,
                    date: *d,
                })
            }
        };
        if let Some(tet) = &y.tet_days {
            tet.iter().try_for_each(in_year)?;
            let first = lunar_new_year(y.year).ok_or(CalendarError::YearOutOfRange(y.year))?;
            let mut days = tet.clone();
            days.sort();
            days.dedup();
            let near = days.iter().all(|d| (*d - first).whole_days().abs() <= 10);
            if days.len() != 5 || !near {
                return Err(CalendarError::TetDays(y.year));
            }
        }
        if let Some(d) = y.national_day_adjacent {
            let ok =
                d.year() == y.year && d.month() == Month::September && matches!(d.day(), 1 | 3);
            if !ok {
                return Err(CalendarError::NationalDay(y.year));
            }
        }
        y.compensatory_days.iter().flatten().try_for_each(in_year)?;
        y.make_up_working_days.iter().try_for_each(in_year)?;
        let holidays = self.holidays_of(y.year);
        for d in &y.make_up_working_days {
            if !self.weekly_rest.contains(&d.weekday()) || holidays.contains_key(d) {
                return Err(CalendarError::MakeUpDay(*d));
            }
        }
        Ok(())
    }

    fn arrangement(&self, year: i32) -> Option<&YearArrangement> {
        self.years.iter().find(|y| y.year == year)
    }

    /// The holidays of one solar year, announced or computed.
    fn holidays_of(&self, year: i32) -> BTreeMap<Date, Holiday> {
        let arrangement = self.arrangement(year);
        let mut out = BTreeMap::new();
        let mut put = |m: Month, d: u8, h: Holiday| {
            if let Ok(date) = Date::from_calendar_date(year, m, d) {
                out.insert(date, h);
            }
        };
        put(Month::January, 1, Holiday::NewYear);
        put(Month::April, 30, Holiday::VictoryDay);
        put(Month::May, 1, Holiday::LabourDay);
        put(Month::September, 2, Holiday::NationalDay);

        let adjacent = arrangement
            .and_then(|a| a.national_day_adjacent)
            .or_else(|| default_national_day_adjacent(year, &self.weekly_rest));
        if let Some(d) = adjacent {
            out.insert(d, Holiday::NationalDay);
        }
        if let Some(d) = hung_kings_day(year) {
            out.insert(d, Holiday::HungKings);
        }
        let tet = match arrangement.and_then(|a| a.tet_days.clone()) {
            Some(days) => days,
            None => default_tet_days(year),
        };
        for d in tet {
            out.insert(d, Holiday::LunarNewYear);
        }
        out
    }

    fn year_table(&self, year: i32) -> YearTable {
        let holidays = self.holidays_of(year);
        let arrangement = self.arrangement(year);
        let mut days: BTreeMap<Date, DayKind> = holidays
            .iter()
            .map(|(d, h)| (*d, DayKind::Holiday(*h)))
            .collect();

        let compensatory = match arrangement.and_then(|a| a.compensatory_days.clone()) {
            Some(listed) => listed,
            None if self.compensate_weekly_rest => self.computed_compensation(&holidays),
            None => Vec::new(),
        };
        for d in compensatory {
            days.entry(d).or_insert(DayKind::Compensatory);
        }
        for d in arrangement.iter().flat_map(|a| &a.make_up_working_days) {
            days.entry(*d).or_insert(DayKind::MakeUpWorking);
        }
        YearTable { days }
    }

    /// One day off for each holiday on a weekly rest day, on the next day
    /// that is neither a rest day, a holiday nor already given.
    fn computed_compensation(&self, holidays: &BTreeMap<Date, Holiday>) -> Vec<Date> {
        let mut given: Vec<Date> = Vec::new();
        for day in holidays.keys() {
            if !self.weekly_rest.contains(&day.weekday()) {
                continue;
            }
            let mut next = *day;
            while let Some(n) = next.next_day() {
                next = n;
                let free = !self.weekly_rest.contains(&next.weekday())
                    && !holidays.contains_key(&next)
                    && !given.contains(&next);
                if free {
                    given.push(next);
                    break;
                }
            }
        }
        given
    }
}

/// The usual five days of Tết: the last day of the old lunar year and
/// mùng 1 to mùng 4.
pub fn default_tet_days(year: i32) -> Vec<Date> {
    let Some(first) = lunar_new_year(year) else {
        return Vec::new();
    };
    (-1..=3)
        .filter_map(|offset| first.checked_add(time::Duration::days(offset)))
        .collect()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn cal() -> WorkingCalendar {
        WorkingCalendar::default()
    }

    #[test]
    fn local_dates_are_taken_in_vietnam_time() {
        use time::macros::datetime;
        assert_eq!(
            local_date(datetime!(2026-03-01 16:59 UTC)),
            date!(2026 - 03 - 01)
        );
        assert_eq!(
            local_date(datetime!(2026-03-01 17:00 UTC)),
            date!(2026 - 03 - 02)
        );
    }

    #[test]
    fn tet_falls_on_the_published_dates_2020_to_2035() {
        let known = [
            (2020, date!(2020 - 01 - 25)),
            (2021, date!(2021 - 02 - 12)),
            (2022, date!(2022 - 02 - 01)),
            (2023, date!(2023 - 01 - 22)),
            (2024, date!(2024 - 02 - 10)),
            (2025, date!(2025 - 01 - 29)),
            (2026, date!(2026 - 02 - 17)),
            (2027, date!(2027 - 02 - 06)),
            (2028, date!(2028 - 01 - 26)),
            (2029, date!(2029 - 02 - 13)),
            (2030, date!(2030 - 02 - 02)),
            (2031, date!(2031 - 01 - 23)),
            (2032, date!(2032 - 02 - 11)),
            (2033, date!(2033 - 01 - 31)),
            (2034, date!(2034 - 02 - 19)),
            (2035, date!(2035 - 02 - 08)),
        ];
        for (year, day) in known {
            assert_eq!(lunar_new_year(year), Some(day), "Tết {year}");
        }
    }

    #[test]
    fn tet_differs_from_china_in_1985_2007_and_2030() {
        assert_eq!(lunar_new_year(1985), Some(date!(1985 - 01 - 21)));
        let china = |year| {
            lunar_to_solar_at(
                LunarDate {
                    day: 1,
                    month: 1,
                    year,
                    leap: false,
                },
                8.0,
            )
        };
        assert_eq!(china(1985), Some(date!(1985 - 02 - 20)));
        assert_eq!(lunar_new_year(2007), Some(date!(2007 - 02 - 17)));
        assert_eq!(china(2007), Some(date!(2007 - 02 - 18)));
        // The new moon of February 2030 is at 16:07 UTC: 23:07 on the 2nd
        // in Hà Nội, 00:07 on the 3rd in Beijing. Lists that give 3
        // February for Việt Nam copy the Chinese date.
        assert_eq!(lunar_new_year(2030), Some(date!(2030 - 02 - 02)));
        assert_eq!(china(2030), Some(date!(2030 - 02 - 03)));
    }

    #[test]
    fn hung_kings_day_falls_on_the_published_dates() {
        assert_eq!(hung_kings_day(2023), Some(date!(2023 - 04 - 29)));
        assert_eq!(hung_kings_day(2024), Some(date!(2024 - 04 - 18)));
        assert_eq!(hung_kings_day(2025), Some(date!(2025 - 04 - 07)));
        assert_eq!(hung_kings_day(2026), Some(date!(2026 - 04 - 26)));
    }

    #[test]
    fn leap_months_are_found_and_round_trip() {
        // 2023 had a leap second month, 2025 a leap sixth month.
        let l = solar_to_lunar(date!(2023 - 03 - 22));
        assert_eq!((l.day, l.month, l.leap), (1, 2, true));
        let l = solar_to_lunar(date!(2025 - 07 - 25));
        assert_eq!((l.day, l.month, l.year, l.leap), (1, 6, 2025, true));
        assert_eq!(lunar_to_solar(l), Some(date!(2025 - 07 - 25)));
        // 2024 has no leap month, so a leap month there does not exist.
        let none = LunarDate {
            day: 1,
            month: 6,
            year: 2024,
            leap: true,
        };
        assert_eq!(lunar_to_solar(none), None);
    }

    #[test]
    fn every_day_from_1990_to_2060_round_trips_through_the_lunar_calendar() {
        let mut day = date!(1990 - 01 - 01);
        while day < date!(2060 - 01 - 01) {
            let lunar = solar_to_lunar(day);
            assert_eq!(lunar_to_solar(lunar), Some(day), "{day} -> {lunar:?}");
            day = day.next_day().unwrap();
        }
    }

    #[test]
    fn day_thirty_of_a_short_month_does_not_exist() {
        // Tháng Chạp of Giáp Thìn (2024) has 29 days: Tết 2025 is 29 Jan.
        let eve = solar_to_lunar(date!(2025 - 01 - 28));
        assert_eq!((eve.day, eve.month, eve.year), (29, 12, 2024));
        let thirtieth = LunarDate { day: 30, ..eve };
        assert_eq!(lunar_to_solar(thirtieth), None);
    }

    #[test]
    fn the_default_tet_is_new_years_eve_and_four_days() {
        assert_eq!(
            default_tet_days(2026),
            vec![
                date!(2026 - 02 - 16),
                date!(2026 - 02 - 17),
                date!(2026 - 02 - 18),
                date!(2026 - 02 - 19),
                date!(2026 - 02 - 20),
            ]
        );
    }

    #[test]
    fn a_year_has_eleven_holidays() {
        for year in 2020..=2035 {
            assert_eq!(cal().holidays(year).len(), 11, "{year}");
        }
    }

    #[test]
    fn tet_2026_is_five_days_off_with_no_compensation() {
        // 16–20 February 2026 is Monday to Friday.
        let c = cal();
        for d in default_tet_days(2026) {
            assert_eq!(c.day_kind(d), DayKind::Holiday(Holiday::LunarNewYear));
        }
        assert_eq!(c.day_kind(date!(2026 - 02 - 13)), DayKind::Working);
        assert_eq!(c.day_kind(date!(2026 - 02 - 23)), DayKind::Working);
        assert_eq!(
            c.add_working_days(date!(2026 - 02 - 13), 1),
            date!(2026 - 02 - 23)
        );
    }

    #[test]
    fn tet_on_a_weekend_gives_days_off_after_it() {
        // Tết 2024: 9–13 February, with 10 and 11 on Saturday and Sunday.
        let c = cal();
        assert_eq!(
            c.day_kind(date!(2024 - 02 - 10)),
            DayKind::Holiday(Holiday::LunarNewYear)
        );
        assert_eq!(c.day_kind(date!(2024 - 02 - 14)), DayKind::Compensatory);
        assert_eq!(c.day_kind(date!(2024 - 02 - 15)), DayKind::Compensatory);
        assert!(c.is_working_day(date!(2024 - 02 - 16)));
        assert_eq!(
            c.add_working_days(date!(2024 - 02 - 08), 1),
            date!(2024 - 02 - 16)
        );
    }

    #[test]
    fn an_announced_tet_replaces_the_computed_one() {
        // The Government's 2024 arrangement: Tết 8–12 February (29 Chạp
        // to mùng 3), nghỉ bù 13–14 February.
        let rules = HolidayRules {
            years: vec![YearArrangement {
                year: 2024,
                tet_days: Some(vec![
                    date!(2024 - 02 - 08),
                    date!(2024 - 02 - 09),
                    date!(2024 - 02 - 10),
                    date!(2024 - 02 - 11),
                    date!(2024 - 02 - 12),
                ]),
                compensatory_days: Some(vec![date!(2024 - 02 - 13), date!(2024 - 02 - 14)]),
                source: "Thông báo 5687/TB-LĐTBXH".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let c = WorkingCalendar::new(rules).unwrap();
        assert!(!c.is_working_day(date!(2024 - 02 - 08)));
        assert!(!c.is_working_day(date!(2024 - 02 - 14)));
        assert!(c.is_working_day(date!(2024 - 02 - 15)));
        assert!(c.is_working_day(date!(2024 - 02 - 07)));
    }

    #[test]
    fn victory_and_labour_day_2025_with_a_swapped_friday() {
        // 30/4 Wednesday and 1/5 Thursday; Friday 2/5 off, Saturday 26/4 worked.
        let rules = HolidayRules {
            years: vec![YearArrangement {
                year: 2025,
                compensatory_days: Some(vec![date!(2025 - 05 - 02)]),
                make_up_working_days: vec![date!(2025 - 04 - 26)],
                ..Default::default()
            }],
            ..Default::default()
        };
        let c = WorkingCalendar::new(rules).unwrap();
        assert_eq!(c.day_kind(date!(2025 - 04 - 26)), DayKind::MakeUpWorking);
        assert!(c.is_working_day(date!(2025 - 04 - 26)));
        assert_eq!(
            c.day_kind(date!(2025 - 04 - 30)),
            DayKind::Holiday(Holiday::VictoryDay)
        );
        assert_eq!(
            c.day_kind(date!(2025 - 05 - 01)),
            DayKind::Holiday(Holiday::LabourDay)
        );
        assert_eq!(c.day_kind(date!(2025 - 05 - 02)), DayKind::Compensatory);
        assert_eq!(
            c.add_working_days(date!(2025 - 04 - 29), 1),
            date!(2025 - 05 - 05)
        );
        assert_eq!(
            c.working_days_between(date!(2025 - 04 - 25), date!(2025 - 05 - 05)),
            4
        );
    }

    #[test]
    fn victory_day_on_a_weekend_is_compensated_after_labour_day() {
        // 2022: 30/4 Saturday, 1/5 Sunday: days off Monday 2/5 and Tuesday 3/5.
        let c = cal();
        assert_eq!(c.day_kind(date!(2022 - 05 - 02)), DayKind::Compensatory);
        assert_eq!(c.day_kind(date!(2022 - 05 - 03)), DayKind::Compensatory);
        assert_eq!(c.day_kind(date!(2022 - 05 - 04)), DayKind::Working);
    }

    #[test]
    fn national_day_joins_the_weekend_as_in_2021_to_2025() {
        let rest = [Weekday::Saturday, Weekday::Sunday];
        let expected = [
            (2021, date!(2021 - 09 - 03)),
            (2022, date!(2022 - 09 - 01)),
            (2023, date!(2023 - 09 - 01)),
            (2024, date!(2024 - 09 - 03)),
            (2025, date!(2025 - 09 - 01)),
        ];
        for (year, adjacent) in expected {
            assert_eq!(default_national_day_adjacent(year, &rest), Some(adjacent));
        }
        // 2023: 2/9 Saturday, so Monday 4/9 is a day off too.
        let c = cal();
        assert_eq!(c.day_kind(date!(2023 - 09 - 04)), DayKind::Compensatory);
        assert_eq!(
            c.add_working_days(date!(2023 - 08 - 31), 1),
            date!(2023 - 09 - 05)
        );
    }

    #[test]
    fn an_announced_national_day_companion_is_used() {
        let rules = HolidayRules {
            years: vec![YearArrangement {
                year: 2026,
                national_day_adjacent: Some(date!(2026 - 09 - 03)),
                ..Default::default()
            }],
            ..Default::default()
        };
        let c = WorkingCalendar::new(rules).unwrap();
        assert!(c.is_working_day(date!(2026 - 09 - 01)));
        assert!(!c.is_working_day(date!(2026 - 09 - 03)));
    }

    #[test]
    fn new_year_on_a_saturday_moves_a_day_off_across_the_weekend() {
        // 1/1/2022 was a Saturday: Monday 3 January 2022 off.
        let c = cal();
        assert_eq!(c.day_kind(date!(2022 - 01 - 03)), DayKind::Compensatory);
        assert_eq!(
            c.add_working_days(date!(2021 - 12 - 31), 1),
            date!(2022 - 01 - 04)
        );
        assert_eq!(
            c.working_days_between(date!(2021 - 12 - 30), date!(2022 - 01 - 04)),
            2
        );
    }

    #[test]
    fn calendar_day_deadlines_move_off_holidays_to_the_next_working_day() {
        let c = cal();
        // 30 days from 1 August 2025 end on Sunday 31 August; 1–2/9 are
        // Quốc khánh, so the deadline is Wednesday 3 September.
        assert_eq!(
            c.due_date(date!(2025 - 08 - 01), 30, false),
            date!(2025 - 09 - 03)
        );
        // An ordinary one ends where it falls.
        assert_eq!(
            c.due_date(date!(2025 - 03 - 03), 10, false),
            date!(2025 - 03 - 13)
        );
        // From the eve of Tết 2025 (28/1, Tuesday), 3 days reach Friday
        // 31/1, mùng 3; Tết runs to Saturday 1/2, Monday 3/2 is its nghỉ
        // bù, so the deadline is Tuesday 4/2.
        assert_eq!(
            c.due_date(date!(2025 - 01 - 28), 3, false),
            date!(2025 - 02 - 04)
        );
    }

    #[test]
    fn working_day_deadlines_skip_every_day_off() {
        let c = cal();
        // Received Friday 24 January 2025; Tết 28/1–1/2 (Sat 1/2 gives
        // Monday 3/2 off). Working days: 27/1, 4/2, 5/2.
        assert_eq!(
            c.due_date(date!(2025 - 01 - 24), 3, true),
            date!(2025 - 02 - 05)
        );
        assert_eq!(
            c.due_date(date!(2025 - 02 - 01), 0, true),
            date!(2025 - 02 - 04)
        );
    }

    #[test]
    fn working_days_between_inverts_add_working_days() {
        let c = cal();
        let starts = [
            date!(2024 - 12 - 28),
            date!(2025 - 01 - 24),
            date!(2025 - 04 - 25),
            date!(2025 - 08 - 29),
            date!(2026 - 02 - 14),
        ];
        for start in starts {
            for n in 0..=70 {
                let end = c.add_working_days(start, n);
                assert_eq!(c.working_days_between(start, end), i64::from(n));
                assert_eq!(c.working_days_between(end, start), -i64::from(n));
                assert!(n == 0 || c.is_working_day(end));
            }
        }
    }

    #[test]
    fn no_compensation_when_the_council_turns_it_off() {
        let rules = HolidayRules {
            compensate_weekly_rest: false,
            ..Default::default()
        };
        let c = WorkingCalendar::new(rules).unwrap();
        assert!(c.is_working_day(date!(2022 - 01 - 03)));
    }

    #[test]
    fn a_six_day_week_works_saturdays() {
        let rules = HolidayRules {
            weekly_rest: vec![Weekday::Sunday],
            ..Default::default()
        };
        let c = WorkingCalendar::new(rules).unwrap();
        assert!(c.is_working_day(date!(2025 - 03 - 08)));
        assert!(!c.is_working_day(date!(2025 - 03 - 09)));
    }

    #[test]
    fn invalid_rules_are_refused_with_a_reason() {
        let year = |a: YearArrangement| HolidayRules {
            years: vec![a],
            ..Default::default()
        };
        let bad_tet = year(YearArrangement {
            year: 2026,
            tet_days: Some(vec![date!(2026 - 02 - 17)]),
            ..Default::default()
        });
        assert_eq!(bad_tet.validate(), Err(CalendarError::TetDays(2026)));
        let far_tet = year(YearArrangement {
            year: 2026,
            tet_days: Some(vec![
                date!(2026 - 03 - 17),
                date!(2026 - 03 - 18),
                date!(2026 - 03 - 19),
                date!(2026 - 03 - 20),
                date!(2026 - 03 - 21),
            ]),
            ..Default::default()
        });
        assert_eq!(far_tet.validate(), Err(CalendarError::TetDays(2026)));
        let bad_national = year(YearArrangement {
            year: 2026,
            national_day_adjacent: Some(date!(2026 - 09 - 04)),
            ..Default::default()
        });
        assert_eq!(
            bad_national.validate(),
            Err(CalendarError::NationalDay(2026))
        );
        let working_on_holiday = year(YearArrangement {
            year: 2023,
            make_up_working_days: vec![date!(2023 - 09 - 02)],
            ..Default::default()
        });
        assert_eq!(
            working_on_holiday.validate(),
            Err(CalendarError::MakeUpDay(date!(2023 - 09 - 02)))
        );
        let weekday_make_up = year(YearArrangement {
            year: 2025,
            make_up_working_days: vec![date!(2025 - 04 - 28)],
            ..Default::default()
        });
        assert_eq!(
            weekday_make_up.validate(),
            Err(CalendarError::MakeUpDay(date!(2025 - 04 - 28)))
        );
        let wrong_year = year(YearArrangement {
            year: 2025,
            compensatory_days: Some(vec![date!(2026 - 01 - 02)]),
            ..Default::default()
        });
        assert_eq!(
            wrong_year.validate(),
            Err(CalendarError::WrongYear {
                year: 2025,
                date: date!(2026 - 01 - 02)
            })
        );
        let twice = HolidayRules {
            years: vec![
                YearArrangement {
                    year: 2025,
                    ..Default::default()
                },
                YearArrangement {
                    year: 2025,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert_eq!(twice.validate(), Err(CalendarError::DuplicateYear(2025)));
        let all_rest = HolidayRules {
            weekly_rest: vec![
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
                Weekday::Saturday,
                Weekday::Sunday,
            ],
            ..Default::default()
        };
        assert_eq!(all_rest.validate(), Err(CalendarError::WeeklyRest));
        assert_eq!(
            CalendarError::TetDays(2026).to_string(),
            "Tết Âm lịch năm 2026 phải gồm đúng 5 ngày khác nhau, trong vòng 10 ngày quanh mùng 1 Tết."
        );
    }

    #[test]
    fn rules_round_trip_through_json_and_fill_in_defaults() {
        let rules = HolidayRules {
            years: vec![YearArrangement {
                year: 2025,
                make_up_working_days: vec![date!(2025 - 04 - 26)],
                compensatory_days: Some(vec![date!(2025 - 05 - 02)]),
                ..Default::default()
            }],
            ..Default::default()
        };
        let json = serde_json::to_string(&rules).unwrap();
        assert_eq!(serde_json::from_str::<HolidayRules>(&json).unwrap(), rules);
        let partial: HolidayRules = serde_json::from_str("{}").unwrap();
        assert_eq!(partial, HolidayRules::default());
    }
}
