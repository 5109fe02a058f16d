// civplan planner web map. Plain JavaScript over MapLibre GL JS (UMD build, served from this
// binary); every number comes from civplan's HTTP API; nothing is fetched from elsewhere.
(function () {
  'use strict';

  // ---------- words ----------
  const KINDS = [
    ['mutual_aid_elderly', '农村互助养老服务设施', 'Rural mutual-aid elderly care', 'village'],
    ['welfare_home', '农村福利院/敬老院', 'Rural welfare home', 'township'],
    ['regional_care_center', '区域性养老服务中心', 'Regional care centre', 'township'],
    ['disability_care_center', '失能半失能照护机构', 'Disability care centre', 'county'],
    ['community_service_center', '农村社区综合服务设施', 'Rural community service centre', 'village'],
    ['public_cemetery', '农村公益性公墓', 'Public cemetery', 'village'],
    ['funeral_home', '殡仪馆', 'Funeral home', 'county'],
    ['marriage_registry', '婚姻登记处', 'Marriage registry', 'county'],
  ];
  const KIND_STYLE = {
    mutual_aid_elderly: ['circle', '#d6336c'], welfare_home: ['square', '#1c7ed6'],
    regional_care_center: ['diamond', '#0b7285'], disability_care_center: ['triangle', '#7048e8'],
    community_service_center: ['hexagon', '#2b8a3e'], public_cemetery: ['cross', '#495057'],
    funeral_home: ['star', '#212529'], marriage_registry: ['heart', '#e8590c'],
  };
  const LEVELS = ['province', 'prefecture', 'county', 'township', 'village'];
  const PROV = ['real', 'derived', 'estimated', 'generated'];
  // Choropleth classes of coverage ratio against the target (the tests use the same legend).
  const CHORO = [
    ['#1a9850', 'ch_met'], ['#fee08b', 'ch_10'], ['#fc8d59', 'ch_20'], ['#d73027', 'ch_far'],
  ];
  const CHORO_NONE = '#cfcabd';
  const CHORO_OPACITY = 0.6;

  const T = {
    zh: {
      skip: '跳到面板', title: '民政规划地图', search_label: '搜索行政区划', search_ph: '搜索县、乡镇、村…',
      kind: '设施类型', mode: '覆盖口径', mode_jurisdiction: '辖区内（官方口径）', mode_radius: '半径内', mode_rij: '辖区内且半径内',
      radius: '半径（米）', readonly: '只读', planner: '已登录令牌', token: '令牌', loading: '加载中…', map: '地图',
      breadcrumb: '行政区划层级', panels: '面板', tab_scorecard: '评分卡', tab_gaps: '缺口', tab_siting: '选址',
      tab_scenario: '区划调整', tab_layers: '图层', children: '下级单位', children_hint: '点击表头排序；点击名称查看该单位。',
      gap_view: '缺口视图', gap_villages: '未覆盖村', gap_clusters: '聚类', siting_for: '选址范围：', objective: '目标函数',
      obj_mclp: '最大覆盖（给定 p 个新点）', obj_lscp: '最少设施（达到目标覆盖率）', obj_pcenter: '公平（最小化最远距离）',
      p_sites: '新点数 p', target_pct: '目标覆盖率（%）', weight: '权重', w_elderly: '老年人口', w_villages: '村数',
      run_siting: '运行选址', plan_name: '规划名称', save_plan: '保存为规划',
      scn_hint: '先在地图上选中一个县，再选择乡镇（点击地图或勾选下表；按住 Shift 拖动可框选）。',
      scn_pick: '在地图上选择乡镇', scn_clear: '清除选择', townships: '乡镇', add_op: '添加操作', op: '操作',
      op_merge: '合并', op_transfer: '划转村', op_change_kind: '改变类型', op_move_seat: '迁移驻地', op_rename: '更名', op_add: '添加',
      ops: '操作列表', scn_name: '方案名称', scn_impact: '保存并计算影响', scn_report: '打开打印报告', saved_scenarios: '已保存方案',
      refresh: '刷新', compare: '比较所选两个方案', layers: '图层', facilities: '设施（按类型）', token_title: '规划员令牌',
      token_hint: '没有令牌时页面只读。粘贴规划员令牌即可保存规划和区划调整方案；令牌只保存在本标签页（sessionStorage）。',
      save: '保存', clear: '清除', cancel: '取消',
      ch_met: '达到目标', ch_10: '低于目标 10 个百分点以内', ch_20: '低于目标 10–20 个百分点', ch_far: '低于目标 20 个百分点以上', ch_none: '无村委会或无数据',
      legend_title: '覆盖率（相对目标 {0}）', approx: '派生边界（乡镇、地市、省）为近似范围，不是法定界线。距离为直线测地线距离。',
      indicator: '指标', value: '现值', target: '目标', deadline: '期限', met: '达标', provenance: '来源',
      met_yes: '达标', met_no: '未达标', met_na: '不适用',
      prov_real: '真实', prov_derived: '派生', prov_estimated: '估算', prov_generated: '生成（演示）',
      name: '名称', villages: '村委会', covered: '已覆盖', ratio: '覆盖率', elderly: '老年人口', elderly_ratio: '老人覆盖率',
      population: '人口', area: '面积（km²）', code: '代码',
      level_province: '省', level_prefecture: '地级', level_county: '县级', level_township: '乡级', level_village: '村级',
      village_committees: '村委会 {0} 个', pop_line: '常住人口 {0}，60岁以上 {1}',
      gap_head: '{0}覆盖率，目标 {1}（{2}年）', gap_need: '还需覆盖 {0} 个村委会才能达到目标', gap_met: '已达到目标',
      gap_count: '未覆盖村委会 {0} 个（列出前 {1} 个，按老年人口降序）', nearest: '最近设施 {0}，{1}', no_facility: '无同类设施',
      no_point: '无坐标', cluster_line: '{0} 个村，老年人 {1} 人', cluster_count: '聚类 {0} 个（列出前 {1} 个，按老年人口降序）', km: '{0} 公里', m: '{0} 米',
      pick_division: '请先在地图上点击或搜索选择一个县或乡镇。', siting_scope_bad: '选址需要县级或乡级单位；当前是{0}。',
      before: '现状', after: '新增后', before_adj: '调整前', after_adj: '调整后', sites: '建议新点', gain: '新覆盖', gap_bound: '最优性差距 ≤ {0}（{1}；界：{2}）',
      optimal: '已证明最优', rank: '序号', township: '乡镇', uncovered_left: '仍未覆盖 {0} 个村', reasons: '原因',
      need_token: '需要规划员令牌：点右上角“令牌”粘贴后再保存。', saved_plan: '已保存为规划 #{0}',
      select_two: '请勾选两个已保存方案再比较。', no_ops: '请先添加至少一个操作。', need_units: '请至少选择 {0} 个乡镇。',
      op_into: '保留单位', op_new_unit: '（新设单位）', op_newname: '新名称', op_seat: '驻地', pick_seat: '在地图上点选驻地',
      seat_none: '未指定', op_from: '从乡镇', op_to: '划入乡镇', op_villages: '村', op_unit: '单位', op_newkind: '新类型',
      kind_town: '镇', kind_township: '乡', kind_subdistrict: '街道', remove: '删除',
      impact_divisions: '受影响单位（调整前 → 调整后）', total: '合计', flags: '提示', checks: '法定条件检查', code_table: '代码对照表（建议）',
      villages_all: '村级单位', coverage_of: '{0}覆盖率', scenario_saved: '方案 #{0} 已保存', scn_compare_head: '方案比较',
      seat_click: '点击地图选择驻地位置（Esc 取消）', pick_mode_on: '点击地图上的乡镇以选中/取消（Esc 结束）',
      err_prefix: '出错了', err_network: '无法连接服务器：{0}', err_missing: '服务器没有这个接口（{0} {1}，404）：该功能的接口尚未提供。',
      layer_choro: '覆盖率分级（县/乡）', layer_townships: '乡镇边界', layer_villages: '村点', layer_circles: '服务半径圈',
      layer_gaps: '未覆盖村（按老年人口大小）', layer_scenario: '调整后单位边界（方案）', layer_labels: '地名标注', select_county_first: '请先选择一个县。',
      no_children: '没有下级单位。', map_keys: '地图：方向键平移，+/− 缩放；点击县或乡镇查看评分卡', plan_apply: '地图和表格计入规划 #{0} 的新点', with_plan: '含规划 #{0} 的新点', n_ops: '{0} 项操作', town_table: '各乡镇覆盖率（现状 → 新增后）', new_villages: '新覆盖的村', fac_status: '状态', reason_no_point: '无坐标', reason_no_candidate_in_reach: '范围内无候选点', reason_not_selected: '未入选（受p或目标限制）', reason_capacity_insufficient: '床位不足',
      geom: '边界合并', contiguous: '连成一片', not_contiguous: '不连通（{0} 块）', approvals: '审批机关', dossier: '第十三条申报材料清单', new_scenario: '新方案',
      verdict_pass: '符合', verdict_fail: '不符合', verdict_incomplete: '部分无法判断', verdict_not_evaluable: '无法判断', verdict_info: '说明', none: '无', attribution: '数据来源：', statutory: '检查', verdict: '结论', report_opened: '报告已在新窗口打开。',
    },
    en: {
      skip: 'Skip to panel', title: 'civil-affairs planning map', search_label: 'Search divisions', search_ph: 'Search counties, townships, villages…',
      kind: 'Facility kind', mode: 'Coverage mode', mode_jurisdiction: 'In jurisdiction (official)', mode_radius: 'Within radius', mode_rij: 'Radius and jurisdiction',
      radius: 'Radius (m)', readonly: 'read-only', planner: 'token set', token: 'Token', loading: 'Loading…', map: 'Map',
      breadcrumb: 'Division hierarchy', panels: 'Panels', tab_scorecard: 'Scorecard', tab_gaps: 'Gaps', tab_siting: 'Siting',
      tab_scenario: 'Adjustment', tab_layers: 'Layers', children: 'Units below', children_hint: 'Click a header to sort; click a name to open it.',
      gap_view: 'Gap view', gap_villages: 'Uncovered villages', gap_clusters: 'Clusters', siting_for: 'Siting in: ', objective: 'Objective',
      obj_mclp: 'Maximise coverage (p new sites)', obj_lscp: 'Fewest sites (reach a target)', obj_pcenter: 'Equity (minimise farthest distance)',
      p_sites: 'New sites p', target_pct: 'Target coverage (%)', weight: 'Weight', w_elderly: 'Elderly', w_villages: 'Villages',
      run_siting: 'Run siting', plan_name: 'Plan name', save_plan: 'Save as plan',
      scn_hint: 'Select a county on the map first, then townships (click the map or tick the list; Shift-drag draws a box).',
      scn_pick: 'Select townships on the map', scn_clear: 'Clear selection', townships: 'Townships', add_op: 'Add operation', op: 'Operation',
      op_merge: 'Merge', op_transfer: 'Transfer villages', op_change_kind: 'Change kind', op_move_seat: 'Move seat', op_rename: 'Rename', op_add: 'Add',
      ops: 'Operations', scn_name: 'Scenario name', scn_impact: 'Save and compute impact', scn_report: 'Open printable report', saved_scenarios: 'Saved scenarios',
      refresh: 'Refresh', compare: 'Compare the two ticked', layers: 'Layers', facilities: 'Facilities (by kind)', token_title: 'Planner token',
      token_hint: 'Without a token the page is read-only. Paste a planner token to save plans and scenarios; it is kept in this tab only (sessionStorage).',
      save: 'Save', clear: 'Clear', cancel: 'Cancel',
      ch_met: 'target met', ch_10: 'within 10 points below target', ch_20: '10–20 points below', ch_far: 'more than 20 points below', ch_none: 'no village committees / no data',
      legend_title: 'Coverage (target {0})', approx: 'Derived boundaries (townships, prefectures, province) are approximate, not legal boundaries. Distances are straight-line geodesic.',
      indicator: 'Indicator', value: 'Value', target: 'Target', deadline: 'Deadline', met: 'Met', provenance: 'Source',
      met_yes: 'met', met_no: 'not met', met_na: 'n/a',
      prov_real: 'real', prov_derived: 'derived', prov_estimated: 'estimated', prov_generated: 'generated (demo)',
      name: 'Name', villages: 'Villages', covered: 'Covered', ratio: 'Coverage', elderly: 'Elderly', elderly_ratio: 'Elderly covered',
      population: 'Population', area: 'Area (km²)', code: 'Code',
      level_province: 'province', level_prefecture: 'prefecture', level_county: 'county', level_township: 'township', level_village: 'village',
      village_committees: '{0} village committees', pop_line: 'population {0}, aged 60+ {1}',
      gap_head: '{0}: coverage, target {1} (by {2})', gap_need: '{0} more village committees must be covered to reach the target', gap_met: 'target met',
      gap_count: '{0} uncovered village committees (first {1}, most elderly first)', nearest: 'nearest {0}, {1}', no_facility: 'no facility of this kind',
      no_point: 'no point', cluster_line: '{0} villages, {1} elderly', cluster_count: '{0} clusters (first {1}, most elderly first)', km: '{0} km', m: '{0} m',
      pick_division: 'Click the map or search to select a county or township first.', siting_scope_bad: 'Siting needs a county or township; this is a {0}.',
      before: 'now', after: 'with new sites', before_adj: 'before', after_adj: 'after', sites: 'Proposed sites', gain: 'newly covered', gap_bound: 'optimality gap ≤ {0} ({1}; bound: {2})',
      optimal: 'proven optimal', rank: '#', township: 'Township', uncovered_left: '{0} villages still uncovered', reasons: 'reasons',
      need_token: 'A planner token is needed: click "Token" (top right) and paste it.', saved_plan: 'Saved as plan #{0}',
      select_two: 'Tick two saved scenarios to compare.', no_ops: 'Add at least one operation first.', need_units: 'Select at least {0} townships.',
      op_into: 'Surviving unit', op_new_unit: '(new unit)', op_newname: 'New name', op_seat: 'Seat', pick_seat: 'Pick the seat on the map',
      seat_none: 'not set', op_from: 'From township', op_to: 'To township', op_villages: 'Villages', op_unit: 'Unit', op_newkind: 'New kind',
      kind_town: 'town', kind_township: 'township', kind_subdistrict: 'subdistrict', remove: 'Remove',
      impact_divisions: 'Affected units (before → after)', total: 'Total', flags: 'Flags', checks: 'Statutory checks', code_table: 'Code table (proposed)',
      villages_all: 'Village units', coverage_of: '{0} coverage', scenario_saved: 'Scenario #{0} saved', scn_compare_head: 'Comparison',
      seat_click: 'Click the map to place the seat (Esc cancels)', pick_mode_on: 'Click townships to select/deselect (Esc ends)',
      err_prefix: 'Error', err_network: 'Cannot reach the server: {0}', err_missing: 'The server has no such endpoint ({0} {1}, 404): this feature\'s API is not available yet.',
      layer_choro: 'Coverage classes (county/township)', layer_townships: 'Township boundaries', layer_villages: 'Village points', layer_circles: 'Service radius circles',
      layer_gaps: 'Uncovered villages (sized by elderly)', layer_scenario: 'Units after the change (scenario)', layer_labels: 'Labels', select_county_first: 'Select a county first.',
      no_children: 'No units below.', map_keys: 'Map: arrow keys pan, +/− zoom; click a county or township for its scorecard', plan_apply: 'Count plan #{0}\'s new sites on the map and tables', with_plan: 'with plan #{0}\'s new sites', n_ops: '{0} operations', town_table: 'Coverage per township (now → with new sites)', new_villages: 'newly covered villages', fac_status: 'status', reason_no_point: 'no point', reason_no_candidate_in_reach: 'no candidate in reach', reason_not_selected: 'not selected (p or target)', reason_capacity_insufficient: 'capacity short',
      geom: 'Boundary union', contiguous: 'one connected area', not_contiguous: 'not contiguous ({0} pieces)', approvals: 'Approving authority', dossier: 'Art. 13 dossier checklist', new_scenario: 'New scenario',
      verdict_pass: 'pass', verdict_fail: 'fail', verdict_incomplete: 'incomplete', verdict_not_evaluable: 'not evaluable', verdict_info: 'info', none: 'none', attribution: 'Sources: ', statutory: 'Check', verdict: 'Verdict', report_opened: 'The report opened in a new window.',
    },
  };

  // ---------- state ----------
  const S = {
    lang: sessionStorage.getItem('civplan.lang') || 'zh',
    token: sessionStorage.getItem('civplan.token') || '',
    kind: 'mutual_aid_elderly', mode: 'jurisdiction', radius: null,
    division: null,          // the selected division Feature (from /api/v1/divisions/{code})
    scorecard: null, childCov: null, sort: { key: 'ratio', dir: 1 },
    gaps: null, clusters: null, gapView: 'villages',
    siting: null, sitingReq: null,
    scnSelected: new Map(),  // township code → name
    scnTownships: [],        // [{code,name}] of the selected county
    ops: [], scenarioId: null, impact: null, seatPick: null, pickMode: false,
    attribution: '', provinceCov: null,
    countyStates: new Set(), townshipStates: new Set(), cmpChecked: new Set(),
  };
  window.civplanUI = S; // read by the browser tests

  const $ = (sel, root = document) => root.querySelector(sel);
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids.flat()) if (k != null) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return e;
  };
  function t(key, ...args) {
    let s = (T[S.lang] && T[S.lang][key]) ?? T.zh[key] ?? key;
    args.forEach((a, i) => { s = s.replace('{' + i + '}', a); });
    return s;
  }
  const locale = () => (S.lang === 'zh' ? 'zh-CN' : 'en-GB');
  const fmtInt = (n) => (n == null ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(n));
  const fmtNum = (n, d = 1) => (n == null ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: d, minimumFractionDigits: d }).format(n));
  const fmtPct = (r) => (r == null ? '—' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(r));
  const fmtDist = (m) => (m == null ? '—' : m >= 1000 ? t('km', fmtNum(m / 1000, 1)) : t('m', fmtInt(m)));
  const kindName = (k) => { const r = KINDS.find((x) => x[0] === k); return r ? (S.lang === 'zh' ? r[1] : r[2]) : k; };
  // short is the 2/4/6/9/12-digit form of a 12-digit code (the level's own digits).
  function short(code) {
    const c = String(code || '');
    if (c.length !== 12) return c;
    for (const [zeros, keep] of [[10, 2], [8, 4], [6, 6], [3, 9]]) if (c.endsWith('0'.repeat(zeros))) return c.slice(0, keep);
    return c;
  }
  const levelOf = (code) => { const c = short(code); return { 2: 'province', 4: 'prefecture', 6: 'county', 9: 'township', 12: 'village' }[c.length] || 'village'; };
  const provBadge = (p) => el('span', { class: 'badge prov-' + (PROV.includes(p) ? p : 'generated'), title: t('provenance') }, p ? t('prov_' + p) : '—');
  const metBadge = (m) => el('span', { class: 'badge ' + (m === true ? 'met-yes' : m === false ? 'met-no' : 'met-na') }, t(m === true ? 'met_yes' : m === false ? 'met_no' : 'met_na'));

  // ---------- API ----------
  class ApiError extends Error {
    constructor(status, method, path, body) {
      let detail = '';
      if (body && typeof body === 'object') detail = body.detail || body.title || JSON.stringify(body);
      else if (typeof body === 'string') detail = body.slice(0, 300);
      super(status === 404 && /no endpoint/.test(detail) ? t('err_missing', method, path.split('?')[0])
        : `${t('err_prefix')} ${status}: ${detail}`);
      this.status = status; this.body = body;
    }
  }
  let pending = 0, progressTimer = null;
  function busy() {
    pending++;
    if (!progressTimer) progressTimer = setTimeout(() => { $('#progress').hidden = false; }, 300);
    return () => {
      pending--;
      if (pending === 0) { clearTimeout(progressTimer); progressTimer = null; $('#progress').hidden = true; }
    };
  }
  async function api(path, opts = {}) {
    const method = opts.method || 'GET';
    const headers = { Accept: 'application/json, application/geo+json, application/problem+json' };
    if (S.token) headers.Authorization = 'Bearer ' + S.token;
    let body;
    if (opts.body !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(opts.body); }
    const done = busy();
    let r;
    try {
      for (let attempt = 0; ; attempt++) {
        try { r = await fetch(path, { method, headers, body }); } catch (e) { throw new Error(t('err_network', e.message)); }
        if (r.status !== 429 || attempt >= 2) break;
        // Rate limited: wait as told (at most 3 s) and try again.
        await new Promise((ok) => setTimeout(ok, 1000 * Math.min(3, Number(r.headers.get('Retry-After')) || 1)));
      }
      const ct = r.headers.get('content-type') || '';
      const data = r.status === 204 ? null : ct.includes('json') ? await r.json() : await r.text();
      if (!r.ok) throw new ApiError(r.status, method, path, data);
      return data;
    } finally { done(); }
  }
  // withPane runs fn with the pane's status line showing "loading" after 300 ms and its
  // error box showing any failure in words.
  async function withPane(pane, fn) {
    const status = $('.status', pane), err = $('.err', pane);
    err.hidden = true; err.textContent = '';
    const timer = setTimeout(() => { status.textContent = t('loading'); pane.setAttribute('aria-busy', 'true'); }, 300);
    try { return await fn(); } catch (e) {
      err.textContent = e.message; err.hidden = false; console.warn(e); return undefined;
    } finally { clearTimeout(timer); status.textContent = ''; pane.removeAttribute('aria-busy'); }
  }
  function showAlert(msg) { const a = $('#alert'); a.textContent = msg; a.hidden = !msg; }
  const q = (o) => Object.entries(o).filter(([, v]) => v != null && v !== '').map(([k, v]) => k + '=' + encodeURIComponent(v)).join('&');
  // S.plan (a saved plan's id) makes coverage and gaps count its planned facilities.
  const covParams = (extra = {}) => q({ kind: S.kind, mode: S.mode, radius_m: S.radius, plan: S.plan, ...extra });

  // ---------- map ----------
  const origin = location.origin;
  const tileSrc = (name, minzoom = 0) => ({
    type: 'vector', tiles: [origin + '/tiles/' + name + '/{z}/{x}/{y}.mvt'], minzoom, maxzoom: 14, promoteId: 'code',
  });
  const FONT = ['WenQuanYi Zen Hei'];
  const choroFill = ['match', ['to-number', ['feature-state', 'cls'], -1], 0, CHORO[0][0], 1, CHORO[1][0], 2, CHORO[2][0], 3, CHORO[3][0], CHORO_NONE];
  const style = {
    version: 8,
    sources: {
      prefectures: tileSrc('prefectures'), counties: tileSrc('counties'), townships: tileSrc('townships', 5), villages: tileSrc('villages', 5),
      circles: { type: 'geojson', data: fc() }, gaps: { type: 'geojson', data: fc() }, selected: { type: 'geojson', data: fc() },
      proposals: { type: 'geojson', data: fc() }, 'labels-prefecture': { type: 'geojson', data: fc() }, 'labels-county': { type: 'geojson', data: fc() }, 'labels-township': { type: 'geojson', data: fc() }, scenario: { type: 'geojson', data: fc() }, highlight: { type: 'geojson', data: fc() }, seat: { type: 'geojson', data: fc() },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#e9edf0' } },
      { id: 'county-fill', type: 'fill', source: 'counties', 'source-layer': 'counties', paint: { 'fill-color': choroFill, 'fill-opacity': CHORO_OPACITY } },
      { id: 'township-fill', type: 'fill', source: 'townships', 'source-layer': 'townships', minzoom: 8,
        paint: { 'fill-color': ['case', ['boolean', ['feature-state', 'sel'], false], '#4dabf7', choroFill],
          'fill-opacity': ['case', ['boolean', ['feature-state', 'sel'], false], 0.6, ['==', ['to-number', ['feature-state', 'cls'], -1], -1], 0, 0.45] } },
      { id: 'township-line', type: 'line', source: 'townships', 'source-layer': 'townships', minzoom: 7.5, paint: { 'line-color': '#8a8f98', 'line-width': 0.7, 'line-dasharray': [3, 2] } },
      { id: 'county-line', type: 'line', source: 'counties', 'source-layer': 'counties', paint: { 'line-color': '#5c636e', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.6, 10, 1.6] } },
      { id: 'prefecture-line', type: 'line', source: 'prefectures', 'source-layer': 'prefectures', paint: { 'line-color': '#343a40', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 1.2, 10, 2.6] } },
      { id: 'circles-fill', type: 'fill', source: 'circles', paint: { 'fill-color': '#d6336c', 'fill-opacity': 0.08 } },
      { id: 'circles-line', type: 'line', source: 'circles', paint: { 'line-color': '#d6336c', 'line-width': 0.8, 'line-opacity': 0.6 } },
      { id: 'villages', type: 'circle', source: 'villages', 'source-layer': 'villages', minzoom: 10, paint: { 'circle-radius': 2.2, 'circle-color': '#6c757d' } },
      { id: 'gaps', type: 'circle', source: 'gaps', paint: {
        'circle-radius': ['interpolate', ['linear'], ['sqrt', ['to-number', ['get', 'elderly'], 0]], 0, 2.5, 15, 4, 30, 7, 60, 12],
        'circle-color': '#e03131', 'circle-opacity': 0.55, 'circle-stroke-color': '#7d1a1a', 'circle-stroke-width': 0.8 } },
      { id: 'scenario-after', type: 'line', source: 'scenario', filter: ['==', ['get', 'when'], 'after'], paint: { 'line-color': '#e8590c', 'line-width': 3.5, 'line-dasharray': [2, 1] } },
      { id: 'selected-line', type: 'line', source: 'selected', paint: { 'line-color': '#1f4e79', 'line-width': 3 } },
      { id: 'highlight', type: 'circle', source: 'highlight', paint: { 'circle-radius': 12, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ff9f1c', 'circle-stroke-width': 3 } },
      { id: 'proposals', type: 'circle', source: 'proposals', paint: { 'circle-radius': 9, 'circle-color': '#ffd43b', 'circle-stroke-color': '#1d2630', 'circle-stroke-width': 1.5 } },
      { id: 'proposal-labels', type: 'symbol', source: 'proposals', layout: { 'text-field': ['to-string', ['get', 'rank']], 'text-font': FONT, 'text-size': 11, 'text-allow-overlap': true } },
      { id: 'seat', type: 'circle', source: 'seat', paint: { 'circle-radius': 7, 'circle-color': '#1f4e79', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
      { id: 'prefecture-label', type: 'symbol', source: 'labels-prefecture', maxzoom: 7,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 13 }, paint: { 'text-color': '#212529', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } },
      { id: 'county-label', type: 'symbol', source: 'labels-county', minzoom: 7, maxzoom: 10,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 12 }, paint: { 'text-color': '#343a40', 'text-halo-color': '#fff', 'text-halo-width': 1.2 } },
      { id: 'township-label', type: 'symbol', source: 'labels-township', minzoom: 9.5,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 11 }, paint: { 'text-color': '#495057', 'text-halo-color': '#fff', 'text-halo-width': 1.2 } },
      { id: 'village-label', type: 'symbol', source: 'villages', 'source-layer': 'villages', minzoom: 12,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 10, 'text-offset': [0, 0.9] }, paint: { 'text-color': '#6c757d', 'text-halo-color': '#fff', 'text-halo-width': 1 } },
    ],
  };
  function fc(features = []) { return { type: 'FeatureCollection', features }; }

  const map = new maplibregl.Map({
    container: 'map', style, center: [112.3, 31.0], zoom: 5.8, minZoom: 4, maxZoom: 17,
    attributionControl: false, boxZoom: false, dragRotate: false, pitchWithRotate: false, touchPitch: false,
    localIdeographFontFamily: "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', sans-serif",
    canvasContextAttributes: { antialias: true, preserveDrawingBuffer: true },
    // Where reads need a token (not loopback), tiles carry the pasted one too.
    transformRequest: (url) => (S.token && url.startsWith(origin + '/') ? { url, headers: { Authorization: 'Bearer ' + S.token } } : { url }),
  });
  S.map = map;
  map.keyboard.enable();
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');


  function drawIcon(shape, color) {
    const n = 22, c = document.createElement('canvas'); c.width = c.height = n;
    const g = c.getContext('2d'); g.fillStyle = color; g.strokeStyle = '#fff'; g.lineWidth = 2;
    const m = n / 2, r = 8; g.beginPath();
    const poly = (pts) => { pts.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y))); g.closePath(); };
    const star = (k, r1, r2) => poly(Array.from({ length: 2 * k }, (_, i) => { const a = -Math.PI / 2 + i * Math.PI / k, rr = i % 2 ? r2 : r1; return [m + rr * Math.cos(a), m + rr * Math.sin(a)]; }));
    switch (shape) {
      case 'circle': g.arc(m, m, r - 1, 0, 2 * Math.PI); break;
      case 'square': poly([[m - r + 1, m - r + 1], [m + r - 1, m - r + 1], [m + r - 1, m + r - 1], [m - r + 1, m + r - 1]]); break;
      case 'diamond': poly([[m, m - r - 1], [m + r + 1, m], [m, m + r + 1], [m - r - 1, m]]); break;
      case 'triangle': poly([[m, m - r - 1], [m + r + 1, m + r], [m - r - 1, m + r]]); break;
      case 'hexagon': poly(Array.from({ length: 6 }, (_, i) => [m + r * Math.cos(i * Math.PI / 3), m + r * Math.sin(i * Math.PI / 3)])); break;
      case 'cross': poly([[m - 3, m - r], [m + 3, m - r], [m + 3, m - 3], [m + r, m - 3], [m + r, m + 3], [m + 3, m + 3], [m + 3, m + r], [m - 3, m + r], [m - 3, m + 3], [m - r, m + 3], [m - r, m - 3], [m - 3, m - 3]]); break;
      case 'star': star(5, r + 1, r / 2.2); break;
      default: star(8, r, r * 0.75);
    }
    g.fill(); g.stroke();
    return g.getImageData(0, 0, n, n);
  }

  const facLayerId = (k) => 'fac-' + k;
  const facVisible = new Set(['mutual_aid_elderly', 'welfare_home']);
  function ensureFacilityLayer(k) {
    if (map.getLayer(facLayerId(k))) return;
    if (!map.getSource('fac-' + k)) map.addSource('fac-' + k, { type: 'vector', tiles: [origin + '/tiles/' + k + '/{z}/{x}/{y}.mvt'], minzoom: 0, maxzoom: 14, promoteId: 'id' });
    const serves = KINDS.find((x) => x[0] === k)[3];
    map.addLayer({ id: facLayerId(k), type: 'symbol', source: 'fac-' + k, 'source-layer': k, minzoom: serves === 'village' ? 8.5 : serves === 'township' ? 7 : 5,
      layout: { 'icon-image': 'icon-' + k, 'icon-allow-overlap': true, 'icon-size': ['interpolate', ['linear'], ['zoom'], 7, 0.6, 12, 1] },
      paint: { 'icon-opacity': ['match', ['get', 'status'], 'operating', 1, 0.45] } }, 'selected-line');
  }
  function setFacilityVisible(k, on) {
    if (on) { facVisible.add(k); ensureFacilityLayer(k); map.setLayoutProperty(facLayerId(k), 'visibility', 'visible'); }
    else { facVisible.delete(k); if (map.getLayer(facLayerId(k))) map.setLayoutProperty(facLayerId(k), 'visibility', 'none'); }
  }

  // ---------- choropleth ----------
  function classOf(ratio, target) {
    if (ratio == null || target == null) return -1;
    const d = ratio - target;
    return d >= -1e-12 ? 0 : d >= -0.1 ? 1 : d >= -0.2 ? 2 : 3;
  }
  async function loadProvinceChoropleth() {
    const r = await api('/api/v1/coverage?' + covParams({ division: '42', group_by: 'county' }));
    S.provinceCov = r.coverage;
    for (const code of S.countyStates) map.removeFeatureState({ source: 'counties', sourceLayer: 'counties', id: code });
    S.countyStates.clear();
    for (const g of r.coverage.groups || []) {
      map.setFeatureState({ source: 'counties', sourceLayer: 'counties', id: g.code }, { cls: classOf(g.ratio, g.target), ratio: g.ratio });
      S.countyStates.add(g.code);
    }
    renderLegend();
  }
  function setTownshipClasses(groups) {
    for (const code of S.townshipStates) map.setFeatureState({ source: 'townships', sourceLayer: 'townships', id: code }, { cls: -1 });
    S.townshipStates.clear();
    for (const g of groups) {
      map.setFeatureState({ source: 'townships', sourceLayer: 'townships', id: g.code }, { cls: classOf(g.ratio, g.target) });
      S.townshipStates.add(g.code);
    }
  }
  function renderLegend() {
    const target = S.provinceCov && S.provinceCov.summary && S.provinceCov.summary.target;
    const L = $('#legend'); L.replaceChildren();
    L.append(el('strong', {}, t('legend_title', target != null ? fmtPct(target) : '—')));
    if (S.plan) L.append(el('div', { id: 'legend-plan' }, t('with_plan', S.plan)));
    CHORO.forEach(([c, k]) => L.append(el('div', {}, el('span', { class: 'sw', style: `background:${c};opacity:${CHORO_OPACITY}` }), t(k))));
    L.append(el('div', {}, el('span', { class: 'sw', style: `background:${CHORO_NONE};opacity:${CHORO_OPACITY}` }), t('ch_none')));
    L.append(el('div', {}, el('span', { class: 'sw', style: 'background:#e03131;border-radius:50%' }), t('layer_gaps')));
    L.append(el('p', {}, t('approx')));
  }

  // ---------- divisions ----------
  function bboxOf(geom) {
    let b = [180, 90, -180, -90];
    const walk = (c) => { if (typeof c[0] === 'number') { b = [Math.min(b[0], c[0]), Math.min(b[1], c[1]), Math.max(b[2], c[0]), Math.max(b[3], c[1])]; } else c.forEach(walk); };
    if (geom) walk(geom.coordinates);
    return b;
  }
  async function selectDivision(code, opts = {}) {
    const f = await withPane($('#pane-scorecard'), () => api('/api/v1/divisions/' + short(code)));
    if (!f) return;
    S.division = f;
    const p = f.properties;
    map.getSource('selected').setData(f.geometry && f.geometry.type !== 'Point' ? f : fc());
    if (opts.fly !== false && f.geometry) {
      if (f.geometry.type === 'Point') map.flyTo({ center: f.geometry.coordinates, zoom: 13 });
      else { const b = bboxOf(f.geometry); map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 12, duration: 800 }); }
    }
    renderBreadcrumb();
    $('#siting-division').textContent = p.name;
    if (p.level === 'county') loadScenarioTownships();
    await Promise.all([loadScorecard(), loadGaps(), loadCircles()]);
  }
  async function renderBreadcrumb() {
    const nav = $('#breadcrumb'); nav.replaceChildren();
    if (!S.division) return;
    const chain = [S.division.properties];
    let parent = S.division.properties.parent;
    while (parent) {
      const f = await api('/api/v1/divisions/' + short(parent)).catch(() => null);
      if (!f) break;
      chain.unshift(f.properties); parent = f.properties.parent;
    }
    nav.replaceChildren();
    chain.forEach((d, i) => {
      if (i) nav.append(el('span', { class: 'sep', 'aria-hidden': 'true' }, '›'));
      nav.append(i === chain.length - 1 ? el('strong', { 'aria-current': 'location' }, d.name)
        : el('button', { type: 'button', onclick: () => selectDivision(d.code) }, d.name));
    });
  }

  // ---------- scorecard ----------
  async function loadScorecard() {
    const pane = $('#pane-scorecard');
    const code = S.division.properties.code, level = S.division.properties.level;
    const childLevel = LEVELS[LEVELS.indexOf(level) + 1];
    await withPane(pane, async () => {
      const [sc, cov] = await Promise.all([
        api('/api/v1/scorecard/' + short(code)),
        childLevel ? api('/api/v1/coverage?' + covParams({ division: short(code), group_by: childLevel })) : Promise.resolve(null),
      ]);
      S.scorecard = sc.scorecard; S.childCov = cov && cov.coverage;
      if (level === 'county' && S.childCov) setTownshipClasses(S.childCov.groups || []);
      renderScorecard();
    });
  }
  function renderScorecard() {
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
  const CHILD_COLS = [['name', 'name', false], ['villages', 'villages', true], ['covered', 'covered', true], ['ratio', 'ratio', true],
    ['elderly', 'elderly', true], ['elderly_ratio', 'elderly_ratio', true], ['met', 'met', false], ['provenance', 'provenance', false]];
  function renderChildren() {
    const tb = $('#children-table'); tb.replaceChildren();
    const groups = (S.childCov && S.childCov.groups) || [];
    if (!groups.length) { tb.append(el('caption', {}, t('no_children'))); return; }
    const { key, dir } = S.sort;
    const rows = [...groups].sort((a, b) => {
      const va = a[key], vb = b[key];
      if (va == null && vb == null) return a.code < b.code ? -1 : 1;
      if (va == null) return 1; if (vb == null) return -1;
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

  // ---------- gaps ----------
  const GAP_LIMIT = 200;
  async function loadGaps() {
    const pane = $('#pane-gaps');
    const code = short(S.division.properties.code);
    await withPane(pane, async () => {
      const g = await api('/api/v1/gaps?' + covParams({ division: code, limit: GAP_LIMIT }));
      S.gaps = g; S.clusters = null;
      if (S.gapView === 'clusters') await loadClusters();
      map.getSource('gaps').setData(fc((g.features || []).filter((f) => f.geometry)));
      renderGaps();
    });
  }
  // Clusters load when their view is opened (a province has thousands).
  async function loadClusters() {
    if (S.clusters || !S.division) return;
    S.clusters = await api('/api/v1/gaps?' + covParams({ division: short(S.division.properties.code), clusters: 'true' }));
  }
  function renderGaps() {
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
    $('#gap-note').textContent = S.lang === 'zh' ? (g.query && g.query.distance_note_zh) || '' : (g.query && g.query.distance_note) || '';
  }
  function flyToGap(lonlat, btn) {
    document.querySelectorAll('#gap-list .item.active').forEach((b) => b.classList.remove('active'));
    if (btn) btn.classList.add('active');
    map.getSource('highlight').setData(fc([{ type: 'Feature', geometry: { type: 'Point', coordinates: lonlat }, properties: {} }]));
    map.flyTo({ center: lonlat, zoom: Math.max(map.getZoom(), 12.5), duration: 900 });
  }

  // ---------- coverage circles ----------
  function circlePoly(lon, lat, r, n = 48) {
    const R = 6371008.8, pts = [];
    for (let i = 0; i <= n; i++) {
      const a = (2 * Math.PI * i) / n, d = r / R, la = (lat * Math.PI) / 180, lo = (lon * Math.PI) / 180;
      const lat2 = Math.asin(Math.sin(la) * Math.cos(d) + Math.cos(la) * Math.sin(d) * Math.cos(a));
      const lon2 = lo + Math.atan2(Math.sin(a) * Math.sin(d) * Math.cos(la), Math.cos(d) - Math.sin(la) * Math.sin(lat2));
      pts.push([(lon2 * 180) / Math.PI, (lat2 * 180) / Math.PI]);
    }
    return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [pts] }, properties: {} };
  }
  async function loadCircles() {
    const p = S.division.properties;
    if (p.level === 'province' || p.level === 'prefecture') { map.getSource('circles').setData(fc()); return; }
    const radius = S.radius || (S.gaps && S.gaps.query && S.gaps.query.radius_m) || 1000;
    const r = await api('/api/v1/facilities?' + q({ kind: S.kind, division: short(p.code), status: 'operating', limit: 10000 })).catch((e) => { showAlert(e.message); return null; });
    if (!r) return;
    map.getSource('circles').setData(fc((r.features || []).filter((f) => f.geometry).map((f) => circlePoly(f.geometry.coordinates[0], f.geometry.coordinates[1], radius))));
  }

  // ---------- siting ----------
  function syncSitingForm() {
    const o = $('#siting-objective').value;
    $('#siting-p-label').hidden = o === 'lscp';
    $('#siting-target-label').hidden = o !== 'lscp';
  }
  async function runSiting(ev) {
    ev.preventDefault();
    const pane = $('#pane-siting');
    const d = S.division && S.division.properties;
    const err = $('.err', pane);
    if (!d) { err.textContent = t('pick_division'); err.hidden = false; return; }
    if (d.level !== 'county' && d.level !== 'township') { err.textContent = t('siting_scope_bad', t('level_' + d.level)); err.hidden = false; return; }
    const o = $('#siting-objective').value;
    const req = { kind: S.kind, division: short(d.code), mode: S.mode, objective: o, weight: $('#siting-weight').value };
    if (S.radius) req.radius_m = S.radius;
    if (o === 'lscp') req.target = Number($('#siting-target').value) / 100; else req.p = Number($('#siting-p').value);
    const res = await withPane(pane, () => api('/api/v1/siting', { method: 'POST', body: req }));
    if (!res) return;
    S.siting = res.siting || res; S.sitingSites = sitingSites(res); S.sitingReq = req;
    renderSiting();
  }
  function sitingSites(s) {
    if (Array.isArray(s.sites)) return s.sites;
    if (s.proposals && Array.isArray(s.proposals.features)) return s.proposals.features.map((f) => ({ ...f.properties, point: f.geometry.coordinates }));
    if (Array.isArray(s.features)) return s.features.map((f) => ({ ...f.properties, point: f.geometry.coordinates }));
    return [];
  }
  function renderSiting() {
    const s = S.siting, out = $('#siting-result'); out.replaceChildren();
    if (!s) return;
    const sites = S.sitingSites || [];
    map.getSource('proposals').setData(fc(sites.filter((x) => x.point).map((x) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: x.point }, properties: { rank: x.rank, name: x.name } }))));
    const b = s.before || (s.summary && s.summary.before) || {}, a = s.after || (s.summary && s.summary.after) || {};
    out.append(el('div', { class: 'summary', id: 'siting-summary' },
      el('div', {}, `${t('before')} `, el('strong', { 'data-before': b.ratio }, fmtPct(b.ratio)), ' → ', `${t('after')} `,
        el('strong', { class: 'big delta-up', 'data-after': a.ratio }, fmtPct(a.ratio))),
      el('div', { class: 'meta' }, `${t('elderly')}: ${fmtInt(b.elderly_covered)} → ${fmtInt(a.elderly_covered)} / ${fmtInt(a.elderly)}`),
      el('div', { class: 'meta' }, s.optimal ? t('optimal') : t('gap_bound', s.gap == null ? '—' : fmtPct(s.gap), s.method || '', s.bound_method || '')),
      s.uncovered ? el('div', { class: 'meta' }, t('uncovered_left', fmtInt(s.uncovered.length)),
        s.uncovered_reasons ? `（${Object.entries(s.uncovered_reasons).map(([k, v]) => `${t('reason_' + k)} ${fmtInt(v)}`).join('，')}）` : '') : null,
      provBadge(s.provenance)));
    const tb = el('table', { class: 'data', id: 'siting-sites' },
      el('caption', {}, t('sites')),
      el('thead', {}, el('tr', {}, el('th', {}, t('rank')), el('th', {}, t('name')), el('th', {}, t('township')), el('th', { class: 'num' }, t('gain') + '·' + t('elderly')), el('th', { class: 'num' }, t('villages')))),
      el('tbody', {}, sites.map((x) => el('tr', {},
        el('td', {}, String(x.rank)),
        el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => x.point && map.flyTo({ center: x.point, zoom: 13 }) }, x.name || x.code)),
        el('td', {}, x.township_name || ''), el('td', { class: 'num' }, fmtInt(x.gain_elderly)),
        el('td', { class: 'num', title: `${t('new_villages')}: ${(x.new_villages || []).join(', ')}` }, fmtInt(x.gain_villages))))));
    out.append(tb);
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

  // ---------- scenario editor ----------
  async function loadScenarioTownships() {
    const d = S.division.properties;
    const r = await api('/api/v1/divisions/' + short(d.code) + '/children').catch((e) => { showAlert(e.message); return null; });
    if (!r) return;
    S.scnTownships = (r.features || []).map((f) => ({ code: f.properties.code, name: f.properties.name, kind: f.properties.kind, seat: f.properties.seat }));
    for (const code of [...S.scnSelected.keys()]) if (!S.scnTownships.some((x) => x.code === code)) toggleTownship(code, false);
    renderScenarioTownships();
  }
  function renderScenarioTownships() {
    const fs = $('#scn-townships');
    fs.replaceChildren(el('legend', {}, t('townships')));
    if (!S.scnTownships.length) { fs.append(el('p', { class: 'meta' }, t('select_county_first'))); return; }
    for (const tw of S.scnTownships) {
      const id = 'scn-t-' + tw.code;
      fs.append(el('label', { for: id }, el('input', { type: 'checkbox', id, value: tw.code, checked: S.scnSelected.has(tw.code), onchange: (e) => toggleTownship(tw.code, e.target.checked) }), ' ', tw.name));
    }
    renderOpFields();
  }
  function toggleTownship(code, on) {
    const tw = S.scnTownships.find((x) => x.code === code);
    if (on && tw) S.scnSelected.set(code, tw.name); else S.scnSelected.delete(code);
    map.setFeatureState({ source: 'townships', sourceLayer: 'townships', id: code }, { sel: !!on });
    const cb = document.getElementById('scn-t-' + code); if (cb) cb.checked = !!on;
    renderOpFields();
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
  async function renderOpFields() {
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
  function addOp() {
    const kind = $('#op-kind').value, units = selectedUnits();
    const err = $('#pane-scenario .err'); err.hidden = true;
    const fail = (m) => { err.textContent = m; err.hidden = false; };
    let op;
    const val = (id) => { const e = document.getElementById(id); return e ? e.value : ''; };
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
    S.ops.push(op); S.seatPick = null; map.getSource('seat').setData(fc());
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
  function renderOps() {
    const ol = $('#scn-ops'); ol.replaceChildren();
    S.ops.forEach((op, i) => ol.append(el('li', {}, describeOp(op), ' ',
      el('button', { type: 'button', 'aria-label': t('remove') + ' ' + (i + 1), onclick: () => { S.ops.splice(i, 1); renderOps(); } }, t('remove')))));
  }
  async function scenarioImpact() {
    const pane = $('#pane-scenario'), err = $('.err', pane);
    if (!S.ops.length) { err.textContent = t('no_ops'); err.hidden = false; return; }
    if (!S.token) { err.textContent = t('need_token'); err.hidden = false; return; }
    const body = { name: $('#scn-name').value || 'scenario', ops: S.ops };
    const r = await withPane(pane, async () => {
      const saved = S.scenarioId ? await api('/api/v1/scenarios/' + S.scenarioId, { method: 'PUT', body }) : await api('/api/v1/scenarios', { method: 'POST', body });
      const sc = saved.scenario || saved;
      S.scenarioId = sc.id;
      const imp = await api('/api/v1/scenarios/' + sc.id + '/impact');
      return imp;
    });
    if (!r) return;
    S.eval = r; S.impact = r.impact || r;
    // The units after the change, drawn over the map (dashed orange).
    api('/api/v1/scenarios/' + S.scenarioId + '/impact?f=geojson').then((g) => map.getSource('scenario').setData(g)).catch((e) => showAlert(e.message));
    $('#scn-report').disabled = false;
    renderImpact(); listScenarios();
  }
  function impactDivisions(imp) {
    return imp.divisions || (imp.service && imp.service.divisions) || [];
  }
  function renderImpact() {
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
    const depth = Math.max(...divs.map((d) => LEVELS.indexOf(d.level)));
    const totalLevel = LEVELS[depth];
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
    const flags = imp.flags || (imp.service && imp.service.flags) || [];
    out.append(el('h3', {}, `${t('flags')} (${fmtInt(flags.length)})`));
    out.append(el('ul', { class: 'list', id: 'impact-flags' }, flags.slice(0, 100).map((f) => el('li', {}, `${f.name || f.code}: ${f.detail || f.kind}`))));
    const ev = S.eval || {};
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
  async function openReport() {
    if (!S.scenarioId) return;
    const w = window.open('', '_blank');
    const done = busy();
    try {
      const r = await fetch('/api/v1/scenarios/' + S.scenarioId + '/report.html', { headers: S.token ? { Authorization: 'Bearer ' + S.token } : {} });
      const txt = await r.text();
      if (!r.ok) throw new ApiError(r.status, 'GET', '/api/v1/scenarios/' + S.scenarioId + '/report.html', txt);
      const url = URL.createObjectURL(new Blob([txt], { type: 'text/html' }));
      if (w) w.location = url; else location.assign(url);
      $('#pane-scenario .status').textContent = t('report_opened');
    } catch (e) { if (w) w.close(); const err = $('#pane-scenario .err'); err.textContent = e.message; err.hidden = false; } finally { done(); }
  }
  async function listScenarios() {
    const ul = $('#scn-list');
    if (!S.token) { ul.replaceChildren(el('li', { class: 'meta' }, t('need_token'))); return; }
    const r = await withPane($('#pane-scenario'), () => api('/api/v1/scenarios'));
    if (!r) return;
    const items = (Array.isArray(r) ? r : r.scenarios || []).map((x) => x.scenario || x);
    // Ticks survive a re-render (the list refreshes after every save).
    ul.replaceChildren(...items.map((s) => el('li', {}, el('label', {}, el('input', { type: 'checkbox', value: s.id, class: 'scn-cmp', checked: S.cmpChecked.has(String(s.id)),
      onchange: (e) => (e.target.checked ? S.cmpChecked.add(String(s.id)) : S.cmpChecked.delete(String(s.id))) }), ` #${s.id} ${s.name} · ${s.status || ''} · ${t('n_ops', fmtInt((s.ops || []).length))}`))));
  }
  async function compareScenarios() {
    const ids = [...S.cmpChecked];
    const out = $('#scn-compare-out');
    if (ids.length !== 2) { const err = $('#pane-scenario .err'); err.textContent = t('select_two'); err.hidden = false; return; }
    const r = await withPane($('#pane-scenario'), () => api('/api/v1/scenarios/compare?' + q({ a: ids[0], b: ids[1] })));
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

  // ---------- map interaction ----------
  function setMapMode(mode) {
    S.mapMode = mode;
    const box = $('#map-mode');
    box.hidden = !mode;
    box.textContent = mode === 'seat' ? t('seat_click') : mode === 'pick' ? t('pick_mode_on') : '';
    $('#scn-pick').setAttribute('aria-pressed', String(mode === 'pick'));
    map.getCanvas().style.cursor = mode ? 'crosshair' : '';
  }
  map.on('click', async (e) => {
    if (S.lassoAt && Date.now() - S.lassoAt < 500) return; // the end of a Shift-drag box is no click
    if (S.mapMode === 'seat') {
      S.seatPick = [Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))];
      map.getSource('seat').setData(fc([{ type: 'Feature', geometry: { type: 'Point', coordinates: S.seatPick }, properties: {} }]));
      setMapMode(null); renderOpFields(); return;
    }
    if (S.mapMode === 'pick') {
      const f = map.queryRenderedFeatures(e.point, { layers: ['township-fill'] })[0];
      if (f) toggleTownship(f.properties.code, !S.scnSelected.has(f.properties.code));
      return;
    }
    if (map.getZoom() >= 9 && showPopup(e)) return;
    const layers = map.getZoom() >= 8 ? ['township-fill', 'county-fill'] : ['county-fill'];
    const hits = map.queryRenderedFeatures(e.point, { layers });
    const f = hits.find((h) => h.layer.id === 'township-fill') || hits[0];
    if (f) selectDivision(f.properties.code, { fly: false });
  });
  // Facilities and uncovered villages explain themselves in a popup (HTML text, no glyph fetches).
  const popup = new maplibregl.Popup({ closeButton: true, closeOnClick: true, maxWidth: '280px' });
  function showPopup(e) {
    const ids = [...facVisible].map(facLayerId).filter((id) => map.getLayer(id)).concat(['gaps', 'proposals']);
    const f = map.queryRenderedFeatures(e.point, { layers: ids })[0];
    if (!f) return false;
    const p = f.properties, box = el('div', {});
    if (f.layer.id === 'gaps') {
      const near = typeof p.nearest === 'string' ? JSON.parse(p.nearest) : p.nearest;
      box.append(el('strong', {}, p.short_name || p.name), el('div', {}, `${t('elderly')} ${fmtInt(p.elderly)}`),
        el('div', {}, near ? t('nearest', near.name, fmtDist(near.distance_m)) : t('no_facility')));
    } else if (f.layer.id === 'proposals') {
      box.append(el('strong', {}, `${t('sites')} ${p.rank}: ${p.name}`));
    } else {
      box.append(el('strong', {}, p.name), el('div', {}, kindName(p.kind)), el('div', {}, `${t('fac_status')}: ${p.status}`), p.beds ? el('div', {}, `beds ${fmtInt(p.beds)}`) : null);
    }
    popup.setLngLat(e.lngLat).setDOMContent(box).addTo(map);
    return true;
  }
  map.on('mousemove', (e) => {
    if (S.mapMode) return;
    const hit = map.queryRenderedFeatures(e.point, { layers: ['county-fill'] }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  // Shift-drag draws a box that selects the townships it touches (scenario editor).
  (function lasso() {
    const canvas = map.getCanvasContainer();
    let start = null, box = null;
    const pos = (e) => { const r = canvas.getBoundingClientRect(); return new maplibregl.Point(e.clientX - r.left, e.clientY - r.top); };
    canvas.addEventListener('mousedown', (e) => {
      if (!e.shiftKey || e.button !== 0) return;
      e.preventDefault(); e.stopPropagation(); map.dragPan.disable();
      start = pos(e); box = el('div', { class: 'lasso' }); canvas.append(box);
    }, true);
    window.addEventListener('mousemove', (e) => {
      if (!start) return;
      const p = pos(e), x = Math.min(p.x, start.x), y = Math.min(p.y, start.y);
      Object.assign(box.style, { left: x + 'px', top: y + 'px', width: Math.abs(p.x - start.x) + 'px', height: Math.abs(p.y - start.y) + 'px' });
    });
    window.addEventListener('mouseup', (e) => {
      if (!start) return;
      const p = pos(e); box.remove(); map.dragPan.enable(); S.lassoAt = Date.now();
      const fs = map.queryRenderedFeatures([start, p], { layers: ['township-fill'] });
      start = null;
      const codes = new Set(fs.map((f) => f.properties.code));
      codes.forEach((c) => toggleTownship(c, true));
    });
  })();
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && S.mapMode) setMapMode(null); });

  // ---------- search ----------
  let searchTimer = null, searchItems = [], searchActive = -1;
  const sInput = $('#search'), sList = $('#search-results');
  function closeSearch() { sList.hidden = true; sInput.setAttribute('aria-expanded', 'false'); searchActive = -1; }
  sInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    const v = sInput.value.trim();
    if (!v) { closeSearch(); return; }
    searchTimer = setTimeout(async () => {
      const r = await api('/api/v1/divisions?' + q({ q: v, limit: 20 })).catch((e) => { showAlert(e.message); return null; });
      if (!r) return;
      searchItems = (r.features || []).slice(0, 20).map((f) => f.properties);
      sList.replaceChildren(...searchItems.map((p, i) => el('li', { role: 'option', id: 'sr-' + i, 'aria-selected': 'false', onmousedown: (ev) => { ev.preventDefault(); pickSearch(i); } },
        p.name, ' ', el('span', { class: 'note' }, `${t('level_' + p.level)} ${short(p.code)}`))));
      sList.hidden = !searchItems.length; sInput.setAttribute('aria-expanded', String(!sList.hidden));
    }, 200);
  });
  sInput.addEventListener('keydown', (e) => {
    if (sList.hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      searchActive = (searchActive + (e.key === 'ArrowDown' ? 1 : -1) + searchItems.length) % searchItems.length;
      [...sList.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === searchActive)));
      sInput.setAttribute('aria-activedescendant', 'sr-' + searchActive);
    } else if (e.key === 'Enter') { e.preventDefault(); pickSearch(Math.max(0, searchActive)); } else if (e.key === 'Escape') closeSearch();
  });
  sInput.addEventListener('blur', () => setTimeout(closeSearch, 150));
  function pickSearch(i) { const p = searchItems[i]; closeSearch(); if (p) { sInput.value = p.name; selectDivision(p.code); } }

  // ---------- tabs, controls, language, token ----------
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  function selectTab(tab, focus) {
    tabs.forEach((b) => { const on = b === tab; b.setAttribute('aria-selected', String(on)); b.tabIndex = on ? 0 : -1; document.getElementById(b.getAttribute('aria-controls')).hidden = !on; });
    if (focus) tab.focus();
    if (tab.id === 'tab-scenario') listScenarios();
  }
  tabs.forEach((b, i) => {
    b.addEventListener('click', () => selectTab(b));
    b.addEventListener('keydown', (e) => {
      const k = e.key, n = tabs.length;
      if (k === 'ArrowRight' || k === 'ArrowLeft') { e.preventDefault(); selectTab(tabs[(i + (k === 'ArrowRight' ? 1 : n - 1)) % n], true); }
      if (k === 'Home') { e.preventDefault(); selectTab(tabs[0], true); } if (k === 'End') { e.preventDefault(); selectTab(tabs[n - 1], true); }
    });
  });
  const kindSel = $('#kind');
  function fillKinds() {
    kindSel.replaceChildren(...KINDS.map(([k]) => el('option', { value: k }, kindName(k))));
    kindSel.value = S.kind;
  }
  async function refreshAnalysis() {
    await loadProvinceChoropleth().catch((e) => showAlert(e.message));
    if (S.division) await Promise.all([loadScorecard(), loadGaps(), loadCircles()]);
  }
  kindSel.addEventListener('change', () => { S.kind = kindSel.value; setFacilityVisible(S.kind, true); renderFacilityToggles(); showAlert(''); refreshAnalysis(); });
  $('#mode').addEventListener('change', (e) => { S.mode = e.target.value; showAlert(''); refreshAnalysis(); });
  $('#radius').addEventListener('change', (e) => { const v = Number(e.target.value); S.radius = v > 0 ? v : null; showAlert(''); refreshAnalysis(); });
  $('#gap-view-villages').addEventListener('click', () => { S.gapView = 'villages'; renderGaps(); });
  $('#gap-view-clusters').addEventListener('click', () => withPane($('#pane-gaps'), async () => { S.gapView = 'clusters'; await loadClusters(); renderGaps(); }));
  $('#siting-objective').addEventListener('change', syncSitingForm);
  $('#siting-form').addEventListener('submit', runSiting);
  $('#plan-save').addEventListener('click', savePlan);
  $('#plan-apply').addEventListener('change', (e) => { S.plan = e.target.checked ? S.savedPlan : null; renderLegend(); refreshAnalysis(); });
  $('#op-kind').addEventListener('change', renderOpFields);
  $('#op-add').addEventListener('click', addOp);
  $('#scn-pick').addEventListener('click', () => setMapMode(S.mapMode === 'pick' ? null : 'pick'));
  $('#scn-clear').addEventListener('click', () => { [...S.scnSelected.keys()].forEach((c) => toggleTownship(c, false)); S.ops = []; renderOps(); });
  $('#scn-impact').addEventListener('click', scenarioImpact);
  $('#scn-new').addEventListener('click', () => { map.getSource('scenario').setData(fc()); S.scenarioId = null; S.ops = []; S.impact = null; S.eval = null; $('#scn-report').disabled = true; renderOps(); renderImpact(); });
  $('#scn-report').addEventListener('click', openReport);
  $('#scn-refresh').addEventListener('click', listScenarios);
  $('#scn-compare').addEventListener('click', compareScenarios);

  function applyLang() {
    document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = 'civplan ' + t('title');
    map.getCanvas().setAttribute('aria-label', t('map_keys'));
    document.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t(e.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((e) => { e.placeholder = t(e.dataset.i18nPlaceholder); });
    document.querySelectorAll('[data-i18n-aria]').forEach((e) => { e.setAttribute('aria-label', t(e.dataset.i18nAria)); });
    const lb = $('#lang-btn'); lb.textContent = S.lang === 'zh' ? 'English' : '中文'; lb.lang = S.lang === 'zh' ? 'en' : 'zh-CN';
    renderRole(); fillKinds(); renderLegend(); renderLayerToggles(); renderFacilityToggles();
    renderScorecard(); renderGaps(); renderSiting(); renderOps(); renderImpact(); renderScenarioTownships();
    $('#attribution-note').textContent = t('attribution') + S.attribution + ' ' + t('approx');
  }
  $('#lang-btn').addEventListener('click', () => { S.lang = S.lang === 'zh' ? 'en' : 'zh'; sessionStorage.setItem('civplan.lang', S.lang); applyLang(); });
  function renderRole() {
    const b = $('#role-badge');
    b.textContent = S.token ? t('planner') : t('readonly');
    b.className = 'badge ' + (S.token ? 'role-rw' : 'role-ro');
    $('#plan-save').disabled = !S.token || !S.siting;
  }
  const dlg = $('#token-dialog');
  $('#token-btn').addEventListener('click', () => { $('#token-input').value = S.token; dlg.showModal(); });
  dlg.addEventListener('close', () => {
    if (dlg.returnValue === 'save') S.token = $('#token-input').value.trim();
    if (dlg.returnValue === 'clear') S.token = '';
    if (S.token) sessionStorage.setItem('civplan.token', S.token); else sessionStorage.removeItem('civplan.token');
    renderRole(); $('#token-btn').focus();
    // Where reads need a token the first load failed: start again with the token.
    if (S.token && !$('#alert').hidden && /401/.test($('#alert').textContent)) location.reload();
  });

  const LAYER_GROUPS = [
    ['layer_choro', ['county-fill'], true], ['layer_townships', ['township-line'], true], ['layer_villages', ['villages'], true],
    ['layer_circles', ['circles-fill', 'circles-line'], true], ['layer_gaps', ['gaps'], true],
    ['layer_scenario', ['scenario-after'], true], ['layer_labels', ['prefecture-label', 'county-label', 'township-label', 'village-label'], true],
  ];
  function renderLayerToggles() {
    const fs = $('#layer-toggles'); fs.replaceChildren(el('legend', {}, t('layers')));
    for (const [key, ids] of LAYER_GROUPS) {
      const on = map.getLayer(ids[0]) ? map.getLayoutProperty(ids[0], 'visibility') !== 'none' : true;
      fs.append(el('label', {}, el('input', { type: 'checkbox', checked: on, 'data-layer': key,
        onchange: (e) => ids.forEach((id) => map.getLayer(id) && map.setLayoutProperty(id, 'visibility', e.target.checked ? 'visible' : 'none')) }), ' ', t(key)));
    }
  }
  function renderFacilityToggles() {
    const fs = $('#facility-toggles'); fs.replaceChildren(el('legend', {}, t('facilities')));
    for (const [k] of KINDS) {
      const [shape, color] = KIND_STYLE[k];
      const icon = el('canvas', { width: 22, height: 22, 'aria-hidden': 'true', style: 'vertical-align:middle' });
      icon.getContext('2d').putImageData(drawIcon(shape, color), 0, 0);
      fs.append(el('label', {}, el('input', { type: 'checkbox', checked: facVisible.has(k), 'data-kind': k, onchange: (e) => setFacilityVisible(k, e.target.checked) }), ' ', icon, ' ', kindName(k)));
    }
  }

  // ---------- start ----------
  map.on('load', async () => {
    for (const [k] of KINDS) { const [shape, color] = KIND_STYLE[k]; map.addImage('icon-' + k, drawIcon(shape, color)); }
    facVisible.forEach((k) => ensureFacilityLayer(k));
    try {
      const tj = await api('/tiles/counties.json');
      S.attribution = tj.attribution || '';
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
    // Township labels (1,475 seats) load once the map is zoomed in far enough to show them.
    let townshipLabels = false;
    const loadTownshipLabels = async () => {
      if (townshipLabels || map.getZoom() < 9) return;
      townshipLabels = true;
      try {
        const feats = [];
        for (let offset = 0; ; offset += 1000) {
          const r = await api('/api/v1/divisions?' + q({ level: 'township', limit: 1000, offset }));
          feats.push(...(r.features || []).filter((f) => f.geometry && f.geometry.type === 'Point'));
          if ((r.features || []).length < 1000) break;
        }
        map.getSource('labels-township').setData(fc(feats));
      } catch (e) { townshipLabels = false; showAlert(e.message); }
    };
    map.on('zoomend', loadTownshipLabels);
    await loadProvinceChoropleth().catch((e) => showAlert(e.message));
    await selectDivision('42', { fly: false });
    S.ready = true;
    document.body.dataset.ready = 'true';
  });
  map.on('error', (e) => { console.warn('map:', e && e.error && e.error.message); });
  fillKinds(); syncSitingForm(); renderRole(); renderLegend(); renderOpFields();
  // Where reads need a token (a non-loopback server), say so at once and ask for it.
  api('/api/v1/divisions/42').catch((e) => {
    if (e.status === 401) { showAlert(e.message + ' — ' + t('token_hint')); $('#token-input').value = S.token; dlg.showModal(); }
  });
})();
