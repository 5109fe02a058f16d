// The map legend: the choropleth classes in exactly the colours the map paints, the scenario
// selection when there is one, and the overlays.
import { S } from '../state.js';
import { $, el } from '../dom.js';
import { fmtPct, t } from '../i18n.js';
import { CHORO, CHORO_NONE, SELECTED } from '../style.js';

export function renderLegend() {
  const target = S.provinceCov?.summary?.target;
  const L = $('#legend'); L.replaceChildren();
  const row = (cls, color, word, extra = '') => el('div', { 'data-legend': cls }, el('span', { class: 'sw', style: `background:${color};${extra}` }), t(word));
  L.append(el('strong', {}, t('legend_title', target != null ? fmtPct(target) : '—')));
  if (S.plan) L.append(el('div', { id: 'legend-plan' }, t('with_plan', S.plan)));
  CHORO.forEach(([c, k], i) => L.append(row(String(i), c, k)));
  L.append(row('none', CHORO_NONE, 'ch_none'));
  if (S.scnSelected.size) L.append(row('selected', SELECTED, 'legend_sel'));
  L.append(row('gaps', '#e03131', 'layer_gaps', 'border-radius:50%'));
  L.append(row('circles', 'transparent', 'layer_circles', 'border-color:#d6336c;border-radius:50%'));
  L.append(el('p', {}, t('legend_towns')));
  L.append(el('p', {}, t('approx')));
}
