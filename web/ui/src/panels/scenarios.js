// The scenario (division adjustment) panel: townships of the selected county are picked on the
// map or in the list, operations are added, the scenario is saved and its impact, statutory
// checks and code table shown; saved scenarios are listed and two compared.
import { S } from '../state.js';
import { $, el } from '../dom.js';
import { api, busy, ApiError, paneError, q, showAlert, withPane } from '../api.js';
import { fmtDist, fmtInt, fmtNum, fmtPct, kindName, t } from '../i18n.js';
import { LEVELS, short } from '../kinds.js';
import { setData, setTownshipSelected } from '../map.js';
import { setMapMode } from '../interact.js';
import { renderLegend } from './legend.js';

const pane = () => $('#pane-scenario');

// loadScenarioTownships lists the selected county's townships (a selection outside it is dropped).
export async function loadScenarioTownships() {
  const d = S.division.properties;
  const r = await api('/api/v1/divisions/' + short(d.code) + '/children').catch((e) => { showAlert(e.message); return null; });
  if (!r) return;
  S.scnTownships = (r.features || []).map((f) => ({ code: f.properties.code, name: f.properties.name, kind: f.properties.kind, seat: f.properties.seat }));
  for (const code of [...S.scnSelected.keys()]) if (!S.scnTownships.some((x) => x.code === code)) toggleTownship(code, false);
  renderScenarioTownships();
}

export function renderScenarioTownships() {
  const fs = $('#scn-townships');
  fs.replaceChildren(el('legend', {}, t('townships')));
  if (!S.scnTownships.length) { fs.append(el('p', { class: 'meta' }, t('select_county_first'))); return; }
  for (const tw of S.scnTownships) {
    const id = 'scn-t-' + tw.code;
    fs.append(el('label', { for: id }, el('input', { type: 'checkbox', id, value: tw.code, checked: S.scnSelected.has(tw.code), onchange: (e) => toggleTownship(tw.code, e.target.checked) }), ' ', tw.name));
  }
  renderOpFields();
}

// toggleTownship selects (on) or deselects a township of the selected county, on the map and in the list.
export function toggleTownship(code, on) {
  const tw = S.scnTownships.find((x) => x.code === code);
  if (on && tw) S.scnSelected.set(code, tw.name); else S.scnSelected.delete(code);
  setTownshipSelected(code, on);
  const cb = document.getElementById('scn-t-' + code); if (cb) cb.checked = !!on;
  renderOpFields(); renderLegend();
}

const selectedUnits = () => [...S.scnSelected.entries()].map(([code, name]) => ({ code, name }));

function unitSelect(id, units, extra) {
  const s = el('select', { id });
  if (extra) s.append(el('option', { value: '' }, extra));
  units.forEach((u) => s.append(el('option', { value: u.code }, u.name)));
  return s;
}

function seatPicker() {
  const label = el('span', { id: 'op-seat-val' }, S.seatPick ? S.seatPick.map((v) => v.toFixed(5)).join(', ') : t('seat_none'));
  return el('div', { class: 'row' }, el('span', {}, t('op_seat') + '：'), label,
    el('button', { type: 'button', id: 'op-seat-pick', onclick: () => setMapMode('seat') }, t('pick_seat')));
}

// renderOpFields shows the fields of the chosen operation for the selected townships.
export function renderOpFields() {
  const box = $('#op-fields'); box.replaceChildren();
  const units = selectedUnits(), kind = $('#op-kind').value;
  const lab = (txt, ctl) => el('label', {}, el('span', {}, txt), ctl);
  switch (kind) {
    case 'merge':
      box.append(lab(t('op_into'), unitSelect('op-into', units, t('op_new_unit'))), lab(t('op_newname'), el('input', { id: 'op-name', type: 'text' })), seatPicker());
      if (units.length) $('#op-into').value = units[0].code;
      break;
    case 'transfer': {
      const from = unitSelect('op-from', units), to = unitSelect('op-to', units);
      const vbox = el('fieldset', { class: 'checklist', id: 'op-villages' }, el('legend', {}, t('op_villages')));
      box.append(lab(t('op_from'), from), vbox, lab(t('op_to'), to));
      if (units.length > 1) to.value = units[1].code;
      const loadV = async () => {
        vbox.replaceChildren(el('legend', {}, t('op_villages')));
        const want = from.value;
        if (!want) return;
        const r = await api('/api/v1/divisions/' + short(want) + '/children').catch((e) => { showAlert(e.message); return null; });
        if (from.value !== want || !vbox.isConnected) return; // the choice changed meanwhile
        vbox.replaceChildren(el('legend', {}, t('op_villages')));
        for (const f of (r && r.features) || []) {
          const id = 'op-v-' + f.properties.code;
          vbox.append(el('label', { for: id }, el('input', { type: 'checkbox', id, value: f.properties.code }), ' ', f.properties.short_name || f.properties.name));
        }
      };
      from.addEventListener('change', loadV); loadV();
      break;
    }
    case 'change_kind': {
      const k = el('select', { id: 'op-newkind' }, ['town', 'township', 'subdistrict'].map((x) => el('option', { value: x }, t('kind_' + x))));
      box.append(lab(t('op_unit'), unitSelect('op-unit', units)), lab(t('op_newkind'), k));
      break;
    }
    case 'move_seat':
      box.append(lab(t('op_unit'), unitSelect('op-unit', units)), seatPicker());
      break;
    case 'rename':
      box.append(lab(t('op_unit'), unitSelect('op-unit', units)), lab(t('op_newname'), el('input', { id: 'op-name', type: 'text' })));
      break;
  }
}

// addOp adds the operation in the form to the scenario, or says what is missing.
function addOp() {
  const kind = $('#op-kind').value, units = selectedUnits();
  $('.err', pane()).hidden = true;
  const fail = (m) => paneError(pane(), m);
  const val = (id) => { const e = document.getElementById(id); return e ? e.value : ''; };
  let op;
  switch (kind) {
    case 'merge': {
      if (units.length < 2) return fail(t('need_units', 2));
      op = { op: 'merge', units: units.map((u) => short(u.code)) };
      if (val('op-into')) op.into = short(val('op-into'));
      if (val('op-name')) op.name = val('op-name');
      if (S.seatPick) op.seat = S.seatPick;
      break;
    }
    case 'transfer': {
      const vs = [...document.querySelectorAll('#op-villages input:checked')].map((c) => c.value);
      if (!vs.length || !val('op-to')) return fail(t('need_units', 1));
      op = { op: 'transfer', units: vs, to: short(val('op-to')) };
      break;
    }
    case 'change_kind':
      if (!val('op-unit')) return fail(t('need_units', 1));
      op = { op: 'change_kind', unit: short(val('op-unit')), kind: val('op-newkind') };
      break;
    case 'move_seat':
      if (!val('op-unit') || !S.seatPick) return fail(t('need_units', 1));
      op = { op: 'move_seat', unit: short(val('op-unit')), seat: S.seatPick };
      break;
    case 'rename':
      if (!val('op-unit') || !val('op-name')) return fail(t('need_units', 1));
      op = { op: 'rename', unit: short(val('op-unit')), name: val('op-name') };
      break;
  }
  S.ops.push(op); S.seatPick = null; setData('seat');
  renderOps(); renderOpFields();
}

function describeOp(op) {
  const nm = (c) => { const u = S.scnTownships.find((x) => short(x.code) === c); return u ? u.name : c; };
  switch (op.op) {
    case 'merge': return `${t('op_merge')}：${op.units.map(nm).join('、')} → ${op.into ? nm(op.into) : t('op_new_unit')}${op.name ? '（' + op.name + '）' : ''}`;
    case 'transfer': return `${t('op_transfer')}：${op.units.length} → ${nm(op.to)}`;
    case 'change_kind': return `${t('op_change_kind')}：${nm(op.unit)} → ${t('kind_' + op.kind)}`;
    case 'move_seat': return `${t('op_move_seat')}：${nm(op.unit)} → ${op.seat.map((v) => v.toFixed(4)).join(', ')}`;
    case 'rename': return `${t('op_rename')}：${nm(op.unit)} → ${op.name}`;
  }
  return JSON.stringify(op);
}

export function renderOps() {
  const ol = $('#scn-ops'); ol.replaceChildren();
  S.ops.forEach((op, i) => ol.append(el('li', {}, describeOp(op), ' ',
    el('button', { type: 'button', 'aria-label': t('remove') + ' ' + (i + 1), onclick: () => { S.ops.splice(i, 1); renderOps(); } }, t('remove')))));
}

// scenarioImpact saves the scenario (new or the current one) and shows its impact; the units
// after the change are drawn over the map (dashed orange).
async function scenarioImpact() {
  if (!S.ops.length) return paneError(pane(), t('no_ops'));
  if (!S.token) return paneError(pane(), t('need_token'));
  const body = { name: $('#scn-name').value || 'scenario', ops: S.ops };
  const r = await withPane(pane(), async () => {
    const saved = S.scenarioId ? await api('/api/v1/scenarios/' + S.scenarioId, { method: 'PUT', body }) : await api('/api/v1/scenarios', { method: 'POST', body });
    const sc = saved.scenario || saved;
    S.scenarioId = sc.id;
    return api('/api/v1/scenarios/' + sc.id + '/impact');
  });
  if (!r) return;
  S.eval = r; S.impact = r.impact || r;
  api('/api/v1/scenarios/' + S.scenarioId + '/impact?f=geojson').then((g) => setData('scenario', g)).catch((e) => showAlert(e.message));
  $('#scn-report').disabled = false;
  renderImpact(); listScenarios();
}

const impactDivisions = (imp) => imp.divisions || imp.service?.divisions || [];

export function renderImpact() {
  const imp = S.impact, out = $('#scn-impact-out'); out.replaceChildren();
  if (!imp) return;
  out.append(el('p', { class: 'meta' }, t('scenario_saved', S.scenarioId)));
  const divs = impactDivisions(imp);
  const ratioOf = (st) => { const k = st && st.kinds && st.kinds[S.kind]; return k ? k.ratio : null; };
  const cols = [
    ['population', (st) => st.population && st.population.total, fmtInt],
    ['elderly', (st) => st.elderly, fmtInt],
    ['villages_all', (st) => st.villages, fmtInt],
    ['area', (st) => st.area_km2, (v) => fmtNum(v, 1)],
  ];
  // Totals add the units at the deepest affected level (their parents would count them twice).
  const totalLevel = LEVELS[Math.max(...divs.map((d) => LEVELS.indexOf(d.level)))];
  const tb = el('table', { class: 'data', id: 'impact-table', 'data-total-level': totalLevel || '' });
  tb.append(el('caption', {}, t('impact_divisions')));
  tb.append(el('thead', {}, el('tr', {}, el('th', {}, t('name')), el('th', {}, ''), cols.map(([k]) => el('th', { class: 'num' }, t(k))), el('th', { class: 'num' }, t('coverage_of', kindName(S.kind))))));
  const body = el('tbody'), tot = { before: cols.map(() => 0), after: cols.map(() => 0) };
  for (const d of divs) {
    if (d.level === totalLevel) {
      for (const side of ['before', 'after']) cols.forEach(([, get], i) => { tot[side][i] += Number(get(d[side] || {}) || 0); });
    }
    ['before', 'after'].forEach((side, j) => {
      const st = d[side] || {};
      body.append(el('tr', { 'data-code': d.code, 'data-side': side, class: j ? 'after' : 'before' },
        j ? null : el('td', { rowspan: 2 }, d.name || d.code, el('div', { class: 'sub note' }, t('level_' + d.level))),
        el('td', { class: 'sub' }, t(side + '_adj')), cols.map(([k, get, f]) => el('td', { class: 'num', 'data-col': k }, f(get(st)))),
        el('td', { class: 'num' }, fmtPct(ratioOf(st)))));
    });
  }
  tb.append(body);
  tb.append(el('tfoot', {}, ['before', 'after'].map((side, j) => el('tr', {},
    j ? null : el('td', { rowspan: 2 }, t('total'), el('div', { class: 'sub note' }, totalLevel ? t('level_' + totalLevel) : '')),
    el('td', { class: 'sub' }, t(side + '_adj')),
    cols.map(([k, , f], i) => el('td', { class: 'num', 'data-total': k, 'data-side': side, 'data-value': tot[side][i] }, f(tot[side][i]))),
    el('td', {})))));
  out.append(el('div', { class: 'table-wrap' }, tb));
  const flags = imp.flags || imp.service?.flags || [];
  out.append(el('h3', {}, `${t('flags')} (${fmtInt(flags.length)})`));
  out.append(el('ul', { class: 'list', id: 'impact-flags' }, flags.slice(0, 100).map((f) => el('li', {}, `${f.name || f.code}: ${f.detail || f.kind}`))));
  renderEvaluation(out, S.eval || {});
}

// renderEvaluation adds the boundary union, statutory checks, approvals, dossier and code table.
function renderEvaluation(out, ev) {
  const geoms = ev.geometry || [];
  if (geoms.length) {
    out.append(el('h3', {}, t('geom')));
    out.append(el('ul', { class: 'list', id: 'impact-geometry' }, geoms.map((g) => el('li', {}, `${g.name}：`,
      g.contiguous ? t('contiguous') : t('not_contiguous', g.pieces), ` · ${fmtNum(g.area_km2, 1)} km²`, g.problem ? ` · ${g.problem}` : ''))));
  }
  const st = ev.statutory || {};
  if ((st.checks || []).length) {
    out.append(el('h3', {}, t('checks')));
    out.append(el('ul', { class: 'list', id: 'impact-checks' }, st.checks.map((c) => el('li', {},
      el('span', { class: 'badge ' + (c.verdict === 'pass' ? 'met-yes' : c.verdict === 'fail' ? 'met-no' : 'met-na') }, t('verdict_' + c.verdict)), ' ',
      `${c.unit_name ? c.unit_name + '：' : ''}${c.title}`, el('div', { class: 'sub note' }, [c.source, c.note].filter(Boolean).join(' · '))))));
  }
  if ((st.approvals || []).length) {
    out.append(el('h3', {}, t('approvals')));
    out.append(el('ul', { class: 'list' }, st.approvals.map((a) => el('li', {}, `${a.change}：${a.authority}（${a.article}）`, a.note ? el('div', { class: 'sub note' }, a.note) : null))));
  }
  if ((st.dossier || []).length) {
    out.append(el('h3', {}, t('dossier')));
    out.append(el('ol', { class: 'list' }, st.dossier.map((d) => el('li', {}, `${d.provided ? '☑' : '☐'} ${d.item}`, d.civplan ? el('div', { class: 'sub note' }, d.civplan) : null))));
  }
  const codes = ev.codes || [];
  if (codes.length) {
    out.append(el('h3', {}, t('code_table')));
    out.append(el('div', { class: 'table-wrap' }, el('table', { class: 'data' },
      el('thead', {}, el('tr', {}, el('th', {}, t('code')), el('th', {}, t('name')), el('th', {}, t('code')), el('th', {}, t('name')))),
      el('tbody', {}, codes.slice(0, 300).map((c) => el('tr', {}, el('td', {}, c.old_code || ''), el('td', {}, c.old_name || ''), el('td', {}, c.new_code || ''), el('td', {}, c.new_name || '', el('div', { class: 'sub note' }, c.change))))))));
    out.append(el('p', { class: 'note' }, ev.disclaimer || ''));
  }
}

// openReport opens the printable report in a new window (fetched with the token, shown from a blob URL).
async function openReport() {
  if (!S.scenarioId) return;
  const w = window.open('', '_blank');
  const done = busy();
  const path = '/api/v1/scenarios/' + S.scenarioId + '/report.html';
  try {
    const r = await fetch(path, { headers: S.token ? { Authorization: 'Bearer ' + S.token } : {} });
    const txt = await r.text();
    if (!r.ok) throw new ApiError(r.status, 'GET', path, txt);
    const url = URL.createObjectURL(new Blob([txt], { type: 'text/html' }));
    if (w) w.location = url; else location.assign(url);
    $('.status', pane()).textContent = t('report_opened');
  } catch (e) { if (w) w.close(); paneError(pane(), e.message); } finally { done(); }
}

// listScenarios lists the saved scenarios (planner token), keeping the comparison ticks.
export async function listScenarios() {
  const ul = $('#scn-list');
  if (!S.token) { ul.replaceChildren(el('li', { class: 'meta' }, t('need_token'))); return; }
  const r = await withPane(pane(), () => api('/api/v1/scenarios'));
  if (!r) return;
  const items = (Array.isArray(r) ? r : r.scenarios || []).map((x) => x.scenario || x);
  ul.replaceChildren(...items.map((s) => el('li', {}, el('label', {}, el('input', { type: 'checkbox', value: s.id, class: 'scn-cmp', checked: S.cmpChecked.has(String(s.id)),
    onchange: (e) => (e.target.checked ? S.cmpChecked.add(String(s.id)) : S.cmpChecked.delete(String(s.id))) }), ` #${s.id} ${s.name} · ${s.status || ''} · ${t('n_ops', fmtInt((s.ops || []).length))}`))));
}

// compareScenarios shows the two ticked scenarios side by side.
async function compareScenarios() {
  const ids = [...S.cmpChecked];
  const out = $('#scn-compare-out');
  if (ids.length !== 2) return paneError(pane(), t('select_two'));
  const r = await withPane(pane(), () => api('/api/v1/scenarios/compare?' + q({ a: ids[0], b: ids[1] })));
  if (!r) return;
  out.replaceChildren(el('h3', {}, t('scn_compare_head')));
  const sides = [r.a || {}, r.b || {}];
  const tb = el('table', { class: 'data', id: 'compare-table' }, el('thead', {}, el('tr', {}, el('th', {}, ''), sides.map((s) => el('th', {}, `#${s.id} ${s.name || ''}`)))));
  const sumFlags = (m) => Object.values(m || {}).reduce((a, b) => a + b, 0);
  const cov = (s) => { const c = s.coverage && s.coverage[S.kind]; return c ? `${fmtPct(c.ratio_before)} → ${fmtPct(c.ratio_after)}` : '—'; };
  const rows = [
    [t('ops'), (s) => fmtInt(s.ops)], [t('impact_divisions'), (s) => fmtInt(s.affected_units)], [t('villages_all'), (s) => fmtInt(s.affected_villages)],
    [t('code_table'), (s) => fmtInt(s.code_changes)], [t('flags'), (s) => fmtInt(sumFlags(s.flags))], [t('coverage_of', kindName(S.kind)), cov],
    [t('op_seat'), (s) => (s.seat_mean_m ? `${fmtDist(s.seat_mean_m[0])} → ${fmtDist(s.seat_mean_m[1])}` : '—')],
    [t('geom'), (s) => (s.non_contiguous_units ? t('not_contiguous', s.non_contiguous_units) : t('contiguous'))],
  ];
  tb.append(el('tbody', {}, rows.map(([label, f]) => el('tr', {}, el('th', {}, label), sides.map((s) => el('td', {}, f(s)))))));
  out.append(tb);
  out.scrollIntoView({ block: 'nearest' });
}

// bindScenarios wires the editor's buttons.
export function bindScenarios() {
  $('#op-kind').addEventListener('change', renderOpFields);
  $('#op-add').addEventListener('click', addOp);
  $('#scn-pick').addEventListener('click', () => setMapMode(S.mapMode === 'pick' ? null : 'pick'));
  $('#scn-clear').addEventListener('click', () => { [...S.scnSelected.keys()].forEach((c) => toggleTownship(c, false)); S.ops = []; renderOps(); });
  $('#scn-impact').addEventListener('click', scenarioImpact);
  $('#scn-new').addEventListener('click', () => {
    setData('scenario'); S.scenarioId = null; S.ops = []; S.impact = null; S.eval = null; $('#scn-report').disabled = true; renderOps(); renderImpact();
  });
  $('#scn-report').addEventListener('click', openReport);
  $('#scn-refresh').addEventListener('click', listScenarios);
  $('#scn-compare').addEventListener('click', compareScenarios);
}
