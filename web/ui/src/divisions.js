// The selected division: selecting one (map click, search, breadcrumb, table) loads its
// scorecard, gaps and coverage circles; the breadcrumb shows its parents.
import { S } from './state.js';
import { $, el } from './dom.js';
import { api, q, showAlert, withPane } from './api.js';
import { short } from './kinds.js';
import { fc } from './style.js';
import { loadProvinceChoropleth, setData } from './map.js';
import { loadScorecard } from './panels/scorecard.js';
import { loadGaps } from './panels/gaps.js';
import { loadScenarioTownships } from './panels/scenarios.js';

// bboxOf is [west, south, east, north] of a GeoJSON geometry's coordinates.
function bboxOf(geom) {
  let b = [180, 90, -180, -90];
  const walk = (c) => { if (typeof c[0] === 'number') { b = [Math.min(b[0], c[0]), Math.min(b[1], c[1]), Math.max(b[2], c[0]), Math.max(b[3], c[1])]; } else c.forEach(walk); };
  if (geom) walk(geom.coordinates);
  return b;
}

// selectDivision makes code the selected division; opts.fly false keeps the view.
export async function selectDivision(code, opts = {}) {
  const map = S.map;
  const f = await withPane($('#pane-scorecard'), () => api('/api/v1/divisions/' + short(code)));
  if (!f) return;
  S.division = f;
  const p = f.properties;
  setData('selected', f.geometry && f.geometry.type !== 'Point' ? f : fc());
  if (opts.fly !== false && f.geometry) {
    if (f.geometry.type === 'Point') map.flyTo({ center: f.geometry.coordinates, zoom: 13 });
    else { const b = bboxOf(f.geometry); map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 12, duration: 800 }); }
  }
  renderBreadcrumb();
  $('#siting-division').textContent = p.name;
  if (p.level === 'county') loadScenarioTownships();
  await Promise.all([loadScorecard(), loadGaps(), loadCircles()]);
}

// renderBreadcrumb shows the selected division's chain of parents, each a button selecting it.
async function renderBreadcrumb() {
  const nav = $('#breadcrumb'); nav.replaceChildren();
  if (!S.division) return;
  const chain = [S.division.properties];
  let parent = S.division.properties.parent;
  while (parent) {
    const f = await api('/api/v1/divisions/' + short(parent)).catch(() => null);
    if (!f) break;
    chain.unshift(f.properties); parent = f.properties.parent;
  }
  nav.replaceChildren();
  chain.forEach((d, i) => {
    if (i) nav.append(el('span', { class: 'sep', 'aria-hidden': 'true' }, '›'));
    nav.append(i === chain.length - 1 ? el('strong', { 'aria-current': 'location' }, d.name)
      : el('button', { type: 'button', onclick: () => selectDivision(d.code) }, d.name));
  });
}

// circlePoly is a geodesic circle of radius r metres around lon/lat (a sphere of the mean
// Earth radius), as a Polygon feature of n+1 points.
function circlePoly(lon, lat, r, n = 48) {
  const R = 6371008.8, pts = [];
  for (let i = 0; i <= n; i++) {
    const a = (2 * Math.PI * i) / n, d = r / R, la = (lat * Math.PI) / 180, lo = (lon * Math.PI) / 180;
    const lat2 = Math.asin(Math.sin(la) * Math.cos(d) + Math.cos(la) * Math.sin(d) * Math.cos(a));
    const lon2 = lo + Math.atan2(Math.sin(a) * Math.sin(d) * Math.cos(la), Math.cos(d) - Math.sin(la) * Math.sin(lat2));
    pts.push([(lon2 * 180) / Math.PI, (lat2 * 180) / Math.PI]);
  }
  return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [pts] }, properties: {} };
}

// loadCircles draws the service radius around the operating facilities of the kind in the
// selected county or below (none for a prefecture or the province).
export async function loadCircles() {
  const p = S.division.properties;
  if (p.level === 'province' || p.level === 'prefecture') { setData('circles'); return; }
  const radius = S.radius || S.gaps?.query?.radius_m || 1000;
  const r = await api('/api/v1/facilities?' + q({ kind: S.kind, division: short(p.code), status: 'operating', limit: 10000 })).catch((e) => { showAlert(e.message); return null; });
  if (!r) return;
  setData('circles', fc((r.features || []).filter((f) => f.geometry).map((f) => circlePoly(f.geometry.coordinates[0], f.geometry.coordinates[1], radius))));
}

// refreshAnalysis reloads everything that depends on the kind, mode, radius or plan.
export async function refreshAnalysis() {
  await loadProvinceChoropleth().catch((e) => showAlert(e.message));
  if (S.division) await Promise.all([loadScorecard(), loadGaps(), loadCircles()]);
}
