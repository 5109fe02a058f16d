// civplan planner web map: native ES modules over MapLibre GL JS (the UMD build, loaded before
// this module and served from this binary). Every number comes from civplan's HTTP API; nothing
// is fetched from elsewhere. The page's state is the one object of state.js.
import { S } from './state.js';
import { api, q, showAlert } from './api.js';
import { loadWords, t } from './i18n.js';
import { fc } from './style.js';
import { addIcons, createMap, ensureFacilityLayer, loadProvinceChoropleth } from './map.js';
import { bindMap } from './interact.js';
import { selectDivision } from './divisions.js';
import { renderLegend } from './panels/legend.js';
import { bindGaps } from './panels/gaps.js';
import { bindSiting } from './panels/siting.js';
import { bindScenarios, renderOpFields } from './panels/scenarios.js';
import { bindSearch } from './panels/search.js';
import { bindTabs } from './panels/tabs.js';
import { applyLang, askToken, bindTopbar } from './panels/topbar.js';

// loadTownshipLabels loads the 1,475 township seat labels once the map is zoomed in far enough.
async function loadTownshipLabels() {
  if (S.townshipLabels || S.map.getZoom() < 9) return;
  S.townshipLabels = true;
  try {
    const feats = [];
    for (let offset = 0; ; offset += 1000) {
      const r = await api('/api/v1/divisions?' + q({ level: 'township', limit: 1000, offset }));
      feats.push(...(r.features || []).filter((f) => f.geometry && f.geometry.type === 'Point'));
      if ((r.features || []).length < 1000) break;
    }
    S.map.getSource('labels-township').setData(fc(feats));
  } catch (e) { S.townshipLabels = false; showAlert(e.message); }
}

// start runs once the map's style is loaded: symbols, attribution, labels, the choropleth and the
// province selected; then the page says it is ready (body[data-ready]).
async function start() {
  const map = S.map;
  addIcons();
  S.facVisible.forEach((k) => ensureFacilityLayer(k));
  try {
    S.attribution = (await api('/tiles/counties.json')).attribution || '';
  } catch (e) { showAlert(e.message); }
  map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: [S.attribution, t('approx')].filter(Boolean) }), 'bottom-right');
  // Start collapsed (the ⓘ button opens it); the legend carries the approximate-boundary note.
  const at = document.querySelector('.maplibregl-ctrl-attrib');
  if (at) { at.classList.remove('maplibregl-compact-show'); at.removeAttribute('open'); }
  applyLang();
  // Labels of prefectures and counties sit at their seats (one label each, not one per tile).
  for (const level of ['prefecture', 'county']) {
    api('/api/v1/divisions?' + q({ level, limit: 1000 })).then((r) => map.getSource('labels-' + level).setData(fc((r.features || []).filter((f) => f.geometry))))
      .catch((e) => showAlert(e.message));
  }
  map.on('zoomend', loadTownshipLabels);
  await loadProvinceChoropleth().catch((e) => showAlert(e.message));
  await selectDivision('42', { fly: false });
  S.ready = true;
  document.body.dataset.ready = 'true';
}

try {
  await loadWords();
} catch (e) {
  showAlert(String(e.message || e));
  throw e;
}
const map = createMap();
map.on('load', start);
map.on('error', (e) => { console.warn('map:', e && e.error && e.error.message); });
bindMap(); bindSearch(); bindTabs(); bindTopbar(); bindGaps(); bindSiting(); bindScenarios();
renderLegend(); renderOpFields();
// Where reads need a token (a non-loopback server), say so at once and ask for it.
api('/api/v1/divisions/42').catch((e) => {
  if (e.status === 401) { showAlert(e.message + ' — ' + t('token_hint')); askToken(); }
});
