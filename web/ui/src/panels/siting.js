// The siting panel: proposes new sites in the selected county or township (POST /api/v1/siting),
// says whether the official indicator is met, and saves the answer as a plan (planner token).
import { S } from '../state.js';
import { $, el } from '../dom.js';
import { api, paneError, withPane } from '../api.js';
import { fmtInt, fmtPct, kindName, metBadge, provBadge, t } from '../i18n.js';
import { short } from '../kinds.js';
import { fc } from '../style.js';
import { setData } from '../map.js';
import { renderLegend } from './legend.js';
import { refreshAnalysis } from '../divisions.js';

// FIELDS are the form fields each objective uses (the others are hidden and not sent): p new
// sites (mclp, pcenter), the target share (lscp) and the weight (mclp; lscp orders ties by it).
const FIELDS = { mclp: ['p', 'weight'], lscp: ['target', 'weight'], pcenter: ['p'] };

// syncSitingForm shows only the fields of the chosen objective.
export function syncSitingForm() {
  const use = FIELDS[$('#siting-objective').value] || [];
  for (const f of ['p', 'target', 'weight']) $(`#siting-${f}-label`).hidden = !use.includes(f);
}

async function runSiting(ev) {
  ev.preventDefault();
  const pane = $('#pane-siting');
  const d = S.division && S.division.properties;
  if (!d) return paneError(pane, t('pick_division'));
  if (d.level !== 'county' && d.level !== 'township') return paneError(pane, t('siting_scope_bad', t('level_' + d.level)));
  const o = $('#siting-objective').value, use = FIELDS[o] || [];
  const req = { kind: S.kind, division: short(d.code), mode: S.mode, objective: o };
  if (use.includes('weight')) req.weight = $('#siting-weight').value;
  if (S.radius) req.radius_m = S.radius;
  if (use.includes('target')) req.target = Number($('#siting-target').value) / 100;
  if (use.includes('p')) req.p = Number($('#siting-p').value);
  const res = await withPane(pane, () => api('/api/v1/siting', { method: 'POST', body: req }));
  if (!res) return;
  S.siting = res.siting || res; S.sitingSites = sitingSites(res); S.sitingReq = req;
  renderSiting();
}

// sitingSites is the proposed sites of an answer, each with its point.
function sitingSites(s) {
  if (Array.isArray(s.sites)) return s.sites;
  if (s.proposals && Array.isArray(s.proposals.features)) return s.proposals.features.map((f) => ({ ...f.properties, point: f.geometry.coordinates }));
  if (Array.isArray(s.features)) return s.features.map((f) => ({ ...f.properties, point: f.geometry.coordinates }));
  return [];
}

// indicatorLine states the official indicator after the proposed sites and whether it meets its
// target: the only place a siting answer is called met (green).
function indicatorLine(ind) {
  if (!ind) return null;
  const name = S.words[S.lang]['ind_' + ind.name] ? t('ind_' + ind.name) : ind.name;
  return el('div', { id: 'siting-indicator', 'data-met': String(ind.met === true) },
    t('indicator_line', name, fmtPct(ind.value), ind.target == null ? '—' : fmtPct(ind.target)), ' ',
    metBadge(ind.target == null ? null : ind.met === true));
}

export function renderSiting() {
  const s = S.siting, out = $('#siting-result'); out.replaceChildren();
  if (!s) return;
  const sites = S.sitingSites || [];
  setData('proposals', fc(sites.filter((x) => x.point).map((x) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: x.point }, properties: { rank: x.rank, name: x.name } }))));
  const b = s.before || s.summary?.before || {}, a = s.after || s.summary?.after || {};
  out.append(el('div', { class: 'summary', id: 'siting-summary' },
    el('div', {}, `${t('before')} `, el('strong', { 'data-before': b.ratio }, fmtPct(b.ratio)), ' → ', `${t('after')} `,
      el('strong', { class: 'big', 'data-after': a.ratio }, fmtPct(a.ratio))),
    indicatorLine(s.indicator),
    el('div', { class: 'meta' }, `${t('elderly')}: ${fmtInt(b.elderly_covered)} → ${fmtInt(a.elderly_covered)} / ${fmtInt(a.elderly)}`),
    // Optimality is about the objective, not the indicator: a neutral statement.
    el('div', { class: 'meta', id: 'siting-optimality' }, s.optimal ? t('optimal') : t('gap_bound', s.gap == null ? '—' : fmtPct(s.gap), s.method || '', s.bound_method || '')),
    s.uncovered ? el('div', { class: 'meta' }, t('uncovered_left', fmtInt(s.uncovered.length)),
      s.uncovered_reasons ? `（${Object.entries(s.uncovered_reasons).map(([k, v]) => `${t('reason_' + k)} ${fmtInt(v)}`).join('，')}）` : '') : null,
    provBadge(s.provenance)));
  out.append(el('table', { class: 'data', id: 'siting-sites' },
    el('caption', {}, t('sites')),
    el('thead', {}, el('tr', {}, el('th', {}, t('rank')), el('th', {}, t('name')), el('th', {}, t('township')), el('th', { class: 'num' }, t('gain') + '·' + t('elderly')), el('th', { class: 'num' }, t('villages')))),
    el('tbody', {}, sites.map((x) => el('tr', {},
      el('td', {}, String(x.rank)),
      el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => x.point && S.map.flyTo({ center: x.point, zoom: 13 }) }, x.name || x.code)),
      el('td', {}, x.township_name || ''), el('td', { class: 'num' }, fmtInt(x.gain_elderly)),
      el('td', { class: 'num', title: `${t('new_villages')}: ${(x.new_villages || []).join(', ')}` }, fmtInt(x.gain_villages)))))));
  const towns = s.townships || [];
  if (towns.length) {
    out.append(el('details', {}, el('summary', {}, t('town_table')), el('table', { class: 'data', id: 'siting-townships' },
      el('thead', {}, el('tr', {}, el('th', {}, t('township')), el('th', { class: 'num' }, t('ratio')), el('th', { class: 'num' }, t('sites')))),
      el('tbody', {}, towns.map((x) => el('tr', {}, el('td', {}, x.name), el('td', { class: 'num' }, `${fmtPct(x.ratio_before)} → ${fmtPct(x.ratio_after)}`),
        el('td', { class: 'num' }, fmtInt(x.new_sites))))))));
  }
  $('#plan-save').disabled = !S.token;
  $('#plan-msg').textContent = S.token ? '' : t('need_token');
}

async function savePlan() {
  if (!S.token) { $('#plan-msg').textContent = t('need_token'); return; }
  const body = { name: $('#plan-name').value || `${S.division.properties.name} ${kindName(S.kind)}`, siting: S.sitingReq };
  const r = await withPane($('#pane-siting'), () => api('/api/v1/plans', { method: 'POST', body }));
  if (!r) return;
  S.savedPlan = r.id != null ? r.id : r.plan && r.plan.id;
  $('#plan-msg').textContent = t('saved_plan', S.savedPlan);
  const lab = $('#plan-apply-label');
  lab.hidden = false; $('#plan-apply').checked = false;
  lab.querySelector('span').textContent = t('plan_apply', S.savedPlan);
}

// bindSiting wires the form, the plan button and the "count the plan" box.
export function bindSiting() {
  $('#siting-objective').addEventListener('change', syncSitingForm);
  $('#siting-form').addEventListener('submit', runSiting);
  $('#plan-save').addEventListener('click', savePlan);
  $('#plan-apply').addEventListener('change', (e) => { S.plan = e.target.checked ? S.savedPlan : null; renderLegend(); refreshAnalysis(); });
  syncSitingForm();
}
