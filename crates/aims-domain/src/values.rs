//! Validated values: each parses raw form input once, so the rest of the code never sees an
//! invalid email, slug, name or password. Error messages are written for the person typing.

use serde::Serialize;
use std::fmt;

/// Why a value was refused; the text is shown next to the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub &'static str);

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a local part, a domain with a dot, no spaces, at most 254 characters.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(InvalidValue("Enter your email address."));
        }
        if email.len() > 254 {
            return Err(InvalidValue("An email address has at most 254 characters."));
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(InvalidValue("Enter an email address like name@example.com."));
        };
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        if !domain_ok || !local_ok {
            return Err(InvalidValue("Enter an email address like name@example.com."));
        }
        Ok(Self(email))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The URL name of a workspace: `/o/{slug}/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct OrgSlug(String);

impl OrgSlug {
    /// 2 to 40 characters: lower-case letters, digits and single hyphens, starting and ending
    /// with a letter or digit. Upper case is folded so that `Acme` becomes `acme`.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let slug = raw.trim().to_lowercase();
        if slug.len() < 2 || slug.len() > 40 {
            return Err(InvalidValue("A slug has 2 to 40 characters."));
        }
        if !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(InvalidValue("Use only lower-case letters, digits and hyphens."));
        }
        if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
            return Err(InvalidValue("A slug starts and ends with a letter or digit and has no double hyphens."));
        }
        Ok(Self(slug))
    }

    /// A slug proposal derived from a name ("Acme Bank AG" → "acme-bank-ag").
    pub fn suggest(name: &str) -> String {
        let mut out = String::new();
        for c in name.trim().to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.truncate(40);
        out.trim_end_matches('-').to_string()
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trims a free-text name and checks it has 1 to 200 characters and no control characters.
fn parse_name(raw: &str, empty: &'static str) -> Result<String, InvalidValue> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(InvalidValue(empty));
    }
    if name.chars().count() > 200 {
        return Err(InvalidValue("At most 200 characters."));
    }
    if name.chars().any(char::is_control) {
        return Err(InvalidValue("Line breaks and control characters are not allowed here."));
    }
    Ok(name.to_string())
}

/// A person's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// 1 to 200 characters on one line.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        parse_name(raw, "Enter your name.").map(Self)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organisation's (workspace's) display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OrgName(String);

impl OrgName {
    /// 1 to 200 characters on one line.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        parse_name(raw, "Enter the organisation's name.").map(Self)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy (OWASP ASVS 2.1: length, not composition rules).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// Passwords long enough to pass the length rule yet guessed first by every attacker.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiopasdfgh",
    "qwerty123456",
    "iloveyou1234",
    "aaaaaaaaaaaa",
    "111111111111",
    "000000000000",
    "letmein12345",
    "welcome12345",
    "administrator",
    "changeme1234",
];

impl Password {
    /// 12 to 128 characters, not only spaces, not one of the best-known passwords.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let count = raw.chars().count();
        if count < 12 {
            return Err(InvalidValue("Use at least 12 characters; a short sentence works well."));
        }
        if count > 128 {
            return Err(InvalidValue("Use at most 128 characters."));
        }
        if raw.trim().is_empty() {
            return Err(InvalidValue("A password cannot be only spaces."));
        }
        if COMMON_PASSWORDS.contains(&raw.to_lowercase().as_str()) {
            return Err(InvalidValue("This password is too common; choose another."));
        }
        Ok(Self(raw.to_string()))
    }

    /// The clear text, only for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        assert!(Email::parse("first.last+tag@sub.example.org").is_ok());
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@exa mple.com",
            ".ada@example.com",
            "ada@-example.com",
            "<script>@x.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn slugs_follow_the_url_rules() {
        assert_eq!(OrgSlug::parse("Acme-Bank").unwrap().as_str(), "acme-bank");
        assert!(OrgSlug::parse("a1").is_ok());
        for bad in ["a", "-acme", "acme-", "ac--me", "acme bank", "acmé", "<b>", &"a".repeat(41)] {
            assert!(OrgSlug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn slug_suggestions_are_valid_slugs() {
        assert_eq!(OrgSlug::suggest("Acme Bank AG"), "acme-bank-ag");
        assert_eq!(OrgSlug::suggest("  Zürich  AI & Co. "), "z-rich-ai-co");
        assert!(OrgSlug::parse(&OrgSlug::suggest("Northwind Health Ltd.")).is_ok());
    }

    #[test]
    fn names_are_one_line_and_bounded() {
        assert_eq!(PersonName::parse("  Ada Lovelace ").unwrap().as_str(), "Ada Lovelace");
        assert!(PersonName::parse("   ").is_err());
        assert!(OrgName::parse("Acme\nBank").is_err());
        assert!(OrgName::parse(&"x".repeat(201)).is_err());
        assert!(OrgName::parse(&"x".repeat(200)).is_ok());
    }

    #[test]
    fn passwords_are_judged_by_length_not_composition() {
        assert!(Password::parse("correct horse battery").is_ok());
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("            ").is_err());
        assert!(Password::parse("Password1234").is_err());
        assert_eq!(format!("{:?}", Password::parse("correct horse battery").unwrap()), "Password(***)");
    }
}
