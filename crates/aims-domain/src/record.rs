//! What every register shares in the domain: badge tones, text enums, field limits with their
//! checks, and the one reader of yes/no answers.

use std::fmt;

/// A badge colour. Each enum value has exactly one, so a status looks the same on every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    /// Grey: no particular meaning.
    Neutral,
    /// Done, met, in place.
    Green,
    /// Under way.
    Blue,
    /// Planned or special.
    Violet,
    /// Needs attention.
    Amber,
    /// Urgent or failed.
    Red,
}

impl Tone {
    /// The CSS suffix (`badge-green`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Green => "green",
            Tone::Blue => "blue",
            Tone::Violet => "violet",
            Tone::Amber => "amber",
            Tone::Red => "red",
        }
    }
}

impl fmt::Display for Tone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An enum stored as text (see `text_enum!`), so option lists and filters can be built once.
pub trait TextEnum: Copy + 'static {
    /// Every value, in display order.
    fn all() -> &'static [Self];
    /// The stored key.
    fn key(self) -> &'static str;
    /// A label for people.
    fn label(self) -> &'static str;
}

/// A stored text value that its enum does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {key:?} in the database")]
pub struct UnknownKey {
    /// The enum.
    pub kind: &'static str,
    /// The value read.
    pub key: String,
}

/// A text field's name and length limit, declared once: the form check uses it, templates read
/// `max` for `maxlength`, and a database test compares it with the column's CHECK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextField {
    /// The form field and column name.
    pub name: &'static str,
    /// Most characters accepted.
    pub max: usize,
    /// Whether an empty value is refused.
    pub required: bool,
    /// The message when a required value is missing ("Enter a title.").
    pub missing: &'static str,
}

impl TextField {
    /// An optional field.
    pub const fn optional(name: &'static str, max: usize) -> Self {
        Self { name, max, required: false, missing: "" }
    }

    /// A field that must not be empty.
    pub const fn required(name: &'static str, max: usize, missing: &'static str) -> Self {
        Self { name, max, required: true, missing }
    }

    /// Checks a typed value: trimmed, present when required, within the limit, free of NUL
    /// characters (PostgreSQL refuses them). The error is the message shown by the field.
    pub fn check(&self, raw: &str) -> Result<String, String> {
        let value = raw.trim();
        if value.contains('\0') {
            return Err("Remove the invisible NUL character from this text.".into());
        }
        if self.required && value.is_empty() {
            return Err(self.missing.to_string());
        }
        let count = value.chars().count();
        if count > self.max {
            return Err(format!(
                "At most {} characters (this has {}).",
                group_thousands(self.max),
                group_thousands(count)
            ));
        }
        Ok(value.to_string())
    }
}

/// `50000` → `50,000`.
pub fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `yes`/`true`/`1`/`on` or `no`/`false`/`0`/`off`; anything else is no answer. The one reader of
/// yes/no values from forms and filters.
pub fn parse_yes_no(raw: &str) -> Option<bool> {
    match raw.trim() {
        "yes" | "true" | "1" | "on" => Some(true),
        "no" | "false" | "0" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_trim_require_and_limit() {
        let title = TextField::required("title", 5, "Enter a title.");
        assert_eq!(title.check("  abc "), Ok("abc".into()));
        assert_eq!(title.check("   "), Err("Enter a title.".into()));
        assert_eq!(title.check("abcdef"), Err("At most 5 characters (this has 6).".into()));
        assert!(title.check("a\0b").is_err());
        assert_eq!(TextField::optional("notes", 5).check(""), Ok(String::new()));
        assert_eq!(group_thousands(50_000), "50,000");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn yes_no_reads_the_usual_spellings() {
        assert_eq!(parse_yes_no("yes"), Some(true));
        assert_eq!(parse_yes_no(" 0 "), Some(false));
        assert_eq!(parse_yes_no(""), None);
        assert_eq!(parse_yes_no("maybe"), None);
    }
}
