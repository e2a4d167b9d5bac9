//! Form helpers shared by every area: field errors, select options built from enums, members and
//! steps, and the parsers of the common field kinds.

use aims_db::members::MemberChoice;
use aims_domain::catalogue::catalogue;
use aims_domain::{TextEnum, TextField};
use std::collections::BTreeMap;
use std::fmt::Display;
use uuid::Uuid;

/// Messages by field name, shown next to the fields of a form answered with 422.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(BTreeMap<&'static str, String>);

impl FormErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a message for a field (the first one wins).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    /// Keeps the value of a successful parse, or records its error under `field`.
    pub fn check<T, E: Display>(&mut self, field: &'static str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(err) => {
                self.add(field, err.to_string());
                None
            }
        }
    }

    /// The message for a field, or "" (templates test `is_empty`).
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map_or("", String::as_str)
    }

    /// Whether the form is valid.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields have errors (for the summary at the top of a form).
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// One option of a select box.
#[derive(Debug, Clone)]
pub struct SelectOption {
    /// Submitted value.
    pub value: String,
    /// Shown label.
    pub label: String,
}

impl SelectOption {
    /// Builds an option.
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self { value: value.into(), label: label.into() }
    }
}

/// Options for choosing a role, limited to the roles the acting member may grant.
pub fn role_options(may_grant_owner: bool) -> Vec<SelectOption> {
    aims_domain::Role::ALL
        .into_iter()
        .filter(|r| may_grant_owner || *r != aims_domain::Role::Owner)
        .map(|r| SelectOption::new(r.as_str(), r.label()))
        .collect()
}

/// Parses an optional `YYYY-MM-DD` date field ("" is none).
pub fn parse_optional_date(raw: &str) -> Result<Option<time::Date>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &format).map(Some).map_err(|_| "Enter a date as YYYY-MM-DD.")
}

/// The options of a text enum, in its display order.
pub fn enum_options<E: TextEnum>() -> Vec<SelectOption> {
    E::all().iter().map(|v| SelectOption::new(v.key(), v.label())).collect()
}

/// The options of a text enum for a list filter: "any" (no filter) first.
pub fn enum_filter<E: TextEnum>(any_label: &str) -> Vec<SelectOption> {
    with_first("", any_label, enum_options::<E>())
}

/// Options with one more in front (an "any" or "nobody" choice).
pub fn with_first(value: &str, label: &str, mut options: Vec<SelectOption>) -> Vec<SelectOption> {
    options.insert(0, SelectOption::new(value, label));
    options
}

/// Members of the workspace as options, with a "nobody" (or "any") choice first.
pub fn member_options(members: &[MemberChoice], none_label: &str) -> Vec<SelectOption> {
    with_first(
        "",
        none_label,
        members.iter().map(|m| SelectOption::new(m.user_id.to_string(), m.name.clone())).collect(),
    )
}

/// The 18 steps as options, with an empty choice first.
pub fn step_options(empty_label: &str) -> Vec<SelectOption> {
    with_first(
        "",
        empty_label,
        catalogue()
            .steps
            .iter()
            .map(|s| SelectOption::new(s.number.to_string(), format!("{}. {}", s.number, s.title)))
            .collect(),
    )
}

/// The label of the chosen option (for showing a value, e.g. in a conflict), or the raw value.
pub fn option_label(options: &[SelectOption], value: &str) -> String {
    options.iter().find(|o| o.value == value).map_or_else(|| value.to_string(), |o| o.label.clone())
}

/// A member chosen in an owner select: "" is nobody.
pub fn parse_member(field: &'static str, raw: &str, errors: &mut FormErrors) -> Option<Option<Uuid>> {
    if raw.trim().is_empty() {
        return Some(None);
    }
    errors.check(field, raw.trim().parse::<Uuid>().map(Some).map_err(|_| "Choose a member of the workspace."))
}

/// A step chosen in a step select: "" is none.
pub fn parse_step(field: &'static str, raw: &str, errors: &mut FormErrors) -> Option<Option<u8>> {
    if raw.trim().is_empty() {
        return Some(None);
    }
    errors.check(
        field,
        raw.trim().parse::<u8>().ok().filter(|n| catalogue().step(*n).is_some()).map(Some).ok_or("Choose a step."),
    )
}

/// A text field checked against its declared limit; the value is kept trimmed.
pub fn text(field: &TextField, raw: &str, errors: &mut FormErrors) -> Option<String> {
    errors.check(field.name, field.check(raw))
}

/// An enum chosen in a select.
pub fn choice<E: std::str::FromStr>(field: &'static str, raw: &str, errors: &mut FormErrors) -> Option<E>
where
    E::Err: Display,
{
    errors.check(field, raw.parse::<E>())
}
