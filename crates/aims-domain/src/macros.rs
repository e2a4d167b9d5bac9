//! Small declarative helpers shared by the domain modules.

/// Declares a text-backed enum mirrored by a CHECK constraint: key, label, badge tone (neutral
/// unless given), parsing from a form, and a strict `TryFrom<String>` for stored values.
#[macro_export]
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $key:literal / $label:literal $(/ $tone:ident)?),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name { $(#[doc = $label] $(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored key.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// A label for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The badge colour, the same on every page.
            pub fn tone(self) -> $crate::Tone {
                match self { $($name::$variant => $crate::text_enum!(@tone $($tone)?)),+ }
            }
        }

        impl $crate::TextEnum for $name {
            fn all() -> &'static [Self] {
                Self::ALL
            }
            fn key(self) -> &'static str {
                self.as_str()
            }
            fn label(self) -> &'static str {
                $name::label(self)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::values::InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($key => Ok($name::$variant),)+
                    _ => Err($crate::values::InvalidValue(concat!("Choose a valid ", stringify!($name), "."))),
                }
            }
        }

        // A stored value that no variant knows is a bug or a bad migration: fail loudly instead of
        // reading it as some default.
        impl TryFrom<String> for $name {
            type Error = $crate::UnknownKey;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                match s.as_str() {
                    $($key => Ok($name::$variant),)+
                    _ => Err($crate::UnknownKey { kind: stringify!($name), key: s }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    (@tone) => { $crate::Tone::Neutral };
    (@tone $tone:ident) => { $crate::Tone::$tone };
}
