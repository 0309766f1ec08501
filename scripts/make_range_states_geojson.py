#!/usr/bin/env python3
"""Build data/geo/range_states.geojson from Natural Earth admin-0 countries.

Usage:
    python scripts/make_range_states_geojson.py PATH_TO_SHP OUT [--simplify TOL]

PATH_TO_SHP is a Natural Earth admin-0 countries shapefile with ``name`` and
``iso_a3`` attributes, e.g. the 1:110m ``naturalearth_lowres.shp`` bundled in
the geopandas 0.14.4 wheel (``geopandas/datasets/naturalearth_lowres/``).

Only needs ``pyshp`` (``pip install pyshp``); it is NOT a project dependency
and is only needed to regenerate the file.  See data/geo/README.md.

What it does, per range state:
  1. pick the record by ``iso_a3`` (falls back to the Natural Earth name when
     the code is missing / "-99");
  2. split the shape into rings; shapefile exteriors are clockwise, holes
     counter-clockwise -> group holes into the exterior that contains them;
  3. antimeridian: drop rings lying wholly in the western hemisphere (for
     Russia that is the Chukotka tip east of 180 deg, far from the manul
     range); any ring that still jumps across +/-180 is unwrapped and clipped
     at lon = 180;
  4. optionally simplify (Douglas-Peucker, keeps rings closed and >= 4 points);
  5. round to 3 decimals, drop repeated points, re-close rings, drop
     degenerate rings;
  6. wind rings per RFC 7946 (exterior counter-clockwise, holes clockwise);
  7. write a FeatureCollection whose features carry exactly ``iso3`` and
     ``name``, then validate it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import shapefile  # pyshp

# Pallas's cat (Otocolobus manul) range states, ISO 3166-1 alpha-3.
RANGE_STATES = [
    "AFG",
    "ARM",
    "AZE",
    "BTN",
    "CHN",
    "IND",
    "IRN",
    "KAZ",
    "KGZ",
    "MNG",
    "NPL",
    "PAK",
    "RUS",
    "TJK",
    "TKM",
    "UZB",
]

# Natural Earth names, used only if a record's iso_a3 is "-99"/missing.
FALLBACK_NAMES = {
    "AFG": "Afghanistan",
    "ARM": "Armenia",
    "AZE": "Azerbaijan",
    "BTN": "Bhutan",
    "CHN": "China",
    "IND": "India",
    "IRN": "Iran",
    "KAZ": "Kazakhstan",
    "KGZ": "Kyrgyzstan",
    "MNG": "Mongolia",
    "NPL": "Nepal",
    "PAK": "Pakistan",
    "RUS": "Russia",
    "TJK": "Tajikistan",
    "TKM": "Turkmenistan",
    "UZB": "Uzbekistan",
}

DECIMALS = 3
MAX_BYTES = 400 * 1024


# ---------------------------------------------------------------- geometry
def signed_area(ring):
    """Shoelace; > 0 for counter-clockwise rings."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:])) / 2.0


def point_in_ring(pt, ring):
    x, y = pt
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y):
            xc = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < xc:
                inside = not inside
    return inside


def close(ring):
    ring = list(ring)
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def crosses_antimeridian(ring):
    return any(abs(a[0] - b[0]) > 180 for a, b in zip(ring, ring[1:]))


def clip_east_of_180(ring):
    """Unwrap a ring that jumps across the antimeridian (negative longitudes
    become > 180) and clip it to lon <= 180 (Sutherland-Hodgman, one edge)."""
    pts = [(x + 360.0 if x < 0 else x, y) for x, y in ring[:-1]]
    out = []
    n = len(pts)
    for i in range(n):
        cur, nxt = pts[i], pts[(i + 1) % n]
        cur_in, nxt_in = cur[0] <= 180.0, nxt[0] <= 180.0
        if cur_in:
            out.append(cur)
        if cur_in != nxt_in:
            t = (180.0 - cur[0]) / (nxt[0] - cur[0])
            out.append((180.0, cur[1] + t * (nxt[1] - cur[1])))
    return close(out)


def _perp_dist(p, a, b):
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def douglas_peucker(points, tol):
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        s, e = stack.pop()
        best, idx = -1.0, None
        for i in range(s + 1, e):
            d = _perp_dist(points[i], points[s], points[e])
            if d > best:
                best, idx = d, i
        if idx is not None and best > tol:
            keep[idx] = True
            stack += [(s, idx), (idx, e)]
    return [p for p, k in zip(points, keep) if k]


def simplify_ring(ring, tol):
    if tol <= 0 or len(ring) <= 5:
        return ring
    # Split the closed ring at its farthest point from the start so both
    # halves have distinct end points, simplify each, and re-join.
    far = max(
        range(len(ring)), key=lambda i: math.hypot(ring[i][0] - ring[0][0], ring[i][1] - ring[0][1])
    )
    a = douglas_peucker(ring[: far + 1], tol)
    b = douglas_peucker(ring[far:], tol)
    out = a[:-1] + b
    return out if len(out) >= 4 else ring


def clean_ring(ring):
    """Round, drop consecutive duplicates, keep closed; None if degenerate."""
    out = []
    for x, y in ring:
        p = [round(x, DECIMALS), round(y, DECIMALS)]
        p = [0.0 if v == 0 else v for v in p]  # no "-0.0"
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(list(out[0]))
    if len(out) < 4 or abs(signed_area(out)) == 0:
        return None
    return out


def wind(ring, ccw):
    return ring if (signed_area(ring) > 0) == ccw else ring[::-1]


def shape_to_polygons(shape, tol, log):
    pts = shape.points
    bounds = list(shape.parts) + [len(pts)]
    exteriors, holes = [], []
    for s, e in zip(bounds, bounds[1:]):
        ring = close([tuple(p) for p in pts[s:e]])
        if len(ring) < 4:
            continue
        if max(x for x, _ in ring) < 0:
            log(
                f"  dropped ring wholly west of 0 deg (east of antimeridian), "
                f"{len(ring)} pts, lon {min(x for x, _ in ring):.2f}..{max(x for x, _ in ring):.2f}"
            )
            continue
        if crosses_antimeridian(ring):
            log("  ring crosses the antimeridian: clipped at lon 180")
            ring = clip_east_of_180(ring)
        # shapefile spec: exteriors clockwise (area < 0), holes counter-clockwise
        (holes if signed_area(ring) > 0 else exteriors).append(ring)

    polys = [[ext] for ext in exteriors]
    for h in holes:
        owner = next((p for p in polys if point_in_ring(h[0], p[0])), None)
        if owner is None:
            log("  orphan hole treated as exterior")
            polys.append([h])
        else:
            owner.append(h)

    result = []
    for poly in polys:
        rings = []
        for i, ring in enumerate(poly):
            r = clean_ring(simplify_ring(ring, tol))
            if r is None:
                if i == 0:
                    break  # degenerate exterior: drop whole polygon
                continue
            rings.append(wind(r, ccw=(i == 0)))
        if rings:
            result.append(rings)
    return result


# ---------------------------------------------------------------- main
def find_records(reader):
    by_iso, by_name = {}, {}
    for sr in reader.iterShapeRecords():
        rec = sr.record.as_dict()
        by_iso.setdefault(str(rec.get("iso_a3", "")).strip(), sr)
        by_name.setdefault(str(rec.get("name", "")).strip(), sr)
    chosen = {}
    for iso in RANGE_STATES:
        sr = by_iso.get(iso)
        if sr is None:
            sr = by_name.get(FALLBACK_NAMES[iso])
            if sr is None:
                raise SystemExit(f"{iso}: not found by iso_a3 nor by name {FALLBACK_NAMES[iso]!r}")
            print(
                f"{iso}: matched by name {FALLBACK_NAMES[iso]!r} (iso_a3 is {sr.record['iso_a3']!r})"
            )
        chosen[iso] = sr
    return chosen


def build(shp_path, tol):
    reader = shapefile.Reader(shp_path)
    features = []
    for iso, sr in find_records(reader).items():
        msgs = []
        polys = shape_to_polygons(sr.shape, tol, msgs.append)
        if not polys:
            raise SystemExit(f"{iso}: no geometry left")
        for m in msgs:
            print(f"{iso}:{m}")
        geom = (
            {"type": "Polygon", "coordinates": polys[0]}
            if len(polys) == 1
            else {"type": "MultiPolygon", "coordinates": polys}
        )
        features.append(
            {
                "type": "Feature",
                "properties": {"iso3": iso, "name": str(sr.record["name"]).strip()},
                "geometry": geom,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def dumps(fc):
    # One feature per line: compact but still diffable.
    feats = ",\n".join(
        json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in fc["features"]
    )
    return '{"type":"FeatureCollection","features":[\n' + feats + "\n]}\n"


def validate(fc):
    feats = fc["features"]
    assert fc["type"] == "FeatureCollection"
    assert len(feats) == len(RANGE_STATES), len(feats)
    assert sorted(f["properties"]["iso3"] for f in feats) == sorted(RANGE_STATES)
    for f in feats:
        assert set(f["properties"]) == {"iso3", "name"}, f["properties"]
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        assert g["type"] in ("Polygon", "MultiPolygon")
        for poly in polys:
            for i, ring in enumerate(poly):
                iso = f["properties"]["iso3"]
                assert len(ring) >= 4, iso
                assert ring[0] == ring[-1], f"{iso}: ring not closed"
                assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring), iso
                assert not crosses_antimeridian(ring), f"{iso}: ring jumps across 180"
                assert (signed_area(ring) > 0) == (i == 0), f"{iso}: winding"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("shp", help="Natural Earth admin-0 shapefile (.shp)")
    ap.add_argument("out", help="output GeoJSON path")
    ap.add_argument(
        "--simplify",
        type=float,
        default=0.0,
        help="Douglas-Peucker tolerance in degrees (default 0 = off)",
    )
    args = ap.parse_args(argv)

    fc = build(args.shp, args.simplify)
    validate(fc)
    text = dumps(fc)
    validate(json.loads(text))
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise SystemExit(f"output is {size} bytes (> {MAX_BYTES}); rerun with --simplify")
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    npts = sum(
        len(r)
        for f in fc["features"]
        for p in (
            [f["geometry"]["coordinates"]]
            if f["geometry"]["type"] == "Polygon"
            else f["geometry"]["coordinates"]
        )
        for r in p
    )
    print(f"wrote {args.out}: {len(fc['features'])} features, {npts} points, {size} bytes")


if __name__ == "__main__":
    sys.exit(main())
