// The MapLibre map: created once into S.map, its facility layers and the choropleth's feature
// state (one class per county, and per township of the selected county).
import { S } from './state.js';
import { api, covParams } from './api.js';
import { KINDS } from './kinds.js';
import { classOf, drawIcon, facilityLayer, facilitySource, facLayerId, fc, KIND_STYLE, mapStyle } from './style.js';
import { renderLegend } from './panels/legend.js';

// createMap makes the map in #map with civplan's tiles; tiles carry the pasted token too (where
// reads need one).
export function createMap() {
  const origin = location.origin;
  const map = new maplibregl.Map({
    container: 'map', style: mapStyle(origin), center: [112.3, 31.0], zoom: 5.8, minZoom: 4, maxZoom: 17,
    attributionControl: false, boxZoom: false, dragRotate: false, pitchWithRotate: false, touchPitch: false,
    localIdeographFontFamily: "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', sans-serif",
    canvasContextAttributes: { antialias: true, preserveDrawingBuffer: true },
    transformRequest: (url) => (S.token && url.startsWith(origin + '/') ? { url, headers: { Authorization: 'Bearer ' + S.token } } : { url }),
  });
  S.map = map;
  map.keyboard.enable();
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  return map;
}

// setData replaces the data of GeoJSON source id (an empty collection when data is omitted).
export function setData(id, data = fc()) { S.map.getSource(id).setData(data); }

// addIcons registers every facility kind's symbol with the map.
export function addIcons() {
  for (const [k] of KINDS) { const [shape, color] = KIND_STYLE[k]; S.map.addImage('icon-' + k, drawIcon(shape, color)); }
}

// ensureFacilityLayer adds kind k's tile source and layer (under the selection outline) once.
export function ensureFacilityLayer(k) {
  const map = S.map;
  if (map.getLayer(facLayerId(k))) return;
  if (!map.getSource('fac-' + k)) map.addSource('fac-' + k, facilitySource(location.origin, k));
  map.addLayer(facilityLayer(k, KINDS.find((x) => x[0] === k)[1]), 'selected-line');
}

// setFacilityVisible shows or hides kind k's facilities.
export function setFacilityVisible(k, on) {
  const map = S.map;
  if (on) { S.facVisible.add(k); ensureFacilityLayer(k); map.setLayoutProperty(facLayerId(k), 'visibility', 'visible'); } else {
    S.facVisible.delete(k);
    if (map.getLayer(facLayerId(k))) map.setLayoutProperty(facLayerId(k), 'visibility', 'none');
  }
}

// loadProvinceChoropleth classes every county from the province's coverage by county.
export async function loadProvinceChoropleth() {
  const map = S.map;
  const r = await api('/api/v1/coverage?' + covParams({ division: '42', group_by: 'county' }));
  S.provinceCov = r.coverage;
  for (const code of S.countyStates) map.removeFeatureState({ source: 'counties', sourceLayer: 'counties', id: code });
  S.countyStates.clear();
  for (const g of r.coverage.groups || []) {
    map.setFeatureState({ source: 'counties', sourceLayer: 'counties', id: g.code }, { cls: classOf(g.ratio, g.target), ratio: g.ratio });
    S.countyStates.add(g.code);
  }
  renderLegend();
}

// setTownshipClasses classes the townships of groups (one county's coverage by township); the
// townships classed before lose their class (cls -1: not painted), keeping a scenario selection.
export function setTownshipClasses(groups) {
  const map = S.map;
  for (const code of S.townshipStates) map.setFeatureState({ source: 'townships', sourceLayer: 'townships', id: code }, { cls: -1 });
  S.townshipStates.clear();
  for (const g of groups) {
    map.setFeatureState({ source: 'townships', sourceLayer: 'townships', id: g.code }, { cls: classOf(g.ratio, g.target) });
    S.townshipStates.add(g.code);
  }
}

// setTownshipSelected marks a township selected (or not) for the scenario editor.
export function setTownshipSelected(code, on) {
  S.map.setFeatureState({ source: 'townships', sourceLayer: 'townships', id: code }, { sel: !!on });
}
