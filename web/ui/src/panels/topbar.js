// The top bar: facility kind, coverage mode and radius, the language switch and the planner token.
import { S } from '../state.js';
import { $, el } from '../dom.js';
import { showAlert } from '../api.js';
import { kindName, t } from '../i18n.js';
import { KINDS } from '../kinds.js';
import { setFacilityVisible } from '../map.js';
import { refreshAnalysis } from '../divisions.js';
import { renderLegend } from './legend.js';
import { renderFacilityToggles, renderLayerToggles } from './layers.js';
import { renderScorecard } from './scorecard.js';
import { renderGaps } from './gaps.js';
import { renderSiting } from './siting.js';
import { renderImpact, renderOps, renderScenarioTownships } from './scenarios.js';

function fillKinds() {
  const sel = $('#kind');
  sel.replaceChildren(...KINDS.map(([k]) => el('option', { value: k }, kindName(k))));
  sel.value = S.kind;
}

export function renderRole() {
  const b = $('#role-badge');
  b.textContent = S.token ? t('planner') : t('readonly');
  b.className = 'badge ' + (S.token ? 'role-rw' : 'role-ro');
  $('#plan-save').disabled = !S.token || !S.siting;
}

// applyLang renders every word of the page in S.lang.
export function applyLang() {
  document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = 'civplan ' + t('title');
  S.map.getCanvas().setAttribute('aria-label', t('map_keys'));
  document.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t(e.dataset.i18n); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach((e) => { e.placeholder = t(e.dataset.i18nPlaceholder); });
  document.querySelectorAll('[data-i18n-aria]').forEach((e) => { e.setAttribute('aria-label', t(e.dataset.i18nAria)); });
  const lb = $('#lang-btn'); lb.textContent = S.lang === 'zh' ? 'English' : '中文'; lb.lang = S.lang === 'zh' ? 'en' : 'zh-CN';
  renderRole(); fillKinds(); renderLegend(); renderLayerToggles(); renderFacilityToggles();
  renderScorecard(); renderGaps(); renderSiting(); renderOps(); renderImpact(); renderScenarioTownships();
  $('#attribution-note').textContent = t('attribution') + S.attribution + ' ' + t('approx');
}

// askToken opens the token dialog.
export function askToken() { $('#token-input').value = S.token; $('#token-dialog').showModal(); }

export function bindTopbar() {
  fillKinds();
  $('#kind').addEventListener('change', (e) => { S.kind = e.target.value; setFacilityVisible(S.kind, true); renderFacilityToggles(); showAlert(''); refreshAnalysis(); });
  $('#mode').addEventListener('change', (e) => { S.mode = e.target.value; showAlert(''); refreshAnalysis(); });
  $('#radius').addEventListener('change', (e) => { const v = Number(e.target.value); S.radius = v > 0 ? v : null; showAlert(''); refreshAnalysis(); });
  $('#lang-btn').addEventListener('click', () => { S.lang = S.lang === 'zh' ? 'en' : 'zh'; sessionStorage.setItem('civplan.lang', S.lang); applyLang(); });
  const dlg = $('#token-dialog');
  $('#token-btn').addEventListener('click', askToken);
  dlg.addEventListener('close', () => {
    if (dlg.returnValue === 'save') S.token = $('#token-input').value.trim();
    if (dlg.returnValue === 'clear') S.token = '';
    if (S.token) sessionStorage.setItem('civplan.token', S.token); else sessionStorage.removeItem('civplan.token');
    renderRole(); $('#token-btn').focus();
    // Where reads need a token the first load failed: start again with the token.
    if (S.token && !$('#alert').hidden && /401/.test($('#alert').textContent)) location.reload();
  });
  renderRole();
}
