//! Property types as relation keys compare them, known at compile time: `#[derive(Model)]`
//! checks in constants that a foreign key has the type of the key it refers to.

/// The type of a property for key comparison (`number` whatever its Rust width).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyType {
    kind: Kind,
    list: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Number,
    Boolean,
    Date,
    /// GeoPoint, object: never a key.
    Other,
    /// `any` (and types lb knows nothing of): compatible with everything.
    Any,
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !a[i].eq_ignore_ascii_case(&b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

impl KeyType {
    /// `string`
    pub const STRING: KeyType = KeyType::scalar(Kind::String);
    /// `number` (integers and floats)
    pub const NUMBER: KeyType = KeyType::scalar(Kind::Number);
    /// `boolean`
    pub const BOOLEAN: KeyType = KeyType::scalar(Kind::Boolean);
    /// `date`
    pub const DATE: KeyType = KeyType::scalar(Kind::Date);
    /// GeoPoint, object
    pub const OTHER: KeyType = KeyType::scalar(Kind::Other);
    /// `any`
    pub const ANY: KeyType = KeyType::scalar(Kind::Any);

    const fn scalar(kind: Kind) -> KeyType {
        KeyType { kind, list: false }
    }

    /// A list of this type (`[T]`); a list of lists counts as a list of `any`.
    pub const fn list(self) -> KeyType {
        if self.list {
            return KeyType {
                kind: Kind::Any,
                list: true,
            };
        }
        KeyType {
            kind: self.kind,
            list: true,
        }
    }

    /// The type of a LoopBack type name (`"number"`, `"[string]"`, `"array"`...).
    pub const fn named(name: &str) -> KeyType {
        let b = name.as_bytes();
        if b.len() >= 2 && b[0] == b'[' && b[b.len() - 1] == b']' {
            let (_, rest) = b.split_at(1);
            let (inner, _) = rest.split_at(rest.len() - 1);
            return KeyType::named_bytes(inner).list();
        }
        KeyType::named_bytes(b)
    }

    const fn named_bytes(b: &[u8]) -> KeyType {
        if same(b, b"string") {
            KeyType::STRING
        } else if same(b, b"number") || same(b, b"integer") {
            KeyType::NUMBER
        } else if same(b, b"boolean") {
            KeyType::BOOLEAN
        } else if same(b, b"date") {
            KeyType::DATE
        } else if same(b, b"geopoint") || same(b, b"object") {
            KeyType::OTHER
        } else if same(b, b"array") {
            KeyType::ANY.list()
        } else {
            KeyType::ANY
        }
    }

    const fn kinds_match(a: Kind, b: Kind) -> bool {
        match (a, b) {
            (Kind::Any, _) | (_, Kind::Any) => true,
            (Kind::Other, _) | (_, Kind::Other) => false,
            _ => a as u8 == b as u8,
        }
    }

    /// Whether a key of this type can hold the values of a key of type `other`.
    pub const fn matches(self, other: KeyType) -> bool {
        self.list == other.list && KeyType::kinds_match(self.kind, other.kind)
    }

    /// Whether this is a list whose elements can hold the values of a key of type `element`
    /// (referencesMany).
    pub const fn lists(self, element: KeyType) -> bool {
        self.list && !element.list && KeyType::kinds_match(self.kind, element.kind)
    }
}

/// The type of property `name` among `names` (`None` when there is no such property).
#[doc(hidden)]
pub const fn key_type(names: &[&str], types: &[KeyType], name: &str) -> Option<KeyType> {
    let mut i = 0;
    while i < names.len() && i < types.len() {
        let (a, b) = (names[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return Some(types[i]);
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_types_compare_like_loopback_types() {
        assert!(KeyType::NUMBER.matches(KeyType::named("integer")));
        assert!(KeyType::STRING.matches(KeyType::named("String")));
        assert!(!KeyType::STRING.matches(KeyType::NUMBER));
        assert!(KeyType::ANY.matches(KeyType::DATE));
        assert!(!KeyType::OTHER.matches(KeyType::OTHER));
        assert!(KeyType::named("[number]").lists(KeyType::NUMBER));
        assert!(!KeyType::named("[string]").lists(KeyType::NUMBER));
        assert!(!KeyType::NUMBER.lists(KeyType::NUMBER));
        assert!(!KeyType::named("[number]").matches(KeyType::NUMBER));
        assert!(KeyType::named("array").lists(KeyType::STRING));
        let names = ["id", "name"];
        let types = [KeyType::NUMBER, KeyType::STRING];
        assert_eq!(key_type(&names, &types, "name"), Some(KeyType::STRING));
        assert_eq!(key_type(&names, &types, "nam"), None);
    }
}
