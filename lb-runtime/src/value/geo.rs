//! `GeoPoint`: LoopBack's geographic point and the distance computation behind `near`.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::js;

/// A point on earth. On the wire `{"lat":..,"lng":..}`; accepted also as `"lat,lng"` and
/// `[lat, lng]` (latitude first, as LoopBack does).
///
/// ```
/// use lb_runtime::GeoPoint;
/// let p: GeoPoint = serde_json::from_str("\"37.58,-122.34\"").unwrap();
/// assert_eq!(p, GeoPoint { lat: 37.58, lng: -122.34 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoPoint {
    /// Latitude, -90..=90.
    pub lat: f64,
    /// Longitude, -180..=180.
    pub lng: f64,
}

/// Units of `maxDistance`/`minDistance` (LoopBack's `unit`; default miles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DistanceUnit {
    /// miles (default)
    #[default]
    Miles,
    /// kilometers
    Kilometers,
    /// meters
    Meters,
    /// feet
    Feet,
    /// radians
    Radians,
    /// degrees
    Degrees,
}

impl DistanceUnit {
    /// Parses LoopBack's unit names.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "miles" => DistanceUnit::Miles,
            "kilometers" => DistanceUnit::Kilometers,
            "meters" => DistanceUnit::Meters,
            "feet" => DistanceUnit::Feet,
            "radians" => DistanceUnit::Radians,
            "degrees" => DistanceUnit::Degrees,
            _ => return None,
        })
    }

    /// LoopBack's name of the unit.
    pub fn name(self) -> &'static str {
        match self {
            DistanceUnit::Miles => "miles",
            DistanceUnit::Kilometers => "kilometers",
            DistanceUnit::Meters => "meters",
            DistanceUnit::Feet => "feet",
            DistanceUnit::Radians => "radians",
            DistanceUnit::Degrees => "degrees",
        }
    }

    /// Earth radius in this unit (the constants of loopback-datasource-juggler's geo module).
    pub fn earth_radius(self) -> f64 {
        match self {
            DistanceUnit::Miles => 3958.75,
            DistanceUnit::Kilometers => 6370.99056,
            DistanceUnit::Meters => 6_370_990.56,
            DistanceUnit::Feet => 20_902_200.0,
            DistanceUnit::Radians => 1.0,
            DistanceUnit::Degrees => 57.2957795,
        }
    }
}

impl GeoPoint {
    /// A validated point.
    pub fn new(lat: f64, lng: f64) -> Result<Self, String> {
        if !lat.is_finite() || !lng.is_finite() {
            return Err("lat and lng must be numbers".into());
        }
        if lat > 90.0 {
            return Err("lat must be <= 90".into());
        }
        if lat < -90.0 {
            return Err("lat must be >= -90".into());
        }
        if lng > 180.0 {
            return Err("lng must be <= 180".into());
        }
        if lng < -180.0 {
            return Err("lng must be >= -180".into());
        }
        Ok(GeoPoint { lat, lng })
    }

    /// Reads any of the accepted JSON forms.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        let num = |x: &Value| -> Result<f64, String> {
            match x {
                Value::Number(n) => n.as_f64().ok_or_else(|| "not a number".to_string()),
                Value::String(s) => js::string_to_number(s)
                    .filter(|_| !s.trim().is_empty())
                    .ok_or_else(|| format!("{s:?} is not a number")),
                _ => Err("lat and lng must be numbers".into()),
            }
        };
        match v {
            Value::Object(o) => match (o.get("lat"), o.get("lng")) {
                (Some(lat), Some(lng)) => GeoPoint::new(num(lat)?, num(lng)?),
                _ => Err("a GeoPoint object needs lat and lng".into()),
            },
            Value::String(s) => {
                let parts: Vec<&str> = s.split(',').collect();
                match parts.as_slice() {
                    [a, b] => GeoPoint::new(
                        num(&Value::String((*a).into()))?,
                        num(&Value::String((*b).into()))?,
                    ),
                    _ => Err(
                        "must provide a string \"lat,lng\" creating a GeoPoint with a string"
                            .into(),
                    ),
                }
            }
            Value::Array(a) => match a.as_slice() {
                [lat, lng] => GeoPoint::new(num(lat)?, num(lng)?),
                _ => Err("an array GeoPoint must be [lat, lng]".into()),
            },
            _ => Err("a GeoPoint is {lat, lng}, \"lat,lng\" or [lat, lng]".into()),
        }
    }

    /// The JSON form `{"lat":..,"lng":..}`.
    pub fn to_json(self) -> Value {
        let mut o = serde_json::Map::new();
        o.insert("lat".into(), js::number(self.lat));
        o.insert("lng".into(), js::number(self.lng));
        Value::Object(o)
    }

    /// Great-circle (haversine) distance in `unit`.
    pub fn distance_to(self, other: GeoPoint, unit: DistanceUnit) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = (other.lat - self.lat).to_radians();
        let dlng = (other.lng - self.lng).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
        let c = 2.0 * a.sqrt().atan2((1.0 - a).sqrt());
        unit.earth_radius() * c
    }
}

impl fmt::Display for GeoPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.lat, self.lng)
    }
}

impl<'de> Deserialize<'de> for GeoPoint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        GeoPoint::from_json(&v).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forms() {
        let p = GeoPoint {
            lat: 10.0,
            lng: 20.0,
        };
        assert_eq!(GeoPoint::from_json(&json!({"lat": 10, "lng": 20})), Ok(p));
        assert_eq!(
            GeoPoint::from_json(&json!({"lat": "10", "lng": "20"})),
            Ok(p)
        );
        assert_eq!(GeoPoint::from_json(&json!("10,20")), Ok(p));
        assert_eq!(GeoPoint::from_json(&json!([10, 20])), Ok(p));
        assert_eq!(
            GeoPoint::from_json(&json!({"lat": 91, "lng": 0})),
            Err("lat must be <= 90".into())
        );
        assert!(GeoPoint::from_json(&json!("bad")).is_err());
    }

    #[test]
    fn distance() {
        let a = GeoPoint {
            lat: 10.0,
            lng: 20.0,
        };
        let b = GeoPoint {
            lat: 10.1,
            lng: 20.1,
        };
        let km = a.distance_to(b, DistanceUnit::Kilometers);
        assert!((15.0..16.0).contains(&km), "{km}");
    }
}
