// The gaps panel: the selected division's uncovered village committees (most elderly first, also
// drawn on the map) or their clusters; a click flies the map there.
import { S } from '../state.js';
import { $, el } from '../dom.js';
import { api, covParams, withPane } from '../api.js';
import { fmtDist, fmtInt, fmtPct, kindName, metBadge, provBadge, t } from '../i18n.js';
import { short } from '../kinds.js';
import { fc } from '../style.js';
import { setData } from '../map.js';

// GAP_LIMIT is how many villages (and clusters) the list shows.
const GAP_LIMIT = 200;

export async function loadGaps() {
  const code = short(S.division.properties.code);
  await withPane($('#pane-gaps'), async () => {
    const g = await api('/api/v1/gaps?' + covParams({ division: code, limit: GAP_LIMIT }));
    S.gaps = g; S.clusters = null;
    if (S.gapView === 'clusters') await loadClusters();
    setData('gaps', fc((g.features || []).filter((f) => f.geometry)));
    renderGaps();
  });
}

// loadClusters loads the clusters when their view is opened (a province has thousands).
async function loadClusters() {
  if (S.clusters || !S.division) return;
  S.clusters = await api('/api/v1/gaps?' + covParams({ division: short(S.division.properties.code), clusters: 'true' }));
}

export function renderGaps() {
  const g = S.gaps; if (!g) return;
  const s = g.summary || {};
  const need = s.target != null && s.villages ? Math.max(0, Math.ceil(s.target * s.villages - 1e-9) - s.covered) : null;
  $('#gap-summary').replaceChildren(
    el('div', {}, t('gap_head', `${s.name} ${kindName(S.kind)}`, fmtPct(s.target), s.deadline || '—')),
    el('div', { class: 'big', 'data-ratio': s.ratio }, `${fmtPct(s.ratio)} `, metBadge(s.met), ' ', provBadge(s.provenance)),
    el('div', { id: 'gap-need' }, need == null ? '' : need > 0 ? t('gap_need', fmtInt(need)) : t('gap_met')),
    el('div', { class: 'meta' }, t('gap_count', fmtInt(g.numberMatched), fmtInt(Math.min(GAP_LIMIT, g.numberMatched || 0)))));
  const list = $('#gap-list'); list.replaceChildren();
  $('#gap-view-villages').setAttribute('aria-pressed', String(S.gapView === 'villages'));
  $('#gap-view-clusters').setAttribute('aria-pressed', String(S.gapView === 'clusters'));
  if (S.gapView === 'villages') {
    for (const f of g.features || []) {
      const p = f.properties;
      const where = f.geometry ? f.geometry.coordinates : null;
      list.append(el('li', {}, el('button', { type: 'button', class: 'item', 'data-code': p.code, 'data-lon': where && where[0], 'data-lat': where && where[1],
        'aria-disabled': where ? null : 'true', onclick: (e) => where && flyToGap(where, e.currentTarget) },
        el('strong', {}, `${p.rank}. ${p.short_name || p.name}`), ' ', el('span', {}, `${t('elderly')} ${fmtInt(p.elderly)}`), ' ',
        el('div', { class: 'sub' }, p.nearest ? t('nearest', p.nearest.name, fmtDist(p.nearest.distance_m)) : t('no_facility'), where ? '' : ` · ${t('no_point')}`))));
    }
  } else {
    const all = (S.clusters && S.clusters.clusters) || [];
    list.append(el('li', { class: 'meta', id: 'cluster-count' }, t('cluster_count', fmtInt(all.length), fmtInt(Math.min(GAP_LIMIT, all.length)))));
    const names = new Map((g.features || []).map((f) => [f.properties.code, f.properties.short_name || f.properties.name]));
    for (const c of all.slice(0, GAP_LIMIT)) {
      list.append(el('li', {}, el('button', { type: 'button', class: 'item', 'data-lon': c.centre[0], 'data-lat': c.centre[1], onclick: (e) => flyToGap(c.centre, e.currentTarget) },
        el('strong', {}, `${c.rank}. ${c.centre_name || names.get(c.centre_code) || c.centre_code}`), el('div', { class: 'sub' }, t('cluster_line', fmtInt(c.villages.length), fmtInt(c.elderly)),
          c.max_distance_m ? ` · ≤ ${fmtDist(c.max_distance_m)}` : ''))));
    }
  }
  $('#gap-note').textContent = S.lang === 'zh' ? g.query?.distance_note_zh || '' : g.query?.distance_note || '';
}

// flyToGap rings lonlat on the map and flies there; btn is marked as the active list item.
function flyToGap(lonlat, btn) {
  document.querySelectorAll('#gap-list .item.active').forEach((b) => b.classList.remove('active'));
  if (btn) btn.classList.add('active');
  setData('highlight', fc([{ type: 'Feature', geometry: { type: 'Point', coordinates: lonlat }, properties: {} }]));
  S.map.flyTo({ center: lonlat, zoom: Math.max(S.map.getZoom(), 12.5), duration: 900 });
}

// bindGaps wires the view switch (villages or clusters).
export function bindGaps() {
  $('#gap-view-villages').addEventListener('click', () => { S.gapView = 'villages'; renderGaps(); });
  $('#gap-view-clusters').addEventListener('click', () => withPane($('#pane-gaps'), async () => { S.gapView = 'clusters'; await loadClusters(); renderGaps(); }));
}
