// The scorecard panel: the selected division's indicators against their targets, and its units
// one level below (sortable; a name selects that unit). A county's townships get their classes
// on the map from the same coverage answer.
import { S } from '../state.js';
import { $, el } from '../dom.js';
import { api, covParams, withPane } from '../api.js';
import { fmtInt, fmtNum, fmtPct, metBadge, provBadge, t } from '../i18n.js';
import { LEVELS, short } from '../kinds.js';
import { setTownshipClasses } from '../map.js';
import { selectDivision } from '../divisions.js';

export async function loadScorecard() {
  const code = S.division.properties.code, level = S.division.properties.level;
  const childLevel = LEVELS[LEVELS.indexOf(level) + 1];
  await withPane($('#pane-scorecard'), async () => {
    const [sc, cov] = await Promise.all([
      api('/api/v1/scorecard/' + short(code)),
      childLevel ? api('/api/v1/coverage?' + covParams({ division: short(code), group_by: childLevel })) : Promise.resolve(null),
    ]);
    S.scorecard = sc.scorecard; S.childCov = cov && cov.coverage;
    if (level === 'county' && S.childCov) setTownshipClasses(S.childCov.groups || []);
    renderScorecard();
  });
}

export function renderScorecard() {
  const sc = S.scorecard; if (!sc) return;
  const p = S.division.properties;
  $('#sc-title').textContent = `${sc.name}（${t('level_' + sc.level)}）`;
  $('#sc-meta').replaceChildren(
    t('pop_line', fmtInt(p.population && p.population.total), fmtInt(p.population && p.population.age60)), ' · ',
    t('village_committees', fmtInt(sc.village_committees)), ' ', provBadge(p.provenance && p.provenance.population));
  const tb = $('#sc-table'); tb.replaceChildren();
  tb.append(el('thead', {}, el('tr', {}, el('th', {}, t('indicator')), el('th', { class: 'num' }, t('value')), el('th', { class: 'num' }, t('target')),
    el('th', {}, t('deadline')), el('th', {}, t('met')), el('th', {}, t('provenance')))));
  const body = el('tbody');
  for (const it of sc.items || []) {
    const fmt = (v) => (v == null ? '—' : it.unit === 'fraction' ? fmtPct(v) : fmtNum(v, 1));
    body.append(el('tr', { 'data-item': it.id },
      el('td', { title: it.note || '' }, S.lang === 'zh' ? it.title_zh : it.title_en,
        it.denominator != null ? el('div', { class: 'sub note' }, `${fmtInt(it.numerator)} / ${fmtInt(it.denominator)}`) : null),
      el('td', { class: 'num' }, fmt(it.value)), el('td', { class: 'num' }, fmt(it.target)), el('td', {}, it.deadline || '—'),
      el('td', {}, metBadge(it.met)), el('td', {}, provBadge(it.provenance))));
  }
  tb.append(body);
  $('#sc-notes').textContent = [sc.document, sc.distance_note && (S.lang === 'zh' ? '距离为直线测地线距离。' : sc.distance_note)].filter(Boolean).join(' ');
  renderChildren();
}

// CHILD_COLS are the children table's columns: [field, word, numeric].
const CHILD_COLS = [['name', 'name', false], ['villages', 'villages', true], ['covered', 'covered', true], ['ratio', 'ratio', true],
  ['elderly', 'elderly', true], ['elderly_ratio', 'elderly_ratio', true], ['met', 'met', false], ['provenance', 'provenance', false]];

function renderChildren() {
  const tb = $('#children-table'); tb.replaceChildren();
  const groups = (S.childCov && S.childCov.groups) || [];
  if (!groups.length) { tb.append(el('caption', {}, t('no_children'))); return; }
  const { key, dir } = S.sort;
  // Sorted by the column, nulls last, ties by code.
  const rows = [...groups].sort((a, b) => {
    const va = a[key], vb = b[key];
    if (va == null && vb == null) return a.code < b.code ? -1 : 1;
    if (va == null) return 1;
    if (vb == null) return -1;
    const c = typeof va === 'string' ? va.localeCompare(vb, 'zh-CN') : va - vb;
    return c * dir || (a.code < b.code ? -1 : 1);
  });
  const head = el('tr');
  for (const [k, label, num] of CHILD_COLS) {
    const sorted = k === key ? (dir > 0 ? 'ascending' : 'descending') : 'none';
    head.append(el('th', { class: num ? 'num' : '', 'aria-sort': sorted, scope: 'col' },
      el('button', { type: 'button', 'data-sort': k, onclick: () => { S.sort = { key: k, dir: k === key ? -dir : 1 }; renderChildren(); $(`#children-table [data-sort="${k}"]`).focus(); } },
        t(label), sorted === 'none' ? '' : sorted === 'ascending' ? ' ▲' : ' ▼')));
  }
  tb.append(el('thead', {}, head));
  const body = el('tbody');
  for (const g of rows) {
    body.append(el('tr', { 'data-code': g.code },
      el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => selectDivision(g.code) }, g.name)),
      el('td', { class: 'num' }, fmtInt(g.villages)), el('td', { class: 'num' }, fmtInt(g.covered)), el('td', { class: 'num' }, fmtPct(g.ratio)),
      el('td', { class: 'num' }, fmtInt(g.elderly)), el('td', { class: 'num' }, fmtPct(g.elderly_ratio)), el('td', {}, metBadge(g.met)),
      el('td', {}, g.provenance ? provBadge(g.provenance) : '—')));
  }
  tb.append(body);
}
