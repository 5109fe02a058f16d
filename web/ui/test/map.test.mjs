// Browser tests of the planner web map (issue 7). Playwright drives Debian's /usr/bin/chromium
// against a civplan started by test/run.sh (CIVPLAN_URL, CIVPLAN_TOKEN). Expected values come
// from civplan's HTTP API fetched here by the test, never from the page itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.CIVPLAN_URL;
const TOKEN = process.env.CIVPLAN_TOKEN || '';
const OUT = process.env.TEST_OUTPUT || join(tmpdir(), 'civplan-ui-output');
const ROOT = process.env.REPO_ROOT || '';
if (!BASE) throw new Error('CIVPLAN_URL is not set: run the tests through web/ui/test/run.sh (make uitest)');
mkdirSync(OUT, { recursive: true });

const COUNTY = '420526'; // 兴山县, Yichang
const TOWNS = ['420526101000', '420526102000']; // 古夫镇, 昭君镇 (adjacent)
// The page's legend: coverage classes against the target, drawn at this opacity over this background.
const CLASSES = [[0, [0x1a, 0x98, 0x50]], [-0.1, [0xfe, 0xe0, 0x8b]], [-0.2, [0xfc, 0x8d, 0x59]], [-Infinity, [0xd7, 0x30, 0x27]]];
const OPACITY = 0.6;
const BACKGROUND = [0xe9, 0xed, 0xf0];

async function apiGet(path, token) {
  const r = await fetch(BASE + path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  assert.equal(r.status, 200, `GET ${path} → ${r.status}`);
  return r.json();
}
async function apiPost(path, body) {
  const r = await fetch(BASE + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

let ctx, page, profile;
const requests = []; // every URL the browser asked for, from any page of the context
const shot = (name) => page.screenshot({ path: join(OUT, name) });

async function ready(p) {
  await p.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
  await idle(p);
}
async function idle(p) {
  await p.waitForFunction(() => { const m = window.civplanUI.map; return m.loaded() && m.areTilesLoaded() && !m.isMoving(); }, null, { timeout: 60000, polling: 200 });
  await p.waitForTimeout(300);
}

before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'civplan-chromium-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN',
  });
  ctx.on('request', (r) => requests.push(r.url()));
  page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(60000);
});
after(async () => {
  if (ctx) await ctx.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('planner web map', () => {
  test('1: the map renders the county layer with the choropleth colour; a county click shows its scorecard in Chinese without missing glyphs', async () => {
    await page.goto(BASE + '/');
    await ready(page);
    const n = await page.evaluate(() => window.civplanUI.map.queryRenderedFeatures({ layers: ['county-fill'] }).length);
    assert.ok(n >= 50, `queryRenderedFeatures finds ${n} county-fill features; want ≥ 50`);

    // Expected colour of 兴山县 from the coverage API and the legend's classes.
    const cov = (await apiGet('/api/v1/coverage?kind=mutual_aid_elderly&division=42&group_by=county')).coverage;
    const g = cov.groups.find((x) => x.code === COUNTY + '000000');
    assert.ok(g && g.ratio != null && g.target != null, 'the API has a coverage ratio for 兴山县');
    const cls = CLASSES.find(([d]) => g.ratio - g.target >= d - 1e-12)[1];
    const want = cls.map((c, i) => Math.round(BACKGROUND[i] * (1 - OPACITY) + c * OPACITY));
    const seat = (await apiGet('/api/v1/divisions/' + COUNTY)).properties.seat;

    // Find a pixel near the seat where only the county's fill is drawn, and read it.
    const px = await page.evaluate(([seat, code]) => {
      const m = window.civplanUI.map, c = m.project(seat);
      for (let r = 0; r <= 40; r += 2) {
        for (let a = 0; a < 16; a++) {
          const x = Math.round(c.x + r * Math.cos((a * Math.PI) / 8)), y = Math.round(c.y + r * Math.sin((a * Math.PI) / 8));
          const fs = m.queryRenderedFeatures([[x - 3, y - 3], [x + 3, y + 3]]);
          if (fs.length === 1 && fs[0].layer.id === 'county-fill' && fs[0].properties.code === code) {
            const cv = document.createElement('canvas'), src = m.getCanvas();
            cv.width = src.width; cv.height = src.height;
            const g2 = cv.getContext('2d'); g2.drawImage(src, 0, 0);
            const ratio = src.width / src.clientWidth;
            const box = src.getBoundingClientRect();
            return { x, y, pageX: box.left + x, pageY: box.top + y, rgba: [...g2.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data] };
          }
        }
      }
      return null;
    }, [seat, COUNTY + '000000']);
    assert.ok(px, 'a pixel near the seat of 兴山县 shows only its county fill');
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(px.rgba[i] - want[i]) <= 8, `pixel ${px.rgba} vs expected ${want} (ratio ${g.ratio}, target ${g.target})`);
    await shot('01-map.png');
    const docShot = ROOT && join(ROOT, 'docs', 'screenshot-map.png');
    if (docShot && (!existsSync(docShot) || process.env.UPDATE_SCREENSHOT === '1')) copyFileSync(join(OUT, '01-map.png'), docShot);

    // Click the county: its scorecard in Chinese.
    await page.mouse.click(px.pageX, px.pageY);
    await page.waitForFunction(() => /兴山县/.test(document.querySelector('#sc-title').textContent), null, { timeout: 60000 });
    await page.waitForSelector('#sc-table [data-item="mutual_aid_coverage"]');
    const sc = (await apiGet('/api/v1/scorecard/' + COUNTY)).scorecard;
    const item = sc.items.find((x) => x.id === 'mutual_aid_coverage');
    const row = await page.textContent('#sc-table [data-item="mutual_aid_coverage"]');
    assert.match(row, /农村互助养老服务设施覆盖率/);
    assert.ok(row.includes((item.value * 100).toFixed(1) + '%'), `row "${row}" shows ${(item.value * 100).toFixed(1)}%`);
    assert.ok(row.includes(item.met ? '达标' : '未达标'));
    const rows = await page.$$eval('#sc-table tbody tr', (trs) => trs.length);
    assert.equal(rows, sc.items.length, 'one row per scorecard item');
    const badges = await page.$$eval('#sc-table .badge[class*="prov-"]', (bs) => bs.map((b) => b.textContent));
    assert.ok(badges.length >= sc.items.length && badges.every((b) => /真实|派生|估算|生成/.test(b)), `provenance badges: ${badges}`);
    // Children table: sortable by clicking a header.
    await page.click('#children-table [data-sort="elderly"]');
    const elderly = await page.$$eval('#children-table tbody tr td:nth-child(5)', (tds) => tds.map((td) => Number(td.textContent.replace(/[^\d]/g, ''))));
    assert.ok(elderly.length >= 5, 'children rows');
    assert.deepEqual(elderly, [...elderly].sort((a, b) => a - b), 'sorted by elderly ascending');

    // Missing-glyph check: every character of the scorecard renders differently from a codepoint no font has.
    const missing = await page.evaluate(() => {
      const pane = document.querySelector('#pane-scorecard');
      const font = getComputedStyle(pane).fontFamily;
      const chars = [...new Set([...pane.innerText].filter((ch) => ch.codePointAt(0) > 0x2e80))];
      const cv = document.createElement('canvas'); cv.width = cv.height = 40;
      const g = cv.getContext('2d', { willReadFrequently: true });
      const draw = (ch) => { g.clearRect(0, 0, 40, 40); g.font = `28px ${font}`; g.fillStyle = '#000'; g.fillText(ch, 4, 32); return g.getImageData(0, 0, 40, 40).data.join(','); };
      const tofu = draw('\u{10FFFD}'), blank = draw(' ');
      const bad = chars.filter((ch) => { const d = draw(ch); return d === tofu || d === blank; });
      return { n: chars.length, bad, selfCheck: draw('\u{10FFFC}') === tofu };
    });
    assert.ok(missing.selfCheck, 'the detector recognises a missing glyph');
    assert.ok(missing.n > 30, `checked ${missing.n} CJK characters`);
    assert.deepEqual(missing.bad, [], `characters drawn as missing glyphs: ${missing.bad.join('')}`);
    await shot('01-scorecard.png');
  });

  test('2: the gap list for 80 % mutual-aid coverage appears and a click flies the map', async () => {
    await page.click('#tab-gaps');
    const api = await apiGet(`/api/v1/gaps?kind=mutual_aid_elderly&division=${COUNTY}&limit=200`);
    assert.equal(api.summary.target, 0.8);
    await page.waitForSelector('#gap-list li button.item');
    const codes = await page.$$eval('#gap-list button.item', (bs) => bs.map((b) => b.dataset.code));
    assert.deepEqual(codes, api.features.map((f) => f.properties.code), 'the list is the API ranking');
    const summary = await page.textContent('#gap-summary');
    assert.ok(summary.includes('80.0%'), `summary "${summary}" names the 80 % target`);
    const need = Math.ceil(api.summary.target * api.summary.villages - 1e-9) - api.summary.covered;
    if (need > 0) assert.ok((await page.textContent('#gap-need')).includes(String(need)), `needs ${need} more villages`);

    const first = api.features.find((f) => f.geometry);
    await page.click(`#gap-list button.item[data-code="${first.properties.code}"]`);
    await page.waitForFunction(() => window.civplanUI.map.isMoving(), null, { timeout: 5000 }).catch(() => {});
    await idle(page);
    const view = await page.evaluate(() => { const m = window.civplanUI.map; const c = m.getCenter(); return { lon: c.lng, lat: c.lat, zoom: m.getZoom() }; });
    const [lon, lat] = first.geometry.coordinates;
    assert.ok(Math.abs(view.lon - lon) < 1e-4 && Math.abs(view.lat - lat) < 1e-4, `centre ${view.lon},${view.lat} vs village ${lon},${lat}`);
    assert.ok(view.zoom >= 12, `zoomed in (${view.zoom})`);
    await shot('02-gaps.png');

    await page.click('#gap-view-clusters');
    const cl = await apiGet(`/api/v1/gaps?kind=mutual_aid_elderly&division=${COUNTY}&clusters=true`);
    await page.waitForSelector('#cluster-count');
    const shown = await page.$$eval('#gap-list button.item', (bs) => bs.map((b) => [Number(b.dataset.lon), Number(b.dataset.lat)]));
    assert.deepEqual(shown, cl.clusters.slice(0, 200).map((c) => c.centre), 'the clusters in the API order');
    await page.click('#gap-view-villages');
  });

  test('3: a siting run for one county shows proposals and a higher coverage', async () => {
    await page.click('#tab-siting');
    await page.selectOption('#siting-objective', 'mclp');
    await page.fill('#siting-p', '5');
    await page.click('#siting-run');
    await page.waitForSelector('#siting-summary, #pane-siting .err:not([hidden])', { timeout: 60000 });
    const err = await page.$eval('#pane-siting .err', (e) => (e.hidden ? '' : e.textContent));
    assert.equal(err, '', 'siting answered without an error');
    const api = await apiPost('/api/v1/siting', { kind: 'mutual_aid_elderly', division: COUNTY, mode: 'jurisdiction', objective: 'mclp', weight: 'elderly', p: 5 });
    assert.equal(api.status, 200);
    const rows = await page.$$eval('#siting-sites tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
    assert.equal(rows.length, api.body.features.length);
    assert.ok(rows.length > 0, 'proposals listed');
    assert.deepEqual(rows, api.body.features.map((f) => f.properties.name || f.properties.code));
    const before = Number(await page.getAttribute('#siting-summary [data-before]', 'data-before'));
    const afterR = Number(await page.getAttribute('#siting-summary [data-after]', 'data-after'));
    assert.equal(before, api.body.siting.before.ratio);
    assert.equal(afterR, api.body.siting.after.ratio);
    assert.ok(afterR > before, `coverage ${before} → ${afterR} rises`);
    await page.evaluate((pts) => { const b = new maplibregl.LngLatBounds(); pts.forEach((c) => b.extend(c)); window.civplanUI.map.fitBounds(b, { padding: 80, duration: 0, maxZoom: 12 }); },
      api.body.features.map((f) => f.geometry.coordinates));
    await idle(page);
    const onMap = await page.evaluate(() => window.civplanUI.map.queryRenderedFeatures({ layers: ['proposals'] }).map((f) => f.properties.rank).sort((a, b) => a - b));
    assert.deepEqual(onMap, api.body.features.map((f) => f.properties.rank).sort((a, b) => a - b), 'every proposal drawn on the map');
    await shot('03-siting.png');
  });

  test('4: merging two townships in the editor shows an impact table whose totals equal the API\'s', async () => {
    assert.ok(TOKEN, 'a planner token (CIVPLAN_TOKEN) is needed to save a scenario');
    // Read-only without a token: saving a plan is disabled and says why.
    await page.click('#tab-siting');
    assert.equal(await page.isDisabled('#plan-save'), true);
    assert.match(await page.textContent('#plan-msg'), /令牌/);
    await page.click('#token-btn');
    await page.fill('#token-input', TOKEN);
    await page.click('#token-save');
    await page.waitForFunction(() => /令牌|token/i.test(document.querySelector('#role-badge').textContent) && window.civplanUI.token !== '');
    // With the token the siting answer saves as a plan.
    assert.equal(await page.isDisabled('#plan-save'), false);
    await page.fill('#plan-name', '兴山县互助养老 5 点');
    await page.click('#plan-save');
    await page.waitForFunction(() => /#\d+/.test(document.querySelector('#plan-msg').textContent));
    const planId = (await page.textContent('#plan-msg')).match(/#(\d+)/)[1];
    const plan = await apiGet('/api/v1/plans/' + planId, TOKEN);
    assert.ok(JSON.stringify(plan).includes('兴山县互助养老 5 点'), 'the plan is stored under its name');
    // Counting the plan: the gap summary shows the API's coverage with the plan.
    await page.check('#plan-apply');
    const withPlan = (await apiGet(`/api/v1/gaps?kind=mutual_aid_elderly&division=${COUNTY}&plan=${planId}&limit=1`)).summary;
    await page.waitForFunction((r) => Number(document.querySelector('#gap-summary [data-ratio]')?.dataset.ratio) === r, withPlan.ratio);
    const afterSiting = Number(await page.getAttribute('#siting-summary [data-after]', 'data-after'));
    assert.ok(withPlan.ratio >= afterSiting - 1e-12, `with the plan ${withPlan.ratio} ≥ the siting's after ${afterSiting}`);
    await page.uncheck('#plan-apply');

    await page.click('#tab-scenario');
    // Shift-drag on the map selects the townships inside the box (lasso).
    await page.evaluate(() => window.civplanUI.map.fitBounds([[110.55, 31.1], [110.95, 31.45]], { duration: 0 }));
    await idle(page);
    const box = await page.$eval('#map', (m) => m.getBoundingClientRect().toJSON());
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    const selectedBefore = await page.evaluate(() => window.civplanUI.division.properties.code);
    await page.keyboard.down('Shift');
    await page.mouse.move(cx - 30, cy - 30);
    await page.mouse.down();
    await page.mouse.move(cx + 30, cy + 30, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const lassoed = await page.evaluate(() => [...window.civplanUI.scnSelected.keys()]);
    const inBox = await page.evaluate(([x0, y0, x1, y1]) => [...new Set(window.civplanUI.map.queryRenderedFeatures([[x0, y0], [x1, y1]], { layers: ['township-fill'] }).map((f) => f.properties.code))].sort(),
      [box.width / 2 - 30, box.height / 2 - 30, box.width / 2 + 30, box.height / 2 + 30]);
    assert.ok(lassoed.length >= 1, 'the box selected townships');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.civplanUI.division.properties.code), selectedBefore, 'the box is not a click on the map');
    assert.deepEqual(lassoed.sort(), inBox, 'the box selects exactly the townships it touches');
    await page.click('#scn-clear');
    assert.equal(await page.evaluate(() => window.civplanUI.scnSelected.size), 0);
    for (const code of TOWNS) await page.check('#scn-t-' + code);
    await page.selectOption('#op-kind', 'merge');
    await page.selectOption('#op-into', TOWNS[0]);
    await page.fill('#op-name', '古夫镇');
    await page.click('#op-add');
    assert.equal(await page.$$eval('#scn-ops li', (l) => l.length), 1);
    await page.click('#scn-impact');
    await page.waitForSelector('#impact-table tfoot, #pane-scenario .err:not([hidden])', { timeout: 60000 });
    const err = await page.$eval('#pane-scenario .err', (e) => (e.hidden ? '' : e.textContent));
    assert.equal(err, '', 'the scenario saved and its impact answered');
    const id = await page.evaluate(() => window.civplanUI.scenarioId);
    const body = await apiGet(`/api/v1/scenarios/${id}/impact`, TOKEN);
    const imp = body.impact || body;
    const divs = imp.divisions || (imp.service && imp.service.divisions);
    assert.ok(divs && divs.length > 0, 'the API impact has divisions');
    const get = { population: (s) => s.population && s.population.total, elderly: (s) => s.elderly, villages_all: (s) => s.villages, area: (s) => s.area_km2 };
    // Totals over the units at the deepest affected level (the API lists their parents too).
    const levels = ['province', 'prefecture', 'county', 'township', 'village'];
    const deepest = levels[Math.max(...divs.map((d) => levels.indexOf(d.level)))];
    assert.equal(deepest, 'township', 'a township merge affects townships');
    assert.equal(await page.getAttribute('#impact-table', 'data-total-level'), deepest);
    const units = divs.filter((d) => d.level === deepest);
    for (const [k, f] of Object.entries(get)) {
      for (const side of ['before', 'after']) {
        const want = units.reduce((a, d) => a + Number(f(d[side] || {}) || 0), 0);
        const got = Number(await page.getAttribute(`#impact-table tfoot [data-total="${k}"][data-side="${side}"]`, 'data-value'));
        assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, want), `${k} ${side}: page ${got}, API ${want}`);
      }
    }
    // The merge conserves people and villages: the totals before and after agree.
    for (const k of ['population', 'elderly', 'villages_all']) {
      const b = await page.getAttribute(`#impact-table tfoot [data-total="${k}"][data-side="before"]`, 'data-value');
      const a = await page.getAttribute(`#impact-table tfoot [data-total="${k}"][data-side="after"]`, 'data-value');
      assert.equal(a, b, `${k} conserved by the merge`);
    }
    // A merge moves people, it does not create them: the two townships' population is conserved.
    const pop = (await Promise.all(TOWNS.map((c) => apiGet('/api/v1/divisions/' + c.slice(0, 9))))).reduce((a, f) => a + f.properties.population.total, 0);
    const merged = divs.find((d) => d.code === TOWNS[0]);
    if (merged) assert.equal(merged.after.population.total, pop, 'merged population = sum of the two');
    await page.waitForFunction(() => window.civplanUI.map.querySourceFeatures('scenario').some((f) => f.properties.when === 'after'));
    const geo = await page.textContent('#impact-geometry');
    assert.match(geo, /连成一片|不连通/, 'the union is reported');
    await shot('04-scenario.png');

    // The printable report opens (fetched with the token, shown from a blob URL).
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#scn-report')]);
    await popup.waitForFunction(() => location.protocol === 'blob:' && document.readyState === 'complete' && document.body && document.body.innerText.length > 200, null, { timeout: 60000 });
    assert.match(await popup.evaluate(() => document.body.innerText), /古夫镇/);
    await popup.screenshot({ path: join(OUT, '04-report.png') });
    await popup.close();

    // A second scenario (a rename), then compare the two side by side.
    await page.click('#scn-new');
    await page.selectOption('#op-kind', 'rename');
    await page.selectOption('#op-unit', TOWNS[1]);
    await page.fill('#op-name', '昭君新镇');
    await page.click('#op-add');
    await page.fill('#scn-name', '更名');
    await page.click('#scn-impact');
    await page.waitForFunction((first) => window.civplanUI.scenarioId && window.civplanUI.scenarioId !== first, id);
    const id2 = await page.evaluate(() => window.civplanUI.scenarioId);
    await page.click('#scn-refresh');
    await page.waitForSelector(`.scn-cmp[value="${id2}"]`);
    await page.check(`.scn-cmp[value="${id}"]`);
    await page.check(`.scn-cmp[value="${id2}"]`);
    await page.click('#scn-compare');
    await page.waitForSelector('#compare-table tbody tr, #pane-scenario .err:not([hidden])');
    assert.equal(await page.$eval('#pane-scenario .err', (e) => (e.hidden ? '' : e.textContent)), '', 'compare answered');
    const cmp = await apiGet(`/api/v1/scenarios/compare?a=${id}&b=${id2}`, TOKEN);
    const heads = await page.$$eval('#compare-table thead th', (ths) => ths.map((th) => th.textContent));
    assert.ok(heads[1].includes('#' + cmp.a.id) && heads[2].includes('#' + cmp.b.id), `compare columns ${heads}`);
    const codeRow = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const codes = codeRow.find((r) => /代码对照表/.test(r[0]));
    assert.deepEqual(codes.slice(1), [String(cmp.a.code_changes), String(cmp.b.code_changes)]);
    await shot('04-compare.png');

    // The other operations: transfer a village, change a township's kind, move a seat.
    await page.click('#scn-new');
    await page.selectOption('#op-kind', 'transfer');
    await page.selectOption('#op-from', TOWNS[1]);
    const prefix = TOWNS[1].slice(0, 9);
    await page.waitForSelector(`#op-villages input[type=checkbox][value^="${prefix}"]`);
    const village = await page.$eval(`#op-villages input[type=checkbox][value^="${prefix}"]`, (c) => c.value);
    assert.equal(await page.$$eval('#op-villages input[type=checkbox]', (cs, pre) => cs.every((c) => c.value.slice(0, 9) === pre), prefix), true, 'only the villages of the chosen township');
    await page.check(`#op-villages input[value="${village}"]`);
    await page.selectOption('#op-to', TOWNS[0]);
    await page.click('#op-add');
    await page.selectOption('#op-kind', 'change_kind');
    await page.selectOption('#op-unit', TOWNS[1]);
    await page.selectOption('#op-newkind', 'township');
    await page.click('#op-add');
    await page.selectOption('#op-kind', 'move_seat');
    await page.selectOption('#op-unit', TOWNS[0]);
    await page.click('#op-seat-pick');
    const seat0 = (await apiGet('/api/v1/divisions/' + TOWNS[0].slice(0, 9))).properties.seat;
    const sp = await page.evaluate((c) => { const m = window.civplanUI.map; m.jumpTo({ center: c, zoom: 12 }); return m.project(c); }, seat0);
    const mb = await page.$eval('#map', (m) => m.getBoundingClientRect().toJSON());
    await idle(page);
    await page.mouse.click(mb.x + sp.x + 15, mb.y + sp.y + 10);
    await page.waitForFunction(() => window.civplanUI.seatPick !== null);
    await page.click('#op-add');
    assert.equal(await page.$$eval('#scn-ops li', (l) => l.length), 3);
    await page.fill('#scn-name', '划转、改乡、迁驻地');
    await page.click('#scn-impact');
    await page.waitForFunction(() => { const e = document.querySelector('#pane-scenario .err'); return !e.hidden || (document.querySelector('#impact-table tfoot') && !document.querySelector('#pane-scenario').hasAttribute('aria-busy')); });
    const err3 = await page.$eval('#pane-scenario .err', (e) => (e.hidden ? '' : e.textContent));
    assert.equal(err3, '', 'transfer, change_kind and move_seat evaluate');
    const id3 = await page.evaluate(() => window.civplanUI.scenarioId);
    const stored = await apiGet('/api/v1/scenarios/' + id3, TOKEN);
    assert.deepEqual((stored.scenario || stored).ops.map((o) => o.op), ['transfer', 'change_kind', 'move_seat']);
    await shot('04-ops.png');
  });

  test('5: no console errors, no request leaves 127.0.0.1, controls reachable by keyboard, layout holds at 768 px', async () => {
    await page.close(); // one map at a time: software WebGL on a shared 2-core machine
    const p = await ctx.newPage();
    p.setDefaultTimeout(60000);
    const errors = [];
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(BASE + '/');
    await ready(p);
    // Exercise the page: select a county by search, open each tab, switch language and back.
    await p.fill('#search', '兴山');
    await p.waitForSelector('#search-results li');
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => /兴山县/.test(document.querySelector('#sc-title').textContent));
    for (const tab of ['#tab-gaps', '#tab-siting', '#tab-scenario', '#tab-layers', '#tab-scorecard']) await p.click(tab);
    await p.click('#lang-btn');
    assert.equal(await p.textContent('#tab-scorecard'), 'Scorecard');
    await p.waitForFunction(() => /Rural mutual-aid/.test(document.querySelector('#sc-table').textContent));
    await p.screenshot({ path: join(OUT, '05-english.png') });
    await p.click('#lang-btn');
    assert.equal(await p.textContent('#tab-scorecard'), '评分卡');

    // Keyboard: Tab reaches every main control; arrow keys move between tabs.
    await p.evaluate(() => document.activeElement && document.activeElement.blur());
    const reached = new Set();
    for (let i = 0; i < 40; i++) {
      await p.keyboard.press('Tab');
      reached.add(await p.evaluate(() => { const a = document.activeElement; return a.id || (a.classList.contains('maplibregl-canvas') ? 'map-canvas' : a.getAttribute('aria-label') || a.tagName); }));
    }
    for (const id of ['search', 'kind', 'mode', 'radius', 'token-btn', 'lang-btn', 'map-canvas', 'tab-scorecard']) assert.ok(reached.has(id), `Tab reaches #${id} (reached: ${[...reached].join(', ')})`);
    // The map itself takes the keyboard: focus its canvas, '+' zooms in.
    await p.focus('.maplibregl-canvas');
    const z0 = await p.evaluate(() => window.civplanUI.map.getZoom());
    await p.keyboard.press('Equal');
    await p.waitForFunction((z) => window.civplanUI.map.getZoom() > z + 0.5 && !window.civplanUI.map.isMoving(), z0);
    await p.focus('#tab-scorecard');
    await p.keyboard.press('ArrowRight');
    assert.equal(await p.evaluate(() => document.activeElement.id), 'tab-gaps');
    assert.equal(await p.getAttribute('#tab-gaps', 'aria-selected'), 'true');
    await p.keyboard.press('Enter');
    assert.equal(await p.isVisible('#pane-gaps'), true);
    await p.screenshot({ path: join(OUT, '05-keyboard.png') });

    // Tablet width: nothing wider than the window, the map and the panel both usable.
    await p.setViewportSize({ width: 768, height: 1024 });
    await p.waitForTimeout(500);
    const lay = await p.evaluate(() => {
      const r = (s) => document.querySelector(s).getBoundingClientRect();
      const over = [...document.querySelectorAll('header *, #panel *')].filter((e) => { const b = e.getBoundingClientRect(); return b.width > 0 && b.right > window.innerWidth + 1; }).map((e) => e.id || e.tagName);
      return { scroll: document.documentElement.scrollWidth, map: r('#map').toJSON(), panel: r('#panel').toJSON(), over };
    });
    assert.ok(lay.scroll <= 768, `page scroll width ${lay.scroll} ≤ 768`);
    assert.deepEqual(lay.over, [], 'no element sticks out to the right');
    assert.ok(lay.map.width >= 700 && lay.map.height >= 300, `map ${lay.map.width}×${lay.map.height}`);
    assert.ok(lay.panel.width >= 700 && lay.panel.top >= lay.map.bottom - 1, 'panel below the map, full width');
    await p.evaluate(() => window.civplanUI.map.resize());
    await p.waitForTimeout(300);
    await p.screenshot({ path: join(OUT, '05-tablet-768.png'), fullPage: true });
    await p.close();

    assert.deepEqual(errors, [], 'no console errors');
    const off = requests.filter((u) => { try { const h = new URL(u); return !['data:', 'blob:'].includes(h.protocol) && h.hostname !== '127.0.0.1'; } catch { return true; } });
    assert.deepEqual(off, [], 'every request stays on 127.0.0.1');
    assert.ok(requests.length > 20, `requests seen: ${requests.length}`);
  });
});
