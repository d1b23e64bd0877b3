//! Ngày nghỉ lễ, tết: each year the government announces how the public
//! holidays fall (the five days of Tết, the day joined to Quốc khánh, days
//! off in lieu and the Saturdays worked to make up for them). The office
//! records the announcement here, in the council's rules; every due date of
//! the council is then counted on that calendar.

use crate::form::Form;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::access::Permission;
use nghitruong_domain::calendar::{DayKind, YearArrangement};
use serde::Deserialize;
use time::{Date, Month, Weekday};

use super::{current, local_date, local_day};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::AppResult;
use crate::layout::Layout;

/// Years the page accepts, the range the lunar calendar is checked over.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

#[derive(Template)]
#[template(path = "holidays.html")]
struct HolidaysPage {
    layout: Layout,
    council_name: String,
    year: i32,
    days: Vec<DayOff>,
    stored: bool,
    form: ArrangementForm,
    can_edit: bool,
    error: Option<String>,
    saved: bool,
}

/// A day that is not an ordinary working day, or a Saturday worked.
struct DayOff {
    date: String,
    weekday: &'static str,
    what: String,
    worked: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct YearQuery {
    #[serde(default)]
    nam: Option<i32>,
    #[serde(default)]
    saved: Option<u8>,
}

/// The arrangement of a year as the form shows and sends it.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct ArrangementForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    tet_days: String,
    #[serde(default)]
    national_day_adjacent: String,
    #[serde(default)]
    compensatory_days: String,
    #[serde(default)]
    make_up_working_days: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    remove: Option<String>,
}

fn weekday_vi(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Thứ Hai",
        Weekday::Tuesday => "Thứ Ba",
        Weekday::Wednesday => "Thứ Tư",
        Weekday::Thursday => "Thứ Năm",
        Weekday::Friday => "Thứ Sáu",
        Weekday::Saturday => "Thứ Bảy",
        Weekday::Sunday => "Chủ nhật",
    }
}

fn dates_text(days: &[Date]) -> String {
    days.iter()
        .map(|d| local_date(*d))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ArrangementForm {
    fn of(year: i32, stored: Option<&YearArrangement>) -> Self {
        let Some(a) = stored else {
            return Self {
                year: year.to_string(),
                ..Self::default()
            };
        };
        Self {
            year: year.to_string(),
            tet_days: a.tet_days.as_deref().map(dates_text).unwrap_or_default(),
            national_day_adjacent: a.national_day_adjacent.map(local_date).unwrap_or_default(),
            compensatory_days: a
                .compensatory_days
                .as_deref()
                .map(dates_text)
                .unwrap_or_default(),
            make_up_working_days: dates_text(&a.make_up_working_days),
            source: a.source.clone(),
            remove: None,
        }
    }
}

/// One date as office staff type it: 03/05/2027, 3/5/2027 or 2027-05-03.
fn parse_one(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let parts: Vec<&str> = raw.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (y, m, d) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// A list of dates separated by commas, semicolons or new lines; every one
/// in `year` (Tết may start in the last days of the year before).
fn parse_list(what: &str, raw: &str, year: i32, slack: bool) -> Result<Vec<Date>, String> {
    raw.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let d = parse_one(s)
                .ok_or_else(|| format!("{what}: “{s}” không phải ngày (dd/mm/yyyy)."))?;
            let in_year = d.year() == year || (slack && d.year() == year - 1);
            if !in_year {
                return Err(format!(
                    "{what}: ngày {} không thuộc năm {year}.",
                    local_date(d)
                ));
            }
            Ok(d)
        })
        .collect()
}

fn parse_arrangement(form: &ArrangementForm) -> Result<YearArrangement, String> {
    let year: i32 = form
        .year
        .trim()
        .parse()
        .ok()
        .filter(|y| YEARS.contains(y))
        .ok_or_else(|| "Năm phải từ 2000 đến 2100.".to_owned())?;
    if form.source.chars().count() > 300 {
        return Err("Căn cứ tối đa 300 ký tự.".into());
    }
    let optional = |what: &str, raw: &str, slack: bool| -> Result<Option<Vec<Date>>, String> {
        let days = parse_list(what, raw, year, slack)?;
        Ok((!days.is_empty()).then_some(days))
    };
    let national = parse_list(
        "Ngày nghỉ liền kề Quốc khánh",
        &form.national_day_adjacent,
        year,
        false,
    )?;
    if national.len() > 1 {
        return Err("Chỉ một ngày nghỉ liền kề Quốc khánh (1/9 hoặc 3/9).".into());
    }
    Ok(YearArrangement {
        year,
        tet_days: optional("Các ngày nghỉ Tết Âm lịch", &form.tet_days, true)?,
        national_day_adjacent: national.first().copied(),
        compensatory_days: optional("Ngày nghỉ bù", &form.compensatory_days, false)?,
        make_up_working_days: parse_list("Ngày làm bù", &form.make_up_working_days, year, false)?,
        source: nghitruong_domain::text::clean_line("Căn cứ", &form.source, 300)
            .map_err(|e| e.to_string())?,
    })
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    year: i32,
    typed: Option<ArrangementForm>,
    error: Option<String>,
    saved: bool,
) -> AppResult<String> {
    let council = current(viewer)?;
    let rules = &council.rules;
    let stored = rules.holidays.years.iter().find(|a| a.year == year);
    let calendar = rules
        .calendar()
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    let mut days = Vec::new();
    let mut day = Date::from_calendar_date(year, Month::January, 1)
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    while day.year() == year {
        let what = match calendar.day_kind(day) {
            DayKind::Holiday(h) => Some((h.label().to_owned(), false)),
            DayKind::Compensatory => Some(("Nghỉ bù".to_owned(), false)),
            DayKind::MakeUpWorking => Some(("Làm bù".to_owned(), true)),
            DayKind::Working | DayKind::WeeklyRest => None,
        };
        if let Some((what, worked)) = what {
            days.push(DayOff {
                date: local_date(day),
                weekday: weekday_vi(day.weekday()),
                what,
                worked,
            });
        }
        day = day.next_day().unwrap_or(Date::MAX);
    }
    let page = HolidaysPage {
        layout: Layout::signed(state, viewer, csrf, "Ngày nghỉ lễ, tết", "/quy-che").await?,
        council_name: council.name.clone(),
        year,
        days,
        stored: stored.is_some(),
        form: typed.unwrap_or_else(|| ArrangementForm::of(year, stored)),
        can_edit: viewer.can(Permission::EditRules),
        error,
        saved,
    };
    Ok(page.render()?)
}

/// The days off of a year on the council's calendar, and the form to
/// record that year's announcement.
pub(crate) async fn show(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Query(query): Query<YearQuery>,
) -> AppResult<Response> {
    let this_year = local_day(state.clock.now()).year();
    let year = query.nam.filter(|y| YEARS.contains(y)).unwrap_or(this_year);
    let html = page(
        &state,
        &viewer,
        &csrf,
        year,
        None,
        None,
        query.saved == Some(1),
    )
    .await?;
    Ok(Html(html).into_response())
}

/// Records (or removes) one year's arrangement after checking that the
/// whole calendar still holds together.
pub(crate) async fn save(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Form(form): Form<ArrangementForm>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let mut rules = council.rules.clone();
    let parsed = parse_arrangement(&form).and_then(|arrangement| {
        let year = arrangement.year;
        rules.holidays.years.retain(|a| a.year != year);
        if form.remove.is_none() {
            rules.holidays.years.push(arrangement);
            rules.holidays.years.sort_by_key(|a| a.year);
        }
        rules.validate().map_err(|e| e.to_string())?;
        Ok(year)
    });
    match parsed {
        Ok(year) => {
            state
                .store
                .update_council_rules(
                    council.id,
                    &rules,
                    &audit_context(&state, &viewer, &headers),
                )
                .await?;
            state.viewers.forget_all();
            Ok(Redirect::to(&format!("/quy-che/ngay-nghi?nam={year}&saved=1")).into_response())
        }
        Err(message) => {
            let year = form
                .year
                .trim()
                .parse()
                .ok()
                .filter(|y| YEARS.contains(y))
                .unwrap_or_else(|| local_day(state.clock.now()).year());
            let html = page(
                &state,
                &viewer,
                &csrf,
                year,
                Some(form),
                Some(message),
                false,
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn dates_are_read_as_office_staff_type_them() {
        assert_eq!(parse_one("03/05/2027"), Some(date!(2027 - 05 - 03)));
        assert_eq!(parse_one("3/5/2027"), Some(date!(2027 - 05 - 03)));
        assert_eq!(parse_one("2027-05-03"), Some(date!(2027 - 05 - 03)));
        assert_eq!(parse_one("31/02/2027"), None);
        assert_eq!(parse_one("hôm qua"), None);
        assert_eq!(
            parse_list("Ngày nghỉ bù", "03/05/2027; 4/5/2027\n", 2027, false),
            Ok(vec![date!(2027 - 05 - 03), date!(2027 - 05 - 04)])
        );
        let wrong_year = parse_list("Ngày nghỉ bù", "03/05/2026", 2027, false).unwrap_err();
        assert!(wrong_year.contains("không thuộc năm 2027"), "{wrong_year}");
        // Tết may begin in the last days of the year before.
        assert!(parse_list("Tết", "30/12/2026", 2027, true).is_ok());
    }

    #[test]
    fn an_arrangement_form_becomes_the_year_it_names() {
        let form = ArrangementForm {
            year: "2027".into(),
            national_day_adjacent: "03/09/2027".into(),
            compensatory_days: "03/05/2027".into(),
            make_up_working_days: "24/04/2027".into(),
            source: "Thông báo 01/TB-BNV".into(),
            ..ArrangementForm::default()
        };
        let a = parse_arrangement(&form).unwrap();
        assert_eq!(a.year, 2027);
        assert_eq!(a.tet_days, None);
        assert_eq!(a.national_day_adjacent, Some(date!(2027 - 09 - 03)));
        assert_eq!(a.compensatory_days, Some(vec![date!(2027 - 05 - 03)]));
        assert_eq!(a.make_up_working_days, vec![date!(2027 - 04 - 24)]);
        let two = ArrangementForm {
            national_day_adjacent: "01/09/2027, 03/09/2027".into(),
            ..form.clone()
        };
        assert!(parse_arrangement(&two).is_err());
        let bad_year = ArrangementForm {
            year: "1800".into(),
            ..form
        };
        assert!(parse_arrangement(&bad_year).is_err());
    }
}
