//! Municipal boundaries as geometry: which municipality a point falls in.

use crate::{GeoPoint, MunicipalityId};
use geo::{BoundingRect, Contains, MultiPolygon, Point, Rect};

/// Why a boundaries GeoJSON cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// Not GeoJSON.
    #[error("не GeoJSON: {0}")]
    Parse(String),
    /// Not a FeatureCollection.
    #[error("ожидается FeatureCollection")]
    NotCollection,
    /// A feature lacks its `id` property.
    #[error("у объекта №{0} нет свойства id")]
    MissingId(usize),
    /// A feature is not a polygon.
    #[error("объект «{0}»: геометрия должна быть Polygon или MultiPolygon")]
    NotPolygon(String),
}

/// The municipalities' polygons, with their bounding boxes for quick rejection.
#[derive(Debug, Clone)]
pub struct Boundaries {
    shapes: Vec<(MunicipalityId, MultiPolygon<f64>, Rect<f64>)>,
}

impl Boundaries {
    /// Parses a FeatureCollection whose features carry an `id` property.
    pub fn parse(text: &str) -> Result<Boundaries, GeoError> {
        let gj: geojson::GeoJson = text.parse().map_err(|e: geojson::Error| GeoError::Parse(e.to_string()))?;
        let geojson::GeoJson::FeatureCollection(fc) = gj else {
            return Err(GeoError::NotCollection);
        };
        let mut shapes = Vec::with_capacity(fc.features.len());
        for (i, feature) in fc.features.into_iter().enumerate() {
            let id = feature.properties.as_ref().and_then(|p| p.get("id")).and_then(|v| v.as_str()).map(MunicipalityId::from).ok_or(GeoError::MissingId(i))?;
            let geometry = feature.geometry.ok_or_else(|| GeoError::NotPolygon(id.0.clone()))?;
            let shape: geo::Geometry<f64> = geometry.try_into().map_err(|_| GeoError::NotPolygon(id.0.clone()))?;
            let multi = match shape {
                geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
                geo::Geometry::MultiPolygon(m) => m,
                _ => return Err(GeoError::NotPolygon(id.0.clone())),
            };
            let rect = multi.bounding_rect().ok_or_else(|| GeoError::NotPolygon(id.0.clone()))?;
            shapes.push((id, multi, rect));
        }
        Ok(Boundaries { shapes })
    }

    /// The ids of the municipalities that have a boundary.
    pub fn ids(&self) -> impl Iterator<Item = &MunicipalityId> {
        self.shapes.iter().map(|(id, _, _)| id)
    }

    /// Whether a municipality has a boundary.
    pub fn contains_municipality(&self, id: &MunicipalityId) -> bool {
        self.shapes.iter().any(|(m, _, _)| m == id)
    }

    /// Whether the point lies inside the municipality.
    pub fn point_in_municipality(&self, id: &MunicipalityId, point: GeoPoint) -> bool {
        let p = Point::new(point.lon, point.lat);
        self.shapes.iter().any(|(m, shape, rect)| m == id && rect.contains(&p) && shape.contains(&p))
    }

    /// The municipality a point falls in, if any.
    pub fn locate(&self, point: GeoPoint) -> Option<&MunicipalityId> {
        let p = Point::new(point.lon, point.lat);
        self.shapes.iter().find(|(_, shape, rect)| rect.contains(&p) && shape.contains(&p)).map(|(id, _, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARES: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
      {"type":"Feature","properties":{"id":"b"},"geometry":{"type":"MultiPolygon","coordinates":[[[[1,0],[2,0],[2,1],[1,1],[1,0]]],[[[5,5],[6,5],[6,6],[5,6],[5,5]]]]}}
    ]}"#;

    #[test]
    fn locates_points() {
        let b = Boundaries::parse(SQUARES).unwrap();
        let cases = [((0.5, 0.5), Some("a")), ((1.5, 0.5), Some("b")), ((5.5, 5.5), Some("b")), ((3.0, 3.0), None)];
        for ((lon, lat), expected) in cases {
            assert_eq!(b.locate(GeoPoint { lon, lat }).map(|m| m.as_str()), expected, "{lon},{lat}");
        }
        assert!(b.point_in_municipality(&"b".into(), GeoPoint { lon: 5.2, lat: 5.9 }));
    }

    #[test]
    fn rejects_features_without_id() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}}]}"#;
        assert!(matches!(Boundaries::parse(text), Err(GeoError::MissingId(0))));
    }
}
