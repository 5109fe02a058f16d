// Words and number formats in the page's language (zh or en); the words are i18n/zh.json and
// i18n/en.json, loaded once at start into S.words.
import { S } from './state.js';
import { el } from './dom.js';
import { KINDS, PROV } from './kinds.js';

// loadWords fetches both dictionaries into S.words; a missing file is an error naming it.
export async function loadWords() {
  await Promise.all(['zh', 'en'].map(async (lang) => {
    const r = await fetch(`/ui/i18n/${lang}.json`);
    if (!r.ok) throw new Error(`/ui/i18n/${lang}.json: ${r.status}`);
    S.words[lang] = await r.json();
  }));
}

// t is the word for key in the page's language (Chinese, then the key itself, when missing),
// with {0}, {1}, … replaced by args.
export function t(key, ...args) {
  let s = S.words[S.lang]?.[key] ?? S.words.zh[key] ?? key;
  args.forEach((a, i) => { s = s.replace('{' + i + '}', a); });
  return s;
}

export const locale = () => (S.lang === 'zh' ? 'zh-CN' : 'en-GB');
// fmtInt, fmtNum, fmtPct and fmtDist format for the page's language; null is "—".
export const fmtInt = (n) => (n == null ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(n));
export const fmtNum = (n, d = 1) => (n == null ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: d, minimumFractionDigits: d }).format(n));
export const fmtPct = (r) => (r == null ? '—' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(r));
// fmtDist formats metres: km with one decimal from 1,000 m.
export const fmtDist = (m) => (m == null ? '—' : m >= 1000 ? t('km', fmtNum(m / 1000, 1)) : t('m', fmtInt(m)));
// kindName is a facility kind's name; an unknown kind is shown as its id.
export const kindName = (k) => (KINDS.some((x) => x[0] === k) ? t('kind_name_' + k) : k);

// provBadge is the coloured badge of a provenance word (real, derived, estimated, generated).
export const provBadge = (p) => el('span', { class: 'badge prov-' + (PROV.includes(p) ? p : 'generated'), title: t('provenance') }, p ? t('prov_' + p) : '—');
// metBadge is the badge of a met flag: true met (green), false not met (red), anything else n/a.
export const metBadge = (m) => el('span', { class: 'badge ' + (m === true ? 'met-yes' : m === false ? 'met-no' : 'met-na') },
  t(m === true ? 'met_yes' : m === false ? 'met_no' : 'met_na'));
