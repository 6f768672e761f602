//! Fixed sets of choices (occasions, states, modes) spelled as short kebab-case words.

/// A word that is not one of a choice's spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("This {what} is not one of the available choices.")]
pub struct UnknownChoice {
    /// Human name of the choice, e.g. "occasion".
    pub what: &'static str,
}

/// Declares a fieldless enum with `ALL`, `as_str`, `parse`, `FromStr`, `Display` and serde
/// as its words. `derive: [Default],` adds derives (mark the default variant `#[default]`).
macro_rules! choice {
    (
        $(#[$doc:meta])* $name:ident, what: $what:literal, $(derive: [$($extra:ident),*],)?
        { $($(#[$vdoc:meta])* $variant:ident => $word:literal),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize
            $($(, $extra)*)?
        )]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every choice, in display order.
            pub const ALL: [$name; [$($name::$variant),+].len()] = [$($name::$variant),+];

            /// The word for this choice, used in URLs and storage.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// Reads a word written by [`Self::as_str`] (exactly, after trimming).
            pub fn parse(s: &str) -> Result<Self, $crate::choice::UnknownChoice> {
                match s.trim() {
                    $($word => Ok($name::$variant),)+
                    _ => Err($crate::choice::UnknownChoice { what: $what }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::choice::UnknownChoice;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::choice::UnknownChoice;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> &'static str {
                value.as_str()
            }
        }
    };
}
