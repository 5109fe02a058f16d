# Oracle for data/gk.go: CGCS2000 3° Gauss-Krüger (EPSG:4545–4548) easting/northing from pyproj.
# Run: /usr/bin/python3 data/formats/testdata/gen_gk.py > data/formats/testdata/gk_pyproj.csv
import random
import pyproj

random.seed(4547)
print("epsg,lon,lat,easting,northing")
for code, cm in ((4545, 108), (4546, 111), (4547, 114), (4548, 117)):
    t = pyproj.Transformer.from_crs(4490, code, always_xy=True)
    pts = [(cm, 0.0), (cm, 30.0), (cm + 1.5, 29.0), (cm - 1.5, 33.5)]
    pts += [(cm + random.uniform(-3, 3), random.uniform(28.5, 34)) for _ in range(60)]
    for lon, lat in pts:
        e, n = t.transform(lon, lat)
        print(f"{code},{lon!r},{lat!r},{e:.6f},{n:.6f}")
