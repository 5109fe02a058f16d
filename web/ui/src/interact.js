// Map interaction: a click selects a county or township (or explains a facility or gap in a
// popup), the picking modes of the scenario editor (townships, a seat) and Shift-drag box selection.
import { S } from './state.js';
import { $, el } from './dom.js';
import { fmtDist, fmtInt, kindName, t } from './i18n.js';
import { facLayerId, fc } from './style.js';
import { setData } from './map.js';
import { selectDivision } from './divisions.js';
import { renderOpFields, toggleTownship } from './panels/scenarios.js';

// setMapMode makes map clicks pick townships ("pick"), a seat ("seat") or select divisions (null).
export function setMapMode(mode) {
  S.mapMode = mode;
  const box = $('#map-mode');
  box.hidden = !mode;
  box.textContent = mode === 'seat' ? t('seat_click') : mode === 'pick' ? t('pick_mode_on') : '';
  $('#scn-pick').setAttribute('aria-pressed', String(mode === 'pick'));
  S.map.getCanvas().style.cursor = mode ? 'crosshair' : '';
}

// showPopup explains the facility, uncovered village or proposal under the click; false when none.
function showPopup(e, popup) {
  const map = S.map;
  const ids = [...S.facVisible].map(facLayerId).filter((id) => map.getLayer(id)).concat(['gaps', 'proposals']);
  const f = map.queryRenderedFeatures(e.point, { layers: ids })[0];
  if (!f) return false;
  const p = f.properties, box = el('div', {});
  if (f.layer.id === 'gaps') {
    const near = typeof p.nearest === 'string' ? JSON.parse(p.nearest) : p.nearest;
    box.append(el('strong', {}, p.short_name || p.name), el('div', {}, `${t('elderly')} ${fmtInt(p.elderly)}`),
      el('div', {}, near ? t('nearest', near.name, fmtDist(near.distance_m)) : t('no_facility')));
  } else if (f.layer.id === 'proposals') {
    box.append(el('strong', {}, `${t('sites')} ${p.rank}: ${p.name}`));
  } else {
    box.append(el('strong', {}, p.name), el('div', {}, kindName(p.kind)), el('div', {}, `${t('fac_status')}: ${p.status}`), p.beds ? el('div', {}, `beds ${fmtInt(p.beds)}`) : null);
  }
  popup.setLngLat(e.lngLat).setDOMContent(box).addTo(map);
  return true;
}

// bindLasso makes Shift-drag draw a box that selects the townships it touches (scenario editor).
function bindLasso(map) {
  const canvas = map.getCanvasContainer();
  const drag = { start: null, box: null };
  const pos = (e) => { const r = canvas.getBoundingClientRect(); return new maplibregl.Point(e.clientX - r.left, e.clientY - r.top); };
  canvas.addEventListener('mousedown', (e) => {
    if (!e.shiftKey || e.button !== 0) return;
    e.preventDefault(); e.stopPropagation(); map.dragPan.disable();
    drag.start = pos(e); drag.box = el('div', { class: 'lasso' }); canvas.append(drag.box);
  }, true);
  window.addEventListener('mousemove', (e) => {
    if (!drag.start) return;
    const p = pos(e), x = Math.min(p.x, drag.start.x), y = Math.min(p.y, drag.start.y);
    Object.assign(drag.box.style, { left: x + 'px', top: y + 'px', width: Math.abs(p.x - drag.start.x) + 'px', height: Math.abs(p.y - drag.start.y) + 'px' });
  });
  window.addEventListener('mouseup', (e) => {
    if (!drag.start) return;
    const p = pos(e); drag.box.remove(); map.dragPan.enable(); S.lassoAt = Date.now();
    const fs = map.queryRenderedFeatures([drag.start, p], { layers: ['township-fill'] });
    drag.start = null;
    new Set(fs.map((f) => f.properties.code)).forEach((c) => toggleTownship(c, true));
  });
}

// bindMap wires clicks, the pointer cursor, the box selection and Esc.
export function bindMap() {
  const map = S.map;
  const popup = new maplibregl.Popup({ closeButton: true, closeOnClick: true, maxWidth: '280px' });
  map.on('click', async (e) => {
    if (S.lassoAt && Date.now() - S.lassoAt < 500) return; // the end of a Shift-drag box is no click
    if (S.mapMode === 'seat') {
      S.seatPick = [Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))];
      setData('seat', fc([{ type: 'Feature', geometry: { type: 'Point', coordinates: S.seatPick }, properties: {} }]));
      setMapMode(null); renderOpFields(); return;
    }
    if (S.mapMode === 'pick') {
      const f = map.queryRenderedFeatures(e.point, { layers: ['township-fill'] })[0];
      if (f) toggleTownship(f.properties.code, !S.scnSelected.has(f.properties.code));
      return;
    }
    if (map.getZoom() >= 9 && showPopup(e, popup)) return;
    const layers = map.getZoom() >= 8 ? ['township-fill', 'county-fill'] : ['county-fill'];
    const hits = map.queryRenderedFeatures(e.point, { layers });
    const f = hits.find((h) => h.layer.id === 'township-fill') || hits[0];
    if (f) selectDivision(f.properties.code, { fly: false });
  });
  map.on('mousemove', (e) => {
    if (S.mapMode) return;
    const hit = map.queryRenderedFeatures(e.point, { layers: ['county-fill'] }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  bindLasso(map);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && S.mapMode) setMapMode(null); });
}
