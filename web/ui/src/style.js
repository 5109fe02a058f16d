// The map's style: sources, layers and paint expressions, the choropleth classes and the
// facility symbols. The choropleth fills are opaque, so every colour they paint is exactly a
// legend colour (nothing shows through from below).

// BACKGROUND is the map's background; the choropleth colours are their base colours drawn at
// CHORO_OPACITY over it (computed here, painted opaque).
export const BACKGROUND = '#e9edf0';
export const CHORO_OPACITY = 0.6;

// blend is colour c (#rrggbb) at opacity a over colour bg, as #rrggbb.
export function blend(c, bg, a) {
  const ch = (s, i) => parseInt(s.slice(1 + 2 * i, 3 + 2 * i), 16);
  return '#' + [0, 1, 2].map((i) => Math.round(ch(bg, i) * (1 - a) + ch(c, i) * a).toString(16).padStart(2, '0')).join('');
}

// CHORO is the choropleth classes of coverage against the target, in class order 0–3 (met,
// ≤ 10 points below, 10–20 below, > 20 below): [painted colour, legend word]. CHORO_NONE paints
// units in the analysis with no ratio or no target (class NONE).
export const CHORO = [['#1a9850', 'ch_met'], ['#fee08b', 'ch_10'], ['#fc8d59', 'ch_20'], ['#d73027', 'ch_far']]
  .map(([c, k]) => [blend(c, BACKGROUND, CHORO_OPACITY), k]);
export const CHORO_NONE = blend('#cfcabd', BACKGROUND, CHORO_OPACITY);
export const NONE = 4;
// SELECTED paints the townships picked for a scenario.
export const SELECTED = blend('#4dabf7', BACKGROUND, CHORO_OPACITY);

// classOf is the choropleth class of a coverage ratio against its target: 0–3, or NONE when
// either is null. A bound belongs to the better class (exactly 10 points below is class 1),
// within 1e-12 for rounding (0.7 − 0.8 is −0.10000000000000009).
export function classOf(ratio, target) {
  if (ratio == null || target == null) return NONE;
  const d = ratio - target, eps = 1e-12;
  return d >= -eps ? 0 : d >= -0.1 - eps ? 1 : d >= -0.2 - eps ? 2 : 3;
}

// cls is a unit's class from its feature state, -1 when it has none. (A bare
// ['to-number', ['feature-state', 'cls'], -1] is 0, "met", for a missing state: to-number
// turns null into 0 and never uses its fallback.)
const cls = ['to-number', ['coalesce', ['feature-state', 'cls'], -1]];
// choroColor paints classes 0–3 in their colours and anything else (NONE, no state) as no data.
const choroColor = ['match', cls, 0, CHORO[0][0], 1, CHORO[1][0], 2, CHORO[2][0], 3, CHORO[3][0], CHORO_NONE];
const selected = ['boolean', ['feature-state', 'sel'], false];

// KIND_STYLE is each facility kind's symbol: [shape, colour].
export const KIND_STYLE = {
  mutual_aid_elderly: ['circle', '#d6336c'], welfare_home: ['square', '#1c7ed6'],
  regional_care_center: ['diamond', '#0b7285'], disability_care_center: ['triangle', '#7048e8'],
  community_service_center: ['hexagon', '#2b8a3e'], public_cemetery: ['cross', '#495057'],
  funeral_home: ['star', '#212529'], marriage_registry: ['heart', '#e8590c'],
};
const FONT = ['WenQuanYi Zen Hei'];

// fc is a GeoJSON FeatureCollection of features.
export function fc(features = []) { return { type: 'FeatureCollection', features }; }

// mapStyle is the style document: civplan's own vector tiles (from origin) and GeoJSON overlays.
export function mapStyle(origin) {
  const tileSrc = (name, minzoom = 0) => ({
    type: 'vector', tiles: [origin + '/tiles/' + name + '/{z}/{x}/{y}.mvt'], minzoom, maxzoom: 14, promoteId: 'code',
  });
  const geojson = () => ({ type: 'geojson', data: fc() });
  return {
    version: 8,
    sources: {
      prefectures: tileSrc('prefectures'), counties: tileSrc('counties'), townships: tileSrc('townships', 5), villages: tileSrc('villages', 5),
      circles: geojson(), gaps: geojson(), selected: geojson(), proposals: geojson(), 'labels-prefecture': geojson(), 'labels-county': geojson(),
      'labels-township': geojson(), scenario: geojson(), highlight: geojson(), seat: geojson(),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } },
      // Counties always show their class (no data until the province's coverage is in).
      { id: 'county-fill', type: 'fill', source: 'counties', 'source-layer': 'counties', paint: { 'fill-color': choroColor, 'fill-opacity': 1 } },
      // Townships are painted only where the analysis gave them a class (the selected county's),
      // or where selected for a scenario; the others leave their county's class showing.
      { id: 'township-fill', type: 'fill', source: 'townships', 'source-layer': 'townships', minzoom: 8,
        paint: { 'fill-color': ['case', selected, SELECTED, choroColor], 'fill-opacity': ['case', selected, 1, ['==', cls, -1], 0, 1] } },
      { id: 'township-line', type: 'line', source: 'townships', 'source-layer': 'townships', minzoom: 7.5, paint: { 'line-color': '#8a8f98', 'line-width': 0.7, 'line-dasharray': [3, 2] } },
      { id: 'county-line', type: 'line', source: 'counties', 'source-layer': 'counties', paint: { 'line-color': '#5c636e', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.6, 10, 1.6] } },
      { id: 'prefecture-line', type: 'line', source: 'prefectures', 'source-layer': 'prefectures', paint: { 'line-color': '#343a40', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 1.2, 10, 2.6] } },
      { id: 'circles-fill', type: 'fill', source: 'circles', paint: { 'fill-color': '#d6336c', 'fill-opacity': 0.08 } },
      { id: 'circles-line', type: 'line', source: 'circles', paint: { 'line-color': '#d6336c', 'line-width': 0.8, 'line-opacity': 0.6 } },
      { id: 'villages', type: 'circle', source: 'villages', 'source-layer': 'villages', minzoom: 10, paint: { 'circle-radius': 2.2, 'circle-color': '#6c757d' } },
      { id: 'gaps', type: 'circle', source: 'gaps', paint: {
        'circle-radius': ['interpolate', ['linear'], ['sqrt', ['to-number', ['get', 'elderly'], 0]], 0, 2.5, 15, 4, 30, 7, 60, 12],
        'circle-color': '#e03131', 'circle-opacity': 0.55, 'circle-stroke-color': '#7d1a1a', 'circle-stroke-width': 0.8 } },
      { id: 'scenario-after', type: 'line', source: 'scenario', filter: ['==', ['get', 'when'], 'after'], paint: { 'line-color': '#e8590c', 'line-width': 3.5, 'line-dasharray': [2, 1] } },
      { id: 'selected-line', type: 'line', source: 'selected', paint: { 'line-color': '#1f4e79', 'line-width': 3 } },
      { id: 'highlight', type: 'circle', source: 'highlight', paint: { 'circle-radius': 12, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ff9f1c', 'circle-stroke-width': 3 } },
      { id: 'proposals', type: 'circle', source: 'proposals', paint: { 'circle-radius': 9, 'circle-color': '#ffd43b', 'circle-stroke-color': '#1d2630', 'circle-stroke-width': 1.5 } },
      { id: 'proposal-labels', type: 'symbol', source: 'proposals', layout: { 'text-field': ['to-string', ['get', 'rank']], 'text-font': FONT, 'text-size': 11, 'text-allow-overlap': true } },
      { id: 'seat', type: 'circle', source: 'seat', paint: { 'circle-radius': 7, 'circle-color': '#1f4e79', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
      { id: 'prefecture-label', type: 'symbol', source: 'labels-prefecture', maxzoom: 7,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 13 }, paint: { 'text-color': '#212529', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } },
      { id: 'county-label', type: 'symbol', source: 'labels-county', minzoom: 7, maxzoom: 10,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 12 }, paint: { 'text-color': '#343a40', 'text-halo-color': '#fff', 'text-halo-width': 1.2 } },
      { id: 'township-label', type: 'symbol', source: 'labels-township', minzoom: 9.5,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 11 }, paint: { 'text-color': '#495057', 'text-halo-color': '#fff', 'text-halo-width': 1.2 } },
      { id: 'village-label', type: 'symbol', source: 'villages', 'source-layer': 'villages', minzoom: 12,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 10, 'text-offset': [0, 0.9] }, paint: { 'text-color': '#6c757d', 'text-halo-color': '#fff', 'text-halo-width': 1 } },
    ],
  };
}

// LAYER_GROUPS are the layer toggles: [word, layer ids].
export const LAYER_GROUPS = [
  ['layer_choro', ['county-fill', 'township-fill']], ['layer_townships', ['township-line']], ['layer_villages', ['villages']],
  ['layer_circles', ['circles-fill', 'circles-line']], ['layer_gaps', ['gaps']],
  ['layer_scenario', ['scenario-after']], ['layer_labels', ['prefecture-label', 'county-label', 'township-label', 'village-label']],
];

// facLayerId is the map layer of a facility kind.
export const facLayerId = (k) => 'fac-' + k;

// facilitySource is the vector tile source of a facility kind.
export function facilitySource(origin, k) {
  return { type: 'vector', tiles: [origin + '/tiles/' + k + '/{z}/{x}/{y}.mvt'], minzoom: 0, maxzoom: 14, promoteId: 'id' };
}

// facilityLayer is the symbol layer of kind k, whose facilities serve units of level serves (its
// minimum zoom); planned and closed facilities are drawn faint.
export function facilityLayer(k, serves) {
  return { id: facLayerId(k), type: 'symbol', source: 'fac-' + k, 'source-layer': k, minzoom: serves === 'village' ? 8.5 : serves === 'township' ? 7 : 5,
    layout: { 'icon-image': 'icon-' + k, 'icon-allow-overlap': true, 'icon-size': ['interpolate', ['linear'], ['zoom'], 7, 0.6, 12, 1] },
    paint: { 'icon-opacity': ['match', ['get', 'status'], 'operating', 1, 0.45] } };
}

// drawIcon draws a 22×22 px symbol of shape in color (white outline) as ImageData.
export function drawIcon(shape, color) {
  const n = 22, c = document.createElement('canvas'); c.width = c.height = n;
  const g = c.getContext('2d'); g.fillStyle = color; g.strokeStyle = '#fff'; g.lineWidth = 2;
  const m = n / 2, r = 8; g.beginPath();
  const poly = (pts) => { pts.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y))); g.closePath(); };
  const star = (k, r1, r2) => poly(Array.from({ length: 2 * k }, (_, i) => { const a = -Math.PI / 2 + i * Math.PI / k, rr = i % 2 ? r2 : r1; return [m + rr * Math.cos(a), m + rr * Math.sin(a)]; }));
  switch (shape) {
    case 'circle': g.arc(m, m, r - 1, 0, 2 * Math.PI); break;
    case 'square': poly([[m - r + 1, m - r + 1], [m + r - 1, m - r + 1], [m + r - 1, m + r - 1], [m - r + 1, m + r - 1]]); break;
    case 'diamond': poly([[m, m - r - 1], [m + r + 1, m], [m, m + r + 1], [m - r - 1, m]]); break;
    case 'triangle': poly([[m, m - r - 1], [m + r + 1, m + r], [m - r - 1, m + r]]); break;
    case 'hexagon': poly(Array.from({ length: 6 }, (_, i) => [m + r * Math.cos(i * Math.PI / 3), m + r * Math.sin(i * Math.PI / 3)])); break;
    case 'cross': poly([[m - 3, m - r], [m + 3, m - r], [m + 3, m - 3], [m + r, m - 3], [m + r, m + 3], [m + 3, m + 3], [m + 3, m + r], [m - 3, m + r], [m - 3, m + 3], [m - r, m + 3], [m - r, m - 3], [m - 3, m - 3]]); break;
    case 'star': star(5, r + 1, r / 2.2); break;
    default: star(8, r, r * 0.75);
  }
  g.fill(); g.stroke();
  return g.getImageData(0, 0, n, n);
}
