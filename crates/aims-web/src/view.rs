//! Small formatting helpers templates call (dates, JSON values, changes between two snapshots).

use serde_json::Value;
use time::{Date, OffsetDateTime};

/// `2026-11-27 21:05 UTC`.
pub fn datetime(at: &OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute())
}

/// `2026-11-27`.
pub fn date(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// An optional date, or a dash.
pub fn opt_date(d: &Option<Date>) -> String {
    d.as_ref().map_or_else(|| "—".to_string(), date)
}

/// A JSON value as plain text (strings without quotes, null as a dash).
pub fn json_text(value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One field that differs between the before and after snapshots of an audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Field name.
    pub field: String,
    /// Value before (None for a new field).
    pub before: Option<String>,
    /// Value after (None for a removed field).
    pub after: Option<String>,
}

/// The fields that differ between two snapshots (all fields of a creation or deletion).
pub fn changes(before: &Option<Value>, after: &Option<Value>) -> Vec<Change> {
    let empty = serde_json::Map::new();
    let b = before.as_ref().and_then(Value::as_object).unwrap_or(&empty);
    let a = after.as_ref().and_then(Value::as_object).unwrap_or(&empty);
    // A null field counts as absent, so a creation does not list its empty fields.
    let present = |m: &serde_json::Map<String, Value>, k: &str| m.get(k).filter(|v| !v.is_null()).map(json_text);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|k| Change { field: k.replace('_', " "), before: present(b, k), after: present(a, k) })
        .filter(|c| c.before != c.after)
        .collect()
}

/// The dash length of the progress ring's arc (radius 52) for a percentage.
pub fn ring_dash(percent: u32) -> String {
    let circumference = 2.0 * std::f64::consts::PI * 52.0;
    format!("{:.1} {:.1}", circumference * f64::from(percent) / 100.0, circumference)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_list_only_what_differs() {
        let before = Some(json!({"role": "auditor", "user": "Ada", "access_until": "2027-01-31"}));
        let after = Some(json!({"role": "implementer", "user": "Ada", "access_until": null}));
        let c = changes(&before, &after);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0], Change { field: "access until".into(), before: Some("2027-01-31".into()), after: None });
        assert_eq!(c[1].after.as_deref(), Some("implementer"));
        let created = changes(&None, &Some(json!({"a": 1, "b": null})));
        assert_eq!(created, vec![Change { field: "a".into(), before: None, after: Some("1".into()) }]);
    }

    #[test]
    fn datetimes_are_shown_in_utc() {
        let at = time::macros::datetime!(2026-11-27 23:30 +02:00);
        assert_eq!(datetime(&at), "2026-11-27 21:30 UTC");
    }
}
