#!/usr/bin/python3
"""Writes the pyproj oracle files for the geo package tests (run from anywhere):

    /usr/bin/python3 geo/testdata/gen_geod.py

geod_pairs.csv:    random point pairs (fixed seed) with pyproj's WGS84 inverse distance (m)
                   and forward azimuth (deg).
county_areas.csv:  pyproj's geodesic area (m^2, outer rings minus holes) and outer-ring
                   perimeter (m) of every feature in counties_wgs84.geojson, which the Go
                   program export_counties.go writes (GCJ-02 -> WGS84 conversion).

Nothing here calls the Go code under test: the expected values come from PROJ's geodesic
implementation (pyproj.Geod(ellps='WGS84')).
"""
import csv
import json
import os
import random

import pyproj

HERE = os.path.dirname(os.path.abspath(__file__))
GEOD = pyproj.Geod(ellps='WGS84')


def pairs(rng):
    out = []

    def add(kind, lon1, lat1, lon2, lat2):
        out.append((kind, lon1, lat1, lon2, lat2))

    # Short (< 1 km) around China and worldwide.
    for _ in range(250):
        lon, lat = rng.uniform(73, 135), rng.uniform(18, 54)
        d = rng.uniform(0.0, 0.009)
        add('short', lon, lat, lon + d * rng.choice([-1, 1]) * rng.random(), lat + d * rng.choice([-1, 1]) * rng.random())
    for _ in range(50):
        lon, lat = rng.uniform(-180, 180), rng.uniform(-89.9, 89.9)
        add('short', lon, lat, lon + rng.uniform(-1e-4, 1e-4), lat + rng.uniform(-1e-4, 1e-4))
    # Medium (1-300 km).
    for _ in range(250):
        lon, lat = rng.uniform(73, 135), rng.uniform(18, 54)
        add('medium', lon, lat, lon + rng.uniform(-2.5, 2.5), lat + rng.uniform(-2.5, 2.5))
    # Long, anywhere.
    for _ in range(250):
        add('long', rng.uniform(-180, 180), rng.uniform(-90, 90), rng.uniform(-180, 180), rng.uniform(-90, 90))
    # Near-antipodal.
    for _ in range(150):
        lon, lat = rng.uniform(-180, 180), rng.uniform(-89, 89)
        add('antipodal', lon, lat, lon + 180 + rng.uniform(-0.5, 0.5), -lat + rng.uniform(-0.5, 0.5))
    for lat in (0.0, 0.1, 1.0, 30.0, 89.0):
        add('antipodal', 0.0, lat, 180.0, -lat)
        add('antipodal', 0.0, lat, 179.5, -lat)
    # Equator and meridians.
    for _ in range(40):
        add('equator', rng.uniform(-180, 180), 0.0, rng.uniform(-180, 180), 0.0)
    for _ in range(40):
        lon = rng.uniform(-180, 180)
        add('meridian', lon, rng.uniform(-90, 90), lon, rng.uniform(-90, 90))
    for _ in range(20):
        lon = rng.uniform(-180, 180)
        add('meridian', lon, rng.uniform(-90, 90), lon + 180, rng.uniform(-90, 90))
    # Poles and coincident points.
    add('pole', 0.0, 90.0, 10.0, -90.0)
    add('pole', 10.0, 90.0, 100.0, 45.0)
    add('pole', 10.0, -90.0, 100.0, -89.999)
    add('coincident', 114.3, 30.6, 114.3, 30.6)
    add('coincident', 0.0, 0.0, 0.0, 0.0)
    return out


def write_pairs():
    rng = random.Random(20261130)
    path = os.path.join(HERE, 'geod_pairs.csv')
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['kind', 'lon1', 'lat1', 'lon2', 'lat2', 'dist_m', 'azi1_deg'])
        for kind, lon1, lat1, lon2, lat2 in pairs(rng):
            az12, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
            w.writerow([kind, repr(lon1), repr(lat1), repr(lon2), repr(lat2), repr(dist), repr(az12)])
    print('wrote', path)


def rings_of(geom):
    if geom['type'] == 'Polygon':
        return [geom['coordinates']]
    if geom['type'] == 'MultiPolygon':
        return geom['coordinates']
    raise ValueError('unexpected geometry type %s' % geom['type'])


def write_areas():
    src = os.path.join(HERE, 'counties_wgs84.geojson')
    if not os.path.exists(src):
        print('skip county areas:', src, 'missing (run go run geo/testdata/export_counties.go)')
        return
    with open(src) as f:
        fc = json.load(f)
    path = os.path.join(HERE, 'county_areas.csv')
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['feature', 'adcode', 'area_m2', 'outer_perimeter_m'])
        for i, feat in enumerate(fc['features']):
            area, perim = 0.0, 0.0
            for poly in rings_of(feat['geometry']):
                for j, ring in enumerate(poly):
                    lons = [p[0] for p in ring]
                    lats = [p[1] for p in ring]
                    a, p = GEOD.polygon_area_perimeter(lons, lats)
                    if j == 0:
                        area += abs(a)
                        perim += p
                    else:
                        area -= abs(a)
            w.writerow([i, feat['properties'].get('adcode', ''), repr(area), repr(perim)])
    print('wrote', path)


if __name__ == '__main__':
    write_pairs()
    write_areas()
