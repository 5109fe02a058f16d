// Package geo holds geometry on the WGS84 ellipsoid and the indexes over it: geodesic
// distances in metres and areas in square metres (Karney's algorithms, as PROJ/pyproj: DistanceM,
// AreaM2, PerimeterM), a cheap equirectangular ApproxDistanceM with an error bound and the
// WithinM accept/reject band, GCJ-02/BD-09 ↔ WGS84 conversion, PointIndex for exact geodesic
// radius and nearest queries, PreparedPolygon and PolygonIndex for point-in-polygon, and
// polygon Validate, Union, Intersection and Difference (simplefeatures). Point-in-polygon,
// validity and overlay are planar in lon/lat degrees; distances and areas are on the
// ellipsoid. It knows nothing about divisions or facilities. Points are orb.Point {lon, lat}
// in degrees.
package geo
