// The planner map's one mutable state object. Every module reads and changes the page's state
// through this export; no other module keeps mutable values of its own. The browser tests read
// it as window.civplanUI.
export const S = {
  words: { zh: {}, en: {} }, // the i18n dictionaries (i18n/zh.json, i18n/en.json), loaded once at start
  lang: sessionStorage.getItem('civplan.lang') || 'zh',
  token: sessionStorage.getItem('civplan.token') || '',
  kind: 'mutual_aid_elderly', mode: 'jurisdiction', radius: null, // radius in metres; null = the server's default
  map: null, ready: false,
  division: null, // the selected division Feature (from /api/v1/divisions/{code})
  scorecard: null, childCov: null, sort: { key: 'ratio', dir: 1 },
  gaps: null, clusters: null, gapView: 'villages',
  siting: null, sitingSites: [], sitingReq: null, plan: null, savedPlan: null, // plan: a saved plan counted in coverage and gaps
  scnSelected: new Map(), // township code → name
  scnTownships: [], // [{code, name, kind, seat}] of the selected county
  ops: [], scenarioId: null, impact: null, eval: null, seatPick: null, mapMode: null, lassoAt: 0,
  attribution: '', provinceCov: null,
  countyStates: new Set(), townshipStates: new Set(), // codes whose choropleth feature state is set
  cmpChecked: new Set(), // ids (strings) of saved scenarios ticked for comparison
  facVisible: new Set(['mutual_aid_elderly', 'welfare_home']), // facility kinds drawn on the map
  townshipLabels: false, // township seat labels loaded (or loading)
  busy: { pending: 0, timer: null }, // requests in flight and the progress bar's delay timer
  search: { timer: null, items: [], active: -1 },
};
window.civplanUI = S;
