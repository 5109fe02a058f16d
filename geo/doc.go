// Package geo holds geometry on the WGS84 ellipsoid and the indexes over it: geodesic
// distances in metres and areas in square metres (Karney's algorithms, as PROJ/pyproj: DistanceM,
// AreaM2, PerimeterM; DistanceM takes lines under 10 km as the arc of their curvature, within
// nanometres of Karney's), a cheap equirectangular ApproxDistanceM with an error bound and the
// WithinM accept/reject band, the one CRS type every reader and writer converts through
// (WGS84, CGCS2000, GCJ-02, BD-09 and Gauss-Krüger zones, with exact inverses), PointIndex for
// exact geodesic radius and nearest queries, PreparedPolygon and PolygonIndex for
// point-in-polygon, and the one polygon validator Validate with Union, Intersection and
// Difference (simplefeatures, reached through the one conversion ToSF/FromSF). Point-in-polygon,
// validity and overlay are planar in lon/lat degrees; distances and areas are on the
// ellipsoid. It knows nothing about divisions or facilities. Points are orb.Point {lon, lat}
// in degrees.
package geo
