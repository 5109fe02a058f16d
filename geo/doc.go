// Package geo holds geometry on the WGS84 ellipsoid and the indexes over it: geodesic
// distances in metres and areas in square metres, GCJ-02/BD-09 ↔ WGS84 conversion, point
// indexes for radius and nearest queries, prepared point-in-polygon, and polygon validity and
// union (simplefeatures). It knows nothing about divisions or facilities. Points are orb.Point
// {lon, lat} in degrees.
package geo
