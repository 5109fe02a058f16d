// The division search box: a combobox listing matches as one types (arrow keys, Enter, Esc).
import { S } from '../state.js';
import { $, el } from '../dom.js';
import { api, q, showAlert } from '../api.js';
import { t } from '../i18n.js';
import { short } from '../kinds.js';
import { selectDivision } from '../divisions.js';

export function bindSearch() {
  const st = S.search, input = $('#search'), list = $('#search-results');
  const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); st.active = -1; };
  const pick = (i) => { const p = st.items[i]; close(); if (p) { input.value = p.name; selectDivision(p.code); } };
  input.addEventListener('input', () => {
    clearTimeout(st.timer);
    const v = input.value.trim();
    if (!v) { close(); return; }
    st.timer = setTimeout(async () => {
      const r = await api('/api/v1/divisions?' + q({ q: v, limit: 20 })).catch((e) => { showAlert(e.message); return null; });
      if (!r) return;
      st.items = (r.features || []).slice(0, 20).map((f) => f.properties);
      list.replaceChildren(...st.items.map((p, i) => el('li', { role: 'option', id: 'sr-' + i, 'aria-selected': 'false', onmousedown: (ev) => { ev.preventDefault(); pick(i); } },
        p.name, ' ', el('span', { class: 'note' }, `${t('level_' + p.level)} ${short(p.code)}`))));
      list.hidden = !st.items.length; input.setAttribute('aria-expanded', String(!list.hidden));
    }, 200);
  });
  input.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      st.active = (st.active + (e.key === 'ArrowDown' ? 1 : -1) + st.items.length) % st.items.length;
      [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === st.active)));
      input.setAttribute('aria-activedescendant', 'sr-' + st.active);
    } else if (e.key === 'Enter') { e.preventDefault(); pick(Math.max(0, st.active)); } else if (e.key === 'Escape') close();
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
}
