"""Measures a GeoJSON file's geometries with shapely (GEOS), independently of Tessera's code.

Usage: qupath_geojson_check.py FILE.geojson
Prints one JSON object per feature, in order, as a JSON list:
  {"type": geometry type, "valid": shapely is_valid, "why": explain_validity, "area": px^2,
   "length": px (a polygon's boundary, holes included; a line's length), "n": number of positions,
   "exterior_ccw": [per polygon, is the outer ring anticlockwise in the file's own x, y],
   "interior_ccw": [per hole, the same]}
"""
import json
import sys

from shapely.geometry import shape
from shapely.validation import explain_validity


def polygons_of(g):
    if g.geom_type == "Polygon":
        return [g]
    if g.geom_type == "MultiPolygon":
        return list(g.geoms)
    return []


def main(path):
    with open(path, encoding="utf-8") as f:
        collection = json.load(f)
    out = []
    for feature in collection["features"]:
        g = shape(feature["geometry"])
        polys = polygons_of(g)
        out.append({
            "type": g.geom_type,
            "valid": bool(g.is_valid),
            "why": explain_validity(g),
            "area": g.area,
            "length": g.length,
            "n": len(feature["geometry"]["coordinates"]) if g.geom_type in ("LineString", "MultiPoint") else None,
            "exterior_ccw": [p.exterior.is_ccw for p in polys],
            "interior_ccw": [r.is_ccw for p in polys for r in p.interiors],
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
