#!/usr/bin/env python3
"""Derive the committed geographic reference data of tsur from the shared source data.

Reads the read-only source files of the Astrakhan oblast (OSM municipal boundaries, the
2021 census table 5, the hflabs town list and the Natural Earth Volga line) and writes
into ``data/reference/geo/``:

* ``municipalities.csv``   the 13 municipalities with census population and label points;
* ``boundaries.geojson``   their boundaries, simplified topologically with mapshaper;
* ``oblast_outline.geojson`` the outline dissolved from the simplified boundaries;
* ``volga.geojson``        the Volga centre line, rounded;
* ``settlements.csv``      every поселение / city district of the census table, with a point;
* ``towns.csv``            the six towns, for map labels;
* ``README.md``            what the files are, sources, licences and how to regenerate.

Usage (from anywhere)::

    tools/refdata/derive_geo.sh [SOURCE_DIR] [--out OUT_DIR]

SOURCE_DIR defaults to ``../shared/data/geo`` relative to the repository root. The run is
deterministic: running it twice gives byte-identical files. It needs Python 3.11,
shapely, and mapshaper (run through ``npx``, version pinned below).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import LineString, MultiLineString, Point, shape
from shapely.ops import unary_union
from shapely.prepared import prep
from shapely.validation import explain_validity

# --------------------------------------------------------------------------------------
# Fixed parameters. Changing any of them changes the output files.
# --------------------------------------------------------------------------------------

#: mapshaper release used for simplification and dissolving (pinned for reproducibility).
MAPSHAPER_VERSION = "0.7.70"
#: Simplification: weighted Visvalingam (mapshaper's default), everything below this
#: resolution is removed; ``keep-shapes`` keeps small rings such as exclaves and holes.
SIMPLIFY_INTERVAL = "200m"
#: Coordinate precision of the polygon files (5 decimals, about 1 m).
POLY_DECIMALS = 5
#: Coordinate precision of the river line.
RIVER_DECIMALS = 5
#: Coordinate precision of points in the CSV files.
POINT_DECIMALS = 5
#: Upper bound for boundaries.geojson.
MAX_BOUNDARIES_BYTES = 150 * 1024

#: Seed of the synthetic placement of settlements.
PLACEMENT_SEED = "tsur-refdata-geo-v1"
#: Wanted clearance of a placed point from its municipality's edge, km.
EDGE_MARGIN_KM = 1.0
#: Decay length of the preference for places near the Volga, km.
VOLGA_DECAY_KM = 25.0
#: Placed points stay north of this latitude: a rough mask for the Caspian coastal water
#: that the OSM shapes of the delta districts include (no coastline in the sources).
SEA_MASK_LAT = 45.72
#: Local equirectangular projection used for distances (km per degree).
PROJ_LON0 = 47.0
PROJ_LAT0 = 47.0
KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(PROJ_LAT0))

#: Population of the oblast in the 2021 census.
OBLAST_POPULATION = 960142

#: Municipalities in the order of the census table (and of every output file).
MUNICIPALITY_ORDER = [
    "astrakhan", "znamensk", "akhtubinsky", "volodarsky", "enotaevsky", "ikryaninsky",
    "kamyzyaksky", "krasnoyarsky", "limansky", "narimanovsky", "privolzhsky",
    "kharabalinsky", "chernoyarsky",
]

#: Approximate positions of Astrakhan's four city districts, as offsets in km
#: (east, north) from the hflabs coordinate of the city: Kirovsky holds the historic
#: centre, Leninsky lies to the north-east, Sovetsky to the south, Trusovsky on the right
#: (west) bank of the Volga. They are synthetic ("placed"), for orientation only, and must
#: stay at least CITY_DISTRICT_MARGIN_KM inside the city's simplified polygon.
CITY_DISTRICT_OFFSETS_KM = {
    "Кировский район": (-1.6, -1.7),
    "Ленинский район": (1.8, 1.6),
    "Советский район": (-0.8, -5.6),
    "Трусовский район": (-4.6, -4.5),
}

CITY_DISTRICT_MARGIN_KM = 0.5

#: The oblast's six towns in the hflabs list: hflabs name -> municipality.
TOWN_MUNICIPALITY = {
    "Астрахань": "astrakhan",
    "Ахтубинск": "akhtubinsky",
    "Знаменск": "znamensk",
    "Камызяк": "kamyzyaksky",
    "Нариманов": "narimanovsky",
    "Харабали": "kharabalinsky",
}

SOURCE_FILES = {
    "districts": "astrakhan_districts_pop2021.geojson",
    "municipal_csv": "astrakhan_municipal_population_census2021.csv",
    "census": "astrakhan_census2021_tab5_rosstat.csv",
    "towns": "astrakhan_towns_hflabs.csv",
    "rivers": "astrakhan_rivers_naturalearth10m.geojson",
}


class DataError(Exception):
    """The source data do not satisfy an expectation of this script."""


def check(condition: bool, message: str) -> None:
    """Raise DataError unless the condition holds (kept active under ``python -O``)."""
    if not condition:
        raise DataError(message)


# --------------------------------------------------------------------------------------
# Transliteration (for ASCII ids)
# --------------------------------------------------------------------------------------

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}


def slugify(text: str) -> str:
    """Lower-case ASCII slug of a Russian name, e.g. «Верхний Баскунчак» -> verkhny-baskunchak.

    A simplified BGN-like scheme that reproduces the municipality slugs of the source
    (Камызякский -> kamyzyaksky): adjective endings -ий/-ый at a word end become -y.
    """
    text = text.lower()
    text = re.sub(r"(ий|ый)\b", "ы", text)  # -ий/-ый -> y (via ы)
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text)
    out = re.sub(r"[^a-z0-9]+", "-", out).strip("-")
    check(bool(out), f"empty slug for {text!r}")
    return out


# --------------------------------------------------------------------------------------
# Census table
# --------------------------------------------------------------------------------------


@dataclass
class Settlement:
    """One settlement-level unit of the census table (поселение or city district)."""

    municipality_id: str
    name_ru: str
    kind: str  # city_district | urban | rural
    population: int
    #: Place named by the row itself after " - " (e.g. «село Никольское»), if any.
    suffix_place: str | None = None
    #: Nested rows below it: (label, population).
    subrows: list[tuple[str, int]] = field(default_factory=list)
    id: str = ""
    place_ru: str = ""
    lon: float = 0.0
    lat: float = 0.0
    coord_source: str = ""

    @property
    def urban_population(self) -> int:
        """The part of the population that the census counts as urban."""
        if self.kind == "rural":
            return 0
        urban_rows = [p for label, p in self.subrows if label.startswith("Городское население")]
        return sum(urban_rows) if urban_rows else self.population


@dataclass
class Municipality:
    """A municipality as found in the census table."""

    id: str
    rosstat_name: str
    population: int
    urban: int = 0
    rural: int = 0
    settlements: list[Settlement] = field(default_factory=list)


def parse_int(text: str) -> int:
    """Census numbers use a comma as thousands separator."""
    return int(text.replace(",", "").strip())


_MUNICIPALITY_ROW = re.compile(r"^(Городской округ \S+|\S+ муниципальный район)(?: - (.*))?$")
_SETTLEMENT_ROW = re.compile(r"^(Городское|Сельское) поселение ")
_CITY_DISTRICT_ROW = re.compile(r"^\S+ район$")
_POP_KIND = {"городское население": "urban", "сельское население": "rural"}


def parse_census(path: Path, rosstat_to_id: dict[str, str]) -> dict[str, Municipality]:
    """Parse the Astrakhan block of census table 5 into municipalities and settlements.

    The table is a flat list of labelled rows; nesting is implied by the labels:
    municipality rows, their «Городское/Сельское население» split, поселение rows
    («Городское поселение …», «Сельское поселение …»), and rows nested under a поселение
    (its urban/rural split, or a named place over 3,000 people plus «прочие …»). Each
    поселение is taken once, from its own row; nested rows only serve checks and names.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    check(rows[0][0] == "Объект", "unexpected census header")
    body = rows[1:]
    check(body[0][0] == "Астраханская область", "census table does not start with the oblast")
    check(parse_int(body[0][1]) == OBLAST_POPULATION, "oblast population is not 960,142")

    municipalities: dict[str, Municipality] = {}
    current_m: Municipality | None = None
    current_s: Settlement | None = None
    city_districts = False
    for label, total, *_ in body[3:]:  # skip the oblast and its urban/rural split
        label = label.strip()
        match = _MUNICIPALITY_ROW.match(label)
        if match:
            name, rest = match.group(1), match.group(2)
            check(name in rosstat_to_id, f"unknown municipality in census: {name!r}")
            current_m = Municipality(rosstat_to_id[name], name, parse_int(total))
            municipalities[current_m.id] = current_m
            current_s, city_districts = None, False
            if rest:
                # "… - городское население - г. Знаменск" or "… - сельское население"
                parts = rest.split(" - ")
                kind = _POP_KIND[parts[0]]
                setattr(current_m, kind, current_m.population)
                if current_m.id == "znamensk":
                    # The ZATO is one town: the okrug row is the settlement itself.
                    current_s = Settlement(current_m.id, name, "urban", current_m.population,
                                           suffix_place=parts[1])
                    current_m.settlements.append(current_s)
            continue
        check(current_m is not None, f"row before any municipality: {label!r}")
        if label == "внутригородские районы":
            city_districts = True
            continue
        if city_districts:
            check(bool(_CITY_DISTRICT_ROW.match(label)), f"unexpected city row {label!r}")
            current_s = Settlement(current_m.id, label, "city_district", parse_int(total))
            current_m.settlements.append(current_s)
            continue
        if _SETTLEMENT_ROW.match(label):
            parts = label.split(" - ")
            kind = "urban" if label.startswith("Городское") else "rural"
            suffix = [p for p in parts[1:] if p not in _POP_KIND]
            check(len(suffix) <= 1, f"cannot read settlement row {label!r}")
            for p in parts[1:]:
                if p in _POP_KIND:
                    check(_POP_KIND[p] == kind, f"settlement row of mixed kind {label!r}")
            current_s = Settlement(current_m.id, parts[0], kind, parse_int(total),
                                   suffix_place=suffix[0] if suffix else None)
            current_m.settlements.append(current_s)
            continue
        if current_s is None and label in ("Городское население", "Сельское население"):
            # Municipality-level urban/rural split.
            setattr(current_m, _POP_KIND[label.lower()], parse_int(total))
            continue
        check(current_s is not None, f"nested row outside a settlement: {label!r}")
        current_s.subrows.append((label, parse_int(total)))
    return municipalities


def check_census(municipalities: dict[str, Municipality]) -> None:
    """Every sum in the table must add up."""
    check(list(municipalities) == MUNICIPALITY_ORDER,
          f"census municipalities/order differ: {list(municipalities)}")
    total = sum(m.population for m in municipalities.values())
    check(total == OBLAST_POPULATION, f"municipalities sum to {total}, not {OBLAST_POPULATION}")
    for m in municipalities.values():
        check(m.urban + m.rural == m.population, f"{m.id}: urban + rural != total")
        check(len(m.settlements) > 0, f"{m.id}: no settlements")
        s_total = sum(s.population for s in m.settlements)
        check(s_total == m.population,
              f"{m.id}: settlements sum to {s_total}, municipality has {m.population}")
        s_urban = sum(s.urban_population for s in m.settlements)
        check(s_urban == m.urban, f"{m.id}: urban parts sum to {s_urban}, not {m.urban}")
        for s in m.settlements:
            if s.subrows:
                sub = sum(p for _, p in s.subrows)
                check(sub == s.population,
                      f"{s.name_ru}: nested rows sum to {sub}, not {s.population}")


# --------------------------------------------------------------------------------------
# Names and ids of settlements
# --------------------------------------------------------------------------------------

_PLACE_PREFIXES = [
    # (source prefix, short prefix); checked in order, first match wins.
    ("Рабочий поселок ", "рп "),
    ("Город ", "г. "),
    ("Село ", "с. "),
    ("село ", "с. "),
    ("поселок ", "п. "),
    ("г. ", "г. "),
    ("рп ", "рп "),
    ("пгт ", "пгт "),
]


def short_place(text: str, urban: bool) -> str | None:
    """«село Капустин Яр» -> «с. Капустин Яр»; None when the text names no place."""
    # The census writes some urban places as «пгт X рп» / «рп X рп»: drop the tail.
    text = re.sub(r"\s+(рп|пгт)$", "", text.strip())
    for prefix, short in _PLACE_PREFIXES:
        if text.startswith(prefix):
            if prefix == "поселок " and urban:
                short = "рп "  # an urban-type поселок
            return short + text[len(prefix):]
    return None


def settlement_core_name(name_ru: str) -> str:
    """«Сельское поселение Актюбинский сельсовет» -> «Актюбинский»; used for ids."""
    core = re.sub(r"^(Городское|Сельское) поселение ", "", name_ru)
    core = re.sub(r"^(Город|Рабочий поселок|поселок|Село) ", "", core, flags=re.IGNORECASE)
    core = re.sub(r" сельсовет$", "", core)
    return core


def name_settlements(m: Municipality) -> None:
    """Fill in id and place_ru of each settlement of a municipality."""
    for s in m.settlements:
        urban = s.kind != "rural"
        if s.kind == "city_district":
            s.id = f"{m.id}-cd-{slugify(s.name_ru.removesuffix(' район'))}"
            s.place_ru = f"{s.name_ru} г. Астрахани"
            continue
        if m.id == "znamensk":
            s.id = f"{m.id}-go-{slugify(s.name_ru.removeprefix('Городской округ '))}"
        else:
            code = "gp" if urban else "sp"
            s.id = f"{m.id}-{code}-{slugify(settlement_core_name(s.name_ru))}"
        # The main place, in order of preference: named on the row itself, the urban
        # part's place, a named place nested below it, the поселение's own name.
        candidates = []
        if s.suffix_place:
            candidates.append(s.suffix_place)
        candidates += [lab.split(" - ", 1)[1] for lab, _ in s.subrows
                       if lab.startswith("Городское население - ")]
        candidates += [lab for lab, _ in s.subrows
                       if not lab.startswith(("Городское население", "Сельское население",
                                              "прочие "))]
        candidates.append(re.sub(r"^(Городское|Сельское) поселение ", "", s.name_ru))
        place = None
        for c in candidates:
            place = short_place(c, urban)
            if place:
                break
        # «X сельсовет» without a named place keeps the сельсовет name: no invented villages.
        s.place_ru = place or re.sub(r"^(Городское|Сельское) поселение ", "", s.name_ru)
    ids = [s.id for s in m.settlements]
    check(len(set(ids)) == len(ids), f"{m.id}: duplicate settlement ids {ids}")


# --------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------


def to_km(lon: float, lat: float) -> tuple[float, float]:
    """Local equirectangular projection to km (for distances only)."""
    return ((lon - PROJ_LON0) * KM_PER_DEG_LON, (lat - PROJ_LAT0) * KM_PER_DEG_LAT)


def geom_to_km(geom):
    """A shapely geometry in the projection of :func:`to_km`."""
    return shapely.transform(
        geom, lambda c: (c - [PROJ_LON0, PROJ_LAT0]) * [KM_PER_DEG_LON, KM_PER_DEG_LAT])


def from_km(x: float, y: float) -> tuple[float, float]:
    """Inverse of :func:`to_km`."""
    return (x / KM_PER_DEG_LON + PROJ_LON0, y / KM_PER_DEG_LAT + PROJ_LAT0)


def round_coords(coords, decimals: int):
    """Round nested coordinate arrays; -0.0 cannot occur in this region."""
    if isinstance(coords[0], (int, float)):
        return [round(float(c), decimals) for c in coords]
    return [round_coords(c, decimals) for c in coords]


def dump_feature_collection(features: list[dict]) -> str:
    """Compact GeoJSON, one feature per line, UTF-8 names unescaped."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def geometry_parts(geom) -> list:
    """The polygons of a Polygon or MultiPolygon."""
    return list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]


def run_mapshaper(mapshaper: list[str], args: list[str], cwd: Path) -> None:
    """Run mapshaper with its messages captured; fail loudly on errors."""
    cmd = mapshaper + args
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise DataError(f"mapshaper failed ({shlex.join(cmd)}):\n{proc.stdout}\n{proc.stderr}")


# --------------------------------------------------------------------------------------
# Boundaries, outline, river
# --------------------------------------------------------------------------------------


def build_boundaries(districts: dict, names: dict[str, str], mapshaper: list[str]):
    """Simplify the municipal polygons topologically and dissolve the oblast outline.

    Returns (boundary features, outline features) with rounded coordinates.
    """
    by_id = {f["properties"]["id"]: f for f in districts["features"]}
    check(sorted(by_id) == sorted(MUNICIPALITY_ORDER), "boundary ids differ from the list")
    source = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": mid, "name_ru": names[mid]},
             "geometry": by_id[mid]["geometry"]}
            for mid in MUNICIPALITY_ORDER
        ],
    }
    with tempfile.TemporaryDirectory(prefix="tsur-refdata-") as tmp:
        tmpdir = Path(tmp)
        (tmpdir / "in.geojson").write_text(json.dumps(source, ensure_ascii=False), encoding="utf-8")
        # Simplify on the shared arcs (topological by construction), round to 5 decimals
        # and let mapshaper repair any intersection that the rounding would introduce.
        run_mapshaper(mapshaper, [
            "-i", "in.geojson",
            "-simplify", f"interval={SIMPLIFY_INTERVAL}", "keep-shapes",
            "-o", "simplified.geojson", f"precision={10 ** -POLY_DECIMALS:.{POLY_DECIMALS}f}",
            "fix-geometry",
        ], tmpdir)
        simplified = json.loads((tmpdir / "simplified.geojson").read_text(encoding="utf-8"))
        # Dissolve the already rounded shapes, so that the outline reuses their vertices.
        run_mapshaper(mapshaper, [
            "-i", "simplified.geojson",
            "-dissolve",
            "-o", "outline.geojson", f"precision={10 ** -POLY_DECIMALS:.{POLY_DECIMALS}f}",
            "geojson-type=FeatureCollection",
        ], tmpdir)
        outline = json.loads((tmpdir / "outline.geojson").read_text(encoding="utf-8"))

    features = []
    for f in simplified["features"]:
        geom = f["geometry"]
        features.append({
            "type": "Feature",
            "properties": {"id": f["properties"]["id"], "name_ru": f["properties"]["name_ru"]},
            "geometry": {"type": geom["type"],
                         "coordinates": round_coords(geom["coordinates"], POLY_DECIMALS)},
        })
    check([f["properties"]["id"] for f in features] == MUNICIPALITY_ORDER,
          "mapshaper changed the feature order")
    check(len(outline["features"]) == 1, "the dissolved outline is not one feature")
    og = outline["features"][0]["geometry"]
    outline_features = [{
        "type": "Feature",
        "properties": {"name_ru": "Астраханская область"},
        "geometry": {"type": og["type"], "coordinates": round_coords(og["coordinates"], POLY_DECIMALS)},
    }]
    return features, outline_features


def check_boundaries(features: list[dict], outline: list[dict], original: dict) -> dict:
    """Validity and topology checks of the simplified polygons; returns id -> shape."""
    shapes = {f["properties"]["id"]: shape(f["geometry"]) for f in features}
    src = {f["properties"]["id"]: shape(f["geometry"]) for f in original["features"]}
    for mid, g in shapes.items():
        check(g.is_valid, f"{mid}: invalid simplified polygon: {explain_validity(g)}")
        # Same number of parts and holes as the source (exclaves, islands, holes kept).
        src_parts = [len(p.interiors) for p in geometry_parts(src[mid])]
        new_parts = [len(p.interiors) for p in geometry_parts(g)]
        check(sorted(src_parts) == sorted(new_parts),
              f"{mid}: parts/holes changed from {src_parts} to {new_parts}")
        ratio = g.area / src[mid].area
        check(0.97 < ratio < 1.03, f"{mid}: area changed by simplification ({ratio:.3f})")
    # Neighbours must not overlap ...
    ids = list(shapes)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            overlap = shapes[a].intersection(shapes[b]).area
            check(overlap < 1e-12, f"{a} and {b} overlap ({overlap})")
    # ... nor leave gaps: their union has only the holes the source union has.
    union = unary_union(list(shapes.values()))
    src_union = unary_union(list(src.values()))
    holes = sorted(len(p.interiors) for p in geometry_parts(union))
    src_holes = sorted(len(p.interiors) for p in geometry_parts(src_union))
    check(holes == src_holes, f"gaps between municipalities: holes {holes} vs source {src_holes}")
    out = shape(outline[0]["geometry"])
    check(out.is_valid, f"invalid outline: {explain_validity(out)}")
    diff = out.symmetric_difference(union).area
    check(diff < 1e-9, f"outline differs from the union of the boundaries ({diff})")
    return shapes


def build_volga(rivers: dict) -> list[dict]:
    """The Volga line with rounded coordinates and a Russian name only."""
    volga = [f for f in rivers["features"] if f["properties"].get("name_ru") == "Волга"]
    check(len(volga) == 1, "expected exactly one Volga feature")
    geom = volga[0]["geometry"]
    lines = geom["coordinates"] if geom["type"] == "MultiLineString" else [geom["coordinates"]]
    rounded = []
    for line in lines:
        pts: list[list[float]] = []
        for p in round_coords(line, RIVER_DECIMALS):
            if not pts or pts[-1] != p:  # drop repeats created by rounding
                pts.append(p)
        check(len(pts) >= 2, "degenerate Volga part")
        rounded.append(pts)
    out_geom = ({"type": "LineString", "coordinates": rounded[0]} if len(rounded) == 1
                else {"type": "MultiLineString", "coordinates": rounded})
    return [{"type": "Feature", "properties": {"name_ru": "Волга"}, "geometry": out_geom}]


# --------------------------------------------------------------------------------------
# Points of settlements
# --------------------------------------------------------------------------------------


def read_towns(path: Path) -> dict[str, dict]:
    """hflabs town rows by town name."""
    with path.open(encoding="utf-8", newline="") as fh:
        towns = {r["city"]: r for r in csv.DictReader(fh)}
    check(sorted(towns) == sorted(TOWN_MUNICIPALITY), f"unexpected towns {sorted(towns)}")
    return towns


def rounded_point(lon: float, lat: float) -> tuple[float, float]:
    return round(lon, POINT_DECIMALS), round(lat, POINT_DECIMALS)


def place_settlements(municipalities: dict[str, Municipality], shapes: dict, volga_geom,
                      towns: dict[str, dict]) -> None:
    """Give every settlement a point inside its municipality's simplified polygon.

    Towns get their hflabs coordinates and Astrakhan's city districts fixed offsets from
    the city's. Every other settlement gets a synthetic point from rejection sampling:
    uniform in the municipality's bounding box, kept when it lies inside the polygon at
    least EDGE_MARGIN_KM from its edge and north of SEA_MASK_LAT, with a preference for
    land near the Volga (acceptance exp(-extra distance / VOLGA_DECAY_KM)) and a minimum
    spacing from the points already set in the municipality. Each settlement draws from its own random
    stream seeded by PLACEMENT_SEED and its id, so the result is deterministic.
    """
    volga_km = geom_to_km(volga_geom)
    town_by_place = {f"г. {name}": (name, row) for name, row in towns.items()}
    for m in municipalities.values():
        poly_ll = shapes[m.id]
        poly_km = geom_to_km(poly_ll)
        inside_km = prep(poly_km)
        edge_km = poly_km.boundary
        fixed: list[Point] = []

        # 1. Real coordinates and the city districts.
        city = None
        for s in m.settlements:
            if s.kind == "city_district":
                if city is None:
                    row = towns["Астрахань"]
                    city = to_km(float(row["geo_lon"]), float(row["geo_lat"]))
                dx, dy = CITY_DISTRICT_OFFSETS_KM[s.name_ru]
                s.lon, s.lat = rounded_point(*from_km(city[0] + dx, city[1] + dy))
                s.coord_source = "placed"
                p = Point(to_km(s.lon, s.lat))
                check(inside_km.contains(p) and edge_km.distance(p) >= CITY_DISTRICT_MARGIN_KM,
                      f"{s.id}: offset point too close to or outside the city boundary")
            elif s.place_ru in town_by_place:
                name, row = town_by_place[s.place_ru]
                check(TOWN_MUNICIPALITY[name] == m.id, f"{name} is not in {m.id}")
                s.lon, s.lat = rounded_point(float(row["geo_lon"]), float(row["geo_lat"]))
                s.coord_source = "hflabs"
            else:
                continue
            fixed.append(Point(to_km(s.lon, s.lat)))

        # 2. Synthetic points for the rest.
        todo = [s for s in m.settlements if not s.coord_source]
        if not todo:
            continue
        area = poly_km.area
        spacing0 = min(12.0, max(2.0, 0.5 * math.sqrt(area / len(m.settlements))))
        base_dist = poly_km.distance(volga_km)
        minx, miny, maxx, maxy = poly_km.bounds
        for s in todo:
            rng = random.Random(f"{PLACEMENT_SEED}:{s.id}")
            spacing, margin = spacing0, EDGE_MARGIN_KM
            tries = 0
            while True:
                tries += 1
                if tries % 2000 == 0:
                    # Crowded: relax the spacing first, then (rarely) the edge margin.
                    spacing *= 0.8
                    if spacing < 0.5:
                        margin *= 0.5
                check(tries < 200_000, f"cannot place {s.id}")
                x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                u = rng.random()
                p = Point(x, y)
                if not inside_km.contains(p) or edge_km.distance(p) < margin:
                    continue
                if u > math.exp(-(volga_km.distance(p) - base_dist) / VOLGA_DECAY_KM):
                    continue
                if any(p.distance(q) < spacing for q in fixed):
                    continue
                lon, lat = rounded_point(*from_km(x, y))
                if lat < SEA_MASK_LAT or not poly_ll.contains(Point(lon, lat)):
                    continue
                break
            s.lon, s.lat, s.coord_source = lon, lat, "placed"
            fixed.append(Point(to_km(lon, lat)))


def check_points(municipalities: dict[str, Municipality], shapes: dict) -> dict[str, float]:
    """Every settlement lies inside its own municipality and no other; returns the
    clearance of each point from its municipality's edge, km."""
    clearance = {}
    for m in municipalities.values():
        edge_km = geom_to_km(shapes[m.id]).boundary
        for s in m.settlements:
            p = Point(s.lon, s.lat)
            check(shapes[m.id].contains(p), f"{s.id} ({s.lon}, {s.lat}) is outside {m.id}")
            for other, g in shapes.items():
                check(other == m.id or not g.contains(p), f"{s.id} lies in {other} too")
            clearance[s.id] = edge_km.distance(Point(to_km(s.lon, s.lat)))
    return clearance


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def fmt_coord(x: float) -> str:
    return f"{x:.{POINT_DECIMALS}f}"


def write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def readme_text(sizes: dict[str, int], n_settlements: int, n_placed: int, n_vertices: int,
                src_vertices: int) -> str:
    def kb(name: str) -> str:
        return f"{sizes[name] / 1024:.1f} KB"

    return f"""# Geographic reference data (Astrakhan oblast)

Generated by `tools/refdata/derive_geo.py` — do not edit by hand. Regenerate with

```sh
tools/refdata/derive_geo.sh            # source: ../shared/data/geo relative to the repo root
tools/refdata/derive_geo.sh /path/to/geo   # or any copy of the source folder
```

The run is deterministic (a rerun gives byte-identical files) and checks every sum and
every point before it writes anything.

| file | size | what |
|---|---|---|
| `municipalities.csv` | {kb('municipalities.csv')} | the 13 municipalities (city of Astrakhan, ZATO Znamensk, 11 districts): slug id, Russian name, kind (`urban_okrug`, `urban_okrug_zato`, `municipal_district`), 2021 census population with its urban/rural split, a label point |
| `boundaries.geojson` | {kb('boundaries.geojson')} | their boundaries, simplified; properties `id`, `name_ru` |
| `oblast_outline.geojson` | {kb('oblast_outline.geojson')} | the oblast outline, dissolved from the simplified boundaries |
| `volga.geojson` | {kb('volga.geojson')} | the Volga centre line (no delta arms) |
| `settlements.csv` | {kb('settlements.csv')} | {n_settlements} settlement-level units of the census: the 4 city districts of Astrakhan, the town of Znamensk and every urban and rural поселение of the districts, with population and a point |
| `towns.csv` | {kb('towns.csv')} | the 6 towns for map labels: hflabs coordinates, 2021 census population of the town itself |

## Sources and licences

All from the project's shared source folder (`shared/data/geo/`, see its README):

- Boundaries (`boundaries.geojson`, `oblast_outline.geojson`, the label points in
  `municipalities.csv`), from `astrakhan_districts_pop2021.geojson`: OpenStreetMap
  admin_level 6, extract of October 2020 (timurkanaz/Russia_geojson_OSM).
  © OpenStreetMap contributors, licensed under ODbL 1.0. The shapes include Caspian coastal
  water, so their area (~53,300 km²) exceeds the official 49,024 km².
- Population (`astrakhan_census2021_tab5_rosstat.csv`): Rosstat, 2021 census (ВПН-2020),
  volume 1, table 5 — official statistics.
- Town coordinates (`astrakhan_towns_hflabs.csv`; used in `towns.csv` and for the five towns
  with `coord_source=hflabs` in `settlements.csv`): hflabs/city, CC BY-SA 4.0. The town
  populations in `towns.csv` are the 2021 census figures of the towns themselves, not the
  older hflabs figures.
- The Volga line (`astrakhan_rivers_naturalearth10m.geojson`): Natural Earth 10m rivers,
  public domain.

## How the boundaries were simplified

mapshaper {MAPSHAPER_VERSION} (`npx --yes mapshaper@{MAPSHAPER_VERSION}`):
`-simplify interval={SIMPLIFY_INTERVAL} keep-shapes` (weighted Visvalingam on the shared arcs,
so neighbours keep identical borders: no gaps, no overlaps; `keep-shapes` keeps the small
rings — Chernoyarsky's exclave, Enotaevsky's second part, Limansky's island and holes),
then `-o precision=0.00001 fix-geometry`. The outline is `-dissolve` of that result.
{src_vertices} → {n_vertices} vertices; `boundaries.geojson` is {sizes['boundaries.geojson']:,} bytes.
The script checks with shapely that every polygon is valid, that parts and holes are kept,
that no two overlap, that their union has no holes beyond the source's, and that the
outline equals that union.

## Settlements

One row per unit of the census table: the four city districts of Astrakhan
(`city_district`), the town of Znamensk, and every urban (`urban`) and rural (`rural`)
поселение of the districts, each counted once with its total population (nested rows of
the table — urban/rural splits, named places, «прочие …» — are not rows here). The rows of
each municipality add up exactly to its census population; the script asserts it.
`name_ru` is the name as in the table; `place_ru` is a short name for use in a Russian
sentence after a preposition: the main place as the census names it («г. Ахтубинск»,
«рп Ильинка», «с. Капустин Яр»), or the сельсовет name («Батаевский сельсовет») where the
table names no place — no village names are guessed. The named place of a сельсовет is the
one the census lists under it (places of over 3,000 people); it is usually, but not
always, the administrative centre (Фунтовский сельсовет → «п. Кирпичного завода № 1»).

Coordinates: `coord_source=hflabs` is the real coordinate of a town from hflabs
(Ахтубинск, Знаменск, Камызяк, Нариманов, Харабали). `coord_source=placed`
({n_placed} rows) is a **synthetic** location, not the real place: Astrakhan's four city
districts are set at fixed offsets (a few km) from the city coordinate, roughly where each
district lies; every other settlement gets a deterministic pseudo-random point (seed
`{PLACEMENT_SEED}`) inside its municipality's simplified polygon, at least
{EDGE_MARGIN_KM:g} km from its edge, north of {SEA_MASK_LAT}° N (a rough mask for the Caspian
water inside the delta districts' shapes), preferring land near the Volga (acceptance
falls off as exp(−d / {VOLGA_DECAY_KM:g} km)) and kept apart from the other points of its
municipality. Use placed points only to put a settlement in the right municipality on the
map, never as its address.
"""


def main(argv: list[str] | None = None) -> int:
    repo_root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", nargs="?", type=Path, default=repo_root / ".." / "shared" / "data" / "geo",
                    help="folder with the source files (default: ../shared/data/geo from the repo root)")
    ap.add_argument("--out", type=Path, default=repo_root / "data" / "reference" / "geo",
                    help="output folder (default: data/reference/geo)")
    default_mapshaper = os.environ.get("MAPSHAPER", f"npx --yes mapshaper@{MAPSHAPER_VERSION}")
    ap.add_argument("--mapshaper", default=default_mapshaper,
                    help="command that runs mapshaper (default: npx, pinned version; env MAPSHAPER)")
    args = ap.parse_args(argv)
    src: Path = args.source
    for name in SOURCE_FILES.values():
        check((src / name).is_file(), f"missing source file {src / name}")
    mapshaper = shlex.split(args.mapshaper)

    # --- municipalities -----------------------------------------------------------
    districts = json.loads((src / SOURCE_FILES["districts"]).read_text(encoding="utf-8"))
    props = {f["properties"]["id"]: f["properties"] for f in districts["features"]}
    rosstat_to_id = {p["rosstat_name"]: mid for mid, p in props.items()}
    names = {mid: p["name_ru"] for mid, p in props.items()}
    for mid, p in props.items():
        if p["kind"] == "municipal_district":
            check(slugify(p["name_ru"].removesuffix(" район")) == mid,
                  f"transliteration does not reproduce the slug {mid}")
    municipalities = parse_census(src / SOURCE_FILES["census"], rosstat_to_id)
    check_census(municipalities)
    with (src / SOURCE_FILES["municipal_csv"]).open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            m = municipalities[rosstat_to_id[r["rosstat_name"]]]
            expected = tuple(int(r[k]) for k in ("pop_2021_census", "urban", "rural"))
            check((m.population, m.urban, m.rural) == expected,
                  f"{m.id}: census table and municipal csv disagree")
    for mid, m in municipalities.items():
        p = props[mid]
        expected = (p["pop_2021_census"], p["pop_2021_urban"], p["pop_2021_rural"])
        check((m.population, m.urban, m.rural) == expected,
              f"{mid}: census table and boundary properties disagree")
    for m in municipalities.values():
        name_settlements(m)

    # --- geometry -----------------------------------------------------------------
    boundaries, outline = build_boundaries(districts, names, mapshaper)
    shapes = check_boundaries(boundaries, outline, districts)
    rivers = json.loads((src / SOURCE_FILES["rivers"]).read_text(encoding="utf-8"))
    volga = build_volga(rivers)
    volga_geom = shape(volga[0]["geometry"])
    check(isinstance(volga_geom, (LineString, MultiLineString)), "Volga is not a line")

    # --- points -------------------------------------------------------------------
    towns = read_towns(src / SOURCE_FILES["towns"])
    place_settlements(municipalities, shapes, volga_geom, towns)
    clearance = check_points(municipalities, shapes)
    labels = {}
    for mid in MUNICIPALITY_ORDER:
        lon, lat = rounded_point(props[mid]["label_lon"], props[mid]["label_lat"])
        check(shapes[mid].contains(Point(lon, lat)), f"{mid}: label point outside the polygon")
        labels[mid] = (lon, lat)

    # --- files --------------------------------------------------------------------
    out: Path = args.out
    texts: dict[str, str] = {}
    texts["municipalities.csv"] = csv_text(
        ["id", "name_ru", "kind", "population", "urban", "rural", "label_lon", "label_lat"],
        [[mid, names[mid], props[mid]["kind"], m.population, m.urban, m.rural,
          fmt_coord(labels[mid][0]), fmt_coord(labels[mid][1])]
         for mid, m in municipalities.items()])
    texts["boundaries.geojson"] = dump_feature_collection(boundaries)
    texts["oblast_outline.geojson"] = dump_feature_collection(outline)
    texts["volga.geojson"] = dump_feature_collection(volga)
    settlements = [s for m in municipalities.values() for s in m.settlements]
    all_ids = [s.id for s in settlements]
    check(len(set(all_ids)) == len(all_ids), "duplicate settlement ids")
    check(all(re.fullmatch(r"[a-z0-9-]+", i) for i in all_ids), "non-ASCII settlement id")
    texts["settlements.csv"] = csv_text(
        ["id", "municipality_id", "name_ru", "place_ru", "kind", "population", "lon", "lat", "coord_source"],
        [[s.id, s.municipality_id, s.name_ru, s.place_ru, s.kind, s.population,
          fmt_coord(s.lon), fmt_coord(s.lat), s.coord_source] for s in settlements])
    town_rows = []
    for name, row in towns.items():
        mid = TOWN_MUNICIPALITY[name]
        s = [s for s in municipalities[mid].settlements if s.place_ru == f"г. {name}"]
        if mid == "astrakhan":
            pop = municipalities[mid].population
        else:
            check(len(s) == 1, f"no settlement for the town {name}")
            # The town itself: the urban part of its поселение (e.g. г. Ахтубинск 35,635).
            pop = s[0].urban_population
        lon, lat = rounded_point(float(row["geo_lon"]), float(row["geo_lat"]))
        check(shapes[mid].contains(Point(lon, lat)), f"town {name} outside {mid}")
        town_rows.append([name, mid, fmt_coord(lon), fmt_coord(lat), pop])
    texts["towns.csv"] = csv_text(["name_ru", "municipality_id", "lon", "lat", "population"], town_rows)

    check(len(texts["boundaries.geojson"].encode()) <= MAX_BOUNDARIES_BYTES, "boundaries.geojson too large")
    sizes = {name: len(t.encode("utf-8")) for name, t in texts.items()}
    n_vertices = sum(len(ring) for f in boundaries for poly in
                     (f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon"
                      else [f["geometry"]["coordinates"]]) for ring in poly)
    src_vertices = sum(len(ring) for f in districts["features"] for poly in
                       (f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon"
                        else [f["geometry"]["coordinates"]]) for ring in poly)
    n_placed = sum(s.coord_source == "placed" for s in settlements)
    texts["README.md"] = readme_text(sizes, len(settlements), n_placed, n_vertices, src_vertices)

    out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        write_text(out / name, text)
    placed = [clearance[s.id] for s in settlements if s.coord_source == "placed"]
    print(f"all {len(settlements)} points inside their municipality; clearance from the edge "
          f"min {min(clearance.values()):.2f} km (placed: min {min(placed):.2f} km)")
    print(f"wrote {len(texts)} files to {out}: {len(settlements)} settlements "
          f"({n_placed} placed), {n_vertices} boundary vertices, "
          f"boundaries.geojson {sizes['boundaries.geojson']} bytes")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DataError as e:
        print(f"derive_geo: {e}", file=sys.stderr)
        sys.exit(1)
