//! Form helpers shared by every area: field errors and select options.

use std::collections::BTreeMap;
use std::fmt::Display;

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
